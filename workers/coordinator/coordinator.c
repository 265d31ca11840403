/*
 * coordinator.c: the coordinator's loop, its links to the workers and the
 * dispatch of forwarded requests.  Runs in: coordinator.
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

#include "chan.h"
#include "coordinator.h"
#include "log.h"
#include "ops.h"
#include "proto/errors.h"
#include "util.h"
#include "workers/broker/broker.h"

ks_coord_t ks_C;

typedef void (*ks_chandler_fn)(ks_creq_t *creq);

static const ks_chandler_fn handlers[KS_API_KEY_COUNT] = {
    [KS_API_METADATA] = ks_h_coord_metadata,
    [KS_API_CREATE_TOPICS] = ks_h_create_topics,
    [KS_API_DELETE_TOPICS] = ks_h_delete_topics,
    [KS_API_CREATE_PARTITIONS] = ks_h_create_partitions,
    [KS_API_DESCRIBE_CLUSTER] = ks_h_describe_cluster,
    [KS_API_DELETE_RECORDS] = ks_h_delete_records,
    [KS_API_FIND_COORDINATOR] = ks_h_find_coordinator,
    [KS_API_JOIN_GROUP] = ks_h_join_group,
    [KS_API_SYNC_GROUP] = ks_h_sync_group,
    [KS_API_HEARTBEAT] = ks_h_heartbeat,
    [KS_API_LEAVE_GROUP] = ks_h_leave_group,
    [KS_API_DESCRIBE_GROUPS] = ks_h_describe_groups,
    [KS_API_LIST_GROUPS] = ks_h_list_groups,
    [KS_API_DELETE_GROUPS] = ks_h_delete_groups,
    [KS_API_OFFSET_COMMIT] = ks_h_offset_commit,
    [KS_API_OFFSET_FETCH] = ks_h_offset_fetch,
    [KS_API_OFFSET_DELETE] = ks_h_offset_delete,
    [KS_API_INIT_PRODUCER_ID] = ks_h_init_producer_id,
    [KS_API_DESCRIBE_CONFIGS] = ks_h_describe_configs,
    [KS_API_ALTER_CONFIGS] = ks_h_alter_configs,
    [KS_API_INCREMENTAL_ALTER_CONFIGS] = ks_h_incremental_alter_configs,
    [KS_API_DESCRIBE_USER_SCRAM_CREDENTIALS] = ks_h_describe_user_scram_credentials,
    [KS_API_ALTER_USER_SCRAM_CREDENTIALS] = ks_h_alter_user_scram_credentials,
    [KS_API_DESCRIBE_ACLS] = ks_h_describe_acls,
    [KS_API_CREATE_ACLS] = ks_h_create_acls,
    [KS_API_DELETE_ACLS] = ks_h_delete_acls,
};

/* Not inlined: gcc's use-after-free check cannot follow the count. */
__attribute__((noinline)) static void
link_release(ks_link_t *l)
{
    if (--l->refs > 0)
        return;
    free(l);
}

static void
link_close(ks_link_t *l)
{
    ks_link_t **pp;

    if (l->dead)
        return;
    l->dead = true;
    for (pp = &ks_C.links; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == l) {
            *pp = l->next;
            break;
        }
    }
    bufferevent_free(l->bev);
    l->bev = NULL;
    link_release(l);
}

static void
creq_free(ks_creq_t *creq)
{
    link_release(creq->link);
    ks_arena_free(&creq->arena);
    free(creq->frame);
    free(creq);
}

static void
link_send(ks_link_t *l, uint32_t id, uint16_t kind, const void *p, size_t len)
{
    ks_rpc_hdr_t h;

    if (l->dead)
        return;
    memset(&h, 0, sizeof(h));
    h.len = (uint32_t) len;
    h.id = id;
    h.kind = kind;
    bufferevent_write(l->bev, &h, sizeof(h));
    if (len > 0)
        bufferevent_write(l->bev, p, len);
}

void
ks_logs_reply(ks_link_t *l, uint32_t id, uint16_t kind, int status)
{
    uint8_t b = (uint8_t) status;

    link_send(l, id, kind, &b, 1);
    link_release(l);
}

