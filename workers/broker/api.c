/*
 * api.c: the table indexed by ApiKey that drives dispatch and what
 * ApiVersions advertises.  Runs in: worker.
 *
 * An API is advertised exactly when it has an entry here, over exactly the
 * versions of its entry, and every one of those versions is decoded by the
 * codec and answered by a handler (here or in the coordinator).
 */
#include "config.h"

#include <string.h>

#include "broker.h"
#include "log.h"
#include "proto/errors.h"

static void h_api_versions(ks_req_t *req);

#define LOCAL(lo, hi, fn) { (lo), (hi), (fn), false }
#define FORWARD(lo, hi)   { (lo), (hi), NULL, true }

static const ks_api_entry_t api_table[KS_API_KEY_COUNT] = {
    [KS_API_PRODUCE]           = LOCAL(0, 11, ks_h_produce),
    [KS_API_FETCH]             = LOCAL(0, 17, ks_h_fetch),
    [KS_API_LIST_OFFSETS]      = LOCAL(0, 10, ks_h_list_offsets),
    [KS_API_OFFSET_FOR_LEADER_EPOCH] = LOCAL(0, 4, ks_h_offset_for_leader_epoch),
    [KS_API_METADATA]          = LOCAL(0, 12, ks_h_metadata),
    [KS_API_API_VERSIONS]      = LOCAL(0, 4, h_api_versions),
    [KS_API_SASL_HANDSHAKE]    = LOCAL(0, 1, ks_h_sasl_handshake),
    [KS_API_SASL_AUTHENTICATE] = LOCAL(0, 2, ks_h_sasl_authenticate),
    [KS_API_CREATE_TOPICS]     = FORWARD(0, 7),
    [KS_API_DELETE_TOPICS]     = FORWARD(0, 6),
    [KS_API_CREATE_PARTITIONS] = FORWARD(0, 3),
    [KS_API_DESCRIBE_CLUSTER]  = FORWARD(0, 1),
    [KS_API_DELETE_RECORDS]    = FORWARD(0, 2),
    [KS_API_FIND_COORDINATOR]  = FORWARD(0, 6),
    [KS_API_JOIN_GROUP]        = FORWARD(0, 9),
    [KS_API_SYNC_GROUP]        = FORWARD(0, 5),
    [KS_API_HEARTBEAT]         = FORWARD(0, 4),
    [KS_API_LEAVE_GROUP]       = FORWARD(0, 5),
    [KS_API_OFFSET_COMMIT]     = FORWARD(0, 9),
    [KS_API_OFFSET_FETCH]      = FORWARD(0, 9),
    [KS_API_DESCRIBE_GROUPS]   = FORWARD(0, 5),
    [KS_API_LIST_GROUPS]       = FORWARD(0, 5),
    [KS_API_DELETE_GROUPS]     = FORWARD(0, 2),
    [KS_API_OFFSET_DELETE]     = FORWARD(0, 0),
    [KS_API_INIT_PRODUCER_ID]  = FORWARD(0, 5),
    [KS_API_DESCRIBE_CONFIGS]  = FORWARD(0, 4),
    [KS_API_ALTER_CONFIGS]     = FORWARD(0, 2),
    [KS_API_INCREMENTAL_ALTER_CONFIGS] = FORWARD(0, 1),
    [KS_API_DESCRIBE_USER_SCRAM_CREDENTIALS] = FORWARD(0, 0),
    [KS_API_ALTER_USER_SCRAM_CREDENTIALS] = FORWARD(0, 0),
    [KS_API_DESCRIBE_PRODUCERS] = LOCAL(0, 0, ks_h_describe_producers),
    [KS_API_DESCRIBE_ACLS]     = FORWARD(0, 3),
    [KS_API_CREATE_ACLS]       = FORWARD(0, 3),
    [KS_API_DELETE_ACLS]       = FORWARD(0, 3),
};

