/*
 * authz.c: authorization of the requests a worker answers itself
 * (Produce, Fetch, ListOffsets, OffsetForLeaderEpoch, Metadata,
 * DescribeProducers), and the identity that travels with a request
 * forwarded to the coordinator.  Runs in: worker.
 *
 * The ACL index follows the worker's copy of the metadata snapshot: it is
 * rebuilt when a new generation carries different bindings.
 */
#include "config.h"

#include <string.h>

#include "acl.h"
#include "broker.h"
#include "stats.h"
#include "util.h"

static ks_acl_index_t ix;
static uint64_t ix_gen;

static const ks_acl_index_t *
index_now(void)
{
    /* ks_W.mvc as the handler last read it: refreshing here could free a
     * view the handler still holds */
    if (ks_W.mvc.gen == 0)
        (void) ks_worker_meta();
    if (ks_W.mvc.gen != 0 && ks_W.mvc.gen != ix_gen) {
        if (ks_acl_index_build(&ix, ks_W.mvc.mv.acls, ks_W.mvc.mv.nacls) == KS_OK)
            ix_gen = ks_W.mvc.gen;
    }
    return &ix;
}

bool
ks_authz_on(void)
{
    return ks_acl_enabled(ks_W.in->conf);
}

static void
ctx_of(ks_req_t *req, ks_acl_ctx_t *ctx)
{
    const ks_conn_t *c = req->conn;

    ks_acl_ctx_init(ctx, ks_W.in->conf, index_now(), c ? c->principal : "User:ANONYMOUS",
                    c ? c->peer : "unknown", ks_stats_proc(ks_W.in->shm->stats, ks_W.in->slot));
}

bool
ks_authz(ks_req_t *req, int op, int rt, const char *name, size_t len)
{
    ks_acl_ctx_t ctx;

    if (!ks_authz_on())
        return true;
    ctx_of(req, &ctx);
    return ks_acl_check(&ctx, op, rt, name, len);
}

bool
ks_authz_quiet(ks_req_t *req, int op, int rt, const char *name, size_t len)
{
    ks_acl_ctx_t ctx;

    if (!ks_authz_on())
        return true;
    ctx_of(req, &ctx);
    return ks_acl_allowed(&ctx, op, rt, name, len);
}

int32_t
ks_authz_ops(ks_req_t *req, int rt, const char *name, size_t len)
{
    ks_acl_ctx_t ctx;

    if (!ks_authz_on())
        return ks_acl_supported_ops(rt);
    ctx_of(req, &ctx);
    return ks_acl_ops(&ctx, rt, name, len);
}

/* The trailer after a forwarded request frame: principal, peer, their
 * lengths (u16 each, big-endian) and a magic number. */
size_t
ks_authz_trailer(const ks_req_t *req, uint8_t *buf, size_t cap)
{
    const char *pr = req->conn ? req->conn->principal : "User:ANONYMOUS";
    const char *peer = req->conn ? req->conn->peer : "unknown";
    size_t pl = strnlen(pr, 255), hl = strnlen(peer, 255);

    if (pl + hl + KS_FWD_TRAILER_FIXED > cap)
        return 0;
    memcpy(buf, pr, pl);
    memcpy(buf + pl, peer, hl);
    ks_put_be16(buf + pl + hl, (uint16_t) pl);
    ks_put_be16(buf + pl + hl + 2, (uint16_t) hl);
    ks_put_be32(buf + pl + hl + 4, KS_FWD_TRAILER_MAGIC);
    return pl + hl + KS_FWD_TRAILER_FIXED;
}
