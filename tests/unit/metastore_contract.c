/*
 * metastore_contract.c: the tests every metadata store backend passes (see
 * metastore_contract.h).  Runs in: the test binary of each backend.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "metastore_contract.h"

struct event_base *base;
ks_metastore_t *ms;
int64_t rev0;

static const ms_contract_t *be;     /* the backend under test */

/* ---- helpers ------------------------------------------------------- */

void
res_clear(res_t *r)
{
    size_t i;

    for (i = 0; i < MAXKV; i++)
        free(r->value[i]);
    memset(r, 0, sizeof(*r));
}

void
capture(void *arg, const ks_ms_result_t *res)
{
    res_t *r = arg;
    size_t i;

    r->calls++;
    r->rc = res->rc;
    snprintf(r->error, sizeof(r->error), "%s", res->error ? res->error : "");
    r->revision = res->revision;
    r->succeeded = res->succeeded;
    r->count = res->count;
    r->nkvs = res->nkvs;
    r->lease_id = res->lease_id;
    r->lease_ttl = res->lease_ttl;
    r->sorted = true;
    for (i = 0; i < res->nkvs; i++) {
        const ks_kv_t *kv = &res->kvs[i];

        if (i > 0 && strcmp(res->kvs[i - 1].key, kv->key) >= 0)
            r->sorted = false;
        ck_assert_uint_eq(strlen(kv->key), kv->key_len);
        ck_assert_int_eq(kv->value[kv->value_len], 0);
        if (i < MAXKV) {
            snprintf(r->key[i], sizeof(r->key[i]), "%s", kv->key);
            free(r->value[i]);
            r->value[i] = malloc(kv->value_len + 1);
            memcpy(r->value[i], kv->value, kv->value_len + 1);
            r->value_len[i] = kv->value_len;
            r->create_rev[i] = kv->create_rev;
            r->mod_rev[i] = kv->mod_rev;
            r->version[i] = kv->version;
            r->lease[i] = kv->lease;
        }
    }
}

void
on_watch(void *arg, int kind, const ks_kv_t *kv)
{
    watch_t *w = arg;

    if (w->calls < 64) {
        w->kind[w->calls] = kind;
        snprintf(w->key[w->calls], sizeof(w->key[0]), "%s", kv->key);
        snprintf(w->value[w->calls], sizeof(w->value[0]), "%s", (const char *) kv->value);
        w->mod_rev[w->calls] = kv->mod_rev;
    }
    w->calls++;
}

/* Runs the loop until *calls >= n or `secs` passed. */
void
wait_calls(int *calls, int n, double secs)
{
    int64_t end = ks_mono_us() + (int64_t) (secs * 1e6);

    while (*calls < n && ks_mono_us() < end)
        event_base_loop(base, EVLOOP_ONCE);
}

void
do_put(const char *k, const char *v, int64_t lease, res_t *r)
{
    res_clear(r);
    ck_assert_int_eq(ks_ms_put(ms, k, v, strlen(v), lease, capture, r), KS_OK);
    ck_assert_int_eq(r->calls, 0);            /* never called from inside */
    wait_calls(&r->calls, 1, 10);
    ck_assert_int_eq(r->calls, 1);
}

void
do_get(const char *k, res_t *r)
{
    res_clear(r);
    ck_assert_int_eq(ks_ms_get(ms, k, capture, r), KS_OK);
    ck_assert_int_eq(r->calls, 0);
    wait_calls(&r->calls, 1, 10);
    ck_assert_int_eq(r->calls, 1);
}

void
do_range(const char *p, size_t limit, res_t *r)
{
    res_clear(r);
    ck_assert_int_eq(ks_ms_range(ms, p, limit, capture, r), KS_OK);
    wait_calls(&r->calls, 1, 10);
    ck_assert_int_eq(r->calls, 1);
}

void
do_txn(const ks_ms_cmp_t *c, size_t nc, const ks_ms_op_t *s, size_t ns,
       const ks_ms_op_t *f, size_t nf, res_t *r)
{
    res_clear(r);
    ck_assert_int_eq(ks_ms_txn(ms, c, nc, s, ns, f, nf, capture, r), KS_OK);
    ck_assert_int_eq(r->calls, 0);
    wait_calls(&r->calls, 1, 10);
    ck_assert_int_eq(r->calls, 1);
}

