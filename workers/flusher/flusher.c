/*
 * flusher.c: the flusher process.  Runs in: flusher.
 *
 * Flush cycles (group commit): the ring's committed bytes are sealed into
 * cycles of at most flush.bytes (whole entries; at least one); every
 * partition's entries in a cycle become one segment (.kfs + .index, the
 * original KafScale format) uploaded in parallel straight from the ring
 * (iovecs, no copy).  A cycle starts when flush.interval.ms passed since
 * the oldest pending byte or flush.bytes are pending, whether or not
 * earlier cycles are still uploading: PIPELINE_MAX cycles may be in
 * flight, so a slow upload does not hold back the next cycle's start and
 * a backlog is cut into bounded cycles instead of one that grows with it.
 *
 * Commits stay strictly in order: one metadata commit at a time, through
 * the coordinator, of the oldest cycles whose uploads all finished (one
 * commit may cover several cycles: each partition's newest high
 * watermark); when it succeeds the durable cursor and the high watermarks
 * advance (only forward) and the workers are woken.  A failed upload or
 * commit is retried with backoff; nothing is dropped, and nothing is
 * acknowledged before its commit.
 *
 * Crashes lose nothing: the durable cursor only moves after the commit.  A
 * respawned flusher redoes the cycles past it with the bounds its
 * predecessor recorded in the ring (ring->cycle_end: the same keys and the
 * same bytes).  A broker started again on the same data reuses the offsets
 * past the committed high watermarks, while objects of the dead run's
 * later cycles may still lie there: before a partition's first upload in a
 * run, the flusher lists the partition and deletes the objects that start
 * at or past its committed high watermark (never acknowledged, never
 * readable), so that no stale object shadows the new ones.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "chan.h"
#include "crc32c.h"
#include "log.h"
#include "metaview.h"
#include "notify.h"
#include "objstore/objstore.h"
#include "process.h"
#include "records.h"
#include "rpclink.h"
#include "segment.h"
#include "shm/ring.h"
#include "stats.h"
#include "util.h"
#include "workers/flusher/flusher.h"

#define INDEX_INTERVAL 100
#define RETRY_MIN_MS   100
#define RETRY_MAX_MS   5000
/* Cycles in flight (<= KS_RING_CYCLE_SLOTS / 2).  2 measured as well as 4
 * with the file store and better with s3rver, which serves fewer, larger
 * concurrent PUTs faster; a store with a long PUT latency and room for
 * more requests in parallel (AWS S3) may gain from more. */
#define PIPELINE_MAX   2

_Static_assert(PIPELINE_MAX * 2 <= KS_RING_CYCLE_SLOTS, "cycle_end slots");

ks_flusher_t F;

static void maybe_flush(void);
static void upload(cycle_t *c);
static void try_commit(void);

/* ---------- the coordinator link ---------- */

uint32_t
ks_flusher_rpc(uint16_t kind, const void *payload, size_t len)
{
    uint32_t id = ++F.rpc_id;

    if (id == 0)
        id = ++F.rpc_id;
    if (ks_rpclink_send(F.coord, id, kind, 0, payload, len, NULL, 0) != KS_OK)
        return 0;
    return id;
}

/* Sends the commit of cycles head .. commit_last: each partition once, with
 * its newest end offset (a partition's cycles are walked newest first). */
static void
commit_send(void)
{
    ks_writer_t w;
    cycle_t *group[PIPELINE_MAX];
    int n = 0;

    for (cycle_t *c = F.head; c != NULL && n < PIPELINE_MAX; c = c->next) {
        group[n++] = c;
        if (c == F.commit_last)
            break;
    }
    if (++F.commit_mark == 0) {
        memset(F.slot_mark, 0, sizeof(uint32_t) * F.ring->nparts);
        F.commit_mark = 1;
    }
    ks_writer_init(&w, 64 + (size_t) group[0]->nsegs * 64 * (size_t) n);
    for (int k = n - 1; k >= 0; k--) {
        for (int i = 0; i < group[k]->nsegs; i++) {
            seg_t *s = &group[k]->segs[i];
            if (!s->valid || F.slot_mark[s->slot] == F.commit_mark)
                continue;
            F.slot_mark[s->slot] = F.commit_mark;
            ks_write_i32(&w, s->partition);
            ks_write_i64(&w, s->last_offset + 1);
            ks_write_i16(&w, (int16_t) s->topic_len);
            ks_write_bytes(&w, s->topic, s->topic_len);
        }
    }
    F.committing = true;
    F.commit_id = ks_flusher_rpc(KS_RPC_COMMIT, w.buf, w.len);
    ks_writer_free(&w);
}

