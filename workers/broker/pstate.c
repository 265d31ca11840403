/*
 * pstate.c: rebuilding the idempotent producer state of a partition from
 * its durable batches, the first time an idempotent producer writes to it
 * after it started being served here (broker restart, or the partition
 * moved here).  Runs in: worker.
 *
 * One worker takes the job (KS_PSTATE_LOADING with its pid); the others
 * park their idempotent produces for that partition until it is READY.  The
 * last four segments are read and every batch with a
 * producer id is recorded, oldest first, so each producer's last five
 * batches are known again.  A loader that dies is replaced.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "log.h"
#include "objstore/objstore.h"
#include "records.h"
#include "segment.h"
#include "shm/producers.h"
#include "shm/ring.h"
#include "util.h"

typedef struct {
    uint32_t slot, gen;
    char *topic;
    int32_t partition;
    int64_t hw;                   /* the committed end when the rebuild started */
    char **keys;                  /* segments to read, oldest first */
    size_t nkeys, next;
    int64_t bytes;
    int records;
} rebuild_t;

static void rebuild_next(rebuild_t *rb);

static void
rebuild_done(rebuild_t *rb, bool ok)
{
    ks_part_t *p = ks_ring_part(ks_W.in->shm, ks_W.ring, rb->slot);

    if (atomic_load(&p->gen) == rb->gen) {
        if (ok) {
            atomic_store(&p->pstate, KS_PSTATE_READY);
            ks_log_info("rebuilt producer state of %s-%d from %zu segments (%d idempotent batches)",
                        rb->topic, rb->partition, rb->nkeys, rb->records);
        } else {
            atomic_store(&p->pstate, KS_PSTATE_UNKNOWN);   /* someone tries again */
        }
    }
    for (size_t i = 0; i < rb->nkeys; i++)
        free(rb->keys[i]);
    free(rb->keys);
    free(rb->topic);
    free(rb);
    ks_produce_wakeup();
}

static void
segment_read(void *arg, const ks_os_result_t *res)
{
    rebuild_t *rb = arg;
    ks_segment_info_t si;
    char why[128];
    const uint8_t *q, *end;
    ks_batch_info_t bi;

    if (res->rc == KS_OS_NOT_FOUND) {
        rebuild_next(rb);        /* deleted by retention meanwhile */
        return;
    }
    if (res->rc != KS_OK) {
        ks_log_warn("could not read %s to rebuild producer state: %s", rb->keys[rb->next - 1],
                    res->error ? res->error : "error");
        rebuild_done(rb, false);
        return;
    }
    if (ks_segment_parse(res->data, res->len, &si, why, sizeof(why)) != KS_OK) {
        /* A damaged segment is reported by Fetch; its producers restart
         * their sequences as after state expiry. */
        ks_log_error("segment %s is damaged (%s); skipping it for producer state", rb->keys[rb->next - 1], why);
        rebuild_next(rb);
        return;
    }
    q = si.body;
    end = si.body + si.body_len;
    while (ks_batch_next(&q, end, &bi, NULL, NULL) == 1) {
        ks_pbatch_req_t rq;
        ks_pbatch_t b;

        if (bi.producer_id < 0 || bi.base_sequence < 0)
            continue;
        rq.producer_id = bi.producer_id;
        rq.epoch = bi.producer_epoch;
        rq.first_seq = bi.base_sequence;
        rq.last_seq = (int32_t) (((int64_t) bi.base_sequence + bi.last_offset_delta) % ((int64_t) INT32_MAX + 1));
        rq.max_timestamp = bi.max_timestamp;
        b.first_seq = rq.first_seq;
        b.last_seq = rq.last_seq;
        b.base_offset = bi.base_offset;
        b.last_offset = bi.base_offset + bi.last_offset_delta;
        b.pos = KS_POS_NONE;
        b.end = 0;
        ks_ptable_record(ks_W.in->shm, rb->slot, rb->gen, &rq, &b, bi.max_timestamp);
        rb->records++;
    }
    rebuild_next(rb);
}

static void
rebuild_next(rebuild_t *rb)
{
    if (rb->next >= rb->nkeys) {
        rebuild_done(rb, true);
        return;
    }
    if (ks_os_get(ks_W.os, rb->keys[rb->next++], 0, -1, segment_read, rb) != KS_OK)
        rebuild_done(rb, false);
}

static int
cmp_key(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
listed(void *arg, const ks_os_result_t *res)
{
    rebuild_t *rb = arg;
    size_t first;

    if (res->rc != KS_OK) {
        ks_log_warn("could not list %s-%d to rebuild producer state: %s", rb->topic, rb->partition,
                    res->error ? res->error : "error");
        rebuild_done(rb, false);
        return;
    }
    rb->keys = calloc(res->nkeys + 1, sizeof(char *));
    for (size_t i = 0; i < res->nkeys; i++) {
        int32_t part;
        int64_t base;
        bool is_index;
        /* Only committed data counts: a segment at or past the high
         * watermark was uploaded but never committed (its writer died). */
        if (ks_segment_key_parse(res->keys[i], &part, &base, &is_index) == KS_OK && !is_index &&
            base < rb->hw)
            rb->keys[rb->nkeys++] = strdup(res->keys[i]);
    }
    /* zero-padded base offsets: the names sort by offset */
    qsort(rb->keys, rb->nkeys, sizeof(char *), cmp_key);
    /* the newest segments only: at most a few, the sequence window is
     * five batches per producer */
    first = rb->nkeys > 4 ? rb->nkeys - 4 : 0;
    for (size_t i = 0; i < first; i++)
        free(rb->keys[i]);
    memmove(rb->keys, rb->keys + first, sizeof(char *) * (rb->nkeys - first));
    rb->nkeys -= first;
    rebuild_next(rb);
}

/* Returns true when idempotent appends to this partition may be checked
 * now; false when they must wait (a rebuild is running). */
bool
ks_pstate_ready(const ks_mv_topic_t *t, const ks_mv_partition_t *mp)
{
    ks_part_t *p = ks_ring_part(ks_W.in->shm, ks_W.ring, mp->slot);
    uint32_t st = atomic_load(&p->pstate);
    uint32_t unknown = KS_PSTATE_UNKNOWN;
    rebuild_t *rb;
    char prefix[600];

    if (st == KS_PSTATE_READY)
        return true;
    if (st == KS_PSTATE_LOADING) {
        int32_t pid = atomic_load(&p->pstate_pid);
        if (pid > 0 && kill(pid, 0) < 0 && errno == ESRCH) {
            uint32_t loading = KS_PSTATE_LOADING;
            atomic_compare_exchange_strong(&p->pstate, &loading, KS_PSTATE_UNKNOWN);
        }
        return false;
    }
    if (!atomic_compare_exchange_strong(&p->pstate, &unknown, KS_PSTATE_LOADING))
        return false;
    atomic_store(&p->pstate_pid, (int32_t) getpid());
    rb = calloc(1, sizeof(*rb));
    if (rb == NULL) {
        atomic_store(&p->pstate, KS_PSTATE_UNKNOWN);
        return false;
    }
    rb->slot = mp->slot;
    rb->gen = mp->slot_gen;
    rb->hw = atomic_load(&p->hw);
    rb->topic = strdup(t->name);
    rb->partition = mp->partition;
    snprintf(prefix, sizeof(prefix), "%s%s%s/%d/", ks_W.in->conf->s3_namespace,
             ks_W.in->conf->s3_namespace[0] ? "/" : "", t->name, mp->partition);
    if (ks_os_list(ks_W.os, prefix, listed, rb) != KS_OK)
        rebuild_done(rb, false);
    return false;
}