/* ---- the contract -------------------------------------------------- */

START_TEST(test_put_get_range_delete)
{
    res_t r = { 0 };

    do_get("/a", &r);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert_uint_eq(r.count, 0);
    ck_assert_uint_eq(r.nkvs, 0);
    ck_assert_int_eq(r.revision, rev0);

    do_put("/t/b", "2", 0, &r);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert_int_eq(r.revision, rev0 + 1);
    do_put("/t/a", "1", 0, &r);
    ck_assert_int_eq(r.revision, rev0 + 2);
    do_put("/t/c", "3", 0, &r);
    do_put("/u/x", "9", 0, &r);
    do_put("/t/b", "22", 0, &r);
    ck_assert_int_eq(r.revision, rev0 + 5);
    do_put("/t/empty", "", 0, &r);      /* an empty value (etcd omits it) */

    do_get("/t/b", &r);
    ck_assert_uint_eq(r.nkvs, 1);
    ck_assert_str_eq(r.key[0], "/t/b");
    ck_assert_str_eq(r.value[0], "22");
    ck_assert_int_eq(r.create_rev[0], rev0 + 1);
    ck_assert_int_eq(r.mod_rev[0], rev0 + 5);
    ck_assert_int_eq(r.version[0], 2);
    ck_assert_int_eq(r.lease[0], 0);
    ck_assert_int_eq(r.revision, rev0 + 6);
    do_get("/t/empty", &r);
    ck_assert_uint_eq(r.nkvs, 1);
    ck_assert_uint_eq(r.value_len[0], 0);
    ck_assert_str_eq(r.value[0], "");

    do_range("/t/", 0, &r);
    ck_assert_uint_eq(r.count, 4);
    ck_assert_uint_eq(r.nkvs, 4);
    ck_assert(r.sorted);
    ck_assert_str_eq(r.key[0], "/t/a");
    ck_assert_str_eq(r.key[1], "/t/b");
    ck_assert_str_eq(r.key[2], "/t/c");

    do_range("/t/", 2, &r);
    ck_assert_uint_eq(r.count, 4);      /* total matches */
    ck_assert_uint_eq(r.nkvs, 2);
    ck_assert_str_eq(r.key[1], "/t/b");

    do_range("", 0, &r);
    ck_assert_uint_eq(r.nkvs, 5);
    ck_assert_str_eq(r.key[4], "/u/x");
    do_range("/t", 0, &r);              /* a prefix, not a directory */
    ck_assert_uint_eq(r.nkvs, 4);

    /* delete: a missing key changes nothing, not even the revision */
    res_clear(&r);
    ck_assert_int_eq(ks_ms_delete(ms, "/nope", capture, &r), KS_OK);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert_uint_eq(r.count, 0);
    ck_assert_int_eq(r.revision, rev0 + 6);

    res_clear(&r);
    ck_assert_int_eq(ks_ms_delete(ms, "/t/a", capture, &r), KS_OK);
    wait_calls(&r.calls, 1, 5);
    ck_assert_uint_eq(r.count, 1);
    ck_assert_int_eq(r.revision, rev0 + 7);
    do_get("/t/a", &r);
    ck_assert_uint_eq(r.nkvs, 0);

    do_put("/t/a", "again", 0, &r);
    do_get("/t/a", &r);
    ck_assert_int_eq(r.create_rev[0], rev0 + 8);
    ck_assert_int_eq(r.version[0], 1);

    res_clear(&r);
    ck_assert_int_eq(ks_ms_delete_prefix(ms, "/t/", capture, &r), KS_OK);
    wait_calls(&r.calls, 1, 5);
    ck_assert_uint_eq(r.count, 4);
    ck_assert_int_eq(r.revision, rev0 + 9);
    do_range("", 0, &r);
    ck_assert_uint_eq(r.nkvs, 1);
    ck_assert_str_eq(r.key[0], "/u/x");

    /* keys with bytes that need care in base64 and in the range end */
    do_put("/bin/\xff\xff", "hi\xff", 0, &r);
    do_put("/bin/\xfe", "x", 0, &r);
    do_put("/bio", "out", 0, &r);
    do_range("/bin/\xff", 0, &r);
    ck_assert_uint_eq(r.nkvs, 1);
    ck_assert_str_eq(r.value[0], "hi\xff");
    do_range("/bin/", 0, &r);
    ck_assert_uint_eq(r.nkvs, 2);

    ck_assert_int_eq(ks_ms_put(ms, "", "x", 1, 0, capture, &r), KS_ERROR);
    ck_assert_int_eq(ks_ms_put(ms, NULL, "x", 1, 0, capture, &r), KS_ERROR);
    res_clear(&r);
}
END_TEST

