/*
 * producers.c: idempotent producer state.  Runs in: workers (check and
 * record, under a partition lock), master (init).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "proto/errors.h"
#include "shm/producers.h"
#include "shm/ring.h"
#include "util.h"

#define PROBE_MAX 64

size_t
ks_ptable_shm_size(uint32_t capacity)
{
    return ((sizeof(ks_ptable_t) + 63) & ~(size_t) 63) + sizeof(ks_pstate_t) * capacity;
}

void
ks_ptable_init(void *region, uint32_t capacity, uint64_t region_off)
{
    ks_ptable_t *t = region;
    pthread_mutexattr_t ma;

    memset(t, 0, sizeof(*t));
    t->capacity = capacity;
    t->off_entries = region_off + ((sizeof(ks_ptable_t) + 63) & ~(uint64_t) 63);
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&t->lock, &ma);
    pthread_mutexattr_destroy(&ma);
}

static ks_ptable_t *
table(ks_shm_t *shm)
{
    return shm->ptable;
}

static ks_pstate_t *
entries(ks_shm_t *shm)
{
    return (ks_pstate_t *) (shm->base + table(shm)->off_entries);
}

static void
tlock(ks_ptable_t *t)
{
    if (pthread_mutex_lock(&t->lock) == EOWNERDEAD)
        pthread_mutex_consistent(&t->lock);   /* entries are updated field by field; a
                                               * torn one only weakens dedup for it */
}

static uint32_t
hkey(uint32_t slot, uint32_t gen, int64_t pid)
{
    uint64_t h = (uint64_t) pid * 0x9E3779B97F4A7C15ull;

    h ^= ((uint64_t) slot << 32 | gen) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 29;
    return (uint32_t) h;
}

static ks_pstate_t *
find(ks_shm_t *shm, uint32_t slot, uint32_t gen, int64_t pid)
{
    ks_ptable_t *t = table(shm);
    ks_pstate_t *e = entries(shm);
    uint32_t mask = t->capacity - 1, i = hkey(slot, gen, pid) & mask;

    for (int n = 0; n < PROBE_MAX; n++, i = (i + 1) & mask) {
        if (!e[i].used)
            return NULL;
        if (e[i].producer_id == pid && e[i].slot == slot && e[i].slot_gen == gen)
            return &e[i];
    }
    return NULL;
}

/* A place for a new key: a free entry in the probe window, else the least
 * recently used one there (evicted). */
static ks_pstate_t *
insert(ks_shm_t *shm, uint32_t slot, uint32_t gen, int64_t pid)
{
    ks_ptable_t *t = table(shm);
    ks_pstate_t *e = entries(shm), *victim = NULL;
    uint32_t mask = t->capacity - 1, i = hkey(slot, gen, pid) & mask;

    for (int n = 0; n < PROBE_MAX; n++, i = (i + 1) & mask) {
        if (!e[i].used) {
            victim = &e[i];
            t->count++;
            break;
        }
        if (victim == NULL || e[i].last_used_ms < victim->last_used_ms)
            victim = &e[i];
    }
    if (victim->used)
        atomic_fetch_add(&t->evictions, 1);
    memset(victim, 0, sizeof(*victim));
    victim->used = 1;
    victim->slot = slot;
    victim->slot_gen = gen;
    victim->producer_id = pid;
    victim->epoch = -1;
    return victim;
}

int
ks_ptable_check(ks_shm_t *shm, uint32_t slot, uint32_t slot_gen, const ks_pbatch_req_t *rq,
                ks_pbatch_t *dup, int *error)
{
    ks_ptable_t *t = table(shm);
    ks_pstate_t *e;
    int rc = KS_PCHECK_APPEND;

    if (rq->epoch < 0 || rq->first_seq < 0) {
        *error = KS_ERR_INVALID_RECORD;
        return KS_PCHECK_ERROR;
    }
    tlock(t);
    e = find(shm, slot, slot_gen, rq->producer_id);
    if (e == NULL) {
        /* Unknown here (new, or its state expired): its first batch is
         * taken whatever its sequence, as Kafka does after state loss. */
    } else if (rq->epoch < e->epoch) {
        *error = KS_ERR_INVALID_PRODUCER_EPOCH;
        rc = KS_PCHECK_ERROR;
    } else if (rq->epoch > e->epoch) {
        if (rq->first_seq != 0) {
            *error = KS_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
            rc = KS_PCHECK_ERROR;
        }
    } else {
        for (int i = 0; i < e->nbatches; i++) {
            if (e->b[i].first_seq == rq->first_seq && e->b[i].last_seq == rq->last_seq) {
                *dup = e->b[i];
                rc = KS_PCHECK_DUPLICATE;
                atomic_fetch_add(&t->duplicates, 1);
                break;
            }
        }
        if (rc == KS_PCHECK_APPEND && e->nbatches > 0) {
            int32_t last = e->b[e->head].last_seq;
            int32_t expect = last == INT32_MAX ? 0 : last + 1;
            if (rq->first_seq != expect) {
                *error = KS_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
                rc = KS_PCHECK_ERROR;
                atomic_fetch_add(&t->out_of_order, 1);
            }
        }
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

void
ks_ptable_record(ks_shm_t *shm, uint32_t slot, uint32_t slot_gen, const ks_pbatch_req_t *rq,
                 const ks_pbatch_t *b, int64_t timestamp)
{
    ks_ptable_t *t = table(shm);
    ks_pstate_t *e;

    tlock(t);
    e = find(shm, slot, slot_gen, rq->producer_id);
    if (e == NULL)
        e = insert(shm, slot, slot_gen, rq->producer_id);
    if (e->epoch != rq->epoch) {
        e->epoch = rq->epoch;
        e->nbatches = 0;
        e->head = 0;
    }
    if (e->nbatches == 0) {
        e->head = 0;
        e->nbatches = 1;
    } else {
        e->head = (uint8_t) ((e->head + 1) % KS_PSTATE_BATCHES);
        if (e->nbatches < KS_PSTATE_BATCHES)
            e->nbatches++;
    }
    e->b[e->head] = *b;
    e->last_used_ms = ks_now_ms();
    if (timestamp > e->last_timestamp)
        e->last_timestamp = timestamp;
    pthread_mutex_unlock(&t->lock);
}

void
ks_ptable_forget_batch(ks_shm_t *shm, uint32_t slot, uint32_t slot_gen, int64_t producer_id,
                       int32_t first_seq)
{
    ks_ptable_t *t = table(shm);
    ks_pstate_t *e;

    tlock(t);
    e = find(shm, slot, slot_gen, producer_id);
    if (e != NULL && e->nbatches > 0 && e->b[e->head].first_seq == first_seq) {
        /* Only the newest can be forgotten: the sequence goes back to
         * before it, so the retry is in order again. */
        e->head = (uint8_t) ((e->head + KS_PSTATE_BATCHES - 1) % KS_PSTATE_BATCHES);
        e->nbatches--;
    }
    pthread_mutex_unlock(&t->lock);
}

int
ks_ptable_list(ks_shm_t *shm, uint32_t slot, uint32_t slot_gen, ks_pstate_t *out, int max)
{
    ks_ptable_t *t = table(shm);
    ks_pstate_t *e = entries(shm);
    int n = 0;

    tlock(t);
    for (uint32_t i = 0; i < t->capacity && n < max; i++)
        if (e[i].used && e[i].slot == slot && e[i].slot_gen == slot_gen && e[i].nbatches > 0)
            out[n++] = e[i];
    pthread_mutex_unlock(&t->lock);
    return n;
}
