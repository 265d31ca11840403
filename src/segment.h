/*
 * segment.h: the KafScale segment (.kfs) and index (.index) formats, byte
 * compatible with the original KafScale, and their object keys.
 * Runs in: flusher (building), workers and restore (parsing).
 *
 *   .kfs   = header (32) + raw v2 record batches + footer (16), big-endian
 *     header: "KAFS" | version u16 = 1 | flags u16 = 0 | base offset i64 |
 *             message count i32 | created ms i64 | reserved u32 = 0
 *     footer: CRC-32C(body) u32 | last offset i64 | "END!"
 *   .index = header (16) + entries (12 each)
 *     header: "IDX\0" | version u16 = 1 | entry count i32 | interval i32 |
 *             reserved u16 = 0
 *     entry:  batch base offset i64 | absolute position in the .kfs i32
 *
 * The index is sparse: the first batch always gets an entry, a later batch
 * gets one when at least `interval` messages were appended since the
 * previous entry (counted before adding the batch).
 *
 * Unlike the original, the parsers verify everything (CRCs, counts) and
 * report corruption instead of serving it.
 */
#ifndef KS_SEGMENT_H
#define KS_SEGMENT_H

#include "ks.h"

#define KS_SEGMENT_HEADER_SIZE 32
#define KS_SEGMENT_FOOTER_SIZE 16
#define KS_SEGMENT_VERSION      1
#define KS_INDEX_HEADER_SIZE   16
#define KS_INDEX_ENTRY_SIZE    12
#define KS_INDEX_VERSION        1
#define KS_INDEX_INTERVAL     100    /* messages, as the original broker */

/* Longest key ks_segment_key() writes for names up to 255 bytes. */
#define KS_SEGMENT_KEY_MAX    600

void ks_segment_header(uint8_t out[32], int64_t base_offset, int32_t msg_count,
                       int64_t created_ms);
void ks_segment_footer(uint8_t out[16], uint32_t body_crc, int64_t last_offset);

/* ---- index builder ---- */

typedef struct {
    uint8_t *buf;            /* header space + entries */
    size_t   len, cap;
    int32_t  count;
    int32_t  interval;
    int64_t  since_last;     /* messages appended since the last entry */
    int      err;
} ks_index_builder_t;

/* interval <= 0 means KS_INDEX_INTERVAL. */
void ks_index_builder_init(ks_index_builder_t *ib, int32_t interval);
/* Adds an entry for this batch if the sparse rule says so.  file_pos is
 * the batch's absolute position in the .kfs file (the first is 32).
 * KS_ERROR if out of memory (remembered; finish fails too). */
int ks_index_add_batch(ks_index_builder_t *ib, int64_t base_offset, int32_t file_pos,
                       int32_t records);
/* Writes the header and hands over the malloc'd index file; the builder is
 * empty afterwards. */
int ks_index_finish(ks_index_builder_t *ib, uint8_t **out, size_t *len);
void ks_index_builder_free(ks_index_builder_t *ib);

/* ---- segment builder: the body stays where it is (ring memory); the
 * flusher writes header, the batches and footer with one writev/PUT. ---- */

typedef struct {
    int64_t            base_offset;    /* first batch's base offset */
    int64_t            last_offset;    /* last batch's base + lastOffsetDelta */
    int64_t            msg_count;      /* sum of records_count */
    uint32_t           body_crc;
    size_t             body_len;
    int32_t            nbatches;
    ks_index_builder_t index;
} ks_segment_builder_t;

void ks_segment_builder_init(ks_segment_builder_t *sb, int32_t index_interval);
/* Appends one batch (baseOffset already final) to the segment's CRC,
 * counts and index; the bytes are not copied.  KS_ERROR if the batch is
 * malformed, its offsets do not follow the previous batch, or the segment
 * would outgrow the format's int32 fields. */
int ks_segment_builder_add(ks_segment_builder_t *sb, const uint8_t *batch, size_t len);
/* Fills the header and footer and hands over the index file (malloc'd).
 * KS_ERROR if no batch was added or out of memory. */
int ks_segment_builder_finish(ks_segment_builder_t *sb, int64_t created_ms,
                              uint8_t header[32], uint8_t footer[16],
                              uint8_t **index, size_t *index_len);
void ks_segment_builder_free(ks_segment_builder_t *sb);

/* ---- parsing ---- */

typedef struct {
    uint16_t       version;
    uint16_t       flags;
    int64_t        base_offset;
    int32_t        message_count;
    int64_t        created_ms;
    uint32_t       body_crc;      /* from the footer */
    int64_t        last_offset;   /* from the footer */
    const uint8_t *body;          /* view into the parsed buffer */
    size_t         body_len;
    int32_t        nbatches;
} ks_segment_info_t;

/* Parses and verifies a whole .kfs: header magic/version/flags, footer
 * magic, body CRC-32C, every batch complete with magic 2 and a valid
 * CRC-32C, offsets increasing, first batch at the header's base offset,
 * message count and last offset equal to what the batches say.  KS_OK, or
 * KS_ERROR with a lower-case reason in why (may be NULL). */
int ks_segment_parse(const uint8_t *p, size_t len, ks_segment_info_t *info,
                     char *why, size_t why_len);

/* Header only (32 bytes): magic, version, flags.  Fills the header fields
 * of info. */
int ks_segment_parse_header(const uint8_t p[32], ks_segment_info_t *info);

/* Footer only (the last 16 bytes, for restore's ranged GET): checks the
 * END! magic. */
int ks_segment_parse_footer(const uint8_t p[16], uint32_t *body_crc, int64_t *last_offset);

typedef struct {
    int64_t offset;
    int32_t position;
} ks_index_entry_t;

typedef struct {
    int32_t           count;
    int32_t           interval;
    ks_index_entry_t *entries;    /* malloc'd, count of them */
} ks_index_t;

/* Parses a .index file: magic, version, count >= 0, exact length,
 * entries sorted by offset with positions >= 32.  KS_OK (free with
 * ks_index_free) or KS_ERROR. */
int ks_index_parse(const uint8_t *p, size_t len, ks_index_t *idx);
void ks_index_free(ks_index_t *idx);

/* Position of the last entry whose offset <= offset, or of the first
 * entry when offset is below all of them; KS_ERROR for an empty index. */
int ks_index_lookup(const ks_index_t *idx, int64_t offset);

/* ---- object keys ---- */

/* "{ns}/{topic}/{partition}/segment-%020lld.{ext}" (no "{ns}/" when ns is
 * NULL or empty); ext is "kfs" or "index".  Returns the key length, or
 * KS_ERROR for bad arguments (empty topic or one with '/', negative
 * partition or offset) or a too small buffer. */
int ks_segment_key(char *buf, size_t len, const char *ns, const char *topic,
                   int32_t partition, int64_t base_offset, const char *ext);

/* Pulls partition and base offset out of a listed key ending in
 * "/{partition}/segment-{digits}.kfs" or ".index".  *is_index (may be
 * NULL) tells which.  KS_OK or KS_ERROR for any other key. */
int ks_segment_key_parse(const char *key, int32_t *partition, int64_t *base_offset,
                         bool *is_index);

#endif
