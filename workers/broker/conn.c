/*
 * conn.c: client connections: framing, in-order responses, back-pressure,
 * idle timeout, slow clients.  Runs in: worker.
 *
 * Limits per connection: max.inflight.requests.per.connection requests
 * being handled and max.buffered.bytes.per.connection response bytes not
 * yet taken by the client (reading stops beyond either); a request frame
 * must arrive whole within request.timeout.ms of its first byte, and a
 * response the client does not read must make progress within
 * request.timeout.ms (slowloris), else the connection is closed.
 *
 * On SSL and SASL_SSL listeners the connection is a TLS bufferevent
 * (tls.c): the handshake runs first and must complete within
 * request.timeout.ms; the callbacks below see decrypted bytes.
 *
 * The master counts connections per client address (max.connections.per.ip);
 * each connection arrives with the master's key for its address, and the
 * worker hands the key back over the channel when the connection closes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "broker.h"
#include "log.h"
#include "stats.h"
#include "tls.h"
#include "util.h"

#define MAX_INFLIGHT      ((int) ks_W.in->conf->max_inflight_requests_per_connection)
#define OUT_HIGH_WATER    ((size_t) ks_W.in->conf->max_buffered_bytes_per_connection)
#define REQ_ARENA_LIMIT   (256u << 20)
#define CLOSED_BATCH      1024                /* keys per message to the master */

static void conn_read_cb(struct bufferevent *bev, void *arg);
static void conn_write_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);

/* Address keys of closed connections the master has not been told about
 * yet (its channel was full). */
static struct {
    uint32_t *keys;
    size_t n, cap;
} closed;

/* Tells the master which per-address counts to decrement: one SEQPACKET
 * message of up to CLOSED_BATCH keys.  Never blocks; what does not fit
 * waits for the next tick. */
static void
closed_flush(void)
{
    size_t sent = 0;

    while (sent < closed.n) {
        size_t k = KS_MIN(closed.n - sent, (size_t) CLOSED_BATCH);
        ssize_t w = send(ks_W.in->chan_fd, closed.keys + sent, k * sizeof(uint32_t),
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
                break;
            /* the master is gone: nobody to tell */
            closed.n = sent = 0;
            break;
        }
        sent += k;
    }
    if (sent > 0) {
        memmove(closed.keys, closed.keys + sent, (closed.n - sent) * sizeof(uint32_t));
        closed.n -= sent;
    }
}

static void
closed_add(uint32_t key)
{
    if (key == 0)
        return;
    if (closed.n == closed.cap) {
        size_t cap = closed.cap ? closed.cap * 2 : 256;
        uint32_t *k = realloc(closed.keys, cap * sizeof(uint32_t));
        if (k == NULL) {
            ks_log_error("out of memory queueing a closed connection for the master");
            return;
        }
        closed.keys = k;
        closed.cap = cap;
    }
    closed.keys[closed.n++] = key;
    if (closed.n == 1)
        closed_flush();
}

static void
peer_name(int fd, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char host[INET6_ADDRSTRLEN];

    if (getpeername(fd, (struct sockaddr *) &ss, &sl) < 0) {
        snprintf(buf, len, "unknown");
        return;
    }
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *) &ss;
        inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
        snprintf(buf, len, "%s:%d", host, ntohs(s4->sin_port));
    } else if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) &ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
        snprintf(buf, len, "[%s]:%d", host, ntohs(s6->sin6_port));
    } else {
        snprintf(buf, len, "local");
    }
}

