/*
 * segment.c: .kfs / .index building and verifying parsing, object keys.
 * Runs in: flusher (building), workers and restore (parsing).
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "records.h"
#include "segment.h"
#include "util.h"

static const uint8_t ks_kfs_magic[4] = { 'K', 'A', 'F', 'S' };
static const uint8_t ks_end_magic[4] = { 'E', 'N', 'D', '!' };
static const uint8_t ks_idx_magic[4] = { 'I', 'D', 'X', 0 };

/* ------------------------------------------------------------------ */
/* header, footer                                                      */
/* ------------------------------------------------------------------ */

void
ks_segment_header(uint8_t out[32], int64_t base_offset, int32_t msg_count, int64_t created_ms)
{
    memcpy(out, ks_kfs_magic, 4);
    ks_put_be16(out + 4, KS_SEGMENT_VERSION);
    ks_put_be16(out + 6, 0);
    ks_put_be64(out + 8, (uint64_t) base_offset);
    ks_put_be32(out + 16, (uint32_t) msg_count);
    ks_put_be64(out + 20, (uint64_t) created_ms);
    ks_put_be32(out + 28, 0);
}

void
ks_segment_footer(uint8_t out[16], uint32_t body_crc, int64_t last_offset)
{
    ks_put_be32(out, body_crc);
    ks_put_be64(out + 4, (uint64_t) last_offset);
    memcpy(out + 12, ks_end_magic, 4);
}

/* ------------------------------------------------------------------ */
/* index builder                                                       */
/* ------------------------------------------------------------------ */

void
ks_index_builder_init(ks_index_builder_t *ib, int32_t interval)
{
    memset(ib, 0, sizeof(*ib));
    ib->interval = interval > 0 ? interval : KS_INDEX_INTERVAL;
}

int
ks_index_add_batch(ks_index_builder_t *ib, int64_t base_offset, int32_t file_pos,
                   int32_t records)
{
    if (ib->err)
        return KS_ERROR;
    if (ib->count == 0 || ib->since_last >= ib->interval) {
        if (ib->count == INT32_MAX) {
            ib->err = 1;
            return KS_ERROR;
        }
        if (ib->len + KS_INDEX_ENTRY_SIZE > ib->cap || ib->buf == NULL) {
            size_t ncap = ib->cap ? ib->cap * 2 : KS_INDEX_HEADER_SIZE + 64 * KS_INDEX_ENTRY_SIZE;
            uint8_t *nb = realloc(ib->buf, ncap);

            if (nb == NULL) {
                ib->err = 1;
                return KS_ERROR;
            }
            ib->buf = nb;
            ib->cap = ncap;
            if (ib->len == 0)
                ib->len = KS_INDEX_HEADER_SIZE;
        }
        ks_put_be64(ib->buf + ib->len, (uint64_t) base_offset);
        ks_put_be32(ib->buf + ib->len + 8, (uint32_t) file_pos);
        ib->len += KS_INDEX_ENTRY_SIZE;
        ib->count++;
        ib->since_last = 0;
    }
    if (records > 0)
        ib->since_last += records;
    return KS_OK;
}

int
ks_index_finish(ks_index_builder_t *ib, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (ib->err)
        return KS_ERROR;
    if (ib->buf == NULL) {
        ib->buf = malloc(KS_INDEX_HEADER_SIZE);
        if (ib->buf == NULL)
            return KS_ERROR;
        ib->cap = ib->len = KS_INDEX_HEADER_SIZE;
    }
    memcpy(ib->buf, ks_idx_magic, 4);
    ks_put_be16(ib->buf + 4, KS_INDEX_VERSION);
    ks_put_be32(ib->buf + 6, (uint32_t) ib->count);
    ks_put_be32(ib->buf + 10, (uint32_t) ib->interval);
    ks_put_be16(ib->buf + 14, 0);
    *out = ib->buf;
    *len = ib->len;
    ks_index_builder_init(ib, ib->interval);
    return KS_OK;
}

void
ks_index_builder_free(ks_index_builder_t *ib)
{
    free(ib->buf);
    ks_index_builder_init(ib, ib->interval);
}

/* ------------------------------------------------------------------ */
/* segment builder                                                     */
/* ------------------------------------------------------------------ */

