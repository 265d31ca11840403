#include "config.h"

/*
 * api_data.c: schema tables of the Produce, Fetch, ListOffsets, Metadata, ApiVersions and other data-path APIs.
 * Field rows: KS_FLD(struct, member, type, vmin, vmax, nullable from,
 * tagged from, tag, default); see codec.h.
 */
#include "proto/api.h"

/* ----- Produce (key 0) ----- */

static const ks_field_t ks_produce_req_partition_produce_data_fields[] = {
    KS_FLD(ks_produce_req_partition_produce_data_t, index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_produce_req_partition_produce_data_t, records, RECORDS, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_produce_req_partition_produce_data_schema = KS_SCHEMA(ks_produce_req_partition_produce_data_t, ks_produce_req_partition_produce_data_fields);

static const ks_field_t ks_produce_req_topic_produce_data_fields[] = {
    KS_FLD(ks_produce_req_topic_produce_data_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_produce_req_topic_produce_data_t, partition_data, ARRAY, &ks_produce_req_partition_produce_data_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_produce_req_topic_produce_data_schema = KS_SCHEMA(ks_produce_req_topic_produce_data_t, ks_produce_req_topic_produce_data_fields);

static const ks_field_t ks_produce_req_fields[] = {
    KS_FLD(ks_produce_req_t, transactional_id, STRING, 3, KS_V_INF, 3, KS_V_NONE, 0, -1),
    KS_FLD(ks_produce_req_t, acks, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_produce_req_t, timeout_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_produce_req_t, topic_data, ARRAY, &ks_produce_req_topic_produce_data_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_produce_req_schema = KS_SCHEMA(ks_produce_req_t, ks_produce_req_fields);

static const ks_field_t ks_produce_resp_batch_index_and_error_message_fields[] = {
    KS_FLD(ks_produce_resp_batch_index_and_error_message_t, batch_index, INT32, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_produce_resp_batch_index_and_error_message_t, batch_index_error_message, STRING, 8, KS_V_INF, 8, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_produce_resp_batch_index_and_error_message_schema = KS_SCHEMA(ks_produce_resp_batch_index_and_error_message_t, ks_produce_resp_batch_index_and_error_message_fields);

static const ks_field_t ks_produce_resp_leader_id_and_epoch_fields[] = {
    KS_FLD(ks_produce_resp_leader_id_and_epoch_t, leader_id, INT32, 10, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_produce_resp_leader_id_and_epoch_t, leader_epoch, INT32, 10, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_produce_resp_leader_id_and_epoch_schema = KS_SCHEMA(ks_produce_resp_leader_id_and_epoch_t, ks_produce_resp_leader_id_and_epoch_fields);

static const ks_field_t ks_produce_resp_partition_produce_response_fields[] = {
    KS_FLD(ks_produce_resp_partition_produce_response_t, index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_produce_resp_partition_produce_response_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_produce_resp_partition_produce_response_t, base_offset, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_produce_resp_partition_produce_response_t, log_append_time_ms, INT64, 2, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_produce_resp_partition_produce_response_t, log_start_offset, INT64, 5, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD_SUB(ks_produce_resp_partition_produce_response_t, record_errors, ARRAY, &ks_produce_resp_batch_index_and_error_message_schema, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_produce_resp_partition_produce_response_t, error_message, STRING, 8, KS_V_INF, 8, KS_V_NONE, 0, -1),
    KS_FLD_SUB(ks_produce_resp_partition_produce_response_t, current_leader, STRUCT, &ks_produce_resp_leader_id_and_epoch_schema, 10, KS_V_INF, KS_V_NONE, 10, 0, 0),
};
static const ks_schema_t ks_produce_resp_partition_produce_response_schema = KS_SCHEMA(ks_produce_resp_partition_produce_response_t, ks_produce_resp_partition_produce_response_fields);

static const ks_field_t ks_produce_resp_topic_produce_response_fields[] = {
    KS_FLD(ks_produce_resp_topic_produce_response_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_produce_resp_topic_produce_response_t, partition_responses, ARRAY, &ks_produce_resp_partition_produce_response_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_produce_resp_topic_produce_response_schema = KS_SCHEMA(ks_produce_resp_topic_produce_response_t, ks_produce_resp_topic_produce_response_fields);

static const ks_field_t ks_produce_resp_node_endpoint_fields[] = {
    KS_FLD(ks_produce_resp_node_endpoint_t, node_id, INT32, 10, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_produce_resp_node_endpoint_t, host, STRING, 10, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_produce_resp_node_endpoint_t, port, INT32, 10, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_produce_resp_node_endpoint_t, rack, STRING, 10, KS_V_INF, 10, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_produce_resp_node_endpoint_schema = KS_SCHEMA(ks_produce_resp_node_endpoint_t, ks_produce_resp_node_endpoint_fields);

static const ks_field_t ks_produce_resp_fields[] = {
    KS_FLD_SUB(ks_produce_resp_t, responses, ARRAY, &ks_produce_resp_topic_produce_response_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_produce_resp_t, throttle_time_ms, INT32, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_produce_resp_t, node_endpoints, ARRAY, &ks_produce_resp_node_endpoint_schema, 10, KS_V_INF, KS_V_NONE, 10, 0, 0),
};
const ks_schema_t ks_produce_resp_schema = KS_SCHEMA(ks_produce_resp_t, ks_produce_resp_fields);

/* ----- Fetch (key 1) ----- */

static const ks_field_t ks_fetch_req_replica_state_fields[] = {
    KS_FLD(ks_fetch_req_replica_state_t, replica_id, INT32, 15, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_fetch_req_replica_state_t, replica_epoch, INT64, 15, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_fetch_req_replica_state_schema = KS_SCHEMA(ks_fetch_req_replica_state_t, ks_fetch_req_replica_state_fields);

static const ks_field_t ks_fetch_req_fetch_partition_fields[] = {
    KS_FLD(ks_fetch_req_fetch_partition_t, partition, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_req_fetch_partition_t, current_leader_epoch, INT32, 9, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_fetch_req_fetch_partition_t, fetch_offset, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_req_fetch_partition_t, last_fetched_epoch, INT32, 12, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_fetch_req_fetch_partition_t, log_start_offset, INT64, 5, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_fetch_req_fetch_partition_t, partition_max_bytes, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_req_fetch_partition_t, replica_directory_id, UUID, 17, KS_V_INF, KS_V_NONE, 17, 0, 0),
};
static const ks_schema_t ks_fetch_req_fetch_partition_schema = KS_SCHEMA(ks_fetch_req_fetch_partition_t, ks_fetch_req_fetch_partition_fields);

static const ks_field_t ks_fetch_req_fetch_topic_fields[] = {
    KS_FLD(ks_fetch_req_fetch_topic_t, topic, STRING, 0, 12, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_req_fetch_topic_t, topic_id, UUID, 13, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_fetch_req_fetch_topic_t, partitions, ARRAY, &ks_fetch_req_fetch_partition_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_fetch_req_fetch_topic_schema = KS_SCHEMA(ks_fetch_req_fetch_topic_t, ks_fetch_req_fetch_topic_fields);

static const ks_field_t ks_fetch_req_forgotten_topic_fields[] = {
    KS_FLD(ks_fetch_req_forgotten_topic_t, topic, STRING, 7, 12, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_req_forgotten_topic_t, topic_id, UUID, 13, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_fetch_req_forgotten_topic_t, partitions, INT32, 7, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_fetch_req_forgotten_topic_schema = KS_SCHEMA(ks_fetch_req_forgotten_topic_t, ks_fetch_req_forgotten_topic_fields);

static const ks_field_t ks_fetch_req_fields[] = {
    KS_FLD(ks_fetch_req_t, cluster_id, STRING, 12, KS_V_INF, 12, 12, 0, -1),
    KS_FLD(ks_fetch_req_t, replica_id, INT32, 0, 14, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD_SUB(ks_fetch_req_t, replica_state, STRUCT, &ks_fetch_req_replica_state_schema, 15, KS_V_INF, KS_V_NONE, 15, 1, 0),
    KS_FLD(ks_fetch_req_t, max_wait_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_req_t, min_bytes, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_req_t, max_bytes, INT32, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 2147483647),
    KS_FLD(ks_fetch_req_t, isolation_level, INT8, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_req_t, session_id, INT32, 7, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_req_t, session_epoch, INT32, 7, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD_SUB(ks_fetch_req_t, topics, ARRAY, &ks_fetch_req_fetch_topic_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_fetch_req_t, forgotten_topics_data, ARRAY, &ks_fetch_req_forgotten_topic_schema, 7, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_req_t, rack_id, STRING, 11, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_fetch_req_schema = KS_SCHEMA(ks_fetch_req_t, ks_fetch_req_fields);

static const ks_field_t ks_fetch_resp_epoch_end_offset_fields[] = {
    KS_FLD(ks_fetch_resp_epoch_end_offset_t, epoch, INT32, 12, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_fetch_resp_epoch_end_offset_t, end_offset, INT64, 12, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_fetch_resp_epoch_end_offset_schema = KS_SCHEMA(ks_fetch_resp_epoch_end_offset_t, ks_fetch_resp_epoch_end_offset_fields);

static const ks_field_t ks_fetch_resp_leader_id_and_epoch_fields[] = {
    KS_FLD(ks_fetch_resp_leader_id_and_epoch_t, leader_id, INT32, 12, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_fetch_resp_leader_id_and_epoch_t, leader_epoch, INT32, 12, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_fetch_resp_leader_id_and_epoch_schema = KS_SCHEMA(ks_fetch_resp_leader_id_and_epoch_t, ks_fetch_resp_leader_id_and_epoch_fields);

static const ks_field_t ks_fetch_resp_snapshot_id_fields[] = {
    KS_FLD(ks_fetch_resp_snapshot_id_t, end_offset, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_fetch_resp_snapshot_id_t, epoch, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_fetch_resp_snapshot_id_schema = KS_SCHEMA(ks_fetch_resp_snapshot_id_t, ks_fetch_resp_snapshot_id_fields);

static const ks_field_t ks_fetch_resp_aborted_transaction_fields[] = {
    KS_FLD(ks_fetch_resp_aborted_transaction_t, producer_id, INT64, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_resp_aborted_transaction_t, first_offset, INT64, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_fetch_resp_aborted_transaction_schema = KS_SCHEMA(ks_fetch_resp_aborted_transaction_t, ks_fetch_resp_aborted_transaction_fields);

static const ks_field_t ks_fetch_resp_partition_data_fields[] = {
    KS_FLD(ks_fetch_resp_partition_data_t, partition_index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_resp_partition_data_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_resp_partition_data_t, high_watermark, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_resp_partition_data_t, last_stable_offset, INT64, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_fetch_resp_partition_data_t, log_start_offset, INT64, 5, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD_SUB(ks_fetch_resp_partition_data_t, diverging_epoch, STRUCT, &ks_fetch_resp_epoch_end_offset_schema, 12, KS_V_INF, KS_V_NONE, 12, 0, 0),
    KS_FLD_SUB(ks_fetch_resp_partition_data_t, current_leader, STRUCT, &ks_fetch_resp_leader_id_and_epoch_schema, 12, KS_V_INF, KS_V_NONE, 12, 1, 0),
    KS_FLD_SUB(ks_fetch_resp_partition_data_t, snapshot_id, STRUCT, &ks_fetch_resp_snapshot_id_schema, 12, KS_V_INF, KS_V_NONE, 12, 2, 0),
    KS_FLD_SUB(ks_fetch_resp_partition_data_t, aborted_transactions, ARRAY, &ks_fetch_resp_aborted_transaction_schema, 4, KS_V_INF, 4, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_resp_partition_data_t, preferred_read_replica, INT32, 11, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_fetch_resp_partition_data_t, records, RECORDS, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_fetch_resp_partition_data_schema = KS_SCHEMA(ks_fetch_resp_partition_data_t, ks_fetch_resp_partition_data_fields);

static const ks_field_t ks_fetch_resp_fetchable_topic_response_fields[] = {
    KS_FLD(ks_fetch_resp_fetchable_topic_response_t, topic, STRING, 0, 12, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_resp_fetchable_topic_response_t, topic_id, UUID, 13, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_fetch_resp_fetchable_topic_response_t, partitions, ARRAY, &ks_fetch_resp_partition_data_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_fetch_resp_fetchable_topic_response_schema = KS_SCHEMA(ks_fetch_resp_fetchable_topic_response_t, ks_fetch_resp_fetchable_topic_response_fields);

static const ks_field_t ks_fetch_resp_node_endpoint_fields[] = {
    KS_FLD(ks_fetch_resp_node_endpoint_t, node_id, INT32, 16, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_resp_node_endpoint_t, host, STRING, 16, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_resp_node_endpoint_t, port, INT32, 16, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_resp_node_endpoint_t, rack, STRING, 16, KS_V_INF, 16, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_fetch_resp_node_endpoint_schema = KS_SCHEMA(ks_fetch_resp_node_endpoint_t, ks_fetch_resp_node_endpoint_fields);

static const ks_field_t ks_fetch_resp_fields[] = {
    KS_FLD(ks_fetch_resp_t, throttle_time_ms, INT32, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_resp_t, error_code, INT16, 7, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_fetch_resp_t, session_id, INT32, 7, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_fetch_resp_t, responses, ARRAY, &ks_fetch_resp_fetchable_topic_response_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_fetch_resp_t, node_endpoints, ARRAY, &ks_fetch_resp_node_endpoint_schema, 16, KS_V_INF, KS_V_NONE, 16, 0, 0),
};
const ks_schema_t ks_fetch_resp_schema = KS_SCHEMA(ks_fetch_resp_t, ks_fetch_resp_fields);

/* ----- ListOffsets (key 2) ----- */

static const ks_field_t ks_list_offsets_req_list_offsets_partition_fields[] = {
    KS_FLD(ks_list_offsets_req_list_offsets_partition_t, partition_index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_list_offsets_req_list_offsets_partition_t, current_leader_epoch, INT32, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_list_offsets_req_list_offsets_partition_t, timestamp, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_list_offsets_req_list_offsets_partition_t, max_num_offsets, INT32, 0, 0, KS_V_NONE, KS_V_NONE, 0, 1),
};
static const ks_schema_t ks_list_offsets_req_list_offsets_partition_schema = KS_SCHEMA(ks_list_offsets_req_list_offsets_partition_t, ks_list_offsets_req_list_offsets_partition_fields);

static const ks_field_t ks_list_offsets_req_list_offsets_topic_fields[] = {
    KS_FLD(ks_list_offsets_req_list_offsets_topic_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_list_offsets_req_list_offsets_topic_t, partitions, ARRAY, &ks_list_offsets_req_list_offsets_partition_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_list_offsets_req_list_offsets_topic_schema = KS_SCHEMA(ks_list_offsets_req_list_offsets_topic_t, ks_list_offsets_req_list_offsets_topic_fields);

static const ks_field_t ks_list_offsets_req_fields[] = {
    KS_FLD(ks_list_offsets_req_t, replica_id, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_list_offsets_req_t, isolation_level, INT8, 2, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_list_offsets_req_t, topics, ARRAY, &ks_list_offsets_req_list_offsets_topic_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_list_offsets_req_t, timeout_ms, INT32, 10, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_list_offsets_req_schema = KS_SCHEMA(ks_list_offsets_req_t, ks_list_offsets_req_fields);

static const ks_field_t ks_list_offsets_resp_list_offsets_partition_response_fields[] = {
    KS_FLD(ks_list_offsets_resp_list_offsets_partition_response_t, partition_index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_list_offsets_resp_list_offsets_partition_response_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_list_offsets_resp_list_offsets_partition_response_t, old_style_offsets, INT64, 0, 0, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_list_offsets_resp_list_offsets_partition_response_t, timestamp, INT64, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_list_offsets_resp_list_offsets_partition_response_t, offset, INT64, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_list_offsets_resp_list_offsets_partition_response_t, leader_epoch, INT32, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_list_offsets_resp_list_offsets_partition_response_schema = KS_SCHEMA(ks_list_offsets_resp_list_offsets_partition_response_t, ks_list_offsets_resp_list_offsets_partition_response_fields);

static const ks_field_t ks_list_offsets_resp_list_offsets_topic_response_fields[] = {
    KS_FLD(ks_list_offsets_resp_list_offsets_topic_response_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_list_offsets_resp_list_offsets_topic_response_t, partitions, ARRAY, &ks_list_offsets_resp_list_offsets_partition_response_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_list_offsets_resp_list_offsets_topic_response_schema = KS_SCHEMA(ks_list_offsets_resp_list_offsets_topic_response_t, ks_list_offsets_resp_list_offsets_topic_response_fields);

static const ks_field_t ks_list_offsets_resp_fields[] = {
    KS_FLD(ks_list_offsets_resp_t, throttle_time_ms, INT32, 2, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_list_offsets_resp_t, topics, ARRAY, &ks_list_offsets_resp_list_offsets_topic_response_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_list_offsets_resp_schema = KS_SCHEMA(ks_list_offsets_resp_t, ks_list_offsets_resp_fields);

/* ----- Metadata (key 3) ----- */

static const ks_field_t ks_metadata_req_metadata_request_topic_fields[] = {
    KS_FLD(ks_metadata_req_metadata_request_topic_t, topic_id, UUID, 10, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_req_metadata_request_topic_t, name, STRING, 0, KS_V_INF, 10, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_metadata_req_metadata_request_topic_schema = KS_SCHEMA(ks_metadata_req_metadata_request_topic_t, ks_metadata_req_metadata_request_topic_fields);

static const ks_field_t ks_metadata_req_fields[] = {
    KS_FLD_SUB(ks_metadata_req_t, topics, ARRAY, &ks_metadata_req_metadata_request_topic_schema, 0, KS_V_INF, 1, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_req_t, allow_auto_topic_creation, BOOL, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 1),
    KS_FLD(ks_metadata_req_t, include_cluster_authorized_operations, BOOL, 8, 10, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_req_t, include_topic_authorized_operations, BOOL, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_metadata_req_schema = KS_SCHEMA(ks_metadata_req_t, ks_metadata_req_fields);

static const ks_field_t ks_metadata_resp_metadata_response_broker_fields[] = {
    KS_FLD(ks_metadata_resp_metadata_response_broker_t, node_id, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_resp_metadata_response_broker_t, host, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_resp_metadata_response_broker_t, port, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_resp_metadata_response_broker_t, rack, STRING, 1, KS_V_INF, 1, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_metadata_resp_metadata_response_broker_schema = KS_SCHEMA(ks_metadata_resp_metadata_response_broker_t, ks_metadata_resp_metadata_response_broker_fields);

static const ks_field_t ks_metadata_resp_metadata_response_partition_fields[] = {
    KS_FLD(ks_metadata_resp_metadata_response_partition_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_resp_metadata_response_partition_t, partition_index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_resp_metadata_response_partition_t, leader_id, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_resp_metadata_response_partition_t, leader_epoch, INT32, 7, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD_ARR(ks_metadata_resp_metadata_response_partition_t, replica_nodes, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_metadata_resp_metadata_response_partition_t, isr_nodes, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_metadata_resp_metadata_response_partition_t, offline_replicas, INT32, 5, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_metadata_resp_metadata_response_partition_schema = KS_SCHEMA(ks_metadata_resp_metadata_response_partition_t, ks_metadata_resp_metadata_response_partition_fields);

static const ks_field_t ks_metadata_resp_metadata_response_topic_fields[] = {
    KS_FLD(ks_metadata_resp_metadata_response_topic_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_resp_metadata_response_topic_t, name, STRING, 0, KS_V_INF, 12, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_resp_metadata_response_topic_t, topic_id, UUID, 10, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_resp_metadata_response_topic_t, is_internal, BOOL, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_metadata_resp_metadata_response_topic_t, partitions, ARRAY, &ks_metadata_resp_metadata_response_partition_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_resp_metadata_response_topic_t, topic_authorized_operations, INT32, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -2147483648),
};
static const ks_schema_t ks_metadata_resp_metadata_response_topic_schema = KS_SCHEMA(ks_metadata_resp_metadata_response_topic_t, ks_metadata_resp_metadata_response_topic_fields);

static const ks_field_t ks_metadata_resp_fields[] = {
    KS_FLD(ks_metadata_resp_t, throttle_time_ms, INT32, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_metadata_resp_t, brokers, ARRAY, &ks_metadata_resp_metadata_response_broker_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_resp_t, cluster_id, STRING, 2, KS_V_INF, 2, KS_V_NONE, 0, -1),
    KS_FLD(ks_metadata_resp_t, controller_id, INT32, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD_SUB(ks_metadata_resp_t, topics, ARRAY, &ks_metadata_resp_metadata_response_topic_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_metadata_resp_t, cluster_authorized_operations, INT32, 8, 10, KS_V_NONE, KS_V_NONE, 0, -2147483648),
};
const ks_schema_t ks_metadata_resp_schema = KS_SCHEMA(ks_metadata_resp_t, ks_metadata_resp_fields);

/* ----- ApiVersions (key 18) ----- */

static const ks_field_t ks_api_versions_req_fields[] = {
    KS_FLD(ks_api_versions_req_t, client_software_name, STRING, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_api_versions_req_t, client_software_version, STRING, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_api_versions_req_schema = KS_SCHEMA(ks_api_versions_req_t, ks_api_versions_req_fields);

static const ks_field_t ks_api_versions_resp_api_version_fields[] = {
    KS_FLD(ks_api_versions_resp_api_version_t, api_key, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_api_versions_resp_api_version_t, min_version, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_api_versions_resp_api_version_t, max_version, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_api_versions_resp_api_version_schema = KS_SCHEMA(ks_api_versions_resp_api_version_t, ks_api_versions_resp_api_version_fields);

static const ks_field_t ks_api_versions_resp_supported_feature_key_fields[] = {
    KS_FLD(ks_api_versions_resp_supported_feature_key_t, name, STRING, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_api_versions_resp_supported_feature_key_t, min_version, INT16, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_api_versions_resp_supported_feature_key_t, max_version, INT16, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_api_versions_resp_supported_feature_key_schema = KS_SCHEMA(ks_api_versions_resp_supported_feature_key_t, ks_api_versions_resp_supported_feature_key_fields);

static const ks_field_t ks_api_versions_resp_finalized_feature_key_fields[] = {
    KS_FLD(ks_api_versions_resp_finalized_feature_key_t, name, STRING, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_api_versions_resp_finalized_feature_key_t, max_version_level, INT16, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_api_versions_resp_finalized_feature_key_t, min_version_level, INT16, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_api_versions_resp_finalized_feature_key_schema = KS_SCHEMA(ks_api_versions_resp_finalized_feature_key_t, ks_api_versions_resp_finalized_feature_key_fields);

static const ks_field_t ks_api_versions_resp_fields[] = {
    KS_FLD(ks_api_versions_resp_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_api_versions_resp_t, api_keys, ARRAY, &ks_api_versions_resp_api_version_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_api_versions_resp_t, throttle_time_ms, INT32, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_api_versions_resp_t, supported_features, ARRAY, &ks_api_versions_resp_supported_feature_key_schema, 3, KS_V_INF, KS_V_NONE, 3, 0, 0),
    KS_FLD(ks_api_versions_resp_t, finalized_features_epoch, INT64, 3, KS_V_INF, KS_V_NONE, 3, 1, -1),
    KS_FLD_SUB(ks_api_versions_resp_t, finalized_features, ARRAY, &ks_api_versions_resp_finalized_feature_key_schema, 3, KS_V_INF, KS_V_NONE, 3, 2, 0),
    KS_FLD(ks_api_versions_resp_t, zk_migration_ready, BOOL, 3, KS_V_INF, KS_V_NONE, 3, 3, 0),
};
const ks_schema_t ks_api_versions_resp_schema = KS_SCHEMA(ks_api_versions_resp_t, ks_api_versions_resp_fields);

/* ----- DeleteRecords (key 21) ----- */

static const ks_field_t ks_delete_records_req_delete_records_partition_fields[] = {
    KS_FLD(ks_delete_records_req_delete_records_partition_t, partition_index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_records_req_delete_records_partition_t, offset, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_delete_records_req_delete_records_partition_schema = KS_SCHEMA(ks_delete_records_req_delete_records_partition_t, ks_delete_records_req_delete_records_partition_fields);

static const ks_field_t ks_delete_records_req_delete_records_topic_fields[] = {
    KS_FLD(ks_delete_records_req_delete_records_topic_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_delete_records_req_delete_records_topic_t, partitions, ARRAY, &ks_delete_records_req_delete_records_partition_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_delete_records_req_delete_records_topic_schema = KS_SCHEMA(ks_delete_records_req_delete_records_topic_t, ks_delete_records_req_delete_records_topic_fields);

static const ks_field_t ks_delete_records_req_fields[] = {
    KS_FLD_SUB(ks_delete_records_req_t, topics, ARRAY, &ks_delete_records_req_delete_records_topic_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_records_req_t, timeout_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_delete_records_req_schema = KS_SCHEMA(ks_delete_records_req_t, ks_delete_records_req_fields);

static const ks_field_t ks_delete_records_resp_delete_records_partition_result_fields[] = {
    KS_FLD(ks_delete_records_resp_delete_records_partition_result_t, partition_index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_records_resp_delete_records_partition_result_t, low_watermark, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_records_resp_delete_records_partition_result_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_delete_records_resp_delete_records_partition_result_schema = KS_SCHEMA(ks_delete_records_resp_delete_records_partition_result_t, ks_delete_records_resp_delete_records_partition_result_fields);

static const ks_field_t ks_delete_records_resp_delete_records_topic_result_fields[] = {
    KS_FLD(ks_delete_records_resp_delete_records_topic_result_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_delete_records_resp_delete_records_topic_result_t, partitions, ARRAY, &ks_delete_records_resp_delete_records_partition_result_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_delete_records_resp_delete_records_topic_result_schema = KS_SCHEMA(ks_delete_records_resp_delete_records_topic_result_t, ks_delete_records_resp_delete_records_topic_result_fields);

static const ks_field_t ks_delete_records_resp_fields[] = {
    KS_FLD(ks_delete_records_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_delete_records_resp_t, topics, ARRAY, &ks_delete_records_resp_delete_records_topic_result_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_delete_records_resp_schema = KS_SCHEMA(ks_delete_records_resp_t, ks_delete_records_resp_fields);

/* ----- InitProducerId (key 22) ----- */

static const ks_field_t ks_init_producer_id_req_fields[] = {
    KS_FLD(ks_init_producer_id_req_t, transactional_id, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_init_producer_id_req_t, transaction_timeout_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_init_producer_id_req_t, producer_id, INT64, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_init_producer_id_req_t, producer_epoch, INT16, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
};
const ks_schema_t ks_init_producer_id_req_schema = KS_SCHEMA(ks_init_producer_id_req_t, ks_init_producer_id_req_fields);

static const ks_field_t ks_init_producer_id_resp_fields[] = {
    KS_FLD(ks_init_producer_id_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_init_producer_id_resp_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_init_producer_id_resp_t, producer_id, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_init_producer_id_resp_t, producer_epoch, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_init_producer_id_resp_schema = KS_SCHEMA(ks_init_producer_id_resp_t, ks_init_producer_id_resp_fields);

/* ----- OffsetForLeaderEpoch (key 23) ----- */

static const ks_field_t ks_offset_for_leader_epoch_req_offset_for_leader_partition_fields[] = {
    KS_FLD(ks_offset_for_leader_epoch_req_offset_for_leader_partition_t, partition, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_for_leader_epoch_req_offset_for_leader_partition_t, current_leader_epoch, INT32, 2, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_offset_for_leader_epoch_req_offset_for_leader_partition_t, leader_epoch, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_for_leader_epoch_req_offset_for_leader_partition_schema = KS_SCHEMA(ks_offset_for_leader_epoch_req_offset_for_leader_partition_t, ks_offset_for_leader_epoch_req_offset_for_leader_partition_fields);

static const ks_field_t ks_offset_for_leader_epoch_req_offset_for_leader_topic_fields[] = {
    KS_FLD(ks_offset_for_leader_epoch_req_offset_for_leader_topic_t, topic, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_for_leader_epoch_req_offset_for_leader_topic_t, partitions, ARRAY, &ks_offset_for_leader_epoch_req_offset_for_leader_partition_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_for_leader_epoch_req_offset_for_leader_topic_schema = KS_SCHEMA(ks_offset_for_leader_epoch_req_offset_for_leader_topic_t, ks_offset_for_leader_epoch_req_offset_for_leader_topic_fields);

static const ks_field_t ks_offset_for_leader_epoch_req_fields[] = {
    KS_FLD(ks_offset_for_leader_epoch_req_t, replica_id, INT32, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -2),
    KS_FLD_SUB(ks_offset_for_leader_epoch_req_t, topics, ARRAY, &ks_offset_for_leader_epoch_req_offset_for_leader_topic_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_offset_for_leader_epoch_req_schema = KS_SCHEMA(ks_offset_for_leader_epoch_req_t, ks_offset_for_leader_epoch_req_fields);

static const ks_field_t ks_offset_for_leader_epoch_resp_epoch_end_offset_fields[] = {
    KS_FLD(ks_offset_for_leader_epoch_resp_epoch_end_offset_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_for_leader_epoch_resp_epoch_end_offset_t, partition, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_for_leader_epoch_resp_epoch_end_offset_t, leader_epoch, INT32, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_offset_for_leader_epoch_resp_epoch_end_offset_t, end_offset, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_offset_for_leader_epoch_resp_epoch_end_offset_schema = KS_SCHEMA(ks_offset_for_leader_epoch_resp_epoch_end_offset_t, ks_offset_for_leader_epoch_resp_epoch_end_offset_fields);

static const ks_field_t ks_offset_for_leader_epoch_resp_offset_for_leader_topic_result_fields[] = {
    KS_FLD(ks_offset_for_leader_epoch_resp_offset_for_leader_topic_result_t, topic, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_for_leader_epoch_resp_offset_for_leader_topic_result_t, partitions, ARRAY, &ks_offset_for_leader_epoch_resp_epoch_end_offset_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_for_leader_epoch_resp_offset_for_leader_topic_result_schema = KS_SCHEMA(ks_offset_for_leader_epoch_resp_offset_for_leader_topic_result_t, ks_offset_for_leader_epoch_resp_offset_for_leader_topic_result_fields);

static const ks_field_t ks_offset_for_leader_epoch_resp_fields[] = {
    KS_FLD(ks_offset_for_leader_epoch_resp_t, throttle_time_ms, INT32, 2, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_for_leader_epoch_resp_t, topics, ARRAY, &ks_offset_for_leader_epoch_resp_offset_for_leader_topic_result_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_offset_for_leader_epoch_resp_schema = KS_SCHEMA(ks_offset_for_leader_epoch_resp_t, ks_offset_for_leader_epoch_resp_fields);

/* ----- DescribeProducers (key 61) ----- */

static const ks_field_t ks_describe_producers_req_topic_request_fields[] = {
    KS_FLD(ks_describe_producers_req_topic_request_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_describe_producers_req_topic_request_t, partition_indexes, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_producers_req_topic_request_schema = KS_SCHEMA(ks_describe_producers_req_topic_request_t, ks_describe_producers_req_topic_request_fields);

static const ks_field_t ks_describe_producers_req_fields[] = {
    KS_FLD_SUB(ks_describe_producers_req_t, topics, ARRAY, &ks_describe_producers_req_topic_request_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_describe_producers_req_schema = KS_SCHEMA(ks_describe_producers_req_t, ks_describe_producers_req_fields);

static const ks_field_t ks_describe_producers_resp_producer_state_fields[] = {
    KS_FLD(ks_describe_producers_resp_producer_state_t, producer_id, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_producers_resp_producer_state_t, producer_epoch, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_producers_resp_producer_state_t, last_sequence, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_describe_producers_resp_producer_state_t, last_timestamp, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_describe_producers_resp_producer_state_t, coordinator_epoch, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_producers_resp_producer_state_t, current_txn_start_offset, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_describe_producers_resp_producer_state_schema = KS_SCHEMA(ks_describe_producers_resp_producer_state_t, ks_describe_producers_resp_producer_state_fields);

static const ks_field_t ks_describe_producers_resp_partition_response_fields[] = {
    KS_FLD(ks_describe_producers_resp_partition_response_t, partition_index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_producers_resp_partition_response_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_producers_resp_partition_response_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
    KS_FLD_SUB(ks_describe_producers_resp_partition_response_t, active_producers, ARRAY, &ks_describe_producers_resp_producer_state_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_producers_resp_partition_response_schema = KS_SCHEMA(ks_describe_producers_resp_partition_response_t, ks_describe_producers_resp_partition_response_fields);

static const ks_field_t ks_describe_producers_resp_topic_response_fields[] = {
    KS_FLD(ks_describe_producers_resp_topic_response_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_describe_producers_resp_topic_response_t, partitions, ARRAY, &ks_describe_producers_resp_partition_response_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_producers_resp_topic_response_schema = KS_SCHEMA(ks_describe_producers_resp_topic_response_t, ks_describe_producers_resp_topic_response_fields);

static const ks_field_t ks_describe_producers_resp_fields[] = {
    KS_FLD(ks_describe_producers_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_describe_producers_resp_t, topics, ARRAY, &ks_describe_producers_resp_topic_response_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_describe_producers_resp_schema = KS_SCHEMA(ks_describe_producers_resp_t, ks_describe_producers_resp_fields);

/* ----- DescribeCluster (key 60) ----- */

static const ks_field_t ks_describe_cluster_req_fields[] = {
    KS_FLD(ks_describe_cluster_req_t, include_cluster_authorized_operations, BOOL, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_cluster_req_t, endpoint_type, INT8, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 1),
};
const ks_schema_t ks_describe_cluster_req_schema = KS_SCHEMA(ks_describe_cluster_req_t, ks_describe_cluster_req_fields);

static const ks_field_t ks_describe_cluster_resp_describe_cluster_broker_fields[] = {
    KS_FLD(ks_describe_cluster_resp_describe_cluster_broker_t, broker_id, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_cluster_resp_describe_cluster_broker_t, host, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_cluster_resp_describe_cluster_broker_t, port, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_cluster_resp_describe_cluster_broker_t, rack, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_describe_cluster_resp_describe_cluster_broker_schema = KS_SCHEMA(ks_describe_cluster_resp_describe_cluster_broker_t, ks_describe_cluster_resp_describe_cluster_broker_fields);

static const ks_field_t ks_describe_cluster_resp_fields[] = {
    KS_FLD(ks_describe_cluster_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_cluster_resp_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_cluster_resp_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
    KS_FLD(ks_describe_cluster_resp_t, endpoint_type, INT8, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 1),
    KS_FLD(ks_describe_cluster_resp_t, cluster_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_cluster_resp_t, controller_id, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD_SUB(ks_describe_cluster_resp_t, brokers, ARRAY, &ks_describe_cluster_resp_describe_cluster_broker_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_cluster_resp_t, cluster_authorized_operations, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -2147483648),
};
const ks_schema_t ks_describe_cluster_resp_schema = KS_SCHEMA(ks_describe_cluster_resp_t, ks_describe_cluster_resp_fields);
