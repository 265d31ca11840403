/*
 * embedded.c: the `embedded` metadata store: an in-memory ordered map with
 * etcd-like revisions and leases, made durable by a journal and snapshots
 * in <data.dir>/meta.  Runs in: coordinator.
 *
 * Files in <data.dir>/meta:
 *   lock                       flock(LOCK_EX) while a store has the dir open
 *   snapshot                   every key, the revision, the leases and the
 *                              generation of the journal that follows it
 *   journal-<gen:%016x>.log    records appended after that snapshot
 *
 * Journal record: u32 length of (type + payload), u32 CRC32 (zlib) of
 * (type + payload), u8 type, payload.  All integers big-endian.  The only
 * type is WRITE: i64 revision, u32 count, then `count` mutations (PUT, DEL,
 * DEL_PREFIX, LEASE_GRANT, LEASE_REVOKE).  A put, a delete, a whole txn, a
 * lease grant or a revoke (with the keys it deletes) is ONE record, so each
 * is atomic.  Replay re-applies the mutations; they are deterministic given
 * the state, which is the same on replay as it was when they were written.
 *
 * Every call applies its change to memory at once (so later calls see it,
 * in call order), appends the record to a write buffer and queues its
 * result.  An event made active drains the queue at the end of the loop
 * turn: one write() and one fdatasync() for everything queued (group
 * commit), then the callbacks and watch events, in call order.  Nobody
 * sees a result before it is durable.  If the journal cannot be written the
 * store turns failed: that batch and every later call report KS_ERROR
 * (memory may be ahead of the disk; the coordinator must restart).
 *
 * Leases: deadlines live only in memory (monotonic clock); a grant and a
 * revoke/expiry are journaled, keepalives are not.  On open every lease is
 * restored with a fresh full TTL: its holder may come back and keep it
 * alive; if it does not, the lease expires one TTL after the restart and
 * its keys are deleted then.
 *
 * Snapshots: when the journal grows past max(4 MiB, 2 x last snapshot), the
 * store writes snapshot.tmp, fsyncs it, creates the next (empty) journal,
 * renames the snapshot into place and fsyncs the directory, then removes
 * the old journal.  A crash at any point leaves a snapshot and the journal
 * it names.  Torn or corrupt journal tails are cut off on open (logged);
 * a corrupt snapshot refuses to open (it is written atomically, so that
 * means real damage, and silently starting empty would lose metadata).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <zlib.h>

#include "log.h"
#include "util.h"
#include "metastore/metastore.h"

#define KS_MS_REC_WRITE        1

#define KS_MS_MUT_PUT          1
#define KS_MS_MUT_DEL          2
#define KS_MS_MUT_DEL_PREFIX   3
#define KS_MS_MUT_LEASE_GRANT  4
#define KS_MS_MUT_LEASE_REVOKE 5

#define KS_MS_REC_HDR          9          /* len, crc, type */
#define KS_MS_SNAP_MAGIC       "KSMSNAP1"
#define KS_MS_SNAP_MIN_ROTATE  (4u << 20)
#define KS_MS_MAX_TTL          (10LL * 365 * 86400)

typedef struct ks_ms_node {
    struct ks_ms_node *l, *r;
    uint32_t prio;
    char *key;
    size_t klen;
    uint8_t *val;
    size_t vlen;
    int64_t create_rev;
    int64_t mod_rev;
    int64_t version;
    int64_t lease;
} ks_ms_node_t;

typedef struct {
    int64_t id;
    int64_t ttl;
    int64_t deadline_us;
} ks_ms_lease_t;

typedef struct {
    int id;
    char *prefix;
    size_t plen;
    ks_ms_watch_cb cb;
    void *arg;
} ks_ms_watcher_t;

typedef struct ks_ms_pend {
    struct ks_ms_pend *next;
    bool is_watch;
    ks_ms_cb cb;
    void *arg;
    ks_ms_result_t res;
    int watch_id;
    int kind;
    ks_kv_t kv;
} ks_ms_pend_t;

typedef struct {
    uint8_t *p;
    size_t len, cap;
} ks_ms_buf_t;

typedef struct {
    const uint8_t *p, *end;
    int err;
} ks_ms_rd_t;

typedef struct {
    ks_metastore_t base;            /* first: metastore.c dispatches on it */
    struct event_base *evbase;
    struct event *flush_ev;
    struct event *lease_ev;

    char *dir;
    char *journal_path;
    int dir_fd, lock_fd, jfd;
    uint64_t gen;
    size_t journal_size;
    size_t rotate_at;

    /* state */
    ks_ms_node_t *root;
    size_t nkeys;
    uint32_t rng;
    int64_t revision;
    int64_t next_lease_id;
    ks_ms_lease_t *leases;
    size_t nleases, lcap;

    ks_ms_watcher_t *watches;
    size_t nwatches, wcap;
    int next_watch_id;

    /* group commit */
    ks_ms_pend_t *qhead, **qtail;
    ks_ms_buf_t wbuf;               /* records not yet written */
    ks_ms_buf_t rec;                /* record being built */
    bool failed;
    bool delivering;
    bool closing;

    /* apply() results */
    size_t deleted;
    bool lease_changed;
} ks_ms_emb_t;

/* ---- memory -------------------------------------------------------- */

static void *
ks_ms_xalloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL) {
        ks_log_error("metadata store out of memory allocating %zu bytes", n);
        abort();
    }
    return q;
}

static void *
ks_ms_dup(const void *p, size_t n)
{
    uint8_t *q = ks_ms_xalloc(NULL, n + 1);

    if (n > 0)
        memcpy(q, p, n);
    q[n] = 0;
    return q;
}

static char *
ks_ms_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = ks_ms_xalloc(NULL, n);

    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void
ks_ms_buf_reserve(ks_ms_buf_t *b, size_t n)
{
    if (b->cap - b->len >= n)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n)
        cap *= 2;
    b->p = ks_ms_xalloc(b->p, cap);
    b->cap = cap;
}

static void
ks_ms_buf_add(ks_ms_buf_t *b, const void *p, size_t n)
{
    ks_ms_buf_reserve(b, n);
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void
ks_ms_buf_u8(ks_ms_buf_t *b, uint8_t v)
{
    ks_ms_buf_add(b, &v, 1);
}

static void
ks_ms_buf_u32(ks_ms_buf_t *b, uint32_t v)
{
    ks_ms_buf_reserve(b, 4);
    ks_put_be32(b->p + b->len, v);
    b->len += 4;
}

static void
ks_ms_buf_i64(ks_ms_buf_t *b, int64_t v)
{
    ks_ms_buf_reserve(b, 8);
    ks_put_be64(b->p + b->len, (uint64_t) v);
    b->len += 8;
}

static void
ks_ms_buf_bytes(ks_ms_buf_t *b, const void *p, size_t n)
{
    ks_ms_buf_u32(b, (uint32_t) n);
    ks_ms_buf_add(b, p, n);
}

static uint8_t
ks_ms_rd_u8(ks_ms_rd_t *r)
{
    if (r->err || r->end - r->p < 1) {
        r->err = 1;
        return 0;
    }
    return *r->p++;
}

static uint32_t
ks_ms_rd_u32(ks_ms_rd_t *r)
{
    uint32_t v;

    if (r->err || r->end - r->p < 4) {
        r->err = 1;
        return 0;
    }
    v = ks_be32(r->p);
    r->p += 4;
    return v;
}

static int64_t
ks_ms_rd_i64(ks_ms_rd_t *r)
{
    uint64_t v;

    if (r->err || r->end - r->p < 8) {
        r->err = 1;
        return 0;
    }
    v = ks_be64(r->p);
    r->p += 8;
    return (int64_t) v;
}

static const uint8_t *
ks_ms_rd_bytes(ks_ms_rd_t *r, size_t *len)
{
    const uint8_t *p;
    uint32_t n = ks_ms_rd_u32(r);

    if (r->err || (size_t) (r->end - r->p) < n) {
        r->err = 1;
        *len = 0;
        return NULL;
    }
    p = r->p;
    r->p += n;
    *len = n;
    return p;
}

static uint32_t
ks_ms_crc(const uint8_t *p, size_t n)
{
    uLong c = crc32(0L, Z_NULL, 0);

    while (n > 0) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt) n;
        c = crc32(c, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return (uint32_t) c;
}

/* ---- the ordered map (treap) ---------------------------------------- */

static int
ks_ms_keycmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, KS_MIN(al, bl));

    if (c != 0)
        return c;
    return al < bl ? -1 : al > bl;
}

