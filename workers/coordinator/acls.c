/*
 * acls.c: the ACL store and the authorizer of forwarded requests.
 * Runs in: coordinator.
 *
 * Bindings live in the metadata store, one key each:
 *   /kafscale/security/acls/<id>  JSON {"resource_type": n, "resource_name": s,
 *                                 "pattern_type": n, "principal": s, "host": s,
 *                                 "operation": n, "permission": n}
 * with Kafka's numeric codes and id = the hex SHA-256 of the binding
 * (ks_acl_binding_id), so storing a binding twice changes nothing.  Every
 * coordinator watches the prefix, re-reads it on a change into ks_C.mv.acls
 * and publishes the snapshot, so a binding created on one broker holds on
 * every broker a moment later.
 *
 * Also here: CreateAcls, DescribeAcls, DeleteAcls; the ops API's
 * /api/v1/acls (GET list, POST create, DELETE by filter; trusted like the
 * rest of the ops API); kafscale_authorization_denied_total in /metrics.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "acl.h"
#include "coordinator.h"
#include "log.h"
#include "ops.h"
#include "proto/errors.h"
#include "stats.h"

#define ACL_PREFIX "/kafscale/security/acls/"

static ks_acl_index_t cix;            /* over ks_C.mv.acls */
static int64_t applied_rev;
static void (*load_done)(int rc);

/* ---------- bindings in JSON ---------- */

static cJSON *
binding_json(const ks_acl_binding_t *b, bool names)
{
    cJSON *o = cJSON_CreateObject();

    if (names) {
        char id[65];
        ks_acl_binding_id(b, id);
        cJSON_AddStringToObject(o, "id", id);
        cJSON_AddStringToObject(o, "resource_type", ks_acl_rt_lname(b->rt));
        cJSON_AddStringToObject(o, "resource_name", b->name);
        cJSON_AddStringToObject(o, "pattern_type", b->pt == KS_ACL_PT_PREFIXED ? "prefixed" : "literal");
        cJSON_AddStringToObject(o, "principal", b->principal);
        cJSON_AddStringToObject(o, "host", b->host);
        cJSON_AddStringToObject(o, "operation", ks_acl_op_lname(b->op));
        cJSON_AddStringToObject(o, "permission", b->perm == KS_ACL_PERM_ALLOW ? "allow" : "deny");
        return o;
    }
    cJSON_AddNumberToObject(o, "resource_type", b->rt);
    cJSON_AddStringToObject(o, "resource_name", b->name);
    cJSON_AddNumberToObject(o, "pattern_type", b->pt);
    cJSON_AddStringToObject(o, "principal", b->principal);
    cJSON_AddStringToObject(o, "host", b->host);
    cJSON_AddNumberToObject(o, "operation", b->op);
    cJSON_AddNumberToObject(o, "permission", b->perm);
    return o;
}

static ks_acl_binding_t
binding_of(const ks_mv_acl_t *a)
{
    return (ks_acl_binding_t) { a->resource_type, a->pattern_type, a->operation, a->permission,
                                a->resource_name, a->principal, a->host };
}

static int
jint(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 128 ? (int) v->valuedouble : -1;
}

static const char *
jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A stored binding; false (and why) when it is not one. */
static bool
parse_stored(const char *json, size_t len, ks_mv_acl_t *out, const char **why)
{
    cJSON *o = cJSON_ParseWithLength(json, len);
    ks_acl_binding_t b;

    *why = "not valid JSON";
    if (o == NULL)
        return false;
    b.rt = jint(o, "resource_type");
    b.pt = jint(o, "pattern_type");
    b.op = jint(o, "operation");
    b.perm = jint(o, "permission");
    b.name = jstr(o, "resource_name");
    b.principal = jstr(o, "principal");
    b.host = jstr(o, "host");
    if ((*why = ks_acl_binding_invalid(&b)) != NULL) {
        cJSON_Delete(o);
        return false;
    }
    out->resource_type = (int8_t) b.rt;
    out->pattern_type = (int8_t) b.pt;
    out->operation = (int8_t) b.op;
    out->permission = (int8_t) b.perm;
    out->resource_name = strdup(b.name);
    out->principal = strdup(b.principal);
    out->host = strdup(b.host);
    cJSON_Delete(o);
    if (out->resource_name == NULL || out->principal == NULL || out->host == NULL) {
        free(out->resource_name);
        free(out->principal);
        free(out->host);
        *why = "out of memory";
        return false;
    }
    return true;
}

