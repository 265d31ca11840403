/*
 * test_metastore_etcd.c: the etcd metadata store backend against a real
 * etcd 3.4: the contract every backend passes (metastore_contract.c), then
 * what is etcd's own (endpoints, compaction, outages, auth, latency).  Run
 * by test_metastore_etcd.sh, which starts etcd and sets
 *   KS_ETCD_ENDPOINTS   host:port of the test etcd
 *   KS_ETCD_CTL         a command taking "stop" or "start" (same data dir
 *                       and ports) for the restart tests
 * Without KS_ETCD_ENDPOINTS the suite skips (exit 77).
 */
#include "config.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "log.h"
#include "util.h"
#include "metastore/metastore.h"
#include "metastore_contract.h"

static const char *endpoints;
static struct event *tick;

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
}

static ks_metastore_t *
open_store(const char *eps, char *err, size_t errlen)
{
    ks_ms_config_t cfg = { .backend = "etcd", .etcd_endpoints = eps };

    return ks_metastore_open(base, &cfg, err, errlen);
}

/* A blocking POST straight to etcd (test side only). */
static size_t
sink(char *p, size_t s, size_t n, void *ud)
{
    char *out = ud;
    size_t have = strlen(out), add = s * n;

    if (have + add < 4096) {
        memcpy(out + have, p, add);
        out[have + add] = 0;
    }
    return s * n;
}

static long
etcd_post(const char *path, const char *body, char *out)
{
    CURL *e = curl_easy_init();
    char url[256];
    long status = 0;

    out[0] = 0;
    snprintf(url, sizeof(url), "http://%s%s", endpoints, path);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 5L);
    if (curl_easy_perform(e) == CURLE_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(e);
    return status;
}

static void
etcd_ctl(const char *what)
{
    char cmd[512];
    const char *ctl = getenv("KS_ETCD_CTL");

    ck_assert_ptr_nonnull(ctl);
    snprintf(cmd, sizeof(cmd), "%s %s", ctl, what);
    ck_assert_int_eq(system(cmd), 0);
}

static void
setup(void)
{
    struct timeval tv = { 0, 10000 };
    char err[256];
    res_t r = { 0 };

    ks_log_set_level(KS_LOG_ERROR);
    base = event_base_new();
    tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
    event_add(tick, &tv);
    ms = open_store(endpoints, err, sizeof(err));
    ck_assert_msg(ms != NULL, "open failed: %s", err);
    /* every test starts from an empty key space */
    ck_assert_int_eq(ks_ms_delete_prefix(ms, "", capture, &r), KS_OK);
    wait_calls(&r.calls, 1, 10);
    ck_assert_msg(r.rc == KS_OK, "clearing etcd failed: %s", r.error);
    rev0 = r.revision;
    res_clear(&r);
}

static void
teardown(void)
{
    if (ms != NULL)
        ks_metastore_close(ms);
    ms = NULL;
    event_free(tick);
    event_base_free(base);
}

/* A new client: the data is etcd's. */
static void
reopen(void)
{
    char err[256];

    if (ms != NULL)
        ks_metastore_close(ms);
    ms = open_store(endpoints, err, sizeof(err));
    ck_assert_msg(ms != NULL, "open failed: %s", err);
}

static const ms_contract_t etcd_contract = {
    .name = "metastore-etcd",
    .setup = setup,
    .teardown = teardown,
    .reopen = reopen,
    .close_keeps_queued = false,
};

/* ---- tests --------------------------------------------------------- */

START_TEST(test_open_errors)
{
    char err[256];
    ks_metastore_t *m;

    ck_assert_ptr_null(open_store(NULL, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "etcd.endpoints"));
    ck_assert_ptr_null(open_store(" , ", err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "etcd.endpoints"));
    ck_assert_ptr_null(open_store("unix:///x", err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "http://"));
    m = open_store("http://127.0.0.1:1/, 127.0.0.1:2", err, sizeof(err));
    ck_assert_ptr_nonnull(m);
    ks_metastore_close(m);
}
END_TEST


