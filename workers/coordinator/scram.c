/*
 * scram.c: the SCRAM credential store: users' credentials in the metadata
 * store, their copy in the published snapshot (ks_C.mv.scram, which the
 * workers authenticate against), DescribeUserScramCredentials,
 * AlterUserScramCredentials, and the writes of the ops API.
 * Runs in: coordinator.
 *
 * Keys: /kafscale/security/scram/<user>/<SCRAM-SHA-256|SCRAM-SHA-512> ->
 * {"salt": base64, "stored_key": base64, "server_key": base64,
 *  "iterations": N}.  The user is everything between the prefix and the
 * last '/'.  No password and no salted password is ever stored, logged or
 * answered.  Every broker watches the prefix and republishes its snapshot,
 * so a change made on one broker reaches all of them; the broker that
 * makes a change applies it to its own snapshot before answering.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "acl.h"
#include "coordinator.h"
#include "log.h"
#include "proto/errors.h"
#include "sasl.h"

#define SCRAM_PREFIX "/kafscale/security/scram/"

/* ---------- stored form ---------- */

static char *
cred_key(const char *user, int mech)
{
    size_t n = strlen(SCRAM_PREFIX) + strlen(user) + 32;
    char *k = malloc(n);

    if (k != NULL)
        snprintf(k, n, "%s%s/%s", SCRAM_PREFIX, user, ks_sasl_mech_name(mech));
    return k;
}

static char *
cred_json(const ks_mv_scram_t *c)
{
    char b64[4 * ((KS_SCRAM_KEY_MAX + 2) / 3) + 1];
    cJSON *o = cJSON_CreateObject();
    char *s;

    ks_b64_encode(c->salt, c->salt_len, b64);
    cJSON_AddStringToObject(o, "salt", b64);
    ks_b64_encode(c->stored_key, c->key_len, b64);
    cJSON_AddStringToObject(o, "stored_key", b64);
    ks_b64_encode(c->server_key, c->key_len, b64);
    cJSON_AddStringToObject(o, "server_key", b64);
    cJSON_AddNumberToObject(o, "iterations", c->iterations);
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    OPENSSL_cleanse(b64, sizeof(b64));
    return s;
}

static bool
b64_field(const cJSON *doc, const char *name, uint8_t *out, size_t cap, size_t *len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, name);

    return cJSON_IsString(v) && ks_b64_decode(v->valuestring, strlen(v->valuestring), out, cap, len) == KS_OK;
}

/* A stored credential; false (and a log line) when the key or the value
 * is not one.  c->user is malloc'd on success. */
static bool
cred_parse(const ks_kv_t *kv, ks_mv_scram_t *c)
{
    const char *name = kv->key + strlen(SCRAM_PREFIX), *slash = strrchr(name, '/');
    cJSON *doc, *it;
    size_t slen = 0, k1 = 0, k2 = 0;
    int mech;
    bool ok;

    memset(c, 0, sizeof(*c));
    if (kv->key_len <= strlen(SCRAM_PREFIX) || slash == NULL || slash == name ||
        !ks_sasl_user_valid(name, (size_t) (slash - name))) {
        ks_log_warn("ignoring the SCRAM credential key %s: it does not name a valid user", kv->key);
        return false;
    }
    mech = ks_sasl_mech_parse(slash + 1, strlen(slash + 1));
    if (mech != KS_SASL_SCRAM_SHA_256 && mech != KS_SASL_SCRAM_SHA_512) {
        ks_log_warn("ignoring the SCRAM credential key %s: unknown mechanism", kv->key);
        return false;
    }
    doc = cJSON_ParseWithLength((const char *) kv->value, kv->value_len);
    it = cJSON_GetObjectItemCaseSensitive(doc, "iterations");
    ok = b64_field(doc, "salt", c->salt, sizeof(c->salt), &slen) && slen > 0 &&
         b64_field(doc, "stored_key", c->stored_key, sizeof(c->stored_key), &k1) &&
         b64_field(doc, "server_key", c->server_key, sizeof(c->server_key), &k2) &&
         k1 == ks_scram_key_len(mech) && k2 == k1 &&
         cJSON_IsNumber(it) && it->valuedouble >= 1 && it->valuedouble <= INT32_MAX;
    if (ok) {
        c->mechanism = (int8_t) mech;
        c->iterations = (int32_t) it->valuedouble;
        c->salt_len = (uint8_t) slen;
        c->key_len = (uint8_t) k1;
        c->user = strndup(name, (size_t) (slash - name));
        ok = c->user != NULL;
    } else {
        ks_log_warn("ignoring the SCRAM credential %s: its value is not a valid credential", kv->key);
    }
    cJSON_Delete(doc);
    if (!ok)
        OPENSSL_cleanse(c, sizeof(*c));
    return ok;
}

