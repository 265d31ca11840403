/*
 * rcache.c: the shared read cache (see rcache.h).  Runs in: master (init),
 * workers, unit tests.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ks.h"
#include "shm/rcache.h"

#define ALIGN64(x) (((x) + 63) & ~(uint64_t) 63)
#define TORN_RETRIES 8

void (*ks_rc_test_hook)(ks_rcache_t *rc, int where);

static inline ks_rc_entry_t *
entries(ks_rcache_t *rc)
{
    return (ks_rc_entry_t *) ((uint8_t *) rc + rc->off_entries);
}

static inline uint32_t *
buckets(ks_rcache_t *rc)
{
    return (uint32_t *) ((uint8_t *) rc + rc->off_buckets);
}

static inline uint32_t *
nexts(ks_rcache_t *rc)
{
    return (uint32_t *) ((uint8_t *) rc + rc->off_next);
}

static inline uint8_t *
block(ks_rcache_t *rc, uint32_t b)
{
    return (uint8_t *) rc + rc->off_data + (uint64_t) b * rc->block_size;
}

static int64_t
mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t
hash_key(const char *key, size_t len, uint64_t sub)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t) key[i]) * 1099511628211ULL;
    for (int i = 0; i < 8; i++)
        h = (h ^ ((sub >> (8 * i)) & 0xff)) * 1099511628211ULL;
    h ^= h >> 29;
    return h;
}

static void
geometry(uint64_t bytes, uint32_t *nblocks, uint32_t *nentries, uint32_t *nbuckets)
{
    uint64_t nb = bytes / KS_RC_BLOCK;
    uint32_t nbk = 16;

    if (nb > UINT32_MAX / 4)
        nb = UINT32_MAX / 4;
    *nblocks = (uint32_t) nb;
    /* Every value takes at least a block, so no more entries than blocks
     * can be READY; a few more for claims waiting for their data. */
    *nentries = (uint32_t) nb + (uint32_t) nb / 8 + 8;
    while (nbk < *nentries)
        nbk <<= 1;
    *nbuckets = nbk;
}

size_t
ks_rc_shm_size(uint64_t bytes)
{
    uint32_t nb, ne, nbk;

    geometry(bytes, &nb, &ne, &nbk);
    if (nb < KS_RC_MIN_BLOCKS)
        return 0;
    return ALIGN64(sizeof(ks_rcache_t)) + ALIGN64((uint64_t) ne * sizeof(ks_rc_entry_t)) +
           ALIGN64((uint64_t) nbk * 4) + ALIGN64((uint64_t) nb * 4) + 4096 +
           (uint64_t) nb * KS_RC_BLOCK;
}

/* ---------- the table (under the lock) ---------- */

static void
free_lists_reset(ks_rcache_t *rc)
{
    ks_rc_entry_t *E = entries(rc);
    uint32_t *N = nexts(rc);

    rc->free_block = rc->nblocks ? 0 : KS_RC_NIL;
    for (uint32_t b = 0; b < rc->nblocks; b++)
        N[b] = b + 1 < rc->nblocks ? b + 1 : KS_RC_NIL;
    rc->nfree_blocks = rc->nblocks;
    rc->free_entry = KS_RC_NIL;
    for (uint32_t i = rc->nentries; i-- > 0;) {
        E[i].hnext = rc->free_entry;
        rc->free_entry = i;
    }
}

ks_rcache_t *
ks_rc_init(void *region, uint64_t bytes)
{
    ks_rcache_t *rc = region;
    uint32_t nb, ne, nbk;
    pthread_mutexattr_t ma;
    uint64_t off;

    geometry(bytes, &nb, &ne, &nbk);
    if (nb < KS_RC_MIN_BLOCKS)
        return NULL;
    memset(rc, 0, sizeof(*rc));
    rc->magic = KS_RC_MAGIC;
    rc->block_size = KS_RC_BLOCK;
    rc->nblocks = nb;
    rc->nentries = ne;
    rc->nbuckets = nbk;
    rc->max_blocks = nb / 4;
    off = ALIGN64(sizeof(ks_rcache_t));
    rc->off_entries = off;
    off += ALIGN64((uint64_t) ne * sizeof(ks_rc_entry_t));
    rc->off_buckets = off;
    off += ALIGN64((uint64_t) nbk * 4);
    rc->off_next = off;
    off += ALIGN64((uint64_t) nb * 4);
    off = (off + 4095) & ~(uint64_t) 4095;
    rc->off_data = off;
    rc->total = ks_rc_shm_size(bytes);
    memset(entries(rc), 0, (size_t) ne * sizeof(ks_rc_entry_t));
    for (uint32_t i = 0; i < nbk; i++)
        buckets(rc)[i] = KS_RC_NIL;
    free_lists_reset(rc);

    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&rc->lock.m, &ma);
    pthread_mutexattr_destroy(&ma);
    return rc;
}

