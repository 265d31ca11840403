/*
 * acl.h: the authorizer: ACL bindings on the authenticated principal with
 * the semantics of Kafka's AclAuthorizer, and the denials it reports.
 * Runs in: workers (Produce, Fetch, Metadata, ...) and the coordinator
 * (forwarded requests, the ACL APIs); kafscalectl uses the names.
 *
 * A request is allowed when authorizer = none; else when its principal is
 * one of super.users; else, over the bindings whose resource pattern
 * matches the resource (same type; LITERAL name equal or "*"; PREFIXED
 * name a prefix of it): none at all -> allow.everyone.if.no.acl.found; a
 * DENY matching the principal (or User:*), the client host (or *) and the
 * operation (or ALL) -> denied; else allowed when an ALLOW matches the
 * same way, where DESCRIBE is also allowed by READ, WRITE, DELETE and
 * ALTER, and DESCRIBE_CONFIGS by ALTER_CONFIGS.
 *
 * The bindings of the metadata snapshot are copied into an index (sorted
 * by type, pattern kind and name: binary search for literal names), so a
 * check on the hot path costs a few string compares.
 */
#ifndef KS_ACL_H
#define KS_ACL_H

#include "ks.h"
#include "conf.h"
#include "metaview.h"
#include "stats.h"

/* Kafka's AclResourceType codes */
enum {
    KS_ACL_RT_UNKNOWN = 0, KS_ACL_RT_ANY = 1, KS_ACL_RT_TOPIC = 2, KS_ACL_RT_GROUP = 3,
    KS_ACL_RT_CLUSTER = 4, KS_ACL_RT_TRANSACTIONAL_ID = 5, KS_ACL_RT_DELEGATION_TOKEN = 6,
    KS_ACL_RT_USER = 7
};
#define KS_ACL_RT_COUNT 8

/* Kafka's PatternType codes */
enum {
    KS_ACL_PT_UNKNOWN = 0, KS_ACL_PT_ANY = 1, KS_ACL_PT_MATCH = 2, KS_ACL_PT_LITERAL = 3,
    KS_ACL_PT_PREFIXED = 4
};

/* Kafka's AclOperation codes */
enum {
    KS_ACL_OP_UNKNOWN = 0, KS_ACL_OP_ANY = 1, KS_ACL_OP_ALL = 2, KS_ACL_OP_READ = 3,
    KS_ACL_OP_WRITE = 4, KS_ACL_OP_CREATE = 5, KS_ACL_OP_DELETE = 6, KS_ACL_OP_ALTER = 7,
    KS_ACL_OP_DESCRIBE = 8, KS_ACL_OP_CLUSTER_ACTION = 9, KS_ACL_OP_DESCRIBE_CONFIGS = 10,
    KS_ACL_OP_ALTER_CONFIGS = 11, KS_ACL_OP_IDEMPOTENT_WRITE = 12, KS_ACL_OP_CREATE_TOKENS = 13,
    KS_ACL_OP_DESCRIBE_TOKENS = 14
};
#define KS_ACL_OP_COUNT 15

/* Kafka's AclPermissionType codes */
enum { KS_ACL_PERM_UNKNOWN = 0, KS_ACL_PERM_ANY = 1, KS_ACL_PERM_DENY = 2, KS_ACL_PERM_ALLOW = 3 };

/* The name of the cluster resource, and the wildcards. */
#define KS_ACL_CLUSTER_NAME "kafka-cluster"
#define KS_ACL_WILDCARD "*"
#define KS_ACL_WILDCARD_PRINCIPAL "User:*"

/* Limits on a binding's strings (the principal fits ks_conn_t's). */
#define KS_ACL_NAME_MAX 1024
#define KS_ACL_PRINCIPAL_MAX 255
#define KS_ACL_HOST_MAX 255

/* Kafka's names ("TOPIC", "PREFIXED", "DESCRIBE_CONFIGS", "ALLOW"), or
 * "UNKNOWN" for codes out of range. */
const char *ks_acl_rt_name(int rt);
const char *ks_acl_pt_name(int pt);
const char *ks_acl_op_name(int op);
const char *ks_acl_perm_name(int perm);
/* Lower case versions ("describe_configs"), for metrics and JSON. */
const char *ks_acl_rt_lname(int rt);
const char *ks_acl_op_lname(int op);
/* Parse a name, case-insensitive, '-' for '_' ("describe-configs");
 * -1 when unknown.  Numeric codes are not accepted. */
int ks_acl_rt_parse(const char *s);
int ks_acl_pt_parse(const char *s);
int ks_acl_op_parse(const char *s);
int ks_acl_perm_parse(const char *s);

/* One binding, as an ACL API or the store carries it. */
typedef struct {
    int rt, pt, op, perm;
    const char *name;
    const char *principal;
    const char *host;
} ks_acl_binding_t;

/* NULL when the binding can be stored; else why not (Kafka's messages
 * where it has them): unknown or ANY types, a MATCH or ANY pattern, an
 * empty name or principal, a cluster resource not named kafka-cluster. */
const char *ks_acl_binding_invalid(const ks_acl_binding_t *b);

/* The store id of a binding: the hex SHA-256 of its canonical form (65
 * bytes with the NUL). */
void ks_acl_binding_id(const ks_acl_binding_t *b, char out[65]);

