/*
 * ops.c: the ops HTTP endpoint: health, readiness, Prometheus metrics and
 * the JSON admin API (see ops.h).  Runs in: coordinator.
 *
 * Everything is answered from memory: shared memory (process table,
 * per-process counters, ring, partition slots), the coordinator's view of
 * the topics, and caches refreshed on a timer:
 *   - readiness: a metadata-store get and an object-store HEAD of a probe
 *     key every PROBE_MS; ready when both answered the last time;
 *   - groups and committed offsets: one ks_ms_range of /kafscale/consumers/
 *     every REFRESH_MS (and on demand for /api/v1/groups when the copy is
 *     older than a second), lag = high watermark - committed offset;
 *   - partitions not served here: their next_offset/log_start keys from one
 *     range of /kafscale/topics/.
 * No handler waits for anything but those asynchronous calls; nothing here
 * blocks the loop.  No secret (keys, passwords, endpoints with credentials)
 * is ever written out.
 *
 * Authentication (ops_authorized, called first for every request): with
 * ops.auth.token.file and/or ops.auth.basic.file set, every path but
 * /healthz and /readyz (load-balancer probes) needs "Authorization: Bearer
 * TOKEN" or basic credentials; else 401 with WWW-Authenticate, an info
 * line naming the peer and the path, and kafscale_ops_auth_failures_total.
 * The credentials are the configuration's (re-read on SIGHUP by
 * ks_reload_conf); src/opsauth.c compares them in constant time.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "coordinator.h"
#include "console.h"
#include "groups.h"
#include "log.h"
#include "objstore/objstore.h"
#include "ops.h"
#include "opsauth.h"
#include "sasl.h"
#include "shm/ring.h"
#include "stats.h"
#include "util.h"

#define PROBE_MS        5000
#define REFRESH_MS      3000
#define PROBE_STALE_MS  15000     /* a probe unanswered this long = not ready */
#define FRESH_MS        1000      /* /api/v1/groups refreshes older copies */
#define GROUPS_PREFIX   "/kafscale/consumers/"
#define TOPICS_PREFIX   "/kafscale/topics/"
#define PROBE_KEY       "/kafscale/cluster/id"

/* ---------- metadata-store timing ---------- */

enum {
    MS_GET = 0, MS_RANGE, MS_PUT, MS_DELETE, MS_DELETE_PREFIX, MS_TXN,
    MS_LEASE_GRANT, MS_LEASE_KEEPALIVE, MS_LEASE_REVOKE, MS_NOPS
};
static const char *const ms_op_names[MS_NOPS] = {
    "get", "range", "put", "delete", "delete_prefix", "txn",
    "lease_grant", "lease_keepalive", "lease_revoke"
};

typedef struct {
    uint64_t requests, errors;
    ks_stats_lat_t latency;       /* only this process writes it */
} ms_stat_t;

typedef struct {
    ks_ms_cb cb;
    void *arg;
    int op;
    int64_t start_us;
} ms_wrap_t;

/* ---------- cached store data ---------- */

typedef struct {
    char *topic;
    int32_t partition;
    int64_t offset;
} og_off_t;

typedef struct {
    char *name;
    cJSON *meta;                  /* the stored group document, or NULL */
    og_off_t *offs;
    size_t noffs, capoffs;
} og_group_t;

typedef struct {
    char *topic;
    int32_t partition;
    int64_t next_offset, log_start;
} ot_part_t;

/* A request waiting for a fresh copy of the groups. */
typedef struct waiter {
    struct evhttp_request *req;
    char *name;                   /* NULL = every group */
    uint64_t need_seq;            /* answered by a read issued at or after this */
    struct waiter *next;
} waiter_t;

static struct {
    bool on;
    char addr[300];
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    struct event *timer;
    ks_objstore_t *os;
    int64_t started_ms;
    int64_t next_probe_ms;
    /* readiness */
    bool ms_ok, os_ok;
    bool ms_probing, os_probing;
    int64_t ms_probe_start, os_probe_start;
    char ms_err[256], os_err[256];
    /* metadata-store timing */
    const ks_ms_backend_t *orig;
    ks_ms_backend_t wrap;
    ms_stat_t ms[MS_NOPS];
    /* caches */
    og_group_t *groups;
    size_t ngroups;
    int64_t groups_ms;            /* when the copy was read, 0 = never */
    bool groups_loading;
    uint64_t groups_seq;          /* reads of the groups issued so far */
    waiter_t *waiters;
    ot_part_t *tparts;
    size_t ntparts;
    bool topics_loading;
    /* authentication */
    ks_opsauth_t *auth;
    uint64_t auth_failures;
} O;

static void
ms_observe(int op, int rc, int64_t us)
{
    ms_stat_t *s = &O.ms[op];

    s->requests++;
    if (rc != KS_OK)
        s->errors++;
    ks_stats_lat_observe(&s->latency, us > 0 ? (uint64_t) us : 0);
}

static void
ms_done(void *arg, const ks_ms_result_t *res)
{
    ms_wrap_t *w = arg;

    ms_observe(w->op, res->rc, ks_mono_us() - w->start_us);
    if (w->cb != NULL)
        w->cb(w->arg, res);
    free(w);
}

static ms_wrap_t *
ms_wrap(int op, ks_ms_cb cb, void *arg)
{
    ms_wrap_t *w = malloc(sizeof(*w));

    if (w != NULL) {
        w->cb = cb;
        w->arg = arg;
        w->op = op;
        w->start_us = ks_mono_us();
    }
    return w;
}

/* Each wrapper starts the real call with ms_done as callback; without
 * memory for the wrapper the call goes through untimed. */
#define MS_WRAPPED(op, call_with, call_without)            \
    do {                                                   \
        ms_wrap_t *w_ = ms_wrap(op, cb, arg);              \
        int rc_;                                           \
        if (w_ == NULL)                                    \
            return call_without;                           \
        rc_ = call_with;                                   \
        if (rc_ != KS_OK)                                  \
            free(w_);                                      \
        return rc_;                                        \
    } while (0)

static int
w_get(ks_metastore_t *ms, const char *key, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_GET, O.orig->get(ms, key, ms_done, w_), O.orig->get(ms, key, cb, arg));
}

static int
w_range(ks_metastore_t *ms, const char *prefix, size_t limit, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_RANGE, O.orig->range(ms, prefix, limit, ms_done, w_),
               O.orig->range(ms, prefix, limit, cb, arg));
}

static int
w_put(ks_metastore_t *ms, const char *key, const void *value, size_t len, int64_t lease,
      ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_PUT, O.orig->put(ms, key, value, len, lease, ms_done, w_),
               O.orig->put(ms, key, value, len, lease, cb, arg));
}

static int
w_del(ks_metastore_t *ms, const char *key, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_DELETE, O.orig->del(ms, key, ms_done, w_), O.orig->del(ms, key, cb, arg));
}

static int
w_del_prefix(ks_metastore_t *ms, const char *prefix, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_DELETE_PREFIX, O.orig->del_prefix(ms, prefix, ms_done, w_),
               O.orig->del_prefix(ms, prefix, cb, arg));
}

static int
w_txn(ks_metastore_t *ms, const ks_ms_cmp_t *cmp, size_t ncmp, const ks_ms_op_t *success,
      size_t nsuccess, const ks_ms_op_t *failure, size_t nfailure, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_TXN, O.orig->txn(ms, cmp, ncmp, success, nsuccess, failure, nfailure, ms_done, w_),
               O.orig->txn(ms, cmp, ncmp, success, nsuccess, failure, nfailure, cb, arg));
}

static int
w_lease_grant(ks_metastore_t *ms, int64_t ttl_s, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_LEASE_GRANT, O.orig->lease_grant(ms, ttl_s, ms_done, w_),
               O.orig->lease_grant(ms, ttl_s, cb, arg));
}

static int
w_lease_keepalive(ks_metastore_t *ms, int64_t lease, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_LEASE_KEEPALIVE, O.orig->lease_keepalive(ms, lease, ms_done, w_),
               O.orig->lease_keepalive(ms, lease, cb, arg));
}

static int
w_lease_revoke(ks_metastore_t *ms, int64_t lease, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_LEASE_REVOKE, O.orig->lease_revoke(ms, lease, ms_done, w_),
               O.orig->lease_revoke(ms, lease, cb, arg));
}

/* The coordinator's store handle gets a copy of its backend table whose
 * one-shot calls are timed; watches and the rest go straight through. */
static void
ms_timing_install(void)
{
    if (ks_C.ms == NULL || O.orig != NULL)
        return;
    O.orig = ks_C.ms->backend;
    O.wrap = *O.orig;
    O.wrap.get = w_get;
    O.wrap.range = w_range;
    O.wrap.put = w_put;
    O.wrap.del = w_del;
    O.wrap.del_prefix = w_del_prefix;
    O.wrap.txn = w_txn;
    O.wrap.lease_grant = w_lease_grant;
    O.wrap.lease_keepalive = w_lease_keepalive;
    O.wrap.lease_revoke = w_lease_revoke;
    ks_C.ms->backend = &O.wrap;
}

/* ---------- small helpers ---------- */

static ks_shm_t *
shm(void)
{
    return ks_C.in->shm;
}

static int
nslots(void)
{
    int n = KS_SLOT_WORKER0 + shm()->hdr->nworkers;
    return n > KS_MAX_PROCS ? KS_MAX_PROCS : n;
}

static const char *
proc_kind_name(int kind)
{
    switch (kind) {
    case KS_PROC_WORKER: return "worker";
    case KS_PROC_FLUSHER: return "flusher";
    case KS_PROC_COORDINATOR: return "coordinator";
    default: return "none";
    }
}

static const char *
slot_state_name(uint32_t st)
{
    switch (st) {
    case KS_SLOT_STARTING: return "starting";
    case KS_SLOT_RUNNING: return "running";
    case KS_SLOT_STOPPING: return "stopping";
    default: return "down";
    }
}

/* The kind of a slot, also while its process is down. */
static int
slot_kind(int i)
{
    return i == KS_SLOT_COORDINATOR ? KS_PROC_COORDINATOR
         : i == KS_SLOT_FLUSHER ? KS_PROC_FLUSHER : KS_PROC_WORKER;
}

static bool
ready(void)
{
    int64_t now = ks_now_ms();

    if (!ks_C.ready || ks_C.stopping || atomic_load(&shm()->hdr->shutting_down))
        return false;
    if (O.ms_probing && now - O.ms_probe_start > PROBE_STALE_MS)
        return false;
    if (O.os_probing && now - O.os_probe_start > PROBE_STALE_MS)
        return false;
    return O.ms_ok && O.os_ok;
}

