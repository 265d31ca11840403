/*
 * objstore.h: the object store behind segment uploads and reads.
 * Runs in: flusher (uploads, retention deletes), workers (reads of old
 * segments), master/coordinator (startup probe, restore listing).
 *
 * Backends with one interface, chosen by ks_os_config_t.backend:
 *   file   objects mirrored under <data_dir>/objects/<key>; blocking disk
 *          I/O runs in a small thread pool, durable (file + directories
 *          fsync'd) before a PUT reports KS_OK
 *   s3     libcurl multi on the caller's libevent loop, Signature V4
 *   libs3  Debian's libs3 (Signature V2 only), configure --with-libs3
 *
 * Every operation is asynchronous: the callback runs later on the loop of
 * the event_base given to ks_objstore_open, never from inside the call that
 * started the operation.  A call returns KS_OK when the operation was
 * accepted (its callback will run exactly once) or KS_ERROR when it was
 * refused at once (bad arguments, store closing); then no callback runs.
 * The handle is not thread-safe: use it from the loop's thread only.
 */
#ifndef KS_OBJSTORE_H
#define KS_OBJSTORE_H

#include <sys/uio.h>

#include "ks.h"

struct event_base;

/* Result code: the key does not exist (GET, HEAD). */
#define KS_OS_NOT_FOUND  (-40)

typedef struct ks_objstore ks_objstore_t;

typedef struct {
    const char *backend;        /* "file" (default when NULL) | "s3" | "libs3" */
    const char *data_dir;       /* file: objects under <data_dir>/objects */
    const char *bucket;         /* s3 */
    const char *endpoint;       /* s3: "http://127.0.0.1:9000"; NULL = AWS */
    const char *region;         /* s3: NULL = "us-east-1" */
    const char *access_key;     /* s3: NULL = $AWS_ACCESS_KEY_ID */
    const char *secret_key;     /* s3: NULL = $AWS_SECRET_ACCESS_KEY */
    const char *session_token;  /* s3: NULL = $AWS_SESSION_TOKEN (optional) */
    bool path_style;            /* s3: endpoint/bucket/key, else bucket.endpoint/key */
    int concurrency;            /* operations in flight (more are queued);
                                 * file: pool threads (2..8); 0 = default */
    int timeout_ms;             /* s3: per attempt; 0 = 30000 */
    int max_retries;            /* s3: retries after the first try; <0 = 5 */
} ks_os_config_t;

typedef struct {
    int rc;                     /* KS_OK, KS_ERROR or KS_OS_NOT_FOUND */
    int http_status;            /* s3: last HTTP status, 0 if none */
    const char *error;          /* reason when rc != KS_OK (never a secret) */
    uint8_t *data;              /* GET: the bytes read */
    size_t len;                 /* GET: bytes in data */
    int64_t size;               /* HEAD: object size; GET: whole object size
                                 * when known, else -1 */
    char **keys;                /* LIST: every key under the prefix, sorted
                                 * bytewise (as S3 does) */
    size_t nkeys;
} ks_os_result_t;

/* The result and everything it points to are freed after the callback
 * returns, except what the callback took with ks_os_result_take_*. */
typedef void (*ks_os_cb)(void *arg, const ks_os_result_t *res);

/* Takes ownership of a GET's data (free() it); the result keeps NULL.
 * Call it from inside the callback only. */
uint8_t *ks_os_result_take_data(const ks_os_result_t *res);
/* Takes ownership of a LIST's key array (free each key, then the array). */
char **ks_os_result_take_keys(const ks_os_result_t *res);

ks_objstore_t *ks_objstore_open(struct event_base *base, const ks_os_config_t *cfg,
                                char *err, size_t errlen);
/* Cancels what is in flight or queued: those callbacks run from inside
 * ks_objstore_close with rc KS_ERROR ("object store closed"), except
 * operations that already finished, which report their real result. */
void ks_objstore_close(ks_objstore_t *os);
/* Fills cfg from the broker configuration (strings point into conf). */
struct ks_conf;
void ks_os_config_from_conf(ks_os_config_t *cfg, const struct ks_conf *conf);
/* The backend's name: "file", "s3", "libs3". */
const char *ks_objstore_backend(const ks_objstore_t *os);

/* The iovecs and what they point to must stay valid until the callback
 * runs (the body is not copied).  KS_OK in the callback = durable. */
int ks_os_put(ks_objstore_t *os, const char *key, const struct iovec *iov, int iovcnt,
              ks_os_cb cb, void *arg);
/* Reads len bytes at offset (len -1 = to the end).  A range running past
 * the end returns what exists; an offset at or past the end of a
 * non-empty object is an error (http_status 416). */
int ks_os_get(ks_objstore_t *os, const char *key, int64_t offset, int64_t len,
              ks_os_cb cb, void *arg);
