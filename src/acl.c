/*
 * acl.c: the authorizer (Kafka's AclAuthorizer semantics), its index over
 * the snapshot's bindings, the ACL APIs' validation and filters, and the
 * denials' counters and rate-limited log lines.
 * Runs in: workers, coordinator.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "acl.h"
#include "log.h"
#include "util.h"

/* ---------- names ---------- */

static const char *const rt_names[] = {
    "UNKNOWN", "ANY", "TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID", "DELEGATION_TOKEN", "USER"
};
static const char *const rt_lnames[] = {
    "unknown", "any", "topic", "group", "cluster", "transactional_id", "delegation_token", "user"
};
static const char *const pt_names[] = { "UNKNOWN", "ANY", "MATCH", "LITERAL", "PREFIXED" };
static const char *const op_names[] = {
    "UNKNOWN", "ANY", "ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE",
    "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE", "CREATE_TOKENS",
    "DESCRIBE_TOKENS"
};
static const char *const op_lnames[] = {
    "unknown", "any", "all", "read", "write", "create", "delete", "alter", "describe",
    "cluster_action", "describe_configs", "alter_configs", "idempotent_write", "create_tokens",
    "describe_tokens"
};
static const char *const perm_names[] = { "UNKNOWN", "ANY", "DENY", "ALLOW" };

_Static_assert(KS_ARRAY_LEN(rt_names) == KS_ACL_RT_COUNT, "resource type names");
_Static_assert(KS_ARRAY_LEN(op_names) == KS_ACL_OP_COUNT, "operation names");
_Static_assert(KS_ACL_RT_COUNT == KS_STATS_ACL_RT && KS_ACL_OP_COUNT == KS_STATS_ACL_OP,
               "the denial counters in stats.h");

#define NAME_OF(tab, v) ((v) >= 0 && (size_t) (v) < KS_ARRAY_LEN(tab) ? (tab)[v] : (tab)[0])

const char *ks_acl_rt_name(int rt) { return NAME_OF(rt_names, rt); }
const char *ks_acl_rt_lname(int rt) { return NAME_OF(rt_lnames, rt); }
const char *ks_acl_pt_name(int pt) { return NAME_OF(pt_names, pt); }
const char *ks_acl_op_name(int op) { return NAME_OF(op_names, op); }
const char *ks_acl_op_lname(int op) { return NAME_OF(op_lnames, op); }
const char *ks_acl_perm_name(int perm) { return NAME_OF(perm_names, perm); }

static int
parse_name(const char *const *tab, size_t n, const char *s)
{
    if (s == NULL)
        return -1;
    for (size_t i = 1; i < n; i++) {          /* never UNKNOWN */
        const char *t = tab[i];
        size_t j = 0;
        for (; s[j] != 0 && t[j] != 0; j++) {
            char c = s[j] == '-' ? '_' : (char) toupper((unsigned char) s[j]);
            if (c != t[j])
                break;
        }
        if (s[j] == 0 && t[j] == 0)
            return (int) i;
    }
    return -1;
}

int ks_acl_rt_parse(const char *s) { return parse_name(rt_names, KS_ARRAY_LEN(rt_names), s); }
int ks_acl_pt_parse(const char *s) { return parse_name(pt_names, KS_ARRAY_LEN(pt_names), s); }
int ks_acl_op_parse(const char *s) { return parse_name(op_names, KS_ARRAY_LEN(op_names), s); }
int ks_acl_perm_parse(const char *s) { return parse_name(perm_names, KS_ARRAY_LEN(perm_names), s); }

/* ---------- bindings and filters ---------- */

static bool
rt_concrete(int rt)
{
    return rt >= KS_ACL_RT_TOPIC && rt < KS_ACL_RT_COUNT;
}

static bool
op_concrete(int op)
{
    return op >= KS_ACL_OP_ALL && op < KS_ACL_OP_COUNT;
}

/* "Type:name" with both parts non-empty. */
static bool
principal_valid(const char *p)
{
    const char *colon = p ? strchr(p, ':') : NULL;

    return colon != NULL && colon != p && colon[1] != 0;
}

