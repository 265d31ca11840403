/*
 * rdkafka_check: produce and verify deterministic messages with librdkafka.
 *
 *   rdkafka_check produce|consume|both -b BROKERS -t TOPIC -n COUNT -p PARTITIONS
 *       [-s SIZE] [-z none|gzip|snappy|lz4|zstd] [-a ACKS] [--idempotent]
 *       [--ack-log FILE] [--from-beginning] [--timeout S] [--seq-base N]
 *       [--verify-ack-log FILE] [--allow-dups] [--rate MSGS_PER_S] [--quiet]
 *
 * Message number `seq` (seq-base .. seq-base+COUNT-1) goes to partition
 * seq % PARTITIONS with
 *   key     "k-<partition>-<seq>"
 *   headers h1 = "<seq>", h2 = "kafscale-e2e"
 *   value   SIZE bytes: "<crc32 of the rest, 8 hex>" "<seq, 12 digits>:" then
 *           a padding pattern that depends on seq, so every byte is checkable
 *
 * produce: creates the topic with PARTITIONS partitions if it does not exist,
 *   produces COUNT messages with an explicit partition, waits for every
 *   delivery report; with --ack-log writes "partition offset seq" for each
 *   acknowledged message. Prints msgs/s, MB/s (value bytes) and p50/p99 of the
 *   delivery latency. Exit 1 if any message was not acknowledged. --rate
 *   caps the produce rate (to keep a run going while a test kills things).
 *
 * consume: reads partitions 0..P-1 from the beginning (simple consumer, no group)
 *   until COUNT messages were read and every partition is at its end (or
 *   --timeout); checks every message byte for byte (key, headers, value,
 *   CRC, partition), seq strictly increasing and offsets contiguous per
 *   partition, no duplicates, none missing, nothing extra. Prints msgs/s and
 *   MB/s. Exit 1 with the reason on the first kinds of mismatch (up to 10
 *   lines of detail).
 *
 * consume --verify-ack-log FILE: reads every partition up to the high
 *   watermark seen at start, checks every message's content as above (seqs
 *   must lie in seq-base .. seq-base+COUNT-1), and checks that every
 *   (partition, offset, seq) in FILE is there at exactly that offset.
 *   Duplicates (retries) are allowed and counted with --allow-dups.
 *
 * both: produce then consume in one run.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#define H2_VALUE "kafscale-e2e"
#define MIN_SIZE 24
#define MAX_DETAIL 10

static const char *brokers = "127.0.0.1:9092";
static const char *topic;
static int64_t count = -1;
static int32_t partitions = -1;
static int size = 100;
static const char *codec = "none";
static const char *acks = "all";
static int idempotent;
static const char *ack_log_path;
static const char *verify_log_path;
static int timeout_s = 60;
static int64_t seq_base;
static int allow_dups;
static int quiet;
static double rate;          /* produce: messages/s cap, 0 = as fast as possible */

static volatile sig_atomic_t stop;

/* ---- helpers ------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "rdkafka_check: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static uint32_t crc_table[256];

static void crc32_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32_buf(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    while (n--)
        c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static int32_t part_of(int64_t seq)
{
    return (int32_t)(seq % partitions);
}

static int make_key(char *buf, size_t len, int64_t seq)
{
    return snprintf(buf, len, "k-%" PRId32 "-%" PRId64, part_of(seq), seq);
}

/* The value of message seq, SIZE bytes, into buf. */
static void make_value(unsigned char *buf, int64_t seq)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%012" PRId64 ":", seq);
    memcpy(buf + 8, tmp, (size_t)n);
    for (int i = 8 + n; i < size; i++)
        buf[i] = (unsigned char)('a' + (uint64_t)(seq * 7 + i) % 26);
    uint32_t crc = crc32_buf(buf + 8, (size_t)size - 8);
    snprintf(tmp, sizeof tmp, "%08x", crc);
    memcpy(buf, tmp, 8);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void set_conf(rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char err[512];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK)
        die("config %s=%s: %s", k, v, err);
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (!quiet || level <= 3)
        fprintf(stderr, "rdkafka_check: librdkafka %d %s: %s\n", level, fac, buf);
}

