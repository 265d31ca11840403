/*
 * test_metastore.c: the metastore dispatch and the embedded backend, on a
 * real event_base and a temporary data directory.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "util.h"
#include "metastore/metastore.h"

#define MAXKV 8

typedef struct {
    int calls;
    int rc;
    char error[128];
    int64_t revision;
    bool succeeded;
    size_t count;
    size_t nkvs;
    bool sorted;
    int64_t lease_id, lease_ttl;
    char key[MAXKV][64];
    char *value[MAXKV];
    size_t value_len[MAXKV];
    int64_t create_rev[MAXKV], mod_rev[MAXKV], version[MAXKV], lease[MAXKV];
} res_t;

typedef struct {
    int calls;
    int kind[64];
    char key[64][64];
    char value[64][32];
    int64_t mod_rev[64];
} watch_t;

static char topdir[64];      /* removed by main(), even after failures */
static char tmpdir[96];
static struct event_base *base;
static struct event *tick;
static ks_metastore_t *ms;

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void
setup(void)
{
    struct timeval tv = { 0, 10000 };

    ks_log_set_level(KS_LOG_ERROR);
    snprintf(tmpdir, sizeof(tmpdir), "%s/t.XXXXXX", topdir);
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    base = event_base_new();
    tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
    event_add(tick, &tv);
    ms = NULL;
}

