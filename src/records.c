/*
 * records.c: record batch validation, walking, rewriting, decoding and
 * building; legacy message set conversion.
 * Runs in: workers (produce), flusher and restore (walking), tools/tests.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "crc32c.h"
#include "records.h"
#include "util.h"

/* The smallest possible record: length, attributes, timestampDelta,
 * offsetDelta, keyLength, valueLength, headerCount, one byte each. */
#define KS_RECORD_MIN_SIZE 7

/* ------------------------------------------------------------------ */
/* batch header, CRC, hot-path validation                              */
/* ------------------------------------------------------------------ */

int
ks_batch_parse_header(const uint8_t *p, size_t len, ks_batch_info_t *out)
{
    if (p == NULL || len < KS_BATCH_HEADER_SIZE)
        return KS_ERROR;
    out->base_offset = (int64_t) ks_be64(p + KS_BATCH_OFF_BASE_OFFSET);
    out->batch_length = (int32_t) ks_be32(p + KS_BATCH_OFF_LENGTH);
    out->partition_leader_epoch = (int32_t) ks_be32(p + KS_BATCH_OFF_LEADER_EPOCH);
    out->magic = (int8_t) p[KS_BATCH_OFF_MAGIC];
    out->crc = ks_be32(p + KS_BATCH_OFF_CRC);
    out->attributes = (int16_t) ks_be16(p + KS_BATCH_OFF_ATTRIBUTES);
    out->last_offset_delta = (int32_t) ks_be32(p + KS_BATCH_OFF_LAST_DELTA);
    out->base_timestamp = (int64_t) ks_be64(p + KS_BATCH_OFF_BASE_TIMESTAMP);
    out->max_timestamp = (int64_t) ks_be64(p + KS_BATCH_OFF_MAX_TIMESTAMP);
    out->producer_id = (int64_t) ks_be64(p + KS_BATCH_OFF_PRODUCER_ID);
    out->producer_epoch = (int16_t) ks_be16(p + KS_BATCH_OFF_PRODUCER_EPOCH);
    out->base_sequence = (int32_t) ks_be32(p + KS_BATCH_OFF_BASE_SEQUENCE);
    out->records_count = (int32_t) ks_be32(p + KS_BATCH_OFF_RECORDS_COUNT);
    return KS_OK;
}

bool
ks_batch_crc_ok(const uint8_t *batch, size_t len)
{
    if (batch == NULL || len < KS_BATCH_HEADER_SIZE)
        return false;
    return ks_crc32c(0, batch + KS_BATCH_OFF_ATTRIBUTES, len - KS_BATCH_OFF_ATTRIBUTES)
        == ks_be32(batch + KS_BATCH_OFF_CRC);
}

/* Structural check of the batch at p (avail bytes left): complete, sane
 * length, magic 2.  Returns the batch size, or 0. */
static size_t
ks_batch_frame(const uint8_t *p, size_t avail, ks_batch_info_t *info)
{
    if (ks_batch_parse_header(p, avail, info) != KS_OK)
        return 0;
    if (info->batch_length < KS_BATCH_HEADER_SIZE - KS_BATCH_LOG_OVERHEAD)
        return 0;
    if ((size_t) info->batch_length > avail - KS_BATCH_LOG_OVERHEAD)
        return 0;
    if (info->magic != KS_BATCH_MAGIC)
        return 0;
    return (size_t) info->batch_length + KS_BATCH_LOG_OVERHEAD;
}

