/*
 * layout.h: the shared-memory segment, types only.
 *
 * One anonymous MAP_SHARED mapping is created by the master before any
 * fork, so every child, respawned ones included, sees it at the same
 * address.  Regions are found through offsets in the header, never through
 * pointers.  Nothing here may hold a pointer.
 *
 *   header | process table | metadata snapshot (2 buffers) | ...
 */
#ifndef KS_SHM_LAYOUT_H
#define KS_SHM_LAYOUT_H

#include <stdint.h>
#include <stdatomic.h>
#include <sys/types.h>

#define KS_SHM_MAGIC    0x4b53484dU   /* "KSHM" */
#define KS_SHM_VERSION  1
#define KS_MAX_PROCS    260           /* workers (<= 256) + flusher + coordinator */

typedef enum {
    KS_PROC_NONE = 0,
    KS_PROC_WORKER,
    KS_PROC_FLUSHER,
    KS_PROC_COORDINATOR
} ks_proc_kind_t;

typedef enum {
    KS_SLOT_FREE = 0,
    KS_SLOT_STARTING,     /* forked, not serving yet */
    KS_SLOT_RUNNING,
    KS_SLOT_STOPPING
} ks_slot_state_t;

/* One per child process; written by the child, read by the master and the
 * ops endpoint.  The master resets a slot when its child died. */
typedef struct {
    _Atomic int32_t pid;
    _Atomic uint32_t state;          /* ks_slot_state_t */
    int32_t kind;                    /* ks_proc_kind_t */
    int32_t index;                   /* worker number, from 1 */
    _Atomic uint32_t conns;          /* open client connections */
    _Atomic uint32_t restarts;       /* times this slot was respawned */
    _Atomic int64_t started_ms;
    _Atomic uint64_t requests;       /* Kafka requests handled */
    _Atomic uint64_t bytes_in;
    _Atomic uint64_t bytes_out;
    _Atomic uint64_t heartbeat_ms;   /* last loop tick, to catch hangs */
    uint8_t pad[16];
} ks_shm_proc_t;

_Static_assert(sizeof(ks_shm_proc_t) == 80, "ks_shm_proc_t layout");

/* The metadata snapshot the coordinator publishes for the workers.
 * Two buffers; the coordinator writes the inactive one, then publishes it by
 * bumping `generation` (the active buffer is generation & 1).  A reader
 * copies the active buffer and re-reads `generation`: if it moved, the copy
 * may be torn and is retried. */
typedef struct {
    _Atomic uint64_t generation;
    _Atomic uint32_t len[2];
    uint32_t capacity;               /* bytes per buffer */
    uint64_t off_buf[2];             /* offsets from the segment start */
} ks_shm_meta_t;

typedef struct {
    uint32_t magic;
    uint32_t version;
    uint64_t size;                   /* whole mapping */
    _Atomic int32_t master_pid;
    int32_t nworkers;
    uint64_t off_procs;              /* ks_shm_proc_t[KS_MAX_PROCS] */
    uint64_t off_meta;               /* ks_shm_meta_t */
    uint64_t off_ring;               /* ks_ring_t, partition table, buffer */
    uint64_t off_ptable;             /* ks_ptable_t and its entries */
    _Atomic int64_t coord_lease;     /* the broker's metadata-store lease, so a
                                      * restarted coordinator keeps it */
    _Atomic uint32_t shutting_down;
    uint32_t reserved;
    uint64_t off_rcache;             /* ks_rcache_t (shared read cache), 0 = none */
    uint64_t off_stats;              /* ks_stats_t (per-process counters, src/stats.h) */
} ks_shm_header_t;

#endif
