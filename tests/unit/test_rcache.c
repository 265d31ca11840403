/*
 * test_rcache.c: the shared read cache (shm/rcache.c) in a MAP_SHARED
 * mapping used by forked processes: insert/lookup/evict, concurrent
 * inserts, loaders killed with SIGKILL (before and during their fill, and
 * while holding the table lock), torn reads detected by the generation
 * check (deterministically through the test hook, and under a real
 * concurrent overwriter).
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ks.h"
#include "shm/rcache.h"

static ks_rcache_t *
new_cache(uint64_t bytes)
{
    size_t sz = ks_rc_shm_size(bytes);
    void *p;

    ck_assert_uint_gt(sz, 0);
    p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_ptr_nonnull(ks_rc_init(p, bytes));
    return p;
}

static void
free_cache(ks_rcache_t *rc)
{
    munmap(rc, rc->total);
}

/* The bytes of value (key, sub, version): checkable by any reader. */
static uint32_t
khash(const char *key)
{
    uint32_t h = 2166136261u;
    for (const char *k = key; *k; k++)
        h = (h ^ (uint8_t) *k) * 16777619u;
    return h;
}

static uint8_t
pat(uint32_t h, uint64_t sub, uint32_t version, size_t i)
{
    return (uint8_t) (h + sub * 31 + version * 7 + i * 13 + (i >> 16));
}

static uint8_t *
make_value(const char *key, uint64_t sub, uint32_t version, size_t len)
{
    uint8_t *b = malloc(len ? len : 1);
    uint32_t h = khash(key);
    for (size_t i = 0; i < len; i++)
        b[i] = pat(h, sub, version, i);
    return b;
}

static bool
value_ok(const ks_rc_value_t *v, const char *key, uint64_t sub, uint32_t version)
{
    uint32_t h = khash(key);
    for (size_t i = 0; i < v->len; i++)
        if (v->data[i] != pat(h, sub, version, i))
            return false;
    return true;
}

static int
put(ks_rcache_t *rc, const char *key, uint64_t sub, uint32_t version, size_t len)
{
    ks_rc_ticket_t t;
    ks_rc_value_t v;
    int r = ks_rc_get(rc, key, strlen(key), sub, KS_RC_CLAIM, &v, &t);
    uint8_t *b;

    if (r != KS_RC_CLAIMED) {
        free(v.data);
        return r;
    }
    b = make_value(key, sub, version, len);
    r = ks_rc_fill(rc, &t, b, len, &version, sizeof(version));
    free(b);
    return r == KS_OK ? KS_RC_CLAIMED : -1;
}