static void
cycle_free(cycle_t *c)
{
    for (int i = 0; i < c->nsegs; i++) {
        free(c->segs[i].iov);
        free(c->segs[i].index);
        ks_index_builder_free(&c->segs[i].ib);
    }
    free(c->segs);
    free(c);
}

/* One retry timer for every failed upload and commit; the backoff grows
 * with each round that fails and restarts after a success. */
static void
retry_later(const char *what)
{
    struct timeval tv;

    if (evtimer_pending(F.retry_timer, NULL))
        return;                  /* this round's retry is already due */
    F.retry_ms = F.retry_ms == 0 ? RETRY_MIN_MS : KS_MIN(F.retry_ms * 2, RETRY_MAX_MS);
    ks_log_warn("%s failed, retrying in %lld ms", what, (long long) F.retry_ms);
    tv.tv_sec = (time_t) (F.retry_ms / 1000);
    tv.tv_usec = (suseconds_t) ((F.retry_ms % 1000) * 1000);
    evtimer_add(F.retry_timer, &tv);
}

/* Cycle c (the oldest in flight) is committed: the data is durable. */
static void
cycle_durable(cycle_t *c)
{
    uint64_t nsegs = 0, records = 0;
    int64_t now = ks_mono_us();

    for (int i = 0; i < c->nsegs; i++) {
        seg_t *s = &c->segs[i];
        ks_part_t *p = ks_ring_part(F.shm, F.ring, s->slot);
        if (!s->valid)
            continue;            /* not uploaded: its offsets never become readable */
        nsegs++;
        records += (uint64_t) s->records;
        if (atomic_load(&p->gen) == s->gen && s->last_offset + 1 > atomic_load(&p->hw))
            atomic_store(&p->hw, s->last_offset + 1);
        ks_retention_note_segment(s->key_kfs, ks_now_ms(), (int64_t) (s->body_len + 48));
    }
    F.cycles++;
    ks_stats_flush_cycle(ks_stats_proc(F.shm->stats, F.in->slot), (uint64_t) (now - c->started_us),
                         c->bytes, nsegs, records);
    ks_log_debug("flushed %d segments, %llu bytes in %lld us (uploads %lld us, then %lld us to the commit)",
                 c->nsegs, (unsigned long long) c->bytes, (long long) (now - c->started_us),
                 (long long) (c->uploaded_us - c->started_us), (long long) (now - c->uploaded_us));
}

/* The commit of head .. commit_last succeeded. */
static void
commit_done(void)
{
    cycle_t *last = F.commit_last;
    uint64_t to = last->to;

    for (;;) {
        cycle_t *c = F.head;
        F.head = c->next;
        if (F.head == NULL)
            F.tail = NULL;
        F.ncycles--;
        cycle_durable(c);
        cycle_free(c);
        if (c == last)
            break;
    }
    F.commit_last = NULL;
    F.retry_ms = 0;
    atomic_store_explicit(&F.ring->durable, to, memory_order_release);
    for (int i = 1; i <= F.in->shm->hdr->nworkers; i++) {
        char name[32];
        snprintf(name, sizeof(name), "worker.%d", i);
        ks_notify_send(F.send_fd, F.in->master_pid, name);
    }
    try_commit();
    maybe_flush();
}

/* Starts the commit of the oldest uploaded cycles, when none is in flight.
 * The group is fixed until it succeeds: a commit sent again after a lost
 * link carries the same values, so two copies cannot move a high watermark
 * back whatever order they are applied in. */
