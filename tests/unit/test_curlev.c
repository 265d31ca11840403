/*
 * test_curlev.c: curl multi on libevent (src/curlev.c) against a small
 * HTTP server on the same loop (libevent's evhttp on 127.0.0.1, a free
 * port): transfers end in their done callback, the after callback follows,
 * a removed transfer is never reported, and the callbacks may add new
 * transfers or free the whole multi.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "curlev.h"
#include "log.h"
#include "util.h"

#define MAXX 8

typedef struct {
    CURL *easy;
    char body[64];
    size_t len;
    int calls;
    CURLcode cc;
    long status;
} xfer_t;

static struct event_base *base;
static struct event *tick;      /* wakes the loop: wait_calls sees the time */
static struct evhttp *http;
static int port;
static ks_curlev_t *cev;
static xfer_t xs[MAXX];
static int done_calls, after_calls, after_calls_after_free;
static bool freed;
static int chain_left;          /* test_add_in_done: transfers still to start */

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
}

static void
serve(struct evhttp_request *req, void *arg)
{
    const char *uri = evhttp_request_get_uri(req);
    struct evbuffer *b;

    (void) arg;
    if (strcmp(uri, "/slow") == 0)
        return;                 /* never answered: evhttp frees it on close */
    b = evbuffer_new();
    evbuffer_add_printf(b, "hello %s", uri);
    evhttp_send_reply(req, strcmp(uri, "/missing") == 0 ? 404 : 200, "OK", b);
    evbuffer_free(b);
}

static void
setup(void)
{
    struct evhttp_bound_socket *bs;
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    struct timeval tv = { 0, 10000 };

    ks_log_set_level(KS_LOG_ERROR);
    ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
    base = event_base_new();
    tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
    event_add(tick, &tv);
    http = evhttp_new(base);
    ck_assert_ptr_nonnull(http);
    evhttp_set_gencb(http, serve, NULL);
    bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
    ck_assert_ptr_nonnull(bs);
    ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *) &sa, &sl), 0);
    port = ntohs(sa.sin_port);
    memset(xs, 0, sizeof(xs));
    done_calls = after_calls = after_calls_after_free = 0;
    freed = false;
    chain_left = 0;
    cev = NULL;
}

static void
teardown(void)
{
    int i;

    if (cev != NULL && !freed)
        ks_curlev_free(cev);
    for (i = 0; i < MAXX; i++)
        if (xs[i].easy != NULL)
            curl_easy_cleanup(xs[i].easy);
    evhttp_free(http);
    event_free(tick);
    event_base_free(base);
    curl_global_cleanup();
}

static void
on_after(void *arg)
{
    (void) arg;
    after_calls++;
    if (freed)
        after_calls_after_free++;
}

static size_t
on_body(char *p, size_t size, size_t n, void *ud)
{
    xfer_t *x = ud;
    size_t len = size * n, room = sizeof(x->body) - 1 - x->len;

    memcpy(x->body + x->len, p, KS_MIN(len, room));
    x->len += KS_MIN(len, room);
    x->body[x->len] = '\0';
    return len;
}

static void
on_done(void *arg, CURL *e, CURLcode cc)
{
    xfer_t *x = arg;

    ck_assert_ptr_eq(e, x->easy);
    x->calls++;
    x->cc = cc;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &x->status);
    curl_easy_cleanup(e);
    x->easy = NULL;
    done_calls++;
}

/* Starts a GET of path as xs[i]. */
static void
start(int i, const char *path, ks_curlev_done_cb cb)
{
    char url[128];
    xfer_t *x = &xs[i];

    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    x->easy = curl_easy_init();
    ck_assert_ptr_nonnull(x->easy);
    curl_easy_setopt(x->easy, CURLOPT_URL, url);
    curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
    ck_assert_int_eq(ks_curlev_add(cev, x->easy, cb, x), KS_OK);
}

/* Runs the loop until *calls >= n or `secs` passed. */
static void
wait_calls(int *calls, int n, double secs)
{
    int64_t end = ks_mono_us() + (int64_t) (secs * 1e6);

    while (*calls < n && ks_mono_us() < end)
        event_base_loop(base, EVLOOP_ONCE);
}

