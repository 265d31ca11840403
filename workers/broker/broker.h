/*
 * broker.h: the worker process's Kafka connections and API handlers.
 * Runs in: worker.
 *
 * A connection's requests are decoded and handled as they arrive (several
 * may be in flight: a producer pipelines, a Fetch may wait) but answered
 * strictly in order: each request owns a slot in the connection's queue and
 * responses leave from the head of the queue only.
 */
#ifndef KS_BROKER_H
#define KS_BROKER_H

#include "conf.h"
#include "ks.h"
#include "metaview.h"
#include "process.h"
#include "proto/api.h"

struct event_base;
struct bufferevent;
struct event;

typedef struct ks_conn ks_conn_t;
typedef struct ks_req ks_req_t;

struct ks_req {
    ks_conn_t *conn;              /* NULL once the connection is gone */
    ks_req_t *next;               /* in the connection's queue */
    uint8_t *frame;               /* the request (header + body), owned */
    size_t frame_len;
    ks_request_header_t hdr;
    ks_reader_t body;             /* positioned after the header */
    ks_arena_t arena;
    void *request;                /* decoded body */
    uint8_t *out;                 /* encoded response (header + body), owned */
    size_t out_len;
    uint32_t rpc_id;              /* when forwarded to the coordinator */
    bool forward_sent;            /* written to the coordinator link */
    int64_t started_us;
    bool done;
    bool close_after;             /* close the connection instead of answering */
    bool no_response;             /* Produce with acks=0 */
    bool parked;                  /* waits in a handler's list (produce, fetch):
                                   * a closing connection orphans it (conn =
                                   * NULL) instead of freeing it; completing an
                                   * orphan frees it */
};

struct ks_conn {
    int fd;
    struct bufferevent *bev;
    char peer[64];
    uint32_t listener;            /* index in the listeners key */
    int security;                 /* KS_SEC_* of that listener */
    bool authenticated;           /* SASL done (always true without SASL) */
    char principal[256];          /* "User:ANONYMOUS" until authenticated */
    bool sasl_raw;                /* the next frame is a raw SASL token (after
                                   * a SaslHandshake v0), not a request */
    struct ks_sasl_session *sasl; /* SASL state (auth.c); NULL before a handshake */
    bool tls_handshaking;         /* TLS listener: handshake not done yet */
    int64_t accepted_ms;
    ks_req_t *head, *tail;        /* requests in arrival order */
    int inflight;
    bool closing;
    bool read_paused;
    bool dead;                    /* closed; freed when no callback holds it */
    int busy;                     /* callbacks of this connection on the stack */
    int64_t last_active_ms;
    int64_t frame_start_ms;       /* first byte of a partial request frame; 0 none */
    uint32_t addr_key;            /* the master's key of the client address */
    ks_conn_t *prev, *next;       /* in the worker's list */
};

typedef struct {
    ks_inherit_t *in;
    struct event_base *base;
    int listener_security[KS_CONF_MAX_LISTENERS];  /* KS_SEC_* by listener index */
    char listener_name[KS_CONF_MAX_LISTENERS][32]; /* listener names by index */
    ks_mvcache_t mvc;             /* the metadata snapshot */
    ks_conn_t *conns;
    int nconns;
    bool stopping;
    /* the coordinator link */
    struct ks_rpclink *coord;
    uint32_t next_rpc_id;
    ks_req_t **pending;           /* forwarded requests waiting for replies */
    size_t npending, cap_pending;
    struct event *chan_ev;
    struct event *tick;
    /* the data path */
    struct ks_ring_s *ring;       /* == in->shm->ring */
    struct ks_objstore *os;       /* reads of data older than the ring */
    int notify_fd;                /* wake-ups from the flusher */
    struct event *notify_ev;
} ks_worker_t;

extern ks_worker_t ks_W;

/* ---- connections (conn.c) ---- */
void ks_conn_accept(int fd, uint32_t listener, uint32_t addr_key);
void ks_conn_close(ks_conn_t *c, const char *why);
/* A request was answered (req->out set) or marked close_after/no_response:
 * send what can be sent in order. */
void ks_req_complete(ks_req_t *req);
/* Encodes the response header and body for req; marks it done. */
void ks_req_respond(ks_req_t *req, const void *resp);
/* Same at an explicit version (ApiVersions' error answer is v0). */
void ks_req_respond_version(ks_req_t *req, int version, const void *resp);
/* Close the connection once every earlier request was answered. */
void ks_req_fail_close(ks_req_t *req, const char *why);
void ks_conn_idle_sweep(int64_t now_ms, int64_t idle_ms);

/* ---- SASL authentication (auth.c) ---- */
void ks_h_sasl_handshake(ks_req_t *req);
void ks_h_sasl_authenticate(ks_req_t *req);
/* A frame of a connection in raw SASL mode: a token, no Kafka header. */
void ks_sasl_raw_token(ks_req_t *req);
/* Whether the request may be dispatched: on a SASL listener only
 * ApiVersions and the SASL requests before authentication, only the SASL
 * requests after the session ended.  false: the request was completed
 * with a close (logged). */