/* ---------- the view ---------- */

static void
view_replace(ks_mv_acl_t *acls, int32_t n)
{
    for (int32_t i = 0; i < ks_C.mv.nacls; i++) {
        free(ks_C.mv.acls[i].resource_name);
        free(ks_C.mv.acls[i].principal);
        free(ks_C.mv.acls[i].host);
    }
    free(ks_C.mv.acls);
    ks_C.mv.acls = acls;
    ks_C.mv.nacls = n;
    if (ks_acl_index_build(&cix, acls, n) != KS_OK)
        ks_log_error("out of memory indexing %d ACL bindings", (int) n);
}

typedef struct {
    void (*then)(void *arg, int rc);
    void *arg;
} reload_t;

static void
reloaded(void *arg, const ks_ms_result_t *res)
{
    reload_t *rl = arg;
    ks_mv_acl_t *acls;
    int32_t n = 0;
    int rc = res->rc;

    if (rc != KS_OK) {
        ks_log_error("could not read the ACLs from the metadata store: %s", res->error);
    } else if (res->revision >= applied_rev) {
        acls = calloc(res->nkvs + 1, sizeof(*acls));
        if (acls == NULL) {
            rc = KS_ERROR;
        } else {
            for (size_t i = 0; i < res->nkvs; i++) {
                const char *why;
                if (parse_stored((const char *) res->kvs[i].value, res->kvs[i].value_len, &acls[n], &why))
                    n++;
                else
                    ks_log_error("ignoring the stored ACL %s: %s", res->kvs[i].key, why);
            }
            applied_rev = res->revision;
            view_replace(acls, n);
            if (ks_C.ready)
                ks_topics_publish();
        }
    }
    if (rl != NULL) {
        if (rl->then != NULL)
            rl->then(rl->arg, rc);
        free(rl);
    }
}

/* Re-reads every binding; then(arg, rc) afterwards (may be NULL). */
static void
reload(void (*then)(void *arg, int rc), void *arg)
{
    reload_t *rl = calloc(1, sizeof(*rl));

    if (rl != NULL) {
        rl->then = then;
        rl->arg = arg;
    }
    if (ks_ms_range(ks_C.ms, ACL_PREFIX, 0, reloaded, rl) != KS_OK) {
        free(rl);
        if (then != NULL)
            then(arg, KS_ERROR);
    }
}

static void
on_change(void *arg, int kind, const ks_kv_t *kv)
{
    (void) arg;
    (void) kind;
    (void) kv;
    reload(NULL, NULL);
}

static void
first_load_done(void *arg, int rc)
{
    void (*done)(int) = load_done;

    (void) arg;
    load_done = NULL;
    if (rc == KS_OK)
        ks_log_info("loaded %d ACL bindings%s", (int) ks_C.mv.nacls,
                    ks_acl_enabled(ks_C.in->conf) ? "" : " (authorizer = none: not enforced)");
    if (done != NULL)
        done(rc);
}

void
ks_acls_load(void (*done)(int rc))
{
    load_done = done;
    ks_ms_watch(ks_C.ms, ACL_PREFIX, on_change, NULL);
    reload(first_load_done, NULL);
}

void
ks_acls_shutdown(void)
{
    ks_acl_index_free(&cix);
}

/* ---------- authorization of forwarded requests ---------- */

static void
ctx_of(const ks_creq_t *creq, ks_acl_ctx_t *ctx)
{
    ks_acl_ctx_init(ctx, ks_C.in->conf, &cix, creq->principal[0] ? creq->principal : "User:ANONYMOUS",
                    creq->peer[0] ? creq->peer : "unknown",
                    ks_stats_proc(ks_C.in->shm->stats, ks_C.in->slot));
}

bool
ks_coord_authz(const ks_creq_t *creq, int op, int rt, ks_str_t name)
{
    ks_acl_ctx_t ctx;

    if (!ks_acl_enabled(ks_C.in->conf))
        return true;
    ctx_of(creq, &ctx);
    return ks_acl_check(&ctx, op, rt, name.p ? name.p : "", name.len > 0 ? (size_t) name.len : 0);
}

bool
ks_coord_authz_quiet(const ks_creq_t *creq, int op, int rt, ks_str_t name)
{
    ks_acl_ctx_t ctx;

    if (!ks_acl_enabled(ks_C.in->conf))
        return true;
    ctx_of(creq, &ctx);
    return ks_acl_allowed(&ctx, op, rt, name.p ? name.p : "", name.len > 0 ? (size_t) name.len : 0);
}

