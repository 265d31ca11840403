/*
 * ops_int.h: what ops.c (the server: caches, probes, authentication,
 * routing), ops_api.c (the JSON admin API) and ops_metrics.c (/metrics)
 * share; private to them.  Runs in: coordinator.
 */
#ifndef KS_COORD_OPS_INT_H
#define KS_COORD_OPS_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "coordinator.h"
#include "objstore/objstore.h"
#include "opsauth.h"
#include "shm/ring.h"
#include "stats.h"

struct evhttp_request;
struct evbuffer;

/* metadata-store timing: the wrapped calls, by operation */
enum {
    MS_GET = 0, MS_RANGE, MS_PUT, MS_DELETE, MS_DELETE_PREFIX, MS_TXN,
    MS_LEASE_GRANT, MS_LEASE_KEEPALIVE, MS_LEASE_REVOKE, MS_NOPS
};

typedef struct {
    uint64_t requests, errors;
    ks_stats_lat_t latency;       /* only this process writes it */
} ms_stat_t;

/* cached store data */
typedef struct {
    char *topic;
    int32_t partition;
    int64_t offset;
} og_off_t;

typedef struct {
    char *name;
    cJSON *meta;                  /* the stored group document, or NULL */
    og_off_t *offs;
    size_t noffs, capoffs;
} og_group_t;

typedef struct {
    char *topic;
    int32_t partition;
    int64_t next_offset, log_start;
} ot_part_t;

/* A request waiting for a fresh copy of the groups. */
typedef struct waiter {
    struct evhttp_request *req;
    char *name;                   /* NULL = every group */
    uint64_t need_seq;            /* answered by a read issued at or after this */
    struct waiter *next;
} waiter_t;

typedef struct {
    bool on;
    char addr[300];
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    struct event *timer;
    ks_objstore_t *os;
    int64_t started_ms;
    int64_t next_probe_ms;
    /* readiness */
    bool ms_ok, os_ok;
    bool ms_probing, os_probing;
    int64_t ms_probe_start, os_probe_start;
    char ms_err[256], os_err[256];
    /* metadata-store timing */
    const ks_ms_backend_t *orig;
    ks_ms_backend_t wrap;
    ms_stat_t ms[MS_NOPS];
    /* caches */
    og_group_t *groups;
    size_t ngroups;
    int64_t groups_ms;            /* when the copy was read, 0 = never */
    bool groups_loading;
    uint64_t groups_seq;          /* reads of the groups issued so far */
    waiter_t *waiters;
    ot_part_t *tparts;
    size_t ntparts;
    bool topics_loading;
    /* authentication */
    ks_opsauth_t *auth;
    uint64_t auth_failures;
} ks_ops_t;

extern ks_ops_t ks_O;

/* small helpers */

static inline ks_shm_t *
shm(void)
{
    return ks_C.in->shm;
}

static inline int
nslots(void)
{
    int n = KS_SLOT_WORKER0 + shm()->hdr->nworkers;
    return n > KS_MAX_PROCS ? KS_MAX_PROCS : n;
}

static inline const char *
proc_kind_name(int kind)
{
    switch (kind) {
    case KS_PROC_WORKER: return "worker";
    case KS_PROC_FLUSHER: return "flusher";
    case KS_PROC_COORDINATOR: return "coordinator";
    default: return "none";
    }
}

static inline const char *
slot_state_name(uint32_t st)
{
    switch (st) {
    case KS_SLOT_STARTING: return "starting";
    case KS_SLOT_RUNNING: return "running";
    case KS_SLOT_STOPPING: return "stopping";
    default: return "down";
    }
}

/* The kind of a slot, also while its process is down. */
static inline int
slot_kind(int i)
{
    return i == KS_SLOT_COORDINATOR ? KS_PROC_COORDINATOR
         : i == KS_SLOT_FLUSHER ? KS_PROC_FLUSHER : KS_PROC_WORKER;
}


/* ops.c */
/* 200 when /readyz would answer it. */
bool ks_ops_ready(void);
/* Milliseconds since the first process of the broker started. */
int64_t ks_ops_uptime_ms(void);
/* A partition's offsets: from its slot when served here, else from the
 * store's keys read by the last refresh.  False when unknown. */
typedef struct {
    int64_t log_start, hw, next_offset;
    uint64_t bytes_in, records_in, bytes_out, records_out;
    bool local;
} pinfo_t;
bool ks_ops_part_info(const ks_mv_topic_t *t, const ks_mv_partition_t *mp, pinfo_t *pi);
/* The high watermark of a partition; false when unknown. */
bool ks_ops_hw_of(const char *topic, int32_t partition, int64_t *hw);
/* Answers req with b (not to be cached). */
void ks_ops_reply(struct evhttp_request *req, int code, const char *reason, const char *ctype, struct evbuffer *b);
/* Answers req with text and a newline as text/plain. */
void ks_ops_reply_text(struct evhttp_request *req, int code, const char *reason, const char *text);
/* Reads the groups and committed offsets again (unless a read is in
 * flight); ks_ops_answer_waiters runs when it is over. */
void ks_ops_refresh_groups(void);

/* ops_api.c: /api/v1/... (but acls, acls.c) */
void ks_ops_api_topics(struct evhttp_request *req, const char *name);
void ks_ops_api_brokers(struct evhttp_request *req);
void ks_ops_api_groups(struct evhttp_request *req, const char *name);
void ks_ops_api_status(struct evhttp_request *req);
void ks_ops_api_throughput(struct evhttp_request *req);
void ks_ops_api_users(struct evhttp_request *req, const char *name);
/* Answers the requests that waited for the read `seq` of the groups (or an
 * earlier one; UINT64_MAX: every request, the read failed). */
void ks_ops_answer_waiters(uint64_t seq);

/* ops_metrics.c: GET /metrics */
void ks_ops_metrics(struct evhttp_request *req);

#endif