/* Follows an entry's block chain; false when it is not a proper chain of
 * nblocks distinct in-range blocks (`seen` marks them when not NULL). */
static bool
chain_ok(ks_rcache_t *rc, const ks_rc_entry_t *e, uint8_t *seen)
{
    uint32_t b = e->first_block, i;

    if (e->nblocks > rc->nblocks || (uint64_t) e->nblocks * rc->block_size < e->len ||
        e->key_len > KS_RC_KEY_MAX || e->meta_len > KS_RC_META_MAX)
        return false;
    for (i = 0; i < e->nblocks; i++) {
        if (b >= rc->nblocks || (seen != NULL && seen[b]))
            break;
        if (seen != NULL)
            seen[b] = 1;
        b = nexts(rc)[b];
    }
    if (i == e->nblocks)
        return true;
    /* Unmark the distinct blocks this chain marked before it went bad. */
    b = e->first_block;
    for (uint32_t k = 0; seen != NULL && k < i; k++) {
        seen[b] = 0;
        b = nexts(rc)[b];
    }
    return false;
}

/*
 * Rebuilds buckets and free lists from the entries after a lock holder
 * died in the middle of a change: READY entries with a sound chain and
 * LOADING ones (their claim stands until reclaimed) are kept, everything
 * else is dropped.
 */
static void
repair(ks_rcache_t *rc)
{
    ks_rc_entry_t *E = entries(rc);
    uint32_t *B = buckets(rc), *N = nexts(rc);
    uint8_t *seen = calloc(rc->nblocks, 1);
    uint32_t used = 0;

    atomic_fetch_add(&rc->c.repairs, 1);
    for (uint32_t i = 0; i < rc->nbuckets; i++)
        B[i] = KS_RC_NIL;
    for (uint32_t i = 0; i < rc->nentries; i++) {
        ks_rc_entry_t *e = &E[i];
        uint32_t st = atomic_load(&e->state);
        uint64_t g = atomic_load(&e->gen);
        bool keep = false;

        if (seen == NULL) {
            keep = false;         /* no memory to check chains: drop all */
        } else if (st == KS_RC_READY && (g & 1) == 0) {
            keep = chain_ok(rc, e, seen);
        } else if (st == KS_RC_LOADING && (g & 1) == 1) {
            /* Blocks may be half-assigned: keep the claim, drop its blocks
             * (its filler notices its ticket is gone). */
            if (e->nblocks == 0 || chain_ok(rc, e, seen))
                keep = true;
        }
        if (keep) {
            uint32_t h = (uint32_t) e->hash & (rc->nbuckets - 1);
            e->hnext = B[h];
            B[h] = i;
            used++;
        } else {
            if (st != KS_RC_EMPTY || (g & 1))
                atomic_store(&e->gen, (g | 1) + 2);
            atomic_store(&e->state, KS_RC_EMPTY);
            e->nblocks = 0;
            e->first_block = KS_RC_NIL;
        }
    }
    rc->free_entry = KS_RC_NIL;
    for (uint32_t i = rc->nentries; i-- > 0;) {
        if (atomic_load(&E[i].state) == KS_RC_EMPTY) {
            E[i].hnext = rc->free_entry;
            rc->free_entry = i;
        }
    }
    rc->free_block = KS_RC_NIL;
    rc->nfree_blocks = 0;
    for (uint32_t b = rc->nblocks; b-- > 0;) {
        if (seen == NULL || !seen[b]) {
            N[b] = rc->free_block;
            rc->free_block = b;
            rc->nfree_blocks++;
        }
    }
    rc->used_entries = used;
    free(seen);
}

