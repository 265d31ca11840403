/*
 * cluster.c: brokers and partition ownership.  Runs in: coordinator.
 *
 * Each broker registers /kafscale/brokers/<id> on a lease it keeps alive;
 * the live brokers are the registered ones.  A registration is
 * {"id", "host", "port", "rack", "endpoints": ["NAME://host:port", ...]}:
 * host and port are the first endpoint (what older brokers read), the
 * endpoints one per listener, so that clients get the addresses of the
 * listener they came in through.  Every partition has exactly one
 * owner at a time: the holder of /kafscale/partition-leases/<t>/<p> (value:
 * the broker id, attached to the owner's lease, as in the original).  The
 * wanted owner of a partition is computed the same way on every broker
 * (partitions in topic-name order, dealt round-robin over the live broker
 * ids), so the spread is even and needs no controller.  A broker takes the
 * partitions it should own when their lease key is free, and hands over
 * the ones it should not own once all their data is durable.
 *
 * Fencing, so that a new owner never reuses offsets an old owner may still
 * be uploading: an owner may only assign offsets below a limit it committed
 * to the store (/kafscale/topics/<t>/partitions/<p>/offset_limit, raised with
 * the high watermark commits); a new owner starts at that limit, and the
 * range between the committed high watermark and the limit becomes a hole
 * (/.../holes) that readers skip.  A clean handover lowers the limit to the
 * high watermark first, so it leaves no hole.  High watermark commits are
 * conditional on still holding the partition's lease key.
 *
 * Every ownership change bumps the partition's leader epoch
 * (/.../epoch), which Metadata reports.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "coordinator.h"
#include "log.h"
#include "shm/ring.h"
#include "util.h"

#define BROKERS_PREFIX "/kafscale/brokers/"
#define LEASES_PREFIX  "/kafscale/partition-leases/"
#define LEASE_TTL_S    10
#define OFFSET_RESERVE ((int64_t) 1 << 24)   /* offsets an owner may assign ahead */

typedef struct {
    char *topic;
    int32_t partition;
} pkey_t;

static struct {
    int64_t lease;
    int64_t last_keepalive_ok_ms;
    struct event *keepalive_timer;
    struct event *reconcile_timer;
    struct event *release_timer;
    int32_t *live;                /* registered broker ids, sorted */
    int nlive;
    cJSON *brokers;               /* id -> registration document */
    int inflight;                 /* acquisitions / releases running */
    bool started;
    bool registering;             /* a lease grant or registration in flight */
    int64_t acquire_after_ms;     /* let the other brokers register first */
    void (**waiters)(void *);     /* run when nothing is in flight */
    void **waiter_args;
    int nwaiters;
} CL;

static void reconcile(void);
static void schedule_reconcile(void);

static void
pkey_name(char *buf, size_t len, const char *topic, int32_t p)
{
    snprintf(buf, len, "%s/%d", topic, p);
}

/* Partition owners: an open-addressing table keyed by "topic/partition"
 * (tombstones on removal; rebuilt when they pile up). */
typedef struct {
    char *key;                   /* NULL: empty; OWN_TOMB: removed */
    int32_t broker;
} own_slot_t;

static char own_tomb;
#define OWN_TOMB (&own_tomb)

static struct {
    own_slot_t *s;
    size_t cap, used, live;
} OW;

static uint64_t
own_hash(const char *k)
{
    uint64_t h = 1469598103934665603ull;

    for (; *k; k++)
        h = (h ^ (uint8_t) *k) * 1099511628211ull;
    return h;
}

static own_slot_t *
own_find(const char *k, bool for_insert)
{
    own_slot_t *tomb = NULL;

    if (OW.cap == 0)
        return NULL;
    for (size_t i = own_hash(k) & (OW.cap - 1);; i = (i + 1) & (OW.cap - 1)) {
        own_slot_t *e = &OW.s[i];
        if (e->key == NULL)
            return for_insert ? (tomb != NULL ? tomb : e) : NULL;
        if (e->key == OWN_TOMB) {
            if (tomb == NULL)
                tomb = e;
        } else if (strcmp(e->key, k) == 0) {
            return e;
        }
    }
}

static void
own_grow(void)
{
    own_slot_t *old = OW.s;
    size_t oldcap = OW.cap;

    OW.cap = OW.cap ? OW.cap * 2 : 1024;
    while (OW.live * 2 >= OW.cap)
        OW.cap *= 2;
    OW.s = calloc(OW.cap, sizeof(own_slot_t));
    OW.used = OW.live;
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].key != NULL && old[i].key != OWN_TOMB) {
            own_slot_t *e = own_find(old[i].key, true);
            *e = old[i];
        }
    }
    free(old);
}

static int32_t
owner_of(const char *topic, int32_t p)
{
    char k[300];
    own_slot_t *e;

    pkey_name(k, sizeof(k), topic, p);
    e = own_find(k, false);
    return e != NULL ? e->broker : -1;
}

