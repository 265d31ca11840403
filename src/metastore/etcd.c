/*
 * etcd.c: the `etcd` metadata store: etcd's v3 JSON gateway (etcd 3.4,
 * POST /v3/...) over libcurl's multi interface, driven by the coordinator's
 * libevent loop (src/curlev.c), bodies built and parsed with cJSON.  Runs
 * in: coordinator.
 *
 * Order: requests run one at a time, in call order, over one keep-alive
 * connection, so a call issued after another sees its effect (as with the
 * embedded store).  A watch is also created in that order: the calls made
 * after ks_ms_watch() run after etcd has confirmed the watch, and it starts
 * at the revision after the last one this store has seen, so it reports
 * exactly the changes after the call.
 *
 * Wire rules (NOTES-infra §1): keys and values are base64; int64 fields come
 * as JSON strings and are parsed with strtoll (lease IDs exceed 2^53); zero
 * values are left out (no `succeeded` on a failed txn, no `TTL` on a lost
 * lease, no `type` on a PUT event).
 *
 * Transactions: one ks_ms_txn is one /v3/kv/txn request.  GET ops are sent
 * before the writes so they read the state before the txn, as embedded
 * does.  etcd refuses more than --max-txn-ops operations per branch (default
 * 128) and the same key written twice in one txn; such a txn fails with
 * etcd's message.  Splitting it would not be atomic, so run etcd with
 * --max-txn-ops large enough for the flusher's high watermark commits.
 *
 * Endpoints: "host:port" or "http://host:port", comma-separated.  A request
 * that could not connect goes to the next endpoint (it was never sent, so
 * that is safe for a txn); when every endpoint refused, the call fails with
 * "etcd HOST:PORT unreachable: connection refused".  Other transport errors
 * (timeout after sending, connection lost) fail the call, since etcd may
 * have applied it, and make the next call start at the next endpoint.
 * There is no failed state: the next call tries again.
 *
 * Watches: a long-lived streamed POST per watch whose chunked body carries
 * one JSON object per line.  On stream loss the watch reconnects (backoff
 * 50 ms doubling to 2 s, next endpoint) with start_revision = last event
 * + 1; when that revision was compacted it re-arms at the compaction
 * revision (the oldest etcd still has, so nothing after the gap is lost)
 * and logs the gap.
 *
 * Auth: with a username, POST /v3/auth/authenticate gets a token sent as
 * the Authorization header; an "invalid auth token" answer re-authenticates
 * and retries once.  The password is never logged.
 *
 * Callbacks (results and watch events) are delivered from a libevent event,
 * never from inside an API call or a curl callback; results are freed after
 * their callback returns.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "curlev.h"
#include "log.h"
#include "util.h"
#include "metastore/metastore.h"

#define ETCD_TIMEOUT_MS          5000
#define ETCD_CONNECT_TIMEOUT_MS  2000
#define ETCD_WATCH_BACKOFF_MIN   50
#define ETCD_WATCH_BACKOFF_MAX   2000
#define ETCD_MAX_TTL             (10LL * 365 * 86400)

typedef struct ks_etcd ks_etcd_t;
typedef struct ks_etcd_watch ks_etcd_watch_t;

enum {
    REQ_RANGE = 1,      /* get and range */
    REQ_PUT,
    REQ_DELETE,
    REQ_TXN,
    REQ_GRANT,
    REQ_KEEPALIVE,
    REQ_REVOKE_KEYS,    /* timetolive with keys: how many the revoke deletes */
    REQ_REVOKE,
    REQ_WATCH,          /* creates a watch stream, in call order */
    REQ_AUTH,
};

typedef struct {
    char *p;
    size_t len, cap;
} ks_etcd_buf_t;

typedef struct ks_etcd_req {
    struct ks_etcd_req *next;
    ks_etcd_t *ms;
    int kind;
    const char *path;
    char *body;
    int64_t lease;              /* revoke */
    int watch_id;               /* REQ_WATCH */
    ks_ms_cb cb;
    void *arg;
    ks_ms_result_t res;
    char err[320];
    CURL *easy;
    struct curl_slist *hdrs;
    char curl_err[CURL_ERROR_SIZE];
    ks_etcd_buf_t resp;
    int tries;                  /* endpoints tried for this attempt */
    bool auth_retried;
    bool done;                  /* result ready, waiting for delivery */
} ks_etcd_req_t;

struct ks_etcd_watch {
    ks_etcd_watch_t *next;
    ks_etcd_t *ms;
    int id;
    char *prefix;
    ks_ms_watch_cb cb;
    void *arg;
    CURL *easy;
    struct curl_slist *hdrs;
    char *body;
    char curl_err[CURL_ERROR_SIZE];
    ks_etcd_buf_t line;         /* bytes of the line being received */
    int64_t next_rev;           /* first revision not seen yet; 0 = current */
    int ep;
    int backoff_ms;
    struct event *retry_ev;
    bool created;
    bool restart;               /* compacted: re-arm at once */
    bool gone;                  /* unwatched */
    ks_etcd_req_t *creating;    /* the queue's REQ_WATCH waiting for "created" */
};

typedef struct ks_etcd_item {
    struct ks_etcd_item *next;
    ks_etcd_req_t *req;         /* a result, or NULL for a watch event */
    int watch_id;
    int kind;
    ks_kv_t kv;
} ks_etcd_item_t;

typedef struct {
    char *url;                  /* "http://127.0.0.1:2379" */
    char *name;                 /* "127.0.0.1:2379" (for messages) */
} ks_etcd_ep_t;

struct ks_etcd {
    ks_metastore_t base;        /* first: metastore.c dispatches on it */
    struct event_base *evbase;
    ks_curlev_t *cev;           /* curl multi on evbase */
    struct event *deliver_ev;

    ks_etcd_ep_t *eps;
    int neps;
    int cur;                    /* endpoint for the next request */
    bool down;                  /* last request found etcd unreachable (logged) */

    char *username;
    char *password;
    char *token;

    ks_etcd_req_t *qhead, **qtail;      /* waiting, in call order */
    ks_etcd_req_t *inflight;            /* the one running (or NULL) */
    ks_etcd_req_t *auth;                /* an authentication running */
    ks_etcd_item_t *dhead, **dtail;     /* ready to deliver */

    ks_etcd_watch_t *watches;
    int next_watch_id;
    int64_t last_rev;           /* highest revision seen in any answer */

    bool delivering;
    bool closing;
};

static void ks_etcd_pump(ks_etcd_t *ms);
static void ks_etcd_watch_start(ks_etcd_watch_t *w);
static void ks_etcd_auth_done(ks_etcd_t *ms, ks_etcd_req_t *a, bool ok, cJSON *j);
static void ks_etcd_req_finished(void *arg, CURL *e, CURLcode cc);
static void ks_etcd_watch_finished(void *arg, CURL *e, CURLcode cc);

/* ---- memory, buffers, base64 ---------------------------------------- */

static void *
ks_etcd_xalloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL) {
        ks_log_error("etcd metadata store out of memory allocating %zu bytes", n);
        abort();
    }
    return q;
}

static char *
ks_etcd_strdup(const char *s)
{
    size_t n = strlen(s);

    return memcpy(ks_etcd_xalloc(NULL, n + 1), s, n + 1);
}