void
ks_rc_lock(ks_rcache_t *rc)
{
    int r = pthread_mutex_lock(&rc->lock.m);

    if (r == EOWNERDEAD) {
        repair(rc);
        pthread_mutex_consistent(&rc->lock.m);
    }
}

void
ks_rc_unlock(ks_rcache_t *rc)
{
    pthread_mutex_unlock(&rc->lock.m);
}

static void
unlink_entry(ks_rcache_t *rc, uint32_t idx)
{
    ks_rc_entry_t *E = entries(rc);
    uint32_t *pp = &buckets(rc)[(uint32_t) E[idx].hash & (rc->nbuckets - 1)];
    uint32_t steps = 0;

    while (*pp != KS_RC_NIL && steps++ <= rc->nentries) {
        if (*pp == idx) {
            *pp = E[idx].hnext;
            return;
        }
        pp = &E[*pp].hnext;
    }
}

/* Makes an entry EMPTY: the generation moves (odd) before its blocks go
 * back to the free list, so a reader still copying them notices. */
static void
drop_entry(ks_rcache_t *rc, uint32_t idx)
{
    ks_rc_entry_t *e = &entries(rc)[idx];
    uint32_t *N = nexts(rc);
    uint64_t g = atomic_load_explicit(&e->gen, memory_order_relaxed);
    uint32_t b = e->first_block;

    atomic_store_explicit(&e->gen, (g | 1) + 2, memory_order_relaxed);   /* odd, moved */
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&e->state, KS_RC_EMPTY, memory_order_relaxed);
    unlink_entry(rc, idx);
    for (uint32_t i = 0; i < e->nblocks && b < rc->nblocks; i++) {
        uint32_t nx = N[b];
        N[b] = rc->free_block;
        rc->free_block = b;
        rc->nfree_blocks++;
        b = nx;
    }
    e->nblocks = 0;
    e->first_block = KS_RC_NIL;
    e->len = 0;
    atomic_store_explicit(&e->loader_pid, 0, memory_order_relaxed);
    e->hnext = rc->free_entry;
    rc->free_entry = idx;
    rc->used_entries--;
}

/* Evicts one READY entry (clock); false when there is none. */
static bool
evict_one(ks_rcache_t *rc)
{
    ks_rc_entry_t *E = entries(rc);

    for (uint32_t n = 0; n < 2 * rc->nentries + 1; n++) {
        uint32_t i = rc->hand;
        ks_rc_entry_t *e = &E[i];

        rc->hand = i + 1 < rc->nentries ? i + 1 : 0;
        if (atomic_load_explicit(&e->state, memory_order_relaxed) != KS_RC_READY)
            continue;
        if (atomic_exchange_explicit(&e->ref, 0, memory_order_relaxed) != 0)
            continue;
        drop_entry(rc, i);
        atomic_fetch_add_explicit(&rc->c.evictions, 1, memory_order_relaxed);
        return true;
    }
    return false;
}

static bool
loader_gone(const ks_rc_entry_t *e, int64_t now)
{
    pid_t pid = atomic_load_explicit(&e->loader_pid, memory_order_relaxed);

    if (now - e->started_ms > KS_RC_LOAD_STALE_MS)
        return true;
    return pid <= 0 || (kill(pid, 0) == -1 && errno == ESRCH);
}

static uint32_t
find(ks_rcache_t *rc, uint64_t h, const char *key, size_t key_len, uint64_t sub)
{
    ks_rc_entry_t *E = entries(rc);
    uint32_t i = buckets(rc)[(uint32_t) h & (rc->nbuckets - 1)];
    uint32_t steps = 0;

    while (i != KS_RC_NIL && i < rc->nentries && steps++ <= rc->nentries) {
        ks_rc_entry_t *e = &E[i];
        if (e->hash == h && e->sub == sub && e->key_len == key_len &&
            memcmp(e->key, key, key_len) == 0)
            return i;
        i = e->hnext;
    }
    return KS_RC_NIL;
}

/* ---------- the API ---------- */

