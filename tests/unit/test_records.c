/*
 * test_records.c: record batch validation, iteration, rewriting, decoding,
 * building and legacy message set conversion.  The golden_* arrays were
 * produced by kafka-python 2.0.2's own builders
 * (DefaultRecordBatchBuilder / LegacyRecordBatchBuilder), records:
 *   offset 0 ts 1700000000000 key "k0" value "hello"
 *   offset 1 ts 1700000000005 key null value "world" header h1=v1
 *   offset 2 ts 1700000000003 key "k2" value null          (v2 only)
 *   offsets 3..22 ts 1700000000001 value "filler-filler-filler" (v2 gzip
 *   only: kafka-python sends uncompressed when gzip does not shrink it)
 * legacy sets hold the first two (magic 1: ts ...000 and ...007, no headers).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "records.h"
#include "util.h"

static const uint8_t golden_v2_none[102] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5a,
    0x00, 0x00, 0x00, 0x00, 0x02, 0x73, 0x52, 0xfb, 0xf5, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x02, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, 0x00,
    0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
    0x03, 0x1a, 0x00, 0x00, 0x00, 0x04, 0x6b, 0x30, 0x0a, 0x68, 0x65, 0x6c,
    0x6c, 0x6f, 0x00, 0x22, 0x00, 0x0a, 0x02, 0x01, 0x0a, 0x77, 0x6f, 0x72,
    0x6c, 0x64, 0x02, 0x04, 0x68, 0x31, 0x04, 0x76, 0x31, 0x10, 0x00, 0x06,
    0x04, 0x04, 0x6b, 0x32, 0x01, 0x00,
};

static const uint8_t golden_v2_gzip[191] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb3,
    0x00, 0x00, 0x00, 0x00, 0x02, 0x3c, 0x76, 0x17, 0x6e, 0x00, 0x01, 0x00,
    0x00, 0x00, 0x16, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, 0x00,
    0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
    0x17, 0x1f, 0x8b, 0x08, 0x00, 0xdb, 0x0f, 0x08, 0x6b, 0x02, 0xff, 0x75,
    0xc9, 0x51, 0x07, 0x83, 0x60, 0x14, 0x80, 0xe1, 0xf3, 0x7d, 0x8e, 0xe4,
    0x33, 0x93, 0x49, 0x26, 0x99, 0xc9, 0x4c, 0x66, 0x51, 0xe9, 0x27, 0xad,
    0x34, 0x1d, 0xa2, 0x8b, 0xf5, 0xf7, 0xd3, 0xe5, 0x2e, 0xde, 0xab, 0xe7,
    0xe2, 0xc9, 0x45, 0x44, 0xe7, 0x26, 0x4c, 0x83, 0xd9, 0x22, 0xa5, 0x04,
    0xef, 0xc2, 0xb6, 0xac, 0xf6, 0xf1, 0x3a, 0xb5, 0xfa, 0x6b, 0x13, 0x89,
    0x54, 0xe7, 0xce, 0x49, 0x2f, 0x3e, 0x72, 0xd5, 0xf8, 0x35, 0x1b, 0xd6,
    0xfa, 0x8f, 0xa3, 0x62, 0xae, 0xc0, 0x75, 0xe2, 0x3a, 0x73, 0x25, 0x5c,
    0x17, 0xae, 0x94, 0x2b, 0xe3, 0xba, 0x72, 0xe5, 0x5c, 0x05, 0xd7, 0x8d,
    0xeb, 0xce, 0x55, 0x72, 0x3d, 0xb8, 0x9e, 0x5c, 0x15, 0xd7, 0x8b, 0xeb,
    0x0d, 0xb5, 0x03, 0x59, 0x3f, 0xdb, 0x5b, 0x45, 0x02, 0x00, 0x00,
};

static const uint8_t golden_m0_none[64] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15,
    0x9e, 0x2d, 0x3c, 0x4e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x6b, 0x30,
    0x00, 0x00, 0x00, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x13, 0x8b, 0xc0, 0xcd,
    0x77, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x05, 0x77,
    0x6f, 0x72, 0x6c, 0x64,
};

static const uint8_t golden_m0_gzip[88] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4c,
    0xa2, 0x9a, 0x04, 0x7a, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00,
    0x00, 0x3e, 0x1f, 0x8b, 0x08, 0x00, 0xdb, 0x0f, 0x08, 0x6b, 0x02, 0xff,
    0x63, 0x60, 0x80, 0x03, 0xd1, 0x79, 0xba, 0x36, 0x7e, 0x60, 0x16, 0x53,
    0xb6, 0x01, 0x90, 0x64, 0xcd, 0x48, 0xcd, 0xc9, 0xc9, 0x87, 0x4a, 0x32,
    0x02, 0xb1, 0x70, 0xf7, 0x81, 0xb3, 0xe5, 0x0c, 0x0c, 0xff, 0x81, 0x00,
    0x24, 0x5d, 0x9e, 0x5f, 0x94, 0x93, 0x02, 0x00, 0x65, 0x26, 0x50, 0x71,
    0x40, 0x00, 0x00, 0x00,
};

static const uint8_t golden_m1_none[80] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1d,
    0x71, 0xf6, 0xfe, 0xa8, 0x01, 0x00, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5,
    0x68, 0x00, 0x00, 0x00, 0x00, 0x02, 0x6b, 0x30, 0x00, 0x00, 0x00, 0x05,
    0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x1b, 0xe7, 0x49, 0x16, 0xbf, 0x01, 0x00, 0x00,
    0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x07, 0xff, 0xff, 0xff, 0xff, 0x00,
    0x00, 0x00, 0x05, 0x77, 0x6f, 0x72, 0x6c, 0x64,
};

static const uint8_t golden_m1_gzip[105] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5d,
    0x83, 0xdc, 0xed, 0xab, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x47, 0x1f, 0x8b,
    0x08, 0x00, 0xdb, 0x0f, 0x08, 0x6b, 0x02, 0xff, 0x63, 0x60, 0x80, 0x03,
    0xd9, 0xc2, 0x6f, 0xff, 0x56, 0x30, 0x02, 0x19, 0x8c, 0xdd, 0xe7, 0x9f,
    0x66, 0x80, 0x44, 0x98, 0xb2, 0x0d, 0x80, 0x24, 0x6b, 0x46, 0x6a, 0x4e,
    0x4e, 0x3e, 0x54, 0x11, 0x48, 0x5e, 0xfa, 0xb9, 0xa7, 0xd8, 0x7e, 0xb8,
    0x42, 0xf6, 0xff, 0x40, 0x00, 0x52, 0x56, 0x9e, 0x5f, 0x94, 0x93, 0x02,
    0x00, 0x9b, 0x28, 0x53, 0x5c, 0x50, 0x00, 0x00, 0x00,
};

/* ---- helpers ---- */