void
ks_conn_accept(int fd, uint32_t listener, uint32_t addr_key)
{
    ks_conn_t *c = calloc(1, sizeof(*c));
    int one = 1;
    int64_t tmo = ks_W.in->conf->request_timeout_ms;
    struct timeval wtv = { (time_t) (tmo / 1000), (suseconds_t) ((tmo % 1000) * 1000) };

    if (c == NULL) {
        close(fd);
        atomic_fetch_sub(&ks_W.in->shm->procs[ks_W.in->slot].conns, 1);
        closed_add(addr_key);
        return;
    }
    ks_set_nonblock(fd);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->fd = fd;
    c->listener = listener;
    c->security = listener < KS_CONF_MAX_LISTENERS ? ks_W.listener_security[listener] : KS_SEC_PLAINTEXT;
    c->authenticated = c->security == KS_SEC_PLAINTEXT || c->security == KS_SEC_SSL;
    snprintf(c->principal, sizeof(c->principal), "User:ANONYMOUS");
    c->addr_key = addr_key;
    c->last_active_ms = c->accepted_ms = ks_now_ms();
    peer_name(fd, c->peer, sizeof(c->peer));
    if (c->security == KS_SEC_SSL || c->security == KS_SEC_SASL_SSL) {
        c->tls_handshaking = true;
        c->bev = ks_tls_accept(ks_W.base, fd, c->security == KS_SEC_SSL);        /* closes fd on failure */
        if (c->bev == NULL)
            ks_log_error("could not start tls with %s, closing the connection", c->peer);
    } else {
        c->bev = bufferevent_socket_new(ks_W.base, fd, BEV_OPT_CLOSE_ON_FREE);
        if (c->bev == NULL)
            close(fd);
    }
    if (c->bev == NULL) {
        free(c);
        atomic_fetch_sub(&ks_W.in->shm->procs[ks_W.in->slot].conns, 1);
        closed_add(addr_key);
        return;
    }
    bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
    /* A response the client does not read: the write event, pending while
     * output waits, times out when the socket stays unwritable this long. */
    bufferevent_set_timeouts(c->bev, NULL, &wtv);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    c->next = ks_W.conns;
    if (ks_W.conns != NULL)
        ks_W.conns->prev = c;
    ks_W.conns = c;
    ks_W.nconns++;
    ks_log_debug("accepted connection from %s", c->peer);
}

static void
req_free(ks_req_t *req)
{
    if (req->rpc_id != 0)
        ks_forget_request(req);
    ks_arena_free(&req->arena);
    free(req->frame);
    free(req->out);
    free(req);
}

void
ks_conn_close(ks_conn_t *c, const char *why)
{
    ks_req_t *r, *next;

    if (c->dead)
        return;
    c->dead = true;
    if (why != NULL)
        ks_log_info("closing connection from %s: %s", c->peer, why);
    for (r = c->head; r != NULL; r = next) {
        next = r->next;
        if (r->done || (r->rpc_id == 0 && !r->parked)) {
            req_free(r);
        } else {
            /* A forwarded or parked request is still referenced: orphan
             * it; it is freed when it completes. */
            r->conn = NULL;
            r->next = NULL;
        }
    }
    ks_sasl_conn_free(c);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        ks_W.conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    ks_W.nconns--;
    if ((c->security == KS_SEC_SSL || c->security == KS_SEC_SASL_SSL) && !c->tls_handshaking)
        ks_tls_close_notify(c->bev);
    bufferevent_free(c->bev);
    c->bev = NULL;
    c->head = c->tail = NULL;
    atomic_fetch_sub(&ks_W.in->shm->procs[ks_W.in->slot].conns, 1);
    closed_add(c->addr_key);
    if (c->busy == 0)
        free(c);
}

static void
conn_maybe_resume(ks_conn_t *c)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);

    if (c->read_paused && c->inflight < MAX_INFLIGHT / 2 &&
        evbuffer_get_length(out) < OUT_HIGH_WATER / 2 && !c->closing) {
        c->read_paused = false;
        bufferevent_enable(c->bev, EV_READ);
        /* Frames already buffered: handle them from the loop, not from
         * inside whoever completed a request. */
        bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
    }
}

static void
out_free_cb(const void *data, size_t len, void *arg)
{
    (void) len;
    (void) arg;
    free((void *) data);
}

/* Sends every finished response at the head of the queue. Returns false
 * when the connection was closed. */
