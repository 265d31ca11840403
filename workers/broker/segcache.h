/*
 * segcache.h: the worker's read side of a partition's log: recent data
 * from the shared ring, older data from the object store through a
 * per-worker cache of segment lists, parsed .index files and verified
 * segment data (a front over the broker's shared read cache, shm/rcache.h,
 * when read.cache.bytes > 0), with read-ahead of the next segment.
 * Runs in: worker.
 *
 * Everything here runs on the worker's event loop and never blocks:
 * object-store reads are started and the caller is called back when what
 * it waited for is in the cache; it then simply reads again.
 */
#ifndef KS_SEGCACHE_H
#define KS_SEGCACHE_H

#include "ks.h"

/* Bytes of segment data (and indexes) a worker keeps (without a shared
 * read cache; with one, the front keeps 16 MiB). */
#define KS_SEGCACHE_BUDGET (64u << 20)

/* A growable byte buffer (malloc'd). */
typedef struct {
    uint8_t *buf;
    size_t len, cap;
} ks_segbuf_t;

void ks_segbuf_free(ks_segbuf_t *b);

/* Which partition to read. */
typedef struct {
    const char *topic;            /* not NUL-terminated */
    size_t topic_len;
    int32_t partition;
    uint32_t slot, slot_gen;      /* its ring slot (the broker serves it) */
} ks_partref_t;

/* Something a reader waited for is in the cache (or failed): read again. */
typedef void (*ks_segcache_cb)(void *arg);

/*
 * Appends to out the whole record batches of the partition from the one
 * holding `offset` on, below `hw`: from the ring while it still holds them,
 * else from the object store (every batch's CRC-32C verified before it is
 * served).  At most max_bytes, except that the first batch is always taken
 * when min_one is set and out was empty.  *next is set to the offset after
 * the last batch appended (or `offset`).
 *
 * Returns KS_OK (possibly with nothing appended: no data yet, or data not
 * cached and the caller already had some), KS_AGAIN when nothing could be
 * appended because an object-store read was started: cb(arg) runs exactly
 * once when it ended (never when cb is NULL), or a positive Kafka error when
 * nothing was appended: OFFSET_OUT_OF_RANGE (no segment holds the offset),
 * KAFKA_STORAGE_ERROR (object store failing, or corrupt data, logged with
 * the object's key), NOT_LEADER_OR_FOLLOWER (the slot moved).
 */
int ks_part_read(const ks_partref_t *ref, int64_t offset, int64_t hw, size_t max_bytes,
                 bool min_one, ks_segbuf_t *out, int64_t *next, ks_segcache_cb cb, void *arg);

/* Drops everything (worker exit); callbacks still pending never run. */
void ks_segcache_shutdown(void);

/* Counters for tests and metrics. */
typedef struct {
    uint64_t hits, misses, gets, readahead, corrupt, bytes, lists;
    uint64_t shared_hits;         /* front misses served by the shared read cache */
    uint64_t shared_waits;        /* reads that waited for another worker's load */
} ks_segcache_stats_t;

const ks_segcache_stats_t *ks_segcache_stats(void);

#endif