bool
ks_coord_authz_cluster(const ks_creq_t *creq, int op)
{
    return ks_coord_authz(creq, op, KS_ACL_RT_CLUSTER, KS_STR_LIT(KS_ACL_CLUSTER_NAME));
}

int32_t
ks_coord_authz_ops(const ks_creq_t *creq, int rt, ks_str_t name)
{
    ks_acl_ctx_t ctx;

    if (!ks_acl_enabled(ks_C.in->conf))
        return ks_acl_supported_ops(rt);
    ctx_of(creq, &ctx);
    return ks_acl_ops(&ctx, rt, name.p ? name.p : "", name.len > 0 ? (size_t) name.len : 0);
}

bool
ks_coord_authz_any(const ks_creq_t *creq, int op, int rt)
{
    ks_acl_ctx_t ctx;

    if (!ks_acl_enabled(ks_C.in->conf))
        return true;
    ctx_of(creq, &ctx);
    return ks_acl_authorize_any(ctx.ix, ctx.conf, ctx.principal, ctx.host, op, rt);
}

/* ---------- writes ---------- */

/* One store transaction of puts or deletes; done(arg, rc) once the view
 * was re-read after it (write_run). */
typedef struct {
    void (*done)(void *arg, int rc);
    void *arg;
    char **keys;
    char **values;
    size_t n;
} write_t;

static void
write_free(write_t *w)
{
    for (size_t i = 0; i < w->n; i++) {
        free(w->keys[i]);
        if (w->values != NULL)
            free(w->values[i]);
    }
    free(w->keys);
    free(w->values);
    free(w);
}

static void
written_then(void *arg, int rc)
{
    write_t *w = arg;

    w->done(w->arg, rc);
    write_free(w);
}

static void
written(void *arg, const ks_ms_result_t *res)
{
    write_t *w = arg;

    if (res->rc != KS_OK) {
        ks_log_error("could not change the ACLs in the metadata store: %s", res->error);
        written_then(w, KS_ERROR);
        return;
    }
    reload(written_then, w);
}

static write_t *
write_new(size_t cap, bool values)
{
    write_t *w = calloc(1, sizeof(*w));

    if (w == NULL)
        return NULL;
    w->keys = calloc(cap ? cap : 1, sizeof(char *));
    w->values = values ? calloc(cap ? cap : 1, sizeof(char *)) : NULL;
    if (w->keys == NULL || (values && w->values == NULL)) {
        write_free(w);
        return NULL;
    }
    return w;
}

static char *
key_of(const ks_acl_binding_t *b)
{
    char id[65], *k = malloc(sizeof(ACL_PREFIX) + 64);

    if (k == NULL)
        return NULL;
    ks_acl_binding_id(b, id);
    snprintf(k, sizeof(ACL_PREFIX) + 64, ACL_PREFIX "%s", id);
    return k;
}

static int
write_add(write_t *w, const ks_acl_binding_t *b)
{
    char *k = key_of(b), *v = NULL;

    for (size_t i = 0; k != NULL && i < w->n; i++)
        if (strcmp(w->keys[i], k) == 0) {
            free(k);
            return KS_OK;                /* the same binding twice */
        }
    if (w->values != NULL) {
        cJSON *o = binding_json(b, false);
        v = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
    }
    if (k == NULL || (w->values != NULL && v == NULL)) {
        free(k);
        free(v);
        return KS_ERROR;
    }
    w->keys[w->n] = k;
    if (w->values != NULL)
        w->values[w->n] = v;
    w->n++;
    return KS_OK;
}

/* Runs the writes of w (freed here), then done(arg, rc); at once, with
 * KS_OK, when there are none. */
static void
write_run(write_t *w, void (*done)(void *arg, int rc), void *arg)
{
    ks_ms_op_t *ops;

    w->done = done;
    w->arg = arg;
    if (w->n == 0) {
        written_then(w, KS_OK);
        return;
    }
    ops = calloc(w->n, sizeof(*ops));
    if (ops == NULL) {
        written_then(w, KS_ERROR);
        return;
    }
    for (size_t i = 0; i < w->n; i++) {
        ops[i].kind = w->values ? KS_MS_OP_PUT : KS_MS_OP_DELETE;
        ops[i].key = w->keys[i];
        ops[i].key_len = strlen(w->keys[i]);
        if (w->values != NULL) {
            ops[i].value = w->values[i];
            ops[i].value_len = strlen(w->values[i]);
        }
    }
    if (ks_ms_txn(ks_C.ms, NULL, 0, ops, w->n, NULL, 0, written, w) != KS_OK)
        written_then(w, KS_ERROR);
    free(ops);
}

