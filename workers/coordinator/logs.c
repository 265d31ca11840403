/*
 * logs.c: the coordinator's share of log lifecycle: log start offsets
 * (DeleteRecords and the flusher's retention), and the removal of a deleted
 * topic's objects.  Runs in: coordinator.
 *
 * Store keys:
 *   /kafscale/topics/<t>/partitions/<p>/log_start   first offset still kept
 *   /kafscale/topic-deletions/<t>                   objects still to delete
 *
 * A deleted topic's objects are removed by the flusher (it owns writes to
 * the object store); the marker survives restarts until the flusher
 * reports the prefix empty, and a topic of the same name cannot be created
 * meanwhile.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>

#include "chan.h"
#include "acl.h"
#include "coordinator.h"
#include "log.h"
#include "proto/errors.h"
#include "shm/ring.h"

#define DELETIONS_PREFIX "/kafscale/topic-deletions/"

static char **pending;           /* topics whose objects are being deleted */
static size_t npending;

/* ---------- pending topic deletions ---------- */

bool
ks_logs_deletion_pending(const char *topic, size_t len)
{
    for (size_t i = 0; i < npending; i++)
        if (strlen(pending[i]) == len && memcmp(pending[i], topic, len) == 0)
            return true;
    return false;
}

static void
pending_add(const char *topic)
{
    char **np;

    if (ks_logs_deletion_pending(topic, strlen(topic)))
        return;
    np = realloc(pending, sizeof(char *) * (npending + 1));
    if (np == NULL)
        return;
    pending = np;
    pending[npending++] = strdup(topic);
}

static void
pending_remove(const char *topic)
{
    for (size_t i = 0; i < npending; i++) {
        if (strcmp(pending[i], topic) == 0) {
            free(pending[i]);
            pending[i] = pending[--npending];
            return;
        }
    }
}

static ks_link_t *
flusher_link(void)
{
    for (ks_link_t *l = ks_C.links; l != NULL; l = l->next)
        if (l->worker == -1 && !l->dead)
            return l;
    return NULL;
}

static void
send_deletion(ks_link_t *l, const char *topic)
{
    ks_rpc_hdr_t h;

    memset(&h, 0, sizeof(h));
    h.len = (uint32_t) strlen(topic);
    h.kind = KS_RPC_DELETE_OBJECTS;
    bufferevent_write(l->bev, &h, sizeof(h));
    bufferevent_write(l->bev, topic, h.len);
}

void
ks_logs_request_deletion(const char *topic)
{
    ks_link_t *l = flusher_link();

    pending_add(topic);
    if (l != NULL)
        send_deletion(l, topic);
}

void
ks_logs_flusher_connected(ks_link_t *l)
{
    for (size_t i = 0; i < npending; i++)
        send_deletion(l, pending[i]);
}

static void
marker_deleted(void *arg, const ks_ms_result_t *res)
{
    char *topic = arg;

    if (res->rc != KS_OK)
        ks_log_warn("could not remove the deletion marker of topic %s: %s", topic, res->error);
    else {
        pending_remove(topic);
        ks_log_info("removed every object of deleted topic %s", topic);
    }
    free(topic);
}

void
ks_logs_deletion_done(const uint8_t *p, size_t len)
{
    char key[512];
    char *topic;

    if (len == 0 || len > 249)
        return;
    topic = malloc(len + 1);
    memcpy(topic, p, len);
    topic[len] = 0;
    snprintf(key, sizeof(key), DELETIONS_PREFIX "%s", topic);
    if (ks_ms_delete(ks_C.ms, key, marker_deleted, topic) != KS_OK)
        free(topic);
}

static void (*markers_done)(int);

static void
markers_loaded(void *arg, const ks_ms_result_t *res)
{
    void (*done)(int) = markers_done;

    (void) arg;
    if (res->rc != KS_OK) {
        ks_log_error("could not read pending topic deletions: %s", res->error);
        done(KS_ERROR);
        return;
    }
    for (size_t i = 0; i < res->nkvs; i++)
        pending_add(res->kvs[i].key + strlen(DELETIONS_PREFIX));
    if (npending > 0)
        ks_log_info("%zu deleted topics still have objects to remove", npending);
    done(KS_OK);
}

void
ks_logs_load(void (*done)(int rc))
{
    markers_done = done;
    ks_ms_range(ks_C.ms, DELETIONS_PREFIX, 0, markers_loaded, NULL);
}

/* ---------- log start offsets ---------- */

typedef struct {
    ks_creq_t *creq;             /* DeleteRecords, or NULL for the flusher */
    ks_link_t *link;             /* the flusher's link */
    uint32_t id;
    uint32_t *slots;
    uint32_t *gens;
    int64_t *offsets;
    size_t n;
} ls_commit_t;

static void
ls_commit_free(ls_commit_t *lc)
{
    free(lc->slots);
    free(lc->gens);
    free(lc->offsets);
    free(lc);
}