/* ---------- the view (ks_C.mv.scram) ---------- */

static void
creds_free(ks_mv_scram_t *a, int32_t n)
{
    for (int32_t i = 0; i < n; i++)
        free(a[i].user);
    if (a != NULL)
        OPENSSL_cleanse(a, sizeof(*a) * (size_t) n);
    free(a);
}

static int
cred_cmp(const void *x, const void *y)
{
    const ks_mv_scram_t *a = x, *b = y;
    int c = strcmp(a->user, b->user);

    return c != 0 ? c : a->mechanism - b->mechanism;
}

static ks_mv_scram_t *
view_find(const char *user, int mech)
{
    return (ks_mv_scram_t *) ks_metaview_scram(&ks_C.mv, user, mech);
}

static bool
view_has_user(const char *user)
{
    return view_find(user, KS_SASL_SCRAM_SHA_256) != NULL || view_find(user, KS_SASL_SCRAM_SHA_512) != NULL;
}

/* Adds or replaces a credential (c->user is copied). */
static int
view_upsert(const ks_mv_scram_t *c)
{
    ks_mv_scram_t *old = view_find(c->user, c->mechanism), *na;
    char *user;

    if (old != NULL) {
        user = old->user;
        *old = *c;
        old->user = user;
        return KS_OK;
    }
    user = strdup(c->user);
    na = realloc(ks_C.mv.scram, sizeof(*na) * (size_t) (ks_C.mv.nscram + 1));
    if (user == NULL || na == NULL) {
        free(user);
        if (na != NULL)
            ks_C.mv.scram = na;
        return KS_ERROR;
    }
    ks_C.mv.scram = na;
    na[ks_C.mv.nscram] = *c;
    na[ks_C.mv.nscram].user = user;
    ks_C.mv.nscram++;
    qsort(ks_C.mv.scram, (size_t) ks_C.mv.nscram, sizeof(*na), cred_cmp);
    return KS_OK;
}

static void
view_delete(const char *user, int mech)
{
    for (int32_t i = 0; i < ks_C.mv.nscram; i++) {
        ks_mv_scram_t *c = &ks_C.mv.scram[i];
        if (c->mechanism == mech && strcmp(c->user, user) == 0) {
            free(c->user);
            memmove(c, c + 1, sizeof(*c) * (size_t) (ks_C.mv.nscram - i - 1));
            ks_C.mv.nscram--;
            OPENSSL_cleanse(&ks_C.mv.scram[ks_C.mv.nscram], sizeof(*c));
            return;
        }
    }
}

static bool
same_creds(const ks_mv_scram_t *a, int32_t na, const ks_mv_scram_t *b, int32_t nb)
{
    if (na != nb)
        return false;
    for (int32_t i = 0; i < na; i++) {
        if (strcmp(a[i].user, b[i].user) != 0 || a[i].mechanism != b[i].mechanism ||
            a[i].iterations != b[i].iterations || a[i].salt_len != b[i].salt_len ||
            a[i].key_len != b[i].key_len || memcmp(a[i].salt, b[i].salt, sizeof(a[i].salt)) != 0 ||
            memcmp(a[i].stored_key, b[i].stored_key, sizeof(a[i].stored_key)) != 0 ||
            memcmp(a[i].server_key, b[i].server_key, sizeof(a[i].server_key)) != 0)
            return false;
    }
    return true;
}

