/*
 * metaview.h: the cluster metadata snapshot.
 *
 * The coordinator owns the metadata and publishes it into shared memory as
 * one compact blob (ks_metaview_encode); workers copy the blob when its
 * generation changes and parse it into a read-only view with hash lookups
 * (ks_metaview_parse).  No worker asks the coordinator on each request.
 */
#ifndef KS_METAVIEW_H
#define KS_METAVIEW_H

#include "ks.h"
#include "proto/codec.h"

/* Where clients reach a broker through one of its listeners. */
typedef struct {
    char *listener;            /* listener name: "PLAINTEXT", "SSL", ... */
    char *host;
    int32_t port;
} ks_mv_endpoint_t;

typedef struct {
    int32_t node_id;
    char *host;                /* the broker's first endpoint (the first */
    int32_t port;              /* advertised listener, else the first listener) */
    char *rack;                /* NULL when none */
    int32_t nendpoints;
    ks_mv_endpoint_t *endpoints;  /* one per listener name (may be none) */
} ks_mv_broker_t;

typedef struct {
    int32_t partition;
    int32_t leader;
    int32_t leader_epoch;
    uint32_t slot;             /* partition slot in the ring's table (this broker) */
    uint32_t slot_gen;         /* its generation; KS_SLOT_NONE when not served here */
} ks_mv_partition_t;

#define KS_SLOT_NONE UINT32_MAX

/* Per-topic configuration the data path needs. */
typedef struct {
    int64_t retention_ms;
    int64_t retention_bytes;
    int64_t segment_bytes;
    int32_t max_message_bytes;
    int8_t log_append_time;    /* message.timestamp.type=LogAppendTime */
} ks_mv_topic_conf_t;

typedef struct {
    char *name;
    size_t name_len;
    ks_uuid_t id;
    bool internal;
    int32_t npartitions;
    ks_mv_partition_t *partitions;
    ks_mv_topic_conf_t conf;
} ks_mv_topic_t;

/* A user's SCRAM credential (RFC 5802): what the server keeps, never the
 * password.  Published by the coordinator from the metadata store. */
#define KS_SCRAM_SHA_256 1     /* Kafka's ScramMechanism ids */
#define KS_SCRAM_SHA_512 2
#define KS_SCRAM_SALT_MAX 64
#define KS_SCRAM_KEY_MAX 64    /* SHA-512 */

typedef struct {
    char *user;
    int8_t mechanism;          /* KS_SCRAM_SHA_256 or KS_SCRAM_SHA_512 */
    int32_t iterations;
    uint8_t salt_len;
    uint8_t key_len;           /* 32 (SHA-256) or 64 (SHA-512) */
    uint8_t salt[KS_SCRAM_SALT_MAX];
    uint8_t stored_key[KS_SCRAM_KEY_MAX];
    uint8_t server_key[KS_SCRAM_KEY_MAX];
} ks_mv_scram_t;

/* One ACL binding, with Kafka's numeric codes (AclResourceType,
 * PatternType, AclOperation, AclPermissionType). */
typedef struct {
    int8_t resource_type;      /* 2 topic, 3 group, 4 cluster, 5 transactional id, ... */
    int8_t pattern_type;       /* 3 literal, 4 prefixed */
    int8_t operation;          /* 2 all, 3 read, 4 write, 5 create, 6 delete, 7 alter, ... */
    int8_t permission;         /* 2 deny, 3 allow */
    char *resource_name;
    char *principal;           /* "User:alice", or "User:*" */
    char *host;                /* "*" or an address */
} ks_mv_acl_t;

typedef struct {
    char *cluster_id;
    int32_t controller_id;
    int32_t nbrokers;
    ks_mv_broker_t *brokers;
    int32_t ntopics;
    ks_mv_topic_t *topics;     /* sorted by name */
    int32_t nscram;
    ks_mv_scram_t *scram;
    int32_t nacls;
    ks_mv_acl_t *acls;
    /* open-addressing hash of topic indexes by name */
    int32_t *hash;
    uint32_t hash_mask;
} ks_metaview_t;

/* Builds the blob; the caller frees *out. */
int ks_metaview_encode(const ks_metaview_t *mv, uint8_t **out, size_t *len);
/* Parses a blob into a fresh view (ks_metaview_free it). KS_ERROR when the
 * blob is malformed. */
int ks_metaview_parse(const uint8_t *p, size_t len, ks_metaview_t *mv);
void ks_metaview_free(ks_metaview_t *mv);
/* Sorts topics by name and builds the hash; called by parse and by the
 * coordinator after it edits a view. */
int ks_metaview_index(ks_metaview_t *mv);

const ks_mv_topic_t *ks_metaview_topic(const ks_metaview_t *mv, const char *name, size_t len);
const ks_mv_topic_t *ks_metaview_topic_by_id(const ks_metaview_t *mv, const ks_uuid_t *id);
const ks_mv_broker_t *ks_metaview_broker(const ks_metaview_t *mv, int32_t node_id);
/* Where a client that came in through the listener called `listener`
 * reaches broker b: its endpoint of that name (case-insensitive), else
 * (listener NULL, or b lacks it) its first endpoint, host and port. */
void ks_mv_broker_endpoint(const ks_mv_broker_t *b, const char *listener, const char **host, int32_t *port);
/* Frees what b owns (host, rack, endpoints) and zeroes it. */
void ks_mv_broker_clear(ks_mv_broker_t *b);
/* The user's credential for the mechanism, or NULL. */
const ks_mv_scram_t *ks_metaview_scram(const ks_metaview_t *mv, const char *user, int mechanism);

/* A process's copy of the snapshot in shared memory, re-read when the
 * coordinator published a new generation. */
typedef struct {
    uint64_t gen;
    ks_metaview_t mv;
    uint8_t *buf;
    size_t cap;
} ks_mvcache_t;

struct ks_shm_s;
/* The current view, or NULL before the first publication. */
const ks_metaview_t *ks_mvcache_get(ks_mvcache_t *c, const struct ks_shm_s *shm);
void ks_mvcache_free(ks_mvcache_t *c);

#endif
