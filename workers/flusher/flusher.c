/*
 * flusher.c: the flusher process.  Runs in: flusher.
 *
 * One flush cycle at a time (group commit): everything committed in the
 * ring since the last cycle is sealed, every partition's entries become one
 * segment (.kfs + .index, the original KafScale format) uploaded in
 * parallel straight from the ring (iovecs, no copy), then one metadata
 * commit of every partition's new high watermark goes through the
 * coordinator, then the durable cursor and the high watermarks advance and
 * the workers are woken.  A cycle starts when flush.interval.ms passed since
 * the oldest pending byte or flush.bytes are pending.  A failed upload or
 * commit is retried with backoff; nothing is dropped.  A crash loses
 * nothing: the durable cursor only moves after the commit, so a new flusher
 * redoes the cycle (same keys, same offsets).
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

ks_flusher_t F;

static void maybe_flush(void);
static void upload(cycle_t *c);

/* ---------- the coordinator link ---------- */

static void
commit_send(cycle_t *c)
{
    ks_writer_t w;
    ks_rpc_hdr_t h;

    ks_writer_init(&w, 64 + (size_t) c->nsegs * 64);
    for (int i = 0; i < c->nsegs; i++) {
        seg_t *s = &c->segs[i];
        if (s->topic == NULL)
            continue;
        ks_write_i32(&w, s->partition);
        ks_write_i64(&w, s->last_offset + 1);
        ks_write_i16(&w, (int16_t) s->topic->name_len);
        ks_write_bytes(&w, s->topic->name, s->topic->name_len);
    }
    (void) h;
    F.committing = true;
    F.commit_id = ks_flusher_rpc(KS_RPC_COMMIT, w.buf, w.len);
    ks_writer_free(&w);
}

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

static void
cycle_retry_later(cycle_t *c, const char *what)
{
    struct timeval tv;

    c->retry_ms = c->retry_ms == 0 ? RETRY_MIN_MS : KS_MIN(c->retry_ms * 2, RETRY_MAX_MS);
    ks_log_warn("%s failed, retrying in %lld ms", what, (long long) c->retry_ms);
    tv.tv_sec = (time_t) (c->retry_ms / 1000);
    tv.tv_usec = (suseconds_t) ((c->retry_ms % 1000) * 1000);
    evtimer_add(F.retry_timer, &tv);
}

/* The metadata commit of cycle c succeeded: the data is durable. */
static void
cycle_durable(cycle_t *c)
{
    uint64_t nsegs = 0, records = 0;

    for (int i = 0; i < c->nsegs; i++) {
        seg_t *s = &c->segs[i];
        ks_part_t *p = ks_ring_part(F.shm, F.ring, s->slot);
        if (s->topic != NULL && s->partition >= 0) {
            nsegs++;
            records += (uint64_t) s->records;
        }
        if (atomic_load(&p->gen) == s->gen && s->last_offset + 1 > atomic_load(&p->hw))
            atomic_store(&p->hw, s->last_offset + 1);
        if (s->topic != NULL && s->partition >= 0)
            ks_retention_note_segment(s->key_kfs, ks_now_ms(), (int64_t) (s->body_len + 48));
    }
    atomic_store_explicit(&F.ring->durable, c->to, memory_order_release);
    F.cycles++;
    ks_stats_flush_cycle(ks_stats_proc(F.shm->stats, F.in->slot), (uint64_t) (ks_mono_us() - c->started_us),
                         c->bytes, nsegs, records);
    ks_log_debug("flushed %d segments, %llu bytes in %lld us", c->nsegs,
                 (unsigned long long) c->bytes, (long long) (ks_mono_us() - c->started_us));
    for (int i = 1; i <= F.in->shm->hdr->nworkers; i++) {
        char name[32];
        snprintf(name, sizeof(name), "worker.%d", i);
        ks_notify_send(F.send_fd, F.in->master_pid, name);
    }
    F.cycle = NULL;
    cycle_free(c);
    maybe_flush();
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
        if (F.cycle == NULL || !F.committing || h->id != F.commit_id)
            break;
        F.committing = false;
        if (status == 0)
            cycle_durable(F.cycle);
        else
            cycle_retry_later(F.cycle, "the metadata commit");
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
    if (F.cycle != NULL && F.committing)
        commit_send(F.cycle);
}

/* ---------- building a cycle ---------- */

static seg_t *
seg_for(cycle_t *c, const ks_entry_t *e, const ks_metaview_t *mv, const ks_mv_topic_t **bymap)
{
    int32_t idx = F.slot_seg[e->slot];
    seg_t *s;

    if (idx >= 0)
        return &c->segs[idx];
    s = &c->segs[c->nsegs];
    memset(s, 0, sizeof(*s));
    s->slot = e->slot;
    s->gen = e->slot_gen;
    s->base_offset = e->base_offset;
    s->topic = bymap[e->slot];
    s->partition = -1;
    if (s->topic != NULL)
        for (int32_t i = 0; i < s->topic->npartitions; i++)
            if (s->topic->partitions[i].slot == e->slot)
                s->partition = s->topic->partitions[i].partition;
    (void) mv;
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
    if (s->topic != NULL && s->partition >= 0) {
        ks_segment_key(s->key_kfs, sizeof(s->key_kfs), F.in->conf->s3_namespace, s->topic->name,
                       s->partition, s->base_offset, "kfs");
        ks_segment_key(s->key_idx, sizeof(s->key_idx), F.in->conf->s3_namespace, s->topic->name,
                       s->partition, s->base_offset, "index");
    }
}

