/*
 * libs3.c: the "libs3" object store backend (configure --with-libs3).
 * Debian's libs3 2.0 signs with Signature V2 only, which new AWS buckets
 * refuse: keep it for V2-only stores.  libs3's blocking calls run in the
 * objstore thread pool (pool.c); completions return to the loop.
 * Runs in: the owning process; the libs3 calls run in pool threads.
 *
 * Listing uses libs3's ListObjects (V1, marker based).  Retries: statuses
 * libs3 calls retryable (connection failures, timeouts, 5xx-like) are
 * retried max_retries times with exponential backoff and jitter, sleeping
 * in the pool thread.  Known limit: against s3rver, S3_create_bucket fails
 * (libs3 signs "/bucket/", s3rver computes "/bucket"), so bucket
 * auto-creation only works on stores that sign like AWS did.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libs3.h>

#define KS_OBJSTORE_BACKEND
#include "objstore/objstore.h"
#include "log.h"
#include "util.h"

static pthread_mutex_t init_mu = PTHREAD_MUTEX_INITIALIZER;
static int init_refs;

typedef struct {
    ks_objstore_t *os;
    ks_os_pool_t *pool;
    S3BucketContext ctx;
    char *host, *bucket, *access, *secret, *region;
    int max_retries;
    pthread_mutex_t mu;         /* stats and rng, shared by pool threads */
    uint64_t rng;
} libs3_be_t;

/* State of one call, on the pool thread's stack. */
typedef struct {
    libs3_be_t *b;
    ks_os_op_t *op;
    S3Status status;
    char detail[256];
    /* PUT */
    int iov_idx;
    size_t iov_off;
    /* GET */
    uint8_t *buf;
    size_t len, cap;
    bool oom;
    /* HEAD */
    int64_t content_length;
    /* LIST */
    char **keys;
    size_t nkeys, kcap;
    int truncated;
    char *marker;
} call_t;

static S3Status
props_cb(const S3ResponseProperties *p, void *data)
{
    call_t *c = data;

    c->content_length = (int64_t) p->contentLength;
    return S3StatusOK;
}

static void
complete_cb(S3Status status, const S3ErrorDetails *e, void *data)
{
    call_t *c = data;

    c->status = status;
    c->detail[0] = '\0';
    if (e != NULL && e->message != NULL)
        snprintf(c->detail, sizeof(c->detail), ": %s", e->message);
}

static int
put_data_cb(int size, char *buf, void *data)
{
    call_t *c = data;
    const ks_os_op_t *op = c->op;
    int out = 0;

    while (out < size && c->iov_idx < op->iovcnt) {
        const struct iovec *v = &op->iov[c->iov_idx];
        size_t n = KS_MIN((size_t) (size - out), v->iov_len - c->iov_off);

        if (n > 0)
            memcpy(buf + out, (const char *) v->iov_base + c->iov_off, n);
        out += (int) n;
        c->iov_off += n;
        if (c->iov_off == v->iov_len) {
            c->iov_idx++;
            c->iov_off = 0;
        }
    }
    return out;
}

static S3Status
get_data_cb(int size, const char *buf, void *data)
{
    call_t *c = data;

    if (c->len + (size_t) size + 1 > c->cap) {
        size_t cap = c->cap ? c->cap : 16384;
        uint8_t *nb;

        while (cap < c->len + (size_t) size + 1)
            cap *= 2;
        nb = realloc(c->buf, cap);
        if (nb == NULL) {
            c->oom = true;
            return S3StatusAbortedByCallback;
        }
        c->buf = nb;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, buf, (size_t) size);
    c->len += (size_t) size;
    return S3StatusOK;
}