typedef struct {
    int         n;
    ks_record_t recs[64];
    char        keys[64][32];
    char        values[64][32];
    uint8_t     hdrs[64][32];
} collect_t;

static int
collect_cb(void *arg, const ks_record_t *rec)
{
    collect_t *c = arg;

    ck_assert_int_lt(c->n, 64);
    c->recs[c->n] = *rec;
    /* copy the bytes: views may die after the callback (gzip) */
    if (rec->key_len > 0) {
        ck_assert_int_lt(rec->key_len, 32);
        memcpy(c->keys[c->n], rec->key, (size_t) rec->key_len);
    }
    if (rec->value_len > 0) {
        ck_assert_int_lt(rec->value_len, 32);
        memcpy(c->values[c->n], rec->value, (size_t) rec->value_len);
    }
    ck_assert_uint_lt(rec->headers_len, 32);
    if (rec->headers_len > 0)
        memcpy(c->hdrs[c->n], rec->headers, rec->headers_len);
    c->n++;
    return 0;
}

static void
fix_crc(uint8_t *b, size_t len)
{
    ks_put_be32(b + KS_BATCH_OFF_CRC, ks_crc32c(0, b + 21, len - 21));
}

static uint8_t *
dup(const uint8_t *p, size_t len)
{
    uint8_t *d = malloc(len ? len : 1);

    ck_assert_ptr_nonnull(d);
    memcpy(d, p, len);
    return d;
}

static void
check_golden_records(const collect_t *c, int n)
{
    ck_assert_int_eq(c->n, n);
    ck_assert_int_eq(c->recs[0].offset, 0);
    ck_assert_int_eq(c->recs[1].offset, 1);
    ck_assert_int_eq(c->recs[0].key_len, 2);
    ck_assert_mem_eq(c->keys[0], "k0", 2);
    ck_assert_int_eq(c->recs[0].value_len, 5);
    ck_assert_mem_eq(c->values[0], "hello", 5);
    ck_assert_int_eq(c->recs[1].key_len, -1);
    ck_assert_ptr_null(c->recs[1].key);
    ck_assert_mem_eq(c->values[1], "world", 5);
}

