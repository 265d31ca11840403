/*
 * metastore.h: the metadata key-value store behind the coordinator.
 * Runs in: coordinator (the only process that talks to the store).
 *
 * Two backends with one interface:
 *   embedded  journal + snapshot in <data.dir>/meta, fsync'd (default)
 *   etcd      etcd v3 JSON gateway over libcurl (issue: coordinator on etcd)
 *
 * Every call is asynchronous: the result arrives through the callback on
 * the coordinator's event loop, never from inside the call itself (the
 * embedded backend defers its callbacks with a libevent event), so callers
 * can treat both backends alike.  Keys and values are byte strings.
 * Revisions follow etcd's meaning: a store-wide counter that grows by one on
 * every successful write (put, delete, txn); each key remembers the
 * revision that created it (create_rev) and last changed it (mod_rev).
 */
#ifndef KS_METASTORE_H
#define KS_METASTORE_H

#include "ks.h"

struct event_base;

typedef struct ks_metastore ks_metastore_t;

typedef struct {
    char *key;          /* NUL-terminated copies, owned by the result */
    size_t key_len;
    uint8_t *value;     /* NUL-terminated too, for convenience */
    size_t value_len;
    int64_t create_rev;
    int64_t mod_rev;
    int64_t version;    /* number of writes since creation */
    int64_t lease;      /* 0 = none */
} ks_kv_t;

typedef struct {
    int rc;             /* KS_OK, or KS_ERROR (store unavailable / failed) */
    const char *error;  /* human-readable reason when rc != KS_OK */
    int64_t revision;   /* store revision after the operation */
    bool succeeded;     /* txn: compare held */
    size_t count;       /* range: matching keys; delete: keys deleted */
    ks_kv_t *kvs;       /* range / get results (sorted by key) */
    size_t nkvs;
    int64_t lease_id;   /* lease grant */
    int64_t lease_ttl;  /* lease grant / keepalive: remaining TTL; 0 = lost */
} ks_ms_result_t;

typedef void (*ks_ms_cb)(void *arg, const ks_ms_result_t *res);

typedef enum { KS_MS_OP_PUT = 1, KS_MS_OP_DELETE, KS_MS_OP_DELETE_PREFIX, KS_MS_OP_GET } ks_ms_op_kind_t;
typedef struct {
    int kind;
    const char *key;
    size_t key_len;
    const void *value;
    size_t value_len;
    int64_t lease;
} ks_ms_op_t;

typedef enum { KS_MS_CMP_MOD_REV = 1, KS_MS_CMP_CREATE_REV, KS_MS_CMP_VERSION, KS_MS_CMP_VALUE } ks_ms_cmp_target_t;
typedef enum { KS_MS_CMP_EQ = 0, KS_MS_CMP_GT, KS_MS_CMP_LT, KS_MS_CMP_NE } ks_ms_cmp_result_t;
typedef struct {
    const char *key;
    size_t key_len;
    int target;         /* ks_ms_cmp_target_t */
    int result;         /* ks_ms_cmp_result_t */
    int64_t number;     /* for revisions / version (0 create_rev = absent) */
    const void *value;  /* for KS_MS_CMP_VALUE */
    size_t value_len;
} ks_ms_cmp_t;

typedef enum { KS_MS_WATCH_PUT = 1, KS_MS_WATCH_DELETE } ks_ms_watch_kind_t;
typedef void (*ks_ms_watch_cb)(void *arg, int kind, const ks_kv_t *kv);

/* Backend-specific constructor, chosen from conf by ks_metastore_open. */
typedef struct {
    const char *backend;      /* "embedded" | "etcd" */
    const char *data_dir;     /* embedded: journal lives in <data_dir>/meta */
    const char *etcd_endpoints;
    const char *etcd_username;
    const char *etcd_password;
} ks_ms_config_t;

ks_metastore_t *ks_metastore_open(struct event_base *base, const ks_ms_config_t *cfg,
                                  char *err, size_t errlen);
void ks_metastore_close(ks_metastore_t *ms);

/* A frees-everything helper for results a caller copied (callbacks' results
 * are freed by the store right after the callback returns). */
void ks_ms_result_free(ks_ms_result_t *res);

int ks_ms_get(ks_metastore_t *ms, const char *key, ks_ms_cb cb, void *arg);
/* All keys starting with prefix, sorted; limit 0 = all. */
int ks_ms_range(ks_metastore_t *ms, const char *prefix, size_t limit, ks_ms_cb cb, void *arg);
int ks_ms_put(ks_metastore_t *ms, const char *key, const void *value, size_t len,
              int64_t lease, ks_ms_cb cb, void *arg);
