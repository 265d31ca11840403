/*
 * metadata.c: the Metadata API.  Runs in: worker (answered from the shared
 * snapshot) and coordinator (after auto-creating topics).
 */
#include "config.h"

#include <string.h>

#include "acl.h"
#include "broker.h"
#include "log.h"
#include "proto/errors.h"

bool
ks_topic_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > 249)
        return false;
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

bool
ks_metadata_wants_create(const ks_metadata_req_t *req, int version)
{
    /* v0-v3 have no flag: those clients expect auto-creation. */
    if (version < 4)
        return true;
    return req->allow_auto_topic_creation;
}

static int
fill_topic(const ks_metaview_t *mv, const ks_mv_topic_t *t, ks_metadata_resp_metadata_response_topic_t *out,
           ks_arena_t *a)
{
    ks_metadata_resp_metadata_response_partition_t *ps;

    out->error_code = KS_ERR_NONE;
    out->name = (ks_str_t) { t->name, (int32_t) t->name_len };
    out->topic_id = t->id;
    out->is_internal = t->internal;
    out->topic_authorized_operations = INT32_MIN;
    ps = ks_arena_alloc(a, sizeof(*ps) * (size_t) (t->npartitions ? t->npartitions : 1));
    if (ps == NULL)
        return KS_ERROR;
    for (int32_t i = 0; i < t->npartitions; i++) {
        const ks_mv_partition_t *p = &t->partitions[i];
        int32_t *nodes = ks_arena_alloc(a, sizeof(int32_t));

        if (nodes == NULL)
            return KS_ERROR;
        nodes[0] = p->leader;
        ps[i].partition_index = p->partition;
        ps[i].leader_id = p->leader;
        ps[i].leader_epoch = p->leader_epoch;
        /* Durability is the object store's: one replica, always in sync. */
        ps[i].replica_nodes = (ks_array_t) { nodes, 1 };
        ps[i].isr_nodes = (ks_array_t) { nodes, 1 };
        ps[i].offline_replicas = (ks_array_t) { NULL, 0 };
        ps[i].error_code = ks_metaview_broker(mv, p->leader) != NULL ? KS_ERR_NONE
                                                                     : KS_ERR_LEADER_NOT_AVAILABLE;
    }
    out->partitions = (ks_array_t) { ps, t->npartitions };
    return KS_OK;
}

int
ks_metadata_build(const ks_metaview_t *mv, int32_t self_id, const char *listener,
                  const ks_metadata_req_t *req, int version, ks_metadata_resp_t *resp,
                  ks_arena_t *a, int *unknown)
{
    ks_metadata_resp_metadata_response_broker_t *bs;
    ks_metadata_resp_metadata_response_topic_t *ts;
    int32_t nt;
    bool all = req->topics.count < 0 || (version == 0 && req->topics.count == 0);

    (void) self_id;
    *unknown = 0;
    bs = ks_arena_alloc(a, sizeof(*bs) * (size_t) (mv->nbrokers ? mv->nbrokers : 1));
    if (bs == NULL)
        return KS_ERROR;
    for (int32_t i = 0; i < mv->nbrokers; i++) {
        const char *host;

        ks_mv_broker_endpoint(&mv->brokers[i], listener, &host, &bs[i].port);
        bs[i].node_id = mv->brokers[i].node_id;
        bs[i].host = KS_STR(host);
        bs[i].rack = mv->brokers[i].rack ? KS_STR(mv->brokers[i].rack) : KS_STR_NULL;
    }
    resp->brokers = (ks_array_t) { bs, mv->nbrokers };
    resp->cluster_id = mv->cluster_id ? KS_STR(mv->cluster_id) : KS_STR_NULL;
    resp->controller_id = mv->controller_id;
    resp->cluster_authorized_operations = INT32_MIN;

    nt = all ? mv->ntopics : req->topics.count;
    ts = ks_arena_alloc(a, sizeof(*ts) * (size_t) (nt ? nt : 1));
    if (ts == NULL)
        return KS_ERROR;
    if (all) {
        for (int32_t i = 0; i < nt; i++)
            if (fill_topic(mv, &mv->topics[i], &ts[i], a) != KS_OK)
                return KS_ERROR;
    } else {
        const ks_metadata_req_metadata_request_topic_t *rt = req->topics.items;
        for (int32_t i = 0; i < nt; i++) {
            const ks_mv_topic_t *t = NULL;
            static const ks_uuid_t zero;

            if (rt[i].name.len >= 0)
                t = ks_metaview_topic(mv, rt[i].name.p, (size_t) rt[i].name.len);
            else if (memcmp(&rt[i].topic_id, &zero, sizeof(zero)) != 0)
                t = ks_metaview_topic_by_id(mv, &rt[i].topic_id);
            if (t != NULL) {
                if (fill_topic(mv, t, &ts[i], a) != KS_OK)
                    return KS_ERROR;
                continue;
            }
            ts[i].name = rt[i].name;
            ts[i].topic_id = rt[i].topic_id;
            ts[i].partitions = (ks_array_t) { NULL, 0 };
            ts[i].topic_authorized_operations = INT32_MIN;
            if (rt[i].name.len < 0)
                ts[i].error_code = KS_ERR_UNKNOWN_TOPIC_ID;
            else if (!ks_topic_name_valid(rt[i].name.p, (size_t) rt[i].name.len))
                ts[i].error_code = KS_ERR_INVALID_TOPIC_EXCEPTION;
            else {
                ts[i].error_code = KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
                (*unknown)++;
            }
        }
    }
    resp->topics = (ks_array_t) { ts, nt };
    return KS_OK;
}

