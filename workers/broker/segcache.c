/*
 * segcache.c: reading a partition's log in the worker: the ring for recent
 * data, the object store (through a per-worker cache) for older data.
 * Runs in: worker.
 *
 * Cached, per worker, under one byte budget with LRU eviction:
 *   - each partition's segment list (base offsets, from ks_os_list),
 *     refreshed when an offset lies past the last known segment;
 *   - parsed .index files;
 *   - chunks: a verified run of whole batches of one .kfs, read with one
 *     ranged GET starting at a batch boundary (position 32, an index
 *     position, or where the previous chunk ended).  Every batch of a chunk
 *     had its magic, length, CRC-32C and offset order checked before it was
 *     kept; a chunk covering a whole segment also had the body CRC and the
 *     footer checked.  Corrupt data is never cached as data: it leaves a
 *     "bad" marker that answers KAFKA_STORAGE_ERROR for a while.
 * Read-ahead: serving a chunk starts the read of what follows it (the rest
 * of the segment, or the next segment from its start) without anybody
 * waiting for it, so a sequential consumer finds it cached.
 *
 * Below this per-worker cache (the front) lies the broker's shared read
 * cache in shared memory (shm/rcache.c, read.cache.bytes): a chunk or an
 * index missing here is looked up there before the object store is asked,
 * and whatever a worker reads from the store (read-ahead included) is put
 * there for every worker.  Two workers missing the same chunk at once
 * fetch it once: the first claims the shared entry (LOADING), the second
 * parks its read and re-checks the entry on a short timer (WAIT_TICK_MS)
 * until it is READY (copied into its front), aborted or its loader died
 * (it then fetches itself), or WAIT_MAX_MS passed (it fetches itself
 * without claiming).  The event loop never waits.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "crc32c.h"
#include "log.h"
#include "objstore/objstore.h"
#include "proto/errors.h"
#include "records.h"
#include "segcache.h"
#include "segment.h"
#include "shm/rcache.h"
#include "shm/ring.h"
#include "util.h"

#include <event2/event.h>

#define PART_BUCKETS      1024
#define OBJ_BUCKETS       4096
#define CHUNK_MIN         (1u << 20)
#define CHUNK_MAX         (16u << 20)
#define BATCH_MAX         (256u << 20)
#define RELIST_MIN_MS     100        /* do not list a partition more often */
#define BAD_CORRUPT_MS    10000      /* how long corrupt data is remembered */
#define BAD_ERROR_MS      1000       /* and a failed read */
#define READAHEAD_SEGS    2
#define SEG_END           1000       /* internal: no batch at or after the offset */
#define SC_CACHED         1001       /* internal: now in the front cache, look again */
#define FRONT_BUDGET      (16u << 20)/* the front's budget when a shared cache exists */
#define WAIT_TICK_MS      3          /* re-check of a chunk another worker loads */
#define WAIT_MAX_MS       5000       /* then read it ourselves */

/* What the shared cache keeps next to a chunk's bytes. */
typedef struct {
    int64_t first_off, last_off;
    uint32_t body_end;
    uint32_t pad;
} sc_chunk_meta_t;

/* ... and next to an index's bytes. */
typedef struct {
    uint32_t absent;              /* the segment has no .index */
} sc_index_meta_t;

enum { OBJ_INDEX = 1, OBJ_CHUNK, OBJ_BAD };
enum { LOAD_LIST = 1, LOAD_INDEX, LOAD_CHUNK };

typedef struct sc_part sc_part_t;
typedef struct sc_obj sc_obj_t;

struct sc_part {
    sc_part_t *next;
    char *topic;
    size_t topic_len;
    int32_t partition;
    uint32_t slot, slot_gen;      /* the latest ring slot it was read through */
    int64_t *bases;               /* sorted */
    int nbases;
    bool listed, stale;
    int64_t listed_ms;
    int64_t bad_until_ms;         /* listing failed */
};

struct sc_obj {
    sc_obj_t *hnext;
    sc_obj_t *lprev, *lnext;      /* LRU, most recent first */
    sc_part_t *part;
    int64_t base;                 /* segment base offset */
    int kind;
    size_t cost;
    /* OBJ_CHUNK */
    int64_t pos, end_pos;         /* file positions of the kept batches */
    int64_t prev_last;            /* offset before the first batch (see chunk_for) */
    int64_t first_off, last_off;
    bool body_end;                /* the chunk ends where the segment body ends */
    uint8_t *data;
    size_t len;
    /* OBJ_INDEX */
    ks_index_t idx;
    /* OBJ_BAD */
    int err;
    int64_t until_ms;
};

typedef struct sc_waiter {
    struct sc_waiter *next;
    ks_segcache_cb cb;
    void *arg;
} sc_waiter_t;

typedef struct sc_load {
    struct sc_load *next;
    sc_part_t *part;
    int kind;
    int64_t base, pos, len, prev_last;
    bool retried;
    bool has_ticket;              /* we claimed the shared cache's entry */
    ks_rc_ticket_t ticket;
    struct event *timer;          /* set while waiting for another worker's load */
    int64_t wait_until_ms;
    sc_waiter_t *waiters;
    char key[KS_SEGMENT_KEY_MAX];
    /* Its key in the shared cache: the object key prefixed with the ring
     * slot and its generation, which move when the partition is assigned
     * anew (a topic deleted and created again reuses object keys). */
    char rkey[KS_SEGMENT_KEY_MAX + 24];
} sc_load_t;

