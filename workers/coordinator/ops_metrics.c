/*
 * ops_metrics.c: GET /metrics of the ops endpoint, Prometheus text format,
 * names kafscale_*: requests by API, topics and partitions, the ring and
 * flush cycles, SASL, the object store, the metadata store (timed by
 * ops.c), processes, consumer lag (from ops.c's copy of the groups), ACLs
 * (acls.c) and the ops endpoint's authentication failures.
 * Runs in: coordinator.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "coordinator.h"
#include "ops_int.h"
#include "shm/ring.h"
#include "stats.h"
#include "util.h"

static const char *const ms_op_names[MS_NOPS] = {
    "get", "range", "put", "delete", "delete_prefix", "txn",
    "lease_grant", "lease_keepalive", "lease_revoke"
};

/* ---------- /metrics ---------- */

static void
m_head(struct evbuffer *b, const char *name, const char *type, const char *help)
{
    evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label value escaping: backslash, double quote, newline. */
static const char *
esc(const char *s, char *buf, size_t len)
{
    size_t j = 0;

    for (; *s != 0 && j + 3 < len; s++) {
        if (*s == '\\' || *s == '"') {
            buf[j++] = '\\';
            buf[j++] = *s;
        } else if (*s == '\n') {
            buf[j++] = '\\';
            buf[j++] = 'n';
        } else {
            buf[j++] = *s;
        }
    }
    buf[j] = 0;
    return buf;
}

/* Writes a histogram's samples; `labels` is "" or `k="v",...` without
 * braces; bounds in microseconds are written in seconds when `us`. */
static void
m_hist(struct evbuffer *b, const char *name, const char *labels, const uint64_t *bounds, int nb,
       bool us, const uint64_t *bucket, uint64_t sum, uint64_t count)
{
    const char *sep = labels[0] ? "," : "";
    uint64_t cum = 0;

    for (int i = 0; i < nb; i++) {
        cum += bucket[i];
        if (us)
            evbuffer_add_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
                                (double) bounds[i] / 1e6, (unsigned long long) cum);
        else
            evbuffer_add_printf(b, "%s_bucket{%s%sle=\"%llu\"} %llu\n", name, labels, sep,
                                (unsigned long long) bounds[i], (unsigned long long) cum);
    }
    cum += bucket[nb];
    evbuffer_add_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep, (unsigned long long) cum);
    if (us)
        evbuffer_add_printf(b, "%s_sum%s%s%s %.6f\n", name, labels[0] ? "{" : "", labels,
                            labels[0] ? "}" : "", (double) sum / 1e6);
    else
        evbuffer_add_printf(b, "%s_sum%s%s%s %llu\n", name, labels[0] ? "{" : "", labels,
                            labels[0] ? "}" : "", (unsigned long long) sum);
    evbuffer_add_printf(b, "%s_count%s%s%s %llu\n", name, labels[0] ? "{" : "", labels,
                        labels[0] ? "}" : "", (unsigned long long) count);
}

typedef struct {
    uint64_t requests, errors, count, sum, bucket[KS_STATS_LAT_NB + 1];
} api_sum_t;

static void
metrics_requests(struct evbuffer *b)
{
    static api_sum_t sums[KS_API_KEY_COUNT];
    int n = nslots();
    char lab[96];

    memset(sums, 0, sizeof(sums));
    for (int i = 0; i < n; i++) {
        ks_stats_proc_t *sp = ks_stats_proc(shm()->stats, i);
        if (sp == NULL)
            continue;
        for (int k = 0; k < KS_API_KEY_COUNT; k++) {
            ks_stats_api_t *a = &sp->api[k];
            uint64_t c = ks_stats_get(&a->requests);
            if (c == 0)
                continue;
            sums[k].requests += c;
            sums[k].errors += ks_stats_get(&a->errors);
            sums[k].count += ks_stats_get(&a->latency.count);
            sums[k].sum += ks_stats_get(&a->latency.sum);
            for (int j = 0; j <= KS_STATS_LAT_NB; j++)
                sums[k].bucket[j] += ks_stats_get(&a->latency.bucket[j]);
        }
    }
    m_head(b, "kafscale_requests_total", "counter", "Kafka requests answered, by API (all workers)");
    for (int k = 0; k < KS_API_KEY_COUNT; k++)
        if (ks_api_desc(k) != NULL)
            evbuffer_add_printf(b, "kafscale_requests_total{api=\"%s\"} %llu\n", ks_api_desc(k)->name,
                                (unsigned long long) sums[k].requests);
    m_head(b, "kafscale_request_errors_total", "counter",
           "Kafka requests answered with a non-zero error code or a closed connection, by API");
    for (int k = 0; k < KS_API_KEY_COUNT; k++)
        if (ks_api_desc(k) != NULL)
            evbuffer_add_printf(b, "kafscale_request_errors_total{api=\"%s\"} %llu\n",
                                ks_api_desc(k)->name, (unsigned long long) sums[k].errors);
    m_head(b, "kafscale_request_duration_seconds", "histogram",
           "Time from a request's arrival to its response, by API (APIs seen so far)");
    for (int k = 0; k < KS_API_KEY_COUNT; k++) {
        if (ks_api_desc(k) == NULL || sums[k].count == 0)
            continue;
        snprintf(lab, sizeof(lab), "api=\"%s\"", ks_api_desc(k)->name);
        m_hist(b, "kafscale_request_duration_seconds", lab, ks_stats_lat_bounds_us, KS_STATS_LAT_NB, true,
               sums[k].bucket, sums[k].sum, sums[k].count);
    }
}