static void
teardown(void)
{
    if (ms != NULL)
        ks_metastore_close(ms);
    event_free(tick);
    event_base_free(base);
    nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static ks_metastore_t *
open_store(char *err, size_t errlen)
{
    ks_ms_config_t cfg = { .backend = "embedded", .data_dir = tmpdir };

    return ks_metastore_open(base, &cfg, err, errlen);
}

static void
reopen(void)
{
    char err[256];

    if (ms != NULL)
        ks_metastore_close(ms);
    ms = open_store(err, sizeof(err));
    ck_assert_msg(ms != NULL, "open failed: %s", err);
}

static void
res_clear(res_t *r)
{
    size_t i;

    for (i = 0; i < MAXKV; i++)
        free(r->value[i]);
    memset(r, 0, sizeof(*r));
}

static void
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

static void
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
static void
wait_calls(int *calls, int n, double secs)
{
    int64_t end = ks_mono_us() + (int64_t) (secs * 1e6);

    while (*calls < n && ks_mono_us() < end)
        event_base_loop(base, EVLOOP_ONCE);
}

static void
do_put(const char *k, const char *v, int64_t lease, res_t *r)
{
    res_clear(r);
    ck_assert_int_eq(ks_ms_put(ms, k, v, strlen(v), lease, capture, r), KS_OK);
    ck_assert_int_eq(r->calls, 0);            /* never called from inside */
    wait_calls(&r->calls, 1, 5);
    ck_assert_int_eq(r->calls, 1);
}

static void
do_get(const char *k, res_t *r)
{
    res_clear(r);
    ck_assert_int_eq(ks_ms_get(ms, k, capture, r), KS_OK);
    ck_assert_int_eq(r->calls, 0);
    wait_calls(&r->calls, 1, 5);
    ck_assert_int_eq(r->calls, 1);
}

static void
do_range(const char *p, size_t limit, res_t *r)
{
    res_clear(r);
    ck_assert_int_eq(ks_ms_range(ms, p, limit, capture, r), KS_OK);
    wait_calls(&r->calls, 1, 5);
    ck_assert_int_eq(r->calls, 1);
}

static char *
meta_path(const char *name)
{
    static char p[256];

    snprintf(p, sizeof(p), "%s/meta/%s", tmpdir, name);
    return p;
}

static off_t
file_size(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return -1;
    return st.st_size;
}

#define JOURNAL0 "journal-0000000000000000.log"

/* ---- tests --------------------------------------------------------- */

START_TEST(test_backend_dispatch)
{
    char err[256];
    ks_ms_config_t cfg = { .backend = "etcd", .data_dir = tmpdir };

    ck_assert_ptr_null(ks_metastore_open(base, &cfg, err, sizeof(err)));
    ck_assert_msg(strstr(err, "etcd.endpoints") != NULL, "%s", err);
    cfg.backend = "zookeeper";
    ck_assert_ptr_null(ks_metastore_open(base, &cfg, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "zookeeper"));
    cfg.backend = "embedded";
    cfg.data_dir = NULL;
    ck_assert_ptr_null(ks_metastore_open(base, &cfg, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "data.dir"));
}
END_TEST

START_TEST(test_put_get_range_delete)
{
    res_t r = { 0 };
    struct stat st;

    reopen();
    ck_assert_int_eq(stat(meta_path(""), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);

    do_get("/a", &r);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert_uint_eq(r.count, 0);
    ck_assert_int_eq(r.revision, 0);

    do_put("/t/b", "2", 0, &r);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert_int_eq(r.revision, 1);
    do_put("/t/a", "1", 0, &r);
    ck_assert_int_eq(r.revision, 2);
    do_put("/t/c", "3", 0, &r);
    do_put("/u/x", "9", 0, &r);
    do_put("/t/b", "22", 0, &r);
    ck_assert_int_eq(r.revision, 5);

    do_get("/t/b", &r);
    ck_assert_uint_eq(r.nkvs, 1);
    ck_assert_str_eq(r.key[0], "/t/b");
    ck_assert_str_eq(r.value[0], "22");
    ck_assert_int_eq(r.create_rev[0], 1);
    ck_assert_int_eq(r.mod_rev[0], 5);
    ck_assert_int_eq(r.version[0], 2);
    ck_assert_int_eq(r.revision, 5);

    do_range("/t/", 0, &r);
    ck_assert_uint_eq(r.count, 3);
    ck_assert_uint_eq(r.nkvs, 3);
    ck_assert_str_eq(r.key[0], "/t/a");
    ck_assert_str_eq(r.key[1], "/t/b");
    ck_assert_str_eq(r.key[2], "/t/c");

    do_range("/t/", 2, &r);
    ck_assert_uint_eq(r.count, 3);      /* total matches, as etcd */
    ck_assert_uint_eq(r.nkvs, 2);
    ck_assert_str_eq(r.key[1], "/t/b");

    do_range("", 0, &r);
    ck_assert_uint_eq(r.nkvs, 4);
    ck_assert_str_eq(r.key[3], "/u/x");

    /* delete: missing key changes nothing, not even the revision */
    res_clear(&r);
    ck_assert_int_eq(ks_ms_delete(ms, "/nope", capture, &r), KS_OK);
    wait_calls(&r.calls, 1, 5);
    ck_assert_uint_eq(r.count, 0);
    ck_assert_int_eq(r.revision, 5);

    res_clear(&r);
    ck_assert_int_eq(ks_ms_delete(ms, "/t/a", capture, &r), KS_OK);
    wait_calls(&r.calls, 1, 5);
    ck_assert_uint_eq(r.count, 1);
    ck_assert_int_eq(r.revision, 6);
    do_get("/t/a", &r);
    ck_assert_uint_eq(r.nkvs, 0);

    /* re-created key starts a new life */
    do_put("/t/a", "again", 0, &r);
    do_get("/t/a", &r);
    ck_assert_int_eq(r.create_rev[0], 7);
    ck_assert_int_eq(r.version[0], 1);

    res_clear(&r);
    ck_assert_int_eq(ks_ms_delete_prefix(ms, "/t/", capture, &r), KS_OK);
    wait_calls(&r.calls, 1, 5);
    ck_assert_uint_eq(r.count, 3);
    ck_assert_int_eq(r.revision, 8);
    do_range("", 0, &r);
    ck_assert_uint_eq(r.nkvs, 1);
    ck_assert_str_eq(r.key[0], "/u/x");

    /* invalid arguments are refused without a callback */
    ck_assert_int_eq(ks_ms_put(ms, "", "x", 1, 0, capture, &r), KS_ERROR);
    ck_assert_int_eq(ks_ms_put(ms, NULL, "x", 1, 0, capture, &r), KS_ERROR);
    res_clear(&r);
}
END_TEST

START_TEST(test_callback_order)
{
    res_t r[4];
    int i, total = 0;

    reopen();
    memset(r, 0, sizeof(r));
    /* a read issued after a write in the same turn sees it, and results
     * arrive in call order */
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
    }
    ck_assert_str_eq(r[1].value[0], "v1");
    ck_assert_str_eq(r[3].value[0], "v2");
    ck_assert_int_eq(r[3].revision, 3);
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
    ks_ms_op_t ops[100];
    char keys[100][16];
    int64_t rev;
    int i;

    reopen();
    /* create-if-absent: first wins, second takes the failure branch */
    ck_assert_int_eq(ks_ms_txn(ms, &cmp, 1, &put, 1, &get, 1, capture, &r), KS_OK);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert(r.succeeded);
    ck_assert_int_eq(r.revision, 1);
    ck_assert_uint_eq(r.nkvs, 0);

    res_clear(&r);
    put.value = "you";
    put.value_len = 3;
    ck_assert_int_eq(ks_ms_txn(ms, &cmp, 1, &put, 1, &get, 1, capture, &r), KS_OK);
    wait_calls(&r.calls, 1, 5);
    ck_assert(!r.succeeded);
    ck_assert_int_eq(r.revision, 1);
    ck_assert_uint_eq(r.nkvs, 1);
    ck_assert_str_eq(r.value[0], "me");

    /* mod_rev compare-and-swap */
    res_clear(&r);
    cmp.target = KS_MS_CMP_MOD_REV;
    cmp.number = 1;
    ck_assert_int_eq(ks_ms_txn(ms, &cmp, 1, &put, 1, NULL, 0, capture, &r), KS_OK);
    wait_calls(&r.calls, 1, 5);
    ck_assert(r.succeeded);
    ck_assert_int_eq(r.revision, 2);
    res_clear(&r);
    ck_assert_int_eq(ks_ms_txn(ms, &cmp, 1, &put, 1, NULL, 0, capture, &r), KS_OK);
    wait_calls(&r.calls, 1, 5);
    ck_assert(!r.succeeded);                  /* stale mod_rev */
    ck_assert_int_eq(r.revision, 2);

    /* mod_rev GT / LT, version, value EQ/NE/GT/LT */
    {
        struct { int target, result; int64_t number; const char *value; bool expect; } c[] = {
            { KS_MS_CMP_MOD_REV, KS_MS_CMP_GT, 1, NULL, true },
            { KS_MS_CMP_MOD_REV, KS_MS_CMP_LT, 2, NULL, false },
            { KS_MS_CMP_MOD_REV, KS_MS_CMP_NE, 2, NULL, false },
            { KS_MS_CMP_VERSION, KS_MS_CMP_EQ, 2, NULL, true },
            { KS_MS_CMP_VERSION, KS_MS_CMP_LT, 2, NULL, false },
            { KS_MS_CMP_CREATE_REV, KS_MS_CMP_EQ, 1, NULL, true },
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
            res_clear(&r);
            ck_assert_int_eq(ks_ms_txn(ms, &cc, 1, NULL, 0, NULL, 0, capture, &r), KS_OK);
            wait_calls(&r.calls, 1, 5);
            ck_assert_msg(r.succeeded == c[i].expect, "compare %d", i);
        }
        /* a value compare on an absent key fails */
        ks_ms_cmp_t cv = { .key = "/absent", .target = KS_MS_CMP_VALUE, .result = KS_MS_CMP_NE,
                           .value = "x", .value_len = 1 };
        res_clear(&r);
        ck_assert_int_eq(ks_ms_txn(ms, &cv, 1, NULL, 0, NULL, 0, capture, &r), KS_OK);
        wait_calls(&r.calls, 1, 5);
        ck_assert(!r.succeeded);
    }

    /* a txn of 100 puts (a flusher's high watermarks) is one revision */
    for (i = 0; i < 100; i++) {
        snprintf(keys[i], sizeof(keys[i]), "/hw/%03d", i);
        ops[i] = (ks_ms_op_t) { .kind = KS_MS_OP_PUT, .key = keys[i], .value = "42",
                                .value_len = 2 };
    }
    res_clear(&r);
    ck_assert_int_eq(ks_ms_txn(ms, NULL, 0, ops, 100, NULL, 0, capture, &r), KS_OK);
    wait_calls(&r.calls, 1, 5);
    ck_assert(r.succeeded);
    rev = r.revision;
    ck_assert_int_eq(rev, 3);
    do_range("/hw/", 0, &r);
    ck_assert_uint_eq(r.count, 100);
    ck_assert_int_eq(r.mod_rev[7], rev);

    /* put + delete_prefix + delete in one txn, in order */
    ks_ms_op_t mix[3] = {
        { .kind = KS_MS_OP_PUT, .key = "/hw/new", .value = "n", .value_len = 1 },
        { .kind = KS_MS_OP_DELETE_PREFIX, .key = "/hw/0" },
        { .kind = KS_MS_OP_DELETE, .key = "/lock" },
    };
    res_clear(&r);
    ck_assert_int_eq(ks_ms_txn(ms, NULL, 0, mix, 3, NULL, 0, capture, &r), KS_OK);
    wait_calls(&r.calls, 1, 5);
    ck_assert_uint_eq(r.count, 101);
    ck_assert_int_eq(r.revision, rev + 1);
    do_range("", 0, &r);
    ck_assert_uint_eq(r.nkvs, 1);
    ck_assert_str_eq(r.key[0], "/hw/new");

    /* a put on an unknown lease fails the whole txn, nothing applied */
    ks_ms_op_t bad[2] = {
        { .kind = KS_MS_OP_PUT, .key = "/x", .value = "1", .value_len = 1 },
        { .kind = KS_MS_OP_PUT, .key = "/y", .value = "1", .value_len = 1, .lease = 777 },
    };
    res_clear(&r);
    ck_assert_int_eq(ks_ms_txn(ms, NULL, 0, bad, 2, NULL, 0, capture, &r), KS_OK);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(r.rc, KS_ERROR);
    ck_assert_str_eq(r.error, "lease not found");
    do_get("/x", &r);
    ck_assert_uint_eq(r.nkvs, 0);

    /* malformed requests are refused at once */
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

    reopen();
    do_put("/before", "x", 0, &r);
    id = ks_ms_watch(ms, "/topics/", on_watch, &w);
    ck_assert_int_ge(id, 0);
    id2 = ks_ms_watch(ms, "", on_watch, &all);
    ck_assert_int_ge(id2, 0);
    ck_assert_int_ne(id, id2);

    do_put("/topics/a", "1", 0, &r);
    do_put("/other", "1", 0, &r);
    do_put("/topics/b", "2", 0, &r);
    res_clear(&r);
    ks_ms_delete(ms, "/topics/a", capture, &r);
    wait_calls(&r.calls, 1, 5);
    wait_calls(&w.calls, 3, 1);
    ck_assert_int_eq(w.calls, 3);
    ck_assert_int_eq(w.kind[0], KS_MS_WATCH_PUT);
    ck_assert_str_eq(w.key[0], "/topics/a");
    ck_assert_str_eq(w.value[0], "1");
    ck_assert_str_eq(w.key[1], "/topics/b");
    ck_assert_int_eq(w.kind[2], KS_MS_WATCH_DELETE);
    ck_assert_str_eq(w.key[2], "/topics/a");
    ck_assert_int_eq(w.mod_rev[2], r.revision);
    ck_assert_int_eq(all.calls, 4);

    ks_ms_unwatch(ms, id);
    do_put("/topics/c", "3", 0, &r);
    ck_assert_int_eq(w.calls, 3);
    ck_assert_int_eq(all.calls, 5);

    /* unwatch between the change and its delivery: nothing delivered */
    ks_ms_put(ms, "/z", "1", 1, 0, NULL, NULL);
    ks_ms_unwatch(ms, id2);
    res_clear(&r);
    ks_ms_get(ms, "/z", capture, &r);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(all.calls, 5);
    res_clear(&r);
}
END_TEST

START_TEST(test_leases)
{
    res_t r = { 0 }, g = { 0 };
    watch_t w = { 0 };
    int64_t l1, l2;

    reopen();
    ck_assert_int_ge(ks_ms_watch(ms, "/leased/", on_watch, &w), 0);
    ck_assert_int_eq(ks_ms_lease_grant(ms, 0, capture, &g), KS_ERROR);
    ck_assert_int_eq(ks_ms_lease_grant(ms, 1, capture, &g), KS_OK);
    ck_assert_int_eq(g.calls, 0);
    wait_calls(&g.calls, 1, 5);
    l1 = g.lease_id;
    ck_assert_int_gt(l1, 0);
    ck_assert_int_eq(g.lease_ttl, 1);
    res_clear(&g);
    ks_ms_lease_grant(ms, 60, capture, &g);
    wait_calls(&g.calls, 1, 5);
    l2 = g.lease_id;
    ck_assert_int_gt(l2, 0);
    ck_assert_int_ne(l1, l2);

    do_put("/leased/short", "a", l1, &r);
    ck_assert_int_eq(r.rc, KS_OK);
    do_put("/leased/long", "b", l2, &r);
    do_put("/leased/none", "c", 0, &r);
    do_put("/leased/bad", "d", 999, &r);
    ck_assert_int_eq(r.rc, KS_ERROR);
    do_get("/leased/short", &r);
    ck_assert_int_eq(r.lease[0], l1);

    /* keepalive of a live and an unknown lease */
    res_clear(&r);
    ks_ms_lease_keepalive(ms, l2, capture, &r);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert_int_eq(r.lease_ttl, 60);
    res_clear(&r);
    ks_ms_lease_keepalive(ms, 4242, capture, &r);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(r.lease_ttl, 0);

    /* l1 (1 s) expires: its key goes, the watch sees the delete */
    w.calls = 0;
    wait_calls(&w.calls, 1, 4);
    ck_assert_int_eq(w.calls, 1);
    ck_assert_int_eq(w.kind[0], KS_MS_WATCH_DELETE);
    ck_assert_str_eq(w.key[0], "/leased/short");
    do_range("/leased/", 0, &r);
    ck_assert_uint_eq(r.nkvs, 2);
    res_clear(&r);
    ks_ms_lease_keepalive(ms, l1, capture, &r);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(r.lease_ttl, 0);

    /* revoke deletes attached keys at once */
    res_clear(&r);
    ks_ms_lease_revoke(ms, l2, capture, &r);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert_uint_eq(r.count, 1);
    wait_calls(&w.calls, 2, 1);
    ck_assert_int_eq(w.calls, 2);
    ck_assert_str_eq(w.key[1], "/leased/long");
    do_range("/leased/", 0, &r);
    ck_assert_uint_eq(r.nkvs, 1);
    ck_assert_str_eq(r.key[0], "/leased/none");
    res_clear(&r);
    ks_ms_lease_revoke(ms, l2, capture, &r);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(r.rc, KS_ERROR);

    /* the expiry and the revoke were journaled */
    reopen();
    do_range("/leased/", 0, &r);
    ck_assert_uint_eq(r.nkvs, 1);
    res_clear(&r);
    res_clear(&g);
}
END_TEST

START_TEST(test_lease_survives_restart)
{
    res_t r = { 0 }, g = { 0 };
    int64_t l;

    reopen();
    ks_ms_lease_grant(ms, 2, capture, &g);
    wait_calls(&g.calls, 1, 5);
    l = g.lease_id;
    do_put("/owner", "b1", l, &r);
    reopen();
    /* restored with a fresh full TTL: still there, and can be kept alive */
    do_get("/owner", &r);
    ck_assert_uint_eq(r.nkvs, 1);
    ck_assert_int_eq(r.lease[0], l);
    res_clear(&r);
    ks_ms_lease_keepalive(ms, l, capture, &r);
    wait_calls(&r.calls, 1, 5);
    ck_assert_int_eq(r.lease_ttl, 2);
    /* a new grant never reuses the old id */
    res_clear(&g);
    ks_ms_lease_grant(ms, 5, capture, &g);
    wait_calls(&g.calls, 1, 5);
    ck_assert_int_gt(g.lease_id, l);
    /* not kept alive any more: expires after the TTL */
    r.calls = 0;
    {
        int64_t end = ks_mono_us() + 4000000;
        do {
            event_base_loop(base, EVLOOP_ONCE);
            do_get("/owner", &r);
        } while (r.nkvs == 1 && ks_mono_us() < end);
    }
    ck_assert_uint_eq(r.nkvs, 0);
    res_clear(&r);
    res_clear(&g);
}
END_TEST

START_TEST(test_durability_journal)
{
    res_t r = { 0 };
    int i;
    char k[32], v[32];

    reopen();
    for (i = 0; i < 50; i++) {
        snprintf(k, sizeof(k), "/d/%02d", i);
        snprintf(v, sizeof(v), "value-%d", i);
        ks_ms_put(ms, k, v, strlen(v), 0, NULL, NULL);
    }
    ks_ms_delete(ms, "/d/07", NULL, NULL);
    do_put("/d/03", "changed", 0, &r);
    ck_assert_int_eq(r.revision, 52);
    reopen();
    do_range("/d/", 0, &r);
    ck_assert_uint_eq(r.count, 49);
    ck_assert_int_eq(r.revision, 52);
    do_get("/d/03", &r);
    ck_assert_str_eq(r.value[0], "changed");
    ck_assert_int_eq(r.version[0], 2);
    ck_assert_int_eq(r.create_rev[0], 4);
    ck_assert_int_eq(r.mod_rev[0], 52);
    do_get("/d/07", &r);
    ck_assert_uint_eq(r.nkvs, 0);
    /* writes after a replay go on from the right revision */
    do_put("/d/new", "x", 0, &r);
    ck_assert_int_eq(r.revision, 53);
    res_clear(&r);
}
END_TEST

START_TEST(test_durability_snapshot)
{
    res_t r = { 0 };
    int i;
    char k[32];

    reopen();
    for (i = 0; i < 20; i++) {
        snprintf(k, sizeof(k), "/s/%02d", i);
        ks_ms_put(ms, k, k, strlen(k), 0, NULL, NULL);
    }
    do_put("/s/05", "five", 0, &r);
    ck_assert_int_eq(ks_ms_snapshot(ms), KS_OK);
    ck_assert_int_ge(file_size(meta_path("snapshot")), 20 * 40);
    ck_assert_int_eq(file_size(meta_path(JOURNAL0)), -1);        /* replaced */
    ck_assert_int_eq(file_size(meta_path("journal-0000000000000001.log")), 0);
    /* more after the snapshot, in the new journal */
    ks_ms_delete(ms, "/s/00", NULL, NULL);
    do_put("/s/05", "FIVE", 0, &r);
    ck_assert_int_eq(r.revision, 23);
    reopen();
    do_range("/s/", 0, &r);
    ck_assert_uint_eq(r.count, 19);
    ck_assert_str_eq(r.key[0], "/s/01");
    do_get("/s/05", &r);
    ck_assert_str_eq(r.value[0], "FIVE");
    ck_assert_int_eq(r.version[0], 3);
    ck_assert_int_eq(r.create_rev[0], 6);
    ck_assert_int_eq(r.revision, 23);

    /* a corrupt snapshot refuses to open, naming the file */
    ks_metastore_close(ms);
    ms = NULL;
    {
        int fd = open(meta_path("snapshot"), O_RDWR);
        char err[256];
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(pwrite(fd, "X", 1, 40), 1);
        close(fd);
        ck_assert_ptr_null(open_store(err, sizeof(err)));
        ck_assert_ptr_nonnull(strstr(err, "snapshot"));
        ck_assert_ptr_nonnull(strstr(err, "corrupt"));
    }
    res_clear(&r);
}
END_TEST

static void
corrupt_tail_test(bool torn)
{
    res_t r = { 0 };
    off_t s2, s3;
    int fd;

    reopen();
    do_put("/j/1", "one", 0, &r);
    do_put("/j/2", "two", 0, &r);
    s2 = file_size(meta_path(JOURNAL0));
    do_put("/j/3", "three", 0, &r);
    s3 = file_size(meta_path(JOURNAL0));
    ck_assert_int_gt(s3, s2);
    ks_metastore_close(ms);
    ms = NULL;

    fd = open(meta_path(JOURNAL0), O_RDWR);
    ck_assert_int_ge(fd, 0);
    if (torn)
        ck_assert_int_eq(ftruncate(fd, s3 - 3), 0);
    else
        ck_assert_int_eq(pwrite(fd, "X", 1, s3 - 10), 1);  /* in record 3's value */
    close(fd);

    reopen();
    ck_assert_int_eq(file_size(meta_path(JOURNAL0)), s2);     /* tail cut off */
    do_range("/j/", 0, &r);
    ck_assert_uint_eq(r.count, 2);
    ck_assert_str_eq(r.value[1], "two");
    ck_assert_int_eq(r.revision, 2);
    /* appending after the cut works and survives another reopen */
    do_put("/j/4", "four", 0, &r);
    ck_assert_int_eq(r.revision, 3);
    reopen();
    do_range("/j/", 0, &r);
    ck_assert_uint_eq(r.count, 3);
    ck_assert_str_eq(r.key[2], "/j/4");
    res_clear(&r);
}

START_TEST(test_torn_tail)
{
    corrupt_tail_test(true);
}
END_TEST

START_TEST(test_corrupt_crc)
{
    corrupt_tail_test(false);
}
END_TEST

START_TEST(test_garbage_journal)
{
    res_t r = { 0 };
    int fd;
    char dir[128];

    /* a journal of zeros (a crash after the size grew) opens empty */
    snprintf(dir, sizeof(dir), "%s/meta", tmpdir);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    fd = open(meta_path(JOURNAL0), O_WRONLY | O_CREAT, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 4096), 0);
    close(fd);
    reopen();
    ck_assert_int_eq(file_size(meta_path(JOURNAL0)), 0);
    do_put("/a", "b", 0, &r);
    ck_assert_int_eq(r.revision, 1);
    res_clear(&r);
}
END_TEST

