/*
 * util.c: clocks, fd helpers, base64.  Runs in: every process.
 */
#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <time.h>

#include "util.h"

int64_t
ks_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
ks_mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
ks_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return KS_ERROR;
    return KS_OK;
}

int
ks_set_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFD);

    if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
        return KS_ERROR;
    return KS_OK;
}

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
ks_b64_encode(const uint8_t *p, size_t n, char *out)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t) p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t) p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
    }
    out[o] = 0;
    return o;
}

static int
b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int
ks_b64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
    size_t o = 0;

    if (len % 4 != 0)
        return KS_ERROR;
    for (size_t i = 0; i < len; i += 4) {
        int v[4], pad = 0;
        bool last = i + 4 == len;

        for (int k = 0; k < 4; k++) {
            if (s[i + k] == '=' && last && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad > 0)                 /* data after padding */
                return KS_ERROR;
            v[k] = b64_value(s[i + k]);
            if (v[k] < 0)
                return KS_ERROR;
        }
        if (pad == 1 && s[i + 2] == '=')  /* "x=y=" */
            return KS_ERROR;
        if (o + 3 - (size_t) pad > cap)
            return KS_ERROR;
        uint32_t w = ((uint32_t) v[0] << 18) | ((uint32_t) v[1] << 12) | ((uint32_t) v[2] << 6) | (uint32_t) v[3];
        /* the bits padding leaves over must be zero (one encoding per value) */
        if ((pad == 2 && (w & 0xFFFF) != 0) || (pad == 1 && (w & 0xFF) != 0))
            return KS_ERROR;
        out[o++] = (uint8_t) (w >> 16);
        if (pad < 2)
            out[o++] = (uint8_t) (w >> 8);
        if (pad < 1)
            out[o++] = (uint8_t) w;
    }
    *outlen = o;
    return KS_OK;
}
