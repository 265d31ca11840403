/*
 * api.h: C structs and schemas of every Kafka API this codec knows (the
 * request and response of each), the request/response headers, and the
 * table indexed by ApiKey.
 *
 * Naming: request ks_<api>_req_t, response ks_<api>_resp_t, nested element
 * structs ks_<api>_req_<struct>_t / ks_<api>_resp_<struct>_t; members are
 * Kafka's field names in snake_case.  A member that is not on the wire in a
 * version holds the schema default after decoding.  Arrays (ks_array_t)
 * name their element type in a comment.  Strings and bytes are views into
 * the request frame (see codec.h).
 */
#ifndef KS_PROTO_API_H
#define KS_PROTO_API_H

#include "proto/codec.h"

enum {
    KS_API_PRODUCE = 0,
    KS_API_FETCH = 1,
    KS_API_LIST_OFFSETS = 2,
    KS_API_METADATA = 3,
    KS_API_OFFSET_COMMIT = 8,
    KS_API_OFFSET_FETCH = 9,
    KS_API_FIND_COORDINATOR = 10,
    KS_API_JOIN_GROUP = 11,
    KS_API_HEARTBEAT = 12,
    KS_API_LEAVE_GROUP = 13,
    KS_API_SYNC_GROUP = 14,
    KS_API_DESCRIBE_GROUPS = 15,
    KS_API_LIST_GROUPS = 16,
    KS_API_SASL_HANDSHAKE = 17,
    KS_API_API_VERSIONS = 18,
    KS_API_CREATE_TOPICS = 19,
    KS_API_DELETE_TOPICS = 20,
    KS_API_DELETE_RECORDS = 21,
    KS_API_INIT_PRODUCER_ID = 22,
    KS_API_OFFSET_FOR_LEADER_EPOCH = 23,
    KS_API_DESCRIBE_ACLS = 29,
    KS_API_CREATE_ACLS = 30,
    KS_API_DELETE_ACLS = 31,
    KS_API_DESCRIBE_CONFIGS = 32,
    KS_API_ALTER_CONFIGS = 33,
    KS_API_DESCRIBE_LOG_DIRS = 35,
    KS_API_SASL_AUTHENTICATE = 36,
    KS_API_CREATE_PARTITIONS = 37,
    KS_API_DELETE_GROUPS = 42,
    KS_API_INCREMENTAL_ALTER_CONFIGS = 44,
    KS_API_OFFSET_DELETE = 47,
    KS_API_DESCRIBE_USER_SCRAM_CREDENTIALS = 50,
    KS_API_ALTER_USER_SCRAM_CREDENTIALS = 51,
    KS_API_DESCRIBE_CLUSTER = 60,
    KS_API_DESCRIBE_PRODUCERS = 61,
    KS_API_CONSUMER_GROUP_HEARTBEAT = 68,
    KS_API_CONSUMER_GROUP_DESCRIBE = 69,
    KS_API_MAX_KEY = 69,          /* highest API key we know */
    KS_API_KEY_COUNT = 70         /* size for tables indexed by API key */
};

/* Request header v1/v2 (v2 adds a tagged-field section when the API
 * version is flexible). client_id is always a classic nullable string. */
typedef struct {
    int16_t request_api_key;
    int16_t request_api_version;
    int32_t correlation_id;
    ks_str_t client_id;
} ks_request_header_t;

extern const ks_schema_t ks_request_header_schema;

typedef struct {
    int16_t key;
    const char *name;
    int16_t min_version;
    int16_t max_version;          /* highest stable version of the schema */
    int16_t flex_min;             /* first flexible version, -1 never */
    const ks_schema_t *request;
    const ks_schema_t *response;
} ks_api_desc_t;

/* The API with this key, NULL for unknown keys. */
const ks_api_desc_t *ks_api_desc(int key);
/* Whether `version` of API `key` uses the flexible encoding (also for
 * versions above max_version, so their headers parse). False for unknown
 * keys. */
bool ks_api_flexible(int key, int version);
/* Whether `version` is within [min_version, max_version] of a known API. */
bool ks_api_supported(int key, int version);

/* Reads the request header: api key, version, correlation id, client id,
 * and the tagged fields when the API is known and the version flexible.
 * KS_OK, or KS_ERROR with r->err set. Unknown APIs are not an error here. */
int ks_decode_request_header(ks_reader_t *r, ks_request_header_t *h);
/* Writes a request header (for clients and tests). */
void ks_encode_request_header(ks_writer_t *w, const ks_request_header_t *h);
/* Writes the response header: correlation id, plus an empty tagged-field
 * section when the version is flexible (never for ApiVersions, KIP-511). */
void ks_encode_response_header(ks_writer_t *w, int key, int version, int32_t correlation_id);

/* Decodes/encodes the body of API `key` version `version`; KS_ERROR for
 * an unknown API or unsupported version (r->err = KS_DECODE_INVALID). */
int ks_decode_request(int key, int version, ks_reader_t *r, void *out, ks_arena_t *a);
int ks_encode_request(int key, int version, ks_writer_t *w, const void *req);
int ks_decode_response(int key, int version, ks_reader_t *r, void *out, ks_arena_t *a);
int ks_encode_response(int key, int version, ks_writer_t *w, const void *resp);

/* A request/response struct of API `key` from the arena, set to the
 * defaults of `version`; NULL for unknown keys or when out of memory. */
void *ks_request_alloc(int key, int version, ks_arena_t *a);
void *ks_response_alloc(int key, int version, ks_arena_t *a);

/* ----- Produce (key 0) ----- */

typedef struct {
    int32_t index;
    ks_bytes_t records;
} ks_produce_req_partition_produce_data_t;

typedef struct {
    ks_str_t name;
    ks_array_t partition_data; /* ks_produce_req_partition_produce_data_t */
} ks_produce_req_topic_produce_data_t;

typedef struct {
    ks_str_t transactional_id;
    int16_t acks;
    int32_t timeout_ms;
    ks_array_t topic_data; /* ks_produce_req_topic_produce_data_t */
} ks_produce_req_t;

typedef struct {
    int32_t batch_index;
    ks_str_t batch_index_error_message;
} ks_produce_resp_batch_index_and_error_message_t;

typedef struct {
    int32_t leader_id;
    int32_t leader_epoch;
} ks_produce_resp_leader_id_and_epoch_t;