START_TEST(test_watch_compacted)
{
    res_t r = { 0 };
    watch_t w = { 0 };
    ks_metastore_t *other;
    char err[256], body[128], out[4096];
    int64_t rev;

    do_put("/c/1", "1", 0, &r);
    /* another client writes twice and compacts: our next watch would start
     * at a compacted revision */
    other = open_store(endpoints, err, sizeof(err));
    ck_assert_ptr_nonnull(other);
    ks_ms_put(other, "/c/2", "2", 1, 0, NULL, NULL);
    res_clear(&r);
    ks_ms_put(other, "/c/3", "3", 1, 0, capture, &r);
    wait_calls(&r.calls, 1, 5);
    rev = r.revision;
    snprintf(body, sizeof(body), "{\"revision\":\"%" PRId64 "\",\"physical\":true}", rev);
    ck_assert_int_eq(etcd_post("/v3/kv/compaction", body, out), 200);

    ck_assert_int_ge(ks_ms_watch(ms, "/c/", on_watch, &w), 0);
    res_clear(&r);
    ks_ms_put(other, "/c/4", "4", 1, 0, capture, &r);
    wait_calls(&r.calls, 1, 5);
    wait_calls(&w.calls, 1, 5);
    /* re-armed at the current revision: /c/2 is lost (logged), /c/3 (the
     * compaction revision itself) may come, /c/4 comes */
    ck_assert_int_ge(w.calls, 1);
    ck_assert_str_eq(w.key[w.calls - 1], "/c/4");
    ck_assert_str_ne(w.key[0], "/c/2");
    ks_metastore_close(other);
    res_clear(&r);
}
END_TEST

START_TEST(test_etcd_down_and_back)
{
    res_t r = { 0 };
    watch_t w = { 0 };
    int64_t t0, t_err;

    ck_assert_int_ge(ks_ms_watch(ms, "/live/", on_watch, &w), 0);
    do_put("/live/1", "a", 0, &r);
    wait_calls(&w.calls, 1, 5);
    ck_assert_int_eq(w.calls, 1);

    etcd_ctl("stop");
    t0 = ks_mono_us();
    do_put("/live/2", "b", 0, &r);
    t_err = ks_mono_us() - t0;
    ck_assert_int_eq(r.rc, KS_ERROR);
    ck_assert_msg(strstr(r.error, "unreachable: connection refused") != NULL, "error: %s", r.error);
    ck_assert_msg(strstr(r.error, endpoints) != NULL, "error: %s", r.error);
    ck_assert_int_lt(t_err, 5500000);
    printf("metastore-etcd: etcd down: \"%s\" after %.1f ms\n", r.error, t_err / 1e3);
    do_get("/live/1", &r);
    ck_assert_int_eq(r.rc, KS_ERROR);
    /* let the watch try (and fail) to reconnect a few times */
    wait_calls(&w.calls, 99, 0.5);

    etcd_ctl("start");
    do_put("/live/3", "c", 0, &r);
    ck_assert_msg(r.rc == KS_OK, "after restart: %s", r.error);
    do_get("/live/1", &r);
    ck_assert_int_eq(r.rc, KS_OK);
    ck_assert_str_eq(r.value[0], "a");
    /* the watch resumed where it was and sees the later change */
    t0 = ks_mono_us();
    wait_calls(&w.calls, 2, 5);
    ck_assert_int_eq(w.calls, 2);
    ck_assert_str_eq(w.key[1], "/live/3");
    printf("metastore-etcd: watch resumed %.1f ms after the first put on the restarted etcd\n",
           (ks_mono_us() - t0) / 1e3);
    do_put("/live/4", "d", 0, &r);
    wait_calls(&w.calls, 3, 5);
    ck_assert_int_eq(w.calls, 3);
    ck_assert_str_eq(w.key[2], "/live/4");
    res_clear(&r);
}
END_TEST

START_TEST(test_failover)
{
    res_t r = { 0 };
    char eps[300], err[256];
    ks_metastore_t *m;

    /* a dead first endpoint: requests and watches go to the live one */
    snprintf(eps, sizeof(eps), "127.0.0.1:1,http://%s", endpoints);
    m = open_store(eps, err, sizeof(err));
    ck_assert_ptr_nonnull(m);
    ks_metastore_close(ms);
    ms = m;
    do_put("/f/1", "x", 0, &r);
    ck_assert_msg(r.rc == KS_OK, "%s", r.error);
    do_get("/f/1", &r);
    ck_assert_str_eq(r.value[0], "x");

    /* every endpoint dead: one clean error naming the endpoint */
    ks_metastore_close(ms);
    ms = open_store("127.0.0.1:1, 127.0.0.1:2", err, sizeof(err));
    ck_assert_ptr_nonnull(ms);
    do_put("/f/2", "x", 0, &r);
    ck_assert_int_eq(r.rc, KS_ERROR);
    ck_assert_msg(strstr(r.error, "unreachable: connection refused") != NULL, "%s", r.error);
    res_clear(&r);
}
END_TEST

