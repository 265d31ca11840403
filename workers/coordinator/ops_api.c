/*
 * ops_api.c: the ops endpoint's JSON admin API (see ops.h): status,
 * brokers, topics, groups with committed offsets and lag, throughput
 * counters, users (SCRAM credentials, scram.c).  /api/v1/acls is acls.c's.
 * Runs in: coordinator.
 *
 * Answered from memory (shared memory, the coordinator's view, the caches
 * of ops.c); /api/v1/groups/<name> waits for one fresh read of the groups.
 * No secret is ever written out: users show mechanisms and iteration
 * counts, never salts or keys, and passwords are taken from loopback only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "coordinator.h"
#include "groups.h"
#include "log.h"
#include "ops.h"
#include "ops_int.h"
#include "sasl.h"
#include "util.h"

#define FRESH_MS        1000      /* /api/v1/groups refreshes older copies */

/* ---------- JSON admin API ---------- */

static cJSON *
json_partition(const ks_mv_topic_t *t, const ks_mv_partition_t *mp)
{
    cJSON *o = cJSON_CreateObject();
    pinfo_t pi;
    bool known = ks_ops_part_info(t, mp, &pi);

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

void
ks_ops_api_topics(struct evhttp_request *req, const char *name)
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

void
ks_ops_api_brokers(struct evhttp_request *req)
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
        if (ks_ops_hw_of(of->topic, of->partition, &hw)) {
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

    if (ks_O.groups_ms == 0) {
        ks_ops_reply_error(req, 503, "Service Unavailable", "consumer groups not loaded yet");
        return;
    }
    if (name != NULL) {
        for (size_t i = 0; i < ks_O.ngroups; i++)
            if (strcmp(ks_O.groups[i].name, name) == 0) {
                ks_ops_reply_json(req, 200, "OK", json_group(&ks_O.groups[i]));
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
    for (size_t i = 0; i < ks_O.ngroups; i++)
        cJSON_AddItemToArray(arr, json_group(&ks_O.groups[i]));
    ks_ops_reply_json(req, 200, "OK", arr);
}

/* Answers the requests that waited for the read `seq` (or an earlier one;
 * UINT64_MAX: every request, the read failed); the requests that came while
 * it was in flight need the next one, issued here. */
void
ks_ops_answer_waiters(uint64_t seq)
{
    waiter_t *w = ks_O.waiters, **keep = &ks_O.waiters;

    ks_O.waiters = NULL;
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
    if (ks_O.waiters != NULL)
        ks_ops_refresh_groups();
}

void
ks_ops_api_groups(struct evhttp_request *req, const char *name)
{
    waiter_t *w;

    /* One group (an operator looking at it, or a script right after its
     * consumer closed) is always read again: the answer shows every commit
     * and membership change acknowledged before the request.  The list of
     * every group may be up to FRESH_MS old. */
    if (!ks_C.ready || (name == NULL && ks_now_ms() - ks_O.groups_ms <= FRESH_MS)) {
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
    w->need_seq = ks_O.groups_seq + 1;
    w->next = ks_O.waiters;
    ks_O.waiters = w;
    ks_ops_refresh_groups();
}

void
ks_ops_api_status(struct evhttp_request *req)
{
    cJSON *o = cJSON_CreateObject(), *procs = cJSON_CreateArray(), *ring = cJSON_CreateObject();
    cJSON *ms = cJSON_CreateObject(), *os = cJSON_CreateObject();
    ks_ring_t *r = shm()->ring;
    int64_t now = ks_now_ms();
    uint32_t conns = 0;

    cJSON_AddStringToObject(o, "version", KS_VERSION);
    cJSON_AddStringToObject(o, "cluster_id", ks_C.cluster_id ? ks_C.cluster_id : "");
    cJSON_AddNumberToObject(o, "broker_id", (double) ks_C.in->conf->broker_id);
    cJSON_AddNumberToObject(o, "uptime_seconds", (double) ks_ops_uptime_ms() / 1000.0);
    cJSON_AddBoolToObject(o, "ready", ks_ops_ready());
    cJSON_AddNumberToObject(o, "topics", ks_C.mv.ntopics);
    cJSON_AddNumberToObject(o, "groups", (double) ks_O.ngroups);
    cJSON_AddStringToObject(ms, "backend", ks_C.in->conf->metadata_store);
    cJSON_AddBoolToObject(ms, "ok", ks_O.ms_ok);
    if (!ks_O.ms_ok && ks_O.ms_err[0]) {
        char e[sizeof(ks_O.ms_err)];

        snprintf(e, sizeof(e), "%s", ks_O.ms_err);
        ks_log_redact(e, sizeof(e));        /* server answers are not trusted to be clean */
        cJSON_AddStringToObject(ms, "error", e);
    }
    cJSON_AddItemToObject(o, "metadata_store", ms);
    cJSON_AddStringToObject(os, "backend", ks_C.in->conf->object_store);
    cJSON_AddBoolToObject(os, "ok", ks_O.os_ok);
    if (!ks_O.os_ok && ks_O.os_err[0]) {
        char e[sizeof(ks_O.os_err)];

        snprintf(e, sizeof(e), "%s", ks_O.os_err);
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
void
ks_ops_api_throughput(struct evhttp_request *req)
{
    cJSON *o = cJSON_CreateObject();
    uint64_t rin = 0, bin = 0, rout = 0, bout = 0, reqs = 0, nin = 0, nout = 0;

    for (int32_t i = 0; i < ks_C.mv.ntopics; i++) {
        const ks_mv_topic_t *t = &ks_C.mv.topics[i];
        for (int32_t j = 0; j < t->npartitions; j++) {
            pinfo_t pi;
            if (!ks_ops_part_info(t, &t->partitions[j], &pi) || !pi.local)
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

void
ks_ops_api_users(struct evhttp_request *req, const char *name)
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