static int64_t
uptime_ms(void)
{
    int64_t first = O.started_ms;

    for (int i = 0; i < nslots(); i++) {
        int64_t s = atomic_load(&shm()->procs[i].started_ms);
        if (s > 0 && s < first)
            first = s;
    }
    return ks_now_ms() - first;
}

/* A partition's offsets: from its slot when served here, else from the
 * store's keys read by the last refresh.  False when unknown. */
typedef struct {
    int64_t log_start, hw, next_offset;
    uint64_t bytes_in, records_in, bytes_out, records_out;
    bool local;
} pinfo_t;

static bool
part_info(const ks_mv_topic_t *t, const ks_mv_partition_t *mp, pinfo_t *pi)
{
    ks_ring_t *r = shm()->ring;

    memset(pi, 0, sizeof(*pi));
    if (mp->slot != KS_SLOT_NONE && r != NULL && mp->slot < r->nparts) {
        ks_part_t *p = ks_ring_part(shm(), r, mp->slot);
        if (atomic_load(&p->gen) == mp->slot_gen && atomic_load(&p->state) == KS_PART_ACTIVE) {
            pi->local = true;
            pi->log_start = atomic_load(&p->log_start);
            pi->hw = atomic_load(&p->hw);
            pi->next_offset = atomic_load(&p->next_offset);
            pi->bytes_in = atomic_load(&p->bytes_in);
            pi->records_in = atomic_load(&p->records_in);
            pi->bytes_out = atomic_load(&p->bytes_out);
            pi->records_out = atomic_load(&p->records_out);
            return true;
        }
    }
    for (size_t i = 0; i < O.ntparts; i++) {
        if (O.tparts[i].partition == mp->partition && strcmp(O.tparts[i].topic, t->name) == 0) {
            pi->log_start = O.tparts[i].log_start;
            pi->hw = pi->next_offset = O.tparts[i].next_offset;
            return true;
        }
    }
    return false;
}

static bool
hw_of(const char *topic, int32_t partition, int64_t *hw)
{
    const ks_mv_topic_t *t = ks_metaview_topic(&ks_C.mv, topic, strlen(topic));
    pinfo_t pi;

    if (t == NULL || partition < 0 || partition >= t->npartitions)
        return false;
    if (!part_info(t, &t->partitions[partition], &pi))
        return false;
    *hw = pi.hw;
    return true;
}

/* ---------- probes and refreshes ---------- */

static void
ms_probe_done(void *arg, const ks_ms_result_t *res)
{
    (void) arg;
    O.ms_probing = false;
    O.ms_ok = res->rc == KS_OK;
    if (!O.ms_ok) {
        if (strcmp(O.ms_err, res->error ? res->error : "error") != 0)
            ks_log_warn("readiness: the metadata store did not answer: %s",
                        res->error ? res->error : "error");
        snprintf(O.ms_err, sizeof(O.ms_err), "%s", res->error ? res->error : "error");
    } else {
        if (O.ms_err[0] != 0)
            ks_log_info("readiness: the metadata store answers again");
        O.ms_err[0] = 0;
    }
}

static void
os_probe_done(void *arg, const ks_os_result_t *res)
{
    (void) arg;
    O.os_probing = false;
    O.os_ok = res->rc == KS_OK || res->rc == KS_OS_NOT_FOUND;
    if (!O.os_ok) {
        if (strcmp(O.os_err, res->error ? res->error : "error") != 0)
            ks_log_warn("readiness: the object store did not answer: %s",
                        res->error ? res->error : "error");
        snprintf(O.os_err, sizeof(O.os_err), "%s", res->error ? res->error : "error");
    } else {
        if (O.os_err[0] != 0)
            ks_log_info("readiness: the object store answers again");
        O.os_err[0] = 0;
    }
}

static void
probe(void)
{
    int64_t now = ks_now_ms();

    if (!O.ms_probing && ks_C.ms != NULL) {
        O.ms_probing = true;
        O.ms_probe_start = now;
        if (ks_ms_get(ks_C.ms, PROBE_KEY, ms_probe_done, NULL) != KS_OK) {
            O.ms_probing = false;
            O.ms_ok = false;
        }
    }
    if (!O.os_probing && O.os != NULL) {
        char key[512];
        snprintf(key, sizeof(key), "%s/.kafscale-ready-probe", ks_C.in->conf->s3_namespace);
        O.os_probing = true;
        O.os_probe_start = now;
        if (ks_os_head(O.os, key, os_probe_done, NULL) != KS_OK) {
            O.os_probing = false;
            O.os_ok = false;
        }
    }
}

static void
groups_free(og_group_t *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(g[i].name);
        cJSON_Delete(g[i].meta);
        for (size_t j = 0; j < g[i].noffs; j++)
            free(g[i].offs[j].topic);
        free(g[i].offs);
    }
    free(g);
}

static og_group_t *
group_at(og_group_t **gs, size_t *n, size_t *cap, const char *name, size_t len)
{
    og_group_t *g;

    /* keys of one group are mostly adjacent: look at the last one first */
    if (*n > 0 && strlen((*gs)[*n - 1].name) == len && memcmp((*gs)[*n - 1].name, name, len) == 0)
        return &(*gs)[*n - 1];
    for (size_t i = 0; i < *n; i++)
        if (strlen((*gs)[i].name) == len && memcmp((*gs)[i].name, name, len) == 0)
            return &(*gs)[i];
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        og_group_t *ng = realloc(*gs, nc * sizeof(*ng));
        if (ng == NULL)
            return NULL;
        *gs = ng;
        *cap = nc;
    }
    g = &(*gs)[(*n)++];
    memset(g, 0, sizeof(*g));
    g->name = strndup(name, len);
    if (g->name == NULL) {
        (*n)--;
        return NULL;
    }
    return g;
}

static void answer_waiters(uint64_t seq);
static void refresh_groups(void);

static void
groups_loaded(void *arg, const ks_ms_result_t *res)
{
    size_t plen = strlen(GROUPS_PREFIX), n = 0, cap = 0;
    og_group_t *gs = NULL;

    uint64_t seq = (uint64_t) (uintptr_t) arg;

    O.groups_loading = false;
    if (res->rc != KS_OK) {
        ks_log_debug("ops: could not read the consumer groups: %s", res->error ? res->error : "error");
        answer_waiters(UINT64_MAX);
        return;
    }
    for (size_t i = 0; i < res->nkvs; i++) {
        const ks_kv_t *kv = &res->kvs[i];
        const char *k = kv->key + plen, *end = kv->key + kv->key_len;
        og_group_t *g;

        if (kv->key_len <= plen)
            continue;
        if (end - k > 9 && strcmp(end - 9, "/metadata") == 0) {
            g = group_at(&gs, &n, &cap, k, (size_t) (end - 9 - k));
            if (g != NULL) {
                cJSON_Delete(g->meta);
                g->meta = cJSON_ParseWithLength((const char *) kv->value, kv->value_len);
            }
            continue;
        }
        /* <g>/offsets/<t>/<p>: topics have no '/', groups may */
        const char *ps = strrchr(k, '/'), *ts;
        if (ps == NULL || ps == k)
            continue;
        ts = ps - 1;
        while (ts > k && *ts != '/')
            ts--;
        if (ts - k < 8 || memcmp(ts - 8, "/offsets", 8) != 0)
            continue;
        g = group_at(&gs, &n, &cap, k, (size_t) (ts - 8 - k));
        if (g == NULL)
            continue;
        if (g->noffs == g->capoffs) {
            size_t nc = g->capoffs ? g->capoffs * 2 : 8;
            og_off_t *no = realloc(g->offs, nc * sizeof(*no));
            if (no == NULL)
                continue;
            g->offs = no;
            g->capoffs = nc;
        }
        cJSON *doc = cJSON_ParseWithLength((const char *) kv->value, kv->value_len);
        const cJSON *off = cJSON_GetObjectItemCaseSensitive(doc, "offset");
        char *endp;
        long p = strtol(ps + 1, &endp, 10);
        if (cJSON_IsNumber(off) && *endp == 0 && p >= 0 && p <= INT32_MAX) {
            og_off_t *o = &g->offs[g->noffs];
            o->topic = strndup(ts + 1, (size_t) (ps - ts - 1));
            o->partition = (int32_t) p;
            o->offset = (int64_t) off->valuedouble;
            if (o->topic != NULL)
                g->noffs++;
        }
        cJSON_Delete(doc);
    }
    groups_free(O.groups, O.ngroups);
    O.groups = gs;
    O.ngroups = n;
    O.groups_ms = ks_now_ms();
    answer_waiters(seq);
}

static void
topics_loaded(void *arg, const ks_ms_result_t *res)
{
    size_t plen = strlen(TOPICS_PREFIX), n = 0, cap = 0;
    ot_part_t *tp = NULL;

    (void) arg;
    O.topics_loading = false;
    if (res->rc != KS_OK)
        return;
    for (size_t i = 0; i < res->nkvs; i++) {
        const ks_kv_t *kv = &res->kvs[i];
        const char *k = kv->key + plen, *sl = strchr(k, '/');
        bool next;
        char *endp;
        long p;

        if (kv->key_len <= plen || sl == NULL || strncmp(sl, "/partitions/", 12) != 0)
            continue;
        p = strtol(sl + 12, &endp, 10);
        if (endp == sl + 12 || p < 0 || p > INT32_MAX)
            continue;
        if (strcmp(endp, "/next_offset") == 0)
            next = true;
        else if (strcmp(endp, "/log_start") == 0)
            next = false;
        else
            continue;
        if (n == 0 || tp[n - 1].partition != (int32_t) p ||
            strncmp(tp[n - 1].topic, k, (size_t) (sl - k)) != 0 || tp[n - 1].topic[sl - k] != 0) {
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 64;
                ot_part_t *nt = realloc(tp, nc * sizeof(*nt));
                if (nt == NULL)
                    break;
                tp = nt;
                cap = nc;
            }
            tp[n].topic = strndup(k, (size_t) (sl - k));
            if (tp[n].topic == NULL)
                break;
            tp[n].partition = (int32_t) p;
            tp[n].next_offset = 0;
            tp[n].log_start = 0;
            n++;
        }
        if (next)
            tp[n - 1].next_offset = strtoll((const char *) kv->value, NULL, 10);
        else
            tp[n - 1].log_start = strtoll((const char *) kv->value, NULL, 10);
    }
    for (size_t i = 0; i < O.ntparts; i++)
        free(O.tparts[i].topic);
    free(O.tparts);
    O.tparts = tp;
    O.ntparts = n;
}