START_TEST(test_insert_lookup)
{
    ks_rcache_t *rc = new_cache(4u << 20);     /* 64 blocks of 64 KiB */
    const char *k = "default/orders/3/segment-00000000000000001200.kfs";
    ks_rc_ticket_t t, t2;
    ks_rc_value_t v;
    ks_rc_stats_t st;
    uint32_t ver;

    ck_assert_int_eq(ks_rc_get(rc, k, strlen(k), 32, 0, &v, &t), KS_RC_MISS);
    ck_assert_int_eq(ks_rc_get(rc, k, strlen(k), 32, KS_RC_CLAIM, &v, &t), KS_RC_CLAIMED);
    /* a second reader meets the claim */
    ck_assert_int_eq(ks_rc_get(rc, k, strlen(k), 32, KS_RC_CLAIM, &v, &t2), KS_RC_BUSY);
    {
        uint8_t *b = make_value(k, 32, 1, 200000);   /* 4 blocks */
        ver = 1;
        ck_assert_int_eq(ks_rc_fill(rc, &t, b, 200000, &ver, sizeof(ver)), KS_OK);
        free(b);
    }
    /* the ticket is spent */
    ck_assert_int_eq(ks_rc_fill(rc, &t, "x", 1, NULL, 0), KS_ERROR);
    ck_assert_int_eq(ks_rc_get(rc, k, strlen(k), 32, 0, &v, &t), KS_RC_HIT);
    ck_assert_uint_eq(v.len, 200000);
    ck_assert_uint_eq(v.meta_len, sizeof(ver));
    ck_assert(value_ok(&v, k, 32, 1));
    free(v.data);
    ck_assert_int_eq(ks_rc_get(rc, k, strlen(k), 32, KS_RC_PEEK, &v, &t), KS_RC_HIT);
    ck_assert_ptr_null(v.data);
    /* other sub-key, other key: misses */
    ck_assert_int_eq(ks_rc_get(rc, k, strlen(k), 33, 0, &v, &t), KS_RC_MISS);
    ck_assert_int_eq(ks_rc_get(rc, k, strlen(k) - 1, 32, 0, &v, &t), KS_RC_MISS);
    /* an empty value (an absent .index) */
    ck_assert_int_eq(put(rc, "a.index", 0, 5, 0), KS_RC_CLAIMED);
    ck_assert_int_eq(ks_rc_get(rc, "a.index", 7, 0, 0, &v, &t), KS_RC_HIT);
    ck_assert_uint_eq(v.len, 0);
    /* abort: gone, claimable again */
    ck_assert_int_eq(ks_rc_get(rc, "b", 1, 0, KS_RC_CLAIM, &v, &t), KS_RC_CLAIMED);
    ks_rc_abort(rc, &t);
    ck_assert_int_eq(ks_rc_get(rc, "b", 1, 0, KS_RC_CLAIM, &v, &t), KS_RC_CLAIMED);
    /* too large (more than a quarter of the cache): refused, claim gone */
    {
        uint8_t *b = calloc(1, 2u << 20);
        ck_assert_int_eq(ks_rc_fill(rc, &t, b, 2u << 20, NULL, 0), KS_ERROR);
        free(b);
    }
    ck_assert_int_eq(ks_rc_get(rc, "b", 1, 0, 0, &v, &t), KS_RC_MISS);
    /* drop */
    ck_assert(ks_rc_drop(rc, k, strlen(k), 32));
    ck_assert_int_eq(ks_rc_get(rc, k, strlen(k), 32, 0, &v, &t), KS_RC_MISS);
    ks_rc_stats(rc, &st);
    ck_assert_uint_eq(st.inserts, 2);
    ck_assert_uint_eq(st.hits, 2);
    ck_assert_uint_eq(st.aborts, 2);
    ck_assert_uint_eq(st.entries, 1);
    ck_assert_uint_eq(st.used, 0);
    free_cache(rc);
}
END_TEST

START_TEST(test_evict)
{
    ks_rcache_t *rc = new_cache(4u << 20);
    ks_rc_value_t v;
    ks_rc_ticket_t t;
    ks_rc_stats_t st;
    char key[64];
    int hits = 0;

    ck_assert_int_eq(put(rc, "hot", 0, 1, 100000), KS_RC_CLAIMED);
    /* 200 values of 100 KB (2 blocks each) through 64 blocks; "hot" is
     * read between inserts and stays (clock: used since the hand passed) */
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof(key), "cold-%d", i);
        ck_assert_int_eq(put(rc, key, (uint64_t) i, 1, 100000), KS_RC_CLAIMED);
        if (ks_rc_get(rc, "hot", 3, 0, 0, &v, &t) == KS_RC_HIT) {
            ck_assert(value_ok(&v, "hot", 0, 1));
            hits++;
        }
        free(v.data);
    }
    ck_assert_int_eq(hits, 200);
    ks_rc_stats(rc, &st);
    ck_assert_uint_ge(st.evictions, 200 - 32);
    ck_assert_uint_le(st.used, st.capacity);
    /* the newest values are there, the oldest gone */
    ck_assert_int_eq(ks_rc_get(rc, "cold-199", 8, 199, 0, &v, &t), KS_RC_HIT);
    ck_assert(value_ok(&v, "cold-199", 199, 1));
    free(v.data);
    ck_assert_int_eq(ks_rc_get(rc, "cold-0", 6, 0, 0, &v, &t), KS_RC_MISS);
    free_cache(rc);
}
END_TEST

/* 4 processes insert and read 300 keys of an overlapping key space at
 * random; every hit must be the exact value of its key. */