/* Builds a batch of n records "k<i>"/"value-<i>" at ts 1000+i. */
static uint8_t *
build_n(int n, int16_t attributes, size_t *len)
{
    ks_record_t recs[64];
    char keys[64][8], vals[64][16];
    ks_batch_opts_t o;
    uint8_t *out = NULL;

    ck_assert_int_le(n, 64);
    for (int i = 0; i < n; i++) {
        memset(&recs[i], 0, sizeof(recs[i]));
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
        snprintf(vals[i], sizeof(vals[i]), "value-%d", i);
        recs[i].offset = i;
        recs[i].timestamp = 1000 + i;
        recs[i].key = (const uint8_t *) keys[i];
        recs[i].key_len = (int32_t) strlen(keys[i]);
        recs[i].value = (const uint8_t *) vals[i];
        recs[i].value_len = (int32_t) strlen(vals[i]);
    }
    ks_batch_opts_init(&o);
    o.attributes = attributes;
    ck_assert_int_eq(ks_batch_build(&o, recs, n, &out, len), KS_OK);
    return out;
}

/* ---- golden batches from kafka-python ---- */

START_TEST(test_golden_v2)
{
    const uint8_t *g[2] = { golden_v2_none, golden_v2_gzip };
    size_t gl[2] = { sizeof(golden_v2_none), sizeof(golden_v2_gzip) };

    for (int i = 0; i < 2; i++) {
        ks_records_summary_t sum;
        collect_t c;

        ck_assert_int_eq(ks_records_validate(g[i], gl[i], &sum), KS_OK);
        ck_assert_int_eq(sum.nbatches, 1);
        ck_assert_int_eq(sum.total_records, i ? 23 : 3);
        ck_assert_int_eq(sum.first.attributes & 7, i);
        ck_assert_int_eq(sum.max_timestamp, 1700000000005LL);
        ck_assert_int_eq(sum.first.base_timestamp, 1700000000000LL);
        ck_assert_uint_eq(sum.bytes, gl[i]);
        memset(&c, 0, sizeof(c));
        ck_assert_int_eq(ks_batch_foreach_record(g[i], gl[i], collect_cb, &c), KS_OK);
        check_golden_records(&c, i ? 23 : 3);
        ck_assert_int_eq(c.recs[c.n - 1].offset, c.n - 1);
        ck_assert_int_eq(c.recs[1].timestamp, 1700000000005LL);
        ck_assert_int_eq(c.recs[2].timestamp, 1700000000003LL);
        ck_assert_int_eq(c.recs[2].value_len, -1);
        ck_assert_int_eq(c.recs[1].header_count, 1);
        /* header: key len 2 (zigzag 4), "h1", value len 2, "v1" */
        ck_assert_uint_eq(c.recs[1].headers_len, 6);
        ck_assert_mem_eq(c.hdrs[1], "\x04h1\x04v1", 6);

        /* our builder produces exactly kafka-python's uncompressed bytes */
        if (i == 0) {
            uint8_t *b;
            size_t bl;
            ks_batch_opts_t o;
            ks_batch_opts_init(&o);
            o.partition_leader_epoch = 0;    /* kafka-python writes 0, Java -1 */
            ck_assert_int_eq(ks_batch_build(&o, c.recs, 3, &b, &bl), KS_OK);
            ck_assert_uint_eq(bl, gl[0]);
            ck_assert_mem_eq(b, golden_v2_none, bl);
            free(b);
        }
    }
}
END_TEST