/* ---------- the Kafka APIs ---------- */

static const char *
arena_cstr(ks_arena_t *a, ks_str_t s, bool *bad)
{
    ks_str_t c;

    if (s.len < 0 || s.p == NULL)
        return NULL;
    if (memchr(s.p, 0, (size_t) s.len) != NULL)
        *bad = true;
    c = ks_arena_strdup(a, s.p, s.len);
    if (c.p == NULL)
        *bad = true;
    return c.p;
}

static ks_str_t
arena_str(ks_arena_t *a, const char *s)
{
    return ks_arena_strdup(a, s, (int32_t) strlen(s));
}

#define NO_AUTHORIZER "No Authorizer is configured on the broker (authorizer = none)"

/* The error every binding of a CreateAcls / DeleteAcls request gets
 * (KS_ERR_NONE: none), and its message in *msg (or NULL). */
static int16_t
alter_refused(ks_creq_t *creq, const char **msg)
{
    *msg = NULL;
    if (!ks_acl_enabled(ks_C.in->conf)) {
        *msg = NO_AUTHORIZER;
        return KS_ERR_SECURITY_DISABLED;
    }
    if (!ks_coord_authz_cluster(creq, KS_ACL_OP_ALTER))
        return KS_ERR_CLUSTER_AUTHORIZATION_FAILED;
    return KS_ERR_NONE;
}

static void
create_done(void *arg, int rc)
{
    ks_creq_t *creq = arg;
    ks_create_acls_resp_t *resp = creq->response;
    ks_create_acls_resp_acl_creation_result_t *rs = resp->results.items;

    for (int32_t i = 0; rc != KS_OK && i < resp->results.count; i++)
        if (rs[i].error_code == KS_ERR_NONE) {
            rs[i].error_code = KS_ERR_UNKNOWN_SERVER_ERROR;
            rs[i].error_message = KS_STR_LIT("the metadata store could not store the ACL");
        }
    ks_creq_respond(creq);
}

void
ks_h_create_acls(ks_creq_t *creq)
{
    ks_create_acls_req_t *req = creq->request;
    ks_create_acls_resp_t *resp = creq->response;
    ks_create_acls_req_acl_creation_t *cs = req->creations.items;
    int32_t n = req->creations.count > 0 ? req->creations.count : 0;
    ks_create_acls_resp_acl_creation_result_t *rs = ks_arena_alloc(&creq->arena, sizeof(*rs) * (size_t) (n ? n : 1));
    int16_t all;
    const char *all_msg;
    write_t *w;

    if (rs == NULL || (w = write_new((size_t) n, true)) == NULL) {
        ks_creq_close(creq);
        return;
    }
    resp->results = (ks_array_t) { rs, n };
    all = alter_refused(creq, &all_msg);
    for (int32_t i = 0; i < n; i++) {
        ks_acl_binding_t b;
        bool bad = false;
        const char *why;

        rs[i].error_code = all;
        rs[i].error_message = all_msg ? KS_STR(all_msg) : KS_STR_NULL;
        if (all != KS_ERR_NONE)
            continue;
        b.rt = cs[i].resource_type;
        b.pt = cs[i].resource_pattern_type;
        b.op = cs[i].operation;
        b.perm = cs[i].permission_type;
        b.name = arena_cstr(&creq->arena, cs[i].resource_name, &bad);
        b.principal = arena_cstr(&creq->arena, cs[i].principal, &bad);
        b.host = arena_cstr(&creq->arena, cs[i].host, &bad);
        why = bad ? "Invalid string: NUL characters are not allowed" : ks_acl_binding_invalid(&b);
        if (why != NULL) {
            rs[i].error_code = KS_ERR_INVALID_REQUEST;
            rs[i].error_message = KS_STR(why);
            continue;
        }
        if (write_add(w, &b) != KS_OK) {
            rs[i].error_code = KS_ERR_UNKNOWN_SERVER_ERROR;
            rs[i].error_message = KS_STR_LIT("out of memory");
            continue;
        }
        ks_log_info("%s from %s creates the ACL %s %s %s on %s %s%s from host %s", creq->principal, creq->peer,
                    ks_acl_perm_name(b.perm), b.principal, ks_acl_op_name(b.op), ks_acl_rt_lname(b.rt), b.name,
                    b.pt == KS_ACL_PT_PREFIXED ? " (prefixed)" : "", b.host);
    }
    write_run(w, create_done, creq);
}

