/*
 * offsets.c: committed offsets: OffsetCommit, OffsetFetch, OffsetDelete.
 * Runs in: coordinator.
 *
 * The offsets of every group coordinated here live in memory (loaded with
 * the group by groups.c on first use), so OffsetFetch waits for the store
 * at most once per group; a partition without a commit
 * answers offset -1 and no error (auto.offset.reset then applies).
 * Commits: all partitions of a request go into one store transaction, and
 * requests that arrive while a transaction is in flight (or within the
 * same millisecond) share the next one; the cache changes when the store
 * said yes.  Keys and values are the original KafScale's:
 *   /kafscale/consumers/<g>/offsets/<t>/<p>
 *   {"offset":N,"leader_epoch":E,"metadata":"...","committed_at":"RFC3339"}
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <cjson/cJSON.h>

#include "acl.h"
#include "groups.h"
#include "log.h"
#include "proto/errors.h"
#include "util.h"

#define OFFSET_METADATA_MAX 4096      /* Kafka's offset.metadata.max.bytes */

/* The v0-7 and v8+ OffsetFetch shapes are the same structs by other names. */
_Static_assert(sizeof(ks_offset_fetch_req_offset_fetch_request_topic_t) ==
               sizeof(ks_offset_fetch_req_offset_fetch_request_topics_t), "request topic shapes");
_Static_assert(sizeof(ks_offset_fetch_resp_offset_fetch_response_topic_t) ==
               sizeof(ks_offset_fetch_resp_offset_fetch_response_topics_t), "response topic shapes");
_Static_assert(sizeof(ks_offset_fetch_resp_offset_fetch_response_partition_t) ==
               sizeof(ks_offset_fetch_resp_offset_fetch_response_partitions_t), "response partition shapes");

/* ---------- the cache ---------- */

ks_goffset_t *
ks_goffset_find(ks_group_t *g, const char *topic, size_t tlen, int32_t partition)
{
    for (size_t i = 0; i < g->noffsets; i++) {
        ks_goffset_t *o = &g->offsets[i];
        if (o->partition == partition && strlen(o->topic) == tlen && memcmp(o->topic, topic, tlen) == 0)
            return o;
    }
    return NULL;
}

static ks_goffset_t *
goffset_put(ks_group_t *g, const char *topic, size_t tlen, int32_t partition)
{
    ks_goffset_t *o = ks_goffset_find(g, topic, tlen, partition);

    if (o != NULL)
        return o;
    if (g->noffsets == g->offsets_cap) {
        size_t cap = g->offsets_cap ? g->offsets_cap * 2 : 16;
        ks_goffset_t *n = realloc(g->offsets, sizeof(*n) * cap);
        if (n == NULL)
            return NULL;
        g->offsets = n;
        g->offsets_cap = cap;
    }
    o = &g->offsets[g->noffsets];
    memset(o, 0, sizeof(*o));
    o->topic = malloc(tlen + 1);
    if (o->topic == NULL)
        return NULL;
    memcpy(o->topic, topic, tlen);
    o->topic[tlen] = 0;
    o->partition = partition;
    o->leader_epoch = -1;
    g->noffsets++;
    return o;
}

static void
goffset_remove(ks_group_t *g, ks_goffset_t *o)
{
    free(o->topic);
    free(o->metadata);
    *o = g->offsets[--g->noffsets];
}

void
ks_goffsets_free(ks_group_t *g)
{
    for (size_t i = 0; i < g->noffsets; i++) {
        free(g->offsets[i].topic);
        free(g->offsets[i].metadata);
    }
    free(g->offsets);
    g->offsets = NULL;
    g->noffsets = g->offsets_cap = 0;
}

static int64_t
parse_rfc3339_ms(const char *s)
{
    struct tm tm;
    const char *p;
    int64_t ms = 0;

    memset(&tm, 0, sizeof(tm));
    p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (p == NULL)
        return 0;
    if (*p == '.') {
        int64_t scale = 100;
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            if (scale > 0)
                ms += (*p - '0') * scale;
    }
    return (int64_t) timegm(&tm) * 1000 + ms;
}

