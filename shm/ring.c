/*
 * ring.c: the segment buffer ring.  Runs in: workers (append, read),
 * flusher (advance committed, durable), master (init, repair after a death).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>

#include "proto/errors.h"
#include "records.h"
#include "shm/producers.h"
#include "shm/ring.h"
#include "util.h"

#define ALIGN(x) (((x) + KS_RING_ALIGN - 1) & ~(uint64_t) (KS_RING_ALIGN - 1))

size_t
ks_ring_shm_size(uint64_t ring_bytes, uint32_t nparts)
{
    return ALIGN(sizeof(ks_ring_t)) + ALIGN(sizeof(ks_part_t) * nparts) + ALIGN(ring_bytes) + 4096;
}

void
ks_ring_init(void *region, uint64_t ring_bytes, uint32_t nparts, uint64_t region_off)
{
    ks_ring_t *r = region;
    uint8_t *base = (uint8_t *) region - region_off;
    pthread_mutexattr_t ma;

    memset(r, 0, sizeof(*r));
    r->size = ALIGN(ring_bytes);
    r->nparts = nparts;
    r->off_parts = region_off + ALIGN(sizeof(ks_ring_t));
    r->off_data = (r->off_parts + ALIGN(sizeof(ks_part_t) * nparts) + 4095) & ~(uint64_t) 4095;
    for (int i = 0; i < KS_MAX_PROCS; i++)
        atomic_store(&r->intents[i].pos, KS_POS_NONE);

    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    for (uint32_t i = 0; i < nparts; i++) {
        ks_part_t *p = (ks_part_t *) (base + r->off_parts) + i;
        pthread_mutex_init(&p->lock, &ma);
        atomic_store(&p->last_entry, KS_POS_NONE);
        atomic_store(&p->first_entry, KS_POS_NONE);
    }
    pthread_mutexattr_destroy(&ma);
}

void
ks_part_lock(ks_part_t *p)
{
    int rc = pthread_mutex_lock(&p->lock);

    if (rc == EOWNERDEAD) {
        /* The holder died inside the short critical section; what it
         * left is consistent enough: at worst an offset range is skipped
         * (a gap) or its entry is aborted by the master. */
        pthread_mutex_consistent(&p->lock);
    }
}

void
ks_part_unlock(ks_part_t *p)
{
    pthread_mutex_unlock(&p->lock);
}

/* Writes an entry header; `pos` is stored last, with release order, so a
 * reader that sees its position sees the rest. */
static void
write_header(ks_entry_t *e, uint64_t pos, uint32_t len, uint32_t state)
{
    atomic_store_explicit(&e->state, state, memory_order_relaxed);
    e->len = len;
    atomic_store_explicit((_Atomic uint64_t *) &e->pos, pos, memory_order_release);
}

static uint64_t
entry_pos(const ks_entry_t *e)
{
    return atomic_load_explicit((_Atomic uint64_t *) &e->pos, memory_order_acquire);
}

/* An idempotent batch that looks like a duplicate: is its first copy
 * really in the log?  Runs with the partition lock held. */
static int
dup_status(ks_shm_t *shm, ks_ring_t *r, const ks_pbatch_t *d)
{
    ks_entry_t *e;
    uint32_t st;

    if (d->pos == KS_POS_NONE || !ks_ring_still_valid(r, d->pos, 0))
        return KS_ENTRY_COMMITTED;       /* durable long ago */
    e = ks_ring_entry(shm, r, d->pos);
    if (entry_pos(e) != d->pos)
        return KS_ENTRY_COMMITTED;
    st = atomic_load(&e->state);
    if (st == KS_ENTRY_RESERVED && e->owner_pid > 0 && kill(e->owner_pid, 0) < 0 && errno == ESRCH)
        return KS_ENTRY_ABORTED;         /* its writer died; the master will mark it */
    return (int) st;
}