static bool
any_remote_partition(void)
{
    for (int32_t i = 0; i < ks_C.mv.ntopics; i++)
        for (int32_t j = 0; j < ks_C.mv.topics[i].npartitions; j++)
            if (ks_C.mv.topics[i].partitions[j].slot == KS_SLOT_NONE)
                return true;
    return false;
}

static void
refresh_groups(void)
{
    if (O.groups_loading || ks_C.ms == NULL)
        return;
    O.groups_loading = true;
    O.groups_seq++;
    if (ks_ms_range(ks_C.ms, GROUPS_PREFIX, 0, groups_loaded, (void *) (uintptr_t) O.groups_seq) != KS_OK) {
        O.groups_loading = false;
        answer_waiters(UINT64_MAX);
    }
}

static void
refresh(void)
{
    refresh_groups();
    if (!O.topics_loading && ks_C.ms != NULL && any_remote_partition()) {
        O.topics_loading = true;
        if (ks_ms_range(ks_C.ms, TOPICS_PREFIX, 0, topics_loaded, NULL) != KS_OK)
            O.topics_loading = false;
    }
}

static int bind_endpoint(void);

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    int64_t now = ks_now_ms();

    (void) fd;
    (void) what;
    (void) arg;
    if (O.sock == NULL)
        bind_endpoint();
    if (now >= O.next_probe_ms) {
        probe();
        O.next_probe_ms = now + PROBE_MS;
    }
    if (ks_C.ready)
        refresh();
    ks_stats_export_os(ks_stats_proc(shm()->stats, ks_C.in->slot), O.os ? ks_objstore_stats(O.os) : NULL);
}

/* ---------- HTTP helpers ---------- */

static void
reply(struct evhttp_request *req, int code, const char *reason, const char *ctype, struct evbuffer *b)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);

    evhttp_add_header(h, "Content-Type", ctype);
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_send_reply(req, code, reason, b);
}

static void
reply_text(struct evhttp_request *req, int code, const char *reason, const char *text)
{
    struct evbuffer *b = evbuffer_new();

    if (b == NULL) {
        evhttp_send_error(req, 500, "out of memory");
        return;
    }
    evbuffer_add_printf(b, "%s\n", text);
    reply(req, code, reason, "text/plain; charset=utf-8", b);
    evbuffer_free(b);
}

void
ks_ops_reply_json(struct evhttp_request *req, int code, const char *reason, cJSON *doc)
{
    char *s = doc ? cJSON_PrintUnformatted(doc) : NULL;
    struct evbuffer *b = evbuffer_new();

    cJSON_Delete(doc);
    if (s == NULL || b == NULL) {
        free(s);
        if (b != NULL)
            evbuffer_free(b);
        evhttp_send_error(req, 500, "out of memory");
        return;
    }
    evbuffer_add(b, s, strlen(s));
    evbuffer_add(b, "\n", 1);
    free(s);
    reply(req, code, reason, "application/json", b);
    evbuffer_free(b);
}

void
ks_ops_reply_error(struct evhttp_request *req, int code, const char *reason, const char *msg)
{
    cJSON *doc = cJSON_CreateObject();

    cJSON_AddStringToObject(doc, "error", msg);
    ks_ops_reply_json(req, code, reason, doc);
}

cJSON *
ks_ops_body_json(struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    unsigned char *body = len > 0 ? evbuffer_pullup(in, -1) : NULL;
    cJSON *doc = body != NULL ? cJSON_ParseWithLength((const char *) body, len) : NULL;

    if (body != NULL)
        OPENSSL_cleanse(body, len);
    evbuffer_drain(in, len);
    return doc;
}

/* ---------- JSON admin API ---------- */

static cJSON *
json_partition(const ks_mv_topic_t *t, const ks_mv_partition_t *mp)
{
    cJSON *o = cJSON_CreateObject();
    pinfo_t pi;
    bool known = part_info(t, mp, &pi);

    cJSON_AddNumberToObject(o, "partition", mp->partition);
    cJSON_AddNumberToObject(o, "leader", mp->leader);
    cJSON_AddNumberToObject(o, "leader_epoch", mp->leader_epoch);
    cJSON_AddBoolToObject(o, "local", pi.local);
    if (known) {
        cJSON_AddNumberToObject(o, "log_start", (double) pi.log_start);
        cJSON_AddNumberToObject(o, "log_end", (double) pi.hw);
        if (pi.local) {
            cJSON_AddNumberToObject(o, "next_offset", (double) pi.next_offset);
            cJSON_AddNumberToObject(o, "bytes_in", (double) pi.bytes_in);
            cJSON_AddNumberToObject(o, "records_in", (double) pi.records_in);
            cJSON_AddNumberToObject(o, "bytes_out", (double) pi.bytes_out);
            cJSON_AddNumberToObject(o, "records_out", (double) pi.records_out);
        }
    } else {
        cJSON_AddNullToObject(o, "log_start");
        cJSON_AddNullToObject(o, "log_end");
    }
    return o;
}

static cJSON *
json_topic(const ks_mv_topic_t *t, bool details)
{
    cJSON *o = cJSON_CreateObject(), *ps = cJSON_CreateArray();
    char id[40];
    int64_t messages = 0;

    for (int i = 0; i < 16; i++)
        snprintf(id + i * 2, 3, "%02x", t->id.b[i]);
    cJSON_AddStringToObject(o, "name", t->name);
    cJSON_AddStringToObject(o, "topic_id", id);
    cJSON_AddBoolToObject(o, "internal", t->internal);
    cJSON_AddNumberToObject(o, "partition_count", t->npartitions);
    for (int32_t j = 0; j < t->npartitions; j++) {
        cJSON *p = json_partition(t, &t->partitions[j]);
        const cJSON *ls = cJSON_GetObjectItemCaseSensitive(p, "log_start");
        const cJSON *le = cJSON_GetObjectItemCaseSensitive(p, "log_end");
        if (cJSON_IsNumber(ls) && cJSON_IsNumber(le))
            messages += (int64_t) le->valuedouble - (int64_t) ls->valuedouble;
        cJSON_AddItemToArray(ps, p);
    }
    cJSON_AddNumberToObject(o, "messages", (double) messages);
    if (details) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddNumberToObject(c, "retention.ms", (double) t->conf.retention_ms);
        cJSON_AddNumberToObject(c, "retention.bytes", (double) t->conf.retention_bytes);
        cJSON_AddNumberToObject(c, "segment.bytes", (double) t->conf.segment_bytes);
        cJSON_AddNumberToObject(c, "max.message.bytes", t->conf.max_message_bytes);
        cJSON_AddStringToObject(c, "message.timestamp.type",
                                t->conf.log_append_time ? "LogAppendTime" : "CreateTime");
        cJSON_AddItemToObject(o, "config", c);
    }
    cJSON_AddItemToObject(o, "partitions", ps);
    return o;
}

static void
api_topics(struct evhttp_request *req, const char *name)
{
    cJSON *arr;

    if (name != NULL) {
        const ks_mv_topic_t *t = ks_metaview_topic(&ks_C.mv, name, strlen(name));
        if (t == NULL) {
            ks_ops_reply_error(req, 404, "Not Found", "unknown topic");
            return;
        }
        ks_ops_reply_json(req, 200, "OK", json_topic(t, true));
        return;
    }
    arr = cJSON_CreateArray();
    for (int32_t i = 0; i < ks_C.mv.ntopics; i++)
        cJSON_AddItemToArray(arr, json_topic(&ks_C.mv.topics[i], false));
    ks_ops_reply_json(req, 200, "OK", arr);
}

static void
api_brokers(struct evhttp_request *req)
{
    cJSON *arr = cJSON_CreateArray();

    for (int32_t i = 0; i < ks_C.mv.nbrokers; i++) {
        const ks_mv_broker_t *b = &ks_C.mv.brokers[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "node_id", b->node_id);
        cJSON_AddStringToObject(o, "host", b->host ? b->host : "");
        cJSON_AddNumberToObject(o, "port", b->port);
        if (b->rack != NULL)
            cJSON_AddStringToObject(o, "rack", b->rack);
        else
            cJSON_AddNullToObject(o, "rack");
        cJSON_AddBoolToObject(o, "controller", b->node_id == ks_C.mv.controller_id);
        cJSON_AddBoolToObject(o, "self", b->node_id == (int32_t) ks_C.in->conf->broker_id);
        cJSON_AddItemToArray(arr, o);
    }
    ks_ops_reply_json(req, 200, "OK", arr);
}

static void
copy_string(cJSON *to, const cJSON *from, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, key);

    if (cJSON_IsString(v))
        cJSON_AddStringToObject(to, key, v->valuestring);
}

