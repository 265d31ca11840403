/*
 * fetch.c: Fetch v0..v17.  Runs in: worker.
 *
 * A fetch is gathered partition by partition (ks_part_read: the ring, else
 * the object store through segcache).  When a partition's data must first
 * come from the object store, the fetch waits for those reads and gathers
 * again.  With less than min_bytes available it is parked: re-gathered
 * when ks_fetch_wakeup() says high watermarks moved, answered at
 * max_wait_ms by a timer with whatever there is.  A parked fetch holds no
 * resources but its buffers and never blocks the loop or other
 * connections.
 *
 * Fetch sessions (KIP-227) are never created: the answer carries session id
 * 0, which clients take as "full fetches only"; a request naming a session
 * gets FETCH_SESSION_ID_NOT_FOUND, as Kafka answers for an unknown one.
 * Fetch v0..v3 gets legacy message sets (downconvert.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "acl.h"
#include "broker.h"
#include "downconvert.h"
#include "log.h"
#include "proto/errors.h"
#include "records.h"
#include "segcache.h"
#include "shm/ring.h"
#include "util.h"


/* Gather rounds (object-store waits) before answering with what there is. */
#define MAX_ROUNDS 12

typedef struct {
    const ks_fetch_req_fetch_partition_t *rp;
    ks_fetch_resp_partition_data_t *out;
    ks_partref_t ref;
    int32_t leader, leader_epoch;
    int16_t error;                /* fixed at the start (topic, leader, epoch) */
    int16_t read_error;           /* from the last gather */
    int64_t hw, log_start;
    ks_segbuf_t data;
} fpart_t;

typedef struct fetch_op {
    ks_req_t *req;
    int version;
    ks_fetch_req_t *fr;
    ks_fetch_resp_t *resp;
    fpart_t *parts;
    int nparts;
    int pending;                  /* object-store reads waited for */
    int rounds;
    bool parked, expired;
    int64_t started_ms;
    struct event *timer;
    struct fetch_op *prev, *next; /* parked fetches */
} fetch_op_t;

static fetch_op_t *parked;

static void gather(fetch_op_t *op);

static void
park_unlink(fetch_op_t *op)
{
    if (!op->parked)
        return;
    if (op->prev != NULL)
        op->prev->next = op->next;
    else
        parked = op->next;
    if (op->next != NULL)
        op->next->prev = op->prev;
    op->prev = op->next = NULL;
    op->parked = false;
}

static void
op_free(fetch_op_t *op)
{
    park_unlink(op);
    if (op->timer != NULL)
        event_free(op->timer);
    for (int i = 0; i < op->nparts; i++)
        ks_segbuf_free(&op->parts[i].data);
    free(op->parts);
    free(op);
}

static void
fill_partition(fetch_op_t *op, fpart_t *fp)
{
    ks_fetch_resp_partition_data_t *o = fp->out;
    int16_t err = fp->error ? fp->error : fp->read_error;

    if (err == KS_ERR_NONE && op->version <= 3 && fp->data.len > 0) {
        ks_segbuf_t conv = { NULL, 0, 0 };
        int rc = ks_downconvert(fp->data.buf, fp->data.len, op->version <= 1 ? 0 : 1,
                                fp->rp->fetch_offset, &conv.buf, &conv.len, &conv.cap);
        ks_segbuf_free(&fp->data);
        if (rc != KS_OK) {
            ks_segbuf_free(&conv);
            err = rc > 0 ? (int16_t) rc : KS_ERR_UNKNOWN_SERVER_ERROR;
        } else {
            fp->data = conv;
        }
    }
    o->error_code = err;
    if (err != KS_ERR_NONE) {
        o->high_watermark = -1;
        o->last_stable_offset = -1;
        o->log_start_offset = -1;
        o->records.p = NULL;
        o->records.len = 0;
        if ((err == KS_ERR_NOT_LEADER_OR_FOLLOWER || err == KS_ERR_FENCED_LEADER_EPOCH) &&
            fp->leader >= 0) {
            o->current_leader.leader_id = fp->leader;
            o->current_leader.leader_epoch = fp->leader_epoch;
        }
        return;
    }
    o->high_watermark = fp->hw;
    o->last_stable_offset = fp->hw;
    o->log_start_offset = fp->log_start;
    o->records.p = fp->data.buf;
    o->records.len = (int32_t) fp->data.len;
}

