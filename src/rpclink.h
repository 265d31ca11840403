/*
 * rpclink.h: a process's link to its broker's coordinator (the internal RPC
 * of chan.h over the coordinator's abstract unix socket): connects, says
 * HELLO, splits the incoming frames, and reconnects after a loss.
 * Runs in: workers, flusher.
 */
#ifndef KS_RPCLINK_H
#define KS_RPCLINK_H

#include "chan.h"
#include "ks.h"

struct event_base;

typedef struct ks_rpclink ks_rpclink_t;

typedef struct {
    uint32_t hello_aux;           /* what HELLO carries (worker index, ...) */
    /* Connected and HELLO sent (also after every reconnect). */
    void (*on_up)(void *arg);
    /* The link was lost; it reconnects by itself. */
    void (*on_down)(void *arg);
    /* One frame; the callee owns payload (h->len bytes, malloc'd, never
     * NULL). */
    void (*on_frame)(void *arg, const ks_rpc_hdr_t *h, uint8_t *payload);
} ks_rpclink_ops_t;

ks_rpclink_t *ks_rpclink_new(struct event_base *base, int master_pid, const ks_rpclink_ops_t *ops,
                             void *arg);
bool ks_rpclink_up(const ks_rpclink_t *l);
/* Queues a frame whose payload is p1 then p2 (either may be empty).
 * KS_ERROR when the link is down. */
int ks_rpclink_send(ks_rpclink_t *l, uint32_t id, uint16_t kind, uint32_t aux,
                    const void *p1, size_t len1, const void *p2, size_t len2);
/* Stops reconnecting (at shutdown) and frees the link. */
void ks_rpclink_free(ks_rpclink_t *l);

#endif
