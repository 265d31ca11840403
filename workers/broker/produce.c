/*
 * produce.c: the Produce API.  Runs in: worker.
 *
 * Every batch of every partition is validated (magic, lengths, CRC-32C,
 * record counts) without decoding records, then copied once into the shared
 * ring with only its baseOffset rewritten.  acks=0 gets no answer, acks=1
 * (with acks1.durable = false) is answered once the data is in the ring,
 * acks=all (and acks=1 by default) once the flusher made it durable: its
 * segment is in the object store and its high watermark committed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "acl.h"
#include "broker.h"
#include "log.h"
#include "notify.h"
#include "proto/errors.h"
#include "records.h"
#include "shm/producers.h"
#include "shm/ring.h"
#include "util.h"

#define RING_FULL_WAIT_MS 5000

/* A produce waiting for durability or for ring space. */
typedef struct ks_pwait {
    ks_req_t *req;
    ks_produce_resp_t *resp;
    uint64_t end;                 /* answer once ring durable >= end */
    int64_t deadline_ms;
    int next_topic, next_part;    /* where appending stopped (ring full) */
    struct ks_pdone {             /* appended partitions, checked before the ack */
        ks_produce_resp_partition_produce_response_t *pr;
        uint32_t slot, gen;
        int64_t last_offset;
    } *done;
    int ndone, capdone;
    bool appending;               /* still has partitions to append */
    struct ks_pwait *next;
} ks_pwait_t;

static ks_pwait_t *waiting;
static struct event *wait_timer;

static void resume(ks_pwait_t *w);

static int16_t
acks_error(int16_t acks)
{
    return (acks == 0 || acks == 1 || acks == -1) ? KS_ERR_NONE : KS_ERR_INVALID_REQUIRED_ACKS;
}

/* Appends one partition's records.  Returns KS_OK, KS_AGAIN (ring full) or
 * a positive Kafka error code. */
static void
note_done(ks_pwait_t *w, ks_produce_resp_partition_produce_response_t *pr, uint32_t slot, uint32_t gen,
          int64_t last_offset)
{
    if (w->ndone == w->capdone) {
        int cap = w->capdone ? w->capdone * 2 : 8;
        struct ks_pdone *nd = realloc(w->done, sizeof(*nd) * (size_t) cap);
        if (nd == NULL)
            return;
        w->done = nd;
        w->capdone = cap;
    }
    w->done[w->ndone++] = (struct ks_pdone) { pr, slot, gen, last_offset };
}