/* ---- produce ------------------------------------------------------------ */

static double *send_time;    /* by seq - seq_base */
static double *latency;      /* one per delivered message */
static int64_t n_delivered, n_failed;
static FILE *ack_log;
static int64_t fail_shown;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk; (void)opaque;
    int64_t seq = (int64_t)(intptr_t)m->_private;
    if (m->err) {
        n_failed++;
        if (fail_shown++ < MAX_DETAIL)
            fprintf(stderr, "rdkafka_check: delivery of seq %" PRId64 " to partition %" PRId32
                    " failed: %s\n", seq, m->partition, rd_kafka_err2str(m->err));
        return;
    }
    latency[n_delivered++] = now_s() - send_time[seq - seq_base];
    if (ack_log)
        fprintf(ack_log, "%" PRId32 " %" PRId64 " %" PRId64 "\n", m->partition, m->offset, seq);
}

static void create_topic(rd_kafka_t *rk)
{
    char err[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, 1, err, sizeof err);
    if (!nt)
        die("NewTopic: %s", err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(o, 15000, err, sizeof err);
    rd_kafka_CreateTopics(rk, &nt, 1, o, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 20000);
    /* A failure is reported, not fatal: the partition count is checked below
     * (the topic may exist, or be auto-created). */
    if (!ev) {
        fprintf(stderr, "rdkafka_check: CreateTopics %s: no answer within 20 s\n", topic);
    } else if (rd_kafka_event_error(ev)) {
        fprintf(stderr, "rdkafka_check: CreateTopics %s: %s\n", topic, rd_kafka_event_error_string(ev));
    } else {
        const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
        size_t n;
        const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
        for (size_t i = 0; i < n; i++) {
            rd_kafka_resp_err_t e = rd_kafka_topic_result_error(tr[i]);
            if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                fprintf(stderr, "rdkafka_check: CreateTopics %s: %s\n", topic,
                        rd_kafka_topic_result_error_string(tr[i]));
        }
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);

    /* wait until the metadata shows all partitions */
    double end = now_s() + 10;
    for (;;) {
        const struct rd_kafka_metadata *md;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 5000);
        rd_kafka_topic_destroy(rkt);
        int have = -1;
        if (!e) {
            if (md->topic_cnt == 1 && !md->topics[0].err)
                have = md->topics[0].partition_cnt;
            rd_kafka_metadata_destroy(md);
        }
        if (have >= partitions)
            return;
        if (now_s() > end)
            die("topic %s: metadata shows %d partitions, want %d", topic, have, partitions);
        usleep(100000);
    }
}