/* res->size = the object's size, or rc KS_OS_NOT_FOUND. */
int ks_os_head(ks_objstore_t *os, const char *key, ks_os_cb cb, void *arg);
/* All keys starting with prefix ("" = all), sorted; pages are fetched and
 * joined underneath. */
int ks_os_list(ks_objstore_t *os, const char *prefix, ks_os_cb cb, void *arg);
/* A missing key is success. */
int ks_os_delete(ks_objstore_t *os, const char *key, ks_os_cb cb, void *arg);

/* Statistics, for metrics.  Counted when an operation completes; an
 * operation counts once however many HTTP attempts it took. */
typedef enum {
    KS_OS_OP_PUT = 0,
    KS_OS_OP_GET,
    KS_OS_OP_HEAD,
    KS_OS_OP_LIST,
    KS_OS_OP_DELETE,
    KS_OS_OP_COUNT
} ks_os_op_kind_t;

typedef struct {
    uint64_t requests;          /* completed operations */
    uint64_t bytes;             /* PUT: bytes written; GET: bytes read */
    uint64_t errors;            /* rc KS_ERROR (not found is not an error) */
    uint64_t latency_us_sum;    /* sum of start-to-callback latencies */
} ks_os_op_stats_t;

typedef struct {
    ks_os_op_stats_t op[KS_OS_OP_COUNT];
    uint64_t retries;           /* s3: extra attempts after failures */
    uint64_t connects;          /* s3: new connections opened (the rest
                                 * reused kept-alive ones) */
    uint64_t inflight;          /* operations started, not yet completed */
    uint64_t queued;            /* operations waiting for a free slot */
} ks_os_stats_t;

const ks_os_stats_t *ks_objstore_stats(const ks_objstore_t *os);
/* "put", "get", "head", "list", "delete". */
const char *ks_os_op_name(int kind);

#ifdef KS_OBJSTORE_BACKEND
/*
 * For the backends in src/objstore/ only (file.c, s3.c, libs3.c).
 *
 * An operation is created by objstore.c, handed to the backend's submit(),
 * and handed back exactly once with ks_os_op_done() on the loop's thread;
 * objstore.c then calls the user's callback from a deferred event.
 */
typedef struct ks_os_op ks_os_op_t;

struct ks_os_op {
    ks_objstore_t *os;
    int kind;                   /* ks_os_op_kind_t */
    char *key;                  /* key, or prefix for LIST */
    const struct iovec *iov;    /* PUT body */
    int iovcnt;
    size_t body_len;
    int64_t offset, len;        /* GET range */
    ks_os_cb cb;
    void *arg;
    int64_t start_us;
    ks_os_result_t res;         /* filled by the backend */
    char errbuf[512];           /* res.error may point here */
    ks_os_op_t *next;           /* used by objstore.c's done queue, and by
                                 * backends while they own the op */
    void *priv;                 /* backend's */
};

typedef struct {
    const char *name;
    void *(*open)(ks_objstore_t *os, struct event_base *base, const ks_os_config_t *cfg,
                  char *err, size_t errlen);
    /* Takes the op; KS_ERROR = refused now (no ks_os_op_done then). */
    int (*submit)(void *be, ks_os_op_t *op);
    /* Must hand back every op it still owns through ks_os_op_done (with
     * an error for the unfinished ones), then free itself. */
    void (*close)(void *be);
} ks_os_backend_t;

void ks_os_op_done(ks_os_op_t *op);
/* Sets rc and a formatted error in op->errbuf. */
void ks_os_op_fail(ks_os_op_t *op, int rc, const char *fmt, ...) KS_PRINTF(3, 4);
ks_os_stats_t *ks_os_stats_mut(ks_objstore_t *os);

/* pool.c: a small thread pool for blocking backends.  fn runs in a pool
 * thread and fills op->res; the op then goes to ks_os_op_done on the loop.
 * ks_os_pool_free waits for running ops (they report their result) and
 * fails queued ones with "object store closed". */
typedef struct ks_os_pool ks_os_pool_t;
typedef void (*ks_os_pool_fn)(void *ctx, ks_os_op_t *op);
ks_os_pool_t *ks_os_pool_new(struct event_base *base, int nthreads, ks_os_pool_fn fn, void *ctx,
                             char *err, size_t errlen);
void ks_os_pool_submit(ks_os_pool_t *p, ks_os_op_t *op);
void ks_os_pool_free(ks_os_pool_t *p);

extern const ks_os_backend_t ks_os_backend_file;
extern const ks_os_backend_t ks_os_backend_s3;
#ifdef HAVE_LIBS3
extern const ks_os_backend_t ks_os_backend_libs3;
#endif
#endif /* KS_OBJSTORE_BACKEND */

#endif