void
ks_goffset_load(ks_group_t *g, const char *topic, size_t tlen, int32_t partition, const char *json)
{
    cJSON *doc = cJSON_Parse(json), *off, *ep, *md, *at;
    ks_goffset_t *o;

    off = cJSON_GetObjectItemCaseSensitive(doc, "offset");
    if (doc == NULL || !cJSON_IsNumber(off)) {
        ks_log_warn("group %s: ignoring the unreadable offset of %.*s/%d", g->id, (int) tlen, topic, partition);
        cJSON_Delete(doc);
        return;
    }
    o = goffset_put(g, topic, tlen, partition);
    if (o != NULL) {
        ep = cJSON_GetObjectItemCaseSensitive(doc, "leader_epoch");
        md = cJSON_GetObjectItemCaseSensitive(doc, "metadata");
        at = cJSON_GetObjectItemCaseSensitive(doc, "committed_at");
        o->offset = (int64_t) off->valuedouble;
        o->leader_epoch = cJSON_IsNumber(ep) ? (int32_t) ep->valuedouble : -1;
        free(o->metadata);
        o->metadata = cJSON_IsString(md) ? strdup(md->valuestring) : NULL;
        o->committed_ms = cJSON_IsString(at) ? parse_rfc3339_ms(at->valuestring) : 0;
    }
    cJSON_Delete(doc);
}

static char *
offset_key(const char *group, const char *topic, int32_t partition)
{
    size_t n = strlen(KS_GROUPS_PREFIX) + strlen(group) + strlen(topic) + 32;
    char *k = malloc(n);

    if (k != NULL)
        snprintf(k, n, KS_GROUPS_PREFIX "%s/offsets/%s/%d", group, topic, partition);
    return k;
}

/* ---------- commit batches ---------- */

typedef struct {
    char *group;
    char *topic;
    int32_t partition;
    int64_t offset;
    int32_t leader_epoch;
    char *metadata;
    int64_t committed_ms;
    int16_t *error_code;          /* in the request's response */
} centry_t;

typedef struct {
    centry_t *e;
    size_t n, cap;
    ks_creq_t **creqs;
    size_t ncreqs, ccap;
} cbatch_t;

static cbatch_t open_batch;         /* collecting */
static bool commit_inflight;
static struct event *flush_ev;

static void
batch_free(cbatch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->e[i].group);
        free(b->e[i].topic);
        free(b->e[i].metadata);
    }
    free(b->e);
    free(b->creqs);
    memset(b, 0, sizeof(*b));
}

static char *
offset_json(const centry_t *e)
{
    cJSON *doc = cJSON_CreateObject();
    char ts[64];
    time_t sec = (time_t) (e->committed_ms / 1000);
    struct tm tm;
    char *out;

    gmtime_r(&sec, &tm);
    snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (e->committed_ms % 1000));
    cJSON_AddNumberToObject(doc, "offset", (double) e->offset);
    cJSON_AddNumberToObject(doc, "leader_epoch", e->leader_epoch);
    cJSON_AddStringToObject(doc, "metadata", e->metadata ? e->metadata : "");
    cJSON_AddStringToObject(doc, "committed_at", ts);
    out = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    return out;
}

static void flush_batch(void);

static void
committed_cb(void *arg, const ks_ms_result_t *res)
{
    cbatch_t *b = arg;

    if (res->rc != KS_OK)
        ks_log_error("could not commit %zu offset(s) of %zu request(s): %s", b->n, b->ncreqs, res->error);
    for (size_t i = 0; i < b->n; i++) {
        centry_t *e = &b->e[i];
        ks_group_t *g = ks_group_find(e->group, (int32_t) strlen(e->group));
        ks_goffset_t *o;

        if (g != NULL && g->ncommits > 0)
            g->ncommits--;
        if (res->rc != KS_OK) {
            *e->error_code = KS_ERR_COORDINATOR_NOT_AVAILABLE;
            continue;
        }
        if (g == NULL || g->state == KS_G_DEAD)
            continue;            /* deleted, or coordinated elsewhere now */
        o = goffset_put(g, e->topic, strlen(e->topic), e->partition);
        if (o == NULL)
            continue;
        o->offset = e->offset;
        o->leader_epoch = e->leader_epoch;
        free(o->metadata);
        o->metadata = e->metadata;
        e->metadata = NULL;
        o->committed_ms = e->committed_ms;
    }
    for (size_t i = 0; i < b->ncreqs; i++)
        ks_creq_respond(b->creqs[i]);
    batch_free(b);
    free(b);
    commit_inflight = false;
    flush_batch();
}