int
ks_records_validate(const uint8_t *p, size_t len, ks_records_summary_t *sum)
{
    ks_records_summary_t s;
    size_t off = 0;

    memset(&s, 0, sizeof(s));
    s.max_timestamp = -1;
    if (p == NULL || len == 0)
        return KS_BATCH_ERR_INVALID_RECORD;    /* Kafka: "must have at least one record batch" */

    while (off < len) {
        ks_batch_info_t bi;
        size_t n = ks_batch_frame(p + off, len - off, &bi);
        int codec;

        /* Partial or lying batch, bad magic, trailing garbage: Kafka's
         * CorruptRecordException. */
        if (n == 0)
            return KS_BATCH_ERR_CORRUPT_MESSAGE;
        if (!ks_batch_crc_ok(p + off, n))
            return KS_BATCH_ERR_CORRUPT_MESSAGE;

        codec = bi.attributes & KS_BATCH_ATTR_CODEC_MASK;
        if (codec > KS_CODEC_ZSTD)
            return KS_BATCH_ERR_UNSUPPORTED_COMPRESSION;

        /* LogValidator.validateBatch / analyzeAndValidateRecords for client
         * appends throw InvalidRecordException for these. */
        if (bi.base_offset != 0)
            return KS_BATCH_ERR_INVALID_RECORD;
        if (bi.attributes & KS_BATCH_ATTR_CONTROL)
            return KS_BATCH_ERR_INVALID_RECORD;
        if (bi.records_count <= 0)
            return KS_BATCH_ERR_INVALID_RECORD;
        if ((int64_t) bi.last_offset_delta + 1 != (int64_t) bi.records_count)
            return KS_BATCH_ERR_INVALID_RECORD;
        if (bi.producer_id >= 0 && bi.base_sequence < 0)
            return KS_BATCH_ERR_INVALID_RECORD;

        /* An uncompressed batch cannot hold more records than bytes allow;
         * Kafka finds this when it decodes the records (corrupt). */
        if (codec == KS_CODEC_NONE
            && (size_t) bi.records_count > (n - KS_BATCH_HEADER_SIZE) / KS_RECORD_MIN_SIZE)
            return KS_BATCH_ERR_CORRUPT_MESSAGE;

        if (s.nbatches == 0)
            s.first = bi;
        s.last = bi;
        s.nbatches++;
        s.total_records += bi.records_count;
        if (bi.max_timestamp > s.max_timestamp)
            s.max_timestamp = bi.max_timestamp;
        if (n > s.max_batch_bytes)
            s.max_batch_bytes = n;
        off += n;
    }
    s.bytes = off;
    if (sum != NULL)
        *sum = s;
    return KS_OK;
}

int
ks_batch_next(const uint8_t **p, const uint8_t *end, ks_batch_info_t *info,
              const uint8_t **batch, size_t *batch_len)
{
    ks_batch_info_t bi;
    size_t n;

    if (p == NULL || *p == NULL || end == NULL || *p >= end)
        return 0;
    n = ks_batch_frame(*p, (size_t) (end - *p), &bi);
    if (n == 0)
        return -1;
    if (info != NULL)
        *info = bi;
    if (batch != NULL)
        *batch = *p;
    if (batch_len != NULL)
        *batch_len = n;
    *p += n;
    return 1;
}

void
ks_batch_set_base_offset(uint8_t *batch, int64_t base_offset)
{
    ks_put_be64(batch + KS_BATCH_OFF_BASE_OFFSET, (uint64_t) base_offset);
}

void
ks_batch_set_log_append_time(uint8_t *batch, int64_t ts)
{
    int32_t blen = (int32_t) ks_be32(batch + KS_BATCH_OFF_LENGTH);
    uint16_t attr = ks_be16(batch + KS_BATCH_OFF_ATTRIBUTES);
    size_t n;

    if (blen < KS_BATCH_HEADER_SIZE - KS_BATCH_LOG_OVERHEAD)
        return;    /* not a validated batch; leave it alone */
    n = (size_t) blen + KS_BATCH_LOG_OVERHEAD;
    ks_put_be16(batch + KS_BATCH_OFF_ATTRIBUTES, (uint16_t) (attr | KS_BATCH_ATTR_LOG_APPEND_TIME));
    ks_put_be64(batch + KS_BATCH_OFF_MAX_TIMESTAMP, (uint64_t) ts);
    ks_put_be32(batch + KS_BATCH_OFF_CRC,
                ks_crc32c(0, batch + KS_BATCH_OFF_ATTRIBUTES, n - KS_BATCH_OFF_ATTRIBUTES));
}