static bool
conn_flush(ks_conn_t *c)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);

    while (c->head != NULL && c->head->done) {
        ks_req_t *r = c->head;

        if (r->close_after) {
            ks_conn_close(c, NULL);
            return false;
        }
        if (!r->no_response && r->out != NULL) {
            uint8_t size[4];
            ks_put_be32(size, (uint32_t) r->out_len);
            evbuffer_add(out, size, 4);
            /* The response buffer is handed over, not copied (an empty
             * SASL token is just its size). */
            if (r->out_len > 0 && evbuffer_add_reference(out, r->out, r->out_len, out_free_cb, NULL) == 0)
                r->out = NULL;
            atomic_fetch_add(&ks_W.in->shm->procs[ks_W.in->slot].bytes_out, r->out_len + 4);
        }
        c->head = r->next;
        if (c->head == NULL)
            c->tail = NULL;
        c->inflight--;
        req_free(r);
    }
    c->last_active_ms = ks_now_ms();
    if (c->closing && c->head == NULL && evbuffer_get_length(out) == 0) {
        ks_conn_close(c, NULL);
        return false;
    }
    return true;
}

/* Whether the response ks_req_respond_version is completing carries an
 * error code (-1: not known, the request is completed otherwise). */
static int respond_error = -1;

/* Per-API counters in the worker's stats slot: one per request, counted
 * when it completes.  An error is a response with a non-zero error code
 * (forwarded responses are decoded for that), a connection closed instead
 * of answering, or a client gone before its answer. */
static void
req_count(ks_req_t *req)
{
    ks_stats_proc_t *sp = ks_stats_proc(ks_W.in->shm->stats, ks_W.in->slot);
    int key = req->hdr.request_api_key;
    bool err;

    if (sp == NULL || ks_api_desc(key) == NULL)
        return;
    if (req->close_after || req->conn == NULL)
        err = true;
    else if (respond_error >= 0)
        err = respond_error > 0;
    else if (req->out != NULL)
        err = ks_stats_frame_has_error(key, req->hdr.request_api_version, req->out, req->out_len,
                                       &req->arena);
    else
        err = false;
    ks_stats_request(sp, key, err, (uint64_t) (ks_mono_us() - req->started_us));
}

void
ks_req_complete(ks_req_t *req)
{
    ks_conn_t *c = req->conn;

    req_count(req);
    respond_error = -1;
    req->done = true;
    if (c == NULL) {
        req_free(req);
        return;
    }
    if (c->head == req) {
        c->busy++;
        if (conn_flush(c))
            conn_maybe_resume(c);
        c->busy--;
        if (c->dead && c->busy == 0)
            free(c);
    }
}

void
ks_req_respond_version(ks_req_t *req, int version, const void *resp)
{
    ks_writer_t w;

    ks_writer_init(&w, 256);
    ks_encode_response_header(&w, req->hdr.request_api_key, version, req->hdr.correlation_id);
    if (ks_encode_response(req->hdr.request_api_key, version, &w, resp) != KS_OK || w.err) {
        ks_log_error("could not encode the %s v%d response for %s",
                     ks_api_desc(req->hdr.request_api_key)->name, version,
                     req->conn ? req->conn->peer : "a closed connection");
        ks_writer_free(&w);
        req->close_after = true;
        ks_req_complete(req);
        return;
    }
    req->out = ks_writer_steal(&w, &req->out_len);
    respond_error = ks_stats_resp_has_error(req->hdr.request_api_key, version, resp);
    ks_req_complete(req);
}

void
ks_req_respond(ks_req_t *req, const void *resp)
{
    ks_req_respond_version(req, req->hdr.request_api_version, resp);
}

void
ks_req_fail_close(ks_req_t *req, const char *why)
{
    if (req->conn != NULL && why != NULL)
        ks_log_warn("closing connection from %s: %s", req->conn->peer, why);
    req->close_after = true;
    ks_req_complete(req);
}