static void
set_owner(const char *topic, int32_t p, int32_t broker)
{
    char k[300];
    own_slot_t *e;

    pkey_name(k, sizeof(k), topic, p);
    e = own_find(k, false);
    if (broker == -1) {          /* -1: nobody; -2: being handed over by us */
        if (e != NULL) {
            free(e->key);
            e->key = OWN_TOMB;
            OW.live--;
        }
        return;
    }
    if (e != NULL) {
        e->broker = broker;
        return;
    }
    if ((OW.used + 1) * 2 >= OW.cap)
        own_grow();
    e = own_find(k, true);
    if (e->key == NULL)
        OW.used++;
    e->key = strdup(k);
    e->broker = broker;
    OW.live++;
}

static int32_t
self_id(void)
{
    return (int32_t) ks_C.in->conf->broker_id;
}

/* ---------- the broker list in the view ---------- */

static int
cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *) a, y = *(const int32_t *) b;
    return x < y ? -1 : x > y;
}

/* A registration's "endpoints": ["NAME://host:port", ...], one per
 * listener (as in Kafka's broker registrations).  Older registrations have
 * none: clients of every listener then get the host and port. */
static void
endpoints_from_json(ks_mv_broker_t *b, const cJSON *arr)
{
    const cJSON *e;
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;

    if (n <= 0 || (b->endpoints = calloc((size_t) n, sizeof(ks_mv_endpoint_t))) == NULL)
        return;
    cJSON_ArrayForEach(e, arr) {
        ks_listener_t l;

        if (!cJSON_IsString(e) || ks_conf_parse_listeners(e->valuestring, &l, 1, NULL, 0) != 1)
            continue;
        b->endpoints[b->nendpoints].listener = strdup(l.name);
        b->endpoints[b->nendpoints].host = strdup(l.host);
        b->endpoints[b->nendpoints].port = l.port;
        b->nendpoints++;
    }
}

static void
endpoints_to_json(cJSON *doc, const ks_mv_broker_t *b)
{
    cJSON *arr = cJSON_AddArrayToObject(doc, "endpoints");

    for (int32_t i = 0; arr != NULL && i < b->nendpoints; i++) {
        const ks_mv_endpoint_t *e = &b->endpoints[i];
        char buf[512];

        if (strchr(e->host, ':') != NULL)
            snprintf(buf, sizeof(buf), "%s://[%s]:%d", e->listener, e->host, (int) e->port);
        else
            snprintf(buf, sizeof(buf), "%s://%s:%d", e->listener, e->host, (int) e->port);
        cJSON_AddItemToArray(arr, cJSON_CreateString(buf));
    }
}

static void
rebuild_brokers(void)
{
    cJSON *it;
    int n = cJSON_GetArraySize(CL.brokers), i = 0;
    ks_mv_broker_t *bs = calloc((size_t) (n ? n : 1), sizeof(*bs));

    free(CL.live);
    CL.live = calloc((size_t) (n ? n : 1), sizeof(int32_t));
    cJSON_ArrayForEach(it, CL.brokers) {
        cJSON *host = cJSON_GetObjectItemCaseSensitive(it, "host");
        cJSON *port = cJSON_GetObjectItemCaseSensitive(it, "port");
        cJSON *rack = cJSON_GetObjectItemCaseSensitive(it, "rack");
        if (!cJSON_IsString(host) || !cJSON_IsNumber(port))
            continue;
        bs[i].node_id = (int32_t) strtol(it->string, NULL, 10);
        bs[i].host = strdup(host->valuestring);
        bs[i].port = (int32_t) port->valuedouble;
        bs[i].rack = cJSON_IsString(rack) ? strdup(rack->valuestring) : NULL;
        endpoints_from_json(&bs[i], cJSON_GetObjectItemCaseSensitive(it, "endpoints"));
        CL.live[i] = bs[i].node_id;
        i++;
    }
    qsort(CL.live, (size_t) i, sizeof(int32_t), cmp_i32);
    CL.nlive = i;
    for (int32_t j = 0; j < ks_C.mv.nbrokers; j++)
        ks_mv_broker_clear(&ks_C.mv.brokers[j]);
    free(ks_C.mv.brokers);
    ks_C.mv.brokers = bs;
    ks_C.mv.nbrokers = i;
    /* The controller Metadata reports: the lowest live id (stable). */
    ks_C.mv.controller_id = i > 0 ? CL.live[0] : self_id();
    /* Group coordinators follow the live brokers (groups.c). */
    ks_groups_brokers_changed();
}

static void
broker_put(const char *key, const uint8_t *val, size_t len)
{
    const char *id = key + strlen(BROKERS_PREFIX);
    cJSON *doc = cJSON_ParseWithLength((const char *) val, len);

    if (doc == NULL)
        return;
    cJSON_DeleteItemFromObjectCaseSensitive(CL.brokers, id);
    cJSON_AddItemToObject(CL.brokers, id, doc);
}