/* ------------------------------------------------------------------ */
/* varints (zigzag, as in record bodies)                               */
/* ------------------------------------------------------------------ */

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
    int            err;
} ks_rd_t;

static int64_t
ks_rd_varlong(ks_rd_t *r, int maxbytes)
{
    uint64_t v = 0;

    for (int i = 0; i < maxbytes; i++) {
        uint8_t b;

        if (r->p >= r->end) {
            r->err = 1;
            return 0;
        }
        b = *r->p++;
        v |= (uint64_t) (b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            uint64_t u = (v >> 1) ^ (0 - (v & 1));
            int64_t s;
            memcpy(&s, &u, sizeof(s));
            return s;
        }
    }
    r->err = 1;
    return 0;
}

static int32_t
ks_rd_varint(ks_rd_t *r)
{
    int64_t v = ks_rd_varlong(r, 5);

    if (v < INT32_MIN || v > INT32_MAX) {
        r->err = 1;
        return 0;
    }
    return (int32_t) v;
}

/* Reads a varint length then that many bytes (-1 = null); min_len is -1
 * for nullable fields, 0 otherwise. */
static const uint8_t *
ks_rd_bytes(ks_rd_t *r, int32_t *len, int32_t min_len)
{
    int32_t n = ks_rd_varint(r);
    const uint8_t *p;

    if (r->err || n < min_len || (n > 0 && (size_t) n > (size_t) (r->end - r->p))) {
        r->err = 1;
        *len = 0;
        return NULL;
    }
    *len = n;
    if (n < 0)
        return NULL;
    p = r->p;
    r->p += n;
    return p;
}

static size_t
ks_varlong_size(int64_t v)
{
    uint64_t u = ((uint64_t) v << 1) ^ (v < 0 ? ~(uint64_t) 0 : 0);
    size_t n = 1;

    while (u >= 0x80) {
        u >>= 7;
        n++;
    }
    return n;
}

static uint8_t *
ks_put_varlong(uint8_t *p, int64_t v)
{
    uint64_t u = ((uint64_t) v << 1) ^ (v < 0 ? ~(uint64_t) 0 : 0);

    while (u >= 0x80) {
        *p++ = (uint8_t) (u | 0x80);
        u >>= 7;
    }
    *p++ = (uint8_t) u;
    return p;
}

/* ------------------------------------------------------------------ */
/* zlib                                                                */
/* ------------------------------------------------------------------ */

/* Inflates gzip (or zlib) data, concatenated members allowed, up to
 * KS_RECORDS_MAX_INFLATE bytes.  KS_OK with a malloc'd *out. */
static int
ks_inflate(const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len)
{
    z_stream zs;
    uint8_t *buf = NULL;
    size_t cap, used = 0;
    int rc = KS_ERROR, zr;

    *out = NULL;
    *out_len = 0;
    if (in_len == 0 || in_len > UINT32_MAX)
        return KS_ERROR;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, 32 + MAX_WBITS) != Z_OK)
        return KS_ERROR;
    cap = KS_MIN(KS_MAX(in_len * 4, (size_t) 4096), (size_t) KS_RECORDS_MAX_INFLATE);
    buf = malloc(cap);
    if (buf == NULL)
        goto done;
    zs.next_in = (Bytef *) (uintptr_t) in;
    zs.avail_in = (uInt) in_len;
    for (;;) {
        if (used == cap) {
            size_t ncap;
            uint8_t *nb;

            if (cap >= KS_RECORDS_MAX_INFLATE)
                goto done;
            ncap = KS_MIN(cap * 2, (size_t) KS_RECORDS_MAX_INFLATE);
            nb = realloc(buf, ncap);
            if (nb == NULL)
                goto done;
            buf = nb;
            cap = ncap;
        }
        zs.next_out = buf + used;
        zs.avail_out = (uInt) (cap - used);
        zr = inflate(&zs, Z_NO_FLUSH);
        used = cap - zs.avail_out;
        if (zr == Z_STREAM_END) {
            if (zs.avail_in == 0)
                break;
            if (inflateReset(&zs) != Z_OK)    /* another gzip member */
                goto done;
            continue;
        }
        if (zr == Z_BUF_ERROR && zs.avail_out > 0)
            goto done;    /* truncated input */
        if (zr != Z_OK && zr != Z_BUF_ERROR)
            goto done;
    }
    *out = buf;
    *out_len = used;
    buf = NULL;
    rc = KS_OK;
