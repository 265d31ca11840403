/*
 * stats.h: per-process counters in shared memory, for the ops endpoint.
 *
 * One ks_stats_proc_t per process slot (indexed like the process table).
 * Each slot has exactly one writer, the process running in it, so counters
 * are bumped with relaxed loads and stores (no locked instructions, no
 * locks); the coordinator reads every slot and sums them for /metrics.
 * A respawned process continues its slot's counters, so they never go
 * backwards (Prometheus counters).
 *
 * Written by: workers (per-API requests, errors, latency; their object
 * store; SASL authentications; authorization denials), flusher (flush
 * cycles; its object store), coordinator (its authorization denials).
 * Read by: coordinator.
 */
#ifndef KS_STATS_H
#define KS_STATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "ks.h"
#include "objstore/objstore.h"
#include "proto/api.h"

struct ks_shm_s;

/* Histogram buckets (upper bounds, inclusive); one more bucket counts
 * what is above the last bound. */
#define KS_STATS_LAT_NB   14      /* latencies, microseconds */
#define KS_STATS_SIZE_NB  10      /* flush cycle sizes, bytes */
#define KS_STATS_SASL_NMECH 3     /* SASL mechanisms (KS_SASL_NMECH) */
#define KS_STATS_ACL_RT   8       /* KS_ACL_RT_COUNT */
#define KS_STATS_ACL_OP   15      /* KS_ACL_OP_COUNT */

extern const uint64_t ks_stats_lat_bounds_us[KS_STATS_LAT_NB];
extern const uint64_t ks_stats_size_bounds[KS_STATS_SIZE_NB];

typedef _Atomic uint64_t ks_counter_t;

typedef struct {
    ks_counter_t count;
    ks_counter_t sum;             /* microseconds or bytes */
    ks_counter_t bucket[KS_STATS_LAT_NB + 1];
} ks_stats_lat_t;

typedef struct {
    ks_counter_t count;
    ks_counter_t sum;
    ks_counter_t bucket[KS_STATS_SIZE_NB + 1];
} ks_stats_size_t;

typedef struct {
    ks_counter_t requests;        /* responses completed (closed ones too) */
    ks_counter_t errors;          /* a non-zero error code, or the connection closed */
    ks_stats_lat_t latency;       /* arrival of the frame -> response queued */
} ks_stats_api_t;

typedef struct {
    ks_counter_t requests, bytes, errors, latency_us_sum;
} ks_stats_os_op_t;

typedef struct {
    ks_stats_api_t api[KS_API_KEY_COUNT];
    /* the process's object store (ks_objstore_stats), copied in periodically */
    ks_stats_os_op_t os[KS_OS_OP_COUNT];
    ks_counter_t os_retries;
    ks_counter_t os_inflight;     /* gauge */
    /* flusher */
    ks_stats_lat_t flush_latency; /* cycle start -> durable */
    ks_stats_size_t flush_bytes;  /* bytes per cycle */
    ks_counter_t flush_segments;
    ks_counter_t flush_records;
    /* workers: SASL authentications, by mechanism (the ids of src/sasl.h:
     * 0 PLAIN, 1 SCRAM-SHA-256, 2 SCRAM-SHA-512) */
    ks_counter_t sasl_success[KS_STATS_SASL_NMECH];
    ks_counter_t sasl_failure[KS_STATS_SASL_NMECH];
    ks_counter_t sasl_reauth;     /* successful re-authentications (KIP-368) */
    ks_counter_t sasl_expired;    /* connections closed at the end of their session */
    /* authorization denials by Kafka's resource type and operation codes
     * (src/acl.h); workers and the coordinator */
    ks_counter_t acl_denied[KS_STATS_ACL_RT][KS_STATS_ACL_OP];
} ks_stats_proc_t;

typedef struct ks_stats_s {
    uint32_t nprocs;
    uint32_t reserved;
    uint64_t pad[7];
    ks_stats_proc_t procs[];      /* nprocs of them */
} ks_stats_t;

/* Sizes and initialisation. Runs in: master, before fork. */
size_t ks_stats_shm_size(uint32_t nprocs);
struct ks_stats_s *ks_stats_init(void *region, uint32_t nprocs);

/* The slot's counters, or NULL when there is no stats region. */
static inline ks_stats_proc_t *
ks_stats_proc(struct ks_stats_s *st, int slot)
{
    if (st == NULL || slot < 0 || (uint32_t) slot >= st->nprocs)
        return NULL;
    return &st->procs[slot];
}

/* Single-writer increment: one load and one store, no lock prefix. */
static inline void
ks_stats_add(ks_counter_t *c, uint64_t v)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
                          memory_order_relaxed);
}

static inline uint64_t
ks_stats_get(const ks_counter_t *c)
{
    return atomic_load_explicit((ks_counter_t *) c, memory_order_relaxed);
}

void ks_stats_lat_observe(ks_stats_lat_t *h, uint64_t us);
void ks_stats_size_observe(ks_stats_size_t *h, uint64_t bytes);

/* One finished request of API `key`. Runs in: worker. */
void ks_stats_request(ks_stats_proc_t *sp, int key, bool error, uint64_t latency_us);

/* Whether a decoded response carries a non-zero error_code anywhere
 * (walks the response schema of that version). */
bool ks_stats_resp_has_error(int key, int version, const void *resp);
/* The same for an encoded response (response header included), decoded
 * into the arena; false when it does not decode. */
bool ks_stats_frame_has_error(int key, int version, const uint8_t *buf, size_t len,
                              ks_arena_t *arena);

/* Copies an object store's statistics into the slot.  The first call in a
 * process takes what the slot already holds (a previous incarnation's
 * totals) as the base, so the exported counters keep growing. */
void ks_stats_export_os(ks_stats_proc_t *sp, const ks_os_stats_t *os);

/* One flush cycle that became durable. Runs in: flusher. */
void ks_stats_flush_cycle(ks_stats_proc_t *sp, uint64_t latency_us, uint64_t bytes,
                          uint64_t segments, uint64_t records);

#endif