static struct {
    bool init, closed;
    sc_part_t *parts[PART_BUCKETS];
    sc_obj_t *objs[OBJ_BUCKETS];
    sc_obj_t *lru_head, *lru_tail;
    size_t bytes;
    sc_load_t *loads;
    ks_segcache_stats_t st;
} C;

void
ks_segbuf_free(ks_segbuf_t *b)
{
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
}

static int
segbuf_reserve(ks_segbuf_t *b, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        uint8_t *nb;
        while (cap < b->len + n)
            cap *= 2;
        nb = realloc(b->buf, cap);
        if (nb == NULL)
            return KS_ERROR;
        b->buf = nb;
        b->cap = cap;
    }
    return KS_OK;
}

const ks_segcache_stats_t *
ks_segcache_stats(void)
{
    return &C.st;
}

static ks_rcache_t *
shared(void)
{
    return ks_W.in != NULL && ks_W.in->shm != NULL ? ks_W.in->shm->rcache : NULL;
}

static size_t
budget(void)
{
    return shared() != NULL ? FRONT_BUDGET : KS_SEGCACHE_BUDGET;
}

static const char *
ns(void)
{
    const char *n = ks_W.in != NULL && ks_W.in->conf != NULL ? ks_W.in->conf->s3_namespace : NULL;
    return n != NULL ? n : "";
}