/* Counts what a partition serves (bytes and records of the v2 batches,
 * before any down-conversion) in its slot, for the ops metrics. */
static void
count_out(const fpart_t *fp)
{
    const uint8_t *p = fp->data.buf, *end = fp->data.len ? p + fp->data.len : p;
    ks_batch_info_t bi;
    uint64_t records = 0;
    ks_part_t *part;

    if (fp->error != KS_ERR_NONE || fp->read_error != KS_ERR_NONE || fp->data.len == 0 ||
        ks_W.ring == NULL || fp->ref.slot >= ks_W.ring->nparts)
        return;
    while (ks_batch_next(&p, end, &bi, NULL, NULL) == 1)
        records += bi.records_count > 0 ? (uint64_t) bi.records_count : 0;
    part = ks_ring_part(ks_W.in->shm, ks_W.ring, fp->ref.slot);
    atomic_fetch_add_explicit(&part->bytes_out, fp->data.len, memory_order_relaxed);
    atomic_fetch_add_explicit(&part->records_out, records, memory_order_relaxed);
}

static void
respond(fetch_op_t *op)
{
    ks_req_t *req = op->req;

    park_unlink(op);
    if (req->conn == NULL) {
        /* The client went away; the request is freed here. */
        ks_req_complete(req);
        op_free(op);
        return;
    }
    for (int i = 0; i < op->nparts; i++) {
        count_out(&op->parts[i]);
        fill_partition(op, &op->parts[i]);
    }
    ks_req_respond(req, op->resp);
    op_free(op);
}

static void
fetch_cb(void *arg)
{
    fetch_op_t *op = arg;

    if (--op->pending == 0)
        gather(op);
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
    fetch_op_t *op = arg;

    (void) fd;
    (void) what;
    op->expired = true;
    if (op->pending == 0)
        gather(op);
}

/* Reads what every partition has now; answers, waits for the object store,
 * or parks. */
static void
gather(fetch_op_t *op)
{
    const ks_fetch_req_t *fr = op->fr;
    size_t total = 0, max_bytes = fr->max_bytes > 0 ? (size_t) fr->max_bytes : 0;
    bool any_error = false;
    bool final = op->expired || op->req->conn == NULL || ++op->rounds > MAX_ROUNDS || ks_W.stopping;
    int waiting = 0;

    for (int i = 0; i < op->nparts; i++) {
        fpart_t *fp = &op->parts[i];
        ks_part_t *part;
        int64_t off = fp->rp->fetch_offset, leo, next;
        size_t room;
        int rc;

        fp->data.len = 0;
        fp->read_error = KS_ERR_NONE;
        if (fp->error != KS_ERR_NONE) {
            any_error = true;
            continue;
        }
        if (ks_W.ring == NULL || fp->ref.slot >= ks_W.ring->nparts) {
            fp->read_error = KS_ERR_NOT_LEADER_OR_FOLLOWER;
            any_error = true;
            continue;
        }
        part = ks_ring_part(ks_W.in->shm, ks_W.ring, fp->ref.slot);
        if (atomic_load(&part->gen) != fp->ref.slot_gen ||
            atomic_load(&part->state) != KS_PART_ACTIVE) {
            fp->read_error = KS_ERR_NOT_LEADER_OR_FOLLOWER;
            any_error = true;
            continue;
        }
        fp->hw = atomic_load(&part->hw);
        fp->log_start = atomic_load(&part->log_start);
        leo = atomic_load(&part->next_offset);
        if (off < fp->log_start || off > KS_MAX(fp->hw, leo)) {
            fp->read_error = KS_ERR_OFFSET_OUT_OF_RANGE;
            any_error = true;
            continue;
        }
        if (off >= fp->hw)
            continue;
        room = fp->rp->partition_max_bytes > 0 ? (size_t) fp->rp->partition_max_bytes : 0;
        if (max_bytes - total < room)
            room = max_bytes - total;
        if (room == 0 && total > 0)
            continue;
        rc = ks_part_read(&fp->ref, off, fp->hw, room, total == 0, &fp->data, &next,
                          final ? NULL : fetch_cb, op);
        if (rc == KS_AGAIN) {
            if (!final) {
                op->pending++;
                waiting++;
            }
            continue;
        }
        if (rc != KS_OK) {
            fp->read_error = (int16_t) rc;
            any_error = true;
            if (rc == KS_ERR_KAFKA_STORAGE_ERROR)
                ks_log_warn("fetch of %.*s-%d at offset %lld from %s failed: storage error",
                            (int) fp->ref.topic_len, fp->ref.topic, (int) fp->ref.partition,
                            (long long) off, op->req->conn ? op->req->conn->peer : "?");
            continue;
        }
        total += fp->data.len;
    }
    if (waiting > 0)
        return;
    if (final || fr->max_wait_ms <= 0 || (int64_t) total >= (int64_t) fr->min_bytes || any_error ||
        total >= max_bytes) {
        respond(op);
        return;
    }
    /* Park until a wake-up brings enough or max_wait_ms passed. */
    op->rounds = 0;
    if (!op->parked) {
        op->parked = true;
        op->prev = NULL;
        op->next = parked;
        if (parked != NULL)
            parked->prev = op;
        parked = op;
    }
    if (op->timer == NULL) {
        int64_t left = (int64_t) fr->max_wait_ms - (ks_now_ms() - op->started_ms);
        struct timeval tv;

        if (left < 0)
            left = 0;
        tv.tv_sec = (time_t) (left / 1000);
        tv.tv_usec = (suseconds_t) ((left % 1000) * 1000);
        op->timer = evtimer_new(ks_W.base, timer_cb, op);
        if (op->timer == NULL || evtimer_add(op->timer, &tv) != 0) {
            respond(op);
            return;
        }
    }
}

