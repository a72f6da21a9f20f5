// CProtobufC: the system protobuf-c runtime, the C reference implementation that
// the conformance tests and `make bench` compare the Swift codec against. Never
// linked into the shipped binary.
//
// Macros Swift cannot import are wrapped as `static inline` functions named
// `CProtobufC_<MACRO>`, each with a note saying why.
#ifndef C_PROTOBUF_C_SHIM_H
#define C_PROTOBUF_C_SHIM_H

#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

// PROTOBUF_C_BUFFER_SIMPLE_INIT is a struct initializer sized by `sizeof` of an
// array, which Swift can neither import nor express; protobuf_c_message_pack_to_buffer
// needs a ProtobufCBufferSimple that starts in caller-provided scratch memory.
// Field for field what the macro writes, with the scratch length passed in.
static inline void CProtobufC_PROTOBUF_C_BUFFER_SIMPLE_INIT(
    ProtobufCBufferSimple *buffer, uint8_t *scratch, size_t len) {
    buffer->base.append = protobuf_c_buffer_simple_append;
    buffer->alloced = len;
    buffer->len = 0;
    buffer->data = scratch;
    buffer->must_free_data = 0;
    buffer->allocator = NULL;
}

// Frees what the buffer grew into beyond the scratch memory (a statement macro).
static inline void CProtobufC_PROTOBUF_C_BUFFER_SIMPLE_CLEAR(ProtobufCBufferSimple *buffer) {
    PROTOBUF_C_BUFFER_SIMPLE_CLEAR(buffer);
}

#endif // C_PROTOBUF_C_SHIM_H
