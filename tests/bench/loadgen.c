/*
 * loadgen: a Kafka load generator on librdkafka, for tests/bench.
 *
 *   loadgen -b BROKERS -t TOPIC [-m produce|consume|both] [-s SIZE]
 *       [-p PARTITIONS] [-P PRODUCERS] [-C CONSUMERS] [-a ACKS]
 *       [-z COMPRESSION] [-l LINGER_MS] [-B BATCH_BYTES] [-r MSGS_PER_S]
 *       [-d SECONDS] [-n COUNT] [--create] [--groups own|shared|none]
 *       [--from-beginning] [--until-eof] [--conns N] [-X key=value]...
 *
 * produce: PRODUCERS threads, each with its own rd_kafka_t (its own
 *   connections), send SIZE-byte values round-robin over the partitions,
 *   open loop (-r 0, the default: as fast as the client queue allows) or at
 *   MSGS_PER_S in total, for SECONDS (default 10) or COUNT messages. The
 *   first 8 bytes of every value are the send time (CLOCK_REALTIME, ns);
 *   the acknowledgement latency is the delivery report's time minus that.
 * consume: CONSUMERS threads; with --groups own each is in a group of its
 *   own (so each reads the whole topic), shared: one group, none (default
 *   for consume): partitions assigned directly. The end-to-end latency is
 *   the receive time minus the time written in the value. --until-eof
 *   stops when every partition reached its end.
 * both: the consumers start first (and get their assignment), then the
 *   producers; the consumers stop when they have read everything acked, or
 *   after 5 s without a message once the producers are done.
 * --conns N: also opens N idle raw TCP connections to the first broker
 *   (each sends one ApiVersions request), to load the broker with
 *   connections without N librdkafka instances.
 *
 * Output, one line per role (key=value, for bench.py):
 *   RESULT role=produce msgs= bytes= secs= msgs_per_s= MB_per_s= errors=
 *          p50_ms= p99_ms= p999_ms= max_ms= client_cpu_s=
 *   RESULT role=consume ... (latencies are end to end)
 * MB is 10^6 bytes of values. Per-message work is kept to a timestamp and a
 * histogram increment, so the client measures the broker, not itself.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

/* ---- latency histogram: 128 sub-buckets per power of two (< 0.8% error) */
#define H_SUB 7
#define H_N (((64 - H_SUB + 1) << H_SUB))

typedef struct {
    uint64_t b[H_N];
    uint64_t n, max;
} hist_t;

static inline int
h_idx(uint64_t v)
{
    if (v < (1u << H_SUB))
        return (int) v;
    int e = 63 - __builtin_clzll(v);
    return ((e - H_SUB + 1) << H_SUB) + (int) ((v >> (e - H_SUB)) & ((1u << H_SUB) - 1));
}

static uint64_t
h_val(int i)
{
    if (i < (1 << H_SUB))
        return (uint64_t) i;
    int e = (i >> H_SUB) + H_SUB - 1;
    uint64_t m = (uint64_t) (i & ((1 << H_SUB) - 1));
    /* middle of the bucket */
    return (((1ull << H_SUB) + m) << (e - H_SUB)) + ((1ull << (e - H_SUB)) >> 1);
}

static inline void
h_add(hist_t *h, int64_t v)
{
    if (v < 0)
        v = 0;
    h->b[h_idx((uint64_t) v)]++;
    h->n++;
    if ((uint64_t) v > h->max)
        h->max = (uint64_t) v;
}

static void
h_merge(hist_t *d, const hist_t *s)
{
    for (int i = 0; i < H_N; i++)
        d->b[i] += s->b[i];
    d->n += s->n;
    if (s->max > d->max)
        d->max = s->max;
}