START_TEST(test_callback_order)
{
    res_t r[4];
    int i, total = 0;

    memset(r, 0, sizeof(r));
    ck_assert_int_eq(ks_ms_put(ms, "/k", "v1", 2, 0, capture, &r[0]), KS_OK);
    ck_assert_int_eq(ks_ms_get(ms, "/k", capture, &r[1]), KS_OK);
    ck_assert_int_eq(ks_ms_put(ms, "/k", "v2", 2, 0, capture, &r[2]), KS_OK);
    ck_assert_int_eq(ks_ms_put(ms, "/j", "x", 1, 0, NULL, NULL), KS_OK);
    ck_assert_int_eq(ks_ms_get(ms, "/k", capture, &r[3]), KS_OK);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(r[i].calls, 0);
    while (total < 4) {
        event_base_loop(base, EVLOOP_ONCE);
        total = r[0].calls + r[1].calls + r[2].calls + r[3].calls;
        /* in call order */
        for (i = 1; i < 4; i++)
            ck_assert(r[i].calls == 0 || r[i - 1].calls == 1);
    }
    ck_assert_str_eq(r[1].value[0], "v1");
    ck_assert_str_eq(r[3].value[0], "v2");
    ck_assert_int_eq(r[3].revision, rev0 + 3);
    for (i = 0; i < 4; i++)
        res_clear(&r[i]);
}
END_TEST