typedef struct {
    int32_t index;
    int16_t error_code;
    int64_t base_offset;
    int64_t log_append_time_ms;
    int64_t log_start_offset;
    ks_array_t record_errors; /* ks_produce_resp_batch_index_and_error_message_t */
    ks_str_t error_message;
    ks_produce_resp_leader_id_and_epoch_t current_leader;
} ks_produce_resp_partition_produce_response_t;

typedef struct {
    ks_str_t name;
    ks_array_t partition_responses; /* ks_produce_resp_partition_produce_response_t */
} ks_produce_resp_topic_produce_response_t;

typedef struct {
    int32_t node_id;
    ks_str_t host;
    int32_t port;
    ks_str_t rack;
} ks_produce_resp_node_endpoint_t;

typedef struct {
    ks_array_t responses; /* ks_produce_resp_topic_produce_response_t */
    int32_t throttle_time_ms;
    ks_array_t node_endpoints; /* ks_produce_resp_node_endpoint_t */
} ks_produce_resp_t;

extern const ks_schema_t ks_produce_req_schema;
extern const ks_schema_t ks_produce_resp_schema;

/* ----- Fetch (key 1) ----- */

typedef struct {
    int32_t replica_id;
    int64_t replica_epoch;
} ks_fetch_req_replica_state_t;

typedef struct {
    int32_t partition;
    int32_t current_leader_epoch;
    int64_t fetch_offset;
    int32_t last_fetched_epoch;
    int64_t log_start_offset;
    int32_t partition_max_bytes;
    ks_uuid_t replica_directory_id;
} ks_fetch_req_fetch_partition_t;

typedef struct {
    ks_str_t topic;
    ks_uuid_t topic_id;
    ks_array_t partitions; /* ks_fetch_req_fetch_partition_t */
} ks_fetch_req_fetch_topic_t;

typedef struct {
    ks_str_t topic;
    ks_uuid_t topic_id;
    ks_array_t partitions; /* int32_t */
} ks_fetch_req_forgotten_topic_t;

typedef struct {
    ks_str_t cluster_id;
    int32_t replica_id;
    ks_fetch_req_replica_state_t replica_state;
    int32_t max_wait_ms;
    int32_t min_bytes;
    int32_t max_bytes;
    int8_t isolation_level;
    int32_t session_id;
    int32_t session_epoch;
    ks_array_t topics; /* ks_fetch_req_fetch_topic_t */
    ks_array_t forgotten_topics_data; /* ks_fetch_req_forgotten_topic_t */
    ks_str_t rack_id;
} ks_fetch_req_t;

typedef struct {
    int32_t epoch;
    int64_t end_offset;
} ks_fetch_resp_epoch_end_offset_t;

typedef struct {
    int32_t leader_id;
    int32_t leader_epoch;
} ks_fetch_resp_leader_id_and_epoch_t;

typedef struct {
    int64_t end_offset;
    int32_t epoch;
} ks_fetch_resp_snapshot_id_t;

typedef struct {
    int64_t producer_id;
    int64_t first_offset;
} ks_fetch_resp_aborted_transaction_t;

typedef struct {
    int32_t partition_index;
    int16_t error_code;
    int64_t high_watermark;
    int64_t last_stable_offset;
    int64_t log_start_offset;
    ks_fetch_resp_epoch_end_offset_t diverging_epoch;
    ks_fetch_resp_leader_id_and_epoch_t current_leader;
    ks_fetch_resp_snapshot_id_t snapshot_id;
    ks_array_t aborted_transactions; /* ks_fetch_resp_aborted_transaction_t */
    int32_t preferred_read_replica;
    ks_bytes_t records;
} ks_fetch_resp_partition_data_t;

typedef struct {
    ks_str_t topic;
    ks_uuid_t topic_id;
    ks_array_t partitions; /* ks_fetch_resp_partition_data_t */
} ks_fetch_resp_fetchable_topic_response_t;

typedef struct {
    int32_t node_id;
    ks_str_t host;
    int32_t port;
    ks_str_t rack;
} ks_fetch_resp_node_endpoint_t;

typedef struct {
    int32_t throttle_time_ms;
    int16_t error_code;
    int32_t session_id;
    ks_array_t responses; /* ks_fetch_resp_fetchable_topic_response_t */
    ks_array_t node_endpoints; /* ks_fetch_resp_node_endpoint_t */
} ks_fetch_resp_t;

extern const ks_schema_t ks_fetch_req_schema;
extern const ks_schema_t ks_fetch_resp_schema;

/* ----- ListOffsets (key 2) ----- */

typedef struct {
    int32_t partition_index;
    int32_t current_leader_epoch;
    int64_t timestamp;
    int32_t max_num_offsets;
} ks_list_offsets_req_list_offsets_partition_t;

typedef struct {
    ks_str_t name;
    ks_array_t partitions; /* ks_list_offsets_req_list_offsets_partition_t */
} ks_list_offsets_req_list_offsets_topic_t;

typedef struct {
    int32_t replica_id;
    int8_t isolation_level;
    ks_array_t topics; /* ks_list_offsets_req_list_offsets_topic_t */
    int32_t timeout_ms;
} ks_list_offsets_req_t;

typedef struct {
    int32_t partition_index;
    int16_t error_code;
    ks_array_t old_style_offsets; /* int64_t */
    int64_t timestamp;
    int64_t offset;
    int32_t leader_epoch;
} ks_list_offsets_resp_list_offsets_partition_response_t;

typedef struct {
    ks_str_t name;
    ks_array_t partitions; /* ks_list_offsets_resp_list_offsets_partition_response_t */
} ks_list_offsets_resp_list_offsets_topic_response_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t topics; /* ks_list_offsets_resp_list_offsets_topic_response_t */
} ks_list_offsets_resp_t;

extern const ks_schema_t ks_list_offsets_req_schema;
extern const ks_schema_t ks_list_offsets_resp_schema;

/* ----- Metadata (key 3) ----- */

typedef struct {
    ks_uuid_t topic_id;
    ks_str_t name;
} ks_metadata_req_metadata_request_topic_t;

typedef struct {
    ks_array_t topics; /* ks_metadata_req_metadata_request_topic_t */
    bool allow_auto_topic_creation;
    bool include_cluster_authorized_operations;
    bool include_topic_authorized_operations;
} ks_metadata_req_t;