static bool
ks_ms_has_prefix(const ks_ms_node_t *n, const char *p, size_t pl)
{
    return n->klen >= pl && memcmp(n->key, p, pl) == 0;
}

static uint32_t
ks_ms_rand(ks_ms_emb_t *ms)
{
    uint32_t x = ms->rng;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    ms->rng = x;
    return x;
}

static ks_ms_node_t *
ks_ms_find(const ks_ms_emb_t *ms, const char *k, size_t kl)
{
    ks_ms_node_t *t = ms->root;

    while (t != NULL) {
        int c = ks_ms_keycmp(t->key, t->klen, k, kl);
        if (c == 0)
            return t;
        t = c > 0 ? t->l : t->r;
    }
    return NULL;
}

/* Splits t into the keys before k (with pfx: before k or starting with k)
 * and the rest. */
static void
ks_ms_split(ks_ms_node_t *t, const char *k, size_t kl, bool pfx,
            ks_ms_node_t **a, ks_ms_node_t **b)
{
    if (t == NULL) {
        *a = *b = NULL;
        return;
    }
    if (ks_ms_keycmp(t->key, t->klen, k, kl) < 0 || (pfx && ks_ms_has_prefix(t, k, kl))) {
        ks_ms_split(t->r, k, kl, pfx, &t->r, b);
        *a = t;
    } else {
        ks_ms_split(t->l, k, kl, pfx, a, &t->l);
        *b = t;
    }
}

static ks_ms_node_t *
ks_ms_merge(ks_ms_node_t *a, ks_ms_node_t *b)
{
    if (a == NULL)
        return b;
    if (b == NULL)
        return a;
    if (a->prio > b->prio) {
        a->r = ks_ms_merge(a->r, b);
        return a;
    }
    b->l = ks_ms_merge(a, b->l);
    return b;
}

static void
ks_ms_insert(ks_ms_emb_t *ms, ks_ms_node_t *n)
{
    ks_ms_node_t *a, *b;

    n->l = n->r = NULL;
    n->prio = ks_ms_rand(ms);
    ks_ms_split(ms->root, n->key, n->klen, false, &a, &b);
    ms->root = ks_ms_merge(ks_ms_merge(a, n), b);
    ms->nkeys++;
}

static ks_ms_node_t *
ks_ms_erase(ks_ms_node_t *t, const char *k, size_t kl, ks_ms_node_t **out)
{
    int c;

    if (t == NULL)
        return NULL;
    c = ks_ms_keycmp(t->key, t->klen, k, kl);
    if (c == 0) {
        *out = t;
        return ks_ms_merge(t->l, t->r);
    }
    if (c > 0)
        t->l = ks_ms_erase(t->l, k, kl, out);
    else
        t->r = ks_ms_erase(t->r, k, kl, out);
    return t;
}

static void
ks_ms_node_free(ks_ms_node_t *n)
{
    free(n->key);
    free(n->val);
    free(n);
}

static void
ks_ms_tree_free(ks_ms_node_t *t)
{
    while (t != NULL) {
        ks_ms_node_t *r = t->r;
        ks_ms_tree_free(t->l);
        ks_ms_node_free(t);
        t = r;
    }
}

typedef void (*ks_ms_visit_fn)(void *ctx, const ks_ms_node_t *n);

/* In-order visit of the keys starting with prefix; stops after limit
 * (0 = all).  Returns how many were visited. */
static size_t
ks_ms_visit_prefix(const ks_ms_node_t *t, const char *p, size_t pl, size_t limit,
                   size_t done, ks_ms_visit_fn fn, void *ctx)
{
    while (t != NULL && (limit == 0 || done < limit)) {
        if (ks_ms_has_prefix(t, p, pl)) {
            done = ks_ms_visit_prefix(t->l, p, pl, limit, done, fn, ctx);
            if (limit != 0 && done >= limit)
                break;
            if (fn != NULL)
                fn(ctx, t);
            done++;
            t = t->r;
        } else if (ks_ms_keycmp(t->key, t->klen, p, pl) < 0) {
            t = t->r;
        } else {
            t = t->l;
        }
    }
    return done;
}

/* ---- leases -------------------------------------------------------- */

static ks_ms_lease_t *
ks_ms_lease_find(ks_ms_emb_t *ms, int64_t id)
{
    size_t i;

    for (i = 0; i < ms->nleases; i++)
        if (ms->leases[i].id == id)
            return &ms->leases[i];
    return NULL;
}

static void
ks_ms_lease_add(ks_ms_emb_t *ms, int64_t id, int64_t ttl)
{
    if (ms->nleases == ms->lcap) {
        ms->lcap = ms->lcap ? ms->lcap * 2 : 8;
        ms->leases = ks_ms_xalloc(ms->leases, ms->lcap * sizeof(*ms->leases));
    }
    ms->leases[ms->nleases].id = id;
    ms->leases[ms->nleases].ttl = ttl;
    ms->leases[ms->nleases].deadline_us = ks_mono_us() + ttl * 1000000;
    ms->nleases++;
    if (id >= ms->next_lease_id)
        ms->next_lease_id = id + 1;
    ms->lease_changed = true;
}

static void
ks_ms_lease_rearm(ks_ms_emb_t *ms)
{
    int64_t first = INT64_MAX, now;
    struct timeval tv;
    size_t i;

    if (ms->lease_ev == NULL)
        return;
    for (i = 0; i < ms->nleases; i++)
        first = KS_MIN(first, ms->leases[i].deadline_us);
    if (first == INT64_MAX) {
        evtimer_del(ms->lease_ev);
        return;
    }
    now = ks_mono_us();
    first = first > now ? first - now : 0;
    tv.tv_sec = (time_t) (first / 1000000);
    tv.tv_usec = (suseconds_t) (first % 1000000);
    evtimer_add(ms->lease_ev, &tv);
}

/* ---- pending results and watch events ------------------------------ */

static void
ks_ms_enqueue(ks_ms_emb_t *ms, ks_ms_pend_t *p)
{
    p->next = NULL;
    *ms->qtail = p;
    ms->qtail = &p->next;
    if (ms->flush_ev != NULL)
        event_active(ms->flush_ev, 0, 1);
}

static void
ks_ms_kv_fill(ks_kv_t *kv, const ks_ms_node_t *n)
{
    kv->key = ks_ms_dup(n->key, n->klen);
    kv->key_len = n->klen;
    kv->value = ks_ms_dup(n->val, n->vlen);
    kv->value_len = n->vlen;
    kv->create_rev = n->create_rev;
    kv->mod_rev = n->mod_rev;
    kv->version = n->version;
    kv->lease = n->lease;
}

