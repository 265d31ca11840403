/*
 * metastore.c: picks the metadata store backend named in the config and
 * forwards every call to it.  Runs in: coordinator.
 *
 * Adding a backend: write src/metastore/<name>.c exporting a
 * ks_ms_backend_t, declare it in metastore.h and put it in the table below.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "metastore/metastore.h"

typedef struct {
    const char *name;
    const ks_ms_backend_t *backend;   /* NULL: not built */
    const char *missing;              /* error when backend is NULL */
} ks_ms_backend_entry_t;

static const ks_ms_backend_entry_t ks_ms_backends[] = {
    { "embedded", &ks_ms_embedded_backend, NULL },
    { "etcd", &ks_ms_etcd_backend, NULL },
};

ks_metastore_t *
ks_metastore_open(struct event_base *base, const ks_ms_config_t *cfg, char *err, size_t errlen)
{
    const char *name = cfg != NULL && cfg->backend != NULL && cfg->backend[0] != '\0'
                       ? cfg->backend : "embedded";
    size_t i;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (base == NULL || cfg == NULL) {
        snprintf(err, errlen, "metadata store needs an event base and a config");
        return NULL;
    }
    for (i = 0; i < KS_ARRAY_LEN(ks_ms_backends); i++) {
        const ks_ms_backend_entry_t *e = &ks_ms_backends[i];
        ks_metastore_t *ms;

        if (strcmp(e->name, name) != 0)
            continue;
        if (e->backend == NULL) {
            snprintf(err, errlen, "%s", e->missing);
            return NULL;
        }
        ms = e->backend->open(base, cfg, err, errlen);
        if (ms != NULL)
            ms->backend = e->backend;
        return ms;
    }
    snprintf(err, errlen, "unknown metadata store \"%s\" (expected embedded or etcd)", name);
    return NULL;
}

void
ks_metastore_close(ks_metastore_t *ms)
{
    if (ms != NULL)
        ms->backend->close(ms);
}

void
ks_ms_result_free(ks_ms_result_t *res)
{
    size_t i;

    if (res == NULL)
        return;
    for (i = 0; i < res->nkvs; i++) {
        free(res->kvs[i].key);
        free(res->kvs[i].value);
    }
    free(res->kvs);
    res->kvs = NULL;
    res->nkvs = 0;
}

int
ks_ms_get(ks_metastore_t *ms, const char *key, ks_ms_cb cb, void *arg)
{
    if (ms == NULL || key == NULL)
        return KS_ERROR;
    return ms->backend->get(ms, key, cb, arg);
}

int
ks_ms_range(ks_metastore_t *ms, const char *prefix, size_t limit, ks_ms_cb cb, void *arg)
{
    if (ms == NULL || prefix == NULL)
        return KS_ERROR;
    return ms->backend->range(ms, prefix, limit, cb, arg);
}

int
ks_ms_put(ks_metastore_t *ms, const char *key, const void *value, size_t len,
          int64_t lease, ks_ms_cb cb, void *arg)
{
    if (ms == NULL || key == NULL || (value == NULL && len > 0))
        return KS_ERROR;
    return ms->backend->put(ms, key, value, len, lease, cb, arg);
}

int
ks_ms_delete(ks_metastore_t *ms, const char *key, ks_ms_cb cb, void *arg)
{
    if (ms == NULL || key == NULL)
        return KS_ERROR;
    return ms->backend->del(ms, key, cb, arg);
}

int
ks_ms_delete_prefix(ks_metastore_t *ms, const char *prefix, ks_ms_cb cb, void *arg)
{
    if (ms == NULL || prefix == NULL)
        return KS_ERROR;
    return ms->backend->del_prefix(ms, prefix, cb, arg);
}

int
ks_ms_txn(ks_metastore_t *ms, const ks_ms_cmp_t *cmp, size_t ncmp,
          const ks_ms_op_t *success, size_t nsuccess,
          const ks_ms_op_t *failure, size_t nfailure, ks_ms_cb cb, void *arg)
{
    if (ms == NULL || (cmp == NULL && ncmp > 0) || (success == NULL && nsuccess > 0)
        || (failure == NULL && nfailure > 0))
        return KS_ERROR;
    return ms->backend->txn(ms, cmp, ncmp, success, nsuccess, failure, nfailure, cb, arg);
}

int
ks_ms_lease_grant(ks_metastore_t *ms, int64_t ttl_s, ks_ms_cb cb, void *arg)
{
    if (ms == NULL || ttl_s <= 0)
        return KS_ERROR;
    return ms->backend->lease_grant(ms, ttl_s, cb, arg);
}

int
ks_ms_lease_keepalive(ks_metastore_t *ms, int64_t lease, ks_ms_cb cb, void *arg)
{
    if (ms == NULL || lease <= 0)
        return KS_ERROR;
    return ms->backend->lease_keepalive(ms, lease, cb, arg);
}

int
ks_ms_lease_revoke(ks_metastore_t *ms, int64_t lease, ks_ms_cb cb, void *arg)
{
    if (ms == NULL || lease <= 0)
        return KS_ERROR;
    return ms->backend->lease_revoke(ms, lease, cb, arg);
}

int
ks_ms_watch(ks_metastore_t *ms, const char *prefix, ks_ms_watch_cb cb, void *arg)
{
    if (ms == NULL || prefix == NULL || cb == NULL)
        return KS_ERROR;
    return ms->backend->watch(ms, prefix, cb, arg);
}

void
ks_ms_unwatch(ks_metastore_t *ms, int watch_id)
{
    if (ms != NULL)
        ms->backend->unwatch(ms, watch_id);
}

int
ks_ms_snapshot(ks_metastore_t *ms)
{
    if (ms == NULL)
        return KS_ERROR;
    if (ms->backend->snapshot == NULL)
        return KS_OK;
    return ms->backend->snapshot(ms);
}