static int
append_partition(ks_pwait_t *w, ks_req_t *req, const ks_mv_topic_t *t, const ks_produce_req_partition_produce_data_t *pd,
                 ks_produce_resp_partition_produce_response_t *pr, uint64_t *end)
{
    const ks_mv_partition_t *mp;
    ks_part_t *part;
    ks_records_summary_t sum;
    ks_append_t a;
    const uint8_t *data = pd->records.p;
    size_t len = pd->records.len > 0 ? (size_t) pd->records.len : 0;
    uint8_t *converted = NULL;
    int version = req->hdr.request_api_version;
    int rc, nrec;

    if (pd->index < 0 || pd->index >= t->npartitions)
        return KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    mp = &t->partitions[pd->index];
    if (mp->slot == KS_SLOT_NONE)
        return KS_ERR_NOT_LEADER_OR_FOLLOWER;
    if (version < 3) {
        /* Magic 0/1 message sets are stored as one magic 2 batch. */
        size_t clen = 0;
        rc = ks_msgset_to_batches(data, len, &converted, &clen, &nrec);
        if (rc != KS_OK)
            return rc > 0 ? rc : KS_ERR_CORRUPT_MESSAGE;
        data = converted;
        len = clen;
    }
    /* Kafka's ProduceRequest.validateRecords for v3+: exactly one batch,
     * of magic 2 (INVALID_RECORD otherwise); zstd needs v7. */
    if (version >= 3 && len >= 17 && data[16] != 2) {
        free(converted);
        return KS_ERR_INVALID_RECORD;
    }
    rc = ks_records_validate(data, len, &sum);
    if (rc != KS_OK) {
        ks_log_warn("rejected %s records for %s-%d from %s: %s", version < 3 ? "converted" : "produced",
                    t->name, pd->index, req->conn ? req->conn->peer : "?", ks_err_name(rc));
        free(converted);
        return rc > 0 ? rc : KS_ERR_CORRUPT_MESSAGE;
    }
    if (sum.max_batch_bytes > (size_t) t->conf.max_message_bytes) {
        free(converted);
        return KS_ERR_MESSAGE_TOO_LARGE;
    }
    if (version >= 3 && sum.nbatches != 1) {
        free(converted);
        return KS_ERR_INVALID_RECORD;
    }
    if (version < 7 && (sum.first.attributes & 0x7) == 4) {
        free(converted);
        return KS_ERR_UNSUPPORTED_COMPRESSION_TYPE;
    }
    /* Idempotent producers: one batch per partition (as Kafka requires from
     * v3 on), checked against the producer's state under the partition
     * lock; a retried batch gets its first offsets back. */
    ks_pbatch_req_t prq, *prqp = NULL;
    ks_pbatch_t dup;
    int perr = 0;
    if (sum.first.producer_id >= 0) {
        if (sum.first.attributes & 0x10) {     /* transactional */
            free(converted);
            return KS_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
        }
        prq.producer_id = sum.first.producer_id;
        prq.epoch = sum.first.producer_epoch;
        prq.first_seq = sum.first.base_sequence;
        prq.last_seq = (int32_t) (((int64_t) sum.first.base_sequence + sum.first.records_count - 1) % ((int64_t) INT32_MAX + 1));
        prq.max_timestamp = sum.max_timestamp;
        prqp = &prq;
        if (!ks_pstate_ready(t, mp)) {
            free(converted);
            return KS_AGAIN;      /* parked until the producer state is rebuilt */
        }
    }
    rc = ks_ring_append_begin(ks_W.in->shm, ks_W.ring, ks_W.in->slot, mp->slot, mp->slot_gen,
                              (uint32_t) len, sum.total_records, (int32_t) sum.total_records,
                              prqp, &dup, &perr, &a);
    if (rc == KS_RING_DUPLICATE) {
        free(converted);
        part = ks_ring_part(ks_W.in->shm, ks_W.ring, mp->slot);
        pr->base_offset = dup.base_offset;
        pr->log_start_offset = atomic_load(&part->log_start);
        if (dup.end > *end && dup.pos != KS_POS_NONE)
            *end = dup.end;
        note_done(w, pr, mp->slot, mp->slot_gen, dup.last_offset);
        return KS_OK;
    }
    if (rc == KS_RING_PRODUCER) {
        free(converted);
        ks_log_debug("refused batch of producer %lld epoch %d seq %d for %s-%d: %s",
                     (long long) prq.producer_id, prq.epoch, prq.first_seq, t->name, pd->index,
                     ks_err_name(perr));
        return perr;
    }
    if (rc != KS_OK) {
        free(converted);
        return rc == KS_AGAIN ? KS_AGAIN : KS_ERR_NOT_LEADER_OR_FOLLOWER;
    }
    /* One copy, then each batch's baseOffset. */
    memcpy(a.data, data, len);
    {
        uint8_t *p = a.data, *pend = a.data + len;
        int64_t off = a.base_offset;
        int64_t now = t->conf.log_append_time ? ks_now_ms() : -1;

        while (p + 61 <= pend) {
            int32_t blen = (int32_t) ks_be32(p + 8);
            int32_t cnt = (int32_t) ks_be32(p + 57);
            ks_batch_set_base_offset(p, off);
            if (now >= 0)
                ks_batch_set_log_append_time(p, now);
            off += cnt;
            p += 12 + (size_t) blen;
        }
        pr->log_append_time_ms = now;
    }
    ks_ring_append_commit(ks_W.in->shm, ks_W.ring, &a);
    free(converted);

    part = ks_ring_part(ks_W.in->shm, ks_W.ring, mp->slot);
    atomic_fetch_add(&part->bytes_in, len);
    atomic_fetch_add(&part->records_in, (uint64_t) sum.total_records);
    if (sum.max_timestamp > atomic_load(&part->max_timestamp)) {
        atomic_store(&part->max_timestamp, sum.max_timestamp);
        atomic_store(&part->max_ts_offset, a.last_offset);
    }
    pr->base_offset = a.base_offset;
    pr->log_start_offset = atomic_load(&part->log_start);
    if (a.end > *end)
        *end = a.end;
    note_done(w, pr, mp->slot, mp->slot_gen, a.last_offset);
    return KS_OK;
}

