/*
 * ops.c: the ops HTTP endpoint (see ops.h): the server, authentication,
 * routing, health, readiness and the web console; the JSON admin API is
 * ops_api.c, /metrics ops_metrics.c (what they share: ops_int.h).
 * Runs in: coordinator.
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
#include "log.h"
#include "objstore/objstore.h"
#include "ops.h"
#include "ops_int.h"
#include "opsauth.h"
#include "shm/ring.h"
#include "stats.h"
#include "util.h"

#define PROBE_MS        5000
#define REFRESH_MS      3000
#define PROBE_STALE_MS  15000     /* a probe unanswered this long = not ready */
#define GROUPS_PREFIX   "/kafscale/consumers/"
#define TOPICS_PREFIX   "/kafscale/topics/"
#define PROBE_KEY       "/kafscale/cluster/id"

ks_ops_t ks_O;

/* ---------- metadata-store timing ---------- */

typedef struct {
    ks_ms_cb cb;
    void *arg;
    int op;
    int64_t start_us;
} ms_wrap_t;


static void
ms_observe(int op, int rc, int64_t us)
{
    ms_stat_t *s = &ks_O.ms[op];

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
    MS_WRAPPED(MS_GET, ks_O.orig->get(ms, key, ms_done, w_), ks_O.orig->get(ms, key, cb, arg));
}

static int
w_range(ks_metastore_t *ms, const char *prefix, size_t limit, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_RANGE, ks_O.orig->range(ms, prefix, limit, ms_done, w_),
               ks_O.orig->range(ms, prefix, limit, cb, arg));
}

static int
w_put(ks_metastore_t *ms, const char *key, const void *value, size_t len, int64_t lease,
      ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_PUT, ks_O.orig->put(ms, key, value, len, lease, ms_done, w_),
               ks_O.orig->put(ms, key, value, len, lease, cb, arg));
}

static int
w_del(ks_metastore_t *ms, const char *key, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_DELETE, ks_O.orig->del(ms, key, ms_done, w_), ks_O.orig->del(ms, key, cb, arg));
}

static int
w_del_prefix(ks_metastore_t *ms, const char *prefix, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_DELETE_PREFIX, ks_O.orig->del_prefix(ms, prefix, ms_done, w_),
               ks_O.orig->del_prefix(ms, prefix, cb, arg));
}

static int
w_txn(ks_metastore_t *ms, const ks_ms_cmp_t *cmp, size_t ncmp, const ks_ms_op_t *success,
      size_t nsuccess, const ks_ms_op_t *failure, size_t nfailure, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_TXN, ks_O.orig->txn(ms, cmp, ncmp, success, nsuccess, failure, nfailure, ms_done, w_),
               ks_O.orig->txn(ms, cmp, ncmp, success, nsuccess, failure, nfailure, cb, arg));
}

static int
w_lease_grant(ks_metastore_t *ms, int64_t ttl_s, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_LEASE_GRANT, ks_O.orig->lease_grant(ms, ttl_s, ms_done, w_),
               ks_O.orig->lease_grant(ms, ttl_s, cb, arg));
}

static int
w_lease_keepalive(ks_metastore_t *ms, int64_t lease, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_LEASE_KEEPALIVE, ks_O.orig->lease_keepalive(ms, lease, ms_done, w_),
               ks_O.orig->lease_keepalive(ms, lease, cb, arg));
}

static int
w_lease_revoke(ks_metastore_t *ms, int64_t lease, ks_ms_cb cb, void *arg)
{
    MS_WRAPPED(MS_LEASE_REVOKE, ks_O.orig->lease_revoke(ms, lease, ms_done, w_),
               ks_O.orig->lease_revoke(ms, lease, cb, arg));
}

/* The coordinator's store handle gets a copy of its backend table whose
 * one-shot calls are timed; watches and the rest go straight through. */