static uint32_t
hash_bytes(const void *p, size_t n, uint32_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* ---------- partitions ---------- */

static sc_part_t *
part_get(const ks_partref_t *ref)
{
    uint32_t h = hash_bytes(ref->topic, ref->topic_len, 2166136261u);
    sc_part_t *sp;

    h = hash_bytes(&ref->partition, sizeof(ref->partition), h) % PART_BUCKETS;
    for (sp = C.parts[h]; sp != NULL; sp = sp->next)
        if (sp->partition == ref->partition && sp->topic_len == ref->topic_len &&
            memcmp(sp->topic, ref->topic, ref->topic_len) == 0) {
            sp->slot = ref->slot;
            sp->slot_gen = ref->slot_gen;
            return sp;
        }
    sp = calloc(1, sizeof(*sp));
    if (sp == NULL || (sp->topic = malloc(ref->topic_len + 1)) == NULL) {
        free(sp);
        return NULL;
    }
    memcpy(sp->topic, ref->topic, ref->topic_len);
    sp->topic[ref->topic_len] = '\0';
    sp->topic_len = ref->topic_len;
    sp->partition = ref->partition;
    sp->slot = ref->slot;
    sp->slot_gen = ref->slot_gen;
    sp->next = C.parts[h];
    C.parts[h] = sp;
    return sp;
}

/* Index of the last base <= offset, or -1. */
static int
part_find(const sc_part_t *sp, int64_t offset)
{
    int lo = 0, hi = sp->nbases - 1, ans = -1;

    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (sp->bases[mid] <= offset) {
            ans = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return ans;
}

/* ---------- cached objects ---------- */

static uint32_t
obj_bucket(const sc_part_t *sp, int64_t base)
{
    uint32_t h = hash_bytes(&sp, sizeof(sp), 2166136261u);
    return hash_bytes(&base, sizeof(base), h) % OBJ_BUCKETS;
}

static void
lru_unlink(sc_obj_t *o)
{
    if (o->lprev != NULL)
        o->lprev->lnext = o->lnext;
    else
        C.lru_head = o->lnext;
    if (o->lnext != NULL)
        o->lnext->lprev = o->lprev;
    else
        C.lru_tail = o->lprev;
    o->lprev = o->lnext = NULL;
}

static void
lru_front(sc_obj_t *o)
{
    o->lnext = C.lru_head;
    o->lprev = NULL;
    if (C.lru_head != NULL)
        C.lru_head->lprev = o;
    C.lru_head = o;
    if (C.lru_tail == NULL)
        C.lru_tail = o;
}

static void
lru_touch(sc_obj_t *o)
{
    if (C.lru_head != o) {
        lru_unlink(o);
        lru_front(o);
    }
}

static void
obj_free(sc_obj_t *o)
{
    uint32_t b = obj_bucket(o->part, o->base);
    sc_obj_t **pp;

    for (pp = &C.objs[b]; *pp != NULL; pp = &(*pp)->hnext) {
        if (*pp == o) {
            *pp = o->hnext;
            break;
        }
    }
    lru_unlink(o);
    C.bytes -= o->cost;
    free(o->data);
    if (o->kind == OBJ_INDEX)
        ks_index_free(&o->idx);
    free(o);
}

static void
evict(const sc_obj_t *keep)
{
    while (C.bytes > budget() && C.lru_tail != NULL) {
        sc_obj_t *o = C.lru_tail;
        if (o == keep) {
            if (o->lprev == NULL)
                break;
            o = o->lprev;
        }
        obj_free(o);
    }
}

static sc_obj_t *
obj_new(sc_part_t *sp, int64_t base, int kind, size_t cost)
{
    sc_obj_t *o = calloc(1, sizeof(*o));
    uint32_t b;

    if (o == NULL)
        return NULL;
    o->part = sp;
    o->base = base;
    o->kind = kind;
    o->cost = cost + sizeof(*o);
    b = obj_bucket(sp, base);
    o->hnext = C.objs[b];
    C.objs[b] = o;
    lru_front(o);
    C.bytes += o->cost;
    return o;
}

static sc_obj_t *
obj_find(sc_part_t *sp, int64_t base, int kind)
{
    for (sc_obj_t *o = C.objs[obj_bucket(sp, base)]; o != NULL; o = o->hnext)
        if (o->part == sp && o->base == base && o->kind == kind)
            return o;
    return NULL;
}

static void
mark_bad(sc_part_t *sp, int64_t base, int err, int64_t ms)
{
    sc_obj_t *o = obj_find(sp, base, OBJ_BAD);

    if (o == NULL)
        o = obj_new(sp, base, OBJ_BAD, 0);
    if (o != NULL) {
        o->err = err;
        o->until_ms = ks_now_ms() + ms;
    }
}

/* ---------- loads ---------- */

static void load_done(void *arg, const ks_os_result_t *res);
static void wait_tick(evutil_socket_t fd, short what, void *arg);

static int
seg_key(char *buf, const sc_part_t *sp, int64_t base, const char *ext)
{
    return ks_segment_key(buf, KS_SEGMENT_KEY_MAX, ns(), sp->topic, sp->partition, base, ext);
}

static uint64_t
shared_sub(const sc_load_t *l)
{
    return l->kind == LOAD_INDEX ? 0 : (uint64_t) l->pos;
}

/* Puts a chunk (kept bytes and what the front needs) into the front cache. */
static sc_obj_t *
chunk_install(sc_part_t *sp, int64_t base, int64_t pos, int64_t prev_last, uint8_t *data,
              size_t keep, int64_t first, int64_t last, bool body_end)
{
    sc_obj_t *o = obj_new(sp, base, OBJ_CHUNK, keep);

    if (o == NULL) {
        free(data);
        return NULL;
    }
    o->data = data;
    o->len = keep;
    o->pos = pos;
    o->end_pos = pos + (int64_t) keep;
    o->prev_last = prev_last;
    o->first_off = keep > 0 ? first : prev_last + 1;
    o->last_off = keep > 0 ? last : prev_last;
    o->body_end = body_end;
    if (keep == 0 && !body_end) {
        obj_free(o);
        return NULL;
    }
    return o;
}

/* A shared cache hit becomes a front object.  KS_OK or KS_ERROR (unusable:
 * read the store instead). */
static int
install_shared(sc_load_t *l, ks_rc_value_t *v)
{
    if (l->kind == LOAD_INDEX) {
        sc_index_meta_t m;
        ks_index_t idx;
        sc_obj_t *o;

        if (v->meta_len != sizeof(m))
            goto bad;
        memcpy(&m, v->meta, sizeof(m));
        if (m.absent)
            memset(&idx, 0, sizeof(idx));
        else if (ks_index_parse(v->data, v->len, &idx) != KS_OK)
            goto bad;
        free(v->data);
        o = obj_new(l->part, l->base, OBJ_INDEX, (size_t) idx.count * sizeof(ks_index_entry_t));
        if (o == NULL) {
            ks_index_free(&idx);
            return KS_ERROR;
        }
        o->idx = idx;
        evict(o);
    } else {
        sc_chunk_meta_t m;
        sc_obj_t *o;

        if (v->meta_len != sizeof(m))
            goto bad;
        memcpy(&m, v->meta, sizeof(m));
        o = chunk_install(l->part, l->base, l->pos, l->prev_last, v->data, v->len, m.first_off,
                          m.last_off, m.body_end != 0);
        if (o == NULL)
            return KS_ERROR;
        evict(o);
    }
    C.st.shared_hits++;
    ks_log_debug("read %s at %lld from the shared read cache (%zu bytes)", l->key,
                 (long long) l->pos, v->len);
    return KS_OK;
bad:
    free(v->data);
    return KS_ERROR;
}

/* Starts the object-store read of a load. */
static int
load_issue(sc_load_t *l, bool readahead_only)
{
    int rc;

    if (ks_W.os == NULL)
        return KS_ERROR;
    if (l->kind == LOAD_LIST) {
        rc = ks_os_list(ks_W.os, l->key, load_done, l);
        C.st.lists++;
    } else if (l->kind == LOAD_INDEX) {
        rc = ks_os_get(ks_W.os, l->key, 0, -1, load_done, l);
        C.st.gets++;
    } else {
        rc = ks_os_get(ks_W.os, l->key, l->pos, l->len, load_done, l);
        C.st.gets++;
    }
    if (rc != KS_OK) {
        ks_log_error("could not start reading %s from the object store", l->key);
        return KS_ERROR;
    }
    ks_log_debug("reading %s%s from the object store (position %lld, %lld bytes%s)", l->key,
                 l->kind == LOAD_LIST ? "*" : "", (long long) l->pos, (long long) l->len,
                 readahead_only ? ", read-ahead" : "");
    return KS_OK;
}

/* Takes a finished load off the list, runs its waiters (their re-reads may
 * start new loads) and frees it. */
static void
load_finish(sc_load_t *l)
{
    sc_load_t **pp;
    sc_waiter_t *w, *next;

    for (pp = &C.loads; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == l) {
            *pp = l->next;
            break;
        }
    }
    if (l->has_ticket)
        ks_rc_abort(shared(), &l->ticket);
    if (l->timer != NULL)
        event_free(l->timer);
    for (w = l->waiters; w != NULL; w = next) {
        next = w->next;
        w->cb(w->arg);
        free(w);
    }
    free(l);
}

static void
wait_arm(sc_load_t *l)
{
    struct timeval tv = { 0, WAIT_TICK_MS * 1000 };

    evtimer_add(l->timer, &tv);
}

/* Another worker loads what this load waits for: look again. */
static void
wait_tick(evutil_socket_t fd, short what, void *arg)
{
    sc_load_t *l = arg;
    ks_rc_value_t v;
    int r;

    (void) fd;
    (void) what;
    if (C.closed)
        return;
    r = ks_rc_get(shared(), l->rkey, strlen(l->rkey), shared_sub(l), KS_RC_CLAIM, &v, &l->ticket);
    if (r == KS_RC_HIT && install_shared(l, &v) == KS_OK) {
        load_finish(l);
        return;
    }
    if (r == KS_RC_BUSY && ks_now_ms() < l->wait_until_ms) {
        wait_arm(l);
        return;
    }
    /* Aborted, evicted, its loader died, or too slow: read it ourselves. */
    l->has_ticket = r == KS_RC_CLAIMED;
    event_free(l->timer);
    l->timer = NULL;
    if (load_issue(l, false) != KS_OK) {
        mark_bad(l->part, l->base, KS_ERR_KAFKA_STORAGE_ERROR, BAD_ERROR_MS);
        load_finish(l);
    }
}

/* Starts (or joins) a load; registers cb when given (none: read-ahead).
 * KS_AGAIN when the load runs (cb will be called), SC_CACHED when what it
 * wanted is now in the front cache (or, for read-ahead, in the shared
 * cache or being read by another worker), a Kafka error when it could not
 * start. */
static int
load_start(sc_part_t *sp, int kind, int64_t base, int64_t pos, int64_t len, int64_t prev_last,
           ks_segcache_cb cb, void *arg)
{
    sc_load_t *l;

    for (l = C.loads; l != NULL; l = l->next)
        if (l->part == sp && l->kind == kind && (kind == LOAD_LIST || (l->base == base && l->pos == pos)))
            break;
    if (l == NULL) {
        if (ks_W.os == NULL)
            return KS_ERR_KAFKA_STORAGE_ERROR;
        l = calloc(1, sizeof(*l));
        if (l == NULL)
            return KS_ERR_KAFKA_STORAGE_ERROR;
        l->part = sp;
        l->kind = kind;
        l->base = base;
        l->pos = pos;
        l->len = len;
        l->prev_last = prev_last;
        if (kind == LOAD_LIST) {
            const char *n = ns();
            snprintf(l->key, sizeof(l->key), "%s%s%s/%d/", n, *n ? "/" : "", sp->topic,
                     (int) sp->partition);
        } else if (seg_key(l->key, sp, base, kind == LOAD_INDEX ? "index" : "kfs") < 0) {
            free(l);
            return KS_ERR_KAFKA_STORAGE_ERROR;
        }
        if (kind != LOAD_LIST && shared() != NULL) {
            ks_rc_value_t v;
            int r;

            snprintf(l->rkey, sizeof(l->rkey), "%u.%u:%s", sp->slot, sp->slot_gen, l->key);
            r = ks_rc_get(shared(), l->rkey, strlen(l->rkey), shared_sub(l),
                          KS_RC_CLAIM | (cb == NULL ? KS_RC_PEEK : 0), &v, &l->ticket);

            if (r == KS_RC_HIT || (r == KS_RC_BUSY && cb == NULL)) {
                /* Read-ahead: somebody has it or reads it already. */
                if (cb == NULL || install_shared(l, &v) == KS_OK) {
                    free(l);
                    return SC_CACHED;
                }
            } else if (r == KS_RC_BUSY) {
                l->timer = evtimer_new(ks_W.base, wait_tick, l);
                if (l->timer != NULL) {
                    l->wait_until_ms = ks_now_ms() + WAIT_MAX_MS;
                    C.st.shared_waits++;
                    ks_log_debug("waiting for another worker reading %s at %lld", l->key,
                                 (long long) pos);
                    wait_arm(l);
                }
            }
            l->has_ticket = r == KS_RC_CLAIMED;
        }
        if (l->timer == NULL && load_issue(l, cb == NULL) != KS_OK) {
            if (l->has_ticket)
                ks_rc_abort(shared(), &l->ticket);
            free(l);
            return KS_ERR_KAFKA_STORAGE_ERROR;
        }
        l->next = C.loads;
        C.loads = l;
    }
    if (cb != NULL) {
        sc_waiter_t *w = malloc(sizeof(*w));
        if (w == NULL)
            return KS_ERR_KAFKA_STORAGE_ERROR;
        w->cb = cb;
        w->arg = arg;
        w->next = l->waiters;
        l->waiters = w;
    }
    return KS_AGAIN;
}

static void
list_loaded(sc_load_t *l, const ks_os_result_t *res)
{
    sc_part_t *sp = l->part;
    int64_t *bases;
    size_t n = 0;
    size_t plen = strlen(l->key);

    if (res->rc != KS_OK) {
        ks_log_warn("could not list %s in the object store: %s", l->key,
                    res->error ? res->error : "error");
        sp->bad_until_ms = ks_now_ms() + BAD_ERROR_MS;
        return;
    }
    bases = malloc(sizeof(*bases) * (res->nkeys ? res->nkeys : 1));
    if (bases == NULL)
        return;
    for (size_t i = 0; i < res->nkeys; i++) {
        int32_t part;
        int64_t base;
        bool is_index;
        const char *k = res->keys[i];

        /* Only keys directly under the prefix: "{prefix}segment-N.kfs". */
        if (strncmp(k, l->key, plen) != 0 || strchr(k + plen, '/') != NULL)
            continue;
        if (ks_segment_key_parse(k, &part, &base, &is_index) != KS_OK || is_index ||
            part != sp->partition)
            continue;
        bases[n++] = base;
    }
    /* Keys come sorted bytewise; zero-padded bases sort the same, but do
     * not rely on it for a foreign writer's keys. */
    for (size_t i = 1; i < n; i++) {
        int64_t v = bases[i];
        size_t j = i;
        while (j > 0 && bases[j - 1] > v) {
            bases[j] = bases[j - 1];
            j--;
        }
        bases[j] = v;
    }
    free(sp->bases);
    sp->bases = bases;
    sp->nbases = (int) n;
    sp->listed = true;
    sp->stale = false;
    sp->listed_ms = ks_now_ms();
    sp->bad_until_ms = 0;
}

static void
index_loaded(sc_load_t *l, const ks_os_result_t *res)
{
    sc_obj_t *o;
    ks_index_t idx;

    if (res->rc == KS_OS_NOT_FOUND) {
        /* No index: read the segment from its first batch. */
        memset(&idx, 0, sizeof(idx));
    } else if (res->rc != KS_OK) {
        ks_log_warn("could not read %s from the object store: %s", l->key,
                    res->error ? res->error : "error");
        mark_bad(l->part, l->base, KS_ERR_KAFKA_STORAGE_ERROR, BAD_ERROR_MS);
        return;
    } else if (ks_index_parse(res->data, res->len, &idx) != KS_OK) {
        ks_log_error("corrupt index object %s (%zu bytes): not served", l->key, res->len);
        C.st.corrupt++;
        mark_bad(l->part, l->base, KS_ERR_KAFKA_STORAGE_ERROR, BAD_CORRUPT_MS);
        return;
    }
    if (l->has_ticket) {
        sc_index_meta_t m = { res->rc == KS_OS_NOT_FOUND };
        ks_rc_fill(shared(), &l->ticket, res->rc == KS_OK ? res->data : NULL,
                   res->rc == KS_OK ? res->len : 0, &m, sizeof(m));
        l->has_ticket = false;
    }
    o = obj_new(l->part, l->base, OBJ_INDEX, (size_t) idx.count * sizeof(ks_index_entry_t));
    if (o == NULL) {
        ks_index_free(&idx);
        return;
    }
    o->idx = idx;
    evict(o);
}

/* Checks the batches of a GET of [pos, pos+len) of a .kfs.  Returns KS_OK
 * and the extent of whole batches, KS_AGAIN when the first batch is not
 * complete (*need = its size), or KS_ERROR with why. */
static int
chunk_check(sc_load_t *l, const uint8_t *data, size_t len, int64_t body_end_pos, size_t *keep,
            int64_t *first, int64_t *last, size_t *need, char *why, size_t whylen)
{
    const uint8_t *p = data;
    const uint8_t *end = data + len;
    bool at_end = false;
    int64_t prev = l->prev_last;
    int nb = 0;

    if (body_end_pos >= 0) {
        if (l->pos > body_end_pos) {
            snprintf(why, whylen, "position %lld past the body end %lld", (long long) l->pos,
                     (long long) body_end_pos);
            return KS_ERROR;
        }
        if (l->pos + (int64_t) len >= body_end_pos) {
            end = data + (body_end_pos - l->pos);
            at_end = true;
        }
    }
    *first = *last = -1;
    while (p < end) {
        size_t left = (size_t) (end - p);
        ks_batch_info_t bi;
        size_t total;

        if (left < KS_BATCH_HEADER_SIZE) {
            if (at_end) {
                snprintf(why, whylen, "%zu stray bytes at position %lld", left,
                         (long long) (l->pos + (p - data)));
                return KS_ERROR;
            }
            break;
        }
        ks_batch_parse_header(p, left, &bi);
        if (bi.batch_length < 49 || bi.magic != KS_BATCH_MAGIC) {
            snprintf(why, whylen, "bad batch header at position %lld (magic %d, length %d)",
                     (long long) (l->pos + (p - data)), bi.magic, bi.batch_length);
            return KS_ERROR;
        }
        total = KS_BATCH_LOG_OVERHEAD + (size_t) bi.batch_length;
        if (total > left) {
            if (at_end || total > BATCH_MAX) {
                snprintf(why, whylen, "batch at position %lld runs past the end",
                         (long long) (l->pos + (p - data)));
                return KS_ERROR;
            }
            if (nb == 0) {
                *need = total;
                return KS_AGAIN;
            }
            break;
        }
        if (!ks_batch_crc_ok(p, total)) {
            snprintf(why, whylen, "batch crc mismatch at position %lld (offset %lld)",
                     (long long) (l->pos + (p - data)), (long long) bi.base_offset);
            return KS_ERROR;
        }
        if (bi.base_offset <= prev || bi.last_offset_delta < 0 ||
            (l->pos == KS_SEGMENT_HEADER_SIZE && nb == 0 && bi.base_offset != l->base)) {
            snprintf(why, whylen, "batch offset %lld out of order at position %lld",
                     (long long) bi.base_offset, (long long) (l->pos + (p - data)));
            return KS_ERROR;
        }
        if (nb == 0)
            *first = bi.base_offset;
        prev = *last = bi.base_offset + bi.last_offset_delta;
        nb++;
        p += total;
    }
    *keep = (size_t) (p - data);
    return KS_OK;
}

static void
chunk_loaded(sc_load_t *l, const ks_os_result_t *res)
{
    int64_t body_end_pos = -1;
    size_t keep = 0, need = 0;
    int64_t first, last;
    char why[200];
    sc_obj_t *o;
    int rc;

    if (res->rc != KS_OK) {
        ks_log_warn("could not read %s at %lld from the object store: %s", l->key,
                    (long long) l->pos, res->error ? res->error : "error");
        if (res->rc == KS_OS_NOT_FOUND)
            l->part->stale = true;     /* deleted by retention: re-list */
        mark_bad(l->part, l->base, KS_ERR_KAFKA_STORAGE_ERROR, BAD_ERROR_MS);
        return;
    }
    C.st.bytes += res->len;
    if (res->size >= 0)
        body_end_pos = res->size - KS_SEGMENT_FOOTER_SIZE;
    else if ((int64_t) res->len < l->len)
        body_end_pos = l->pos + (int64_t) res->len - KS_SEGMENT_FOOTER_SIZE;
    if (body_end_pos >= 0 && body_end_pos < KS_SEGMENT_HEADER_SIZE)
        body_end_pos = KS_SEGMENT_HEADER_SIZE - 1;   /* too small: reported below */
    rc = chunk_check(l, res->data, res->len, body_end_pos, &keep, &first, &last, &need, why,
                     sizeof(why));
    if (rc == KS_OK && body_end_pos >= 0 && l->pos + (int64_t) res->len >= body_end_pos + 16) {
        /* The footer is here: check it, and the body CRC when the whole
         * body is. */
        const uint8_t *f = res->data + (body_end_pos - l->pos);
        uint32_t crc;
        int64_t flast;

        if (ks_segment_parse_footer(f, &crc, &flast) != KS_OK) {
            snprintf(why, sizeof(why), "bad footer");
            rc = KS_ERROR;
        } else if (last >= 0 && flast != last) {
            snprintf(why, sizeof(why), "footer last offset %lld, batches end at %lld",
                     (long long) flast, (long long) last);
            rc = KS_ERROR;
        } else if (l->pos == KS_SEGMENT_HEADER_SIZE &&
                   ks_crc32c(0, res->data, (size_t) (body_end_pos - l->pos)) != crc) {
            snprintf(why, sizeof(why), "body crc mismatch");
            rc = KS_ERROR;
        }
    }
    if (rc == KS_AGAIN && !l->retried && ks_W.os != NULL) {
        /* The first batch is bigger than what was read: read all of it. */
        sc_load_t *n = calloc(1, sizeof(*n));
        if (n != NULL) {
            *n = *l;
            n->len = (int64_t) need;
            n->retried = true;
            n->next = C.loads;
            if (ks_os_get(ks_W.os, n->key, n->pos, n->len, load_done, n) == KS_OK) {
                ks_log_debug("reading %s from the object store (position %lld, %lld bytes, "
                             "whole first batch)", n->key, (long long) n->pos, (long long) n->len);
                C.st.gets++;
                C.loads = n;
                l->waiters = NULL;      /* they wait for the new read */
                l->has_ticket = false;  /* the new read fills the shared entry */
                return;
            }
            free(n);
        }
        snprintf(why, sizeof(why), "could not read a batch of %zu bytes", need);
        rc = KS_ERROR;
    } else if (rc == KS_AGAIN) {
        snprintf(why, sizeof(why), "batch larger than its read");
        rc = KS_ERROR;
    }
    if (rc != KS_OK) {
        ks_log_error("corrupt segment object %s: %s; not served", l->key, why);
        C.st.corrupt++;
        mark_bad(l->part, l->base, KS_ERR_KAFKA_STORAGE_ERROR, BAD_CORRUPT_MS);
        return;
    }
    o = chunk_install(l->part, l->base, l->pos, l->prev_last, ks_os_result_take_data(res), keep,
                      first, last, body_end_pos >= 0 && l->pos + (int64_t) keep == body_end_pos);
    if (o == NULL)
        return;
    if (l->has_ticket) {
        /* Verified: every worker may serve it from now on. */
        sc_chunk_meta_t m = { o->first_off, o->last_off, o->body_end, 0 };
        ks_rc_fill(shared(), &l->ticket, o->data, o->len, &m, sizeof(m));
        l->has_ticket = false;
    }
    evict(o);
}

static void
load_done(void *arg, const ks_os_result_t *res)
{
    sc_load_t *l = arg, **pp;
    sc_waiter_t *w, *next;

    if (C.closed) {
        if (l->has_ticket)
            ks_rc_abort(shared(), &l->ticket);
        for (w = l->waiters; w != NULL; w = next) {
            next = w->next;
            free(w);
        }
        free(l);
        return;
    }
    /* Off the list before the handler: a retried read re-enters it. */
    for (pp = &C.loads; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == l) {
            *pp = l->next;
            break;
        }
    }
    if (l->kind == LOAD_LIST)
        list_loaded(l, res);
    else if (l->kind == LOAD_INDEX)
        index_loaded(l, res);
    else
        chunk_loaded(l, res);
    /* A claim not filled (failed or corrupt read) is given up, so other
     * workers read it themselves; waiters run after the load left the
     * list, so their re-reads may start new loads. */
    load_finish(l);
}