void
ks_fetch_wakeup(void)
{
    fetch_op_t *op, *next;

    for (op = parked; op != NULL; op = next) {
        bool moved = false;

        next = op->next;
        if (op->pending > 0)
            continue;
        for (int i = 0; i < op->nparts && !moved; i++) {
            fpart_t *fp = &op->parts[i];
            ks_part_t *part;

            if (fp->error != KS_ERR_NONE || ks_W.ring == NULL || fp->ref.slot >= ks_W.ring->nparts)
                continue;
            part = ks_ring_part(ks_W.in->shm, ks_W.ring, fp->ref.slot);
            if (atomic_load(&part->hw) != fp->hw || atomic_load(&part->log_start) != fp->log_start ||
                atomic_load(&part->gen) != fp->ref.slot_gen)
                moved = true;
        }
        if (moved || op->req->conn == NULL || ks_W.stopping) {
            /* gather() may answer and free op, never another parked op. */
            gather(op);
        }
    }
}

void
ks_fetch_shutdown(void)
{
    while (parked != NULL) {
        fetch_op_t *op = parked;
        ks_req_t *req = op->req;
        park_unlink(op);
        op_free(op);
        /* an orphan (its connection closed) is freed by completing it */
        if (req != NULL && req->conn == NULL)
            ks_req_complete(req);
    }
    ks_segcache_shutdown();
}

/* Resolves a requested partition: the fixed errors and its ring slot. */
static void
resolve(fetch_op_t *op, fpart_t *fp, const ks_mv_topic_t *t, int16_t topic_err)
{
    const ks_mv_partition_t *mp;
    int32_t idx = fp->rp->partition;
    int32_t want = fp->rp->current_leader_epoch;

    fp->leader = -1;
    fp->leader_epoch = -1;
    fp->out->partition_index = idx;
    fp->out->diverging_epoch.epoch = -1;
    fp->out->diverging_epoch.end_offset = -1;
    fp->out->current_leader.leader_id = -1;
    fp->out->current_leader.leader_epoch = -1;
    fp->out->snapshot_id.end_offset = -1;
    fp->out->snapshot_id.epoch = -1;
    fp->out->preferred_read_replica = -1;
    fp->out->high_watermark = -1;
    fp->out->last_stable_offset = -1;
    fp->out->log_start_offset = -1;
    if (op->fr->isolation_level == 1)
        fp->out->aborted_transactions = KS_ARRAY_EMPTY;
    else
        fp->out->aborted_transactions = (ks_array_t) { NULL, -1 };
    if (t == NULL) {
        fp->error = topic_err;
        return;
    }
    if (idx < 0 || idx >= t->npartitions) {
        fp->error = KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        return;
    }
    mp = &t->partitions[idx];
    fp->leader = mp->leader;
    fp->leader_epoch = mp->leader_epoch;
    if (mp->slot == KS_SLOT_NONE) {
        fp->error = KS_ERR_NOT_LEADER_OR_FOLLOWER;
        return;
    }
    if (want >= 0 && want < mp->leader_epoch) {
        fp->error = KS_ERR_FENCED_LEADER_EPOCH;
        return;
    }
    if (want >= 0 && want > mp->leader_epoch) {
        fp->error = KS_ERR_UNKNOWN_LEADER_EPOCH;
        return;
    }
    fp->ref.topic = t->name;
    fp->ref.topic_len = t->name_len;
    fp->ref.partition = idx;
    fp->ref.slot = mp->slot;
    fp->ref.slot_gen = mp->slot_gen;
}