static void
flush_batch(void)
{
    cbatch_t *b;
    ks_ms_op_t *ops;
    char **keys, **vals;
    int rc = KS_ERROR;

    if (commit_inflight || open_batch.ncreqs == 0)
        return;
    b = malloc(sizeof(*b));
    if (b == NULL)
        return;
    *b = open_batch;
    memset(&open_batch, 0, sizeof(open_batch));
    ops = calloc(b->n + 1, sizeof(*ops));
    keys = calloc(b->n + 1, sizeof(*keys));
    vals = calloc(b->n + 1, sizeof(*vals));
    if (ops != NULL && keys != NULL && vals != NULL) {
        bool ok = true;
        for (size_t i = 0; i < b->n; i++) {
            keys[i] = offset_key(b->e[i].group, b->e[i].topic, b->e[i].partition);
            vals[i] = offset_json(&b->e[i]);
            if (keys[i] == NULL || vals[i] == NULL) {
                ok = false;
                break;
            }
            ops[i].kind = KS_MS_OP_PUT;
            ops[i].key = keys[i];
            ops[i].key_len = strlen(keys[i]);
            ops[i].value = vals[i];
            ops[i].value_len = strlen(vals[i]);
        }
        if (ok) {
            commit_inflight = true;
            rc = ks_ms_txn(ks_C.ms, NULL, 0, ops, b->n, NULL, 0, committed_cb, b);
            if (rc != KS_OK)
                commit_inflight = false;
        }
    }
    for (size_t i = 0; keys != NULL && i < b->n; i++) {
        free(keys[i]);
        free(vals[i]);
    }
    free(keys);
    free(vals);
    free(ops);
    if (rc != KS_OK) {
        ks_ms_result_t fail = { .rc = KS_ERROR, .error = "the metadata store refused the request" };
        commit_inflight = true;
        committed_cb(b, &fail);
    }
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    flush_batch();
}

static bool
batch_add_creq(ks_creq_t *creq)
{
    if (open_batch.ncreqs == open_batch.ccap) {
        size_t cap = open_batch.ccap ? open_batch.ccap * 2 : 16;
        ks_creq_t **n = realloc(open_batch.creqs, sizeof(*n) * cap);
        if (n == NULL)
            return false;
        open_batch.creqs = n;
        open_batch.ccap = cap;
    }
    open_batch.creqs[open_batch.ncreqs++] = creq;
    if (flush_ev == NULL)
        flush_ev = evtimer_new(ks_C.base, flush_cb, NULL);
    if (!commit_inflight && flush_ev != NULL && !evtimer_pending(flush_ev, NULL)) {
        struct timeval tv = { 0, 1000 };
        evtimer_add(flush_ev, &tv);
    }
    return flush_ev != NULL;
}

static centry_t *
batch_add_entry(void)
{
    if (open_batch.n == open_batch.cap) {
        size_t cap = open_batch.cap ? open_batch.cap * 2 : 64;
        centry_t *n = realloc(open_batch.e, sizeof(*n) * cap);
        if (n == NULL)
            return NULL;
        open_batch.e = n;
        open_batch.cap = cap;
    }
    memset(&open_batch.e[open_batch.n], 0, sizeof(centry_t));
    return &open_batch.e[open_batch.n++];
}

/* ---------- OffsetCommit ---------- */