static void
wake_flusher(void)
{
    ks_ring_t *r = ks_W.ring;
    uint64_t pending = atomic_load(&r->reserve) - atomic_load(&r->durable);

    /* The flusher arms its own timer from the first pending byte; it needs
     * a nudge for that first byte and when flush.bytes are waiting. */
    if (pending >= (uint64_t) ks_W.in->conf->flush_bytes || atomic_exchange(&r->flush_wanted, 1) == 0)
        ks_notify_send(ks_W.notify_fd, ks_W.in->master_pid, "flusher");
}

/* Appends from where w stopped. Returns true when every partition got an
 * answer (appended or an error), false when the ring is full. */
static bool
append_all(ks_pwait_t *w)
{
    ks_produce_req_t *preq = w->req->request;
    ks_produce_resp_t *resp = w->resp;
    const ks_metaview_t *mv = ks_worker_meta();

    for (; w->next_topic < preq->topic_data.count; w->next_topic++, w->next_part = 0) {
        ks_produce_req_topic_produce_data_t *td = &((ks_produce_req_topic_produce_data_t *) preq->topic_data.items)[w->next_topic];
        ks_produce_resp_topic_produce_response_t *tr = &((ks_produce_resp_topic_produce_response_t *) resp->responses.items)[w->next_topic];
        const ks_mv_topic_t *t = mv && td->name.len > 0 ? ks_metaview_topic(mv, td->name.p, (size_t) td->name.len) : NULL;

        for (; w->next_part < td->partition_data.count; w->next_part++) {
            ks_produce_req_partition_produce_data_t *pd = &((ks_produce_req_partition_produce_data_t *) td->partition_data.items)[w->next_part];
            ks_produce_resp_partition_produce_response_t *pr = &((ks_produce_resp_partition_produce_response_t *) tr->partition_responses.items)[w->next_part];
            int rc;

            if (pr->error_code != KS_ERR_NONE)
                continue;
            if (t == NULL) {
                pr->error_code = KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
                continue;
            }
            rc = append_partition(w, w->req, t, pd, pr, &w->end);
            if (rc == KS_AGAIN)
                return false;
            if (rc != KS_OK) {
                pr->error_code = (int16_t) rc;
                pr->base_offset = -1;
            }
        }
    }
    return true;
}

static void
finish(ks_pwait_t *w)
{
    ks_produce_req_t *preq = w->req->request;
    bool durable_wait = preq->acks == -1 || (preq->acks == 1 && ks_W.in->conf->acks1_durable);

    w->req->parked = false;
    /* Durable means: the partition's high watermark passed the batch while
     * this broker still owned it.  A partition that changed hands before
     * its data was committed gets NOT_LEADER_OR_FOLLOWER: the client sends
     * it again to the new owner. */
    for (int i = 0; durable_wait && i < w->ndone; i++) {
        ks_part_t *p = ks_ring_part(ks_W.in->shm, ks_W.ring, w->done[i].slot);
        if (w->done[i].pr->error_code != KS_ERR_NONE)
            continue;
        if (atomic_load(&p->gen) != w->done[i].gen || atomic_load(&p->hw) <= w->done[i].last_offset) {
            w->done[i].pr->error_code = KS_ERR_NOT_LEADER_OR_FOLLOWER;
            w->done[i].pr->base_offset = -1;
        }
    }
    free(w->done);
    w->done = NULL;
    if (preq->acks == 0) {
        w->req->no_response = true;
        ks_req_complete(w->req);
    } else {
        ks_req_respond(w->req, w->resp);
    }
    free(w);
}

/* Times out every partition still waiting, as Kafka does when acks=all
 * cannot be met in time (the data may still become durable: the client
 * retries, at least once). */
static void
fail_pending(ks_pwait_t *w, int16_t code)
{
    ks_produce_resp_t *resp = w->resp;
    ks_produce_req_t *preq = w->req->request;

    for (int32_t i = 0; i < resp->responses.count; i++) {
        ks_produce_resp_topic_produce_response_t *tr = &((ks_produce_resp_topic_produce_response_t *) resp->responses.items)[i];
        for (int32_t j = 0; j < tr->partition_responses.count; j++) {
            ks_produce_resp_partition_produce_response_t *pr = &((ks_produce_resp_partition_produce_response_t *) tr->partition_responses.items)[j];
            bool not_appended = w->appending &&
                (i > w->next_topic || (i == w->next_topic && j >= w->next_part));
            if (pr->error_code == KS_ERR_NONE && (not_appended || preq->acks != 0)) {
                pr->error_code = code;
                pr->base_offset = -1;
            }
        }
    }
}

