// protobuf-c as a reference codec for the conformance tests
// (Tests/SwarmProtoTests/ConformanceTests.swift).
//
// Everything crosses this boundary as plain bytes: the tests hand protobuf-c an
// encoding of `openswarm.testing.AllTypes` and get back either protobuf-c's own
// encoding of what it read, or a text listing of the values it read. No protobuf-c
// structure is visible to Swift.
#ifndef SWARM_PBC_ORACLE_H
#define SWARM_PBC_ORACLE_H

#include <stddef.h>
#include <stdint.h>

/// What the oracle functions return.
typedef enum {
  SWARM_PBC_OK = 0,
  /// protobuf-c rejected the input (`protobuf_c_message_unpack` returned NULL).
  SWARM_PBC_UNPACK_FAILED = 1,
  /// An allocation failed.
  SWARM_PBC_NO_MEMORY = 2,
} swarm_pbc_status;

/// Unpacks `in` as `openswarm.testing.AllTypes` with protobuf-c and packs the result
/// again. On success `*out` holds `*out_len` bytes (never NULL, even when empty) that
/// the caller releases with `swarm_pbc_free`; on failure `*out` is NULL.
/// `in` may be NULL when `len` is 0.
int swarm_pbc_reencode_alltypes(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);

/// Unpacks `in` as `openswarm.testing.AllTypes` and lists every value protobuf-c holds,
/// so that values, not only bytes, can be compared with another codec. The listing is
/// NUL-terminated UTF-8 text, one `path: value` line per value, fields in field-number
/// order:
///
///     f_int32: -1                  implicit-presence scalars, always listed
///     f_float: 0x80000000          float and double as their IEEE bit patterns
///     f_string: x"68c3a9"          strings and bytes as hex
///     f_nested: message            a present message, then its fields:
///     f_nested.a: 0
///     r_int32[1]: 7                repeated elements; map entries are repeated
///     m_int32_int32[0].key: 0      entry messages with `key` and `value`, in the
///                                  order they were read
///     o_int32: 0                   oneof members (and proto3 `optional` fields,
///                                  oneofs in protobuf-c) only when set
///     f_nested#unknown: x"c03e05"  unknown fields, re-encoded in arrival order
///
/// Enums are listed as numbers, bools as `true`/`false`. Release `*out` with
/// `swarm_pbc_free`.
int swarm_pbc_dump_alltypes(const uint8_t *in, size_t len, char **out, size_t *out_len);

/// Releases a buffer returned by the functions above. NULL is ignored.
void swarm_pbc_free(void *buffer);

#endif