void
ks_h_offset_commit(ks_creq_t *creq)
{
    ks_offset_commit_req_t *req = creq->request;
    ks_offset_commit_resp_t *resp = creq->response;
    int32_t nt = req->topics.count > 0 ? req->topics.count : 0;
    const ks_offset_commit_req_offset_commit_request_topic_t *ts = req->topics.items;
    ks_offset_commit_resp_offset_commit_response_topic_t *rt;
    ks_group_t *g = NULL;
    int16_t gerr = KS_ERR_NONE;
    size_t first = open_batch.n, added = 0;
    int64_t now = ks_now_ms();
    char *gname;

    if (!ks_coord_authz(creq, KS_ACL_OP_READ, KS_ACL_RT_GROUP, req->group_id)) {
        gerr = KS_ERR_GROUP_AUTHORIZATION_FAILED;
    } else {
        gerr = ks_group_gate(creq, req->group_id, ks_h_offset_commit);
        if (gerr == KS_ERR_COORDINATOR_LOAD_IN_PROGRESS)
            return;              /* runs again once the group is loaded */
    }
    rt = ks_arena_alloc(&creq->arena, sizeof(*rt) * (size_t) (nt ? nt : 1));
    if (rt == NULL) {
        ks_creq_close(creq);
        return;
    }
    resp->topics = (ks_array_t) { rt, nt };
    if (gerr == KS_ERR_NONE) {
        g = ks_group_find(req->group_id.p, req->group_id.len);
        if (g == NULL && req->group_id.len >= 0) {
            if (req->generation_id_or_member_epoch < 0)
                g = ks_group_get(req->group_id.p, req->group_id.len);
            else
                gerr = KS_ERR_ILLEGAL_GENERATION;
            if (g == NULL && gerr == KS_ERR_NONE)
                gerr = KS_ERR_UNKNOWN_SERVER_ERROR;
        } else if (g == NULL) {
            gerr = KS_ERR_INVALID_GROUP_ID;
        }
        if (g != NULL)
            gerr = ks_group_validate_commit(g, req->member_id, req->group_instance_id,
                                            req->generation_id_or_member_epoch);
    }
    gname = g != NULL ? g->id : NULL;
    for (int32_t i = 0; i < nt; i++) {
        int32_t np = ts[i].partitions.count > 0 ? ts[i].partitions.count : 0;
        const ks_offset_commit_req_offset_commit_request_partition_t *ps = ts[i].partitions.items;
        ks_offset_commit_resp_offset_commit_response_partition_t *rp =
            ks_arena_alloc(&creq->arena, sizeof(*rp) * (size_t) (np ? np : 1));
        const ks_mv_topic_t *t = ts[i].name.len > 0 ? ks_metaview_topic(&ks_C.mv, ts[i].name.p, (size_t) ts[i].name.len)
                                                    : NULL;

        if (rp == NULL) {
            open_batch.n = first; /* nothing of this request was queued yet */
            ks_creq_close(creq);
            return;
        }
        bool tallowed = gerr != KS_ERR_NONE || ks_coord_authz(creq, KS_ACL_OP_READ, KS_ACL_RT_TOPIC, ts[i].name);

        rt[i].name = ts[i].name.len >= 0 ? ts[i].name : KS_STR_LIT("");
        rt[i].partitions = (ks_array_t) { rp, np };
        for (int32_t j = 0; j < np; j++) {
            centry_t *e;

            rp[j].partition_index = ps[j].partition_index;
            rp[j].error_code = gerr;
            if (gerr != KS_ERR_NONE)
                continue;
            if (!tallowed) {
                rp[j].error_code = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
                continue;
            }
            if (t == NULL || ps[j].partition_index < 0 || ps[j].partition_index >= t->npartitions) {
                rp[j].error_code = KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
                continue;
            }
            if (ps[j].committed_metadata.len > OFFSET_METADATA_MAX) {
                rp[j].error_code = KS_ERR_OFFSET_METADATA_TOO_LARGE;
                continue;
            }
            e = batch_add_entry();
            if (e == NULL) {
                rp[j].error_code = KS_ERR_UNKNOWN_SERVER_ERROR;
                continue;
            }
            e->group = strdup(gname);
            e->topic = strdup(t->name);
            e->partition = ps[j].partition_index;
            e->offset = ps[j].committed_offset;
            e->leader_epoch = ps[j].committed_leader_epoch;
            e->committed_ms = now;
            e->error_code = &rp[j].error_code;
            if (ps[j].committed_metadata.len >= 0) {
                e->metadata = malloc((size_t) ps[j].committed_metadata.len + 1);
                if (e->metadata != NULL) {
                    if (ps[j].committed_metadata.len > 0)
                        memcpy(e->metadata, ps[j].committed_metadata.p, (size_t) ps[j].committed_metadata.len);
                    e->metadata[ps[j].committed_metadata.len] = 0;
                }
            }
            if (e->group == NULL || e->topic == NULL) {
                rp[j].error_code = KS_ERR_UNKNOWN_SERVER_ERROR;
                free(e->group);
                free(e->topic);
                free(e->metadata);
                open_batch.n--;
                continue;
            }
            added++;
        }
    }
    if (added > 0 && g != NULL)
        g->ncommits += (int) added;
    if (added == 0 || !batch_add_creq(creq)) {
        if (added > 0 && g != NULL)
            g->ncommits -= (int) added;
        for (size_t i = first; i < open_batch.n; i++) {
            *open_batch.e[i].error_code = KS_ERR_UNKNOWN_SERVER_ERROR;
            free(open_batch.e[i].group);
            free(open_batch.e[i].topic);
            free(open_batch.e[i].metadata);
        }
        open_batch.n = first;
        ks_creq_respond(creq);
    }
}

