/*
 * topics.c: topic metadata: loading, publishing to shared memory, and the
 * topic admin APIs (CreateTopics, DeleteTopics, CreatePartitions,
 * DescribeCluster, Metadata with auto-creation).  Runs in: coordinator.
 *
 * Store keys (compatible with the original KafScale):
 *   /kafscale/cluster/id             the cluster id
 *   /kafscale/topics/<t>/config      JSON: name, partitions, replication_factor,
 *                                    topic_id, created_at, config {k: v}
 *   /kafscale/topics/<t>/...         per-partition keys (next_offset, ...)
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>
#include <netdb.h>

#include <cjson/cJSON.h>

#include "acl.h"
#include "coordinator.h"
#include "log.h"
#include "proto/errors.h"
#include "shm/ring.h"
#include "util.h"
#include "workers/broker/broker.h"

#define KEY_CLUSTER_ID "/kafscale/cluster/id"
#define TOPICS_PREFIX  "/kafscale/topics/"

static cJSON *topic_docs;          /* name -> stored JSON document */
static void (*load_done)(int rc);

/* ---------- helpers ---------- */

static void
random_bytes(void *p, size_t n)
{
    uint8_t *b = p;

    while (n > 0) {
        ssize_t r = getrandom(b, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            /* getrandom cannot really fail here; fall back to the clock */
            for (size_t i = 0; i < n; i++)
                b[i] = (uint8_t) (ks_mono_us() >> (i % 8));
            return;
        }
        b += r;
        n -= (size_t) r;
    }
}

static void
uuid_hex(const ks_uuid_t *u, char out[33])
{
    for (int i = 0; i < 16; i++)
        snprintf(out + i * 2, 3, "%02x", u->b[i]);
}

static bool
uuid_parse_hex(const char *s, ks_uuid_t *u)
{
    if (s == NULL || strlen(s) != 32)
        return false;
    for (int i = 0; i < 16; i++) {
        unsigned v;
        if (sscanf(s + i * 2, "%2x", &v) != 1)
            return false;
        u->b[i] = (uint8_t) v;
    }
    return true;
}

static void
new_topic_id(ks_uuid_t *u)
{
    static const ks_uuid_t zero;

    do {
        random_bytes(u->b, 16);
        u->b[6] = (uint8_t) ((u->b[6] & 0x0f) | 0x40);   /* version 4 */
        u->b[8] = (uint8_t) ((u->b[8] & 0x3f) | 0x80);
    } while (memcmp(u, &zero, 16) == 0);
}

static char *
topic_key(const char *name, const char *suffix)
{
    size_t n = strlen(TOPICS_PREFIX) + strlen(name) + strlen(suffix) + 2;
    char *k = malloc(n);

    if (k != NULL)
        snprintf(k, n, TOPICS_PREFIX "%s/%s", name, suffix);
    return k;
}

static char *
str_dup_n(const char *p, int32_t len)
{
    char *s = malloc(len > 0 ? (size_t) len + 1 : 1);

    if (s == NULL)
        return NULL;
    if (len > 0)
        memcpy(s, p, (size_t) len);
    s[len > 0 ? len : 0] = 0;
    return s;
}

static ks_str_t
arena_str(ks_arena_t *a, const char *s)
{
    return ks_arena_strdup(a, s, (int32_t) strlen(s));
}

/* ---------- topic configs ---------- */

typedef struct {
    const char *name;
    bool (*check)(const char *v, ks_mv_topic_conf_t *tc, char *err, size_t errlen);
} topic_conf_key_t;

static bool
parse_i64(const char *v, int64_t min, int64_t *out)
{
    char *end;
    long long x;

    errno = 0;
    x = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != 0 || x < min)
        return false;
    *out = x;
    return true;
}

static bool
ck_retention_ms(const char *v, ks_mv_topic_conf_t *tc, char *err, size_t n)
{
    if (!parse_i64(v, -1, &tc->retention_ms)) {
        snprintf(err, n, "Invalid value %s for configuration retention.ms: must be -1 or a non-negative number", v);
        return false;
    }
    return true;
}

static bool
ck_retention_bytes(const char *v, ks_mv_topic_conf_t *tc, char *err, size_t n)
{
    if (!parse_i64(v, -1, &tc->retention_bytes)) {
        snprintf(err, n, "Invalid value %s for configuration retention.bytes: must be -1 or a non-negative number", v);
        return false;
    }
    return true;
}

static bool
ck_segment_bytes(const char *v, ks_mv_topic_conf_t *tc, char *err, size_t n)
{
    if (!parse_i64(v, 14, &tc->segment_bytes)) {
        snprintf(err, n, "Invalid value %s for configuration segment.bytes: must be at least 14", v);
        return false;
    }
    return true;
}

static bool
ck_max_message_bytes(const char *v, ks_mv_topic_conf_t *tc, char *err, size_t n)
{
    int64_t x;

    if (!parse_i64(v, 0, &x) || x > INT32_MAX) {
        snprintf(err, n, "Invalid value %s for configuration max.message.bytes", v);
        return false;
    }
    tc->max_message_bytes = (int32_t) x;
    return true;
}

static bool
ck_timestamp_type(const char *v, ks_mv_topic_conf_t *tc, char *err, size_t n)
{
    if (strcmp(v, "CreateTime") == 0)
        tc->log_append_time = 0;
    else if (strcmp(v, "LogAppendTime") == 0)
        tc->log_append_time = 1;
    else {
        snprintf(err, n, "Invalid value %s for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime", v);
        return false;
    }
    return true;
}

static bool
ck_cleanup_policy(const char *v, ks_mv_topic_conf_t *tc, char *err, size_t n)
{
    (void) tc;
    if (strcmp(v, "delete") == 0)
        return true;
    if (strstr(v, "compact") != NULL)
        snprintf(err, n, "cleanup.policy=%s is not supported: KafScale does not compact topics; use delete", v);
    else
        snprintf(err, n, "Invalid value %s for configuration cleanup.policy", v);
    return false;
}

static const topic_conf_key_t topic_conf_keys[] = {
    { "retention.ms", ck_retention_ms },
    { "retention.bytes", ck_retention_bytes },
    { "segment.bytes", ck_segment_bytes },
    { "max.message.bytes", ck_max_message_bytes },
    { "message.timestamp.type", ck_timestamp_type },
    { "cleanup.policy", ck_cleanup_policy },
};

static void
topic_conf_defaults(ks_mv_topic_conf_t *tc)
{
    const ks_conf_t *c = ks_C.in->conf;

    tc->retention_ms = c->default_retention_ms;
    tc->retention_bytes = c->default_retention_bytes;
    tc->segment_bytes = c->default_segment_bytes;
    tc->max_message_bytes = (int32_t) c->message_max_bytes;
    tc->log_append_time = 0;
}

/* Applies one config; false with err set when the name or value is bad. */
static bool
topic_conf_set(ks_mv_topic_conf_t *tc, const char *name, const char *value, char *err, size_t n)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(topic_conf_keys); i++)
        if (strcmp(topic_conf_keys[i].name, name) == 0)
            return topic_conf_keys[i].check(value, tc, err, n);
    snprintf(err, n, "Unknown topic config name: %s", name);
    return false;
}

/* ---------- partition slots in the ring's table ---------- */

static cJSON *old_slots;           /* "topic/partition" -> [slot, gen], from a
                                    * snapshot a previous coordinator published */
static uint32_t slot_hint;

static ks_part_t *
part_at(uint32_t slot)
{
    return ks_ring_part(ks_C.in->shm, ks_C.in->shm->ring, slot);
}

/* A partition starts being served here: a fresh slot whose offsets start
 * at what the store says was durable. */