/* Authorization of a built response (Kafka's handleTopicMetadataRequest):
 * topics the principal may not DESCRIBE are left out of an all-topics
 * answer and get TOPIC_AUTHORIZATION_FAILED when named; a missing topic
 * that would be auto-created needs CREATE on the cluster or the topic,
 * else it gets TOPIC_AUTHORIZATION_FAILED too.  *unknown counts only the
 * topics left to create. */
void
ks_metadata_authorize(const ks_metadata_req_t *req, int version, bool create, ks_metadata_resp_t *resp,
                      ks_metadata_authz_fn fn, void *arg, int *unknown)
{
    ks_metadata_resp_metadata_response_topic_t *ts = resp->topics.items;
    bool all = req->topics.count < 0 || (version == 0 && req->topics.count == 0);
    int32_t n = 0;

    for (int32_t i = 0; i < resp->topics.count; i++) {
        ks_metadata_resp_metadata_response_topic_t *t = &ts[i];
        const char *name = t->name.p ? t->name.p : "";
        size_t len = t->name.len > 0 ? (size_t) t->name.len : 0;

        if (all) {
            if (fn(arg, KS_ACL_OP_DESCRIBE, KS_ACL_RT_TOPIC, name, len, true))
                ts[n++] = *t;
            continue;
        }
        n++;
        if (t->name.len < 0)
            continue;                /* an unknown topic id */
        if (!fn(arg, KS_ACL_OP_DESCRIBE, KS_ACL_RT_TOPIC, name, len, false)) {
            if (t->error_code == KS_ERR_UNKNOWN_TOPIC_OR_PARTITION)
                (*unknown)--;
            t->error_code = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
            t->partitions = (ks_array_t) { NULL, 0 };
            t->is_internal = false;
            memset(&t->topic_id, 0, sizeof(t->topic_id));
            continue;
        }
        if (create && t->error_code == KS_ERR_UNKNOWN_TOPIC_OR_PARTITION &&
            !fn(arg, KS_ACL_OP_CREATE, KS_ACL_RT_CLUSTER, KS_ACL_CLUSTER_NAME, strlen(KS_ACL_CLUSTER_NAME), true) &&
            !fn(arg, KS_ACL_OP_CREATE, KS_ACL_RT_TOPIC, name, len, false)) {
            (*unknown)--;
            t->error_code = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
        }
    }
    resp->topics.count = n;
}

void
ks_metadata_authorized_ops(const ks_metadata_req_t *req, int version, ks_metadata_resp_t *resp,
                           ks_metadata_ops_fn fn, void *arg)
{
    if (version >= 8 && version <= 10 && req->include_cluster_authorized_operations) {
        int32_t ops = fn(arg, KS_ACL_RT_CLUSTER, KS_ACL_CLUSTER_NAME, strlen(KS_ACL_CLUSTER_NAME));
        /* Kafka: 0 for a principal that may not describe the cluster */
        resp->cluster_authorized_operations = (ops & (1 << KS_ACL_OP_DESCRIBE)) ? ops : 0;
    }
    if (version >= 8 && req->include_topic_authorized_operations) {
        ks_metadata_resp_metadata_response_topic_t *ts = resp->topics.items;

        for (int32_t i = 0; i < resp->topics.count; i++) {
            if (ts[i].name.len < 0 || ts[i].error_code == KS_ERR_TOPIC_AUTHORIZATION_FAILED)
                continue;
            ts[i].topic_authorized_operations = fn(arg, KS_ACL_RT_TOPIC, ts[i].name.p, (size_t) ts[i].name.len);
        }
    }
}

static bool
worker_authz(void *arg, int op, int rt, const char *name, size_t len, bool quiet)
{
    return quiet ? ks_authz_quiet(arg, op, rt, name, len) : ks_authz(arg, op, rt, name, len);
}

static int32_t
worker_ops(void *arg, int rt, const char *name, size_t len)
{
    return ks_authz_ops(arg, rt, name, len);
}

/* Runs in: worker. */
void
ks_h_metadata(ks_req_t *req)
{
    const ks_metaview_t *mv = ks_worker_meta();
    ks_metadata_req_t *mreq = req->request;
    int version = req->hdr.request_api_version;
    ks_metadata_resp_t *resp = ks_response_alloc(KS_API_METADATA, version, &req->arena);
    int unknown = 0;

    if (resp == NULL || mv == NULL ||
        ks_metadata_build(mv, (int32_t) ks_W.in->conf->broker_id,
                          req->conn->listener < KS_CONF_MAX_LISTENERS
                              ? ks_W.listener_name[req->conn->listener] : NULL,
                          mreq, version, resp, &req->arena, &unknown) != KS_OK) {
        ks_req_fail_close(req, "could not build the metadata response");
        return;
    }
    if (ks_authz_on())
        ks_metadata_authorize(mreq, version, ks_W.in->conf->auto_create_topics_enable &&
                              ks_metadata_wants_create(mreq, version), resp, worker_authz, req, &unknown);
    if (unknown > 0 && ks_W.in->conf->auto_create_topics_enable &&
        ks_metadata_wants_create(mreq, version)) {
        /* The coordinator creates the topics and answers. */
        ks_arena_reset(&req->arena);
        req->request = NULL;
        ks_forward(req);
        return;
    }
    ks_metadata_authorized_ops(mreq, version, resp, worker_ops, req);
    ks_req_respond(req, resp);
}