int
ks_ring_append_begin(ks_shm_t *shm, ks_ring_t *r, int proc_slot, uint32_t slot, uint32_t slot_gen,
                     uint32_t data_len, int64_t offset_span, int32_t nrecords,
                     const ks_pbatch_req_t *prq, ks_pbatch_t *dup, int *perr, ks_append_t *out)
{
    ks_part_t *p;
    ks_ring_intent_t *in = &r->intents[proc_slot];
    uint64_t len = ALIGN(KS_ENTRY_HDR + (uint64_t) data_len);
    uint64_t res, pad, need, pos;
    ks_entry_t *e;

    if (slot >= r->nparts || len > r->size / 4)
        return KS_ERROR;
    p = ks_ring_part(shm, r, slot);
    ks_part_lock(p);
    if (atomic_load(&p->state) != KS_PART_ACTIVE || atomic_load(&p->gen) != slot_gen) {
        ks_part_unlock(p);
        return KS_ERROR;
    }
    /* Fencing: never assign offsets beyond what the store lets this owner
     * use; the flusher's next commit raises the limit. */
    if (atomic_load(&p->next_offset) + offset_span > atomic_load(&p->offset_limit)) {
        ks_part_unlock(p);
        return KS_AGAIN;
    }
    if (prq != NULL) {
        int pc = ks_ptable_check(shm, slot, slot_gen, prq, dup, perr);
        if (pc == KS_PCHECK_DUPLICATE) {
            int st = dup_status(shm, r, dup);
            if (st == KS_ENTRY_ABORTED) {
                /* The first copy never made it: append this one. */
                ks_ptable_forget_batch(shm, slot, slot_gen, prq->producer_id, prq->first_seq);
            } else if (st == KS_ENTRY_RESERVED) {
                ks_part_unlock(p);
                *perr = KS_ERR_REQUEST_TIMED_OUT;    /* still being written: retry */
                return KS_RING_PRODUCER;
            } else {
                ks_part_unlock(p);
                return KS_RING_DUPLICATE;
            }
        } else if (pc == KS_PCHECK_ERROR) {
            ks_part_unlock(p);
            return KS_RING_PRODUCER;
        }
    }
    for (;;) {
        uint64_t room;

        res = atomic_load_explicit(&r->reserve, memory_order_acquire);
        room = r->size - (res % r->size);
        pad = len > room ? room : 0;
        need = pad + len;
        if (res + need > atomic_load_explicit(&r->durable, memory_order_acquire) + r->size) {
            ks_part_unlock(p);
            atomic_fetch_add(&r->full_waits, 1);
            return KS_AGAIN;
        }
        atomic_store(&in->len, need);
        atomic_store(&in->pad, pad);
        atomic_store(&in->pos, res);
        if (atomic_compare_exchange_weak(&r->reserve, &res, res + need))
            break;
        atomic_store(&in->pos, KS_POS_NONE);
    }
    if (pad > 0)
        write_header(ks_ring_entry(shm, r, res), res, (uint32_t) pad, KS_ENTRY_PAD);
    pos = res + pad;
    e = ks_ring_entry(shm, r, pos);
    e->slot = slot;
    e->slot_gen = slot_gen;
    e->data_len = data_len;
    e->owner_pid = (int32_t) getpid();
    e->record_count = nrecords;
    e->base_offset = atomic_load(&p->next_offset);
    e->last_offset = e->base_offset + offset_span - 1;
    e->prev = atomic_load(&p->last_entry);
    write_header(e, pos, (uint32_t) len, KS_ENTRY_RESERVED);
    atomic_store(&in->pos, KS_POS_NONE);
    atomic_store(&p->next_offset, e->last_offset + 1);
    atomic_store(&p->last_entry, pos);
    if (prq != NULL) {
        ks_pbatch_t b = { prq->first_seq, prq->last_seq, e->base_offset, e->last_offset, pos, pos + len };
        ks_ptable_record(shm, slot, slot_gen, prq, &b, prq->max_timestamp);
    }
    if (atomic_load(&p->first_entry) == KS_POS_NONE)
        atomic_store(&p->first_entry, pos);
    ks_part_unlock(p);

    out->pos = pos;
    out->end = pos + len;
    out->base_offset = e->base_offset;
    out->last_offset = e->last_offset;
    out->data = (uint8_t *) e + KS_ENTRY_HDR;
    out->entry = e;
    return KS_OK;
}

void
ks_ring_append_commit(ks_shm_t *shm, ks_ring_t *r, ks_append_t *a)
{
    int64_t zero = 0;

    (void) shm;
    atomic_store_explicit(&a->entry->state, KS_ENTRY_COMMITTED, memory_order_release);
    atomic_fetch_add(&r->appends, 1);
    atomic_compare_exchange_strong(&r->oldest_pending_ms, &zero, ks_now_ms());
}

uint64_t
ks_ring_advance_committed(ks_shm_t *shm, ks_ring_t *r)
{
    uint64_t c = atomic_load(&r->committed);
    uint64_t res = atomic_load_explicit(&r->reserve, memory_order_acquire);

    while (c < res) {
        ks_entry_t *e = ks_ring_entry(shm, r, c);
        uint32_t st;

        if (entry_pos(e) != c)
            break;               /* reserved, header not written yet */
        st = atomic_load_explicit(&e->state, memory_order_acquire);
        if (st == KS_ENTRY_RESERVED)
            break;
        c += e->len;
    }
    atomic_store(&r->committed, c);
    return c;
}

