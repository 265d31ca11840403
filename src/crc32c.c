/*
 * crc32c.c: CRC-32C (hardware and slicing-by-8) and CRC-32 IEEE (zlib).
 * Runs in: every process (workers on produce, flusher and restore on
 * segments).
 *
 * The hardware path splits long inputs into three equal blocks and runs
 * the crc32 instruction on all three at once (it has a latency of three
 * cycles but a throughput of one per cycle).  The three partial CRCs are
 * combined with "shift" tables: shift(c, n) is the CRC register after
 * feeding n zero bytes to register c, and since the CRC register is linear
 *   raw(c, A || B) = shift(raw(c, A), |B|) ^ raw(0, B).
 */
#include "config.h"

#include <pthread.h>
#include <string.h>
#include <zlib.h>

#include "crc32c.h"

#define KS_CRC32C_POLY 0x82f63b78u    /* reflected Castagnoli polynomial */

static uint32_t ks_crc_table[8][256];
static pthread_once_t ks_crc_once = PTHREAD_ONCE_INIT;

static uint32_t ks_crc32c_sw_raw(uint32_t crc, const uint8_t *p, size_t len);

static inline uint32_t
ks_le32(const uint8_t *p)
{
    return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16)
        | ((uint32_t) p[3] << 24);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KS_CRC_HW 1
#include <nmmintrin.h>

#define KS_CRC_LONG  8192     /* bytes per stream, long blocks */
#define KS_CRC_SHORT 256      /* bytes per stream, short blocks */

static uint32_t ks_crc_shift_long[4][256];
static uint32_t ks_crc_shift_short[4][256];
static int ks_crc_have_hw;

/* Builds the table that maps a register c to shift(c, n). */
static void
ks_crc_shift_init(uint32_t tab[4][256], size_t n)
{
    static const uint8_t zeros[64];
    uint32_t img[32];

    for (int i = 0; i < 32; i++) {
        uint32_t c = 1u << i;
        size_t left = n;

        while (left > 0) {
            size_t k = KS_MIN(left, sizeof(zeros));
            c = ks_crc32c_sw_raw(c, zeros, k);
            left -= k;
        }
        img[i] = c;
    }
    for (int k = 0; k < 4; k++) {
        for (int b = 0; b < 256; b++) {
            uint32_t v = 0;
            for (int bit = 0; bit < 8; bit++) {
                if (b & (1 << bit))
                    v ^= img[k * 8 + bit];
            }
            tab[k][b] = v;
        }
    }
}

static inline uint32_t
ks_crc_shift(uint32_t tab[4][256], uint32_t c)
{
    return tab[0][c & 0xff] ^ tab[1][(c >> 8) & 0xff] ^ tab[2][(c >> 16) & 0xff]
        ^ tab[3][c >> 24];
}

static inline uint64_t
ks_load64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return v;
}

__attribute__((target("sse4.2")))
static uint32_t
ks_crc32c_hw_raw(uint32_t crc, const uint8_t *p, size_t len)
{
    uint64_t c0 = crc;

    while (len > 0 && ((uintptr_t) p & 7) != 0) {
        c0 = _mm_crc32_u8((uint32_t) c0, *p++);
        len--;
    }
    while (len >= 3 * KS_CRC_LONG) {
        uint64_t c1 = 0, c2 = 0;
        const uint8_t *end = p + KS_CRC_LONG;

        do {
            c0 = _mm_crc32_u64(c0, ks_load64(p));
            c1 = _mm_crc32_u64(c1, ks_load64(p + KS_CRC_LONG));
            c2 = _mm_crc32_u64(c2, ks_load64(p + 2 * KS_CRC_LONG));
            p += 8;
        } while (p < end);
        c0 = ks_crc_shift(ks_crc_shift_long, (uint32_t) c0) ^ c1;
        c0 = ks_crc_shift(ks_crc_shift_long, (uint32_t) c0) ^ c2;
        p += 2 * KS_CRC_LONG;
        len -= 3 * KS_CRC_LONG;
    }
    while (len >= 3 * KS_CRC_SHORT) {
        uint64_t c1 = 0, c2 = 0;
        const uint8_t *end = p + KS_CRC_SHORT;

        do {
            c0 = _mm_crc32_u64(c0, ks_load64(p));
            c1 = _mm_crc32_u64(c1, ks_load64(p + KS_CRC_SHORT));
            c2 = _mm_crc32_u64(c2, ks_load64(p + 2 * KS_CRC_SHORT));
            p += 8;
        } while (p < end);
        c0 = ks_crc_shift(ks_crc_shift_short, (uint32_t) c0) ^ c1;
        c0 = ks_crc_shift(ks_crc_shift_short, (uint32_t) c0) ^ c2;
        p += 2 * KS_CRC_SHORT;
        len -= 3 * KS_CRC_SHORT;
    }
    while (len >= 8) {
        c0 = _mm_crc32_u64(c0, ks_load64(p));
        p += 8;
        len -= 8;
    }
    while (len > 0) {
        c0 = _mm_crc32_u8((uint32_t) c0, *p++);
        len--;
    }
    return (uint32_t) c0;
}
#endif