static void
metrics_topics(struct evbuffer *b)
{
    static const struct { const char *name, *help; int field; } fam[] = {
        { "kafscale_topic_bytes_in_total", "Record batch bytes produced to the topic (partitions served here)", 0 },
        { "kafscale_topic_records_in_total", "Records produced to the topic", 1 },
        { "kafscale_topic_bytes_out_total", "Record batch bytes served to fetches", 2 },
        { "kafscale_topic_records_out_total", "Records in the batches served to fetches", 3 },
    };
    char t[600];

    for (size_t f = 0; f < KS_ARRAY_LEN(fam); f++) {
        m_head(b, fam[f].name, "counter", fam[f].help);
        for (int32_t i = 0; i < ks_C.mv.ntopics; i++) {
            const ks_mv_topic_t *tp = &ks_C.mv.topics[i];
            uint64_t v = 0;
            for (int32_t j = 0; j < tp->npartitions; j++) {
                pinfo_t pi;
                if (!ks_ops_part_info(tp, &tp->partitions[j], &pi) || !pi.local)
                    continue;
                v += fam[f].field == 0 ? pi.bytes_in : fam[f].field == 1 ? pi.records_in
                   : fam[f].field == 2 ? pi.bytes_out : pi.records_out;
            }
            evbuffer_add_printf(b, "%s{topic=\"%s\"} %llu\n", fam[f].name, esc(tp->name, t, sizeof(t)),
                                (unsigned long long) v);
        }
    }
    static const struct { const char *name, *help; int field; } pfam[] = {
        { "kafscale_partition_log_end_offset", "High watermark (durable log end) of the partition", 0 },
        { "kafscale_partition_log_start_offset", "First offset still kept", 1 },
        { "kafscale_partition_durable_lag_offsets", "Offsets appended but not durable yet (served here)", 2 },
    };
    for (size_t f = 0; f < KS_ARRAY_LEN(pfam); f++) {
        m_head(b, pfam[f].name, "gauge", pfam[f].help);
        for (int32_t i = 0; i < ks_C.mv.ntopics; i++) {
            const ks_mv_topic_t *tp = &ks_C.mv.topics[i];
            esc(tp->name, t, sizeof(t));
            for (int32_t j = 0; j < tp->npartitions; j++) {
                pinfo_t pi;
                int64_t v;
                if (!ks_ops_part_info(tp, &tp->partitions[j], &pi) || (pfam[f].field == 2 && !pi.local))
                    continue;
                v = pfam[f].field == 0 ? pi.hw : pfam[f].field == 1 ? pi.log_start
                  : (pi.next_offset > pi.hw ? pi.next_offset - pi.hw : 0);
                evbuffer_add_printf(b, "%s{topic=\"%s\",partition=\"%d\"} %lld\n", pfam[f].name, t,
                                    (int) tp->partitions[j].partition, (long long) v);
            }
        }
    }
}