static void
commit_reply(ks_link_t *l, uint32_t id, int status)
{
    ks_logs_reply(l, id, KS_RPC_COMMIT_REPLY, status);
}

void
ks_creq_respond(ks_creq_t *creq)
{
    ks_writer_t w;
    int key = creq->hdr.request_api_key, version = creq->hdr.request_api_version;

    ks_writer_init(&w, 512);
    ks_encode_response_header(&w, key, version, creq->hdr.correlation_id);
    if (ks_encode_response(key, version, &w, creq->response) != KS_OK || w.err) {
        ks_log_error("could not encode the %s v%d response", ks_api_desc(key)->name, version);
        link_send(creq->link, creq->rpc_id, KS_RPC_KAFKA_CLOSE, NULL, 0);
    } else {
        link_send(creq->link, creq->rpc_id, KS_RPC_KAFKA_REPLY, w.buf, w.len);
    }
    ks_writer_free(&w);
    creq_free(creq);
}

void
ks_creq_close(ks_creq_t *creq)
{
    link_send(creq->link, creq->rpc_id, KS_RPC_KAFKA_CLOSE, NULL, 0);
    creq_free(creq);
}

const char *
ks_creq_listener(const ks_creq_t *creq)
{
    static ks_listener_t ls[KS_CONF_MAX_LISTENERS];
    static int n = -1;

    /* listeners is not reloadable: parsed once */
    if (n < 0)
        n = ks_conf_parse_listeners(ks_C.in->conf->listeners, ls, KS_CONF_MAX_LISTENERS, NULL, 0);
    return n > 0 && creq->listener < (uint32_t) n ? ls[creq->listener].name : NULL;
}

/* The principal and peer the worker appended to the frame
 * (workers/broker/authz.c). */
static int
strip_identity(ks_creq_t *creq)
{
    const uint8_t *end = creq->frame + creq->frame_len;
    size_t pl, hl;

    if (creq->frame_len < KS_FWD_TRAILER_FIXED || ks_be32(end - 4) != KS_FWD_TRAILER_MAGIC)
        return KS_ERROR;
    pl = ks_be16(end - 8);
    hl = ks_be16(end - 6);
    if (pl >= sizeof(creq->principal) || hl >= sizeof(creq->peer) ||
        pl + hl + KS_FWD_TRAILER_FIXED > creq->frame_len)
        return KS_ERROR;
    creq->frame_len -= pl + hl + KS_FWD_TRAILER_FIXED;
    memcpy(creq->principal, creq->frame + creq->frame_len, pl);
    creq->principal[pl] = 0;
    memcpy(creq->peer, creq->frame + creq->frame_len + pl, hl);
    creq->peer[hl] = 0;
    return KS_OK;
}

static void
handle_kafka(ks_link_t *l, uint32_t id, uint32_t listener, uint8_t *frame, size_t len)
{
    ks_creq_t *creq = calloc(1, sizeof(*creq));
    ks_reader_t r;
    int key, version;

    if (creq == NULL) {
        free(frame);
        link_send(l, id, KS_RPC_KAFKA_CLOSE, NULL, 0);
        return;
    }
    creq->link = l;
    l->refs++;
    creq->rpc_id = id;
    creq->listener = listener;
    creq->frame = frame;
    creq->frame_len = len;
    if (strip_identity(creq) != KS_OK) {
        ks_log_error("worker %d forwarded a request without a valid identity trailer", l->worker);
        ks_creq_close(creq);
        return;
    }
    len = creq->frame_len;
    ks_arena_init(&creq->arena, 64u << 20);
    ks_reader_init(&r, frame, len);
    if (ks_decode_request_header(&r, &creq->hdr) != KS_OK) {
        ks_creq_close(creq);
        return;
    }
    key = creq->hdr.request_api_key;
    version = creq->hdr.request_api_version;
    if (key < 0 || key >= KS_API_KEY_COUNT || handlers[key] == NULL) {
        ks_log_error("worker %d forwarded api key %d, which the coordinator does not handle",
                     l->worker, key);
        ks_creq_close(creq);
        return;
    }
    creq->request = ks_request_alloc(key, version, &creq->arena);
    creq->response = ks_response_alloc(key, version, &creq->arena);
    if (creq->request == NULL || creq->response == NULL ||
        ks_decode_request(key, version, &r, creq->request, &creq->arena) != KS_OK) {
        ks_log_warn("malformed %s v%d request (correlation id %d, client %.*s)",
                    ks_api_desc(key) ? ks_api_desc(key)->name : "?", version,
                    creq->hdr.correlation_id,
                    creq->hdr.client_id.len > 0 ? (int) creq->hdr.client_id.len : 0,
                    creq->hdr.client_id.p ? creq->hdr.client_id.p : "");
        ks_creq_close(creq);
        return;
    }
    handlers[key](creq);
}