static double
h_pct_ms(const hist_t *h, double q)
{
    if (h->n == 0)
        return 0;
    uint64_t want = (uint64_t) (q * (double) h->n + 0.5), acc = 0;
    if (want < 1)
        want = 1;
    for (int i = 0; i < H_N; i++) {
        acc += h->b[i];
        if (acc >= want) {
            uint64_t v = h_val(i);
            return (double) (v > h->max ? h->max : v) / 1e6;
        }
    }
    return (double) h->max / 1e6;
}

/* ---- options */
static const char *brokers = "127.0.0.1:9092", *topic = "bench", *mode = "produce", *acks = "all";
static const char *compression = "none", *groups = NULL;
static int msg_size = 1024, partitions = 4, nprod = 1, ncons = 1, linger_ms = 5, batch_bytes = 0;
static double rate = 0, duration = 10;
static long long count = 0;
static int do_create = 0, from_beginning = 0, until_eof = 0, nconns = 0, quiet = 0;
static char *xkv[64];
static int nx = 0;

static volatile sig_atomic_t stop_flag = 0;
static atomic_int producers_done = 0;
static atomic_llong total_acked = 0, total_consumed = 0, total_sent = 0;
static atomic_int consumers_ready = 0;

static inline int64_t
now_rt(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline double
now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
on_signal(int sig)
{
    (void) sig;
    stop_flag = 1;
}

static void
die(const char *what, const char *why)
{
    fprintf(stderr, "loadgen: %s: %s\n", what, why);
    exit(2);
}

static void
conf_set(rd_kafka_conf_t *c, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK)
        die(k, err);
}

static void
conf_extra(rd_kafka_conf_t *c, int producer)
{
    char err[256];
    for (int i = 0; i < nx; i++) {
        char *eq = strchr(xkv[i], '=');
        if (eq == NULL)
            die(xkv[i], "expected key=value");
        *eq = 0;
        rd_kafka_conf_res_t r = rd_kafka_conf_set(c, xkv[i], eq + 1, err, sizeof(err));
        *eq = '=';
        /* a key for the other role only is not an error */
        if (r == RD_KAFKA_CONF_INVALID)
            die(xkv[i], err);
        (void) producer;
    }
}

static void
log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void) rk;
    if (!quiet && level <= 4)
        fprintf(stderr, "loadgen: rdkafka %s: %s\n", fac, buf);
}

/* ---- producer */
typedef struct {
    int id;
    pthread_t th;
    hist_t h;
    long long sent, acked, errors, bytes;
    double t0, t1;
    char err[256];
} prod_t;

static void
dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    prod_t *p = opaque;
    (void) rk;
    if (m->err) {
        if (p->errors++ == 0)
            snprintf(p->err, sizeof(p->err), "%s", rd_kafka_err2str(m->err));
        return;
    }
    int64_t ts = 0;
    if (m->len >= 8)
        memcpy(&ts, m->payload, 8);
    h_add(&p->h, now_rt() - ts);
    p->acked++;
    p->bytes += (long long) m->len;
}