static void
metrics_ring_flush(struct evbuffer *b)
{
    ks_ring_t *r = shm()->ring;
    ks_stats_proc_t *fl = ks_stats_proc(shm()->stats, KS_SLOT_FLUSHER);

    if (r != NULL) {
        uint64_t reserve = atomic_load(&r->reserve), committed = atomic_load(&r->committed);
        uint64_t durable = atomic_load(&r->durable);
        m_head(b, "kafscale_ring_size_bytes", "gauge", "Size of the shared segment ring");
        evbuffer_add_printf(b, "kafscale_ring_size_bytes %llu\n", (unsigned long long) r->size);
        m_head(b, "kafscale_ring_used_bytes", "gauge", "Ring bytes not durable yet (reserve - durable)");
        evbuffer_add_printf(b, "kafscale_ring_used_bytes %llu\n", (unsigned long long) (reserve - durable));
        m_head(b, "kafscale_ring_durable_lag_bytes", "gauge",
               "Complete ring bytes waiting for a flush (committed - durable)");
        evbuffer_add_printf(b, "kafscale_ring_durable_lag_bytes %llu\n",
                            (unsigned long long) (committed - durable));
        m_head(b, "kafscale_ring_durable_bytes_total", "counter", "Bytes that became durable");
        evbuffer_add_printf(b, "kafscale_ring_durable_bytes_total %llu\n", (unsigned long long) durable);
        m_head(b, "kafscale_ring_appends_total", "counter", "Entries appended to the ring");
        evbuffer_add_printf(b, "kafscale_ring_appends_total %llu\n",
                            (unsigned long long) atomic_load(&r->appends));
        m_head(b, "kafscale_ring_full_waits_total", "counter", "Produces that waited for ring space");
        evbuffer_add_printf(b, "kafscale_ring_full_waits_total %llu\n",
                            (unsigned long long) atomic_load(&r->full_waits));
    }
    if (fl != NULL) {
        uint64_t bk[KS_STATS_SIZE_NB + 1 > KS_STATS_LAT_NB + 1 ? KS_STATS_SIZE_NB + 1 : KS_STATS_LAT_NB + 1];
        m_head(b, "kafscale_flush_duration_seconds", "histogram",
               "Flush cycle time: seal -> uploads -> metadata commit (retries included)");
        for (int j = 0; j <= KS_STATS_LAT_NB; j++)
            bk[j] = ks_stats_get(&fl->flush_latency.bucket[j]);
        m_hist(b, "kafscale_flush_duration_seconds", "", ks_stats_lat_bounds_us, KS_STATS_LAT_NB, true, bk,
               ks_stats_get(&fl->flush_latency.sum), ks_stats_get(&fl->flush_latency.count));
        m_head(b, "kafscale_flush_cycle_bytes", "histogram", "Record bytes per flush cycle");
        for (int j = 0; j <= KS_STATS_SIZE_NB; j++)
            bk[j] = ks_stats_get(&fl->flush_bytes.bucket[j]);
        m_hist(b, "kafscale_flush_cycle_bytes", "", ks_stats_size_bounds, KS_STATS_SIZE_NB, false, bk,
               ks_stats_get(&fl->flush_bytes.sum), ks_stats_get(&fl->flush_bytes.count));
        m_head(b, "kafscale_flush_cycles_total", "counter", "Flush cycles that became durable");
        evbuffer_add_printf(b, "kafscale_flush_cycles_total %llu\n",
                            (unsigned long long) ks_stats_get(&fl->flush_latency.count));
        m_head(b, "kafscale_flush_bytes_total", "counter", "Record bytes flushed");
        evbuffer_add_printf(b, "kafscale_flush_bytes_total %llu\n",
                            (unsigned long long) ks_stats_get(&fl->flush_bytes.sum));
        m_head(b, "kafscale_flush_segments_total", "counter", "Segments uploaded by flush cycles");
        evbuffer_add_printf(b, "kafscale_flush_segments_total %llu\n",
                            (unsigned long long) ks_stats_get(&fl->flush_segments));
        m_head(b, "kafscale_flush_records_total", "counter", "Records flushed");
        evbuffer_add_printf(b, "kafscale_flush_records_total %llu\n",
                            (unsigned long long) ks_stats_get(&fl->flush_records));
    }
}