bool
ks_topics_slot_alloc(uint32_t *slot, uint32_t *gen)
{
    ks_ring_t *r = ks_C.in->shm->ring;

    for (uint32_t n = 0; n < r->nparts; n++) {
        uint32_t i = (slot_hint + n) % r->nparts;
        ks_part_t *p = part_at(i);
        if (atomic_load(&p->state) != KS_PART_FREE)
            continue;
        ks_part_lock(p);
        atomic_store(&p->next_offset, 0);
        atomic_store(&p->hw, 0);
        atomic_store(&p->log_start, 0);
        atomic_store(&p->last_entry, KS_POS_NONE);
        atomic_store(&p->first_entry, KS_POS_NONE);
        atomic_store(&p->max_timestamp, -1);
        atomic_store(&p->max_ts_offset, -1);
        atomic_store(&p->offset_limit, 0);       /* the owner sets it */
        atomic_store(&p->pstate, KS_PSTATE_UNKNOWN);
        *gen = atomic_fetch_add(&p->gen, 1) + 1;
        atomic_store(&p->state, KS_PART_ACTIVE);
        ks_part_unlock(p);
        *slot = i;
        slot_hint = i + 1;
        return true;
    }
    ks_log_error("no free partition slot left (%u in use); raise the partition table size", r->nparts);
    return false;
}

void
ks_topics_slot_release(uint32_t slot)
{
    ks_part_t *p;

    if (slot == KS_SLOT_NONE)
        return;
    p = part_at(slot);
    ks_part_lock(p);
    atomic_fetch_add(&p->gen, 1);
    atomic_store(&p->state, KS_PART_FREE);
    ks_part_unlock(p);
}

/* After a coordinator restart the partitions keep their slots and their
 * live offsets (data not yet durable is still in the ring). */
static bool
slot_reuse(const char *topic, int32_t partition, uint32_t *slot, uint32_t *gen)
{
    char k[300];
    cJSON *v;

    if (old_slots == NULL)
        return false;
    snprintf(k, sizeof(k), "%s/%d", topic, partition);
    v = cJSON_GetObjectItemCaseSensitive(old_slots, k);
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2)
        return false;
    *slot = (uint32_t) cJSON_GetArrayItem(v, 0)->valuedouble;
    *gen = (uint32_t) cJSON_GetArrayItem(v, 1)->valuedouble;
    cJSON_DeleteItemFromObjectCaseSensitive(old_slots, k);
    if (*slot >= ks_C.in->shm->ring->nparts || atomic_load(&part_at(*slot)->state) != KS_PART_ACTIVE ||
        atomic_load(&part_at(*slot)->gen) != *gen)
        return false;
    return true;
}

static void
remember_old_slots(void)
{
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0;
    ks_metaview_t mv;

    if (ks_shm_meta_read(ks_C.in->shm, &buf, &cap, &len) == 0 || ks_metaview_parse(buf, len, &mv) != KS_OK) {
        free(buf);
        return;
    }
    old_slots = cJSON_CreateObject();
    for (int32_t i = 0; i < mv.ntopics; i++)
        for (int32_t j = 0; j < mv.topics[i].npartitions; j++) {
            const ks_mv_partition_t *p = &mv.topics[i].partitions[j];
            char k[300];
            cJSON *a;
            if (p->slot == KS_SLOT_NONE)
                continue;
            snprintf(k, sizeof(k), "%s/%d", mv.topics[i].name, p->partition);
            a = cJSON_CreateArray();
            cJSON_AddItemToArray(a, cJSON_CreateNumber(p->slot));
            cJSON_AddItemToArray(a, cJSON_CreateNumber(p->slot_gen));
            cJSON_AddItemToObject(old_slots, k, a);
        }
    ks_log_info("coordinator restarted: keeping the partition slots of %d topics", mv.ntopics);
    ks_metaview_free(&mv);
    free(buf);
}

/* Slots an old coordinator assigned to partitions that no longer exist. */
static void
release_unclaimed_slots(void)
{
    cJSON *it;

    if (old_slots == NULL)
        return;
    cJSON_ArrayForEach(it, old_slots)
        ks_topics_slot_release((uint32_t) cJSON_GetArrayItem(it, 0)->valuedouble);
    cJSON_Delete(old_slots);
    old_slots = NULL;
}

/* ---------- the in-memory view ---------- */

static ks_mv_topic_t *
view_find(const char *name)
{
    return (ks_mv_topic_t *) ks_metaview_topic(&ks_C.mv, name, strlen(name));
}

static void
set_partitions(ks_mv_topic_t *t, int32_t n)
{
    ks_mv_partition_t *p = realloc(t->partitions, sizeof(*p) * (size_t) (n ? n : 1));

    if (p == NULL)
        return;
    /* Partitions are served here only once this broker owns them (see
     * cluster.c); a restarted coordinator finds the slots it had. */
    for (int32_t i = t->npartitions; i < n; i++) {
        p[i].partition = i;
        p[i].leader = -1;
        p[i].leader_epoch = 0;
        if (slot_reuse(t->name, i, &p[i].slot, &p[i].slot_gen)) {
            p[i].leader = (int32_t) ks_C.in->conf->broker_id;
            continue;
        }
        p[i].slot = KS_SLOT_NONE;
        p[i].slot_gen = 0;
    }
    t->partitions = p;
    t->npartitions = n;
}

/* Adds or replaces a topic from its stored document. */
static int
view_put_doc(const char *name, cJSON *doc)
{
    ks_mv_topic_t *t = view_find(name);
    cJSON *parts = cJSON_GetObjectItemCaseSensitive(doc, "partitions");
    cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "topic_id");
    cJSON *cfg = cJSON_GetObjectItemCaseSensitive(doc, "config");
    cJSON *it;
    char err[256];

    if (!cJSON_IsNumber(parts) || parts->valuedouble < 1 || parts->valuedouble > 1000000)
        return KS_ERROR;
    if (t == NULL) {
        ks_mv_topic_t *nt = realloc(ks_C.mv.topics, sizeof(*nt) * (size_t) (ks_C.mv.ntopics + 1));
        if (nt == NULL)
            return KS_ERROR;
        ks_C.mv.topics = nt;
        t = &nt[ks_C.mv.ntopics++];
        memset(t, 0, sizeof(*t));
        t->name = strdup(name);
        t->name_len = strlen(name);
    }
    if (!cJSON_IsString(id) || !uuid_parse_hex(id->valuestring, &t->id))
        memset(&t->id, 0, sizeof(t->id));
    topic_conf_defaults(&t->conf);
    cJSON_ArrayForEach(it, cfg) {
        if (cJSON_IsString(it) && !topic_conf_set(&t->conf, it->string, it->valuestring, err, sizeof(err)))
            ks_log_warn("topic %s: ignoring stored config: %s", name, err);
    }
    set_partitions(t, (int32_t) parts->valuedouble);
    cJSON_DeleteItemFromObjectCaseSensitive(topic_docs, name);
    cJSON_AddItemToObject(topic_docs, name, doc);
    return ks_metaview_index(&ks_C.mv);
}

static void
view_remove(const char *name)
{
    for (int32_t i = 0; i < ks_C.mv.ntopics; i++) {
        ks_mv_topic_t *t = &ks_C.mv.topics[i];
        if (strcmp(t->name, name) == 0) {
            for (int32_t j = 0; j < t->npartitions; j++)
                ks_topics_slot_release(t->partitions[j].slot);
            free(t->name);
            free(t->partitions);
            memmove(t, t + 1, sizeof(*t) * (size_t) (ks_C.mv.ntopics - i - 1));
            ks_C.mv.ntopics--;
            break;
        }
    }
    cJSON_DeleteItemFromObjectCaseSensitive(topic_docs, name);
    ks_metaview_index(&ks_C.mv);
}

/* A host name clients can use for a wildcard listener: the host name if
 * it resolves, else 127.0.0.1. */
static char *
wildcard_host(void)
{
    char host[256];

    if (gethostname(host, sizeof(host)) == 0) {
        struct addrinfo *ai = NULL, hints;
        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = SOCK_STREAM;
        host[sizeof(host) - 1] = 0;
        if (getaddrinfo(host, NULL, &hints, &ai) == 0) {
            freeaddrinfo(ai);
            return strdup(host);
        }
    }
    return strdup("127.0.0.1");
}

