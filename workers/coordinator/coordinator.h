/*
 * coordinator.h: the coordinator process: the only one that talks to the
 * metadata store.  Owns topic metadata (published to shared memory for the
 * workers), and answers the requests workers forward (topic admin, and
 * later consumer groups and offsets).  Runs in: coordinator.
 */
#ifndef KS_COORDINATOR_H
#define KS_COORDINATOR_H

#include "ks.h"
#include "metastore/metastore.h"
#include "metaview.h"
#include "process.h"
#include "proto/api.h"

struct event_base;
struct bufferevent;

typedef struct ks_link ks_link_t;

/* A worker's connection to the coordinator. */
struct ks_link {
    struct bufferevent *bev;
    int worker;                  /* from the HELLO message */
    int refs;                    /* requests in progress + 1 while open */
    bool dead;
    ks_link_t *next;
};

/* A forwarded Kafka request being handled. */
typedef struct ks_creq {
    ks_link_t *link;
    uint32_t rpc_id;
    uint32_t listener;           /* index of the client's listener */
    uint8_t *frame;              /* owned copy of the request frame */
    size_t frame_len;
    ks_request_header_t hdr;
    ks_arena_t arena;
    void *request;
    void *response;
    int outstanding;             /* store operations still running */
    char principal[256];         /* who asks ("User:alice"), from the worker */
    char peer[256];              /* the client's "ip:port" */
} ks_creq_t;

typedef struct {
    ks_inherit_t *in;
    struct event_base *base;
    ks_metastore_t *ms;
    ks_metaview_t mv;            /* authoritative copy, published to shm */
    char *cluster_id;
    bool ready;
    bool stopping;
    int listen_fd;
    struct event *listen_ev;
    ks_link_t *links;
} ks_coord_t;

extern ks_coord_t ks_C;

/* Sends the encoded response of creq (at its request's version) and frees
 * creq. */
void ks_creq_respond(ks_creq_t *creq);
/* Frees creq without answering (the worker closes the client connection). */
void ks_creq_close(ks_creq_t *creq);
/* The name of the listener the client connected to ("SSL"), for the
 * endpoints given back to it; NULL when unknown. */
const char *ks_creq_listener(const ks_creq_t *creq);

/* topics.c */
/* Loads cluster id and topics from the store, then calls done(KS_OK|KS_ERROR). */
void ks_topics_load(void (*done)(int rc));
/* Rebuilds the snapshot blob and publishes it to shared memory. */
void ks_topics_publish(void);
void ks_h_create_topics(ks_creq_t *creq);
void ks_h_delete_topics(ks_creq_t *creq);
void ks_h_create_partitions(ks_creq_t *creq);
void ks_h_describe_cluster(ks_creq_t *creq);
void ks_h_coord_metadata(ks_creq_t *creq);
/* Commits the flusher's new high watermarks in one transaction; reply()
 * gets 0 on success.  The link holds one more reference until then. */
void ks_topics_commit(ks_link_t *l, uint32_t id, const uint8_t *p, size_t len,
                      void (*reply)(ks_link_t *l, uint32_t id, int status));

/* For the topic configuration APIs: the stored JSON document of a topic
 * ({"name", "partitions", "replication_factor", "topic_id", "created_at",
 * "config": {name: value}}), a check of one topic config, and an
 * asynchronous replacement of the document (the view and the shared
 * snapshot follow on success). */
struct cJSON;
const struct cJSON *ks_topics_doc(const char *name);
bool ks_topics_conf_check(const char *name, const char *value, char *err, size_t errlen);
void ks_topics_conf_defaults(ks_mv_topic_conf_t *tc);
int ks_topics_replace_doc(const char *name, struct cJSON *doc, void (*done)(void *arg, int rc), void *arg);

/* configs.c: DescribeConfigs, AlterConfigs, IncrementalAlterConfigs */
void ks_h_describe_configs(ks_creq_t *creq);
void ks_h_alter_configs(ks_creq_t *creq);
void ks_h_incremental_alter_configs(ks_creq_t *creq);

/* Slots in the ring's partition table (topics.c), and topic changes
 * other brokers learn about. */
bool ks_topics_slot_alloc(uint32_t *slot, uint32_t *gen);
void ks_topics_slot_release(uint32_t slot);
void ks_topics_announce(void);
void ks_topics_watch(void);

/* cluster.c: broker registration and partition ownership */
void ks_cluster_start(void (*done)(int rc));
void ks_cluster_stop(void (*done)(void));
void ks_cluster_reconcile(void);
/* Runs fn(arg) once no ownership change is in flight. */
void ks_cluster_when_settled(void (*fn)(void *arg), void *arg);
bool ks_cluster_owns(const char *topic, int32_t partition);
/* The registered (live) broker ids, sorted ascending; returns their number.
 * The array stays valid until the broker list changes. */
int ks_cluster_live(const int32_t **ids);