static void
link_read_cb(struct bufferevent *bev, void *arg)
{
    ks_link_t *l = arg;
    struct evbuffer *in = bufferevent_get_input(bev);

    l->refs++;                   /* l stays valid while this runs */
    while (!l->dead) {
        ks_rpc_hdr_t h;
        uint8_t *payload;

        if (evbuffer_get_length(in) < sizeof(h))
            break;
        evbuffer_copyout(in, &h, sizeof(h));
        if (h.len > KS_RPC_MAX_PAYLOAD) {
            ks_log_error("bad frame from worker %d (%u bytes), dropping the link", l->worker, h.len);
            link_close(l);
            break;
        }
        if (evbuffer_get_length(in) < sizeof(h) + h.len)
            break;
        evbuffer_drain(in, sizeof(h));
        payload = malloc(h.len ? h.len : 1);
        if (payload == NULL) {
            link_close(l);
            break;
        }
        evbuffer_remove(in, payload, h.len);
        switch (h.kind) {
        case KS_RPC_HELLO:
            l->worker = h.aux == KS_RPC_HELLO_FLUSHER ? -1 : (int) h.aux;
            free(payload);
            if (l->worker == -1)
                ks_logs_flusher_connected(l);
            break;
        case KS_RPC_LOG_START:
            ks_logs_commit_log_start(l, h.id, payload, h.len);
            free(payload);
            break;
        case KS_RPC_DELETE_OBJECTS_DONE:
            ks_logs_deletion_done(payload, h.len);
            free(payload);
            break;
        case KS_RPC_KAFKA:
            handle_kafka(l, h.id, h.aux, payload, h.len);
            break;
        case KS_RPC_COMMIT:
            ks_topics_commit(l, h.id, payload, h.len, commit_reply);
            free(payload);
            break;
        default:
            ks_log_warn("unknown message kind %u from worker %d", h.kind, l->worker);
            free(payload);
            break;
        }
    }
    link_release(l);
}

static void
link_event_cb(struct bufferevent *bev, short what, void *arg)
{
    (void) bev;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        link_close(arg);
}

static void
on_link_accept(evutil_socket_t fd, short what, void *arg)
{
    (void) what;
    (void) arg;
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        ks_link_t *l;

        if (cfd < 0)
            return;
        l = calloc(1, sizeof(*l));
        if (l == NULL) {
            close(cfd);
            continue;
        }
        l->refs = 1;
        l->bev = bufferevent_socket_new(ks_C.base, cfd, BEV_OPT_CLOSE_ON_FREE);
        bufferevent_setcb(l->bev, link_read_cb, NULL, link_event_cb, l);
        bufferevent_enable(l->bev, EV_READ | EV_WRITE);
        l->next = ks_C.links;
        ks_C.links = l;
    }
}