static void
on_brokers_watch(void *arg, int kind, const ks_kv_t *kv)
{
    (void) arg;
    if (kind == KS_MS_WATCH_PUT) {
        broker_put(kv->key, kv->value, kv->value_len);
    } else {
        const char *id = kv->key + strlen(BROKERS_PREFIX);
        ks_log_info("broker %s left the cluster", id);
        cJSON_DeleteItemFromObjectCaseSensitive(CL.brokers, id);
    }
    rebuild_brokers();
    schedule_reconcile();
}

/* ---------- leases and registration ---------- */

static void register_self(void);

static void
self_fence(const char *why)
{
    /* Without a live lease this broker may not write for any partition:
     * its slots go (workers answer NOT_LEADER_OR_FOLLOWER, the flusher
     * drops their data) and it re-registers and takes partitions again. */
    bool any = false;

    for (int32_t i = 0; i < ks_C.mv.ntopics; i++) {
        ks_mv_topic_t *t = &ks_C.mv.topics[i];
        for (int32_t j = 0; j < t->npartitions; j++) {
            if (t->partitions[j].slot != KS_SLOT_NONE) {
                ks_topics_slot_release(t->partitions[j].slot);
                t->partitions[j].slot = KS_SLOT_NONE;
                any = true;
            }
            if (owner_of(t->name, j) == self_id())
                set_owner(t->name, j, -1);
        }
    }
    if (any) {
        ks_log_error("lost the broker lease (%s): fencing every partition of this broker", why);
        ks_topics_publish();
    }
    CL.lease = 0;
    atomic_store(&ks_C.in->shm->hdr->coord_lease, 0);
}

static void
keepalive_cb(void *arg, const ks_ms_result_t *res)
{
    int64_t now = ks_now_ms();

    (void) arg;
    if (res->rc == KS_OK && res->lease_ttl > 0) {
        CL.last_keepalive_ok_ms = now;
        return;
    }
    if (res->rc == KS_OK) {
        self_fence("the lease expired");
        register_self();
        return;
    }
    /* The store is unreachable: the lease may expire at the store's side
     * at any time from last success + TTL; stop writing before that. */
    if (now - CL.last_keepalive_ok_ms > (LEASE_TTL_S * 1000) * 2 / 3) {
        self_fence("no keepalive answered for two thirds of the lease time");
        register_self();
    }
}

static void
on_keepalive(evutil_socket_t fd, short what, void *arg)
{
    struct timeval tv = { LEASE_TTL_S / 5, 0 };

    (void) fd;
    (void) what;
    (void) arg;
    if (CL.lease != 0)
        ks_ms_lease_keepalive(ks_C.ms, CL.lease, keepalive_cb, NULL);
    else if (CL.started && !CL.registering && !ks_C.stopping)
        register_self();         /* the store was away: try again */
    evtimer_add(CL.keepalive_timer, &tv);
}

static void
registered_cb(void *arg, const ks_ms_result_t *res)
{
    (void) arg;
    CL.registering = false;
    if (res->rc != KS_OK) {
        ks_log_error("could not register this broker: %s", res->error);
        CL.lease = 0;
        return;                  /* the keepalive timer retries */
    }
    CL.last_keepalive_ok_ms = ks_now_ms();
    schedule_reconcile();
}

static void
lease_granted(void *arg, const ks_ms_result_t *res)
{
    char key[64];
    char *json;
    cJSON *doc;
    const ks_mv_broker_t *self = NULL;

    (void) arg;
    if (res->rc != KS_OK || res->lease_id == 0) {
        ks_log_error("could not get a broker lease: %s", res->rc != KS_OK ? res->error : "no id");
        CL.registering = false;
        return;                  /* the keepalive timer tries again */
    }
    CL.lease = res->lease_id;
    atomic_store(&ks_C.in->shm->hdr->coord_lease, CL.lease);
    for (int32_t i = 0; i < ks_C.mv.nbrokers; i++)
        if (ks_C.mv.brokers[i].node_id == self_id())
            self = &ks_C.mv.brokers[i];
    doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "id", self_id());
    cJSON_AddStringToObject(doc, "host", self ? self->host : "127.0.0.1");
    cJSON_AddNumberToObject(doc, "port", self ? self->port : 9092);
    if (self != NULL && self->rack != NULL)
        cJSON_AddStringToObject(doc, "rack", self->rack);
    else
        cJSON_AddNullToObject(doc, "rack");
    if (self != NULL)
        endpoints_to_json(doc, self);
    json = cJSON_PrintUnformatted(doc);
    snprintf(key, sizeof(key), BROKERS_PREFIX "%d", self_id());
    /* Our own registration is known at once (the watch confirms it). */
    cJSON_DeleteItemFromObjectCaseSensitive(CL.brokers, key + strlen(BROKERS_PREFIX));
    cJSON_AddItemToObject(CL.brokers, key + strlen(BROKERS_PREFIX), doc);
    rebuild_brokers();
    ks_ms_put(ks_C.ms, key, json, strlen(json), CL.lease, registered_cb, NULL);
    free(json);
}