/* Replaces the view's credentials with those of a range result; true when
 * they changed. */
static bool
view_replace(const ks_ms_result_t *res)
{
    ks_mv_scram_t *a = calloc(res->nkvs + 1, sizeof(*a));
    int32_t n = 0;

    if (a == NULL)
        return false;
    for (size_t i = 0; i < res->nkvs; i++)
        if (cred_parse(&res->kvs[i], &a[n]))
            n++;
    qsort(a, (size_t) n, sizeof(*a), cred_cmp);
    if (same_creds(a, n, ks_C.mv.scram, ks_C.mv.nscram)) {
        creds_free(a, n);
        return false;
    }
    creds_free(ks_C.mv.scram, ks_C.mv.nscram);
    ks_C.mv.scram = a;
    ks_C.mv.nscram = n;
    return true;
}

/* ---------- load and watch ---------- */

static void (*load_done)(int rc);
static bool reloading, reload_again;

static void reload(void);

static void
loaded(void *arg, const ks_ms_result_t *res)
{
    (void) arg;
    reloading = false;
    if (res->rc != KS_OK) {
        ks_log_error("could not read the SCRAM credentials from the metadata store: %s", res->error);
        load_done(KS_ERROR);
        return;
    }
    view_replace(res);
    ks_log_debug("loaded %d SCRAM credentials", (int) ks_C.mv.nscram);
    load_done(KS_OK);
    if (reload_again)
        reload();
}

static void
reloaded(void *arg, const ks_ms_result_t *res)
{
    (void) arg;
    reloading = false;
    if (res->rc != KS_OK)
        ks_log_warn("could not re-read the SCRAM credentials: %s", res->error);
    else if (view_replace(res))
        ks_topics_publish();
    if (reload_again)
        reload();
}

/* Reads the whole prefix again, one read at a time (a change during a
 * read causes one more), so the last read applied is the newest. */
static void
reload(void)
{
    if (reloading) {
        reload_again = true;
        return;
    }
    reloading = true;
    reload_again = false;
    if (ks_ms_range(ks_C.ms, SCRAM_PREFIX, 0, reloaded, NULL) != KS_OK)
        reloading = false;
}

static void
on_change(void *arg, int kind, const ks_kv_t *kv)
{
    (void) arg;
    (void) kind;
    (void) kv;
    if (!ks_C.stopping)
        reload();
}

void
ks_scram_load(void (*done)(int rc))
{
    load_done = done;
    /* watch first: a change made while the first read runs reads again */
    if (ks_ms_watch(ks_C.ms, SCRAM_PREFIX, on_change, NULL) < 0)
        ks_log_error("could not watch %s: credential changes made on other brokers will not be seen",
                     SCRAM_PREFIX);
    reloading = true;
    if (ks_ms_range(ks_C.ms, SCRAM_PREFIX, 0, loaded, NULL) != KS_OK) {
        reloading = false;
        ks_log_error("could not read the SCRAM credentials from the metadata store");
        done(KS_ERROR);
    }
}

/* ---------- writes ---------- */

/* One credential change of a write. */
typedef struct {
    const char *user;
    int mech;
    bool del;
    ks_mv_scram_t cred;       /* upsertion */
} change_t;

typedef struct {
    change_t *ch;
    size_t n;
    char **strs;              /* keys and values, freed at the end */
    size_t nstrs;
    void (*done)(void *arg, int rc);
    void *arg;
} write_t;

static void
write_free(write_t *w)
{
    for (size_t i = 0; i < w->nstrs; i++) {
        if (w->strs[i] != NULL)
            OPENSSL_cleanse(w->strs[i], strlen(w->strs[i]));
        free(w->strs[i]);
    }
    free(w->strs);
    if (w->ch != NULL)
        OPENSSL_cleanse(w->ch, sizeof(*w->ch) * w->n);
    free(w->ch);
    free(w);
}