void
ks_segment_builder_init(ks_segment_builder_t *sb, int32_t index_interval)
{
    memset(sb, 0, sizeof(*sb));
    ks_index_builder_init(&sb->index, index_interval);
}

int
ks_segment_builder_add(ks_segment_builder_t *sb, const uint8_t *batch, size_t len)
{
    const uint8_t *p = batch;
    ks_batch_info_t bi;
    size_t n;
    int64_t last;

    if (batch == NULL || ks_batch_next(&p, batch + len, &bi, NULL, &n) != 1 || n != len)
        return KS_ERROR;
    if (bi.records_count < 0 || bi.last_offset_delta < 0 || bi.base_offset < 0
        || bi.base_offset > INT64_MAX - bi.last_offset_delta)
        return KS_ERROR;
    last = bi.base_offset + bi.last_offset_delta;
    if (sb->nbatches > 0 && bi.base_offset <= sb->last_offset)
        return KS_ERROR;
    if (sb->msg_count + bi.records_count > INT32_MAX
        || sb->body_len + len > (size_t) INT32_MAX - KS_SEGMENT_HEADER_SIZE - KS_SEGMENT_FOOTER_SIZE)
        return KS_ERROR;
    if (ks_index_add_batch(&sb->index, bi.base_offset,
                           (int32_t) (KS_SEGMENT_HEADER_SIZE + sb->body_len),
                           bi.records_count) != KS_OK)
        return KS_ERROR;
    if (sb->nbatches == 0)
        sb->base_offset = bi.base_offset;
    sb->last_offset = last;
    sb->msg_count += bi.records_count;
    sb->body_crc = ks_crc32c(sb->body_crc, batch, len);
    sb->body_len += len;
    sb->nbatches++;
    return KS_OK;
}

int
ks_segment_builder_finish(ks_segment_builder_t *sb, int64_t created_ms,
                          uint8_t header[32], uint8_t footer[16],
                          uint8_t **index, size_t *index_len)
{
    *index = NULL;
    *index_len = 0;
    if (sb->nbatches == 0)
        return KS_ERROR;
    if (ks_index_finish(&sb->index, index, index_len) != KS_OK)
        return KS_ERROR;
    ks_segment_header(header, sb->base_offset, (int32_t) sb->msg_count, created_ms);
    ks_segment_footer(footer, sb->body_crc, sb->last_offset);
    return KS_OK;
}

void
ks_segment_builder_free(ks_segment_builder_t *sb)
{
    ks_index_builder_free(&sb->index);
    ks_segment_builder_init(sb, sb->index.interval);
}

/* ------------------------------------------------------------------ */
/* parsing                                                             */
/* ------------------------------------------------------------------ */

KS_PRINTF(3, 4)
static int
ks_fail(char *why, size_t why_len, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL && why_len > 0) {
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return KS_ERROR;
}

int
ks_segment_parse_header(const uint8_t p[32], ks_segment_info_t *info)
{
    if (memcmp(p, ks_kfs_magic, 4) != 0)
        return KS_ERROR;
    info->version = ks_be16(p + 4);
    info->flags = ks_be16(p + 6);
    info->base_offset = (int64_t) ks_be64(p + 8);
    info->message_count = (int32_t) ks_be32(p + 16);
    info->created_ms = (int64_t) ks_be64(p + 20);
    if (info->version != KS_SEGMENT_VERSION || info->flags != 0)
        return KS_ERROR;
    return KS_OK;
}

int
ks_segment_parse_footer(const uint8_t p[16], uint32_t *body_crc, int64_t *last_offset)
{
    if (memcmp(p + 12, ks_end_magic, 4) != 0)
        return KS_ERROR;
    if (body_crc != NULL)
        *body_crc = ks_be32(p);
    if (last_offset != NULL)
        *last_offset = (int64_t) ks_be64(p + 4);
    return KS_OK;
}