static void
metrics_sasl(struct evbuffer *b)
{
    static const char *const mechs[KS_STATS_SASL_NMECH] = { "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512" };
    uint64_t ok[KS_STATS_SASL_NMECH] = { 0 }, bad[KS_STATS_SASL_NMECH] = { 0 }, reauth = 0, expired = 0;
    int n = nslots();

    for (int i = 0; i < n; i++) {
        ks_stats_proc_t *sp = ks_stats_proc(shm()->stats, i);
        if (sp == NULL)
            continue;
        for (int m = 0; m < KS_STATS_SASL_NMECH; m++) {
            ok[m] += ks_stats_get(&sp->sasl_success[m]);
            bad[m] += ks_stats_get(&sp->sasl_failure[m]);
        }
        reauth += ks_stats_get(&sp->sasl_reauth);
        expired += ks_stats_get(&sp->sasl_expired);
    }
    m_head(b, "kafscale_sasl_authentications_total", "counter",
           "SASL authentications on SASL listeners, by mechanism and result (re-authentications included)");
    for (int m = 0; m < KS_STATS_SASL_NMECH; m++) {
        evbuffer_add_printf(b, "kafscale_sasl_authentications_total{mechanism=\"%s\",result=\"success\"} %llu\n",
                            mechs[m], (unsigned long long) ok[m]);
        evbuffer_add_printf(b, "kafscale_sasl_authentications_total{mechanism=\"%s\",result=\"failure\"} %llu\n",
                            mechs[m], (unsigned long long) bad[m]);
    }
    m_head(b, "kafscale_sasl_reauthentications_total", "counter",
           "Successful SASL re-authentications on an authenticated connection (KIP-368)");
    evbuffer_add_printf(b, "kafscale_sasl_reauthentications_total %llu\n", (unsigned long long) reauth);
    m_head(b, "kafscale_sasl_sessions_expired_total", "counter",
           "Connections closed because their SASL session ended (connections.max.reauth.ms)");
    evbuffer_add_printf(b, "kafscale_sasl_sessions_expired_total %llu\n", (unsigned long long) expired);
}

static void
metrics_objstore(struct evbuffer *b)
{
    static const char *const procs[] = { "coordinator", "flusher", "worker" };
    static const struct { const char *name, *type, *help; } fam[] = {
        { "kafscale_objstore_requests_total", "counter", "Object-store operations completed" },
        { "kafscale_objstore_bytes_total", "counter", "Object-store bytes (put: written, get: read)" },
        { "kafscale_objstore_errors_total", "counter", "Object-store operations that failed" },
        { "kafscale_objstore_request_duration_seconds", "summary", "Object-store operation latency" },
    };
    ks_stats_os_op_t sum[3][KS_OS_OP_COUNT];
    uint64_t retries[3] = { 0, 0, 0 }, inflight[3] = { 0, 0, 0 };

    memset(sum, 0, sizeof(sum));
    for (int i = 0; i < nslots(); i++) {
        ks_stats_proc_t *sp = ks_stats_proc(shm()->stats, i);
        int k = slot_kind(i) == KS_PROC_COORDINATOR ? 0 : slot_kind(i) == KS_PROC_FLUSHER ? 1 : 2;
        if (sp == NULL)
            continue;
        for (int op = 0; op < KS_OS_OP_COUNT; op++) {
            sum[k][op].requests += ks_stats_get(&sp->os[op].requests);
            sum[k][op].bytes += ks_stats_get(&sp->os[op].bytes);
            sum[k][op].errors += ks_stats_get(&sp->os[op].errors);
            sum[k][op].latency_us_sum += ks_stats_get(&sp->os[op].latency_us_sum);
        }
        retries[k] += ks_stats_get(&sp->os_retries);
        inflight[k] += ks_stats_get(&sp->os_inflight);
    }
    for (size_t f = 0; f < KS_ARRAY_LEN(fam); f++) {
        m_head(b, fam[f].name, fam[f].type, fam[f].help);
        for (int k = 0; k < 3; k++)
            for (int op = 0; op < KS_OS_OP_COUNT; op++) {
                const ks_stats_os_op_t *s = &sum[k][op];
                const char *on = ks_os_op_name(op);
                if (f == 0)
                    evbuffer_add_printf(b, "%s{process=\"%s\",op=\"%s\"} %llu\n", fam[f].name, procs[k], on,
                                        (unsigned long long) s->requests);
                else if (f == 1)
                    evbuffer_add_printf(b, "%s{process=\"%s\",op=\"%s\"} %llu\n", fam[f].name, procs[k], on,
                                        (unsigned long long) s->bytes);
                else if (f == 2)
                    evbuffer_add_printf(b, "%s{process=\"%s\",op=\"%s\"} %llu\n", fam[f].name, procs[k], on,
                                        (unsigned long long) s->errors);
                else
                    evbuffer_add_printf(b, "%s_sum{process=\"%s\",op=\"%s\"} %.6f\n"
                                        "%s_count{process=\"%s\",op=\"%s\"} %llu\n",
                                        fam[f].name, procs[k], on, (double) s->latency_us_sum / 1e6,
                                        fam[f].name, procs[k], on, (unsigned long long) s->requests);
            }
    }
    m_head(b, "kafscale_objstore_retries_total", "counter", "Object-store attempts retried after a failure");
    for (int k = 0; k < 3; k++)
        evbuffer_add_printf(b, "kafscale_objstore_retries_total{process=\"%s\"} %llu\n", procs[k],
                            (unsigned long long) retries[k]);
    m_head(b, "kafscale_objstore_inflight", "gauge", "Object-store operations in flight");
    for (int k = 0; k < 3; k++)
        evbuffer_add_printf(b, "kafscale_objstore_inflight{process=\"%s\"} %llu\n", procs[k],
                            (unsigned long long) inflight[k]);
    m_head(b, "kafscale_objstore_up", "gauge", "1 when the object store answered the last readiness probe");
    evbuffer_add_printf(b, "kafscale_objstore_up %d\n", ks_O.os_ok ? 1 : 0);
}