static void
ks_etcd_buf_add(ks_etcd_buf_t *b, const void *p, size_t n)
{
    if (b->cap - b->len < n + 1) {
        size_t cap = b->cap ? b->cap : 1024;

        while (cap - b->len < n + 1)
            cap *= 2;
        b->p = ks_etcd_xalloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
ks_etcd_wipe_free(char *s)
{
    if (s != NULL) {
        volatile char *v = s;

        while (*v)
            *v++ = '\0';
        free(s);
    }
}

static const char ks_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *
ks_etcd_b64_encode(const void *data, size_t n)
{
    const uint8_t *p = data;
    char *out = ks_etcd_xalloc(NULL, (n + 2) / 3 * 4 + 1), *o = out;
    size_t i;

    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t) p[i] << 16 | (uint32_t) p[i + 1] << 8 | p[i + 2];
        *o++ = ks_b64[v >> 18];
        *o++ = ks_b64[(v >> 12) & 63];
        *o++ = ks_b64[(v >> 6) & 63];
        *o++ = ks_b64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t) p[i] << 16 | (i + 1 < n ? (uint32_t) p[i + 1] << 8 : 0);
        *o++ = ks_b64[v >> 18];
        *o++ = ks_b64[(v >> 12) & 63];
        *o++ = i + 1 < n ? ks_b64[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

/* Decodes standard base64 (padding optional) into a new NUL-terminated
 * buffer; NULL on a bad character. */
static uint8_t *
ks_etcd_b64_decode(const char *s, size_t *outlen)
{
    size_t n = strlen(s), bits = 0;
    uint8_t *out = ks_etcd_xalloc(NULL, n / 4 * 3 + 4), *o = out;
    uint32_t acc = 0;

    for (; *s != '\0' && *s != '='; s++) {
        const char *c = strchr(ks_b64, *s);

        if (c == NULL) {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (uint32_t) (c - ks_b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = (uint8_t) (acc >> bits);
        }
    }
    *o = 0;
    *outlen = (size_t) (o - out);
    return out;
}

/* ---- JSON helpers ---------------------------------------------------- */

/* The revision after `rev`; a revision from the network may be anything, so
 * INT64_MAX stays INT64_MAX rather than overflowing. */
static int64_t
ks_etcd_rev_after(int64_t rev)
{
    return rev < INT64_MAX ? rev + 1 : INT64_MAX;
}

/* An int64 field: etcd sends them as strings; a missing one is 0. */
static int64_t
ks_etcd_i64(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    if (cJSON_IsString(v) && v->valuestring != NULL)
        return strtoll(v->valuestring, NULL, 10);
    if (cJSON_IsNumber(v)) {
        /* small numbers only, never IDs; out of range (or NaN) is refused */
        if (!(v->valuedouble >= -9.2e18 && v->valuedouble <= 9.2e18))
            return 0;
        return (int64_t) v->valuedouble;
    }
    return 0;
}

static void
ks_etcd_add_i64(cJSON *obj, const char *name, int64_t v)
{
    char s[24];

    snprintf(s, sizeof(s), "%" PRId64, v);
    cJSON_AddStringToObject(obj, name, s);
}

static void
ks_etcd_add_b64(cJSON *obj, const char *name, const void *p, size_t n)
{
    char *s = ks_etcd_b64_encode(p, n);

    cJSON_AddStringToObject(obj, name, s);
    free(s);
}

/* The end of the range holding every key that starts with prefix: the
 * prefix with its last byte below 0xff incremented; "\0" (no end) when
 * there is none. */
static void
ks_etcd_add_prefix(cJSON *obj, const char *prefix, size_t n)
{
    char *end;
    size_t i = n;

    if (n == 0) {               /* every key: ["\0", no end) */
        ks_etcd_add_b64(obj, "key", "", 1);
        ks_etcd_add_b64(obj, "range_end", "", 1);
        return;
    }
    ks_etcd_add_b64(obj, "key", prefix, n);
    end = ks_etcd_xalloc(NULL, n);
    memcpy(end, prefix, n);
    while (i > 0 && (uint8_t) end[i - 1] == 0xff)
        i--;
    if (i == 0) {
        ks_etcd_add_b64(obj, "range_end", "", 1);
    } else {
        end[i - 1] = (char) ((uint8_t) end[i - 1] + 1);
        ks_etcd_add_b64(obj, "range_end", end, i);
    }
    free(end);
}

static char *
ks_etcd_print(cJSON *obj)
{
    char *s = cJSON_PrintUnformatted(obj);

    cJSON_Delete(obj);
    if (s == NULL) {
        ks_log_error("etcd metadata store out of memory building a request");
        abort();
    }
    return s;
}

static size_t
ks_etcd_len(const char *s, size_t n)
{
    return n != 0 ? n : strlen(s);
}

/* Fills kv from an etcd KeyValue; false when its base64 is bad. */
static bool
ks_etcd_kv_parse(const cJSON *j, ks_kv_t *kv)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "key");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "value");

    memset(kv, 0, sizeof(*kv));
    if (!cJSON_IsString(k)
        || (kv->key = (char *) ks_etcd_b64_decode(k->valuestring, &kv->key_len)) == NULL)
        return false;
    kv->value = ks_etcd_b64_decode(cJSON_IsString(v) ? v->valuestring : "", &kv->value_len);
    if (kv->value == NULL) {
        free(kv->key);
        kv->key = NULL;
        return false;
    }
    kv->create_rev = ks_etcd_i64(j, "create_revision");
    kv->mod_rev = ks_etcd_i64(j, "mod_revision");
    kv->version = ks_etcd_i64(j, "version");
    kv->lease = ks_etcd_i64(j, "lease");
    return true;
}

/* Appends the kvs of a RangeResponse to res. */
static bool
ks_etcd_kvs_parse(const cJSON *range, ks_ms_result_t *res)
{
    const cJSON *kvs = cJSON_GetObjectItemCaseSensitive(range, "kvs"), *j;
    int n = cJSON_GetArraySize(kvs);

    if (n <= 0)
        return true;
    res->kvs = ks_etcd_xalloc(res->kvs, (res->nkvs + (size_t) n) * sizeof(ks_kv_t));
    cJSON_ArrayForEach(j, kvs) {
        if (!ks_etcd_kv_parse(j, &res->kvs[res->nkvs]))
            return false;
        res->nkvs++;
    }
    return true;
}

/* ---- HTTP ------------------------------------------------------------ */

static size_t
ks_etcd_write_fn(char *ptr, size_t size, size_t nmemb, void *ud)
{
    ks_etcd_req_t *r = ud;

    ks_etcd_buf_add(&r->resp, ptr, size * nmemb);
    return size * nmemb;
}

/* A new easy handle for a POST of body to path on endpoint ep. */
static CURL *
ks_etcd_easy(ks_etcd_t *ms, int ep, const char *path, const char *body,
             struct curl_slist **hdrs, char *errbuf, long timeout_ms)
{
    CURL *e = curl_easy_init();
    char url[512];

    if (e == NULL)
        return NULL;
    snprintf(url, sizeof(url), "%s%s", ms->eps[ep].url, path);
    *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    *hdrs = curl_slist_append(*hdrs, "Expect:");
    if (ms->token != NULL) {
        size_t n = strlen(ms->token) + 32;
        char *h = ks_etcd_xalloc(NULL, n);

        snprintf(h, n, "Authorization: %s", ms->token);
        *hdrs = curl_slist_append(*hdrs, h);
        ks_etcd_wipe_free(h);
    }
    errbuf[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, *hdrs);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen(body));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long) ETCD_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    return e;
}

/* Why a transfer failed, lower case: "connection refused", ... */
static void
ks_etcd_why(CURL *e, CURLcode cc, const char *errbuf, char *out, size_t outlen)
{
    long oserr = 0;

    if (cc == CURLE_OPERATION_TIMEDOUT)
        snprintf(out, outlen, "no answer within %s ms",
                 strstr(errbuf, "onnect") != NULL ? "2000 (connect)" : "5000");
    else if (curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr) == CURLE_OK && oserr != 0)
        snprintf(out, outlen, "%s", strerror((int) oserr));
    else
        snprintf(out, outlen, "%s", errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
    if (out[0] >= 'A' && out[0] <= 'Z' && !(out[1] >= 'A' && out[1] <= 'Z'))
        out[0] = (char) (out[0] - 'A' + 'a');
}