static void
ks_ms_emit(ks_ms_emb_t *ms, int kind, const ks_ms_node_t *n, int64_t rev)
{
    size_t i;

    for (i = 0; i < ms->nwatches; i++) {
        ks_ms_watcher_t *w = &ms->watches[i];
        ks_ms_pend_t *p;

        if (!ks_ms_has_prefix(n, w->prefix, w->plen))
            continue;
        p = ks_ms_xalloc(NULL, sizeof(*p));
        memset(p, 0, sizeof(*p));
        p->is_watch = true;
        p->watch_id = w->id;
        p->kind = kind;
        ks_ms_kv_fill(&p->kv, n);
        if (kind == KS_MS_WATCH_DELETE) {
            /* as etcd: a delete event carries the deleting revision */
            p->kv.mod_rev = rev;
            p->kv.create_rev = 0;
            p->kv.version = 0;
            p->kv.value_len = 0;
            p->kv.value[0] = 0;
        }
        ks_ms_enqueue(ms, p);
    }
}

static ks_ms_pend_t *
ks_ms_result_new(ks_ms_emb_t *ms, ks_ms_cb cb, void *arg)
{
    ks_ms_pend_t *p = ks_ms_xalloc(NULL, sizeof(*p));

    memset(p, 0, sizeof(*p));
    p->cb = cb;
    p->arg = arg;
    p->res.rc = ms->failed ? KS_ERROR : KS_OK;
    p->res.error = ms->failed ? "metadata journal could not be written" : NULL;
    p->res.revision = ms->revision;
    return p;
}

static void
ks_ms_pend_free(ks_ms_pend_t *p)
{
    if (p->is_watch) {
        free(p->kv.key);
        free(p->kv.value);
    } else {
        ks_ms_result_free(&p->res);
    }
    free(p);
}

/* ---- applying records ---------------------------------------------- */

static void
ks_ms_delete_node(ks_ms_emb_t *ms, ks_ms_node_t *n, int64_t rev)
{
    ks_ms_emit(ms, KS_MS_WATCH_DELETE, n, rev);
    ks_ms_node_free(n);
    ms->nkeys--;
    ms->deleted++;
}

static void
ks_ms_delete_tree(ks_ms_emb_t *ms, ks_ms_node_t *t, int64_t rev)
{
    while (t != NULL) {
        ks_ms_node_t *r = t->r;
        ks_ms_delete_tree(ms, t->l, rev);
        ks_ms_delete_node(ms, t, rev);
        t = r;
    }
}

typedef struct {
    int64_t lease;
    ks_ms_node_t **v;
    size_t n, cap;
} ks_ms_collect_t;

static void
ks_ms_collect_lease(ks_ms_collect_t *c, ks_ms_node_t *t)
{
    while (t != NULL) {
        ks_ms_collect_lease(c, t->l);
        if (t->lease == c->lease) {
            if (c->n == c->cap) {
                c->cap = c->cap ? c->cap * 2 : 16;
                c->v = ks_ms_xalloc(c->v, c->cap * sizeof(*c->v));
            }
            c->v[c->n++] = t;
        }
        t = t->r;
    }
}

/*
 * Checks that the mutations of a WRITE payload (after its revision) are
 * well formed and possible in the current state; nothing is changed.
 */
static int
ks_ms_check_mutations(ks_ms_emb_t *ms, ks_ms_rd_t r)
{
    uint32_t n = ks_ms_rd_u32(&r), i;
    size_t kl, vl;

    for (i = 0; i < n && !r.err; i++) {
        uint8_t kind = ks_ms_rd_u8(&r);
        int64_t id, ttl;

        switch (kind) {
        case KS_MS_MUT_PUT:
            ks_ms_rd_bytes(&r, &kl);
            ks_ms_rd_bytes(&r, &vl);
            id = ks_ms_rd_i64(&r);
            if (kl == 0 || id < 0 || (id > 0 && ks_ms_lease_find(ms, id) == NULL))
                return KS_ERROR;
            break;
        case KS_MS_MUT_DEL:
        case KS_MS_MUT_DEL_PREFIX:
            ks_ms_rd_bytes(&r, &kl);
            break;
        case KS_MS_MUT_LEASE_GRANT:
            id = ks_ms_rd_i64(&r);
            ttl = ks_ms_rd_i64(&r);
            if (id <= 0 || id == INT64_MAX || ttl <= 0 || ttl > KS_MS_MAX_TTL
                || ks_ms_lease_find(ms, id) != NULL)
                return KS_ERROR;
            break;
        case KS_MS_MUT_LEASE_REVOKE:
            id = ks_ms_rd_i64(&r);
            if (id <= 0 || ks_ms_lease_find(ms, id) == NULL)
                return KS_ERROR;
            break;
        default:
            return KS_ERROR;
        }
    }
    if (r.err || r.p != r.end)
        return KS_ERROR;
    return KS_OK;
}

/*
 * Applies checked mutations with `rev` as the revision of every key they
 * change.  Returns true if a key changed.  Emits watch events.
 */
static bool
ks_ms_apply_mutations(ks_ms_emb_t *ms, ks_ms_rd_t r, int64_t rev)
{
    uint32_t n = ks_ms_rd_u32(&r), i;
    bool changed = false;

    for (i = 0; i < n; i++) {
        uint8_t kind = ks_ms_rd_u8(&r);
        const uint8_t *k, *v;
        size_t kl, vl;
        ks_ms_node_t *node, *a, *b, *c;
        int64_t id, ttl, lease;

        switch (kind) {
        case KS_MS_MUT_PUT:
            k = ks_ms_rd_bytes(&r, &kl);
            v = ks_ms_rd_bytes(&r, &vl);
            id = ks_ms_rd_i64(&r);
            /* checked before; only an odd record revoking it first gets here */
            lease = id > 0 && ks_ms_lease_find(ms, id) != NULL ? id : 0;
            node = ks_ms_find(ms, (const char *) k, kl);
            if (node != NULL) {
                free(node->val);
                node->val = ks_ms_dup(v, vl);
                node->vlen = vl;
                node->mod_rev = rev;
                node->version++;
                node->lease = lease;
            } else {
                node = ks_ms_xalloc(NULL, sizeof(*node));
                node->key = ks_ms_dup(k, kl);
                node->klen = kl;
                node->val = ks_ms_dup(v, vl);
                node->vlen = vl;
                node->create_rev = node->mod_rev = rev;
                node->version = 1;
                node->lease = lease;
                ks_ms_insert(ms, node);
            }
            ks_ms_emit(ms, KS_MS_WATCH_PUT, node, rev);
            changed = true;
            break;
        case KS_MS_MUT_DEL:
            k = ks_ms_rd_bytes(&r, &kl);
            node = NULL;
            ms->root = ks_ms_erase(ms->root, (const char *) k, kl, &node);
            if (node != NULL) {
                ks_ms_delete_node(ms, node, rev);
                changed = true;
            }
            break;
        case KS_MS_MUT_DEL_PREFIX:
            k = ks_ms_rd_bytes(&r, &kl);
            ks_ms_split(ms->root, (const char *) k, kl, false, &a, &b);
            ks_ms_split(b, (const char *) k, kl, true, &b, &c);
            ms->root = ks_ms_merge(a, c);
            if (b != NULL) {
                ks_ms_delete_tree(ms, b, rev);
                changed = true;
            }
            break;
        case KS_MS_MUT_LEASE_GRANT:
            id = ks_ms_rd_i64(&r);
            ttl = ks_ms_rd_i64(&r);
            if (ks_ms_lease_find(ms, id) == NULL)
                ks_ms_lease_add(ms, id, ttl);
            break;
        case KS_MS_MUT_LEASE_REVOKE: {
            ks_ms_collect_t col = { .lease = ks_ms_rd_i64(&r) };
            ks_ms_lease_t *l = ks_ms_lease_find(ms, col.lease);
            size_t j;

            if (l == NULL)
                break;
            ks_ms_collect_lease(&col, ms->root);
            for (j = 0; j < col.n; j++) {
                node = NULL;
                ms->root = ks_ms_erase(ms->root, col.v[j]->key, col.v[j]->klen, &node);
                if (node != NULL)
                    ks_ms_delete_node(ms, node, rev);
            }
            changed = changed || col.n > 0;
            free(col.v);
            *l = ms->leases[--ms->nleases];
            ms->lease_changed = true;
            break;
        }
        default:
            break;
        }
    }
    return changed;
}