START_TEST(test_build_roundtrip)
{
    for (int gz = 0; gz <= 1; gz++) {
        size_t len;
        uint8_t *b = build_n(50, (int16_t) gz, &len);
        ks_records_summary_t sum;
        collect_t c;

        ck_assert_int_eq(ks_records_validate(b, len, &sum), KS_OK);
        ck_assert_int_eq(sum.total_records, 50);
        ck_assert_int_eq(sum.first.last_offset_delta, 49);
        ck_assert_int_eq(sum.first.max_timestamp, 1049);
        ck_assert_int_eq(sum.first.producer_id, -1);
        memset(&c, 0, sizeof(c));
        ck_assert_int_eq(ks_batch_foreach_record(b, len, collect_cb, &c), KS_OK);
        ck_assert_int_eq(c.n, 50);
        ck_assert_int_eq(c.recs[49].offset, 49);
        ck_assert_int_eq(c.recs[49].timestamp, 1049);
        ck_assert_mem_eq(c.values[49], "value-49", 8);
        free(b);
    }
    /* bad builder arguments */
    ks_record_t r;
    uint8_t *out;
    size_t ol;
    memset(&r, 0, sizeof(r));
    r.key_len = 3;    /* key NULL */
    ck_assert_int_eq(ks_batch_build(NULL, &r, 1, &out, &ol), KS_ERROR);
    r.key_len = -1;
    r.value_len = -1;
    r.offset = -1;    /* below base offset */
    ck_assert_int_eq(ks_batch_build(NULL, &r, 1, &out, &ol), KS_ERROR);
    ck_assert_int_eq(ks_batch_build(NULL, &r, 0, &out, &ol), KS_ERROR);
}
END_TEST

static int
stop_cb(void *arg, const ks_record_t *rec)
{
    int *seen = arg;

    (*seen)++;
    return rec->offset == 2 ? -7 : 0;
}

START_TEST(test_foreach_stop)
{
    size_t len;
    uint8_t *b = build_n(5, 0, &len);
    int seen = 0;

    ck_assert_int_eq(ks_batch_foreach_record(b, len, stop_cb, &seen), -7);
    ck_assert_int_eq(seen, 3);
    /* wrong length given */
    ck_assert_int_eq(ks_batch_foreach_record(b, len - 1, stop_cb, &seen),
                     KS_BATCH_ERR_CORRUPT_MESSAGE);
    /* a record length that lies: first record's length varint + 1 */
    b[61] += 2;
    fix_crc(b, len);
    ck_assert_int_eq(ks_batch_foreach_record(b, len, stop_cb, &seen),
                     KS_BATCH_ERR_CORRUPT_MESSAGE);
    /* snappy */
    b[22] = (uint8_t) ((b[22] & ~7) | 2);
    ck_assert_int_eq(ks_batch_foreach_record(b, len, stop_cb, &seen),
                     KS_BATCH_ERR_UNSUPPORTED_COMPRESSION);
    free(b);
}
END_TEST

/* ---- corruption ---- */

START_TEST(test_bit_flips)
{
    size_t len;
    uint8_t *b = build_n(3, 0, &len);

    ck_assert_int_eq(ks_records_validate(b, len, NULL), KS_OK);
    for (size_t byte = 0; byte < len; byte++) {
        for (int bit = 0; bit < 8; bit++) {
            int rc;

            b[byte] ^= (uint8_t) (1 << bit);
            rc = ks_records_validate(b, len, NULL);
            if (byte >= 8)
                ck_assert_msg(ks_batch_crc_ok(b, len) == (byte < 17),
                              "crc_ok wrong at byte %zu bit %d", byte, bit);
            if (byte < 8)    /* baseOffset: not covered, but must be 0 from a client */
                ck_assert_int_eq(rc, KS_BATCH_ERR_INVALID_RECORD);
            else if (byte >= 12 && byte < 16)    /* partitionLeaderEpoch: not covered */
                ck_assert_int_eq(rc, KS_OK);
            else
                ck_assert_msg(rc == KS_BATCH_ERR_CORRUPT_MESSAGE,
                              "flip at byte %zu bit %d gave %d", byte, bit, rc);
            b[byte] ^= (uint8_t) (1 << bit);
        }
    }
    ck_assert_int_eq(ks_records_validate(b, len, NULL), KS_OK);
    free(b);
}
END_TEST