static void
try_commit(void)
{
    if (F.committing || F.head == NULL || F.head->state != CYCLE_UPLOADED || F.closing)
        return;
    if (F.commit_last == NULL) {
        cycle_t *c = F.head;
        while (c->next != NULL && c->next->state == CYCLE_UPLOADED)
            c = c->next;
        F.commit_last = c;
    }
    F.committing = true;         /* sent by coord_up when the link is down */
    F.commit_id = 0;
    if (ks_rpclink_up(F.coord))
        commit_send();
}

/* Replies and requests from the coordinator. */
static void
coord_frame(void *arg, const ks_rpc_hdr_t *h, uint8_t *payload)
{
    uint8_t status = h->len >= 1 ? payload[0] : 1;

    (void) arg;
    switch (h->kind) {
    case KS_RPC_DELETE_OBJECTS: {
        char topic[256];
        size_t n = KS_MIN(h->len, sizeof(topic) - 1);
        memcpy(topic, payload, n);
        topic[n] = 0;
        ks_retention_delete_topic(topic);
        break;
    }
    case KS_RPC_LOG_START_REPLY:
        ks_retention_log_start_reply(h->id, status);
        break;
    case KS_RPC_COMMIT_REPLY:
        if (!F.committing || F.commit_last == NULL || h->id != F.commit_id)
            break;
        F.committing = false;
        if (status == 0)
            commit_done();
        else
            retry_later("the metadata commit");
        break;
    default:
        break;
    }
    free(payload);
}

/* A commit lost with the old link is sent again on the new one. */
static void
coord_up(void *arg)
{
    (void) arg;
    if (F.committing && F.commit_last != NULL)
        commit_send();
}

/* ---------- building a cycle ---------- */

static seg_t *
seg_for(cycle_t *c, const ks_entry_t *e, const ks_mv_topic_t **bymap)
{
    int32_t idx = F.slot_seg[e->slot];
    const ks_mv_topic_t *t = bymap[e->slot];
    seg_t *s;

    if (idx >= 0)
        return &c->segs[idx];
    s = &c->segs[c->nsegs];
    memset(s, 0, sizeof(*s));
    s->cycle = c;
    s->slot = e->slot;
    s->gen = e->slot_gen;
    s->base_offset = e->base_offset;
    s->partition = -1;
    if (t != NULL) {
        for (int32_t i = 0; i < t->npartitions; i++)
            if (t->partitions[i].slot == e->slot)
                s->partition = t->partitions[i].partition;
        s->topic_len = KS_MIN(t->name_len, sizeof(s->topic) - 1);
        memcpy(s->topic, t->name, s->topic_len);
        s->valid = s->partition >= 0 && s->topic_len == t->name_len;
    }
    ks_index_builder_init(&s->ib, INDEX_INTERVAL);
    s->capiov = 8;
    s->iov = malloc(sizeof(struct iovec) * (size_t) s->capiov);
    s->niov = 1;                 /* [0] = header */
    F.slot_seg[e->slot] = c->nsegs;
    c->nsegs++;
    return s;
}

static void
seg_add_entry(seg_t *s, ks_entry_t *e)
{
    const uint8_t *d = (const uint8_t *) e + KS_ENTRY_HDR;
    const uint8_t *p = d, *end = d + e->data_len;
    ks_batch_info_t bi;

    if (s->niov + 2 > s->capiov) {
        s->capiov *= 2;
        s->iov = realloc(s->iov, sizeof(struct iovec) * (size_t) s->capiov);
    }
    s->iov[s->niov].iov_base = (void *) d;
    s->iov[s->niov].iov_len = e->data_len;
    s->niov++;
    while (ks_batch_next(&p, end, &bi, NULL, NULL) == 1) {
        size_t pos = 32 + s->body_len + (size_t) ((p - d) - (12 + bi.batch_length));
        ks_index_add_batch(&s->ib, bi.base_offset, (int32_t) pos, bi.records_count);
    }
    s->crc = ks_crc32c(s->crc, d, e->data_len);
    s->body_len += e->data_len;
    s->records += e->record_count;
    s->last_offset = e->last_offset;
}