/* A DescribeAcls / DeleteAcls filter: NULL strings match anything. */
typedef struct {
    int rt, pt, op, perm;        /* ANY matches every value; pt MATCH as Kafka */
    const char *name;
    const char *principal;
    const char *host;
} ks_acl_filter_t;

/* NULL, or why the filter cannot be used (an UNKNOWN element). */
const char *ks_acl_filter_invalid(const ks_acl_filter_t *f);
bool ks_acl_filter_matches(const ks_acl_filter_t *f, const ks_acl_binding_t *b);

/* ---- the index ---- */

typedef struct {
    int8_t rt, pt, op, perm;
    char *name;
    size_t name_len;
    char *principal;
    char *host;
} ks_acl_entry_t;

typedef struct {
    uint64_t digest;             /* of the bindings it was built from */
    int32_t n;
    ks_acl_entry_t *e;           /* sorted: type, wildcard/prefixed/literal, name */
    /* per resource type: [wild, prefixed, literal, end) positions in e */
    int32_t wild[KS_ACL_RT_COUNT], pfx[KS_ACL_RT_COUNT], lit[KS_ACL_RT_COUNT], end[KS_ACL_RT_COUNT];
} ks_acl_index_t;

/* (Re)builds ix from the snapshot's bindings when they changed (the
 * digest); bindings with unknown codes are left out.  KS_OK or KS_ERROR
 * (out of memory: ix is left as it was). */
int ks_acl_index_build(ks_acl_index_t *ix, const ks_mv_acl_t *acls, int32_t n);
void ks_acl_index_free(ks_acl_index_t *ix);

/* Whether principal is listed in super.users ("User:a;User:b"). */
bool ks_acl_super_user(const char *super_users, const char *principal);

/* The decision alone (no log, no counter).  name need not be terminated. */
bool ks_acl_authorize(const ks_acl_index_t *ix, const ks_conf_t *conf, const char *principal,
                      const char *host, int op, int rt, const char *name, size_t name_len);
/* Whether the principal may do op on some resource of type rt (Kafka's
 * authorizeByResourceType: InitProducerId's WRITE on any topic). */
bool ks_acl_authorize_any(const ks_acl_index_t *ix, const ks_conf_t *conf, const char *principal,
                          const char *host, int op, int rt);

/* Kafka's authorized operations (Metadata's topic_authorized_operations,
 * DescribeCluster's cluster_authorized_operations, ...): a bit field, bit
 * op set for each AclOperation code op.  The operations that exist for a
 * resource type (Kafka's AclEntry.supportedOperations): topic READ,
 * WRITE, CREATE, DESCRIBE, DELETE, ALTER, DESCRIBE_CONFIGS, ALTER_CONFIGS;
 * group READ, DESCRIBE, DELETE; cluster CREATE, CLUSTER_ACTION,
 * DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, ALTER, DESCRIBE;
 * transactional id DESCRIBE, WRITE; delegation token DESCRIBE; user
 * CREATE_TOKENS, DESCRIBE_TOKENS; 0 for other types. */
int32_t ks_acl_supported_ops(int rt);
/* Those of them the principal may do on the resource, each decided as
 * ks_acl_authorize does (all of them with authorizer = none or for a
 * super user).  Quiet: nothing counted or logged. */
int32_t ks_acl_authorized_ops(const ks_acl_index_t *ix, const ks_conf_t *conf, const char *principal,
                              const char *host, int rt, const char *name, size_t name_len);

/* ---- checks of a request ---- */

/* Who asks, and where the denials go. */
typedef struct {
    const ks_conf_t *conf;
    const ks_acl_index_t *ix;
    const char *principal;       /* "User:alice" */
    const char *peer;            /* "ip:port" (one connection, for the rate limit) */
    char host[64];               /* the client address, from peer */
    ks_stats_proc_t *sp;         /* the process's counters, or NULL */
} ks_acl_ctx_t;

void ks_acl_ctx_init(ks_acl_ctx_t *ctx, const ks_conf_t *conf, const ks_acl_index_t *ix,
                     const char *principal, const char *peer, ks_stats_proc_t *sp);
/* Whether the authorizer is on (authorizer = acl). */
bool ks_acl_enabled(const ks_conf_t *conf);
/* Authorizes; a denial is counted (kafscale_authorization_denied_total)
 * and logged at info, at most one line per connection, operation and
 * resource every 10 s (with the number of lines left out). */
bool ks_acl_check(const ks_acl_ctx_t *ctx, int op, int rt, const char *name, size_t name_len);
/* The same without counting or logging a denial (filters: topics left out
 * of an all-topics Metadata, groups out of ListGroups). */
bool ks_acl_allowed(const ks_acl_ctx_t *ctx, int op, int rt, const char *name, size_t name_len);
/* ks_acl_authorized_ops for the context's principal and host (quiet). */
int32_t ks_acl_ops(const ks_acl_ctx_t *ctx, int rt, const char *name, size_t name_len);
/* ks_acl_authorize_any, counting and logging a denial. */
bool ks_acl_check_any(const ks_acl_ctx_t *ctx, int op, int rt);

/* The host part of "ip:port" / "[v6]:port". */
void ks_acl_peer_host(const char *peer, char *out, size_t outlen);

#endif
