/*
 * kafscalectl_kafka.c: the commands of kafscalectl that change the
 * cluster with Kafka requests to a broker (-b), encoded by our own codec
 * (src/proto): topics create / delete / alter, partitions add, groups
 * delete / reset-offsets.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "kafscalectl.h"
#include "proto/api.h"
#include "proto/codec.h"
#include "proto/errors.h"

/* ---------- the Kafka protocol (commands that change the cluster) ----------
 *
 * Blocking request/response over one TCP connection per broker, with our
 * own codec (src/proto).  Every wait is bounded: KAFKA_CONNECT_MS to
 * connect, KAFKA_IO_MS for a whole request and its response.  The version
 * of each request is the highest that both we and the broker (ApiVersions)
 * know, within what the command was written for.
 */

#define KAFKA_CONNECT_MS 5000
#define KAFKA_IO_MS      30000
#define KAFKA_TIMEOUT_MS 15000            /* timeout_ms of admin requests */
#define KAFKA_MAX_FRAME  (256 << 20)
#define KAFKA_MAX_CONNS  64

typedef struct {
    int fd;
    int32_t node_id;                      /* -1: the bootstrap connection */
    char addr[300];                       /* host:port, for messages */
    int32_t corr;
    int16_t vmin[KS_API_KEY_COUNT];
    int16_t vmax[KS_API_KEY_COUNT];       /* -1: the broker does not have it */
} kconn_t;

static kconn_t *kconns[KAFKA_MAX_CONNS];
static int nkconns;

/* Kafka's descriptions of the errors a user of these commands may meet
 * (org.apache.kafka.common.protocol.Errors), for answers without a
 * message of their own. */
static const char *
kafka_err_text(int code)
{
    switch (code) {
    case KS_ERR_UNKNOWN_SERVER_ERROR: return "the server experienced an unexpected error when processing the request";
    case KS_ERR_UNKNOWN_TOPIC_OR_PARTITION: return "this server does not host this topic-partition";
    case KS_ERR_LEADER_NOT_AVAILABLE: return "there is no leader for this topic-partition as we are in the middle of a leadership election";
    case KS_ERR_NOT_LEADER_OR_FOLLOWER: return "for requests intended only for the leader, this error indicates that the broker is not the current leader";
    case KS_ERR_REQUEST_TIMED_OUT: return "the request timed out";
    case KS_ERR_COORDINATOR_LOAD_IN_PROGRESS: return "the coordinator is loading and hence can't process requests";
    case KS_ERR_COORDINATOR_NOT_AVAILABLE: return "the coordinator is not available";
    case KS_ERR_NOT_COORDINATOR: return "this is not the correct coordinator";
    case KS_ERR_INVALID_TOPIC_EXCEPTION: return "the request attempted to perform an operation on an invalid topic";
    case KS_ERR_ILLEGAL_GENERATION: return "the provided generation id is not the current generation";
    case KS_ERR_INVALID_GROUP_ID: return "the configured groupId is invalid";
    case KS_ERR_UNKNOWN_MEMBER_ID: return "the coordinator is not aware of this member";
    case KS_ERR_REBALANCE_IN_PROGRESS: return "the group is rebalancing, so a rejoin is needed";
    case KS_ERR_TOPIC_AUTHORIZATION_FAILED: return "topic authorization failed";
    case KS_ERR_GROUP_AUTHORIZATION_FAILED: return "group authorization failed";
    case KS_ERR_CLUSTER_AUTHORIZATION_FAILED: return "cluster authorization failed";
    case KS_ERR_UNSUPPORTED_VERSION: return "the version of API is not supported";
    case KS_ERR_TOPIC_ALREADY_EXISTS: return "topic with this name already exists";
    case KS_ERR_INVALID_PARTITIONS: return "number of partitions is below 1";
    case KS_ERR_INVALID_REPLICATION_FACTOR: return "replication factor is below 1 or larger than the number of available brokers";
    case KS_ERR_INVALID_CONFIG: return "configuration is invalid";
    case KS_ERR_NOT_CONTROLLER: return "this is not the correct controller for this cluster";
    case KS_ERR_INVALID_REQUEST: return "this most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker";
    case KS_ERR_POLICY_VIOLATION: return "request parameters do not satisfy the configured policy";
    case KS_ERR_NON_EMPTY_GROUP: return "the group is not empty";
    case KS_ERR_GROUP_ID_NOT_FOUND: return "the group id does not exist";
    case KS_ERR_TOPIC_DELETION_DISABLED: return "topic deletion is disabled";
    case KS_ERR_OFFSET_NOT_AVAILABLE: return "the leader high watermark has not caught up from a recent leader election so the offsets cannot be guaranteed to be monotonically increasing";
    case KS_ERR_UNSTABLE_OFFSET_COMMIT: return "there are unstable offsets that need to be cleared";
    case KS_ERR_RESOURCE_NOT_FOUND: return "a request illegally referred to a resource that does not exist";
    case KS_ERR_UNKNOWN_TOPIC_ID: return "this server does not host this topic ID";
    default: return NULL;
    }
}

/* Prints "kafscalectl: WHAT: NAME: message" for a Kafka error code. */
static void
kerr(const char *what, int code, ks_str_t msg)
{
    const char *text = kafka_err_text(code);

    if (msg.len > 0)
        ks_ctl_err("%s: %s: %.*s", what, ks_err_name(code), (int) msg.len, msg.p);
    else if (text != NULL)
        ks_ctl_err("%s: %s: %s", what, ks_err_name(code), text);
    else
        ks_ctl_err("%s: %s (error code %d)", what, ks_err_name(code), code);
}

static int64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Waits until fd is ready for ev or the deadline passed: 1 ready, 0
 * timeout, -1 error (errno). */