static void
seg_finish(seg_t *s)
{
    ks_segment_header(s->hdr, s->base_offset, (int32_t) s->records, ks_now_ms());
    ks_segment_footer(s->ftr, s->crc, s->last_offset);
    s->iov[0].iov_base = s->hdr;
    s->iov[0].iov_len = sizeof(s->hdr);
    s->iov[s->niov].iov_base = s->ftr;
    s->iov[s->niov].iov_len = sizeof(s->ftr);
    s->niov++;
    ks_index_finish(&s->ib, &s->index, &s->index_len);
    if (s->valid &&
        (ks_segment_key(s->key_kfs, sizeof(s->key_kfs), F.in->conf->s3_namespace, s->topic,
                        s->partition, s->base_offset, "kfs") < 0 ||
         ks_segment_key(s->key_idx, sizeof(s->key_idx), F.in->conf->s3_namespace, s->topic,
                        s->partition, s->base_offset, "index") < 0)) {
        ks_log_error("no object key for a segment of %s-%d", s->topic, (int) s->partition);
        s->valid = false;
    }
}

/* The entries of [from, to): stops after the entry that brings the body
 * past max_bytes (0: no bound); c->to is where it stopped. */
static cycle_t *
cycle_build(uint64_t from, uint64_t to, uint64_t max_bytes)
{
    const ks_metaview_t *mv = ks_mvcache_get(&F.mvc, F.shm);
    const ks_mv_topic_t **bymap = calloc(F.ring->nparts, sizeof(*bymap));
    cycle_t *c = calloc(1, sizeof(*c));
    int maxsegs = 64;
    uint64_t pos = from;

    if (c == NULL || bymap == NULL || (c->segs = malloc(sizeof(seg_t) * (size_t) maxsegs)) == NULL) {
        if (c != NULL)
            free(c->segs);
        free(c);
        free(bymap);
        return NULL;
    }
    if (mv != NULL)
        for (int32_t i = 0; i < mv->ntopics; i++)
            for (int32_t j = 0; j < mv->topics[i].npartitions; j++) {
                uint32_t sl = mv->topics[i].partitions[j].slot;
                if (sl < F.ring->nparts)
                    bymap[sl] = &mv->topics[i];
            }
    c->from = from;
    while (pos < to && (max_bytes == 0 || pos - from < max_bytes)) {
        ks_entry_t *e = ks_ring_entry(F.shm, F.ring, pos);
        uint32_t st = atomic_load(&e->state);
        ks_part_t *p;

        pos += e->len;
        if (st != KS_ENTRY_COMMITTED || e->slot >= F.ring->nparts)
            continue;
        p = ks_ring_part(F.shm, F.ring, e->slot);
        /* A partition deleted (or moved) since: its data goes nowhere. */
        if (atomic_load(&p->gen) != e->slot_gen || bymap[e->slot] == NULL)
            continue;
        if (c->nsegs == maxsegs && F.slot_seg[e->slot] < 0) {
            seg_t *ns = realloc(c->segs, sizeof(seg_t) * (size_t) maxsegs * 2);
            if (ns == NULL) {
                pos -= e->len;   /* the rest goes to the next cycle */
                break;
            }
            /* the segments moved: fix their back pointers below */
            c->segs = ns;
            maxsegs *= 2;
        }
        seg_add_entry(seg_for(c, e, bymap), e);
        c->bytes += e->data_len;
    }
    c->to = pos;
    for (int i = 0; i < c->nsegs; i++) {
        F.slot_seg[c->segs[i].slot] = -1;
        c->segs[i].cycle = c;
        seg_finish(&c->segs[i]);
    }
    free(bymap);
    return c;
}

/* ---------- sweeping what an earlier run left ---------- */

typedef struct {
    uint32_t slot, gen;
    int64_t hw;
    int left;
    bool failed;
} sweep_ctx_t;

static void cycle_step(cycle_t *c);
static void seg_put(seg_t *s);