done:
    inflateEnd(&zs);
    free(buf);
    return rc;
}

/* gzip-compresses in into a malloc'd buffer. */
static int
ks_deflate_gzip(const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len)
{
    z_stream zs;
    uLong bound;
    uint8_t *buf;
    int zr;

    if (in_len > UINT32_MAX / 2)
        return KS_ERROR;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return KS_ERROR;
    bound = deflateBound(&zs, (uLong) in_len) + 32;
    buf = malloc(bound);
    if (buf == NULL) {
        deflateEnd(&zs);
        return KS_ERROR;
    }
    zs.next_in = (Bytef *) (uintptr_t) in;
    zs.avail_in = (uInt) in_len;
    zs.next_out = buf;
    zs.avail_out = (uInt) bound;
    zr = deflate(&zs, Z_FINISH);
    if (zr != Z_STREAM_END) {
        deflateEnd(&zs);
        free(buf);
        return KS_ERROR;
    }
    *out = buf;
    *out_len = bound - zs.avail_out;
    deflateEnd(&zs);
    return KS_OK;
}

/* ------------------------------------------------------------------ */
/* record decoding                                                     */
/* ------------------------------------------------------------------ */

static int
ks_records_walk(const ks_batch_info_t *bi, const uint8_t *p, const uint8_t *end,
                int (*cb)(void *arg, const ks_record_t *rec), void *arg)
{
    ks_rd_t r = { p, end, 0 };
    bool log_append = (bi->attributes & KS_BATCH_ATTR_LOG_APPEND_TIME) != 0;

    for (int32_t i = 0; i < bi->records_count; i++) {
        ks_record_t rec;
        int32_t len = ks_rd_varint(&r);
        int64_t ts_delta;
        int32_t off_delta;
        ks_rd_t body;

        if (r.err || len < KS_RECORD_MIN_SIZE - 1 || (size_t) len > (size_t) (r.end - r.p))
            return KS_BATCH_ERR_CORRUPT_MESSAGE;
        body.p = r.p;
        body.end = r.p + len;
        body.err = 0;
        r.p += len;

        body.p++;    /* attributes, unused */
        ts_delta = ks_rd_varlong(&body, 10);
        off_delta = ks_rd_varint(&body);
        memset(&rec, 0, sizeof(rec));
        rec.key = ks_rd_bytes(&body, &rec.key_len, -1);
        rec.value = ks_rd_bytes(&body, &rec.value_len, -1);
        rec.header_count = ks_rd_varint(&body);
        if (body.err || rec.header_count < 0)
            return KS_BATCH_ERR_CORRUPT_MESSAGE;
        rec.headers = body.p;
        for (int32_t h = 0; h < rec.header_count; h++) {
            int32_t hl;

            (void) ks_rd_bytes(&body, &hl, 0);     /* key: not nullable */
            (void) ks_rd_bytes(&body, &hl, -1);    /* value */
            if (body.err)
                return KS_BATCH_ERR_CORRUPT_MESSAGE;
        }
        if (body.p != body.end)
            return KS_BATCH_ERR_CORRUPT_MESSAGE;    /* record size disagrees with its fields */
        rec.headers_len = (size_t) (body.p - rec.headers);
        rec.offset = (int64_t) ((uint64_t) bi->base_offset + (uint64_t) (int64_t) off_delta);
        rec.timestamp = log_append ? bi->max_timestamp
            : (int64_t) ((uint64_t) bi->base_timestamp + (uint64_t) ts_delta);

        int rc = cb(arg, &rec);
        if (rc != 0)
            return rc;
    }
    if (r.p != r.end)
        return KS_BATCH_ERR_CORRUPT_MESSAGE;    /* bytes left after recordsCount records */
    return KS_OK;
}

