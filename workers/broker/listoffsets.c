/*
 * listoffsets.c: ListOffsets v0..v10 and OffsetForLeaderEpoch v0..v4.
 * Runs in: worker.
 *
 * ListOffsets by timestamp and for the largest timestamp (KIP-734) scan the
 * partition's batch headers (ring, then the object store through segcache;
 * asynchronous when the store is needed), then decode the records of the
 * one batch that holds the answer.  There is no time index: the scan is
 * linear in the partition's size, which only these two lookups pay.
 *
 * OffsetForLeaderEpoch: a partition has one leader epoch (the metadata
 * view's) and no epoch history is kept.  Offsets are never reused or
 * truncated here (a new owner never rewrites a range an old one may have
 * written), so the end offset of any epoch up to the current one is
 * answered as the high watermark: a client's position is never past it,
 * so no client sees a false truncation.  (Answering the log start for old
 * epochs, the other choice without history, makes librdkafka and the Java
 * client detect a "truncation" and reset their position after every
 * leader change.)
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "broker.h"
#include "log.h"
#include "proto/errors.h"
#include "records.h"
#include "segcache.h"
#include "shm/ring.h"
#include "util.h"

#define SCAN_STEP       (1u << 20)
#define MAX_ROUNDS      100000

#define TS_LATEST          (-1)
#define TS_EARLIEST        (-2)
#define TS_MAX             (-3)
#define TS_EARLIEST_LOCAL  (-4)
#define TS_LATEST_TIERED   (-5)

enum { LP_DONE = 0, LP_SCAN_TS, LP_SCAN_MAX };

typedef struct {
    ks_list_offsets_resp_list_offsets_partition_response_t *out;
    ks_partref_t ref;
    int mode;
    int64_t ts;                   /* requested timestamp */
    int64_t cur, hw, start;
    int32_t epoch;
    int64_t best_ts;              /* LP_SCAN_MAX: largest timestamp seen */
    uint8_t *best;                /* and a copy of its batch */
    size_t best_len;
    ks_segbuf_t buf;
} lpart_t;

typedef struct {
    ks_req_t *req;
    int version;
    ks_list_offsets_resp_t *resp;
    lpart_t *parts;
    int nparts;
    int pending;
    int rounds;
} lo_op_t;

static void lo_run(lo_op_t *op);

static void
lo_free(lo_op_t *op)
{
    for (int i = 0; i < op->nparts; i++) {
        ks_segbuf_free(&op->parts[i].buf);
        free(op->parts[i].best);
    }
    free(op->parts);
    free(op);
}

static void
set_result(lo_op_t *op, lpart_t *lp, int64_t offset, int64_t ts, int32_t epoch)
{
    ks_list_offsets_resp_list_offsets_partition_response_t *o = lp->out;

    lp->mode = LP_DONE;
    o->offset = offset;
    o->timestamp = ts;
    o->leader_epoch = offset >= 0 ? epoch : -1;
    if (op->version == 0) {
        int64_t *v = ks_arena_alloc(&op->req->arena, sizeof(int64_t));
        /* v0 lists offsets; an unknown one is the log end, as Kafka's
         * "offsets before" answers with the end offset. */
        if (v != NULL) {
            *v = offset >= 0 ? offset : lp->hw;
            o->old_style_offsets.items = v;
            o->old_style_offsets.count = 1;
        }
    }
}

typedef struct {
    int64_t want_ts;              /* first record with timestamp >= this */
    int64_t min_off;
    int64_t off, ts;
} rec_find_t;

static int
rec_find_cb(void *arg, const ks_record_t *rec)
{
    rec_find_t *f = arg;

    if (rec->offset >= f->min_off && rec->timestamp >= f->want_ts) {
        f->off = rec->offset;
        f->ts = rec->timestamp;
        return -1;
    }
    return 0;
}

static int
batch_find(const uint8_t *b, size_t len, int64_t want_ts, int64_t min_off, int64_t *off,
           int64_t *ts)
{
    rec_find_t f = { want_ts, min_off, -1, -1 };
    int rc = ks_batch_foreach_record(b, len, rec_find_cb, &f);

    if (f.off >= 0) {
        *off = f.off;
        *ts = f.ts;
        return KS_OK;
    }
    return rc > 0 ? rc : KS_ERROR;
}