START_TEST(test_txn)
{
    res_t r = { 0 };
    ks_ms_cmp_t cmp = { .key = "/lock", .target = KS_MS_CMP_CREATE_REV, .result = KS_MS_CMP_EQ,
                        .number = 0 };
    ks_ms_op_t put = { .kind = KS_MS_OP_PUT, .key = "/lock", .value = "me", .value_len = 2 };
    ks_ms_op_t get = { .kind = KS_MS_OP_GET, .key = "/lock" };
    ks_ms_op_t putget[2];
    ks_ms_op_t ops[100];
    char keys[100][16];
    int64_t rev;
    int i;

    /* create-if-absent: the GET in the success branch sees the state
     * before the txn, as with the embedded store */
    putget[0] = put;
    putget[1] = get;
    do_txn(&cmp, 1, putget, 2, &get, 1, &r);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert(r.succeeded);
    ck_assert_int_eq(r.revision, rev0 + 1);
    ck_assert_uint_eq(r.nkvs, 0);

    put.value = "you";
    put.value_len = 3;
    do_txn(&cmp, 1, &put, 1, &get, 1, &r);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert(!r.succeeded);
    ck_assert_int_eq(r.revision, rev0 + 1);
    ck_assert_uint_eq(r.nkvs, 1);
    ck_assert_str_eq(r.value[0], "me");

    cmp.target = KS_MS_CMP_MOD_REV;
    cmp.number = rev0 + 1;
    do_txn(&cmp, 1, &put, 1, NULL, 0, &r);
    ck_assert(r.succeeded);
    ck_assert_int_eq(r.revision, rev0 + 2);
    do_txn(&cmp, 1, &put, 1, NULL, 0, &r);
    ck_assert(!r.succeeded);                  /* stale mod_rev */
    ck_assert_int_eq(r.revision, rev0 + 2);

    {
        struct { int target, result; int64_t number; const char *value; bool expect; } c[] = {
            { KS_MS_CMP_MOD_REV, KS_MS_CMP_GT, rev0 + 1, NULL, true },
            { KS_MS_CMP_MOD_REV, KS_MS_CMP_LT, rev0 + 2, NULL, false },
            { KS_MS_CMP_MOD_REV, KS_MS_CMP_NE, rev0 + 2, NULL, false },
            { KS_MS_CMP_VERSION, KS_MS_CMP_EQ, 2, NULL, true },
            { KS_MS_CMP_VERSION, KS_MS_CMP_LT, 2, NULL, false },
            { KS_MS_CMP_CREATE_REV, KS_MS_CMP_EQ, rev0 + 1, NULL, true },
            { KS_MS_CMP_VALUE, KS_MS_CMP_EQ, 0, "you", true },
            { KS_MS_CMP_VALUE, KS_MS_CMP_EQ, 0, "yo", false },
            { KS_MS_CMP_VALUE, KS_MS_CMP_NE, 0, "me", true },
            { KS_MS_CMP_VALUE, KS_MS_CMP_GT, 0, "abc", true },
            { KS_MS_CMP_VALUE, KS_MS_CMP_LT, 0, "abc", false },
            { KS_MS_CMP_VALUE, KS_MS_CMP_LT, 0, "youu", true },
        };
        for (i = 0; i < (int) KS_ARRAY_LEN(c); i++) {
            ks_ms_cmp_t cc = { .key = "/lock", .target = c[i].target, .result = c[i].result,
                               .number = c[i].number, .value = c[i].value,
                               .value_len = c[i].value ? strlen(c[i].value) : 0 };
            do_txn(&cc, 1, NULL, 0, NULL, 0, &r);
            ck_assert_int_eq(r.rc, KS_OK);
            ck_assert_msg(r.succeeded == c[i].expect, "compare %d", i);
        }
        ks_ms_cmp_t cv = { .key = "/absent", .target = KS_MS_CMP_VALUE, .result = KS_MS_CMP_NE,
                           .value = "x", .value_len = 1 };
        do_txn(&cv, 1, NULL, 0, NULL, 0, &r);
        ck_assert(!r.succeeded);
        /* several compares: all must hold */
        ks_ms_cmp_t two[2] = {
            { .key = "/lock", .target = KS_MS_CMP_VERSION, .result = KS_MS_CMP_EQ, .number = 2 },
            { .key = "/absent", .target = KS_MS_CMP_CREATE_REV, .result = KS_MS_CMP_GT },
        };
        do_txn(two, 2, NULL, 0, NULL, 0, &r);
        ck_assert(!r.succeeded);
        two[1].result = KS_MS_CMP_EQ;
        do_txn(two, 2, NULL, 0, NULL, 0, &r);
        ck_assert(r.succeeded);
    }

    for (i = 0; i < 100; i++) {
        snprintf(keys[i], sizeof(keys[i]), "/hw/%03d", i);
        ops[i] = (ks_ms_op_t) { .kind = KS_MS_OP_PUT, .key = keys[i], .value = "42",
                                .value_len = 2 };
    }
    do_txn(NULL, 0, ops, 100, NULL, 0, &r);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert(r.succeeded);
    rev = r.revision;
    ck_assert_int_eq(rev, rev0 + 3);
    do_range("/hw/", 0, &r);
    ck_assert_uint_eq(r.count, 100);
    ck_assert_int_eq(r.mod_rev[7], rev);

    ks_ms_op_t mix[3] = {
        { .kind = KS_MS_OP_PUT, .key = "/hw/new", .value = "n", .value_len = 1 },
        { .kind = KS_MS_OP_DELETE_PREFIX, .key = "/hw/0" },
        { .kind = KS_MS_OP_DELETE, .key = "/lock" },
    };
    do_txn(NULL, 0, mix, 3, NULL, 0, &r);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert_uint_eq(r.count, 101);
    ck_assert_int_eq(r.revision, rev + 1);
    do_range("", 0, &r);
    ck_assert_uint_eq(r.nkvs, 1);
    ck_assert_str_eq(r.key[0], "/hw/new");

    ks_ms_op_t bad[2] = {
        { .kind = KS_MS_OP_PUT, .key = "/x", .value = "1", .value_len = 1 },
        { .kind = KS_MS_OP_PUT, .key = "/y", .value = "1", .value_len = 1, .lease = 777 },
    };
    do_txn(NULL, 0, bad, 2, NULL, 0, &r);
    ck_assert_int_eq(r.rc, KS_ERROR);
    ck_assert_str_eq(r.error, "lease not found");
    do_get("/x", &r);
    ck_assert_uint_eq(r.nkvs, 0);

    ks_ms_cmp_t badcmp = { .key = "/x", .target = 99 };
    ck_assert_int_eq(ks_ms_txn(ms, &badcmp, 1, NULL, 0, NULL, 0, capture, &r), KS_ERROR);
    res_clear(&r);
}
END_TEST