int
ks_batch_foreach_record(const uint8_t *batch, size_t len,
                        int (*cb)(void *arg, const ks_record_t *rec), void *arg)
{
    ks_batch_info_t bi;
    size_t n;
    int codec, rc;

    if (batch == NULL || cb == NULL)
        return KS_BATCH_ERR_CORRUPT_MESSAGE;
    n = ks_batch_frame(batch, len, &bi);
    if (n == 0 || n != len || bi.records_count < 0)
        return KS_BATCH_ERR_CORRUPT_MESSAGE;
    codec = bi.attributes & KS_BATCH_ATTR_CODEC_MASK;
    if (codec == KS_CODEC_NONE) {
        if ((size_t) bi.records_count > (n - KS_BATCH_HEADER_SIZE) / KS_RECORD_MIN_SIZE)
            return KS_BATCH_ERR_CORRUPT_MESSAGE;
        return ks_records_walk(&bi, batch + KS_BATCH_HEADER_SIZE, batch + n, cb, arg);
    }
    if (codec == KS_CODEC_GZIP) {
        uint8_t *plain;
        size_t plain_len;

        if (ks_inflate(batch + KS_BATCH_HEADER_SIZE, n - KS_BATCH_HEADER_SIZE, &plain,
                       &plain_len) != KS_OK)
            return KS_BATCH_ERR_CORRUPT_MESSAGE;
        if ((size_t) bi.records_count > plain_len / KS_RECORD_MIN_SIZE)
            rc = KS_BATCH_ERR_CORRUPT_MESSAGE;
        else
            rc = ks_records_walk(&bi, plain, plain + plain_len, cb, arg);
        free(plain);
        return rc;
    }
    if (codec <= KS_CODEC_ZSTD)
        return KS_BATCH_ERR_UNSUPPORTED_COMPRESSION;
    return KS_BATCH_ERR_CORRUPT_MESSAGE;
}

/* ------------------------------------------------------------------ */
/* building                                                            */
/* ------------------------------------------------------------------ */

void
ks_batch_opts_init(ks_batch_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->partition_leader_epoch = -1;
    o->producer_id = -1;
    o->producer_epoch = -1;
    o->base_sequence = -1;
}