const char *
ks_acl_binding_invalid(const ks_acl_binding_t *b)
{
    if (!rt_concrete(b->rt))
        return "Invalid resource type: ANY and UNKNOWN cannot be stored";
    if (b->pt != KS_ACL_PT_LITERAL && b->pt != KS_ACL_PT_PREFIXED)
        return "Invalid pattern type: only LITERAL and PREFIXED bindings can be stored";
    if (!op_concrete(b->op))
        return "Invalid operation: ANY and UNKNOWN cannot be stored";
    if (b->perm != KS_ACL_PERM_ALLOW && b->perm != KS_ACL_PERM_DENY)
        return "Invalid permission type: only ALLOW and DENY can be stored";
    if (b->name == NULL || b->name[0] == 0)
        return "Invalid empty resource name";
    if (strlen(b->name) > KS_ACL_NAME_MAX)
        return "Resource name too long";
    if (b->rt == KS_ACL_RT_CLUSTER && strcmp(b->name, KS_ACL_CLUSTER_NAME) != 0)
        return "The only valid name for the CLUSTER resource is " KS_ACL_CLUSTER_NAME;
    if (b->rt == KS_ACL_RT_CLUSTER && b->pt != KS_ACL_PT_LITERAL)
        return "The CLUSTER resource takes only a LITERAL pattern";
    if (!principal_valid(b->principal))
        return "Invalid principal: expected TYPE:NAME, e.g. User:alice";
    if (strlen(b->principal) > KS_ACL_PRINCIPAL_MAX)
        return "Principal too long";
    if (b->host == NULL || b->host[0] == 0)
        return "Invalid empty host: use * for every host";
    if (strlen(b->host) > KS_ACL_HOST_MAX)
        return "Host too long";
    return NULL;
}