int
ks_ring_abort_dead(ks_shm_t *shm, ks_ring_t *r, int proc_slot, int32_t dead_pid)
{
    ks_ring_intent_t *in = &r->intents[proc_slot];
    uint64_t ipos = atomic_load(&in->pos);
    uint64_t c = atomic_load(&r->committed);
    uint64_t res = atomic_load(&r->reserve);
    int n = 0;

    /* A reservation that succeeded but whose header was never written. */
    if (ipos != KS_POS_NONE && res > ipos) {
        uint64_t ilen = atomic_load(&in->len), ipad = atomic_load(&in->pad);
        if (ipad > 0 && entry_pos(ks_ring_entry(shm, r, ipos)) != ipos)
            write_header(ks_ring_entry(shm, r, ipos), ipos, (uint32_t) ipad, KS_ENTRY_PAD);
        if (entry_pos(ks_ring_entry(shm, r, ipos + ipad)) != ipos + ipad) {
            write_header(ks_ring_entry(shm, r, ipos + ipad), ipos + ipad, (uint32_t) (ilen - ipad),
                         KS_ENTRY_ABORTED);
            n++;
        }
    }
    atomic_store(&in->pos, KS_POS_NONE);
    /* Entries it reserved and never committed. */
    while (c < res) {
        ks_entry_t *e = ks_ring_entry(shm, r, c);
        if (entry_pos(e) != c)
            break;
        if (atomic_load(&e->state) == KS_ENTRY_RESERVED && e->owner_pid == dead_pid) {
            atomic_store(&e->state, KS_ENTRY_ABORTED);
            n++;
        }
        c += e->len;
    }
    return n;
}

int
ks_ring_read(ks_shm_t *shm, ks_ring_t *r, uint32_t slot, uint32_t slot_gen, int64_t offset,
             int64_t hw, size_t max_bytes, uint8_t **out, size_t *out_len, size_t *out_cap)
{
    ks_part_t *p;
    uint64_t pos, chain[256];
    int n = 0;
    size_t start_len = *out_len;

    if (slot >= r->nparts)
        return KS_ERROR;
    p = ks_ring_part(shm, r, slot);
    if (atomic_load(&p->gen) != slot_gen)
        return KS_ERROR;
    if (offset >= hw)
        return KS_OK;
    /* Walk back from the newest entry to the one holding `offset`,
     * remembering the way (newest first). */
    pos = atomic_load_explicit(&p->last_entry, memory_order_acquire);
    for (int steps = 0;; steps++) {
        ks_entry_t *e;
        int64_t base, last;
        uint64_t prev;

        if (pos == KS_POS_NONE || steps > 65536 || !ks_ring_still_valid(r, pos, 0))
            return KS_AGAIN;
        e = ks_ring_entry(shm, r, pos);
        if (entry_pos(e) != pos || e->slot != slot || e->slot_gen != slot_gen)
            return KS_AGAIN;
        base = e->base_offset;
        last = e->last_offset;
        prev = e->prev;
        if (!ks_ring_still_valid(r, pos, 0))
            return KS_AGAIN;
        if (n == (int) KS_ARRAY_LEN(chain))
            memmove(chain, chain + 1, sizeof(chain) - sizeof(chain[0])), n--;
        chain[n++] = pos;
        if (base <= offset) {
            if (last < offset)
                n--;     /* offset is in a gap after this entry: start at the next */
            break;
        }
        pos = prev;
    }
    /* Copy forward, oldest first. */
    while (n > 0) {
        ks_entry_t *e;
        const uint8_t *d, *end;
        uint32_t state;

        pos = chain[--n];
        e = ks_ring_entry(shm, r, pos);
        state = atomic_load_explicit(&e->state, memory_order_acquire);
        if (entry_pos(e) != pos)
            return *out_len > start_len ? KS_OK : KS_AGAIN;
        if (e->base_offset >= hw)
            break;
        if (state != KS_ENTRY_COMMITTED)
            continue;
        d = (const uint8_t *) e + KS_ENTRY_HDR;
        end = d + e->data_len;
        if (e->data_len > r->size)
            return KS_AGAIN;
        /* Skip whole batches before `offset`. */
        while (d + 61 <= end) {
            int64_t bbase = (int64_t) ks_be64(d);
            int32_t blen = (int32_t) ks_be32(d + 8);
            int32_t delta = (int32_t) ks_be32(d + 23);
            if (blen < 49 || d + 12 + blen > end)
                break;
            if (bbase + delta >= offset)
                break;
            d += 12 + (size_t) blen;
        }
        size_t len = (size_t) (end - d);
        if (len == 0)
            continue;
        if (*out_len > start_len && *out_len - start_len + len > max_bytes)
            break;
        if (*out_len + len > *out_cap) {
            size_t cap = *out_cap ? *out_cap : 65536;
            uint8_t *nb;
            while (cap < *out_len + len)
                cap *= 2;
            nb = realloc(*out, cap);
            if (nb == NULL)
                break;
            *out = nb;
            *out_cap = cap;
        }
        memcpy(*out + *out_len, d, len);
        /* The copy is good only if nothing reused the region meanwhile. */
        if (!ks_ring_still_valid(r, pos, e->len) || entry_pos(e) != pos)
            return *out_len > start_len ? KS_OK : KS_AGAIN;
        *out_len += len;
        if (*out_len - start_len >= max_bytes)
            break;
    }
    return KS_OK;
}
