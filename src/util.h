/*
 * util.h: small helpers: clocks, big-endian loads and stores, fds, base64.
 */
#ifndef KS_UTIL_H
#define KS_UTIL_H

#include "ks.h"

/* Wall clock in milliseconds since the epoch. */
int64_t ks_now_ms(void);
/* Monotonic clock in microseconds. */
int64_t ks_mono_us(void);

int ks_set_nonblock(int fd);
int ks_set_cloexec(int fd);

static inline uint16_t ks_be16(const uint8_t *p) { return (uint16_t) ((p[0] << 8) | p[1]); }
static inline uint32_t ks_be32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}
static inline uint64_t ks_be64(const uint8_t *p)
{
    return ((uint64_t) ks_be32(p) << 32) | ks_be32(p + 4);
}
static inline void ks_put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t) (v >> 8); p[1] = (uint8_t) v; }
static inline void ks_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24); p[1] = (uint8_t) (v >> 16); p[2] = (uint8_t) (v >> 8); p[3] = (uint8_t) v;
}
static inline void ks_put_be64(uint8_t *p, uint64_t v)
{
    ks_put_be32(p, (uint32_t) (v >> 32));
    ks_put_be32(p + 4, (uint32_t) v);
}

/* ---- base64 (RFC 4648, padded, strict) ---- */

/* Writes the encoding of n bytes and a NUL to out (4 * ((n + 2) / 3) + 1
 * bytes); returns its length. */
size_t ks_b64_encode(const uint8_t *p, size_t n, char *out);
/* Decodes exactly len characters: only the alphabet, '=' padding to a
 * multiple of 4, zero unused bits.  KS_OK with *outlen, or KS_ERROR (bad
 * input or more than cap bytes). */
int ks_b64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *outlen);

#endif