/* The sweep of (slot, gen) ended: the segments waiting for it go on. */
static void
sweep_finish(sweep_ctx_t *x, bool ok)
{
    ks_part_t *p = ks_ring_part(F.shm, F.ring, x->slot);

    if (ok && atomic_load(&p->gen) == x->gen)
        atomic_store(&p->swept_gen, x->gen);
    if (F.sweeps[x->slot].gen == x->gen)
        F.sweeps[x->slot].running = false;
    for (cycle_t *c = F.head; c != NULL; c = c->next) {
        for (int i = 0; i < c->nsegs; i++) {
            seg_t *s = &c->segs[i];
            if (!s->sweeping || s->slot != x->slot || s->gen != x->gen)
                continue;
            s->sweeping = false;
            if (ok && !F.closing)
                seg_put(s);
            else
                s->failed = true;
            cycle_step(c);
        }
    }
    free(x);
}

static void
sweep_deleted(void *arg, const ks_os_result_t *res)
{
    sweep_ctx_t *x = arg;

    if (res->rc != KS_OK) {
        ks_log_error("could not delete an object left past the high watermark: %s",
                     res->error ? res->error : "error");
        x->failed = true;
    }
    if (--x->left == 0)
        sweep_finish(x, !x->failed);
}

static void
sweep_listed(void *arg, const ks_os_result_t *res)
{
    sweep_ctx_t *x = arg;
    size_t n = 0;

    if (res->rc != KS_OK) {
        ks_log_error("could not list a partition's objects: %s", res->error ? res->error : "error");
        sweep_finish(x, false);
        return;
    }
    x->left = 1;
    for (size_t i = 0; i < res->nkeys && !F.closing; i++) {
        int64_t base;
        if (ks_segment_key_parse(res->keys[i], NULL, &base, NULL) != KS_OK || base < x->hw)
            continue;
        if (n++ == 0)
            ks_log_info("deleting objects an earlier run left at or past offset %lld: %s ...",
                        (long long) x->hw, res->keys[i]);
        x->left++;
        if (ks_os_delete(F.os, res->keys[i], sweep_deleted, x) != KS_OK) {
            x->left--;
            x->failed = true;
        }
    }
    if (--x->left == 0)
        sweep_finish(x, !x->failed && !F.closing);
}

/* Segment s is the first of its partition (slot, gen) in this ring: what
 * lies in the store at or past the partition's committed high watermark
 * was left by an earlier run of this broker that died before committing
 * it (a later cycle's objects), never acknowledged, and this run reuses
 * those offsets for other data: delete it before the first upload.  Once
 * per partition and slot generation (ks_part_t.swept_gen, in the ring, so
 * a respawned flusher does not do it again: its predecessor's objects are
 * redone in place). */
static void
sweep_start(seg_t *s)
{
    ks_part_t *p = ks_ring_part(F.shm, F.ring, s->slot);
    sweep_t *w = &F.sweeps[s->slot];
    sweep_ctx_t *x;
    char prefix[KS_SEGMENT_KEY_MAX];
    char *slash;

    s->sweeping = true;
    if (w->running && w->gen == s->gen)
        return;                  /* woken when it ends */
    x = calloc(1, sizeof(*x));
    if (x == NULL) {
        s->sweeping = false;
        s->failed = true;
        return;
    }
    w->gen = s->gen;
    w->running = true;
    x->slot = s->slot;
    x->gen = s->gen;
    x->hw = atomic_load(&p->hw);
    snprintf(prefix, sizeof(prefix), "%s", s->key_kfs);
    slash = strrchr(prefix, '/');
    if (slash != NULL)
        slash[1] = 0;
    if (ks_os_list(F.os, prefix, sweep_listed, x) != KS_OK) {
        /* refused at once: fail the segment now, the retry sweeps again */
        w->running = false;
        s->sweeping = false;
        s->failed = true;
        free(x);
    }
}

/* ---------- uploads ---------- */

/* One upload or sweep of cycle c ended. */
static void
cycle_step(cycle_t *c)
{
    if (--c->pending > 0 || F.closing)
        return;
    for (int i = 0; i < c->nsegs; i++) {
        if (c->segs[i].failed) {
            c->state = CYCLE_FAILED;
            retry_later("an upload");
            return;
        }
    }
    c->state = CYCLE_UPLOADED;
    c->uploaded_us = ks_mono_us();
    if (c == F.head)
        F.retry_ms = 0;
    try_commit();
}

