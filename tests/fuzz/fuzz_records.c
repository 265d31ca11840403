/*
 * fuzz_records.c: libFuzzer target for record batches and legacy message
 * sets: ks_records_validate, ks_batch_next, ks_batch_foreach_record,
 * ks_batch_build, ks_batch_set_log_append_time, ks_msgset_to_batches.
 * Besides "does not crash", it checks invariants: what validates still
 * validates after the broker's rewrites, converted legacy sets validate,
 * rebuilt batches decode to the same records.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "records.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX_RECS 64

typedef struct {
    int         n;
    uint32_t    sum;
    ks_record_t recs[FZ_MAX_RECS];
} fz_collect_t;

static int
fz_cb(void *arg, const ks_record_t *rec)
{
    fz_collect_t *c = arg;

    /* touch every byte so the sanitizer sees out-of-bounds views */
    if (rec->key_len > 0)
        c->sum = ks_crc32c(c->sum, rec->key, (size_t) rec->key_len);
    if (rec->value_len > 0)
        c->sum = ks_crc32c(c->sum, rec->value, (size_t) rec->value_len);
    if (rec->headers_len > 0)
        c->sum = ks_crc32c(c->sum, rec->headers, rec->headers_len);
    if ((rec->key_len < 0) != (rec->key == NULL) || (rec->value_len < 0) != (rec->value == NULL))
        abort();
    if (c->n < FZ_MAX_RECS)
        c->recs[c->n] = *rec;
    c->n++;
    return 0;
}

/* For an uncompressed batch that decodes: rebuild it from its records and
 * check the copy decodes to the same records. */
static void
fz_rebuild(const uint8_t *batch, size_t len, const fz_collect_t *c)
{
    ks_batch_info_t bi;
    ks_batch_opts_t o;
    uint8_t *out;
    size_t out_len;
    fz_collect_t c2;

    if (c->n == 0 || c->n > FZ_MAX_RECS || ks_batch_parse_header(batch, len, &bi) != KS_OK)
        return;
    if (bi.attributes & KS_BATCH_ATTR_LOG_APPEND_TIME)
        return;    /* timestamps were replaced by max_timestamp */
    ks_batch_opts_init(&o);
    o.base_offset = bi.base_offset;
    o.attributes = 0;
    if (ks_batch_build(&o, c->recs, c->n, &out, &out_len) != KS_OK)
        return;    /* e.g. offset deltas below zero */
    if (!ks_batch_crc_ok(out, out_len))
        abort();
    memset(&c2, 0, sizeof(c2));
    if (ks_batch_foreach_record(out, out_len, fz_cb, &c2) != KS_OK || c2.n != c->n)
        abort();
    for (int i = 0; i < c->n; i++) {
        const ks_record_t *a = &c->recs[i], *b = &c2.recs[i];
        if (a->offset != b->offset || a->timestamp != b->timestamp || a->key_len != b->key_len
            || a->value_len != b->value_len || a->header_count != b->header_count
            || a->headers_len != b->headers_len
            || (a->key_len > 0 && memcmp(a->key, b->key, (size_t) a->key_len) != 0)
            || (a->value_len > 0 && memcmp(a->value, b->value, (size_t) a->value_len) != 0))
            abort();
    }
    free(out);
}

/* Recomputes, in place, the CRC-32C of every v2 batch and the CRC-32 of
 * every legacy message that the length fields frame, so the fuzzer reaches
 * the code behind the CRC checks. */
static void
fz_fix_crcs(uint8_t *d, size_t size)
{
    size_t off = 0;

    while (size - off >= 17) {
        int32_t n = (int32_t) ks_be32(d + off + 8);

        if (n < 5 || (size_t) n > size - off - 12)
            break;
        if (d[off + 16] == 2 && n >= 49)
            ks_put_be32(d + off + 17, ks_crc32c(0, d + off + 21, (size_t) n + 12 - 21));
        else if (d[off + 16] < 2)
            ks_put_be32(d + off + 12, ks_crc32_ieee(0, d + off + 16, (size_t) n - 4));
        off += 12 + (size_t) n;
    }
}

static void fz_one(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy;

    fz_one(data, size);
    copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    fz_fix_crcs(copy, size);
    if (memcmp(copy, data, size) != 0)
        fz_one(copy, size);
    free(copy);
    return 0;
}

static void
fz_one(const uint8_t *data, size_t size)
{
    ks_records_summary_t sum;
    const uint8_t *p = data, *end = data + size, *batch;
    ks_batch_info_t info;
    size_t blen, walked = 0;
    int rc, nb = 0;
    uint8_t *out;
    size_t out_len;
    int nrec;

    rc = ks_records_validate(data, size, &sum);

    /* iterator and record decoding */
    while ((rc == KS_OK || nb < 16) && ks_batch_next(&p, end, &info, &batch, &blen) == 1) {
        fz_collect_t c;
        int frc;

        nb++;
        walked += blen;
        memset(&c, 0, sizeof(c));
        (void) ks_batch_crc_ok(batch, blen);
        frc = ks_batch_foreach_record(batch, blen, fz_cb, &c);
        if (frc == KS_OK && c.n != info.records_count)
            abort();
        if (frc == KS_OK && (info.attributes & KS_BATCH_ATTR_CODEC_MASK) == KS_CODEC_NONE)
            fz_rebuild(batch, blen, &c);
    }
    if (rc == KS_OK) {
        uint8_t *copy;

        if (walked != size || nb != sum.nbatches || sum.bytes != size)
            abort();
        /* the broker's rewrites keep a valid blob valid */
        copy = malloc(size);
        if (copy == NULL)
            return;
        memcpy(copy, data, size);
        p = copy;
        while (ks_batch_next(&p, copy + size, NULL, &batch, &blen) == 1)
            ks_batch_set_log_append_time((uint8_t *) batch, 1234567890123LL);
        if (ks_records_validate(copy, size, NULL) != KS_OK)
            abort();
        ks_batch_set_base_offset(copy, 99);
        p = copy;
        if (ks_batch_next(&p, copy + size, &info, &batch, &blen) != 1 || info.base_offset != 99
            || !ks_batch_crc_ok(batch, blen))
            abort();
        free(copy);
    }

    /* legacy conversion */
    rc = ks_msgset_to_batches(data, size, &out, &out_len, &nrec);
    if (rc == KS_OK && out != NULL) {
        fz_collect_t c;

        if (ks_records_validate(out, out_len, &sum) != KS_OK || sum.total_records != nrec)
            abort();
        memset(&c, 0, sizeof(c));
        if (ks_batch_foreach_record(out, out_len, fz_cb, &c) != KS_OK || c.n != nrec)
            abort();
        free(out);
    } else if (rc == KS_OK && nrec != 0) {
        abort();
    }
}