int
ks_segment_parse(const uint8_t *p, size_t len, ks_segment_info_t *info, char *why,
                 size_t why_len)
{
    ks_segment_info_t si;
    const uint8_t *q, *end;
    int64_t count = 0, prev_last = -1;
    int rc;

    memset(&si, 0, sizeof(si));
    if (why != NULL && why_len > 0)
        why[0] = '\0';
    if (p == NULL || len < KS_SEGMENT_HEADER_SIZE + KS_SEGMENT_FOOTER_SIZE)
        return ks_fail(why, why_len, "segment too short (%zu bytes)", len);
    if (memcmp(p, ks_kfs_magic, 4) != 0)
        return ks_fail(why, why_len, "bad segment header magic");
    if (ks_segment_parse_header(p, &si) != KS_OK)
        return ks_fail(why, why_len, "unsupported segment version %u flags %u",
                       (unsigned) si.version, (unsigned) si.flags);
    if (ks_segment_parse_footer(p + len - KS_SEGMENT_FOOTER_SIZE, &si.body_crc,
                                &si.last_offset) != KS_OK)
        return ks_fail(why, why_len, "bad segment footer magic");
    si.body = p + KS_SEGMENT_HEADER_SIZE;
    si.body_len = len - KS_SEGMENT_HEADER_SIZE - KS_SEGMENT_FOOTER_SIZE;
    if (ks_crc32c(0, si.body, si.body_len) != si.body_crc)
        return ks_fail(why, why_len, "segment body crc mismatch");
    if (si.message_count < 0)
        return ks_fail(why, why_len, "negative message count %" PRId32, si.message_count);

    q = si.body;
    end = si.body + si.body_len;
    for (;;) {
        ks_batch_info_t bi;
        const uint8_t *batch;
        size_t blen;
        size_t pos = (size_t) (q - p);

        rc = ks_batch_next(&q, end, &bi, &batch, &blen);
        if (rc == 0)
            break;
        if (rc < 0)
            return ks_fail(why, why_len, "malformed or truncated batch at position %zu", pos);
        if (!ks_batch_crc_ok(batch, blen))
            return ks_fail(why, why_len, "batch crc mismatch at position %zu", pos);
        if (bi.records_count < 0 || bi.last_offset_delta < 0 || bi.base_offset < 0
            || bi.base_offset > INT64_MAX - bi.last_offset_delta)
            return ks_fail(why, why_len, "bad batch counts at position %zu", pos);
        if (si.nbatches == 0 && bi.base_offset != si.base_offset)
            return ks_fail(why, why_len, "first batch offset %" PRId64 " is not the segment base %"
                           PRId64, bi.base_offset, si.base_offset);
        if (si.nbatches > 0 && bi.base_offset <= prev_last)
            return ks_fail(why, why_len, "batch offset %" PRId64 " not after previous last offset %"
                           PRId64, bi.base_offset, prev_last);
        prev_last = bi.base_offset + bi.last_offset_delta;
        count += bi.records_count;
        si.nbatches++;
        if (si.nbatches == INT32_MAX)
            return ks_fail(why, why_len, "too many batches");
    }
    if (si.nbatches == 0)
        return ks_fail(why, why_len, "segment has no batches");
    if (count != si.message_count)
        return ks_fail(why, why_len, "message count %" PRId32 " but batches hold %" PRId64,
                       si.message_count, count);
    if (prev_last != si.last_offset)
        return ks_fail(why, why_len, "footer last offset %" PRId64 " but batches end at %" PRId64,
                       si.last_offset, prev_last);
    if (info != NULL)
        *info = si;
    return KS_OK;
}

int
ks_index_parse(const uint8_t *p, size_t len, ks_index_t *idx)
{
    int32_t count;
    ks_index_entry_t *e = NULL;

    memset(idx, 0, sizeof(*idx));
    if (p == NULL || len < KS_INDEX_HEADER_SIZE || memcmp(p, ks_idx_magic, 4) != 0
        || ks_be16(p + 4) != KS_INDEX_VERSION)
        return KS_ERROR;
    count = (int32_t) ks_be32(p + 6);
    if (count < 0 || (len - KS_INDEX_HEADER_SIZE) / KS_INDEX_ENTRY_SIZE != (size_t) count
        || (len - KS_INDEX_HEADER_SIZE) % KS_INDEX_ENTRY_SIZE != 0)
        return KS_ERROR;
    if (count > 0) {
        e = malloc((size_t) count * sizeof(*e));
        if (e == NULL)
            return KS_ERROR;
    }
    for (int32_t i = 0; i < count; i++) {
        const uint8_t *q = p + KS_INDEX_HEADER_SIZE + (size_t) i * KS_INDEX_ENTRY_SIZE;

        e[i].offset = (int64_t) ks_be64(q);
        e[i].position = (int32_t) ks_be32(q + 8);
        if (e[i].position < KS_SEGMENT_HEADER_SIZE
            || (i > 0 && (e[i].offset <= e[i - 1].offset || e[i].position <= e[i - 1].position))) {
            free(e);
            return KS_ERROR;
        }
    }
    idx->count = count;
    idx->interval = (int32_t) ks_be32(p + 10);
    idx->entries = e;
    return KS_OK;
}

