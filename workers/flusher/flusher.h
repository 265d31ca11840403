/*
 * flusher.h: the flusher process's state, shared by its files
 * (flusher.c: flush cycles; retention.c: retention and topic deletion).
 * Runs in: flusher.
 */
#ifndef KS_FLUSHER_H
#define KS_FLUSHER_H

#include <sys/uio.h>

#include "metaview.h"
#include "objstore/objstore.h"
#include "process.h"
#include "segment.h"
#include "shm/ring.h"

struct event;
struct bufferevent;

struct cycle;

typedef struct {
    struct cycle *cycle;         /* the cycle it belongs to */
    uint32_t slot;
    uint32_t gen;
    bool valid;                  /* a live partition: uploaded and committed */
    char topic[256];             /* copied: the metadata view may change */
    size_t topic_len;
    int32_t partition;
    int64_t base_offset;
    int64_t last_offset;
    int64_t records;
    uint32_t crc;
    size_t body_len;
    struct iovec *iov;           /* header, entry bodies, footer */
    int niov, capiov;
    uint8_t hdr[32], ftr[16];
    ks_index_builder_t ib;
    uint8_t *index;
    size_t index_len;
    struct iovec index_iov;      /* must live until the put's callback */
    char key_kfs[600], key_idx[600];
    int puts_left;
    bool failed;
    bool done;
    bool sweeping;               /* waits for its partition's sweep */
} seg_t;

enum { CYCLE_UPLOADING = 1, CYCLE_FAILED, CYCLE_UPLOADED };

/* A flush cycle: the ring's bytes [from, to), one segment per partition. */
typedef struct cycle {
    struct cycle *next;          /* the next younger cycle in flight */
    uint64_t seq;                /* its number (ring->cycle_seq when sealed) */
    uint64_t from, to;
    seg_t *segs;
    int nsegs;
    int pending;                 /* uploads and sweeps not finished */
    int state;                   /* CYCLE_* */
    int64_t started_us, uploaded_us;
    uint64_t bytes;
} cycle_t;

/* Per partition slot: the check for objects an earlier run left past the
 * high watermark (see sweep_start in flusher.c). */
typedef struct {
    uint32_t gen;                /* the generation being swept */
    bool running;
} sweep_t;

typedef struct {
    ks_inherit_t *in;
    ks_shm_t *shm;
    ks_ring_t *ring;
    struct event_base *base;
    ks_objstore_t *os;
    ks_mvcache_t mvc;
    int notify_fd, send_fd;
    struct event *notify_ev, *timer, *retry_timer, *tick;
    struct ks_rpclink *coord;
    uint32_t rpc_id;
    cycle_t *head, *tail;        /* cycles in flight, oldest first */
    int ncycles;
    uint64_t sealed;             /* end of the youngest cycle (or durable) */
    uint64_t redo[KS_RING_CYCLE_SLOTS]; /* bounds of a dead flusher's cycles */
    int nredo;
    bool committing;             /* a commit is in flight (or waits for the link) */
    uint32_t commit_id;          /* its RPC id */
    cycle_t *commit_last;        /* it covers head .. commit_last */
    int64_t retry_ms;
    bool stopping;
    bool closing;                /* the object store is being closed */
    int32_t *slot_seg;           /* slot -> index in the cycle being built, -1 */
    uint32_t *slot_mark;         /* slot -> commit_mark when last written */
    uint32_t commit_mark;
    sweep_t *sweeps;             /* [nparts] */
    uint64_t cycles, segments, put_bytes;
} ks_flusher_t;


extern ks_flusher_t F;

/* retention.c */
void ks_retention_init(void);
void ks_retention_shutdown(void);
/* A segment this flusher uploaded (its creation time and size are known
 * without asking the object store). */
void ks_retention_note_segment(const char *key, int64_t created_ms, int64_t size);
void ks_retention_delete_topic(const char *topic);
void ks_retention_log_start_reply(uint32_t id, int status);
/* Sends an RPC to the coordinator; returns its id (0 when the link is down). */
uint32_t ks_flusher_rpc(uint16_t kind, const void *payload, size_t len);

#endif
