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

typedef struct {
    uint32_t slot;
    uint32_t gen;
    const ks_mv_topic_t *topic;
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
} seg_t;

typedef struct {
    uint64_t from, to;
    seg_t *segs;
    int nsegs;
    int puts_left;
    int64_t started_us;
    int64_t retry_ms;
    uint64_t bytes;
} cycle_t;

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
    uint32_t commit_id;          /* the commit in flight */
    cycle_t *cycle;              /* the one in flight, or NULL */
    bool committing;
    bool stopping;
    int32_t *slot_seg;           /* slot -> index in cycle->segs, -1 */
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