/* Could not connect at all: the request was never sent. */
static bool
ks_etcd_not_sent(CURL *e, CURLcode cc)
{
    curl_off_t connect_us = 0;

    if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST)
        return true;
    return cc == CURLE_OPERATION_TIMEDOUT
           && curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &connect_us) == CURLE_OK
           && connect_us == 0;
}

/* ---- delivery -------------------------------------------------------- */

static void
ks_etcd_item_push(ks_etcd_t *ms, ks_etcd_item_t *it)
{
    it->next = NULL;
    *ms->dtail = it;
    ms->dtail = &it->next;
    event_active(ms->deliver_ev, 0, 1);
}

static void
ks_etcd_req_free(ks_etcd_req_t *r)
{
    if (r->easy != NULL) {
        ks_curlev_remove(r->ms->cev, r->easy);
        curl_easy_cleanup(r->easy);
    }
    curl_slist_free_all(r->hdrs);
    ks_ms_result_free(&r->res);
    if (r->kind == REQ_AUTH)
        ks_etcd_wipe_free(r->body);
    else
        free(r->body);
    free(r->resp.p);
    free(r);
}

static void
ks_etcd_item_free(ks_etcd_item_t *it)
{
    if (it->req != NULL) {
        ks_etcd_req_free(it->req);
    } else {
        free(it->kv.key);
        free(it->kv.value);
    }
    free(it);
}

/* The request's result is final: queue its callback. */
static void
ks_etcd_req_done(ks_etcd_t *ms, ks_etcd_req_t *r)
{
    ks_etcd_item_t *it = ks_etcd_xalloc(NULL, sizeof(*it));

    memset(it, 0, sizeof(*it));
    if (r->res.rc != KS_OK && r->res.error == NULL)
        r->res.error = "etcd request failed";
    if (r->res.rc != KS_OK) {
        /* no partial results on failure */
        ks_ms_result_free(&r->res);
        r->res.count = 0;
    }
    r->done = true;
    it->req = r;
    ks_etcd_item_push(ms, it);
}

static ks_etcd_watch_t *
ks_etcd_watch_find(ks_etcd_t *ms, int id)
{
    ks_etcd_watch_t *w;

    for (w = ms->watches; w != NULL; w = w->next)
        if (w->id == id && !w->gone)
            return w;
    return NULL;
}

static void ks_etcd_destroy(ks_etcd_t *ms);

static void
ks_etcd_deliver_cb(evutil_socket_t fd, short what, void *arg)
{
    ks_etcd_t *ms = arg;
    ks_etcd_item_t *it, *next;

    (void) fd;
    (void) what;
    it = ms->dhead;
    ms->dhead = NULL;
    ms->dtail = &ms->dhead;
    ms->delivering = true;
    for (; it != NULL; it = next) {
        next = it->next;
        if (!ms->closing) {
            if (it->req != NULL) {
                if (it->req->cb != NULL)
                    it->req->cb(it->req->arg, &it->req->res);
            } else {
                ks_etcd_watch_t *w = ks_etcd_watch_find(ms, it->watch_id);

                if (w != NULL)
                    w->cb(w->arg, it->kind, &it->kv);
            }
        }
        ks_etcd_item_free(it);
    }
    ms->delivering = false;
    if (ms->closing)
        ks_etcd_destroy(ms);
}

/* ---- the request queue ---------------------------------------------- */

static ks_etcd_req_t *
ks_etcd_req_new(ks_etcd_t *ms, int kind, const char *path, char *body, ks_ms_cb cb, void *arg)
{
    ks_etcd_req_t *r = ks_etcd_xalloc(NULL, sizeof(*r));

    memset(r, 0, sizeof(*r));
    r->ms = ms;
    r->kind = kind;
    r->path = path;
    r->body = body;
    r->cb = cb;
    r->arg = arg;
    r->res.rc = KS_OK;
    return r;
}

static int
ks_etcd_submit(ks_etcd_t *ms, ks_etcd_req_t *r)
{
    r->next = NULL;
    *ms->qtail = r;
    ms->qtail = &r->next;
    ks_etcd_pump(ms);
    return KS_OK;
}

static void
ks_etcd_fail(ks_etcd_req_t *r, const char *fmt, ...) KS_PRINTF(2, 3);

static void
ks_etcd_fail(ks_etcd_req_t *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->err, sizeof(r->err), fmt, ap);
    va_end(ap);
    r->res.rc = KS_ERROR;
    r->res.error = r->err;
}

/* Starts r's HTTP request on the current endpoint. */
static void
ks_etcd_start(ks_etcd_t *ms, ks_etcd_req_t *r)
{
    r->resp.len = 0;
    curl_slist_free_all(r->hdrs);
    r->hdrs = NULL;
    r->easy = ks_etcd_easy(ms, ms->cur, r->path, r->body, &r->hdrs, r->curl_err,
                           ETCD_TIMEOUT_MS);
    if (r->easy != NULL) {
        curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, ks_etcd_write_fn);
        curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
        if (ks_curlev_add(ms->cev, r->easy, ks_etcd_req_finished, r) == KS_OK)
            return;
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
    }
    ks_etcd_fail(r, "etcd request could not be started");
    if (r->kind == REQ_AUTH) {
        ks_etcd_auth_done(ms, r, false, NULL);
        return;
    }
    if (ms->inflight == r)
        ms->inflight = NULL;
    ks_etcd_req_done(ms, r);
}

static ks_etcd_req_t *
ks_etcd_auth_req(ks_etcd_t *ms)
{
    cJSON *j = cJSON_CreateObject();

    cJSON_AddStringToObject(j, "name", ms->username);
    cJSON_AddStringToObject(j, "password", ms->password);
    return ks_etcd_req_new(ms, REQ_AUTH, "/v3/auth/authenticate", ks_etcd_print(j), NULL, NULL);
}

/* Starts the next queued request when nothing runs. */
static void
ks_etcd_pump(ks_etcd_t *ms)
{
    while (!ms->closing && ms->inflight == NULL && ms->auth == NULL && ms->qhead != NULL) {
        ks_etcd_req_t *r = ms->qhead;

        if (ms->username != NULL && ms->token == NULL) {
            ms->auth = ks_etcd_auth_req(ms);
            ks_etcd_start(ms, ms->auth);
            continue;
        }
        ms->qhead = r->next;
        if (ms->qhead == NULL)
            ms->qtail = &ms->qhead;
        r->next = NULL;
        r->tries = 0;
        if (r->kind == REQ_WATCH) {
            ks_etcd_watch_t *w = ks_etcd_watch_find(ms, r->watch_id);

            if (w == NULL) {        /* unwatched before it started */
                ks_etcd_req_done(ms, r);
                continue;
            }
            ms->inflight = r;
            w->creating = r;
            w->next_rev = ms->last_rev > 0 ? ks_etcd_rev_after(ms->last_rev) : 0;
            w->ep = ms->cur;
            ks_etcd_watch_start(w);
            continue;
        }
        ms->inflight = r;
        ks_etcd_start(ms, r);
    }
}

/* ---- answers --------------------------------------------------------- */

static void
ks_etcd_seen_rev(ks_etcd_t *ms, const cJSON *obj)
{
    int64_t rev = ks_etcd_i64(cJSON_GetObjectItemCaseSensitive(obj, "header"), "revision");

    if (rev > ms->last_rev)
        ms->last_rev = rev;
}

/* An HTTP error answer: {"error":..,"message":..,"code":N}. */
static void
ks_etcd_http_error(ks_etcd_req_t *r, long status, const cJSON *j, int *grpc_code)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
    const char *msg = cJSON_IsString(m) ? m->valuestring : NULL;

    *grpc_code = (int) ks_etcd_i64(j, "code");
    if (msg != NULL && strstr(msg, "lease not found") != NULL) {
        ks_etcd_fail(r, "lease not found");
        return;
    }
    if (msg != NULL)
        ks_etcd_fail(r, "etcd %s: %s", r->ms->eps[r->ms->cur].name, msg);
    else
        ks_etcd_fail(r, "etcd %s: http status %ld", r->ms->eps[r->ms->cur].name, status);
}