static void
register_self(void)
{
    CL.registering = true;
    if (ks_ms_lease_grant(ks_C.ms, LEASE_TTL_S, lease_granted, NULL) != KS_OK) {
        CL.registering = false;
        ks_log_error("could not ask for a broker lease");
    }
}

/* ---------- ownership ---------- */

typedef struct {
    char *topic;
    int32_t partition;
    int64_t epoch;
} own_op_t;

static void
op_free(own_op_t *op)
{
    free(op->topic);
    free(op);
}

static void
inflight_done(void)
{
    if (--CL.inflight > 0)
        return;
    ks_topics_publish();
    while (CL.nwaiters > 0) {
        void (*fn)(void *) = CL.waiters[--CL.nwaiters];
        fn(CL.waiter_args[CL.nwaiters]);
    }
}

static ks_mv_partition_t *
view_partition(const char *topic, int32_t p)
{
    ks_mv_topic_t *t = (ks_mv_topic_t *) ks_metaview_topic(&ks_C.mv, topic, strlen(topic));

    return t != NULL && p >= 0 && p < t->npartitions ? &t->partitions[p] : NULL;
}

static int64_t
kv_i64(const ks_ms_result_t *res, const char *suffix, int64_t def)
{
    for (size_t i = 0; i < res->nkvs; i++) {
        size_t kl = res->kvs[i].key_len, sl = strlen(suffix);
        if (kl >= sl && strcmp(res->kvs[i].key + kl - sl, suffix) == 0)
            return strtoll((const char *) res->kvs[i].value, NULL, 10);
    }
    return def;
}

static const ks_kv_t *
kv_find(const ks_ms_result_t *res, const char *suffix)
{
    for (size_t i = 0; i < res->nkvs; i++) {
        size_t kl = res->kvs[i].key_len, sl = strlen(suffix);
        if (kl >= sl && strcmp(res->kvs[i].key + kl - sl, suffix) == 0)
            return &res->kvs[i];
    }
    return NULL;
}

static void
acquired_setup_done(void *arg, const ks_ms_result_t *res)
{
    own_op_t *op = arg;

    if (res->rc != KS_OK)
        ks_log_error("could not record the takeover of %s-%d: %s", op->topic, op->partition, res->error);
    op_free(op);
    inflight_done();
}