static int
open_link_listener(void)
{
    struct sockaddr_un sa;
    int salen = ks_rpc_coord_addr(&sa, ks_C.in->master_pid);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *) &sa, (socklen_t) salen) < 0 || listen(fd, 256) < 0) {
        ks_log_error("could not listen for workers: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void on_loaded(int rc);

static void
on_acls_loaded(int rc)
{
    if (rc != KS_OK) {
        on_loaded(rc);
        return;
    }
    ks_topics_watch();
    ks_cluster_start(on_loaded);
}

static void
on_logs_loaded(int rc)
{
    if (rc != KS_OK) {
        on_loaded(rc);
        return;
    }
    ks_acls_load(on_acls_loaded);
}

static void
on_scram_loaded(int rc)
{
    if (rc != KS_OK) {
        on_loaded(rc);
        return;
    }
    ks_logs_load(on_logs_loaded);
}

static void
on_topics_loaded(int rc)
{
    if (rc != KS_OK) {
        on_loaded(rc);
        return;
    }
    ks_scram_load(on_scram_loaded);
}

static void
on_loaded(int rc)
{
    if (rc != KS_OK) {
        ks_log_error("could not load the cluster metadata, exiting");
        event_base_loopbreak(ks_C.base);
        return;
    }
    ks_topics_publish();
    ks_groups_init();
    ks_C.listen_fd = open_link_listener();
    if (ks_C.listen_fd < 0) {
        event_base_loopbreak(ks_C.base);
        return;
    }
    ks_C.listen_ev = event_new(ks_C.base, ks_C.listen_fd, EV_READ | EV_PERSIST, on_link_accept, NULL);
    event_add(ks_C.listen_ev, NULL);
    ks_C.ready = true;
    atomic_store(&ks_C.in->shm->procs[ks_C.in->slot].state, KS_SLOT_RUNNING);
    ks_log_info("coordinator ready: cluster %s, %d topics", ks_C.cluster_id, ks_C.mv.ntopics);
}

static void
stopped(void)
{
    event_base_loopbreak(ks_C.base);
}

static void
on_stop_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    ks_log_warn("the clean hand-over did not finish in time, stopping anyway");
    stopped();
}

static void
on_stop(void *arg)
{
    static struct event *volatile timeout;  /* kept reachable until exit */
    struct timeval tv = { 5, 0 };

    (void) arg;
    if (ks_C.stopping)
        return;
    ks_C.stopping = true;
    if (!ks_C.ready) {
        stopped();
        return;
    }
    timeout = evtimer_new(ks_C.base, on_stop_timeout, NULL);
    evtimer_add(timeout, &tv);
    ks_cluster_stop(stopped);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    atomic_store(&ks_C.in->shm->procs[ks_C.in->slot].heartbeat_ms, (uint64_t) ks_now_ms());
}

int
ks_coordinator_main(ks_inherit_t *in)
{
    ks_ms_config_t mc;
    char err[512];
    struct event *tick;
    struct timeval tv = { 1, 0 };
    int rc;

    memset(&ks_C, 0, sizeof(ks_C));
    ks_C.in = in;
    ks_C.listen_fd = -1;
    if (ks_child_setup(in, "coordinator", 0) != KS_OK)
        return 1;
    ks_C.base = event_base_new();
    if (ks_C.base == NULL)
        return 1;
    if (ks_child_events(in, ks_C.base, on_stop, NULL) != KS_OK)
        return 1;
    memset(&mc, 0, sizeof(mc));
    mc.backend = in->conf->metadata_store;
    mc.data_dir = in->conf->data_dir;
    mc.etcd_endpoints = in->conf->etcd_endpoints;
    mc.etcd_username = in->conf->etcd_username;
    mc.etcd_password = in->conf->etcd_password;
    ks_C.ms = ks_metastore_open(ks_C.base, &mc, err, sizeof(err));
    if (ks_C.ms == NULL) {
        ks_log_error("could not open the %s metadata store: %s", mc.backend, err);
        return KS_EXIT_FATAL;
    }
    tick = event_new(ks_C.base, -1, EV_PERSIST, on_tick, NULL);
    event_add(tick, &tv);
    ks_ops_start();
    ks_topics_load(on_topics_loaded);

    event_base_dispatch(ks_C.base);

    rc = ks_C.stopping ? 0 : 1;
    if (!ks_C.stopping)
        ks_log_error("coordinator loop ended unexpectedly");
    while (ks_C.links != NULL)
        link_close(ks_C.links);
    if (ks_C.listen_ev != NULL)
        event_free(ks_C.listen_ev);
    if (ks_C.listen_fd >= 0)
        close(ks_C.listen_fd);
    event_free(tick);
    ks_groups_shutdown();
    ks_ops_stop();
    ks_metastore_close(ks_C.ms);
    ks_metaview_free(&ks_C.mv);
    ks_acls_shutdown();
    free(ks_C.cluster_id);
    event_base_free(ks_C.base);
    return rc;
}