static bool
is_wildcard(const char *h)
{
    return h[0] == 0 || strcmp(h, "0.0.0.0") == 0 || strcmp(h, "::") == 0;
}

/* This broker as clients should reach it.  Host and port: the first
 * advertised listener, else the first listener (a wildcard host becomes
 * the host name).  Endpoints, one per listener, in the order of
 * listeners: its advertised.listeners entry of the same name, else the
 * listener itself (wildcard host replaced the same way). */
static void
self_broker(ks_mv_broker_t *b)
{
    ks_listener_t ls[KS_CONF_MAX_LISTENERS], adv[KS_CONF_MAX_LISTENERS];
    const ks_conf_t *c = ks_C.in->conf;
    int n = ks_conf_parse_listeners(c->listeners, ls, KS_CONF_MAX_LISTENERS, NULL, 0);
    int na = ks_conf_parse_listeners(c->advertised_listeners, adv, KS_CONF_MAX_LISTENERS, NULL, 0);
    char *wild = NULL;

    memset(b, 0, sizeof(*b));
    b->node_id = (int32_t) c->broker_id;
    if (n < 0)
        n = 0;
    if (na < 0)
        na = 0;
    b->endpoints = calloc((size_t) n + 1, sizeof(ks_mv_endpoint_t));
    for (int i = 0; b->endpoints != NULL && i < n; i++) {
        const ks_listener_t *l = &ls[i];
        ks_mv_endpoint_t *e = &b->endpoints[b->nendpoints];

        for (int j = 0; j < na; j++)
            if (strcasecmp(adv[j].name, ls[i].name) == 0)
                l = &adv[j];
        if (is_wildcard(l->host) && wild == NULL)
            wild = wildcard_host();
        e->listener = strdup(ls[i].name);
        e->host = strdup(is_wildcard(l->host) ? wild : l->host);
        e->port = l->port;
        b->nendpoints++;
    }
    {
        const ks_listener_t *first = na > 0 ? &adv[0] : n > 0 ? &ls[0] : NULL;

        b->port = first != NULL ? first->port : 9092;
        if (first != NULL && !is_wildcard(first->host))
            b->host = strdup(first->host);
        else
            b->host = wild != NULL ? strdup(wild) : wildcard_host();
    }
    free(wild);
}

void
ks_topics_publish(void)
{
    uint8_t *blob;
    size_t len;

    if (ks_metaview_encode(&ks_C.mv, &blob, &len) != KS_OK) {
        ks_log_error("could not encode the metadata snapshot");
        return;
    }
    if (ks_shm_meta_publish(ks_C.in->shm, blob, len) != KS_OK)
        ks_log_error("the metadata snapshot (%zu bytes) does not fit in shared memory", len);
    free(blob);
}

/* ---------- loading ---------- */

static void
loaded_topics(void *arg, const ks_ms_result_t *res)
{
    size_t plen = strlen(TOPICS_PREFIX);

    (void) arg;
    if (res->rc != KS_OK) {
        ks_log_error("could not read topics from the metadata store: %s", res->error);
        load_done(KS_ERROR);
        return;
    }
    for (size_t i = 0; i < res->nkvs; i++) {
        const ks_kv_t *kv = &res->kvs[i];
        const char *name = kv->key + plen;
        const char *slash = strchr(name, '/');
        char *tname;
        cJSON *doc;

        if (slash == NULL || strcmp(slash, "/config") != 0)
            continue;
        tname = str_dup_n(name, (int32_t) (slash - name));
        doc = cJSON_ParseWithLength((const char *) kv->value, kv->value_len);
        if (doc == NULL || view_put_doc(tname, doc) != KS_OK) {
            ks_log_error("ignoring topic %s: its stored config is not valid JSON metadata", tname);
            cJSON_Delete(doc);
        }
        free(tname);
    }
    release_unclaimed_slots();
    load_done(KS_OK);
}

static void
loaded_cluster_id(void *arg, const ks_ms_result_t *res)
{
    (void) arg;
    if (res->rc != KS_OK) {
        ks_log_error("could not read the cluster id: %s", res->error);
        load_done(KS_ERROR);
        return;
    }
    /* The txn either created our id or returned the existing one. */
    for (size_t i = 0; i < res->nkvs; i++)
        if (strcmp(res->kvs[i].key, KEY_CLUSTER_ID) == 0) {
            free(ks_C.cluster_id);
            ks_C.cluster_id = str_dup_n((const char *) res->kvs[i].value, (int32_t) res->kvs[i].value_len);
        }
    free(ks_C.mv.cluster_id);
    ks_C.mv.cluster_id = strdup(ks_C.cluster_id);
    ks_ms_range(ks_C.ms, TOPICS_PREFIX, 0, loaded_topics, NULL);
}

void
ks_topics_load(void (*done)(int rc))
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const ks_conf_t *c = ks_C.in->conf;
    uint8_t rnd[16];
    char id[23];
    ks_ms_cmp_t cmp;
    ks_ms_op_t put, get;

    load_done = done;
    topic_docs = cJSON_CreateObject();
    remember_old_slots();
    ks_C.mv.controller_id = (int32_t) c->broker_id;
    ks_C.mv.brokers = calloc(1, sizeof(ks_mv_broker_t));
    ks_C.mv.nbrokers = 1;
    self_broker(&ks_C.mv.brokers[0]);
    ks_metaview_index(&ks_C.mv);

    /* A configured id wins; else a random one, kept in the store (22
     * characters of URL-safe base64, like Kafka's). */
    if (c->cluster_id != NULL && c->cluster_id[0] != 0) {
        snprintf(id, sizeof(id), "%s", c->cluster_id);
    } else {
        random_bytes(rnd, sizeof(rnd));
        for (int i = 0; i < 22; i++)
            id[i] = b64[rnd[i % 16] >> ((i / 16) * 2) & 63];
        id[22] = 0;
    }
    ks_C.cluster_id = strdup(id);
    memset(&cmp, 0, sizeof(cmp));
    cmp.key = KEY_CLUSTER_ID;
    cmp.key_len = strlen(KEY_CLUSTER_ID);
    cmp.target = KS_MS_CMP_CREATE_REV;
    cmp.result = KS_MS_CMP_EQ;
    cmp.number = 0;
    memset(&put, 0, sizeof(put));
    put.kind = KS_MS_OP_PUT;
    put.key = KEY_CLUSTER_ID;
    put.key_len = cmp.key_len;
    put.value = id;
    put.value_len = strlen(id);
    memset(&get, 0, sizeof(get));
    get.kind = KS_MS_OP_GET;
    get.key = KEY_CLUSTER_ID;
    get.key_len = cmp.key_len;
    /* create if absent; either way read it back */
    ks_ms_op_t succ[2] = { put, get };
    ks_ms_txn(ks_C.ms, &cmp, 1, succ, 2, &get, 1, loaded_cluster_id, NULL);
}

/* ---------- answering after a topic change ---------- */

static void
respond_settled(void *arg)
{
    ks_creq_respond(arg);
}

/* Topics changed: tell the other brokers, give the new partitions owners,
 * and answer once that settled (so Metadata right after shows leaders). */
static void
changed_then_respond(ks_creq_t *creq)
{
    ks_topics_publish();
    ks_topics_announce();
    ks_cluster_reconcile();
    ks_cluster_when_settled(respond_settled, creq);
}

/* ---------- CreateTopics (and auto-creation) ---------- */

typedef struct {
    ks_creq_t *creq;
    char *name;
    cJSON *doc;                    /* what was stored */
    int16_t *error_code;           /* where the result goes */
    ks_str_t *error_message;
    void (*finish)(ks_creq_t *creq);
} create_op_t;

static void
op_done(ks_creq_t *creq, void (*finish)(ks_creq_t *))
{
    if (--creq->outstanding == 0)
        finish(creq);
}