static cJSON *
json_group(const og_group_t *g)
{
    cJSON *o = cJSON_CreateObject(), *ms = cJSON_CreateArray(), *offs = cJSON_CreateArray();
    const cJSON *members = cJSON_GetObjectItemCaseSensitive(g->meta, "members"), *m;
    const cJSON *gen = cJSON_GetObjectItemCaseSensitive(g->meta, "generation_id");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(g->meta, "state");
    int64_t total = 0;
    bool lag_known = false;

    static const char *const live_states[] = {
        "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"
    };
    /* the stored document is written before a generation becomes Stable
     * and may lag a leave: a group coordinated here answers with its live
     * state and members */
    const ks_group_t *lg = ks_group_find(g->name, (int32_t) strlen(g->name));

    cJSON_AddStringToObject(o, "group", g->name);
    if (lg != NULL && lg->state >= KS_G_EMPTY && lg->state <= KS_G_DEAD) {
        cJSON_AddStringToObject(o, "state", live_states[lg->state]);
        cJSON_AddStringToObject(o, "protocol_type", lg->protocol_type ? lg->protocol_type : "");
        cJSON_AddStringToObject(o, "protocol", lg->protocol ? lg->protocol : "");
        cJSON_AddStringToObject(o, "leader", lg->leader ? lg->leader : "");
        cJSON_AddNumberToObject(o, "generation_id", lg->generation);
        for (const ks_gmember_t *lm = lg->members; lm != NULL; lm = lm->next) {
            cJSON *jm = cJSON_CreateObject();
            cJSON_AddStringToObject(jm, "member_id", lm->id ? lm->id : "");
            if (lm->instance_id != NULL)
                cJSON_AddStringToObject(jm, "group_instance_id", lm->instance_id);
            cJSON_AddStringToObject(jm, "client_id", lm->client_id ? lm->client_id : "");
            cJSON_AddStringToObject(jm, "client_host", lm->client_host ? lm->client_host : "");
            cJSON_AddItemToArray(ms, jm);
        }
    } else {
        cJSON_AddStringToObject(o, "state", cJSON_IsString(st) ? st->valuestring : "Empty");
        copy_string(o, g->meta, "protocol_type");
        copy_string(o, g->meta, "protocol");
        copy_string(o, g->meta, "leader");
        cJSON_AddNumberToObject(o, "generation_id", cJSON_IsNumber(gen) ? gen->valuedouble : 0);
        cJSON_ArrayForEach(m, members) {
            cJSON *jm = cJSON_CreateObject();
            copy_string(jm, m, "member_id");
            copy_string(jm, m, "group_instance_id");
            copy_string(jm, m, "client_id");
            copy_string(jm, m, "client_host");
            cJSON_AddItemToArray(ms, jm);
        }
    }
    cJSON_AddNumberToObject(o, "member_count", cJSON_GetArraySize(ms));
    cJSON_AddItemToObject(o, "members", ms);
    for (size_t i = 0; i < g->noffs; i++) {
        const og_off_t *of = &g->offs[i];
        cJSON *jo = cJSON_CreateObject();
        int64_t hw;
        cJSON_AddStringToObject(jo, "topic", of->topic);
        cJSON_AddNumberToObject(jo, "partition", of->partition);
        cJSON_AddNumberToObject(jo, "committed", (double) of->offset);
        if (hw_of(of->topic, of->partition, &hw)) {
            int64_t lag = of->offset >= 0 && hw > of->offset ? hw - of->offset : 0;
            cJSON_AddNumberToObject(jo, "log_end", (double) hw);
            cJSON_AddNumberToObject(jo, "lag", (double) lag);
            total += lag;
            lag_known = true;
        } else {
            cJSON_AddNullToObject(jo, "log_end");
            cJSON_AddNullToObject(jo, "lag");
        }
        cJSON_AddItemToArray(offs, jo);
    }
    if (lag_known || g->noffs == 0)
        cJSON_AddNumberToObject(o, "lag", (double) total);
    else
        cJSON_AddNullToObject(o, "lag");
    cJSON_AddItemToObject(o, "offsets", offs);
    return o;
}

static void
groups_answer(struct evhttp_request *req, const char *name)
{
    cJSON *arr;

    if (O.groups_ms == 0) {
        ks_ops_reply_error(req, 503, "Service Unavailable", "consumer groups not loaded yet");
        return;
    }
    if (name != NULL) {
        for (size_t i = 0; i < O.ngroups; i++)
            if (strcmp(O.groups[i].name, name) == 0) {
                ks_ops_reply_json(req, 200, "OK", json_group(&O.groups[i]));
                return;
            }
        /* live here but its document not written yet */
        if (ks_group_find(name, (int32_t) strlen(name)) != NULL) {
            og_group_t lg = { 0 };
            lg.name = (char *) name;
            ks_ops_reply_json(req, 200, "OK", json_group(&lg));
            return;
        }
        ks_ops_reply_error(req, 404, "Not Found", "unknown group");
        return;
    }
    arr = cJSON_CreateArray();
    for (size_t i = 0; i < O.ngroups; i++)
        cJSON_AddItemToArray(arr, json_group(&O.groups[i]));
    ks_ops_reply_json(req, 200, "OK", arr);
}

/* Answers the requests that waited for the read `seq` (or an earlier one;
 * UINT64_MAX: every request, the read failed); the requests that came while
 * it was in flight need the next one, issued here. */
static void
answer_waiters(uint64_t seq)
{
    waiter_t *w = O.waiters, **keep = &O.waiters;

    O.waiters = NULL;
    while (w != NULL) {
        waiter_t *next = w->next;
        if (w->need_seq <= seq) {
            groups_answer(w->req, w->name);
            free(w->name);
            free(w);
        } else {
            w->next = NULL;
            *keep = w;
            keep = &w->next;
        }
        w = next;
    }
    if (O.waiters != NULL)
        refresh_groups();
}

static void
api_groups(struct evhttp_request *req, const char *name)
{
    waiter_t *w;

    /* One group (an operator looking at it, or a script right after its
     * consumer closed) is always read again: the answer shows every commit
     * and membership change acknowledged before the request.  The list of
     * every group may be up to FRESH_MS old. */
    if (!ks_C.ready || (name == NULL && ks_now_ms() - O.groups_ms <= FRESH_MS)) {
        groups_answer(req, name);
        return;
    }
    /* Answered by a read issued after this request arrived (a disconnected
     * client's request is detached by evhttp and freed by the reply). */
    w = calloc(1, sizeof(*w));
    if (w == NULL || (name != NULL && (w->name = strdup(name)) == NULL)) {
        free(w);
        groups_answer(req, name);
        return;
    }
    w->req = req;
    w->need_seq = O.groups_seq + 1;
    w->next = O.waiters;
    O.waiters = w;
    refresh_groups();
}

static void
api_status(struct evhttp_request *req)
{
    cJSON *o = cJSON_CreateObject(), *procs = cJSON_CreateArray(), *ring = cJSON_CreateObject();
    cJSON *ms = cJSON_CreateObject(), *os = cJSON_CreateObject();
    ks_ring_t *r = shm()->ring;
    int64_t now = ks_now_ms();
    uint32_t conns = 0;

    cJSON_AddStringToObject(o, "version", KS_VERSION);
    cJSON_AddStringToObject(o, "cluster_id", ks_C.cluster_id ? ks_C.cluster_id : "");
    cJSON_AddNumberToObject(o, "broker_id", (double) ks_C.in->conf->broker_id);
    cJSON_AddNumberToObject(o, "uptime_seconds", (double) uptime_ms() / 1000.0);
    cJSON_AddBoolToObject(o, "ready", ready());
    cJSON_AddNumberToObject(o, "topics", ks_C.mv.ntopics);
    cJSON_AddNumberToObject(o, "groups", (double) O.ngroups);
    cJSON_AddStringToObject(ms, "backend", ks_C.in->conf->metadata_store);
    cJSON_AddBoolToObject(ms, "ok", O.ms_ok);
    if (!O.ms_ok && O.ms_err[0]) {
        char e[sizeof(O.ms_err)];

        snprintf(e, sizeof(e), "%s", O.ms_err);
        ks_log_redact(e, sizeof(e));        /* server answers are not trusted to be clean */
        cJSON_AddStringToObject(ms, "error", e);
    }
    cJSON_AddItemToObject(o, "metadata_store", ms);
    cJSON_AddStringToObject(os, "backend", ks_C.in->conf->object_store);
    cJSON_AddBoolToObject(os, "ok", O.os_ok);
    if (!O.os_ok && O.os_err[0]) {
        char e[sizeof(O.os_err)];

        snprintf(e, sizeof(e), "%s", O.os_err);
        ks_log_redact(e, sizeof(e));
        cJSON_AddStringToObject(os, "error", e);
    }
    cJSON_AddItemToObject(o, "object_store", os);
    for (int i = 0; i < nslots(); i++) {
        ks_shm_proc_t *p = &shm()->procs[i];
        cJSON *jp = cJSON_CreateObject();
        int kind = slot_kind(i);
        uint64_t hb = atomic_load(&p->heartbeat_ms);
        int64_t st = atomic_load(&p->started_ms);
        cJSON_AddStringToObject(jp, "kind", proc_kind_name(kind));
        cJSON_AddNumberToObject(jp, "index", kind == KS_PROC_WORKER ? i - KS_SLOT_WORKER0 + 1 : 0);
        cJSON_AddNumberToObject(jp, "pid", atomic_load(&p->pid));
        cJSON_AddStringToObject(jp, "state", slot_state_name(atomic_load(&p->state)));
        cJSON_AddNumberToObject(jp, "conns", atomic_load(&p->conns));
        cJSON_AddNumberToObject(jp, "restarts", atomic_load(&p->restarts));
        cJSON_AddNumberToObject(jp, "uptime_seconds", st > 0 ? (double) (now - st) / 1000.0 : 0);
        cJSON_AddNumberToObject(jp, "requests", (double) atomic_load(&p->requests));
        cJSON_AddNumberToObject(jp, "bytes_in", (double) atomic_load(&p->bytes_in));
        cJSON_AddNumberToObject(jp, "bytes_out", (double) atomic_load(&p->bytes_out));
        if (hb > 0)
            cJSON_AddNumberToObject(jp, "heartbeat_age_ms", (double) (now - (int64_t) hb));
        conns += kind == KS_PROC_WORKER ? atomic_load(&p->conns) : 0;
        cJSON_AddItemToArray(procs, jp);
    }
    cJSON_AddNumberToObject(o, "connections", conns);
    cJSON_AddItemToObject(o, "processes", procs);
    if (r != NULL) {
        uint64_t reserve = atomic_load(&r->reserve), committed = atomic_load(&r->committed);
        uint64_t durable = atomic_load(&r->durable);
        cJSON_AddNumberToObject(ring, "size", (double) r->size);
        cJSON_AddNumberToObject(ring, "used", (double) (reserve - durable));
        cJSON_AddNumberToObject(ring, "durable_lag", (double) (committed - durable));
        cJSON_AddNumberToObject(ring, "durable", (double) durable);
    }
    cJSON_AddItemToObject(o, "ring", ring);
    ks_ops_reply_json(req, 200, "OK", o);
}

/* Counters the console's charts diff between two polls: records and
 * bytes of the partitions served here, and the workers' requests and
 * network bytes. */
static void
api_throughput(struct evhttp_request *req)
{
    cJSON *o = cJSON_CreateObject();
    uint64_t rin = 0, bin = 0, rout = 0, bout = 0, reqs = 0, nin = 0, nout = 0;

    for (int32_t i = 0; i < ks_C.mv.ntopics; i++) {
        const ks_mv_topic_t *t = &ks_C.mv.topics[i];
        for (int32_t j = 0; j < t->npartitions; j++) {
            pinfo_t pi;
            if (!part_info(t, &t->partitions[j], &pi) || !pi.local)
                continue;
            rin += pi.records_in;
            bin += pi.bytes_in;
            rout += pi.records_out;
            bout += pi.bytes_out;
        }
    }
    for (int i = KS_SLOT_WORKER0; i < nslots(); i++) {
        reqs += atomic_load(&shm()->procs[i].requests);
        nin += atomic_load(&shm()->procs[i].bytes_in);
        nout += atomic_load(&shm()->procs[i].bytes_out);
    }
    cJSON_AddNumberToObject(o, "time_ms", (double) ks_now_ms());
    cJSON_AddNumberToObject(o, "records_in", (double) rin);
    cJSON_AddNumberToObject(o, "bytes_in", (double) bin);
    cJSON_AddNumberToObject(o, "records_out", (double) rout);
    cJSON_AddNumberToObject(o, "bytes_out", (double) bout);
    cJSON_AddNumberToObject(o, "requests", (double) reqs);
    cJSON_AddNumberToObject(o, "net_bytes_in", (double) nin);
    cJSON_AddNumberToObject(o, "net_bytes_out", (double) nout);
    ks_ops_reply_json(req, 200, "OK", o);
}

