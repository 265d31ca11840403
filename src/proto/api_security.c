#include "config.h"

/*
 * api_security.c: schema tables of the SASL, ACL and SCRAM APIs.
 * Field rows: KS_FLD(struct, member, type, vmin, vmax, nullable from,
 * tagged from, tag, default); see codec.h.
 */
#include "proto/api.h"

/* ----- SaslHandshake (key 17) ----- */

static const ks_field_t ks_sasl_handshake_req_fields[] = {
    KS_FLD(ks_sasl_handshake_req_t, mechanism, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_sasl_handshake_req_schema = KS_SCHEMA(ks_sasl_handshake_req_t, ks_sasl_handshake_req_fields);

static const ks_field_t ks_sasl_handshake_resp_fields[] = {
    KS_FLD(ks_sasl_handshake_resp_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_ARR(ks_sasl_handshake_resp_t, mechanisms, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_sasl_handshake_resp_schema = KS_SCHEMA(ks_sasl_handshake_resp_t, ks_sasl_handshake_resp_fields);

/* ----- SaslAuthenticate (key 36) ----- */

static const ks_field_t ks_sasl_authenticate_req_fields[] = {
    KS_FLD(ks_sasl_authenticate_req_t, auth_bytes, BYTES, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_sasl_authenticate_req_schema = KS_SCHEMA(ks_sasl_authenticate_req_t, ks_sasl_authenticate_req_fields);

static const ks_field_t ks_sasl_authenticate_resp_fields[] = {
    KS_FLD(ks_sasl_authenticate_resp_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_sasl_authenticate_resp_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_sasl_authenticate_resp_t, auth_bytes, BYTES, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_sasl_authenticate_resp_t, session_lifetime_ms, INT64, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_sasl_authenticate_resp_schema = KS_SCHEMA(ks_sasl_authenticate_resp_t, ks_sasl_authenticate_resp_fields);

/* ----- DescribeAcls (key 29) ----- */

static const ks_field_t ks_describe_acls_req_fields[] = {
    KS_FLD(ks_describe_acls_req_t, resource_type_filter, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_acls_req_t, resource_name_filter, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_acls_req_t, pattern_type_filter, INT8, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 3),
    KS_FLD(ks_describe_acls_req_t, principal_filter, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_acls_req_t, host_filter, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_acls_req_t, operation, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_acls_req_t, permission_type, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_describe_acls_req_schema = KS_SCHEMA(ks_describe_acls_req_t, ks_describe_acls_req_fields);

static const ks_field_t ks_describe_acls_resp_acl_description_fields[] = {
    KS_FLD(ks_describe_acls_resp_acl_description_t, principal, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_acls_resp_acl_description_t, host, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_acls_resp_acl_description_t, operation, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_acls_resp_acl_description_t, permission_type, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_acls_resp_acl_description_schema = KS_SCHEMA(ks_describe_acls_resp_acl_description_t, ks_describe_acls_resp_acl_description_fields);

static const ks_field_t ks_describe_acls_resp_describe_acls_resource_fields[] = {
    KS_FLD(ks_describe_acls_resp_describe_acls_resource_t, resource_type, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_acls_resp_describe_acls_resource_t, resource_name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_acls_resp_describe_acls_resource_t, pattern_type, INT8, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 3),
    KS_FLD_SUB(ks_describe_acls_resp_describe_acls_resource_t, acls, ARRAY, &ks_describe_acls_resp_acl_description_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_acls_resp_describe_acls_resource_schema = KS_SCHEMA(ks_describe_acls_resp_describe_acls_resource_t, ks_describe_acls_resp_describe_acls_resource_fields);

static const ks_field_t ks_describe_acls_resp_fields[] = {
    KS_FLD(ks_describe_acls_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_acls_resp_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_acls_resp_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_describe_acls_resp_t, resources, ARRAY, &ks_describe_acls_resp_describe_acls_resource_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_describe_acls_resp_schema = KS_SCHEMA(ks_describe_acls_resp_t, ks_describe_acls_resp_fields);

/* ----- CreateAcls (key 30) ----- */

static const ks_field_t ks_create_acls_req_acl_creation_fields[] = {
    KS_FLD(ks_create_acls_req_acl_creation_t, resource_type, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_acls_req_acl_creation_t, resource_name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_acls_req_acl_creation_t, resource_pattern_type, INT8, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 3),
    KS_FLD(ks_create_acls_req_acl_creation_t, principal, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_acls_req_acl_creation_t, host, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_acls_req_acl_creation_t, operation, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_acls_req_acl_creation_t, permission_type, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_create_acls_req_acl_creation_schema = KS_SCHEMA(ks_create_acls_req_acl_creation_t, ks_create_acls_req_acl_creation_fields);

static const ks_field_t ks_create_acls_req_fields[] = {
    KS_FLD_SUB(ks_create_acls_req_t, creations, ARRAY, &ks_create_acls_req_acl_creation_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_create_acls_req_schema = KS_SCHEMA(ks_create_acls_req_t, ks_create_acls_req_fields);

static const ks_field_t ks_create_acls_resp_acl_creation_result_fields[] = {
    KS_FLD(ks_create_acls_resp_acl_creation_result_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_create_acls_resp_acl_creation_result_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_create_acls_resp_acl_creation_result_schema = KS_SCHEMA(ks_create_acls_resp_acl_creation_result_t, ks_create_acls_resp_acl_creation_result_fields);

static const ks_field_t ks_create_acls_resp_fields[] = {
    KS_FLD(ks_create_acls_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_create_acls_resp_t, results, ARRAY, &ks_create_acls_resp_acl_creation_result_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_create_acls_resp_schema = KS_SCHEMA(ks_create_acls_resp_t, ks_create_acls_resp_fields);

/* ----- DeleteAcls (key 31) ----- */

static const ks_field_t ks_delete_acls_req_delete_acls_filter_fields[] = {
    KS_FLD(ks_delete_acls_req_delete_acls_filter_t, resource_type_filter, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_acls_req_delete_acls_filter_t, resource_name_filter, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_acls_req_delete_acls_filter_t, pattern_type_filter, INT8, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 3),
    KS_FLD(ks_delete_acls_req_delete_acls_filter_t, principal_filter, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_acls_req_delete_acls_filter_t, host_filter, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_acls_req_delete_acls_filter_t, operation, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_acls_req_delete_acls_filter_t, permission_type, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_delete_acls_req_delete_acls_filter_schema = KS_SCHEMA(ks_delete_acls_req_delete_acls_filter_t, ks_delete_acls_req_delete_acls_filter_fields);

static const ks_field_t ks_delete_acls_req_fields[] = {
    KS_FLD_SUB(ks_delete_acls_req_t, filters, ARRAY, &ks_delete_acls_req_delete_acls_filter_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_delete_acls_req_schema = KS_SCHEMA(ks_delete_acls_req_t, ks_delete_acls_req_fields);

static const ks_field_t ks_delete_acls_resp_delete_acls_matching_acl_fields[] = {
    KS_FLD(ks_delete_acls_resp_delete_acls_matching_acl_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_acls_resp_delete_acls_matching_acl_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_acls_resp_delete_acls_matching_acl_t, resource_type, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_acls_resp_delete_acls_matching_acl_t, resource_name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_acls_resp_delete_acls_matching_acl_t, pattern_type, INT8, 1, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 3),
    KS_FLD(ks_delete_acls_resp_delete_acls_matching_acl_t, principal, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_acls_resp_delete_acls_matching_acl_t, host, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_acls_resp_delete_acls_matching_acl_t, operation, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_acls_resp_delete_acls_matching_acl_t, permission_type, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_delete_acls_resp_delete_acls_matching_acl_schema = KS_SCHEMA(ks_delete_acls_resp_delete_acls_matching_acl_t, ks_delete_acls_resp_delete_acls_matching_acl_fields);

static const ks_field_t ks_delete_acls_resp_delete_acls_filter_result_fields[] = {
    KS_FLD(ks_delete_acls_resp_delete_acls_filter_result_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_delete_acls_resp_delete_acls_filter_result_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_delete_acls_resp_delete_acls_filter_result_t, matching_acls, ARRAY, &ks_delete_acls_resp_delete_acls_matching_acl_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_delete_acls_resp_delete_acls_filter_result_schema = KS_SCHEMA(ks_delete_acls_resp_delete_acls_filter_result_t, ks_delete_acls_resp_delete_acls_filter_result_fields);

static const ks_field_t ks_delete_acls_resp_fields[] = {
    KS_FLD(ks_delete_acls_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_delete_acls_resp_t, filter_results, ARRAY, &ks_delete_acls_resp_delete_acls_filter_result_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_delete_acls_resp_schema = KS_SCHEMA(ks_delete_acls_resp_t, ks_delete_acls_resp_fields);

/* ----- DescribeUserScramCredentials (key 50) ----- */

static const ks_field_t ks_describe_user_scram_credentials_req_user_name_fields[] = {
    KS_FLD(ks_describe_user_scram_credentials_req_user_name_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_user_scram_credentials_req_user_name_schema = KS_SCHEMA(ks_describe_user_scram_credentials_req_user_name_t, ks_describe_user_scram_credentials_req_user_name_fields);

static const ks_field_t ks_describe_user_scram_credentials_req_fields[] = {
    KS_FLD_SUB(ks_describe_user_scram_credentials_req_t, users, ARRAY, &ks_describe_user_scram_credentials_req_user_name_schema, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_describe_user_scram_credentials_req_schema = KS_SCHEMA(ks_describe_user_scram_credentials_req_t, ks_describe_user_scram_credentials_req_fields);

static const ks_field_t ks_describe_user_scram_credentials_resp_credential_info_fields[] = {
    KS_FLD(ks_describe_user_scram_credentials_resp_credential_info_t, mechanism, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_user_scram_credentials_resp_credential_info_t, iterations, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_user_scram_credentials_resp_credential_info_schema = KS_SCHEMA(ks_describe_user_scram_credentials_resp_credential_info_t, ks_describe_user_scram_credentials_resp_credential_info_fields);

static const ks_field_t ks_describe_user_scram_credentials_resp_describe_user_scram_credentials_result_fields[] = {
    KS_FLD(ks_describe_user_scram_credentials_resp_describe_user_scram_credentials_result_t, user, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_user_scram_credentials_resp_describe_user_scram_credentials_result_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_user_scram_credentials_resp_describe_user_scram_credentials_result_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_describe_user_scram_credentials_resp_describe_user_scram_credentials_result_t, credential_infos, ARRAY, &ks_describe_user_scram_credentials_resp_credential_info_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_describe_user_scram_credentials_resp_describe_user_scram_credentials_result_schema = KS_SCHEMA(ks_describe_user_scram_credentials_resp_describe_user_scram_credentials_result_t, ks_describe_user_scram_credentials_resp_describe_user_scram_credentials_result_fields);

static const ks_field_t ks_describe_user_scram_credentials_resp_fields[] = {
    KS_FLD(ks_describe_user_scram_credentials_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_user_scram_credentials_resp_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_describe_user_scram_credentials_resp_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_describe_user_scram_credentials_resp_t, results, ARRAY, &ks_describe_user_scram_credentials_resp_describe_user_scram_credentials_result_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_describe_user_scram_credentials_resp_schema = KS_SCHEMA(ks_describe_user_scram_credentials_resp_t, ks_describe_user_scram_credentials_resp_fields);

/* ----- AlterUserScramCredentials (key 51) ----- */

static const ks_field_t ks_alter_user_scram_credentials_req_scram_credential_deletion_fields[] = {
    KS_FLD(ks_alter_user_scram_credentials_req_scram_credential_deletion_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_alter_user_scram_credentials_req_scram_credential_deletion_t, mechanism, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_alter_user_scram_credentials_req_scram_credential_deletion_schema = KS_SCHEMA(ks_alter_user_scram_credentials_req_scram_credential_deletion_t, ks_alter_user_scram_credentials_req_scram_credential_deletion_fields);

static const ks_field_t ks_alter_user_scram_credentials_req_scram_credential_upsertion_fields[] = {
    KS_FLD(ks_alter_user_scram_credentials_req_scram_credential_upsertion_t, name, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_alter_user_scram_credentials_req_scram_credential_upsertion_t, mechanism, INT8, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_alter_user_scram_credentials_req_scram_credential_upsertion_t, iterations, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_alter_user_scram_credentials_req_scram_credential_upsertion_t, salt, BYTES, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_alter_user_scram_credentials_req_scram_credential_upsertion_t, salted_password, BYTES, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_alter_user_scram_credentials_req_scram_credential_upsertion_schema = KS_SCHEMA(ks_alter_user_scram_credentials_req_scram_credential_upsertion_t, ks_alter_user_scram_credentials_req_scram_credential_upsertion_fields);

static const ks_field_t ks_alter_user_scram_credentials_req_fields[] = {
    KS_FLD_SUB(ks_alter_user_scram_credentials_req_t, deletions, ARRAY, &ks_alter_user_scram_credentials_req_scram_credential_deletion_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_alter_user_scram_credentials_req_t, upsertions, ARRAY, &ks_alter_user_scram_credentials_req_scram_credential_upsertion_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_alter_user_scram_credentials_req_schema = KS_SCHEMA(ks_alter_user_scram_credentials_req_t, ks_alter_user_scram_credentials_req_fields);

static const ks_field_t ks_alter_user_scram_credentials_resp_alter_user_scram_credentials_result_fields[] = {
    KS_FLD(ks_alter_user_scram_credentials_resp_alter_user_scram_credentials_result_t, user, STRING, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_alter_user_scram_credentials_resp_alter_user_scram_credentials_result_t, error_code, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_alter_user_scram_credentials_resp_alter_user_scram_credentials_result_t, error_message, STRING, 0, KS_V_INF, 0, KS_V_NONE, 0, 0),
};
static const ks_schema_t ks_alter_user_scram_credentials_resp_alter_user_scram_credentials_result_schema = KS_SCHEMA(ks_alter_user_scram_credentials_resp_alter_user_scram_credentials_result_t, ks_alter_user_scram_credentials_resp_alter_user_scram_credentials_result_fields);

static const ks_field_t ks_alter_user_scram_credentials_resp_fields[] = {
    KS_FLD(ks_alter_user_scram_credentials_resp_t, throttle_time_ms, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD_SUB(ks_alter_user_scram_credentials_resp_t, results, ARRAY, &ks_alter_user_scram_credentials_resp_alter_user_scram_credentials_result_schema, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
};
const ks_schema_t ks_alter_user_scram_credentials_resp_schema = KS_SCHEMA(ks_alter_user_scram_credentials_resp_t, ks_alter_user_scram_credentials_resp_fields);