static void
lo_cb(void *arg)
{
    lo_op_t *op = arg;

    if (--op->pending == 0)
        lo_run(op);
}

/* Scans one partition as far as the data is at hand.  Returns KS_AGAIN
 * when it waits for the object store. */
static int
scan(lo_op_t *op, lpart_t *lp)
{
    while (lp->cur < lp->hw) {
        int64_t next;
        const uint8_t *p, *end;
        ks_batch_info_t bi;
        const uint8_t *b;
        size_t blen;
        int rc;

        if (++op->rounds > MAX_ROUNDS)
            break;
        lp->buf.len = 0;
        rc = ks_part_read(&lp->ref, lp->cur, lp->hw, SCAN_STEP, true, &lp->buf, &next,
                          op->req->conn != NULL ? lo_cb : NULL, op);
        if (rc == KS_AGAIN) {
            if (op->req->conn == NULL)
                break;
            op->pending++;
            return KS_AGAIN;
        }
        if (rc != KS_OK) {
            lp->out->error_code = (int16_t) rc;
            set_result(op, lp, -1, -1, -1);
            if (op->version == 0)
                lp->out->old_style_offsets = KS_ARRAY_EMPTY;
            return KS_OK;
        }
        if (lp->buf.len == 0 || next <= lp->cur)
            break;
        p = lp->buf.buf;
        end = p + lp->buf.len;
        while (ks_batch_next(&p, end, &bi, &b, &blen) == 1) {
            if (bi.attributes & KS_BATCH_ATTR_CONTROL)
                continue;
            if (lp->mode == LP_SCAN_TS && bi.max_timestamp >= lp->ts) {
                int64_t off, ts;
                if (batch_find(b, blen, lp->ts, lp->start, &off, &ts) == KS_OK) {
                    set_result(op, lp, off, ts, lp->epoch);
                    return KS_OK;
                }
            } else if (lp->mode == LP_SCAN_MAX && bi.max_timestamp > lp->best_ts) {
                uint8_t *copy = malloc(blen);
                if (copy != NULL) {
                    memcpy(copy, b, blen);
                    free(lp->best);
                    lp->best = copy;
                    lp->best_len = blen;
                    lp->best_ts = bi.max_timestamp;
                }
            }
        }
        lp->cur = next;
    }
    if (lp->mode == LP_SCAN_MAX && lp->best != NULL) {
        int64_t off, ts;
        if (batch_find(lp->best, lp->best_len, lp->best_ts, lp->start, &off, &ts) == KS_OK) {
            set_result(op, lp, off, ts, lp->epoch);
            return KS_OK;
        }
        /* Records not decodable (codec): the batch's last offset. */
        set_result(op, lp, (int64_t) ks_be64(lp->best) +
                   (int32_t) ks_be32(lp->best + KS_BATCH_OFF_LAST_DELTA), lp->best_ts, lp->epoch);
        return KS_OK;
    }
    set_result(op, lp, -1, -1, -1);
    return KS_OK;
}

static void
lo_run(lo_op_t *op)
{
    ks_req_t *req = op->req;

    for (int i = 0; i < op->nparts; i++) {
        lpart_t *lp = &op->parts[i];
        if (lp->mode != LP_DONE)
            scan(op, lp);
    }
    if (op->pending > 0)
        return;
    if (req->conn == NULL)
        ks_req_complete(req);
    else
        ks_req_respond(req, op->resp);
    lo_free(op);
}

/* Checks that apply to ListOffsets and OffsetForLeaderEpoch alike.  Fills
 * *mp, or returns the Kafka error. */