static void
put_done(void *arg, const ks_os_result_t *res)
{
    seg_t *s = arg;

    if (res->rc != KS_OK) {
        ks_log_error("could not upload segment %s: %s", s->key_kfs, res->error ? res->error : "error");
        s->failed = true;
    }
    F.put_bytes += res->rc == KS_OK ? 1 : 0;
    if (--s->puts_left == 0 && !s->failed)
        s->done = true;
    cycle_step(s->cycle);
}

static void
seg_put(seg_t *s)
{
    cycle_t *c = s->cycle;

    s->puts_left = 2;
    c->pending += 2;
    F.segments++;
    if (ks_os_put(F.os, s->key_kfs, s->iov, s->niov, put_done, s) != KS_OK) {
        ks_os_result_t r = { .rc = KS_ERROR, .error = "the object store refused the request" };
        put_done(s, &r);
    }
    s->index_iov.iov_base = s->index;
    s->index_iov.iov_len = s->index_len;
    if (ks_os_put(F.os, s->key_idx, &s->index_iov, 1, put_done, s) != KS_OK) {
        ks_os_result_t r = { .rc = KS_ERROR, .error = "the object store refused the request" };
        put_done(s, &r);
    }
}

/* Uploads what of cycle c is not stored yet. */
static void
upload(cycle_t *c)
{
    c->state = CYCLE_UPLOADING;
    c->pending = 1;              /* held while starting */
    for (int i = 0; i < c->nsegs; i++) {
        seg_t *s = &c->segs[i];
        ks_part_t *p = ks_ring_part(F.shm, F.ring, s->slot);

        if (s->done || !s->valid)
            continue;
        s->failed = false;
        if (atomic_load(&p->swept_gen) != s->gen) {
            c->pending++;
            sweep_start(s);
            if (!s->sweeping)
                c->pending--;    /* refused: s->failed */
            continue;
        }
        seg_put(s);
    }
    cycle_step(c);
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    for (cycle_t *c = F.head; c != NULL; c = c->next)
        if (c->state == CYCLE_FAILED)
            upload(c);
    if (!F.committing)
        try_commit();
    else if (ks_rpclink_up(F.coord) && F.commit_id == 0)
        commit_send();
}

/* ---------- scheduling ---------- */

/* Seals [F.sealed, at most to) as a new cycle and starts its uploads. */
static bool
start_cycle(uint64_t to)
{
    uint64_t from = F.sealed, bound = 0, seq;
    cycle_t *c;

    atomic_store(&F.ring->flush_wanted, 0);
    /* A dead flusher's cycle is redone with its bounds; a new one takes at
     * most flush.bytes. */
    while (F.nredo > 0 && F.redo[0] <= from)
        memmove(F.redo, F.redo + 1, sizeof(F.redo[0]) * (size_t) --F.nredo);
    if (F.nredo > 0) {
        to = F.redo[0];
        memmove(F.redo, F.redo + 1, sizeof(F.redo[0]) * (size_t) --F.nredo);
    } else {
        bound = (uint64_t) F.in->conf->flush_bytes;
    }
    c = cycle_build(from, to, bound);
    if (c == NULL || c->to == from) {
        ks_log_error("out of memory building a flush cycle");
        if (c != NULL)
            cycle_free(c);
        return false;
    }
    c->started_us = ks_mono_us();
    seq = atomic_load(&F.ring->cycle_seq);
    c->seq = seq;
    atomic_store(&F.ring->cycle_end[seq % KS_RING_CYCLE_SLOTS], c->to);
    atomic_store(&F.ring->cycle_seq, seq + 1);
    F.sealed = c->to;
    atomic_store(&F.ring->sealed, c->to);
    if (F.tail != NULL)
        F.tail->next = c;
    else
        F.head = c;
    F.tail = c;
    F.ncycles++;
    upload(c);
    return true;
}

