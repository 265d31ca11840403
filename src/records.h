/*
 * records.h: Kafka record batches (magic 2) and legacy message sets
 * (magic 0/1).  Runs in: workers (produce validation, legacy conversion),
 * flusher and restore (batch walking).
 *
 * The hot path (ks_records_validate, ks_batch_next, ks_batch_set_*) reads
 * only the 61-byte batch headers and the CRC; it never decodes records.
 * Record-level decoding (ks_batch_foreach_record) and building
 * (ks_batch_build) are for legacy conversion, tests and tools.
 *
 * Functions that validate client data return KS_OK or a positive Kafka
 * error code (below) that can go straight into a response.
 */
#ifndef KS_RECORDS_H
#define KS_RECORDS_H

#include "ks.h"

/* Kafka error codes these functions return. */
#define KS_BATCH_ERR_CORRUPT_MESSAGE            2
#define KS_BATCH_ERR_UNSUPPORTED_COMPRESSION   76
#define KS_BATCH_ERR_INVALID_RECORD            87

#define KS_BATCH_HEADER_SIZE     61   /* baseOffset .. recordsCount */
#define KS_BATCH_LOG_OVERHEAD    12   /* baseOffset + batchLength */
#define KS_BATCH_MAGIC            2

/* Byte offsets of the header fields. */
#define KS_BATCH_OFF_BASE_OFFSET      0
#define KS_BATCH_OFF_LENGTH           8
#define KS_BATCH_OFF_LEADER_EPOCH    12
#define KS_BATCH_OFF_MAGIC           16
#define KS_BATCH_OFF_CRC             17
#define KS_BATCH_OFF_ATTRIBUTES      21
#define KS_BATCH_OFF_LAST_DELTA      23
#define KS_BATCH_OFF_BASE_TIMESTAMP  27
#define KS_BATCH_OFF_MAX_TIMESTAMP   35
#define KS_BATCH_OFF_PRODUCER_ID     43
#define KS_BATCH_OFF_PRODUCER_EPOCH  51
#define KS_BATCH_OFF_BASE_SEQUENCE   53
#define KS_BATCH_OFF_RECORDS_COUNT   57

/* attributes bits */
#define KS_BATCH_ATTR_CODEC_MASK      0x07   /* 0 none 1 gzip 2 snappy 3 lz4 4 zstd */
#define KS_BATCH_ATTR_LOG_APPEND_TIME 0x08
#define KS_BATCH_ATTR_TRANSACTIONAL   0x10
#define KS_BATCH_ATTR_CONTROL         0x20
#define KS_BATCH_ATTR_DELETE_HORIZON  0x40

#define KS_CODEC_NONE   0
#define KS_CODEC_GZIP   1
#define KS_CODEC_SNAPPY 2
#define KS_CODEC_LZ4    3
#define KS_CODEC_ZSTD   4

/* Upper bound on the decompressed size of one gzip block (legacy wrapper
 * or compressed batch) the decoders accept. */
#define KS_RECORDS_MAX_INFLATE (64u << 20)

typedef struct {
    int64_t  base_offset;
    int32_t  batch_length;          /* bytes after this field; batch = 12 + this */
    int32_t  partition_leader_epoch;
    int8_t   magic;
    uint32_t crc;
    int16_t  attributes;
    int32_t  last_offset_delta;
    int64_t  base_timestamp;
    int64_t  max_timestamp;
    int64_t  producer_id;
    int16_t  producer_epoch;
    int32_t  base_sequence;
    int32_t  records_count;
} ks_batch_info_t;

typedef struct {
    int32_t         nbatches;
    int64_t         total_records;    /* sum of records_count */
    ks_batch_info_t first;
    ks_batch_info_t last;
    int64_t         max_timestamp;    /* max over the batches' max_timestamp */
    size_t          bytes;            /* == len on success */
    size_t          max_batch_bytes;  /* largest batch (for max.message.bytes) */
} ks_records_summary_t;

/* One decoded record.  Pointers are views into the batch (or into a
 * decompressed copy that lives until the callback returns). */
typedef struct {
    int64_t        offset;            /* base_offset + offsetDelta */
    int64_t        timestamp;         /* LogAppendTime batches: max_timestamp */
    const uint8_t *key;               /* NULL when key_len == -1 */
    int32_t        key_len;
    const uint8_t *value;             /* NULL when value_len == -1 */
    int32_t        value_len;
    int32_t        header_count;
    const uint8_t *headers;           /* the encoded headers, header_count of them */
    size_t         headers_len;
} ks_record_t;

/* Reads the 61-byte header at p.  KS_ERROR if len < 61 (nothing else is
 * checked). */
int ks_batch_parse_header(const uint8_t *p, size_t len, ks_batch_info_t *out);

/* True if the batch's stored CRC-32C matches attributes..end.  len is the
 * whole batch (12 + batchLength); false if len < 61. */
