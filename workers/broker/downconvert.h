/*
 * downconvert.h: record batches (magic 2) to legacy message sets (magic 0
 * or 1) for Fetch v0..v3.  Runs in: worker.
 */
#ifndef KS_DOWNCONVERT_H
#define KS_DOWNCONVERT_H

#include "ks.h"

/*
 * Appends to *out (malloc'd, grown as needed) the messages of the v2
 * batches in [p, p+len) as an uncompressed legacy message set of `magic`
 * (0: Fetch v0-v1, 1: Fetch v2-v3).  Offsets are kept; every message gets
 * its CRC-32; magic 1 messages keep the record timestamp (LogAppendTime
 * batches set the timestamp-type bit); headers are dropped (the old formats
 * have none); records below min_offset (the fetch offset, inside the
 * first batch) and control batches are skipped, as Kafka does.  A partial
 * trailing batch is ignored.  Returns KS_OK, UNSUPPORTED_COMPRESSION_TYPE
 * (76) for snappy, lz4 and zstd batches (not built in), CORRUPT_MESSAGE (2)
 * for a batch that cannot be decoded, or KS_ERROR when out of memory.
 */
int ks_downconvert(const uint8_t *p, size_t len, int magic, int64_t min_offset, uint8_t **out,
                   size_t *out_len, size_t *out_cap);

#endif