/* ---------- OffsetFetch ---------- */

typedef ks_offset_fetch_req_offset_fetch_request_topic_t req_topic_t;
typedef ks_offset_fetch_resp_offset_fetch_response_topic_t resp_topic_t;
typedef ks_offset_fetch_resp_offset_fetch_response_partition_t resp_part_t;

static void
fill_part(ks_arena_t *a, resp_part_t *p, int32_t partition, const ks_goffset_t *o, int16_t err)
{
    p->partition_index = partition;
    p->error_code = err;
    if (o != NULL && err == KS_ERR_NONE) {
        p->committed_offset = o->offset;
        p->committed_leader_epoch = o->leader_epoch;
        p->metadata = ks_g_arena_str(a, o->metadata ? o->metadata : "");
    } else {
        p->committed_offset = -1;
        p->committed_leader_epoch = -1;
        p->metadata = KS_STR_LIT("");
    }
}

/* Answers one group's part: the requested partitions (topics != null) or
 * every committed one.  err goes into every partition (v0/v1 have no
 * other place for it).  KS_ERROR when out of memory. */
static int
fill_group(ks_creq_t *creq, ks_str_t group, const ks_array_t *topics, ks_array_t *out, int16_t err)
{
    ks_arena_t *a = &creq->arena;
    ks_group_t *g = err == KS_ERR_NONE ? ks_group_find(group.p, group.len) : NULL;

    if (topics->count >= 0) {
        const req_topic_t *ts = topics->items;
        resp_topic_t *rt = ks_arena_alloc(a, sizeof(*rt) * (size_t) (topics->count ? topics->count : 1));
        if (rt == NULL)
            return KS_ERROR;
        for (int32_t i = 0; i < topics->count; i++) {
            int32_t np = ts[i].partition_indexes.count > 0 ? ts[i].partition_indexes.count : 0;
            const int32_t *ps = ts[i].partition_indexes.items;
            resp_part_t *rp = ks_arena_alloc(a, sizeof(*rp) * (size_t) (np ? np : 1));
            if (rp == NULL)
                return KS_ERROR;
            bool tallowed = err != KS_ERR_NONE || ks_coord_authz(creq, KS_ACL_OP_DESCRIBE, KS_ACL_RT_TOPIC, ts[i].name);

            rt[i].name = ts[i].name.len >= 0 ? ts[i].name : KS_STR_LIT("");
            for (int32_t j = 0; j < np; j++) {
                const ks_goffset_t *o = g != NULL && ts[i].name.len >= 0 && tallowed
                                            ? ks_goffset_find(g, ts[i].name.p, (size_t) ts[i].name.len, ps[j]) : NULL;
                fill_part(a, &rp[j], ps[j], o, tallowed ? err : KS_ERR_TOPIC_AUTHORIZATION_FAILED);
            }
            rt[i].partitions = (ks_array_t) { rp, np };
        }
        *out = (ks_array_t) { rt, topics->count };
        return KS_OK;
    }
    /* all committed partitions, by topic */
    *out = KS_ARRAY_EMPTY;
    if (g == NULL || g->noffsets == 0)
        return KS_OK;
    {
        resp_topic_t *rt = ks_arena_alloc(a, sizeof(*rt) * g->noffsets);
        bool *done = ks_arena_alloc(a, sizeof(bool) * g->noffsets);
        int32_t nt = 0;
        if (rt == NULL || done == NULL)
            return KS_ERROR;
        for (size_t i = 0; i < g->noffsets; i++) {
            int32_t np = 0, k = 0;
            resp_part_t *rp;
            if (done[i])
                continue;
            /* topics the principal may not DESCRIBE are left out */
            if (!ks_coord_authz_quiet(creq, KS_ACL_OP_DESCRIBE, KS_ACL_RT_TOPIC, KS_STR(g->offsets[i].topic))) {
                for (size_t j = i; j < g->noffsets; j++)
                    if (strcmp(g->offsets[j].topic, g->offsets[i].topic) == 0)
                        done[j] = true;
                continue;
            }
            for (size_t j = i; j < g->noffsets; j++)
                if (strcmp(g->offsets[j].topic, g->offsets[i].topic) == 0)
                    np++;
            rp = ks_arena_alloc(a, sizeof(*rp) * (size_t) np);
            if (rp == NULL)
                return KS_ERROR;
            for (size_t j = i; j < g->noffsets; j++) {
                if (!done[j] && strcmp(g->offsets[j].topic, g->offsets[i].topic) == 0) {
                    done[j] = true;
                    fill_part(a, &rp[k++], g->offsets[j].partition, &g->offsets[j], KS_ERR_NONE);
                }
            }
            rt[nt].name = ks_g_arena_str(a, g->offsets[i].topic);
            rt[nt].partitions = (ks_array_t) { rp, k };
            nt++;
        }
        *out = (ks_array_t) { rt, nt };
    }
    return KS_OK;
}