static cycle_t *
cycle_build(uint64_t from, uint64_t to)
{
    const ks_metaview_t *mv = ks_mvcache_get(&F.mvc, F.shm);
    const ks_mv_topic_t **bymap = calloc(F.ring->nparts, sizeof(*bymap));
    cycle_t *c = calloc(1, sizeof(*c));
    int maxsegs = 64;
    uint64_t pos = from;

    if (c == NULL || bymap == NULL) {
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
    c->to = to;
    c->segs = malloc(sizeof(seg_t) * (size_t) maxsegs);
    while (pos < to) {
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
            maxsegs *= 2;
            c->segs = realloc(c->segs, sizeof(seg_t) * (size_t) maxsegs);
        }
        seg_add_entry(seg_for(c, e, mv, bymap), e);
        c->bytes += e->data_len;
    }
    for (int i = 0; i < c->nsegs; i++) {
        F.slot_seg[c->segs[i].slot] = -1;
        seg_finish(&c->segs[i]);
    }
    free(bymap);
    return c;
}

/* ---------- uploads ---------- */

static void
put_done(void *arg, const ks_os_result_t *res)
{
    seg_t *s = arg;
    cycle_t *c = F.cycle;

    if (res->rc != KS_OK) {
        ks_log_error("could not upload segment %s: %s", s->key_kfs, res->error ? res->error : "error");
        s->failed = true;
    }
    F.put_bytes += res->rc == KS_OK ? 1 : 0;
    if (--s->puts_left == 0 && !s->failed)
        s->done = true;
    if (c == NULL || --c->puts_left > 0)
        return;
    for (int i = 0; i < c->nsegs; i++) {
        if (c->segs[i].failed) {
            cycle_retry_later(c, "an upload");
            return;
        }
    }
    c->retry_ms = 0;
    if (ks_rpclink_up(F.coord))
        commit_send(c);
    else
        F.committing = true;     /* sent when the link is back */
}

static void
upload(cycle_t *c)
{
    c->puts_left = 0;
    for (int i = 0; i < c->nsegs; i++) {
        seg_t *s = &c->segs[i];
        if (s->done || s->topic == NULL || s->partition < 0)
            continue;
        s->failed = false;
        s->puts_left = 2;
        c->puts_left += 2;
    }
    if (c->puts_left == 0) {
        if (ks_rpclink_up(F.coord))
            commit_send(c);
        else
            F.committing = true;
        return;
    }
    for (int i = 0; i < c->nsegs; i++) {
        seg_t *s = &c->segs[i];

        if (s->done || s->topic == NULL || s->partition < 0 || s->puts_left == 0)
            continue;
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
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    if (F.cycle == NULL)
        return;
    if (F.committing) {
        if (ks_rpclink_up(F.coord))
            commit_send(F.cycle);
        return;
    }
    upload(F.cycle);
}

/* ---------- scheduling ---------- */

static void
start_cycle(uint64_t to)
{
    uint64_t from = atomic_load(&F.ring->durable);
    cycle_t *c;

    atomic_store(&F.ring->oldest_pending_ms, 0);
    atomic_store(&F.ring->flush_wanted, 0);
    atomic_store(&F.ring->sealed, to);
    c = cycle_build(from, to);
    if (c == NULL) {
        ks_log_error("out of memory building a flush cycle");
        return;
    }
    c->started_us = ks_mono_us();
    F.cycle = c;
    upload(c);
}

static void
maybe_flush(void)
{
    uint64_t committed, durable;
    int64_t oldest, now, interval = F.in->conf->flush_interval_ms, wait_ms;
    struct timeval tv;

    if (F.cycle != NULL)
        return;
    committed = ks_ring_advance_committed(F.shm, F.ring);
    durable = atomic_load(&F.ring->durable);
    if (committed == durable) {
        /* Entries reserved but still being written: look again soon. */
        if (atomic_load(&F.ring->reserve) > committed) {
            tv.tv_sec = 0;
            tv.tv_usec = 1000;
            evtimer_add(F.timer, &tv);
        } else if (F.stopping) {
            event_base_loopbreak(F.base);
        }
        return;
    }
    now = ks_now_ms();
    oldest = atomic_load(&F.ring->oldest_pending_ms);
    if (oldest == 0) {
        int64_t zero = 0;
        atomic_compare_exchange_strong(&F.ring->oldest_pending_ms, &zero, now);
        oldest = now;
    }
    if (F.stopping || committed - durable >= (uint64_t) F.in->conf->flush_bytes ||
        now - oldest >= interval) {
        start_cycle(committed);
        return;
    }
    wait_ms = interval - (now - oldest);
    tv.tv_sec = (time_t) (wait_ms / 1000);
    tv.tv_usec = (suseconds_t) ((wait_ms % 1000) * 1000);
    evtimer_add(F.timer, &tv);
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
    for (uint32_t i = 0; i < F.ring->nparts; i++)
        F.slot_seg[i] = -1;
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

    if (F.cycle != NULL)
        ks_log_error("stopping with a flush cycle in flight; the next start redoes it");
    ks_retention_shutdown();
    ks_objstore_close(F.os);
    ks_rpclink_free(F.coord);
    event_free(F.notify_ev);
    event_free(F.timer);
    event_free(F.retry_timer);
    event_free(F.tick);
    close(F.notify_fd);
    close(F.send_fd);
    ks_mvcache_free(&F.mvc);
    free(F.slot_seg);
    event_base_free(F.base);
    return 0;
}