/* Copies a READY value outside the lock; false when it moved meanwhile. */
static bool
copy_out(ks_rcache_t *rc, const ks_rc_entry_t *snap, uint32_t idx, uint64_t gen, ks_rc_value_t *v)
{
    ks_rc_entry_t *e = &entries(rc)[idx];
    uint32_t *N = nexts(rc);
    uint32_t b = snap->first_block;
    size_t left = snap->len, at = 0;
    uint8_t *buf = NULL;

    if (snap->len > 0 && (buf = malloc(snap->len)) == NULL)
        return false;
    for (uint32_t i = 0; left > 0; i++) {
        size_t n = left < rc->block_size ? left : rc->block_size;
        if (i >= snap->nblocks || b >= rc->nblocks)
            break;                        /* the chain changed: torn */
        memcpy(buf + at, block(rc, b), n);
        at += n;
        left -= n;
        b = atomic_load_explicit((_Atomic uint32_t *) &N[b], memory_order_relaxed);
    }
    if (ks_rc_test_hook != NULL)
        ks_rc_test_hook(rc, 1);
    atomic_thread_fence(memory_order_acquire);
    if (left > 0 || atomic_load_explicit(&e->gen, memory_order_relaxed) != gen) {
        free(buf);
        return false;
    }
    v->data = buf;
    v->len = snap->len;
    v->meta_len = snap->meta_len;
    memcpy(v->meta, snap->meta, snap->meta_len);
    return true;
}

