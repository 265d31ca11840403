/*
 * test_segment.c: .kfs and .index building, verifying parsing, sparse index
 * rule, lookups and object keys.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "records.h"
#include "segment.h"
#include "util.h"

typedef struct {
    uint8_t *file;
    size_t   len;
    uint8_t *index;
    size_t   index_len;
    size_t  *pos;       /* absolute position of each batch */
} seg_t;

static uint8_t *
make_batch(int64_t base, int nrec, size_t *len)
{
    ks_record_t recs[256];
    ks_batch_opts_t o;
    uint8_t *out;

    ck_assert_int_le(nrec, 256);
    memset(recs, 0, sizeof(recs));
    for (int i = 0; i < nrec; i++) {
        recs[i].offset = i;
        recs[i].timestamp = 5000 + i;
        recs[i].key_len = -1;
        recs[i].value = (const uint8_t *) "payload";
        recs[i].value_len = 7;
    }
    ks_batch_opts_init(&o);
    ck_assert_int_eq(ks_batch_build(&o, recs, nrec, &out, len), KS_OK);
    ks_batch_set_base_offset(out, base);
    return out;
}

/* Builds a segment at base offset `base` from batches with counts[i]
 * records each, offsets contiguous, using the iovec-style builder. */
static seg_t
make_segment(int64_t base, const int *counts, int n)
{
    ks_segment_builder_t sb;
    uint8_t **batches = calloc((size_t) n, sizeof(*batches));
    size_t *lens = calloc((size_t) n, sizeof(*lens));
    uint8_t header[32], footer[16];
    seg_t s;
    size_t body = 0, off;
    int64_t next = base;

    memset(&s, 0, sizeof(s));
    s.pos = calloc((size_t) n, sizeof(*s.pos));
    ck_assert_ptr_nonnull(batches);
    ck_assert_ptr_nonnull(s.pos);
    ks_segment_builder_init(&sb, 0);
    for (int i = 0; i < n; i++) {
        batches[i] = make_batch(next, counts[i], &lens[i]);
        next += counts[i];
        s.pos[i] = 32 + body;
        body += lens[i];
        ck_assert_int_eq(ks_segment_builder_add(&sb, batches[i], lens[i]), KS_OK);
    }
    ck_assert_int_eq(ks_segment_builder_finish(&sb, 1700000000123LL, header, footer, &s.index,
                                               &s.index_len), KS_OK);
    ks_segment_builder_free(&sb);
    s.len = 32 + body + 16;
    s.file = malloc(s.len);
    ck_assert_ptr_nonnull(s.file);
    memcpy(s.file, header, 32);
    off = 32;
    for (int i = 0; i < n; i++) {
        memcpy(s.file + off, batches[i], lens[i]);
        off += lens[i];
        free(batches[i]);
    }
    memcpy(s.file + off, footer, 16);
    free(batches);
    free(lens);
    return s;
}

static void
seg_free(seg_t *s)
{
    free(s->file);
    free(s->index);
    free(s->pos);
}

START_TEST(test_header_footer_bytes)
{
    uint8_t h[32], f[16];
    static const uint8_t eh[32] = {
        'K', 'A', 'F', 'S', 0, 1, 0, 0,
        0, 0, 0, 0, 0, 0, 0x12, 0x34,
        0, 0, 0, 7,
        0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x7b,
        0, 0, 0, 0
    };
    static const uint8_t ef[16] = {
        0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 0, 0, 0x12, 0x3a, 'E', 'N', 'D', '!'
    };
    uint32_t crc;
    int64_t last;
    ks_segment_info_t si;

    ks_segment_header(h, 0x1234, 7, 1700000000123LL);
    ck_assert_mem_eq(h, eh, 32);
    ks_segment_footer(f, 0xdeadbeefu, 0x123a);
    ck_assert_mem_eq(f, ef, 16);
    ck_assert_int_eq(ks_segment_parse_footer(f, &crc, &last), KS_OK);
    ck_assert_uint_eq(crc, 0xdeadbeefu);
    ck_assert_int_eq(last, 0x123a);
    f[15] = '?';
    ck_assert_int_eq(ks_segment_parse_footer(f, &crc, &last), KS_ERROR);
    ck_assert_int_eq(ks_segment_parse_header(h, &si), KS_OK);
    ck_assert_int_eq(si.base_offset, 0x1234);
    ck_assert_int_eq(si.message_count, 7);
    ck_assert_int_eq(si.created_ms, 1700000000123LL);
    h[5] = 2;
    ck_assert_int_eq(ks_segment_parse_header(h, &si), KS_ERROR);
}
END_TEST