START_TEST(test_latency)
{
    res_t r = { 0 }, last = { 0 };
    char k[64];
    static char keys[1000][64];
    static ks_ms_op_t ops[1000];
    int i;
    int64_t t0, t1, t2, t3;

    t0 = ks_mono_us();
    for (i = 0; i < 1000; i++) {
        snprintf(k, sizeof(k), "/lat/seq/%04d", i);
        do_put(k, "123456", 0, &r);
        ck_assert_int_eq(r.rc, KS_OK);
    }
    t1 = ks_mono_us();
    /* 1000 issued at once (queued, one HTTP request at a time) */
    for (i = 0; i < 1000; i++) {
        snprintf(k, sizeof(k), "/lat/burst/%04d", i);
        ck_assert_int_eq(ks_ms_put(ms, k, "123456", 6, 0, i == 999 ? capture : NULL, &last),
                         KS_OK);
    }
    wait_calls(&last.calls, 1, 30);
    ck_assert_int_eq(last.rc, KS_OK);
    t2 = ks_mono_us();
    /* one txn of 500 puts (the flusher's high watermarks) */
    for (i = 0; i < 500; i++) {
        snprintf(keys[i], sizeof(keys[i]), "/kafscale/topics/t%d/partitions/%d/next_offset",
                 i % 10, i);
        ops[i] = (ks_ms_op_t) { .kind = KS_MS_OP_PUT, .key = keys[i], .value = "1234567",
                                .value_len = 7 };
    }
    do_txn(NULL, 0, ops, 500, NULL, 0, &r);
    t3 = ks_mono_us();
    ck_assert_msg(r.rc == KS_OK, "%s", r.error);
    ck_assert(r.succeeded);
    do_range("/kafscale/topics/", 0, &r);
    ck_assert_uint_eq(r.count, 500);
    ck_assert_int_eq(r.mod_rev[0], r.revision);
    printf("metastore-etcd: 1000 sequential puts %.1f ms (%.3f ms each), 1000 queued puts "
           "%.1f ms, txn of 500 puts %.2f ms\n", (t1 - t0) / 1e3, (t1 - t0) / 1e6,
           (t2 - t1) / 1e3, (t3 - t2) / 1e3);
    for (i = 0; i < 3; i++) {
        t0 = ks_mono_us();
        do_txn(NULL, 0, ops, 500, NULL, 0, &r);
        printf("metastore-etcd: txn of 500 puts again %.2f ms\n", (ks_mono_us() - t0) / 1e3);
    }
    res_clear(&r);
    res_clear(&last);
}
END_TEST

START_TEST(test_large_values)
{
    res_t r = { 0 };
    size_t n = 1 << 20;
    char *big = malloc(n);

    memset(big, 'q', n);
    res_clear(&r);
    ks_ms_put(ms, "/big", big, n, 0, capture, &r);
    wait_calls(&r.calls, 1, 10);
    ck_assert_msg(r.rc == KS_OK, "%s", r.error);
    do_get("/big", &r);
    ck_assert_uint_eq(r.value_len[0], n);
    ck_assert_int_eq(r.value[0][n - 1], 'q');
    free(big);
    res_clear(&r);
}
END_TEST

START_TEST(test_etcd_hung)
{
    res_t r = { 0 };
    int64_t t0, t;

    /* a stopped (not dead) etcd: the call fails at the request timeout */
    do_put("/h/1", "a", 0, &r);
    ck_assert_int_eq(r.rc, KS_OK);
    etcd_ctl("pause");
    t0 = ks_mono_us();
    do_put("/h/2", "b", 0, &r);
    t = ks_mono_us() - t0;
    etcd_ctl("resume");
    ck_assert_int_eq(r.rc, KS_ERROR);
    ck_assert_msg(strstr(r.error, "no answer within") != NULL, "error: %s", r.error);
    ck_assert_int_ge(t, 4500000);
    ck_assert_int_lt(t, 6000000);
    printf("metastore-etcd: hung etcd: \"%s\" after %.1f ms\n", r.error, t / 1e3);
    do_get("/h/1", &r);
    ck_assert_msg(r.rc == KS_OK, "after resume: %s", r.error);
    res_clear(&r);
}
END_TEST

