/*
 * worker.c: the worker process: its event loop, the connections the master
 * hands over, the link to the coordinator and the metadata snapshot.
 * Runs in: worker.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "broker.h"
#include "chan.h"
#include "log.h"
#include "notify.h"
#include "objstore/objstore.h"
#include "shm/ring.h"
#include "util.h"

ks_worker_t ks_W;

#define STOP_GRACE_MS 5000

static void coord_connect(void);

/* ---------- metadata snapshot ---------- */

const ks_metaview_t *
ks_worker_meta(void)
{
    return ks_mvcache_get(&ks_W.mvc, ks_W.in->shm);
}

/* ---------- the coordinator link ---------- */

static void
pending_add(ks_req_t *req)
{
    if (ks_W.npending == ks_W.cap_pending) {
        size_t cap = ks_W.cap_pending ? ks_W.cap_pending * 2 : 64;
        ks_req_t **np = realloc(ks_W.pending, cap * sizeof(*np));
        if (np == NULL)
            return;
        ks_W.pending = np;
        ks_W.cap_pending = cap;
    }
    ks_W.pending[ks_W.npending++] = req;
}

static ks_req_t *
pending_take(uint32_t id)
{
    for (size_t i = 0; i < ks_W.npending; i++) {
        if (ks_W.pending[i]->rpc_id == id) {
            ks_req_t *r = ks_W.pending[i];
            ks_W.pending[i] = ks_W.pending[--ks_W.npending];
            r->rpc_id = 0;
            return r;
        }
    }
    return NULL;
}

void
ks_forget_request(ks_req_t *req)
{
    pending_take(req->rpc_id);
}

static void
forward_send(ks_req_t *req)
{
    ks_rpc_hdr_t h;

    memset(&h, 0, sizeof(h));
    h.len = (uint32_t) req->frame_len;
    h.id = req->rpc_id;
    h.kind = KS_RPC_KAFKA;
    h.aux = req->conn != NULL ? req->conn->listener : 0;
    req->forward_sent = true;
    bufferevent_write(ks_W.coord, &h, sizeof(h));
    bufferevent_write(ks_W.coord, req->frame, req->frame_len);
}

/* Requests wait (bounded by request.timeout.ms) while the link to the
 * coordinator is being (re)established. */
void
ks_forward(ks_req_t *req)
{
    if (++ks_W.next_rpc_id == 0)
        ks_W.next_rpc_id = 1;
    req->rpc_id = ks_W.next_rpc_id;
    req->forward_sent = false;
    pending_add(req);
    if (ks_W.coord != NULL && ks_W.coord_up)
        forward_send(req);
}

static void
forward_flush_unsent(void)
{
    for (size_t i = 0; i < ks_W.npending; i++)
        if (!ks_W.pending[i]->forward_sent)
            forward_send(ks_W.pending[i]);
}

/* Called from the worker's tick: unsent requests older than the request
 * timeout give up (the client retries on a new connection). */
static void
forward_expire(int64_t now_us)
{
    int64_t limit = ks_W.in->conf->request_timeout_ms * 1000;

    for (size_t i = 0; i < ks_W.npending;) {
        ks_req_t *req = ks_W.pending[i];
        if (!req->forward_sent && now_us - req->started_us > limit) {
            ks_W.pending[i] = ks_W.pending[--ks_W.npending];
            req->rpc_id = 0;
            ks_req_fail_close(req, "the coordinator is not available");
            continue;
        }
        i++;
    }
}

static void
coord_read_cb(struct bufferevent *bev, void *arg)
{
    struct evbuffer *in = bufferevent_get_input(bev);

    (void) arg;
    for (;;) {
        ks_rpc_hdr_t h;
        ks_req_t *req;

        if (evbuffer_get_length(in) < sizeof(h))
            return;
        evbuffer_copyout(in, &h, sizeof(h));
        if (h.len > KS_RPC_MAX_PAYLOAD) {
            ks_log_error("bad frame from the coordinator (%u bytes), reconnecting", h.len);
            bufferevent_free(ks_W.coord);
            ks_W.coord = NULL;
            ks_W.coord_up = false;
            coord_connect();
            return;
        }
        if (evbuffer_get_length(in) < sizeof(h) + h.len)
            return;
        evbuffer_drain(in, sizeof(h));
        req = pending_take(h.id);
        if (req == NULL) {
            evbuffer_drain(in, h.len);
            continue;
        }
        if (h.kind == KS_RPC_KAFKA_REPLY && h.len > 0) {
            req->out = malloc(h.len);
            if (req->out != NULL) {
                evbuffer_remove(in, req->out, h.len);
                req->out_len = h.len;
            } else {
                evbuffer_drain(in, h.len);
                req->close_after = true;
            }
        } else {
            evbuffer_drain(in, h.len);
            req->close_after = true;
        }
        ks_req_complete(req);
    }
}