static void
ms_timing_install(void)
{
    if (ks_C.ms == NULL || ks_O.orig != NULL)
        return;
    ks_O.orig = ks_C.ms->backend;
    ks_O.wrap = *ks_O.orig;
    ks_O.wrap.get = w_get;
    ks_O.wrap.range = w_range;
    ks_O.wrap.put = w_put;
    ks_O.wrap.del = w_del;
    ks_O.wrap.del_prefix = w_del_prefix;
    ks_O.wrap.txn = w_txn;
    ks_O.wrap.lease_grant = w_lease_grant;
    ks_O.wrap.lease_keepalive = w_lease_keepalive;
    ks_O.wrap.lease_revoke = w_lease_revoke;
    ks_C.ms->backend = &ks_O.wrap;
}

/* ---------- small helpers ---------- */

bool
ks_ops_ready(void)
{
    int64_t now = ks_now_ms();

    if (!ks_C.ready || ks_C.stopping || atomic_load(&shm()->hdr->shutting_down))
        return false;
    if (ks_O.ms_probing && now - ks_O.ms_probe_start > PROBE_STALE_MS)
        return false;
    if (ks_O.os_probing && now - ks_O.os_probe_start > PROBE_STALE_MS)
        return false;
    return ks_O.ms_ok && ks_O.os_ok;
}

int64_t
ks_ops_uptime_ms(void)
{
    int64_t first = ks_O.started_ms;

    for (int i = 0; i < nslots(); i++) {
        int64_t s = atomic_load(&shm()->procs[i].started_ms);
        if (s > 0 && s < first)
            first = s;
    }
    return ks_now_ms() - first;
}

bool
ks_ops_part_info(const ks_mv_topic_t *t, const ks_mv_partition_t *mp, pinfo_t *pi)
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
    for (size_t i = 0; i < ks_O.ntparts; i++) {
        if (ks_O.tparts[i].partition == mp->partition && strcmp(ks_O.tparts[i].topic, t->name) == 0) {
            pi->log_start = ks_O.tparts[i].log_start;
            pi->hw = pi->next_offset = ks_O.tparts[i].next_offset;
            return true;
        }
    }
    return false;
}

bool
ks_ops_hw_of(const char *topic, int32_t partition, int64_t *hw)
{
    const ks_mv_topic_t *t = ks_metaview_topic(&ks_C.mv, topic, strlen(topic));
    pinfo_t pi;

    if (t == NULL || partition < 0 || partition >= t->npartitions)
        return false;
    if (!ks_ops_part_info(t, &t->partitions[partition], &pi))
        return false;
    *hw = pi.hw;
    return true;
}

/* ---------- probes and refreshes ---------- */

static void
ms_probe_done(void *arg, const ks_ms_result_t *res)
{
    (void) arg;
    ks_O.ms_probing = false;
    ks_O.ms_ok = res->rc == KS_OK;
    if (!ks_O.ms_ok) {
        if (strcmp(ks_O.ms_err, res->error ? res->error : "error") != 0)
            ks_log_warn("readiness: the metadata store did not answer: %s",
                        res->error ? res->error : "error");
        snprintf(ks_O.ms_err, sizeof(ks_O.ms_err), "%s", res->error ? res->error : "error");
    } else {
        if (ks_O.ms_err[0] != 0)
            ks_log_info("readiness: the metadata store answers again");
        ks_O.ms_err[0] = 0;
    }
}

static void
os_probe_done(void *arg, const ks_os_result_t *res)
{
    (void) arg;
    ks_O.os_probing = false;
    ks_O.os_ok = res->rc == KS_OK || res->rc == KS_OS_NOT_FOUND;
    if (!ks_O.os_ok) {
        if (strcmp(ks_O.os_err, res->error ? res->error : "error") != 0)
            ks_log_warn("readiness: the object store did not answer: %s",
                        res->error ? res->error : "error");
        snprintf(ks_O.os_err, sizeof(ks_O.os_err), "%s", res->error ? res->error : "error");
    } else {
        if (ks_O.os_err[0] != 0)
            ks_log_info("readiness: the object store answers again");
        ks_O.os_err[0] = 0;
    }
}

