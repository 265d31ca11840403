/*
 * ring.h: the segment buffer ring and the partition table, in shared memory.
 *
 * One circular byte buffer (ring.bytes) shared by every partition, so memory
 * stays bounded whatever the partition count.  Positions are 64-bit logical
 * byte counters that only grow; pos % size is the place in the buffer.
 *
 * Cursors:   durable <= sealed <= committed <= reserve
 *   reserve    next free byte (lock-free CAS; never more than size past durable)
 *   committed  every entry below is complete (COMMITTED or ABORTED or PAD)
 *   sealed     handed to the flusher's cycles in flight
 *   durable    uploaded and committed to the metadata store; the space below
 *              may be reused, and until it is, serves reads as a cache
 *
 * An entry = a 64-byte header + the record batches of one partition from
 * one produce request, exactly as the client sent them with only each
 * batch's baseOffset rewritten.  Entries start at 64-byte aligned positions
 * and never wrap: an entry that would cross the end of the buffer is
 * preceded by a PAD entry filling the rest.
 *
 * Produce (worker), under the partition's lock (process-shared, robust):
 * assign offsets, reserve space, link the entry into the partition's chain;
 * then, without the lock, copy the batches and mark the entry COMMITTED.
 * A worker that dies between reserve and commit leaves a RESERVED entry
 * owned by a dead pid: the master marks it ABORTED (its offsets become a
 * gap, as with an unacknowledged produce; the client retries).
 *
 * Lock order: a partition lock is never held while taking another lock.
 */
#ifndef KS_SHM_RING_H
#define KS_SHM_RING_H

#include <pthread.h>

#include "ks.h"
#include "shm/shm.h"

#define KS_RING_ALIGN 64
#define KS_MAX_PARTITIONS 32768   /* partition slots per broker */
#define KS_POS_NONE   UINT64_MAX
#define KS_RING_CYCLE_SLOTS 8     /* >= 2 x the flusher's cycles in flight */

typedef enum {
    KS_ENTRY_RESERVED = 1,
    KS_ENTRY_COMMITTED = 2,
    KS_ENTRY_ABORTED = 3,
    KS_ENTRY_PAD = 4
} ks_entry_state_t;

typedef struct {
    _Atomic uint32_t state;       /* ks_entry_state_t */
    uint32_t len;                 /* whole entry, header included, aligned */
    uint64_t pos;                 /* its own logical position (reuse check) */
    uint64_t prev;                /* previous entry of the partition, or KS_POS_NONE */
    int64_t base_offset;          /* first offset of the first batch */
    int64_t last_offset;          /* last offset of the last batch */
    uint32_t slot;                /* partition slot */
    uint32_t slot_gen;            /* generation of the slot when written */
    uint32_t data_len;            /* batch bytes after the header */
    int32_t owner_pid;            /* the writer, until COMMITTED */
    int32_t record_count;
    uint32_t reserved;
} ks_entry_t;

_Static_assert(sizeof(ks_entry_t) == 64, "ks_entry_t layout");
#define KS_ENTRY_HDR 64           /* header room in the ring */

typedef enum {
    KS_PART_FREE = 0,
    KS_PART_ACTIVE = 1,
    KS_PART_RELEASING = 2         /* being handed to another broker: no appends */
} ks_part_state_t;

/* One per partition this broker serves.  Slots are assigned by the
 * coordinator and published with the metadata snapshot. */
typedef struct {
    pthread_mutex_t lock;         /* robust, process-shared */
    _Atomic uint32_t state;       /* ks_part_state_t */
    _Atomic uint32_t gen;         /* bumped on every (re)assignment */
    _Atomic int64_t next_offset;  /* log end offset: next offset to assign */
    _Atomic int64_t hw;           /* high watermark = durable end offset */
    _Atomic int64_t log_start;    /* first offset still kept */
    _Atomic uint64_t last_entry;  /* newest entry in the ring, or KS_POS_NONE */
    _Atomic uint64_t first_entry; /* oldest entry still in the ring, or KS_POS_NONE */
    _Atomic int64_t ring_start;   /* lowest offset the ring can serve (approx.) */
    _Atomic int64_t max_timestamp;/* newest batch max timestamp */
    _Atomic int64_t max_ts_offset;/* offset of the batch with it */
    _Atomic uint64_t bytes_in;
    _Atomic uint64_t records_in;
    _Atomic int64_t offset_limit; /* offsets below this may be assigned (fencing) */
    _Atomic uint32_t pstate;      /* producer state: KS_PSTATE_* */
    _Atomic int32_t pstate_pid;   /* the worker rebuilding it */
    _Atomic uint64_t bytes_out;   /* record bytes served by Fetch */
    _Atomic uint64_t records_out; /* records in the batches served */
    _Atomic uint32_t swept_gen;   /* the flusher removed objects an earlier run
                                   * left past hw, for this gen (0: not yet) */
} ks_part_t;

/* Producer state of a partition newly served here must be rebuilt from
 * its durable batches before idempotent appends are checked. */
#define KS_PSTATE_UNKNOWN 0
#define KS_PSTATE_LOADING 1
#define KS_PSTATE_READY   2

/* A worker's intent to reserve, so the master can repair a reservation
 * whose writer died before its entry header was written. */
typedef struct {
    _Atomic uint64_t pos;         /* KS_POS_NONE when no reservation is open */
    _Atomic uint64_t len;         /* bytes reserved from pos (padding included) */
    _Atomic uint64_t pad;         /* bytes of padding at pos */
} ks_ring_intent_t;