static int
wait_fd(int fd, short ev, int64_t deadline)
{
    for (;;) {
        struct pollfd p = { fd, ev, 0 };
        int64_t left = deadline - mono_ms();
        int n;

        if (left <= 0)
            return 0;
        n = poll(&p, 1, (int) left);
        if (n > 0)
            return 1;
        if (n == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/* Writes or reads exactly n bytes before the deadline: 0, or -1 with a
 * message in why. */
static int
io_full(int fd, bool wr, void *buf, size_t n, int64_t deadline, const char **why)
{
    uint8_t *p = buf;

    while (n > 0) {
        ssize_t k = wr ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
        if (k > 0) {
            p += k;
            n -= (size_t) k;
            continue;
        }
        if (k == 0) {
            *why = "the broker closed the connection";
            return -1;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            *why = strerror(errno);
            return -1;
        }
        switch (wait_fd(fd, wr ? POLLOUT : POLLIN, deadline)) {
        case 0:
            *why = "timed out";
            return -1;
        case -1:
            *why = strerror(errno);
            return -1;
        }
    }
    return 0;
}

/* Sends the request and decodes its response (from arena a, which must
 * outlive it); NULL with a message printed on any failure. */
static void *
kcall(kconn_t *c, int key, int version, const void *req, ks_arena_t *a)
{
    const ks_api_desc_t *d = ks_api_desc(key);
    ks_request_header_t h = { (int16_t) key, (int16_t) version, ++c->corr, KS_STR_LIT("kafscalectl") };
    int64_t deadline = mono_ms() + KAFKA_IO_MS;
    const char *why = NULL;
    ks_writer_t w;
    ks_reader_t r;
    uint8_t szb[4], *frame;
    size_t pos;
    int32_t size;
    void *resp;

    ks_writer_init(&w, 512);
    pos = ks_write_reserve32(&w);
    ks_encode_request_header(&w, &h);
    if (ks_encode_request(key, version, &w, req) != KS_OK || w.err != 0) {
        ks_ctl_err("could not encode a %s v%d request", d->name, version);
        ks_writer_free(&w);
        return NULL;
    }
    ks_write_patch32(&w, pos, (int32_t) (w.len - 4));
    if (io_full(c->fd, true, w.buf, w.len, deadline, &why) != 0) {
        ks_writer_free(&w);
        ks_ctl_err("could not send %s to the broker at %s: %s", d->name, c->addr, why);
        return NULL;
    }
    ks_writer_free(&w);
    if (io_full(c->fd, false, szb, 4, deadline, &why) != 0) {
        ks_ctl_err("no answer to %s from the broker at %s: %s", d->name, c->addr, why);
        return NULL;
    }
    size = (int32_t) ((uint32_t) szb[0] << 24 | (uint32_t) szb[1] << 16 | (uint32_t) szb[2] << 8 | szb[3]);
    if (size < 4 || size > KAFKA_MAX_FRAME) {
        ks_ctl_err("the broker at %s answered %s with a frame of %" PRId32 " bytes: is it a Kafka listener?", c->addr,
                   d->name, size);
        return NULL;
    }
    frame = ks_arena_alloc(a, (size_t) size);
    if (frame == NULL) {
        ks_ctl_err("out of memory");
        return NULL;
    }
    if (io_full(c->fd, false, frame, (size_t) size, deadline, &why) != 0) {
        ks_ctl_err("no answer to %s from the broker at %s: %s", d->name, c->addr, why);
        return NULL;
    }
    ks_reader_init(&r, frame, (size_t) size);
    if (ks_read_i32(&r) != h.correlation_id) {
        ks_ctl_err("the broker at %s answered %s with the wrong correlation id", c->addr, d->name);
        return NULL;
    }
    if (key != KS_API_API_VERSIONS && ks_api_flexible(key, version)) {
        uint32_t ntags = ks_read_uvarint(&r);
        for (uint32_t i = 0; i < ntags && r.err == 0; i++) {
            uint32_t len;
            (void) ks_read_uvarint(&r);
            len = ks_read_uvarint(&r);
            if (r.err == 0 && len > ks_reader_left(&r))
                r.err = KS_DECODE_SHORT;
            else
                r.p += len;
        }
    }
    resp = ks_response_alloc(key, version, a);
    if (r.err != 0 || resp == NULL || ks_decode_response(key, version, &r, resp, a) != KS_OK) {
        ks_ctl_err("could not decode the %s v%d answer of the broker at %s", d->name, version, c->addr);
        return NULL;
    }
    return resp;
}

/* The version of API key to use on c: the highest in [lo, hi] that we and
 * the broker have; -1 with a message when there is none. */
static int
kver(const kconn_t *c, int key, int lo, int hi)
{
    const ks_api_desc_t *d = ks_api_desc(key);
    int v = KS_MIN(hi, d->max_version);

    v = KS_MIN(v, c->vmax[key]);
    if (v < lo || v < c->vmin[key] || v < d->min_version) {
        ks_ctl_err("the broker at %s does not support %s (versions %d to %d)", c->addr, d->name, lo, hi);
        return -1;
    }
    return v;
}

/* The request of API key for c at the highest version in [lo, hi] that we
 * and the broker have (*v); NULL when there is none (with a message) or
 * out of memory. */
static void *
kreq(const kconn_t *c, int key, int lo, int hi, ks_arena_t *a, int *v)
{
    if (c == NULL || (*v = kver(c, key, lo, hi)) < 0)
        return NULL;
    return ks_request_alloc(key, *v, a);
}

static void
kconn_close(kconn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

void
ks_ctl_kconns_close(void)
{
    for (int i = 0; i < nkconns; i++)
        kconn_close(kconns[i]);
    nkconns = 0;
}

/* Connects to host:port and asks for its API versions; NULL with a message
 * printed on failure. */
static kconn_t *
kconn_open(const char *host, const char *port, int32_t node_id)
{
    struct addrinfo hints, *ai = NULL, *p;
    kconn_t *c;
    const char *why = "no address";
    char whybuf[256];
    int rc, fd = -1;
    int64_t deadline = mono_ms() + KAFKA_CONNECT_MS;
    ks_arena_t a;
    ks_api_versions_req_t *req;
    ks_api_versions_resp_t *resp;

    if (nkconns == KAFKA_MAX_CONNS) {
        ks_ctl_err("too many brokers");
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        ks_ctl_err("out of memory");
        return NULL;
    }
    c->node_id = node_id;
    c->fd = -1;
    if (strchr(host, ':') != NULL)
        snprintf(c->addr, sizeof(c->addr), "[%s]:%s", host, port);
    else
        snprintf(c->addr, sizeof(c->addr), "%s:%s", host, port);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        ks_ctl_err("cannot reach the broker at %s: %s", c->addr, gai_strerror(rc));
        free(c);
        return NULL;
    }
    for (p = ai; p != NULL && fd < 0; p = p->ai_next) {
        int one = 1, soerr = 0;
        socklen_t sl = sizeof(soerr);

        fd = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
        if (fd < 0) {
            why = strerror(errno);
            continue;
        }
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(fd, p->ai_addr, p->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS) {
            rc = wait_fd(fd, POLLOUT, deadline);
            if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                break;
            why = rc == 0 ? "connection timed out" : strerror(rc < 0 ? errno : soerr);
        } else {
            why = strerror(errno);
        }
        snprintf(whybuf, sizeof(whybuf), "%s", why);
        why = whybuf;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        ks_ctl_err("cannot reach the broker at %s: %s", c->addr, why);
        free(c);
        return NULL;
    }
    c->fd = fd;
    /* ApiVersions v0: every broker answers it */
    ks_arena_init(&a, 0);
    req = ks_request_alloc(KS_API_API_VERSIONS, 0, &a);
    resp = req ? kcall(c, KS_API_API_VERSIONS, 0, req, &a) : NULL;
    if (resp == NULL) {
        ks_arena_free(&a);
        kconn_close(c);
        return NULL;
    }
    if (resp->error_code != KS_ERR_NONE) {
        kerr("ApiVersions failed", resp->error_code, KS_STR_NULL);
        ks_arena_free(&a);
        kconn_close(c);
        return NULL;
    }
    for (int i = 0; i < KS_API_KEY_COUNT; i++)
        c->vmin[i] = c->vmax[i] = -1;
    for (int32_t i = 0; i < resp->api_keys.count; i++) {
        const ks_api_versions_resp_api_version_t *v = (ks_api_versions_resp_api_version_t *) resp->api_keys.items + i;
        if (v->api_key >= 0 && v->api_key < KS_API_KEY_COUNT) {
            c->vmin[v->api_key] = v->min_version;
            c->vmax[v->api_key] = v->max_version;
        }
    }
    ks_arena_free(&a);
    kconns[nkconns++] = c;
    return c;
}

/* The connection to the bootstrap broker (-b). */
static kconn_t *
kboot(void)
{
    char host[256], port[16];

    for (int i = 0; i < nkconns; i++)
        if (kconns[i]->node_id == -1)
            return kconns[i];
    if (!ks_ctl_split_hostport(ks_ctl_bootstrap, host, sizeof(host), port, sizeof(port))) {
        ks_ctl_err("bad bootstrap address \"%s\": expected HOST:PORT", ks_ctl_bootstrap);
        return NULL;
    }
    return kconn_open(host, port, -1);
}

/* The connection to broker node_id at host:port (reused when open). */
static kconn_t *
knode(int32_t node_id, ks_str_t host, int32_t port)
{
    char h[256], p[16];

    snprintf(h, sizeof(h), "%.*s", host.len > 0 ? (int) host.len : 0, host.p ? host.p : "");
    snprintf(p, sizeof(p), "%" PRId32, port);
    for (int i = 0; i < nkconns; i++) {
        char addr[300];
        if (kconns[i]->node_id == node_id && node_id >= 0)
            return kconns[i];
        /* the bootstrap broker, under its node id */
        snprintf(addr, sizeof(addr), strchr(h, ':') ? "[%s]:%s" : "%s:%s", h, p);
        if (kconns[i]->node_id == -1 && strcmp(kconns[i]->addr, addr) == 0)
            return kconns[i];
    }
    return kconn_open(h, p, node_id);
}

/* Metadata of one topic (topic NULL: no topic, only the brokers); NULL
 * with a message on failure. */
static ks_metadata_resp_t *
kmetadata(kconn_t *c, const char *topic, ks_arena_t *a)
{
    int v;
    ks_metadata_req_t *req = kreq(c, KS_API_METADATA, 1, 12, a, &v);
    ks_metadata_req_metadata_request_topic_t *t;

    if (req == NULL)
        return NULL;
    req->topics = KS_ARRAY_EMPTY;
    if (topic != NULL) {
        t = ks_arena_alloc(a, sizeof(*t));
        if (t == NULL)
            return NULL;
        t->name = KS_STR(topic);
        req->topics = (ks_array_t) { t, 1 };
    }
    req->allow_auto_topic_creation = false;
    return kcall(c, KS_API_METADATA, v, req, a);
}

/* The broker of node_id in a Metadata answer, connected. */
static kconn_t *
kmeta_node(const ks_metadata_resp_t *m, int32_t node_id)
{
    const ks_metadata_resp_metadata_response_broker_t *b = m->brokers.items;

    for (int32_t i = 0; i < m->brokers.count; i++)
        if (b[i].node_id == node_id)
            return knode(node_id, b[i].host, b[i].port);
    ks_ctl_err("broker %" PRId32 " is not in the cluster's metadata", node_id);
    return NULL;
}

/* The controller (where topics are created and deleted): the bootstrap
 * broker when the cluster names none. */
static kconn_t *
kcontroller(ks_arena_t *a)
{
    kconn_t *c = kboot();
    ks_metadata_resp_t *m;

    if (c == NULL || (m = kmetadata(c, NULL, a)) == NULL)
        return NULL;
    if (m->controller_id < 0)
        return c;
    return kmeta_node(m, m->controller_id);
}

/* The coordinator of group (FindCoordinator, retried while the
 * coordinator is loading); NULL with a message. */
static kconn_t *
kcoordinator(const char *group, ks_arena_t *a)
{
    kconn_t *c = kboot();
    int v;
    int64_t until = mono_ms() + 10000;
    char what[400];

    if (c == NULL || (v = kver(c, KS_API_FIND_COORDINATOR, 0, 6)) < 0)
        return NULL;
    snprintf(what, sizeof(what), "could not find the coordinator of group \"%s\"", group);
    for (;;) {
        ks_find_coordinator_req_t *req = ks_request_alloc(KS_API_FIND_COORDINATOR, v, a);
        ks_find_coordinator_resp_t *resp;
        ks_str_t *keys = ks_arena_alloc(a, sizeof(ks_str_t));
        int16_t ec;
        ks_str_t msg, host;
        int32_t node, port;

        if (req == NULL || keys == NULL)
            return NULL;
        req->key = KS_STR(group);
        req->key_type = 0;
        keys[0] = KS_STR(group);
        req->coordinator_keys = (ks_array_t) { keys, 1 };
        if ((resp = kcall(c, KS_API_FIND_COORDINATOR, v, req, a)) == NULL)
            return NULL;
        if (v >= 4) {
            const ks_find_coordinator_resp_coordinator_t *co = resp->coordinators.items;
            if (resp->coordinators.count < 1) {
                ks_ctl_err("%s: the answer names no coordinator", what);
                return NULL;
            }
            ec = co->error_code, msg = co->error_message, node = co->node_id, host = co->host, port = co->port;
        } else {
            ec = resp->error_code, msg = resp->error_message, node = resp->node_id, host = resp->host,
            port = resp->port;
        }
        if (ec == KS_ERR_NONE)
            return knode(node, host, port);
        if ((ec == KS_ERR_COORDINATOR_NOT_AVAILABLE || ec == KS_ERR_COORDINATOR_LOAD_IN_PROGRESS)
            && mono_ms() < until) {
            sleep_ms(200);
            continue;
        }
        kerr(what, ec, msg);
        return NULL;
    }
}

/* "k=v" as two views. */
static void
split_kv(const char *kv, ks_str_t *k, ks_str_t *v)
{
    const char *eq = strchr(kv, '=');

    *k = (ks_str_t) { kv, (int32_t) (eq - kv) };
    *v = KS_STR(eq + 1);
}

/* ---------- one admin request ----------
 *
 * What the commands that send one admin request about one resource share:
 * the broker to ask, the request at the version both sides know, the one
 * result of the answer and its error.  Each command keeps only filling
 * the request and showing the result.
 */

typedef enum { KT_BOOTSTRAP, KT_CONTROLLER, KT_COORDINATOR } ktarget_t;

typedef struct {
    ks_arena_t a;               /* the request, the answer */
    kconn_t *c;
    int key, v;
    char what[400];             /* "could not ... \"NAME\"", for messages */
} kcmd_t;

/* Starts a command about name: what (e.g. "could not delete topic") for
 * its messages, the broker of target, the request to fill; NULL on a
 * failure (with a message when there was one to give).  kcmd_end()
 * follows in every case. */
static void *
kcmd_begin(kcmd_t *k, const char *what, const char *name, ktarget_t target, int key, int lo, int hi)
{
    ks_arena_init(&k->a, 0);
    snprintf(k->what, sizeof(k->what), "%s \"%s\"", what, name);
    k->key = key;
    k->c = target == KT_CONTROLLER ? kcontroller(&k->a) : target == KT_COORDINATOR ? kcoordinator(name, &k->a) : kboot();
    return kreq(k->c, key, lo, hi, &k->a, &k->v);
}

/* Sends the command's request; the answer, NULL with a message. */
static void *
kcmd_call(kcmd_t *k, const void *req)
{
    return kcall(k->c, k->key, k->v, req, &k->a);
}

/* The one result of results (the answer's array of them; kind names what
 * they are about); NULL with a message when the answer has not one. */
static void *
kcmd_one(const kcmd_t *k, const ks_array_t *results, const char *kind)
{
    if (results->count != 1) {
        ks_ctl_err("%s: the broker at %s answered for %" PRId32 " %s", k->what, k->c->addr, results->count, kind);
        return NULL;
    }
    return results->items;
}

/* Whether the result's error code is none; else its message. */
static bool
kcmd_ok(const kcmd_t *k, int16_t code, ks_str_t msg)
{
    if (code == KS_ERR_NONE)
        return true;
    kerr(k->what, code, msg);
    return false;
}

/* Ends the command; its exit code rc. */
static int
kcmd_end(kcmd_t *k, int rc)
{
    ks_arena_free(&k->a);
    return rc;
}

/* Reports the deletion of a topic or group: --json {"KIND": NAME,
 * "deleted": true}, else "deleted KIND NAME". */
static void
kshow_deleted(const char *kind, const char *name)
{
    if (ks_ctl_json_out) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, kind, name);
        cJSON_AddBoolToObject(o, "deleted", true);
        ks_ctl_json_print(o);
    } else {
        printf("deleted %s %s\n", kind, name);
    }
}

/* ---------- topics create / delete / alter, partitions add ---------- */

int
ks_ctl_cmd_topics_create(const cargs_t *ca)
{
    kcmd_t k;
    ks_create_topics_req_t *req;
    ks_create_topics_req_creatable_topic_t *t;
    ks_create_topics_req_creatable_topic_config_t *cf;
    ks_create_topics_resp_t *resp;
    const ks_create_topics_resp_creatable_topic_result_t *r;

    req = kcmd_begin(&k, "could not create topic", ca->name, KT_CONTROLLER, KS_API_CREATE_TOPICS, 0, 7);
    if (req == NULL)
        return kcmd_end(&k, EXIT_ERR);
    if (ca->partitions < 0 && k.v < 4) {
        ks_ctl_err("%s: the broker needs --partitions (CreateTopics v%d has no default)", k.what, k.v);
        return kcmd_end(&k, EXIT_ERR);
    }
    t = ks_arena_alloc(&k.a, sizeof(*t));
    cf = ks_arena_alloc(&k.a, sizeof(*cf) * (size_t) (ca->nconfigs + 1));
    if (t == NULL || cf == NULL)
        return kcmd_end(&k, EXIT_ERR);
    t->name = KS_STR(ca->name);
    t->num_partitions = ca->partitions;
    t->replication_factor = -1;
    t->assignments = KS_ARRAY_EMPTY;
    for (int i = 0; i < ca->nconfigs; i++)
        split_kv(ca->configs[i], &cf[i].name, &cf[i].value);
    t->configs = (ks_array_t) { cf, ca->nconfigs };
    req->topics = (ks_array_t) { t, 1 };
    req->timeout_ms = KAFKA_TIMEOUT_MS;
    req->validate_only = false;
    if ((resp = kcmd_call(&k, req)) == NULL || (r = kcmd_one(&k, &resp->topics, "topics")) == NULL
        || !kcmd_ok(&k, r->error_code, r->error_message))
        return kcmd_end(&k, EXIT_ERR);
    if (ks_ctl_json_out) {
        cJSON *o = cJSON_CreateObject(), *cfg = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "topic", ca->name);
        cJSON_AddBoolToObject(o, "created", true);
        if (r->num_partitions > 0 || ca->partitions > 0)
            cJSON_AddNumberToObject(o, "partitions", r->num_partitions > 0 ? r->num_partitions : ca->partitions);
        else
            cJSON_AddNullToObject(o, "partitions");
        for (int i = 0; i < ca->nconfigs; i++) {
            const char *eq = strchr(ca->configs[i], '=');
            char *key = strndup(ca->configs[i], (size_t) (eq - ca->configs[i]));
            if (key != NULL)
                cJSON_AddStringToObject(cfg, key, eq + 1);
            free(key);
        }
        cJSON_AddItemToObject(o, "config", cfg);
        ks_ctl_json_print(o);
    } else {
        int32_t np = r->num_partitions > 0 ? r->num_partitions : ca->partitions;
        if (np > 0)
            printf("created topic %s with %" PRId32 " partition%s\n", ca->name, np, np == 1 ? "" : "s");
        else
            printf("created topic %s\n", ca->name);
    }
    return kcmd_end(&k, EXIT_OK);
}