int ks_ms_delete(ks_metastore_t *ms, const char *key, ks_ms_cb cb, void *arg);
int ks_ms_delete_prefix(ks_metastore_t *ms, const char *prefix, ks_ms_cb cb, void *arg);
/* If every compare holds, apply `success` ops, else `failure` ops; atomic
 * and durable as one unit. GET ops' results land in res->kvs. */
int ks_ms_txn(ks_metastore_t *ms, const ks_ms_cmp_t *cmp, size_t ncmp,
              const ks_ms_op_t *success, size_t nsuccess,
              const ks_ms_op_t *failure, size_t nfailure, ks_ms_cb cb, void *arg);

int ks_ms_lease_grant(ks_metastore_t *ms, int64_t ttl_s, ks_ms_cb cb, void *arg);
int ks_ms_lease_keepalive(ks_metastore_t *ms, int64_t lease, ks_ms_cb cb, void *arg);
int ks_ms_lease_revoke(ks_metastore_t *ms, int64_t lease, ks_ms_cb cb, void *arg);

/* Calls cb for every change under prefix after the call; returns a watch
 * id >= 0, or KS_ERROR. */
int ks_ms_watch(ks_metastore_t *ms, const char *prefix, ks_ms_watch_cb cb, void *arg);
void ks_ms_unwatch(ks_metastore_t *ms, int watch_id);

/*
 * Return values of the asynchronous calls above: KS_OK means the callback
 * (when not NULL) will be called exactly once, later, from the event loop;
 * KS_ERROR means invalid arguments and no callback.  A store that cannot
 * write reports rc = KS_ERROR through the callback.
 *
 * Embedded backend: writes a snapshot now and starts a new journal (it also
 * does this by itself when the journal grows).  Synchronous.  Other
 * backends: no-op.  KS_OK or KS_ERROR.
 */
int ks_ms_snapshot(ks_metastore_t *ms);

/*
 * Backend interface: metastore.c picks a backend by name and forwards every
 * call.  A backend's handle starts with `struct ks_metastore` (its first
 * member).  For the .c files in src/metastore only.
 */
typedef struct {
    const char *name;
    ks_metastore_t *(*open)(struct event_base *base, const ks_ms_config_t *cfg,
                            char *err, size_t errlen);
    void (*close)(ks_metastore_t *ms);
    int (*get)(ks_metastore_t *ms, const char *key, ks_ms_cb cb, void *arg);
    int (*range)(ks_metastore_t *ms, const char *prefix, size_t limit, ks_ms_cb cb, void *arg);
    int (*put)(ks_metastore_t *ms, const char *key, const void *value, size_t len,
               int64_t lease, ks_ms_cb cb, void *arg);
    int (*del)(ks_metastore_t *ms, const char *key, ks_ms_cb cb, void *arg);
    int (*del_prefix)(ks_metastore_t *ms, const char *prefix, ks_ms_cb cb, void *arg);
    int (*txn)(ks_metastore_t *ms, const ks_ms_cmp_t *cmp, size_t ncmp,
               const ks_ms_op_t *success, size_t nsuccess,
               const ks_ms_op_t *failure, size_t nfailure, ks_ms_cb cb, void *arg);
    int (*lease_grant)(ks_metastore_t *ms, int64_t ttl_s, ks_ms_cb cb, void *arg);
    int (*lease_keepalive)(ks_metastore_t *ms, int64_t lease, ks_ms_cb cb, void *arg);
    int (*lease_revoke)(ks_metastore_t *ms, int64_t lease, ks_ms_cb cb, void *arg);
    int (*watch)(ks_metastore_t *ms, const char *prefix, ks_ms_watch_cb cb, void *arg);
    void (*unwatch)(ks_metastore_t *ms, int watch_id);
    int (*snapshot)(ks_metastore_t *ms);          /* may be NULL */
} ks_ms_backend_t;

struct ks_metastore {
    const ks_ms_backend_t *backend;
};

extern const ks_ms_backend_t ks_ms_embedded_backend;   /* embedded.c */
extern const ks_ms_backend_t ks_ms_etcd_backend;       /* etcd.c */

/*
 * Testing hook (fuzz target): replays a journal image held in memory into
 * a throw-away store, without touching any file.  Returns the number of
 * records applied and sets *valid_len to the length of the clean prefix
 * (where replay stopped); never fails on bad input.
 */
size_t ks_ms_embedded_replay_buffer(const uint8_t *buf, size_t len, size_t *valid_len);

#endif