/* logs.c */
void ks_logs_load(void (*done)(int rc));
bool ks_logs_deletion_pending(const char *topic, size_t len);
void ks_logs_request_deletion(const char *topic);
void ks_logs_flusher_connected(ks_link_t *l);
void ks_logs_deletion_done(const uint8_t *p, size_t len);
void ks_logs_commit_log_start(ks_link_t *l, uint32_t id, const uint8_t *p, size_t len);
void ks_h_delete_records(ks_creq_t *creq);
/* producers.c */
void ks_h_init_producer_id(ks_creq_t *creq);
/* Sends a one-byte status reply on a link and drops the reference the
 * request held. */
void ks_logs_reply(ks_link_t *l, uint32_t id, uint16_t kind, int status);

/* scram.c: SCRAM credentials (/kafscale/security/scram/) in ks_C.mv */
/* Loads every credential into ks_C.mv and watches the prefix (changes
 * from any broker are republished); then done(KS_OK|KS_ERROR). */
void ks_scram_load(void (*done)(int rc));
void ks_h_describe_user_scram_credentials(ks_creq_t *creq);
void ks_h_alter_user_scram_credentials(ks_creq_t *creq);
/* For the ops API: the users and their mechanisms and iteration counts
 * (only = one user, NULL = all) as a JSON array, no secrets. */
struct cJSON *ks_scram_users_json(const char *only);
/* Sets a user's credential from a password (a fresh random salt), or
 * deletes a user's credential of one mechanism (-1: all).  0: started,
 * done(arg, KS_OK|KS_ERROR) runs once stored and published; else an
 * HTTP status (400 bad input, 404 nothing to delete, 500) with err. */
int ks_scram_set_password(const char *user, int mech, int iterations, const uint8_t *pw, size_t plen,
                          void (*done)(void *arg, int rc), void *arg, char *err, size_t errlen);
int ks_scram_delete_user(const char *user, int mech, void (*done)(void *arg, int rc), void *arg, char *err,
                         size_t errlen);

/* groups.c, offsets.c: consumer groups and committed offsets */
/* Starts the session-expiry sweep.  Each group is coordinated by one live
 * broker (ks_groups_coordinator); the others answer NOT_COORDINATOR.  A
 * group is loaded from the store on first use here; requests for it wait
 * meanwhile. */
void ks_groups_init(void);
/* Frees the session sweep timer at exit. */
void ks_groups_shutdown(void);
/* Called by cluster.c whenever the live broker list changed: groups whose
 * coordinator is no longer this broker are dropped from memory. */
void ks_groups_brokers_changed(void);
/* The coordinator of a group over the live brokers, the same on every
 * broker; -1 when none is known yet. */
int32_t ks_groups_coordinator(const char *id, size_t len);
void ks_h_find_coordinator(ks_creq_t *creq);
void ks_h_join_group(ks_creq_t *creq);
void ks_h_sync_group(ks_creq_t *creq);
void ks_h_heartbeat(ks_creq_t *creq);
void ks_h_leave_group(ks_creq_t *creq);
void ks_h_describe_groups(ks_creq_t *creq);
void ks_h_list_groups(ks_creq_t *creq);
void ks_h_delete_groups(ks_creq_t *creq);
void ks_h_offset_commit(ks_creq_t *creq);
void ks_h_offset_fetch(ks_creq_t *creq);
void ks_h_offset_delete(ks_creq_t *creq);

/* acls.c: the ACL store, the ACL APIs, the authorizer of forwarded
 * requests (src/acl.h) */
/* Watches and reads the stored bindings into ks_C.mv.acls, then calls
 * done(KS_OK|KS_ERROR). */
void ks_acls_load(void (*done)(int rc));
void ks_acls_shutdown(void);
void ks_h_create_acls(ks_creq_t *creq);
void ks_h_describe_acls(ks_creq_t *creq);
void ks_h_delete_acls(ks_creq_t *creq);
/* Whether creq's principal may do op on the resource (always with
 * authorizer = none); a denial is counted and logged. */
bool ks_coord_authz(const ks_creq_t *creq, int op, int rt, ks_str_t name);
bool ks_coord_authz_cluster(const ks_creq_t *creq, int op);
/* The same without counting or logging a denial (filters). */
bool ks_coord_authz_quiet(const ks_creq_t *creq, int op, int rt, ks_str_t name);
/* Kafka's authorized operations of creq's principal on the resource
 * (ks_acl_authorized_ops; quiet). */
int32_t ks_coord_authz_ops(const ks_creq_t *creq, int rt, ks_str_t name);
/* op on some resource of type rt (InitProducerId: WRITE on any topic);
 * a denial is neither counted nor logged. */
bool ks_coord_authz_any(const ks_creq_t *creq, int op, int rt);
struct evhttp_request;
struct evbuffer;
/* The ops API's /api/v1/acls (GET, POST, DELETE). */
void ks_acls_http(struct evhttp_request *req);
/* kafscale_authorization_denied_total and kafscale_acl_bindings. */
void ks_acls_metrics(struct evbuffer *b);

#endif