START_TEST(test_lying_length)
{
    size_t len;
    uint8_t *b = build_n(3, 0, &len);
    uint8_t *big = malloc(len + 100);
    int32_t real = (int32_t) (len - 12);
    int32_t lies[] = { real + 1, real + 100, real - 1, 48, 0, -1, -12, INT32_MIN, INT32_MAX };

    ck_assert_ptr_nonnull(big);
    memcpy(big, b, len);
    memset(big + len, 0, 100);
    for (size_t i = 0; i < KS_ARRAY_LEN(lies); i++) {
        const uint8_t *p = big;
        ks_put_be32(big + 8, (uint32_t) lies[i]);
        ck_assert_int_eq(ks_records_validate(big, len, NULL), KS_BATCH_ERR_CORRUPT_MESSAGE);
        ck_assert_int_eq(ks_records_validate(big, len + 100, NULL), KS_BATCH_ERR_CORRUPT_MESSAGE);
        if (lies[i] < 49 || lies[i] > real)
            ck_assert_int_eq(ks_batch_next(&p, big + len, NULL, NULL, NULL), -1);
    }
    /* magic 1 in a v2 blob */
    b[16] = 1;
    ck_assert_int_eq(ks_records_validate(b, len, NULL), KS_BATCH_ERR_CORRUPT_MESSAGE);
    free(big);
    free(b);
}
END_TEST

START_TEST(test_short_inputs)
{
    size_t len;
    uint8_t *b = build_n(1, 0, &len);

    for (size_t l = 0; l < len; l++) {
        int rc = ks_records_validate(b, l, NULL);
        const uint8_t *p = b;
        ck_assert_int_eq(rc, l == 0 ? KS_BATCH_ERR_INVALID_RECORD : KS_BATCH_ERR_CORRUPT_MESSAGE);
        ck_assert_int_eq(ks_batch_next(&p, b + l, NULL, NULL, NULL), l == 0 ? 0 : -1);
        ck_assert_ptr_eq(p, b);
    }
    ck_assert_int_eq(ks_records_validate(NULL, 0, NULL), KS_BATCH_ERR_INVALID_RECORD);
    free(b);
}
END_TEST

/* LogValidator rules on client batches */
START_TEST(test_kafka_rules)
{
    size_t len;
    uint8_t *b = build_n(3, 0, &len);
    uint8_t *w;

    w = dup(b, len);    /* recordsCount 0 */
    ks_put_be32(w + KS_BATCH_OFF_RECORDS_COUNT, 0);
    fix_crc(w, len);
    ck_assert_int_eq(ks_records_validate(w, len, NULL), KS_BATCH_ERR_INVALID_RECORD);
    memcpy(w, b, len);    /* lastOffsetDelta != count - 1 */
    ks_put_be32(w + KS_BATCH_OFF_LAST_DELTA, 5);
    fix_crc(w, len);
    ck_assert_int_eq(ks_records_validate(w, len, NULL), KS_BATCH_ERR_INVALID_RECORD);
    memcpy(w, b, len);    /* control batch */
    w[22] |= KS_BATCH_ATTR_CONTROL;
    fix_crc(w, len);
    ck_assert_int_eq(ks_records_validate(w, len, NULL), KS_BATCH_ERR_INVALID_RECORD);
    memcpy(w, b, len);    /* idempotent producer without a sequence */
    ks_put_be64(w + KS_BATCH_OFF_PRODUCER_ID, 42);
    fix_crc(w, len);
    ck_assert_int_eq(ks_records_validate(w, len, NULL), KS_BATCH_ERR_INVALID_RECORD);
    ks_put_be32(w + KS_BATCH_OFF_BASE_SEQUENCE, 0);
    fix_crc(w, len);
    ck_assert_int_eq(ks_records_validate(w, len, NULL), KS_OK);
    memcpy(w, b, len);    /* codec 5 */
    w[22] = (uint8_t) ((w[22] & ~7) | 5);
    fix_crc(w, len);
    ck_assert_int_eq(ks_records_validate(w, len, NULL), KS_BATCH_ERR_UNSUPPORTED_COMPRESSION);
    memcpy(w, b, len);    /* more records than an uncompressed batch can hold */
    ks_put_be32(w + KS_BATCH_OFF_RECORDS_COUNT, 1000);
    ks_put_be32(w + KS_BATCH_OFF_LAST_DELTA, 999);
    fix_crc(w, len);
    ck_assert_int_eq(ks_records_validate(w, len, NULL), KS_BATCH_ERR_CORRUPT_MESSAGE);
    memcpy(w, b, len);    /* the same claim is fine for a compressed batch (header only) */
    w[22] = (uint8_t) ((w[22] & ~7) | 3);
    ks_put_be32(w + KS_BATCH_OFF_RECORDS_COUNT, 1000);
    ks_put_be32(w + KS_BATCH_OFF_LAST_DELTA, 999);
    fix_crc(w, len);
    ck_assert_int_eq(ks_records_validate(w, len, NULL), KS_OK);
    free(w);
    free(b);
}
END_TEST