START_TEST(test_auth)
{
    res_t r = { 0 };
    watch_t w = { 0 };
    char out[4096], err[256];
    ks_ms_config_t cfg = { .backend = "etcd", .etcd_username = "root",
                           .etcd_password = "s3cret-pw" };

    /* turn on etcd's auth (this test runs last: etcd keeps it) */
    ck_assert_int_eq(etcd_post("/v3/auth/role/add", "{\"name\":\"root\"}", out), 200);
    ck_assert_int_eq(etcd_post("/v3/auth/user/add",
                               "{\"name\":\"root\",\"password\":\"s3cret-pw\"}", out), 200);
    ck_assert_int_eq(etcd_post("/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}",
                               out), 200);
    ck_assert_int_eq(etcd_post("/v3/auth/enable", "{}", out), 200);

    /* without credentials: refused, with etcd's reason */
    do_put("/auth/1", "x", 0, &r);
    ck_assert_int_eq(r.rc, KS_ERROR);
    printf("metastore-etcd: no credentials: \"%s\"\n", r.error);

    /* a wrong password: a clear error, no password in it */
    ks_metastore_close(ms);
    cfg.etcd_endpoints = endpoints;
    cfg.etcd_password = "wrong";
    ms = ks_metastore_open(base, &cfg, err, sizeof(err));
    ck_assert_ptr_nonnull(ms);
    do_put("/auth/1", "x", 0, &r);
    ck_assert_int_eq(r.rc, KS_ERROR);
    ck_assert_msg(strstr(r.error, "authentication") != NULL, "error: %s", r.error);
    ck_assert(strstr(r.error, "wrong") == NULL);
    printf("metastore-etcd: wrong password: \"%s\"\n", r.error);

    ks_metastore_close(ms);
    cfg.etcd_password = "s3cret-pw";
    ms = ks_metastore_open(base, &cfg, err, sizeof(err));
    ck_assert_ptr_nonnull(ms);
    ck_assert_int_ge(ks_ms_watch(ms, "/auth/", on_watch, &w), 0);
    do_put("/auth/1", "x", 0, &r);
    ck_assert_msg(r.rc == KS_OK, "%s", r.error);
    do_get("/auth/1", &r);
    ck_assert_str_eq(r.value[0], "x");
    wait_calls(&w.calls, 1, 5);
    ck_assert_int_eq(w.calls, 1);

    /* simple tokens die with the etcd process: re-authenticates by itself */
    etcd_ctl("stop");
    etcd_ctl("start");
    do_put("/auth/2", "y", 0, &r);
    ck_assert_msg(r.rc == KS_OK, "after restart: %s", r.error);
    wait_calls(&w.calls, 2, 5);
    ck_assert_int_eq(w.calls, 2);
    ck_assert_str_eq(w.key[1], "/auth/2");
    res_clear(&r);
}
END_TEST

static Suite *
etcd_suite(void)
{
    Suite *s = suite_create("metastore-etcd");
    TCase *tc = tcase_create("etcd");

    suite_add_tcase(s, ms_contract_tcase(&etcd_contract));
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_open_errors);
    tcase_add_test(tc, test_watch_compacted);
    tcase_add_test(tc, test_failover);
    tcase_add_test(tc, test_large_values);
    tcase_add_test(tc, test_latency);
    tcase_add_test(tc, test_etcd_down_and_back);
    tcase_add_test(tc, test_etcd_hung);
    tcase_add_test(tc, test_auth);              /* last: leaves auth on */
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr;
    int failed;

    endpoints = getenv("KS_ETCD_ENDPOINTS");
    if (endpoints == NULL || endpoints[0] == '\0') {
        printf("KS_ETCD_ENDPOINTS not set: skipped (run test_metastore_etcd.sh)\n");
        return 77;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    sr = srunner_create(etcd_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