START_TEST(test_watch)
{
    res_t r = { 0 };
    watch_t w = { 0 }, all = { 0 };
    int id, id2;

    do_put("/before", "x", 0, &r);
    id = ks_ms_watch(ms, "/topics/", on_watch, &w);
    ck_assert_int_ge(id, 0);
    id2 = ks_ms_watch(ms, "", on_watch, &all);
    ck_assert_int_ge(id2, 0);
    ck_assert_int_ne(id, id2);

    /* issued right after the watch call: still seen */
    do_put("/topics/a", "1", 0, &r);
    do_put("/other", "1", 0, &r);
    do_put("/topics/b", "2", 0, &r);
    res_clear(&r);
    ks_ms_delete(ms, "/topics/a", capture, &r);
    wait_calls(&r.calls, 1, 5);
    wait_calls(&w.calls, 3, 5);
    ck_assert_int_eq(w.calls, 3);
    ck_assert_int_eq(w.kind[0], KS_MS_WATCH_PUT);
    ck_assert_str_eq(w.key[0], "/topics/a");
    ck_assert_str_eq(w.value[0], "1");
    ck_assert_str_eq(w.key[1], "/topics/b");
    ck_assert_int_eq(w.kind[2], KS_MS_WATCH_DELETE);
    ck_assert_str_eq(w.key[2], "/topics/a");
    ck_assert_int_eq(w.mod_rev[2], r.revision);
    wait_calls(&all.calls, 4, 5);
    ck_assert_int_eq(all.calls, 4);           /* not /before */

    ks_ms_unwatch(ms, id);
    do_put("/topics/c", "3", 0, &r);
    wait_calls(&all.calls, 5, 5);
    ck_assert_int_eq(w.calls, 3);
    ck_assert_int_eq(all.calls, 5);

    ks_ms_put(ms, "/z", "1", 1, 0, NULL, NULL);
    ks_ms_unwatch(ms, id2);
    res_clear(&r);
    ks_ms_get(ms, "/z", capture, &r);
    wait_calls(&r.calls, 1, 5);
    wait_calls(&all.calls, 6, 0.3);
    ck_assert_int_eq(all.calls, 5);
    res_clear(&r);
}
END_TEST