const ks_api_entry_t *
ks_api_entry(int key)
{
    const ks_api_entry_t *e;

    if (key < 0 || key >= KS_API_KEY_COUNT)
        return NULL;
    e = &api_table[key];
    if (e->handle == NULL && !e->forward)
        return NULL;
    return e;
}

void
ks_api_versions_fill(ks_api_versions_resp_t *resp, ks_arena_t *a)
{
    ks_api_versions_resp_api_version_t *v;
    int n = 0;

    for (int k = 0; k < KS_API_KEY_COUNT; k++)
        if (ks_api_entry(k) != NULL)
            n++;
    v = ks_arena_alloc(a, sizeof(*v) * (size_t) (n ? n : 1));
    n = 0;
    for (int k = 0; k < KS_API_KEY_COUNT; k++) {
        const ks_api_entry_t *e = ks_api_entry(k);
        if (e == NULL || v == NULL)
            continue;
        v[n].api_key = (int16_t) k;
        v[n].min_version = e->min_version;
        v[n].max_version = e->max_version;
        n++;
    }
    resp->api_keys.items = v;
    resp->api_keys.count = v ? n : 0;
}

/* ApiVersions: answered from the table.  An unsupported version gets a v0
 * response with UNSUPPORTED_VERSION and the list, so the client can retry
 * with a version it finds there (KIP-511). */
static void
h_api_versions(ks_req_t *req)
{
    ks_api_versions_resp_t *resp = ks_response_alloc(KS_API_API_VERSIONS, 0, &req->arena);
    const ks_api_entry_t *e = ks_api_entry(KS_API_API_VERSIONS);
    int version = req->hdr.request_api_version;

    if (resp == NULL) {
        ks_req_fail_close(req, "out of memory");
        return;
    }
    ks_api_versions_fill(resp, &req->arena);
    if (version > e->max_version || version < e->min_version) {
        resp->error_code = KS_ERR_UNSUPPORTED_VERSION;
        ks_req_respond_version(req, 0, resp);
        return;
    }
    resp->error_code = KS_ERR_NONE;
    ks_req_respond(req, resp);
}

void
ks_dispatch(ks_req_t *req)
{
    int key = req->hdr.request_api_key;
    int version = req->hdr.request_api_version;
    const ks_api_entry_t *e = ks_api_entry(key);
    const char *peer = req->conn->peer;

    if (e == NULL) {
        /* Kafka closes the connection on a request for an API it does not
         * know or does not offer. */
        ks_log_warn("closing connection from %s: unsupported api key %d (version %d, client %.*s)",
                    peer, key, version, req->hdr.client_id.len > 0 ? (int) req->hdr.client_id.len : 0,
                    req->hdr.client_id.p ? req->hdr.client_id.p : "");
        req->close_after = true;
        ks_req_complete(req);
        return;
    }
    /* SASL listeners: nothing but authentication before it, nothing but
     * re-authentication once the session ended (auth.c) */
    if (!ks_sasl_gate(req))
        return;
    if (key == KS_API_API_VERSIONS) {
        /* Answered even for unknown versions; the body of a newer version
         * may not parse, and it is not needed. */
        e->handle(req);
        return;
    }
    if (version < e->min_version || version > e->max_version) {
        ks_log_warn("closing connection from %s: unsupported version %d of %s",
                    peer, version, ks_api_desc(key)->name);
        req->close_after = true;
        ks_req_complete(req);
        return;
    }
    if (e->forward) {
        ks_forward(req);
        return;
    }
    req->request = ks_request_alloc(key, version, &req->arena);
    if (req->request == NULL ||
        ks_decode_request(key, version, &req->body, req->request, &req->arena) != KS_OK) {
        ks_log_warn("closing connection from %s: malformed %s v%d request (correlation id %d)",
                    peer, ks_api_desc(key)->name, version, req->hdr.correlation_id);
        req->close_after = true;
        ks_req_complete(req);
        return;
    }
    e->handle(req);
}