static void
acquired(void *arg, const ks_ms_result_t *res)
{
    own_op_t *op = arg;
    ks_mv_partition_t *mp;
    int64_t next, limit, log_start, epoch, start;
    const ks_kv_t *holes_kv;
    cJSON *holes = NULL;
    char base[400], k_epoch[420], k_limit[420], k_holes[420], k_next[420], k_owner[420];
    char v_epoch[32], v_limit[32], v_next[32], v_owner[16];
    char *holes_json = NULL;
    ks_ms_op_t ops[5];
    int nops = 0;
    uint32_t slot, gen;
    ks_part_t *part;

    if (res->rc != KS_OK || !res->succeeded) {
        if (res->rc != KS_OK)
            ks_log_warn("could not take partition %s-%d: %s", op->topic, op->partition, res->error);
        op_free(op);
        inflight_done();
        return;
    }
    mp = view_partition(op->topic, op->partition);
    next = kv_i64(res, "/next_offset", 0);
    limit = kv_i64(res, "/offset_limit", next);
    log_start = kv_i64(res, "/log_start", 0);
    epoch = kv_i64(res, "/epoch", -1) + 1;
    /* The last owner was this broker (an earlier run of it, whose processes
     * all died with its master): nothing of it can still be uploading. */
    start = kv_i64(res, "/owner", -1) == self_id() ? next : KS_MAX(next, limit);
    set_owner(op->topic, op->partition, self_id());
    if (mp == NULL || !ks_topics_slot_alloc(&slot, &gen)) {
        /* deleted meanwhile, or no slot: give it back */
        char lk[400];
        snprintf(lk, sizeof(lk), LEASES_PREFIX "%s/%d", op->topic, op->partition);
        ks_ms_delete(ks_C.ms, lk, NULL, NULL);
        set_owner(op->topic, op->partition, -1);
        op_free(op);
        inflight_done();
        return;
    }
    part = ks_ring_part(ks_C.in->shm, ks_C.in->shm->ring, slot);
    atomic_store(&part->next_offset, start);
    atomic_store(&part->hw, start);
    atomic_store(&part->log_start, KS_MIN(log_start, start));
    atomic_store(&part->offset_limit, start + OFFSET_RESERVE);
    atomic_store(&part->pstate, KS_PSTATE_UNKNOWN);
    mp->slot = slot;
    mp->slot_gen = gen;
    mp->leader = self_id();
    mp->leader_epoch = (int32_t) epoch;

    snprintf(base, sizeof(base), "/kafscale/topics/%s/partitions/%d", op->topic, op->partition);
    snprintf(k_epoch, sizeof(k_epoch), "%s/epoch", base);
    snprintf(k_limit, sizeof(k_limit), "%s/offset_limit", base);
    snprintf(k_holes, sizeof(k_holes), "%s/holes", base);
    snprintf(k_next, sizeof(k_next), "%s/next_offset", base);
    snprintf(k_owner, sizeof(k_owner), "%s/owner", base);
    snprintf(v_owner, sizeof(v_owner), "%d", self_id());
    snprintf(v_epoch, sizeof(v_epoch), "%" PRId64, epoch);
    snprintf(v_limit, sizeof(v_limit), "%" PRId64, start + OFFSET_RESERVE);
    snprintf(v_next, sizeof(v_next), "%" PRId64, start);
    memset(ops, 0, sizeof(ops));
    ops[nops++] = (ks_ms_op_t) { KS_MS_OP_PUT, k_epoch, strlen(k_epoch), v_epoch, strlen(v_epoch), 0 };
    ops[nops++] = (ks_ms_op_t) { KS_MS_OP_PUT, k_limit, strlen(k_limit), v_limit, strlen(v_limit), 0 };
    ops[nops++] = (ks_ms_op_t) { KS_MS_OP_PUT, k_owner, strlen(k_owner), v_owner, strlen(v_owner), 0 };
    if (start > next) {
        /* The previous owner may have assigned [next, start) and may still
         * upload some of it: readers skip that range. */
        holes_kv = kv_find(res, "/holes");
        holes = holes_kv ? cJSON_ParseWithLength((const char *) holes_kv->value, holes_kv->value_len) : NULL;
        if (!cJSON_IsArray(holes)) {
            cJSON_Delete(holes);
            holes = cJSON_CreateArray();
        }
        cJSON *h = cJSON_CreateArray();
        cJSON_AddItemToArray(h, cJSON_CreateNumber((double) next));
        cJSON_AddItemToArray(h, cJSON_CreateNumber((double) start));
        cJSON_AddItemToArray(holes, h);
        holes_json = cJSON_PrintUnformatted(holes);
        cJSON_Delete(holes);
        ops[nops++] = (ks_ms_op_t) { KS_MS_OP_PUT, k_holes, strlen(k_holes), holes_json, strlen(holes_json), 0 };
        ops[nops++] = (ks_ms_op_t) { KS_MS_OP_PUT, k_next, strlen(k_next), v_next, strlen(v_next), 0 };
        ks_log_warn("took over %s-%d without a clean handover: offsets %" PRId64 "..%" PRId64
                    " are skipped", op->topic, op->partition, next, start - 1);
    }
    ks_log_info("now serving %s-%d from offset %" PRId64 " (leader epoch %" PRId64 ", slot %u/%u)", op->topic,
                op->partition, start, epoch, slot, gen);
    if (ks_ms_txn(ks_C.ms, NULL, 0, ops, (size_t) nops, NULL, 0, acquired_setup_done, op) != KS_OK) {
        op_free(op);
        inflight_done();
    }
    free(holes_json);
}

static void
acquire(const char *topic, int32_t p)
{
    own_op_t *op = calloc(1, sizeof(*op));
    char lk[400], base[400], k1[420], k2[420], k3[420], k4[420], k5[420], k6[420], self[16];
    ks_ms_cmp_t cmp;
    ks_ms_op_t succ[7];

    if (op == NULL || CL.lease == 0) {
        free(op);
        return;
    }
    op->topic = strdup(topic);
    op->partition = p;
    snprintf(lk, sizeof(lk), LEASES_PREFIX "%s/%d", topic, p);
    snprintf(base, sizeof(base), "/kafscale/topics/%s/partitions/%d", topic, p);
    snprintf(k1, sizeof(k1), "%s/next_offset", base);
    snprintf(k2, sizeof(k2), "%s/offset_limit", base);
    snprintf(k3, sizeof(k3), "%s/log_start", base);
    snprintf(k4, sizeof(k4), "%s/epoch", base);
    snprintf(k5, sizeof(k5), "%s/holes", base);
    snprintf(k6, sizeof(k6), "%s/owner", base);
    snprintf(self, sizeof(self), "%d", self_id());
    memset(&cmp, 0, sizeof(cmp));
    cmp.key = lk;
    cmp.key_len = strlen(lk);
    cmp.target = KS_MS_CMP_CREATE_REV;
    cmp.result = KS_MS_CMP_EQ;
    memset(succ, 0, sizeof(succ));
    succ[0] = (ks_ms_op_t) { KS_MS_OP_PUT, lk, strlen(lk), self, strlen(self), CL.lease };
    succ[1] = (ks_ms_op_t) { KS_MS_OP_GET, k1, strlen(k1), NULL, 0, 0 };
    succ[2] = (ks_ms_op_t) { KS_MS_OP_GET, k2, strlen(k2), NULL, 0, 0 };
    succ[3] = (ks_ms_op_t) { KS_MS_OP_GET, k3, strlen(k3), NULL, 0, 0 };
    succ[4] = (ks_ms_op_t) { KS_MS_OP_GET, k4, strlen(k4), NULL, 0, 0 };
    succ[5] = (ks_ms_op_t) { KS_MS_OP_GET, k5, strlen(k5), NULL, 0, 0 };
    succ[6] = (ks_ms_op_t) { KS_MS_OP_GET, k6, strlen(k6), NULL, 0, 0 };
    CL.inflight++;
    if (ks_ms_txn(ks_C.ms, &cmp, 1, succ, 7, NULL, 0, acquired, op) != KS_OK) {
        op_free(op);
        inflight_done();
    }
}