typedef struct ks_ring_s {
    _Atomic uint64_t reserve;
    _Atomic uint64_t committed;
    _Atomic uint64_t sealed;
    _Atomic uint64_t durable;
    uint64_t size;                /* bytes in the buffer */
    uint64_t off_data;            /* segment offset of the buffer */
    uint64_t off_parts;           /* segment offset of ks_part_t[nparts] */
    uint32_t nparts;
    _Atomic uint32_t flush_wanted;/* set by writers when flush.bytes are pending */
    _Atomic int64_t oldest_pending_ms;
    _Atomic uint64_t appends;     /* counters */
    _Atomic uint64_t full_waits;
    /* The flusher's cycles: cycle n covers [end of cycle n-1, cycle_end[n %
     * KS_RING_CYCLE_SLOTS]); cycle_seq = cycles started.  Written before a
     * cycle's first upload, so a respawned flusher redoes the cycles past
     * `durable` with the same bounds (the same objects under the same keys;
     * never a shorter object overlapping a longer one). */
    _Atomic uint64_t cycle_seq;
    _Atomic uint64_t cycle_end[KS_RING_CYCLE_SLOTS];
    ks_ring_intent_t intents[KS_MAX_PROCS];
} ks_ring_t;

/* Sizes and initialisation (master, before fork). */
size_t ks_ring_shm_size(uint64_t ring_bytes, uint32_t nparts);
void ks_ring_init(void *region, uint64_t ring_bytes, uint32_t nparts, uint64_t region_off);

static inline ks_part_t *
ks_ring_part(const ks_shm_t *shm, const ks_ring_t *r, uint32_t slot)
{
    return (ks_part_t *) (shm->base + r->off_parts) + slot;
}

static inline uint8_t *
ks_ring_data(const ks_shm_t *shm, const ks_ring_t *r, uint64_t pos)
{
    return shm->base + r->off_data + (pos % r->size);
}

static inline ks_entry_t *
ks_ring_entry(const ks_shm_t *shm, const ks_ring_t *r, uint64_t pos)
{
    return (ks_entry_t *) ks_ring_data(shm, r, pos);
}

/* Locks a partition; recovers the lock when its holder died. */
void ks_part_lock(ks_part_t *p);
void ks_part_unlock(ks_part_t *p);

/* ---- append (worker) ---- */

typedef struct {
    uint64_t pos;                 /* the entry's position */
    uint64_t end;                 /* pos + len: durable once durable >= end */
    int64_t base_offset;
    int64_t last_offset;
    uint8_t *data;                /* where the batches go (data_len bytes) */
    ks_entry_t *entry;
} ks_append_t;

/* Reserves an entry for `data_len` bytes of `nbatches`/`nrecords` record
 * data in partition `slot`, assigning offsets [next_offset, next_offset +
 * last_offset_delta_total].  `offset_span` is the number of offsets the
 * batches use (sum over batches of lastOffsetDelta + 1).  Returns KS_OK,
 * KS_AGAIN when the ring is full of data not yet durable (wait for the
 * flusher and retry), or KS_ERROR (slot not active / too large). */
struct ks_pbatch_req_s;
struct ks_pbatch_s;
#define KS_RING_DUPLICATE 1       /* an idempotent batch already appended: *dup */
#define KS_RING_PRODUCER  2       /* refused by the producer state: *perr */
int ks_ring_append_begin(ks_shm_t *shm, ks_ring_t *r, int proc_slot, uint32_t slot, uint32_t slot_gen,
                         uint32_t data_len, int64_t offset_span, int32_t nrecords,
                         const struct ks_pbatch_req_s *prq, struct ks_pbatch_s *dup, int *perr,
                         ks_append_t *out);
/* Publishes a fully written entry. */
void ks_ring_append_commit(ks_shm_t *shm, ks_ring_t *r, ks_append_t *a);

/* Advances `committed` over finished entries; returns the new value.
 * Runs in: flusher. */
uint64_t ks_ring_advance_committed(ks_shm_t *shm, ks_ring_t *r);

/* Marks RESERVED entries of a dead writer ABORTED and repairs a
 * reservation it left without a header. Runs in: master. */
int ks_ring_abort_dead(ks_shm_t *shm, ks_ring_t *r, int proc_slot, int32_t dead_pid);

/* ---- reading (worker) ---- */

/* Copies the batches of partition `slot` from the one containing `offset`
 * on, below `hw`, into out (appending), up to max_bytes (at least one batch
 * is copied whatever its size when out is empty, as Kafka does).  Sets
 * *copied.  Returns KS_OK when the data came from the ring, KS_AGAIN when
 * `offset` is older than what the ring still holds (read the object store),
 * KS_ERROR on a slot mismatch. */
int ks_ring_read(ks_shm_t *shm, ks_ring_t *r, uint32_t slot, uint32_t slot_gen, int64_t offset,
                 int64_t hw, size_t max_bytes, uint8_t **out, size_t *out_len, size_t *out_cap);

/* Whether [pos, pos+len) is still intact: nothing reserved past
 * pos + size. Check after copying (seqlock-style). */
static inline bool
ks_ring_still_valid(const ks_ring_t *r, uint64_t pos, uint64_t len)
{
    uint64_t reserve = atomic_load_explicit(&((ks_ring_t *) r)->reserve, memory_order_acquire);
    (void) len;
    return reserve <= pos + r->size;
}

#endif