static int16_t
check_partition(const ks_metaview_t *mv, const char *topic, int32_t tlen, int32_t partition,
                int32_t current_epoch, const ks_mv_topic_t **tp, const ks_mv_partition_t **mp)
{
    const ks_mv_topic_t *t = mv != NULL && tlen > 0 ? ks_metaview_topic(mv, topic, (size_t) tlen) : NULL;
    const ks_mv_partition_t *p;
    ks_part_t *part;

    if (t == NULL || partition < 0 || partition >= t->npartitions)
        return KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    p = &t->partitions[partition];
    *tp = t;
    *mp = p;
    if (p->slot == KS_SLOT_NONE || ks_W.ring == NULL || p->slot >= ks_W.ring->nparts)
        return KS_ERR_NOT_LEADER_OR_FOLLOWER;
    part = ks_ring_part(ks_W.in->shm, ks_W.ring, p->slot);
    if (atomic_load(&part->gen) != p->slot_gen || atomic_load(&part->state) != KS_PART_ACTIVE)
        return KS_ERR_NOT_LEADER_OR_FOLLOWER;
    if (current_epoch >= 0 && current_epoch < p->leader_epoch)
        return KS_ERR_FENCED_LEADER_EPOCH;
    if (current_epoch >= 0 && current_epoch > p->leader_epoch)
        return KS_ERR_UNKNOWN_LEADER_EPOCH;
    return KS_ERR_NONE;
}

void
ks_h_list_offsets(ks_req_t *req)
{
    int version = req->hdr.request_api_version;
    ks_list_offsets_req_t *lr = req->request;
    ks_list_offsets_resp_t *resp = ks_response_alloc(KS_API_LIST_OFFSETS, version, &req->arena);
    const ks_metaview_t *mv = ks_worker_meta();
    const ks_list_offsets_req_list_offsets_topic_t *rt = lr->topics.items;
    int ntopics = lr->topics.count > 0 ? lr->topics.count : 0;
    ks_list_offsets_resp_list_offsets_topic_response_t *ot;
    lo_op_t *op;
    int n = 0, k = 0;

    for (int i = 0; i < ntopics; i++)
        n += rt[i].partitions.count > 0 ? rt[i].partitions.count : 0;
    op = calloc(1, sizeof(*op));
    ot = ks_arena_alloc(&req->arena, sizeof(*ot) * (size_t) (ntopics ? ntopics : 1));
    if (resp == NULL || op == NULL || ot == NULL ||
        (op->parts = calloc((size_t) (n ? n : 1), sizeof(*op->parts))) == NULL) {
        free(op);
        ks_req_fail_close(req, "out of memory");
        return;
    }
    op->req = req;
    op->version = version;
    op->resp = resp;
    op->nparts = n;
    resp->topics.items = ot;
    resp->topics.count = ntopics;
    for (int i = 0; i < ntopics; i++) {
        const ks_list_offsets_req_list_offsets_partition_t *rp = rt[i].partitions.items;
        int np = rt[i].partitions.count > 0 ? rt[i].partitions.count : 0;
        ks_list_offsets_resp_list_offsets_partition_response_t *o =
            ks_arena_alloc(&req->arena, sizeof(*o) * (size_t) (np ? np : 1));

        if (o == NULL) {
            lo_free(op);
            ks_req_fail_close(req, "out of memory");
            return;
        }
        bool allowed = ks_authz(req, KS_ACL_OP_DESCRIBE, KS_ACL_RT_TOPIC, rt[i].name.p,
                                rt[i].name.len > 0 ? (size_t) rt[i].name.len : 0);

        ot[i].name = rt[i].name;
        ot[i].partitions.items = o;
        ot[i].partitions.count = np;
        for (int j = 0; j < np; j++, k++) {
            lpart_t *lp = &op->parts[k];
            const ks_mv_topic_t *t = NULL;
            const ks_mv_partition_t *mp = NULL;
            int16_t err;
            ks_part_t *part;
            int64_t ts = rp[j].timestamp;

            lp->out = &o[j];
            o[j].partition_index = rp[j].partition_index;
            o[j].timestamp = -1;
            o[j].offset = -1;
            o[j].leader_epoch = -1;
            o[j].old_style_offsets = KS_ARRAY_EMPTY;
            err = !allowed ? KS_ERR_TOPIC_AUTHORIZATION_FAILED
                           : check_partition(mv, rt[i].name.p, rt[i].name.len, rp[j].partition_index,
                                             version >= 4 ? rp[j].current_leader_epoch : -1, &t, &mp);
            if (err != KS_ERR_NONE) {
                o[j].error_code = err;
                continue;
            }
            part = ks_ring_part(ks_W.in->shm, ks_W.ring, mp->slot);
            lp->hw = atomic_load(&part->hw);
            lp->start = atomic_load(&part->log_start);
            lp->epoch = mp->leader_epoch;
            lp->ref.topic = t->name;
            lp->ref.topic_len = t->name_len;
            lp->ref.partition = rp[j].partition_index;
            lp->ref.slot = mp->slot;
            lp->ref.slot_gen = mp->slot_gen;
            lp->cur = lp->start;
            lp->ts = ts;
            lp->best_ts = -1;
            if (ts == TS_LATEST) {
                set_result(op, lp, lp->hw, -1, lp->epoch);
            } else if (ts == TS_EARLIEST || ts == TS_EARLIEST_LOCAL) {
                set_result(op, lp, lp->start, -1, lp->epoch);
            } else if (ts == TS_LATEST_TIERED) {
                /* No tiered storage: Kafka answers -1 then. */
                set_result(op, lp, -1, -1, -1);
            } else if (ts == TS_MAX) {
                lp->mode = LP_SCAN_MAX;
            } else if (ts >= 0) {
                lp->mode = LP_SCAN_TS;
            } else {
                set_result(op, lp, -1, -1, -1);
            }
        }
    }
    req->parked = true;        /* a closing connection orphans it */
    lo_run(op);
}