int
ks_ctl_cmd_topics_delete(const cargs_t *ca)
{
    kcmd_t k;
    ks_delete_topics_req_t *req;
    ks_delete_topics_req_delete_topic_state_t *ts;
    ks_str_t *names;
    ks_delete_topics_resp_t *resp;
    const ks_delete_topics_resp_deletable_topic_result_t *r;

    req = kcmd_begin(&k, "could not delete topic", ca->name, KT_CONTROLLER, KS_API_DELETE_TOPICS, 0, 6);
    if (req == NULL)
        return kcmd_end(&k, EXIT_ERR);
    ts = ks_arena_alloc(&k.a, sizeof(*ts));
    names = ks_arena_alloc(&k.a, sizeof(*names));
    if (ts == NULL || names == NULL)
        return kcmd_end(&k, EXIT_ERR);
    ts->name = names[0] = KS_STR(ca->name);
    req->topics = (ks_array_t) { ts, 1 };          /* v6+ */
    req->topic_names = (ks_array_t) { names, 1 };  /* up to v5 */
    req->timeout_ms = KAFKA_TIMEOUT_MS;
    if ((resp = kcmd_call(&k, req)) == NULL || (r = kcmd_one(&k, &resp->responses, "topics")) == NULL
        || !kcmd_ok(&k, r->error_code, r->error_message))
        return kcmd_end(&k, EXIT_ERR);
    kshow_deleted("topic", ca->name);
    return kcmd_end(&k, EXIT_OK);
}