void
ks_h_offset_fetch(ks_creq_t *creq)
{
    ks_offset_fetch_req_t *req = creq->request;
    ks_offset_fetch_resp_t *resp = creq->response;
    int v = creq->hdr.request_api_version;
    int16_t err;

    if (v < 8) {
        ks_array_t topics = req->topics;
        if (!ks_coord_authz(creq, KS_ACL_OP_DESCRIBE, KS_ACL_RT_GROUP, req->group_id)) {
            err = KS_ERR_GROUP_AUTHORIZATION_FAILED;
        } else {
            err = ks_group_gate(creq, req->group_id, ks_h_offset_fetch);
            if (err == KS_ERR_COORDINATOR_LOAD_IN_PROGRESS)
                return;          /* runs again once the group is loaded */
        }
        if (v < 2 && topics.count < 0)
            topics = KS_ARRAY_EMPTY;
        if (fill_group(creq, req->group_id, &topics, &resp->topics, err) != KS_OK) {
            ks_creq_close(creq);
            return;
        }
        resp->error_code = err;
    } else {
        int32_t n = req->groups.count > 0 ? req->groups.count : 0;
        const ks_offset_fetch_req_offset_fetch_request_group_t *gs = req->groups.items;
        ks_offset_fetch_resp_offset_fetch_response_group_t *out;

        if (n > 0 && ks_group_gate_all(creq, &gs[0].group_id, n, sizeof(gs[0]), ks_h_offset_fetch))
            return;              /* runs again once the groups are loaded */
        out = ks_arena_alloc(&creq->arena, sizeof(*out) * (size_t) (n ? n : 1));
        if (out == NULL) {
            ks_creq_close(creq);
            return;
        }
        for (int32_t i = 0; i < n; i++) {
            out[i].group_id = gs[i].group_id.len >= 0 ? gs[i].group_id : KS_STR_LIT("");
            err = ks_group_gate(creq, gs[i].group_id, NULL);
            if (!ks_coord_authz(creq, KS_ACL_OP_DESCRIBE, KS_ACL_RT_GROUP, gs[i].group_id))
                err = KS_ERR_GROUP_AUTHORIZATION_FAILED;
            out[i].error_code = err;
            if (fill_group(creq, gs[i].group_id, &gs[i].topics, &out[i].topics, err) != KS_OK) {
                ks_creq_close(creq);
                return;
            }
        }
        resp->groups = (ks_array_t) { out, n };
    }
    ks_creq_respond(creq);
}