static void
park(ks_pwait_t *w)
{
    struct timeval tv = { 0, 100000 };

    w->req->parked = true;
    w->next = waiting;
    waiting = w;
    if (!evtimer_pending(wait_timer, NULL))
        evtimer_add(wait_timer, &tv);
}

static void
resume(ks_pwait_t *w)
{
    ks_produce_req_t *preq = w->req->request;
    bool durable_wait = preq->acks == -1 || (preq->acks == 1 && ks_W.in->conf->acks1_durable);

    if (w->appending) {
        if (!append_all(w)) {
            atomic_fetch_add(&ks_W.ring->full_waits, 0);
            wake_flusher();
            park(w);
            return;
        }
        w->appending = false;
        if (w->end > 0)
            wake_flusher();
        /* After ring-full waits, acks=all still waits for durability. */
        w->deadline_ms = ks_now_ms() + KS_MAX(preq->timeout_ms, 1);
    }
    if (durable_wait && w->end > atomic_load_explicit(&ks_W.ring->durable, memory_order_acquire)) {
        park(w);
        return;
    }
    finish(w);
}

void
ks_produce_wakeup(void)
{
    ks_pwait_t *list = waiting, *w, *next;
    int64_t now = ks_now_ms();

    waiting = NULL;
    for (w = list; w != NULL; w = next) {
        next = w->next;
        w->next = NULL;
        if (w->req->conn == NULL) {
            /* client gone: nothing to answer; what was appended stays */
            ks_req_complete(w->req);
            free(w->done);
            free(w);
            continue;
        }
        if (now >= w->deadline_ms &&
            (w->appending || w->end > atomic_load(&ks_W.ring->durable))) {
            fail_pending(w, KS_ERR_REQUEST_TIMED_OUT);
            w->appending = false;
            finish(w);
            continue;
        }
        resume(w);
    }
}

static void
on_wait_timer(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    ks_produce_wakeup();
}

void
ks_h_produce(ks_req_t *req)
{
    ks_produce_req_t *preq = req->request;
    int version = req->hdr.request_api_version;
    ks_produce_resp_t *resp = ks_response_alloc(KS_API_PRODUCE, version, &req->arena);
    int16_t top_err = acks_error(preq->acks);
    ks_pwait_t *w;
    int32_t nt = preq->topic_data.count > 0 ? preq->topic_data.count : 0;
    ks_produce_resp_topic_produce_response_t *trs;

    if (wait_timer == NULL)
        wait_timer = evtimer_new(ks_W.base, on_wait_timer, NULL);
    w = calloc(1, sizeof(*w));
    trs = resp ? ks_arena_alloc(&req->arena, sizeof(*trs) * (size_t) (nt ? nt : 1)) : NULL;
    if (w == NULL || trs == NULL) {
        free(w);
        ks_req_fail_close(req, "out of memory");
        return;
    }
    resp->responses = (ks_array_t) { trs, nt };
    if (ks_authz_on())
        (void) ks_worker_meta();         /* the ACLs as published now */
    for (int32_t i = 0; i < nt; i++) {
        ks_produce_req_topic_produce_data_t *td = &((ks_produce_req_topic_produce_data_t *) preq->topic_data.items)[i];
        int32_t np = td->partition_data.count > 0 ? td->partition_data.count : 0;
        ks_produce_resp_partition_produce_response_t *prs =
            ks_arena_alloc(&req->arena, sizeof(*prs) * (size_t) (np ? np : 1));
        bool allowed = top_err != KS_ERR_NONE || preq->transactional_id.len >= 0 ||
                       ks_authz(req, KS_ACL_OP_WRITE, KS_ACL_RT_TOPIC, td->name.p,
                                td->name.len > 0 ? (size_t) td->name.len : 0);

        if (prs == NULL) {
            free(w);
            ks_req_fail_close(req, "out of memory");
            return;
        }
        trs[i].name = td->name;
        trs[i].partition_responses = (ks_array_t) { prs, np };
        for (int32_t j = 0; j < np; j++) {
            ks_produce_req_partition_produce_data_t *pd = &((ks_produce_req_partition_produce_data_t *) td->partition_data.items)[j];
            prs[j].index = pd->index;
            prs[j].error_code = top_err;
            prs[j].base_offset = -1;
            prs[j].log_append_time_ms = -1;
            prs[j].log_start_offset = -1;
            prs[j].record_errors = (ks_array_t) { NULL, 0 };
            prs[j].error_message = KS_STR_NULL;
            /* Transactions are out of scope: a transactional produce is
             * refused (InitProducerId refuses transactional ids first). */
            if (top_err == KS_ERR_NONE && preq->transactional_id.len >= 0)
                prs[j].error_code = KS_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
            else if (!allowed)
                prs[j].error_code = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
        }
    }
    w->req = req;
    w->resp = resp;
    w->appending = true;
    w->deadline_ms = ks_now_ms() + KS_MAX(preq->timeout_ms, RING_FULL_WAIT_MS);
    resume(w);
}

