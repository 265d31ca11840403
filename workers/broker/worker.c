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
#include "rpclink.h"
#include "objstore/objstore.h"
#include "shm/ring.h"
#include "tls.h"
#include "util.h"

ks_worker_t ks_W;

#define STOP_GRACE_MS 5000


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
    uint8_t who[KS_FWD_TRAILER_MAX];
    size_t wl = ks_authz_trailer(req, who, sizeof(who));

    req->forward_sent = ks_rpclink_send(ks_W.coord, req->rpc_id, KS_RPC_KAFKA,
                                        req->conn != NULL ? req->conn->listener : 0,
                                        req->frame, req->frame_len, who, wl) == KS_OK;
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
    if (ks_rpclink_up(ks_W.coord))
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

/* A reply from the coordinator: the response of a forwarded request. */
static void
coord_frame(void *arg, const ks_rpc_hdr_t *h, uint8_t *payload)
{
    ks_req_t *req = pending_take(h->id);

    (void) arg;
    if (req == NULL) {
        free(payload);           /* its client went away */
        return;
    }
    if (h->kind == KS_RPC_KAFKA_REPLY && h->len > 0) {
        req->out = payload;
        req->out_len = h->len;
    } else {
        free(payload);
        req->close_after = true;
    }
    ks_req_complete(req);
}

/* The coordinator went away: every request it held is lost; close those
 * client connections so the clients retry.  Requests not sent yet wait for
 * the next link. */
static void
coord_lost(void *arg)
{
    (void) arg;
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
coord_up(void *arg)
{
    (void) arg;
    forward_flush_unsent();
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

/* SIGHUP, after the configuration was reloaded: new TLS connections get
 * the certificate, key and CAs read again now. */
static void
on_reload(void *arg)
{
    (void) arg;
    ks_tls_reload(ks_W.in->conf);
}

int
ks_worker_main(ks_inherit_t *in)
{
    struct timeval tick = { 0, 200000 };

    memset(&ks_W, 0, sizeof(ks_W));
    ks_W.in = in;
    {
        ks_listener_t ls[KS_CONF_MAX_LISTENERS];
        int n = ks_conf_parse_listeners(in->conf->listeners, ls, KS_CONF_MAX_LISTENERS, NULL, 0);
        for (int i = 0; i < n; i++) {
            ks_W.listener_security[i] = ks_conf_listener_security(in->conf, ls[i].name);
            _Static_assert(sizeof(ks_W.listener_name[i]) == sizeof(ls[i].name), "listener name size");
            memcpy(ks_W.listener_name[i], ls[i].name, sizeof(ls[i].name));
        }
    }
    if (ks_child_setup(in, "worker", in->index) != KS_OK)
        return 1;
    if (ks_tls_needed(in->conf)) {
        /* Forked with the master's context: the last certificate that
         * loaded, even if the files are broken now. */
        if (!ks_tls_ready()) {
            ks_log_error("no TLS context inherited from the master");
            return KS_EXIT_FATAL;
        }
        ks_child_on_reload(on_reload, NULL);
    }
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

    ks_W.tick = event_new(ks_W.base, -1, EV_PERSIST, on_tick, NULL);
    event_add(ks_W.tick, &tick);
    {
        ks_rpclink_ops_t ops = { (uint32_t) in->index, coord_up, coord_lost, coord_frame };
        ks_W.coord = ks_rpclink_new(ks_W.base, in->master_pid, &ops, NULL);
    }
    atomic_store(&in->shm->procs[in->slot].state, KS_SLOT_RUNNING);
    ks_log_debug("worker %d ready", in->index);

    event_base_dispatch(ks_W.base);

    atomic_store(&in->shm->procs[in->slot].state, KS_SLOT_STOPPING);
    ks_rpclink_free(ks_W.coord);
    event_free(ks_W.chan_ev);
    event_free(ks_W.tick);
    event_free(ks_W.notify_ev);
    close(ks_W.notify_fd);
    ks_fetch_shutdown();
    ks_objstore_close(ks_W.os);
    ks_mvcache_free(&ks_W.mvc);
    ks_tls_shutdown();
    free(ks_W.pending);
    event_base_free(ks_W.base);
    close(in->chan_fd);
    return 0;
}
