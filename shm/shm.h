/*
 * shm.h: creating and finding the regions of the shared segment.
 * Created by: master (before the first fork).  Used by: every process.
 */
#ifndef KS_SHM_H
#define KS_SHM_H

#include "ks.h"
#include "shm/layout.h"

typedef struct ks_shm_s {
    uint8_t *base;
    size_t size;
    ks_shm_header_t *hdr;
    ks_shm_proc_t *procs;
    ks_shm_meta_t *meta;
    struct ks_ring_s *ring;
    struct ks_ptable_s *ptable;      /* idempotent producer state */
    struct ks_rcache_s *rcache;      /* shared read cache, NULL when off */
    struct ks_stats_s *stats;        /* per-process counters (src/stats.h) */
} ks_shm_t;

typedef struct {
    int nworkers;
    size_t meta_bytes;               /* per metadata buffer */
    uint64_t ring_bytes;
    uint32_t nparts;                 /* partition slots */
    uint32_t nproducers;             /* producer state entries (power of two) */
    uint64_t rcache_bytes;           /* read.cache.bytes (0 = no shared read cache) */
} ks_shm_params_t;

/* Runs in: master. Maps and initialises the segment. */
int ks_shm_create(ks_shm_t *shm, const ks_shm_params_t *p, char *err, size_t errlen);
void ks_shm_destroy(ks_shm_t *shm);

static inline void *
ks_shm_at(const ks_shm_t *shm, uint64_t off)
{
    return shm->base + off;
}

/* Metadata snapshot publication (coordinator) and reading (everyone). */
int ks_shm_meta_publish(ks_shm_t *shm, const void *blob, size_t len);
uint64_t ks_shm_meta_generation(const ks_shm_t *shm);
/* Copies the current snapshot into *buf (realloc'd as needed). Returns the
 * generation read, or 0 when nothing was published yet. */
uint64_t ks_shm_meta_read(const ks_shm_t *shm, uint8_t **buf, size_t *cap, size_t *len);

#endif
