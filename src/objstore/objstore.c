/*
 * objstore.c: backend selection, argument checks, statistics and the
 * deferred delivery of results shared by every object store backend.
 * Runs in: any process that owns an object store handle (on its loop).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#define KS_OBJSTORE_BACKEND
#include "conf.h"
#include "objstore/objstore.h"
#include "log.h"
#include "util.h"

struct ks_objstore {
    struct event_base *base;
    const ks_os_backend_t *backend;
    void *be;
    struct event *ev_done;      /* delivers the done queue */
    ks_os_op_t *done_head, *done_tail;
    bool closing;
    ks_os_stats_t stats;
};

static const char *const op_names[KS_OS_OP_COUNT] = { "put", "get", "head", "list", "delete" };

const char *
ks_os_op_name(int kind)
{
    return kind >= 0 && kind < KS_OS_OP_COUNT ? op_names[kind] : "?";
}

static void
result_free(ks_os_result_t *res)
{
    free(res->data);
    res->data = NULL;
    if (res->keys != NULL) {
        for (size_t i = 0; i < res->nkeys; i++)
            free(res->keys[i]);
        free(res->keys);
        res->keys = NULL;
    }
}

uint8_t *
ks_os_result_take_data(const ks_os_result_t *res)
{
    ks_os_result_t *r = (ks_os_result_t *) res;
    uint8_t *d = r->data;

    r->data = NULL;
    return d;
}

char **
ks_os_result_take_keys(const ks_os_result_t *res)
{
    ks_os_result_t *r = (ks_os_result_t *) res;
    char **k = r->keys;

    r->keys = NULL;
    return k;
}

/* Runs the user's callback, counts, frees the op. */
static void
deliver(ks_objstore_t *os, ks_os_op_t *op)
{
    ks_os_op_stats_t *st = &os->stats.op[op->kind];

    if (op->res.rc != KS_OK && op->res.error == NULL)
        op->res.error = "unknown error";
    if (op->res.rc == KS_OK)
        op->res.error = NULL;
    st->requests++;
    if (op->res.rc == KS_ERROR)
        st->errors++;
    else if (op->res.rc == KS_OK && op->kind == KS_OS_OP_PUT)
        st->bytes += op->body_len;
    else if (op->res.rc == KS_OK && op->kind == KS_OS_OP_GET)
        st->bytes += op->res.len;
    st->latency_us_sum += (uint64_t) (ks_mono_us() - op->start_us);
    if (os->stats.inflight > 0)
        os->stats.inflight--;
    op->cb(op->arg, &op->res);
    result_free(&op->res);
    free(op->key);
    free(op);
}

static void
done_cb(evutil_socket_t fd, short what, void *arg)
{
    ks_objstore_t *os = arg;
    ks_os_op_t *list = os->done_head;

    /* Callbacks may start new operations, which may complete into a new
     * queue; take the current one first. */
    os->done_head = os->done_tail = NULL;
    while (list != NULL) {
        ks_os_op_t *op = list;

        list = op->next;
        deliver(os, op);
    }
}

void
ks_os_op_done(ks_os_op_t *op)
{
    ks_objstore_t *os = op->os;

    op->next = NULL;
    if (os->done_tail != NULL)
        os->done_tail->next = op;
    else
        os->done_head = op;
    os->done_tail = op;
    if (!os->closing)
        event_active(os->ev_done, EV_READ, 0);
}

void
ks_os_op_fail(ks_os_op_t *op, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(op->errbuf, sizeof(op->errbuf), fmt, ap);
    va_end(ap);
    op->res.rc = rc;
    op->res.error = op->errbuf;
}

ks_os_stats_t *
ks_os_stats_mut(ks_objstore_t *os)
{
    return &os->stats;
}

const ks_os_stats_t *
ks_objstore_stats(const ks_objstore_t *os)
{
    return &os->stats;
}

const char *
ks_objstore_backend(const ks_objstore_t *os)
{
    return os->backend->name;
}