/* ---- several batches, iteration, partial tail ---- */

START_TEST(test_multi_batch)
{
    size_t l1, l2, l3;
    uint8_t *b1 = build_n(2, 0, &l1), *b2 = build_n(5, 1, &l2), *b3 = build_n(7, 0, &l3);
    size_t total = l1 + l2 + l3;
    uint8_t *blob = malloc(total);
    ks_records_summary_t sum;
    const uint8_t *p, *batch;
    ks_batch_info_t info;
    size_t blen;

    ck_assert_ptr_nonnull(blob);
    memcpy(blob, b1, l1);
    memcpy(blob + l1, b2, l2);
    memcpy(blob + l1 + l2, b3, l3);

    ck_assert_int_eq(ks_records_validate(blob, l1 + l2, &sum), KS_OK);
    ck_assert_int_eq(sum.nbatches, 2);
    ck_assert_int_eq(sum.total_records, 7);
    ck_assert_int_eq(ks_records_validate(blob, total, &sum), KS_OK);
    ck_assert_int_eq(sum.nbatches, 3);
    ck_assert_int_eq(sum.total_records, 14);
    ck_assert_int_eq(sum.first.records_count, 2);
    ck_assert_int_eq(sum.last.records_count, 7);
    ck_assert_uint_eq(sum.max_batch_bytes, KS_MAX(l1, KS_MAX(l2, l3)));
    ck_assert_int_eq(sum.max_timestamp, 1006);

    /* damage in the second and third batch is found */
    blob[l1 + 70] ^= 1;
    ck_assert_int_eq(ks_records_validate(blob, total, NULL), KS_BATCH_ERR_CORRUPT_MESSAGE);
    blob[l1 + 70] ^= 1;
    blob[total - 1] ^= 0x80;
    ck_assert_int_eq(ks_records_validate(blob, total, NULL), KS_BATCH_ERR_CORRUPT_MESSAGE);
    blob[total - 1] ^= 0x80;
    ck_assert_int_eq(ks_records_validate(blob, total, NULL), KS_OK);

    /* iterator, with base offsets rewritten as the broker does */
    ks_batch_set_base_offset(blob, 100);
    ks_batch_set_base_offset(blob + l1, 102);
    ks_batch_set_base_offset(blob + l1 + l2, 107);
    p = blob;
    ck_assert_int_eq(ks_batch_next(&p, blob + total, &info, &batch, &blen), 1);
    ck_assert_int_eq(info.base_offset, 100);
    ck_assert_ptr_eq(batch, blob);
    ck_assert_uint_eq(blen, l1);
    ck_assert(ks_batch_crc_ok(batch, blen));
    ck_assert_int_eq(ks_batch_next(&p, blob + total, &info, &batch, &blen), 1);
    ck_assert_int_eq(info.base_offset, 102);
    ck_assert_int_eq(info.attributes & 7, 1);
    ck_assert(ks_batch_crc_ok(batch, blen));
    ck_assert_int_eq(ks_batch_next(&p, blob + total, &info, &batch, &blen), 1);
    ck_assert_int_eq(info.base_offset, 107);
    ck_assert_int_eq(ks_batch_next(&p, blob + total, &info, &batch, &blen), 0);
    ck_assert_ptr_eq(p, blob + total);

    /* rewritten base offsets are not accepted from a client */
    ck_assert_int_eq(ks_records_validate(blob, total, NULL), KS_BATCH_ERR_INVALID_RECORD);

    /* partial trailing batch: the reader gets two batches, then -1 */
    for (size_t cut = 1; cut < l3; cut += 13) {
        p = blob;
        ck_assert_int_eq(ks_batch_next(&p, blob + total - cut, NULL, NULL, NULL), 1);
        ck_assert_int_eq(ks_batch_next(&p, blob + total - cut, NULL, NULL, NULL), 1);
        ck_assert_int_eq(ks_batch_next(&p, blob + total - cut, NULL, NULL, NULL), -1);
        ck_assert_ptr_eq(p, blob + l1 + l2);
    }
    ks_batch_set_base_offset(blob, 0);
    ks_batch_set_base_offset(blob + l1, 0);
    ks_batch_set_base_offset(blob + l1 + l2, 0);
    ck_assert_int_eq(ks_records_validate(blob, total - 1, NULL), KS_BATCH_ERR_CORRUPT_MESSAGE);

    free(blob);
    free(b1);
    free(b2);
    free(b3);
}
END_TEST