START_TEST(test_concurrent_processes)
{
    ks_rcache_t *rc = new_cache(8u << 20);
    ks_rc_stats_t st;
    pid_t kids[4];

    for (int p = 0; p < 4; p++) {
        kids[p] = fork();
        ck_assert_int_ge(kids[p], 0);
        if (kids[p] == 0) {
            unsigned seed = (unsigned) p * 7919u + 1;
            int bad = 0;
            for (int i = 0; i < 3000; i++) {
                char key[64];
                int k = rand_r(&seed) % 300;
                size_t len = (size_t) (k * 997) % 300000;
                ks_rc_value_t v;
                ks_rc_ticket_t t;
                int r;

                snprintf(key, sizeof(key), "t/%d/segment-%020d.kfs", k % 7, k);
                r = ks_rc_get(rc, key, strlen(key), (uint64_t) k, KS_RC_CLAIM, &v, &t);
                if (r == KS_RC_HIT) {
                    if (v.len != len || !value_ok(&v, key, (uint64_t) k, 1))
                        bad++;
                    free(v.data);
                } else if (r == KS_RC_CLAIMED) {
                    uint8_t *b = make_value(key, (uint64_t) k, 1, len);
                    uint32_t ver = 1;
                    ks_rc_fill(rc, &t, b, len, &ver, sizeof(ver));
                    free(b);
                }
            }
            _exit(bad == 0 ? 0 : 1);
        }
    }
    for (int p = 0; p < 4; p++) {
        int status;
        ck_assert_int_eq(waitpid(kids[p], &status, 0), kids[p]);
        ck_assert(WIFEXITED(status));
        ck_assert_int_eq(WEXITSTATUS(status), 0);
    }
    ks_rc_stats(rc, &st);
    ck_assert_uint_gt(st.hits, 1000);
    ck_assert_uint_gt(st.inserts, 100);
    ck_assert_uint_gt(st.evictions, 0);
    ck_assert_uint_eq(st.repairs, 0);
    ck_assert_uint_le(st.used, st.capacity);
    /* nothing is left LOADING: every claim was filled */
    ck_assert_int_eq(ks_rc_release_pid(rc, getpid()), 0);
    free_cache(rc);
}
END_TEST

static int sync_fd = -1;

static void
hook_stop_in_fill(ks_rcache_t *rc, int where)
{
    (void) rc;
    if (where == 2) {
        (void) !write(sync_fd, "f", 1);
        for (;;)
            pause();
    }
}

/* A child claims (and, with `mid_fill`, starts filling) and is killed with
 * SIGKILL: the next reader reclaims the entry and its blocks. */
static void
killed_loader(bool mid_fill)
{
    ks_rcache_t *rc = new_cache(4u << 20);
    int fds[2];
    pid_t kid;
    char c;
    ks_rc_value_t v;
    ks_rc_ticket_t t;
    ks_rc_stats_t st;

    ck_assert_int_eq(pipe(fds), 0);
    kid = fork();
    ck_assert_int_ge(kid, 0);
    if (kid == 0) {
        ks_rc_ticket_t kt;
        ks_rc_value_t kv;
        close(fds[0]);
        sync_fd = fds[1];
        if (ks_rc_get(rc, "seg.kfs", 7, 32, KS_RC_CLAIM, &kv, &kt) != KS_RC_CLAIMED)
            _exit(1);
        if (mid_fill) {
            uint8_t *b = make_value("seg.kfs", 32, 1, 500000);
            ks_rc_test_hook = hook_stop_in_fill;
            ks_rc_fill(rc, &kt, b, 500000, NULL, 0);
            _exit(1);
        }
        (void) !write(fds[1], "c", 1);
        for (;;)
            pause();
    }
    close(fds[1]);
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    /* while the loader lives, its claim stands */
    ck_assert_int_eq(ks_rc_get(rc, "seg.kfs", 7, 32, KS_RC_CLAIM, &v, &t), KS_RC_BUSY);
    ks_rc_stats(rc, &st);
    ck_assert_uint_eq(st.used, mid_fill ? 8u * KS_RC_BLOCK : 0);
    kill(kid, SIGKILL);
    ck_assert_int_eq(waitpid(kid, NULL, 0), kid);
    ck_assert_int_eq(ks_rc_get(rc, "seg.kfs", 7, 32, KS_RC_CLAIM, &v, &t), KS_RC_CLAIMED);
    ks_rc_stats(rc, &st);
    ck_assert_uint_eq(st.reclaims, 1);
    ck_assert_uint_eq(st.used, 0);              /* the dead loader's blocks are free */
    {
        uint8_t *b = make_value("seg.kfs", 32, 2, 500000);
        ck_assert_int_eq(ks_rc_fill(rc, &t, b, 500000, NULL, 0), KS_OK);
        free(b);
    }
    ck_assert_int_eq(ks_rc_get(rc, "seg.kfs", 7, 32, 0, &v, &t), KS_RC_HIT);
    ck_assert(value_ok(&v, "seg.kfs", 32, 2));
    free(v.data);
    close(fds[0]);
    free_cache(rc);
}