/* Fills r->res from a 200 answer. */
static void
ks_etcd_parse_ok(ks_etcd_t *ms, ks_etcd_req_t *r, cJSON *j)
{
    const cJSON *x, *resp;

    switch (r->kind) {
    case REQ_RANGE:
        r->res.count = (size_t) ks_etcd_i64(j, "count");
        if (!ks_etcd_kvs_parse(j, &r->res))
            ks_etcd_fail(r, "etcd %s sent a bad key or value", ms->eps[ms->cur].name);
        break;
    case REQ_PUT:
        break;
    case REQ_DELETE:
        r->res.count = (size_t) ks_etcd_i64(j, "deleted");
        break;
    case REQ_TXN:
        x = cJSON_GetObjectItemCaseSensitive(j, "succeeded");
        r->res.succeeded = cJSON_IsTrue(x);
        cJSON_ArrayForEach(resp, cJSON_GetObjectItemCaseSensitive(j, "responses")) {
            const cJSON *rr = cJSON_GetObjectItemCaseSensitive(resp, "response_range");
            const cJSON *rd = cJSON_GetObjectItemCaseSensitive(resp, "response_delete_range");

            if (rr != NULL && !ks_etcd_kvs_parse(rr, &r->res))
                ks_etcd_fail(r, "etcd %s sent a bad key or value", ms->eps[ms->cur].name);
            if (rd != NULL)
                r->res.count += (size_t) ks_etcd_i64(rd, "deleted");
        }
        break;
    case REQ_GRANT:
        x = cJSON_GetObjectItemCaseSensitive(j, "error");
        if (cJSON_IsString(x) && x->valuestring[0] != '\0') {
            ks_etcd_fail(r, "etcd %s: %s", ms->eps[ms->cur].name, x->valuestring);
            break;
        }
        r->res.lease_id = ks_etcd_i64(j, "ID");
        r->res.lease_ttl = ks_etcd_i64(j, "TTL");
        break;
    case REQ_KEEPALIVE:
        /* a stream answer: {"result":{...}} or {"error":{...}} */
        x = cJSON_GetObjectItemCaseSensitive(j, "result");
        if (x == NULL) {
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");

            ks_etcd_fail(r, "etcd %s: %s", ms->eps[ms->cur].name,
                         cJSON_IsString(m) ? m->valuestring : "keepalive failed");
            break;
        }
        ks_etcd_seen_rev(ms, x);
        r->res.revision = ks_etcd_i64(cJSON_GetObjectItemCaseSensitive(x, "header"), "revision");
        r->res.lease_ttl = ks_etcd_i64(x, "TTL");   /* absent: the lease is gone */
        break;
    case REQ_REVOKE_KEYS:
        r->res.count = (size_t) cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "keys"));
        break;
    default:
        break;
    }
}

/* Takes the token out of an authenticate answer. */
static void
ks_etcd_auth_done(ks_etcd_t *ms, ks_etcd_req_t *a, bool ok, cJSON *j)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "token");

    ms->auth = NULL;
    if (ok && cJSON_IsString(t) && t->valuestring[0] != '\0') {
        ms->token = ks_etcd_strdup(t->valuestring);
        ks_etcd_req_free(a);
        return;
    }
    /* fail the request that waited for it; the next one tries again */
    if (ms->qhead != NULL) {
        ks_etcd_req_t *r = ms->qhead;

        ms->qhead = r->next;
        if (ms->qhead == NULL)
            ms->qtail = &ms->qhead;
        ks_etcd_fail(r, "etcd authentication as %s failed: %s", ms->username,
                     a->res.error != NULL ? a->res.error : "no token in the answer");
        ks_log_error("%s", r->err);
        if (r->kind == REQ_WATCH) {
            ks_etcd_watch_t *w = ks_etcd_watch_find(ms, r->watch_id);
            if (w != NULL && w->retry_ev != NULL) {
                struct timeval tv = { 1, 0 };
                evtimer_add(w->retry_ev, &tv);      /* tries on its own later */
            }
        }
        ks_etcd_req_done(ms, r);
    }
    ks_etcd_req_free(a);
}

static void
ks_etcd_revoke_next(ks_etcd_t *ms, ks_etcd_req_t *r)
{
    cJSON *j = cJSON_CreateObject();

    ks_etcd_add_i64(j, "ID", r->lease);
    free(r->body);
    r->body = ks_etcd_print(j);
    r->kind = REQ_REVOKE;
    r->path = "/v3/lease/revoke";
    ks_etcd_start(ms, r);
}

/* A request's transfer ended (e is r->easy, out of the multi). */
static void
ks_etcd_req_finished(void *arg, CURL *e, CURLcode cc)
{
    ks_etcd_req_t *r = arg;
    ks_etcd_t *ms = r->ms;
    cJSON *j = NULL;
    int grpc_code = 0;
    bool is_auth = r->kind == REQ_AUTH;
    long status = 0;

    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    r->easy = NULL;
    if (cc != CURLE_OK) {
        char why[256];
        bool retry = ks_etcd_not_sent(e, cc);

        ks_etcd_why(e, cc, r->curl_err, why, sizeof(why));
        curl_easy_cleanup(e);
        r->tries++;
        ks_etcd_fail(r, "etcd %s unreachable: %s", ms->eps[ms->cur].name, why);
        if (retry && r->tries < ms->neps) {
            ks_log_warn("etcd %s unreachable: %s, trying %s", ms->eps[ms->cur].name, why,
                        ms->eps[(ms->cur + 1) % ms->neps].name);
            ms->cur = (ms->cur + 1) % ms->neps;
            r->res.rc = KS_OK;
            r->res.error = NULL;
            ks_etcd_start(ms, r);
            return;
        }
        if (!ms->down)      /* once per outage; every call reports it */
            ks_log_error("%s", r->err);
        ms->down = true;
        ms->cur = (ms->cur + 1) % ms->neps;
        goto finish;
    }
    curl_easy_cleanup(e);
    if (ms->down) {
        ks_log_info("etcd %s reachable again", ms->eps[ms->cur].name);
        ms->down = false;
    }
    j = cJSON_ParseWithLength(r->resp.p != NULL ? r->resp.p : "", r->resp.len);
    if (status != 200) {
        ks_etcd_http_error(r, status, j, &grpc_code);
        /* invalid or expired token: authenticate again, retry once */
        if (grpc_code == 16 && ms->username != NULL && !is_auth && !r->auth_retried) {
            r->auth_retried = true;
            ks_etcd_wipe_free(ms->token);
            ms->token = NULL;
            r->res.rc = KS_OK;
            r->res.error = NULL;
            ms->inflight = NULL;
            r->next = ms->qhead;        /* first again, after the auth */
            ms->qhead = r;
            if (ms->qtail == &ms->qhead)
                ms->qtail = &r->next;
            cJSON_Delete(j);
            ks_etcd_pump(ms);
            return;
        }
    } else if (j == NULL) {
        ks_etcd_fail(r, "etcd %s sent an answer that is not JSON", ms->eps[ms->cur].name);
    } else {
        ks_etcd_seen_rev(ms, j);
        r->res.revision = ks_etcd_i64(cJSON_GetObjectItemCaseSensitive(j, "header"), "revision");
        ks_etcd_parse_ok(ms, r, j);
    }
    if (r->res.revision == 0)
        r->res.revision = ms->last_rev;
    if (is_auth) {
        ks_etcd_auth_done(ms, r, r->res.rc == KS_OK, j);
        cJSON_Delete(j);
        ks_etcd_pump(ms);
        return;
    }
    cJSON_Delete(j);
    if (r->kind == REQ_REVOKE_KEYS && r->res.rc == KS_OK) {
        ks_etcd_revoke_next(ms, r);
        return;
    }
finish:
    if (is_auth) {
        ks_etcd_auth_done(ms, r, false, NULL);
    } else {
        if (ms->inflight == r)
            ms->inflight = NULL;
        ks_etcd_req_done(ms, r);
    }
    ks_etcd_pump(ms);
}