static void
created_cb(void *arg, const ks_ms_result_t *res)
{
    create_op_t *op = arg;
    ks_creq_t *creq = op->creq;

    if (res->rc != KS_OK) {
        ks_log_error("could not create topic %s: %s", op->name, res->error);
        *op->error_code = KS_ERR_REQUEST_TIMED_OUT;
        *op->error_message = arena_str(&creq->arena, "the metadata store is not available");
        cJSON_Delete(op->doc);
    } else if (!res->succeeded) {
        *op->error_code = KS_ERR_TOPIC_ALREADY_EXISTS;
        cJSON_Delete(op->doc);
    } else {
        view_put_doc(op->name, op->doc);
        ks_log_info("created topic %s with %d partitions", op->name,
                    (int) cJSON_GetObjectItem(op->doc, "partitions")->valuedouble);
    }
    void (*finish)(ks_creq_t *) = op->finish;
    free(op->name);
    free(op);
    op_done(creq, finish);
}

/* Starts the store write of a new topic; the result lands in ec and msg. */
static void
create_topic_store(ks_creq_t *creq, const char *name, int32_t partitions, int16_t rf, cJSON *configs,
                   const ks_uuid_t *id, int16_t *ec, ks_str_t *msg, void (*finish)(ks_creq_t *))
{
    create_op_t *op = calloc(1, sizeof(*op));
    char idhex[33], created[32];
    char *key = topic_key(name, "config"), *json;
    ks_ms_cmp_t cmp;
    ks_ms_op_t put;

    if (op == NULL || key == NULL) {
        free(op);
        free(key);
        cJSON_Delete(configs);
        *ec = KS_ERR_UNKNOWN_SERVER_ERROR;
        return;
    }
    uuid_hex(id, idhex);
    snprintf(created, sizeof(created), "%" PRId64, ks_now_ms());
    op->creq = creq;
    op->name = strdup(name);
    op->error_code = ec;
    op->error_message = msg;
    op->finish = finish;
    op->doc = cJSON_CreateObject();
    cJSON_AddStringToObject(op->doc, "name", name);
    cJSON_AddNumberToObject(op->doc, "partitions", partitions);
    cJSON_AddNumberToObject(op->doc, "replication_factor", rf);
    cJSON_AddStringToObject(op->doc, "topic_id", idhex);
    cJSON_AddStringToObject(op->doc, "created_at", created);
    cJSON_AddItemToObject(op->doc, "config", configs);
    json = cJSON_PrintUnformatted(op->doc);

    memset(&cmp, 0, sizeof(cmp));
    cmp.key = key;
    cmp.key_len = strlen(key);
    cmp.target = KS_MS_CMP_CREATE_REV;
    cmp.result = KS_MS_CMP_EQ;
    memset(&put, 0, sizeof(put));
    put.kind = KS_MS_OP_PUT;
    put.key = key;
    put.key_len = cmp.key_len;
    put.value = json;
    put.value_len = strlen(json);
    creq->outstanding++;
    if (ks_ms_txn(ks_C.ms, &cmp, 1, &put, 1, NULL, 0, created_cb, op) != KS_OK) {
        ks_ms_result_t fail = { .rc = KS_ERROR, .error = "the metadata store refused the request" };
        created_cb(op, &fail);
    }
    free(json);
    free(key);
}

static void
create_topics_finish(ks_creq_t *creq)
{
    ks_create_topics_resp_t *resp = creq->response;
    ks_create_topics_resp_creatable_topic_result_t *rs = resp->topics.items;

    for (int32_t i = 0; i < resp->topics.count; i++) {
        if (rs[i].error_code == KS_ERR_TOPIC_ALREADY_EXISTS && rs[i].error_message.len < 0) {
            char m[300];
            snprintf(m, sizeof(m), "Topic '%.*s' already exists.", (int) rs[i].name.len, rs[i].name.p);
            rs[i].error_message = arena_str(&creq->arena, m);
        }
        if (rs[i].error_code != KS_ERR_NONE) {
            rs[i].num_partitions = -1;
            rs[i].replication_factor = -1;
            rs[i].configs = (ks_array_t) { NULL, 0 };
        }
    }
    changed_then_respond(creq);
}

static void
fill_result_configs(ks_creq_t *creq, ks_create_topics_resp_creatable_topic_result_t *r,
                    const ks_mv_topic_conf_t *tc)
{
    ks_create_topics_resp_creatable_topic_configs_t *cs = ks_arena_alloc(&creq->arena, sizeof(*cs) * 5);
    char v[64];
    int n = 0;

    if (cs == NULL)
        return;
#define ADD_CFG(k, fmt, val) do { \
        snprintf(v, sizeof(v), fmt, val); \
        cs[n].name = KS_STR_LIT(k); cs[n].value = arena_str(&creq->arena, v); \
        cs[n].read_only = false; cs[n].config_source = 5; cs[n].is_sensitive = false; n++; } while (0)
    ADD_CFG("retention.ms", "%" PRId64, tc->retention_ms);
    ADD_CFG("retention.bytes", "%" PRId64, tc->retention_bytes);
    ADD_CFG("segment.bytes", "%" PRId64, tc->segment_bytes);
    ADD_CFG("max.message.bytes", "%d", tc->max_message_bytes);
    ADD_CFG("message.timestamp.type", "%s", tc->log_append_time ? "LogAppendTime" : "CreateTime");
#undef ADD_CFG
    r->configs = (ks_array_t) { cs, n };
}