/* A clean handover: stop taking writes, wait until everything is durable,
 * lower the offset limit to the high watermark, then free the lease key. */
typedef struct release_s {
    char *topic;
    int32_t partition;
    uint32_t slot, gen;
    int64_t deadline_ms;
    struct release_s *next;
} release_t;

static release_t *releasing;

static void
released(void *arg, const ks_ms_result_t *res)
{
    release_t *r = arg;

    if (res->rc != KS_OK)
        ks_log_warn("could not hand over %s-%d: %s", r->topic, r->partition, res->error);
    else
        ks_log_info("handed over %s-%d", r->topic, r->partition);
    set_owner(r->topic, r->partition, -1);
    free(r->topic);
    free(r);
    inflight_done();
    schedule_reconcile();
}

static void
release_finish(release_t *r, int64_t hw)
{
    char lk[400], k_limit[420], v_limit[32], self[16];
    ks_ms_cmp_t cmp;
    ks_ms_op_t ops[2];
    ks_mv_partition_t *mp = view_partition(r->topic, r->partition);

    ks_topics_slot_release(r->slot);
    if (mp != NULL && mp->slot == r->slot) {
        mp->slot = KS_SLOT_NONE;
        mp->leader = -1;
    }
    snprintf(lk, sizeof(lk), LEASES_PREFIX "%s/%d", r->topic, r->partition);
    snprintf(k_limit, sizeof(k_limit), "/kafscale/topics/%s/partitions/%d/offset_limit", r->topic, r->partition);
    snprintf(v_limit, sizeof(v_limit), "%" PRId64, hw);
    snprintf(self, sizeof(self), "%d", self_id());
    memset(&cmp, 0, sizeof(cmp));
    cmp.key = lk;
    cmp.key_len = strlen(lk);
    cmp.target = KS_MS_CMP_VALUE;
    cmp.result = KS_MS_CMP_EQ;
    cmp.value = self;
    cmp.value_len = strlen(self);
    memset(ops, 0, sizeof(ops));
    ops[0] = (ks_ms_op_t) { KS_MS_OP_PUT, k_limit, strlen(k_limit), v_limit, strlen(v_limit), 0 };
    ops[1] = (ks_ms_op_t) { KS_MS_OP_DELETE, lk, strlen(lk), NULL, 0, 0 };
    if (ks_ms_txn(ks_C.ms, &cmp, 1, ops, 2, NULL, 0, released, r) != KS_OK) {
        set_owner(r->topic, r->partition, -1);
        free(r->topic);
        free(r);
        inflight_done();
    }
}

static void
on_release_timer(evutil_socket_t fd, short what, void *arg)
{
    struct timeval tv = { 0, 10000 };
    release_t **pp = &releasing;
    int64_t now = ks_now_ms();

    (void) fd;
    (void) what;
    (void) arg;
    while (*pp != NULL) {
        release_t *r = *pp;
        ks_part_t *p = ks_ring_part(ks_C.in->shm, ks_C.in->shm->ring, r->slot);
        int64_t hw = atomic_load(&p->hw), next = atomic_load(&p->next_offset);

        if (atomic_load(&p->gen) != r->gen || hw >= next || now > r->deadline_ms) {
            *pp = r->next;
            if (hw < next)
                ks_log_warn("handing over %s-%d with offsets %" PRId64 "..%" PRId64 " not durable",
                            r->topic, r->partition, hw, next - 1);
            release_finish(r, hw);
            continue;
        }
        pp = &r->next;
    }
    if (releasing != NULL)
        evtimer_add(CL.release_timer, &tv);
}

static void
release(const char *topic, ks_mv_partition_t *mp)
{
    release_t *r = calloc(1, sizeof(*r));
    struct timeval tv = { 0, 10000 };
    ks_part_t *p;

    if (r == NULL || mp->slot == KS_SLOT_NONE) {
        free(r);
        return;
    }
    r->topic = strdup(topic);
    r->partition = mp->partition;
    r->slot = mp->slot;
    r->gen = mp->slot_gen;
    r->deadline_ms = ks_now_ms() + 30000;
    p = ks_ring_part(ks_C.in->shm, ks_C.in->shm->ring, mp->slot);
    /* No more appends: produces get NOT_LEADER_OR_FOLLOWER and go to the
     * new owner once it holds the partition. */
    atomic_store(&p->state, KS_PART_RELEASING);
    r->next = releasing;
    releasing = r;
    CL.inflight++;
    set_owner(topic, mp->partition, -2);      /* -2: being handed over */
    evtimer_add(CL.release_timer, &tv);
}