/* ---------- OffsetForLeaderEpoch ---------- */

void
ks_h_offset_for_leader_epoch(ks_req_t *req)
{
    int version = req->hdr.request_api_version;
    ks_offset_for_leader_epoch_req_t *er = req->request;
    ks_offset_for_leader_epoch_resp_t *resp =
        ks_response_alloc(KS_API_OFFSET_FOR_LEADER_EPOCH, version, &req->arena);
    const ks_metaview_t *mv = ks_worker_meta();
    const ks_offset_for_leader_epoch_req_offset_for_leader_topic_t *rt = er->topics.items;
    int ntopics = er->topics.count > 0 ? er->topics.count : 0;
    ks_offset_for_leader_epoch_resp_offset_for_leader_topic_result_t *ot;

    ot = ks_arena_alloc(&req->arena, sizeof(*ot) * (size_t) (ntopics ? ntopics : 1));
    if (resp == NULL || ot == NULL) {
        ks_req_fail_close(req, "out of memory");
        return;
    }
    resp->topics.items = ot;
    resp->topics.count = ntopics;
    for (int i = 0; i < ntopics; i++) {
        const ks_offset_for_leader_epoch_req_offset_for_leader_partition_t *rp = rt[i].partitions.items;
        int np = rt[i].partitions.count > 0 ? rt[i].partitions.count : 0;
        ks_offset_for_leader_epoch_resp_epoch_end_offset_t *o =
            ks_arena_alloc(&req->arena, sizeof(*o) * (size_t) (np ? np : 1));

        if (o == NULL) {
            ks_req_fail_close(req, "out of memory");
            return;
        }
        bool allowed = ks_authz(req, KS_ACL_OP_DESCRIBE, KS_ACL_RT_TOPIC, rt[i].topic.p,
                                rt[i].topic.len > 0 ? (size_t) rt[i].topic.len : 0);

        ot[i].topic = rt[i].topic;
        ot[i].partitions.items = o;
        ot[i].partitions.count = np;
        for (int j = 0; j < np; j++) {
            const ks_mv_topic_t *t = NULL;
            const ks_mv_partition_t *mp = NULL;
            int16_t err;
            ks_part_t *part;

            o[j].partition = rp[j].partition;
            o[j].leader_epoch = -1;
            o[j].end_offset = -1;
            err = !allowed ? KS_ERR_TOPIC_AUTHORIZATION_FAILED
                           : check_partition(mv, rt[i].topic.p, rt[i].topic.len, rp[j].partition,
                                             version >= 2 ? rp[j].current_leader_epoch : -1, &t, &mp);
            o[j].error_code = err;
            if (err != KS_ERR_NONE)
                continue;
            part = ks_ring_part(ks_W.in->shm, ks_W.ring, mp->slot);
            o[j].end_offset = atomic_load(&part->hw);
            o[j].leader_epoch = rp[j].leader_epoch >= 0 && rp[j].leader_epoch < mp->leader_epoch
                                ? rp[j].leader_epoch : mp->leader_epoch;
        }
    }
    ks_req_respond(req, resp);
}