void
ks_h_create_topics(ks_creq_t *creq)
{
    ks_create_topics_req_t *req = creq->request;
    ks_create_topics_resp_t *resp = creq->response;
    ks_create_topics_req_creatable_topic_t *ts = req->topics.items;
    int32_t n = req->topics.count > 0 ? req->topics.count : 0;
    ks_create_topics_resp_creatable_topic_result_t *rs;
    const ks_conf_t *c = ks_C.in->conf;

    rs = ks_arena_alloc(&creq->arena, sizeof(*rs) * (size_t) (n ? n : 1));
    if (rs == NULL) {
        ks_creq_close(creq);
        return;
    }
    resp->topics = (ks_array_t) { rs, n };
    creq->outstanding = 1;
    /* CREATE on the cluster, else on each topic */
    bool cluster_create = ks_coord_authz_quiet(creq, KS_ACL_OP_CREATE, KS_ACL_RT_CLUSTER,
                                               KS_STR_LIT(KS_ACL_CLUSTER_NAME));
    for (int32_t i = 0; i < n; i++) {
        ks_create_topics_req_creatable_topic_t *t = &ts[i];
        ks_create_topics_resp_creatable_topic_result_t *r = &rs[i];
        char *name = str_dup_n(t->name.p, t->name.len);
        char err[300];
        ks_mv_topic_conf_t tc;
        cJSON *configs;
        int32_t parts = t->num_partitions;
        int16_t rf = t->replication_factor;
        bool dup = false;

        r->name = t->name;
        r->error_message = KS_STR_NULL;
        r->num_partitions = -1;
        r->replication_factor = -1;
        for (int32_t j = 0; j < n; j++)
            if (j != i && ts[j].name.len == t->name.len &&
                memcmp(ts[j].name.p, t->name.p, (size_t) t->name.len) == 0)
                dup = true;
        if (dup) {
            r->error_code = KS_ERR_INVALID_REQUEST;
            r->error_message = KS_STR_LIT("Create topics request from client contains duplicate topic names");
            free(name);
            continue;
        }
        if (!cluster_create && !ks_coord_authz(creq, KS_ACL_OP_CREATE, KS_ACL_RT_TOPIC, t->name)) {
            r->error_code = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
            r->error_message = KS_STR_LIT("Authorization failed.");
            free(name);
            continue;
        }
        if (t->name.len < 0 || !ks_topic_name_valid(t->name.p, (size_t) t->name.len)) {
            r->error_code = KS_ERR_INVALID_TOPIC_EXCEPTION;
            snprintf(err, sizeof(err), "Topic name \"%s\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-', or is empty or too long", name);
            r->error_message = arena_str(&creq->arena, err);
            free(name);
            continue;
        }
        if (view_find(name) != NULL) {
            r->error_code = KS_ERR_TOPIC_ALREADY_EXISTS;
            free(name);
            continue;
        }
        if (ks_logs_deletion_pending(name, strlen(name))) {
            r->error_code = KS_ERR_TOPIC_ALREADY_EXISTS;
            r->error_message = KS_STR_LIT("Topic is marked for deletion; its objects are still being removed.");
            free(name);
            continue;
        }
        if (t->assignments.count > 0) {
            if (parts != -1 || rf != -1) {
                r->error_code = KS_ERR_INVALID_REQUEST;
                r->error_message = KS_STR_LIT("Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
                free(name);
                continue;
            }
            parts = t->assignments.count;
            rf = 1;
        }
        if (parts == -1)
            parts = (int32_t) c->num_partitions;
        if (rf == -1)
            rf = 1;
        if (parts <= 0 || parts > 100000) {
            r->error_code = KS_ERR_INVALID_PARTITIONS;
            r->error_message = KS_STR_LIT("Number of partitions must be larger than 0.");
            free(name);
            continue;
        }
        if (rf <= 0) {
            r->error_code = KS_ERR_INVALID_REPLICATION_FACTOR;
            r->error_message = KS_STR_LIT("Replication factor must be larger than 0.");
            free(name);
            continue;
        }
        topic_conf_defaults(&tc);
        configs = cJSON_CreateObject();
        r->error_code = KS_ERR_NONE;
        for (int32_t k = 0; k < t->configs.count; k++) {
            ks_create_topics_req_creatable_topic_config_t *cf =
                &((ks_create_topics_req_creatable_topic_config_t *) t->configs.items)[k];
            char *cn = str_dup_n(cf->name.p, cf->name.len);
            char *cv = str_dup_n(cf->value.p, cf->value.len);

            if (cf->value.len < 0) {
                /* null value: the default */
            } else if (!topic_conf_set(&tc, cn, cv, err, sizeof(err))) {
                r->error_code = KS_ERR_INVALID_CONFIG;
                r->error_message = arena_str(&creq->arena, err);
            } else {
                cJSON_AddStringToObject(configs, cn, cv);
            }
            free(cn);
            free(cv);
            if (r->error_code != KS_ERR_NONE)
                break;
        }
        if (r->error_code != KS_ERR_NONE) {
            cJSON_Delete(configs);
            free(name);
            continue;
        }
        r->num_partitions = parts;
        r->replication_factor = rf;
        fill_result_configs(creq, r, &tc);
        new_topic_id(&r->topic_id);
        if (req->validate_only) {
            cJSON_Delete(configs);
            free(name);
            continue;
        }
        create_topic_store(creq, name, parts, rf, configs, &r->topic_id, &r->error_code,
                           &r->error_message, create_topics_finish);
        free(name);
    }
    op_done(creq, create_topics_finish);
}

/* ---------- Metadata with auto-creation ---------- */

/* The worker counted and logged the denials already. */
static bool
coord_metadata_authz(void *arg, int op, int rt, const char *name, size_t len, bool quiet)
{
    (void) quiet;
    return ks_coord_authz_quiet(arg, op, rt, (ks_str_t) { name, (int32_t) len });
}

static int32_t
coord_metadata_ops(void *arg, int rt, const char *name, size_t len)
{
    return ks_coord_authz_ops(arg, rt, (ks_str_t) { name, (int32_t) len });
}

static void
metadata_respond(void *arg)
{
    ks_creq_t *creq = arg;
    int version = creq->hdr.request_api_version;
    int unknown = 0;

    if (ks_metadata_build(&ks_C.mv, (int32_t) ks_C.in->conf->broker_id, ks_creq_listener(creq),
                          creq->request, version, creq->response, &creq->arena, &unknown) != KS_OK) {
        ks_creq_close(creq);
        return;
    }
    if (ks_acl_enabled(ks_C.in->conf))
        ks_metadata_authorize(creq->request, version, ks_C.in->conf->auto_create_topics_enable &&
                              ks_metadata_wants_create(creq->request, version), creq->response,
                              coord_metadata_authz, creq, &unknown);
    ks_metadata_authorized_ops(creq->request, version, creq->response, coord_metadata_ops, creq);
    ks_creq_respond(creq);
}

static void
metadata_finish(ks_creq_t *creq)
{
    ks_topics_publish();
    ks_topics_announce();
    ks_cluster_reconcile();
    ks_cluster_when_settled(metadata_respond, creq);
}

void
ks_h_coord_metadata(ks_creq_t *creq)
{
    ks_metadata_req_t *req = creq->request;
    int version = creq->hdr.request_api_version;
    const ks_conf_t *c = ks_C.in->conf;
    ks_metadata_req_metadata_request_topic_t *rt = req->topics.items;
    int16_t *ecs = ks_arena_alloc(&creq->arena, sizeof(int16_t) * (size_t) (req->topics.count > 0 ? req->topics.count : 1));
    ks_str_t *msgs = ks_arena_alloc(&creq->arena, sizeof(ks_str_t) * (size_t) (req->topics.count > 0 ? req->topics.count : 1));

    creq->outstanding = 1;
    if (c->auto_create_topics_enable && ks_metadata_wants_create(req, version) && ecs && msgs) {
        for (int32_t i = 0; i < req->topics.count; i++) {
            char *name;
            ks_uuid_t id;
            bool seen = false;

            if (rt[i].name.len <= 0 || !ks_topic_name_valid(rt[i].name.p, (size_t) rt[i].name.len))
                continue;
            name = str_dup_n(rt[i].name.p, rt[i].name.len);
            for (int32_t j = 0; j < i; j++)
                if (rt[j].name.len == rt[i].name.len && memcmp(rt[j].name.p, rt[i].name.p, (size_t) rt[i].name.len) == 0)
                    seen = true;
            if (!seen && view_find(name) == NULL && !ks_logs_deletion_pending(name, strlen(name)) &&
                ks_coord_authz_quiet(creq, KS_ACL_OP_DESCRIBE, KS_ACL_RT_TOPIC, rt[i].name) &&
                (ks_coord_authz_quiet(creq, KS_ACL_OP_CREATE, KS_ACL_RT_CLUSTER, KS_STR_LIT(KS_ACL_CLUSTER_NAME)) ||
                 ks_coord_authz_quiet(creq, KS_ACL_OP_CREATE, KS_ACL_RT_TOPIC, rt[i].name))) {
                new_topic_id(&id);
                create_topic_store(creq, name, (int32_t) c->num_partitions, 1, cJSON_CreateObject(), &id,
                                   &ecs[i], &msgs[i], metadata_finish);
            }
            free(name);
        }
    }
    op_done(creq, metadata_finish);
}

/* ---------- DeleteTopics ---------- */

typedef struct {
    ks_creq_t *creq;
    char *name;
    int16_t *error_code;
} delete_op_t;

static void
delete_finish(ks_creq_t *creq)
{
    ks_topics_publish();
    ks_topics_announce();
    ks_creq_respond(creq);
}

static void
deleted_cb(void *arg, const ks_ms_result_t *res)
{
    delete_op_t *op = arg;

    if (res->rc != KS_OK) {
        ks_log_error("could not delete topic %s: %s", op->name, res->error);
        *op->error_code = KS_ERR_REQUEST_TIMED_OUT;
    } else {
        view_remove(op->name);
        ks_logs_request_deletion(op->name);
        ks_log_info("deleted topic %s", op->name);
    }
    free(op->name);
    ks_creq_t *creq = op->creq;
    free(op);
    op_done(creq, delete_finish);
}

void
ks_h_delete_topics(ks_creq_t *creq)
{
    ks_delete_topics_req_t *req = creq->request;
    ks_delete_topics_resp_t *resp = creq->response;
    int version = creq->hdr.request_api_version;
    int32_t n = version >= 6 ? req->topics.count : req->topic_names.count;
    ks_delete_topics_resp_deletable_topic_result_t *rs;

    if (n < 0)
        n = 0;
    rs = ks_arena_alloc(&creq->arena, sizeof(*rs) * (size_t) (n ? n : 1));
    if (rs == NULL) {
        ks_creq_close(creq);
        return;
    }
    resp->responses = (ks_array_t) { rs, n };
    creq->outstanding = 1;
    for (int32_t i = 0; i < n; i++) {
        const ks_mv_topic_t *t = NULL;
        ks_str_t name;

        rs[i].error_message = KS_STR_NULL;
        if (version >= 6) {
            ks_delete_topics_req_delete_topic_state_t *st = &((ks_delete_topics_req_delete_topic_state_t *) req->topics.items)[i];
            name = st->name;
            if (name.len >= 0)
                t = ks_metaview_topic(&ks_C.mv, name.p, (size_t) name.len);
            else
                t = ks_metaview_topic_by_id(&ks_C.mv, &st->topic_id);
            rs[i].topic_id = st->topic_id;
            if (name.len >= 0 && !ks_coord_authz(creq, KS_ACL_OP_DELETE, KS_ACL_RT_TOPIC, name)) {
                rs[i].name = name;
                rs[i].error_code = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
                continue;
            }
            if (t == NULL) {
                rs[i].name = name;
                rs[i].error_code = name.len >= 0 ? KS_ERR_UNKNOWN_TOPIC_OR_PARTITION : KS_ERR_UNKNOWN_TOPIC_ID;
                continue;
            }
            if (name.len < 0 && !ks_coord_authz(creq, KS_ACL_OP_DELETE, KS_ACL_RT_TOPIC, KS_STR(t->name))) {
                rs[i].name = KS_STR_NULL;
                rs[i].error_code = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
                continue;
            }
        } else {
            name = ((ks_str_t *) req->topic_names.items)[i];
            if (!ks_coord_authz(creq, KS_ACL_OP_DELETE, KS_ACL_RT_TOPIC, name)) {
                rs[i].name = name;
                rs[i].error_code = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
                continue;
            }
            if (name.len >= 0)
                t = ks_metaview_topic(&ks_C.mv, name.p, (size_t) name.len);
            if (t == NULL) {
                rs[i].name = name;
                rs[i].error_code = KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
                continue;
            }
        }
        rs[i].name = arena_str(&creq->arena, t->name);
        rs[i].topic_id = t->id;
        rs[i].error_code = KS_ERR_NONE;

        delete_op_t *op = calloc(1, sizeof(*op));
        char *prefix = topic_key(t->name, "");
        if (op == NULL || prefix == NULL) {
            free(op);
            free(prefix);
            rs[i].error_code = KS_ERR_UNKNOWN_SERVER_ERROR;
            continue;
        }
        op->creq = creq;
        op->name = strdup(t->name);
        op->error_code = &rs[i].error_code;
        creq->outstanding++;
        /* The metadata goes, and a marker says its objects must go too. */
        char marker[512], leases[512];
        ks_ms_op_t ops[3];
        snprintf(marker, sizeof(marker), "/kafscale/topic-deletions/%s", t->name);
        snprintf(leases, sizeof(leases), "/kafscale/partition-leases/%s/", t->name);
        memset(ops, 0, sizeof(ops));
        ops[0].kind = KS_MS_OP_DELETE_PREFIX;
        ops[0].key = prefix;
        ops[0].key_len = strlen(prefix);
        ops[1].kind = KS_MS_OP_PUT;
        ops[1].key = marker;
        ops[1].key_len = strlen(marker);
        ops[1].value = "1";
        ops[1].value_len = 1;
        ops[2].kind = KS_MS_OP_DELETE_PREFIX;
        ops[2].key = leases;
        ops[2].key_len = strlen(leases);
        if (ks_ms_txn(ks_C.ms, NULL, 0, ops, 3, NULL, 0, deleted_cb, op) != KS_OK) {
            ks_ms_result_t fail = { .rc = KS_ERROR, .error = "the metadata store refused the request" };
            deleted_cb(op, &fail);
        }
        free(prefix);
    }
    op_done(creq, delete_finish);
}

/* ---------- CreatePartitions ---------- */

typedef struct {
    ks_creq_t *creq;
    char *name;
    cJSON *doc;
    int16_t *error_code;
} partitions_op_t;

static void
partitions_finish(ks_creq_t *creq)
{
    changed_then_respond(creq);
}

static void
partitions_cb(void *arg, const ks_ms_result_t *res)
{
    partitions_op_t *op = arg;
    ks_creq_t *creq = op->creq;

    if (res->rc != KS_OK || !res->succeeded) {
        ks_log_error("could not add partitions to topic %s: %s", op->name,
                     res->rc != KS_OK ? res->error : "it changed meanwhile");
        *op->error_code = KS_ERR_REQUEST_TIMED_OUT;
        cJSON_Delete(op->doc);
    } else {
        int n = (int) cJSON_GetObjectItem(op->doc, "partitions")->valuedouble;
        view_put_doc(op->name, op->doc);
        ks_log_info("topic %s now has %d partitions", op->name, n);
    }
    free(op->name);
    free(op);
    op_done(creq, partitions_finish);
}

void
ks_h_create_partitions(ks_creq_t *creq)
{
    ks_create_partitions_req_t *req = creq->request;
    ks_create_partitions_resp_t *resp = creq->response;
    int32_t n = req->topics.count > 0 ? req->topics.count : 0;
    ks_create_partitions_resp_create_partitions_topic_result_t *rs;

    rs = ks_arena_alloc(&creq->arena, sizeof(*rs) * (size_t) (n ? n : 1));
    if (rs == NULL) {
        ks_creq_close(creq);
        return;
    }
    resp->results = (ks_array_t) { rs, n };
    creq->outstanding = 1;
    for (int32_t i = 0; i < n; i++) {
        ks_create_partitions_req_create_partitions_topic_t *t =
            &((ks_create_partitions_req_create_partitions_topic_t *) req->topics.items)[i];
        const ks_mv_topic_t *mt = t->name.len >= 0 ? ks_metaview_topic(&ks_C.mv, t->name.p, (size_t) t->name.len)
                                                   : NULL;
        char m[200];

        rs[i].name = t->name;
        rs[i].error_code = KS_ERR_NONE;
        rs[i].error_message = KS_STR_NULL;
        if (!ks_coord_authz(creq, KS_ACL_OP_ALTER, KS_ACL_RT_TOPIC, t->name)) {
            rs[i].error_code = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
            continue;
        }
        if (mt == NULL) {
            rs[i].error_code = KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
            continue;
        }
        if (t->count <= mt->npartitions || t->count > 100000) {
            rs[i].error_code = KS_ERR_INVALID_PARTITIONS;
            if (t->count == mt->npartitions)
                snprintf(m, sizeof(m), "Topic already has %d partitions.", mt->npartitions);
            else
                snprintf(m, sizeof(m), "Topic currently has %d partitions, which is higher than the requested %d.",
                         mt->npartitions, t->count);
            rs[i].error_message = arena_str(&creq->arena, m);
            continue;
        }
        if (t->assignments.count > 0 && t->assignments.count != t->count - mt->npartitions) {
            rs[i].error_code = KS_ERR_INVALID_REPLICA_ASSIGNMENT;
            snprintf(m, sizeof(m), "Increasing the number of partitions by %d but %d assignments provided.",
                     t->count - mt->npartitions, t->assignments.count);
            rs[i].error_message = arena_str(&creq->arena, m);
            continue;
        }
        if (req->validate_only)
            continue;

        cJSON *old = cJSON_GetObjectItemCaseSensitive(topic_docs, mt->name);
        partitions_op_t *op = calloc(1, sizeof(*op));
        char *key = topic_key(mt->name, "config"), *json;
        ks_ms_op_t put;

        if (old == NULL || op == NULL || key == NULL) {
            free(op);
            free(key);
            rs[i].error_code = KS_ERR_UNKNOWN_SERVER_ERROR;
            continue;
        }
        op->creq = creq;
        op->name = strdup(mt->name);
        op->error_code = &rs[i].error_code;
        op->doc = cJSON_Duplicate(old, 1);
        cJSON_ReplaceItemInObjectCaseSensitive(op->doc, "partitions", cJSON_CreateNumber(t->count));
        json = cJSON_PrintUnformatted(op->doc);
        memset(&put, 0, sizeof(put));
        put.kind = KS_MS_OP_PUT;
        put.key = key;
        put.key_len = strlen(key);
        put.value = json;
        put.value_len = strlen(json);
        creq->outstanding++;
        if (ks_ms_txn(ks_C.ms, NULL, 0, &put, 1, NULL, 0, partitions_cb, op) != KS_OK) {
            ks_ms_result_t fail = { .rc = KS_ERROR, .error = "the metadata store refused the request" };
            partitions_cb(op, &fail);
        }
        free(json);
        free(key);
    }
    op_done(creq, partitions_finish);
}

/* ---------- DescribeCluster ---------- */

void
ks_h_describe_cluster(ks_creq_t *creq)
{
    const ks_describe_cluster_req_t *req = creq->request;
    ks_describe_cluster_resp_t *resp = creq->response;
    ks_describe_cluster_resp_describe_cluster_broker_t *bs;
    int32_t n = ks_C.mv.nbrokers;

    if (!ks_coord_authz_cluster(creq, KS_ACL_OP_DESCRIBE)) {
        resp->error_code = KS_ERR_CLUSTER_AUTHORIZATION_FAILED;
        resp->error_message = KS_STR_NULL;
        resp->endpoint_type = 1;
        resp->cluster_id = KS_STR(ks_C.cluster_id);
        resp->controller_id = -1;
        resp->brokers = KS_ARRAY_EMPTY;
        resp->cluster_authorized_operations = INT32_MIN;
        ks_creq_respond(creq);
        return;
    }
    bs = ks_arena_alloc(&creq->arena, sizeof(*bs) * (size_t) (n ? n : 1));
    if (bs == NULL) {
        ks_creq_close(creq);
        return;
    }
    for (int32_t i = 0; i < n; i++) {
        const char *host;

        ks_mv_broker_endpoint(&ks_C.mv.brokers[i], ks_creq_listener(creq), &host, &bs[i].port);
        bs[i].broker_id = ks_C.mv.brokers[i].node_id;
        bs[i].host = KS_STR(host);
        bs[i].rack = ks_C.mv.brokers[i].rack ? KS_STR(ks_C.mv.brokers[i].rack) : KS_STR_NULL;
    }
    resp->error_code = KS_ERR_NONE;
    resp->error_message = KS_STR_NULL;
    resp->endpoint_type = 1;
    resp->cluster_id = KS_STR(ks_C.cluster_id);
    resp->controller_id = ks_C.mv.controller_id;
    resp->brokers = (ks_array_t) { bs, n };
    /* the principal may describe the cluster (checked above) */
    resp->cluster_authorized_operations = req->include_cluster_authorized_operations
        ? ks_coord_authz_ops(creq, KS_ACL_RT_CLUSTER, KS_STR_LIT(KS_ACL_CLUSTER_NAME)) : INT32_MIN;
    ks_creq_respond(creq);
}

/* ---------- high watermark commits from the flusher ---------- */

#define OFFSET_RESERVE ((int64_t) 1 << 24)   /* as in cluster.c */

typedef struct {
    ks_link_t *link;
    uint32_t id;
    uint32_t *slots;             /* partitions whose offset limit was raised */
    uint32_t *gens;
    int64_t *limits;
    size_t nlimits;
} commit_ctx_t;

static void (*commit_reply_fn)(ks_link_t *l, uint32_t id, int status);

static void
commit_ctx_free(commit_ctx_t *cc)
{
    free(cc->slots);
    free(cc->gens);
    free(cc->limits);
    free(cc);
}

static void
committed_cb(void *arg, const ks_ms_result_t *res)
{
    commit_ctx_t *cc = arg;
    int status = 0;

    if (res->rc != KS_OK) {
        ks_log_error("could not commit high watermarks: %s", res->error);
        status = 1;
    } else if (!res->succeeded) {
        /* A partition changed hands meanwhile: the next attempt leaves it
         * out (the ownership watch has updated our view by then). */
        ks_log_warn("high watermark commit refused: a partition is no longer owned here");
        ks_cluster_reconcile();
        status = 1;
    } else {
        for (size_t i = 0; i < cc->nlimits; i++) {
            ks_part_t *pt = ks_ring_part(ks_C.in->shm, ks_C.in->shm->ring, cc->slots[i]);
            if (atomic_load(&pt->gen) == cc->gens[i])
                atomic_store(&pt->offset_limit, cc->limits[i]);
        }
    }
    commit_reply_fn(cc->link, cc->id, status);
    commit_ctx_free(cc);
}

/* One transaction: for every partition still owned here, the new high
 * watermark, the offset limit raised when it runs low, and a compare that
 * the partition's lease key still names this broker (fencing). */
void
ks_topics_commit(ks_link_t *l, uint32_t id, const uint8_t *p, size_t len,
                 void (*reply)(ks_link_t *l, uint32_t id, int status))
{
    ks_reader_t r;
    ks_ms_op_t *ops = NULL;
    ks_ms_cmp_t *cmps = NULL;
    char **strs = NULL;
    size_t nops = 0, ncmps = 0, nstrs = 0, cap = 0;
    commit_ctx_t *cc = calloc(1, sizeof(*cc));
    char self[16];

    commit_reply_fn = reply;
    l->refs++;                   /* released by reply() */
    snprintf(self, sizeof(self), "%d", (int) ks_C.in->conf->broker_id);
    ks_reader_init(&r, p, len);
    while (cc != NULL && ks_reader_left(&r) > 0 && !r.err) {
        int32_t part = ks_read_i32(&r);
        int64_t next = ks_read_i64(&r);
        int16_t tl = ks_read_i16(&r);
        char tname[256], key[400], val[32];
        const ks_mv_topic_t *t;
        const ks_mv_partition_t *mp;
        ks_part_t *pt;

        if (r.err || tl <= 0 || (size_t) tl >= sizeof(tname) || (size_t) tl > ks_reader_left(&r)) {
            r.err = KS_DECODE_INVALID;
            break;
        }
        memcpy(tname, r.p, (size_t) tl);
        tname[tl] = 0;
        r.p += tl;
        t = view_find(tname);
        if (t == NULL || part < 0 || part >= t->npartitions)
            continue;            /* deleted meanwhile */
        mp = &t->partitions[part];
        if (!ks_cluster_owns(tname, part) || mp->slot == KS_SLOT_NONE)
            continue;            /* not ours any more: never acknowledged */
        /* per partition: 2 ops, 1 compare, 5 strings at most */
        if (nops + 2 > cap) {
            cap = cap ? cap * 2 : 16;
            ops = realloc(ops, sizeof(*ops) * cap);
            cmps = realloc(cmps, sizeof(*cmps) * cap);
            strs = realloc(strs, sizeof(*strs) * cap * 3);
        }
        snprintf(key, sizeof(key), TOPICS_PREFIX "%s/partitions/%d/next_offset", tname, part);
        snprintf(val, sizeof(val), "%" PRId64, next);
        strs[nstrs++] = strdup(key);
        strs[nstrs++] = strdup(val);
        ops[nops++] = (ks_ms_op_t) { KS_MS_OP_PUT, strs[nstrs - 2], strlen(key), strs[nstrs - 1], strlen(val), 0 };
        pt = ks_ring_part(ks_C.in->shm, ks_C.in->shm->ring, mp->slot);
        if (atomic_load(&pt->offset_limit) - atomic_load(&pt->next_offset) < OFFSET_RESERVE / 2) {
            int64_t lim = atomic_load(&pt->next_offset) + OFFSET_RESERVE;
            snprintf(key, sizeof(key), TOPICS_PREFIX "%s/partitions/%d/offset_limit", tname, part);
            snprintf(val, sizeof(val), "%" PRId64, lim);
            strs[nstrs++] = strdup(key);
            strs[nstrs++] = strdup(val);
            ops[nops++] = (ks_ms_op_t) { KS_MS_OP_PUT, strs[nstrs - 2], strlen(key), strs[nstrs - 1], strlen(val), 0 };
            cc->slots = realloc(cc->slots, sizeof(uint32_t) * (cc->nlimits + 1));
            cc->gens = realloc(cc->gens, sizeof(uint32_t) * (cc->nlimits + 1));
            cc->limits = realloc(cc->limits, sizeof(int64_t) * (cc->nlimits + 1));
            cc->slots[cc->nlimits] = mp->slot;
            cc->gens[cc->nlimits] = mp->slot_gen;
            cc->limits[cc->nlimits] = lim;
            cc->nlimits++;
        }
        snprintf(key, sizeof(key), "/kafscale/partition-leases/%s/%d", tname, part);
        strs[nstrs++] = strdup(key);
        memset(&cmps[ncmps], 0, sizeof(cmps[ncmps]));
        cmps[ncmps].key = strs[nstrs - 1];
        cmps[ncmps].key_len = strlen(key);
        cmps[ncmps].target = KS_MS_CMP_VALUE;
        cmps[ncmps].result = KS_MS_CMP_EQ;
        cmps[ncmps].value = self;
        cmps[ncmps].value_len = strlen(self);
        ncmps++;
    }
    if (cc == NULL || r.err) {
        ks_log_error("malformed high watermark commit from the flusher");
        reply(l, id, 1);
        if (cc != NULL)
            commit_ctx_free(cc);
    } else if (nops == 0) {
        reply(l, id, 0);
        commit_ctx_free(cc);
    } else {
        cc->link = l;
        cc->id = id;
        if (ks_ms_txn(ks_C.ms, cmps, ncmps, ops, nops, NULL, 0, committed_cb, cc) != KS_OK) {
            commit_ctx_free(cc);
            reply(l, id, 1);
        }
    }
    for (size_t i = 0; i < nstrs; i++)
        free(strs[i]);
    free(strs);
    free(cmps);
    free(ops);
}

/* ---------- topics created or deleted by other brokers ---------- */

#define KEY_TOPICS_VERSION "/kafscale/metadata/topics-version"

static void
noop_cb(void *arg, const ks_ms_result_t *res)
{
    (void) arg;
    if (res->rc != KS_OK)
        ks_log_warn("could not announce a topic change: %s", res->error);
}

/* Tells every broker that topics changed (they re-read them). */
void
ks_topics_announce(void)
{
    char v[32];

    snprintf(v, sizeof(v), "%" PRId64, ks_now_ms());
    ks_ms_put(ks_C.ms, KEY_TOPICS_VERSION, v, strlen(v), 0, noop_cb, NULL);
}

static void
reloaded(void *arg, const ks_ms_result_t *res)
{
    size_t plen = strlen(TOPICS_PREFIX);
    cJSON *seen = cJSON_CreateObject();
    bool changed = false;

    (void) arg;
    if (res->rc != KS_OK) {
        cJSON_Delete(seen);
        return;
    }
    for (size_t i = 0; i < res->nkvs; i++) {
        const ks_kv_t *kv = &res->kvs[i];
        const char *name = kv->key + plen;
        const char *slash = strchr(name, '/');
        char *tname;
        cJSON *doc, *old;

        if (slash == NULL || strcmp(slash, "/config") != 0)
            continue;
        tname = str_dup_n(name, (int32_t) (slash - name));
        cJSON_AddTrueToObject(seen, tname);
        old = cJSON_GetObjectItemCaseSensitive(topic_docs, tname);
        doc = cJSON_ParseWithLength((const char *) kv->value, kv->value_len);
        if (doc != NULL && (old == NULL || !cJSON_Compare(old, doc, 1))) {
            if (view_put_doc(tname, doc) == KS_OK)
                changed = true;
            else
                cJSON_Delete(doc);
        } else {
            cJSON_Delete(doc);
        }
        free(tname);
    }
    for (int32_t i = ks_C.mv.ntopics - 1; i >= 0; i--) {
        if (cJSON_GetObjectItemCaseSensitive(seen, ks_C.mv.topics[i].name) == NULL) {
            char *name = strdup(ks_C.mv.topics[i].name);
            view_remove(name);
            free(name);
            changed = true;
        }
    }
    cJSON_Delete(seen);
    if (changed) {
        ks_topics_publish();
        ks_cluster_reconcile();
    }
}

static void
on_topics_version(void *arg, int kind, const ks_kv_t *kv)
{
    (void) arg;
    (void) kind;
    (void) kv;
    ks_ms_range(ks_C.ms, TOPICS_PREFIX, 0, reloaded, NULL);
}

void
ks_topics_watch(void)
{
    ks_ms_watch(ks_C.ms, KEY_TOPICS_VERSION, on_topics_version, NULL);
}

/* ---------- for topic configuration APIs (configs.c) ---------- */

const cJSON *
ks_topics_doc(const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(topic_docs, name);
}

bool
ks_topics_conf_check(const char *name, const char *value, char *err, size_t errlen)
{
    ks_mv_topic_conf_t tc;

    topic_conf_defaults(&tc);
    return topic_conf_set(&tc, name, value, err, errlen);
}

void
ks_topics_conf_defaults(ks_mv_topic_conf_t *tc)
{
    topic_conf_defaults(tc);
}

typedef struct {
    char *name;
    cJSON *doc;
    void (*done)(void *arg, int rc);
    void *arg;
} replace_op_t;

static void
replaced_cb(void *arg, const ks_ms_result_t *res)
{
    replace_op_t *op = arg;

    if (res->rc == KS_OK && res->succeeded && view_find(op->name) != NULL) {
        view_put_doc(op->name, op->doc);
        ks_topics_publish();
        op->done(op->arg, KS_OK);
    } else {
        if (res->rc != KS_OK)
            ks_log_error("could not store the configuration of topic %s: %s", op->name, res->error);
        cJSON_Delete(op->doc);
        op->done(op->arg, KS_ERROR);
    }
    free(op->name);
    free(op);
}

int
ks_topics_replace_doc(const char *name, cJSON *doc, void (*done)(void *arg, int rc), void *arg)
{
    replace_op_t *op = calloc(1, sizeof(*op));
    char *key = topic_key(name, "config"), *json = cJSON_PrintUnformatted(doc);
    ks_ms_cmp_t cmp;
    ks_ms_op_t put;
    int rc;

    if (op == NULL || key == NULL || json == NULL) {
        free(op);
        free(key);
        free(json);
        cJSON_Delete(doc);
        return KS_ERROR;
    }
    op->name = strdup(name);
    op->doc = doc;
    op->done = done;
    op->arg = arg;
    /* Only while the topic exists: a deleted topic is not brought back. */
    memset(&cmp, 0, sizeof(cmp));
    cmp.key = key;
    cmp.key_len = strlen(key);
    cmp.target = KS_MS_CMP_CREATE_REV;
    cmp.result = KS_MS_CMP_GT;
    cmp.number = 0;
    memset(&put, 0, sizeof(put));
    put.kind = KS_MS_OP_PUT;
    put.key = key;
    put.key_len = cmp.key_len;
    put.value = json;
    put.value_len = strlen(json);
    rc = ks_ms_txn(ks_C.ms, &cmp, 1, &put, 1, NULL, 0, replaced_cb, op);
    if (rc != KS_OK) {
        free(op->name);
        cJSON_Delete(op->doc);
        free(op);
    }
    free(key);
    free(json);
    return rc;
}