typedef struct {
    int32_t node_id;
    ks_str_t host;
    int32_t port;
    ks_str_t rack;
} ks_metadata_resp_metadata_response_broker_t;

typedef struct {
    int16_t error_code;
    int32_t partition_index;
    int32_t leader_id;
    int32_t leader_epoch;
    ks_array_t replica_nodes; /* int32_t */
    ks_array_t isr_nodes; /* int32_t */
    ks_array_t offline_replicas; /* int32_t */
} ks_metadata_resp_metadata_response_partition_t;

typedef struct {
    int16_t error_code;
    ks_str_t name;
    ks_uuid_t topic_id;
    bool is_internal;
    ks_array_t partitions; /* ks_metadata_resp_metadata_response_partition_t */
    int32_t topic_authorized_operations;
} ks_metadata_resp_metadata_response_topic_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t brokers; /* ks_metadata_resp_metadata_response_broker_t */
    ks_str_t cluster_id;
    int32_t controller_id;
    ks_array_t topics; /* ks_metadata_resp_metadata_response_topic_t */
    int32_t cluster_authorized_operations;
} ks_metadata_resp_t;

extern const ks_schema_t ks_metadata_req_schema;
extern const ks_schema_t ks_metadata_resp_schema;

/* ----- ApiVersions (key 18) ----- */

typedef struct {
    ks_str_t client_software_name;
    ks_str_t client_software_version;
} ks_api_versions_req_t;

typedef struct {
    int16_t api_key;
    int16_t min_version;
    int16_t max_version;
} ks_api_versions_resp_api_version_t;

typedef struct {
    ks_str_t name;
    int16_t min_version;
    int16_t max_version;
} ks_api_versions_resp_supported_feature_key_t;

typedef struct {
    ks_str_t name;
    int16_t max_version_level;
    int16_t min_version_level;
} ks_api_versions_resp_finalized_feature_key_t;

typedef struct {
    int16_t error_code;
    ks_array_t api_keys; /* ks_api_versions_resp_api_version_t */
    int32_t throttle_time_ms;
    ks_array_t supported_features; /* ks_api_versions_resp_supported_feature_key_t */
    int64_t finalized_features_epoch;
    ks_array_t finalized_features; /* ks_api_versions_resp_finalized_feature_key_t */
    bool zk_migration_ready;
} ks_api_versions_resp_t;

extern const ks_schema_t ks_api_versions_req_schema;
extern const ks_schema_t ks_api_versions_resp_schema;

/* ----- DeleteRecords (key 21) ----- */

typedef struct {
    int32_t partition_index;
    int64_t offset;
} ks_delete_records_req_delete_records_partition_t;

typedef struct {
    ks_str_t name;
    ks_array_t partitions; /* ks_delete_records_req_delete_records_partition_t */
} ks_delete_records_req_delete_records_topic_t;

typedef struct {
    ks_array_t topics; /* ks_delete_records_req_delete_records_topic_t */
    int32_t timeout_ms;
} ks_delete_records_req_t;

typedef struct {
    int32_t partition_index;
    int64_t low_watermark;
    int16_t error_code;
} ks_delete_records_resp_delete_records_partition_result_t;

typedef struct {
    ks_str_t name;
    ks_array_t partitions; /* ks_delete_records_resp_delete_records_partition_result_t */
} ks_delete_records_resp_delete_records_topic_result_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t topics; /* ks_delete_records_resp_delete_records_topic_result_t */
} ks_delete_records_resp_t;

extern const ks_schema_t ks_delete_records_req_schema;
extern const ks_schema_t ks_delete_records_resp_schema;

/* ----- InitProducerId (key 22) ----- */

typedef struct {
    ks_str_t transactional_id;
    int32_t transaction_timeout_ms;
    int64_t producer_id;
    int16_t producer_epoch;
} ks_init_producer_id_req_t;

typedef struct {
    int32_t throttle_time_ms;
    int16_t error_code;
    int64_t producer_id;
    int16_t producer_epoch;
} ks_init_producer_id_resp_t;

extern const ks_schema_t ks_init_producer_id_req_schema;
extern const ks_schema_t ks_init_producer_id_resp_schema;

/* ----- OffsetForLeaderEpoch (key 23) ----- */

typedef struct {
    int32_t partition;
    int32_t current_leader_epoch;
    int32_t leader_epoch;
} ks_offset_for_leader_epoch_req_offset_for_leader_partition_t;

typedef struct {
    ks_str_t topic;
    ks_array_t partitions; /* ks_offset_for_leader_epoch_req_offset_for_leader_partition_t */
} ks_offset_for_leader_epoch_req_offset_for_leader_topic_t;

typedef struct {
    int32_t replica_id;
    ks_array_t topics; /* ks_offset_for_leader_epoch_req_offset_for_leader_topic_t */
} ks_offset_for_leader_epoch_req_t;

typedef struct {
    int16_t error_code;
    int32_t partition;
    int32_t leader_epoch;
    int64_t end_offset;
} ks_offset_for_leader_epoch_resp_epoch_end_offset_t;

typedef struct {
    ks_str_t topic;
    ks_array_t partitions; /* ks_offset_for_leader_epoch_resp_epoch_end_offset_t */
} ks_offset_for_leader_epoch_resp_offset_for_leader_topic_result_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t topics; /* ks_offset_for_leader_epoch_resp_offset_for_leader_topic_result_t */
} ks_offset_for_leader_epoch_resp_t;

extern const ks_schema_t ks_offset_for_leader_epoch_req_schema;
extern const ks_schema_t ks_offset_for_leader_epoch_resp_schema;

/* ----- DescribeProducers (key 61) ----- */

typedef struct {
    ks_str_t name;
    ks_array_t partition_indexes; /* int32_t */
} ks_describe_producers_req_topic_request_t;

typedef struct {
    ks_array_t topics; /* ks_describe_producers_req_topic_request_t */
} ks_describe_producers_req_t;

typedef struct {
    int64_t producer_id;
    int32_t producer_epoch;
    int32_t last_sequence;
    int64_t last_timestamp;
    int32_t coordinator_epoch;
    int64_t current_txn_start_offset;
} ks_describe_producers_resp_producer_state_t;

typedef struct {
    int32_t partition_index;
    int16_t error_code;
    ks_str_t error_message;
    ks_array_t active_producers; /* ks_describe_producers_resp_producer_state_t */
} ks_describe_producers_resp_partition_response_t;

