/*
 * fuzz_segment.c: libFuzzer target for the segment and index formats:
 * ks_segment_parse, ks_segment_parse_header/footer, ks_index_parse and
 * ks_index_lookup (against a linear scan), ks_segment_key_parse, and the
 * builder: batches found in the input are built into a segment that must
 * then parse.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "records.h"
#include "segment.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fz_lookup_ref(const ks_index_t *idx, int64_t off)
{
    int pos = idx->entries[0].position;

    for (int32_t i = 0; i < idx->count; i++) {
        if (idx->entries[i].offset <= off)
            pos = idx->entries[i].position;
    }
    return pos;
}

static void
fz_index(const uint8_t *data, size_t size)
{
    ks_index_t idx;

    if (ks_index_parse(data, size, &idx) != KS_OK)
        return;
    if (idx.count == 0) {
        if (ks_index_lookup(&idx, 0) != KS_ERROR)
            abort();
    } else {
        int64_t probes[] = { INT64_MIN, -1, 0, INT64_MAX };
        for (size_t i = 0; i < KS_ARRAY_LEN(probes); i++) {
            if (ks_index_lookup(&idx, probes[i]) != fz_lookup_ref(&idx, probes[i]))
                abort();
        }
        for (int32_t i = 0; i < idx.count && i < 256; i++) {
            int64_t o = idx.entries[i].offset;
            if (ks_index_lookup(&idx, o) != idx.entries[i].position)
                abort();
            if (o > INT64_MIN && ks_index_lookup(&idx, o - 1) != fz_lookup_ref(&idx, o - 1))
                abort();
            if (o < INT64_MAX && ks_index_lookup(&idx, o + 1) != fz_lookup_ref(&idx, o + 1))
                abort();
        }
    }
    ks_index_free(&idx);
}

/* Builds a segment from the batches in data (a records blob); if the
 * builder accepts them all and their CRCs are good, the result must parse
 * and its index must point at the batches. */
static void
fz_build(const uint8_t *data, size_t size)
{
    ks_segment_builder_t sb;
    const uint8_t *p = data, *batch;
    size_t blen;
    ks_batch_info_t bi;
    uint8_t header[32], footer[16], *index, *file;
    size_t index_len, body = 0;
    bool ok = true;
    int nb = 0;

    ks_segment_builder_init(&sb, 2);
    while (ks_batch_next(&p, data + size, &bi, &batch, &blen) == 1) {
        if (!ks_batch_crc_ok(batch, blen) || ks_segment_builder_add(&sb, batch, blen) != KS_OK) {
            ok = false;
            break;
        }
        body += blen;
        nb++;
    }
    if (!ok || nb == 0 || p != data + size) {
        ks_segment_builder_free(&sb);
        return;
    }
    if (ks_segment_builder_finish(&sb, 42, header, footer, &index, &index_len) != KS_OK)
        abort();
    ks_segment_builder_free(&sb);
    file = malloc(32 + body + 16);
    if (file != NULL) {
        ks_segment_info_t si;
        ks_index_t idx;
        char why[128];

        memcpy(file, header, 32);
        memcpy(file + 32, data, body);
        memcpy(file + 32 + body, footer, 16);
        if (ks_segment_parse(file, 32 + body + 16, &si, why, sizeof(why)) != KS_OK
            || si.nbatches != nb)
            abort();
        if (ks_index_parse(index, index_len, &idx) != KS_OK || idx.count < 1)
            abort();
        for (int32_t i = 0; i < idx.count; i++) {
            int32_t pos = idx.entries[i].position;
            if (pos < 32 || (size_t) pos + 61 > 32 + body
                || (int64_t) ks_be64(file + pos) != idx.entries[i].offset)
                abort();
        }
        ks_index_free(&idx);
        free(file);
    }
    free(index);
}

/* Makes the CRCs of a would-be segment right (each framed batch, then the
 * body CRC in the footer) so the fuzzer gets past them. */
static void
fz_fix_crcs(uint8_t *d, size_t size)
{
    size_t off = 32, end;

    if (size < 48)
        return;
    end = size - 16;
    while (end - off >= 61) {
        int32_t n = (int32_t) ks_be32(d + off + 8);

        if (n < 49 || (size_t) n > end - off - 12)
            break;
        ks_put_be32(d + off + 17, ks_crc32c(0, d + off + 21, (size_t) n + 12 - 21));
        off += 12 + (size_t) n;
    }
    ks_put_be32(d + end, ks_crc32c(0, d + 32, end - 32));
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
    ks_segment_info_t si;
    char why[128];
    char *key;

    if (ks_segment_parse(data, size, &si, why, sizeof(why)) == KS_OK) {
        if (si.body != data + 32 || si.body_len != size - 48 || si.nbatches < 1)
            abort();
    } else if (why[0] == '\0') {
        abort();    /* every failure says why */
    }
    if (size >= 32)
        (void) ks_segment_parse_header(data, &si);
    if (size >= 16) {
        uint32_t crc;
        int64_t last;
        (void) ks_segment_parse_footer(data + size - 16, &crc, &last);
    }
    fz_index(data, size);
    fz_build(data, size);

    key = malloc(size + 1);
    if (key != NULL) {
        int32_t part;
        int64_t off;
        bool is_index;

        memcpy(key, data, size);
        key[size] = '\0';
        if (ks_segment_key_parse(key, &part, &off, &is_index) == KS_OK) {
            char buf[64];
            if (part < 0 || off < 0)
                abort();
            /* the canonical key for these numbers parses back the same */
            if (ks_segment_key(buf, sizeof(buf), NULL, "t", part, off, is_index ? "index" : "kfs") < 0)
                abort();
            int32_t p2;
            int64_t o2;
            bool i2;
            if (ks_segment_key_parse(buf, &p2, &o2, &i2) != KS_OK || p2 != part || o2 != off
                || i2 != is_index)
                abort();
        }
        free(key);
    }
}