/* ---------- the web console ---------- */

/* Everything the console loads comes from here. */
#define CONSOLE_CSP "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
                    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static void
console_file(struct evhttp_request *req, const char *name)
{
    for (const ks_console_file_t *f = ks_console_files; f->name != NULL; f++) {
        struct evkeyvalq *h;
        struct evbuffer *b;
        if (strcmp(f->name, name) != 0)
            continue;
        b = evbuffer_new();
        if (b == NULL || evbuffer_add_reference(b, f->data, f->len, NULL, NULL) != 0) {
            if (b != NULL)
                evbuffer_free(b);
            evhttp_send_error(req, 500, "out of memory");
            return;
        }
        h = evhttp_request_get_output_headers(req);
        evhttp_add_header(h, "Content-Security-Policy", CONSOLE_CSP);
        evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
        reply(req, 200, "OK", f->type, b);
        evbuffer_free(b);
        return;
    }
    reply_text(req, 404, "Not Found", "no such console file");
}

/* ---------- /metrics ---------- */

static void
m_head(struct evbuffer *b, const char *name, const char *type, const char *help)
{
    evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label value escaping: backslash, double quote, newline. */
static const char *
esc(const char *s, char *buf, size_t len)
{
    size_t j = 0;

    for (; *s != 0 && j + 3 < len; s++) {
        if (*s == '\\' || *s == '"') {
            buf[j++] = '\\';
            buf[j++] = *s;
        } else if (*s == '\n') {
            buf[j++] = '\\';
            buf[j++] = 'n';
        } else {
            buf[j++] = *s;
        }
    }
    buf[j] = 0;
    return buf;
}

/* Writes a histogram's samples; `labels` is "" or `k="v",...` without
 * braces; bounds in microseconds are written in seconds when `us`. */
static void
m_hist(struct evbuffer *b, const char *name, const char *labels, const uint64_t *bounds, int nb,
       bool us, const uint64_t *bucket, uint64_t sum, uint64_t count)
{
    const char *sep = labels[0] ? "," : "";
    uint64_t cum = 0;

    for (int i = 0; i < nb; i++) {
        cum += bucket[i];
        if (us)
            evbuffer_add_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
                                (double) bounds[i] / 1e6, (unsigned long long) cum);
        else
            evbuffer_add_printf(b, "%s_bucket{%s%sle=\"%llu\"} %llu\n", name, labels, sep,
                                (unsigned long long) bounds[i], (unsigned long long) cum);
    }
    cum += bucket[nb];
    evbuffer_add_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep, (unsigned long long) cum);
    if (us)
        evbuffer_add_printf(b, "%s_sum%s%s%s %.6f\n", name, labels[0] ? "{" : "", labels,
                            labels[0] ? "}" : "", (double) sum / 1e6);
    else
        evbuffer_add_printf(b, "%s_sum%s%s%s %llu\n", name, labels[0] ? "{" : "", labels,
                            labels[0] ? "}" : "", (unsigned long long) sum);
    evbuffer_add_printf(b, "%s_count%s%s%s %llu\n", name, labels[0] ? "{" : "", labels,
                        labels[0] ? "}" : "", (unsigned long long) count);
}

typedef struct {
    uint64_t requests, errors, count, sum, bucket[KS_STATS_LAT_NB + 1];
} api_sum_t;

static void
metrics_requests(struct evbuffer *b)
{
    static api_sum_t sums[KS_API_KEY_COUNT];
    int n = nslots();
    char lab[96];

    memset(sums, 0, sizeof(sums));
    for (int i = 0; i < n; i++) {
        ks_stats_proc_t *sp = ks_stats_proc(shm()->stats, i);
        if (sp == NULL)
            continue;
        for (int k = 0; k < KS_API_KEY_COUNT; k++) {
            ks_stats_api_t *a = &sp->api[k];
            uint64_t c = ks_stats_get(&a->requests);
            if (c == 0)
                continue;
            sums[k].requests += c;
            sums[k].errors += ks_stats_get(&a->errors);
            sums[k].count += ks_stats_get(&a->latency.count);
            sums[k].sum += ks_stats_get(&a->latency.sum);
            for (int j = 0; j <= KS_STATS_LAT_NB; j++)
                sums[k].bucket[j] += ks_stats_get(&a->latency.bucket[j]);
        }
    }
    m_head(b, "kafscale_requests_total", "counter", "Kafka requests answered, by API (all workers)");
    for (int k = 0; k < KS_API_KEY_COUNT; k++)
        if (ks_api_desc(k) != NULL)
            evbuffer_add_printf(b, "kafscale_requests_total{api=\"%s\"} %llu\n", ks_api_desc(k)->name,
                                (unsigned long long) sums[k].requests);
    m_head(b, "kafscale_request_errors_total", "counter",
           "Kafka requests answered with a non-zero error code or a closed connection, by API");
    for (int k = 0; k < KS_API_KEY_COUNT; k++)
        if (ks_api_desc(k) != NULL)
            evbuffer_add_printf(b, "kafscale_request_errors_total{api=\"%s\"} %llu\n",
                                ks_api_desc(k)->name, (unsigned long long) sums[k].errors);
    m_head(b, "kafscale_request_duration_seconds", "histogram",
           "Time from a request's arrival to its response, by API (APIs seen so far)");
    for (int k = 0; k < KS_API_KEY_COUNT; k++) {
        if (ks_api_desc(k) == NULL || sums[k].count == 0)
            continue;
        snprintf(lab, sizeof(lab), "api=\"%s\"", ks_api_desc(k)->name);
        m_hist(b, "kafscale_request_duration_seconds", lab, ks_stats_lat_bounds_us, KS_STATS_LAT_NB, true,
               sums[k].bucket, sums[k].sum, sums[k].count);
    }
}

static void
metrics_topics(struct evbuffer *b)
{
    static const struct { const char *name, *help; int field; } fam[] = {
        { "kafscale_topic_bytes_in_total", "Record batch bytes produced to the topic (partitions served here)", 0 },
        { "kafscale_topic_records_in_total", "Records produced to the topic", 1 },
        { "kafscale_topic_bytes_out_total", "Record batch bytes served to fetches", 2 },
        { "kafscale_topic_records_out_total", "Records in the batches served to fetches", 3 },
    };
    char t[600];

    for (size_t f = 0; f < KS_ARRAY_LEN(fam); f++) {
        m_head(b, fam[f].name, "counter", fam[f].help);
        for (int32_t i = 0; i < ks_C.mv.ntopics; i++) {
            const ks_mv_topic_t *tp = &ks_C.mv.topics[i];
            uint64_t v = 0;
            for (int32_t j = 0; j < tp->npartitions; j++) {
                pinfo_t pi;
                if (!part_info(tp, &tp->partitions[j], &pi) || !pi.local)
                    continue;
                v += fam[f].field == 0 ? pi.bytes_in : fam[f].field == 1 ? pi.records_in
                   : fam[f].field == 2 ? pi.bytes_out : pi.records_out;
            }
            evbuffer_add_printf(b, "%s{topic=\"%s\"} %llu\n", fam[f].name, esc(tp->name, t, sizeof(t)),
                                (unsigned long long) v);
        }
    }
    static const struct { const char *name, *help; int field; } pfam[] = {
        { "kafscale_partition_log_end_offset", "High watermark (durable log end) of the partition", 0 },
        { "kafscale_partition_log_start_offset", "First offset still kept", 1 },
        { "kafscale_partition_durable_lag_offsets", "Offsets appended but not durable yet (served here)", 2 },
    };
    for (size_t f = 0; f < KS_ARRAY_LEN(pfam); f++) {
        m_head(b, pfam[f].name, "gauge", pfam[f].help);
        for (int32_t i = 0; i < ks_C.mv.ntopics; i++) {
            const ks_mv_topic_t *tp = &ks_C.mv.topics[i];
            esc(tp->name, t, sizeof(t));
            for (int32_t j = 0; j < tp->npartitions; j++) {
                pinfo_t pi;
                int64_t v;
                if (!part_info(tp, &tp->partitions[j], &pi) || (pfam[f].field == 2 && !pi.local))
                    continue;
                v = pfam[f].field == 0 ? pi.hw : pfam[f].field == 1 ? pi.log_start
                  : (pi.next_offset > pi.hw ? pi.next_offset - pi.hw : 0);
                evbuffer_add_printf(b, "%s{topic=\"%s\",partition=\"%d\"} %lld\n", pfam[f].name, t,
                                    (int) tp->partitions[j].partition, (long long) v);
            }
        }
    }
}