START_TEST(test_log_append_time)
{
    for (int gz = 0; gz <= 1; gz++) {
        size_t len;
        uint8_t *b = build_n(4, (int16_t) gz, &len);
        ks_records_summary_t sum;
        collect_t c;

        ks_batch_set_log_append_time(b, 1800000000000LL);
        ck_assert(ks_batch_crc_ok(b, len));
        ck_assert_int_eq(ks_records_validate(b, len, &sum), KS_OK);
        ck_assert_int_eq(sum.first.attributes & KS_BATCH_ATTR_LOG_APPEND_TIME,
                         KS_BATCH_ATTR_LOG_APPEND_TIME);
        ck_assert_int_eq(sum.first.attributes & 7, gz);
        ck_assert_int_eq(sum.first.max_timestamp, 1800000000000LL);
        ck_assert_int_eq(sum.first.base_timestamp, 1000);
        memset(&c, 0, sizeof(c));
        ck_assert_int_eq(ks_batch_foreach_record(b, len, collect_cb, &c), KS_OK);
        ck_assert_int_eq(c.n, 4);
        for (int i = 0; i < 4; i++)
            ck_assert_int_eq(c.recs[i].timestamp, 1800000000000LL);
        free(b);
    }
}
END_TEST

/* ---- legacy message sets ---- */

static void
check_converted(const uint8_t *set, size_t len, int magic)
{
    uint8_t *out = NULL;
    size_t out_len = 0;
    int n = -1;
    ks_records_summary_t sum;
    collect_t c;

    ck_assert_int_eq(ks_msgset_to_batches(set, len, &out, &out_len, &n), KS_OK);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(ks_records_validate(out, out_len, &sum), KS_OK);
    ck_assert_int_eq(sum.nbatches, 1);
    ck_assert_int_eq(sum.total_records, 2);
    ck_assert_int_eq(sum.first.attributes, 0);
    memset(&c, 0, sizeof(c));
    ck_assert_int_eq(ks_batch_foreach_record(out, out_len, collect_cb, &c), KS_OK);
    check_golden_records(&c, 2);
    ck_assert_int_eq(c.recs[0].header_count, 0);
    if (magic == 0) {
        ck_assert_int_eq(c.recs[0].timestamp, -1);
        ck_assert_int_eq(c.recs[1].timestamp, -1);
    } else {
        ck_assert_int_eq(c.recs[0].timestamp, 1700000000000LL);
        ck_assert_int_eq(c.recs[1].timestamp, 1700000000007LL);
        ck_assert_int_eq(sum.max_timestamp, 1700000000007LL);
    }
    free(out);
}

START_TEST(test_legacy_golden)
{
    check_converted(golden_m0_none, sizeof(golden_m0_none), 0);
    check_converted(golden_m0_gzip, sizeof(golden_m0_gzip), 0);
    check_converted(golden_m1_none, sizeof(golden_m1_none), 1);
    check_converted(golden_m1_gzip, sizeof(golden_m1_gzip), 1);
}
END_TEST

/* Fixes the CRC-32 of the legacy entry at entry (offset, size, crc, magic, attributes...). */
static void
fix_legacy_crc(uint8_t *entry)
{
    int32_t size = (int32_t) ks_be32(entry + 8);
    ks_put_be32(entry + 12, ks_crc32_ieee(0, entry + 16, (size_t) size - 4));
}