START_TEST(test_lock)
{
    char err[256];
    ks_metastore_t *second;

    reopen();
    second = open_store(err, sizeof(err));
    ck_assert_ptr_null(second);
    ck_assert_ptr_nonnull(strstr(err, tmpdir));
    ck_assert_ptr_nonnull(strstr(err, "in use"));
    ks_metastore_close(ms);
    ms = open_store(err, sizeof(err));
    ck_assert_ptr_nonnull(ms);
}
END_TEST

START_TEST(test_large_values)
{
    res_t r = { 0 };
    size_t n = 1 << 20;
    char *big = malloc(n);
    char k[32];
    int i;

    reopen();
    for (i = 0; i < 6; i++) {
        memset(big, 'a' + i, n);
        snprintf(k, sizeof(k), "/big/%d", i);
        res_clear(&r);
        ks_ms_put(ms, k, big, n, 0, capture, &r);
        wait_calls(&r.calls, 1, 10);
        ck_assert_int_eq(r.rc, KS_OK);
    }
    /* the journal passed 4 MiB: a snapshot took over */
    ck_assert_int_gt(file_size(meta_path("snapshot")), 4 << 20);
    ck_assert_int_eq(file_size(meta_path(JOURNAL0)), -1);
    reopen();
    do_get("/big/5", &r);
    ck_assert_uint_eq(r.value_len[0], n);
    ck_assert_int_eq(r.value[0][0], 'f');
    ck_assert_int_eq(r.value[0][n - 1], 'f');
    ck_assert_int_eq(r.value[0][n], 0);
    do_range("/big/", 0, &r);
    ck_assert_uint_eq(r.count, 6);
    ck_assert_uint_eq(r.value_len[2], n);
    ck_assert_int_eq(r.value[2][12345], 'c');
    free(big);
    res_clear(&r);
}
END_TEST