/* The partitions, dealt round-robin over the live brokers in topic-name
 * order: the same answer on every broker. */
static void
reconcile(void)
{
    int64_t k = 0;
    bool changed = false;

    if (!CL.started)
        return;
    for (int32_t i = 0; i < ks_C.mv.ntopics; i++) {
        ks_mv_topic_t *t = &ks_C.mv.topics[i];
        for (int32_t j = 0; j < t->npartitions; j++, k++) {
            ks_mv_partition_t *mp = &t->partitions[j];
            int32_t want = CL.nlive > 0 ? CL.live[k % CL.nlive] : self_id();
            int32_t cur = owner_of(t->name, j);
            int32_t leader = cur >= 0 ? cur : -1;

            if (mp->leader != leader && !(cur == -2)) {
                mp->leader = leader;
                changed = true;
            }
            if (cur == -1 && want == self_id() && CL.lease != 0) {
                if (ks_now_ms() < CL.acquire_after_ms) {
                    struct timeval tv = { 0, 200000 };
                    evtimer_add(CL.reconcile_timer, &tv);
                    continue;
                }
                acquire(t->name, j);
            }
            else if (cur == self_id() && want != self_id() && mp->slot != KS_SLOT_NONE)
                release(t->name, mp);
            else if (mp->slot != KS_SLOT_NONE && cur != self_id() && cur != -2) {
                /* Served here but owned elsewhere (our lease expired while
                 * the store was away): stop at once. */
                ks_log_warn("%s-%d is owned by broker %d now; no longer serving it", t->name, j, cur);
                ks_topics_slot_release(mp->slot);
                mp->slot = KS_SLOT_NONE;
                changed = true;
            } else if (cur == self_id() && mp->slot == KS_SLOT_NONE && CL.lease != 0) {
                /* We hold the key but serve nothing (a restarted coordinator
                 * that lost its slots): give it back and take it again. */
                char lk[400];
                snprintf(lk, sizeof(lk), LEASES_PREFIX "%s/%d", t->name, j);
                ks_ms_delete(ks_C.ms, lk, NULL, NULL);
                set_owner(t->name, j, -1);
            }
        }
    }
    if (changed)
        ks_topics_publish();
}

static void
on_reconcile(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    reconcile();
    if (CL.inflight == 0) {
        CL.inflight = 1;
        inflight_done();         /* answers whoever waits for a settled state */
    }
}

static void
schedule_reconcile(void)
{
    struct timeval tv = { 0, 2000 };

    if (CL.reconcile_timer != NULL && !evtimer_pending(CL.reconcile_timer, NULL))
        evtimer_add(CL.reconcile_timer, &tv);
}

static void
on_leases_watch(void *arg, int kind, const ks_kv_t *kv)
{
    const char *rest = kv->key + strlen(LEASES_PREFIX);
    const char *slash = strrchr(rest, '/');
    char topic[256];
    int32_t p;

    (void) arg;
    if (slash == NULL || (size_t) (slash - rest) >= sizeof(topic))
        return;
    memcpy(topic, rest, (size_t) (slash - rest));
    topic[slash - rest] = 0;
    p = (int32_t) strtol(slash + 1, NULL, 10);
    if (kind == KS_MS_WATCH_PUT) {
        int32_t b = (int32_t) strtol((const char *) kv->value, NULL, 10);
        if (owner_of(topic, p) != -2 || b != self_id())
            set_owner(topic, p, b);
    } else if (owner_of(topic, p) != -2) {
        set_owner(topic, p, -1);
    }
    schedule_reconcile();
}

/* ---------- start ---------- */

static void (*start_done)(int rc);

static void
leases_loaded(void *arg, const ks_ms_result_t *res)
{
    (void) arg;
    if (res->rc != KS_OK) {
        ks_log_error("could not read partition ownership: %s", res->error);
        start_done(KS_ERROR);
        return;
    }
    for (size_t i = 0; i < res->nkvs; i++) {
        ks_kv_t kv = res->kvs[i];
        on_leases_watch(NULL, KS_MS_WATCH_PUT, &kv);
    }
    ks_ms_watch(ks_C.ms, LEASES_PREFIX, on_leases_watch, NULL);
    CL.started = true;
    /* With a shared store, brokers usually start together: taking
     * partitions before the others registered would only move them again
     * a moment later. */
    if (strcmp(ks_C.in->conf->metadata_store, "embedded") != 0)
        CL.acquire_after_ms = ks_now_ms() + 1500;
    register_self();
    start_done(KS_OK);
}