static void
probe(void)
{
    int64_t now = ks_now_ms();

    if (!ks_O.ms_probing && ks_C.ms != NULL) {
        ks_O.ms_probing = true;
        ks_O.ms_probe_start = now;
        if (ks_ms_get(ks_C.ms, PROBE_KEY, ms_probe_done, NULL) != KS_OK) {
            ks_O.ms_probing = false;
            ks_O.ms_ok = false;
        }
    }
    if (!ks_O.os_probing && ks_O.os != NULL) {
        char key[512];
        snprintf(key, sizeof(key), "%s/.kafscale-ready-probe", ks_C.in->conf->s3_namespace);
        ks_O.os_probing = true;
        ks_O.os_probe_start = now;
        if (ks_os_head(ks_O.os, key, os_probe_done, NULL) != KS_OK) {
            ks_O.os_probing = false;
            ks_O.os_ok = false;
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

static void
groups_loaded(void *arg, const ks_ms_result_t *res)
{
    size_t plen = strlen(GROUPS_PREFIX), n = 0, cap = 0;
    og_group_t *gs = NULL;

    uint64_t seq = (uint64_t) (uintptr_t) arg;

    ks_O.groups_loading = false;
    if (res->rc != KS_OK) {
        ks_log_debug("ops: could not read the consumer groups: %s", res->error ? res->error : "error");
        ks_ops_answer_waiters(UINT64_MAX);
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
    groups_free(ks_O.groups, ks_O.ngroups);
    ks_O.groups = gs;
    ks_O.ngroups = n;
    ks_O.groups_ms = ks_now_ms();
    ks_ops_answer_waiters(seq);
}

static void
topics_loaded(void *arg, const ks_ms_result_t *res)
{
    size_t plen = strlen(TOPICS_PREFIX), n = 0, cap = 0;
    ot_part_t *tp = NULL;

    (void) arg;
    ks_O.topics_loading = false;
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
    for (size_t i = 0; i < ks_O.ntparts; i++)
        free(ks_O.tparts[i].topic);
    free(ks_O.tparts);
    ks_O.tparts = tp;
    ks_O.ntparts = n;
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

void
ks_ops_refresh_groups(void)
{
    if (ks_O.groups_loading || ks_C.ms == NULL)
        return;
    ks_O.groups_loading = true;
    ks_O.groups_seq++;
    if (ks_ms_range(ks_C.ms, GROUPS_PREFIX, 0, groups_loaded, (void *) (uintptr_t) ks_O.groups_seq) != KS_OK) {
        ks_O.groups_loading = false;
        ks_ops_answer_waiters(UINT64_MAX);
    }
}

static void
refresh(void)
{
    ks_ops_refresh_groups();
    if (!ks_O.topics_loading && ks_C.ms != NULL && any_remote_partition()) {
        ks_O.topics_loading = true;
        if (ks_ms_range(ks_C.ms, TOPICS_PREFIX, 0, topics_loaded, NULL) != KS_OK)
            ks_O.topics_loading = false;
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
    if (ks_O.sock == NULL)
        bind_endpoint();
    if (now >= ks_O.next_probe_ms) {
        probe();
        ks_O.next_probe_ms = now + PROBE_MS;
    }
    if (ks_C.ready)
        refresh();
    ks_stats_export_os(ks_stats_proc(shm()->stats, ks_C.in->slot), ks_O.os ? ks_objstore_stats(ks_O.os) : NULL);
}

/* ---------- HTTP helpers ---------- */

void
ks_ops_reply(struct evhttp_request *req, int code, const char *reason, const char *ctype, struct evbuffer *b)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);

    evhttp_add_header(h, "Content-Type", ctype);
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_send_reply(req, code, reason, b);
}

void
ks_ops_reply_text(struct evhttp_request *req, int code, const char *reason, const char *text)
{
    struct evbuffer *b = evbuffer_new();

    if (b == NULL) {
        evhttp_send_error(req, 500, "out of memory");
        return;
    }
    evbuffer_add_printf(b, "%s\n", text);
    ks_ops_reply(req, code, reason, "text/plain; charset=utf-8", b);
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
    ks_ops_reply(req, code, reason, "application/json", b);
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
        ks_ops_reply(req, 200, "OK", f->type, b);
        evbuffer_free(b);
        return;
    }
    ks_ops_reply_text(req, 404, "Not Found", "no such console file");
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
    if (ks_O.auth == NULL)
        ks_O.auth = ks_opsauth_new();
    /* the configuration's credentials, which SIGHUP reloads */
    if (ks_O.auth == NULL || ks_opsauth_set(ks_O.auth, conf->ops_auth_token, conf->ops_auth_basic) != KS_OK) {
        ks_log_error("ops: could not set up the credentials check (out of memory), refusing %s", path);
        evhttp_send_error(req, 500, "Internal Server Error");
        return false;
    }
    rc = ks_opsauth_check(ks_O.auth, evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization"));
    if (rc == KS_OPSAUTH_OK)
        return true;

    ks_O.auth_failures++;
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
    if (ks_opsauth_has_token(ks_O.auth))
        evhttp_add_header(h, "WWW-Authenticate", "Bearer realm=\"kafscale\"");
    if (ks_opsauth_has_basic(ks_O.auth))
        evhttp_add_header(h, "WWW-Authenticate", "Basic realm=\"kafscale\", charset=\"UTF-8\"");
    if (strncmp(path, "/api/", 5) == 0)
        ks_ops_reply_error(req, 401, "Unauthorized", "authentication required");
    else
        ks_ops_reply_text(req, 401, "Unauthorized", "authentication required");
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
        ks_ops_reply_text(req, 302, "Found", "the console is at /");
    } else if (strncmp(path, "/console/", 9) == 0) {
        console_file(req, path + 9);
    } else if (strcmp(path, "/healthz") == 0) {
        ks_ops_reply_text(req, 200, "OK", "ok");
    } else if (strcmp(path, "/readyz") == 0) {
        if (ks_ops_ready())
            ks_ops_reply_text(req, 200, "OK", "ready");
        else if (!ks_C.ready)
            ks_ops_reply_text(req, 503, "Service Unavailable", "not ready: loading the cluster metadata");
        else if (!ks_O.ms_ok)
            ks_ops_reply_text(req, 503, "Service Unavailable", "not ready: the metadata store does not answer");
        else if (!ks_O.os_ok)
            ks_ops_reply_text(req, 503, "Service Unavailable", "not ready: the object store does not answer");
        else
            ks_ops_reply_text(req, 503, "Service Unavailable", "not ready");
    } else if (strcmp(path, "/metrics") == 0) {
        ks_ops_metrics(req);
    } else if (strcmp(path, "/api/v1/status") == 0) {
        ks_ops_api_status(req);
    } else if (strcmp(path, "/api/v1/brokers") == 0) {
        ks_ops_api_brokers(req);
    } else if (strcmp(path, "/api/v1/throughput") == 0) {
        ks_ops_api_throughput(req);
    } else if ((rest = path_rest(path, "/api/v1/topics")) != NULL) {
        ks_ops_api_topics(req, rest[0] ? rest : NULL);
        free(rest);
    } else if ((rest = path_rest(path, "/api/v1/groups")) != NULL) {
        ks_ops_api_groups(req, rest[0] ? rest : NULL);
        free(rest);
    } else if ((rest = path_rest(path, "/api/v1/users")) != NULL) {
        ks_ops_api_users(req, rest[0] ? rest : NULL);
        free(rest);
    } else if (strncmp(path, "/api/", 5) == 0) {
        ks_ops_reply_error(req, 404, "Not Found", "no such resource");
    } else {
        ks_ops_reply_text(req, 404, "Not Found",
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

    if (parse_addr(ks_O.addr, host, sizeof(host), &port) != KS_OK) {
        if (!warned)
            ks_log_error("could not open the ops endpoint: bad address \"%s\"", ks_O.addr);
        warned = true;
        return KS_ERROR;
    }
    ks_O.sock = evhttp_bind_socket_with_handle(ks_O.http, host, port);
    if (ks_O.sock == NULL) {
        if (!warned)
            ks_log_error("could not listen for ops requests on %s: %s (retrying)", ks_O.addr, strerror(errno));
        warned = true;
        return KS_ERROR;
    }
    if (warned)
        ks_log_info("ops endpoint listening on %s", ks_O.addr);
    else
        ks_log_debug("ops endpoint listening on %s", ks_O.addr);
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

    if (ks_O.on)
        return;
    memset(&ks_O, 0, sizeof(ks_O));
    ks_O.started_ms = ks_now_ms();
    ms_timing_install();
    if (conf->ops_listen == NULL || conf->ops_listen[0] == 0)
        return;                  /* disabled */
    snprintf(ks_O.addr, sizeof(ks_O.addr), "%s", conf->ops_listen);
    ks_O.http = evhttp_new(ks_C.base);
    if (ks_O.http == NULL) {
        ks_log_error("could not create the ops endpoint");
        return;
    }
    /* POST and DELETE: /api/v1/acls and /api/v1/users/<name> only (on_request) */
    evhttp_set_allowed_methods(ks_O.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE);
    evhttp_set_timeout(ks_O.http, 30);
    evhttp_set_max_headers_size(ks_O.http, 16384);
    evhttp_set_max_body_size(ks_O.http, 4096);
    evhttp_set_gencb(ks_O.http, on_request, NULL);
    ks_O.on = true;
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
    ks_O.os = ks_objstore_open(ks_C.base, &oc, err, sizeof(err));
    if (ks_O.os == NULL) {
        ks_log_error("ops: could not open the %s object store for the readiness probe: %s", oc.backend, err);
        snprintf(ks_O.os_err, sizeof(ks_O.os_err), "%.200s", err);
    }
    ks_O.timer = event_new(ks_C.base, -1, EV_PERSIST, on_timer, NULL);
    if (ks_O.timer != NULL)
        event_add(ks_O.timer, &tv);
    probe();
    ks_O.next_probe_ms = ks_now_ms() + PROBE_MS;
}

void
ks_ops_stop(void)
{
    waiter_t *w;

    if (ks_O.orig != NULL && ks_C.ms != NULL)
        ks_C.ms->backend = ks_O.orig;
    ks_O.orig = NULL;
    if (!ks_O.on)
        return;
    ks_O.on = false;
    if (ks_O.timer != NULL)
        event_free(ks_O.timer);
    ks_O.timer = NULL;
    while ((w = ks_O.waiters) != NULL) {
        ks_O.waiters = w->next;
        free(w->name);
        free(w);
    }
    /* frees pending requests and connections */
    evhttp_free(ks_O.http);
    ks_O.http = NULL;
    ks_O.sock = NULL;
    if (ks_O.os != NULL)
        ks_objstore_close(ks_O.os);   /* probe callbacks run from here */
    ks_O.os = NULL;
    ks_opsauth_free(ks_O.auth);
    ks_O.auth = NULL;
    groups_free(ks_O.groups, ks_O.ngroups);
    ks_O.groups = NULL;
    ks_O.ngroups = 0;
    for (size_t i = 0; i < ks_O.ntparts; i++)
        free(ks_O.tparts[i].topic);
    free(ks_O.tparts);
    ks_O.tparts = NULL;
    ks_O.ntparts = 0;
}