int
ks_batch_build(const ks_batch_opts_t *opts, const ks_record_t *recs, int n,
               uint8_t **out, size_t *out_len)
{
    ks_batch_opts_t o;
    uint64_t total = 0;
    int64_t base_ts, max_ts;
    uint8_t *buf, *q, *comp = NULL;
    size_t comp_len = 0, blen;
    int codec;

    if (opts != NULL)
        o = *opts;
    else
        ks_batch_opts_init(&o);
    codec = o.attributes & KS_BATCH_ATTR_CODEC_MASK;
    if (recs == NULL || n <= 0 || out == NULL || out_len == NULL
        || (codec != KS_CODEC_NONE && codec != KS_CODEC_GZIP))
        return KS_ERROR;

    base_ts = recs[0].timestamp;
    max_ts = recs[0].timestamp;
    for (int i = 0; i < n; i++) {
        const ks_record_t *r = &recs[i];
        int64_t delta = (int64_t) ((uint64_t) r->offset - (uint64_t) o.base_offset);
        uint64_t body;

        if (delta < 0 || delta > INT32_MAX || r->key_len < -1 || r->value_len < -1
            || r->header_count < 0
            || (r->key_len > 0 && r->key == NULL) || (r->value_len > 0 && r->value == NULL)
            || (r->headers == NULL && r->headers_len > 0)
            || r->headers_len > INT32_MAX)
            return KS_ERROR;
        if (r->timestamp > max_ts)
            max_ts = r->timestamp;
        body = 1 + ks_varlong_size((int64_t) ((uint64_t) r->timestamp - (uint64_t) base_ts))
            + ks_varlong_size(delta)
            + ks_varlong_size(r->key_len) + (uint64_t) KS_MAX(r->key_len, 0)
            + ks_varlong_size(r->value_len) + (uint64_t) KS_MAX(r->value_len, 0)
            + ks_varlong_size(r->headers != NULL ? r->header_count : 0)
            + (r->headers != NULL ? r->headers_len : 0);
        if (body > INT32_MAX)
            return KS_ERROR;
        total += ks_varlong_size((int64_t) body) + body;
        if (total > INT32_MAX - KS_BATCH_HEADER_SIZE)
            return KS_ERROR;
    }

    buf = malloc(KS_BATCH_HEADER_SIZE + (size_t) total);
    if (buf == NULL)
        return KS_ERROR;
    q = buf + KS_BATCH_HEADER_SIZE;
    for (int i = 0; i < n; i++) {
        const ks_record_t *r = &recs[i];
        int64_t delta = (int64_t) ((uint64_t) r->offset - (uint64_t) o.base_offset);
        int64_t ts_delta = (int64_t) ((uint64_t) r->timestamp - (uint64_t) base_ts);
        int32_t hc = r->headers != NULL ? r->header_count : 0;
        size_t hl = r->headers != NULL ? r->headers_len : 0;
        int64_t body = 1 + (int64_t) ks_varlong_size(ts_delta) + (int64_t) ks_varlong_size(delta)
            + (int64_t) ks_varlong_size(r->key_len) + KS_MAX(r->key_len, 0)
            + (int64_t) ks_varlong_size(r->value_len) + KS_MAX(r->value_len, 0)
            + (int64_t) ks_varlong_size(hc) + (int64_t) hl;

        q = ks_put_varlong(q, body);
        *q++ = 0;
        q = ks_put_varlong(q, ts_delta);
        q = ks_put_varlong(q, delta);
        q = ks_put_varlong(q, r->key_len);
        if (r->key_len > 0) {
            memcpy(q, r->key, (size_t) r->key_len);
            q += r->key_len;
        }
        q = ks_put_varlong(q, r->value_len);
        if (r->value_len > 0) {
            memcpy(q, r->value, (size_t) r->value_len);
            q += r->value_len;
        }
        q = ks_put_varlong(q, hc);
        if (hl > 0) {
            memcpy(q, r->headers, hl);
            q += hl;
        }
    }

    if (codec == KS_CODEC_GZIP) {
        uint8_t *nb;

        if (ks_deflate_gzip(buf + KS_BATCH_HEADER_SIZE, (size_t) total, &comp, &comp_len) != KS_OK
            || comp_len > INT32_MAX - KS_BATCH_HEADER_SIZE) {
            free(comp);
            free(buf);
            return KS_ERROR;
        }
        nb = realloc(buf, KS_BATCH_HEADER_SIZE + comp_len);
        if (nb == NULL) {
            free(comp);
            free(buf);
            return KS_ERROR;
        }
        buf = nb;
        memcpy(buf + KS_BATCH_HEADER_SIZE, comp, comp_len);
        free(comp);
        blen = KS_BATCH_HEADER_SIZE + comp_len;
    } else {
        blen = KS_BATCH_HEADER_SIZE + (size_t) total;
    }

    ks_put_be64(buf + KS_BATCH_OFF_BASE_OFFSET, (uint64_t) o.base_offset);
    ks_put_be32(buf + KS_BATCH_OFF_LENGTH, (uint32_t) (blen - KS_BATCH_LOG_OVERHEAD));
    ks_put_be32(buf + KS_BATCH_OFF_LEADER_EPOCH, (uint32_t) o.partition_leader_epoch);
    buf[KS_BATCH_OFF_MAGIC] = KS_BATCH_MAGIC;
    ks_put_be16(buf + KS_BATCH_OFF_ATTRIBUTES, (uint16_t) o.attributes);
    ks_put_be32(buf + KS_BATCH_OFF_LAST_DELTA,
                (uint32_t) ((uint64_t) recs[n - 1].offset - (uint64_t) o.base_offset));
    ks_put_be64(buf + KS_BATCH_OFF_BASE_TIMESTAMP, (uint64_t) base_ts);
    ks_put_be64(buf + KS_BATCH_OFF_MAX_TIMESTAMP, (uint64_t) max_ts);
    ks_put_be64(buf + KS_BATCH_OFF_PRODUCER_ID, (uint64_t) o.producer_id);
    ks_put_be16(buf + KS_BATCH_OFF_PRODUCER_EPOCH, (uint16_t) o.producer_epoch);
    ks_put_be32(buf + KS_BATCH_OFF_BASE_SEQUENCE, (uint32_t) o.base_sequence);
    ks_put_be32(buf + KS_BATCH_OFF_RECORDS_COUNT, (uint32_t) n);
    ks_put_be32(buf + KS_BATCH_OFF_CRC,
                ks_crc32c(0, buf + KS_BATCH_OFF_ATTRIBUTES, blen - KS_BATCH_OFF_ATTRIBUTES));
    *out = buf;
    *out_len = blen;
    return KS_OK;
}