static void
written(void *arg, const ks_ms_result_t *res)
{
    write_t *w = arg;

    if (res->rc == KS_OK) {
        for (size_t i = 0; i < w->n; i++) {
            change_t *c = &w->ch[i];
            if (c->del) {
                view_delete(c->user, c->mech);
                ks_log_info("deleted the %s credential of user \"%s\"", ks_sasl_mech_name(c->mech), c->user);
            } else {
                c->cred.user = (char *) c->user;
                if (view_upsert(&c->cred) != KS_OK)
                    ks_log_error("out of memory adding the credential of user \"%s\"", c->user);
                ks_log_info("set the %s credential of user \"%s\" (%d iterations)", ks_sasl_mech_name(c->mech),
                            c->user, (int) c->cred.iterations);
            }
        }
        ks_topics_publish();
    } else {
        ks_log_error("could not write SCRAM credentials: %s", res->error);
    }
    w->done(w->arg, res->rc);
    write_free(w);
}

/* Writes the changes in one transaction; done(arg, rc) runs on the loop
 * once they are stored and applied to the snapshot.  The change array is
 * copied; the user strings must live until done runs. */
static int
store_changes(const change_t *ch, size_t n, void (*done)(void *arg, int rc), void *arg)
{
    write_t *w = calloc(1, sizeof(*w));
    ks_ms_op_t *ops = calloc(n + 1, sizeof(*ops));

    if (w == NULL || ops == NULL || (w->ch = calloc(n + 1, sizeof(change_t))) == NULL ||
        (w->strs = calloc(2 * n + 1, sizeof(char *))) == NULL) {
        free(ops);
        if (w != NULL)
            write_free(w);
        return KS_ERROR;
    }
    memcpy(w->ch, ch, sizeof(*ch) * n);
    w->n = n;
    w->done = done;
    w->arg = arg;
    for (size_t i = 0; i < n; i++) {
        char *key = cred_key(ch[i].user, ch[i].mech), *val = NULL;
        w->strs[w->nstrs++] = key;
        if (!ch[i].del)
            w->strs[w->nstrs++] = val = cred_json(&ch[i].cred);
        if (key == NULL || (!ch[i].del && val == NULL)) {
            free(ops);
            write_free(w);
            return KS_ERROR;
        }
        ops[i].kind = ch[i].del ? KS_MS_OP_DELETE : KS_MS_OP_PUT;
        ops[i].key = key;
        ops[i].key_len = strlen(key);
        ops[i].value = val;
        ops[i].value_len = val != NULL ? strlen(val) : 0;
    }
    if (ks_ms_txn(ks_C.ms, NULL, 0, ops, n, NULL, 0, written, w) != KS_OK) {
        free(ops);
        write_free(w);
        return KS_ERROR;
    }
    free(ops);
    return KS_OK;
}

/* ---------- AlterUserScramCredentials ---------- */

typedef ks_alter_user_scram_credentials_req_scram_credential_deletion_t deletion_t;
typedef ks_alter_user_scram_credentials_req_scram_credential_upsertion_t upsertion_t;
typedef ks_alter_user_scram_credentials_resp_alter_user_scram_credentials_result_t alter_result_t;

typedef struct {
    ks_creq_t *creq;
    alter_result_t *results;
    int32_t nresults;
    change_t *ch;             /* views of user strings in the arena */
    size_t nch;
} alter_t;

static bool
str_eq(ks_str_t a, ks_str_t b)
{
    return a.len == b.len && (a.len <= 0 || memcmp(a.p, b.p, (size_t) a.len) == 0);
}

static void
set_error(alter_result_t *r, ks_creq_t *creq, int16_t code, const char *msg)
{
    if (r->error_code != KS_ERR_NONE)
        return;                  /* the first error of a user is answered */
    r->error_code = code;
    r->error_message = ks_arena_strdup(&creq->arena, msg, (int32_t) strlen(msg));
}