static void
check_roundtrip(int64_t base, const int *counts, int n, const int *want_entries, int nwant)
{
    seg_t s = make_segment(base, counts, n);
    ks_segment_info_t si;
    ks_index_t idx;
    char why[128];
    int64_t total = 0;

    for (int i = 0; i < n; i++)
        total += counts[i];
    ck_assert_msg(ks_segment_parse(s.file, s.len, &si, why, sizeof(why)) == KS_OK, "%s", why);
    ck_assert_int_eq(si.base_offset, base);
    ck_assert_int_eq(si.message_count, total);
    ck_assert_int_eq(si.last_offset, base + total - 1);
    ck_assert_int_eq(si.nbatches, n);
    ck_assert_int_eq(si.created_ms, 1700000000123LL);
    ck_assert_ptr_eq(si.body, s.file + 32);
    ck_assert_uint_eq(si.body_len, s.len - 48);

    ck_assert_int_eq(ks_index_parse(s.index, s.index_len, &idx), KS_OK);
    ck_assert_int_eq(idx.interval, 100);
    ck_assert_int_eq(idx.count, nwant);
    ck_assert_uint_eq(s.index_len, 16 + 12 * (size_t) nwant);
    ck_assert_mem_eq(s.index, "IDX\0\0\1", 6);
    for (int i = 0; i < nwant; i++) {
        int b = want_entries[i];
        int64_t off = base;

        for (int j = 0; j < b; j++)
            off += counts[j];
        ck_assert_int_eq(idx.entries[i].offset, off);
        ck_assert_int_eq(idx.entries[i].position, (int32_t) s.pos[b]);
        /* the index points at real batches */
        ck_assert_int_eq((int64_t) ks_be64(s.file + s.pos[b]), off);
    }
    ck_assert_int_eq(idx.entries[0].position, 32);
    ck_assert_int_eq(ks_index_lookup(&idx, base), 32);
    ks_index_free(&idx);

    /* the footer alone, as restore reads it */
    uint32_t crc;
    int64_t last;
    ck_assert_int_eq(ks_segment_parse_footer(s.file + s.len - 16, &crc, &last), KS_OK);
    ck_assert_int_eq(last, base + total - 1);
    ck_assert_uint_eq(crc, ks_crc32c(0, s.file + 32, s.len - 48));
    seg_free(&s);
}

START_TEST(test_roundtrip_1)
{
    int counts[] = { 5 };
    int want[] = { 0 };

    check_roundtrip(0, counts, 1, want, 1);
    check_roundtrip(123456789012LL, counts, 1, want, 1);
}
END_TEST

START_TEST(test_roundtrip_2)
{
    int c1[] = { 3, 4 };
    int w1[] = { 0 };
    int c2[] = { 100, 1 };    /* exactly interval since the last entry */
    int w2[] = { 0, 1 };
    int c3[] = { 99, 1, 1 };  /* 99 < 100, then 100 */
    int w3[] = { 0, 2 };

    check_roundtrip(10, c1, 2, w1, 1);
    check_roundtrip(10, c2, 2, w2, 2);
    check_roundtrip(10, c3, 3, w3, 2);
}
END_TEST

START_TEST(test_roundtrip_300)
{
    int counts[300];
    int want[3] = { 0, 100, 200 };
    int c2[] = { 60, 50, 10, 99, 1, 100, 3, 250, 1, 1 };
    int w2[] = { 0, 2, 4, 6, 8 };

    for (int i = 0; i < 300; i++)
        counts[i] = 1;
    check_roundtrip(1000, counts, 300, want, 3);
    check_roundtrip(0, c2, (int) KS_ARRAY_LEN(c2), w2, (int) KS_ARRAY_LEN(w2));
    for (int i = 0; i < 300; i++)
        counts[i] = 1 + i % 7;
    {
        /* reference implementation of the rule */
        int wantv[300], nw = 0;
        int64_t since = 0;
        for (int i = 0; i < 300; i++) {
            if (i == 0 || since >= 100) {
                wantv[nw++] = i;
                since = 0;
            }
            since += counts[i];
        }
        ck_assert_int_gt(nw, 10);
        check_roundtrip(77, counts, 300, wantv, nw);
    }
}
END_TEST

