/*
 * rpclink.c: the link to the coordinator.  Runs in: workers, flusher.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "log.h"
#include "rpclink.h"

#define RETRY_US 100000

struct ks_rpclink {
    struct event_base *base;
    int master_pid;
    ks_rpclink_ops_t ops;
    void *arg;
    struct bufferevent *bev;
    struct event *retry;
    bool up;
};

static void link_connect(ks_rpclink_t *l);

static void
link_drop(ks_rpclink_t *l, const char *why)
{
    bool was_up = l->up;
    struct timeval tv = { 0, RETRY_US };

    if (was_up && why != NULL)
        ks_log_warn("lost the link to the coordinator (%s), reconnecting", why);
    if (l->bev != NULL)
        bufferevent_free(l->bev);
    l->bev = NULL;
    l->up = false;
    if (was_up && l->ops.on_down != NULL)
        l->ops.on_down(l->arg);
    evtimer_add(l->retry, &tv);
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
    ks_rpclink_t *l = arg;
    struct evbuffer *in = bufferevent_get_input(bev);

    for (;;) {
        ks_rpc_hdr_t h;
        uint8_t *payload;

        if (evbuffer_get_length(in) < sizeof(h))
            return;
        evbuffer_copyout(in, &h, sizeof(h));
        if (h.len > KS_RPC_MAX_PAYLOAD) {
            ks_log_error("bad frame from the coordinator (%u bytes)", h.len);
            link_drop(l, "bad frame");
            return;
        }
        if (evbuffer_get_length(in) < sizeof(h) + h.len)
            return;
        evbuffer_drain(in, sizeof(h));
        payload = malloc(h.len ? h.len : 1);
        if (payload == NULL) {
            link_drop(l, "out of memory");
            return;
        }
        evbuffer_remove(in, payload, h.len);
        l->ops.on_frame(l->arg, &h, payload);
        if (l->bev != bev)
            return;              /* the callback dropped the link */
    }
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
    ks_rpclink_t *l = arg;

    (void) bev;
    if (what & BEV_EVENT_CONNECTED) {
        ks_rpc_hdr_t h = { 0, 0, KS_RPC_HELLO, 0, l->ops.hello_aux };
        l->up = true;
        bufferevent_write(l->bev, &h, sizeof(h));
        ks_log_debug("connected to the coordinator");
        if (l->ops.on_up != NULL)
            l->ops.on_up(l->arg);
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        link_drop(l, what & BEV_EVENT_EOF ? "closed" : "error");
}

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    link_connect(arg);
}

static void
link_connect(ks_rpclink_t *l)
{
    struct sockaddr_un sa;
    int salen = ks_rpc_coord_addr(&sa, l->master_pid);
    struct timeval tv = { 0, RETRY_US };

    l->bev = bufferevent_socket_new(l->base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (l->bev == NULL) {
        evtimer_add(l->retry, &tv);
        return;
    }
    bufferevent_setcb(l->bev, read_cb, NULL, event_cb, l);
    bufferevent_enable(l->bev, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(l->bev, (struct sockaddr *) &sa, salen) < 0) {
        /* The coordinator is not listening yet (starting or restarting). */
        bufferevent_free(l->bev);
        l->bev = NULL;
        evtimer_add(l->retry, &tv);
    }
}

ks_rpclink_t *
ks_rpclink_new(struct event_base *base, int master_pid, const ks_rpclink_ops_t *ops, void *arg)
{
    ks_rpclink_t *l = calloc(1, sizeof(*l));

    if (l == NULL)
        return NULL;
    l->base = base;
    l->master_pid = master_pid;
    l->ops = *ops;
    l->arg = arg;
    l->retry = evtimer_new(base, retry_cb, l);
    link_connect(l);
    return l;
}

bool
ks_rpclink_up(const ks_rpclink_t *l)
{
    return l != NULL && l->up && l->bev != NULL;
}

int
ks_rpclink_send(ks_rpclink_t *l, uint32_t id, uint16_t kind, uint32_t aux,
                const void *p1, size_t len1, const void *p2, size_t len2)
{
    ks_rpc_hdr_t h;

    if (!ks_rpclink_up(l))
        return KS_ERROR;
    memset(&h, 0, sizeof(h));
    h.len = (uint32_t) (len1 + len2);
    h.id = id;
    h.kind = kind;
    h.aux = aux;
    bufferevent_write(l->bev, &h, sizeof(h));
    if (len1 > 0)
        bufferevent_write(l->bev, p1, len1);
    if (len2 > 0)
        bufferevent_write(l->bev, p2, len2);
    return KS_OK;
}

void
ks_rpclink_free(ks_rpclink_t *l)
{
    if (l == NULL)
        return;
    if (l->bev != NULL)
        bufferevent_free(l->bev);
    event_free(l->retry);
    free(l);
}