/* The filter of a DescribeAcls / DeleteAcls request, its strings copied
 * into the arena; NULL or why it is not usable. */
static const char *
filter_of(ks_arena_t *a, int rt, ks_str_t name, int pt, ks_str_t principal, ks_str_t host, int op, int perm,
          ks_acl_filter_t *f)
{
    bool bad = false;

    f->rt = rt;
    f->pt = pt;
    f->op = op;
    f->perm = perm;
    f->name = arena_cstr(a, name, &bad);
    f->principal = arena_cstr(a, principal, &bad);
    f->host = arena_cstr(a, host, &bad);
    if (bad)
        return "Invalid string: NUL characters are not allowed";
    return ks_acl_filter_invalid(f);
}

void
ks_h_describe_acls(ks_creq_t *creq)
{
    ks_describe_acls_req_t *req = creq->request;
    ks_describe_acls_resp_t *resp = creq->response;
    ks_describe_acls_resp_describe_acls_resource_t *res;
    ks_acl_filter_t f;
    const char *why;
    int32_t nres = 0;

    resp->resources = KS_ARRAY_EMPTY;
    resp->error_message = KS_STR_NULL;
    if (!ks_acl_enabled(ks_C.in->conf)) {
        resp->error_code = KS_ERR_SECURITY_DISABLED;
        resp->error_message = KS_STR_LIT(NO_AUTHORIZER);
        ks_creq_respond(creq);
        return;
    }
    if (!ks_coord_authz_cluster(creq, KS_ACL_OP_DESCRIBE)) {
        resp->error_code = KS_ERR_CLUSTER_AUTHORIZATION_FAILED;
        ks_creq_respond(creq);
        return;
    }
    why = filter_of(&creq->arena, req->resource_type_filter, req->resource_name_filter, req->pattern_type_filter,
                    req->principal_filter, req->host_filter, req->operation, req->permission_type, &f);
    if (why != NULL) {
        resp->error_code = KS_ERR_INVALID_REQUEST;
        resp->error_message = KS_STR(why);
        ks_creq_respond(creq);
        return;
    }
    res = ks_arena_alloc(&creq->arena, sizeof(*res) * (size_t) (ks_C.mv.nacls ? ks_C.mv.nacls : 1));
    if (res == NULL) {
        ks_creq_close(creq);
        return;
    }
    /* one resource per (type, name, pattern), its bindings under it */
    for (int32_t i = 0; i < ks_C.mv.nacls; i++) {
        const ks_mv_acl_t *a = &ks_C.mv.acls[i];
        ks_acl_binding_t b = binding_of(a);
        ks_describe_acls_resp_describe_acls_resource_t *r = NULL;
        ks_describe_acls_resp_acl_description_t *d;

        if (!ks_acl_filter_matches(&f, &b))
            continue;
        for (int32_t j = 0; j < nres && r == NULL; j++)
            if (res[j].resource_type == a->resource_type && res[j].pattern_type == a->pattern_type &&
                strcmp(res[j].resource_name.p, a->resource_name) == 0)
                r = &res[j];
        if (r == NULL) {
            r = &res[nres++];
            r->resource_type = a->resource_type;
            r->pattern_type = a->pattern_type;
            r->resource_name = arena_str(&creq->arena, a->resource_name);
            r->acls.items = ks_arena_alloc(&creq->arena, sizeof(*d) * (size_t) ks_C.mv.nacls);
            r->acls.count = 0;
            if (r->acls.items == NULL || r->resource_name.p == NULL) {
                ks_creq_close(creq);
                return;
            }
        }
        d = &((ks_describe_acls_resp_acl_description_t *) r->acls.items)[r->acls.count++];
        d->principal = arena_str(&creq->arena, a->principal);
        d->host = arena_str(&creq->arena, a->host);
        d->operation = a->operation;
        d->permission_type = a->permission;
    }
    resp->error_code = KS_ERR_NONE;
    resp->resources = (ks_array_t) { res, nres };
    ks_creq_respond(creq);
}

static void
delete_done(void *arg, int rc)
{
    ks_creq_t *creq = arg;
    ks_delete_acls_resp_t *resp = creq->response;
    ks_delete_acls_resp_delete_acls_filter_result_t *rs = resp->filter_results.items;

    for (int32_t i = 0; rc != KS_OK && i < resp->filter_results.count; i++)
        if (rs[i].error_code == KS_ERR_NONE) {
            rs[i].error_code = KS_ERR_UNKNOWN_SERVER_ERROR;
            rs[i].error_message = KS_STR_LIT("the metadata store could not delete the ACLs");
            rs[i].matching_acls = KS_ARRAY_EMPTY;
        }
    ks_creq_respond(creq);
}

