/*
 * producers.c: InitProducerId.  Runs in: coordinator.
 *
 * Producer ids are unique across the cluster: each coordinator takes a
 * block of ids at a time from /kafscale/producer-ids/next with a
 * compare-and-swap, so brokers sharing one metadata store never hand out
 * the same id.  An idempotent producer that re-initialises with its id and
 * epoch (KIP-360) gets the same id with the epoch bumped.  Transactions are
 * out of scope: a transactional id is refused.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "coordinator.h"
#include "log.h"
#include "proto/errors.h"

#define KEY_NEXT_PID "/kafscale/producer-ids/next"
#define PID_BLOCK    1000

static int64_t block_next = 0, block_end = 0;   /* [next, end) is ours */
static ks_creq_t **waiting;                      /* requests waiting for a block */
static size_t nwaiting;
static bool fetching;

static void answer(ks_creq_t *creq, int64_t pid, int16_t epoch, int16_t err)
{
    ks_init_producer_id_resp_t *resp = creq->response;

    resp->error_code = err;
    resp->producer_id = pid;
    resp->producer_epoch = epoch;
    ks_creq_respond(creq);
}

static void fetch_block(void);

static void
serve_waiting(int16_t err)
{
    while (nwaiting > 0) {
        ks_creq_t *creq = waiting[0];
        memmove(waiting, waiting + 1, sizeof(*waiting) * (nwaiting - 1));
        nwaiting--;
        if (err != KS_ERR_NONE) {
            answer(creq, -1, -1, err);
            continue;
        }
        if (block_next >= block_end) {
            /* put it back and get another block */
            waiting = realloc(waiting, sizeof(*waiting) * (nwaiting + 1));
            memmove(waiting + 1, waiting, sizeof(*waiting) * nwaiting);
            waiting[0] = creq;
            nwaiting++;
            fetch_block();
            return;
        }
        answer(creq, block_next++, 0, KS_ERR_NONE);
    }
}

static void
block_cas_done(void *arg, const ks_ms_result_t *res)
{
    int64_t *want = arg;

    fetching = false;
    if (res->rc != KS_OK) {
        ks_log_error("could not allocate producer ids: %s", res->error);
        free(want);
        serve_waiting(KS_ERR_COORDINATOR_NOT_AVAILABLE);
        return;
    }
    if (!res->succeeded) {
        /* another broker took that block first: try again */
        free(want);
        fetch_block();
        return;
    }
    block_next = want[0];
    block_end = want[0] + PID_BLOCK;
    free(want);
    serve_waiting(KS_ERR_NONE);
}

static void
block_read(void *arg, const ks_ms_result_t *res)
{
    int64_t cur = 0, mod_rev = 0;
    int64_t *want;
    char val[32];
    ks_ms_cmp_t cmp;
    ks_ms_op_t put;

    (void) arg;
    if (res->rc != KS_OK) {
        fetching = false;
        ks_log_error("could not read the producer id counter: %s", res->error);
        serve_waiting(KS_ERR_COORDINATOR_NOT_AVAILABLE);
        return;
    }
    if (res->nkvs > 0) {
        cur = strtoll((const char *) res->kvs[0].value, NULL, 10);
        mod_rev = res->kvs[0].mod_rev;
    }
    if (cur < 0)
        cur = 0;
    want = malloc(sizeof(int64_t));
    want[0] = cur;
    snprintf(val, sizeof(val), "%" PRId64, cur + PID_BLOCK);
    memset(&cmp, 0, sizeof(cmp));
    cmp.key = KEY_NEXT_PID;
    cmp.key_len = strlen(KEY_NEXT_PID);
    cmp.target = res->nkvs > 0 ? KS_MS_CMP_MOD_REV : KS_MS_CMP_CREATE_REV;
    cmp.result = KS_MS_CMP_EQ;
    cmp.number = res->nkvs > 0 ? mod_rev : 0;
    memset(&put, 0, sizeof(put));
    put.kind = KS_MS_OP_PUT;
    put.key = KEY_NEXT_PID;
    put.key_len = cmp.key_len;
    put.value = val;
    put.value_len = strlen(val);
    if (ks_ms_txn(ks_C.ms, &cmp, 1, &put, 1, NULL, 0, block_cas_done, want) != KS_OK) {
        free(want);
        fetching = false;
        serve_waiting(KS_ERR_COORDINATOR_NOT_AVAILABLE);
    }
}

static void
fetch_block(void)
{
    if (fetching)
        return;
    fetching = true;
    if (ks_ms_get(ks_C.ms, KEY_NEXT_PID, block_read, NULL) != KS_OK) {
        fetching = false;
        serve_waiting(KS_ERR_COORDINATOR_NOT_AVAILABLE);
    }
}

void
ks_h_init_producer_id(ks_creq_t *creq)
{
    ks_init_producer_id_req_t *req = creq->request;
    ks_creq_t **nw;

    if (req->transactional_id.len >= 0) {
        /* Transactions are not offered (their APIs are not advertised). */
        answer(creq, -1, -1, KS_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        return;
    }
    /* IDEMPOTENT_WRITE on the cluster, or WRITE on some topic; a denial
     * is reported as the cluster's */
    if (!ks_coord_authz_quiet(creq, KS_ACL_OP_IDEMPOTENT_WRITE, KS_ACL_RT_CLUSTER, KS_STR_LIT(KS_ACL_CLUSTER_NAME)) &&
        !ks_coord_authz_any(creq, KS_ACL_OP_WRITE, KS_ACL_RT_TOPIC) &&
        !ks_coord_authz_cluster(creq, KS_ACL_OP_IDEMPOTENT_WRITE)) {
        answer(creq, -1, -1, KS_ERR_CLUSTER_AUTHORIZATION_FAILED);
        return;
    }
    if (req->producer_id >= 0 && req->producer_epoch >= 0 && req->producer_epoch < INT16_MAX - 1) {
        /* KIP-360: an idempotent producer bumps its epoch and keeps its id. */
        answer(creq, req->producer_id, (int16_t) (req->producer_epoch + 1), KS_ERR_NONE);
        return;
    }
    if (block_next < block_end) {
        answer(creq, block_next++, 0, KS_ERR_NONE);
        return;
    }
    nw = realloc(waiting, sizeof(*waiting) * (nwaiting + 1));
    if (nw == NULL) {
        ks_creq_close(creq);
        return;
    }
    waiting = nw;
    waiting[nwaiting++] = creq;
    fetch_block();
}