static void
arm_timer(int64_t ms)
{
    struct timeval tv;

    tv.tv_sec = (time_t) (ms / 1000);
    tv.tv_usec = (suseconds_t) ((ms % 1000) * 1000);
    evtimer_del(F.timer);
    evtimer_add(F.timer, &tv);
}

static void
maybe_flush(void)
{
    int64_t interval = F.in->conf->flush_interval_ms;
    uint64_t flush_bytes = (uint64_t) F.in->conf->flush_bytes;

    while (!F.closing) {
        uint64_t committed;
        int64_t oldest, now;

        if (F.ncycles == 0 && F.stopping &&
            atomic_load(&F.ring->reserve) == atomic_load(&F.ring->durable)) {
            event_base_loopbreak(F.base);
            return;
        }
        if (F.ncycles >= PIPELINE_MAX)
            return;              /* called again when the oldest is committed */
        committed = ks_ring_advance_committed(F.shm, F.ring);
        if (committed == F.sealed) {
            /* Entries reserved but still being written: look again soon. */
            if (atomic_load(&F.ring->reserve) > committed)
                arm_timer(1);
            return;
        }
        now = ks_now_ms();
        oldest = atomic_load(&F.ring->oldest_pending_ms);
        if (oldest == 0) {
            int64_t zero = 0;
            if (!atomic_compare_exchange_strong(&F.ring->oldest_pending_ms, &zero, now))
                oldest = zero;
            else
                oldest = now;
        }
        if (!F.stopping && F.nredo == 0 && committed - F.sealed < flush_bytes && now - oldest < interval) {
            arm_timer(interval - (now - oldest));
            return;
        }
        /* The age of what stays pending restarts now, unless this cycle
         * leaves some of it behind (then that keeps the old age).  Reset
         * before sealing: an entry committed meanwhile stamps anew. */
        atomic_store(&F.ring->oldest_pending_ms, 0);
        committed = ks_ring_advance_committed(F.shm, F.ring);
        if (!start_cycle(committed)) {
            atomic_store(&F.ring->oldest_pending_ms, oldest);
            arm_timer(100);
            return;
        }
        if (F.sealed < committed) {
            int64_t zero = 0;
            atomic_compare_exchange_strong(&F.ring->oldest_pending_ms, &zero, oldest);
        }
    }
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    maybe_flush();
}

static void
on_notify(evutil_socket_t fd, short what, void *arg)
{
    (void) what;
    (void) arg;
    ks_notify_drain(fd);
    maybe_flush();
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    atomic_store(&F.in->shm->procs[F.in->slot].heartbeat_ms, (uint64_t) ks_now_ms());
    ks_stats_export_os(ks_stats_proc(F.shm->stats, F.in->slot), ks_objstore_stats(F.os));
    /* A safety net for a lost wake-up. */
    maybe_flush();
}

static void
on_stop(void *arg)
{
    (void) arg;
    if (F.stopping)
        return;
    F.stopping = true;
    /* The master died (kill -9): nothing can be committed any more (the
     * coordinator goes too), and a broker started again on this data may
     * reuse the offsets of what is pending here.  Upload nothing more. */
    if (ks_child_master_gone(F.in)) {
        ks_log_error("the master is gone: stopping without uploading %llu pending bytes "
                     "(they were never acknowledged)",
                     (unsigned long long) (atomic_load(&F.ring->reserve) - atomic_load(&F.ring->durable)));
        event_base_loopbreak(F.base);
        return;
    }
    /* Stopped by the master: upload everything still pending, then exit. */
    ks_log_info("stopping: uploading %llu pending bytes",
                (unsigned long long) (atomic_load(&F.ring->reserve) - atomic_load(&F.ring->durable)));
    maybe_flush();
}

/* The cycles a dead predecessor left in flight (past `durable`), to be
 * redone with the same bounds. */