START_TEST(test_killed_loader)
{
    killed_loader(false);
}
END_TEST

START_TEST(test_killed_mid_fill)
{
    killed_loader(true);
}
END_TEST

/* A process dies holding the table lock: the next locker repairs the table;
 * READY values survive, the dead process's claim is reclaimed. */
START_TEST(test_killed_holding_lock)
{
    ks_rcache_t *rc = new_cache(4u << 20);
    ks_rc_value_t v;
    ks_rc_ticket_t t;
    ks_rc_stats_t st;
    pid_t kid;
    int fds[2];
    char c;

    ck_assert_int_eq(put(rc, "keep", 1, 1, 300000), KS_RC_CLAIMED);
    ck_assert_int_eq(pipe(fds), 0);
    kid = fork();
    ck_assert_int_ge(kid, 0);
    if (kid == 0) {
        ks_rc_ticket_t kt;
        ks_rc_value_t kv;
        ks_rc_get(rc, "claimed", 7, 0, KS_RC_CLAIM, &kv, &kt);
        ks_rc_lock(rc);
        (void) !write(fds[1], "l", 1);
        for (;;)
            pause();
    }
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    kill(kid, SIGKILL);
    ck_assert_int_eq(waitpid(kid, NULL, 0), kid);
    ck_assert_int_eq(ks_rc_get(rc, "keep", 4, 1, 0, &v, &t), KS_RC_HIT);
    ck_assert(value_ok(&v, "keep", 1, 1));
    free(v.data);
    ck_assert_int_eq(ks_rc_get(rc, "claimed", 7, 0, KS_RC_CLAIM, &v, &t), KS_RC_CLAIMED);
    ks_rc_abort(rc, &t);
    ks_rc_stats(rc, &st);
    ck_assert_uint_eq(st.repairs, 1);
    ck_assert_uint_eq(st.reclaims, 1);
    ck_assert_uint_eq(st.entries, 1);
    ck_assert_uint_eq(st.used, 5u * KS_RC_BLOCK);
    close(fds[0]);
    close(fds[1]);
    free_cache(rc);
}
END_TEST

/* The reader copied a value; before it re-checks, a writer drops it and
 * stores another version in the same place: the copy is refused (torn)
 * and the retry returns the new version whole. */
static int hook_runs;

static void
hook_overwrite(ks_rcache_t *rc, int where)
{
    ks_rc_ticket_t t;
    ks_rc_value_t v;

    if (where != 1 || hook_runs++ > 0)
        return;
    ck_assert(ks_rc_drop(rc, "torn", 4, 0));
    ck_assert_int_eq(ks_rc_get(rc, "torn", 4, 0, KS_RC_CLAIM, &v, &t), KS_RC_CLAIMED);
    {
        uint8_t *b = make_value("torn", 0, 2, 400000);
        uint32_t ver = 2;
        ck_assert_int_eq(ks_rc_fill(rc, &t, b, 400000, &ver, sizeof(ver)), KS_OK);
        free(b);
    }
}

