// CNghttp2: the system libnghttp2 (HTTP/2 framing, HPACK, flow control) for SwarmRPC.
//
// Swift imports only simple literal macros. Every macro below that it cannot import
// is wrapped as a `static inline` function named `CNghttp2_<MACRO>`, with a note
// saying what needs it. Nothing else belongs here.
#ifndef C_NGHTTP2_SHIM_H
#define C_NGHTTP2_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <nghttp2/nghttp2.h>

// `sizeof` in a macro does not import; TLS ALPN setup needs the length of
// NGHTTP2_PROTO_ALPN ("\x02h2") to advertise and select "h2".
static inline size_t CNghttp2_NGHTTP2_PROTO_ALPN_LEN(void) {
    return NGHTTP2_PROTO_ALPN_LEN;
}

// A cast over a shift expression does not import; flow-control code compares
// window updates against the largest window HTTP/2 allows (2^31 - 1).
static inline int32_t CNghttp2_NGHTTP2_MAX_WINDOW_SIZE(void) {
    return NGHTTP2_MAX_WINDOW_SIZE;
}

// A nested shift expression does not import; the initial stream window (65535)
// is the baseline for flow-control accounting and SETTINGS.
static inline int32_t CNghttp2_NGHTTP2_INITIAL_WINDOW_SIZE(void) {
    return NGHTTP2_INITIAL_WINDOW_SIZE;
}

// Same as above, for the connection-level window.
static inline int32_t CNghttp2_NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE(void) {
    return NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE;
}

#endif // C_NGHTTP2_SHIM_H
