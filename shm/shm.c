/*
 * shm.c: the shared segment.  Runs in: master (create), all (read).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "shm/producers.h"
#include "shm/rcache.h"
#include "shm/ring.h"
#include "shm/shm.h"
#include "stats.h"

#define ALIGN64(x) (((x) + 63) & ~(uint64_t) 63)

int
ks_shm_create(ks_shm_t *shm, const ks_shm_params_t *p, char *err, size_t errlen)
{
    uint64_t off = ALIGN64(sizeof(ks_shm_header_t));
    uint64_t off_procs, off_meta, off_mbuf0, off_mbuf1;
    void *base;

    off_procs = off;
    off = ALIGN64(off + sizeof(ks_shm_proc_t) * KS_MAX_PROCS);
    off_meta = off;
    off = ALIGN64(off + sizeof(ks_shm_meta_t));
    off = (off + 4095) & ~(uint64_t) 4095;
    off_mbuf0 = off;
    off += ALIGN64(p->meta_bytes);
    off_mbuf1 = off;
    off += ALIGN64(p->meta_bytes);
    off = (off + 4095) & ~(uint64_t) 4095;
    uint64_t off_ring = off;
    off += ks_ring_shm_size(p->ring_bytes, p->nparts);
    off = (off + 4095) & ~(uint64_t) 4095;
    uint64_t off_ptable = off;
    off += ks_ptable_shm_size(p->nproducers);
    off = (off + 4095) & ~(uint64_t) 4095;
    uint64_t off_rcache = 0;
    size_t rcache_size = ks_rc_shm_size(p->rcache_bytes);
    if (rcache_size > 0) {
        off_rcache = off;
        off += rcache_size;
        off = (off + 4095) & ~(uint64_t) 4095;
    }

    uint64_t off_stats = off;
    off += ks_stats_shm_size(KS_MAX_PROCS);
    off = (off + 4095) & ~(uint64_t) 4095;

    base = mmap(NULL, off, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        snprintf(err, errlen, "could not map %llu bytes of shared memory: %s",
                 (unsigned long long) off, strerror(errno));
        return KS_ERROR;
    }
    memset(shm, 0, sizeof(*shm));
    shm->base = base;
    shm->size = off;
    shm->hdr = base;
    shm->hdr->magic = KS_SHM_MAGIC;
    shm->hdr->version = KS_SHM_VERSION;
    shm->hdr->size = off;
    shm->hdr->nworkers = p->nworkers;
    shm->hdr->off_procs = off_procs;
    shm->hdr->off_meta = off_meta;
    shm->procs = ks_shm_at(shm, off_procs);
    shm->meta = ks_shm_at(shm, off_meta);
    shm->meta->capacity = (uint32_t) p->meta_bytes;
    shm->meta->off_buf[0] = off_mbuf0;
    shm->meta->off_buf[1] = off_mbuf1;
    shm->hdr->off_ring = off_ring;
    shm->ring = ks_shm_at(shm, off_ring);
    ks_ring_init(shm->ring, p->ring_bytes, p->nparts, off_ring);
    shm->hdr->off_ptable = off_ptable;
    shm->ptable = ks_shm_at(shm, off_ptable);
    ks_ptable_init(shm->ptable, p->nproducers, off_ptable);
    if (off_rcache != 0) {
        shm->hdr->off_rcache = off_rcache;
        shm->rcache = ks_rc_init(ks_shm_at(shm, off_rcache), p->rcache_bytes);
    }
    shm->hdr->off_stats = off_stats;
    shm->stats = ks_stats_init(ks_shm_at(shm, off_stats), KS_MAX_PROCS);
    return KS_OK;
}

void
ks_shm_destroy(ks_shm_t *shm)
{
    if (shm->base != NULL)
        munmap(shm->base, shm->size);
    memset(shm, 0, sizeof(*shm));
}

/* Runs in: coordinator (the only writer). */
int
ks_shm_meta_publish(ks_shm_t *shm, const void *blob, size_t len)
{
    ks_shm_meta_t *m = shm->meta;
    uint64_t gen = atomic_load_explicit(&m->generation, memory_order_relaxed);
    unsigned next = (unsigned) ((gen + 1) & 1);

    if (len > m->capacity)
        return KS_ERROR;
    memcpy(ks_shm_at(shm, m->off_buf[next]), blob, len);
    atomic_store_explicit(&m->len[next], (uint32_t) len, memory_order_relaxed);
    atomic_store_explicit(&m->generation, gen + 1, memory_order_release);
    return KS_OK;
}

uint64_t
ks_shm_meta_generation(const ks_shm_t *shm)
{
    return atomic_load_explicit(&shm->meta->generation, memory_order_acquire);
}

uint64_t
ks_shm_meta_read(const ks_shm_t *shm, uint8_t **buf, size_t *cap, size_t *len)
{
    ks_shm_meta_t *m = shm->meta;

    for (;;) {
        uint64_t gen = atomic_load_explicit(&m->generation, memory_order_acquire);
        unsigned cur = (unsigned) (gen & 1);
        uint32_t n;

        if (gen == 0)
            return 0;
        n = atomic_load_explicit(&m->len[cur], memory_order_relaxed);
        if (n > m->capacity)
            continue;
        if (*cap < n) {
            uint8_t *nb = realloc(*buf, n);
            if (nb == NULL)
                return 0;
            *buf = nb;
            *cap = n;
        }
        memcpy(*buf, ks_shm_at(shm, m->off_buf[cur]), n);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&m->generation, memory_order_relaxed) == gen) {
            *len = n;
            return gen;
        }
    }
}
