#include "config.h"

/*
 * api_admin.c: schema tables of the topic and configuration admin APIs.
 * Field rows: KS_FLD(struct, member, type, vmin, vmax, nullable from,
 * tagged from, tag, default); see codec.h.
 */
#include "proto/api.h"

/* ----- CreateTopics (key 19) ----- */

static const ks_field_t ks_create_topics_req_creatable_replica_assignment_fields[] = {
    KS_FLD(ks_create_topics_req_creatable_replica_assignment_t, partition_index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_create_topics_req_creatable_replica_assignment_t, broker_ids, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_create_topics_req_creatable_replica_assignment_schema = KS_SCHEMA(ks_create_topics_req_creatable_replica_assignment_t, ks_create_topics_req_creatable_replica_assignment_fields);

static const ks_field_t ks_create_topics_req_creatable_topic_config_fields[] = {
    KS_FLD(ks_create_topics_req_creatable_topic_config_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_topics_req_creatable_topic_config_t, value, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_create_topics_req_creatable_topic_config_schema = KS_SCHEMA(ks_create_topics_req_creatable_topic_config_t, ks_create_topics_req_creatable_topic_config_fields);

static const ks_field_t ks_create_topics_req_creatable_topic_fields[] = {
    KS_FLD(ks_create_topics_req_creatable_topic_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_topics_req_creatable_topic_t, num_partitions, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_topics_req_creatable_topic_t, replication_factor, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_create_topics_req_creatable_topic_t, assignments, ARRAY, &ks_create_topics_req_creatable_replica_assignment_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_create_topics_req_creatable_topic_t, configs, ARRAY, &ks_create_topics_req_creatable_topic_config_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_create_topics_req_creatable_topic_schema = KS_SCHEMA(ks_create_topics_req_creatable_topic_t, ks_create_topics_req_creatable_topic_fields);

static const ks_field_t ks_create_topics_req_fields[] = {
    KS_FLD_SUB(ks_create_topics_req_t, topics, ARRAY, &ks_create_topics_req_creatable_topic_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_topics_req_t, timeout_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 60000),
    KS_FLD(ks_create_topics_req_t, validate_only, BOOL, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_create_topics_req_schema = KS_SCHEMA(ks_create_topics_req_t, ks_create_topics_req_fields);

static const ks_field_t ks_create_topics_resp_creatable_topic_configs_fields[] = {
    KS_FLD(ks_create_topics_resp_creatable_topic_configs_t, name, STRING, 5, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_topics_resp_creatable_topic_configs_t, value, STRING, 5, KS_V_INF, 5, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_topics_resp_creatable_topic_configs_t, read_only, BOOL, 5, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_topics_resp_creatable_topic_configs_t, config_source, INT8, 5, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_create_topics_resp_creatable_topic_configs_t, is_sensitive, BOOL, 5, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_create_topics_resp_creatable_topic_configs_schema = KS_SCHEMA(ks_create_topics_resp_creatable_topic_configs_t, ks_create_topics_resp_creatable_topic_configs_fields);

static const ks_field_t ks_create_topics_resp_creatable_topic_result_fields[] = {
    KS_FLD(ks_create_topics_resp_creatable_topic_result_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_topics_resp_creatable_topic_result_t, topic_id, UUID, 7, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_topics_resp_creatable_topic_result_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_topics_resp_creatable_topic_result_t, error_message, STRING, 1, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_topics_resp_creatable_topic_result_t, topic_config_error_code, INT16, 5, KS_V_INF, KS_V_NONE, 5, 0, 0),
    KS_FLD(ks_create_topics_resp_creatable_topic_result_t, num_partitions, INT32, 5, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_create_topics_resp_creatable_topic_result_t, replication_factor, INT16, 5, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD_SUB(ks_create_topics_resp_creatable_topic_result_t, configs, ARRAY, &ks_create_topics_resp_creatable_topic_configs_schema, 5, KS_V_INF, 5, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_create_topics_resp_creatable_topic_result_schema = KS_SCHEMA(ks_create_topics_resp_creatable_topic_result_t, ks_create_topics_resp_creatable_topic_result_fields);

static const ks_field_t ks_create_topics_resp_fields[] = {
    KS_FLD(ks_create_topics_resp_t, throttle_time_ms, INT32, 2, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_create_topics_resp_t, topics, ARRAY, &ks_create_topics_resp_creatable_topic_result_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_create_topics_resp_schema = KS_SCHEMA(ks_create_topics_resp_t, ks_create_topics_resp_fields);

/* ----- DeleteTopics (key 20) ----- */

static const ks_field_t ks_delete_topics_req_delete_topic_state_fields[] = {
    KS_FLD(ks_delete_topics_req_delete_topic_state_t, name, STRING, 6, KS_V_INF, 6, KS_V_NONE, 0, -1),
    KS_FLD(ks_delete_topics_req_delete_topic_state_t, topic_id, UUID, 6, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_delete_topics_req_delete_topic_state_schema = KS_SCHEMA(ks_delete_topics_req_delete_topic_state_t, ks_delete_topics_req_delete_topic_state_fields);

static const ks_field_t ks_delete_topics_req_fields[] = {
    KS_FLD_SUB(ks_delete_topics_req_t, topics, ARRAY, &ks_delete_topics_req_delete_topic_state_schema, 6, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_delete_topics_req_t, topic_names, STRING, 0, 5, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_topics_req_t, timeout_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_delete_topics_req_schema = KS_SCHEMA(ks_delete_topics_req_t, ks_delete_topics_req_fields);

static const ks_field_t ks_delete_topics_resp_deletable_topic_result_fields[] = {
    KS_FLD(ks_delete_topics_resp_deletable_topic_result_t, name, STRING, 0, KS_V_INF, 6, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_topics_resp_deletable_topic_result_t, topic_id, UUID, 6, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_topics_resp_deletable_topic_result_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_topics_resp_deletable_topic_result_t, error_message, STRING, 5, KS_V_INF, 5, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_delete_topics_resp_deletable_topic_result_schema = KS_SCHEMA(ks_delete_topics_resp_deletable_topic_result_t, ks_delete_topics_resp_deletable_topic_result_fields);

static const ks_field_t ks_delete_topics_resp_fields[] = {
    KS_FLD(ks_delete_topics_resp_t, throttle_time_ms, INT32, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_delete_topics_resp_t, responses, ARRAY, &ks_delete_topics_resp_deletable_topic_result_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_delete_topics_resp_schema = KS_SCHEMA(ks_delete_topics_resp_t, ks_delete_topics_resp_fields);

/* ----- DescribeConfigs (key 32) ----- */

static const ks_field_t ks_describe_configs_req_describe_configs_resource_fields[] = {
    KS_FLD(ks_describe_configs_req_describe_configs_resource_t, resource_type, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_configs_req_describe_configs_resource_t, resource_name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_describe_configs_req_describe_configs_resource_t, configuration_keys, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_configs_req_describe_configs_resource_schema = KS_SCHEMA(ks_describe_configs_req_describe_configs_resource_t, ks_describe_configs_req_describe_configs_resource_fields);

static const ks_field_t ks_describe_configs_req_fields[] = {
    KS_FLD_SUB(ks_describe_configs_req_t, resources, ARRAY, &ks_describe_configs_req_describe_configs_resource_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_configs_req_t, include_synonyms, BOOL, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_configs_req_t, include_documentation, BOOL, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_describe_configs_req_schema = KS_SCHEMA(ks_describe_configs_req_t, ks_describe_configs_req_fields);

static const ks_field_t ks_describe_configs_resp_describe_configs_synonym_fields[] = {
    KS_FLD(ks_describe_configs_resp_describe_configs_synonym_t, name, STRING, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_configs_resp_describe_configs_synonym_t, value, STRING, 1, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_configs_resp_describe_configs_synonym_t, source, INT8, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_configs_resp_describe_configs_synonym_schema = KS_SCHEMA(ks_describe_configs_resp_describe_configs_synonym_t, ks_describe_configs_resp_describe_configs_synonym_fields);

static const ks_field_t ks_describe_configs_resp_describe_configs_resource_result_fields[] = {
    KS_FLD(ks_describe_configs_resp_describe_configs_resource_result_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_configs_resp_describe_configs_resource_result_t, value, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_configs_resp_describe_configs_resource_result_t, read_only, BOOL, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_configs_resp_describe_configs_resource_result_t, is_default, BOOL, 0, 0, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_configs_resp_describe_configs_resource_result_t, config_source, INT8, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_describe_configs_resp_describe_configs_resource_result_t, is_sensitive, BOOL, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_describe_configs_resp_describe_configs_resource_result_t, synonyms, ARRAY, &ks_describe_configs_resp_describe_configs_synonym_schema, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_configs_resp_describe_configs_resource_result_t, config_type, INT8, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_configs_resp_describe_configs_resource_result_t, documentation, STRING, 3, KS_V_INF, 0, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_configs_resp_describe_configs_resource_result_schema = KS_SCHEMA(ks_describe_configs_resp_describe_configs_resource_result_t, ks_describe_configs_resp_describe_configs_resource_result_fields);

static const ks_field_t ks_describe_configs_resp_describe_configs_result_fields[] = {
    KS_FLD(ks_describe_configs_resp_describe_configs_result_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_configs_resp_describe_configs_result_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_configs_resp_describe_configs_result_t, resource_type, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_configs_resp_describe_configs_result_t, resource_name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_describe_configs_resp_describe_configs_result_t, configs, ARRAY, &ks_describe_configs_resp_describe_configs_resource_result_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_configs_resp_describe_configs_result_schema = KS_SCHEMA(ks_describe_configs_resp_describe_configs_result_t, ks_describe_configs_resp_describe_configs_result_fields);

static const ks_field_t ks_describe_configs_resp_fields[] = {
    KS_FLD(ks_describe_configs_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_describe_configs_resp_t, results, ARRAY, &ks_describe_configs_resp_describe_configs_result_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_describe_configs_resp_schema = KS_SCHEMA(ks_describe_configs_resp_t, ks_describe_configs_resp_fields);

/* ----- AlterConfigs (key 33) ----- */

static const ks_field_t ks_alter_configs_req_alterable_config_fields[] = {
    KS_FLD(ks_alter_configs_req_alterable_config_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_alter_configs_req_alterable_config_t, value, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_alter_configs_req_alterable_config_schema = KS_SCHEMA(ks_alter_configs_req_alterable_config_t, ks_alter_configs_req_alterable_config_fields);

static const ks_field_t ks_alter_configs_req_alter_configs_resource_fields[] = {
    KS_FLD(ks_alter_configs_req_alter_configs_resource_t, resource_type, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_alter_configs_req_alter_configs_resource_t, resource_name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_alter_configs_req_alter_configs_resource_t, configs, ARRAY, &ks_alter_configs_req_alterable_config_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_alter_configs_req_alter_configs_resource_schema = KS_SCHEMA(ks_alter_configs_req_alter_configs_resource_t, ks_alter_configs_req_alter_configs_resource_fields);

static const ks_field_t ks_alter_configs_req_fields[] = {
    KS_FLD_SUB(ks_alter_configs_req_t, resources, ARRAY, &ks_alter_configs_req_alter_configs_resource_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_alter_configs_req_t, validate_only, BOOL, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_alter_configs_req_schema = KS_SCHEMA(ks_alter_configs_req_t, ks_alter_configs_req_fields);

static const ks_field_t ks_alter_configs_resp_alter_configs_resource_response_fields[] = {
    KS_FLD(ks_alter_configs_resp_alter_configs_resource_response_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_alter_configs_resp_alter_configs_resource_response_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_alter_configs_resp_alter_configs_resource_response_t, resource_type, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_alter_configs_resp_alter_configs_resource_response_t, resource_name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_alter_configs_resp_alter_configs_resource_response_schema = KS_SCHEMA(ks_alter_configs_resp_alter_configs_resource_response_t, ks_alter_configs_resp_alter_configs_resource_response_fields);

static const ks_field_t ks_alter_configs_resp_fields[] = {
    KS_FLD(ks_alter_configs_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_alter_configs_resp_t, responses, ARRAY, &ks_alter_configs_resp_alter_configs_resource_response_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_alter_configs_resp_schema = KS_SCHEMA(ks_alter_configs_resp_t, ks_alter_configs_resp_fields);

/* ----- CreatePartitions (key 37) ----- */

static const ks_field_t ks_create_partitions_req_create_partitions_assignment_fields[] = {
    KS_FLD_ARR(ks_create_partitions_req_create_partitions_assignment_t, broker_ids, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_create_partitions_req_create_partitions_assignment_schema = KS_SCHEMA(ks_create_partitions_req_create_partitions_assignment_t, ks_create_partitions_req_create_partitions_assignment_fields);

static const ks_field_t ks_create_partitions_req_create_partitions_topic_fields[] = {
    KS_FLD(ks_create_partitions_req_create_partitions_topic_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_partitions_req_create_partitions_topic_t, count, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_create_partitions_req_create_partitions_topic_t, assignments, ARRAY, &ks_create_partitions_req_create_partitions_assignment_schema, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_create_partitions_req_create_partitions_topic_schema = KS_SCHEMA(ks_create_partitions_req_create_partitions_topic_t, ks_create_partitions_req_create_partitions_topic_fields);

static const ks_field_t ks_create_partitions_req_fields[] = {
    KS_FLD_SUB(ks_create_partitions_req_t, topics, ARRAY, &ks_create_partitions_req_create_partitions_topic_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_partitions_req_t, timeout_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_partitions_req_t, validate_only, BOOL, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_create_partitions_req_schema = KS_SCHEMA(ks_create_partitions_req_t, ks_create_partitions_req_fields);

static const ks_field_t ks_create_partitions_resp_create_partitions_topic_result_fields[] = {
    KS_FLD(ks_create_partitions_resp_create_partitions_topic_result_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_partitions_resp_create_partitions_topic_result_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_partitions_resp_create_partitions_topic_result_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_create_partitions_resp_create_partitions_topic_result_schema = KS_SCHEMA(ks_create_partitions_resp_create_partitions_topic_result_t, ks_create_partitions_resp_create_partitions_topic_result_fields);

static const ks_field_t ks_create_partitions_resp_fields[] = {
    KS_FLD(ks_create_partitions_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_create_partitions_resp_t, results, ARRAY, &ks_create_partitions_resp_create_partitions_topic_result_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_create_partitions_resp_schema = KS_SCHEMA(ks_create_partitions_resp_t, ks_create_partitions_resp_fields);

/* ----- DescribeLogDirs (key 35) ----- */

static const ks_field_t ks_describe_log_dirs_req_describable_log_dir_topic_fields[] = {
    KS_FLD(ks_describe_log_dirs_req_describable_log_dir_topic_t, topic, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_describe_log_dirs_req_describable_log_dir_topic_t, partitions, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_log_dirs_req_describable_log_dir_topic_schema = KS_SCHEMA(ks_describe_log_dirs_req_describable_log_dir_topic_t, ks_describe_log_dirs_req_describable_log_dir_topic_fields);

static const ks_field_t ks_describe_log_dirs_req_fields[] = {
    KS_FLD_SUB(ks_describe_log_dirs_req_t, topics, ARRAY, &ks_describe_log_dirs_req_describable_log_dir_topic_schema, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_describe_log_dirs_req_schema = KS_SCHEMA(ks_describe_log_dirs_req_t, ks_describe_log_dirs_req_fields);

static const ks_field_t ks_describe_log_dirs_resp_describe_log_dirs_partition_fields[] = {
    KS_FLD(ks_describe_log_dirs_resp_describe_log_dirs_partition_t, partition_index, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_log_dirs_resp_describe_log_dirs_partition_t, partition_size, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_log_dirs_resp_describe_log_dirs_partition_t, offset_lag, INT64, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_log_dirs_resp_describe_log_dirs_partition_t, is_future_key, BOOL, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_log_dirs_resp_describe_log_dirs_partition_schema = KS_SCHEMA(ks_describe_log_dirs_resp_describe_log_dirs_partition_t, ks_describe_log_dirs_resp_describe_log_dirs_partition_fields);

static const ks_field_t ks_describe_log_dirs_resp_describe_log_dirs_topic_fields[] = {
    KS_FLD(ks_describe_log_dirs_resp_describe_log_dirs_topic_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_describe_log_dirs_resp_describe_log_dirs_topic_t, partitions, ARRAY, &ks_describe_log_dirs_resp_describe_log_dirs_partition_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_log_dirs_resp_describe_log_dirs_topic_schema = KS_SCHEMA(ks_describe_log_dirs_resp_describe_log_dirs_topic_t, ks_describe_log_dirs_resp_describe_log_dirs_topic_fields);

static const ks_field_t ks_describe_log_dirs_resp_describe_log_dirs_result_fields[] = {
    KS_FLD(ks_describe_log_dirs_resp_describe_log_dirs_result_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_log_dirs_resp_describe_log_dirs_result_t, log_dir, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_describe_log_dirs_resp_describe_log_dirs_result_t, topics, ARRAY, &ks_describe_log_dirs_resp_describe_log_dirs_topic_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_log_dirs_resp_describe_log_dirs_result_t, total_bytes, INT64, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
    KS_FLD(ks_describe_log_dirs_resp_describe_log_dirs_result_t, usable_bytes, INT64, 4, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, -1),
};
static const ks_schema_t ks_describe_log_dirs_resp_describe_log_dirs_result_schema = KS_SCHEMA(ks_describe_log_dirs_resp_describe_log_dirs_result_t, ks_describe_log_dirs_resp_describe_log_dirs_result_fields);

static const ks_field_t ks_describe_log_dirs_resp_fields[] = {
    KS_FLD(ks_describe_log_dirs_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_log_dirs_resp_t, error_code, INT16, 3, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_describe_log_dirs_resp_t, results, ARRAY, &ks_describe_log_dirs_resp_describe_log_dirs_result_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_describe_log_dirs_resp_schema = KS_SCHEMA(ks_describe_log_dirs_resp_t, ks_describe_log_dirs_resp_fields);

/* ----- IncrementalAlterConfigs (key 44) ----- */

static const ks_field_t ks_incremental_alter_configs_req_alterable_config_fields[] = {
    KS_FLD(ks_incremental_alter_configs_req_alterable_config_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_incremental_alter_configs_req_alterable_config_t, config_operation, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_incremental_alter_configs_req_alterable_config_t, value, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_incremental_alter_configs_req_alterable_config_schema = KS_SCHEMA(ks_incremental_alter_configs_req_alterable_config_t, ks_incremental_alter_configs_req_alterable_config_fields);

static const ks_field_t ks_incremental_alter_configs_req_alter_configs_resource_fields[] = {
    KS_FLD(ks_incremental_alter_configs_req_alter_configs_resource_t, resource_type, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_incremental_alter_configs_req_alter_configs_resource_t, resource_name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_incremental_alter_configs_req_alter_configs_resource_t, configs, ARRAY, &ks_incremental_alter_configs_req_alterable_config_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_incremental_alter_configs_req_alter_configs_resource_schema = KS_SCHEMA(ks_incremental_alter_configs_req_alter_configs_resource_t, ks_incremental_alter_configs_req_alter_configs_resource_fields);

static const ks_field_t ks_incremental_alter_configs_req_fields[] = {
    KS_FLD_SUB(ks_incremental_alter_configs_req_t, resources, ARRAY, &ks_incremental_alter_configs_req_alter_configs_resource_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_incremental_alter_configs_req_t, validate_only, BOOL, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_incremental_alter_configs_req_schema = KS_SCHEMA(ks_incremental_alter_configs_req_t, ks_incremental_alter_configs_req_fields);

static const ks_field_t ks_incremental_alter_configs_resp_alter_configs_resource_response_fields[] = {
    KS_FLD(ks_incremental_alter_configs_resp_alter_configs_resource_response_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_incremental_alter_configs_resp_alter_configs_resource_response_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_incremental_alter_configs_resp_alter_configs_resource_response_t, resource_type, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_incremental_alter_configs_resp_alter_configs_resource_response_t, resource_name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_incremental_alter_configs_resp_alter_configs_resource_response_schema = KS_SCHEMA(ks_incremental_alter_configs_resp_alter_configs_resource_response_t, ks_incremental_alter_configs_resp_alter_configs_resource_response_fields);

static const ks_field_t ks_incremental_alter_configs_resp_fields[] = {
    KS_FLD(ks_incremental_alter_configs_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_incremental_alter_configs_resp_t, responses, ARRAY, &ks_incremental_alter_configs_resp_alter_configs_resource_response_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_incremental_alter_configs_resp_schema = KS_SCHEMA(ks_incremental_alter_configs_resp_t, ks_incremental_alter_configs_resp_fields);
