/*
 * downconvert.c: v2 record batches to magic 0/1 message sets for old
 * fetchers.  Runs in: worker.
 *
 * Kafka keeps a compressed batch compressed when it down-converts it; here
 * every record becomes one uncompressed message, which every old client
 * reads too and which needs no codec but zlib's inflate.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "downconvert.h"
#include "records.h"
#include "util.h"

typedef struct {
    int magic;
    bool log_append;
    int64_t min_offset;
    uint8_t **out;
    size_t *len, *cap;
    int err;
} dc_ctx_t;

static int
dc_reserve(dc_ctx_t *c, size_t n)
{
    if (*c->len + n > *c->cap) {
        size_t cap = *c->cap ? *c->cap : 4096;
        uint8_t *nb;
        while (cap < *c->len + n)
            cap *= 2;
        nb = realloc(*c->out, cap);
        if (nb == NULL)
            return KS_ERROR;
        *c->out = nb;
        *c->cap = cap;
    }
    return KS_OK;
}

static int
dc_record(void *arg, const ks_record_t *rec)
{
    dc_ctx_t *c = arg;
    size_t klen = rec->key != NULL && rec->key_len >= 0 ? (size_t) rec->key_len : 0;
    size_t vlen = rec->value != NULL && rec->value_len >= 0 ? (size_t) rec->value_len : 0;
    size_t msg = 4 + 1 + 1 + (c->magic == 1 ? 8 : 0) + 4 + klen + 4 + vlen;
    uint8_t *m;

    if (rec->offset < c->min_offset)
        return 0;
    if (dc_reserve(c, 12 + msg) != KS_OK) {
        c->err = KS_ERROR;
        return -1;
    }
    m = *c->out + *c->len;
    ks_put_be64(m, (uint64_t) rec->offset);
    ks_put_be32(m + 8, (uint32_t) msg);
    m += 12;
    {
        uint8_t *q = m + 4;
        *q++ = (uint8_t) c->magic;
        *q++ = (uint8_t) (c->magic == 1 && c->log_append ? 0x08 : 0);
        if (c->magic == 1) {
            ks_put_be64(q, (uint64_t) rec->timestamp);
            q += 8;
        }
        if (rec->key == NULL || rec->key_len < 0) {
            ks_put_be32(q, UINT32_MAX);
            q += 4;
        } else {
            ks_put_be32(q, (uint32_t) klen);
            memcpy(q + 4, rec->key, klen);
            q += 4 + klen;
        }
        if (rec->value == NULL || rec->value_len < 0) {
            ks_put_be32(q, UINT32_MAX);
            q += 4;
        } else {
            ks_put_be32(q, (uint32_t) vlen);
            memcpy(q + 4, rec->value, vlen);
            q += 4 + vlen;
        }
        ks_put_be32(m, ks_crc32_ieee(0, m + 4, (size_t) (q - (m + 4))));
    }
    *c->len += 12 + msg;
    return 0;
}

int
ks_downconvert(const uint8_t *p, size_t len, int magic, int64_t min_offset, uint8_t **out,
               size_t *out_len, size_t *out_cap)
{
    const uint8_t *cur = p, *end = p + len;
    ks_batch_info_t bi;
    const uint8_t *batch;
    size_t blen;
    dc_ctx_t c;

    c.magic = magic == 0 ? 0 : 1;
    c.min_offset = min_offset;
    c.out = out;
    c.len = out_len;
    c.cap = out_cap;
    while (ks_batch_next(&cur, end, &bi, &batch, &blen) == 1) {
        int codec = bi.attributes & KS_BATCH_ATTR_CODEC_MASK;
        size_t mark = *out_len;
        int rc;

        if (bi.attributes & KS_BATCH_ATTR_CONTROL)
            continue;
        if (codec != KS_CODEC_NONE && codec != KS_CODEC_GZIP)
            return KS_BATCH_ERR_UNSUPPORTED_COMPRESSION;
        c.log_append = (bi.attributes & KS_BATCH_ATTR_LOG_APPEND_TIME) != 0;
        c.err = KS_OK;
        rc = ks_batch_foreach_record(batch, blen, dc_record, &c);
        if (c.err != KS_OK)
            return KS_ERROR;
        if (rc != KS_OK) {
            *out_len = mark;
            return rc > 0 ? rc : KS_BATCH_ERR_CORRUPT_MESSAGE;
        }
    }
    return KS_OK;
}