static void
brokers_loaded(void *arg, const ks_ms_result_t *res)
{
    (void) arg;
    if (res->rc != KS_OK) {
        ks_log_error("could not read the broker list: %s", res->error);
        start_done(KS_ERROR);
        return;
    }
    for (size_t i = 0; i < res->nkvs; i++)
        broker_put(res->kvs[i].key, res->kvs[i].value, res->kvs[i].value_len);
    ks_ms_watch(ks_C.ms, BROKERS_PREFIX, on_brokers_watch, NULL);
    ks_ms_range(ks_C.ms, LEASES_PREFIX, 0, leases_loaded, NULL);
}

void
ks_cluster_start(void (*done)(int rc))
{
    struct timeval tv = { LEASE_TTL_S / 5, 0 };

    start_done = done;
    CL.brokers = cJSON_CreateObject();
    CL.keepalive_timer = evtimer_new(ks_C.base, on_keepalive, NULL);
    CL.reconcile_timer = evtimer_new(ks_C.base, on_reconcile, NULL);
    CL.release_timer = evtimer_new(ks_C.base, on_release_timer, NULL);
    evtimer_add(CL.keepalive_timer, &tv);
    ks_ms_range(ks_C.ms, BROKERS_PREFIX, 0, brokers_loaded, NULL);
}

void
ks_cluster_reconcile(void)
{
    schedule_reconcile();
}

void
ks_cluster_when_settled(void (*fn)(void *arg), void *arg)
{
    if (CL.inflight == 0 && (CL.reconcile_timer == NULL || !evtimer_pending(CL.reconcile_timer, NULL))) {
        fn(arg);
        return;
    }
    CL.waiters = realloc(CL.waiters, sizeof(*CL.waiters) * (size_t) (CL.nwaiters + 1));
    CL.waiter_args = realloc(CL.waiter_args, sizeof(*CL.waiter_args) * (size_t) (CL.nwaiters + 1));
    CL.waiters[CL.nwaiters] = fn;
    CL.waiter_args[CL.nwaiters] = arg;
    CL.nwaiters++;
}

bool
ks_cluster_owns(const char *topic, int32_t partition)
{
    return owner_of(topic, partition) == self_id();
}

int
ks_cluster_live(const int32_t **ids)
{
    *ids = CL.live;
    return CL.nlive;
}

static void (*stop_done)(void);

static void
revoked(void *arg, const ks_ms_result_t *res)
{
    (void) arg;
    (void) res;
    stop_done();
}

static void
limits_lowered(void *arg, const ks_ms_result_t *res)
{
    (void) arg;
    if (res->rc != KS_OK)
        ks_log_warn("could not hand over partitions cleanly: %s", res->error);
    if (ks_ms_lease_revoke(ks_C.ms, CL.lease, revoked, NULL) != KS_OK)
        stop_done();
    CL.lease = 0;
    atomic_store(&ks_C.in->shm->hdr->coord_lease, 0);
}

/* A clean stop: the flusher has made everything durable, so each owned
 * partition's offset limit comes down to its high watermark (the next
 * owner starts there, no hole), then the lease goes and with it every
 * partition lease key.  done() runs when that is over (or failed). */
void
ks_cluster_stop(void (*done)(void))
{
    ks_ms_op_t *ops;
    char **strs;
    size_t n = 0, ns = 0, cap = 16;

    stop_done = done;
    if (CL.lease == 0) {
        done();
        return;
    }
    ops = calloc(cap, sizeof(*ops));
    strs = calloc(cap * 2, sizeof(*strs));
    for (int32_t i = 0; i < ks_C.mv.ntopics; i++) {
        ks_mv_topic_t *t = &ks_C.mv.topics[i];
        for (int32_t j = 0; j < t->npartitions; j++) {
            ks_mv_partition_t *mp = &t->partitions[j];
            ks_part_t *p;
            char k[420], v[32];
            if (mp->slot == KS_SLOT_NONE || owner_of(t->name, j) != self_id())
                continue;
            p = ks_ring_part(ks_C.in->shm, ks_C.in->shm->ring, mp->slot);
            if (n == cap) {
                cap *= 2;
                ops = realloc(ops, sizeof(*ops) * cap);
                strs = realloc(strs, sizeof(*strs) * cap * 2);
            }
            snprintf(k, sizeof(k), "/kafscale/topics/%s/partitions/%d/offset_limit", t->name, j);
            snprintf(v, sizeof(v), "%" PRId64, atomic_load(&p->hw));
            strs[ns++] = strdup(k);
            strs[ns++] = strdup(v);
            ops[n++] = (ks_ms_op_t) { KS_MS_OP_PUT, strs[ns - 2], strlen(k), strs[ns - 1], strlen(v), 0 };
        }
    }
    if (n == 0 || ks_ms_txn(ks_C.ms, NULL, 0, ops, n, NULL, 0, limits_lowered, NULL) != KS_OK) {
        ks_ms_result_t ok = { .rc = KS_OK };
        limits_lowered(NULL, &ok);
    }
    for (size_t i = 0; i < ns; i++)
        free(strs[i]);
    free(strs);
    free(ops);
}