void
ks_h_delete_acls(ks_creq_t *creq)
{
    ks_delete_acls_req_t *req = creq->request;
    ks_delete_acls_resp_t *resp = creq->response;
    ks_delete_acls_req_delete_acls_filter_t *fs = req->filters.items;
    int32_t n = req->filters.count > 0 ? req->filters.count : 0;
    ks_delete_acls_resp_delete_acls_filter_result_t *rs = ks_arena_alloc(&creq->arena, sizeof(*rs) * (size_t) (n ? n : 1));
    int16_t all;
    const char *all_msg;
    write_t *w;

    if (rs == NULL || (w = write_new((size_t) ks_C.mv.nacls, false)) == NULL) {
        ks_creq_close(creq);
        return;
    }
    resp->filter_results = (ks_array_t) { rs, n };
    all = alter_refused(creq, &all_msg);
    for (int32_t i = 0; i < n; i++) {
        ks_delete_acls_resp_delete_acls_matching_acl_t *ms;
        ks_acl_filter_t f;
        const char *why;

        rs[i].error_code = all;
        rs[i].error_message = all_msg ? KS_STR(all_msg) : KS_STR_NULL;
        rs[i].matching_acls = KS_ARRAY_EMPTY;
        if (all != KS_ERR_NONE)
            continue;
        why = filter_of(&creq->arena, fs[i].resource_type_filter, fs[i].resource_name_filter,
                        fs[i].pattern_type_filter, fs[i].principal_filter, fs[i].host_filter, fs[i].operation,
                        fs[i].permission_type, &f);
        if (why != NULL) {
            rs[i].error_code = KS_ERR_INVALID_REQUEST;
            rs[i].error_message = KS_STR(why);
            continue;
        }
        ms = ks_arena_alloc(&creq->arena, sizeof(*ms) * (size_t) (ks_C.mv.nacls ? ks_C.mv.nacls : 1));
        if (ms == NULL) {
            write_free(w);
            ks_creq_close(creq);
            return;
        }
        rs[i].matching_acls.items = ms;
        for (int32_t j = 0; j < ks_C.mv.nacls; j++) {
            const ks_mv_acl_t *a = &ks_C.mv.acls[j];
            ks_acl_binding_t b = binding_of(a);
            ks_delete_acls_resp_delete_acls_matching_acl_t *m;

            if (!ks_acl_filter_matches(&f, &b))
                continue;
            if (write_add(w, &b) != KS_OK) {
                write_free(w);
                ks_creq_close(creq);
                return;
            }
            m = &ms[rs[i].matching_acls.count++];
            m->error_code = KS_ERR_NONE;
            m->error_message = KS_STR_NULL;
            m->resource_type = a->resource_type;
            m->resource_name = arena_str(&creq->arena, a->resource_name);
            m->pattern_type = a->pattern_type;
            m->principal = arena_str(&creq->arena, a->principal);
            m->host = arena_str(&creq->arena, a->host);
            m->operation = a->operation;
            m->permission_type = a->permission;
            ks_log_info("%s from %s deletes the ACL %s %s %s on %s %s%s from host %s", creq->principal,
                        creq->peer, ks_acl_perm_name(b.perm), b.principal, ks_acl_op_name(b.op),
                        ks_acl_rt_lname(b.rt), b.name, b.pt == KS_ACL_PT_PREFIXED ? " (prefixed)" : "", b.host);
        }
    }
    write_run(w, delete_done, creq);
}

/* ---------- the ops API: /api/v1/acls ---------- */

/* A filter from the query string: a missing parameter matches anything
 * (pattern_type: any).  NULL or why not. */