static void
redo_load(void)
{
    uint64_t durable = atomic_load(&F.ring->durable);

    F.sealed = durable;
    atomic_store(&F.ring->sealed, durable);
    F.nredo = 0;
    for (int i = 0; i < KS_RING_CYCLE_SLOTS; i++) {
        uint64_t e = atomic_load(&F.ring->cycle_end[i]);
        bool seen = false;
        if (e <= durable)
            continue;
        for (int j = 0; j < F.nredo; j++)
            seen |= F.redo[j] == e;
        if (!seen)
            F.redo[F.nredo++] = e;
    }
    for (int i = 1; i < F.nredo; i++)    /* ascending */
        for (int j = i; j > 0 && F.redo[j - 1] > F.redo[j]; j--) {
            uint64_t t = F.redo[j];
            F.redo[j] = F.redo[j - 1];
            F.redo[j - 1] = t;
        }
    if (F.nredo > 0)
        ks_log_info("redoing %d flush cycles left in flight (%llu bytes)", F.nredo,
                     (unsigned long long) (F.redo[F.nredo - 1] - durable));
}

int
ks_flusher_main(ks_inherit_t *in)
{
    struct timeval tick = { 0, 250000 };
    ks_os_config_t oc;
    char err[512];
    const ks_conf_t *conf = in->conf;

    memset(&F, 0, sizeof(F));
    F.in = in;
    F.shm = in->shm;
    F.ring = in->shm->ring;
    if (ks_child_setup(in, "flusher", 0) != KS_OK)
        return 1;
    F.base = event_base_new();
    if (F.base == NULL || ks_child_events(in, F.base, on_stop, NULL) != KS_OK)
        return 1;
    ks_os_config_from_conf(&oc, conf);
    F.os = ks_objstore_open(F.base, &oc, err, sizeof(err));
    if (F.os == NULL) {
        ks_log_error("could not open the %s object store: %s", oc.backend, err);
        return KS_EXIT_FATAL;
    }
    F.slot_seg = malloc(sizeof(int32_t) * F.ring->nparts);
    F.slot_mark = calloc(F.ring->nparts, sizeof(uint32_t));
    F.sweeps = calloc(F.ring->nparts, sizeof(sweep_t));
    if (F.slot_seg == NULL || F.slot_mark == NULL || F.sweeps == NULL) {
        ks_log_error("out of memory");
        return 1;
    }
    for (uint32_t i = 0; i < F.ring->nparts; i++)
        F.slot_seg[i] = -1;
    redo_load();
    F.send_fd = ks_notify_sender();
    F.notify_fd = ks_notify_bind(in->master_pid, "flusher");
    if (F.notify_fd < 0) {
        ks_log_error("could not bind the flusher's wake-up socket: %s", strerror(errno));
        return 1;
    }
    F.notify_ev = event_new(F.base, F.notify_fd, EV_READ | EV_PERSIST, on_notify, NULL);
    event_add(F.notify_ev, NULL);
    F.timer = evtimer_new(F.base, on_timer, NULL);
    F.retry_timer = evtimer_new(F.base, on_retry, NULL);
    F.tick = event_new(F.base, -1, EV_PERSIST, on_tick, NULL);
    event_add(F.tick, &tick);
    {
        ks_rpclink_ops_t ops = { KS_RPC_HELLO_FLUSHER, coord_up, NULL, coord_frame };
        F.coord = ks_rpclink_new(F.base, in->master_pid, &ops, NULL);
    }
    ks_retention_init();
    atomic_store(&in->shm->procs[in->slot].state, KS_SLOT_RUNNING);
    maybe_flush();

    event_base_dispatch(F.base);

    if (F.ncycles > 0)
        ks_log_error("stopping with %d flush cycles in flight; the next start redoes them", F.ncycles);
    ks_retention_shutdown();
    F.closing = true;
    ks_objstore_close(F.os);
    while (F.head != NULL) {
        cycle_t *c = F.head;
        F.head = c->next;
        cycle_free(c);
    }
    ks_rpclink_free(F.coord);
    event_free(F.notify_ev);
    event_free(F.timer);
    event_free(F.retry_timer);
    event_free(F.tick);
    close(F.notify_fd);
    close(F.send_fd);
    ks_mvcache_free(&F.mvc);
    free(F.slot_seg);
    free(F.slot_mark);
    free(F.sweeps);
    event_base_free(F.base);
    return 0;
}