static void
metrics_ring_flush(struct evbuffer *b)
{
    ks_ring_t *r = shm()->ring;
    ks_stats_proc_t *fl = ks_stats_proc(shm()->stats, KS_SLOT_FLUSHER);

    if (r != NULL) {
        uint64_t reserve = atomic_load(&r->reserve), committed = atomic_load(&r->committed);
        uint64_t durable = atomic_load(&r->durable);
        m_head(b, "kafscale_ring_size_bytes", "gauge", "Size of the shared segment ring");
        evbuffer_add_printf(b, "kafscale_ring_size_bytes %llu\n", (unsigned long long) r->size);
        m_head(b, "kafscale_ring_used_bytes", "gauge", "Ring bytes not durable yet (reserve - durable)");
        evbuffer_add_printf(b, "kafscale_ring_used_bytes %llu\n", (unsigned long long) (reserve - durable));
        m_head(b, "kafscale_ring_durable_lag_bytes", "gauge",
               "Complete ring bytes waiting for a flush (committed - durable)");
        evbuffer_add_printf(b, "kafscale_ring_durable_lag_bytes %llu\n",
                            (unsigned long long) (committed - durable));
        m_head(b, "kafscale_ring_durable_bytes_total", "counter", "Bytes that became durable");
        evbuffer_add_printf(b, "kafscale_ring_durable_bytes_total %llu\n", (unsigned long long) durable);
        m_head(b, "kafscale_ring_appends_total", "counter", "Entries appended to the ring");
        evbuffer_add_printf(b, "kafscale_ring_appends_total %llu\n",
                            (unsigned long long) atomic_load(&r->appends));
        m_head(b, "kafscale_ring_full_waits_total", "counter", "Produces that waited for ring space");
        evbuffer_add_printf(b, "kafscale_ring_full_waits_total %llu\n",
                            (unsigned long long) atomic_load(&r->full_waits));
    }
    if (fl != NULL) {
        uint64_t bk[KS_STATS_SIZE_NB + 1 > KS_STATS_LAT_NB + 1 ? KS_STATS_SIZE_NB + 1 : KS_STATS_LAT_NB + 1];
        m_head(b, "kafscale_flush_duration_seconds", "histogram",
               "Flush cycle time: seal -> uploads -> metadata commit (retries included)");
        for (int j = 0; j <= KS_STATS_LAT_NB; j++)
            bk[j] = ks_stats_get(&fl->flush_latency.bucket[j]);
        m_hist(b, "kafscale_flush_duration_seconds", "", ks_stats_lat_bounds_us, KS_STATS_LAT_NB, true, bk,
               ks_stats_get(&fl->flush_latency.sum), ks_stats_get(&fl->flush_latency.count));
        m_head(b, "kafscale_flush_cycle_bytes", "histogram", "Record bytes per flush cycle");
        for (int j = 0; j <= KS_STATS_SIZE_NB; j++)
            bk[j] = ks_stats_get(&fl->flush_bytes.bucket[j]);
        m_hist(b, "kafscale_flush_cycle_bytes", "", ks_stats_size_bounds, KS_STATS_SIZE_NB, false, bk,
               ks_stats_get(&fl->flush_bytes.sum), ks_stats_get(&fl->flush_bytes.count));
        m_head(b, "kafscale_flush_cycles_total", "counter", "Flush cycles that became durable");
        evbuffer_add_printf(b, "kafscale_flush_cycles_total %llu\n",
                            (unsigned long long) ks_stats_get(&fl->flush_latency.count));
        m_head(b, "kafscale_flush_bytes_total", "counter", "Record bytes flushed");
        evbuffer_add_printf(b, "kafscale_flush_bytes_total %llu\n",
                            (unsigned long long) ks_stats_get(&fl->flush_bytes.sum));
        m_head(b, "kafscale_flush_segments_total", "counter", "Segments uploaded by flush cycles");
        evbuffer_add_printf(b, "kafscale_flush_segments_total %llu\n",
                            (unsigned long long) ks_stats_get(&fl->flush_segments));
        m_head(b, "kafscale_flush_records_total", "counter", "Records flushed");
        evbuffer_add_printf(b, "kafscale_flush_records_total %llu\n",
                            (unsigned long long) ks_stats_get(&fl->flush_records));
    }
}

static void
metrics_sasl(struct evbuffer *b)
{
    static const char *const mechs[KS_STATS_SASL_NMECH] = { "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512" };
    uint64_t ok[KS_STATS_SASL_NMECH] = { 0 }, bad[KS_STATS_SASL_NMECH] = { 0 }, reauth = 0, expired = 0;
    int n = nslots();

    for (int i = 0; i < n; i++) {
        ks_stats_proc_t *sp = ks_stats_proc(shm()->stats, i);
        if (sp == NULL)
            continue;
        for (int m = 0; m < KS_STATS_SASL_NMECH; m++) {
            ok[m] += ks_stats_get(&sp->sasl_success[m]);
            bad[m] += ks_stats_get(&sp->sasl_failure[m]);
        }
        reauth += ks_stats_get(&sp->sasl_reauth);
        expired += ks_stats_get(&sp->sasl_expired);
    }
    m_head(b, "kafscale_sasl_authentications_total", "counter",
           "SASL authentications on SASL listeners, by mechanism and result (re-authentications included)");
    for (int m = 0; m < KS_STATS_SASL_NMECH; m++) {
        evbuffer_add_printf(b, "kafscale_sasl_authentications_total{mechanism=\"%s\",result=\"success\"} %llu\n",
                            mechs[m], (unsigned long long) ok[m]);
        evbuffer_add_printf(b, "kafscale_sasl_authentications_total{mechanism=\"%s\",result=\"failure\"} %llu\n",
                            mechs[m], (unsigned long long) bad[m]);
    }
    m_head(b, "kafscale_sasl_reauthentications_total", "counter",
           "Successful SASL re-authentications on an authenticated connection (KIP-368)");
    evbuffer_add_printf(b, "kafscale_sasl_reauthentications_total %llu\n", (unsigned long long) reauth);
    m_head(b, "kafscale_sasl_sessions_expired_total", "counter",
           "Connections closed because their SASL session ended (connections.max.reauth.ms)");
    evbuffer_add_printf(b, "kafscale_sasl_sessions_expired_total %llu\n", (unsigned long long) expired);
}

static void
metrics_objstore(struct evbuffer *b)
{
    static const char *const procs[] = { "coordinator", "flusher", "worker" };
    static const struct { const char *name, *type, *help; } fam[] = {
        { "kafscale_objstore_requests_total", "counter", "Object-store operations completed" },
        { "kafscale_objstore_bytes_total", "counter", "Object-store bytes (put: written, get: read)" },
        { "kafscale_objstore_errors_total", "counter", "Object-store operations that failed" },
        { "kafscale_objstore_request_duration_seconds", "summary", "Object-store operation latency" },
    };
    ks_stats_os_op_t sum[3][KS_OS_OP_COUNT];
    uint64_t retries[3] = { 0, 0, 0 }, inflight[3] = { 0, 0, 0 };

    memset(sum, 0, sizeof(sum));
    for (int i = 0; i < nslots(); i++) {
        ks_stats_proc_t *sp = ks_stats_proc(shm()->stats, i);
        int k = slot_kind(i) == KS_PROC_COORDINATOR ? 0 : slot_kind(i) == KS_PROC_FLUSHER ? 1 : 2;
        if (sp == NULL)
            continue;
        for (int op = 0; op < KS_OS_OP_COUNT; op++) {
            sum[k][op].requests += ks_stats_get(&sp->os[op].requests);
            sum[k][op].bytes += ks_stats_get(&sp->os[op].bytes);
            sum[k][op].errors += ks_stats_get(&sp->os[op].errors);
            sum[k][op].latency_us_sum += ks_stats_get(&sp->os[op].latency_us_sum);
        }
        retries[k] += ks_stats_get(&sp->os_retries);
        inflight[k] += ks_stats_get(&sp->os_inflight);
    }
    for (size_t f = 0; f < KS_ARRAY_LEN(fam); f++) {
        m_head(b, fam[f].name, fam[f].type, fam[f].help);
        for (int k = 0; k < 3; k++)
            for (int op = 0; op < KS_OS_OP_COUNT; op++) {
                const ks_stats_os_op_t *s = &sum[k][op];
                const char *on = ks_os_op_name(op);
                if (f == 0)
                    evbuffer_add_printf(b, "%s{process=\"%s\",op=\"%s\"} %llu\n", fam[f].name, procs[k], on,
                                        (unsigned long long) s->requests);
                else if (f == 1)
                    evbuffer_add_printf(b, "%s{process=\"%s\",op=\"%s\"} %llu\n", fam[f].name, procs[k], on,
                                        (unsigned long long) s->bytes);
                else if (f == 2)
                    evbuffer_add_printf(b, "%s{process=\"%s\",op=\"%s\"} %llu\n", fam[f].name, procs[k], on,
                                        (unsigned long long) s->errors);
                else
                    evbuffer_add_printf(b, "%s_sum{process=\"%s\",op=\"%s\"} %.6f\n"
                                        "%s_count{process=\"%s\",op=\"%s\"} %llu\n",
                                        fam[f].name, procs[k], on, (double) s->latency_us_sum / 1e6,
                                        fam[f].name, procs[k], on, (unsigned long long) s->requests);
            }
    }
    m_head(b, "kafscale_objstore_retries_total", "counter", "Object-store attempts retried after a failure");
    for (int k = 0; k < 3; k++)
        evbuffer_add_printf(b, "kafscale_objstore_retries_total{process=\"%s\"} %llu\n", procs[k],
                            (unsigned long long) retries[k]);
    m_head(b, "kafscale_objstore_inflight", "gauge", "Object-store operations in flight");
    for (int k = 0; k < 3; k++)
        evbuffer_add_printf(b, "kafscale_objstore_inflight{process=\"%s\"} %llu\n", procs[k],
                            (unsigned long long) inflight[k]);
    m_head(b, "kafscale_objstore_up", "gauge", "1 when the object store answered the last readiness probe");
    evbuffer_add_printf(b, "kafscale_objstore_up %d\n", O.os_ok ? 1 : 0);
}

static void
metrics_metastore(struct evbuffer *b)
{
    char lab[64];

    m_head(b, "kafscale_metastore_requests_total", "counter", "Metadata-store operations of the coordinator");
    for (int op = 0; op < MS_NOPS; op++)
        evbuffer_add_printf(b, "kafscale_metastore_requests_total{op=\"%s\"} %llu\n", ms_op_names[op],
                            (unsigned long long) O.ms[op].requests);
    m_head(b, "kafscale_metastore_errors_total", "counter", "Metadata-store operations that failed");
    for (int op = 0; op < MS_NOPS; op++)
        evbuffer_add_printf(b, "kafscale_metastore_errors_total{op=\"%s\"} %llu\n", ms_op_names[op],
                            (unsigned long long) O.ms[op].errors);
    m_head(b, "kafscale_metastore_request_duration_seconds", "histogram", "Metadata-store operation latency");
    for (int op = 0; op < MS_NOPS; op++) {
        uint64_t bk[KS_STATS_LAT_NB + 1];
        if (O.ms[op].requests == 0)
            continue;
        for (int j = 0; j <= KS_STATS_LAT_NB; j++)
            bk[j] = ks_stats_get(&O.ms[op].latency.bucket[j]);
        snprintf(lab, sizeof(lab), "op=\"%s\"", ms_op_names[op]);
        m_hist(b, "kafscale_metastore_request_duration_seconds", lab, ks_stats_lat_bounds_us, KS_STATS_LAT_NB,
               true, bk, ks_stats_get(&O.ms[op].latency.sum), ks_stats_get(&O.ms[op].latency.count));
    }
    m_head(b, "kafscale_metastore_up", "gauge", "1 when the metadata store answered the last readiness probe");
    evbuffer_add_printf(b, "kafscale_metastore_up %d\n", O.ms_ok ? 1 : 0);
}