/* ---------- reading ---------- */

static size_t
chunk_len(size_t room)
{
    size_t n = room + (128u << 10);
    return n < CHUNK_MIN ? CHUNK_MIN : n > CHUNK_MAX ? CHUNK_MAX : n;
}

/* Starts reading the next segments from their start, nobody waiting. */
static void
readahead(sc_part_t *sp, int i)
{
    for (int k = i + 1; k < sp->nbases && k <= i + READAHEAD_SEGS; k++) {
        int64_t base = sp->bases[k];
        bool have = false;

        if (obj_find(sp, base, OBJ_BAD) != NULL)
            return;
        for (sc_obj_t *o = C.objs[obj_bucket(sp, base)]; o != NULL; o = o->hnext)
            if (o->part == sp && o->base == base && o->kind == OBJ_CHUNK &&
                o->pos == KS_SEGMENT_HEADER_SIZE)
                have = true;
        if (have)
            continue;
        for (sc_load_t *l = C.loads; l != NULL; l = l->next)
            if (l->part == sp && l->base == base && l->kind == LOAD_CHUNK)
                have = true;
        if (!have && (shared() != NULL || C.bytes < budget() / 2)) {
            if (load_start(sp, LOAD_CHUNK, base, KS_SEGMENT_HEADER_SIZE, CHUNK_MIN, base - 1,
                           NULL, NULL) == KS_AGAIN)
                C.st.readahead++;
        }
    }
}