START_TEST(test_legacy_errors)
{
    uint8_t *w, *out = (uint8_t *) 1;
    size_t out_len = 1, len = sizeof(golden_m1_none);
    int n = 1;

    /* every single bit flip in the set is detected or harmless */
    w = dup(golden_m1_none, len);
    for (size_t byte = 0; byte < len; byte++) {
        for (int bit = 0; bit < 8; bit++) {
            int rc;
            w[byte] ^= (uint8_t) (1 << bit);
            rc = ks_msgset_to_batches(w, len, &out, &out_len, &n);
            if (byte < 8 || (byte >= 41 && byte < 49))    /* producer offsets are ignored */
                ck_assert_int_eq(rc, KS_OK);
            else
                ck_assert_msg(rc == KS_BATCH_ERR_CORRUPT_MESSAGE,
                              "flip at byte %zu bit %d gave %d", byte, bit, rc);
            free(out);
            w[byte] ^= (uint8_t) (1 << bit);
        }
    }
    /* truncations */
    for (size_t l = 1; l < len; l++) {
        if (l == 41)    /* the end of the first message: a valid set of one */
            continue;
        ck_assert_int_eq(ks_msgset_to_batches(w, l, &out, &out_len, &n),
                         KS_BATCH_ERR_CORRUPT_MESSAGE);
    }
    ck_assert_int_eq(ks_msgset_to_batches(w, 41, &out, &out_len, &n), KS_OK);
    ck_assert_int_eq(n, 1);
    free(out);
    /* empty set */
    ck_assert_int_eq(ks_msgset_to_batches(w, 0, &out, &out_len, &n), KS_OK);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(n, 0);
    /* snappy and lz4 wrappers */
    w[17] = 2;
    fix_legacy_crc(w);
    ck_assert_int_eq(ks_msgset_to_batches(w, len, &out, &out_len, &n),
                     KS_BATCH_ERR_UNSUPPORTED_COMPRESSION);
    w[17] = 3;
    fix_legacy_crc(w);
    ck_assert_int_eq(ks_msgset_to_batches(w, len, &out, &out_len, &n),
                     KS_BATCH_ERR_UNSUPPORTED_COMPRESSION);
    w[17] = 6;
    fix_legacy_crc(w);
    ck_assert_int_eq(ks_msgset_to_batches(w, len, &out, &out_len, &n),
                     KS_BATCH_ERR_CORRUPT_MESSAGE);
    free(w);
    /* a v2 batch is not a legacy set */
    ck_assert_int_eq(ks_msgset_to_batches(golden_v2_none, sizeof(golden_v2_none), &out,
                                          &out_len, &n), KS_BATCH_ERR_CORRUPT_MESSAGE);
    /* damaged gzip payload with a valid CRC-32 */
    w = dup(golden_m1_gzip, sizeof(golden_m1_gzip));
    w[sizeof(golden_m1_gzip) - 12] ^= 0xff;
    fix_legacy_crc(w);
    ck_assert_int_eq(ks_msgset_to_batches(w, sizeof(golden_m1_gzip), &out, &out_len, &n),
                     KS_BATCH_ERR_CORRUPT_MESSAGE);
    free(w);
}
END_TEST

START_TEST(test_legacy_log_append_time)
{
    uint8_t *w = dup(golden_m1_gzip, sizeof(golden_m1_gzip)), *out;
    size_t out_len;
    int n;
    collect_t c;

    /* wrapper says LogAppendTime with its own timestamp: inner records get it */
    w[17] |= KS_BATCH_ATTR_LOG_APPEND_TIME;
    ks_put_be64(w + 18, 1234567);
    fix_legacy_crc(w);
    ck_assert_int_eq(ks_msgset_to_batches(w, sizeof(golden_m1_gzip), &out, &out_len, &n), KS_OK);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(ks_be16(out + KS_BATCH_OFF_ATTRIBUTES), KS_BATCH_ATTR_LOG_APPEND_TIME);
    ck_assert_int_eq(ks_records_validate(out, out_len, NULL), KS_OK);
    memset(&c, 0, sizeof(c));
    ck_assert_int_eq(ks_batch_foreach_record(out, out_len, collect_cb, &c), KS_OK);
    ck_assert_int_eq(c.n, 2);
    ck_assert_int_eq(c.recs[0].timestamp, 1234567);
    ck_assert_int_eq(c.recs[1].timestamp, 1234567);
    free(out);
    free(w);
}
END_TEST

static Suite *
records_suite(void)
{
    Suite *s = suite_create("records");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_golden_v2);
    tcase_add_test(tc, test_build_roundtrip);
    tcase_add_test(tc, test_foreach_stop);
    tcase_add_test(tc, test_bit_flips);
    tcase_add_test(tc, test_lying_length);
    tcase_add_test(tc, test_short_inputs);
    tcase_add_test(tc, test_kafka_rules);
    tcase_add_test(tc, test_multi_batch);
    tcase_add_test(tc, test_log_append_time);
    tcase_add_test(tc, test_legacy_golden);
    tcase_add_test(tc, test_legacy_errors);
    tcase_add_test(tc, test_legacy_log_append_time);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(records_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