static void
metrics_processes(struct evbuffer *b)
{
    int n = nslots();

    m_head(b, "kafscale_connections", "gauge", "Open client connections per worker");
    for (int i = KS_SLOT_WORKER0; i < n; i++)
        evbuffer_add_printf(b, "kafscale_connections{worker=\"%d\"} %u\n", i - KS_SLOT_WORKER0 + 1,
                            atomic_load(&shm()->procs[i].conns));
    m_head(b, "kafscale_worker_bytes_in_total", "counter", "Request bytes read per worker");
    for (int i = KS_SLOT_WORKER0; i < n; i++)
        evbuffer_add_printf(b, "kafscale_worker_bytes_in_total{worker=\"%d\"} %llu\n", i - KS_SLOT_WORKER0 + 1,
                            (unsigned long long) atomic_load(&shm()->procs[i].bytes_in));
    m_head(b, "kafscale_worker_bytes_out_total", "counter", "Response bytes written per worker");
    for (int i = KS_SLOT_WORKER0; i < n; i++)
        evbuffer_add_printf(b, "kafscale_worker_bytes_out_total{worker=\"%d\"} %llu\n", i - KS_SLOT_WORKER0 + 1,
                            (unsigned long long) atomic_load(&shm()->procs[i].bytes_out));
    m_head(b, "kafscale_process_restarts_total", "counter", "Times the master respawned the process");
    for (int i = 0; i < n; i++)
        evbuffer_add_printf(b, "kafscale_process_restarts_total{process=\"%s\",index=\"%d\"} %u\n",
                            proc_kind_name(slot_kind(i)), slot_kind(i) == KS_PROC_WORKER ? i - KS_SLOT_WORKER0 + 1 : 0,
                            atomic_load(&shm()->procs[i].restarts));
    m_head(b, "kafscale_process_up", "gauge", "1 while the process is running");
    for (int i = 0; i < n; i++)
        evbuffer_add_printf(b, "kafscale_process_up{process=\"%s\",index=\"%d\"} %d\n",
                            proc_kind_name(slot_kind(i)), slot_kind(i) == KS_PROC_WORKER ? i - KS_SLOT_WORKER0 + 1 : 0,
                            atomic_load(&shm()->procs[i].state) == KS_SLOT_RUNNING ? 1 : 0);
    m_head(b, "kafscale_broker_uptime_seconds", "gauge", "Seconds since the broker started");
    evbuffer_add_printf(b, "kafscale_broker_uptime_seconds %.3f\n", (double) uptime_ms() / 1000.0);
    m_head(b, "kafscale_ready", "gauge", "1 when /readyz answers 200");
    evbuffer_add_printf(b, "kafscale_ready %d\n", ready() ? 1 : 0);
    m_head(b, "kafscale_build_info", "gauge", "Version of this broker");
    evbuffer_add_printf(b, "kafscale_build_info{version=\"%s\"} 1\n", KS_VERSION);
}

static void
metrics_lag(struct evbuffer *b)
{
    char g[600], t[600];

    m_head(b, "kafscale_consumer_committed_offset", "gauge", "Committed offset per group and partition");
    for (size_t i = 0; i < O.ngroups; i++) {
        esc(O.groups[i].name, g, sizeof(g));
        for (size_t j = 0; j < O.groups[i].noffs; j++) {
            const og_off_t *o = &O.groups[i].offs[j];
            evbuffer_add_printf(b, "kafscale_consumer_committed_offset{group=\"%s\",topic=\"%s\",partition=\"%d\"} %lld\n",
                                g, esc(o->topic, t, sizeof(t)), (int) o->partition, (long long) o->offset);
        }
    }
    m_head(b, "kafscale_consumer_lag", "gauge", "High watermark minus committed offset per group and partition");
    for (size_t i = 0; i < O.ngroups; i++) {
        esc(O.groups[i].name, g, sizeof(g));
        for (size_t j = 0; j < O.groups[i].noffs; j++) {
            const og_off_t *o = &O.groups[i].offs[j];
            int64_t hw;
            if (!hw_of(o->topic, o->partition, &hw))
                continue;
            evbuffer_add_printf(b, "kafscale_consumer_lag{group=\"%s\",topic=\"%s\",partition=\"%d\"} %lld\n",
                                g, esc(o->topic, t, sizeof(t)), (int) o->partition,
                                (long long) (o->offset >= 0 && hw > o->offset ? hw - o->offset : 0));
        }
    }
}

static void
metrics_auth(struct evbuffer *b)
{
    m_head(b, "kafscale_ops_auth_failures_total", "counter",
           "ops requests refused for missing or wrong credentials (this broker)");
    evbuffer_add_printf(b, "kafscale_ops_auth_failures_total %llu\n", (unsigned long long) O.auth_failures);
}

static void
h_metrics(struct evhttp_request *req)
{
    struct evbuffer *b = evbuffer_new();

    if (b == NULL) {
        evhttp_send_error(req, 500, "out of memory");
        return;
    }
    metrics_requests(b);
    metrics_topics(b);
    metrics_ring_flush(b);
    metrics_sasl(b);
    metrics_objstore(b);
    metrics_metastore(b);
    metrics_processes(b);
    metrics_lag(b);
    ks_acls_metrics(b);
    metrics_auth(b);
    reply(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", b);
    evbuffer_free(b);
}

/* ---------- users (SCRAM credentials, scram.c) ---------- */

/* Whether the request comes from this host: passwords travel in the
 * clear over this endpoint, so they are taken from loopback only. */
static bool
from_loopback(struct evhttp_request *req)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    char *addr = NULL;
    ev_uint16_t port = 0;

    if (conn == NULL)
        return false;
    evhttp_connection_get_peer(conn, &addr, &port);
    return addr != NULL && (strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
                            strncmp(addr, "::ffff:127.", 11) == 0);
}

static void
user_written(void *arg, int rc)
{
    struct evhttp_request *req = arg;

    if (rc != KS_OK) {
        ks_ops_reply_error(req, 503, "Service Unavailable", "the metadata store did not take the change");
        return;
    }
    ks_ops_reply_json(req, 200, "OK", cJSON_CreateObject());
}

static void
user_set(struct evhttp_request *req, const char *name)
{
    cJSON *doc = ks_ops_body_json(req);         /* the password: wiped in the buffer */
    const cJSON *pw = cJSON_GetObjectItemCaseSensitive(doc, "password");
    const cJSON *mj = cJSON_GetObjectItemCaseSensitive(doc, "mechanism");
    const cJSON *ij = cJSON_GetObjectItemCaseSensitive(doc, "iterations");
    int mech = KS_SASL_SCRAM_SHA_256, iterations = KS_SCRAM_DEFAULT_ITERATIONS, st = 400;
    char err[256];

    snprintf(err, sizeof(err), "expected a JSON object {\"password\": ..., \"mechanism\": ..., \"iterations\": ...}");
    if (!cJSON_IsObject(doc) || !cJSON_IsString(pw)) {
        /* keep err */
    } else if (mj != NULL && (!cJSON_IsString(mj) ||
                              (mech = ks_sasl_mech_parse(mj->valuestring, strlen(mj->valuestring))) < 1)) {
        snprintf(err, sizeof(err), "the mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512");
    } else if (ij != NULL && (!cJSON_IsNumber(ij) || ij->valuedouble != (double) (int) ij->valuedouble)) {
        snprintf(err, sizeof(err), "iterations must be an integer");
    } else {
        if (ij != NULL)
            iterations = (int) ij->valuedouble;
        st = ks_scram_set_password(name, mech, iterations, (const uint8_t *) pw->valuestring,
                                   strlen(pw->valuestring), user_written, req, err, sizeof(err));
    }
    if (cJSON_IsString(pw))
        OPENSSL_cleanse(pw->valuestring, strlen(pw->valuestring));
    cJSON_Delete(doc);
    if (st != 0)
        ks_ops_reply_error(req, st, st == 400 ? "Bad Request" : st == 404 ? "Not Found" : "Internal Server Error",
                         err);
}

static void
user_delete(struct evhttp_request *req, const char *name)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
    struct evkeyvalq params;
    const char *m = NULL;
    int mech = -1, st;
    char err[256];

    memset(&params, 0, sizeof(params));
    params.tqh_last = &params.tqh_first;
    if (q != NULL && evhttp_parse_query_str(q, &params) == 0)
        m = evhttp_find_header(&params, "mechanism");
    if (m != NULL && (mech = ks_sasl_mech_parse(m, strlen(m))) < 1) {
        evhttp_clear_headers(&params);
        ks_ops_reply_error(req, 400, "Bad Request", "the mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512");
        return;
    }
    evhttp_clear_headers(&params);
    st = ks_scram_delete_user(name, mech, user_written, req, err, sizeof(err));
    if (st != 0)
        ks_ops_reply_error(req, st, st == 404 ? "Not Found" : "Internal Server Error", err);
}

static void
api_users(struct evhttp_request *req, const char *name)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

    if (cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD) {
        cJSON *arr = ks_scram_users_json(name);
        if (name != NULL) {
            cJSON *one = cJSON_DetachItemFromArray(arr, 0);
            cJSON_Delete(arr);
            if (one == NULL) {
                ks_ops_reply_error(req, 404, "Not Found", "no such user");
                return;
            }
            ks_ops_reply_json(req, 200, "OK", one);
            return;
        }
        ks_ops_reply_json(req, 200, "OK", arr);
        return;
    }
    if (name == NULL || name[0] == 0 || (cmd != EVHTTP_REQ_POST && cmd != EVHTTP_REQ_DELETE)) {
        ks_ops_reply_error(req, 405, "Method Not Allowed", "POST or DELETE /api/v1/users/<name>");
        return;
    }
    if (cmd == EVHTTP_REQ_POST && !from_loopback(req)) {
        /* a password in plain HTTP: only over loopback (credentials of the
         * ops endpoint do not protect it on the wire) */
        ks_ops_reply_error(req, 403, "Forbidden", "passwords are taken from this host only (loopback)");
        return;
    }
    if (!ks_C.ready) {
        ks_ops_reply_error(req, 503, "Service Unavailable", "loading the cluster metadata");
        return;
    }
    if (cmd == EVHTTP_REQ_POST)
        user_set(req, name);
    else
        user_delete(req, name);
}

/* ---------- dispatch ---------- */

/* The decoded rest of the path after prefix ("" when none), or NULL when
 * the path does not start with it. */
static char *
path_rest(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);

    if (strncmp(path, prefix, n) != 0)
        return NULL;
    if (path[n] == 0)
        return strdup("");
    if (path[n] != '/')
        return NULL;
    return evhttp_uridecode(path + n + 1, 0, NULL);
}