static S3Status
list_cb(int truncated, const char *next_marker, int n, const S3ListBucketContent *contents,
        int nprefixes, const char **prefixes, void *data)
{
    call_t *c = data;

    c->truncated = truncated;
    for (int i = 0; i < n; i++) {
        if (c->nkeys == c->kcap) {
            size_t cap = c->kcap ? c->kcap * 2 : 256;
            char **nk = realloc(c->keys, cap * sizeof(*nk));

            if (nk == NULL)
                return S3StatusAbortedByCallback;
            c->keys = nk;
            c->kcap = cap;
        }
        c->keys[c->nkeys] = strdup(contents[i].key);
        if (c->keys[c->nkeys] == NULL)
            return S3StatusAbortedByCallback;
        c->nkeys++;
    }
    free(c->marker);
    c->marker = NULL;
    if (next_marker != NULL && next_marker[0] != '\0')
        c->marker = strdup(next_marker);
    else if (c->nkeys > 0)
        c->marker = strdup(c->keys[c->nkeys - 1]);
    return S3StatusOK;
}

static int
status_http(S3Status s)
{
    switch (s) {
    case S3StatusErrorNoSuchKey:
    case S3StatusErrorNoSuchBucket:
    case S3StatusHttpErrorNotFound:
        return 404;
    case S3StatusErrorSignatureDoesNotMatch:
    case S3StatusErrorAccessDenied:
    case S3StatusErrorInvalidAccessKeyId:
    case S3StatusHttpErrorForbidden:
        return 403;
    case S3StatusErrorInvalidRange:
        return 416;
    case S3StatusHttpErrorConflict:
        return 409;
    default:
        return 0;
    }
}

static int
cmp_keys(const void *a, const void *c)
{
    return strcmp(*(char *const *) a, *(char *const *) c);
}

/* Runs one libs3 call, with retries. */
static void
run(call_t *c, int kind, bool create_bucket)
{
    libs3_be_t *b = c->b;
    ks_os_op_t *op = c->op;
    S3ResponseHandler rh = { props_cb, complete_cb };

    for (int attempt = 0;; attempt++) {
        c->status = S3StatusInternalError;
        c->iov_idx = 0;
        c->iov_off = 0;
        c->len = 0;
        c->content_length = -1;
        if (create_bucket) {
            S3_create_bucket(b->ctx.protocol, b->access, b->secret, b->host, b->bucket,
                             S3CannedAclPrivate,
                             strcmp(b->region, "us-east-1") != 0 ? b->region : NULL, NULL, &rh, c);
        } else if (kind == KS_OS_OP_PUT) {
            S3PutObjectHandler h = { rh, put_data_cb };

            S3_put_object(&b->ctx, op->key, op->body_len, NULL, NULL, &h, c);
        } else if (kind == KS_OS_OP_GET) {
            S3GetObjectHandler h = { rh, get_data_cb };

            S3_get_object(&b->ctx, op->key, NULL, (uint64_t) op->offset,
                          op->len > 0 ? (uint64_t) op->len : 0, NULL, &h, c);
        } else if (kind == KS_OS_OP_HEAD) {
            S3_head_object(&b->ctx, op->key, NULL, &rh, c);
        } else if (kind == KS_OS_OP_DELETE) {
            S3_delete_object(&b->ctx, op->key, NULL, &rh, c);
        } else {
            S3ListBucketHandler h = { rh, list_cb };

            S3_list_bucket(&b->ctx, op->key, c->marker, NULL, 1000, NULL, &h, c);
        }
        if (c->status == S3StatusOK || !S3_status_is_retryable(c->status) ||
            attempt >= b->max_retries)
            return;
        {
            long d = KS_MIN(100L << KS_MIN(attempt, 16), 10000L), ms;
            struct timespec ts;

            pthread_mutex_lock(&b->mu);
            b->rng ^= b->rng << 13;
            b->rng ^= b->rng >> 7;
            b->rng ^= b->rng << 17;
            ms = d / 2 + (long) (b->rng % (uint64_t) (d / 2 + 1));
            ks_os_stats_mut(b->os)->retries++;
            pthread_mutex_unlock(&b->mu);
            ts.tv_sec = ms / 1000;
            ts.tv_nsec = (ms % 1000) * 1000000L;
            nanosleep(&ts, NULL);
        }
    }
}