bool ks_sasl_gate(ks_req_t *req);
/* Frees the connection's SASL state. */
void ks_sasl_conn_free(ks_conn_t *c);
/* Largest raw SASL token accepted. */
#define KS_SASL_RAW_TOKEN_MAX 65536

/* ---- dispatch (api.c) ---- */
typedef void (*ks_handler_fn)(ks_req_t *req);

typedef struct {
    int16_t min_version;
    int16_t max_version;
    ks_handler_fn handle;         /* NULL: forwarded to the coordinator */
    bool forward;
} ks_api_entry_t;

/* The table: what is advertised is exactly what has an entry here. */
const ks_api_entry_t *ks_api_entry(int key);
void ks_dispatch(ks_req_t *req);
/* Fills an ApiVersions response from the table. */
void ks_api_versions_fill(ks_api_versions_resp_t *resp, ks_arena_t *a);

/* ---- the coordinator link (worker.c) ---- */
void ks_forward(ks_req_t *req);
void ks_forget_request(ks_req_t *req);
/* The latest metadata snapshot (re-read when its generation moved). */
const ks_metaview_t *ks_worker_meta(void);

/* ---- the data path ---- */
void ks_h_produce(ks_req_t *req);
void ks_h_fetch(ks_req_t *req);
void ks_h_list_offsets(ks_req_t *req);
void ks_h_offset_for_leader_epoch(ks_req_t *req);
void ks_h_describe_producers(ks_req_t *req);
/* pstate.c: whether idempotent appends to the partition can be checked
 * now; starts rebuilding its producer state when needed. */
bool ks_pstate_ready(const ks_mv_topic_t *t, const ks_mv_partition_t *mp);
/* Called whenever the flusher advanced the durable cursor (high
 * watermarks moved, ring space freed): parked produces and fetches are
 * re-examined. */
void ks_produce_wakeup(void);
void ks_fetch_wakeup(void);
/* Frees what the data path keeps at worker exit. */
void ks_fetch_shutdown(void);

/* ---- Metadata (metadata.c), shared with the coordinator ---- */
void ks_h_metadata(ks_req_t *req);
/* Builds the Metadata response from a view, with each broker's endpoint
 * of the named listener (the client's; NULL: the first endpoints). Sets
 * *unknown to the number of requested topics that do not exist. Runs in:
 * worker, coordinator. */
int ks_metadata_build(const ks_metaview_t *mv, int32_t self_id, const char *listener,
                      const ks_metadata_req_t *req, int version, ks_metadata_resp_t *resp,
                      ks_arena_t *a, int *unknown);
/* Authorization of a built Metadata response (fn answers one check; quiet:
 * neither counted nor logged).  Runs in: worker, coordinator. */
typedef bool (*ks_metadata_authz_fn)(void *arg, int op, int rt, const char *name, size_t len, bool quiet);
void ks_metadata_authorize(const ks_metadata_req_t *req, int version, bool create, ks_metadata_resp_t *resp,
                           ks_metadata_authz_fn fn, void *arg, int *unknown);
/* Kafka's authorized operations in a response about to be sent:
 * topic_authorized_operations of every topic that is not
 * TOPIC_AUTHORIZATION_FAILED when include_topic_authorized_operations;
 * cluster_authorized_operations (v8-v10) when
 * include_cluster_authorized_operations, 0 without DESCRIBE on the
 * cluster.  Left at INT32_MIN when not asked for.  fn answers the bit
 * field of one resource.  Runs in: worker, coordinator. */
typedef int32_t (*ks_metadata_ops_fn)(void *arg, int rt, const char *name, size_t len);
void ks_metadata_authorized_ops(const ks_metadata_req_t *req, int version, ks_metadata_resp_t *resp,
                                ks_metadata_ops_fn fn, void *arg);
/* Whether the request asks for topics to be created when missing. */
bool ks_metadata_wants_create(const ks_metadata_req_t *req, int version);
/* Kafka's topic name rules: 1..249 chars of [a-zA-Z0-9._-], not "." or "..". */
bool ks_topic_name_valid(const char *name, size_t len);

/* ---- authorization (authz.c) ---- */
/* Whether authorizer = acl. */
bool ks_authz_on(void);
/* Whether the request's principal may do op on the resource; a denial is
 * counted and logged (src/acl.h).  Always true with authorizer = none. */
bool ks_authz(ks_req_t *req, int op, int rt, const char *name, size_t len);
/* The same without counting or logging a denial (filters). */
bool ks_authz_quiet(ks_req_t *req, int op, int rt, const char *name, size_t len);
/* Kafka's authorized operations of the request's principal on the
 * resource (ks_acl_authorized_ops; quiet). */
int32_t ks_authz_ops(ks_req_t *req, int rt, const char *name, size_t len);
/* Writes the identity trailer of a forwarded request (principal, peer,
 * u16 lengths, magic) into buf; its length, 0 when it does not fit.  The
 * coordinator strips it (coordinator.c). */
#define KS_FWD_TRAILER_MAGIC 0x4b534155u   /* "KSAU" */
#define KS_FWD_TRAILER_FIXED 8
#define KS_FWD_TRAILER_MAX (255 + 255 + KS_FWD_TRAILER_FIXED)
size_t ks_authz_trailer(const ks_req_t *req, uint8_t *buf, size_t cap);

#endif