/* ---------- authentication ---------- */

/* Whether req may go on; when not, it has been answered (401, or 500 when
 * memory ran out).  /healthz and /readyz are always open: load balancers
 * probe them without credentials, and they tell nothing but up/ready. */
static bool
ops_authorized(struct evhttp_request *req, const char *path)
{
    const ks_conf_t *conf = ks_C.in->conf;
    struct evkeyvalq *h;
    struct evhttp_connection *conn;
    char *peer = NULL, shown[160];
    ev_uint16_t port = 0;
    size_t i;
    int rc;

    if (strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0)
        return true;
    if (O.auth == NULL)
        O.auth = ks_opsauth_new();
    /* the configuration's credentials, which SIGHUP reloads */
    if (O.auth == NULL || ks_opsauth_set(O.auth, conf->ops_auth_token, conf->ops_auth_basic) != KS_OK) {
        ks_log_error("ops: could not set up the credentials check (out of memory), refusing %s", path);
        evhttp_send_error(req, 500, "Internal Server Error");
        return false;
    }
    rc = ks_opsauth_check(O.auth, evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization"));
    if (rc == KS_OPSAUTH_OK)
        return true;

    O.auth_failures++;
    conn = evhttp_request_get_connection(req);
    if (conn != NULL)
        evhttp_connection_get_peer(conn, &peer, &port);
    for (i = 0; path[i] != 0 && i < sizeof(shown) - 1; i++)
        shown[i] = (unsigned char) path[i] < ' ' || (unsigned char) path[i] >= 0x7f ? '?' : path[i];
    shown[i] = 0;
    ks_log_info("ops request refused: %s (peer %s:%u, path %s)",
                rc == KS_OPSAUTH_MISSING ? "no credentials" : "wrong credentials",
                peer != NULL ? peer : "?", (unsigned) port, shown);
    h = evhttp_request_get_output_headers(req);
    if (ks_opsauth_has_token(O.auth))
        evhttp_add_header(h, "WWW-Authenticate", "Bearer realm=\"kafscale\"");
    if (ks_opsauth_has_basic(O.auth))
        evhttp_add_header(h, "WWW-Authenticate", "Basic realm=\"kafscale\", charset=\"UTF-8\"");
    if (strncmp(path, "/api/", 5) == 0)
        ks_ops_reply_error(req, 401, "Unauthorized", "authentication required");
    else
        reply_text(req, 401, "Unauthorized", "authentication required");
    return false;
}

static void
on_request(struct evhttp_request *req, void *arg)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    char *rest;

    (void) arg;
    if (path == NULL || path[0] == 0)
        path = "/";
    if (!ops_authorized(req, path))
        return;
    if (strcmp(path, "/api/v1/acls") == 0) {
        ks_acls_http(req);            /* GET, POST, DELETE */
        return;
    }
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET && evhttp_request_get_command(req) != EVHTTP_REQ_HEAD &&
        strncmp(path, "/api/v1/users/", 14) != 0) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
        ks_ops_reply_error(req, 405, "Method Not Allowed",
                         "only /api/v1/acls and /api/v1/users/<name> take POST and DELETE");
        return;
    }
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
        console_file(req, "index.html");
    } else if (strcmp(path, "/console") == 0 || strcmp(path, "/console/") == 0) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Location", "/");
        reply_text(req, 302, "Found", "the console is at /");
    } else if (strncmp(path, "/console/", 9) == 0) {
        console_file(req, path + 9);
    } else if (strcmp(path, "/healthz") == 0) {
        reply_text(req, 200, "OK", "ok");
    } else if (strcmp(path, "/readyz") == 0) {
        if (ready())
            reply_text(req, 200, "OK", "ready");
        else if (!ks_C.ready)
            reply_text(req, 503, "Service Unavailable", "not ready: loading the cluster metadata");
        else if (!O.ms_ok)
            reply_text(req, 503, "Service Unavailable", "not ready: the metadata store does not answer");
        else if (!O.os_ok)
            reply_text(req, 503, "Service Unavailable", "not ready: the object store does not answer");
        else
            reply_text(req, 503, "Service Unavailable", "not ready");
    } else if (strcmp(path, "/metrics") == 0) {
        h_metrics(req);
    } else if (strcmp(path, "/api/v1/status") == 0) {
        api_status(req);
    } else if (strcmp(path, "/api/v1/brokers") == 0) {
        api_brokers(req);
    } else if (strcmp(path, "/api/v1/throughput") == 0) {
        api_throughput(req);
    } else if ((rest = path_rest(path, "/api/v1/topics")) != NULL) {
        api_topics(req, rest[0] ? rest : NULL);
        free(rest);
    } else if ((rest = path_rest(path, "/api/v1/groups")) != NULL) {
        api_groups(req, rest[0] ? rest : NULL);
        free(rest);
    } else if ((rest = path_rest(path, "/api/v1/users")) != NULL) {
        api_users(req, rest[0] ? rest : NULL);
        free(rest);
    } else if (strncmp(path, "/api/", 5) == 0) {
        ks_ops_reply_error(req, 404, "Not Found", "no such resource");
    } else {
        reply_text(req, 404, "Not Found",
                   "not found; try / (the console) /healthz /readyz /metrics /api/v1/status "
                   "/api/v1/brokers /api/v1/topics /api/v1/groups /api/v1/throughput /api/v1/acls "
                   "/api/v1/users");
    }
}

/* ---------- start / stop ---------- */

static int
parse_addr(const char *s, char *host, size_t hostlen, uint16_t *port)
{
    const char *colon;
    char *end;
    long p;
    size_t hl;

    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (rb == NULL || rb[1] != ':')
            return KS_ERROR;
        hl = (size_t) (rb - s - 1);
        if (hl >= hostlen)
            return KS_ERROR;
        memcpy(host, s + 1, hl);
        host[hl] = 0;
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return KS_ERROR;
        hl = (size_t) (colon - s);
        if (hl >= hostlen)
            return KS_ERROR;
        memcpy(host, s, hl);
        host[hl] = 0;
        if (hl == 0)
            snprintf(host, hostlen, "0.0.0.0");
    }
    p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end != 0 || p < 0 || p > 65535)
        return KS_ERROR;
    *port = (uint16_t) p;
    return KS_OK;
}

static int
bind_endpoint(void)
{
    static bool warned;
    char host[256];
    uint16_t port;

    if (parse_addr(O.addr, host, sizeof(host), &port) != KS_OK) {
        if (!warned)
            ks_log_error("could not open the ops endpoint: bad address \"%s\"", O.addr);
        warned = true;
        return KS_ERROR;
    }
    O.sock = evhttp_bind_socket_with_handle(O.http, host, port);
    if (O.sock == NULL) {
        if (!warned)
            ks_log_error("could not listen for ops requests on %s: %s (retrying)", O.addr, strerror(errno));
        warned = true;
        return KS_ERROR;
    }
    if (warned)
        ks_log_info("ops endpoint listening on %s", O.addr);
    else
        ks_log_debug("ops endpoint listening on %s", O.addr);
    warned = false;
    return KS_OK;
}

void
ks_ops_start(void)
{
    const ks_conf_t *conf = ks_C.in->conf;
    struct timeval tv = { 1, 0 };
    ks_os_config_t oc;
    char err[512];

    if (O.on)
        return;
    memset(&O, 0, sizeof(O));
    O.started_ms = ks_now_ms();
    ms_timing_install();
    if (conf->ops_listen == NULL || conf->ops_listen[0] == 0)
        return;                  /* disabled */
    snprintf(O.addr, sizeof(O.addr), "%s", conf->ops_listen);
    O.http = evhttp_new(ks_C.base);
    if (O.http == NULL) {
        ks_log_error("could not create the ops endpoint");
        return;
    }
    /* POST and DELETE: /api/v1/acls and /api/v1/users/<name> only (on_request) */
    evhttp_set_allowed_methods(O.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE);
    evhttp_set_timeout(O.http, 30);
    evhttp_set_max_headers_size(O.http, 16384);
    evhttp_set_max_body_size(O.http, 4096);
    evhttp_set_gencb(O.http, on_request, NULL);
    O.on = true;
    bind_endpoint();

    /* The coordinator's own object-store handle, for the readiness probe. */
    memset(&oc, 0, sizeof(oc));
    oc.backend = conf->object_store;
    oc.data_dir = conf->data_dir;
    oc.bucket = conf->s3_bucket;
    oc.endpoint = conf->s3_endpoint[0] ? conf->s3_endpoint : NULL;
    oc.region = conf->s3_region;
    oc.access_key = conf->s3_access_key[0] ? conf->s3_access_key : NULL;
    oc.secret_key = conf->s3_secret_key[0] ? conf->s3_secret_key : NULL;
    oc.session_token = conf->s3_session_token[0] ? conf->s3_session_token : NULL;
    oc.path_style = conf->s3_path_style;
    oc.concurrency = 2;
    oc.timeout_ms = 5000;
    oc.max_retries = 0;
    O.os = ks_objstore_open(ks_C.base, &oc, err, sizeof(err));
    if (O.os == NULL) {
        ks_log_error("ops: could not open the %s object store for the readiness probe: %s", oc.backend, err);
        snprintf(O.os_err, sizeof(O.os_err), "%.200s", err);
    }
    O.timer = event_new(ks_C.base, -1, EV_PERSIST, on_timer, NULL);
    if (O.timer != NULL)
        event_add(O.timer, &tv);
    probe();
    O.next_probe_ms = ks_now_ms() + PROBE_MS;
}

void
ks_ops_stop(void)
{
    waiter_t *w;

    if (O.orig != NULL && ks_C.ms != NULL)
        ks_C.ms->backend = O.orig;
    O.orig = NULL;
    if (!O.on)
        return;
    O.on = false;
    if (O.timer != NULL)
        event_free(O.timer);
    O.timer = NULL;
    while ((w = O.waiters) != NULL) {
        O.waiters = w->next;
        free(w->name);
        free(w);
    }
    /* frees pending requests and connections */
    evhttp_free(O.http);
    O.http = NULL;
    O.sock = NULL;
    if (O.os != NULL)
        ks_objstore_close(O.os);   /* probe callbacks run from here */
    O.os = NULL;
    ks_opsauth_free(O.auth);
    O.auth = NULL;
    groups_free(O.groups, O.ngroups);
    O.groups = NULL;
    O.ngroups = 0;
    for (size_t i = 0; i < O.ntparts; i++)
        free(O.tparts[i].topic);
    free(O.tparts);
    O.tparts = NULL;
    O.ntparts = 0;
}