START_TEST(test_10k_keys)
{
    res_t r = { 0 }, last = { 0 };
    char k[64];
    int i;
    int64_t t0, t1, t2, t3;

    reopen();
    t0 = ks_mono_us();
    /* 10,000 puts in one loop turn: one group commit */
    for (i = 0; i < 10000; i++) {
        int j = (i * 7919) % 10000;          /* not in key order */
        snprintf(k, sizeof(k), "/kafscale/consumers/g%d/offsets/t/%05d", j % 10, j);
        ck_assert_int_eq(ks_ms_put(ms, k, "123", 3, 0, i == 9999 ? capture : NULL, &last),
                         KS_OK);
    }
    wait_calls(&last.calls, 1, 30);
    ck_assert_int_eq(last.revision, 10000);
    t1 = ks_mono_us();
    do_range("/kafscale/consumers/g3/", 0, &r);
    t2 = ks_mono_us();
    ck_assert_uint_eq(r.count, 1000);
    ck_assert(r.sorted);
    ck_assert_str_eq(r.key[0], "/kafscale/consumers/g3/offsets/t/00003");
    do_range("", 0, &r);
    ck_assert_uint_eq(r.count, 10000);
    ck_assert(r.sorted);
    t3 = ks_mono_us();
    reopen();
    do_range("/kafscale/consumers/g3/", 0, &r);
    ck_assert_uint_eq(r.count, 1000);
    printf("metastore: 10000 puts %.1f ms, range of 1000 of 10000 keys %.2f ms, "
           "reopen (replay) %.1f ms\n", (t1 - t0) / 1e3, (t2 - t1) / 1e3,
           (ks_mono_us() - t3) / 1e3);
    res_clear(&r);
    res_clear(&last);
}
END_TEST