typedef struct {
    ks_str_t name;
    ks_array_t partitions; /* ks_describe_producers_resp_partition_response_t */
} ks_describe_producers_resp_topic_response_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t topics; /* ks_describe_producers_resp_topic_response_t */
} ks_describe_producers_resp_t;

extern const ks_schema_t ks_describe_producers_req_schema;
extern const ks_schema_t ks_describe_producers_resp_schema;

/* ----- DescribeCluster (key 60) ----- */

typedef struct {
    bool include_cluster_authorized_operations;
    int8_t endpoint_type;
} ks_describe_cluster_req_t;

typedef struct {
    int32_t broker_id;
    ks_str_t host;
    int32_t port;
    ks_str_t rack;
} ks_describe_cluster_resp_describe_cluster_broker_t;

typedef struct {
    int32_t throttle_time_ms;
    int16_t error_code;
    ks_str_t error_message;
    int8_t endpoint_type;
    ks_str_t cluster_id;
    int32_t controller_id;
    ks_array_t brokers; /* ks_describe_cluster_resp_describe_cluster_broker_t */
    int32_t cluster_authorized_operations;
} ks_describe_cluster_resp_t;

extern const ks_schema_t ks_describe_cluster_req_schema;
extern const ks_schema_t ks_describe_cluster_resp_schema;

/* ----- OffsetCommit (key 8) ----- */

typedef struct {
    int32_t partition_index;
    int64_t committed_offset;
    int32_t committed_leader_epoch;
    int64_t commit_timestamp;
    ks_str_t committed_metadata;
} ks_offset_commit_req_offset_commit_request_partition_t;

typedef struct {
    ks_str_t name;
    ks_array_t partitions; /* ks_offset_commit_req_offset_commit_request_partition_t */
} ks_offset_commit_req_offset_commit_request_topic_t;

typedef struct {
    ks_str_t group_id;
    int32_t generation_id_or_member_epoch;
    ks_str_t member_id;
    ks_str_t group_instance_id;
    int64_t retention_time_ms;
    ks_array_t topics; /* ks_offset_commit_req_offset_commit_request_topic_t */
} ks_offset_commit_req_t;

typedef struct {
    int32_t partition_index;
    int16_t error_code;
} ks_offset_commit_resp_offset_commit_response_partition_t;

typedef struct {
    ks_str_t name;
    ks_array_t partitions; /* ks_offset_commit_resp_offset_commit_response_partition_t */
} ks_offset_commit_resp_offset_commit_response_topic_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t topics; /* ks_offset_commit_resp_offset_commit_response_topic_t */
} ks_offset_commit_resp_t;

extern const ks_schema_t ks_offset_commit_req_schema;
extern const ks_schema_t ks_offset_commit_resp_schema;

/* ----- OffsetFetch (key 9) ----- */

typedef struct {
    ks_str_t name;
    ks_array_t partition_indexes; /* int32_t */
} ks_offset_fetch_req_offset_fetch_request_topic_t;

typedef struct {
    ks_str_t name;
    ks_array_t partition_indexes; /* int32_t */
} ks_offset_fetch_req_offset_fetch_request_topics_t;

typedef struct {
    ks_str_t group_id;
    ks_str_t member_id;
    int32_t member_epoch;
    ks_array_t topics; /* ks_offset_fetch_req_offset_fetch_request_topics_t */
} ks_offset_fetch_req_offset_fetch_request_group_t;

typedef struct {
    ks_str_t group_id;
    ks_array_t topics; /* ks_offset_fetch_req_offset_fetch_request_topic_t */
    ks_array_t groups; /* ks_offset_fetch_req_offset_fetch_request_group_t */
    bool require_stable;
} ks_offset_fetch_req_t;

typedef struct {
    int32_t partition_index;
    int64_t committed_offset;
    int32_t committed_leader_epoch;
    ks_str_t metadata;
    int16_t error_code;
} ks_offset_fetch_resp_offset_fetch_response_partition_t;

typedef struct {
    ks_str_t name;
    ks_array_t partitions; /* ks_offset_fetch_resp_offset_fetch_response_partition_t */
} ks_offset_fetch_resp_offset_fetch_response_topic_t;

typedef struct {
    int32_t partition_index;
    int64_t committed_offset;
    int32_t committed_leader_epoch;
    ks_str_t metadata;
    int16_t error_code;
} ks_offset_fetch_resp_offset_fetch_response_partitions_t;

typedef struct {
    ks_str_t name;
    ks_array_t partitions; /* ks_offset_fetch_resp_offset_fetch_response_partitions_t */
} ks_offset_fetch_resp_offset_fetch_response_topics_t;

typedef struct {
    ks_str_t group_id;
    ks_array_t topics; /* ks_offset_fetch_resp_offset_fetch_response_topics_t */
    int16_t error_code;
} ks_offset_fetch_resp_offset_fetch_response_group_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t topics; /* ks_offset_fetch_resp_offset_fetch_response_topic_t */
    int16_t error_code;
    ks_array_t groups; /* ks_offset_fetch_resp_offset_fetch_response_group_t */
} ks_offset_fetch_resp_t;

extern const ks_schema_t ks_offset_fetch_req_schema;
extern const ks_schema_t ks_offset_fetch_resp_schema;

/* ----- FindCoordinator (key 10) ----- */

typedef struct {
    ks_str_t key;
    int8_t key_type;
    ks_array_t coordinator_keys; /* ks_str_t */
} ks_find_coordinator_req_t;

typedef struct {
    ks_str_t key;
    int32_t node_id;
    ks_str_t host;
    int32_t port;
    int16_t error_code;
    ks_str_t error_message;
} ks_find_coordinator_resp_coordinator_t;

typedef struct {
    int32_t throttle_time_ms;
    int16_t error_code;
    ks_str_t error_message;
    int32_t node_id;
    ks_str_t host;
    int32_t port;
    ks_array_t coordinators; /* ks_find_coordinator_resp_coordinator_t */
} ks_find_coordinator_resp_t;

extern const ks_schema_t ks_find_coordinator_req_schema;
extern const ks_schema_t ks_find_coordinator_resp_schema;

/* ----- JoinGroup (key 11) ----- */

typedef struct {
    ks_str_t name;
    ks_bytes_t metadata;
} ks_join_group_req_join_group_request_protocol_t;