int
ks_ctl_cmd_topics_alter(const cargs_t *ca)
{
    kcmd_t k;
    int n = ca->nconfigs + ca->ndeletes;
    ks_incremental_alter_configs_req_t *req;
    ks_incremental_alter_configs_req_alter_configs_resource_t *res;
    ks_incremental_alter_configs_req_alterable_config_t *cf;
    ks_incremental_alter_configs_resp_t *resp;
    const ks_incremental_alter_configs_resp_alter_configs_resource_response_t *r;

    if (n == 0) {
        ks_ctl_err("topics alter needs --config KEY=VALUE or --delete-config KEY");
        return EXIT_USAGE;
    }
    req = kcmd_begin(&k, "could not alter the configuration of topic", ca->name, KT_BOOTSTRAP,
                     KS_API_INCREMENTAL_ALTER_CONFIGS, 0, 1);
    if (req == NULL)
        return kcmd_end(&k, EXIT_ERR);
    res = ks_arena_alloc(&k.a, sizeof(*res));
    cf = ks_arena_alloc(&k.a, sizeof(*cf) * (size_t) n);
    if (res == NULL || cf == NULL)
        return kcmd_end(&k, EXIT_ERR);
    for (int i = 0; i < ca->nconfigs; i++) {
        split_kv(ca->configs[i], &cf[i].name, &cf[i].value);
        cf[i].config_operation = 0;                        /* SET */
    }
    for (int i = 0; i < ca->ndeletes; i++) {
        cf[ca->nconfigs + i].name = KS_STR(ca->deletes[i]);
        cf[ca->nconfigs + i].value = KS_STR_NULL;
        cf[ca->nconfigs + i].config_operation = 1;         /* DELETE */
    }
    res->resource_type = 2;                                /* TOPIC */
    res->resource_name = KS_STR(ca->name);
    res->configs = (ks_array_t) { cf, n };
    req->resources = (ks_array_t) { res, 1 };
    req->validate_only = false;
    if ((resp = kcmd_call(&k, req)) == NULL || (r = kcmd_one(&k, &resp->responses, "resources")) == NULL
        || !kcmd_ok(&k, r->error_code, r->error_message))
        return kcmd_end(&k, EXIT_ERR);
    if (ks_ctl_json_out) {
        cJSON *o = cJSON_CreateObject(), *set = cJSON_CreateObject(), *del = cJSON_CreateArray();
        cJSON_AddStringToObject(o, "topic", ca->name);
        for (int i = 0; i < ca->nconfigs; i++) {
            char *key = strndup(cf[i].name.p, (size_t) cf[i].name.len);
            if (key != NULL)
                cJSON_AddItemToObject(set, key, ks_ctl_json_str_or_null(cf[i].value));
            free(key);
        }
        for (int i = 0; i < ca->ndeletes; i++)
            cJSON_AddItemToArray(del, cJSON_CreateString(ca->deletes[i]));
        cJSON_AddItemToObject(o, "set", set);
        cJSON_AddItemToObject(o, "deleted", del);
        ks_ctl_json_print(o);
    } else {
        printf("altered topic %s:", ca->name);
        for (int i = 0; i < ca->nconfigs; i++)
            printf("%s set %s", i > 0 ? "," : "", ca->configs[i]);
        for (int i = 0; i < ca->ndeletes; i++)
            printf("%s deleted %s", i + ca->nconfigs > 0 ? "," : "", ca->deletes[i]);
        putchar('\n');
    }
    return kcmd_end(&k, EXIT_OK);
}