ks_objstore_t *
ks_objstore_open(struct event_base *base, const ks_os_config_t *cfg, char *err, size_t errlen)
{
    const char *name = cfg->backend != NULL && cfg->backend[0] != '\0' ? cfg->backend : "file";
    const ks_os_backend_t *b = NULL;
    ks_objstore_t *os;

    if (strcmp(name, "file") == 0)
        b = &ks_os_backend_file;
    else if (strcmp(name, "s3") == 0)
        b = &ks_os_backend_s3;
#ifdef HAVE_LIBS3
    else if (strcmp(name, "libs3") == 0)
        b = &ks_os_backend_libs3;
#endif
    if (b == NULL) {
        snprintf(err, errlen, "unknown object store backend \"%s\"%s", name,
                 strcmp(name, "libs3") == 0 ? " (not built: configure --with-libs3)" : "");
        return NULL;
    }
    os = calloc(1, sizeof(*os));
    if (os == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    os->base = base;
    os->backend = b;
    os->ev_done = event_new(base, -1, 0, done_cb, os);
    if (os->ev_done == NULL) {
        snprintf(err, errlen, "could not create event");
        free(os);
        return NULL;
    }
    os->be = b->open(os, base, cfg, err, errlen);
    if (os->be == NULL) {
        event_free(os->ev_done);
        free(os);
        return NULL;
    }
    return os;
}

void
ks_objstore_close(ks_objstore_t *os)
{
    if (os == NULL)
        return;
    os->closing = true;
    os->backend->close(os->be);
    event_del(os->ev_done);
    /* Everything the backend handed back, finished or cancelled. */
    while (os->done_head != NULL) {
        ks_os_op_t *op = os->done_head;

        os->done_head = op->next;
        deliver(os, op);
    }
    event_free(os->ev_done);
    free(os);
}

static int
start(ks_objstore_t *os, int kind, const char *key, ks_os_cb cb, void *arg, ks_os_op_t **out)
{
    ks_os_op_t *op;

    if (os == NULL || os->closing || key == NULL || cb == NULL)
        return KS_ERROR;
    if (kind != KS_OS_OP_LIST && key[0] == '\0')
        return KS_ERROR;
    op = calloc(1, sizeof(*op));
    if (op == NULL)
        return KS_ERROR;
    op->key = strdup(key);
    if (op->key == NULL) {
        free(op);
        return KS_ERROR;
    }
    op->os = os;
    op->kind = kind;
    op->cb = cb;
    op->arg = arg;
    op->offset = 0;
    op->len = -1;
    op->res.size = -1;
    op->start_us = ks_mono_us();
    *out = op;
    return KS_OK;
}

static int
submit(ks_objstore_t *os, ks_os_op_t *op)
{
    if (os->backend->submit(os->be, op) != KS_OK) {
        free(op->key);
        free(op);
        return KS_ERROR;
    }
    os->stats.inflight++;
    return KS_OK;
}

int
ks_os_put(ks_objstore_t *os, const char *key, const struct iovec *iov, int iovcnt,
          ks_os_cb cb, void *arg)
{
    ks_os_op_t *op;
    size_t total = 0;

    if (iovcnt < 0 || (iovcnt > 0 && iov == NULL))
        return KS_ERROR;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len > 0 && iov[i].iov_base == NULL)
            return KS_ERROR;
        total += iov[i].iov_len;
    }
    if (start(os, KS_OS_OP_PUT, key, cb, arg, &op) != KS_OK)
        return KS_ERROR;
    op->iov = iov;
    op->iovcnt = iovcnt;
    op->body_len = total;
    return submit(os, op);
}

int
ks_os_get(ks_objstore_t *os, const char *key, int64_t offset, int64_t len,
          ks_os_cb cb, void *arg)
{
    ks_os_op_t *op;

    if (offset < 0 || len < -1 || len == 0)
        return KS_ERROR;
    if (start(os, KS_OS_OP_GET, key, cb, arg, &op) != KS_OK)
        return KS_ERROR;
    op->offset = offset;
    op->len = len;
    return submit(os, op);
}

int
ks_os_head(ks_objstore_t *os, const char *key, ks_os_cb cb, void *arg)
{
    ks_os_op_t *op;

    if (start(os, KS_OS_OP_HEAD, key, cb, arg, &op) != KS_OK)
        return KS_ERROR;
    return submit(os, op);
}

int
ks_os_list(ks_objstore_t *os, const char *prefix, ks_os_cb cb, void *arg)
{
    ks_os_op_t *op;

    if (start(os, KS_OS_OP_LIST, prefix != NULL ? prefix : "", cb, arg, &op) != KS_OK)
        return KS_ERROR;
    return submit(os, op);
}

int
ks_os_delete(ks_objstore_t *os, const char *key, ks_os_cb cb, void *arg)
{
    ks_os_op_t *op;

    if (start(os, KS_OS_OP_DELETE, key, cb, arg, &op) != KS_OK)
        return KS_ERROR;
    return submit(os, op);
}

void
ks_os_config_from_conf(ks_os_config_t *oc, const struct ks_conf *conf)
{
    memset(oc, 0, sizeof(*oc));
    oc->backend = conf->object_store;
    oc->data_dir = conf->data_dir;
    oc->bucket = conf->s3_bucket;
    oc->endpoint = conf->s3_endpoint[0] ? conf->s3_endpoint : NULL;
    oc->region = conf->s3_region;
    oc->access_key = conf->s3_access_key[0] ? conf->s3_access_key : NULL;
    oc->secret_key = conf->s3_secret_key[0] ? conf->s3_secret_key : NULL;
    oc->session_token = conf->s3_session_token[0] ? conf->s3_session_token : NULL;
    oc->path_style = conf->s3_path_style;
    oc->concurrency = (int) conf->s3_concurrency;
    oc->max_retries = -1;
}