static void
fail(call_t *c, const char *what)
{
    c->op->res.http_status = status_http(c->status);
    ks_os_op_fail(c->op, KS_ERROR, "libs3 %s %s: %s%s", what, c->op->key,
                  S3_get_status_name(c->status), c->detail);
}

/* Runs in: a pool thread. */
static void
libs3_exec(void *ctx, ks_os_op_t *op)
{
    call_t c = { .b = ctx, .op = op };
    const char *name = ks_os_op_name(op->kind);

    switch (op->kind) {
    case KS_OS_OP_PUT:
        run(&c, op->kind, false);
        if (c.status == S3StatusErrorNoSuchBucket) {
            ks_log_info("bucket %s does not exist: creating it", c.b->bucket);
            run(&c, op->kind, true);
            if (c.status != S3StatusOK) {
                fail(&c, "create bucket for");
                break;
            }
            run(&c, op->kind, false);
        }
        if (c.status != S3StatusOK)
            fail(&c, name);
        else
            op->res.rc = KS_OK;
        break;
    case KS_OS_OP_GET:
        run(&c, op->kind, false);
        if (c.status == S3StatusOK && !c.oom) {
            if (c.buf == NULL)
                c.buf = malloc(1);
            if (c.buf == NULL) {
                ks_os_op_fail(op, KS_ERROR, "libs3 get %s: out of memory", op->key);
                break;
            }
            c.buf[c.len] = '\0';
            op->res.data = c.buf;
            op->res.len = c.len;
            c.buf = NULL;
            op->res.rc = KS_OK;
        } else if (c.status == S3StatusErrorNoSuchKey || c.status == S3StatusHttpErrorNotFound) {
            fail(&c, name);
            op->res.rc = KS_OS_NOT_FOUND;
        } else {
            fail(&c, name);
        }
        break;
    case KS_OS_OP_HEAD:
        run(&c, op->kind, false);
        if (c.status == S3StatusOK) {
            op->res.size = c.content_length;
            op->res.rc = KS_OK;
        } else {
            fail(&c, name);
            if (status_http(c.status) == 404)
                op->res.rc = KS_OS_NOT_FOUND;
        }
        break;
    case KS_OS_OP_DELETE:
        run(&c, op->kind, false);
        if (c.status == S3StatusOK || status_http(c.status) == 404)
            op->res.rc = KS_OK;
        else
            fail(&c, name);
        break;
    case KS_OS_OP_LIST:
        do {
            c.truncated = 0;
            run(&c, op->kind, false);
        } while (c.status == S3StatusOK && c.truncated && c.marker != NULL);
        if (c.status == S3StatusOK || c.status == S3StatusErrorNoSuchBucket) {
            if (c.nkeys > 1)
                qsort(c.keys, c.nkeys, sizeof(*c.keys), cmp_keys);
            op->res.keys = c.keys;
            op->res.nkeys = c.nkeys;
            c.keys = NULL;
            op->res.rc = KS_OK;
        } else {
            fail(&c, name);
        }
        break;
    default:
        ks_os_op_fail(op, KS_ERROR, "unknown operation");
        break;
    }
    free(c.buf);
    free(c.marker);
    if (c.keys != NULL) {
        for (size_t i = 0; i < c.nkeys; i++)
            free(c.keys[i]);
        free(c.keys);
    }
}

static int
libs3_submit(void *be, ks_os_op_t *op)
{
    libs3_be_t *b = be;

    ks_os_pool_submit(b->pool, op);
    return KS_OK;
}

static void
wipe_free(char *s)
{
    if (s != NULL) {
        volatile char *v = s;

        while (*v)
            *v++ = '\0';
        free(s);
    }
}