int
ks_ctl_cmd_partitions_add(const cargs_t *ca)
{
    kcmd_t k;
    ks_create_partitions_req_t *req;
    ks_create_partitions_req_create_partitions_topic_t *t;
    ks_create_partitions_resp_t *resp;
    const ks_create_partitions_resp_create_partitions_topic_result_t *r;

    if (!(ca->seen & O_COUNT)) {
        ks_ctl_err("partitions add needs --count N, the new number of partitions");
        return EXIT_USAGE;
    }
    req = kcmd_begin(&k, "could not add partitions to topic", ca->name, KT_CONTROLLER, KS_API_CREATE_PARTITIONS, 0, 3);
    if (req == NULL || (t = ks_arena_alloc(&k.a, sizeof(*t))) == NULL)
        return kcmd_end(&k, EXIT_ERR);
    t->name = KS_STR(ca->name);
    t->count = ca->count;
    t->assignments = (ks_array_t) { NULL, -1 };
    req->topics = (ks_array_t) { t, 1 };
    req->timeout_ms = KAFKA_TIMEOUT_MS;
    req->validate_only = false;
    if ((resp = kcmd_call(&k, req)) == NULL || (r = kcmd_one(&k, &resp->results, "topics")) == NULL
        || !kcmd_ok(&k, r->error_code, r->error_message))
        return kcmd_end(&k, EXIT_ERR);
    if (ks_ctl_json_out) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "topic", ca->name);
        cJSON_AddNumberToObject(o, "partitions", ca->count);
        ks_ctl_json_print(o);
    } else {
        printf("topic %s now has %" PRId32 " partitions\n", ca->name, ca->count);
    }
    return kcmd_end(&k, EXIT_OK);
}