static int do_produce(void)
{
    char err[512], buf[32];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set_conf(conf, "bootstrap.servers", brokers);
    set_conf(conf, "client.id", "rdkafka_check");
    set_conf(conf, "acks", acks);
    set_conf(conf, "compression.codec", codec);
    set_conf(conf, "queue.buffering.max.messages", "1000000");
    set_conf(conf, "queue.buffering.max.kbytes", "1048576");
    snprintf(buf, sizeof buf, "%d", timeout_s * 1000);
    set_conf(conf, "message.timeout.ms", buf);
    if (idempotent)
        set_conf(conf, "enable.idempotence", "true");
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk)
        die("producer: %s", err);

    create_topic(rk);

    send_time = calloc((size_t)count, sizeof *send_time);
    latency = calloc((size_t)count, sizeof *latency);
    unsigned char *val = malloc((size_t)size);
    if (!send_time || !latency || !val)
        die("out of memory");
    if (ack_log_path) {
        ack_log = fopen(ack_log_path, "w");
        if (!ack_log)
            die("%s: %s", ack_log_path, strerror(errno));
        setvbuf(ack_log, NULL, _IOLBF, 0);   /* survives our own kill -9 line by line */
    }

    double t0 = now_s(), deadline = t0 + timeout_s;
    for (int64_t i = 0; i < count && !stop; i++) {
        int64_t seq = seq_base + i;
        char key[64], h1[32];
        int klen = make_key(key, sizeof key, seq);
        int hlen = snprintf(h1, sizeof h1, "%" PRId64, seq);
        make_value(val, seq);
        rd_kafka_headers_t *hdrs = rd_kafka_headers_new(2);
        rd_kafka_header_add(hdrs, "h1", -1, h1, hlen);
        rd_kafka_header_add(hdrs, "h2", -1, H2_VALUE, -1);
        for (;;) {
            send_time[i] = now_s();
            rd_kafka_resp_err_t e = rd_kafka_producev(rk,
                RD_KAFKA_V_TOPIC(topic),
                RD_KAFKA_V_PARTITION(part_of(seq)),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_KEY(key, (size_t)klen),
                RD_KAFKA_V_VALUE(val, (size_t)size),
                RD_KAFKA_V_HEADERS(hdrs),
                RD_KAFKA_V_OPAQUE((void *)(intptr_t)seq),
                RD_KAFKA_V_END);
            if (!e)
                break;
            if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                die("produce seq %" PRId64 ": %s", seq, rd_kafka_err2str(e));
            rd_kafka_poll(rk, 10);
            if (now_s() > deadline || stop)
                die("produce: local queue stayed full until the timeout (%d s) at seq %" PRId64
                    ", %" PRId64 " delivered", timeout_s, seq, n_delivered);
        }
        if ((i & 1023) == 0)
            rd_kafka_poll(rk, 0);
        if (rate > 0 && (i & 255) == 255) {
            double ahead = t0 + (i + 1) / rate - now_s();
            if (ahead > 0)
                rd_kafka_poll(rk, (int)(ahead * 1000) + 1);
        }
    }
    while (rd_kafka_outq_len(rk) > 0 && now_s() < deadline + 5 && !stop)
        rd_kafka_poll(rk, 50);
    double t1 = now_s();
    int left = rd_kafka_outq_len(rk);
    if (ack_log)
        fclose(ack_log);

    double secs = t1 - t0;
    qsort(latency, (size_t)n_delivered, sizeof *latency, cmp_double);
    double p50 = n_delivered ? latency[n_delivered / 2] * 1000 : 0;
    double p99 = n_delivered ? latency[(int64_t)(n_delivered * 0.99)] * 1000 : 0;
    printf("produce: topic=%s count=%" PRId64 " size=%d partitions=%" PRId32 " codec=%s acks=%s%s: "
           "acked=%" PRId64 " failed=%" PRId64 " in %.2f s: %.0f msgs/s %.2f MB/s "
           "latency p50=%.1f ms p99=%.1f ms\n",
           topic, count, size, partitions, codec, acks, idempotent ? " idempotent" : "",
           n_delivered, n_failed, secs, n_delivered / secs, n_delivered * (double)size / secs / 1e6,
           p50, p99);
    fflush(stdout);
    rd_kafka_destroy(rk);
    free(val);
    free(send_time);
    free(latency);
    if (left > 0) {
        fprintf(stderr, "rdkafka_check: FAIL: %d messages still unacknowledged after %d s\n",
                left, timeout_s);
        return 1;
    }
    if (n_failed > 0 || n_delivered != count) {
        fprintf(stderr, "rdkafka_check: FAIL: %" PRId64 " of %" PRId64 " messages not acknowledged\n",
                count - n_delivered, count);
        return 1;
    }
    return 0;
}

/* ---- consume ------------------------------------------------------------ */

struct part {
    int64_t next_offset;   /* offset expected next (plain mode) */
    int64_t last_seq;
    int64_t hwm;           /* high watermark at start */
    int64_t n;
    int eof;               /* at end, nothing received since */
    int64_t *seq_at;       /* verify mode: seq at offset, -1 if none */
};

static int64_t n_bad;