static void *
producer_main(void *arg)
{
    prod_t *p = arg;
    char err[256], v[32];
    rd_kafka_conf_t *c = rd_kafka_conf_new();

    conf_set(c, "bootstrap.servers", brokers);
    conf_set(c, "acks", acks);
    conf_set(c, "compression.type", compression);
    snprintf(v, sizeof(v), "%d", linger_ms);
    conf_set(c, "linger.ms", v);
    if (batch_bytes > 0) {
        snprintf(v, sizeof(v), "%d", batch_bytes);
        conf_set(c, "batch.size", v);
        snprintf(v, sizeof(v), "%d", batch_bytes + 65536);
        conf_set(c, "message.max.bytes", v);
    }
    conf_set(c, "queue.buffering.max.messages", "100000");
    conf_set(c, "queue.buffering.max.kbytes", "65536");
    rd_kafka_conf_set_log_cb(c, log_cb);
    rd_kafka_conf_set_dr_msg_cb(c, dr_cb);
    rd_kafka_conf_set_opaque(c, p);
    conf_extra(c, 1);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
    if (rk == NULL)
        die("rd_kafka_new", err);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);

    char *buf = malloc((size_t) msg_size + 8);
    /* not all zeros, so that compression has some work to do */
    for (int i = 0; i < msg_size + 8; i++)
        buf[i] = (char) ('a' + (i * 7 + p->id) % 26);
    size_t sz = (size_t) msg_size;
    double per = rate > 0 ? (double) nprod / rate : 0;  /* seconds between messages of this thread */
    long long my_count = count > 0 ? count / nprod + (p->id < count % nprod) : 0;
    int part = p->id % (partitions > 0 ? partitions : 1);

    p->t0 = now_mono();
    double deadline = p->t0 + duration, next = p->t0;
    while (!stop_flag) {
        if (my_count > 0 && p->sent >= my_count)
            break;
        if ((p->sent & 255) == 0) {
            double t = now_mono();
            if (my_count == 0 && t >= deadline)
                break;
            rd_kafka_poll(rk, 0);
        }
        if (per > 0) {
            double t = now_mono();
            if (t < next) {
                rd_kafka_poll(rk, 0);
                double w = next - t;
                if (w > 0.0005) {
                    struct timespec ts = { 0, (long) (w * 1e9) };
                    nanosleep(&ts, NULL);
                }
                continue;
            }
            next += per;
            if (my_count == 0 && t >= deadline)
                break;
        }
        int64_t ts = now_rt();
        memcpy(buf, &ts, 8);
        if (rd_kafka_produce(rkt, part, RD_KAFKA_MSG_F_COPY, buf, sz, NULL, 0, NULL) == -1) {
            rd_kafka_resp_err_t e = rd_kafka_last_error();
            if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                rd_kafka_poll(rk, 1);
                continue;
            }
            die("produce", rd_kafka_err2str(e));
        }
        p->sent++;
        if (++part >= partitions)
            part = 0;
    }
    p->t1 = now_mono();
    atomic_fetch_add(&total_sent, p->sent);
    while (rd_kafka_outq_len(rk) > 0 && now_mono() < p->t1 + 60)
        rd_kafka_poll(rk, 50);
    /* the rate is over the time until the last ack */
    p->t1 = now_mono();
    atomic_fetch_add(&total_acked, p->acked);
    free(buf);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return NULL;
}

/* ---- consumer */
typedef struct {
    int id;
    pthread_t th;
    hist_t h;
    long long msgs, bytes, errors;
    double t_first, t_last;
    int eofs, nparts;
    int ready;
} cons_t;

static void
rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    cons_t *c = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(rk, parts);
        c->nparts = parts->cnt;
        if (!c->ready) {
            c->ready = 1;
            atomic_fetch_add(&consumers_ready, 1);
        }
    } else {
        rd_kafka_assign(rk, NULL);
    }
}

static int
topic_partitions(rd_kafka_t *rk)
{
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int n = -1;
    for (int tries = 0; tries < 50 && n <= 0; tries++) {
        if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (md->topic_cnt == 1 && md->topics[0].err == 0)
                n = md->topics[0].partition_cnt;
            rd_kafka_metadata_destroy(md);
        }
        if (n <= 0)
            usleep(100000);
    }
    rd_kafka_topic_destroy(rkt);
    return n;
}