START_TEST(test_leases)
{
    res_t r = { 0 }, g = { 0 };
    watch_t w = { 0 };
    int64_t l1, l2, t0;

    ck_assert_int_ge(ks_ms_watch(ms, "/leased/", on_watch, &w), 0);
    ck_assert_int_eq(ks_ms_lease_grant(ms, 0, capture, &g), KS_ERROR);
    ck_assert_int_eq(ks_ms_lease_grant(ms, 1, capture, &g), KS_OK);
    ck_assert_int_eq(g.calls, 0);
    wait_calls(&g.calls, 1, 5);
    ck_assert_int_eq(g.rc, KS_OK);
    l1 = g.lease_id;
    ck_assert_int_gt(l1, 0);
    ck_assert_int_eq(g.lease_ttl, 1);
    res_clear(&g);
    ks_ms_lease_grant(ms, 60, capture, &g);
    wait_calls(&g.calls, 1, 5);
    l2 = g.lease_id;
    ck_assert_int_gt(l2, 0);
    ck_assert_int_ne(l1, l2);
    /* etcd's lease IDs are above 2^53: they must come through exactly */
    printf("%s: lease ids %" PRId64 " %" PRId64 "\n", be->name, l1, l2);

    t0 = ks_mono_us();
    do_put("/leased/short", "a", l1, &r);
    ck_assert_int_eq(r.rc, KS_OK);
    do_put("/leased/long", "b", l2, &r);
    do_put("/leased/none", "c", 0, &r);
    do_put("/leased/bad", "d", 999, &r);
    ck_assert_int_eq(r.rc, KS_ERROR);
    ck_assert_str_eq(r.error, "lease not found");
    do_get("/leased/short", &r);
    ck_assert_int_eq(r.lease[0], l1);
    do_get("/leased/long", &r);
    ck_assert_int_eq(r.lease[0], l2);

    res_clear(&r);
    ks_ms_lease_keepalive(ms, l2, capture, &r);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert_int_eq(r.lease_ttl, 60);
    ck_assert_int_eq(r.lease_id, l2);
    res_clear(&r);
    ks_ms_lease_keepalive(ms, 4242, capture, &r);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert_int_eq(r.lease_ttl, 0);

    /* l1 (1 s) expires: its key goes, the watch sees the delete */
    wait_calls(&w.calls, 4, 5);
    ck_assert_int_eq(w.calls, 4);
    ck_assert_int_eq(w.kind[3], KS_MS_WATCH_DELETE);
    ck_assert_str_eq(w.key[3], "/leased/short");
    printf("%s: 1 s lease expired after %.2f s\n", be->name, (ks_mono_us() - t0) / 1e6);
    do_range("/leased/", 0, &r);
    ck_assert_uint_eq(r.nkvs, 2);
    res_clear(&r);
    ks_ms_lease_keepalive(ms, l1, capture, &r);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert_int_eq(r.lease_ttl, 0);          /* lost */

    res_clear(&r);
    ks_ms_lease_revoke(ms, l2, capture, &r);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert_uint_eq(r.count, 1);
    wait_calls(&w.calls, 5, 5);
    ck_assert_int_eq(w.calls, 5);
    ck_assert_int_eq(w.kind[4], KS_MS_WATCH_DELETE);
    ck_assert_str_eq(w.key[4], "/leased/long");
    do_range("/leased/", 0, &r);
    ck_assert_uint_eq(r.nkvs, 1);
    ck_assert_str_eq(r.key[0], "/leased/none");
    res_clear(&r);
    ks_ms_lease_revoke(ms, l2, capture, &r);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(r.rc, KS_ERROR);
    ck_assert_str_eq(r.error, "lease not found");

    /* the expiry and the revoke outlive a reopen */
    be->reopen();
    do_range("/leased/", 0, &r);
    ck_assert_uint_eq(r.nkvs, 1);
    res_clear(&r);
    res_clear(&g);
}
END_TEST

static void
close_in_cb(void *arg, const ks_ms_result_t *res)
{
    int *n = arg;

    (void) res;
    (*n)++;
    ks_metastore_close(ms);
    ms = NULL;
}

START_TEST(test_close_from_callback)
{
    int n = 0;
    res_t r = { 0 };
    watch_t w = { 0 };

    ks_ms_watch(ms, "/", on_watch, &w);
    ks_ms_put(ms, "/a", "1", 1, 0, close_in_cb, &n);
    ks_ms_put(ms, "/b", "2", 1, 0, capture, &r);     /* not called after close */
    wait_calls(&n, 1, 5);
    wait_calls(&r.calls, 1, 0.3);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(r.calls, 0);
    be->reopen();
    do_get("/a", &r);
    ck_assert_uint_eq(r.nkvs, 1);                     /* answered: applied */
    if (be->close_keeps_queued) {
        do_range("", 0, &r);
        ck_assert_uint_eq(r.count, 2);                /* both durable */
    }
    res_clear(&r);
}
END_TEST

TCase *
ms_contract_tcase(const ms_contract_t *backend)
{
    TCase *tc = tcase_create("contract");

    be = backend;
    tcase_add_checked_fixture(tc, backend->setup, backend->teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_put_get_range_delete);
    tcase_add_test(tc, test_callback_order);
    tcase_add_test(tc, test_txn);
    tcase_add_test(tc, test_watch);
    tcase_add_test(tc, test_leases);
    tcase_add_test(tc, test_close_from_callback);
    return tc;
}