/* Replays one WRITE payload; KS_ERROR (and no change) if it is bad. */
static int
ks_ms_replay_write(ks_ms_emb_t *ms, const uint8_t *p, size_t len)
{
    ks_ms_rd_t r = { p, p + len, 0 };
    int64_t rev = ks_ms_rd_i64(&r);

    if (r.err || (rev != ms->revision && (ms->revision == INT64_MAX || rev != ms->revision + 1)))
        return KS_ERROR;
    if (ks_ms_check_mutations(ms, r) != KS_OK)
        return KS_ERROR;
    ks_ms_apply_mutations(ms, r, rev);
    ms->revision = rev;
    return KS_OK;
}

/* Replays records from buf; returns the length of the clean prefix. */
static size_t
ks_ms_replay(ks_ms_emb_t *ms, const uint8_t *buf, size_t len, size_t *nrec)
{
    size_t off = 0;

    *nrec = 0;
    while (len - off >= KS_MS_REC_HDR) {
        uint32_t rlen = ks_be32(buf + off);
        uint32_t crc = ks_be32(buf + off + 4);
        const uint8_t *body = buf + off + 8;

        if (rlen < 1 || rlen > len - off - 8)
            break;
        if (ks_ms_crc(body, rlen) != crc)
            break;
        if (body[0] != KS_MS_REC_WRITE || ks_ms_replay_write(ms, body + 1, rlen - 1) != KS_OK)
            break;
        off += 8 + (size_t) rlen;
        (*nrec)++;
    }
    return off;
}

/* ---- building records (live path) ---------------------------------- */

static void
ks_ms_rec_begin(ks_ms_emb_t *ms)
{
    ms->rec.len = 0;
    ks_ms_buf_reserve(&ms->rec, KS_MS_REC_HDR + 12);
    ms->rec.len = KS_MS_REC_HDR - 1;
    ks_ms_buf_u8(&ms->rec, KS_MS_REC_WRITE);
    ks_ms_buf_i64(&ms->rec, 0);                 /* revision, patched */
    ks_ms_buf_u32(&ms->rec, 0);                 /* count, patched */
}

static void
ks_ms_rec_put(ks_ms_emb_t *ms, const char *k, size_t kl, const void *v, size_t vl, int64_t lease)
{
    ks_ms_buf_u8(&ms->rec, KS_MS_MUT_PUT);
    ks_ms_buf_bytes(&ms->rec, k, kl);
    ks_ms_buf_bytes(&ms->rec, v, vl);
    ks_ms_buf_i64(&ms->rec, lease);
}

static void
ks_ms_rec_key(ks_ms_emb_t *ms, uint8_t kind, const char *k, size_t kl)
{
    ks_ms_buf_u8(&ms->rec, kind);
    ks_ms_buf_bytes(&ms->rec, k, kl);
}

static void
ks_ms_rec_lease(ks_ms_emb_t *ms, uint8_t kind, int64_t id, int64_t ttl)
{
    ks_ms_buf_u8(&ms->rec, kind);
    ks_ms_buf_i64(&ms->rec, id);
    if (kind == KS_MS_MUT_LEASE_GRANT)
        ks_ms_buf_i64(&ms->rec, ttl);
}

/*
 * Applies the record built in ms->rec holding `n` mutations to memory and
 * appends it to the journal write buffer when it changed anything.
 * Returns the number of keys deleted.
 */
static size_t
ks_ms_rec_commit(ks_ms_emb_t *ms, uint32_t n)
{
    uint8_t *p = ms->rec.p;
    ks_ms_rd_t r = { p + KS_MS_REC_HDR + 8, p + ms->rec.len, 0 };
    bool changed;

    ks_put_be32(p + KS_MS_REC_HDR + 8, n);
    ms->deleted = 0;
    ms->lease_changed = false;
    changed = ks_ms_apply_mutations(ms, r, ms->revision + 1);
    if (changed)
        ms->revision++;
    if (changed || ms->lease_changed) {
        uint32_t body = (uint32_t) (ms->rec.len - 8);

        ks_put_be64(p + KS_MS_REC_HDR, (uint64_t) ms->revision);
        ks_put_be32(p, body);
        ks_put_be32(p + 4, ks_ms_crc(p + 8, body));
        ks_ms_buf_add(&ms->wbuf, p, ms->rec.len);
        if (ms->flush_ev != NULL)
            event_active(ms->flush_ev, 0, 1);
    }
    if (ms->lease_changed)
        ks_ms_lease_rearm(ms);
    return ms->deleted;
}

/* ---- files --------------------------------------------------------- */

static int
ks_ms_write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return KS_ERROR;
        }
        p += w;
        n -= (size_t) w;
    }
    return KS_OK;
}

static int
ks_ms_read_file(const char *path, uint8_t **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint8_t *buf;
    size_t got = 0;

    *out = NULL;
    *len = 0;
    if (fd < 0)
        return KS_ERROR;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return KS_ERROR;
    }
    buf = ks_ms_xalloc(NULL, (size_t) st.st_size);
    while (got < (size_t) st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t) st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return KS_ERROR;
        }
        if (r == 0)
            break;
        got += (size_t) r;
    }
    close(fd);
    *out = buf;
    *len = got;
    return KS_OK;
}

static char *
ks_ms_journal_name(const char *dir, uint64_t gen)
{
    char name[64];

    snprintf(name, sizeof(name), "journal-%016" PRIx64 ".log", gen);
    return ks_ms_path(dir, name);
}

static void
ks_ms_snap_node(void *ctx, const ks_ms_node_t *n)
{
    ks_ms_buf_t *b = ctx;

    ks_ms_buf_bytes(b, n->key, n->klen);
    ks_ms_buf_bytes(b, n->val, n->vlen);
    ks_ms_buf_i64(b, n->create_rev);
    ks_ms_buf_i64(b, n->mod_rev);
    ks_ms_buf_i64(b, n->version);
    ks_ms_buf_i64(b, n->lease);
}

/* Writes the whole state as a snapshot naming journal `gen`, atomically. */
static int
ks_ms_snapshot_write(ks_ms_emb_t *ms, uint64_t gen, size_t *size, bool *renamed)
{
    ks_ms_buf_t b = { 0 };
    char *tmp = ks_ms_path(ms->dir, "snapshot.tmp");
    char *dst = ks_ms_path(ms->dir, "snapshot");
    int fd = -1, rc = KS_ERROR;
    size_t i;

    ks_ms_buf_add(&b, KS_MS_SNAP_MAGIC, 8);
    ks_ms_buf_i64(&b, (int64_t) gen);
    ks_ms_buf_i64(&b, ms->revision);
    ks_ms_buf_i64(&b, ms->next_lease_id);
    ks_ms_buf_u32(&b, (uint32_t) ms->nleases);
    for (i = 0; i < ms->nleases; i++) {
        ks_ms_buf_i64(&b, ms->leases[i].id);
        ks_ms_buf_i64(&b, ms->leases[i].ttl);
    }
    ks_ms_buf_i64(&b, (int64_t) ms->nkeys);
    ks_ms_visit_prefix(ms->root, "", 0, 0, 0, ks_ms_snap_node, &b);
    ks_ms_buf_u32(&b, ks_ms_crc(b.p, b.len));

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ks_ms_write_all(fd, b.p, b.len) != KS_OK || fsync(fd) < 0) {
        ks_log_error("could not write metadata snapshot %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        ks_log_error("could not write metadata snapshot %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, dst) < 0) {
        ks_log_error("could not rename metadata snapshot %s to %s: %s", tmp, dst, strerror(errno));
        goto out;
    }
    *renamed = true;
    *size = b.len;
    if (fsync(ms->dir_fd) < 0) {
        ks_log_error("could not sync metadata directory %s: %s", ms->dir, strerror(errno));
        goto out;
    }
    rc = KS_OK;