bool ks_batch_crc_ok(const uint8_t *batch, size_t len);

/*
 * Validates the `records` of one partition of a Produce request (v3+):
 * every batch complete, magic 2, batchLength >= 49, CRC-32C valid, no
 * trailing bytes, then the checks Kafka's LogValidator makes on client
 * batches.  Error codes, as Kafka returns them:
 *   CORRUPT_MESSAGE (2): structural damage: short or partial batch, bad
 *     batchLength, magic != 2, CRC mismatch, trailing garbage, more records
 *     claimed than an uncompressed batch can hold.
 *   INVALID_RECORD (87): well-formed but not acceptable from a client: no
 *     batch at all, recordsCount <= 0, lastOffsetDelta + 1 != recordsCount,
 *     control batches, producerId >= 0 with baseSequence < 0.
 *   UNSUPPORTED_COMPRESSION_TYPE (76): codec id 5..7.
 * Kafka itself accepts exactly one batch per partition in Produce v3+;
 * several are validated here, sum->nbatches lets the caller enforce that.
 * Returns KS_OK and fills *sum (which may be NULL).
 */
int ks_records_validate(const uint8_t *p, size_t len, ks_records_summary_t *sum);

/*
 * Iterates the batches of a records blob (fetch data, ring entries, segment
 * bodies).  Returns 1 and advances *p past one batch (info, batch pointer
 * and length filled; any of them may be NULL), 0 when *p == end, -1 on a
 * malformed or partial batch (short header, batchLength < 49, batch past
 * end, magic != 2), leaving *p at that batch.  Does not check the CRC
 * (see ks_batch_crc_ok).
 */
int ks_batch_next(const uint8_t **p, const uint8_t *end, ks_batch_info_t *info,
                  const uint8_t **batch, size_t *batch_len);

/* Rewrites bytes 0..7 only (not covered by the CRC). */
void ks_batch_set_base_offset(uint8_t *batch, int64_t base_offset);

/* Sets the LogAppendTime bit and maxTimestamp = ts and recomputes the CRC,
 * as Kafka does for topics with message.timestamp.type=LogAppendTime.  The
 * batch must have passed ks_records_validate or ks_batch_next. */
void ks_batch_set_log_append_time(uint8_t *batch, int64_t ts);

/*
 * Decodes every record of one batch (len = 12 + batchLength), uncompressed
 * or gzip.  Calls cb for each record in order; a non-zero return from cb
 * stops the walk and is returned (use negative values to tell them apart
 * from the codes below).  Returns KS_OK, CORRUPT_MESSAGE (2) for a damaged
 * batch or record (the CRC is not checked here), or
 * UNSUPPORTED_COMPRESSION_TYPE (76) for snappy, lz4, zstd.
 */
int ks_batch_foreach_record(const uint8_t *batch, size_t len,
                            int (*cb)(void *arg, const ks_record_t *rec), void *arg);

typedef struct {
    int64_t base_offset;
    int32_t partition_leader_epoch;
    int16_t attributes;    /* codec none or gzip, timestamp type, transactional */
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
} ks_batch_opts_t;

/* Defaults: base offset 0, epoch -1, attributes 0, no producer id (-1/-1/-1). */
void ks_batch_opts_init(ks_batch_opts_t *o);

/*
 * Builds one v2 batch from n >= 1 records with a valid CRC-32C, gzip
 * compressed if opts->attributes says so.  offsetDelta = rec.offset -
 * base_offset (must fit in int32 and be >= 0), baseTimestamp = the first
 * record's timestamp, maxTimestamp = the largest.  Headers are copied
 * from rec.headers/headers_len (header_count of them) or omitted when
 * headers is NULL.  opts may be NULL.  Returns KS_OK with a malloc'd
 * *out, or KS_ERROR on bad arguments or out of memory.
 */
int ks_batch_build(const ks_batch_opts_t *opts, const ks_record_t *recs, int n,
                   uint8_t **out, size_t *out_len);

/*
 * Converts a legacy message set (magic 0/1, Produce v0-v2) into one
 * uncompressed magic-2 batch with base offset 0 and offsetDeltas 0..n-1.
 * CRC-32 (IEEE) of every message is checked; gzip wrappers are inflated
 * (one level, as Kafka).  Magic 0 messages get timestamp -1; for magic 1
 * the timestamp type of the first message is kept (a LogAppendTime wrapper
 * stamps its timestamp on its inner messages).  Returns KS_OK with a
 * malloc'd *out (or *out = NULL, *out_len = 0, *nrecords = 0 for an empty
 * set), CORRUPT_MESSAGE (2) for damaged input or a magic-2 batch, or
 * UNSUPPORTED_COMPRESSION_TYPE (76) for snappy/lz4 wrappers.
 */
int ks_msgset_to_batches(const uint8_t *p, size_t len, uint8_t **out, size_t *out_len,
                         int *nrecords);

#endif