static void
alter_done(void *arg, int rc)
{
    alter_t *a = arg;

    if (rc != KS_OK) {
        for (int32_t i = 0; i < a->nresults; i++)
            set_error(&a->results[i], a->creq, KS_ERR_REQUEST_TIMED_OUT, "the metadata store is not available");
    }
    ks_creq_respond(a->creq);
}

void
ks_h_alter_user_scram_credentials(ks_creq_t *creq)
{
    const ks_alter_user_scram_credentials_req_t *rq = creq->request;
    ks_alter_user_scram_credentials_resp_t *resp = creq->response;
    const deletion_t *dels = rq->deletions.items;
    const upsertion_t *ups = rq->upsertions.items;
    int32_t nd = KS_MAX(rq->deletions.count, 0), nu = KS_MAX(rq->upsertions.count, 0), total = nd + nu;
    alter_t *a = ks_arena_alloc(&creq->arena, sizeof(*a));
    alter_result_t *res = ks_arena_alloc(&creq->arena, sizeof(*res) * (size_t) (total + 1));
    int32_t *owner = ks_arena_alloc(&creq->arena, sizeof(int32_t) * (size_t) (total + 1));

    if (a == NULL || res == NULL || owner == NULL ||
        (a->ch = ks_arena_alloc(&creq->arena, sizeof(change_t) * (size_t) (total + 1))) == NULL) {
        ks_creq_close(creq);
        return;
    }
    a->creq = creq;
    a->results = res;
    /* one result per user, in the order users first appear */
    for (int32_t i = 0; i < total; i++) {
        ks_str_t name = i < nd ? dels[i].name : ups[i - nd].name;
        int32_t j;

        if (name.len < 0)
            name = KS_STR_LIT("");
        for (j = 0; j < a->nresults; j++)
            if (str_eq(res[j].user, name))
                break;
        if (j == a->nresults) {
            res[j].user = name.len >= 0 ? name : KS_STR_LIT("");
            res[j].error_code = KS_ERR_NONE;
            res[j].error_message = KS_STR_NULL;
            a->nresults++;
        }
        owner[i] = j;
    }
    /* ALTER on the cluster, as Kafka requires; else every user fails */
    if (!ks_coord_authz_cluster(creq, KS_ACL_OP_ALTER)) {
        for (int32_t j = 0; j < a->nresults; j++)
            set_error(&res[j], creq, KS_ERR_CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed.");
        resp->throttle_time_ms = 0;
        resp->results = (ks_array_t) { res, a->nresults };
        ks_creq_respond(creq);
        return;
    }
    /* checks, as Kafka makes them */
    for (int32_t i = 0; i < total; i++) {
        alter_result_t *r = &res[owner[i]];
        ks_str_t name = i < nd ? dels[i].name : ups[i - nd].name;
        int mech = i < nd ? dels[i].mechanism : ups[i - nd].mechanism;
        const char *user;

        if (name.len <= 0) {
            set_error(r, creq, KS_ERR_UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
            continue;
        }
        user = ks_arena_strdup(&creq->arena, name.p, name.len).p;
        if (user == NULL || strlen(user) != (size_t) name.len || !ks_sasl_user_valid(user, strlen(user))) {
            set_error(r, creq, KS_ERR_UNACCEPTABLE_CREDENTIAL,
                      "Username must be 1 to 249 bytes of UTF-8 without control characters");
            continue;
        }
        if (mech != KS_SASL_SCRAM_SHA_256 && mech != KS_SASL_SCRAM_SHA_512) {
            set_error(r, creq, KS_ERR_UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism");
            continue;
        }
        for (int32_t k = 0; k < total; k++) {
            ks_str_t other = k < nd ? dels[k].name : ups[k - nd].name;
            int omech = k < nd ? dels[k].mechanism : ups[k - nd].mechanism;
            if (k != i && omech == mech && str_eq(other, name))
                set_error(r, creq, KS_ERR_DUPLICATE_RESOURCE,
                          "A user credential cannot be altered twice in the same request");
        }
        if (i < nd) {
            if (view_find(user, mech) == NULL)
                set_error(r, creq, KS_ERR_RESOURCE_NOT_FOUND,
                          "Attempt to delete a user credential that does not exist");
            a->ch[a->nch++] = (change_t) { .user = user, .mech = mech, .del = true };
            continue;
        }
        {
            const upsertion_t *u = &ups[i - nd];
            change_t c = { .user = user, .mech = mech, .del = false };
            if (u->iterations < KS_SCRAM_MIN_ITERATIONS) {
                set_error(r, creq, KS_ERR_UNACCEPTABLE_CREDENTIAL, "Too few iterations");
                continue;
            }
            if (u->iterations > KS_SCRAM_MAX_ITERATIONS) {
                set_error(r, creq, KS_ERR_UNACCEPTABLE_CREDENTIAL, "Too many iterations");
                continue;
            }
            if (u->salt.len <= 0 || u->salt.len > KS_SCRAM_SALT_MAX) {
                set_error(r, creq, KS_ERR_UNACCEPTABLE_CREDENTIAL, "The salt must be 1 to 64 bytes");
                continue;
            }
            if (u->salted_password.len < 0 || (size_t) u->salted_password.len != ks_scram_key_len(mech) ||
                ks_scram_credential_from_salted(&c.cred, mech, u->iterations, u->salt.p, (size_t) u->salt.len,
                                                u->salted_password.p, (size_t) u->salted_password.len) != KS_OK) {
                set_error(r, creq, KS_ERR_UNACCEPTABLE_CREDENTIAL,
                          mech == KS_SASL_SCRAM_SHA_256 ? "The salted password must be 32 bytes for SCRAM-SHA-256"
                                                        : "The salted password must be 64 bytes for SCRAM-SHA-512");
                continue;
            }
            a->ch[a->nch++] = c;
        }
    }
    /* only the users without an error change */
    {
        size_t keep = 0;
        for (size_t i = 0; i < a->nch; i++) {
            bool ok = false;
            for (int32_t j = 0; j < a->nresults; j++)
                if (res[j].error_code == KS_ERR_NONE && res[j].user.len == (int32_t) strlen(a->ch[i].user) &&
                    memcmp(res[j].user.p, a->ch[i].user, strlen(a->ch[i].user)) == 0)
                    ok = true;
            if (ok)
                a->ch[keep++] = a->ch[i];
        }
        a->nch = keep;
    }
    resp->throttle_time_ms = 0;
    resp->results = (ks_array_t) { res, a->nresults };
    if (a->nch == 0) {
        ks_creq_respond(creq);
        return;
    }
    if (store_changes(a->ch, a->nch, alter_done, a) != KS_OK) {
        for (int32_t j = 0; j < a->nresults; j++)
            set_error(&res[j], creq, KS_ERR_UNKNOWN_SERVER_ERROR, "could not write the credentials");
        ks_creq_respond(creq);
    }
}

/* ---------- DescribeUserScramCredentials ---------- */

typedef ks_describe_user_scram_credentials_resp_describe_user_scram_credentials_result_t describe_result_t;
typedef ks_describe_user_scram_credentials_resp_credential_info_t cred_info_t;

static void
describe_fill(ks_creq_t *creq, describe_result_t *r, const char *user)
{
    cred_info_t *ci = ks_arena_alloc(&creq->arena, sizeof(*ci) * 2);
    int32_t n = 0;

    for (int mech = KS_SASL_SCRAM_SHA_256; ci != NULL && mech <= KS_SASL_SCRAM_SHA_512; mech++) {
        const ks_mv_scram_t *c = view_find(user, mech);
        if (c != NULL) {
            ci[n].mechanism = (int8_t) mech;
            ci[n].iterations = c->iterations;
            n++;
        }
    }
    r->credential_infos = (ks_array_t) { ci, ci != NULL ? n : 0 };
}

void
ks_h_describe_user_scram_credentials(ks_creq_t *creq)
{
    const ks_describe_user_scram_credentials_req_t *rq = creq->request;
    ks_describe_user_scram_credentials_resp_t *resp = creq->response;
    const ks_describe_user_scram_credentials_req_user_name_t *names = rq->users.items;
    int32_t nreq = KS_MAX(rq->users.count, 0), n = 0;
    describe_result_t *res;

    resp->throttle_time_ms = 0;
    resp->error_code = KS_ERR_NONE;
    resp->error_message = KS_STR_NULL;
    /* DESCRIBE on the cluster, as Kafka requires */
    if (!ks_coord_authz_cluster(creq, KS_ACL_OP_DESCRIBE)) {
        resp->error_code = KS_ERR_CLUSTER_AUTHORIZATION_FAILED;
        resp->error_message = KS_STR_LIT("Cluster authorization failed.");
        resp->results = KS_ARRAY_EMPTY;
        ks_creq_respond(creq);
        return;
    }
    res = ks_arena_alloc(&creq->arena, sizeof(*res) * (size_t) (KS_MAX(nreq, ks_C.mv.nscram) + 1));
    if (res == NULL) {
        ks_creq_close(creq);
        return;
    }
    if (nreq == 0) {
        /* null or empty: every user (the view is sorted by user) */
        for (int32_t i = 0; i < ks_C.mv.nscram; i++) {
            const char *user = ks_C.mv.scram[i].user;
            if (n > 0 && res[n - 1].user.len == (int32_t) strlen(user) &&
                memcmp(res[n - 1].user.p, user, strlen(user)) == 0)
                continue;
            res[n].user = ks_arena_strdup(&creq->arena, user, (int32_t) strlen(user));
            res[n].error_code = KS_ERR_NONE;
            res[n].error_message = KS_STR_NULL;
            describe_fill(creq, &res[n], user);
            n++;
        }
    } else {
        for (int32_t i = 0; i < nreq; i++) {
            ks_str_t name = names[i].name.len >= 0 ? names[i].name : KS_STR_LIT("");
            bool dup = false, seen = false;
            const char *user;

            for (int32_t j = 0; j < nreq; j++)
                if (j != i && str_eq(names[j].name.len >= 0 ? names[j].name : KS_STR_LIT(""), name))
                    dup = true;
            for (int32_t j = 0; j < n; j++)
                if (str_eq(res[j].user, name))
                    seen = true;
            if (seen)
                continue;
            res[n].user = name;
            res[n].error_code = KS_ERR_NONE;
            res[n].error_message = KS_STR_NULL;
            res[n].credential_infos = KS_ARRAY_EMPTY;
            user = ks_arena_strdup(&creq->arena, name.p != NULL ? name.p : "", name.len).p;
            if (dup) {
                res[n].error_code = KS_ERR_DUPLICATE_RESOURCE;
                res[n].error_message = KS_STR_LIT("Cannot describe SCRAM credentials for the same user twice in "
                                                  "a single request");
            } else if (user == NULL || strlen(user) != (size_t) name.len || !view_has_user(user)) {
                res[n].error_code = KS_ERR_RESOURCE_NOT_FOUND;
                res[n].error_message = KS_STR_LIT("Attempt to describe a user credential that does not exist");
            } else {
                describe_fill(creq, &res[n], user);
            }
            n++;
        }
    }
    resp->results = (ks_array_t) { res, n };
    ks_creq_respond(creq);
}

/* ---------- the ops API ---------- */

cJSON *
ks_scram_users_json(const char *only)
{
    cJSON *arr = cJSON_CreateArray(), *u = NULL, *creds = NULL;
    const char *last = NULL;

    for (int32_t i = 0; i < ks_C.mv.nscram; i++) {
        const ks_mv_scram_t *c = &ks_C.mv.scram[i];
        cJSON *o;
        if (only != NULL && strcmp(only, c->user) != 0)
            continue;
        if (last == NULL || strcmp(last, c->user) != 0) {
            u = cJSON_CreateObject();
            cJSON_AddStringToObject(u, "name", c->user);
            creds = cJSON_AddArrayToObject(u, "credentials");
            cJSON_AddItemToArray(arr, u);
            last = c->user;
        }
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "mechanism", ks_sasl_mech_name(c->mechanism));
        cJSON_AddNumberToObject(o, "iterations", c->iterations);
        cJSON_AddItemToArray(creds, o);
    }
    return arr;
}

typedef struct {
    char *user;
    void (*done)(void *arg, int rc);
    void *arg;
} ops_write_t;

static void
ops_written(void *arg, int rc)
{
    ops_write_t *w = arg;

    w->done(w->arg, rc);
    free(w->user);
    free(w);
}

/* The state of an ops API write for user; NULL ("out of memory" in err). */
static ops_write_t *
ops_write_new(const char *user, void (*done)(void *arg, int rc), void *arg, char *err, size_t errlen)
{
    ops_write_t *w = calloc(1, sizeof(*w));

    if (w == NULL || (w->user = strdup(user)) == NULL) {
        free(w);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->done = done;
    w->arg = arg;
    return w;
}

int
ks_scram_set_password(const char *user, int mech, int iterations, const uint8_t *pw, size_t plen,
                      void (*done)(void *arg, int rc), void *arg, char *err, size_t errlen)
{
    ops_write_t *w;
    change_t c;

    if (!ks_sasl_user_valid(user, strlen(user))) {
        snprintf(err, errlen, "the user name must be 1 to %d bytes of UTF-8 without control characters",
                 KS_SASL_USER_MAX);
        return 400;
    }
    if (mech != KS_SASL_SCRAM_SHA_256 && mech != KS_SASL_SCRAM_SHA_512) {
        snprintf(err, errlen, "the mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512");
        return 400;
    }
    if (iterations < KS_SCRAM_MIN_ITERATIONS || iterations > KS_SCRAM_MAX_ITERATIONS) {
        snprintf(err, errlen, "iterations must be from %d to %d", KS_SCRAM_MIN_ITERATIONS, KS_SCRAM_MAX_ITERATIONS);
        return 400;
    }
    if (plen == 0 || plen > KS_SASL_PASSWORD_MAX) {
        snprintf(err, errlen, "the password must be 1 to %d bytes", KS_SASL_PASSWORD_MAX);
        return 400;
    }
    if ((w = ops_write_new(user, done, arg, err, errlen)) == NULL)
        return 500;
    memset(&c, 0, sizeof(c));
    c.user = w->user;
    c.mech = mech;
    if (ks_scram_credential_from_password(&c.cred, mech, iterations, pw, plen) != KS_OK ||
        store_changes(&c, 1, ops_written, w) != KS_OK) {
        OPENSSL_cleanse(&c, sizeof(c));
        free(w->user);
        free(w);
        snprintf(err, errlen, "could not derive or write the credential");
        return 500;
    }
    OPENSSL_cleanse(&c, sizeof(c));
    return 0;
}

int
ks_scram_delete_user(const char *user, int mech, void (*done)(void *arg, int rc), void *arg, char *err,
                     size_t errlen)
{
    change_t c[2];
    size_t n = 0;
    ops_write_t *w;

    for (int m = KS_SASL_SCRAM_SHA_256; m <= KS_SASL_SCRAM_SHA_512; m++)
        if ((mech < 0 || mech == m) && view_find(user, m) != NULL)
            c[n++] = (change_t) { .mech = m, .del = true };
    if (n == 0) {
        snprintf(err, errlen, mech < 0 ? "no such user" : "the user has no credential of that mechanism");
        return 404;
    }
    if ((w = ops_write_new(user, done, arg, err, errlen)) == NULL)
        return 500;
    for (size_t i = 0; i < n; i++)
        c[i].user = w->user;
    if (store_changes(c, n, ops_written, w) != KS_OK) {
        free(w->user);
        free(w);
        snprintf(err, errlen, "could not write to the metadata store");
        return 500;
    }
    return 0;
}
