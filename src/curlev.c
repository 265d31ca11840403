/*
 * curlev.c: curl multi on libevent (see curlev.h).  Runs in: the process
 * that owns the loop (coordinator for etcd; flusher, workers, master and
 * coordinator for s3).
 *
 * curl tells which sockets to watch (CURLMOPT_SOCKETFUNCTION: one
 * persistent event per socket, kept in a list so that the multi can be
 * freed with them) and when to call it back (CURLMOPT_TIMERFUNCTION: one
 * timer).  Each event runs curl_multi_socket_action() and then reports the
 * transfers curl_multi_info_read() says are done.
 */
#include "config.h"

#include <stdlib.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "curlev.h"

typedef struct ks_curlev_xfer {
    struct ks_curlev_xfer *prev, *next;
    CURL *easy;
    ks_curlev_done_cb cb;
    void *arg;
} ks_curlev_xfer_t;

typedef struct ks_curlev_sock {
    struct event ev;
    ks_curlev_t *cev;
    struct ks_curlev_sock *prev, *next;
} ks_curlev_sock_t;

struct ks_curlev {
    struct event_base *base;
    CURLM *multi;
    struct event *timer_ev;
    ks_curlev_sock_t *socks;
    ks_curlev_xfer_t *xfers;        /* added and not ended */
    ks_curlev_after_cb after;
    void *arg;
    int depth;                      /* rounds of curl work on the stack */
    bool dead;                      /* freed inside a round: free after it */
};

/* Takes x's handle out of the multi and forgets x. */
static void
ks_curlev_take(ks_curlev_t *cev, ks_curlev_xfer_t *x)
{
    curl_multi_remove_handle(cev->multi, x->easy);
    curl_easy_setopt(x->easy, CURLOPT_PRIVATE, NULL);
    if (x->prev != NULL)
        x->prev->next = x->next;
    else
        cev->xfers = x->next;
    if (x->next != NULL)
        x->next->prev = x->prev;
    free(x);
}

static void
ks_curlev_destroy(ks_curlev_t *cev)
{
    while (cev->xfers != NULL)
        ks_curlev_take(cev, cev->xfers);
    curl_multi_cleanup(cev->multi);
    while (cev->socks != NULL) {
        ks_curlev_sock_t *se = cev->socks;

        cev->socks = se->next;
        event_del(&se->ev);
        free(se);
    }
    event_free(cev->timer_ev);
    free(cev);
}

/* One round of curl work: the action, then every finished transfer. */
static void
ks_curlev_action(ks_curlev_t *cev, curl_socket_t fd, int action)
{
    CURLMsg *msg;
    int running, left;

    cev->depth++;
    curl_multi_socket_action(cev->multi, fd, action, &running);
    while (!cev->dead && (msg = curl_multi_info_read(cev->multi, &left)) != NULL) {
        CURL *easy = msg->easy_handle;
        CURLcode cc = msg->data.result;
        char *priv = NULL;
        ks_curlev_xfer_t *x;
        ks_curlev_done_cb cb;
        void *arg;

        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
        x = (ks_curlev_xfer_t *) priv;
        if (x == NULL) {            /* not added through us */
            curl_multi_remove_handle(cev->multi, easy);
            continue;
        }
        /* msg lives in the handle: everything is read before the callback */
        cb = x->cb;
        arg = x->arg;
        ks_curlev_take(cev, x);
        cb(arg, easy, cc);
    }
    if (!cev->dead && cev->after != NULL)
        cev->after(cev->arg);
    if (--cev->depth == 0 && cev->dead)
        ks_curlev_destroy(cev);
}

static void
ks_curlev_sock_cb(evutil_socket_t fd, short what, void *arg)
{
    ks_curlev_sock_t *se = arg;
    int action = 0;

    if (what & EV_READ)
        action |= CURL_CSELECT_IN;
    if (what & EV_WRITE)
        action |= CURL_CSELECT_OUT;
    /* se may be freed inside (CURL_POLL_REMOVE): not used after this */
    ks_curlev_action(se->cev, fd, action);
}