out:
    if (fd >= 0)
        close(fd);
    if (rc != KS_OK)
        unlink(tmp);
    free(b.p);
    free(tmp);
    free(dst);
    return rc;
}

static int
ks_ms_snapshot_load(ks_ms_emb_t *ms, const uint8_t *buf, size_t len, const char **why)
{
    ks_ms_rd_t r;
    uint32_t nleases, i;
    int64_t nkeys, k;
    ks_ms_node_t *prev = NULL;

    *why = "too short";
    if (len < 8 + 8 * 3 + 4 + 8 + 4 || memcmp(buf, KS_MS_SNAP_MAGIC, 8) != 0) {
        if (len >= 8)
            *why = "bad magic";
        return KS_ERROR;
    }
    *why = "checksum mismatch";
    if (ks_ms_crc(buf, len - 4) != ks_be32(buf + len - 4))
        return KS_ERROR;
    *why = "bad contents";
    r.p = buf + 8;
    r.end = buf + len - 4;
    r.err = 0;
    ms->gen = (uint64_t) ks_ms_rd_i64(&r);
    ms->revision = ks_ms_rd_i64(&r);
    ms->next_lease_id = ks_ms_rd_i64(&r);
    if (ms->revision < 0 || ms->next_lease_id < 1)
        return KS_ERROR;
    nleases = ks_ms_rd_u32(&r);
    if (r.err || nleases > (size_t) (r.end - r.p) / 16)
        return KS_ERROR;
    for (i = 0; i < nleases; i++) {
        int64_t id = ks_ms_rd_i64(&r), ttl = ks_ms_rd_i64(&r);
        if (id <= 0 || id == INT64_MAX || ttl <= 0 || ttl > KS_MS_MAX_TTL
            || ks_ms_lease_find(ms, id) != NULL)
            return KS_ERROR;
        ks_ms_lease_add(ms, id, ttl);
    }
    nkeys = ks_ms_rd_i64(&r);
    if (r.err || nkeys < 0 || (uint64_t) nkeys > (size_t) (r.end - r.p) / 40)
        return KS_ERROR;
    for (k = 0; k < nkeys; k++) {
        ks_ms_node_t *n;
        const uint8_t *key, *val;
        size_t kl, vl;
        int64_t cr, mr, ver, lease;

        key = ks_ms_rd_bytes(&r, &kl);
        val = ks_ms_rd_bytes(&r, &vl);
        cr = ks_ms_rd_i64(&r);
        mr = ks_ms_rd_i64(&r);
        ver = ks_ms_rd_i64(&r);
        lease = ks_ms_rd_i64(&r);
        if (r.err || kl == 0 || lease < 0 || (lease > 0 && ks_ms_lease_find(ms, lease) == NULL))
            return KS_ERROR;
        if (prev != NULL && ks_ms_keycmp(prev->key, prev->klen, (const char *) key, kl) >= 0)
            return KS_ERROR;        /* keys are stored sorted, once each */
        n = ks_ms_xalloc(NULL, sizeof(*n));
        n->key = ks_ms_dup(key, kl);
        n->klen = kl;
        n->val = ks_ms_dup(val, vl);
        n->vlen = vl;
        n->create_rev = cr;
        n->mod_rev = mr;
        n->version = ver;
        n->lease = lease;
        ks_ms_insert(ms, n);
        prev = n;
    }
    if (r.err || r.p != r.end)
        return KS_ERROR;
    return KS_OK;
}

/* Removes journals other than the current one and a left-over tmp file. */
static void
ks_ms_cleanup_dir(ks_ms_emb_t *ms)
{
    DIR *d = opendir(ms->dir);
    struct dirent *de;
    char *tmp = ks_ms_path(ms->dir, "snapshot.tmp");

    unlink(tmp);
    free(tmp);
    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        unsigned long long g;
        char name[64];

        if (sscanf(de->d_name, "journal-%16llx.log", &g) != 1 || (uint64_t) g == ms->gen)
            continue;
        snprintf(name, sizeof(name), "journal-%016llx.log", g);
        if (strcmp(name, de->d_name) == 0) {
            char *p = ks_ms_path(ms->dir, de->d_name);
            if (unlink(p) == 0)
                ks_log_info("removed old metadata journal %s", p);
            free(p);
        }
    }
    closedir(d);
}

/* Snapshot + new journal.  The write buffer must be empty. */
static int
ks_ms_rotate(ks_ms_emb_t *ms)
{
    uint64_t gen = ms->gen + 1;
    char *path = ks_ms_journal_name(ms->dir, gen);
    int fd;
    size_t size = 0;
    bool renamed = false;

    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0 || fsync(fd) < 0) {
        ks_log_error("could not create metadata journal %s: %s", path, strerror(errno));
        goto fail;
    }
    if (ks_ms_snapshot_write(ms, gen, &size, &renamed) != KS_OK) {
        if (!renamed)
            goto fail;
        /* the new snapshot may or may not survive a crash: keep both
         * journals and stop writing; a restart sorts it out */
        ks_log_error("metadata store failed while switching to journal %s", path);
        ms->failed = true;
        close(ms->jfd);
        free(ms->journal_path);
        ms->journal_path = path;
        ms->jfd = fd;
        ms->gen = gen;
        return KS_ERROR;
    }
    close(ms->jfd);
    unlink(ms->journal_path);
    free(ms->journal_path);
    ms->journal_path = path;
    ms->jfd = fd;
    ms->gen = gen;
    ms->journal_size = 0;
    ms->rotate_at = KS_MAX((size_t) KS_MS_SNAP_MIN_ROTATE, 2 * size);
    ks_log_info("wrote metadata snapshot at revision %" PRId64 " (%zu keys, %zu bytes)",
                ms->revision, ms->nkeys, size);
    return KS_OK;
fail:
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    free(path);
    /* try again after the journal grew by another threshold */
    ms->rotate_at = ms->journal_size + KS_MAX((size_t) KS_MS_SNAP_MIN_ROTATE, ms->rotate_at / 2);
    return KS_ERROR;
}

static int
ks_ms_journal_flush(ks_ms_emb_t *ms)
{
    if (ms->wbuf.len == 0 || ms->failed)
        return ms->failed ? KS_ERROR : KS_OK;
    if (ks_ms_write_all(ms->jfd, ms->wbuf.p, ms->wbuf.len) != KS_OK || fdatasync(ms->jfd) < 0) {
        ks_log_error("could not write metadata journal %s: %s; metadata store failed",
                     ms->journal_path, strerror(errno));
        ms->failed = true;
        ms->wbuf.len = 0;
        return KS_ERROR;
    }
    ms->journal_size += ms->wbuf.len;
    ms->wbuf.len = 0;
    return KS_OK;
}

/* ---- the event loop side ------------------------------------------- */

static void ks_ms_destroy(ks_ms_emb_t *ms);

static ks_ms_watcher_t *
ks_ms_watch_find(ks_ms_emb_t *ms, int id)
{
    size_t i;

    for (i = 0; i < ms->nwatches; i++)
        if (ms->watches[i].id == id)
            return &ms->watches[i];
    return NULL;
}