/* ---- watches --------------------------------------------------------- */

static void
ks_etcd_watch_event(ks_etcd_watch_t *w, const cJSON *ev)
{
    ks_etcd_item_t *it;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
    bool del = cJSON_IsString(type) && strcmp(type->valuestring, "DELETE") == 0;

    it = ks_etcd_xalloc(NULL, sizeof(*it));
    memset(it, 0, sizeof(*it));
    if (!ks_etcd_kv_parse(cJSON_GetObjectItemCaseSensitive(ev, "kv"), &it->kv)) {
        ks_log_error("etcd watch on %s: bad event from %s", w->prefix, w->ms->eps[w->ep].name);
        free(it);
        return;
    }
    it->watch_id = w->id;
    it->kind = del ? KS_MS_WATCH_DELETE : KS_MS_WATCH_PUT;
    if (it->kv.mod_rev >= w->next_rev && it->kv.mod_rev < INT64_MAX)
        w->next_rev = ks_etcd_rev_after(it->kv.mod_rev);
    if (it->kv.mod_rev > w->ms->last_rev)
        w->ms->last_rev = it->kv.mod_rev;
    ks_etcd_item_push(w->ms, it);
}

/* The watch's creation is settled (created, or failed): let the queue go on. */
static void
ks_etcd_watch_settled(ks_etcd_watch_t *w, bool ok, const char *why)
{
    ks_etcd_req_t *r = w->creating;
    ks_etcd_t *ms = w->ms;

    if (r == NULL)
        return;
    w->creating = NULL;
    if (!ok)
        /* reported through the log; the watch keeps trying by itself */
        ks_log_warn("etcd watch on %s not created yet: %s", w->prefix, why);
    if (ms->inflight == r)
        ms->inflight = NULL;
    ks_etcd_req_done(ms, r);
}

/* One line of the watch stream. Returns false to abort the stream. */
static bool
ks_etcd_watch_line(ks_etcd_watch_t *w, const char *line, size_t len)
{
    cJSON *j = cJSON_ParseWithLength(line, len), *res;
    const cJSON *ev;
    bool keep = true;

    if (j == NULL) {
        ks_log_error("etcd watch on %s: %s sent a line that is not JSON", w->prefix,
                     w->ms->eps[w->ep].name);
        return false;
    }
    res = cJSON_GetObjectItemCaseSensitive(j, "result");
    if (res == NULL) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");

        ks_log_error("etcd watch on %s: %s", w->prefix,
                     cJSON_IsString(m) ? m->valuestring : "error in the stream");
        if (ks_etcd_i64(e, "grpc_code") == 16 || ks_etcd_i64(e, "code") == 16) {
            ks_etcd_wipe_free(w->ms->token);  /* re-authenticate on reconnect */
            w->ms->token = NULL;
        }
        cJSON_Delete(j);
        return false;
    }
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "created"))) {
        int64_t rev = ks_etcd_i64(cJSON_GetObjectItemCaseSensitive(res, "header"), "revision");

        w->created = true;
        w->backoff_ms = 0;
        if (w->next_rev == 0)
            w->next_rev = ks_etcd_rev_after(rev);
        if (rev > w->ms->last_rev)
            w->ms->last_rev = rev;
        ks_etcd_watch_settled(w, true, NULL);
    }
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "canceled"))) {
        int64_t crev = ks_etcd_i64(res, "compact_revision");

        if (crev > 0) {
            /* resume at the oldest revision etcd still has: only the
             * compacted ones are lost, nothing after them */
            ks_log_warn("etcd watch on %s missed changes: revisions %" PRId64 " to %" PRId64
                        " were compacted, resuming at revision %" PRId64,
                        w->prefix, w->next_rev, crev - 1, crev);
            w->next_rev = crev;
            w->restart = true;
        } else {
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(res, "cancel_reason");
            ks_log_error("etcd watch on %s canceled by %s: %s", w->prefix,
                         w->ms->eps[w->ep].name, cJSON_IsString(m) ? m->valuestring : "no reason");
        }
        keep = false;
    }
    cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(res, "events"))
        ks_etcd_watch_event(w, ev);
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "events")) == 0 && w->created
        && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "created")) && keep) {
        /* progress notification: everything up to its revision was sent */
        int64_t rev = ks_etcd_i64(cJSON_GetObjectItemCaseSensitive(res, "header"), "revision");
        if (rev < INT64_MAX && rev + 1 > w->next_rev)
            w->next_rev = rev + 1;
    }
    cJSON_Delete(j);
    return keep;
}

static size_t
ks_etcd_watch_write_fn(char *ptr, size_t size, size_t nmemb, void *ud)
{
    ks_etcd_watch_t *w = ud;
    size_t n = size * nmemb, i, start = 0;

    for (i = 0; i < n; i++) {
        if (ptr[i] != '\n')
            continue;
        ks_etcd_buf_add(&w->line, ptr + start, i - start);
        start = i + 1;
        if (w->line.len > 0 && !ks_etcd_watch_line(w, w->line.p, w->line.len)) {
            w->line.len = 0;
            return 0;           /* curl ends the transfer (write error) */
        }
        w->line.len = 0;
    }
    ks_etcd_buf_add(&w->line, ptr + start, n - start);
    return n;
}

static void
ks_etcd_watch_retry_cb(evutil_socket_t fd, short what, void *arg)
{
    ks_etcd_watch_t *w = arg;

    (void) fd;
    (void) what;
    if (!w->gone && w->easy == NULL) {
        if (w->ms->username != NULL && w->ms->token == NULL) {
            /* authenticate through the queue first: piggyback on the next
             * request, or an empty keepalive-free auth round */
            struct timeval tv = { 0, 200000 };

            if (w->ms->auth == NULL && w->ms->inflight == NULL) {
                w->ms->auth = ks_etcd_auth_req(w->ms);
                ks_etcd_start(w->ms, w->ms->auth);
            }
            evtimer_add(w->retry_ev, &tv);
            return;
        }
        ks_etcd_watch_start(w);
    }
}

static void
ks_etcd_watch_schedule(ks_etcd_watch_t *w, bool now)
{
    struct timeval tv = { 0, 0 };

    if (!now) {
        w->backoff_ms = w->backoff_ms == 0 ? ETCD_WATCH_BACKOFF_MIN
                        : KS_MIN(w->backoff_ms * 2, ETCD_WATCH_BACKOFF_MAX);
        tv.tv_sec = w->backoff_ms / 1000;
        tv.tv_usec = (w->backoff_ms % 1000) * 1000;
    }
    evtimer_add(w->retry_ev, &tv);
}

static void
ks_etcd_watch_start(ks_etcd_watch_t *w)
{
    ks_etcd_t *ms = w->ms;
    cJSON *j = cJSON_CreateObject(), *c = cJSON_AddObjectToObject(j, "create_request");

    ks_etcd_add_prefix(c, w->prefix, strlen(w->prefix));
    if (w->next_rev > 0)
        ks_etcd_add_i64(c, "start_revision", w->next_rev);
    cJSON_AddTrueToObject(c, "progress_notify");
    free(w->body);
    w->body = ks_etcd_print(j);
    w->created = false;
    w->restart = false;
    w->line.len = 0;
    curl_slist_free_all(w->hdrs);
    w->hdrs = NULL;
    w->easy = ks_etcd_easy(ms, w->ep, "/v3/watch", w->body, &w->hdrs, w->curl_err, 0);
    if (w->easy != NULL) {
        curl_easy_setopt(w->easy, CURLOPT_WRITEFUNCTION, ks_etcd_watch_write_fn);
        curl_easy_setopt(w->easy, CURLOPT_WRITEDATA, w);
        if (ks_curlev_add(ms->cev, w->easy, ks_etcd_watch_finished, w) == KS_OK)
            return;
        curl_easy_cleanup(w->easy);
        w->easy = NULL;
    }
    ks_etcd_watch_settled(w, false, "could not start the request");
    ks_etcd_watch_schedule(w, false);
}

