/*
 * producers.h: idempotent producer state, in shared memory.
 *
 * For every (partition, producer id) the broker remembers the producer's
 * epoch and its last five batches (first and last sequence, offsets, ring
 * position), so that a retried batch gets its original offsets back instead
 * of being written twice, and a gap in the sequence is refused, exactly as
 * Kafka's ProducerStateManager does.  All workers append to every
 * partition, so the state is shared: one table, open addressing, guarded by
 * one robust mutex that is only ever taken while holding the partition's
 * own lock (lock order: partition, then this table), for a few hash probes.
 *
 * The state is rebuilt from what is durable when a partition starts being
 * served here (after a restart, or when it moves from another broker): see
 * ks_pstate_rebuild in workers/broker.
 */
#ifndef KS_SHM_PRODUCERS_H
#define KS_SHM_PRODUCERS_H

#include <pthread.h>

#include "ks.h"
#include "shm/shm.h"

#define KS_PSTATE_BATCHES 5

typedef struct ks_pbatch_s {
    int32_t first_seq;
    int32_t last_seq;
    int64_t base_offset;
    int64_t last_offset;
    uint64_t pos;                 /* its ring entry, KS_POS_NONE when durable-only */
    uint64_t end;                 /* end of that entry: durable once the ring's is */
} ks_pbatch_t;

typedef struct {
    uint32_t used;
    uint32_t slot;
    uint32_t slot_gen;
    int16_t epoch;
    uint8_t nbatches;
    uint8_t head;                 /* newest batch index */
    int64_t producer_id;
    int64_t last_used_ms;
    int64_t last_timestamp;
    ks_pbatch_t b[KS_PSTATE_BATCHES];
} ks_pstate_t;

_Static_assert(sizeof(ks_pstate_t) == 240, "ks_pstate_t layout");

typedef struct ks_ptable_s {
    pthread_mutex_t lock;
    uint32_t capacity;            /* power of two */
    uint32_t count;
    uint64_t off_entries;
    _Atomic uint64_t evictions;
    _Atomic uint64_t duplicates;
    _Atomic uint64_t out_of_order;
} ks_ptable_t;

size_t ks_ptable_shm_size(uint32_t capacity);
void ks_ptable_init(void *region, uint32_t capacity, uint64_t region_off);

/* What the partition lock holder asks before assigning offsets. */
typedef struct ks_pbatch_req_s {
    int64_t producer_id;
    int16_t epoch;
    int32_t first_seq;
    int32_t last_seq;
    int64_t max_timestamp;
} ks_pbatch_req_t;

typedef enum {
    KS_PCHECK_APPEND = 0,         /* new batch: append it, then ks_ptable_record */
    KS_PCHECK_DUPLICATE,          /* already appended: *dup holds its offsets */
    KS_PCHECK_ERROR               /* *error holds the Kafka error code */
} ks_pcheck_t;

/* Runs with the partition lock held. */
int ks_ptable_check(ks_shm_t *shm, uint32_t slot, uint32_t slot_gen, const ks_pbatch_req_t *rq,
                    ks_pbatch_t *dup, int *error);
/* Records an appended batch (partition lock held). */
void ks_ptable_record(ks_shm_t *shm, uint32_t slot, uint32_t slot_gen, const ks_pbatch_req_t *rq,
                      const ks_pbatch_t *b, int64_t timestamp);
/* Forgets a recorded batch whose entry was aborted: the retry appends. */
void ks_ptable_forget_batch(ks_shm_t *shm, uint32_t slot, uint32_t slot_gen, int64_t producer_id,
                            int32_t first_seq);
/* Copies up to max producers of a partition (DescribeProducers). */
int ks_ptable_list(ks_shm_t *shm, uint32_t slot, uint32_t slot_gen, ks_pstate_t *out, int max);

#endif