static void
ks_ms_flush_cb(evutil_socket_t fd, short what, void *arg)
{
    ks_ms_emb_t *ms = arg;
    ks_ms_pend_t *p, *next;
    bool ok = ks_ms_journal_flush(ms) == KS_OK;

    p = ms->qhead;
    ms->qhead = NULL;
    ms->qtail = &ms->qhead;
    ms->delivering = true;
    for (; p != NULL; p = next) {
        next = p->next;
        if (!ms->closing) {
            if (p->is_watch) {
                ks_ms_watcher_t *w = ks_ms_watch_find(ms, p->watch_id);
                if (ok && w != NULL)
                    w->cb(w->arg, p->kind, &p->kv);
            } else if (p->cb != NULL) {
                if (!ok) {
                    ks_ms_result_free(&p->res);
                    p->res.rc = KS_ERROR;
                    p->res.error = "metadata journal could not be written";
                }
                p->cb(p->arg, &p->res);
            }
        }
        ks_ms_pend_free(p);
    }
    ms->delivering = false;
    if (ms->closing) {
        ks_ms_journal_flush(ms);
        ks_ms_destroy(ms);
        return;
    }
    if (ok && ms->wbuf.len == 0 && ms->journal_size > ms->rotate_at)
        ks_ms_rotate(ms);
}

static void
ks_ms_lease_cb(evutil_socket_t fd, short what, void *arg)
{
    ks_ms_emb_t *ms = arg;
    int64_t now = ks_mono_us();
    size_t i = 0;

    if (ms->failed)
        return;
    while (i < ms->nleases) {
        ks_ms_lease_t *l = &ms->leases[i];
        if (l->deadline_us > now) {
            i++;
            continue;
        }
        int64_t id = l->id;
        size_t n;

        ks_ms_rec_begin(ms);
        ks_ms_rec_lease(ms, KS_MS_MUT_LEASE_REVOKE, id, 0);
        n = ks_ms_rec_commit(ms, 1);     /* removes leases[i] */
        ks_log_info("metadata lease %" PRId64 " expired, deleted %zu keys", id, n);
    }
    ks_ms_lease_rearm(ms);
}

/* ---- open / close -------------------------------------------------- */

static void
ks_ms_destroy(ks_ms_emb_t *ms)
{
    ks_ms_pend_t *p, *next;
    size_t i;

    for (p = ms->qhead; p != NULL; p = next) {
        next = p->next;
        ks_ms_pend_free(p);
    }
    if (ms->flush_ev != NULL)
        event_free(ms->flush_ev);
    if (ms->lease_ev != NULL)
        event_free(ms->lease_ev);
    if (ms->jfd >= 0)
        close(ms->jfd);
    if (ms->lock_fd >= 0)
        close(ms->lock_fd);          /* releases the flock */
    if (ms->dir_fd >= 0)
        close(ms->dir_fd);
    ks_ms_tree_free(ms->root);
    for (i = 0; i < ms->nwatches; i++)
        free(ms->watches[i].prefix);
    free(ms->watches);
    free(ms->leases);
    free(ms->wbuf.p);
    free(ms->rec.p);
    free(ms->dir);
    free(ms->journal_path);
    free(ms);
}

static ks_ms_emb_t *
ks_ms_alloc(void)
{
    ks_ms_emb_t *ms = ks_ms_xalloc(NULL, sizeof(*ms));

    memset(ms, 0, sizeof(*ms));
    ms->dir_fd = ms->lock_fd = ms->jfd = -1;
    ms->qtail = &ms->qhead;
    ms->next_lease_id = 1;
    ms->rng = 0x9e3779b9u;
    ms->rotate_at = KS_MS_SNAP_MIN_ROTATE;
    return ms;
}

static int
ks_ms_mkdir(const char *path, char *err, size_t errlen)
{
    if (mkdir(path, 0700) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "could not create metadata directory %s: %s", path, strerror(errno));
        return KS_ERROR;
    }
    return KS_OK;
}

