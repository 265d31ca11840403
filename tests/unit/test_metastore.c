/*
 * test_metastore.c: the metastore dispatch and the embedded backend, on a
 * real event_base and a temporary data directory: the contract every
 * backend passes (metastore_contract.c), then what is the embedded store's
 * own (its files, durability, the lock).
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
#include "metastore_contract.h"

static char topdir[64];      /* removed by main(), even after failures */
static char tmpdir[96];
static struct event *tick;

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

/* The contract's fixture: a new store in an empty directory. */
static void
setup_open(void)
{
    setup();
    reopen();
    rev0 = 0;
}

static const ms_contract_t embedded_contract = {
    .name = "metastore",
    .setup = setup_open,
    .teardown = teardown,
    .reopen = reopen,
    .close_keeps_queued = true,
};

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

START_TEST(test_meta_dir)
{
    struct stat st;

    reopen();
    ck_assert_int_eq(stat(meta_path(""), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
}
END_TEST

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

static Suite *
metastore_suite(void)
{
    Suite *s = suite_create("metastore");
    TCase *tc = tcase_create("embedded");

    suite_add_tcase(s, ms_contract_tcase(&embedded_contract));
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_backend_dispatch);
    tcase_add_test(tc, test_meta_dir);
    tcase_add_test(tc, test_lease_survives_restart);
    tcase_add_test(tc, test_durability_journal);
    tcase_add_test(tc, test_durability_snapshot);
    tcase_add_test(tc, test_torn_tail);
    tcase_add_test(tc, test_corrupt_crc);
    tcase_add_test(tc, test_garbage_journal);
    tcase_add_test(tc, test_lock);
    tcase_add_test(tc, test_large_values);
    tcase_add_test(tc, test_10k_keys);
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