START_TEST(test_corruption)
{
    int counts[] = { 3, 2, 4 };
    seg_t s = make_segment(50, counts, 3);
    ks_segment_info_t si;
    char why[128];
    uint8_t *w = malloc(s.len);

    ck_assert_ptr_nonnull(w);
    /* every bit of the file matters except created ms and reserved */
    for (size_t byte = 0; byte < s.len; byte++) {
        for (int bit = 0; bit < 8; bit++) {
            int rc;

            memcpy(w, s.file, s.len);
            w[byte] ^= (uint8_t) (1 << bit);
            rc = ks_segment_parse(w, s.len, &si, why, sizeof(why));
            if (byte >= 20 && byte < 32)
                ck_assert_int_eq(rc, KS_OK);
            else
                ck_assert_msg(rc == KS_ERROR, "flip at byte %zu bit %d not detected", byte, bit);
        }
    }

    /* body damage with a recomputed body CRC: the batch CRC catches it */
    memcpy(w, s.file, s.len);
    w[s.pos[1] + 70] ^= 1;
    ks_put_be32(w + s.len - 16, ks_crc32c(0, w + 32, s.len - 48));
    ck_assert_int_eq(ks_segment_parse(w, s.len, &si, why, sizeof(why)), KS_ERROR);
    {
        char want[64];
        snprintf(want, sizeof(want), "batch crc mismatch at position %zu", s.pos[1]);
        ck_assert_str_eq(why, want);
    }

    /* consistent CRCs but a lying message count / last offset */
    memcpy(w, s.file, s.len);
    ks_put_be32(w + 16, 10);
    ck_assert_int_eq(ks_segment_parse(w, s.len, &si, why, sizeof(why)), KS_ERROR);
    ck_assert(strstr(why, "message count") != NULL);
    memcpy(w, s.file, s.len);
    ks_put_be64(w + s.len - 12, 60);
    ck_assert_int_eq(ks_segment_parse(w, s.len, &si, why, sizeof(why)), KS_ERROR);
    ck_assert(strstr(why, "last offset") != NULL);
    memcpy(w, s.file, s.len);
    ks_put_be64(w + 8, 49);
    ck_assert_int_eq(ks_segment_parse(w, s.len, &si, why, sizeof(why)), KS_ERROR);
    ck_assert(strstr(why, "first batch") != NULL);

    /* overlapping batches: second batch rewritten to offset 51, CRC fixed */
    memcpy(w, s.file, s.len);
    ks_put_be64(w + s.pos[1], 51);
    ks_put_be32(w + s.len - 16, ks_crc32c(0, w + 32, s.len - 48));
    ck_assert_int_eq(ks_segment_parse(w, s.len, &si, why, sizeof(why)), KS_ERROR);
    ck_assert(strstr(why, "not after previous") != NULL);

    /* truncation anywhere */
    for (size_t l = 0; l < s.len; l++)
        ck_assert_int_eq(ks_segment_parse(s.file, l, &si, NULL, 0), KS_ERROR);
    /* empty body */
    uint8_t empty[48];
    ks_segment_header(empty, 0, 0, 0);
    ks_segment_footer(empty + 32, 0, -1);
    ck_assert_int_eq(ks_segment_parse(empty, 48, &si, why, sizeof(why)), KS_ERROR);
    ck_assert_str_eq(why, "segment has no batches");

    ck_assert_int_eq(ks_segment_parse(s.file, s.len, &si, why, sizeof(why)), KS_OK);
    free(w);
    seg_free(&s);
}
END_TEST

START_TEST(test_builder_rejects)
{
    ks_segment_builder_t sb;
    size_t l1, l2;
    uint8_t *b1 = make_batch(10, 5, &l1), *b2 = make_batch(14, 5, &l2);
    uint8_t h[32], f[16], *idx;
    size_t idx_len;

    ks_segment_builder_init(&sb, 0);
    ck_assert_int_eq(ks_segment_builder_finish(&sb, 0, h, f, &idx, &idx_len), KS_ERROR);
    ck_assert_int_eq(ks_segment_builder_add(&sb, b1, l1), KS_OK);
    ck_assert_int_eq(ks_segment_builder_add(&sb, b2, l2), KS_ERROR);    /* overlaps 10..14 */
    ck_assert_int_eq(ks_segment_builder_add(&sb, b1, l1 - 1), KS_ERROR);
    ks_batch_set_base_offset(b2, 15);
    ck_assert_int_eq(ks_segment_builder_add(&sb, b2, l2), KS_OK);
    ck_assert_int_eq(sb.msg_count, 10);
    ck_assert_int_eq(sb.last_offset, 19);
    ks_segment_builder_free(&sb);
    free(b1);
    free(b2);
}
END_TEST