static const char *
query_filter(const struct evkeyvalq *q, ks_acl_filter_t *f)
{
    const char *v;

    memset(f, 0, sizeof(*f));
    f->rt = KS_ACL_RT_ANY;
    f->pt = KS_ACL_PT_ANY;
    f->op = KS_ACL_OP_ANY;
    f->perm = KS_ACL_PERM_ANY;
    if ((v = evhttp_find_header(q, "resource_type")) != NULL && (f->rt = ks_acl_rt_parse(v)) < 0)
        return "unknown resource_type (topic, group, cluster, transactional_id, delegation_token, user, any)";
    if ((v = evhttp_find_header(q, "pattern_type")) != NULL && (f->pt = ks_acl_pt_parse(v)) < 0)
        return "unknown pattern_type (literal, prefixed, match, any)";
    if ((v = evhttp_find_header(q, "operation")) != NULL && (f->op = ks_acl_op_parse(v)) < 0)
        return "unknown operation";
    if ((v = evhttp_find_header(q, "permission")) != NULL && (f->perm = ks_acl_perm_parse(v)) < 0)
        return "unknown permission (allow, deny, any)";
    f->name = evhttp_find_header(q, "resource_name");
    f->principal = evhttp_find_header(q, "principal");
    f->host = evhttp_find_header(q, "host");
    return NULL;
}

static cJSON *
matching_json(const ks_acl_filter_t *f, write_t *w)
{
    cJSON *arr = cJSON_CreateArray();

    for (int32_t i = 0; i < ks_C.mv.nacls; i++) {
        ks_acl_binding_t b = binding_of(&ks_C.mv.acls[i]);
        if (!ks_acl_filter_matches(f, &b))
            continue;
        cJSON_AddItemToArray(arr, binding_json(&b, true));
        if (w != NULL)
            write_add(w, &b);
    }
    return arr;
}

typedef struct {
    struct evhttp_request *req;
    cJSON *doc;                  /* the answer */
    int code;
    const char *reason;
} http_op_t;

static void
http_done(void *arg, int rc)
{
    http_op_t *op = arg;

    if (rc != KS_OK) {
        cJSON_Delete(op->doc);
        ks_ops_reply_error(op->req, 503, "Service Unavailable", "the metadata store could not apply the change");
    } else {
        ks_ops_reply_json(op->req, op->code, op->reason, op->doc);
    }
    free(op);
}

static void
http_create(struct evhttp_request *req)
{
    cJSON *o;
    ks_acl_binding_t b;
    const char *why = NULL, *s;
    http_op_t *op;
    write_t *w;

    if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) > 64 * 1024) {
        ks_ops_reply_error(req, 413, "Payload Too Large", "the body is larger than 64 KiB");
        return;
    }
    o = ks_ops_body_json(req);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        ks_ops_reply_error(req, 400, "Bad Request", "the body must be a JSON object describing one ACL binding");
        return;
    }
    s = jstr(o, "resource_type");
    b.rt = s ? ks_acl_rt_parse(s) : -1;
    s = jstr(o, "pattern_type");
    b.pt = s ? ks_acl_pt_parse(s) : KS_ACL_PT_LITERAL;
    s = jstr(o, "operation");
    b.op = s ? ks_acl_op_parse(s) : -1;
    s = jstr(o, "permission");
    b.perm = s ? ks_acl_perm_parse(s) : KS_ACL_PERM_ALLOW;
    b.name = b.rt == KS_ACL_RT_CLUSTER && jstr(o, "resource_name") == NULL ? KS_ACL_CLUSTER_NAME
                                                                          : jstr(o, "resource_name");
    b.principal = jstr(o, "principal");
    b.host = jstr(o, "host") ? jstr(o, "host") : KS_ACL_WILDCARD;
    if (b.rt < 0)
        why = "resource_type must be one of topic, group, cluster, transactional_id, delegation_token, user";
    else if (b.op < 0)
        why = "operation must be one of all, read, write, create, delete, alter, describe, cluster_action, "
              "describe_configs, alter_configs, idempotent_write, create_tokens, describe_tokens";
    else if (b.pt < 0 || b.perm < 0)
        why = "pattern_type must be literal or prefixed, permission allow or deny";
    else
        why = ks_acl_binding_invalid(&b);
    op = why ? NULL : calloc(1, sizeof(*op));
    w = op ? write_new(1, true) : NULL;
    if (why != NULL || w == NULL || write_add(w, &b) != KS_OK) {
        if (why != NULL)
            ks_ops_reply_error(req, 400, "Bad Request", why);
        else
            evhttp_send_error(req, 500, "out of memory");
        free(op);
        if (w != NULL)
            write_free(w);
        cJSON_Delete(o);
        return;
    }
    ks_log_info("the ops API creates the ACL %s %s %s on %s %s%s from host %s", ks_acl_perm_name(b.perm),
                b.principal, ks_acl_op_name(b.op), ks_acl_rt_lname(b.rt), b.name,
                b.pt == KS_ACL_PT_PREFIXED ? " (prefixed)" : "", b.host);
    op->req = req;
    op->doc = binding_json(&b, true);
    op->code = 201;
    op->reason = "Created";
    cJSON_Delete(o);
    write_run(w, http_done, op);
}