static void
ks_crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ KS_CRC32C_POLY : c >> 1;
        ks_crc_table[0][i] = c;
    }
    for (int t = 1; t < 8; t++) {
        for (int i = 0; i < 256; i++) {
            uint32_t c = ks_crc_table[t - 1][i];
            ks_crc_table[t][i] = (c >> 8) ^ ks_crc_table[0][c & 0xff];
        }
    }
#ifdef KS_CRC_HW
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse4.2")) {
        ks_crc_shift_init(ks_crc_shift_long, KS_CRC_LONG);
        ks_crc_shift_init(ks_crc_shift_short, KS_CRC_SHORT);
        ks_crc_have_hw = 1;
    }
#endif
}

static uint32_t
ks_crc32c_sw_raw(uint32_t crc, const uint8_t *p, size_t len)
{
    while (len > 0 && ((uintptr_t) p & 7) != 0) {
        crc = (crc >> 8) ^ ks_crc_table[0][(crc ^ *p++) & 0xff];
        len--;
    }
    while (len >= 8) {
        uint32_t lo = crc ^ ks_le32(p);
        uint32_t hi = ks_le32(p + 4);

        crc = ks_crc_table[7][lo & 0xff] ^ ks_crc_table[6][(lo >> 8) & 0xff]
            ^ ks_crc_table[5][(lo >> 16) & 0xff] ^ ks_crc_table[4][lo >> 24]
            ^ ks_crc_table[3][hi & 0xff] ^ ks_crc_table[2][(hi >> 8) & 0xff]
            ^ ks_crc_table[1][(hi >> 16) & 0xff] ^ ks_crc_table[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len > 0) {
        crc = (crc >> 8) ^ ks_crc_table[0][(crc ^ *p++) & 0xff];
        len--;
    }
    return crc;
}

uint32_t
ks_crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
    pthread_once(&ks_crc_once, ks_crc_init);
    if (len == 0)
        return crc;
    return ~ks_crc32c_sw_raw(~crc, buf, len);
}

uint32_t
ks_crc32c(uint32_t crc, const void *buf, size_t len)
{
    pthread_once(&ks_crc_once, ks_crc_init);
    if (len == 0)
        return crc;
#ifdef KS_CRC_HW
    if (ks_likely(ks_crc_have_hw))
        return ~ks_crc32c_hw_raw(~crc, buf, len);
#endif
    return ~ks_crc32c_sw_raw(~crc, buf, len);
}

const char *
ks_crc32c_impl(void)
{
    pthread_once(&ks_crc_once, ks_crc_init);
#ifdef KS_CRC_HW
    if (ks_crc_have_hw)
        return "sse4.2";
#endif
    return "slicing-by-8";
}

uint32_t
ks_crc32_ieee(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    /* zlib takes a uInt length */
    while (len > 0) {
        uInt n = (uInt) KS_MIN(len, (size_t) 1 << 30);
        crc = (uint32_t) crc32(crc, p, n);
        p += n;
        len -= n;
    }
    return crc;
}