/*
 * The cached chunk of segment `base` that serves `cur`: the first of its
 * batches whose last offset is >= cur.  A chunk serves every offset in
 * (prev_last, last_off].  KS_OK with *out, SEG_END when the segment has
 * nothing at or after cur, KS_AGAIN (a load runs; cb registered when not
 * NULL) or a Kafka error.
 */
static int
chunk_for_once(sc_part_t *sp, int64_t base, int64_t cur, size_t room, ks_segcache_cb cb, void *arg,
               sc_obj_t **out)
{
    int64_t now = ks_now_ms();
    sc_obj_t *bad = obj_find(sp, base, OBJ_BAD);
    sc_obj_t *best = NULL, *idxo;
    int64_t pos, prev_last;

    if (bad != NULL) {
        if (bad->until_ms > now)
            return bad->err;
        obj_free(bad);
    }
    for (sc_obj_t *o = C.objs[obj_bucket(sp, base)]; o != NULL; o = o->hnext) {
        if (o->part != sp || o->base != base || o->kind != OBJ_CHUNK)
            continue;
        if (cur > o->prev_last && cur <= o->last_off) {
            lru_touch(o);
            C.st.hits++;
            *out = o;
            return KS_OK;
        }
        if (cur > o->last_off && o->body_end)
            return SEG_END;
        if (cur > o->last_off && (best == NULL || o->last_off > best->last_off))
            best = o;
    }
    C.st.misses++;
    if (best != NULL) {
        /* Continue where the closest chunk below ended. */
        pos = best->end_pos;
        prev_last = best->last_off;
    } else {
        idxo = obj_find(sp, base, OBJ_INDEX);
        if (idxo == NULL)
            return load_start(sp, LOAD_INDEX, base, 0, -1, 0, cb, arg);
        lru_touch(idxo);
        pos = KS_SEGMENT_HEADER_SIZE;
        prev_last = base - 1;
        if (idxo->idx.count > 0) {
            int32_t lo = 0, hi = idxo->idx.count - 1;
            const ks_index_entry_t *e = idxo->idx.entries;
            if (e[0].offset <= cur) {
                while (lo < hi) {
                    int32_t mid = lo + (hi - lo + 1) / 2;
                    if (e[mid].offset <= cur)
                        lo = mid;
                    else
                        hi = mid - 1;
                }
                pos = e[lo].position;
                prev_last = e[lo].offset - 1;
                if (lo == 0 && e[0].position == KS_SEGMENT_HEADER_SIZE)
                    prev_last = base - 1;
            }
        }
    }
    return load_start(sp, LOAD_CHUNK, base, pos, (int64_t) chunk_len(room), prev_last, cb, arg);
}