typedef struct {
    ks_str_t group_id;
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms;
    ks_str_t member_id;
    ks_str_t group_instance_id;
    ks_str_t protocol_type;
    ks_array_t protocols; /* ks_join_group_req_join_group_request_protocol_t */
    ks_str_t reason;
} ks_join_group_req_t;

typedef struct {
    ks_str_t member_id;
    ks_str_t group_instance_id;
    ks_bytes_t metadata;
} ks_join_group_resp_join_group_response_member_t;

typedef struct {
    int32_t throttle_time_ms;
    int16_t error_code;
    int32_t generation_id;
    ks_str_t protocol_type;
    ks_str_t protocol_name;
    ks_str_t leader;
    bool skip_assignment;
    ks_str_t member_id;
    ks_array_t members; /* ks_join_group_resp_join_group_response_member_t */
} ks_join_group_resp_t;

extern const ks_schema_t ks_join_group_req_schema;
extern const ks_schema_t ks_join_group_resp_schema;

/* ----- Heartbeat (key 12) ----- */

typedef struct {
    ks_str_t group_id;
    int32_t generation_id;
    ks_str_t member_id;
    ks_str_t group_instance_id;
} ks_heartbeat_req_t;

typedef struct {
    int32_t throttle_time_ms;
    int16_t error_code;
} ks_heartbeat_resp_t;

extern const ks_schema_t ks_heartbeat_req_schema;
extern const ks_schema_t ks_heartbeat_resp_schema;

/* ----- LeaveGroup (key 13) ----- */

typedef struct {
    ks_str_t member_id;
    ks_str_t group_instance_id;
    ks_str_t reason;
} ks_leave_group_req_member_identity_t;

typedef struct {
    ks_str_t group_id;
    ks_str_t member_id;
    ks_array_t members; /* ks_leave_group_req_member_identity_t */
} ks_leave_group_req_t;

typedef struct {
    ks_str_t member_id;
    ks_str_t group_instance_id;
    int16_t error_code;
} ks_leave_group_resp_member_response_t;

typedef struct {
    int32_t throttle_time_ms;
    int16_t error_code;
    ks_array_t members; /* ks_leave_group_resp_member_response_t */
} ks_leave_group_resp_t;

extern const ks_schema_t ks_leave_group_req_schema;
extern const ks_schema_t ks_leave_group_resp_schema;

/* ----- SyncGroup (key 14) ----- */

typedef struct {
    ks_str_t member_id;
    ks_bytes_t assignment;
} ks_sync_group_req_sync_group_request_assignment_t;

typedef struct {
    ks_str_t group_id;
    int32_t generation_id;
    ks_str_t member_id;
    ks_str_t group_instance_id;
    ks_str_t protocol_type;
    ks_str_t protocol_name;
    ks_array_t assignments; /* ks_sync_group_req_sync_group_request_assignment_t */
} ks_sync_group_req_t;

typedef struct {
    int32_t throttle_time_ms;
    int16_t error_code;
    ks_str_t protocol_type;
    ks_str_t protocol_name;
    ks_bytes_t assignment;
} ks_sync_group_resp_t;

extern const ks_schema_t ks_sync_group_req_schema;
extern const ks_schema_t ks_sync_group_resp_schema;

/* ----- DescribeGroups (key 15) ----- */

typedef struct {
    ks_array_t groups; /* ks_str_t */
    bool include_authorized_operations;
} ks_describe_groups_req_t;

typedef struct {
    ks_str_t member_id;
    ks_str_t group_instance_id;
    ks_str_t client_id;
    ks_str_t client_host;
    ks_bytes_t member_metadata;
    ks_bytes_t member_assignment;
} ks_describe_groups_resp_described_group_member_t;

typedef struct {
    int16_t error_code;
    ks_str_t group_id;
    ks_str_t group_state;
    ks_str_t protocol_type;
    ks_str_t protocol_data;
    ks_array_t members; /* ks_describe_groups_resp_described_group_member_t */
    int32_t authorized_operations;
} ks_describe_groups_resp_described_group_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t groups; /* ks_describe_groups_resp_described_group_t */
} ks_describe_groups_resp_t;

extern const ks_schema_t ks_describe_groups_req_schema;
extern const ks_schema_t ks_describe_groups_resp_schema;

/* ----- ListGroups (key 16) ----- */

typedef struct {
    ks_array_t states_filter; /* ks_str_t */
    ks_array_t types_filter; /* ks_str_t */
} ks_list_groups_req_t;

typedef struct {
    ks_str_t group_id;
    ks_str_t protocol_type;
    ks_str_t group_state;
    ks_str_t group_type;
} ks_list_groups_resp_listed_group_t;

typedef struct {
    int32_t throttle_time_ms;
    int16_t error_code;
    ks_array_t groups; /* ks_list_groups_resp_listed_group_t */
} ks_list_groups_resp_t;

extern const ks_schema_t ks_list_groups_req_schema;
extern const ks_schema_t ks_list_groups_resp_schema;

/* ----- DeleteGroups (key 42) ----- */

typedef struct {
    ks_array_t groups_names; /* ks_str_t */
} ks_delete_groups_req_t;

typedef struct {
    ks_str_t group_id;
    int16_t error_code;
} ks_delete_groups_resp_deletable_group_result_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t results; /* ks_delete_groups_resp_deletable_group_result_t */
} ks_delete_groups_resp_t;

extern const ks_schema_t ks_delete_groups_req_schema;
extern const ks_schema_t ks_delete_groups_resp_schema;

/* ----- OffsetDelete (key 47) ----- */

typedef struct {
    int32_t partition_index;
} ks_offset_delete_req_offset_delete_request_partition_t;

typedef struct {
    ks_str_t name;
    ks_array_t partitions; /* ks_offset_delete_req_offset_delete_request_partition_t */
} ks_offset_delete_req_offset_delete_request_topic_t;

typedef struct {
    ks_str_t group_id;
    ks_array_t topics; /* ks_offset_delete_req_offset_delete_request_topic_t */
} ks_offset_delete_req_t;

typedef struct {
    int32_t partition_index;
    int16_t error_code;
} ks_offset_delete_resp_offset_delete_response_partition_t;

typedef struct {
    ks_str_t name;
    ks_array_t partitions; /* ks_offset_delete_resp_offset_delete_response_partition_t */
} ks_offset_delete_resp_offset_delete_response_topic_t;

