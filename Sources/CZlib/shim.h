// CZlib: the system zlib, for gRPC's `grpc-encoding: gzip` in SwarmRPC.
//
// Swift imports only simple literal macros. Every macro below that it cannot import
// is wrapped as a `static inline` function named `CZlib_<MACRO>`, with a note
// saying what needs it. Nothing else belongs here.
#ifndef C_ZLIB_SHIM_H
#define C_ZLIB_SHIM_H

#include <zlib.h>

// A function-like macro (it passes ZLIB_VERSION and sizeof(z_stream)) does not
// import; gzip compression of messages needs deflate with the gzip wrapper.
static inline int CZlib_deflateInit2(z_streamp strm, int level, int method, int windowBits, int memLevel,
                                     int strategy) {
    return deflateInit2(strm, level, method, windowBits, memLevel, strategy);
}

// Same as above, for decompressing gzip messages.
static inline int CZlib_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}

#endif // C_ZLIB_SHIM_H