void
ks_index_free(ks_index_t *idx)
{
    free(idx->entries);
    memset(idx, 0, sizeof(*idx));
}

int
ks_index_lookup(const ks_index_t *idx, int64_t offset)
{
    int32_t lo = 0, hi;

    if (idx == NULL || idx->count <= 0 || idx->entries == NULL)
        return KS_ERROR;
    hi = idx->count - 1;
    if (offset < idx->entries[0].offset)
        return idx->entries[0].position;
    /* invariant: entries[lo].offset <= offset */
    while (lo < hi) {
        int32_t mid = lo + (hi - lo + 1) / 2;

        if (idx->entries[mid].offset <= offset)
            lo = mid;
        else
            hi = mid - 1;
    }
    return idx->entries[lo].position;
}

/* ------------------------------------------------------------------ */
/* object keys                                                         */
/* ------------------------------------------------------------------ */

int
ks_segment_key(char *buf, size_t len, const char *ns, const char *topic, int32_t partition,
               int64_t base_offset, const char *ext)
{
    int n;

    if (buf == NULL || len == 0 || topic == NULL || topic[0] == '\0' || strchr(topic, '/')
        || partition < 0 || base_offset < 0 || ext == NULL
        || (strcmp(ext, "kfs") != 0 && strcmp(ext, "index") != 0))
        return KS_ERROR;
    if (ns != NULL && ns[0] != '\0')
        n = snprintf(buf, len, "%s/%s/%" PRId32 "/segment-%020" PRId64 ".%s", ns, topic,
                     partition, base_offset, ext);
    else
        n = snprintf(buf, len, "%s/%" PRId32 "/segment-%020" PRId64 ".%s", topic, partition,
                     base_offset, ext);
    if (n < 0 || (size_t) n >= len) {
        buf[0] = '\0';
        return KS_ERROR;
    }
    return n;
}

/* Parses [s, e) as a non-negative decimal no larger than max. */
static int
ks_parse_dec(const char *s, const char *e, int64_t max, int64_t *out)
{
    int64_t v = 0;

    if (s >= e)
        return KS_ERROR;
    for (; s < e; s++) {
        if (*s < '0' || *s > '9')
            return KS_ERROR;
        if (v > (max - (*s - '0')) / 10)
            return KS_ERROR;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return KS_OK;
}

int
ks_segment_key_parse(const char *key, int32_t *partition, int64_t *base_offset, bool *is_index)
{
    static const char prefix[] = "segment-";
    const char *base, *dot, *pstart;
    int64_t part, off;
    bool idx;

    if (key == NULL)
        return KS_ERROR;
    base = strrchr(key, '/');
    if (base == NULL || base == key)
        return KS_ERROR;
    pstart = base;
    while (pstart > key && pstart[-1] != '/')
        pstart--;
    base++;
    if (strncmp(base, prefix, sizeof(prefix) - 1) != 0)
        return KS_ERROR;
    dot = strrchr(base, '.');
    if (dot == NULL)
        return KS_ERROR;
    if (strcmp(dot, ".kfs") == 0)
        idx = false;
    else if (strcmp(dot, ".index") == 0)
        idx = true;
    else
        return KS_ERROR;
    if (ks_parse_dec(base + sizeof(prefix) - 1, dot, INT64_MAX, &off) != KS_OK
        || ks_parse_dec(pstart, base - 1, INT32_MAX, &part) != KS_OK)
        return KS_ERROR;
    if (partition != NULL)
        *partition = (int32_t) part;
    if (base_offset != NULL)
        *base_offset = off;
    if (is_index != NULL)
        *is_index = idx;
    return KS_OK;
}
