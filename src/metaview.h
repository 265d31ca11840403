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

typedef struct {
    int32_t node_id;
    char *host;
    int32_t port;
    char *rack;                /* NULL when none */
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

typedef struct {
    char *cluster_id;
    int32_t controller_id;
    int32_t nbrokers;
    ks_mv_broker_t *brokers;
    int32_t ntopics;
    ks_mv_topic_t *topics;     /* sorted by name */
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