/* DescribeProducers: the idempotent producers this broker tracks for each
 * partition (from the shared producer state). */
void
ks_h_describe_producers(ks_req_t *req)
{
    ks_describe_producers_req_t *dreq = req->request;
    ks_describe_producers_resp_t *resp = ks_response_alloc(KS_API_DESCRIBE_PRODUCERS, req->hdr.request_api_version,
                                                           &req->arena);
    const ks_metaview_t *mv = ks_worker_meta();
    int32_t nt = dreq->topics.count > 0 ? dreq->topics.count : 0;
    ks_describe_producers_resp_topic_response_t *trs;
    ks_pstate_t states[256];

    trs = resp ? ks_arena_alloc(&req->arena, sizeof(*trs) * (size_t) (nt ? nt : 1)) : NULL;
    if (trs == NULL) {
        ks_req_fail_close(req, "out of memory");
        return;
    }
    resp->topics = (ks_array_t) { trs, nt };
    for (int32_t i = 0; i < nt; i++) {
        ks_describe_producers_req_topic_request_t *tq = &((ks_describe_producers_req_topic_request_t *) dreq->topics.items)[i];
        const ks_mv_topic_t *t = mv && tq->name.len > 0 ? ks_metaview_topic(mv, tq->name.p, (size_t) tq->name.len) : NULL;
        int32_t np = tq->partition_indexes.count > 0 ? tq->partition_indexes.count : 0;
        ks_describe_producers_resp_partition_response_t *prs =
            ks_arena_alloc(&req->arena, sizeof(*prs) * (size_t) (np ? np : 1));

        bool allowed = ks_authz(req, KS_ACL_OP_READ, KS_ACL_RT_TOPIC, tq->name.p,
                                tq->name.len > 0 ? (size_t) tq->name.len : 0);

        trs[i].name = tq->name;
        trs[i].partitions = (ks_array_t) { prs, prs ? np : 0 };
        for (int32_t j = 0; prs != NULL && j < np; j++) {
            int32_t p = ((int32_t *) tq->partition_indexes.items)[j];
            ks_describe_producers_resp_producer_state_t *ps;
            int n;

            prs[j].partition_index = p;
            prs[j].error_message = KS_STR_NULL;
            prs[j].active_producers = (ks_array_t) { NULL, 0 };
            if (!allowed) {
                prs[j].error_code = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
                continue;
            }
            if (t == NULL || p < 0 || p >= t->npartitions) {
                prs[j].error_code = KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
                continue;
            }
            if (t->partitions[p].slot == KS_SLOT_NONE) {
                prs[j].error_code = KS_ERR_NOT_LEADER_OR_FOLLOWER;
                continue;
            }
            prs[j].error_code = KS_ERR_NONE;
            n = ks_ptable_list(ks_W.in->shm, t->partitions[p].slot, t->partitions[p].slot_gen, states,
                               (int) KS_ARRAY_LEN(states));
            ps = ks_arena_alloc(&req->arena, sizeof(*ps) * (size_t) (n ? n : 1));
            if (ps == NULL)
                continue;
            for (int k = 0; k < n; k++) {
                ps[k].producer_id = states[k].producer_id;
                ps[k].producer_epoch = states[k].epoch;
                ps[k].last_sequence = states[k].b[states[k].head].last_seq;
                ps[k].last_timestamp = states[k].last_timestamp;
                ps[k].coordinator_epoch = -1;
                ps[k].current_txn_start_offset = -1;
            }
            prs[j].active_producers = (ks_array_t) { ps, n };
        }
    }
    ks_req_respond(req, resp);
}
