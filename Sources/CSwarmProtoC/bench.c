// protobuf-c timing loops for `make bench` (see include/swarm_pbc_bench.h).
#include "swarm_pbc_bench.h"

#include <stdlib.h>
#include <time.h>

#include <protobuf-c/protobuf-c.h>

#include "openswarm/v1/task.pb-c.h"

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

const char *swarm_pbc_version(void) { return protobuf_c_version(); }

// Keeps the optimizer from discarding work whose result is otherwise unused.
static volatile size_t sink;

int swarm_pbc_bench(swarm_pbc_bench_message message, const uint8_t *bytes, size_t len,
                    int iterations, swarm_pbc_timing *out) {
  const ProtobufCMessageDescriptor *descriptor =
      message == SWARM_PBC_BENCH_LEASE ? &openswarm__v1__lease__descriptor
                                       : &openswarm__v1__task_result__descriptor;
  ProtobufCMessage *parsed = protobuf_c_message_unpack(descriptor, NULL, len, bytes);
  if (parsed == NULL) return -1;

  double start = now_ns();
  size_t total = 0;
  for (int i = 0; i < iterations; i++) {
    size_t size = protobuf_c_message_get_packed_size(parsed);
    uint8_t *buffer = malloc(size);
    total += protobuf_c_message_pack(parsed, buffer);
    sink += buffer[size / 2];
    free(buffer);
  }
  out->encode_ns = (now_ns() - start) / iterations;
  out->encoded_size = total / (size_t)iterations;

  start = now_ns();
  for (int i = 0; i < iterations; i++) {
    ProtobufCMessage *decoded = protobuf_c_message_unpack(descriptor, NULL, len, bytes);
    if (decoded == NULL) {
      protobuf_c_message_free_unpacked(parsed, NULL);
      return -1;
    }
    sink += decoded->descriptor->n_fields;
    protobuf_c_message_free_unpacked(decoded, NULL);
  }
  out->decode_ns = (now_ns() - start) / iterations;
  protobuf_c_message_free_unpacked(parsed, NULL);
  return 0;
}