/* ---------- groups delete, groups reset-offsets ---------- */

int
ks_ctl_cmd_groups_delete(const cargs_t *ca)
{
    kcmd_t k;
    ks_delete_groups_req_t *req;
    ks_str_t *names;
    ks_delete_groups_resp_t *resp;
    const ks_delete_groups_resp_deletable_group_result_t *r;

    req = kcmd_begin(&k, "could not delete group", ca->name, KT_COORDINATOR, KS_API_DELETE_GROUPS, 0, 2);
    if (req == NULL || (names = ks_arena_alloc(&k.a, sizeof(*names))) == NULL)
        return kcmd_end(&k, EXIT_ERR);
    names[0] = KS_STR(ca->name);
    req->groups_names = (ks_array_t) { names, 1 };
    if ((resp = kcmd_call(&k, req)) == NULL || (r = kcmd_one(&k, &resp->results, "groups")) == NULL)
        return kcmd_end(&k, EXIT_ERR);
    if (r->error_code == KS_ERR_NON_EMPTY_GROUP) {
        ks_ctl_err("%s: NON_EMPTY_GROUP: the group has active members; stop its consumers first", k.what);
        return kcmd_end(&k, EXIT_ERR);
    }
    if (!kcmd_ok(&k, r->error_code, KS_STR_NULL))
        return kcmd_end(&k, EXIT_ERR);
    kshow_deleted("group", ca->name);
    return kcmd_end(&k, EXIT_OK);
}

typedef struct {
    int32_t partition;
    int32_t leader;
    int64_t current;            /* committed offset, -1 none */
    int64_t target;             /* new offset, -1 not known yet */
    int16_t error;              /* of the lookup or of the commit */
} reset_part_t;

static int
cmp_reset_part(const void *x, const void *y)
{
    const reset_part_t *a = x, *b = y;

    return (a->partition > b->partition) - (a->partition < b->partition);
}

/* ListOffsets for the partitions of ps (those of leader `leader` with
 * target -1) at timestamp ts; fills target (-1 when the broker has no
 * offset for ts) or error. false on a failure of the request itself. */
static bool
list_offsets(const ks_metadata_resp_t *m, const char *topic, reset_part_t *ps, int32_t np, int32_t leader,
             int64_t ts, ks_arena_t *a)
{
    kconn_t *c = kmeta_node(m, leader);
    int v;
    ks_list_offsets_req_t *req;
    ks_list_offsets_req_list_offsets_topic_t *t;
    ks_list_offsets_req_list_offsets_partition_t *rp;
    ks_list_offsets_resp_t *resp;
    int32_t n = 0;

    if ((req = kreq(c, KS_API_LIST_OFFSETS, 1, 10, a, &v)) == NULL)
        return false;
    t = ks_arena_alloc(a, sizeof(*t));
    rp = ks_arena_alloc(a, sizeof(*rp) * (size_t) np);
    if (t == NULL || rp == NULL)
        return false;
    for (int32_t i = 0; i < np; i++) {
        if (ps[i].leader != leader || ps[i].target >= 0 || ps[i].error != KS_ERR_NONE)
            continue;
        rp[n].partition_index = ps[i].partition;
        rp[n].current_leader_epoch = -1;
        rp[n].timestamp = ts;
        rp[n].max_num_offsets = 1;
        n++;
    }
    if (n == 0)
        return true;
    t->name = KS_STR(topic);
    t->partitions = (ks_array_t) { rp, n };
    req->replica_id = -1;
    req->isolation_level = 0;
    req->topics = (ks_array_t) { t, 1 };
    req->timeout_ms = KAFKA_TIMEOUT_MS;
    if ((resp = kcall(c, KS_API_LIST_OFFSETS, v, req, a)) == NULL)
        return false;
    for (int32_t i = 0; i < resp->topics.count; i++) {
        const ks_list_offsets_resp_list_offsets_topic_response_t *rt =
            (ks_list_offsets_resp_list_offsets_topic_response_t *) resp->topics.items + i;
        for (int32_t j = 0; j < rt->partitions.count; j++) {
            const ks_list_offsets_resp_list_offsets_partition_response_t *r =
                (ks_list_offsets_resp_list_offsets_partition_response_t *) rt->partitions.items + j;
            for (int32_t k = 0; k < np; k++) {
                if (ps[k].partition != r->partition_index || ps[k].leader != leader)
                    continue;
                if (r->error_code != KS_ERR_NONE)
                    ps[k].error = r->error_code;
                else
                    ps[k].target = r->offset;
            }
        }
    }
    return true;
}

/* Whether an OffsetCommit error means "the group has members". */
static bool
commit_refused_for_members(int code)
{
    return code == KS_ERR_UNKNOWN_MEMBER_ID || code == KS_ERR_ILLEGAL_GENERATION
           || code == KS_ERR_REBALANCE_IN_PROGRESS || code == KS_ERR_FENCED_INSTANCE_ID
           || code == KS_ERR_STALE_MEMBER_EPOCH;
}