/* chunk_for_once, looking again when the shared cache had what was missing. */
static int
chunk_for(sc_part_t *sp, int64_t base, int64_t cur, size_t room, ks_segcache_cb cb, void *arg,
          sc_obj_t **out)
{
    int rc = SC_CACHED;

    for (int i = 0; i < 4 && rc == SC_CACHED; i++)
        rc = chunk_for_once(sp, base, cur, room, cb, arg, out);
    return rc;                    /* SC_CACHED: gave up looking, answer what there is */
}

/* Reads from the object store.  *cur advances past what was appended. */
static int
store_read(sc_part_t *sp, int64_t *cur, int64_t hw, size_t room, bool force_first,
           ks_segbuf_t *out, ks_segcache_cb cb, void *arg)
{
    size_t added = 0;
    int64_t now = ks_now_ms();

    for (int steps = 0; steps < 4096 && *cur < hw; steps++) {
        ks_segcache_cb wcb = added == 0 ? cb : NULL;
        sc_obj_t *c = NULL;
        int i, rc;
        const uint8_t *p, *end;
        bool full = false;

        if (sp->bad_until_ms > now)
            return added ? KS_OK : KS_ERR_KAFKA_STORAGE_ERROR;
        if (!sp->listed || (sp->stale && now - sp->listed_ms >= RELIST_MIN_MS)) {
            rc = load_start(sp, LOAD_LIST, 0, 0, 0, 0, wcb, arg);
            return added ? KS_OK : rc;
        }
        i = part_find(sp, *cur);
        if (i < 0) {
            if (sp->nbases > 0 && *cur < sp->bases[0]) {
                /* A gap before the first segment (offsets skipped when the
                 * partition changed hands after a crash): the log goes on
                 * at the next batch, as after compaction in Kafka. */
                *cur = sp->bases[0];
                continue;
            }
            /* Nothing listed yet holds it: list again (not too often). */
            if (now - sp->listed_ms >= RELIST_MIN_MS) {
                sp->stale = true;
                rc = load_start(sp, LOAD_LIST, 0, 0, 0, 0, wcb, arg);
                return added ? KS_OK : rc;
            }
            return KS_OK;
        }
        rc = chunk_for(sp, sp->bases[i], *cur, room - added, wcb, arg, &c);
        if (rc == SEG_END) {
            if (i + 1 < sp->nbases) {
                *cur = sp->bases[i + 1];
                continue;
            }
            if (now - sp->listed_ms >= RELIST_MIN_MS) {
                sp->stale = true;
                rc = load_start(sp, LOAD_LIST, 0, 0, 0, 0, wcb, arg);
                return added ? KS_OK : rc;
            }
            return KS_OK;
        }
        if (rc == SC_CACHED)
            return KS_OK;
        if (rc != KS_OK)
            return added ? KS_OK : rc;
        readahead(sp, i);
        p = c->data;
        end = c->data + c->len;
        while (p < end) {
            int64_t bbase = (int64_t) ks_be64(p);
            size_t blen = KS_BATCH_LOG_OVERHEAD + ks_be32(p + KS_BATCH_OFF_LENGTH);
            int64_t blast = bbase + (int32_t) ks_be32(p + KS_BATCH_OFF_LAST_DELTA);

            if (blast < *cur) {
                p += blen;
                continue;
            }
            if (bbase >= hw) {
                full = true;
                break;
            }
            if (added + blen > room && !(force_first && added == 0 && out->len == 0)) {
                full = true;
                break;
            }
            if (segbuf_reserve(out, blen) != KS_OK) {
                full = true;
                break;
            }
            memcpy(out->buf + out->len, p, blen);
            out->len += blen;
            added += blen;
            *cur = blast + 1;
            p += blen;
        }
        if (full || added >= room)
            break;
        if (p == end && *cur <= c->last_off)
            *cur = c->last_off + 1;      /* a gap at the end of the chunk */
    }
    return KS_OK;
}

