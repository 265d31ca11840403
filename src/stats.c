/*
 * stats.c: per-process counters in shared memory.  Runs in: master
 * (init), workers and flusher (writers), coordinator (reader).
 */
#include "config.h"

#include <string.h>

#include "stats.h"

/* 0.5 ms .. 10 s */
const uint64_t ks_stats_lat_bounds_us[KS_STATS_LAT_NB] = {
    500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000, 2500000, 5000000, 10000000
};

/* 1 KiB .. 256 MiB */
const uint64_t ks_stats_size_bounds[KS_STATS_SIZE_NB] = {
    1u << 10, 4u << 10, 16u << 10, 64u << 10, 256u << 10, 1u << 20, 4u << 20,
    16u << 20, 64u << 20, 256u << 20
};

size_t
ks_stats_shm_size(uint32_t nprocs)
{
    return sizeof(ks_stats_t) + sizeof(ks_stats_proc_t) * nprocs;
}

struct ks_stats_s *
ks_stats_init(void *region, uint32_t nprocs)
{
    ks_stats_t *st = region;

    memset(st, 0, sizeof(*st));    /* the per-process part is zero already (fresh mapping) */
    st->nprocs = nprocs;
    return st;
}

void
ks_stats_lat_observe(ks_stats_lat_t *h, uint64_t us)
{
    int i = 0;

    while (i < KS_STATS_LAT_NB && us > ks_stats_lat_bounds_us[i])
        i++;
    ks_stats_add(&h->bucket[i], 1);
    ks_stats_add(&h->sum, us);
    ks_stats_add(&h->count, 1);
}

void
ks_stats_size_observe(ks_stats_size_t *h, uint64_t bytes)
{
    int i = 0;

    while (i < KS_STATS_SIZE_NB && bytes > ks_stats_size_bounds[i])
        i++;
    ks_stats_add(&h->bucket[i], 1);
    ks_stats_add(&h->sum, bytes);
    ks_stats_add(&h->count, 1);
}

void
ks_stats_request(ks_stats_proc_t *sp, int key, bool error, uint64_t latency_us)
{
    ks_stats_api_t *a;

    if (sp == NULL || key < 0 || key >= KS_API_KEY_COUNT)
        return;
    a = &sp->api[key];
    ks_stats_add(&a->requests, 1);
    if (error)
        ks_stats_add(&a->errors, 1);
    ks_stats_lat_observe(&a->latency, latency_us);
}

/* ---- error codes in responses ---- */

static bool
field_is_error_code(const ks_field_t *f)
{
    return f->type == KS_F_INT16 && f->name[0] == 'e' && strcmp(f->name, "error_code") == 0;
}

static bool
struct_has_error(const ks_schema_t *s, int version, const uint8_t *base, int depth)
{
    if (s == NULL || base == NULL || depth > 8)
        return false;
    for (uint16_t i = 0; i < s->nfields; i++) {
        const ks_field_t *f = &s->fields[i];
        const uint8_t *at = base + f->offset;

        if (version < f->vmin || version > f->vmax)
            continue;
        switch (f->type) {
        case KS_F_INT16:
            if (field_is_error_code(f)) {
                int16_t v;
                memcpy(&v, at, sizeof(v));
                if (v != 0)
                    return true;
            }
            break;
        case KS_F_STRUCT:
            if (struct_has_error(f->sub, version, at, depth + 1))
                return true;
            break;
        case KS_F_NSTRUCT: {
            const uint8_t *p;
            memcpy(&p, at, sizeof(p));
            if (struct_has_error(f->sub, version, p, depth + 1))
                return true;
            break;
        }
        case KS_F_ARRAY: {
            ks_array_t arr;
            if (f->sub == NULL)
                break;
            memcpy(&arr, at, sizeof(arr));
            for (int32_t j = 0; j < arr.count && arr.items != NULL; j++)
                if (struct_has_error(f->sub, version,
                                     (const uint8_t *) arr.items + (size_t) j * f->sub->size,
                                     depth + 1))
                    return true;
            break;
        }
        default:
            break;
        }
    }
    return false;
}

bool
ks_stats_resp_has_error(int key, int version, const void *resp)
{
    const ks_api_desc_t *d = ks_api_desc(key);

    if (d == NULL || resp == NULL)
        return false;
    return struct_has_error(d->response, version, resp, 0);
}

bool
ks_stats_frame_has_error(int key, int version, const uint8_t *buf, size_t len, ks_arena_t *arena)
{
    ks_reader_t r;
    void *resp;

    if (buf == NULL || len < 4)
        return false;
    ks_reader_init(&r, buf + 4, len - 4);       /* past the correlation id */
    if (key != KS_API_API_VERSIONS && ks_api_flexible(key, version)) {
        /* the coordinator writes an empty tagged-field section */
        if (ks_read_uvarint(&r) != 0 || r.err)
            return false;
    }
    resp = ks_response_alloc(key, version, arena);
    if (resp == NULL || ks_decode_response(key, version, &r, resp, arena) != KS_OK)
        return false;
    return ks_stats_resp_has_error(key, version, resp);
}

/* ---- object store ---- */

static bool os_based;
static ks_stats_os_op_t os_base[KS_OS_OP_COUNT];
static uint64_t os_base_retries;

void
ks_stats_export_os(ks_stats_proc_t *sp, const ks_os_stats_t *os)
{
    if (sp == NULL || os == NULL)
        return;
    if (!os_based) {
        for (int i = 0; i < KS_OS_OP_COUNT; i++) {
            os_base[i].requests = ks_stats_get(&sp->os[i].requests);
            os_base[i].bytes = ks_stats_get(&sp->os[i].bytes);
            os_base[i].errors = ks_stats_get(&sp->os[i].errors);
            os_base[i].latency_us_sum = ks_stats_get(&sp->os[i].latency_us_sum);
        }
        os_base_retries = ks_stats_get(&sp->os_retries);
        os_based = true;
    }
    for (int i = 0; i < KS_OS_OP_COUNT; i++) {
        const ks_os_op_stats_t *o = &os->op[i];
        atomic_store_explicit(&sp->os[i].requests, os_base[i].requests + o->requests, memory_order_relaxed);
        atomic_store_explicit(&sp->os[i].bytes, os_base[i].bytes + o->bytes, memory_order_relaxed);
        atomic_store_explicit(&sp->os[i].errors, os_base[i].errors + o->errors, memory_order_relaxed);
        atomic_store_explicit(&sp->os[i].latency_us_sum, os_base[i].latency_us_sum + o->latency_us_sum,
                              memory_order_relaxed);
    }
    atomic_store_explicit(&sp->os_retries, os_base_retries + os->retries, memory_order_relaxed);
    atomic_store_explicit(&sp->os_inflight, os->inflight, memory_order_relaxed);
}

void
ks_stats_flush_cycle(ks_stats_proc_t *sp, uint64_t latency_us, uint64_t bytes, uint64_t segments,
                     uint64_t records)
{
    if (sp == NULL)
        return;
    ks_stats_lat_observe(&sp->flush_latency, latency_us);
    ks_stats_size_observe(&sp->flush_bytes, bytes);
    ks_stats_add(&sp->flush_segments, segments);
    ks_stats_add(&sp->flush_records, records);
}