typedef struct {
    int16_t error_code;
    int32_t throttle_time_ms;
    ks_array_t topics; /* ks_offset_delete_resp_offset_delete_response_topic_t */
} ks_offset_delete_resp_t;

extern const ks_schema_t ks_offset_delete_req_schema;
extern const ks_schema_t ks_offset_delete_resp_schema;

/* ----- ConsumerGroupHeartbeat (key 68) ----- */

typedef struct {
    ks_uuid_t topic_id;
    ks_array_t partitions; /* int32_t */
} ks_consumer_group_heartbeat_req_topic_partitions_t;

typedef struct {
    ks_str_t group_id;
    ks_str_t member_id;
    int32_t member_epoch;
    ks_str_t instance_id;
    ks_str_t rack_id;
    int32_t rebalance_timeout_ms;
    ks_array_t subscribed_topic_names; /* ks_str_t */
    ks_str_t subscribed_topic_regex;
    ks_str_t server_assignor;
    ks_array_t topic_partitions; /* ks_consumer_group_heartbeat_req_topic_partitions_t */
} ks_consumer_group_heartbeat_req_t;

typedef struct {
    ks_uuid_t topic_id;
    ks_array_t partitions; /* int32_t */
} ks_consumer_group_heartbeat_resp_topic_partitions_t;

typedef struct {
    ks_array_t topic_partitions; /* ks_consumer_group_heartbeat_resp_topic_partitions_t */
} ks_consumer_group_heartbeat_resp_assignment_t;

typedef struct {
    int32_t throttle_time_ms;
    int16_t error_code;
    ks_str_t error_message;
    ks_str_t member_id;
    int32_t member_epoch;
    int32_t heartbeat_interval_ms;
    ks_consumer_group_heartbeat_resp_assignment_t *assignment; /* NULL = null */
} ks_consumer_group_heartbeat_resp_t;

extern const ks_schema_t ks_consumer_group_heartbeat_req_schema;
extern const ks_schema_t ks_consumer_group_heartbeat_resp_schema;

/* ----- ConsumerGroupDescribe (key 69) ----- */

typedef struct {
    ks_array_t group_ids; /* ks_str_t */
    bool include_authorized_operations;
} ks_consumer_group_describe_req_t;

typedef struct {
    ks_uuid_t topic_id;
    ks_str_t topic_name;
    ks_array_t partitions; /* int32_t */
} ks_consumer_group_describe_resp_topic_partitions_t;

typedef struct {
    ks_array_t topic_partitions; /* ks_consumer_group_describe_resp_topic_partitions_t */
} ks_consumer_group_describe_resp_assignment_t;

typedef struct {
    ks_str_t member_id;
    ks_str_t instance_id;
    ks_str_t rack_id;
    int32_t member_epoch;
    ks_str_t client_id;
    ks_str_t client_host;
    ks_array_t subscribed_topic_names; /* ks_str_t */
    ks_str_t subscribed_topic_regex;
    ks_consumer_group_describe_resp_assignment_t assignment;
    ks_consumer_group_describe_resp_assignment_t target_assignment;
} ks_consumer_group_describe_resp_member_t;

typedef struct {
    int16_t error_code;
    ks_str_t error_message;
    ks_str_t group_id;
    ks_str_t group_state;
    int32_t group_epoch;
    int32_t assignment_epoch;
    ks_str_t assignor_name;
    ks_array_t members; /* ks_consumer_group_describe_resp_member_t */
    int32_t authorized_operations;
} ks_consumer_group_describe_resp_described_group_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t groups; /* ks_consumer_group_describe_resp_described_group_t */
} ks_consumer_group_describe_resp_t;

extern const ks_schema_t ks_consumer_group_describe_req_schema;
extern const ks_schema_t ks_consumer_group_describe_resp_schema;

/* ----- CreateTopics (key 19) ----- */

typedef struct {
    int32_t partition_index;
    ks_array_t broker_ids; /* int32_t */
} ks_create_topics_req_creatable_replica_assignment_t;

typedef struct {
    ks_str_t name;
    ks_str_t value;
} ks_create_topics_req_creatable_topic_config_t;

typedef struct {
    ks_str_t name;
    int32_t num_partitions;
    int16_t replication_factor;
    ks_array_t assignments; /* ks_create_topics_req_creatable_replica_assignment_t */
    ks_array_t configs; /* ks_create_topics_req_creatable_topic_config_t */
} ks_create_topics_req_creatable_topic_t;

typedef struct {
    ks_array_t topics; /* ks_create_topics_req_creatable_topic_t */
    int32_t timeout_ms;
    bool validate_only;
} ks_create_topics_req_t;

typedef struct {
    ks_str_t name;
    ks_str_t value;
    bool read_only;
    int8_t config_source;
    bool is_sensitive;
} ks_create_topics_resp_creatable_topic_configs_t;

typedef struct {
    ks_str_t name;
    ks_uuid_t topic_id;
    int16_t error_code;
    ks_str_t error_message;
    int16_t topic_config_error_code;
    int32_t num_partitions;
    int16_t replication_factor;
    ks_array_t configs; /* ks_create_topics_resp_creatable_topic_configs_t */
} ks_create_topics_resp_creatable_topic_result_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t topics; /* ks_create_topics_resp_creatable_topic_result_t */
} ks_create_topics_resp_t;

extern const ks_schema_t ks_create_topics_req_schema;
extern const ks_schema_t ks_create_topics_resp_schema;

/* ----- DeleteTopics (key 20) ----- */

typedef struct {
    ks_str_t name;
    ks_uuid_t topic_id;
} ks_delete_topics_req_delete_topic_state_t;

typedef struct {
    ks_array_t topics; /* ks_delete_topics_req_delete_topic_state_t */
    ks_array_t topic_names; /* ks_str_t */
    int32_t timeout_ms;
} ks_delete_topics_req_t;

typedef struct {
    ks_str_t name;
    ks_uuid_t topic_id;
    int16_t error_code;
    ks_str_t error_message;
} ks_delete_topics_resp_deletable_topic_result_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t responses; /* ks_delete_topics_resp_deletable_topic_result_t */
} ks_delete_topics_resp_t;

extern const ks_schema_t ks_delete_topics_req_schema;
extern const ks_schema_t ks_delete_topics_resp_schema;

/* ----- DescribeConfigs (key 32) ----- */