static void
ls_committed(void *arg, const ks_ms_result_t *res)
{
    ls_commit_t *lc = arg;

    if (res->rc == KS_OK) {
        for (size_t i = 0; i < lc->n; i++) {
            ks_part_t *p = ks_ring_part(ks_C.in->shm, ks_C.in->shm->ring, lc->slots[i]);
            if (atomic_load(&p->gen) == lc->gens[i] && lc->offsets[i] > atomic_load(&p->log_start))
                atomic_store(&p->log_start, lc->offsets[i]);
        }
    } else {
        ks_log_error("could not commit log start offsets: %s", res->error);
    }
    if (lc->creq != NULL) {
        ks_delete_records_resp_t *resp = lc->creq->response;
        if (res->rc != KS_OK) {
            for (int32_t i = 0; i < resp->topics.count; i++) {
                ks_delete_records_resp_delete_records_topic_result_t *t = &((ks_delete_records_resp_delete_records_topic_result_t *) resp->topics.items)[i];
                for (int32_t j = 0; j < t->partitions.count; j++) {
                    ks_delete_records_resp_delete_records_partition_result_t *r = &((ks_delete_records_resp_delete_records_partition_result_t *) t->partitions.items)[j];
                    if (r->error_code == KS_ERR_NONE) {
                        r->error_code = KS_ERR_REQUEST_TIMED_OUT;
                        r->low_watermark = -1;
                    }
                }
            }
        }
        ks_creq_respond(lc->creq);
    } else {
        ks_logs_reply(lc->link, lc->id, KS_RPC_LOG_START_REPLY, res->rc == KS_OK ? 0 : 1);
    }
    ls_commit_free(lc);
}

/* Puts the log_start keys of lc (whose topics/partitions are given in
 * names/parts) in one transaction. */
static int
ls_store(ls_commit_t *lc, char **names, int32_t *parts)
{
    ks_ms_op_t *ops = calloc(lc->n ? lc->n : 1, sizeof(*ops));
    char **keys = calloc(lc->n ? lc->n : 1, sizeof(char *));
    char **vals = calloc(lc->n ? lc->n : 1, sizeof(char *));
    int rc = KS_ERROR;

    if (ops != NULL && keys != NULL && vals != NULL) {
        for (size_t i = 0; i < lc->n; i++) {
            char k[512], v[32];
            snprintf(k, sizeof(k), "/kafscale/topics/%s/partitions/%d/log_start", names[i], parts[i]);
            snprintf(v, sizeof(v), "%" PRId64, lc->offsets[i]);
            keys[i] = strdup(k);
            vals[i] = strdup(v);
            ops[i].kind = KS_MS_OP_PUT;
            ops[i].key = keys[i];
            ops[i].key_len = strlen(keys[i]);
            ops[i].value = vals[i];
            ops[i].value_len = strlen(vals[i]);
        }
        rc = ks_ms_txn(ks_C.ms, NULL, 0, ops, lc->n, NULL, 0, ls_committed, lc);
    }
    for (size_t i = 0; keys != NULL && i < lc->n; i++) {
        free(keys[i]);
        free(vals[i]);
    }
    free(keys);
    free(vals);
    free(ops);
    return rc;
}

static bool
ls_add(ls_commit_t *lc, const ks_mv_partition_t *mp, int64_t offset)
{
    size_t n = lc->n + 1;
    uint32_t *s = realloc(lc->slots, n * sizeof(uint32_t));
    uint32_t *g;
    int64_t *o;

    if (s == NULL)
        return false;
    lc->slots = s;
    g = realloc(lc->gens, n * sizeof(uint32_t));
    if (g == NULL)
        return false;
    lc->gens = g;
    o = realloc(lc->offsets, n * sizeof(int64_t));
    if (o == NULL)
        return false;
    lc->offsets = o;
    lc->slots[lc->n] = mp->slot;
    lc->gens[lc->n] = mp->slot_gen;
    lc->offsets[lc->n] = offset;
    lc->n = n;
    return true;
}