static void *
consumer_main(void *arg)
{
    cons_t *c = arg;
    char err[256], gid[128];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int use_group = groups != NULL && strcmp(groups, "none") != 0;

    conf_set(conf, "bootstrap.servers", brokers);
    if (use_group && strcmp(groups, "own") == 0)
        snprintf(gid, sizeof(gid), "loadgen-%d-%d", (int) getpid(), c->id);
    else
        snprintf(gid, sizeof(gid), "loadgen-%d", (int) getpid());
    conf_set(conf, "group.id", gid);
    conf_set(conf, "auto.offset.reset", from_beginning || strcmp(mode, "both") == 0 ? "earliest" : "latest");
    conf_set(conf, "enable.partition.eof", until_eof ? "true" : "false");
    conf_set(conf, "enable.auto.commit", use_group ? "true" : "false");
    conf_set(conf, "fetch.wait.max.ms", "100");
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_opaque(conf, c);
    conf_extra(conf, 0);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    if (rk == NULL)
        die("rd_kafka_new", err);
    rd_kafka_poll_set_consumer(rk);
    if (use_group) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_subscribe(rk, l);
        rd_kafka_topic_partition_list_destroy(l);
    } else {
        int n = topic_partitions(rk);
        if (n <= 0)
            die(topic, "no metadata for the topic");
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
        for (int i = 0; i < n; i++)
            rd_kafka_topic_partition_list_add(l, topic, i)->offset =
                from_beginning || strcmp(mode, "both") == 0 ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
        rd_kafka_assign(rk, l);
        rd_kafka_topic_partition_list_destroy(l);
        c->nparts = n;
        c->ready = 1;
        atomic_fetch_add(&consumers_ready, 1);
    }

    double t_start = now_mono(), t_idle = 0;
    long long my_target = count > 0 ? count : 0;
    while (!stop_flag) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        double t = now_mono();
        if (m == NULL) {
            if (strcmp(mode, "both") == 0 && atomic_load(&producers_done)) {
                if (t_idle == 0)
                    t_idle = t;
                else if (t - t_idle > 5)
                    break;
            }
            if (strcmp(mode, "consume") == 0 && !until_eof && count == 0 && t - t_start > duration)
                break;
            if (strcmp(mode, "consume") == 0 && t - t_start > duration + 300)
                break;
            continue;
        }
        t_idle = 0;
        if (m->err) {
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                c->eofs++;
                if (until_eof && c->nparts > 0 && c->eofs >= c->nparts && c->msgs > 0) {
                    rd_kafka_message_destroy(m);
                    break;
                }
            } else if (c->errors++ == 0 && !quiet) {
                fprintf(stderr, "loadgen: consumer %d: %s\n", c->id, rd_kafka_message_errstr(m));
            }
            rd_kafka_message_destroy(m);
            continue;
        }
        int64_t ts = 0;
        if (m->len >= 8)
            memcpy(&ts, m->payload, 8);
        h_add(&c->h, now_rt() - ts);
        if (c->msgs++ == 0)
            c->t_first = t;
        c->t_last = t;
        c->bytes += (long long) m->len;
        atomic_fetch_add_explicit(&total_consumed, 1, memory_order_relaxed);
        rd_kafka_message_destroy(m);
        if (my_target > 0 && c->msgs >= my_target)
            break;
        if (strcmp(mode, "both") == 0 && atomic_load(&producers_done)) {
            long long want = atomic_load(&total_acked);
            long long have = groups != NULL && strcmp(groups, "own") == 0 ? c->msgs : atomic_load(&total_consumed);
            if (have >= want)
                break;
        }
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return NULL;
}