/* ------------------------------------------------------------------ */
/* legacy message sets (magic 0 and 1)                                 */
/* ------------------------------------------------------------------ */

typedef struct {
    ks_record_t *recs;
    size_t       n, cap;
    uint8_t    **bufs;          /* inflated wrapper values */
    size_t       nbufs;
    int          ts_type_set;
    int16_t      attributes;    /* timestamp type of the first message */
} ks_msgset_ctx_t;

static int
ks_msgset_add(ks_msgset_ctx_t *c, int64_t ts, const uint8_t *key, int32_t key_len,
              const uint8_t *value, int32_t value_len)
{
    ks_record_t *r;

    if (c->n >= INT32_MAX)
        return KS_BATCH_ERR_CORRUPT_MESSAGE;
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        ks_record_t *nr = realloc(c->recs, ncap * sizeof(*nr));
        if (nr == NULL)
            return KS_BATCH_ERR_CORRUPT_MESSAGE;
        c->recs = nr;
        c->cap = ncap;
    }
    r = &c->recs[c->n];
    memset(r, 0, sizeof(*r));
    r->offset = (int64_t) c->n;
    r->timestamp = ts;
    r->key = key;
    r->key_len = key_len;
    r->value = value;
    r->value_len = value_len;
    c->n++;
    return KS_OK;
}

/* Reads an int32-length bytes field (-1 = null) from [*q, end). */
static int
ks_msg_bytes(const uint8_t **q, const uint8_t *end, const uint8_t **data, int32_t *len)
{
    int32_t n;

    if (end - *q < 4)
        return KS_ERROR;
    n = (int32_t) ks_be32(*q);
    *q += 4;
    if (n < -1 || (n > 0 && (size_t) n > (size_t) (end - *q)))
        return KS_ERROR;
    *len = n;
    *data = n >= 0 ? *q : NULL;
    if (n > 0)
        *q += n;
    return KS_OK;
}

/* wrapper_magic < 0 at the top level; inside a gzip wrapper it is the
 * wrapper's magic, and wrapper_ts >= -1 overrides inner timestamps when the
 * wrapper uses LogAppendTime. */
