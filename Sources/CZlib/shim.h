// zlib, for the fixture server's gzip bodies and gzip bomb.
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>

// deflateInit2 is a macro; this is the same call with the version check it adds.
static inline int CZlib_deflateInit_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
// inflateInit2 is a macro too; 15 + 32 accepts both gzip and zlib framing
// (zlib.h: "add 32 to windowBits to enable zlib and gzip decoding").
static inline int CZlib_inflateInit_auto(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}
#endif
