/*
 * ops.h: the ops HTTP endpoint (ops.listen, default 127.0.0.1:9093).
 * Runs in: coordinator, on its libevent loop (evhttp; nothing blocks).
 *
 *   GET /healthz          200 while the coordinator's loop runs
 *   GET /readyz           200 when the metadata store and the object store
 *                         answered the last periodic probe, else 503
 *   GET /metrics          Prometheus text format, names kafscale_*
 *   GET /api/v1/status    version, uptime, readiness, processes, ring
 *   GET /api/v1/brokers
 *   GET /api/v1/topics    topics, partitions (owner, log start, log end)
 *   GET /api/v1/topics/<name>
 *   GET /api/v1/groups    groups, members, committed offsets and lag
 *   GET /api/v1/groups/<name>
 *   GET /api/v1/users     users with SCRAM credentials: mechanisms and
 *                         iteration counts (never salts or keys)
 *   GET /api/v1/users/<name>
 *   POST /api/v1/users/<name>  {"password", "mechanism", "iterations"}:
 *                         sets the user's credential (a fresh random salt;
 *                         the password is not kept or logged); from
 *                         loopback peers only
 *   DELETE /api/v1/users/<name>[?mechanism=M]  deletes its credentials
 *                         (one mechanism or all)
 *   GET /api/v1/throughput  counters the console's charts diff: records
 *                         and bytes in/out, requests, network bytes
 *   GET /                 the web console (index.html; /console/<file>:
 *                         its script and style sheet, embedded at build
 *                         time, see console.h)
 *
 * With ops.auth.token.file / ops.auth.basic.file set, every path but
 * /healthz and /readyz needs the credentials (401 otherwise; see ops.c).
 *
 * Also times every metadata-store call of the coordinator (the store's
 * backend table is wrapped) for kafscale_metastore_* metrics.
 */
#ifndef KS_COORD_OPS_H
#define KS_COORD_OPS_H

#include <cjson/cJSON.h>

struct evhttp_request;

/* Binds ops.listen (a failure is logged and retried; "" disables the
 * endpoint).  Call once the metadata store is open. */
void ks_ops_start(void);
/* Closes the endpoint; call before the metadata store is closed. */
void ks_ops_stop(void);

/* Answers req with doc (deleted here) as JSON, not to be cached; 500 when
 * doc is NULL or memory runs out.  Also for the paths of acls.c. */
void ks_ops_reply_json(struct evhttp_request *req, int code, const char *reason, cJSON *doc);
/* Answers req with {"error": msg}. */
void ks_ops_reply_error(struct evhttp_request *req, int code, const char *reason, const char *msg);
/* The body of req parsed as JSON, NULL when it is empty or not JSON.  The
 * body is drained and its bytes wiped: it may hold a password. */
cJSON *ks_ops_body_json(struct evhttp_request *req);

#endif