/* The watch stream ended (e is w->easy, out of the multi). */
static void
ks_etcd_watch_finished(void *arg, CURL *e, CURLcode cc)
{
    ks_etcd_watch_t *w = arg;
    ks_etcd_t *ms = w->ms;
    char why[256];
    long status = 0;

    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (w->restart) {
        curl_easy_cleanup(w->easy);
        w->easy = NULL;
        ks_etcd_watch_schedule(w, true);
        return;
    }
    if (cc != CURLE_OK && cc != CURLE_WRITE_ERROR)
        ks_etcd_why(w->easy, cc, w->curl_err, why, sizeof(why));
    else if (status != 200)
        snprintf(why, sizeof(why), "http status %ld: %.160s", status,
                 w->line.p != NULL ? w->line.p : "");
    else
        snprintf(why, sizeof(why), "stream ended");
    curl_easy_cleanup(w->easy);
    w->easy = NULL;
    if (status == 401 && ms->token != NULL) {
        ks_etcd_wipe_free(ms->token);
        ms->token = NULL;
    }
    if (w->created || w->backoff_ms == 0)
        ks_log_warn("etcd watch on %s lost (%s: %s), reconnecting from revision %" PRId64,
                    w->prefix, ms->eps[w->ep].name, why, w->next_rev);
    ks_etcd_watch_settled(w, false, why);
    w->created = false;
    if (cc != CURLE_OK && cc != CURLE_WRITE_ERROR && ms->neps > 1)
        w->ep = (w->ep + 1) % ms->neps;
    ks_etcd_watch_schedule(w, false);
}

static void
ks_etcd_watch_free(ks_etcd_t *ms, ks_etcd_watch_t *w)
{
    if (w->easy != NULL) {
        ks_curlev_remove(ms->cev, w->easy);
        curl_easy_cleanup(w->easy);
    }
    curl_slist_free_all(w->hdrs);
    if (w->retry_ev != NULL)
        event_free(w->retry_ev);
    free(w->body);
    free(w->line.p);
    free(w->prefix);
    free(w);
}

/* After every round of curl work: a watch confirmed inside curl's write
 * callback let the queue go on, but a transfer cannot start in there. */
static void
ks_etcd_after_curl(void *arg)
{
    ks_etcd_pump(arg);
}

/* ---- open / close ---------------------------------------------------- */

static void
ks_etcd_destroy(ks_etcd_t *ms)
{
    int i;

    while (ms->watches != NULL) {
        ks_etcd_watch_t *w = ms->watches;

        ms->watches = w->next;
        ks_etcd_watch_free(ms, w);
    }
    while (ms->qhead != NULL) {
        ks_etcd_req_t *r = ms->qhead;

        ms->qhead = r->next;
        ks_etcd_req_free(r);
    }
    if (ms->inflight != NULL && !ms->inflight->done)
        ks_etcd_req_free(ms->inflight);
    if (ms->auth != NULL)
        ks_etcd_req_free(ms->auth);
    while (ms->dhead != NULL) {
        ks_etcd_item_t *it = ms->dhead;

        ms->dhead = it->next;
        ks_etcd_item_free(it);
    }
    ks_curlev_free(ms->cev);
    if (ms->deliver_ev != NULL)
        event_free(ms->deliver_ev);
    for (i = 0; i < ms->neps; i++) {
        free(ms->eps[i].url);
        free(ms->eps[i].name);
    }
    free(ms->eps);
    free(ms->username);
    ks_etcd_wipe_free(ms->password);
    ks_etcd_wipe_free(ms->token);
    free(ms);
}

static int
ks_etcd_parse_endpoints(ks_etcd_t *ms, const char *list, char *err, size_t errlen)
{
    const char *p = list;

    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t n = end != NULL ? (size_t) (end - p) : strlen(p);
        char one[256], *s = one, *slash;
        size_t len;

        while (n > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n >= sizeof(one)) {
            snprintf(err, errlen, "etcd endpoint too long in \"%s\"", list);
            return KS_ERROR;
        }
        memcpy(one, p, n);
        one[n] = '\0';
        p = end != NULL ? end + 1 : p + strlen(p);
        if (n == 0)
            continue;
        ms->eps = ks_etcd_xalloc(ms->eps, (size_t) (ms->neps + 1) * sizeof(*ms->eps));
        if (strncmp(s, "http://", 7) == 0)
            s += 7;
        else if (strncmp(s, "https://", 8) == 0)
            s += 8;
        else if (strstr(s, "://") != NULL) {
            snprintf(err, errlen, "etcd endpoint \"%s\": only http:// and https:// are supported", one);
            return KS_ERROR;
        }
        slash = strchr(s, '/');
        if (slash != NULL)
            *slash = '\0';      /* a trailing path is ignored */
        if (s[0] == '\0') {
            snprintf(err, errlen, "etcd endpoint \"%s\" names no host", one);
            return KS_ERROR;
        }
        len = strlen(s) + 16;
        ms->eps[ms->neps].name = ks_etcd_strdup(s);
        ms->eps[ms->neps].url = ks_etcd_xalloc(NULL, len);
        snprintf(ms->eps[ms->neps].url, len, "%s://%s",
                 strncmp(one, "https://", 8) == 0 ? "https" : "http", s);
        ms->neps++;
    }
    if (ms->neps == 0) {
        snprintf(err, errlen, "etcd metadata store needs etcd.endpoints (host:port, comma-separated)");
        return KS_ERROR;
    }
    return KS_OK;
}

static ks_metastore_t *
ks_etcd_open(struct event_base *base, const ks_ms_config_t *cfg, char *err, size_t errlen)
{
    ks_etcd_t *ms;

    if (cfg->etcd_endpoints == NULL || cfg->etcd_endpoints[0] == '\0') {
        snprintf(err, errlen, "etcd metadata store needs etcd.endpoints (host:port, comma-separated)");
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "could not initialize libcurl");
        return NULL;
    }
    ms = ks_etcd_xalloc(NULL, sizeof(*ms));
    memset(ms, 0, sizeof(*ms));
    ms->evbase = base;
    ms->qtail = &ms->qhead;
    ms->dtail = &ms->dhead;
    if (ks_etcd_parse_endpoints(ms, cfg->etcd_endpoints, err, errlen) != KS_OK)
        goto fail;
    if (cfg->etcd_username != NULL && cfg->etcd_username[0] != '\0') {
        ms->username = ks_etcd_strdup(cfg->etcd_username);
        ms->password = ks_etcd_strdup(cfg->etcd_password != NULL ? cfg->etcd_password : "");
    }
    ms->cev = ks_curlev_new(base, ks_etcd_after_curl, ms);
    ms->deliver_ev = event_new(base, -1, 0, ks_etcd_deliver_cb, ms);
    if (ms->cev == NULL || ms->deliver_ev == NULL) {
        snprintf(err, errlen, "could not create the etcd client");
        goto fail;
    }
    ks_log_info("etcd metadata store: %d endpoint(s), first %s%s", ms->neps, ms->eps[0].name,
                ms->username != NULL ? ", with authentication" : "");
    return &ms->base;
fail:
    ks_etcd_destroy(ms);
    return NULL;
}

static void
ks_etcd_close(ks_metastore_t *base)
{
    ks_etcd_t *ms = (ks_etcd_t *) base;

    /* requests still queued or running are dropped without callbacks (a
     * running one may still be applied by etcd) */
    if (ms->delivering) {
        ms->closing = true;
        return;
    }
    ks_etcd_destroy(ms);
}