int
ks_rc_get(ks_rcache_t *rc, const char *key, size_t key_len, uint64_t sub, unsigned flags,
          ks_rc_value_t *v, ks_rc_ticket_t *t)
{
    uint64_t h = hash_key(key, key_len, sub);

    memset(v, 0, sizeof(*v));
    if (rc == NULL || key_len > KS_RC_KEY_MAX)
        return KS_RC_MISS;
    for (int attempt = 0; attempt <= TORN_RETRIES; attempt++) {
        ks_rc_entry_t snap;
        uint32_t idx;
        uint64_t gen;
        uint32_t st;

        ks_rc_lock(rc);
        idx = find(rc, h, key, key_len, sub);
        if (idx != KS_RC_NIL) {
            ks_rc_entry_t *e = &entries(rc)[idx];
            st = atomic_load_explicit(&e->state, memory_order_relaxed);
            if (st == KS_RC_LOADING && e->loader_pid != getpid() && loader_gone(e, mono_ms())) {
                drop_entry(rc, idx);
                atomic_fetch_add_explicit(&rc->c.reclaims, 1, memory_order_relaxed);
                idx = KS_RC_NIL;
            } else if (st == KS_RC_LOADING) {
                ks_rc_unlock(rc);
                atomic_fetch_add_explicit(&rc->c.busy, 1, memory_order_relaxed);
                return KS_RC_BUSY;
            }
        }
        if (idx == KS_RC_NIL) {
            ks_rc_entry_t *e;

            if (!(flags & KS_RC_CLAIM)) {
                ks_rc_unlock(rc);
                atomic_fetch_add_explicit(&rc->c.misses, 1, memory_order_relaxed);
                return KS_RC_MISS;
            }
            if (rc->free_entry == KS_RC_NIL && !evict_one(rc)) {
                ks_rc_unlock(rc);
                atomic_fetch_add_explicit(&rc->c.misses, 1, memory_order_relaxed);
                return KS_RC_MISS;
            }
            idx = rc->free_entry;
            e = &entries(rc)[idx];
            rc->free_entry = e->hnext;
            gen = atomic_load_explicit(&e->gen, memory_order_relaxed);
            gen = (gen & 1) ? gen + 2 : gen + 1;           /* odd: LOADING */
            atomic_store_explicit(&e->gen, gen, memory_order_relaxed);
            atomic_thread_fence(memory_order_release);
            e->hash = h;
            e->sub = sub;
            e->len = 0;
            e->first_block = KS_RC_NIL;
            e->nblocks = 0;
            e->key_len = (uint32_t) key_len;
            e->meta_len = 0;
            memcpy(e->key, key, key_len);
            e->started_ms = mono_ms();
            /* Not referenced until read: a value nobody reads again goes
             * first (scan resistance). */
            atomic_store_explicit(&e->ref, 0, memory_order_relaxed);
            atomic_store_explicit(&e->loader_pid, (int32_t) getpid(), memory_order_relaxed);
            atomic_store_explicit(&e->state, KS_RC_LOADING, memory_order_relaxed);
            e->hnext = buckets(rc)[(uint32_t) h & (rc->nbuckets - 1)];
            buckets(rc)[(uint32_t) h & (rc->nbuckets - 1)] = idx;
            rc->used_entries++;
            ks_rc_unlock(rc);
            t->idx = idx;
            t->gen = gen;
            atomic_fetch_add_explicit(&rc->c.misses, 1, memory_order_relaxed);
            return KS_RC_CLAIMED;
        }
        /* READY: take a snapshot of where the value is, copy it without
         * the lock, then check that it did not move. */
        {
            ks_rc_entry_t *e = &entries(rc)[idx];
            gen = atomic_load_explicit(&e->gen, memory_order_relaxed);
            atomic_store_explicit(&e->ref, 1, memory_order_relaxed);
            if (flags & KS_RC_PEEK) {
                ks_rc_unlock(rc);
                return KS_RC_HIT;
            }
            snap.first_block = e->first_block;
            snap.nblocks = e->nblocks;
            snap.len = e->len;
            snap.meta_len = e->meta_len <= KS_RC_META_MAX ? e->meta_len : 0;
            memcpy(snap.meta, e->meta, snap.meta_len);
        }
        ks_rc_unlock(rc);
        if (copy_out(rc, &snap, idx, gen, v)) {
            atomic_fetch_add_explicit(&rc->c.hits, 1, memory_order_relaxed);
            atomic_fetch_add_explicit(&rc->c.bytes_out, v->len, memory_order_relaxed);
            return KS_RC_HIT;
        }
        atomic_fetch_add_explicit(&rc->c.torn, 1, memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&rc->c.misses, 1, memory_order_relaxed);
    return KS_RC_MISS;
}

/* Whether the ticket still names a LOADING entry of ours (under the lock). */
static bool
ticket_ok(ks_rcache_t *rc, const ks_rc_ticket_t *t)
{
    ks_rc_entry_t *e;

    if (t->idx >= rc->nentries)
        return false;
    e = &entries(rc)[t->idx];
    return atomic_load_explicit(&e->gen, memory_order_relaxed) == t->gen &&
           atomic_load_explicit(&e->state, memory_order_relaxed) == KS_RC_LOADING &&
           atomic_load_explicit(&e->loader_pid, memory_order_relaxed) == (int32_t) getpid();
}

void
ks_rc_abort(ks_rcache_t *rc, const ks_rc_ticket_t *t)
{
    if (rc == NULL)
        return;
    ks_rc_lock(rc);
    if (ticket_ok(rc, t)) {
        drop_entry(rc, t->idx);
        atomic_fetch_add_explicit(&rc->c.aborts, 1, memory_order_relaxed);
    }
    ks_rc_unlock(rc);
}

int
ks_rc_fill(ks_rcache_t *rc, const ks_rc_ticket_t *t, const void *data, size_t len,
           const void *meta, size_t meta_len)
{
    uint32_t need = (uint32_t) ((len + KS_RC_BLOCK - 1) / KS_RC_BLOCK);
    uint32_t *N;
    ks_rc_entry_t *e;
    uint32_t first = KS_RC_NIL, b;
    size_t at = 0;

    if (rc == NULL)
        return KS_ERROR;
    N = nexts(rc);
    ks_rc_lock(rc);
    if (!ticket_ok(rc, t)) {
        ks_rc_unlock(rc);
        return KS_ERROR;
    }
    e = &entries(rc)[t->idx];
    if (meta_len > KS_RC_META_MAX || len / KS_RC_BLOCK > rc->max_blocks || need > rc->max_blocks)
        goto fail;
    while (rc->nfree_blocks < need)
        if (!evict_one(rc))
            goto fail;
    /* Take the blocks, chained in order. */
    for (uint32_t i = 0; i < need; i++) {
        b = rc->free_block;
        rc->free_block = N[b];
        rc->nfree_blocks--;
        N[b] = first;
        first = b;
    }
    /* (reversed: re-link in order) */
    {
        uint32_t prev = KS_RC_NIL;
        b = first;
        while (b != KS_RC_NIL) {
            uint32_t nx = N[b];
            N[b] = prev;
            prev = b;
            b = nx;
        }
        first = prev;
    }
    e->first_block = first;
    e->nblocks = need;
    e->len = len;
    e->meta_len = (uint32_t) meta_len;
    if (meta_len > 0)
        memcpy(e->meta, meta, meta_len);
    ks_rc_unlock(rc);

    /* Copy without the lock: the entry is LOADING (odd), nobody reads it;
     * its blocks are ours until we publish or somebody reclaims the claim. */
    b = first;
    for (uint32_t i = 0; i < need; i++) {
        size_t n = len - at < KS_RC_BLOCK ? len - at : KS_RC_BLOCK;
        memcpy(block(rc, b), (const uint8_t *) data + at, n);
        at += n;
        if (i == 0 && ks_rc_test_hook != NULL)
            ks_rc_test_hook(rc, 2);
        b = N[b];
    }

    ks_rc_lock(rc);
    if (!ticket_ok(rc, t)) {
        ks_rc_unlock(rc);
        return KS_ERROR;
    }
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&e->state, KS_RC_READY, memory_order_relaxed);
    atomic_store_explicit(&e->loader_pid, 0, memory_order_relaxed);
    atomic_store_explicit(&e->gen, t->gen + 1, memory_order_release);     /* even: READY */
    ks_rc_unlock(rc);
    atomic_fetch_add_explicit(&rc->c.inserts, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&rc->c.bytes_in, len, memory_order_relaxed);
    return KS_OK;

fail:
    drop_entry(rc, t->idx);
    atomic_fetch_add_explicit(&rc->c.aborts, 1, memory_order_relaxed);
    ks_rc_unlock(rc);
    return KS_ERROR;
}