static int
ks_curlev_socket_fn(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    ks_curlev_t *cev = userp;
    ks_curlev_sock_t *se = socketp;
    short kind = EV_PERSIST;

    (void) easy;
    if (what == CURL_POLL_REMOVE) {
        if (se != NULL) {
            event_del(&se->ev);
            if (se->prev != NULL)
                se->prev->next = se->next;
            else
                cev->socks = se->next;
            if (se->next != NULL)
                se->next->prev = se->prev;
            free(se);
            curl_multi_assign(cev->multi, s, NULL);
        }
        return 0;
    }
    if (se == NULL) {
        se = calloc(1, sizeof(*se));
        if (se == NULL)
            return -1;
        se->cev = cev;
        se->next = cev->socks;
        if (cev->socks != NULL)
            cev->socks->prev = se;
        cev->socks = se;
        curl_multi_assign(cev->multi, s, se);
    } else {
        event_del(&se->ev);
    }
    if (what & CURL_POLL_IN)
        kind |= EV_READ;
    if (what & CURL_POLL_OUT)
        kind |= EV_WRITE;
    event_assign(&se->ev, cev->base, s, kind, ks_curlev_sock_cb, se);
    event_add(&se->ev, NULL);
    return 0;
}

static void
ks_curlev_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    ks_curlev_action(arg, CURL_SOCKET_TIMEOUT, 0);
}

static int
ks_curlev_timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
    ks_curlev_t *cev = userp;

    (void) multi;
    if (timeout_ms < 0) {
        evtimer_del(cev->timer_ev);
    } else {
        struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };

        evtimer_add(cev->timer_ev, &tv);
    }
    return 0;
}

ks_curlev_t *
ks_curlev_new(struct event_base *base, ks_curlev_after_cb after, void *arg)
{
    ks_curlev_t *cev = calloc(1, sizeof(*cev));

    if (cev == NULL)
        return NULL;
    cev->base = base;
    cev->after = after;
    cev->arg = arg;
    cev->multi = curl_multi_init();
    cev->timer_ev = evtimer_new(base, ks_curlev_timer_cb, cev);
    if (cev->multi == NULL || cev->timer_ev == NULL) {
        if (cev->multi != NULL)
            curl_multi_cleanup(cev->multi);
        if (cev->timer_ev != NULL)
            event_free(cev->timer_ev);
        free(cev);
        return NULL;
    }
    curl_multi_setopt(cev->multi, CURLMOPT_SOCKETFUNCTION, ks_curlev_socket_fn);
    curl_multi_setopt(cev->multi, CURLMOPT_SOCKETDATA, cev);
    curl_multi_setopt(cev->multi, CURLMOPT_TIMERFUNCTION, ks_curlev_timer_fn);
    curl_multi_setopt(cev->multi, CURLMOPT_TIMERDATA, cev);
    return cev;
}

CURLM *
ks_curlev_multi(ks_curlev_t *cev)
{
    return cev->multi;
}

int
ks_curlev_add(ks_curlev_t *cev, CURL *easy, ks_curlev_done_cb cb, void *arg)
{
    ks_curlev_xfer_t *x;

    if (cev->dead || (x = calloc(1, sizeof(*x))) == NULL)
        return KS_ERROR;
    x->easy = easy;
    x->cb = cb;
    x->arg = arg;
    curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *) x);
    if (curl_multi_add_handle(cev->multi, easy) != CURLM_OK) {
        curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
        free(x);
        return KS_ERROR;
    }
    x->next = cev->xfers;
    if (cev->xfers != NULL)
        cev->xfers->prev = x;
    cev->xfers = x;
    return KS_OK;
}

void
ks_curlev_remove(ks_curlev_t *cev, CURL *easy)
{
    char *priv = NULL;

    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    if (priv != NULL)
        ks_curlev_take(cev, (ks_curlev_xfer_t *) priv);
}

void
ks_curlev_free(ks_curlev_t *cev)
{
    if (cev == NULL)
        return;
    /* the handles leave now, so their owner may clean them up at once */
    while (cev->xfers != NULL)
        ks_curlev_take(cev, cev->xfers);
    if (cev->depth > 0)
        cev->dead = true;
    else
        ks_curlev_destroy(cev);
}