static int
ks_msgset_walk(ks_msgset_ctx_t *c, const uint8_t *p, size_t len, int wrapper_magic,
               bool wrapper_log_append, int64_t wrapper_ts)
{
    size_t off = 0;

    while (off < len) {
        const uint8_t *msg, *q, *mend, *key, *value;
        int32_t size, key_len, value_len;
        int magic, attr, codec, rc;
        int64_t ts = -1;

        if (len - off < KS_BATCH_LOG_OVERHEAD)
            return KS_BATCH_ERR_CORRUPT_MESSAGE;
        size = (int32_t) ks_be32(p + off + 8);
        /* crc, magic, attributes, key length, value length */
        if (size < 14 || (size_t) size > len - off - KS_BATCH_LOG_OVERHEAD)
            return KS_BATCH_ERR_CORRUPT_MESSAGE;
        msg = p + off + KS_BATCH_LOG_OVERHEAD;
        mend = msg + size;
        magic = msg[4];
        if (magic > 1)
            return KS_BATCH_ERR_CORRUPT_MESSAGE;
        if (magic == 1 && size < 22)
            return KS_BATCH_ERR_CORRUPT_MESSAGE;
        if (ks_crc32_ieee(0, msg + 4, (size_t) size - 4) != ks_be32(msg))
            return KS_BATCH_ERR_CORRUPT_MESSAGE;
        if (wrapper_magic >= 0 && magic != wrapper_magic)
            return KS_BATCH_ERR_INVALID_RECORD;    /* Kafka: inner magic must match wrapper */
        attr = msg[5];
        q = msg + 6;
        if (magic == 1) {
            ts = (int64_t) ks_be64(q);
            q += 8;
        }
        if (ks_msg_bytes(&q, mend, &key, &key_len) != KS_OK
            || ks_msg_bytes(&q, mend, &value, &value_len) != KS_OK || q != mend)
            return KS_BATCH_ERR_CORRUPT_MESSAGE;

        if (!c->ts_type_set) {
            c->ts_type_set = 1;
            if (magic == 1 && (attr & KS_BATCH_ATTR_LOG_APPEND_TIME))
                c->attributes = KS_BATCH_ATTR_LOG_APPEND_TIME;
        }

        codec = attr & KS_BATCH_ATTR_CODEC_MASK;
        if (codec == KS_CODEC_NONE) {
            if (wrapper_log_append)
                ts = wrapper_ts;
            rc = ks_msgset_add(c, ts, key, key_len, value, value_len);
            if (rc != KS_OK)
                return rc;
        } else if (wrapper_magic >= 0) {
            return KS_BATCH_ERR_CORRUPT_MESSAGE;    /* nested compression */
        } else if (codec == KS_CODEC_GZIP) {
            uint8_t *plain, **nb;
            size_t plain_len;

            if (value_len <= 0)
                return KS_BATCH_ERR_CORRUPT_MESSAGE;
            if (ks_inflate(value, (size_t) value_len, &plain, &plain_len) != KS_OK)
                return KS_BATCH_ERR_CORRUPT_MESSAGE;
            nb = realloc(c->bufs, (c->nbufs + 1) * sizeof(*nb));
            if (nb == NULL) {
                free(plain);
                return KS_BATCH_ERR_CORRUPT_MESSAGE;
            }
            c->bufs = nb;
            c->bufs[c->nbufs++] = plain;
            rc = ks_msgset_walk(c, plain, plain_len, magic,
                                magic == 1 && (attr & KS_BATCH_ATTR_LOG_APPEND_TIME), ts);
            if (rc != KS_OK)
                return rc;
        } else if (codec == KS_CODEC_SNAPPY || codec == KS_CODEC_LZ4 || codec == KS_CODEC_ZSTD) {
            return KS_BATCH_ERR_UNSUPPORTED_COMPRESSION;
        } else {
            return KS_BATCH_ERR_CORRUPT_MESSAGE;
        }
        off += KS_BATCH_LOG_OVERHEAD + (size_t) size;
    }
    return KS_OK;
}

int
ks_msgset_to_batches(const uint8_t *p, size_t len, uint8_t **out, size_t *out_len,
                     int *nrecords)
{
    ks_msgset_ctx_t c;
    int rc;

    *out = NULL;
    *out_len = 0;
    *nrecords = 0;
    if (p == NULL && len > 0)
        return KS_BATCH_ERR_CORRUPT_MESSAGE;
    memset(&c, 0, sizeof(c));
    rc = ks_msgset_walk(&c, p, len, -1, false, -1);
    if (rc == KS_OK && c.n > 0) {
        ks_batch_opts_t o;

        ks_batch_opts_init(&o);
        o.attributes = c.attributes;
        if (ks_batch_build(&o, c.recs, (int) c.n, out, out_len) != KS_OK)
            rc = KS_BATCH_ERR_CORRUPT_MESSAGE;
        else
            *nrecords = (int) c.n;
    }
    for (size_t i = 0; i < c.nbufs; i++)
        free(c.bufs[i]);
    free(c.bufs);
    free(c.recs);
    return rc;
}