/* ---- topic creation */
static void
create_topic(void)
{
    char err[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    conf_set(c, "bootstrap.servers", brokers);
    rd_kafka_conf_set_log_cb(c, log_cb);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
    if (rk == NULL)
        die("rd_kafka_new", err);
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, 1, err, sizeof(err));
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    if (ev == NULL)
        die("create topic", "timed out");
    const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
    if (rd_kafka_event_error(ev) && !quiet)
        fprintf(stderr, "loadgen: create topic %s: %s\n", topic, rd_kafka_event_error_string(ev));
    for (size_t i = 0; i < n; i++)
        if (rd_kafka_topic_result_error(tr[i]) && rd_kafka_topic_result_error(tr[i]) != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            fprintf(stderr, "loadgen: create topic %s: %s\n", topic, rd_kafka_topic_result_error_string(tr[i]));
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    /* wait until the metadata shows it */
    if (topic_partitions(rk) <= 0)
        die(topic, "not visible in metadata after creation");
    rd_kafka_destroy(rk);
}

/* ---- idle raw connections */
static int *conn_fds;

static void
open_conns(void)
{
    char host[256];
    const char *first = brokers, *comma = strchr(first, ',');
    size_t len = comma ? (size_t) (comma - first) : strlen(first);
    if (len >= sizeof(host))
        die(brokers, "broker address too long");
    memcpy(host, first, len);
    host[len] = 0;
    char *colon = strrchr(host, ':');
    if (colon == NULL)
        die(host, "expected host:port");
    *colon = 0;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(colon + 1)) };
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        die(host, "expected an IPv4 address");
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < (rlim_t) nconns + 1024) {
        rl.rlim_cur = rl.rlim_max < (rlim_t) nconns + 1024 ? rl.rlim_max : (rlim_t) nconns + 1024;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    conn_fds = calloc((size_t) nconns, sizeof(int));
    /* ApiVersions v0, correlation id 1, client id "loadgen" */
    static const uint8_t req[] = { 0, 0, 0, 17, 0, 18, 0, 0, 0, 0, 0, 1, 0, 7, 'l', 'o', 'a', 'd', 'g', 'e', 'n' };
    int ok = 0;
    for (int i = 0; i < nconns; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0) {
            if (fd >= 0)
                close(fd);
            conn_fds[i] = -1;
            continue;
        }
        if (write(fd, req, sizeof(req)) != (ssize_t) sizeof(req)) {
            close(fd);
            conn_fds[i] = -1;
            continue;
        }
        char rb[4096];
        struct timeval tv = { 5, 0 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (read(fd, rb, sizeof(rb)) > 0)
            ok++;
        conn_fds[i] = fd;
    }
    fprintf(stderr, "loadgen: %d of %d raw connections open and answered\n", ok, nconns);
    printf("RESULT role=conns opened=%d\n", ok);
}

static void
usage(void)
{
    fprintf(stderr, "usage: loadgen -b BROKERS -t TOPIC [-m produce|consume|both] [-s SIZE] [-p PARTITIONS]\n"
                    "    [-P PRODUCERS] [-C CONSUMERS] [-a ACKS] [-z COMPRESSION] [-l LINGER_MS]\n"
                    "    [-B BATCH_BYTES] [-r MSGS_PER_S] [-d SECONDS] [-n COUNT] [--create]\n"
                    "    [--groups own|shared|none] [--from-beginning] [--until-eof] [--conns N]\n"
                    "    [-X key=value]... [-q]\n");
    exit(2);
}

static void
report(const char *role, const hist_t *h, long long msgs, long long bytes, long long errors, double secs)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 + (double) ru.ru_stime.tv_sec +
                 (double) ru.ru_stime.tv_usec / 1e6;
    if (secs <= 0)
        secs = 1e-9;
    printf("RESULT role=%s msgs=%lld bytes=%lld secs=%.3f msgs_per_s=%.0f MB_per_s=%.2f errors=%lld "
           "p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f client_cpu_s=%.2f\n",
           role, msgs, bytes, secs, (double) msgs / secs, (double) bytes / secs / 1e6, errors, h_pct_ms(h, 0.50),
           h_pct_ms(h, 0.99), h_pct_ms(h, 0.999), (double) h->max / 1e6, cpu);
    fflush(stdout);
}