/* Pulls every complete frame out of the input buffer. */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
    ks_conn_t *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    int64_t max_frame = ks_W.in->conf->socket_request_max_bytes;

    int64_t now = ks_now_ms();
    bool took = false;

    c->last_active_ms = now;
    c->busy++;
    while (!c->dead && !c->closing && !c->read_paused) {
        size_t avail = evbuffer_get_length(in);
        uint8_t szb[4];
        int32_t size;
        ks_req_t *req;

        if (avail < 4)
            break;
        evbuffer_copyout(in, szb, 4);
        size = (int32_t) ks_be32(szb);
        if (c->sasl_raw) {
            /* after a SaslHandshake v0: a raw SASL token (auth.c) */
            if (size < 1 || size > KS_SASL_RAW_TOKEN_MAX) {
                ks_log_warn("closing connection from %s: invalid SASL token size %d", c->peer, size);
                ks_conn_close(c, NULL);
                break;
            }
        } else if (size < 8 || (int64_t) size > max_frame) {
            /* Kafka closes the connection on an invalid frame size. */
            ks_log_warn("closing connection from %s: invalid request size %d (limit %lld)",
                        c->peer, size, (long long) max_frame);
            ks_conn_close(c, NULL);
            break;
        }
        if (avail < 4 + (size_t) size) {
            /* Let the socket read the rest of a big frame in one go. */
            bufferevent_setwatermark(bev, EV_READ, 4 + (size_t) size, 0);
            break;
        }
        bufferevent_setwatermark(bev, EV_READ, 0, 0);
        took = true;
        req = calloc(1, sizeof(*req));
        if (req == NULL || (req->frame = malloc((size_t) size)) == NULL) {
            free(req);
            ks_log_error("out of memory reading a request from %s", c->peer);
            ks_conn_close(c, NULL);
            break;
        }
        evbuffer_drain(in, 4);
        evbuffer_remove(in, req->frame, (size_t) size);
        atomic_fetch_add(&ks_W.in->shm->procs[ks_W.in->slot].bytes_in, (uint64_t) size + 4);
        req->frame_len = (size_t) size;
        req->conn = c;
        req->started_us = ks_mono_us();
        ks_arena_init(&req->arena, REQ_ARENA_LIMIT);
        if (c->tail != NULL)
            c->tail->next = req;
        else
            c->head = req;
        c->tail = req;
        c->inflight++;
        ks_reader_init(&req->body, req->frame, req->frame_len);
        if (c->sasl_raw) {
            req->hdr.request_api_key = -1;      /* not counted as a Kafka request */
            ks_sasl_raw_token(req);
            if (c->dead)
                break;
            continue;
        }
        if (ks_decode_request_header(&req->body, &req->hdr) != KS_OK) {
            ks_req_fail_close(req, "malformed request header");
            break;
        }
        atomic_fetch_add(&ks_W.in->shm->procs[ks_W.in->slot].requests, 1);
        ks_dispatch(req);
        /* the request may be answered and freed, the connection closed */
        if (c->dead)
            break;
        if (c->inflight >= MAX_INFLIGHT ||
            evbuffer_get_length(bufferevent_get_output(bev)) >= OUT_HIGH_WATER) {
            c->read_paused = true;
            bufferevent_disable(bev, EV_READ);
        }
    }
    /* The clock of the partial frame at the head of the input: it started
     * now if a whole frame was just taken off before it. */
    if (!c->dead) {
        if (evbuffer_get_length(in) == 0)
            c->frame_start_ms = 0;
        else if (took || c->frame_start_ms == 0)
            c->frame_start_ms = now;
    }
    c->busy--;
    if (c->dead && c->busy == 0)
        free(c);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
    ks_conn_t *c = arg;

    (void) bev;
    if (c->closing && c->head == NULL) {
        ks_conn_close(c, NULL);
        return;
    }
    conn_maybe_resume(c);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
    ks_conn_t *c = arg;

    (void) bev;
    if (what & BEV_EVENT_CONNECTED) {
        char desc[128];

        c->tls_handshaking = false;
        c->last_active_ms = ks_now_ms();
        if (ks_tls_established(c->bev, c->security == KS_SEC_SSL ? c->principal : NULL,
                               c->security == KS_SEC_SSL ? sizeof(c->principal) : 0, desc,
                               sizeof(desc)) != KS_OK) {
            ks_log_warn("closing connection from %s: the subject of its client certificate does not "
                        "fit in a principal (%zu bytes at most)", c->peer, sizeof(c->principal) - 6);
            ks_conn_close(c, NULL);
            return;
        }
        ks_log_debug("tls handshake with %s done (%s), principal %s", c->peer, desc, c->principal);
        return;
    }
    if (c->tls_handshaking) {
        /* One line for a failed handshake, with OpenSSL's reason. */
        char why[512];

        if ((what & BEV_EVENT_TIMEOUT) != 0)
            snprintf(why, sizeof(why), "timed out");
        else
            ks_tls_error(c->bev, why, sizeof(why));
        if (why[0] == 0 && (what & BEV_EVENT_EOF) != 0) {
            ks_log_debug("connection from %s closed by the client during the tls handshake", c->peer);
        } else {
            if (why[0] == 0)
                snprintf(why, sizeof(why), "%s", errno != 0 ? strerror(errno) : "connection lost");
            ks_log_warn("tls handshake with %s failed: %s", c->peer, why);
        }
        ks_conn_close(c, NULL);
        return;
    }
    if (what & BEV_EVENT_EOF) {
        ks_log_debug("connection from %s closed by the client", c->peer);
        ks_conn_close(c, NULL);
    } else if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_WRITING)) {
        ks_log_warn("closing connection from %s: %zu response bytes not read for request.timeout.ms",
                    c->peer, evbuffer_get_length(bufferevent_get_output(c->bev)));
        ks_conn_close(c, NULL);
    } else if (what & BEV_EVENT_ERROR) {
        char why[512] = "";

        if (c->security == KS_SEC_SSL || c->security == KS_SEC_SASL_SSL)
            ks_tls_error(c->bev, why, sizeof(why));
        ks_log_debug("connection from %s failed: %s", c->peer, why[0] ? why : strerror(errno));
        ks_conn_close(c, NULL);
    }
}