/* ---- the API --------------------------------------------------------- */

static int
ks_etcd_get(ks_metastore_t *base, const char *key, ks_ms_cb cb, void *arg)
{
    ks_etcd_t *ms = (ks_etcd_t *) base;
    cJSON *j;

    if (key[0] == '\0')
        return KS_ERROR;
    j = cJSON_CreateObject();
    ks_etcd_add_b64(j, "key", key, strlen(key));
    return ks_etcd_submit(ms, ks_etcd_req_new(ms, REQ_RANGE, "/v3/kv/range", ks_etcd_print(j),
                                              cb, arg));
}

static int
ks_etcd_range(ks_metastore_t *base, const char *prefix, size_t limit, ks_ms_cb cb, void *arg)
{
    ks_etcd_t *ms = (ks_etcd_t *) base;
    cJSON *j = cJSON_CreateObject();

    ks_etcd_add_prefix(j, prefix, strlen(prefix));
    if (limit > 0)
        ks_etcd_add_i64(j, "limit", (int64_t) KS_MIN(limit, (size_t) INT64_MAX));
    return ks_etcd_submit(ms, ks_etcd_req_new(ms, REQ_RANGE, "/v3/kv/range", ks_etcd_print(j),
                                              cb, arg));
}

static int
ks_etcd_put(ks_metastore_t *base, const char *key, const void *value, size_t len,
            int64_t lease, ks_ms_cb cb, void *arg)
{
    ks_etcd_t *ms = (ks_etcd_t *) base;
    cJSON *j;

    if (key[0] == '\0' || lease < 0)
        return KS_ERROR;
    j = cJSON_CreateObject();
    ks_etcd_add_b64(j, "key", key, strlen(key));
    ks_etcd_add_b64(j, "value", value != NULL ? value : "", len);
    if (lease > 0)
        ks_etcd_add_i64(j, "lease", lease);
    return ks_etcd_submit(ms, ks_etcd_req_new(ms, REQ_PUT, "/v3/kv/put", ks_etcd_print(j),
                                              cb, arg));
}

static int
ks_etcd_delete(ks_metastore_t *base, const char *key, ks_ms_cb cb, void *arg)
{
    ks_etcd_t *ms = (ks_etcd_t *) base;
    cJSON *j;

    if (key[0] == '\0')
        return KS_ERROR;
    j = cJSON_CreateObject();
    ks_etcd_add_b64(j, "key", key, strlen(key));
    return ks_etcd_submit(ms, ks_etcd_req_new(ms, REQ_DELETE, "/v3/kv/deleterange",
                                              ks_etcd_print(j), cb, arg));
}

static int
ks_etcd_delete_prefix(ks_metastore_t *base, const char *prefix, ks_ms_cb cb, void *arg)
{
    ks_etcd_t *ms = (ks_etcd_t *) base;
    cJSON *j = cJSON_CreateObject();

    ks_etcd_add_prefix(j, prefix, strlen(prefix));
    return ks_etcd_submit(ms, ks_etcd_req_new(ms, REQ_DELETE, "/v3/kv/deleterange",
                                              ks_etcd_print(j), cb, arg));
}

static const char *const ks_etcd_targets[] = { NULL, "MOD", "CREATE", "VERSION", "VALUE" };
static const char *const ks_etcd_results[] = { "EQUAL", "GREATER", "LESS", "NOT_EQUAL" };

/* Appends ops (GETs first when gets_first, then the others) to arr. */
static void
ks_etcd_txn_ops(cJSON *arr, const ks_ms_op_t *ops, size_t n)
{
    int pass;
    size_t i;

    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < n; i++) {
            const ks_ms_op_t *o = &ops[i];
            size_t kl = ks_etcd_len(o->key, o->key_len);
            cJSON *item, *req;

            if ((pass == 0) != (o->kind == KS_MS_OP_GET))
                continue;
            item = cJSON_CreateObject();
            switch (o->kind) {
            case KS_MS_OP_GET:
                req = cJSON_AddObjectToObject(item, "request_range");
                ks_etcd_add_b64(req, "key", o->key, kl);
                break;
            case KS_MS_OP_PUT:
                req = cJSON_AddObjectToObject(item, "request_put");
                ks_etcd_add_b64(req, "key", o->key, kl);
                ks_etcd_add_b64(req, "value", o->value != NULL ? o->value : "", o->value_len);
                if (o->lease > 0)
                    ks_etcd_add_i64(req, "lease", o->lease);
                break;
            case KS_MS_OP_DELETE:
                req = cJSON_AddObjectToObject(item, "request_delete_range");
                ks_etcd_add_b64(req, "key", o->key, kl);
                break;
            default:
                req = cJSON_AddObjectToObject(item, "request_delete_range");
                ks_etcd_add_prefix(req, o->key, kl);
                break;
            }
            cJSON_AddItemToArray(arr, item);
        }
    }
}

static int
ks_etcd_txn(ks_metastore_t *base, const ks_ms_cmp_t *cmp, size_t ncmp,
            const ks_ms_op_t *success, size_t nsuccess,
            const ks_ms_op_t *failure, size_t nfailure, ks_ms_cb cb, void *arg)
{
    ks_etcd_t *ms = (ks_etcd_t *) base;
    cJSON *j, *arr;
    size_t i;

    /* reject malformed requests as embedded does */
    for (i = 0; i < ncmp; i++) {
        const ks_ms_cmp_t *c = &cmp[i];
        if (c->key == NULL || c->target < KS_MS_CMP_MOD_REV || c->target > KS_MS_CMP_VALUE
            || c->result < KS_MS_CMP_EQ || c->result > KS_MS_CMP_NE
            || ks_etcd_len(c->key, c->key_len) == 0
            || (c->target == KS_MS_CMP_VALUE && c->value == NULL && c->value_len > 0))
            return KS_ERROR;
    }
    for (i = 0; i < nsuccess + nfailure; i++) {
        const ks_ms_op_t *o = i < nsuccess ? &success[i] : &failure[i - nsuccess];
        if (o->key == NULL || o->kind < KS_MS_OP_PUT || o->kind > KS_MS_OP_GET)
            return KS_ERROR;
        if (o->kind != KS_MS_OP_DELETE_PREFIX && ks_etcd_len(o->key, o->key_len) == 0)
            return KS_ERROR;
        if (o->kind == KS_MS_OP_PUT && ((o->value == NULL && o->value_len > 0) || o->lease < 0))
            return KS_ERROR;
    }

    j = cJSON_CreateObject();
    arr = cJSON_AddArrayToObject(j, "compare");
    for (i = 0; i < ncmp; i++) {
        const ks_ms_cmp_t *c = &cmp[i];
        cJSON *o = cJSON_CreateObject();

        ks_etcd_add_b64(o, "key", c->key, ks_etcd_len(c->key, c->key_len));
        cJSON_AddStringToObject(o, "target", ks_etcd_targets[c->target]);
        cJSON_AddStringToObject(o, "result", ks_etcd_results[c->result]);
        switch (c->target) {
        case KS_MS_CMP_MOD_REV:    ks_etcd_add_i64(o, "mod_revision", c->number); break;
        case KS_MS_CMP_CREATE_REV: ks_etcd_add_i64(o, "create_revision", c->number); break;
        case KS_MS_CMP_VERSION:    ks_etcd_add_i64(o, "version", c->number); break;
        default:
            ks_etcd_add_b64(o, "value", c->value != NULL ? c->value : "", c->value_len);
            break;
        }
        cJSON_AddItemToArray(arr, o);
    }
    ks_etcd_txn_ops(cJSON_AddArrayToObject(j, "success"), success, nsuccess);
    ks_etcd_txn_ops(cJSON_AddArrayToObject(j, "failure"), failure, nfailure);
    return ks_etcd_submit(ms, ks_etcd_req_new(ms, REQ_TXN, "/v3/kv/txn", ks_etcd_print(j),
                                              cb, arg));
}