typedef struct {
    int8_t resource_type;
    ks_str_t resource_name;
    ks_array_t configuration_keys; /* ks_str_t */
} ks_describe_configs_req_describe_configs_resource_t;

typedef struct {
    ks_array_t resources; /* ks_describe_configs_req_describe_configs_resource_t */
    bool include_synonyms;
    bool include_documentation;
} ks_describe_configs_req_t;

typedef struct {
    ks_str_t name;
    ks_str_t value;
    int8_t source;
} ks_describe_configs_resp_describe_configs_synonym_t;

typedef struct {
    ks_str_t name;
    ks_str_t value;
    bool read_only;
    bool is_default;
    int8_t config_source;
    bool is_sensitive;
    ks_array_t synonyms; /* ks_describe_configs_resp_describe_configs_synonym_t */
    int8_t config_type;
    ks_str_t documentation;
} ks_describe_configs_resp_describe_configs_resource_result_t;

typedef struct {
    int16_t error_code;
    ks_str_t error_message;
    int8_t resource_type;
    ks_str_t resource_name;
    ks_array_t configs; /* ks_describe_configs_resp_describe_configs_resource_result_t */
} ks_describe_configs_resp_describe_configs_result_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t results; /* ks_describe_configs_resp_describe_configs_result_t */
} ks_describe_configs_resp_t;

extern const ks_schema_t ks_describe_configs_req_schema;
extern const ks_schema_t ks_describe_configs_resp_schema;

/* ----- AlterConfigs (key 33) ----- */

typedef struct {
    ks_str_t name;
    ks_str_t value;
} ks_alter_configs_req_alterable_config_t;

typedef struct {
    int8_t resource_type;
    ks_str_t resource_name;
    ks_array_t configs; /* ks_alter_configs_req_alterable_config_t */
} ks_alter_configs_req_alter_configs_resource_t;

typedef struct {
    ks_array_t resources; /* ks_alter_configs_req_alter_configs_resource_t */
    bool validate_only;
} ks_alter_configs_req_t;

typedef struct {
    int16_t error_code;
    ks_str_t error_message;
    int8_t resource_type;
    ks_str_t resource_name;
} ks_alter_configs_resp_alter_configs_resource_response_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t responses; /* ks_alter_configs_resp_alter_configs_resource_response_t */
} ks_alter_configs_resp_t;

extern const ks_schema_t ks_alter_configs_req_schema;
extern const ks_schema_t ks_alter_configs_resp_schema;

/* ----- CreatePartitions (key 37) ----- */

typedef struct {
    ks_array_t broker_ids; /* int32_t */
} ks_create_partitions_req_create_partitions_assignment_t;

typedef struct {
    ks_str_t name;
    int32_t count;
    ks_array_t assignments; /* ks_create_partitions_req_create_partitions_assignment_t */
} ks_create_partitions_req_create_partitions_topic_t;

typedef struct {
    ks_array_t topics; /* ks_create_partitions_req_create_partitions_topic_t */
    int32_t timeout_ms;
    bool validate_only;
} ks_create_partitions_req_t;

typedef struct {
    ks_str_t name;
    int16_t error_code;
    ks_str_t error_message;
} ks_create_partitions_resp_create_partitions_topic_result_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t results; /* ks_create_partitions_resp_create_partitions_topic_result_t */
} ks_create_partitions_resp_t;

extern const ks_schema_t ks_create_partitions_req_schema;
extern const ks_schema_t ks_create_partitions_resp_schema;

/* ----- DescribeLogDirs (key 35) ----- */

typedef struct {
    ks_str_t topic;
    ks_array_t partitions; /* int32_t */
} ks_describe_log_dirs_req_describable_log_dir_topic_t;

typedef struct {
    ks_array_t topics; /* ks_describe_log_dirs_req_describable_log_dir_topic_t */
} ks_describe_log_dirs_req_t;

typedef struct {
    int32_t partition_index;
    int64_t partition_size;
    int64_t offset_lag;
    bool is_future_key;
} ks_describe_log_dirs_resp_describe_log_dirs_partition_t;

typedef struct {
    ks_str_t name;
    ks_array_t partitions; /* ks_describe_log_dirs_resp_describe_log_dirs_partition_t */
} ks_describe_log_dirs_resp_describe_log_dirs_topic_t;

typedef struct {
    int16_t error_code;
    ks_str_t log_dir;
    ks_array_t topics; /* ks_describe_log_dirs_resp_describe_log_dirs_topic_t */
    int64_t total_bytes;
    int64_t usable_bytes;
} ks_describe_log_dirs_resp_describe_log_dirs_result_t;

typedef struct {
    int32_t throttle_time_ms;
    int16_t error_code;
    ks_array_t results; /* ks_describe_log_dirs_resp_describe_log_dirs_result_t */
} ks_describe_log_dirs_resp_t;

extern const ks_schema_t ks_describe_log_dirs_req_schema;
extern const ks_schema_t ks_describe_log_dirs_resp_schema;

/* ----- IncrementalAlterConfigs (key 44) ----- */

typedef struct {
    ks_str_t name;
    int8_t config_operation;
    ks_str_t value;
} ks_incremental_alter_configs_req_alterable_config_t;

typedef struct {
    int8_t resource_type;
    ks_str_t resource_name;
    ks_array_t configs; /* ks_incremental_alter_configs_req_alterable_config_t */
} ks_incremental_alter_configs_req_alter_configs_resource_t;

typedef struct {
    ks_array_t resources; /* ks_incremental_alter_configs_req_alter_configs_resource_t */
    bool validate_only;
} ks_incremental_alter_configs_req_t;

typedef struct {
    int16_t error_code;
    ks_str_t error_message;
    int8_t resource_type;
    ks_str_t resource_name;
} ks_incremental_alter_configs_resp_alter_configs_resource_response_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t responses; /* ks_incremental_alter_configs_resp_alter_configs_resource_response_t */
} ks_incremental_alter_configs_resp_t;

extern const ks_schema_t ks_incremental_alter_configs_req_schema;
extern const ks_schema_t ks_incremental_alter_configs_resp_schema;

/* ----- SaslHandshake (key 17) ----- */

typedef struct {
    ks_str_t mechanism;
} ks_sasl_handshake_req_t;

typedef struct {
    int16_t error_code;
    ks_array_t mechanisms; /* ks_str_t */
} ks_sasl_handshake_resp_t;