START_TEST(test_done)
{
    cev = ks_curlev_new(base, on_after, NULL);
    ck_assert_ptr_nonnull(cev);
    start(0, "/a", on_done);
    start(1, "/missing", on_done);
    ck_assert_int_eq(done_calls, 0);            /* never from inside the add */
    wait_calls(&done_calls, 2, 5);
    ck_assert_int_eq(done_calls, 2);
    ck_assert_int_eq(xs[0].calls, 1);
    ck_assert_int_eq(xs[0].cc, CURLE_OK);
    ck_assert_int_eq(xs[0].status, 200);
    ck_assert_str_eq(xs[0].body, "hello /a");
    ck_assert_int_eq(xs[1].calls, 1);
    ck_assert_int_eq(xs[1].status, 404);
    ck_assert_int_ge(after_calls, 1);
}
END_TEST

START_TEST(test_transport_error)
{
    cev = ks_curlev_new(base, NULL, NULL);
    ck_assert_ptr_nonnull(cev);
    evhttp_free(http);                          /* nothing listens any more */
    http = evhttp_new(base);
    start(0, "/a", on_done);
    wait_calls(&done_calls, 1, 5);
    ck_assert_int_eq(xs[0].calls, 1);
    ck_assert_int_eq(xs[0].cc, CURLE_COULDNT_CONNECT);
}
END_TEST

START_TEST(test_remove)
{
    int ticks = 0;

    cev = ks_curlev_new(base, on_after, NULL);
    start(0, "/slow", on_done);
    wait_calls(&ticks, 1, 0.2);                 /* connected and waiting */
    ks_curlev_remove(cev, xs[0].easy);
    ks_curlev_remove(cev, xs[0].easy);          /* twice is harmless */
    curl_easy_cleanup(xs[0].easy);
    xs[0].easy = NULL;
    start(1, "/b", on_done);
    wait_calls(&done_calls, 1, 5);
    wait_calls(&ticks, 1, 0.2);
    ck_assert_int_eq(xs[0].calls, 0);
    ck_assert_int_eq(xs[1].calls, 1);
    ck_assert_str_eq(xs[1].body, "hello /b");
}
END_TEST

static void
on_done_chain(void *arg, CURL *e, CURLcode cc)
{
    on_done(arg, e, cc);
    if (chain_left > 0) {
        chain_left--;
        start(MAXX - 1 - chain_left, "/next", on_done_chain);
    }
}

START_TEST(test_add_in_done)
{
    cev = ks_curlev_new(base, on_after, NULL);
    chain_left = 3;
    start(0, "/first", on_done_chain);
    wait_calls(&done_calls, 4, 5);
    ck_assert_int_eq(done_calls, 4);
    ck_assert_str_eq(xs[MAXX - 1].body, "hello /next");
    ck_assert_int_eq(xs[MAXX - 1].cc, CURLE_OK);
}
END_TEST

static void
on_done_free(void *arg, CURL *e, CURLcode cc)
{
    on_done(arg, e, cc);
    /* every other transfer leaves the multi here: clean them up at once */
    ks_curlev_free(cev);
    freed = true;
    for (int i = 0; i < MAXX; i++)
        if (xs[i].easy != NULL) {
            curl_easy_cleanup(xs[i].easy);
            xs[i].easy = NULL;
        }
}

START_TEST(test_free_in_done)
{
    int ticks = 0;

    cev = ks_curlev_new(base, on_after, NULL);
    start(0, "/a", on_done_free);
    start(1, "/b", on_done_free);
    start(2, "/slow", on_done_free);
    wait_calls(&done_calls, 1, 5);
    wait_calls(&ticks, 1, 0.3);
    ck_assert(freed);
    ck_assert_int_eq(done_calls, 1);            /* the rest of the round dropped */
    ck_assert_int_eq(after_calls_after_free, 0);
}
END_TEST

static Suite *
curlev_suite(void)
{
    Suite *s = suite_create("curlev");
    TCase *tc = tcase_create("evhttp");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_done);
    tcase_add_test(tc, test_transport_error);
    tcase_add_test(tc, test_remove);
    tcase_add_test(tc, test_add_in_done);
    tcase_add_test(tc, test_free_in_done);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(curlev_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