/* The flusher's retention pass moved log starts forward. */
void
ks_logs_commit_log_start(ks_link_t *l, uint32_t id, const uint8_t *p, size_t len)
{
    ks_reader_t r;
    ls_commit_t *lc = calloc(1, sizeof(*lc));
    char **names = NULL;
    int32_t *parts = NULL;

    if (lc == NULL) {
        ks_logs_reply(l, id, KS_RPC_LOG_START_REPLY, 1);
        return;
    }
    lc->link = l;
    lc->id = id;
    ks_reader_init(&r, p, len);
    while (ks_reader_left(&r) > 0 && !r.err) {
        int32_t part = ks_read_i32(&r);
        int64_t off = ks_read_i64(&r);
        int16_t tl = ks_read_i16(&r);
        const ks_mv_topic_t *t;

        if (r.err || tl <= 0 || (size_t) tl > ks_reader_left(&r)) {
            r.err = KS_DECODE_INVALID;
            break;
        }
        t = ks_metaview_topic(&ks_C.mv, (const char *) r.p, (size_t) tl);
        r.p += tl;
        if (t == NULL || part < 0 || part >= t->npartitions || t->partitions[part].slot == KS_SLOT_NONE)
            continue;
        if (!ls_add(lc, &t->partitions[part], off))
            break;
        names = realloc(names, sizeof(char *) * lc->n);
        parts = realloc(parts, sizeof(int32_t) * lc->n);
        names[lc->n - 1] = t->name;
        parts[lc->n - 1] = part;
    }
    l->refs++;                   /* released by ks_logs_reply */
    if (r.err || lc->n == 0 || ls_store(lc, names, parts) != KS_OK) {
        ks_logs_reply(l, id, KS_RPC_LOG_START_REPLY, r.err ? 1 : 0);
        ls_commit_free(lc);
    }
    free(names);
    free(parts);
}

/* DeleteRecords: moves log start offsets forward; the flusher's next
 * retention pass deletes the segments entirely below them. */
void
ks_h_delete_records(ks_creq_t *creq)
{
    ks_delete_records_req_t *req = creq->request;
    ks_delete_records_resp_t *resp = creq->response;
    int32_t nt = req->topics.count > 0 ? req->topics.count : 0;
    ks_delete_records_resp_delete_records_topic_result_t *trs;
    ls_commit_t *lc = calloc(1, sizeof(*lc));
    char **names = NULL;
    int32_t *parts = NULL;

    trs = ks_arena_alloc(&creq->arena, sizeof(*trs) * (size_t) (nt ? nt : 1));
    if (trs == NULL || lc == NULL) {
        free(lc);
        ks_creq_close(creq);
        return;
    }
    lc->creq = creq;
    resp->topics = (ks_array_t) { trs, nt };
    for (int32_t i = 0; i < nt; i++) {
        ks_delete_records_req_delete_records_topic_t *td = &((ks_delete_records_req_delete_records_topic_t *) req->topics.items)[i];
        int32_t np = td->partitions.count > 0 ? td->partitions.count : 0;
        ks_delete_records_resp_delete_records_partition_result_t *prs =
            ks_arena_alloc(&creq->arena, sizeof(*prs) * (size_t) (np ? np : 1));
        const ks_mv_topic_t *t = td->name.len > 0 ? ks_metaview_topic(&ks_C.mv, td->name.p, (size_t) td->name.len) : NULL;

        bool allowed = ks_coord_authz(creq, KS_ACL_OP_DELETE, KS_ACL_RT_TOPIC, td->name);

        trs[i].name = td->name;
        trs[i].partitions = (ks_array_t) { prs, np };
        for (int32_t j = 0; prs != NULL && j < np; j++) {
            ks_delete_records_req_delete_records_partition_t *pd = &((ks_delete_records_req_delete_records_partition_t *) td->partitions.items)[j];
            const ks_mv_partition_t *mp;
            ks_part_t *part;
            int64_t hw, ls, off;

            prs[j].partition_index = pd->partition_index;
            prs[j].low_watermark = -1;
            if (!allowed) {
                prs[j].error_code = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
                continue;
            }
            if (t == NULL || pd->partition_index < 0 || pd->partition_index >= t->npartitions) {
                prs[j].error_code = KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
                continue;
            }
            mp = &t->partitions[pd->partition_index];
            if (mp->slot == KS_SLOT_NONE) {
                prs[j].error_code = KS_ERR_NOT_LEADER_OR_FOLLOWER;
                continue;
            }
            part = ks_ring_part(ks_C.in->shm, ks_C.in->shm->ring, mp->slot);
            hw = atomic_load(&part->hw);
            ls = atomic_load(&part->log_start);
            off = pd->offset == -1 ? hw : pd->offset;
            if (off < 0 || off > hw) {
                prs[j].error_code = KS_ERR_OFFSET_OUT_OF_RANGE;
                continue;
            }
            prs[j].error_code = KS_ERR_NONE;
            prs[j].low_watermark = KS_MAX(off, ls);
            if (off <= ls)
                continue;
            if (!ls_add(lc, mp, off)) {
                prs[j].error_code = KS_ERR_UNKNOWN_SERVER_ERROR;
                continue;
            }
            names = realloc(names, sizeof(char *) * lc->n);
            parts = realloc(parts, sizeof(int32_t) * lc->n);
            names[lc->n - 1] = t->name;
            parts[lc->n - 1] = pd->partition_index;
        }
    }
    if (lc->n == 0) {
        ls_commit_free(lc);
        ks_creq_respond(creq);
    } else if (ls_store(lc, names, parts) != KS_OK) {
        ks_ms_result_t fail = { .rc = KS_ERROR, .error = "the metadata store refused the request" };
        ls_committed(lc, &fail);
    }
    free(names);
    free(parts);
}
