/*
 * chan.h: the master's channel to each worker (a SOCK_SEQPACKET socketpair)
 * carrying client connections as file descriptors (SCM_RIGHTS), and the
 * framing of the internal RPC between workers and the coordinator.
 */
#ifndef KS_CHAN_H
#define KS_CHAN_H

#include "ks.h"

/* What travels with a passed connection. */
typedef struct {
    uint32_t listener;        /* index into the configured listeners */
    uint32_t reserved;
} ks_chan_conn_msg_t;

int ks_chan_pair(int fds[2]);
/* Sends fd with msg; KS_OK, KS_AGAIN (channel full) or KS_ERROR. */
int ks_chan_send_fd(int chan, int fd, const void *msg, size_t len);
/* Receives one message and at most one fd (*fd = -1 when none).
 * KS_OK, KS_AGAIN (nothing queued) or KS_ERROR (closed or failed). */
int ks_chan_recv_fd(int chan, int *fd, void *msg, size_t cap, size_t *len);

/* Internal RPC frame: a 16-byte header then `len` payload bytes. */
typedef struct {
    uint32_t len;
    uint32_t id;              /* chosen by the sender of a request, echoed */
    uint16_t kind;
    uint16_t flags;
    uint32_t aux;
} ks_rpc_hdr_t;

_Static_assert(sizeof(ks_rpc_hdr_t) == 16, "ks_rpc_hdr_t layout");

#define KS_RPC_MAX_PAYLOAD (256u * 1024 * 1024)

enum {
    KS_RPC_HELLO = 1,         /* worker -> coordinator: aux = worker index */
    KS_RPC_KAFKA,             /* a whole Kafka request frame (no size prefix) */
    KS_RPC_KAFKA_REPLY,       /* a whole Kafka response (header + body, no size prefix) */
    KS_RPC_KAFKA_CLOSE,       /* reply: close the client connection (bad request) */
    KS_RPC_COMMIT,            /* flusher -> coordinator: new high watermarks,
                               * records of [i32 partition][i64 next offset]
                               * [i16 topic length][topic] */
    KS_RPC_COMMIT_REPLY,      /* payload: 1 byte, 0 = committed */
    KS_RPC_LOG_START,         /* flusher -> coordinator: new log start offsets
                               * (retention), records as for KS_RPC_COMMIT */
    KS_RPC_LOG_START_REPLY,   /* payload: 1 byte, 0 = committed */
    KS_RPC_DELETE_OBJECTS,    /* coordinator -> flusher: delete every object
                               * of the topic named in the payload */
    KS_RPC_DELETE_OBJECTS_DONE /* flusher -> coordinator: payload the topic */
};

/* The aux value of the flusher's HELLO (workers send their index). */
#define KS_RPC_HELLO_FLUSHER 0xffffffffu

/* The abstract unix socket name of the coordinator of the broker whose
 * master has pid `master_pid`. Returns the sockaddr length. */
struct sockaddr_un;
int ks_rpc_coord_addr(struct sockaddr_un *sa, int master_pid);

#endif