extern const ks_schema_t ks_sasl_handshake_req_schema;
extern const ks_schema_t ks_sasl_handshake_resp_schema;

/* ----- SaslAuthenticate (key 36) ----- */

typedef struct {
    ks_bytes_t auth_bytes;
} ks_sasl_authenticate_req_t;

typedef struct {
    int16_t error_code;
    ks_str_t error_message;
    ks_bytes_t auth_bytes;
    int64_t session_lifetime_ms;
} ks_sasl_authenticate_resp_t;

extern const ks_schema_t ks_sasl_authenticate_req_schema;
extern const ks_schema_t ks_sasl_authenticate_resp_schema;

/* ----- DescribeAcls (key 29) ----- */

typedef struct {
    int8_t resource_type_filter;
    ks_str_t resource_name_filter;
    int8_t pattern_type_filter;
    ks_str_t principal_filter;
    ks_str_t host_filter;
    int8_t operation;
    int8_t permission_type;
} ks_describe_acls_req_t;

typedef struct {
    ks_str_t principal;
    ks_str_t host;
    int8_t operation;
    int8_t permission_type;
} ks_describe_acls_resp_acl_description_t;

typedef struct {
    int8_t resource_type;
    ks_str_t resource_name;
    int8_t pattern_type;
    ks_array_t acls; /* ks_describe_acls_resp_acl_description_t */
} ks_describe_acls_resp_describe_acls_resource_t;

typedef struct {
    int32_t throttle_time_ms;
    int16_t error_code;
    ks_str_t error_message;
    ks_array_t resources; /* ks_describe_acls_resp_describe_acls_resource_t */
} ks_describe_acls_resp_t;

extern const ks_schema_t ks_describe_acls_req_schema;
extern const ks_schema_t ks_describe_acls_resp_schema;

/* ----- CreateAcls (key 30) ----- */

typedef struct {
    int8_t resource_type;
    ks_str_t resource_name;
    int8_t resource_pattern_type;
    ks_str_t principal;
    ks_str_t host;
    int8_t operation;
    int8_t permission_type;
} ks_create_acls_req_acl_creation_t;

typedef struct {
    ks_array_t creations; /* ks_create_acls_req_acl_creation_t */
} ks_create_acls_req_t;

typedef struct {
    int16_t error_code;
    ks_str_t error_message;
} ks_create_acls_resp_acl_creation_result_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t results; /* ks_create_acls_resp_acl_creation_result_t */
} ks_create_acls_resp_t;

extern const ks_schema_t ks_create_acls_req_schema;
extern const ks_schema_t ks_create_acls_resp_schema;

/* ----- DeleteAcls (key 31) ----- */

typedef struct {
    int8_t resource_type_filter;
    ks_str_t resource_name_filter;
    int8_t pattern_type_filter;
    ks_str_t principal_filter;
    ks_str_t host_filter;
    int8_t operation;
    int8_t permission_type;
} ks_delete_acls_req_delete_acls_filter_t;

typedef struct {
    ks_array_t filters; /* ks_delete_acls_req_delete_acls_filter_t */
} ks_delete_acls_req_t;

typedef struct {
    int16_t error_code;
    ks_str_t error_message;
    int8_t resource_type;
    ks_str_t resource_name;
    int8_t pattern_type;
    ks_str_t principal;
    ks_str_t host;
    int8_t operation;
    int8_t permission_type;
} ks_delete_acls_resp_delete_acls_matching_acl_t;

typedef struct {
    int16_t error_code;
    ks_str_t error_message;
    ks_array_t matching_acls; /* ks_delete_acls_resp_delete_acls_matching_acl_t */
} ks_delete_acls_resp_delete_acls_filter_result_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t filter_results; /* ks_delete_acls_resp_delete_acls_filter_result_t */
} ks_delete_acls_resp_t;

extern const ks_schema_t ks_delete_acls_req_schema;
extern const ks_schema_t ks_delete_acls_resp_schema;

/* ----- DescribeUserScramCredentials (key 50) ----- */

typedef struct {
    ks_str_t name;
} ks_describe_user_scram_credentials_req_user_name_t;

typedef struct {
    ks_array_t users; /* ks_describe_user_scram_credentials_req_user_name_t */
} ks_describe_user_scram_credentials_req_t;

typedef struct {
    int8_t mechanism;
    int32_t iterations;
} ks_describe_user_scram_credentials_resp_credential_info_t;

typedef struct {
    ks_str_t user;
    int16_t error_code;
    ks_str_t error_message;
    ks_array_t credential_infos; /* ks_describe_user_scram_credentials_resp_credential_info_t */
} ks_describe_user_scram_credentials_resp_describe_user_scram_credentials_result_t;

typedef struct {
    int32_t throttle_time_ms;
    int16_t error_code;
    ks_str_t error_message;
    ks_array_t results; /* ks_describe_user_scram_credentials_resp_describe_user_scram_credentials_result_t */
} ks_describe_user_scram_credentials_resp_t;

extern const ks_schema_t ks_describe_user_scram_credentials_req_schema;
extern const ks_schema_t ks_describe_user_scram_credentials_resp_schema;

/* ----- AlterUserScramCredentials (key 51) ----- */

typedef struct {
    ks_str_t name;
    int8_t mechanism;
} ks_alter_user_scram_credentials_req_scram_credential_deletion_t;

typedef struct {
    ks_str_t name;
    int8_t mechanism;
    int32_t iterations;
    ks_bytes_t salt;
    ks_bytes_t salted_password;
} ks_alter_user_scram_credentials_req_scram_credential_upsertion_t;

typedef struct {
    ks_array_t deletions; /* ks_alter_user_scram_credentials_req_scram_credential_deletion_t */
    ks_array_t upsertions; /* ks_alter_user_scram_credentials_req_scram_credential_upsertion_t */
} ks_alter_user_scram_credentials_req_t;

typedef struct {
    ks_str_t user;
    int16_t error_code;
    ks_str_t error_message;
} ks_alter_user_scram_credentials_resp_alter_user_scram_credentials_result_t;

typedef struct {
    int32_t throttle_time_ms;
    ks_array_t results; /* ks_alter_user_scram_credentials_resp_alter_user_scram_credentials_result_t */
} ks_alter_user_scram_credentials_resp_t;

extern const ks_schema_t ks_alter_user_scram_credentials_req_schema;
extern const ks_schema_t ks_alter_user_scram_credentials_resp_schema;

#endif