static void
close_in_cb(void *arg, const ks_ms_result_t *res)
{
    int *n = arg;

    (*n)++;
    ks_metastore_close(ms);
    ms = NULL;
}

START_TEST(test_close_from_callback)
{
    int n = 0;
    res_t r = { 0 };

    reopen();
    ks_ms_put(ms, "/a", "1", 1, 0, close_in_cb, &n);
    ks_ms_put(ms, "/b", "2", 1, 0, capture, &r);     /* not called after close */
    wait_calls(&n, 1, 5);
    event_base_loop(base, EVLOOP_NONBLOCK);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(r.calls, 0);
    reopen();
    do_range("", 0, &r);
    ck_assert_uint_eq(r.count, 2);                    /* both durable */
    res_clear(&r);
}
END_TEST

static Suite *
metastore_suite(void)
{
    Suite *s = suite_create("metastore");
    TCase *tc = tcase_create("embedded");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_backend_dispatch);
    tcase_add_test(tc, test_put_get_range_delete);
    tcase_add_test(tc, test_callback_order);
    tcase_add_test(tc, test_txn);
    tcase_add_test(tc, test_watch);
    tcase_add_test(tc, test_leases);
    tcase_add_test(tc, test_lease_survives_restart);
    tcase_add_test(tc, test_durability_journal);
    tcase_add_test(tc, test_durability_snapshot);
    tcase_add_test(tc, test_torn_tail);
    tcase_add_test(tc, test_corrupt_crc);
    tcase_add_test(tc, test_garbage_journal);
    tcase_add_test(tc, test_lock);
    tcase_add_test(tc, test_large_values);
    tcase_add_test(tc, test_10k_keys);
    tcase_add_test(tc, test_close_from_callback);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr;
    int failed;

    snprintf(topdir, sizeof(topdir), "/tmp/ks_test_ms.XXXXXX");
    if (mkdtemp(topdir) == NULL) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    sr = srunner_create(metastore_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    nftw(topdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
