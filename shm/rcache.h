/*
 * rcache.h: the broker's shared read cache, in shared memory.
 *
 * Object-store data that one worker fetched (verified segment chunks,
 * .index files) is kept here so every worker of the broker is served from
 * memory: a segment is fetched once per broker, not once per worker, and
 * one worker's read-ahead benefits all.  Sized by read.cache.bytes (0 = no
 * shared cache); fixed at start.
 *
 * Layout (offsets relative to the cache header, never pointers):
 *   header (lock, counters) | entries[nentries] | buckets[nbuckets]
 *   | next[nblocks] (block chains, and the free list) | blocks
 * Values are stored in fixed-size blocks chained through next[] (a FAT),
 * so any value up to a quarter of the cache fits without fragmentation.
 * An entry is {key hash, object key bytes (exact match), sub-key (chunk
 * position), length, first block, seqlock generation, state, loader pid}.
 *
 * Entry states: EMPTY -> LOADING (claimed by one process, which fetches
 * the data; others see BUSY and wait instead of fetching too) -> READY
 * (filled) -> EMPTY (evicted by the clock, or aborted).  The generation is
 * odd while an entry is not READY and moves on every change, so readers
 * copy a value without the lock and then re-check the generation
 * (seqlock): a value evicted and overwritten during the copy is detected
 * and never served.
 *
 * Lock: one robust process-shared mutex guards the table (lookup, claim,
 * block allocation, eviction); it is held for a hash walk or a few list
 * operations, never across a copy or I/O, and never while another lock is
 * held.  A holder that died leaves EOWNERDEAD: the next locker rebuilds
 * the buckets and the free lists from the entries (ks_rc_repair).  A
 * LOADING entry whose loader died (kill(pid, 0) fails with ESRCH) or that
 * is older than KS_RC_LOAD_STALE_MS is reclaimed by whoever meets it.
 *
 * Runs in: master (init), workers (everything else), unit tests.
 */
#ifndef KS_SHM_RCACHE_H
#define KS_SHM_RCACHE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KS_RC_MAGIC          0x4b535243U   /* "KSRC" */
#define KS_RC_BLOCK          (64u << 10)
#define KS_RC_MIN_BLOCKS     16            /* smaller caches are disabled */
#define KS_RC_KEY_MAX        440
#define KS_RC_META_MAX       64
#define KS_RC_NIL            UINT32_MAX
#define KS_RC_LOAD_STALE_MS  30000

typedef enum {
    KS_RC_EMPTY = 0,
    KS_RC_LOADING = 1,
    KS_RC_READY = 2
} ks_rc_state_t;

typedef struct {
    _Atomic uint64_t gen;         /* seqlock: even and stable only while READY */
    _Atomic uint32_t state;       /* ks_rc_state_t */
    _Atomic int32_t loader_pid;   /* LOADING: who fetches it */
    _Atomic uint32_t ref;         /* clock: used since the hand passed */
    uint32_t hnext;               /* bucket chain / free entry list */
    uint64_t hash;                /* of key and sub */
    uint64_t sub;                 /* chunk position (caller's sub-key) */
    uint64_t len;                 /* value bytes */
    uint32_t first_block;         /* chain through next[], KS_RC_NIL if none */
    uint32_t nblocks;
    uint32_t key_len;
    uint32_t meta_len;
    int64_t started_ms;           /* LOADING since (monotonic) */
    uint8_t meta[KS_RC_META_MAX]; /* the caller's small metadata */
    char key[KS_RC_KEY_MAX];      /* object key bytes, for the exact match */
} ks_rc_entry_t;

_Static_assert(sizeof(ks_rc_entry_t) == 576, "ks_rc_entry_t layout");

typedef struct {
    _Atomic uint64_t hits;        /* values served from the cache */
    _Atomic uint64_t misses;      /* lookups that found nothing */
    _Atomic uint64_t busy;        /* lookups that found another loader */
    _Atomic uint64_t inserts;     /* values filled */
    _Atomic uint64_t evictions;
    _Atomic uint64_t reclaims;    /* LOADING entries of dead or stale loaders */
    _Atomic uint64_t aborts;      /* claims given up (load failed, too big) */
    _Atomic uint64_t torn;        /* copies invalidated during the copy */
    _Atomic uint64_t repairs;     /* table rebuilt after a holder died */
    _Atomic uint64_t bytes_in;    /* bytes filled */
    _Atomic uint64_t bytes_out;   /* bytes served */
} ks_rc_counters_t;

