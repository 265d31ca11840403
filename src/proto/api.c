#include "config.h"

/*
 * api.c: the table indexed by ApiKey, request/response headers and the
 * per-API decode/encode wrappers.  Runs in: workers, coordinator, tools.
 */
#include "proto/api.h"
#include "util.h"

static const ks_field_t ks_request_header_fields[] = {
    KS_FLD(ks_request_header_t, request_api_key, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_request_header_t, request_api_version, INT16, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    KS_FLD(ks_request_header_t, correlation_id, INT32, 0, KS_V_INF, KS_V_NONE, KS_V_NONE, 0, 0),
    /* Always a classic int16-length string, even in header v2. */
    { "client_id", KS_F_STRING, 0, 1, KS_V_INF, 1, KS_V_NONE, 0, 1,
      (uint16_t) offsetof(ks_request_header_t, client_id), NULL, -1 },
};
const ks_schema_t ks_request_header_schema = KS_SCHEMA(ks_request_header_t, ks_request_header_fields);

static const ks_api_desc_t ks_apis[] = {
    { KS_API_PRODUCE, "Produce", 0, 11, 9, &ks_produce_req_schema, &ks_produce_resp_schema },
    { KS_API_FETCH, "Fetch", 0, 17, 12, &ks_fetch_req_schema, &ks_fetch_resp_schema },
    { KS_API_LIST_OFFSETS, "ListOffsets", 0, 10, 6, &ks_list_offsets_req_schema, &ks_list_offsets_resp_schema },
    { KS_API_METADATA, "Metadata", 0, 12, 9, &ks_metadata_req_schema, &ks_metadata_resp_schema },
    { KS_API_OFFSET_COMMIT, "OffsetCommit", 0, 9, 8, &ks_offset_commit_req_schema, &ks_offset_commit_resp_schema },
    { KS_API_OFFSET_FETCH, "OffsetFetch", 0, 9, 6, &ks_offset_fetch_req_schema, &ks_offset_fetch_resp_schema },
    { KS_API_FIND_COORDINATOR, "FindCoordinator", 0, 6, 3, &ks_find_coordinator_req_schema, &ks_find_coordinator_resp_schema },
    { KS_API_JOIN_GROUP, "JoinGroup", 0, 9, 6, &ks_join_group_req_schema, &ks_join_group_resp_schema },
    { KS_API_HEARTBEAT, "Heartbeat", 0, 4, 4, &ks_heartbeat_req_schema, &ks_heartbeat_resp_schema },
    { KS_API_LEAVE_GROUP, "LeaveGroup", 0, 5, 4, &ks_leave_group_req_schema, &ks_leave_group_resp_schema },
    { KS_API_SYNC_GROUP, "SyncGroup", 0, 5, 4, &ks_sync_group_req_schema, &ks_sync_group_resp_schema },
    { KS_API_DESCRIBE_GROUPS, "DescribeGroups", 0, 5, 5, &ks_describe_groups_req_schema, &ks_describe_groups_resp_schema },
    { KS_API_LIST_GROUPS, "ListGroups", 0, 5, 3, &ks_list_groups_req_schema, &ks_list_groups_resp_schema },
    { KS_API_SASL_HANDSHAKE, "SaslHandshake", 0, 1, -1, &ks_sasl_handshake_req_schema, &ks_sasl_handshake_resp_schema },
    { KS_API_API_VERSIONS, "ApiVersions", 0, 4, 3, &ks_api_versions_req_schema, &ks_api_versions_resp_schema },
    { KS_API_CREATE_TOPICS, "CreateTopics", 0, 7, 5, &ks_create_topics_req_schema, &ks_create_topics_resp_schema },
    { KS_API_DELETE_TOPICS, "DeleteTopics", 0, 6, 4, &ks_delete_topics_req_schema, &ks_delete_topics_resp_schema },
    { KS_API_DELETE_RECORDS, "DeleteRecords", 0, 2, 2, &ks_delete_records_req_schema, &ks_delete_records_resp_schema },
    { KS_API_INIT_PRODUCER_ID, "InitProducerId", 0, 5, 2, &ks_init_producer_id_req_schema, &ks_init_producer_id_resp_schema },
    { KS_API_OFFSET_FOR_LEADER_EPOCH, "OffsetForLeaderEpoch", 0, 4, 4, &ks_offset_for_leader_epoch_req_schema, &ks_offset_for_leader_epoch_resp_schema },
    { KS_API_DESCRIBE_ACLS, "DescribeAcls", 0, 3, 2, &ks_describe_acls_req_schema, &ks_describe_acls_resp_schema },
    { KS_API_CREATE_ACLS, "CreateAcls", 0, 3, 2, &ks_create_acls_req_schema, &ks_create_acls_resp_schema },
    { KS_API_DELETE_ACLS, "DeleteAcls", 0, 3, 2, &ks_delete_acls_req_schema, &ks_delete_acls_resp_schema },
    { KS_API_DESCRIBE_CONFIGS, "DescribeConfigs", 0, 4, 4, &ks_describe_configs_req_schema, &ks_describe_configs_resp_schema },
    { KS_API_ALTER_CONFIGS, "AlterConfigs", 0, 2, 2, &ks_alter_configs_req_schema, &ks_alter_configs_resp_schema },
    { KS_API_DESCRIBE_LOG_DIRS, "DescribeLogDirs", 0, 4, 2, &ks_describe_log_dirs_req_schema, &ks_describe_log_dirs_resp_schema },
    { KS_API_SASL_AUTHENTICATE, "SaslAuthenticate", 0, 2, 2, &ks_sasl_authenticate_req_schema, &ks_sasl_authenticate_resp_schema },
    { KS_API_CREATE_PARTITIONS, "CreatePartitions", 0, 3, 2, &ks_create_partitions_req_schema, &ks_create_partitions_resp_schema },
    { KS_API_DELETE_GROUPS, "DeleteGroups", 0, 2, 2, &ks_delete_groups_req_schema, &ks_delete_groups_resp_schema },
    { KS_API_INCREMENTAL_ALTER_CONFIGS, "IncrementalAlterConfigs", 0, 1, 1, &ks_incremental_alter_configs_req_schema, &ks_incremental_alter_configs_resp_schema },
    { KS_API_OFFSET_DELETE, "OffsetDelete", 0, 0, -1, &ks_offset_delete_req_schema, &ks_offset_delete_resp_schema },
    { KS_API_DESCRIBE_USER_SCRAM_CREDENTIALS, "DescribeUserScramCredentials", 0, 0, 0, &ks_describe_user_scram_credentials_req_schema, &ks_describe_user_scram_credentials_resp_schema },
    { KS_API_ALTER_USER_SCRAM_CREDENTIALS, "AlterUserScramCredentials", 0, 0, 0, &ks_alter_user_scram_credentials_req_schema, &ks_alter_user_scram_credentials_resp_schema },
    { KS_API_DESCRIBE_CLUSTER, "DescribeCluster", 0, 1, 0, &ks_describe_cluster_req_schema, &ks_describe_cluster_resp_schema },
    { KS_API_DESCRIBE_PRODUCERS, "DescribeProducers", 0, 0, 0, &ks_describe_producers_req_schema, &ks_describe_producers_resp_schema },
    { KS_API_CONSUMER_GROUP_HEARTBEAT, "ConsumerGroupHeartbeat", 0, 0, 0, &ks_consumer_group_heartbeat_req_schema, &ks_consumer_group_heartbeat_resp_schema },
    { KS_API_CONSUMER_GROUP_DESCRIBE, "ConsumerGroupDescribe", 0, 0, 0, &ks_consumer_group_describe_req_schema, &ks_consumer_group_describe_resp_schema },
};

/* Position in ks_apis plus one, by API key; 0 = unknown key. */
static const uint8_t ks_api_index[KS_API_KEY_COUNT] = {
    [KS_API_PRODUCE] = 1,
    [KS_API_FETCH] = 2,
    [KS_API_LIST_OFFSETS] = 3,
    [KS_API_METADATA] = 4,
    [KS_API_OFFSET_COMMIT] = 5,
    [KS_API_OFFSET_FETCH] = 6,
    [KS_API_FIND_COORDINATOR] = 7,
    [KS_API_JOIN_GROUP] = 8,
    [KS_API_HEARTBEAT] = 9,
    [KS_API_LEAVE_GROUP] = 10,
    [KS_API_SYNC_GROUP] = 11,
    [KS_API_DESCRIBE_GROUPS] = 12,
    [KS_API_LIST_GROUPS] = 13,
    [KS_API_SASL_HANDSHAKE] = 14,
    [KS_API_API_VERSIONS] = 15,
    [KS_API_CREATE_TOPICS] = 16,
    [KS_API_DELETE_TOPICS] = 17,
    [KS_API_DELETE_RECORDS] = 18,
    [KS_API_INIT_PRODUCER_ID] = 19,
    [KS_API_OFFSET_FOR_LEADER_EPOCH] = 20,
    [KS_API_DESCRIBE_ACLS] = 21,
    [KS_API_CREATE_ACLS] = 22,
    [KS_API_DELETE_ACLS] = 23,
    [KS_API_DESCRIBE_CONFIGS] = 24,
    [KS_API_ALTER_CONFIGS] = 25,
    [KS_API_DESCRIBE_LOG_DIRS] = 26,
    [KS_API_SASL_AUTHENTICATE] = 27,
    [KS_API_CREATE_PARTITIONS] = 28,
    [KS_API_DELETE_GROUPS] = 29,
    [KS_API_INCREMENTAL_ALTER_CONFIGS] = 30,
    [KS_API_OFFSET_DELETE] = 31,
    [KS_API_DESCRIBE_USER_SCRAM_CREDENTIALS] = 32,
    [KS_API_ALTER_USER_SCRAM_CREDENTIALS] = 33,
    [KS_API_DESCRIBE_CLUSTER] = 34,
    [KS_API_DESCRIBE_PRODUCERS] = 35,
    [KS_API_CONSUMER_GROUP_HEARTBEAT] = 36,
    [KS_API_CONSUMER_GROUP_DESCRIBE] = 37,
};

const ks_api_desc_t *ks_api_desc(int key)
{
    if (key < 0 || key >= KS_API_KEY_COUNT || ks_api_index[key] == 0)
        return NULL;
    return &ks_apis[ks_api_index[key] - 1];
}

bool ks_api_flexible(int key, int version)
{
    const ks_api_desc_t *d = ks_api_desc(key);

    return d != NULL && d->flex_min >= 0 && version >= d->flex_min;
}

bool ks_api_supported(int key, int version)
{
    const ks_api_desc_t *d = ks_api_desc(key);

    return d != NULL && version >= d->min_version && version <= d->max_version;
}

int ks_decode_request_header(ks_reader_t *r, ks_request_header_t *h)
{
    int key, version;
    bool flex;

    if (ks_reader_left(r) < 8) {
        memset(h, 0, sizeof(*h));
        r->err = KS_DECODE_SHORT;
        r->p = r->end;
        return KS_ERROR;
    }
    key = (int16_t) ks_be16(r->p);
    version = (int16_t) ks_be16(r->p + 2);
    flex = ks_api_flexible(key, version);
    return ks_decode(&ks_request_header_schema, flex ? 2 : 1, flex, r, h, NULL);
}

void ks_encode_request_header(ks_writer_t *w, const ks_request_header_t *h)
{
    bool flex = ks_api_flexible(h->request_api_key, h->request_api_version);

    if (ks_encode(&ks_request_header_schema, flex ? 2 : 1, flex, w, h) != KS_OK && w->err == 0)
        w->err = KS_DECODE_INVALID;
}

void ks_encode_response_header(ks_writer_t *w, int key, int version, int32_t correlation_id)
{
    ks_write_i32(w, correlation_id);
    if (key != KS_API_API_VERSIONS && ks_api_flexible(key, version))
        ks_write_uvarint(w, 0);
}

static const ks_schema_t *ks_api_schema(int key, int version, bool response)
{
    const ks_api_desc_t *d = ks_api_desc(key);

    if (d == NULL || version < d->min_version || version > d->max_version)
        return NULL;
    return response ? d->response : d->request;
}

static int ks_decode_body(int key, int version, bool response, ks_reader_t *r,
                          void *out, ks_arena_t *a)
{
    const ks_schema_t *s = ks_api_schema(key, version, response);

    if (s == NULL) {
        if (r->err == 0)
            r->err = KS_DECODE_INVALID;
        return KS_ERROR;
    }
    return ks_decode(s, version, ks_api_flexible(key, version), r, out, a);
}

static int ks_encode_body(int key, int version, bool response, ks_writer_t *w, const void *in)
{
    const ks_schema_t *s = ks_api_schema(key, version, response);

    if (s == NULL)
        return KS_ERROR;
    return ks_encode(s, version, ks_api_flexible(key, version), w, in);
}

int ks_decode_request(int key, int version, ks_reader_t *r, void *out, ks_arena_t *a)
{
    return ks_decode_body(key, version, false, r, out, a);
}

int ks_encode_request(int key, int version, ks_writer_t *w, const void *req)
{
    return ks_encode_body(key, version, false, w, req);
}

int ks_decode_response(int key, int version, ks_reader_t *r, void *out, ks_arena_t *a)
{
    return ks_decode_body(key, version, true, r, out, a);
}

int ks_encode_response(int key, int version, ks_writer_t *w, const void *resp)
{
    return ks_encode_body(key, version, true, w, resp);
}

static void *ks_body_alloc(int key, int version, bool response, ks_arena_t *a)
{
    const ks_api_desc_t *d = ks_api_desc(key);
    const ks_schema_t *s;
    void *p;

    if (d == NULL)
        return NULL;
    s = response ? d->response : d->request;
    p = ks_arena_alloc(a, s->size);
    if (p != NULL)
        ks_schema_defaults(s, version, p);
    return p;
}

void *ks_request_alloc(int key, int version, ks_arena_t *a)
{
    return ks_body_alloc(key, version, false, a);
}

void *ks_response_alloc(int key, int version, ks_arena_t *a)
{
    return ks_body_alloc(key, version, true, a);
}