static void
http_delete(struct evhttp_request *req, const struct evkeyvalq *q)
{
    ks_acl_filter_t f;
    const char *why = query_filter(q, &f);
    http_op_t *op;
    write_t *w;
    cJSON *doc, *arr;

    if (why != NULL) {
        ks_ops_reply_error(req, 400, "Bad Request", why);
        return;
    }
    if (evhttp_find_header(q, "resource_type") == NULL) {
        ks_ops_reply_error(req, 400, "Bad Request", "resource_type is required (any deletes bindings of every type)");
        return;
    }
    op = calloc(1, sizeof(*op));
    w = op ? write_new((size_t) ks_C.mv.nacls, false) : NULL;
    if (w == NULL) {
        free(op);
        evhttp_send_error(req, 500, "out of memory");
        return;
    }
    arr = matching_json(&f, w);
    doc = cJSON_CreateObject();
    cJSON_AddItemToObject(doc, "deleted", arr);
    for (size_t i = 0; i < w->n; i++)
        ks_log_info("the ops API deletes the ACL %s", w->keys[i] + strlen(ACL_PREFIX));
    op->req = req;
    op->doc = doc;
    op->code = 200;
    op->reason = "OK";
    write_run(w, http_done, op);
}

void
ks_acls_http(struct evhttp_request *req)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    struct evkeyvalq q;
    ks_acl_filter_t f;
    const char *why;

    TAILQ_INIT(&q);
    if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
        ks_ops_reply_error(req, 400, "Bad Request", "malformed query string");
        return;
    }
    switch (evhttp_request_get_command(req)) {
    case EVHTTP_REQ_GET:
    case EVHTTP_REQ_HEAD:
        if ((why = query_filter(&q, &f)) != NULL) {
            ks_ops_reply_error(req, 400, "Bad Request", why);
            break;
        }
        {
            cJSON *doc = cJSON_CreateObject();
            cJSON_AddStringToObject(doc, "authorizer", ks_C.in->conf->authorizer);
            cJSON_AddItemToObject(doc, "acls", matching_json(&f, NULL));
            ks_ops_reply_json(req, 200, "OK", doc);
        }
        break;
    case EVHTTP_REQ_POST:
        http_create(req);
        break;
    case EVHTTP_REQ_DELETE:
        http_delete(req, &q);
        break;
    default:
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD, POST, DELETE");
        ks_ops_reply_error(req, 405, "Method Not Allowed", "use GET, POST or DELETE");
        break;
    }
    evhttp_clear_headers(&q);
}

/* ---------- /metrics ---------- */

void
ks_acls_metrics(struct evbuffer *b)
{
    static uint64_t sums[KS_ACL_RT_COUNT][KS_ACL_OP_COUNT];
    ks_stats_t *st = ks_C.in->shm->stats;

    memset(sums, 0, sizeof(sums));
    for (uint32_t i = 0; st != NULL && i < st->nprocs; i++) {
        ks_stats_proc_t *sp = ks_stats_proc(st, (int) i);
        for (int rt = 0; sp != NULL && rt < KS_ACL_RT_COUNT; rt++)
            for (int op = 0; op < KS_ACL_OP_COUNT; op++)
                sums[rt][op] += ks_stats_get(&sp->acl_denied[rt][op]);
    }
    evbuffer_add_printf(b, "# HELP kafscale_authorization_denied_total Requests (or parts of them) the "
                           "authorizer denied, by resource type and operation\n"
                           "# TYPE kafscale_authorization_denied_total counter\n");
    for (int rt = 0; rt < KS_ACL_RT_COUNT; rt++)
        for (int op = 0; op < KS_ACL_OP_COUNT; op++)
            if (sums[rt][op] > 0)
                evbuffer_add_printf(b, "kafscale_authorization_denied_total{resource=\"%s\",operation=\"%s\"} %llu\n",
                                    ks_acl_rt_lname(rt), ks_acl_op_lname(op), (unsigned long long) sums[rt][op]);
    evbuffer_add_printf(b, "# HELP kafscale_acl_bindings ACL bindings in the metadata store\n"
                           "# TYPE kafscale_acl_bindings gauge\nkafscale_acl_bindings %d\n",
                        (int) ks_C.mv.nacls);
}