static void
be_free(libs3_be_t *b)
{
    free(b->host);
    free(b->bucket);
    free(b->access);
    wipe_free(b->secret);
    free(b->region);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

static void
libs3_close(void *be)
{
    libs3_be_t *b = be;

    ks_os_pool_free(b->pool);
    be_free(b);
    pthread_mutex_lock(&init_mu);
    if (--init_refs == 0)
        S3_deinitialize();
    pthread_mutex_unlock(&init_mu);
}

static char *
dup_or_env(const char *v, const char *env)
{
    if (v == NULL || v[0] == '\0')
        v = getenv(env);
    return v != NULL && v[0] != '\0' ? strdup(v) : NULL;
}

static void *
libs3_open(ks_objstore_t *os, struct event_base *base, const ks_os_config_t *cfg,
           char *err, size_t errlen)
{
    libs3_be_t *b;
    const char *ep = cfg->endpoint, *hp;
    bool https = true;
    S3Status st;

    if (cfg->bucket == NULL || cfg->bucket[0] == '\0') {
        snprintf(err, errlen, "libs3 object store needs a bucket (s3.bucket)");
        return NULL;
    }
    b = calloc(1, sizeof(*b));
    if (b == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&b->mu, NULL);
    b->os = os;
    if (ep == NULL || ep[0] == '\0')
        ep = "s3.amazonaws.com";
    hp = strstr(ep, "://");
    if (hp != NULL) {
        https = strncmp(ep, "https", 5) == 0;
        hp += 3;
    } else {
        hp = ep;
    }
    b->host = strndup(hp, strcspn(hp, "/"));
    b->bucket = strdup(cfg->bucket);
    b->region = strdup(cfg->region != NULL && cfg->region[0] ? cfg->region : "us-east-1");
    b->access = dup_or_env(cfg->access_key, "AWS_ACCESS_KEY_ID");
    b->secret = dup_or_env(cfg->secret_key, "AWS_SECRET_ACCESS_KEY");
    b->max_retries = cfg->max_retries >= 0 ? cfg->max_retries : 5;
    b->rng = (uint64_t) ks_mono_us() ^ ((uint64_t) getpid() << 32);
    if (b->rng == 0)
        b->rng = 88172645463325252ULL;
    if (b->host == NULL || b->bucket == NULL || b->region == NULL) {
        snprintf(err, errlen, "out of memory");
        be_free(b);
        return NULL;
    }
    if (b->access == NULL || b->secret == NULL) {
        snprintf(err, errlen, "libs3 object store needs credentials (s3.access.key and s3.secret.key, "
                 "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
        be_free(b);
        return NULL;
    }
    b->ctx.hostName = b->host;
    b->ctx.bucketName = b->bucket;
    b->ctx.protocol = https ? S3ProtocolHTTPS : S3ProtocolHTTP;
    b->ctx.uriStyle = cfg->path_style ? S3UriStylePath : S3UriStyleVirtualHost;
    b->ctx.accessKeyId = b->access;
    b->ctx.secretAccessKey = b->secret;
    pthread_mutex_lock(&init_mu);
    st = init_refs == 0 ? S3_initialize("kafscale", S3_INIT_ALL, b->host) : S3StatusOK;
    if (st == S3StatusOK)
        init_refs++;
    pthread_mutex_unlock(&init_mu);
    if (st != S3StatusOK) {
        snprintf(err, errlen, "could not initialize libs3: %s", S3_get_status_name(st));
        be_free(b);
        return NULL;
    }
    b->pool = ks_os_pool_new(base, cfg->concurrency > 0 ? cfg->concurrency : 4, libs3_exec, b,
                             err, errlen);
    if (b->pool == NULL) {
        pthread_mutex_lock(&init_mu);
        if (--init_refs == 0)
            S3_deinitialize();
        pthread_mutex_unlock(&init_mu);
        be_free(b);
        return NULL;
    }
    return b;
}

const ks_os_backend_t ks_os_backend_libs3 = {
    .name = "libs3",
    .open = libs3_open,
    .submit = libs3_submit,
    .close = libs3_close,
};