START_TEST(test_torn_read_detected)
{
    ks_rcache_t *rc = new_cache(4u << 20);
    ks_rc_value_t v;
    ks_rc_ticket_t t;
    ks_rc_stats_t st;
    uint32_t ver;

    ck_assert_int_eq(put(rc, "torn", 0, 1, 400000), KS_RC_CLAIMED);
    hook_runs = 0;
    ks_rc_test_hook = hook_overwrite;
    ck_assert_int_eq(ks_rc_get(rc, "torn", 4, 0, 0, &v, &t), KS_RC_HIT);
    ks_rc_test_hook = NULL;
    memcpy(&ver, v.meta, sizeof(ver));
    ck_assert_uint_eq(ver, 2);
    ck_assert(value_ok(&v, "torn", 0, 2));
    free(v.data);
    ks_rc_stats(rc, &st);
    ck_assert_uint_eq(st.torn, 1);
    free_cache(rc);
}
END_TEST

/* A writer process overwrites one key with new versions as fast as it can
 * while a reader copies it: every value served is one whole version. */
START_TEST(test_torn_read_concurrent)
{
    ks_rcache_t *rc = new_cache(8u << 20);
    volatile uint32_t *stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t kid;
    int status, served = 0, bad = 0;
    ks_rc_stats_t st;
    struct timespec t0, t1;
    long elapsed;

    ck_assert_ptr_ne((void *) stop, MAP_FAILED);
    ck_assert_int_eq(put(rc, "hot", 0, 0, 1u << 20), KS_RC_CLAIMED);
    kid = fork();
    ck_assert_int_ge(kid, 0);
    if (kid == 0) {
        uint8_t *b[2] = { make_value("hot", 0, 1, 1u << 20), make_value("hot", 0, 2, 1u << 20) };
        for (uint32_t ver = 1; !*stop; ver++) {
            ks_rc_ticket_t t;
            ks_rc_value_t v;
            uint32_t which = 1 + (ver & 1);
            ks_rc_drop(rc, "hot", 3, 0);
            if (ks_rc_get(rc, "hot", 3, 0, KS_RC_CLAIM, &v, &t) == KS_RC_CLAIMED)
                ks_rc_fill(rc, &t, b[which - 1], 1u << 20, &which, sizeof(which));
            free(v.data);
            usleep(200);
        }
        _exit(0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        ks_rc_value_t v;
        ks_rc_ticket_t t;
        if (ks_rc_get(rc, "hot", 3, 0, 0, &v, &t) == KS_RC_HIT) {
            uint32_t ver;
            memcpy(&ver, v.meta, sizeof(ver));
            if (v.len != (1u << 20) || !value_ok(&v, "hot", 0, ver))
                bad++;
            served++;
            free(v.data);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        elapsed = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        /* at least 1.5 s; longer (up to 15 s) on a slow or loaded machine
         * (ASan) until enough values were served to mean something */
    } while (elapsed < 1500 || (served <= 10 && elapsed < 15000));
    *stop = 1;
    ck_assert_int_eq(waitpid(kid, &status, 0), kid);
    ks_rc_stats(rc, &st);
    fprintf(stderr, "torn_read_concurrent: %d values served, %llu torn copies refused\n", served,
            (unsigned long long) st.torn);
    ck_assert_int_eq(bad, 0);
    ck_assert_int_gt(served, 10);
    free_cache(rc);
}
END_TEST

START_TEST(test_sizes)
{
    ck_assert_uint_eq(ks_rc_shm_size(0), 0);
    ck_assert_uint_eq(ks_rc_shm_size(512u << 10), 0);       /* too small: no cache */
    ck_assert_uint_gt(ks_rc_shm_size(256u << 20), 256u << 20);
    ck_assert_uint_lt(ks_rc_shm_size(256u << 20), (256u << 20) + (4u << 20));
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("rcache");
    TCase *tc = tcase_create("rcache");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_sizes);
    tcase_add_test(tc, test_insert_lookup);
    tcase_add_test(tc, test_evict);
    tcase_add_test(tc, test_concurrent_processes);
    tcase_add_test(tc, test_killed_loader);
    tcase_add_test(tc, test_killed_mid_fill);
    tcase_add_test(tc, test_killed_holding_lock);
    tcase_add_test(tc, test_torn_read_detected);
    tcase_add_test(tc, test_torn_read_concurrent);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