bool
ks_rc_drop(ks_rcache_t *rc, const char *key, size_t key_len, uint64_t sub)
{
    uint32_t idx;
    bool dropped = false;

    if (rc == NULL || key_len > KS_RC_KEY_MAX)
        return false;
    ks_rc_lock(rc);
    idx = find(rc, hash_key(key, key_len, sub), key, key_len, sub);
    if (idx != KS_RC_NIL &&
        atomic_load_explicit(&entries(rc)[idx].state, memory_order_relaxed) == KS_RC_READY) {
        drop_entry(rc, idx);
        dropped = true;
    }
    ks_rc_unlock(rc);
    return dropped;
}

int
ks_rc_release_pid(ks_rcache_t *rc, pid_t pid)
{
    ks_rc_entry_t *E;
    int n = 0;

    if (rc == NULL)
        return 0;
    E = entries(rc);
    ks_rc_lock(rc);
    for (uint32_t i = 0; i < rc->nentries; i++) {
        if (atomic_load_explicit(&E[i].state, memory_order_relaxed) == KS_RC_LOADING &&
            atomic_load_explicit(&E[i].loader_pid, memory_order_relaxed) == (int32_t) pid) {
            drop_entry(rc, i);
            n++;
        }
    }
    ks_rc_unlock(rc);
    if (n > 0)
        atomic_fetch_add_explicit(&rc->c.reclaims, (uint64_t) n, memory_order_relaxed);
    return n;
}

void
ks_rc_stats(ks_rcache_t *rc, ks_rc_stats_t *o)
{
    memset(o, 0, sizeof(*o));
    if (rc == NULL)
        return;
    o->hits = atomic_load(&rc->c.hits);
    o->misses = atomic_load(&rc->c.misses);
    o->busy = atomic_load(&rc->c.busy);
    o->inserts = atomic_load(&rc->c.inserts);
    o->evictions = atomic_load(&rc->c.evictions);
    o->reclaims = atomic_load(&rc->c.reclaims);
    o->aborts = atomic_load(&rc->c.aborts);
    o->torn = atomic_load(&rc->c.torn);
    o->repairs = atomic_load(&rc->c.repairs);
    o->bytes_in = atomic_load(&rc->c.bytes_in);
    o->bytes_out = atomic_load(&rc->c.bytes_out);
    o->capacity = (uint64_t) rc->nblocks * rc->block_size;
    ks_rc_lock(rc);
    o->used = (uint64_t) (rc->nblocks - rc->nfree_blocks) * rc->block_size;
    o->entries = rc->used_entries;
    ks_rc_unlock(rc);
}