static void
metrics_metastore(struct evbuffer *b)
{
    char lab[64];

    m_head(b, "kafscale_metastore_requests_total", "counter", "Metadata-store operations of the coordinator");
    for (int op = 0; op < MS_NOPS; op++)
        evbuffer_add_printf(b, "kafscale_metastore_requests_total{op=\"%s\"} %llu\n", ms_op_names[op],
                            (unsigned long long) ks_O.ms[op].requests);
    m_head(b, "kafscale_metastore_errors_total", "counter", "Metadata-store operations that failed");
    for (int op = 0; op < MS_NOPS; op++)
        evbuffer_add_printf(b, "kafscale_metastore_errors_total{op=\"%s\"} %llu\n", ms_op_names[op],
                            (unsigned long long) ks_O.ms[op].errors);
    m_head(b, "kafscale_metastore_request_duration_seconds", "histogram", "Metadata-store operation latency");
    for (int op = 0; op < MS_NOPS; op++) {
        uint64_t bk[KS_STATS_LAT_NB + 1];
        if (ks_O.ms[op].requests == 0)
            continue;
        for (int j = 0; j <= KS_STATS_LAT_NB; j++)
            bk[j] = ks_stats_get(&ks_O.ms[op].latency.bucket[j]);
        snprintf(lab, sizeof(lab), "op=\"%s\"", ms_op_names[op]);
        m_hist(b, "kafscale_metastore_request_duration_seconds", lab, ks_stats_lat_bounds_us, KS_STATS_LAT_NB,
               true, bk, ks_stats_get(&ks_O.ms[op].latency.sum), ks_stats_get(&ks_O.ms[op].latency.count));
    }
    m_head(b, "kafscale_metastore_up", "gauge", "1 when the metadata store answered the last readiness probe");
    evbuffer_add_printf(b, "kafscale_metastore_up %d\n", ks_O.ms_ok ? 1 : 0);
}