void
ks_conn_idle_sweep(int64_t now_ms, int64_t idle_ms)
{
    ks_conn_t *c, *next;

    /* Runs on the worker's tick: publish the object store's counters. */
    if (ks_W.os != NULL)
        ks_stats_export_os(ks_stats_proc(ks_W.in->shm->stats, ks_W.in->slot),
                           ks_objstore_stats(ks_W.os));
    int64_t frame_ms = ks_W.in->conf->request_timeout_ms;

    if (closed.n > 0)
        closed_flush();
    for (c = ks_W.conns; c != NULL; c = next) {
        next = c->next;
        if (c->tls_handshaking && now_ms - c->accepted_ms > frame_ms) {
            ks_log_warn("tls handshake with %s failed: not completed within request.timeout.ms (%lld ms)",
                        c->peer, (long long) (now_ms - c->accepted_ms));
            ks_conn_close(c, NULL);
        } else if (c->frame_start_ms != 0 && !c->read_paused && now_ms - c->frame_start_ms > frame_ms) {
            size_t have = evbuffer_get_length(bufferevent_get_input(c->bev));
            ks_log_warn("closing connection from %s: request not received whole within "
                        "request.timeout.ms (%zu bytes in %lld ms)", c->peer, have,
                        (long long) (now_ms - c->frame_start_ms));
            ks_conn_close(c, NULL);
        } else if (idle_ms > 0 && c->head == NULL && now_ms - c->last_active_ms > idle_ms)
            ks_conn_close(c, "idle for longer than connections.max.idle.ms");
        else if (ks_W.stopping && c->head == NULL)
            ks_conn_close(c, NULL);
        else if (ks_W.stopping && !c->closing) {
            /* Stopping: answer what was read, read nothing more (a request
             * taken now might never be answered: the master may be gone,
             * and the flusher with it). */
            c->closing = true;
            bufferevent_disable(c->bev, EV_READ);
        }
    }
}