static void bad(const char *fmt, ...)
{
    va_list ap;
    if (n_bad++ >= MAX_DETAIL)
        return;
    fprintf(stderr, "rdkafka_check: MISMATCH: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Checks one message's content; returns its seq or -1. */
static int64_t check_content(const rd_kafka_message_t *m, unsigned char *want)
{
    const void *hv;
    size_t hl;
    rd_kafka_headers_t *hdrs = NULL;
    char tmp[64];

    if (rd_kafka_message_headers(m, &hdrs) || !hdrs) {
        bad("partition %" PRId32 " offset %" PRId64 ": no headers", m->partition, m->offset);
        return -1;
    }
    if (rd_kafka_header_cnt(hdrs) != 2) {
        bad("partition %" PRId32 " offset %" PRId64 ": %zu headers, want 2",
            m->partition, m->offset, rd_kafka_header_cnt(hdrs));
        return -1;
    }
    const char *hn;
    if (rd_kafka_header_get_all(hdrs, 0, &hn, &hv, &hl) || strcmp(hn, "h1") != 0 ||
        !hv || hl == 0 || hl >= 32) {
        bad("partition %" PRId32 " offset %" PRId64 ": first header is not h1=<seq>",
            m->partition, m->offset);
        return -1;
    }
    memcpy(tmp, hv, hl);
    tmp[hl] = 0;
    char *endp;
    errno = 0;
    long long s = strtoll(tmp, &endp, 10);
    if (*endp || errno || s < 0) {
        bad("partition %" PRId32 " offset %" PRId64 ": h1=\"%s\" is not a seq",
            m->partition, m->offset, tmp);
        return -1;
    }
    int64_t seq = s;
    if (seq < seq_base || seq >= seq_base + count) {
        bad("partition %" PRId32 " offset %" PRId64 ": seq %" PRId64 " outside %" PRId64 "..%" PRId64,
            m->partition, m->offset, seq, seq_base, seq_base + count - 1);
        return -1;
    }
    if (rd_kafka_header_get_all(hdrs, 1, &hn, &hv, &hl) || strcmp(hn, "h2") != 0 ||
        hl != strlen(H2_VALUE) || memcmp(hv, H2_VALUE, hl) != 0) {
        bad("partition %" PRId32 " offset %" PRId64 ": second header is not h2=" H2_VALUE,
            m->partition, m->offset);
        return -1;
    }
    if (m->partition != part_of(seq)) {
        bad("seq %" PRId64 " found in partition %" PRId32 ", produced to %" PRId32,
            seq, m->partition, part_of(seq));
        return -1;
    }
    char key[64];
    int kl = make_key(key, sizeof key, seq);
    if (m->key_len != (size_t)kl || memcmp(m->key, key, (size_t)kl) != 0) {
        bad("partition %" PRId32 " offset %" PRId64 " seq %" PRId64 ": key \"%.*s\", want \"%s\"",
            m->partition, m->offset, seq, (int)(m->key_len > 60 ? 60 : m->key_len),
            m->key ? (const char *)m->key : "", key);
        return -1;
    }
    if (m->len != (size_t)size) {
        bad("partition %" PRId32 " offset %" PRId64 " seq %" PRId64 ": value is %zu bytes, want %d",
            m->partition, m->offset, seq, m->len, size);
        return -1;
    }
    const unsigned char *v = m->payload;
    memcpy(tmp, v, 8);
    tmp[8] = 0;
    unsigned long crc_in = strtoul(tmp, &endp, 16);
    if (*endp || crc_in != crc32_buf(v + 8, (size_t)size - 8)) {
        bad("partition %" PRId32 " offset %" PRId64 " seq %" PRId64 ": value CRC32 mismatch "
            "(stored %s, computed %08x)", m->partition, m->offset, seq, tmp,
            crc32_buf(v + 8, (size_t)size - 8));
        return -1;
    }
    make_value(want, seq);
    if (memcmp(v, want, (size_t)size) != 0) {
        size_t i = 0;
        while (v[i] == want[i])
            i++;
        bad("partition %" PRId32 " offset %" PRId64 " seq %" PRId64 ": value differs at byte %zu",
            m->partition, m->offset, seq, i);
        return -1;
    }
    return seq;
}

static int do_consume(void)
{
    char err[512], buf[32];
    int verify = verify_log_path != NULL;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set_conf(conf, "bootstrap.servers", brokers);
    set_conf(conf, "client.id", "rdkafka_check");
    set_conf(conf, "enable.auto.commit", "false");
    set_conf(conf, "enable.auto.offset.store", "false");
    set_conf(conf, "enable.partition.eof", "true");
    set_conf(conf, "auto.offset.reset", "error");
    set_conf(conf, "check.crcs", "true");
    set_conf(conf, "fetch.wait.max.ms", "100");
    snprintf(buf, sizeof buf, "%d", 64 << 20);
    set_conf(conf, "fetch.max.bytes", buf);
    rd_kafka_conf_set_log_cb(conf, log_cb);
    /* The legacy (simple) consumer: no group.id, no group coordinator, only
     * Metadata, ListOffsets and Fetch, i.e. the data path. */
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk)
        die("consumer: %s", err);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    rd_kafka_queue_t *rkq = rd_kafka_queue_new(rk);

    struct part *pp = calloc((size_t)partitions, sizeof *pp);
    unsigned char *seen = calloc((size_t)count, 1);   /* times seen, saturating */
    unsigned char *want = malloc((size_t)size);
    if (!pp || !seen || !want)
        die("out of memory");

    double deadline = now_s() + timeout_s;
    for (int32_t p = 0; p < partitions; p++) {
        pp[p].last_seq = -1;
        pp[p].hwm = -1;
        if (verify) {
            int64_t lo, hi;
            rd_kafka_resp_err_t e;
            while ((e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 5000)) != 0) {
                if (now_s() > deadline)
                    die("watermarks of %s/%" PRId32 ": %s", topic, p, rd_kafka_err2str(e));
                usleep(100000);
            }
            pp[p].hwm = hi;
            pp[p].seq_at = malloc((size_t)(hi > 0 ? hi : 1) * sizeof(int64_t));
            for (int64_t o = 0; o < hi; o++)
                pp[p].seq_at[o] = -1;
        }
    }
    for (int32_t p = 0; p < partitions; p++)
        if (rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, rkq) != 0)
            die("consume_start %s/%" PRId32 ": %s", topic, p, rd_kafka_err2str(rd_kafka_last_error()));

    int64_t n_msgs = 0, n_unique = 0, n_dup = 0, bytes = 0;
    double t0 = now_s(), t_last = t0;
    int done = 0;
    while (!done && !stop) {
        if (now_s() > deadline)
            break;
        rd_kafka_message_t *m = rd_kafka_consume_queue(rkq, 100);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->partition >= 0 && m->partition < partitions)
                pp[m->partition].eof = 1;
        } else if (m->err) {
            fprintf(stderr, "rdkafka_check: consumer error: %s (partition %" PRId32 ", offset %" PRId64 ")\n",
                    rd_kafka_message_errstr(m), m->partition, m->offset);
            if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
                m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE ||
                m->err == RD_KAFKA_RESP_ERR__BAD_MSG)
                die("FAIL: consumer error: %s", rd_kafka_message_errstr(m));
        } else if (m->partition < 0 || m->partition >= partitions) {
            bad("message from unexpected partition %" PRId32, m->partition);
        } else {
            struct part *p = &pp[m->partition];
            p->eof = 0;
            n_msgs++;
            bytes += (int64_t)m->len;
            t_last = now_s();
            int64_t seq = check_content(m, want);
            if (!verify && m->offset != p->next_offset) {
                bad("partition %" PRId32 ": offset %" PRId64 " follows %" PRId64 " (want %" PRId64 ")",
                    m->partition, m->offset, p->next_offset - 1, p->next_offset);
            }
            p->next_offset = m->offset + 1;
            p->n++;
            if (seq >= 0) {
                if (seen[seq - seq_base] < 255)
                    seen[seq - seq_base]++;
                if (seen[seq - seq_base] == 1)
                    n_unique++;
                else {
                    n_dup++;
                    if (!allow_dups)
                        bad("partition %" PRId32 " offset %" PRId64 ": duplicate of seq %" PRId64,
                            m->partition, m->offset, seq);
                }
                if (!allow_dups && seq <= p->last_seq)
                    bad("partition %" PRId32 " offset %" PRId64 ": seq %" PRId64 " after seq %" PRId64
                        " (order)", m->partition, m->offset, seq, p->last_seq);
                if (seq > p->last_seq)
                    p->last_seq = seq;
                if (verify && m->offset >= 0 && m->offset < p->hwm)
                    p->seq_at[m->offset] = seq;
            }
        }
        rd_kafka_message_destroy(m);

        /* finished? */
        int all = 1;
        for (int32_t i = 0; i < partitions && all; i++) {
            if (verify)
                all = pp[i].next_offset >= pp[i].hwm;
            else
                all = pp[i].eof;
        }
        if (verify)
            done = all;
        else
            done = all && n_msgs >= count;
    }
    double secs = t_last - t0;
    if (secs <= 0)
        secs = 1e-9;
    printf("consume: topic=%s partitions=%" PRId32 " read=%" PRId64 " unique=%" PRId64 " dups=%" PRId64
           " in %.2f s: %.0f msgs/s %.2f MB/s\n",
           topic, partitions, n_msgs, n_unique, n_dup, secs, n_msgs / secs, bytes / secs / 1e6);
    fflush(stdout);
    for (int32_t p = 0; p < partitions; p++)
        rd_kafka_consume_stop(rkt, p);
    rd_kafka_queue_destroy(rkq);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);

    int rc = 0;
    if (!done) {
        int64_t missing = 0;
        for (int64_t i = 0; i < count; i++)
            missing += !seen[i];
        fprintf(stderr, "rdkafka_check: FAIL: timeout after %d s: read %" PRId64 " messages, "
                "%" PRId64 " of %" PRId64 " seqs never seen\n", timeout_s, n_msgs, missing, count);
        for (int32_t i = 0; i < partitions; i++)
            fprintf(stderr, "rdkafka_check:   partition %" PRId32 ": read %" PRId64 ", next offset %"
                    PRId64 ", high watermark at start %" PRId64 ", at end: %s\n",
                    i, pp[i].n, pp[i].next_offset, pp[i].hwm, pp[i].eof ? "yes" : "no");
        rc = 1;
    }
    if (verify) {
        FILE *f = fopen(verify_log_path, "r");
        if (!f)
            die("%s: %s", verify_log_path, strerror(errno));
        int32_t p;
        int64_t off, seq, n_acked = 0, n_lost = 0;
        while (fscanf(f, "%" SCNd32 " %" SCNd64 " %" SCNd64, &p, &off, &seq) == 3) {
            n_acked++;
            if (p < 0 || p >= partitions || off < 0 || off >= pp[p].hwm) {
                if (n_lost++ < MAX_DETAIL)
                    fprintf(stderr, "rdkafka_check: LOST: seq %" PRId64 " acknowledged at partition %"
                            PRId32 " offset %" PRId64 ", beyond the high watermark %" PRId64 "\n",
                            seq, p, off, (p >= 0 && p < partitions) ? pp[p].hwm : -1);
            } else if (pp[p].seq_at[off] != seq) {
                if (n_lost++ < MAX_DETAIL)
                    fprintf(stderr, "rdkafka_check: LOST: seq %" PRId64 " acknowledged at partition %"
                            PRId32 " offset %" PRId64 ", found %s%" PRId64 " there\n", seq, p, off,
                            pp[p].seq_at[off] < 0 ? "nothing " : "seq ", pp[p].seq_at[off]);
            }
        }
        fclose(f);
        int64_t unacked_present = 0;
        printf("verify: %" PRId64 " acknowledged, %" PRId64 " missing or moved; %" PRId64
               " read, %" PRId64 " duplicates\n", n_acked, n_lost, n_msgs, n_dup);
        (void)unacked_present;
        if (n_lost)
            rc = 1;
        if (n_acked == 0) {
            fprintf(stderr, "rdkafka_check: FAIL: the ack log %s is empty\n", verify_log_path);
            rc = 1;
        }
        if (n_dup && !allow_dups)
            rc = 1;
    } else if (done) {
        int64_t missing = 0, first = -1;
        for (int64_t i = 0; i < count; i++)
            if (!seen[i]) {
                if (first < 0)
                    first = i + seq_base;
                missing++;
            }
        if (missing) {
            fprintf(stderr, "rdkafka_check: FAIL: %" PRId64 " seqs missing (first %" PRId64 ")\n",
                    missing, first);
            rc = 1;
        }
        if (n_msgs > count && !allow_dups) {
            fprintf(stderr, "rdkafka_check: FAIL: read %" PRId64 " messages, want %" PRId64 "\n",
                    n_msgs, count);
            rc = 1;
        }
    }
    if (n_bad) {
        fprintf(stderr, "rdkafka_check: FAIL: %" PRId64 " mismatching messages\n", n_bad);
        rc = 1;
    }
    for (int32_t i = 0; i < partitions; i++)
        free(pp[i].seq_at);
    free(pp);
    free(seen);
    free(want);
    return rc;
}