/* Keeps the whole batches of out from `from` that fit: below hw, within
 * room (the first one anyway when force_first). Returns the offset after
 * the last kept batch, or -1 when none was kept. */
static int64_t
trim(ks_segbuf_t *out, size_t from, int64_t hw, size_t room, bool force_first)
{
    const uint8_t *p = out->buf + from, *end = out->buf + out->len;
    size_t kept = 0;
    int64_t next = -1;
    ks_batch_info_t bi;
    const uint8_t *b;
    size_t blen;

    while (ks_batch_next(&p, end, &bi, &b, &blen) == 1) {
        if (bi.base_offset >= hw)
            break;
        if (kept + blen > room && !(force_first && kept == 0))
            break;
        kept += blen;
        next = bi.base_offset + bi.last_offset_delta + 1;
    }
    out->len = from + kept;
    return next;
}

int
ks_part_read(const ks_partref_t *ref, int64_t offset, int64_t hw, size_t max_bytes, bool min_one,
             ks_segbuf_t *out, int64_t *next, ks_segcache_cb cb, void *arg)
{
    size_t start = out->len;
    bool force_first = min_one && out->len == 0;
    int64_t cur = offset;
    sc_part_t *sp = NULL;
    int rc = KS_OK;

    *next = offset;
    if (C.closed)
        return KS_ERR_KAFKA_STORAGE_ERROR;
    for (int iter = 0; iter < 16 && cur < hw; iter++) {
        size_t have = out->len - start;
        int64_t before_cur = cur;

        if (have >= max_bytes && !(force_first && have == 0))
            break;
        if (ks_W.ring != NULL) {
            size_t before = out->len;
            rc = ks_ring_read(ks_W.in->shm, ks_W.ring, ref->slot, ref->slot_gen, cur, hw,
                              max_bytes - have, &out->buf, &out->len, &out->cap);
            if (rc == KS_ERROR) {
                out->len = before;
                rc = have ? KS_OK : KS_ERR_NOT_LEADER_OR_FOLLOWER;
                break;
            }
            if (rc == KS_OK) {
                int64_t n = trim(out, before, hw, max_bytes - have, force_first && have == 0);
                if (n > cur)
                    cur = n;
                break;
            }
        }
        if (sp == NULL && (sp = part_get(ref)) == NULL) {
            rc = have ? KS_OK : KS_ERR_KAFKA_STORAGE_ERROR;
            break;
        }
        rc = store_read(sp, &cur, hw, max_bytes - have, force_first && have == 0, out,
                        out->len > start ? NULL : cb, arg);
        if (rc != KS_OK) {
            if (out->len > start)
                rc = KS_OK;
            break;
        }
        if (cur == before_cur)
            break;
    }
    if (out->len > start)
        rc = KS_OK;
    *next = cur;
    return rc;
}

void
ks_segcache_shutdown(void)
{
    sc_load_t *l, *ln;

    C.closed = true;
    /* Loads waiting for another worker have no store callback to come. */
    for (l = C.loads; l != NULL; l = ln) {
        ln = l->next;
        if (l->timer != NULL) {
            event_free(l->timer);
            for (sc_waiter_t *w = l->waiters, *wn; w != NULL; w = wn) {
                wn = w->next;
                free(w);
            }
            free(l);
        }
    }
    /* Claims of loads in flight: other workers read those themselves. */
    ks_rc_release_pid(shared(), getpid());
    while (C.lru_head != NULL)
        obj_free(C.lru_head);
    for (int i = 0; i < PART_BUCKETS; i++) {
        sc_part_t *sp, *n;
        for (sp = C.parts[i]; sp != NULL; sp = n) {
            n = sp->next;
            free(sp->bases);
            free(sp->topic);
            free(sp);
        }
        C.parts[i] = NULL;
    }
    /* Loads in flight free themselves when the store calls them back. */
    C.loads = NULL;
}