static void
metrics_processes(struct evbuffer *b)
{
    int n = nslots();

    m_head(b, "kafscale_connections", "gauge", "Open client connections per worker");
    for (int i = KS_SLOT_WORKER0; i < n; i++)
        evbuffer_add_printf(b, "kafscale_connections{worker=\"%d\"} %u\n", i - KS_SLOT_WORKER0 + 1,
                            atomic_load(&shm()->procs[i].conns));
    m_head(b, "kafscale_worker_bytes_in_total", "counter", "Request bytes read per worker");
    for (int i = KS_SLOT_WORKER0; i < n; i++)
        evbuffer_add_printf(b, "kafscale_worker_bytes_in_total{worker=\"%d\"} %llu\n", i - KS_SLOT_WORKER0 + 1,
                            (unsigned long long) atomic_load(&shm()->procs[i].bytes_in));
    m_head(b, "kafscale_worker_bytes_out_total", "counter", "Response bytes written per worker");
    for (int i = KS_SLOT_WORKER0; i < n; i++)
        evbuffer_add_printf(b, "kafscale_worker_bytes_out_total{worker=\"%d\"} %llu\n", i - KS_SLOT_WORKER0 + 1,
                            (unsigned long long) atomic_load(&shm()->procs[i].bytes_out));
    m_head(b, "kafscale_process_restarts_total", "counter", "Times the master respawned the process");
    for (int i = 0; i < n; i++)
        evbuffer_add_printf(b, "kafscale_process_restarts_total{process=\"%s\",index=\"%d\"} %u\n",
                            proc_kind_name(slot_kind(i)), slot_kind(i) == KS_PROC_WORKER ? i - KS_SLOT_WORKER0 + 1 : 0,
                            atomic_load(&shm()->procs[i].restarts));
    m_head(b, "kafscale_process_up", "gauge", "1 while the process is running");
    for (int i = 0; i < n; i++)
        evbuffer_add_printf(b, "kafscale_process_up{process=\"%s\",index=\"%d\"} %d\n",
                            proc_kind_name(slot_kind(i)), slot_kind(i) == KS_PROC_WORKER ? i - KS_SLOT_WORKER0 + 1 : 0,
                            atomic_load(&shm()->procs[i].state) == KS_SLOT_RUNNING ? 1 : 0);
    m_head(b, "kafscale_broker_uptime_seconds", "gauge", "Seconds since the broker started");
    evbuffer_add_printf(b, "kafscale_broker_uptime_seconds %.3f\n", (double) ks_ops_uptime_ms() / 1000.0);
    m_head(b, "kafscale_ready", "gauge", "1 when /readyz answers 200");
    evbuffer_add_printf(b, "kafscale_ready %d\n", ks_ops_ready() ? 1 : 0);
    m_head(b, "kafscale_build_info", "gauge", "Version of this broker");
    evbuffer_add_printf(b, "kafscale_build_info{version=\"%s\"} 1\n", KS_VERSION);
}

static void
metrics_lag(struct evbuffer *b)
{
    char g[600], t[600];

    m_head(b, "kafscale_consumer_committed_offset", "gauge", "Committed offset per group and partition");
    for (size_t i = 0; i < ks_O.ngroups; i++) {
        esc(ks_O.groups[i].name, g, sizeof(g));
        for (size_t j = 0; j < ks_O.groups[i].noffs; j++) {
            const og_off_t *o = &ks_O.groups[i].offs[j];
            evbuffer_add_printf(b, "kafscale_consumer_committed_offset{group=\"%s\",topic=\"%s\",partition=\"%d\"} %lld\n",
                                g, esc(o->topic, t, sizeof(t)), (int) o->partition, (long long) o->offset);
        }
    }
    m_head(b, "kafscale_consumer_lag", "gauge", "High watermark minus committed offset per group and partition");
    for (size_t i = 0; i < ks_O.ngroups; i++) {
        esc(ks_O.groups[i].name, g, sizeof(g));
        for (size_t j = 0; j < ks_O.groups[i].noffs; j++) {
            const og_off_t *o = &ks_O.groups[i].offs[j];
            int64_t hw;
            if (!ks_ops_hw_of(o->topic, o->partition, &hw))
                continue;
            evbuffer_add_printf(b, "kafscale_consumer_lag{group=\"%s\",topic=\"%s\",partition=\"%d\"} %lld\n",
                                g, esc(o->topic, t, sizeof(t)), (int) o->partition,
                                (long long) (o->offset >= 0 && hw > o->offset ? hw - o->offset : 0));
        }
    }
}

static void
metrics_auth(struct evbuffer *b)
{
    m_head(b, "kafscale_ops_auth_failures_total", "counter",
           "ops requests refused for missing or wrong credentials (this broker)");
    evbuffer_add_printf(b, "kafscale_ops_auth_failures_total %llu\n", (unsigned long long) ks_O.auth_failures);
}

void
ks_ops_metrics(struct evhttp_request *req)
{
    struct evbuffer *b = evbuffer_new();

    if (b == NULL) {
        evhttp_send_error(req, 500, "out of memory");
        return;
    }
    metrics_requests(b);
    metrics_topics(b);
    metrics_ring_flush(b);
    metrics_sasl(b);
    metrics_objstore(b);
    metrics_metastore(b);
    metrics_processes(b);
    metrics_lag(b);
    ks_acls_metrics(b);
    metrics_auth(b);
    ks_ops_reply(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", b);
    evbuffer_free(b);
}