/* ---- main --------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
        "usage: rdkafka_check produce|consume|both -b BROKERS -t TOPIC -n COUNT -p PARTITIONS\n"
        "           [-s SIZE] [-z none|gzip|snappy|lz4|zstd] [-a ACKS] [--idempotent]\n"
        "           [--ack-log FILE] [--from-beginning] [--timeout S] [--seq-base N]\n"
        "           [--verify-ack-log FILE] [--allow-dups] [--rate MSGS_PER_S] [--quiet]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        { "idempotent", no_argument, NULL, 'I' },
        { "ack-log", required_argument, NULL, 'L' },
        { "from-beginning", no_argument, NULL, 'B' },
        { "timeout", required_argument, NULL, 'T' },
        { "seq-base", required_argument, NULL, 'S' },
        { "verify-ack-log", required_argument, NULL, 'V' },
        { "allow-dups", no_argument, NULL, 'D' },
        { "quiet", no_argument, NULL, 'q' },
        { "rate", required_argument, NULL, 'R' },
        { NULL, 0, NULL, 0 }
    };
    if (argc < 2)
        usage();
    const char *mode = argv[1];
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "b:t:n:p:s:z:a:q", lo, NULL)) != -1) {
        switch (c) {
        case 'b': brokers = optarg; break;
        case 't': topic = optarg; break;
        case 'n': count = strtoll(optarg, NULL, 10); break;
        case 'p': partitions = (int32_t)strtol(optarg, NULL, 10); break;
        case 's': size = (int)strtol(optarg, NULL, 10); break;
        case 'z': codec = optarg; break;
        case 'a': acks = optarg; break;
        case 'I': idempotent = 1; break;
        case 'L': ack_log_path = optarg; break;
        case 'B': break;   /* consume always starts at the beginning */
        case 'T': timeout_s = (int)strtol(optarg, NULL, 10); break;
        case 'S': seq_base = strtoll(optarg, NULL, 10); break;
        case 'V': verify_log_path = optarg; break;
        case 'D': allow_dups = 1; break;
        case 'q': quiet = 1; break;
        case 'R': rate = strtod(optarg, NULL); break;
        default: usage();
        }
    }
    if (!topic || count <= 0 || partitions <= 0 || size < MIN_SIZE || timeout_s <= 0 || seq_base < 0)
        usage();
    crc32_init();
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    setvbuf(stdout, NULL, _IOLBF, 0);

    int rc = 0;
    if (!strcmp(mode, "produce"))
        rc = do_produce();
    else if (!strcmp(mode, "consume"))
        rc = do_consume();
    else if (!strcmp(mode, "both")) {
        rc = do_produce();
        if (rc == 0)
            rc = do_consume();
    } else
        usage();
    return rc;
}
