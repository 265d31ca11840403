#include "config.h"

/*
 * api_group.c: schema tables of the consumer group and offset APIs.
 * Field rows: KS_FLD(struct, member, type, vmin, vmax, nullable from,
 * tagged from, tag, default); see codec.h.
 */
#include "proto/api.h"

/* ----- OffsetCommit (key 8) ----- */

static const ks_field_t ks_offset_commit_req_offset_commit_request_partition_fields[] = {
    KS_FLD(ks_offset_commit_req_offset_commit_request_partition_t, partition_index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_commit_req_offset_commit_request_partition_t, committed_offset, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_commit_req_offset_commit_request_partition_t, committed_leader_epoch, INT32, 6, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_offset_commit_req_offset_commit_request_partition_t, commit_timestamp, INT64, 1, 1, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_offset_commit_req_offset_commit_request_partition_t, committed_metadata, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_commit_req_offset_commit_request_partition_schema = KS_SCHEMA(ks_offset_commit_req_offset_commit_request_partition_t, ks_offset_commit_req_offset_commit_request_partition_fields);

static const ks_field_t ks_offset_commit_req_offset_commit_request_topic_fields[] = {
    KS_FLD(ks_offset_commit_req_offset_commit_request_topic_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_commit_req_offset_commit_request_topic_t, partitions, ARRAY, &ks_offset_commit_req_offset_commit_request_partition_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_commit_req_offset_commit_request_topic_schema = KS_SCHEMA(ks_offset_commit_req_offset_commit_request_topic_t, ks_offset_commit_req_offset_commit_request_topic_fields);

static const ks_field_t ks_offset_commit_req_fields[] = {
    KS_FLD(ks_offset_commit_req_t, group_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_commit_req_t, generation_id_or_member_epoch, INT32, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_offset_commit_req_t, member_id, STRING, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_commit_req_t, group_instance_id, STRING, 7, KS_V_INF, 7, KS_V_NONE, 0, -1),
    KS_FLD(ks_offset_commit_req_t, retention_time_ms, INT64, 2, 4, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD_SUB(ks_offset_commit_req_t, topics, ARRAY, &ks_offset_commit_req_offset_commit_request_topic_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_offset_commit_req_schema = KS_SCHEMA(ks_offset_commit_req_t, ks_offset_commit_req_fields);

static const ks_field_t ks_offset_commit_resp_offset_commit_response_partition_fields[] = {
    KS_FLD(ks_offset_commit_resp_offset_commit_response_partition_t, partition_index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_commit_resp_offset_commit_response_partition_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_commit_resp_offset_commit_response_partition_schema = KS_SCHEMA(ks_offset_commit_resp_offset_commit_response_partition_t, ks_offset_commit_resp_offset_commit_response_partition_fields);

static const ks_field_t ks_offset_commit_resp_offset_commit_response_topic_fields[] = {
    KS_FLD(ks_offset_commit_resp_offset_commit_response_topic_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_commit_resp_offset_commit_response_topic_t, partitions, ARRAY, &ks_offset_commit_resp_offset_commit_response_partition_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_commit_resp_offset_commit_response_topic_schema = KS_SCHEMA(ks_offset_commit_resp_offset_commit_response_topic_t, ks_offset_commit_resp_offset_commit_response_topic_fields);

static const ks_field_t ks_offset_commit_resp_fields[] = {
    KS_FLD(ks_offset_commit_resp_t, throttle_time_ms, INT32, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_commit_resp_t, topics, ARRAY, &ks_offset_commit_resp_offset_commit_response_topic_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_offset_commit_resp_schema = KS_SCHEMA(ks_offset_commit_resp_t, ks_offset_commit_resp_fields);

/* ----- OffsetFetch (key 9) ----- */

static const ks_field_t ks_offset_fetch_req_offset_fetch_request_topic_fields[] = {
    KS_FLD(ks_offset_fetch_req_offset_fetch_request_topic_t, name, STRING, 0, 7, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_offset_fetch_req_offset_fetch_request_topic_t, partition_indexes, INT32, 0, 7, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_fetch_req_offset_fetch_request_topic_schema = KS_SCHEMA(ks_offset_fetch_req_offset_fetch_request_topic_t, ks_offset_fetch_req_offset_fetch_request_topic_fields);

static const ks_field_t ks_offset_fetch_req_offset_fetch_request_topics_fields[] = {
    KS_FLD(ks_offset_fetch_req_offset_fetch_request_topics_t, name, STRING, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_offset_fetch_req_offset_fetch_request_topics_t, partition_indexes, INT32, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_fetch_req_offset_fetch_request_topics_schema = KS_SCHEMA(ks_offset_fetch_req_offset_fetch_request_topics_t, ks_offset_fetch_req_offset_fetch_request_topics_fields);

static const ks_field_t ks_offset_fetch_req_offset_fetch_request_group_fields[] = {
    KS_FLD(ks_offset_fetch_req_offset_fetch_request_group_t, group_id, STRING, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_fetch_req_offset_fetch_request_group_t, member_id, STRING, 9, KS_V_INF, 9, KS_V_NONE, 0, -1),
    KS_FLD(ks_offset_fetch_req_offset_fetch_request_group_t, member_epoch, INT32, 9, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD_SUB(ks_offset_fetch_req_offset_fetch_request_group_t, topics, ARRAY, &ks_offset_fetch_req_offset_fetch_request_topics_schema, 8, KS_V_INF, 8, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_fetch_req_offset_fetch_request_group_schema = KS_SCHEMA(ks_offset_fetch_req_offset_fetch_request_group_t, ks_offset_fetch_req_offset_fetch_request_group_fields);

static const ks_field_t ks_offset_fetch_req_fields[] = {
    KS_FLD(ks_offset_fetch_req_t, group_id, STRING, 0, 7, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_fetch_req_t, topics, ARRAY, &ks_offset_fetch_req_offset_fetch_request_topic_schema, 0, 7, 2, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_fetch_req_t, groups, ARRAY, &ks_offset_fetch_req_offset_fetch_request_group_schema, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_fetch_req_t, require_stable, BOOL, 7, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_offset_fetch_req_schema = KS_SCHEMA(ks_offset_fetch_req_t, ks_offset_fetch_req_fields);

static const ks_field_t ks_offset_fetch_resp_offset_fetch_response_partition_fields[] = {
    KS_FLD(ks_offset_fetch_resp_offset_fetch_response_partition_t, partition_index, INT32, 0, 7, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_fetch_resp_offset_fetch_response_partition_t, committed_offset, INT64, 0, 7, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_fetch_resp_offset_fetch_response_partition_t, committed_leader_epoch, INT32, 5, 7, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_offset_fetch_resp_offset_fetch_response_partition_t, metadata, STRING, 0, 7, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_fetch_resp_offset_fetch_response_partition_t, error_code, INT16, 0, 7, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_fetch_resp_offset_fetch_response_partition_schema = KS_SCHEMA(ks_offset_fetch_resp_offset_fetch_response_partition_t, ks_offset_fetch_resp_offset_fetch_response_partition_fields);

static const ks_field_t ks_offset_fetch_resp_offset_fetch_response_topic_fields[] = {
    KS_FLD(ks_offset_fetch_resp_offset_fetch_response_topic_t, name, STRING, 0, 7, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_fetch_resp_offset_fetch_response_topic_t, partitions, ARRAY, &ks_offset_fetch_resp_offset_fetch_response_partition_schema, 0, 7, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_fetch_resp_offset_fetch_response_topic_schema = KS_SCHEMA(ks_offset_fetch_resp_offset_fetch_response_topic_t, ks_offset_fetch_resp_offset_fetch_response_topic_fields);

static const ks_field_t ks_offset_fetch_resp_offset_fetch_response_partitions_fields[] = {
    KS_FLD(ks_offset_fetch_resp_offset_fetch_response_partitions_t, partition_index, INT32, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_fetch_resp_offset_fetch_response_partitions_t, committed_offset, INT64, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_fetch_resp_offset_fetch_response_partitions_t, committed_leader_epoch, INT32, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_offset_fetch_resp_offset_fetch_response_partitions_t, metadata, STRING, 8, KS_V_INF, 8, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_fetch_resp_offset_fetch_response_partitions_t, error_code, INT16, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_fetch_resp_offset_fetch_response_partitions_schema = KS_SCHEMA(ks_offset_fetch_resp_offset_fetch_response_partitions_t, ks_offset_fetch_resp_offset_fetch_response_partitions_fields);

static const ks_field_t ks_offset_fetch_resp_offset_fetch_response_topics_fields[] = {
    KS_FLD(ks_offset_fetch_resp_offset_fetch_response_topics_t, name, STRING, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_fetch_resp_offset_fetch_response_topics_t, partitions, ARRAY, &ks_offset_fetch_resp_offset_fetch_response_partitions_schema, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_fetch_resp_offset_fetch_response_topics_schema = KS_SCHEMA(ks_offset_fetch_resp_offset_fetch_response_topics_t, ks_offset_fetch_resp_offset_fetch_response_topics_fields);

static const ks_field_t ks_offset_fetch_resp_offset_fetch_response_group_fields[] = {
    KS_FLD(ks_offset_fetch_resp_offset_fetch_response_group_t, group_id, STRING, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_fetch_resp_offset_fetch_response_group_t, topics, ARRAY, &ks_offset_fetch_resp_offset_fetch_response_topics_schema, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_fetch_resp_offset_fetch_response_group_t, error_code, INT16, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_fetch_resp_offset_fetch_response_group_schema = KS_SCHEMA(ks_offset_fetch_resp_offset_fetch_response_group_t, ks_offset_fetch_resp_offset_fetch_response_group_fields);

static const ks_field_t ks_offset_fetch_resp_fields[] = {
    KS_FLD(ks_offset_fetch_resp_t, throttle_time_ms, INT32, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_fetch_resp_t, topics, ARRAY, &ks_offset_fetch_resp_offset_fetch_response_topic_schema, 0, 7, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_fetch_resp_t, error_code, INT16, 2, 7, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_fetch_resp_t, groups, ARRAY, &ks_offset_fetch_resp_offset_fetch_response_group_schema, 8, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_offset_fetch_resp_schema = KS_SCHEMA(ks_offset_fetch_resp_t, ks_offset_fetch_resp_fields);

/* ----- FindCoordinator (key 10) ----- */

static const ks_field_t ks_find_coordinator_req_fields[] = {
    KS_FLD(ks_find_coordinator_req_t, key, STRING, 0, 3, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_find_coordinator_req_t, key_type, INT8, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_find_coordinator_req_t, coordinator_keys, STRING, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_find_coordinator_req_schema = KS_SCHEMA(ks_find_coordinator_req_t, ks_find_coordinator_req_fields);

static const ks_field_t ks_find_coordinator_resp_coordinator_fields[] = {
    KS_FLD(ks_find_coordinator_resp_coordinator_t, key, STRING, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_find_coordinator_resp_coordinator_t, node_id, INT32, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_find_coordinator_resp_coordinator_t, host, STRING, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_find_coordinator_resp_coordinator_t, port, INT32, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_find_coordinator_resp_coordinator_t, error_code, INT16, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_find_coordinator_resp_coordinator_t, error_message, STRING, 4, KS_V_INF, 4, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_find_coordinator_resp_coordinator_schema = KS_SCHEMA(ks_find_coordinator_resp_coordinator_t, ks_find_coordinator_resp_coordinator_fields);

static const ks_field_t ks_find_coordinator_resp_fields[] = {
    KS_FLD(ks_find_coordinator_resp_t, throttle_time_ms, INT32, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_find_coordinator_resp_t, error_code, INT16, 0, 3, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_find_coordinator_resp_t, error_message, STRING, 1, 3, 1, KS_V_NONE, 0, 0),
    KS_FLD(ks_find_coordinator_resp_t, node_id, INT32, 0, 3, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_find_coordinator_resp_t, host, STRING, 0, 3, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_find_coordinator_resp_t, port, INT32, 0, 3, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_find_coordinator_resp_t, coordinators, ARRAY, &ks_find_coordinator_resp_coordinator_schema, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_find_coordinator_resp_schema = KS_SCHEMA(ks_find_coordinator_resp_t, ks_find_coordinator_resp_fields);

/* ----- JoinGroup (key 11) ----- */

static const ks_field_t ks_join_group_req_join_group_request_protocol_fields[] = {
    KS_FLD(ks_join_group_req_join_group_request_protocol_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_join_group_req_join_group_request_protocol_t, metadata, BYTES, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_join_group_req_join_group_request_protocol_schema = KS_SCHEMA(ks_join_group_req_join_group_request_protocol_t, ks_join_group_req_join_group_request_protocol_fields);

static const ks_field_t ks_join_group_req_fields[] = {
    KS_FLD(ks_join_group_req_t, group_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_join_group_req_t, session_timeout_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_join_group_req_t, rebalance_timeout_ms, INT32, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_join_group_req_t, member_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_join_group_req_t, group_instance_id, STRING, 5, KS_V_INF, 5, KS_V_NONE, 0, -1),
    KS_FLD(ks_join_group_req_t, protocol_type, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_join_group_req_t, protocols, ARRAY, &ks_join_group_req_join_group_request_protocol_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_join_group_req_t, reason, STRING, 8, KS_V_INF, 8, KS_V_NONE, 0, -1),
};
const ks_schema_t ks_join_group_req_schema = KS_SCHEMA(ks_join_group_req_t, ks_join_group_req_fields);

static const ks_field_t ks_join_group_resp_join_group_response_member_fields[] = {
    KS_FLD(ks_join_group_resp_join_group_response_member_t, member_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_join_group_resp_join_group_response_member_t, group_instance_id, STRING, 5, KS_V_INF, 5, KS_V_NONE, 0, -1),
    KS_FLD(ks_join_group_resp_join_group_response_member_t, metadata, BYTES, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_join_group_resp_join_group_response_member_schema = KS_SCHEMA(ks_join_group_resp_join_group_response_member_t, ks_join_group_resp_join_group_response_member_fields);

static const ks_field_t ks_join_group_resp_fields[] = {
    KS_FLD(ks_join_group_resp_t, throttle_time_ms, INT32, 2, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_join_group_resp_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_join_group_resp_t, generation_id, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_join_group_resp_t, protocol_type, STRING, 7, KS_V_INF, 7, KS_V_NONE, 0, -1),
    KS_FLD(ks_join_group_resp_t, protocol_name, STRING, 0, KS_V_INF, 7, KS_V_NONE, 0, 0),
    KS_FLD(ks_join_group_resp_t, leader, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_join_group_resp_t, skip_assignment, BOOL, 9, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_join_group_resp_t, member_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_join_group_resp_t, members, ARRAY, &ks_join_group_resp_join_group_response_member_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_join_group_resp_schema = KS_SCHEMA(ks_join_group_resp_t, ks_join_group_resp_fields);

/* ----- Heartbeat (key 12) ----- */

static const ks_field_t ks_heartbeat_req_fields[] = {
    KS_FLD(ks_heartbeat_req_t, group_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_heartbeat_req_t, generation_id, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_heartbeat_req_t, member_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_heartbeat_req_t, group_instance_id, STRING, 3, KS_V_INF, 3, KS_V_NONE, 0, -1),
};
const ks_schema_t ks_heartbeat_req_schema = KS_SCHEMA(ks_heartbeat_req_t, ks_heartbeat_req_fields);

static const ks_field_t ks_heartbeat_resp_fields[] = {
    KS_FLD(ks_heartbeat_resp_t, throttle_time_ms, INT32, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_heartbeat_resp_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_heartbeat_resp_schema = KS_SCHEMA(ks_heartbeat_resp_t, ks_heartbeat_resp_fields);

/* ----- LeaveGroup (key 13) ----- */

static const ks_field_t ks_leave_group_req_member_identity_fields[] = {
    KS_FLD(ks_leave_group_req_member_identity_t, member_id, STRING, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_leave_group_req_member_identity_t, group_instance_id, STRING, 3, KS_V_INF, 3, KS_V_NONE, 0, -1),
    KS_FLD(ks_leave_group_req_member_identity_t, reason, STRING, 5, KS_V_INF, 5, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_leave_group_req_member_identity_schema = KS_SCHEMA(ks_leave_group_req_member_identity_t, ks_leave_group_req_member_identity_fields);

static const ks_field_t ks_leave_group_req_fields[] = {
    KS_FLD(ks_leave_group_req_t, group_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_leave_group_req_t, member_id, STRING, 0, 2, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_leave_group_req_t, members, ARRAY, &ks_leave_group_req_member_identity_schema, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_leave_group_req_schema = KS_SCHEMA(ks_leave_group_req_t, ks_leave_group_req_fields);

static const ks_field_t ks_leave_group_resp_member_response_fields[] = {
    KS_FLD(ks_leave_group_resp_member_response_t, member_id, STRING, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_leave_group_resp_member_response_t, group_instance_id, STRING, 3, KS_V_INF, 3, KS_V_NONE, 0, 0),
    KS_FLD(ks_leave_group_resp_member_response_t, error_code, INT16, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_leave_group_resp_member_response_schema = KS_SCHEMA(ks_leave_group_resp_member_response_t, ks_leave_group_resp_member_response_fields);

static const ks_field_t ks_leave_group_resp_fields[] = {
    KS_FLD(ks_leave_group_resp_t, throttle_time_ms, INT32, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_leave_group_resp_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_leave_group_resp_t, members, ARRAY, &ks_leave_group_resp_member_response_schema, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_leave_group_resp_schema = KS_SCHEMA(ks_leave_group_resp_t, ks_leave_group_resp_fields);

/* ----- SyncGroup (key 14) ----- */

static const ks_field_t ks_sync_group_req_sync_group_request_assignment_fields[] = {
    KS_FLD(ks_sync_group_req_sync_group_request_assignment_t, member_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_sync_group_req_sync_group_request_assignment_t, assignment, BYTES, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_sync_group_req_sync_group_request_assignment_schema = KS_SCHEMA(ks_sync_group_req_sync_group_request_assignment_t, ks_sync_group_req_sync_group_request_assignment_fields);

static const ks_field_t ks_sync_group_req_fields[] = {
    KS_FLD(ks_sync_group_req_t, group_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_sync_group_req_t, generation_id, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_sync_group_req_t, member_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_sync_group_req_t, group_instance_id, STRING, 3, KS_V_INF, 3, KS_V_NONE, 0, -1),
    KS_FLD(ks_sync_group_req_t, protocol_type, STRING, 5, KS_V_INF, 5, KS_V_NONE, 0, -1),
    KS_FLD(ks_sync_group_req_t, protocol_name, STRING, 5, KS_V_INF, 5, KS_V_NONE, 0, -1),
    KS_FLD_SUB(ks_sync_group_req_t, assignments, ARRAY, &ks_sync_group_req_sync_group_request_assignment_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_sync_group_req_schema = KS_SCHEMA(ks_sync_group_req_t, ks_sync_group_req_fields);

static const ks_field_t ks_sync_group_resp_fields[] = {
    KS_FLD(ks_sync_group_resp_t, throttle_time_ms, INT32, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_sync_group_resp_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_sync_group_resp_t, protocol_type, STRING, 5, KS_V_INF, 5, KS_V_NONE, 0, -1),
    KS_FLD(ks_sync_group_resp_t, protocol_name, STRING, 5, KS_V_INF, 5, KS_V_NONE, 0, -1),
    KS_FLD(ks_sync_group_resp_t, assignment, BYTES, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_sync_group_resp_schema = KS_SCHEMA(ks_sync_group_resp_t, ks_sync_group_resp_fields);

/* ----- DescribeGroups (key 15) ----- */

static const ks_field_t ks_describe_groups_req_fields[] = {
    KS_FLD_ARR(ks_describe_groups_req_t, groups, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_groups_req_t, include_authorized_operations, BOOL, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_describe_groups_req_schema = KS_SCHEMA(ks_describe_groups_req_t, ks_describe_groups_req_fields);

static const ks_field_t ks_describe_groups_resp_described_group_member_fields[] = {
    KS_FLD(ks_describe_groups_resp_described_group_member_t, member_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_groups_resp_described_group_member_t, group_instance_id, STRING, 4, KS_V_INF, 4, KS_V_NONE, 0, -1),
    KS_FLD(ks_describe_groups_resp_described_group_member_t, client_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_groups_resp_described_group_member_t, client_host, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_groups_resp_described_group_member_t, member_metadata, BYTES, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_groups_resp_described_group_member_t, member_assignment, BYTES, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_groups_resp_described_group_member_schema = KS_SCHEMA(ks_describe_groups_resp_described_group_member_t, ks_describe_groups_resp_described_group_member_fields);

static const ks_field_t ks_describe_groups_resp_described_group_fields[] = {
    KS_FLD(ks_describe_groups_resp_described_group_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_groups_resp_described_group_t, group_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_groups_resp_described_group_t, group_state, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_groups_resp_described_group_t, protocol_type, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_groups_resp_described_group_t, protocol_data, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_describe_groups_resp_described_group_t, members, ARRAY, &ks_describe_groups_resp_described_group_member_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_groups_resp_described_group_t, authorized_operations, INT32, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -2147483648),
};
static const ks_schema_t ks_describe_groups_resp_described_group_schema = KS_SCHEMA(ks_describe_groups_resp_described_group_t, ks_describe_groups_resp_described_group_fields);

static const ks_field_t ks_describe_groups_resp_fields[] = {
    KS_FLD(ks_describe_groups_resp_t, throttle_time_ms, INT32, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_describe_groups_resp_t, groups, ARRAY, &ks_describe_groups_resp_described_group_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_describe_groups_resp_schema = KS_SCHEMA(ks_describe_groups_resp_t, ks_describe_groups_resp_fields);

/* ----- ListGroups (key 16) ----- */

static const ks_field_t ks_list_groups_req_fields[] = {
    KS_FLD_ARR(ks_list_groups_req_t, states_filter, STRING, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_list_groups_req_t, types_filter, STRING, 5, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_list_groups_req_schema = KS_SCHEMA(ks_list_groups_req_t, ks_list_groups_req_fields);

static const ks_field_t ks_list_groups_resp_listed_group_fields[] = {
    KS_FLD(ks_list_groups_resp_listed_group_t, group_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_list_groups_resp_listed_group_t, protocol_type, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_list_groups_resp_listed_group_t, group_state, STRING, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_list_groups_resp_listed_group_t, group_type, STRING, 5, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_list_groups_resp_listed_group_schema = KS_SCHEMA(ks_list_groups_resp_listed_group_t, ks_list_groups_resp_listed_group_fields);

static const ks_field_t ks_list_groups_resp_fields[] = {
    KS_FLD(ks_list_groups_resp_t, throttle_time_ms, INT32, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_list_groups_resp_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_list_groups_resp_t, groups, ARRAY, &ks_list_groups_resp_listed_group_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_list_groups_resp_schema = KS_SCHEMA(ks_list_groups_resp_t, ks_list_groups_resp_fields);

/* ----- DeleteGroups (key 42) ----- */

static const ks_field_t ks_delete_groups_req_fields[] = {
    KS_FLD_ARR(ks_delete_groups_req_t, groups_names, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_delete_groups_req_schema = KS_SCHEMA(ks_delete_groups_req_t, ks_delete_groups_req_fields);

static const ks_field_t ks_delete_groups_resp_deletable_group_result_fields[] = {
    KS_FLD(ks_delete_groups_resp_deletable_group_result_t, group_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_groups_resp_deletable_group_result_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_delete_groups_resp_deletable_group_result_schema = KS_SCHEMA(ks_delete_groups_resp_deletable_group_result_t, ks_delete_groups_resp_deletable_group_result_fields);

static const ks_field_t ks_delete_groups_resp_fields[] = {
    KS_FLD(ks_delete_groups_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_delete_groups_resp_t, results, ARRAY, &ks_delete_groups_resp_deletable_group_result_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_delete_groups_resp_schema = KS_SCHEMA(ks_delete_groups_resp_t, ks_delete_groups_resp_fields);

/* ----- OffsetDelete (key 47) ----- */

static const ks_field_t ks_offset_delete_req_offset_delete_request_partition_fields[] = {
    KS_FLD(ks_offset_delete_req_offset_delete_request_partition_t, partition_index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_delete_req_offset_delete_request_partition_schema = KS_SCHEMA(ks_offset_delete_req_offset_delete_request_partition_t, ks_offset_delete_req_offset_delete_request_partition_fields);

static const ks_field_t ks_offset_delete_req_offset_delete_request_topic_fields[] = {
    KS_FLD(ks_offset_delete_req_offset_delete_request_topic_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_delete_req_offset_delete_request_topic_t, partitions, ARRAY, &ks_offset_delete_req_offset_delete_request_partition_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_delete_req_offset_delete_request_topic_schema = KS_SCHEMA(ks_offset_delete_req_offset_delete_request_topic_t, ks_offset_delete_req_offset_delete_request_topic_fields);

static const ks_field_t ks_offset_delete_req_fields[] = {
    KS_FLD(ks_offset_delete_req_t, group_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_delete_req_t, topics, ARRAY, &ks_offset_delete_req_offset_delete_request_topic_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_offset_delete_req_schema = KS_SCHEMA(ks_offset_delete_req_t, ks_offset_delete_req_fields);

static const ks_field_t ks_offset_delete_resp_offset_delete_response_partition_fields[] = {
    KS_FLD(ks_offset_delete_resp_offset_delete_response_partition_t, partition_index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_delete_resp_offset_delete_response_partition_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_delete_resp_offset_delete_response_partition_schema = KS_SCHEMA(ks_offset_delete_resp_offset_delete_response_partition_t, ks_offset_delete_resp_offset_delete_response_partition_fields);

static const ks_field_t ks_offset_delete_resp_offset_delete_response_topic_fields[] = {
    KS_FLD(ks_offset_delete_resp_offset_delete_response_topic_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_delete_resp_offset_delete_response_topic_t, partitions, ARRAY, &ks_offset_delete_resp_offset_delete_response_partition_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_offset_delete_resp_offset_delete_response_topic_schema = KS_SCHEMA(ks_offset_delete_resp_offset_delete_response_topic_t, ks_offset_delete_resp_offset_delete_response_topic_fields);

static const ks_field_t ks_offset_delete_resp_fields[] = {
    KS_FLD(ks_offset_delete_resp_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_offset_delete_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_offset_delete_resp_t, topics, ARRAY, &ks_offset_delete_resp_offset_delete_response_topic_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_offset_delete_resp_schema = KS_SCHEMA(ks_offset_delete_resp_t, ks_offset_delete_resp_fields);

/* ----- ConsumerGroupHeartbeat (key 68) ----- */

static const ks_field_t ks_consumer_group_heartbeat_req_topic_partitions_fields[] = {
    KS_FLD(ks_consumer_group_heartbeat_req_topic_partitions_t, topic_id, UUID, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_consumer_group_heartbeat_req_topic_partitions_t, partitions, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_consumer_group_heartbeat_req_topic_partitions_schema = KS_SCHEMA(ks_consumer_group_heartbeat_req_topic_partitions_t, ks_consumer_group_heartbeat_req_topic_partitions_fields);

static const ks_field_t ks_consumer_group_heartbeat_req_fields[] = {
    KS_FLD(ks_consumer_group_heartbeat_req_t, group_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_heartbeat_req_t, member_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_heartbeat_req_t, member_epoch, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_heartbeat_req_t, instance_id, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
    KS_FLD(ks_consumer_group_heartbeat_req_t, rack_id, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
    KS_FLD(ks_consumer_group_heartbeat_req_t, rebalance_timeout_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD_ARR(ks_consumer_group_heartbeat_req_t, subscribed_topic_names, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
    KS_FLD(ks_consumer_group_heartbeat_req_t, subscribed_topic_regex, STRING, 1, KS_V_INF, 1, KS_V_NONE, 0, -1),
    KS_FLD(ks_consumer_group_heartbeat_req_t, server_assignor, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
    KS_FLD_SUB(ks_consumer_group_heartbeat_req_t, topic_partitions, ARRAY, &ks_consumer_group_heartbeat_req_topic_partitions_schema, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
};
const ks_schema_t ks_consumer_group_heartbeat_req_schema = KS_SCHEMA(ks_consumer_group_heartbeat_req_t, ks_consumer_group_heartbeat_req_fields);

static const ks_field_t ks_consumer_group_heartbeat_resp_topic_partitions_fields[] = {
    KS_FLD(ks_consumer_group_heartbeat_resp_topic_partitions_t, topic_id, UUID, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_consumer_group_heartbeat_resp_topic_partitions_t, partitions, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_consumer_group_heartbeat_resp_topic_partitions_schema = KS_SCHEMA(ks_consumer_group_heartbeat_resp_topic_partitions_t, ks_consumer_group_heartbeat_resp_topic_partitions_fields);

static const ks_field_t ks_consumer_group_heartbeat_resp_assignment_fields[] = {
    KS_FLD_SUB(ks_consumer_group_heartbeat_resp_assignment_t, topic_partitions, ARRAY, &ks_consumer_group_heartbeat_resp_topic_partitions_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_consumer_group_heartbeat_resp_assignment_schema = KS_SCHEMA(ks_consumer_group_heartbeat_resp_assignment_t, ks_consumer_group_heartbeat_resp_assignment_fields);

static const ks_field_t ks_consumer_group_heartbeat_resp_fields[] = {
    KS_FLD(ks_consumer_group_heartbeat_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_heartbeat_resp_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_heartbeat_resp_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
    KS_FLD(ks_consumer_group_heartbeat_resp_t, member_id, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
    KS_FLD(ks_consumer_group_heartbeat_resp_t, member_epoch, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_heartbeat_resp_t, heartbeat_interval_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_consumer_group_heartbeat_resp_t, assignment, NSTRUCT, &ks_consumer_group_heartbeat_resp_assignment_schema, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
};
const ks_schema_t ks_consumer_group_heartbeat_resp_schema = KS_SCHEMA(ks_consumer_group_heartbeat_resp_t, ks_consumer_group_heartbeat_resp_fields);

/* ----- ConsumerGroupDescribe (key 69) ----- */

static const ks_field_t ks_consumer_group_describe_req_fields[] = {
    KS_FLD_ARR(ks_consumer_group_describe_req_t, group_ids, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_describe_req_t, include_authorized_operations, BOOL, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_consumer_group_describe_req_schema = KS_SCHEMA(ks_consumer_group_describe_req_t, ks_consumer_group_describe_req_fields);

static const ks_field_t ks_consumer_group_describe_resp_topic_partitions_fields[] = {
    KS_FLD(ks_consumer_group_describe_resp_topic_partitions_t, topic_id, UUID, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_describe_resp_topic_partitions_t, topic_name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_consumer_group_describe_resp_topic_partitions_t, partitions, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_consumer_group_describe_resp_topic_partitions_schema = KS_SCHEMA(ks_consumer_group_describe_resp_topic_partitions_t, ks_consumer_group_describe_resp_topic_partitions_fields);

static const ks_field_t ks_consumer_group_describe_resp_assignment_fields[] = {
    KS_FLD_SUB(ks_consumer_group_describe_resp_assignment_t, topic_partitions, ARRAY, &ks_consumer_group_describe_resp_topic_partitions_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_consumer_group_describe_resp_assignment_schema = KS_SCHEMA(ks_consumer_group_describe_resp_assignment_t, ks_consumer_group_describe_resp_assignment_fields);

static const ks_field_t ks_consumer_group_describe_resp_member_fields[] = {
    KS_FLD(ks_consumer_group_describe_resp_member_t, member_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_describe_resp_member_t, instance_id, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
    KS_FLD(ks_consumer_group_describe_resp_member_t, rack_id, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
    KS_FLD(ks_consumer_group_describe_resp_member_t, member_epoch, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_describe_resp_member_t, client_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_describe_resp_member_t, client_host, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_consumer_group_describe_resp_member_t, subscribed_topic_names, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_describe_resp_member_t, subscribed_topic_regex, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
    KS_FLD_SUB(ks_consumer_group_describe_resp_member_t, assignment, STRUCT, &ks_consumer_group_describe_resp_assignment_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_consumer_group_describe_resp_member_t, target_assignment, STRUCT, &ks_consumer_group_describe_resp_assignment_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_consumer_group_describe_resp_member_schema = KS_SCHEMA(ks_consumer_group_describe_resp_member_t, ks_consumer_group_describe_resp_member_fields);

static const ks_field_t ks_consumer_group_describe_resp_described_group_fields[] = {
    KS_FLD(ks_consumer_group_describe_resp_described_group_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_describe_resp_described_group_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
    KS_FLD(ks_consumer_group_describe_resp_described_group_t, group_id, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_describe_resp_described_group_t, group_state, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_describe_resp_described_group_t, group_epoch, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_describe_resp_described_group_t, assignment_epoch, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_describe_resp_described_group_t, assignor_name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_consumer_group_describe_resp_described_group_t, members, ARRAY, &ks_consumer_group_describe_resp_member_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_consumer_group_describe_resp_described_group_t, authorized_operations, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -2147483648),
};
static const ks_schema_t ks_consumer_group_describe_resp_described_group_schema = KS_SCHEMA(ks_consumer_group_describe_resp_described_group_t, ks_consumer_group_describe_resp_described_group_fields);

static const ks_field_t ks_consumer_group_describe_resp_fields[] = {
    KS_FLD(ks_consumer_group_describe_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_consumer_group_describe_resp_t, groups, ARRAY, &ks_consumer_group_describe_resp_described_group_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_consumer_group_describe_resp_schema = KS_SCHEMA(ks_consumer_group_describe_resp_t, ks_consumer_group_describe_resp_fields);