void
ks_h_fetch(ks_req_t *req)
{
    int version = req->hdr.request_api_version;
    ks_fetch_req_t *fr = req->request;
    ks_fetch_resp_t *resp = ks_response_alloc(KS_API_FETCH, version, &req->arena);
    const ks_metaview_t *mv = ks_worker_meta();
    const ks_fetch_req_fetch_topic_t *rt = fr->topics.items;
    ks_fetch_resp_fetchable_topic_response_t *ot;
    fetch_op_t *op;
    int n = 0, k = 0;

    if (resp == NULL) {
        ks_req_fail_close(req, "out of memory");
        return;
    }
    resp->session_id = 0;
    resp->responses = KS_ARRAY_EMPTY;
    if (version >= 7 && (fr->session_id != 0 || fr->session_epoch > 0)) {
        resp->error_code = KS_ERR_FETCH_SESSION_ID_NOT_FOUND;
        ks_req_respond(req, resp);
        return;
    }
    for (int i = 0; i < fr->topics.count; i++)
        n += rt[i].partitions.count > 0 ? rt[i].partitions.count : 0;
    op = calloc(1, sizeof(*op));
    ot = ks_arena_alloc(&req->arena, sizeof(*ot) * (size_t) (fr->topics.count > 0 ? fr->topics.count : 1));
    if (op == NULL || ot == NULL ||
        (op->parts = calloc((size_t) (n ? n : 1), sizeof(*op->parts))) == NULL) {
        free(op);
        ks_req_fail_close(req, "out of memory");
        return;
    }
    op->req = req;
    op->version = version;
    op->fr = fr;
    op->resp = resp;
    op->nparts = n;
    op->started_ms = ks_now_ms();
    resp->responses.items = ot;
    resp->responses.count = fr->topics.count > 0 ? fr->topics.count : 0;
    for (int i = 0; i < resp->responses.count; i++) {
        const ks_fetch_req_fetch_partition_t *rp = rt[i].partitions.items;
        int np = rt[i].partitions.count > 0 ? rt[i].partitions.count : 0;
        ks_fetch_resp_partition_data_t *op_parts =
            ks_arena_alloc(&req->arena, sizeof(*op_parts) * (size_t) (np ? np : 1));
        const ks_mv_topic_t *t = NULL;
        int16_t terr;

        if (op_parts == NULL) {
            op_free(op);
            ks_req_fail_close(req, "out of memory");
            return;
        }
        if (version >= 13) {
            t = mv ? ks_metaview_topic_by_id(mv, &rt[i].topic_id) : NULL;
            terr = KS_ERR_UNKNOWN_TOPIC_ID;
            ot[i].topic_id = rt[i].topic_id;
            if (t != NULL && !ks_authz(req, KS_ACL_OP_READ, KS_ACL_RT_TOPIC, t->name, t->name_len)) {
                t = NULL;
                terr = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
            }
        } else {
            t = mv && rt[i].topic.len > 0 ? ks_metaview_topic(mv, rt[i].topic.p, (size_t) rt[i].topic.len) : NULL;
            terr = KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
            ot[i].topic = rt[i].topic;
            if (!ks_authz(req, KS_ACL_OP_READ, KS_ACL_RT_TOPIC, rt[i].topic.p,
                          rt[i].topic.len > 0 ? (size_t) rt[i].topic.len : 0)) {
                t = NULL;
                terr = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
            }
        }
        ot[i].partitions.items = op_parts;
        ot[i].partitions.count = np;
        for (int j = 0; j < np; j++, k++) {
            op->parts[k].rp = &rp[j];
            op->parts[k].out = &op_parts[j];
            resolve(op, &op->parts[k], t, terr);
        }
    }
    /* Answered later: keep the request if its connection closes first. */
    req->parked = true;        /* a closing connection orphans it */
    gather(op);
}