static uint8_t *
make_index(const int64_t *offs, const int32_t *pos, int n, size_t *len)
{
    ks_index_builder_t ib;
    uint8_t *out;

    ks_index_builder_init(&ib, 1);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(ks_index_add_batch(&ib, offs[i], pos[i], 1), KS_OK);
    ck_assert_int_eq(ks_index_finish(&ib, &out, len), KS_OK);
    ks_index_builder_free(&ib);
    return out;
}

START_TEST(test_index_lookup)
{
    int64_t offs[] = { 100, 150, 200, 300 };
    int32_t pos[] = { 32, 1000, 2000, 3000 };
    size_t len;
    uint8_t *b = make_index(offs, pos, 4, &len);
    ks_index_t idx;

    ck_assert_int_eq(ks_index_parse(b, len, &idx), KS_OK);
    ck_assert_int_eq(idx.count, 4);
    ck_assert_int_eq(idx.interval, 1);
    ck_assert_int_eq(ks_index_lookup(&idx, 0), 32);       /* below: first entry */
    ck_assert_int_eq(ks_index_lookup(&idx, -5), 32);
    ck_assert_int_eq(ks_index_lookup(&idx, 100), 32);
    ck_assert_int_eq(ks_index_lookup(&idx, 149), 32);
    ck_assert_int_eq(ks_index_lookup(&idx, 150), 1000);
    ck_assert_int_eq(ks_index_lookup(&idx, 199), 1000);
    ck_assert_int_eq(ks_index_lookup(&idx, 200), 2000);
    ck_assert_int_eq(ks_index_lookup(&idx, 299), 2000);
    ck_assert_int_eq(ks_index_lookup(&idx, 300), 3000);
    ck_assert_int_eq(ks_index_lookup(&idx, INT64_MAX), 3000);
    ks_index_free(&idx);

    /* one entry */
    free(b);
    b = make_index(offs, pos, 1, &len);
    ck_assert_int_eq(ks_index_parse(b, len, &idx), KS_OK);
    ck_assert_int_eq(ks_index_lookup(&idx, 0), 32);
    ck_assert_int_eq(ks_index_lookup(&idx, 1000), 32);
    ks_index_free(&idx);
    free(b);

    /* empty */
    b = make_index(offs, pos, 0, &len);
    ck_assert_uint_eq(len, 16);
    ck_assert_int_eq(ks_index_parse(b, len, &idx), KS_OK);
    ck_assert_int_eq(idx.count, 0);
    ck_assert_int_eq(ks_index_lookup(&idx, 0), KS_ERROR);
    ks_index_free(&idx);
    free(b);
    ck_assert_int_eq(ks_index_lookup(NULL, 0), KS_ERROR);
}
END_TEST

START_TEST(test_index_parse_rejects)
{
    int64_t offs[] = { 100, 150, 200 };
    int32_t pos[] = { 32, 1000, 2000 };
    size_t len;
    uint8_t *b = make_index(offs, pos, 3, &len);
    uint8_t *w = malloc(len + 12);
    ks_index_t idx;

    ck_assert_ptr_nonnull(w);
    for (size_t l = 0; l < len; l++)
        ck_assert_int_eq(ks_index_parse(b, l, &idx), KS_ERROR);    /* truncated */
    memcpy(w, b, len);
    memset(w + len, 0, 12);
    ck_assert_int_eq(ks_index_parse(w, len + 12, &idx), KS_ERROR);    /* extra entry */
    ks_put_be32(w + 6, 4);
    ck_assert_int_eq(ks_index_parse(w, len + 12, &idx), KS_ERROR);    /* position 0 */
    memcpy(w, b, len);
    ks_put_be32(w + 6, (uint32_t) -1);
    ck_assert_int_eq(ks_index_parse(w, len, &idx), KS_ERROR);    /* negative count */
    ks_put_be32(w + 6, (uint32_t) INT32_MIN);
    ck_assert_int_eq(ks_index_parse(w, len, &idx), KS_ERROR);
    memcpy(w, b, len);
    w[3] = 'X';
    ck_assert_int_eq(ks_index_parse(w, len, &idx), KS_ERROR);    /* magic */
    memcpy(w, b, len);
    w[5] = 2;
    ck_assert_int_eq(ks_index_parse(w, len, &idx), KS_ERROR);    /* version */
    memcpy(w, b, len);
    ks_put_be64(w + 16 + 12, 50);
    ck_assert_int_eq(ks_index_parse(w, len, &idx), KS_ERROR);    /* unsorted */
    memcpy(w, b, len);
    ck_assert_int_eq(ks_index_parse(w, len, &idx), KS_OK);
    ks_index_free(&idx);
    free(w);
    free(b);
}
END_TEST