static ks_metastore_t *
ks_ms_emb_open(struct event_base *base, const ks_ms_config_t *cfg, char *err, size_t errlen)
{
    ks_ms_emb_t *ms;
    char *path = NULL;
    uint8_t *buf = NULL;
    size_t len, good, nrec;
    struct stat st;
    bool created;
    const char *why;

    if (cfg->data_dir == NULL || cfg->data_dir[0] == '\0') {
        snprintf(err, errlen, "embedded metadata store needs data.dir");
        return NULL;
    }
    ms = ks_ms_alloc();
    ms->evbase = base;
    ms->dir = ks_ms_path(cfg->data_dir, "meta");
    if (ks_ms_mkdir(cfg->data_dir, err, errlen) != KS_OK || ks_ms_mkdir(ms->dir, err, errlen) != KS_OK)
        goto fail;
    ms->dir_fd = open(ms->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ms->dir_fd < 0) {
        snprintf(err, errlen, "could not open metadata directory %s: %s", ms->dir, strerror(errno));
        goto fail;
    }

    path = ks_ms_path(ms->dir, "lock");
    ms->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (ms->lock_fd < 0) {
        snprintf(err, errlen, "could not open metadata lock file %s: %s", path, strerror(errno));
        goto fail;
    }
    if (flock(ms->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            snprintf(err, errlen, "metadata store %s is in use by another process "
                     "(is another kafscaled running with this data.dir?)", ms->dir);
        else
            snprintf(err, errlen, "could not lock %s: %s", path, strerror(errno));
        goto fail;
    }
    free(path);

    path = ks_ms_path(ms->dir, "snapshot");
    if (ks_ms_read_file(path, &buf, &len) == KS_OK) {
        if (ks_ms_snapshot_load(ms, buf, len, &why) != KS_OK) {
            snprintf(err, errlen, "metadata snapshot %s is corrupt (%s); refusing to start", path, why);
            goto fail;
        }
        ms->rotate_at = KS_MAX((size_t) KS_MS_SNAP_MIN_ROTATE, 2 * len);
    } else if (errno != ENOENT) {
        snprintf(err, errlen, "could not read metadata snapshot %s: %s", path, strerror(errno));
        goto fail;
    }
    free(buf);
    buf = NULL;
    free(path);
    path = NULL;

    ms->journal_path = ks_ms_journal_name(ms->dir, ms->gen);
    created = stat(ms->journal_path, &st) < 0;
    if (!created) {
        if (ks_ms_read_file(ms->journal_path, &buf, &len) != KS_OK) {
            snprintf(err, errlen, "could not read metadata journal %s: %s", ms->journal_path,
                     strerror(errno));
            goto fail;
        }
        good = ks_ms_replay(ms, buf, len, &nrec);
        free(buf);
        buf = NULL;
        if (good < len) {
            ks_log_warn("metadata journal %s has a torn or corrupt record at offset %zu, "
                        "dropping the last %zu bytes", ms->journal_path, good, len - good);
            if (truncate(ms->journal_path, (off_t) good) < 0) {
                snprintf(err, errlen, "could not truncate metadata journal %s: %s",
                         ms->journal_path, strerror(errno));
                goto fail;
            }
        }
        ms->journal_size = good;
    }
    ms->jfd = open(ms->journal_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (ms->jfd < 0 || fsync(ms->jfd) < 0 || (created && fsync(ms->dir_fd) < 0)) {
        snprintf(err, errlen, "could not open metadata journal %s: %s", ms->journal_path,
                 strerror(errno));
        goto fail;
    }
    ks_ms_cleanup_dir(ms);

    ms->flush_ev = event_new(base, -1, 0, ks_ms_flush_cb, ms);
    ms->lease_ev = evtimer_new(base, ks_ms_lease_cb, ms);
    if (ms->flush_ev == NULL || ms->lease_ev == NULL) {
        snprintf(err, errlen, "could not create metadata store events");
        goto fail;
    }
    ks_ms_lease_rearm(ms);      /* every lease got a fresh full TTL */
    ks_log_info("metadata store %s open at revision %" PRId64 ": %zu keys, %zu leases",
                ms->dir, ms->revision, ms->nkeys, ms->nleases);
    return &ms->base;
fail:
    free(buf);
    free(path);
    ks_ms_destroy(ms);
    return NULL;
}

static void
ks_ms_emb_close(ks_metastore_t *base)
{
    ks_ms_emb_t *ms = (ks_ms_emb_t *) base;

    if (ms->delivering) {       /* closed from inside one of our callbacks */
        ms->closing = true;
        return;
    }
    /* writes made so far become durable; their callbacks are not called */
    ks_ms_journal_flush(ms);
    ks_ms_destroy(ms);
}

/* ---- the API ------------------------------------------------------- */

static void
ks_ms_range_add(void *ctx, const ks_ms_node_t *n)
{
    ks_ms_result_t *res = ctx;

    ks_ms_kv_fill(&res->kvs[res->nkvs++], n);
}

static int
ks_ms_emb_range(ks_metastore_t *base, const char *prefix, size_t limit, ks_ms_cb cb, void *arg)
{
    ks_ms_emb_t *ms = (ks_ms_emb_t *) base;
    ks_ms_pend_t *p = ks_ms_result_new(ms, cb, arg);
    size_t pl = strlen(prefix), n;

    if (!ms->failed) {
        p->res.count = ks_ms_visit_prefix(ms->root, prefix, pl, 0, 0, NULL, NULL);
        n = limit == 0 ? p->res.count : KS_MIN(limit, p->res.count);
        p->res.kvs = ks_ms_xalloc(NULL, n * sizeof(ks_kv_t));
        ks_ms_visit_prefix(ms->root, prefix, pl, n, 0, ks_ms_range_add, &p->res);
    }
    ks_ms_enqueue(ms, p);
    return KS_OK;
}

static int
ks_ms_emb_get(ks_metastore_t *base, const char *key, ks_ms_cb cb, void *arg)
{
    ks_ms_emb_t *ms = (ks_ms_emb_t *) base;
    ks_ms_pend_t *p = ks_ms_result_new(ms, cb, arg);
    ks_ms_node_t *n = ms->failed ? NULL : ks_ms_find(ms, key, strlen(key));

    if (n != NULL) {
        p->res.count = 1;
        p->res.kvs = ks_ms_xalloc(NULL, sizeof(ks_kv_t));
        ks_ms_kv_fill(&p->res.kvs[0], n);
        p->res.nkvs = 1;
    }
    ks_ms_enqueue(ms, p);
    return KS_OK;
}

static int
ks_ms_emb_put(ks_metastore_t *base, const char *key, const void *value, size_t len,
              int64_t lease, ks_ms_cb cb, void *arg)
{
    ks_ms_emb_t *ms = (ks_ms_emb_t *) base;
    ks_ms_pend_t *p;
    size_t kl = strlen(key);

    if (kl == 0 || kl > UINT32_MAX || len > UINT32_MAX / 2 || lease < 0)
        return KS_ERROR;
    p = ks_ms_result_new(ms, cb, arg);
    if (!ms->failed) {
        if (lease > 0 && ks_ms_lease_find(ms, lease) == NULL) {
            p->res.rc = KS_ERROR;
            p->res.error = "lease not found";
        } else {
            ks_ms_rec_begin(ms);
            ks_ms_rec_put(ms, key, kl, value, len, lease);
            ks_ms_rec_commit(ms, 1);
            p->res.revision = ms->revision;
        }
    }
    ks_ms_enqueue(ms, p);
    return KS_OK;
}

static int
ks_ms_emb_delete_kind(ks_ms_emb_t *ms, uint8_t kind, const char *key, ks_ms_cb cb, void *arg)
{
    ks_ms_pend_t *p;
    size_t kl = strlen(key);

    if (kl > UINT32_MAX)
        return KS_ERROR;
    p = ks_ms_result_new(ms, cb, arg);
    if (!ms->failed) {
        ks_ms_rec_begin(ms);
        ks_ms_rec_key(ms, kind, key, kl);
        p->res.count = ks_ms_rec_commit(ms, 1);
        p->res.revision = ms->revision;
    }
    ks_ms_enqueue(ms, p);
    return KS_OK;
}

static int
ks_ms_emb_delete(ks_metastore_t *base, const char *key, ks_ms_cb cb, void *arg)
{
    return ks_ms_emb_delete_kind((ks_ms_emb_t *) base, KS_MS_MUT_DEL, key, cb, arg);
}

static int
ks_ms_emb_delete_prefix(ks_metastore_t *base, const char *prefix, ks_ms_cb cb, void *arg)
{
    return ks_ms_emb_delete_kind((ks_ms_emb_t *) base, KS_MS_MUT_DEL_PREFIX, prefix, cb, arg);
}

static size_t
ks_ms_len(const char *s, size_t n)
{
    return n != 0 ? n : strlen(s);
}

static bool
ks_ms_cmp_holds(ks_ms_emb_t *ms, const ks_ms_cmp_t *c)
{
    const ks_ms_node_t *n = ks_ms_find(ms, c->key, ks_ms_len(c->key, c->key_len));
    int64_t have;
    int r;

    switch (c->target) {
    case KS_MS_CMP_MOD_REV:
        have = n ? n->mod_rev : 0;
        r = have < c->number ? -1 : have > c->number;
        break;
    case KS_MS_CMP_CREATE_REV:
        have = n ? n->create_rev : 0;
        r = have < c->number ? -1 : have > c->number;
        break;
    case KS_MS_CMP_VERSION:
        have = n ? n->version : 0;
        r = have < c->number ? -1 : have > c->number;
        break;
    default:                    /* KS_MS_CMP_VALUE: an absent key fails */
        if (n == NULL)
            return false;
        r = ks_ms_keycmp((const char *) n->val, n->vlen, c->value, c->value_len);
        break;
    }
    switch (c->result) {
    case KS_MS_CMP_EQ: return r == 0;
    case KS_MS_CMP_GT: return r > 0;
    case KS_MS_CMP_LT: return r < 0;
    default:           return r != 0;
    }
}

static int
ks_ms_emb_txn(ks_metastore_t *base, const ks_ms_cmp_t *cmp, size_t ncmp,
              const ks_ms_op_t *success, size_t nsuccess,
              const ks_ms_op_t *failure, size_t nfailure, ks_ms_cb cb, void *arg)
{
    ks_ms_emb_t *ms = (ks_ms_emb_t *) base;
    const ks_ms_op_t *ops;
    size_t i, nops, ngets = 0;
    uint32_t nmut = 0;
    bool ok = true;
    ks_ms_pend_t *p;

    /* reject malformed requests before looking at the state */
    for (i = 0; i < ncmp; i++) {
        const ks_ms_cmp_t *c = &cmp[i];
        if (c->key == NULL || c->target < KS_MS_CMP_MOD_REV || c->target > KS_MS_CMP_VALUE
            || c->result < KS_MS_CMP_EQ || c->result > KS_MS_CMP_NE
            || (c->target == KS_MS_CMP_VALUE && c->value == NULL && c->value_len > 0))
            return KS_ERROR;
    }
    for (i = 0; i < nsuccess + nfailure; i++) {
        const ks_ms_op_t *o = i < nsuccess ? &success[i] : &failure[i - nsuccess];
        if (o->key == NULL || o->kind < KS_MS_OP_PUT || o->kind > KS_MS_OP_GET)
            return KS_ERROR;
        if (o->kind == KS_MS_OP_PUT && (ks_ms_len(o->key, o->key_len) == 0
                                        || (o->value == NULL && o->value_len > 0)
                                        || o->value_len > UINT32_MAX / 2 || o->lease < 0))
            return KS_ERROR;
    }

    p = ks_ms_result_new(ms, cb, arg);
    if (ms->failed)
        goto out;
    for (i = 0; i < ncmp && ok; i++)
        ok = ks_ms_cmp_holds(ms, &cmp[i]);
    ops = ok ? success : failure;
    nops = ok ? nsuccess : nfailure;
    p->res.succeeded = ok;
    for (i = 0; i < nops; i++) {
        if (ops[i].kind == KS_MS_OP_PUT && ops[i].lease > 0
            && ks_ms_lease_find(ms, ops[i].lease) == NULL) {
            p->res.rc = KS_ERROR;
            p->res.error = "lease not found";
            goto out;
        }
        if (ops[i].kind == KS_MS_OP_GET)
            ngets++;
    }
    /* GET ops see the state before the txn's writes */
    if (ngets > 0)
        p->res.kvs = ks_ms_xalloc(NULL, ngets * sizeof(ks_kv_t));
    ks_ms_rec_begin(ms);
    for (i = 0; i < nops; i++) {
        const ks_ms_op_t *o = &ops[i];
        size_t kl = ks_ms_len(o->key, o->key_len);
        const ks_ms_node_t *n;

        switch (o->kind) {
        case KS_MS_OP_GET:
            n = ks_ms_find(ms, o->key, kl);
            if (n != NULL)
                ks_ms_kv_fill(&p->res.kvs[p->res.nkvs++], n);
            break;
        case KS_MS_OP_PUT:
            ks_ms_rec_put(ms, o->key, kl, o->value, o->value_len, o->lease);
            nmut++;
            break;
        case KS_MS_OP_DELETE:
            ks_ms_rec_key(ms, KS_MS_MUT_DEL, o->key, kl);
            nmut++;
            break;
        default:
            ks_ms_rec_key(ms, KS_MS_MUT_DEL_PREFIX, o->key, kl);
            nmut++;
            break;
        }
    }
    if (nmut > 0)
        p->res.count = ks_ms_rec_commit(ms, nmut);
    p->res.revision = ms->revision;
out:
    ks_ms_enqueue(ms, p);
    return KS_OK;
}

static int
ks_ms_emb_lease_grant(ks_metastore_t *base, int64_t ttl_s, ks_ms_cb cb, void *arg)
{
    ks_ms_emb_t *ms = (ks_ms_emb_t *) base;
    ks_ms_pend_t *p;

    if (ttl_s <= 0 || ttl_s > KS_MS_MAX_TTL)
        return KS_ERROR;
    p = ks_ms_result_new(ms, cb, arg);
    if (!ms->failed) {
        int64_t id = ms->next_lease_id;

        ks_ms_rec_begin(ms);
        ks_ms_rec_lease(ms, KS_MS_MUT_LEASE_GRANT, id, ttl_s);
        ks_ms_rec_commit(ms, 1);
        p->res.lease_id = id;
        p->res.lease_ttl = ttl_s;
    }
    ks_ms_enqueue(ms, p);
    return KS_OK;
}

static int
ks_ms_emb_lease_keepalive(ks_metastore_t *base, int64_t lease, ks_ms_cb cb, void *arg)
{
    ks_ms_emb_t *ms = (ks_ms_emb_t *) base;
    ks_ms_pend_t *p = ks_ms_result_new(ms, cb, arg);
    ks_ms_lease_t *l = ms->failed ? NULL : ks_ms_lease_find(ms, lease);

    p->res.lease_id = lease;
    if (l != NULL) {
        l->deadline_us = ks_mono_us() + l->ttl * 1000000;
        p->res.lease_ttl = l->ttl;
        ks_ms_lease_rearm(ms);
    }
    ks_ms_enqueue(ms, p);
    return KS_OK;
}

static int
ks_ms_emb_lease_revoke(ks_metastore_t *base, int64_t lease, ks_ms_cb cb, void *arg)
{
    ks_ms_emb_t *ms = (ks_ms_emb_t *) base;
    ks_ms_pend_t *p = ks_ms_result_new(ms, cb, arg);

    p->res.lease_id = lease;
    if (!ms->failed) {
        if (ks_ms_lease_find(ms, lease) == NULL) {
            p->res.rc = KS_ERROR;
            p->res.error = "lease not found";
        } else {
            ks_ms_rec_begin(ms);
            ks_ms_rec_lease(ms, KS_MS_MUT_LEASE_REVOKE, lease, 0);
            p->res.count = ks_ms_rec_commit(ms, 1);
            p->res.revision = ms->revision;
        }
    }
    ks_ms_enqueue(ms, p);
    return KS_OK;
}

static int
ks_ms_emb_watch(ks_metastore_t *base, const char *prefix, ks_ms_watch_cb cb, void *arg)
{
    ks_ms_emb_t *ms = (ks_ms_emb_t *) base;
    ks_ms_watcher_t *w;

    if (ms->next_watch_id == INT32_MAX)
        return KS_ERROR;
    if (ms->nwatches == ms->wcap) {
        ms->wcap = ms->wcap ? ms->wcap * 2 : 8;
        ms->watches = ks_ms_xalloc(ms->watches, ms->wcap * sizeof(*ms->watches));
    }
    w = &ms->watches[ms->nwatches++];
    w->id = ms->next_watch_id++;
    w->plen = strlen(prefix);
    w->prefix = ks_ms_dup(prefix, w->plen);
    w->cb = cb;
    w->arg = arg;
    return w->id;
}

static void
ks_ms_emb_unwatch(ks_metastore_t *base, int watch_id)
{
    ks_ms_emb_t *ms = (ks_ms_emb_t *) base;
    ks_ms_watcher_t *w = ks_ms_watch_find(ms, watch_id);

    if (w == NULL)
        return;
    free(w->prefix);
    *w = ms->watches[--ms->nwatches];
}

static int
ks_ms_emb_snapshot(ks_metastore_t *base)
{
    ks_ms_emb_t *ms = (ks_ms_emb_t *) base;

    /* queued callbacks stay queued; their records become durable here */
    if (ks_ms_journal_flush(ms) != KS_OK)
        return KS_ERROR;
    return ks_ms_rotate(ms);
}

const ks_ms_backend_t ks_ms_embedded_backend = {
    .name = "embedded",
    .open = ks_ms_emb_open,
    .close = ks_ms_emb_close,
    .get = ks_ms_emb_get,
    .range = ks_ms_emb_range,
    .put = ks_ms_emb_put,
    .del = ks_ms_emb_delete,
    .del_prefix = ks_ms_emb_delete_prefix,
    .txn = ks_ms_emb_txn,
    .lease_grant = ks_ms_emb_lease_grant,
    .lease_keepalive = ks_ms_emb_lease_keepalive,
    .lease_revoke = ks_ms_emb_lease_revoke,
    .watch = ks_ms_emb_watch,
    .unwatch = ks_ms_emb_unwatch,
    .snapshot = ks_ms_emb_snapshot,
};

size_t
ks_ms_embedded_replay_buffer(const uint8_t *buf, size_t len, size_t *valid_len)
{
    ks_ms_emb_t *ms = ks_ms_alloc();
    size_t nrec, good;

    good = ks_ms_replay(ms, buf, len, &nrec);
    if (valid_len != NULL)
        *valid_len = good;
    ks_ms_destroy(ms);
    return nrec;
}