/* The coordinator went away: every request it held is lost; close those
 * client connections so the clients retry.  Requests not sent yet wait for
 * the next link. */
static void
coord_lost(void)
{
    for (size_t i = 0; i < ks_W.npending;) {
        ks_req_t *req = ks_W.pending[i];
        if (!req->forward_sent) {
            i++;
            continue;
        }
        ks_W.pending[i] = ks_W.pending[--ks_W.npending];
        req->rpc_id = 0;
        req->close_after = true;
        ks_req_complete(req);
    }
}

static void
coord_retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    coord_connect();
}

static void
coord_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct timeval tv = { 0, 100000 };

    (void) arg;
    if (what & BEV_EVENT_CONNECTED) {
        ks_rpc_hdr_t h = { 0, 0, KS_RPC_HELLO, 0, (uint32_t) ks_W.in->index };
        ks_W.coord_up = true;
        bufferevent_write(bev, &h, sizeof(h));
        ks_log_debug("connected to the coordinator");
        forward_flush_unsent();
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        if (ks_W.coord_up)
            ks_log_warn("lost the link to the coordinator, reconnecting");
        bufferevent_free(ks_W.coord);
        ks_W.coord = NULL;
        ks_W.coord_up = false;
        coord_lost();
        if (!ks_W.stopping)
            evtimer_add(ks_W.coord_retry, &tv);
    }
}

static void
coord_connect(void)
{
    struct sockaddr_un sa;
    int salen = ks_rpc_coord_addr(&sa, ks_W.in->master_pid);

    ks_W.coord = bufferevent_socket_new(ks_W.base, -1, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(ks_W.coord, coord_read_cb, NULL, coord_event_cb, NULL);
    bufferevent_enable(ks_W.coord, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(ks_W.coord, (struct sockaddr *) &sa, salen) < 0) {
        struct timeval tv = { 0, 100000 };
        bufferevent_free(ks_W.coord);
        ks_W.coord = NULL;
        evtimer_add(ks_W.coord_retry, &tv);
    }
}

/* ---------- connections from the master ---------- */

static void
on_chan(evutil_socket_t fd, short what, void *arg)
{
    (void) what;
    (void) arg;
    for (int i = 0; i < 64; i++) {
        ks_chan_conn_msg_t msg;
        size_t len = 0;
        int cfd = -1;
        int rc = ks_chan_recv_fd(fd, &cfd, &msg, sizeof(msg), &len);

        if (rc == KS_AGAIN)
            return;
        if (rc == KS_ERROR) {
            /* The master closed our channel: it is stopping or gone. */
            event_del(ks_W.chan_ev);
            return;
        }
        if (cfd < 0)
            continue;
        if (len < sizeof(msg))
            msg.listener = msg.reserved = 0;
        if (ks_W.stopping) {
            close(cfd);
            atomic_fetch_sub(&ks_W.in->shm->procs[ks_W.in->slot].conns, 1);
            continue;
        }
        /* reserved: the master's key of the client address */
        ks_conn_accept(cfd, msg.listener, msg.reserved);
    }
}

/* ---------- wake-ups from the flusher ---------- */

static void
on_notify(evutil_socket_t fd, short what, void *arg)
{
    (void) what;
    (void) arg;
    ks_notify_drain(fd);
    ks_produce_wakeup();
    ks_fetch_wakeup();
}

static int
open_objstore(void)
{
    const ks_conf_t *conf = ks_W.in->conf;
    ks_os_config_t oc;
    char err[512];

    ks_os_config_from_conf(&oc, conf);
    oc.concurrency = (int) KS_MIN(conf->s3_concurrency, 16);
    ks_W.os = ks_objstore_open(ks_W.base, &oc, err, sizeof(err));
    if (ks_W.os == NULL) {
        ks_log_error("could not open the %s object store: %s", oc.backend, err);
        return KS_ERROR;
    }
    return KS_OK;
}

/* ---------- loop ---------- */

static int64_t stop_deadline_ms;

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    int64_t now = ks_now_ms();

    (void) fd;
    (void) what;
    (void) arg;
    atomic_store(&ks_W.in->shm->procs[ks_W.in->slot].heartbeat_ms, (uint64_t) now);
    ks_conn_idle_sweep(now, ks_W.in->conf->connections_max_idle_ms);
    forward_expire(ks_mono_us());
    if (ks_W.stopping) {
        if (ks_W.conns == NULL || now >= stop_deadline_ms) {
            while (ks_W.conns != NULL)
                ks_conn_close(ks_W.conns, NULL);
            event_base_loopbreak(ks_W.base);
        }
    }
}