START_TEST(test_keys)
{
    char buf[KS_SEGMENT_KEY_MAX];
    int32_t part;
    int64_t off;
    bool is_index;
    int n;

    n = ks_segment_key(buf, sizeof(buf), "default", "orders", 3, 1200, "kfs");
    ck_assert_str_eq(buf, "default/orders/3/segment-00000000000000001200.kfs");
    ck_assert_int_eq(n, (int) strlen(buf));
    ck_assert_int_eq(ks_segment_key_parse(buf, &part, &off, &is_index), KS_OK);
    ck_assert_int_eq(part, 3);
    ck_assert_int_eq(off, 1200);
    ck_assert(!is_index);

    ck_assert_int_gt(ks_segment_key(buf, sizeof(buf), NULL, "t.x-y_z", 0, INT64_MAX, "index"), 0);
    ck_assert_str_eq(buf, "t.x-y_z/0/segment-09223372036854775807.index");
    ck_assert_int_eq(ks_segment_key_parse(buf, &part, &off, &is_index), KS_OK);
    ck_assert_int_eq(part, 0);
    ck_assert_int_eq(off, INT64_MAX);
    ck_assert(is_index);

    /* original's restore accepts any integer width */
    ck_assert_int_eq(ks_segment_key_parse("ns/t/12/segment-5.kfs", &part, &off, NULL), KS_OK);
    ck_assert_int_eq(part, 12);
    ck_assert_int_eq(off, 5);

    /* too small buffer, bad arguments */
    ck_assert_int_eq(ks_segment_key(buf, 20, "default", "orders", 3, 0, "kfs"), KS_ERROR);
    ck_assert_int_eq(ks_segment_key(buf, sizeof(buf), "d", "a/b", 3, 0, "kfs"), KS_ERROR);
    ck_assert_int_eq(ks_segment_key(buf, sizeof(buf), "d", "", 3, 0, "kfs"), KS_ERROR);
    ck_assert_int_eq(ks_segment_key(buf, sizeof(buf), "d", "t", -1, 0, "kfs"), KS_ERROR);
    ck_assert_int_eq(ks_segment_key(buf, sizeof(buf), "d", "t", 1, -1, "kfs"), KS_ERROR);
    ck_assert_int_eq(ks_segment_key(buf, sizeof(buf), "d", "t", 1, 0, "txt"), KS_ERROR);

    static const char *bad[] = {
        "segment-1.kfs", "/segment-1.kfs", "t/x/segment-1.kfs", "t/1/segment-.kfs",
        "t/1/segment-1.kfsx", "t/1/segment-1", "t/1/segment-1a.kfs", "t/1/segmnt-1.kfs",
        "t/-1/segment-1.kfs", "t/1/segment--1.kfs", "t/2147483648/segment-1.kfs",
        "t/1/segment-9223372036854775808.kfs", "t//segment-1.kfs", "t/1/segment-1.index/",
        "__health/startup_probe_123", "t/1/segment-1.tmp.kfs", ""
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(bad); i++)
        ck_assert_msg(ks_segment_key_parse(bad[i], &part, &off, NULL) == KS_ERROR, "%s", bad[i]);
    ck_assert_int_eq(ks_segment_key_parse("t/2147483647/segment-0.kfs", &part, &off, NULL), KS_OK);
    ck_assert_int_eq(part, INT32_MAX);
}
END_TEST

static Suite *
segment_suite(void)
{
    Suite *s = suite_create("segment");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_header_footer_bytes);
    tcase_add_test(tc, test_roundtrip_1);
    tcase_add_test(tc, test_roundtrip_2);
    tcase_add_test(tc, test_roundtrip_300);
    tcase_add_test(tc, test_corruption);
    tcase_add_test(tc, test_builder_rejects);
    tcase_add_test(tc, test_index_lookup);
    tcase_add_test(tc, test_index_parse_rejects);
    tcase_add_test(tc, test_keys);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(segment_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