void
ks_acl_binding_id(const ks_acl_binding_t *b, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t nl = strlen(b->name), pl = strlen(b->principal), hl = strlen(b->host);
    char *buf = malloc(64 + nl + pl + hl + 3);
    int n;

    /* type, pattern, operation and permission, then the three strings,
     * each followed by a NUL (none can hold one) */
    if (buf == NULL) {
        memset(out, '0', 64);
        out[64] = 0;
        return;
    }
    n = snprintf(buf, 64, "%d/%d/%d/%d/", b->rt, b->pt, b->op, b->perm);
    memcpy(buf + n, b->name, nl + 1);
    memcpy(buf + n + nl + 1, b->principal, pl + 1);
    memcpy(buf + n + nl + pl + 2, b->host, hl + 1);
    if (EVP_Digest(buf, (size_t) n + nl + pl + hl + 3, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        memset(md, 0, 32);
    free(buf);
    for (int i = 0; i < 32; i++)
        snprintf(out + i * 2, 3, "%02x", md[i]);
}

const char *
ks_acl_filter_invalid(const ks_acl_filter_t *f)
{
    if (f->rt <= KS_ACL_RT_UNKNOWN || f->rt >= KS_ACL_RT_COUNT)
        return "Filter contains an UNKNOWN resource type";
    if (f->pt <= KS_ACL_PT_UNKNOWN || f->pt > KS_ACL_PT_PREFIXED)
        return "Filter contains an UNKNOWN pattern type";
    if (f->op <= KS_ACL_OP_UNKNOWN || f->op >= KS_ACL_OP_COUNT)
        return "Filter contains an UNKNOWN operation";
    if (f->perm <= KS_ACL_PERM_UNKNOWN || f->perm > KS_ACL_PERM_ALLOW)
        return "Filter contains an UNKNOWN permission type";
    return NULL;
}

/* Kafka's ResourcePatternFilter.matches and AccessControlEntryFilter.matches */
bool
ks_acl_filter_matches(const ks_acl_filter_t *f, const ks_acl_binding_t *b)
{
    if (f->rt != KS_ACL_RT_ANY && f->rt != b->rt)
        return false;
    if (f->pt != KS_ACL_PT_ANY && f->pt != KS_ACL_PT_MATCH && f->pt != b->pt)
        return false;
    if (f->name != NULL) {
        if (f->pt == KS_ACL_PT_ANY || f->pt == b->pt) {
            if (strcmp(f->name, b->name) != 0)
                return false;
        } else if (b->pt == KS_ACL_PT_LITERAL) {         /* MATCH */
            if (strcmp(f->name, b->name) != 0 && strcmp(b->name, KS_ACL_WILDCARD) != 0)
                return false;
        } else if (b->pt == KS_ACL_PT_PREFIXED) {
            if (strncmp(f->name, b->name, strlen(b->name)) != 0)
                return false;
        } else {
            return false;
        }
    }
    if (f->principal != NULL && strcmp(f->principal, b->principal) != 0)
        return false;
    if (f->host != NULL && strcmp(f->host, b->host) != 0)
        return false;
    if (f->op != KS_ACL_OP_ANY && f->op != b->op)
        return false;
    return f->perm == KS_ACL_PERM_ANY || f->perm == b->perm;
}

/* ---------- the index ---------- */

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static uint64_t
digest(const ks_mv_acl_t *acls, int32_t n)
{
    uint64_t h = UINT64_C(14695981039346656037);

    h = fnv(h, &n, sizeof(n));
    for (int32_t i = 0; i < n; i++) {
        const ks_mv_acl_t *a = &acls[i];
        int8_t codes[4] = { a->resource_type, a->pattern_type, a->operation, a->permission };
        h = fnv(h, codes, sizeof(codes));
        h = fnv(h, a->resource_name ? a->resource_name : "", a->resource_name ? strlen(a->resource_name) + 1 : 1);
        h = fnv(h, a->principal ? a->principal : "", a->principal ? strlen(a->principal) + 1 : 1);
        h = fnv(h, a->host ? a->host : "", a->host ? strlen(a->host) + 1 : 1);
    }
    return h;
}

/* 0 wildcard, 1 prefixed, 2 literal */
static int
kind_of(const ks_acl_entry_t *e)
{
    if (e->pt == KS_ACL_PT_PREFIXED)
        return 1;
    return strcmp(e->name, KS_ACL_WILDCARD) == 0 ? 0 : 2;
}

static int
entry_cmp(const void *x, const void *y)
{
    const ks_acl_entry_t *a = x, *b = y;
    int ka, kb;

    if (a->rt != b->rt)
        return a->rt - b->rt;
    ka = kind_of(a);
    kb = kind_of(b);
    if (ka != kb)
        return ka - kb;
    return strcmp(a->name, b->name);
}

static void
entries_free(ks_acl_entry_t *e, int32_t n)
{
    for (int32_t i = 0; i < n; i++) {
        free(e[i].name);
        free(e[i].principal);
        free(e[i].host);
    }
    free(e);
}

int
ks_acl_index_build(ks_acl_index_t *ix, const ks_mv_acl_t *acls, int32_t n)
{
    uint64_t d = digest(acls, n);
    ks_acl_entry_t *e;
    int32_t m = 0;

    if (ix->e != NULL && ix->digest == d)
        return KS_OK;
    e = calloc((size_t) (n > 0 ? n : 1), sizeof(*e));
    if (e == NULL)
        return KS_ERROR;
    for (int32_t i = 0; i < n; i++) {
        const ks_mv_acl_t *a = &acls[i];
        ks_acl_entry_t *x = &e[m];

        if (!rt_concrete(a->resource_type) || !op_concrete(a->operation) ||
            (a->pattern_type != KS_ACL_PT_LITERAL && a->pattern_type != KS_ACL_PT_PREFIXED) ||
            (a->permission != KS_ACL_PERM_ALLOW && a->permission != KS_ACL_PERM_DENY) ||
            a->resource_name == NULL || a->principal == NULL || a->host == NULL)
            continue;
        x->rt = a->resource_type;
        x->pt = a->pattern_type;
        x->op = a->operation;
        x->perm = a->permission;
        x->name = strdup(a->resource_name);
        x->principal = strdup(a->principal);
        x->host = strdup(a->host);
        m++;
        if (x->name == NULL || x->principal == NULL || x->host == NULL) {
            entries_free(e, m);
            return KS_ERROR;
        }
        x->name_len = strlen(x->name);
    }
    qsort(e, (size_t) m, sizeof(*e), entry_cmp);
    ks_acl_index_free(ix);
    ix->e = e;
    ix->n = m;
    ix->digest = d;
    {
        int32_t i = 0;
        for (int rt = 0; rt < KS_ACL_RT_COUNT; rt++) {
            while (i < m && e[i].rt < rt)
                i++;
            ix->wild[rt] = i;
            while (i < m && e[i].rt == rt && kind_of(&e[i]) == 0)
                i++;
            ix->pfx[rt] = i;
            while (i < m && e[i].rt == rt && kind_of(&e[i]) == 1)
                i++;
            ix->lit[rt] = i;
            while (i < m && e[i].rt == rt)
                i++;
            ix->end[rt] = i;
        }
    }
    return KS_OK;
}

void
ks_acl_index_free(ks_acl_index_t *ix)
{
    if (ix->e != NULL)
        entries_free(ix->e, ix->n);
    memset(ix, 0, sizeof(*ix));
}

bool
ks_acl_super_user(const char *su, const char *principal)
{
    size_t plen = strlen(principal);

    while (su != NULL && *su != 0) {
        const char *end = strchr(su, ';');
        const char *a = su, *b = end ? end : su + strlen(su);

        while (a < b && isspace((unsigned char) *a))
            a++;
        while (b > a && isspace((unsigned char) b[-1]))
            b--;
        if ((size_t) (b - a) == plen && memcmp(a, principal, plen) == 0)
            return true;
        su = end ? end + 1 : NULL;
    }
    return false;
}

/* The operations an ALLOW of `granted` allows when `wanted` is asked. */
static bool
op_allows(int granted, int wanted)
{
    if (granted == wanted || granted == KS_ACL_OP_ALL)
        return true;
    if (wanted == KS_ACL_OP_DESCRIBE)
        return granted == KS_ACL_OP_READ || granted == KS_ACL_OP_WRITE || granted == KS_ACL_OP_DELETE ||
               granted == KS_ACL_OP_ALTER;
    if (wanted == KS_ACL_OP_DESCRIBE_CONFIGS)
        return granted == KS_ACL_OP_ALTER_CONFIGS;
    return false;
}

static bool
who_matches(const ks_acl_entry_t *e, const char *principal, const char *host)
{
    return (strcmp(e->principal, principal) == 0 || strcmp(e->principal, KS_ACL_WILDCARD_PRINCIPAL) == 0) &&
           (strcmp(e->host, host) == 0 || strcmp(e->host, KS_ACL_WILDCARD) == 0);
}

#define OPBIT(op) ((uint32_t) 1 << (op))

/* What the bindings matching a resource say about a set of operations
 * (bit op for operation op): whether any binding matched the resource,
 * and which of the operations a DENY / an ALLOW of the principal covers. */
typedef struct {
    bool found;
    uint32_t denied, allowed;
} verdict_t;

static void
consider(const ks_acl_entry_t *e, const char *principal, const char *host, uint32_t ops, verdict_t *v)
{
    v->found = true;
    if (!who_matches(e, principal, host))
        return;
    if (e->perm == KS_ACL_PERM_DENY) {
        v->denied |= e->op == KS_ACL_OP_ALL ? ops : e->op >= 0 && e->op < KS_ACL_OP_COUNT ? ops & OPBIT(e->op) : 0;
        return;
    }
    for (uint32_t m = ops & ~v->allowed; m != 0; m &= m - 1) {
        int op = __builtin_ctz(m);
        if (op_allows(e->op, op))
            v->allowed |= OPBIT(op);
    }
}

/* The first literal entry of type rt named name, or end. */
static int32_t
literal_lower_bound(const ks_acl_index_t *ix, int rt, const char *name, size_t len)
{
    int32_t lo = ix->lit[rt], hi = ix->end[rt];

    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        const ks_acl_entry_t *e = &ix->e[mid];
        size_t n = KS_MIN(e->name_len, len);
        int c = memcmp(e->name, name, n);
        if (c == 0)
            c = e->name_len < len ? -1 : (e->name_len > len ? 1 : 0);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static verdict_t
evaluate(const ks_acl_index_t *ix, const char *principal, const char *host, uint32_t ops, int rt,
         const char *name, size_t len)
{
    verdict_t v = { false, 0, 0 };

    if (ix == NULL || ix->e == NULL || rt < 0 || rt >= KS_ACL_RT_COUNT)
        return v;
    for (int32_t i = ix->wild[rt]; i < ix->pfx[rt]; i++)
        consider(&ix->e[i], principal, host, ops, &v);
    for (int32_t i = ix->pfx[rt]; i < ix->lit[rt]; i++) {
        const ks_acl_entry_t *e = &ix->e[i];
        if (e->name_len <= len && memcmp(e->name, name, e->name_len) == 0)
            consider(e, principal, host, ops, &v);
    }
    for (int32_t i = literal_lower_bound(ix, rt, name, len); i < ix->end[rt]; i++) {
        const ks_acl_entry_t *e = &ix->e[i];
        if (e->name_len != len || memcmp(e->name, name, len) != 0)
            break;
        consider(e, principal, host, ops, &v);
    }
    return v;
}

bool
ks_acl_authorize(const ks_acl_index_t *ix, const ks_conf_t *conf, const char *principal, const char *host,
                 int op, int rt, const char *name, size_t name_len)
{
    uint32_t bit = op >= 0 && op < KS_ACL_OP_COUNT ? OPBIT(op) : 0;
    verdict_t v;

    if (!ks_acl_enabled(conf))
        return true;
    if (ks_acl_super_user(conf->super_users, principal))
        return true;
    v = evaluate(ix, principal, host, bit, rt, name ? name : "", name ? name_len : 0);
    if (!v.found)
        return conf->allow_everyone_if_no_acl_found;
    return (v.denied & bit) == 0 && (v.allowed & bit) != 0;
}

int32_t
ks_acl_supported_ops(int rt)
{
    switch (rt) {
    case KS_ACL_RT_TOPIC:
        return (int32_t) (OPBIT(KS_ACL_OP_READ) | OPBIT(KS_ACL_OP_WRITE) | OPBIT(KS_ACL_OP_CREATE) |
                          OPBIT(KS_ACL_OP_DESCRIBE) | OPBIT(KS_ACL_OP_DELETE) | OPBIT(KS_ACL_OP_ALTER) |
                          OPBIT(KS_ACL_OP_DESCRIBE_CONFIGS) | OPBIT(KS_ACL_OP_ALTER_CONFIGS));
    case KS_ACL_RT_GROUP:
        return (int32_t) (OPBIT(KS_ACL_OP_READ) | OPBIT(KS_ACL_OP_DESCRIBE) | OPBIT(KS_ACL_OP_DELETE));
    case KS_ACL_RT_CLUSTER:
        return (int32_t) (OPBIT(KS_ACL_OP_CREATE) | OPBIT(KS_ACL_OP_CLUSTER_ACTION) |
                          OPBIT(KS_ACL_OP_DESCRIBE_CONFIGS) | OPBIT(KS_ACL_OP_ALTER_CONFIGS) |
                          OPBIT(KS_ACL_OP_IDEMPOTENT_WRITE) | OPBIT(KS_ACL_OP_ALTER) | OPBIT(KS_ACL_OP_DESCRIBE));
    case KS_ACL_RT_TRANSACTIONAL_ID:
        return (int32_t) (OPBIT(KS_ACL_OP_DESCRIBE) | OPBIT(KS_ACL_OP_WRITE));
    case KS_ACL_RT_DELEGATION_TOKEN:
        return (int32_t) OPBIT(KS_ACL_OP_DESCRIBE);
    case KS_ACL_RT_USER:
        return (int32_t) (OPBIT(KS_ACL_OP_CREATE_TOKENS) | OPBIT(KS_ACL_OP_DESCRIBE_TOKENS));
    default:
        return 0;
    }
}

int32_t
ks_acl_authorized_ops(const ks_acl_index_t *ix, const ks_conf_t *conf, const char *principal, const char *host,
                      int rt, const char *name, size_t name_len)
{
    uint32_t sup = (uint32_t) ks_acl_supported_ops(rt);
    verdict_t v;

    if (!ks_acl_enabled(conf) || ks_acl_super_user(conf->super_users, principal))
        return (int32_t) sup;
    /* one pass over the matching bindings answers every operation as
     * ks_acl_authorize would, one at a time */
    v = evaluate(ix, principal, host, sup, rt, name ? name : "", name ? name_len : 0);
    if (!v.found)
        return conf->allow_everyone_if_no_acl_found ? (int32_t) sup : 0;
    return (int32_t) (v.allowed & ~v.denied & sup);
}

bool
ks_acl_authorize_any(const ks_acl_index_t *ix, const ks_conf_t *conf, const char *principal, const char *host,
                     int op, int rt)
{
    /* A resource no name can match but the wildcards: answers the
     * wildcard bindings and allow.everyone.if.no.acl.found. */
    static const char probe[] = "\x01";

    if (ks_acl_authorize(ix, conf, principal, host, op, rt, probe, 1))
        return true;
    if (ix == NULL || ix->e == NULL || rt < 0 || rt >= KS_ACL_RT_COUNT)
        return false;
    /* a DENY on every resource (literal "*") or on the prefix "" wins */
    for (int32_t i = ix->wild[rt]; i < ix->lit[rt]; i++) {
        const ks_acl_entry_t *e = &ix->e[i];
        if (e->perm == KS_ACL_PERM_DENY && (e->op == op || e->op == KS_ACL_OP_ALL) &&
            who_matches(e, principal, host) && (kind_of(e) == 0 || e->name_len == 0))
            return false;
    }
    /* an ALLOW whose resources are not all denied: a literal name not
     * denied literally or by a prefix, a prefix not denied by a shorter or
     * equal prefix */
    for (int32_t i = ix->wild[rt]; i < ix->end[rt]; i++) {
        const ks_acl_entry_t *a = &ix->e[i];
        bool covered = false;

        if (a->perm != KS_ACL_PERM_ALLOW || !op_allows(a->op, op) || !who_matches(a, principal, host))
            continue;
        for (int32_t j = ix->wild[rt]; j < ix->end[rt] && !covered; j++) {
            const ks_acl_entry_t *d = &ix->e[j];
            if (d->perm != KS_ACL_PERM_DENY || !(d->op == op || d->op == KS_ACL_OP_ALL) ||
                !who_matches(d, principal, host))
                continue;
            if (d->pt == KS_ACL_PT_PREFIXED)
                covered = d->name_len <= a->name_len && memcmp(d->name, a->name, d->name_len) == 0;
            else
                covered = a->pt == KS_ACL_PT_LITERAL && strcmp(d->name, a->name) == 0;
        }
        if (!covered)
            return true;
    }
    return false;
}

/* ---------- checks of a request ---------- */

bool
ks_acl_enabled(const ks_conf_t *conf)
{
    return conf != NULL && conf->authorizer != NULL && strcmp(conf->authorizer, "acl") == 0;
}

void
ks_acl_peer_host(const char *peer, char *out, size_t outlen)
{
    const char *p = peer ? peer : "";
    const char *end;

    if (outlen == 0)
        return;
    if (p[0] == '[') {
        p++;
        end = strchr(p, ']');
    } else {
        end = strrchr(p, ':');
    }
    if (end == NULL)
        end = p + strlen(p);
    snprintf(out, outlen, "%.*s", (int) (end - p), p);
}

void
ks_acl_ctx_init(ks_acl_ctx_t *ctx, const ks_conf_t *conf, const ks_acl_index_t *ix, const char *principal,
                const char *peer, ks_stats_proc_t *sp)
{
    ctx->conf = conf;
    ctx->ix = ix;
    ctx->principal = principal ? principal : "User:ANONYMOUS";
    ctx->peer = peer ? peer : "unknown";
    ctx->sp = sp;
    ks_acl_peer_host(ctx->peer, ctx->host, sizeof(ctx->host));
}

/* Rate limit of the denial lines: a small table of recent (connection,
 * operation, resource) keys; a collision only costs an extra line. */
#define DENY_SLOTS 512
#define DENY_INTERVAL_MS 10000

typedef struct {
    uint64_t key;
    int64_t last_ms;
    uint64_t suppressed;
} deny_slot_t;

static deny_slot_t deny_seen[DENY_SLOTS];

static void
denied(const ks_acl_ctx_t *ctx, int op, int rt, const char *name, size_t len)
{
    uint64_t key = UINT64_C(14695981039346656037);
    int8_t codes[2] = { (int8_t) op, (int8_t) rt };
    int64_t now = ks_now_ms();
    char disp[160];
    size_t dl = 0;

    if (ctx->sp != NULL && rt >= 0 && rt < KS_ACL_RT_COUNT && op >= 0 && op < KS_ACL_OP_COUNT)
        ks_stats_add(&ctx->sp->acl_denied[rt][op], 1);
    key = fnv(key, ctx->peer, strlen(ctx->peer) + 1);
    key = fnv(key, ctx->principal, strlen(ctx->principal) + 1);
    key = fnv(key, codes, sizeof(codes));
    key = fnv(key, name, len);
    {
        deny_slot_t *s = &deny_seen[key % DENY_SLOTS];
        uint64_t sup;

        if (s->key == key && now - s->last_ms < DENY_INTERVAL_MS) {
            s->suppressed++;
            return;
        }
        sup = s->key == key ? s->suppressed : 0;
        s->key = key;
        s->last_ms = now;
        s->suppressed = 0;
        /* the resource name as printable text, bounded */
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char) name[i];
            if (dl + 8 >= sizeof(disp)) {
                memcpy(disp + dl, "...", 3);
                dl += 3;
                break;
            }
            if (c >= 0x20 && c < 0x7f && c != '\\')
                disp[dl++] = (char) c;
            else
                dl += (size_t) snprintf(disp + dl, sizeof(disp) - dl, "\\x%02x", c);
        }
        disp[dl] = 0;
        if (sup > 0)
            ks_log_info("denied %s from %s: %s on %s %s (%llu more denied in the last %d s)", ctx->principal,
                        ctx->host, ks_acl_op_name(op), ks_acl_rt_lname(rt), disp,
                        (unsigned long long) sup, DENY_INTERVAL_MS / 1000);
        else
            ks_log_info("denied %s from %s: %s on %s %s", ctx->principal, ctx->host, ks_acl_op_name(op),
                        ks_acl_rt_lname(rt), disp);
    }
}

bool
ks_acl_allowed(const ks_acl_ctx_t *ctx, int op, int rt, const char *name, size_t name_len)
{
    return ks_acl_authorize(ctx->ix, ctx->conf, ctx->principal, ctx->host, op, rt, name, name_len);
}

bool
ks_acl_check(const ks_acl_ctx_t *ctx, int op, int rt, const char *name, size_t name_len)
{
    if (ks_acl_allowed(ctx, op, rt, name, name_len))
        return true;
    denied(ctx, op, rt, name ? name : "", name ? name_len : 0);
    return false;
}

int32_t
ks_acl_ops(const ks_acl_ctx_t *ctx, int rt, const char *name, size_t name_len)
{
    return ks_acl_authorized_ops(ctx->ix, ctx->conf, ctx->principal, ctx->host, rt, name, name_len);
}

bool
ks_acl_check_any(const ks_acl_ctx_t *ctx, int op, int rt)
{
    if (ks_acl_authorize_any(ctx->ix, ctx->conf, ctx->principal, ctx->host, op, rt))
        return true;
    denied(ctx, op, rt, "*", 1);
    return false;
}