static void
on_stop(void *arg)
{
    struct timeval tv = { 0, 0 };

    (void) arg;
    if (ks_W.stopping)
        return;
    ks_W.stopping = true;
    stop_deadline_ms = ks_now_ms() + STOP_GRACE_MS;
    event_del(ks_W.chan_ev);
    /* Connections without a request in flight close now, the rest when
     * their answers went out (or at the deadline). */
    event_active(ks_W.tick, EV_TIMEOUT, 0);
    (void) tv;
}

int
ks_worker_main(ks_inherit_t *in)
{
    struct timeval tick = { 0, 200000 };

    memset(&ks_W, 0, sizeof(ks_W));
    ks_W.in = in;
    if (ks_child_setup(in, "worker", in->index) != KS_OK)
        return 1;
    ks_W.base = event_base_new();
    if (ks_W.base == NULL) {
        ks_log_error("could not create the event loop");
        return 1;
    }
    if (ks_child_events(in, ks_W.base, on_stop, NULL) != KS_OK)
        return 1;
    ks_set_nonblock(in->chan_fd);
    ks_W.chan_ev = event_new(ks_W.base, in->chan_fd, EV_READ | EV_PERSIST, on_chan, NULL);
    event_add(ks_W.chan_ev, NULL);
    ks_W.ring = in->shm->ring;
    if (open_objstore() != KS_OK)
        return KS_EXIT_FATAL;
    {
        char name[32];
        snprintf(name, sizeof(name), "worker.%d", in->index);
        ks_W.notify_fd = ks_notify_bind(in->master_pid, name);
        if (ks_W.notify_fd < 0) {
            ks_log_error("could not bind the wake-up socket %s: %s", name, strerror(errno));
            return 1;
        }
        ks_W.notify_ev = event_new(ks_W.base, ks_W.notify_fd, EV_READ | EV_PERSIST, on_notify, NULL);
        event_add(ks_W.notify_ev, NULL);
    }
    ks_W.coord_retry = evtimer_new(ks_W.base, coord_retry_cb, NULL);
    ks_W.tick = event_new(ks_W.base, -1, EV_PERSIST, on_tick, NULL);
    event_add(ks_W.tick, &tick);
    coord_connect();
    atomic_store(&in->shm->procs[in->slot].state, KS_SLOT_RUNNING);
    ks_log_debug("worker %d ready", in->index);

    event_base_dispatch(ks_W.base);

    atomic_store(&in->shm->procs[in->slot].state, KS_SLOT_STOPPING);
    if (ks_W.coord != NULL)
        bufferevent_free(ks_W.coord);
    event_free(ks_W.chan_ev);
    event_free(ks_W.coord_retry);
    event_free(ks_W.tick);
    event_free(ks_W.notify_ev);
    close(ks_W.notify_fd);
    ks_fetch_shutdown();
    ks_objstore_close(ks_W.os);
    ks_mvcache_free(&ks_W.mvc);
    free(ks_W.pending);
    event_base_free(ks_W.base);
    close(in->chan_fd);
    return 0;
}