int
main(int argc, char **argv)
{
    static const struct option lo[] = {
        { "create", no_argument, NULL, 1 },      { "groups", required_argument, NULL, 2 },
        { "from-beginning", no_argument, NULL, 3 }, { "until-eof", no_argument, NULL, 4 },
        { "conns", required_argument, NULL, 5 }, { NULL, 0, NULL, 0 }
    };
    int o;
    while ((o = getopt_long(argc, argv, "b:t:m:s:p:P:C:a:z:l:B:r:d:n:X:q", lo, NULL)) != -1) {
        switch (o) {
        case 'b': brokers = optarg; break;
        case 't': topic = optarg; break;
        case 'm': mode = optarg; break;
        case 's': msg_size = atoi(optarg); break;
        case 'p': partitions = atoi(optarg); break;
        case 'P': nprod = atoi(optarg); break;
        case 'C': ncons = atoi(optarg); break;
        case 'a': acks = optarg; break;
        case 'z': compression = optarg; break;
        case 'l': linger_ms = atoi(optarg); break;
        case 'B': batch_bytes = atoi(optarg); break;
        case 'r': rate = atof(optarg); break;
        case 'd': duration = atof(optarg); break;
        case 'n': count = atoll(optarg); break;
        case 'X':
            if (nx < 64)
                xkv[nx++] = optarg;
            break;
        case 'q': quiet = 1; break;
        case 1: do_create = 1; break;
        case 2: groups = optarg; break;
        case 3: from_beginning = 1; break;
        case 4: until_eof = 1; break;
        case 5: nconns = atoi(optarg); break;
        default: usage();
        }
    }
    int do_prod = strcmp(mode, "produce") == 0 || strcmp(mode, "both") == 0;
    int do_cons = strcmp(mode, "consume") == 0 || strcmp(mode, "both") == 0;
    if ((!do_prod && !do_cons) || msg_size < 8 || nprod < 1 || ncons < 1 || partitions < 1)
        usage();
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);

    if (do_create)
        create_topic();
    if (nconns > 0)
        open_conns();

    cons_t *cs = do_cons ? calloc((size_t) ncons, sizeof(cons_t)) : NULL;
    prod_t *ps = do_prod ? calloc((size_t) nprod, sizeof(prod_t)) : NULL;
    for (int i = 0; do_cons && i < ncons; i++) {
        cs[i].id = i;
        pthread_create(&cs[i].th, NULL, consumer_main, &cs[i]);
    }
    if (do_cons && do_prod) {
        /* producers start once every consumer has its partitions */
        double t = now_mono();
        while (atomic_load(&consumers_ready) < ncons && now_mono() - t < 30 && !stop_flag)
            usleep(10000);
        usleep(200000);
    }
    for (int i = 0; do_prod && i < nprod; i++) {
        ps[i].id = i;
        pthread_create(&ps[i].th, NULL, producer_main, &ps[i]);
    }
    if (do_prod) {
        hist_t *h = calloc(1, sizeof(hist_t));
        long long msgs = 0, bytes = 0, errs = 0;
        double t0 = 1e30, t1 = 0;
        for (int i = 0; i < nprod; i++) {
            pthread_join(ps[i].th, NULL);
            h_merge(h, &ps[i].h);
            msgs += ps[i].acked;
            bytes += ps[i].bytes;
            errs += ps[i].errors;
            if (ps[i].errors && !quiet)
                fprintf(stderr, "loadgen: producer %d: %lld errors, first: %s\n", i, ps[i].errors, ps[i].err);
            if (ps[i].t0 < t0)
                t0 = ps[i].t0;
            if (ps[i].t1 > t1)
                t1 = ps[i].t1;
        }
        atomic_store(&producers_done, 1);
        report("produce", h, msgs, bytes, errs, t1 - t0);
        free(h);
    }
    if (do_cons) {
        hist_t *h = calloc(1, sizeof(hist_t));
        long long msgs = 0, bytes = 0, errs = 0;
        double t0 = 1e30, t1 = 0;
        for (int i = 0; i < ncons; i++) {
            pthread_join(cs[i].th, NULL);
            h_merge(h, &cs[i].h);
            msgs += cs[i].msgs;
            bytes += cs[i].bytes;
            errs += cs[i].errors;
            if (cs[i].msgs > 0 && cs[i].t_first < t0)
                t0 = cs[i].t_first;
            if (cs[i].t_last > t1)
                t1 = cs[i].t_last;
        }
        report("consume", h, msgs, bytes, errs, msgs > 0 ? t1 - t0 : 0);
        free(h);
    }
    return 0;
}