typedef struct ks_rcache_s {
    uint32_t magic;
    uint32_t block_size;
    uint32_t nblocks;
    uint32_t nentries;
    uint32_t nbuckets;            /* power of two */
    uint32_t max_blocks;          /* largest value, in blocks */
    uint64_t off_entries;         /* offsets from this header */
    uint64_t off_buckets;
    uint64_t off_next;
    uint64_t off_data;
    uint64_t total;               /* bytes of the whole region */
    union {
        pthread_mutex_t m;        /* robust, process-shared */
        uint8_t pad[64];
    } lock;
    /* under the lock */
    uint32_t free_block;          /* free block list head */
    uint32_t nfree_blocks;
    uint32_t free_entry;          /* free entry list head (through hnext) */
    uint32_t hand;                /* clock hand over entries */
    uint32_t used_entries;
    uint32_t pad0;
    ks_rc_counters_t c;
    uint8_t pad1[16];
} ks_rcache_t;

_Static_assert(sizeof(pthread_mutex_t) <= 64, "pthread_mutex_t fits its slot");
_Static_assert(sizeof(ks_rcache_t) == 256, "ks_rcache_t layout");

/* Results of ks_rc_get. */
enum {
    KS_RC_MISS = 0,               /* not cached (and not claimed) */
    KS_RC_HIT = 1,                /* *v holds a copy (or, with PEEK, nothing) */
    KS_RC_BUSY = 2,               /* another live process is loading it */
    KS_RC_CLAIMED = 3             /* not cached; the caller now loads it: fill or abort */
};

/* Flags of ks_rc_get. */
#define KS_RC_CLAIM 1u            /* claim the entry on a miss */
#define KS_RC_PEEK  2u            /* report a hit without copying */

typedef struct {
    uint32_t idx;
    uint64_t gen;
} ks_rc_ticket_t;

typedef struct {
    uint8_t *data;                /* malloc'd copy (NULL when len is 0) */
    size_t len;
    uint8_t meta[KS_RC_META_MAX];
    uint32_t meta_len;
} ks_rc_value_t;

/* Bytes of shared memory for a cache of `bytes` (0 when too small: no
 * cache).  Runs in: master. */
size_t ks_rc_shm_size(uint64_t bytes);
/* Initialises the region (ks_rc_shm_size(bytes) bytes, 64-byte aligned). */
ks_rcache_t *ks_rc_init(void *region, uint64_t bytes);

/* Looks key+sub up.  HIT copies the value into *v (free v->data);
 * with KS_RC_CLAIM a miss inserts a LOADING entry owned by this process
 * and answers CLAIMED with *t set: the caller must ks_rc_fill or
 * ks_rc_abort it.  Never blocks on anything but the table lock. */
int ks_rc_get(ks_rcache_t *rc, const char *key, size_t key_len, uint64_t sub, unsigned flags,
              ks_rc_value_t *v, ks_rc_ticket_t *t);
/* Stores the value of a claimed entry and makes it READY.  KS_OK, or
 * KS_ERROR (too large, no room, or the claim was reclaimed): the claim is
 * then gone either way. */
int ks_rc_fill(ks_rcache_t *rc, const ks_rc_ticket_t *t, const void *data, size_t len,
               const void *meta, size_t meta_len);
/* Gives a claim up (the load failed): waiters will load it themselves. */
void ks_rc_abort(ks_rcache_t *rc, const ks_rc_ticket_t *t);
/* Forgets a READY value (the object changed or was deleted).  A LOADING
 * entry is left to its loader.  Returns whether something was dropped. */
bool ks_rc_drop(ks_rcache_t *rc, const char *key, size_t key_len, uint64_t sub);
/* Gives up every claim of `pid` (a worker exiting, or dead).  Returns how
 * many. */
int ks_rc_release_pid(ks_rcache_t *rc, pid_t pid);

typedef struct {
    uint64_t hits, misses, busy, inserts, evictions, reclaims, aborts, torn, repairs;
    uint64_t bytes_in, bytes_out;
    uint64_t capacity, used;      /* bytes of blocks, bytes of blocks in use */
    uint32_t entries;             /* entries in use */
} ks_rc_stats_t;

void ks_rc_stats(ks_rcache_t *rc, ks_rc_stats_t *out);

/* For tests: called at fixed points (1: a reader copied a value and is
 * about to re-check it; 2: a filler wrote its first block). */
extern void (*ks_rc_test_hook)(ks_rcache_t *rc, int where);
/* For tests: the table lock, to die holding it. */
void ks_rc_lock(ks_rcache_t *rc);
void ks_rc_unlock(ks_rcache_t *rc);

#endif