/* ---------- OffsetDelete ---------- */

typedef struct {
    ks_creq_t *creq;
    char *group;
    char **topics;
    int32_t *partitions;
    size_t n;
} odelete_op_t;

static void
odeleted_cb(void *arg, const ks_ms_result_t *res)
{
    odelete_op_t *op = arg;
    ks_offset_delete_resp_t *resp = op->creq->response;
    ks_group_t *g = ks_group_find(op->group, (int32_t) strlen(op->group));

    if (res->rc != KS_OK) {
        ks_log_error("could not delete offsets of group %s: %s", op->group, res->error);
        resp->error_code = KS_ERR_COORDINATOR_NOT_AVAILABLE;
    }
    for (size_t i = 0; i < op->n; i++) {
        ks_goffset_t *o;
        if (res->rc == KS_OK && g != NULL &&
            (o = ks_goffset_find(g, op->topics[i], strlen(op->topics[i]), op->partitions[i])) != NULL)
            goffset_remove(g, o);
        free(op->topics[i]);
    }
    ks_creq_respond(op->creq);
    free(op->topics);
    free(op->partitions);
    free(op->group);
    free(op);
}

void
ks_h_offset_delete(ks_creq_t *creq)
{
    ks_offset_delete_req_t *req = creq->request;
    ks_offset_delete_resp_t *resp = creq->response;
    int32_t nt = req->topics.count > 0 ? req->topics.count : 0;
    const ks_offset_delete_req_offset_delete_request_topic_t *ts = req->topics.items;
    ks_offset_delete_resp_offset_delete_response_topic_t *rt;
    ks_group_t *g;
    size_t total = 0, n = 0;
    odelete_op_t *op;
    ks_ms_op_t *ops;

    if (!ks_coord_authz(creq, KS_ACL_OP_DELETE, KS_ACL_RT_GROUP, req->group_id)) {
        resp->error_code = KS_ERR_GROUP_AUTHORIZATION_FAILED;
        resp->topics = KS_ARRAY_EMPTY;
        ks_creq_respond(creq);
        return;
    }
    resp->error_code = ks_group_gate(creq, req->group_id, ks_h_offset_delete);
    if (resp->error_code == KS_ERR_COORDINATOR_LOAD_IN_PROGRESS)
        return;                  /* runs again once the group is loaded */
    if (resp->error_code != KS_ERR_NONE) {
        ks_creq_respond(creq);
        return;
    }
    g = ks_group_find(req->group_id.p, req->group_id.len);
    if (g == NULL || g->state == KS_G_DEAD) {
        resp->error_code = KS_ERR_GROUP_ID_NOT_FOUND;
        ks_creq_respond(creq);
        return;
    }
    if (g->state != KS_G_EMPTY && (g->protocol_type == NULL || strcmp(g->protocol_type, "consumer") != 0)) {
        resp->error_code = KS_ERR_NON_EMPTY_GROUP;
        ks_creq_respond(creq);
        return;
    }
    rt = ks_arena_alloc(&creq->arena, sizeof(*rt) * (size_t) (nt ? nt : 1));
    if (rt == NULL) {
        ks_creq_close(creq);
        return;
    }
    for (int32_t i = 0; i < nt; i++)
        total += ts[i].partitions.count > 0 ? (size_t) ts[i].partitions.count : 0;
    op = calloc(1, sizeof(*op));
    ops = calloc(total + 1, sizeof(*ops));
    if (op != NULL) {
        op->topics = calloc(total + 1, sizeof(char *));
        op->partitions = calloc(total + 1, sizeof(int32_t));
        op->group = strdup(g->id);
        op->creq = creq;
    }
    if (op == NULL || ops == NULL || op->topics == NULL || op->partitions == NULL || op->group == NULL) {
        if (op != NULL) {
            free(op->topics);
            free(op->partitions);
            free(op->group);
        }
        free(op);
        free(ops);
        ks_creq_close(creq);
        return;
    }
    resp->topics = (ks_array_t) { rt, nt };
    for (int32_t i = 0; i < nt; i++) {
        int32_t np = ts[i].partitions.count > 0 ? ts[i].partitions.count : 0;
        const ks_offset_delete_req_offset_delete_request_partition_t *ps = ts[i].partitions.items;
        ks_offset_delete_resp_offset_delete_response_partition_t *rp =
            ks_arena_alloc(&creq->arena, sizeof(*rp) * (size_t) (np ? np : 1));
        bool subscribed = g->state != KS_G_EMPTY && ts[i].name.len > 0 &&
                          ks_group_subscribed(g, ts[i].name.p, (size_t) ts[i].name.len);
        const ks_mv_topic_t *t = ts[i].name.len > 0 ? ks_metaview_topic(&ks_C.mv, ts[i].name.p, (size_t) ts[i].name.len)
                                                    : NULL;

        bool tallowed = ks_coord_authz(creq, KS_ACL_OP_READ, KS_ACL_RT_TOPIC, ts[i].name);

        rt[i].name = ts[i].name.len >= 0 ? ts[i].name : KS_STR_LIT("");
        rt[i].partitions = (ks_array_t) { rp, rp ? np : 0 };
        for (int32_t j = 0; rp != NULL && j < np; j++) {
            rp[j].partition_index = ps[j].partition_index;
            rp[j].error_code = KS_ERR_NONE;
            if (!tallowed) {
                rp[j].error_code = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
                continue;
            }
            if (subscribed) {
                rp[j].error_code = KS_ERR_GROUP_SUBSCRIBED_TO_TOPIC;
                continue;
            }
            if (t == NULL && (ts[i].name.len <= 0 || ks_goffset_find(g, ts[i].name.p, (size_t) ts[i].name.len,
                                                                      ps[j].partition_index) == NULL)) {
                rp[j].error_code = KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
                continue;
            }
            if (ks_goffset_find(g, ts[i].name.p, (size_t) ts[i].name.len, ps[j].partition_index) == NULL)
                continue;
            op->topics[n] = malloc((size_t) ts[i].name.len + 1);
            if (op->topics[n] == NULL)
                continue;
            memcpy(op->topics[n], ts[i].name.p, (size_t) ts[i].name.len);
            op->topics[n][ts[i].name.len] = 0;
            op->partitions[n] = ps[j].partition_index;
            n++;
        }
    }
    op->n = n;
    if (n == 0) {
        ks_ms_result_t ok = { .rc = KS_OK };
        free(ops);
        odeleted_cb(op, &ok);
        return;
    }
    {
        char **keys = calloc(n, sizeof(char *));
        int rc = KS_ERROR;
        if (keys != NULL) {
            for (size_t i = 0; i < n; i++) {
                keys[i] = offset_key(g->id, op->topics[i], op->partitions[i]);
                ops[i].kind = KS_MS_OP_DELETE;
                ops[i].key = keys[i] ? keys[i] : "";
                ops[i].key_len = keys[i] ? strlen(keys[i]) : 0;
            }
            rc = ks_ms_txn(ks_C.ms, NULL, 0, ops, n, NULL, 0, odeleted_cb, op);
            for (size_t i = 0; i < n; i++)
                free(keys[i]);
            free(keys);
        }
        free(ops);
        if (rc != KS_OK) {
            ks_ms_result_t fail = { .rc = KS_ERROR, .error = "the metadata store refused the request" };
            odeleted_cb(op, &fail);
        }
    }
}