static int
ks_etcd_lease_grant(ks_metastore_t *base, int64_t ttl_s, ks_ms_cb cb, void *arg)
{
    ks_etcd_t *ms = (ks_etcd_t *) base;
    cJSON *j;

    if (ttl_s <= 0 || ttl_s > ETCD_MAX_TTL)
        return KS_ERROR;
    j = cJSON_CreateObject();
    ks_etcd_add_i64(j, "TTL", ttl_s);
    return ks_etcd_submit(ms, ks_etcd_req_new(ms, REQ_GRANT, "/v3/lease/grant", ks_etcd_print(j),
                                              cb, arg));
}

static int
ks_etcd_lease_keepalive(ks_metastore_t *base, int64_t lease, ks_ms_cb cb, void *arg)
{
    ks_etcd_t *ms = (ks_etcd_t *) base;
    cJSON *j = cJSON_CreateObject();
    ks_etcd_req_t *r;

    ks_etcd_add_i64(j, "ID", lease);
    r = ks_etcd_req_new(ms, REQ_KEEPALIVE, "/v3/lease/keepalive", ks_etcd_print(j), cb, arg);
    r->res.lease_id = lease;
    return ks_etcd_submit(ms, r);
}

static int
ks_etcd_lease_revoke(ks_metastore_t *base, int64_t lease, ks_ms_cb cb, void *arg)
{
    ks_etcd_t *ms = (ks_etcd_t *) base;
    cJSON *j = cJSON_CreateObject();
    ks_etcd_req_t *r;

    /* first count the keys it will delete (res->count, as embedded) */
    ks_etcd_add_i64(j, "ID", lease);
    cJSON_AddTrueToObject(j, "keys");
    r = ks_etcd_req_new(ms, REQ_REVOKE_KEYS, "/v3/lease/timetolive", ks_etcd_print(j), cb, arg);
    r->lease = lease;
    r->res.lease_id = lease;
    return ks_etcd_submit(ms, r);
}

static int
ks_etcd_watch(ks_metastore_t *base, const char *prefix, ks_ms_watch_cb cb, void *arg)
{
    ks_etcd_t *ms = (ks_etcd_t *) base;
    ks_etcd_watch_t *w;
    ks_etcd_req_t *r;

    if (ms->next_watch_id == INT32_MAX)
        return KS_ERROR;
    w = ks_etcd_xalloc(NULL, sizeof(*w));
    memset(w, 0, sizeof(*w));
    w->ms = ms;
    w->id = ms->next_watch_id++;
    w->prefix = ks_etcd_strdup(prefix);
    w->cb = cb;
    w->arg = arg;
    w->retry_ev = evtimer_new(ms->evbase, ks_etcd_watch_retry_cb, w);
    if (w->retry_ev == NULL) {
        free(w->prefix);
        free(w);
        return KS_ERROR;
    }
    w->next = ms->watches;
    ms->watches = w;
    /* created in call order: later calls run once etcd confirmed it */
    r = ks_etcd_req_new(ms, REQ_WATCH, "/v3/watch", NULL, NULL, NULL);
    r->watch_id = w->id;
    ks_etcd_submit(ms, r);
    return w->id;
}

static void
ks_etcd_unwatch(ks_metastore_t *base, int watch_id)
{
    ks_etcd_t *ms = (ks_etcd_t *) base;
    ks_etcd_watch_t **pw, *w;

    for (pw = &ms->watches; *pw != NULL; pw = &(*pw)->next)
        if ((*pw)->id == watch_id)
            break;
    if ((w = *pw) == NULL)
        return;
    *pw = w->next;
    w->gone = true;
    ks_etcd_watch_settled(w, true, NULL);
    ks_etcd_watch_free(ms, w);
    ks_etcd_pump(ms);
}

const ks_ms_backend_t ks_ms_etcd_backend = {
    .name = "etcd",
    .open = ks_etcd_open,
    .close = ks_etcd_close,
    .get = ks_etcd_get,
    .range = ks_etcd_range,
    .put = ks_etcd_put,
    .del = ks_etcd_delete,
    .del_prefix = ks_etcd_delete_prefix,
    .txn = ks_etcd_txn,
    .lease_grant = ks_etcd_lease_grant,
    .lease_keepalive = ks_etcd_lease_keepalive,
    .lease_revoke = ks_etcd_lease_revoke,
    .watch = ks_etcd_watch,
    .unwatch = ks_etcd_unwatch,
    .snapshot = NULL,
};

/* ---- TEST ONLY: the fuzz target's way in (tests/fuzz/fuzz_etcd.c) ----
 * Runs every JSON parsing path of this backend on the bytes, with no
 * network and no callbacks: the answer as a 200 of every request kind and
 * as an HTTP error, the authenticate answer, and the bytes as a watch
 * stream (split in two writes at a point taken from the input).  Never
 * called by kafscaled. */
int ks_ms_etcd_parse_for_fuzz(const uint8_t *p, size_t n);

int
ks_ms_etcd_parse_for_fuzz(const uint8_t *p, size_t n)
{
    static const int kinds[] = { REQ_RANGE, REQ_PUT, REQ_DELETE, REQ_TXN, REQ_GRANT,
                                 REQ_KEEPALIVE, REQ_REVOKE_KEYS, REQ_REVOKE, REQ_AUTH };
    static struct event_base *evbase;   /* one for the process: event_active needs it */
    ks_etcd_ep_t ep = { "http://fuzz:2379", "fuzz:2379" };
    ks_etcd_t ms;
    ks_etcd_watch_t w;
    ks_etcd_item_t *it;
    cJSON *j;
    size_t i, cut;
    int code;

    if (evbase == NULL && (evbase = event_base_new()) == NULL)
        return -1;
    memset(&ms, 0, sizeof(ms));
    ms.evbase = evbase;
    ms.eps = &ep;
    ms.neps = 1;
    ms.qtail = &ms.qhead;
    ms.dtail = &ms.dhead;
    ms.deliver_ev = event_new(evbase, -1, 0, ks_etcd_deliver_cb, &ms);
    j = cJSON_ParseWithLength((const char *) p, n);
    for (i = 0; i < KS_ARRAY_LEN(kinds); i++) {
        ks_etcd_req_t *r = ks_etcd_req_new(&ms, kinds[i], "/fuzz", NULL, NULL, NULL);

        if (j != NULL) {
            ks_etcd_seen_rev(&ms, j);
            r->res.revision = ks_etcd_i64(cJSON_GetObjectItemCaseSensitive(j, "header"), "revision");
            ks_etcd_parse_ok(&ms, r, j);
        }
        if (kinds[i] == REQ_AUTH) {
            ks_etcd_auth_done(&ms, r, r->res.rc == KS_OK && j != NULL, j);
            ks_etcd_wipe_free(ms.token);
            ms.token = NULL;
            continue;
        }
        ks_ms_result_free(&r->res);
        r->res.rc = KS_OK;
        r->res.error = NULL;
        ks_etcd_http_error(r, 400, j, &code);
        ks_etcd_req_free(r);
    }
    cJSON_Delete(j);

    memset(&w, 0, sizeof(w));
    w.ms = &ms;
    w.id = 1;
    w.prefix = "/fuzz/";
    cut = n > 0 ? p[0] % (n + 1) : 0;
    if (ks_etcd_watch_write_fn((char *) p, 1, cut, &w) == cut)
        ks_etcd_watch_write_fn((char *) p + cut, 1, n - cut, &w);
    free(w.line.p);
    while ((it = ms.dhead) != NULL) {   /* the events it would have delivered */
        ms.dhead = it->next;
        ks_etcd_item_free(it);
    }
    event_free(ms.deliver_ev);
    return 0;
}