int
ks_ctl_cmd_groups_reset_offsets(const cargs_t *ca)
{
    const char *group = ca->name, *topic = ca->topic, *to;
    ks_arena_t a;
    kconn_t *boot, *coord;
    ks_metadata_resp_t *m;
    const ks_metadata_resp_metadata_response_topic_t *mt = NULL;
    reset_part_t *ps = NULL;
    int32_t np = 0, nmembers = 0;
    ks_str_t state = KS_STR_NULL;
    int64_t ts;
    int v, rc = EXIT_ERR, nerr = 0;
    char what[600], tsbuf[64];
    bool committed = false;
    int modes = !!(ca->seen & O_EARLIEST) + !!(ca->seen & O_LATEST) + !!(ca->seen & O_TIMESTAMP);

    if (topic == NULL) {
        ks_ctl_err("groups reset-offsets needs --topic TOPIC");
        return EXIT_USAGE;
    }
    if (modes != 1) {
        ks_ctl_err("groups reset-offsets needs one of --to-earliest, --to-latest, --to-timestamp MS");
        return EXIT_USAGE;
    }
    if (ca->seen & O_EARLIEST) {
        ts = -2;
        to = "the earliest offset";
    } else if (ca->seen & O_LATEST) {
        ts = -1;
        to = "the latest offset";
    } else {
        ts = ca->timestamp;
        snprintf(tsbuf, sizeof(tsbuf), "timestamp %" PRId64, ts);
        to = tsbuf;
    }
    snprintf(what, sizeof(what), "could not reset the offsets of group \"%s\" on topic \"%s\"", group, topic);
    ks_arena_init(&a, 0);

    /* the topic's partitions and their leaders */
    if ((boot = kboot()) == NULL || (m = kmetadata(boot, topic, &a)) == NULL)
        goto out;
    for (int32_t i = 0; i < m->topics.count; i++) {
        const ks_metadata_resp_metadata_response_topic_t *t =
            (ks_metadata_resp_metadata_response_topic_t *) m->topics.items + i;
        if (t->name.len == (int32_t) strlen(topic) && memcmp(t->name.p, topic, strlen(topic)) == 0)
            mt = t;
    }
    if (mt == NULL) {
        kerr(what, KS_ERR_UNKNOWN_TOPIC_OR_PARTITION, KS_STR_NULL);
        goto out;
    }
    if (mt->error_code != KS_ERR_NONE) {
        kerr(what, mt->error_code, KS_STR_NULL);
        goto out;
    }
    np = mt->partitions.count > 0 ? mt->partitions.count : 0;
    ps = calloc((size_t) np + 1, sizeof(*ps));
    if (ps == NULL)
        goto out;
    for (int32_t i = 0; i < np; i++) {
        const ks_metadata_resp_metadata_response_partition_t *p =
            (ks_metadata_resp_metadata_response_partition_t *) mt->partitions.items + i;
        ps[i].partition = p->partition_index;
        ps[i].leader = p->leader_id;
        ps[i].current = -1;
        ps[i].target = -1;
        ps[i].error = p->error_code != KS_ERR_NONE ? p->error_code
                      : p->leader_id < 0        ? KS_ERR_LEADER_NOT_AVAILABLE
                                                : KS_ERR_NONE;
    }
    qsort(ps, (size_t) np, sizeof(*ps), cmp_reset_part);

    /* the group: state, members, committed offsets */
    if ((coord = kcoordinator(group, &a)) == NULL)
        goto out;
    if ((v = kver(coord, KS_API_DESCRIBE_GROUPS, 0, 5)) >= 0) {
        ks_describe_groups_req_t *req = ks_request_alloc(KS_API_DESCRIBE_GROUPS, v, &a);
        ks_str_t *names = ks_arena_alloc(&a, sizeof(*names));
        ks_describe_groups_resp_t *resp;
        const ks_describe_groups_resp_described_group_t *g;

        if (req == NULL || names == NULL)
            goto out;
        names[0] = KS_STR(group);
        req->groups = (ks_array_t) { names, 1 };
        if ((resp = kcall(coord, KS_API_DESCRIBE_GROUPS, v, req, &a)) == NULL)
            goto out;
        if (resp->groups.count == 1) {
            g = resp->groups.items;
            if (g->error_code != KS_ERR_NONE) {
                kerr(what, g->error_code, KS_STR_NULL);
                goto out;
            }
            state = g->group_state;
            nmembers = g->members.count > 0 ? g->members.count : 0;
        }
    }
    if (nmembers > 0 && !(ca->seen & O_DRY_RUN)) {
        ks_ctl_err("%s: the group has %" PRId32 " active member%s (state %.*s); Kafka resets the offsets only of a group "
                   "without members: stop its consumers first",
                   what, nmembers, nmembers == 1 ? "" : "s", state.len > 0 ? (int) state.len : 0, state.p ? state.p : "");
        goto out;
    }
    {
        ks_offset_fetch_req_t *req = kreq(coord, KS_API_OFFSET_FETCH, 1, 7, &a, &v);
        ks_offset_fetch_req_offset_fetch_request_topic_t *t;
        int32_t *idx;
        ks_offset_fetch_resp_t *resp;

        if (req == NULL)
            goto out;
        t = ks_arena_alloc(&a, sizeof(*t));
        idx = ks_arena_alloc(&a, sizeof(int32_t) * (size_t) (np + 1));
        if (t == NULL || idx == NULL)
            goto out;
        for (int32_t i = 0; i < np; i++)
            idx[i] = ps[i].partition;
        t->name = KS_STR(topic);
        t->partition_indexes = (ks_array_t) { idx, np };
        req->group_id = KS_STR(group);
        req->topics = (ks_array_t) { t, 1 };
        if ((resp = kcall(coord, KS_API_OFFSET_FETCH, v, req, &a)) == NULL)
            goto out;
        if (resp->error_code != KS_ERR_NONE) {
            kerr(what, resp->error_code, KS_STR_NULL);
            goto out;
        }
        for (int32_t i = 0; i < resp->topics.count; i++) {
            const ks_offset_fetch_resp_offset_fetch_response_topic_t *rt =
                (ks_offset_fetch_resp_offset_fetch_response_topic_t *) resp->topics.items + i;
            for (int32_t j = 0; j < rt->partitions.count; j++) {
                const ks_offset_fetch_resp_offset_fetch_response_partition_t *r =
                    (ks_offset_fetch_resp_offset_fetch_response_partition_t *) rt->partitions.items + j;
                for (int32_t k = 0; k < np; k++)
                    if (ps[k].partition == r->partition_index && r->error_code == KS_ERR_NONE)
                        ps[k].current = r->committed_offset;
            }
        }
    }

    /* the target offsets, from each partition's leader; a timestamp after
     * the last record resolves to the log end, as Kafka's tool does */
    for (int32_t i = 0; i < np; i++) {
        bool seen = false;
        for (int32_t k = 0; k < i; k++)
            seen |= ps[k].leader == ps[i].leader;
        if (!seen && ps[i].leader >= 0 && !list_offsets(m, topic, ps, np, ps[i].leader, ts, &a))
            goto out;
    }
    if (ts >= 0)
        for (int32_t i = 0; i < np; i++) {
            bool seen = false;
            for (int32_t k = 0; k < i; k++)
                seen |= ps[k].leader == ps[i].leader && ps[k].target < 0 && ps[k].error == KS_ERR_NONE;
            if (!seen && ps[i].target < 0 && ps[i].error == KS_ERR_NONE
                && !list_offsets(m, topic, ps, np, ps[i].leader, -1, &a))
                goto out;
        }
    for (int32_t i = 0; i < np; i++)
        if (ps[i].error == KS_ERR_NONE && ps[i].target < 0)
            ps[i].error = KS_ERR_OFFSET_NOT_AVAILABLE;

    /* the commit: generation -1 and no member id, as for a group without
     * members */
    if (!(ca->seen & O_DRY_RUN)) {
        ks_offset_commit_req_t *req;
        ks_offset_commit_req_offset_commit_request_topic_t *t;
        ks_offset_commit_req_offset_commit_request_partition_t *cp;
        ks_offset_commit_resp_t *resp;
        int32_t n = 0;

        if ((req = kreq(coord, KS_API_OFFSET_COMMIT, 2, 9, &a, &v)) == NULL)
            goto out;
        t = ks_arena_alloc(&a, sizeof(*t));
        cp = ks_arena_alloc(&a, sizeof(*cp) * (size_t) (np + 1));
        if (t == NULL || cp == NULL)
            goto out;
        for (int32_t i = 0; i < np; i++) {
            if (ps[i].error != KS_ERR_NONE)
                continue;
            cp[n].partition_index = ps[i].partition;
            cp[n].committed_offset = ps[i].target;
            cp[n].committed_leader_epoch = -1;
            cp[n].commit_timestamp = -1;
            cp[n].committed_metadata = KS_STR_LIT("");
            n++;
        }
        if (n > 0) {
            t->name = KS_STR(topic);
            t->partitions = (ks_array_t) { cp, n };
            req->group_id = KS_STR(group);
            req->generation_id_or_member_epoch = -1;
            req->member_id = KS_STR_LIT("");
            req->group_instance_id = KS_STR_NULL;
            req->retention_time_ms = -1;
            req->topics = (ks_array_t) { t, 1 };
            if ((resp = kcall(coord, KS_API_OFFSET_COMMIT, v, req, &a)) == NULL)
                goto out;
            committed = true;
            for (int32_t i = 0; i < resp->topics.count; i++) {
                const ks_offset_commit_resp_offset_commit_response_topic_t *rt =
                    (ks_offset_commit_resp_offset_commit_response_topic_t *) resp->topics.items + i;
                for (int32_t j = 0; j < rt->partitions.count; j++) {
                    const ks_offset_commit_resp_offset_commit_response_partition_t *r =
                        (ks_offset_commit_resp_offset_commit_response_partition_t *) rt->partitions.items + j;
                    for (int32_t k = 0; k < np; k++)
                        if (ps[k].partition == r->partition_index && r->error_code != KS_ERR_NONE)
                            ps[k].error = r->error_code;
                }
            }
        }
    }

    /* the report */
    for (int32_t i = 0; i < np; i++)
        if (ps[i].error != KS_ERR_NONE)
            nerr++;
    if (ks_ctl_json_out) {
        cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
        cJSON_AddStringToObject(o, "group", group);
        cJSON_AddStringToObject(o, "topic", topic);
        cJSON_AddStringToObject(o, "to", (ca->seen & O_EARLIEST) ? "earliest" : (ca->seen & O_LATEST) ? "latest"
                                                                                                       : "timestamp");
        if (ca->seen & O_TIMESTAMP)
            cJSON_AddNumberToObject(o, "timestamp", (double) ts);
        cJSON_AddBoolToObject(o, "dry_run", (ca->seen & O_DRY_RUN) != 0);
        cJSON_AddItemToObject(o, "group_state", ks_ctl_json_str_or_null(state));
        cJSON_AddNumberToObject(o, "members", nmembers);
        for (int32_t i = 0; i < np; i++) {
            cJSON *p = cJSON_CreateObject();
            cJSON_AddNumberToObject(p, "partition", ps[i].partition);
            if (ps[i].current >= 0)
                cJSON_AddNumberToObject(p, "current", (double) ps[i].current);
            else
                cJSON_AddNullToObject(p, "current");
            if (ps[i].target >= 0)
                cJSON_AddNumberToObject(p, "new", (double) ps[i].target);
            else
                cJSON_AddNullToObject(p, "new");
            if (ps[i].error != KS_ERR_NONE)
                cJSON_AddStringToObject(p, "error", ks_err_name(ps[i].error));
            else
                cJSON_AddNullToObject(p, "error");
            cJSON_AddItemToArray(arr, p);
        }
        cJSON_AddItemToObject(o, "partitions", arr);
        ks_ctl_json_print(o);
    } else {
        table_t t;
        ks_ctl_table_init(&t, "TOPIC,>PARTITION,>CURRENT,>NEW,ERROR");
        for (int32_t i = 0; i < np; i++) {
            char p[32], cur[32], tgt[32];
            snprintf(p, sizeof(p), "%" PRId32, ps[i].partition);
            if (ps[i].current >= 0)
                snprintf(cur, sizeof(cur), "%" PRId64, ps[i].current);
            else
                snprintf(cur, sizeof(cur), "-");
            if (ps[i].target >= 0)
                snprintf(tgt, sizeof(tgt), "%" PRId64, ps[i].target);
            else
                snprintf(tgt, sizeof(tgt), "-");
            ks_ctl_table_row(&t, topic, p, cur, tgt, ps[i].error != KS_ERR_NONE ? ks_err_name(ps[i].error) : "-");
        }
        ks_ctl_table_print(&t);
        if (ca->seen & O_DRY_RUN)
            printf("dry run: the offsets of group %s on topic %s would be reset to %s (nothing committed)\n", group,
                   topic, to);
        else if (nerr == 0)
            printf("reset the offsets of group %s on topic %s to %s\n", group, topic, to);
    }
    if (nmembers > 0)
        ks_ctl_err("note: group \"%s\" has %" PRId32 " active member%s; the reset would be refused until they stop", group,
                   nmembers, nmembers == 1 ? "" : "s");
    if (nerr > 0) {
        for (int32_t i = 0; i < np; i++) {
            char pw[700];
            if (ps[i].error == KS_ERR_NONE)
                continue;
            snprintf(pw, sizeof(pw), "%s, partition %" PRId32, what, ps[i].partition);
            if (committed && commit_refused_for_members(ps[i].error))
                ks_ctl_err("%s: %s: the group has active members; stop its consumers first", pw, ks_err_name(ps[i].error));
            else
                kerr(pw, ps[i].error, KS_STR_NULL);
        }
        goto out;
    }
    rc = EXIT_OK;
out:
    free(ps);
    ks_arena_free(&a);
    return rc;
}
