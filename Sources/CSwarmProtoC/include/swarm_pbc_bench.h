// Timing loops for `make bench` that run entirely in C, so that protobuf-c is
// measured without any Swift call overhead.
#ifndef SWARM_PBC_BENCH_H
#define SWARM_PBC_BENCH_H

#include <stddef.h>
#include <stdint.h>

/// The messages the benchmark compares.
typedef enum {
  SWARM_PBC_BENCH_LEASE = 0,        // openswarm.v1.Lease
  SWARM_PBC_BENCH_TASK_RESULT = 1,  // openswarm.v1.TaskResult
} swarm_pbc_bench_message;

/// Nanoseconds per operation, measured over `iterations` operations.
typedef struct {
  double encode_ns;      // get_packed_size + malloc + pack + free
  double decode_ns;      // unpack + free_unpacked
  size_t encoded_size;   // bytes protobuf-c wrote (must equal the input's size)
} swarm_pbc_timing;

/// Unpacks `bytes` (made by the Swift codec) as `message`, then times packing it and
/// unpacking `bytes`. Returns 0, or -1 when protobuf-c cannot unpack the input.
int swarm_pbc_bench(swarm_pbc_bench_message message, const uint8_t *bytes, size_t len,
                    int iterations, swarm_pbc_timing *out);

/// The linked protobuf-c library's version, e.g. "1.4.1".
const char *swarm_pbc_version(void);

#endif
