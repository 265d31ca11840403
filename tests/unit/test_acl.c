/*
 * test_acl.c: the authorizer (src/acl.c): each rule of Kafka's
 * AclAuthorizer, the index, filters, validation, names, ids, the
 * authorized-operations bit fields; prints the
 * cost of a check with 400 bindings (not asserted).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "conf.h"
#include "util.h"

static ks_conf_t conf;
static ks_mv_acl_t acls[512];
static int32_t nacls;
static ks_acl_index_t ix;

static void
setup(void)
{
    ks_conf_init(&conf);
    free(conf.authorizer);
    conf.authorizer = strdup("acl");
    nacls = 0;
    memset(&ix, 0, sizeof(ix));
}

static void
teardown(void)
{
    ks_acl_index_free(&ix);
    for (int32_t i = 0; i < nacls; i++) {
        free(acls[i].resource_name);
        free(acls[i].principal);
        free(acls[i].host);
    }
    ks_conf_free(&conf);
}

static void
add(int rt, int pt, const char *name, const char *principal, const char *host, int op, int perm)
{
    ks_mv_acl_t *a = &acls[nacls++];

    a->resource_type = (int8_t) rt;
    a->pattern_type = (int8_t) pt;
    a->operation = (int8_t) op;
    a->permission = (int8_t) perm;
    a->resource_name = strdup(name);
    a->principal = strdup(principal);
    a->host = strdup(host);
    ck_assert_int_eq(ks_acl_index_build(&ix, acls, nacls), KS_OK);
}

static bool
can(const char *principal, const char *host, int op, int rt, const char *name)
{
    return ks_acl_authorize(&ix, &conf, principal, host, op, rt, name, strlen(name));
}

#define T KS_ACL_RT_TOPIC
#define G KS_ACL_RT_GROUP
#define C KS_ACL_RT_CLUSTER
#define LIT KS_ACL_PT_LITERAL
#define PFX KS_ACL_PT_PREFIXED
#define ALLOW KS_ACL_PERM_ALLOW
#define DENY KS_ACL_PERM_DENY

START_TEST(test_none_allows_everything)
{
    free(conf.authorizer);
    conf.authorizer = strdup("none");
    add(T, LIT, "orders", "User:alice", "*", KS_ACL_OP_WRITE, DENY);
    ck_assert(can("User:alice", "1.2.3.4", KS_ACL_OP_WRITE, T, "orders"));
    ck_assert(!ks_acl_enabled(&conf));
}
END_TEST

START_TEST(test_no_acl_found)
{
    ck_assert(!can("User:alice", "1.2.3.4", KS_ACL_OP_READ, T, "orders"));
    conf.allow_everyone_if_no_acl_found = true;
    ck_assert(can("User:alice", "1.2.3.4", KS_ACL_OP_READ, T, "orders"));
    /* an ACL for somebody else on the resource: it is no longer "no ACL" */
    add(T, LIT, "orders", "User:bob", "*", KS_ACL_OP_READ, ALLOW);
    ck_assert(!can("User:alice", "1.2.3.4", KS_ACL_OP_READ, T, "orders"));
    ck_assert(can("User:alice", "1.2.3.4", KS_ACL_OP_READ, T, "payments"));
    /* same name, other resource type: still none for the group */
    ck_assert(can("User:alice", "1.2.3.4", KS_ACL_OP_READ, G, "orders"));
}
END_TEST

START_TEST(test_super_users)
{
    add(T, LIT, "orders", "User:admin", "*", KS_ACL_OP_ALL, DENY);
    free(conf.super_users);
    conf.super_users = strdup("User:ops; User:admin ;User:x");
    ck_assert(can("User:admin", "1.2.3.4", KS_ACL_OP_WRITE, T, "orders"));
    ck_assert(can("User:ops", "1.2.3.4", KS_ACL_OP_ALTER, C, KS_ACL_CLUSTER_NAME));
    ck_assert(!can("User:adm", "1.2.3.4", KS_ACL_OP_WRITE, T, "orders"));
    ck_assert(!can("User:admin2", "1.2.3.4", KS_ACL_OP_WRITE, T, "orders"));
    ck_assert(ks_acl_super_user("User:a", "User:a"));
    ck_assert(!ks_acl_super_user("", "User:a"));
    ck_assert(!ks_acl_super_user("User:a;", "User:"));
}
END_TEST

START_TEST(test_principal_and_host)
{
    add(T, LIT, "orders", "User:alice", "10.0.0.1", KS_ACL_OP_WRITE, ALLOW);
    ck_assert(can("User:alice", "10.0.0.1", KS_ACL_OP_WRITE, T, "orders"));
    ck_assert(!can("User:alice", "10.0.0.2", KS_ACL_OP_WRITE, T, "orders"));
    ck_assert(!can("User:bob", "10.0.0.1", KS_ACL_OP_WRITE, T, "orders"));
    add(T, LIT, "orders", "User:*", "*", KS_ACL_OP_READ, ALLOW);
    ck_assert(can("User:bob", "10.9.9.9", KS_ACL_OP_READ, T, "orders"));
    ck_assert(!can("User:bob", "10.9.9.9", KS_ACL_OP_WRITE, T, "orders"));
}
END_TEST

START_TEST(test_deny_wins)
{
    add(T, LIT, "orders", "User:alice", "*", KS_ACL_OP_ALL, ALLOW);
    ck_assert(can("User:alice", "1.1.1.1", KS_ACL_OP_WRITE, T, "orders"));
    add(T, LIT, "orders", "User:alice", "*", KS_ACL_OP_WRITE, DENY);
    ck_assert(!can("User:alice", "1.1.1.1", KS_ACL_OP_WRITE, T, "orders"));
    ck_assert(can("User:alice", "1.1.1.1", KS_ACL_OP_READ, T, "orders"));
    /* a DENY of READ does not deny DESCRIBE (only ALLOWs imply) */
    add(T, LIT, "orders", "User:alice", "*", KS_ACL_OP_READ, DENY);
    ck_assert(can("User:alice", "1.1.1.1", KS_ACL_OP_DESCRIBE, T, "orders"));
    /* a DENY through a wildcard principal, a wildcard host, a prefix */
    add(T, PFX, "ord", "User:*", "*", KS_ACL_OP_DESCRIBE, DENY);
    ck_assert(!can("User:alice", "1.1.1.1", KS_ACL_OP_DESCRIBE, T, "orders"));
    /* a DENY of ALL denies everything */
    add(T, LIT, "*", "User:alice", "1.1.1.1", KS_ACL_OP_ALL, DENY);
    ck_assert(!can("User:alice", "1.1.1.1", KS_ACL_OP_CREATE, T, "orders"));
    ck_assert(can("User:alice", "2.2.2.2", KS_ACL_OP_CREATE, T, "orders"));
}
END_TEST

START_TEST(test_operations)
{
    add(T, LIT, "t", "User:a", "*", KS_ACL_OP_READ, ALLOW);
    ck_assert(can("User:a", "h", KS_ACL_OP_READ, T, "t"));
    ck_assert(!can("User:a", "h", KS_ACL_OP_WRITE, T, "t"));
    ck_assert(!can("User:a", "h", KS_ACL_OP_DELETE, T, "t"));
    ck_assert(!can("User:a", "h", KS_ACL_OP_DESCRIBE_CONFIGS, T, "t"));
    /* DESCRIBE is implied by READ, WRITE, DELETE, ALTER; nothing else is */
    ck_assert(can("User:a", "h", KS_ACL_OP_DESCRIBE, T, "t"));
    for (int op = KS_ACL_OP_ALL; op < KS_ACL_OP_COUNT; op++) {
        ks_acl_index_free(&ix);
        for (int32_t i = 0; i < nacls; i++)
            acls[i].operation = (int8_t) op;
        ck_assert_int_eq(ks_acl_index_build(&ix, acls, nacls), KS_OK);
        ck_assert_int_eq(can("User:a", "h", KS_ACL_OP_DESCRIBE, T, "t"),
                         op == KS_ACL_OP_ALL || op == KS_ACL_OP_READ || op == KS_ACL_OP_WRITE ||
                         op == KS_ACL_OP_DELETE || op == KS_ACL_OP_ALTER || op == KS_ACL_OP_DESCRIBE);
        ck_assert_int_eq(can("User:a", "h", KS_ACL_OP_DESCRIBE_CONFIGS, T, "t"),
                         op == KS_ACL_OP_ALL || op == KS_ACL_OP_ALTER_CONFIGS || op == KS_ACL_OP_DESCRIBE_CONFIGS);
        ck_assert_int_eq(can("User:a", "h", KS_ACL_OP_ALTER_CONFIGS, T, "t"),
                         op == KS_ACL_OP_ALL || op == KS_ACL_OP_ALTER_CONFIGS);
    }
}
END_TEST

#define BIT(op) (1 << (op))
#define TOPIC_OPS (BIT(KS_ACL_OP_READ) | BIT(KS_ACL_OP_WRITE) | BIT(KS_ACL_OP_CREATE) | BIT(KS_ACL_OP_DELETE) | \
                   BIT(KS_ACL_OP_ALTER) | BIT(KS_ACL_OP_DESCRIBE) | BIT(KS_ACL_OP_DESCRIBE_CONFIGS) | \
                   BIT(KS_ACL_OP_ALTER_CONFIGS))
#define CLUSTER_OPS (BIT(KS_ACL_OP_CREATE) | BIT(KS_ACL_OP_ALTER) | BIT(KS_ACL_OP_DESCRIBE) | \
                     BIT(KS_ACL_OP_CLUSTER_ACTION) | BIT(KS_ACL_OP_DESCRIBE_CONFIGS) | \
                     BIT(KS_ACL_OP_ALTER_CONFIGS) | BIT(KS_ACL_OP_IDEMPOTENT_WRITE))

static int32_t
ops(const char *principal, const char *host, int rt, const char *name)
{
    return ks_acl_authorized_ops(&ix, &conf, principal, host, rt, name, strlen(name));
}

START_TEST(test_authorized_ops)
{
    /* Kafka's AclEntry.supportedOperations, as bit fields */
    ck_assert_int_eq(ks_acl_supported_ops(T), 0xDF8);
    ck_assert_int_eq(ks_acl_supported_ops(T), TOPIC_OPS);
    ck_assert_int_eq(ks_acl_supported_ops(C), 0x1FA0);
    ck_assert_int_eq(ks_acl_supported_ops(C), CLUSTER_OPS);
    ck_assert_int_eq(ks_acl_supported_ops(G), BIT(KS_ACL_OP_READ) | BIT(KS_ACL_OP_DESCRIBE) | BIT(KS_ACL_OP_DELETE));
    ck_assert_int_eq(ks_acl_supported_ops(KS_ACL_RT_TRANSACTIONAL_ID), BIT(KS_ACL_OP_DESCRIBE) | BIT(KS_ACL_OP_WRITE));
    ck_assert_int_eq(ks_acl_supported_ops(KS_ACL_RT_ANY), 0);

    /* no binding on the resource: allow.everyone.if.no.acl.found */
    ck_assert_int_eq(ops("User:a", "h", T, "t"), 0);
    conf.allow_everyone_if_no_acl_found = true;
    ck_assert_int_eq(ops("User:a", "h", T, "t"), TOPIC_OPS);
    conf.allow_everyone_if_no_acl_found = false;

    /* READ: READ and the DESCRIBE it implies */
    add(T, LIT, "t", "User:a", "*", KS_ACL_OP_READ, ALLOW);
    ck_assert_int_eq(ops("User:a", "h", T, "t"), BIT(KS_ACL_OP_READ) | BIT(KS_ACL_OP_DESCRIBE));
    ck_assert_int_eq(ops("User:b", "h", T, "t"), 0);
    ck_assert_int_eq(ops("User:a", "h", T, "u"), 0);
    /* ALTER_CONFIGS implies DESCRIBE_CONFIGS */
    add(T, PFX, "t", "User:a", "*", KS_ACL_OP_ALTER_CONFIGS, ALLOW);
    ck_assert_int_eq(ops("User:a", "h", T, "t"), BIT(KS_ACL_OP_READ) | BIT(KS_ACL_OP_DESCRIBE) |
                                                   BIT(KS_ACL_OP_ALTER_CONFIGS) | BIT(KS_ACL_OP_DESCRIBE_CONFIGS));
    /* ALL, less what is denied; a DENY of READ leaves the DESCRIBE another
     * ALLOW implies */
    add(T, LIT, "*", "User:a", "*", KS_ACL_OP_ALL, ALLOW);
    add(T, LIT, "t", "User:*", "h", KS_ACL_OP_READ, DENY);
    ck_assert_int_eq(ops("User:a", "h", T, "t"), TOPIC_OPS & ~BIT(KS_ACL_OP_READ));
    ck_assert_int_eq(ops("User:a", "other", T, "t"), TOPIC_OPS);
    add(T, PFX, "", "User:a", "h", KS_ACL_OP_ALL, DENY);
    ck_assert_int_eq(ops("User:a", "h", T, "t"), 0);

    /* the cluster */
    add(C, LIT, KS_ACL_CLUSTER_NAME, "User:a", "*", KS_ACL_OP_IDEMPOTENT_WRITE, ALLOW);
    add(C, LIT, KS_ACL_CLUSTER_NAME, "User:a", "*", KS_ACL_OP_DESCRIBE, ALLOW);
    ck_assert_int_eq(ops("User:a", "h", C, KS_ACL_CLUSTER_NAME),
                     BIT(KS_ACL_OP_IDEMPOTENT_WRITE) | BIT(KS_ACL_OP_DESCRIBE));

    /* a super user, and no authorizer: everything the type has */
    free(conf.super_users);
    conf.super_users = strdup("User:a");
    ck_assert_int_eq(ops("User:a", "h", T, "t"), TOPIC_OPS);
    ck_assert_int_eq(ops("User:a", "h", C, KS_ACL_CLUSTER_NAME), CLUSTER_OPS);
    free(conf.super_users);
    conf.super_users = strdup("");
    free(conf.authorizer);
    conf.authorizer = strdup("none");
    ck_assert_int_eq(ops("User:b", "h", T, "t"), TOPIC_OPS);
    ck_assert_int_eq(ops("User:b", "h", C, KS_ACL_CLUSTER_NAME), CLUSTER_OPS);
}
END_TEST

/* The bit field answers each operation as ks_acl_authorize does, over a
 * mix of bindings. */
START_TEST(test_authorized_ops_agree)
{
    static const char *const principals[] = { "User:a", "User:b", "User:c" };
    static const char *const hosts[] = { "h1", "h2" };
    static const char *const names[] = { "t", "to", "top", "x", "" };
    unsigned seed = 7;

    for (int i = 0; i < 120; i++) {
        seed = seed * 1103515245u + 12345u;
        add((seed >> 3) % 2 ? T : C, (seed >> 5) % 3 == 0 ? PFX : LIT,
            (seed >> 5) % 3 == 0 ? names[(seed >> 8) % 4] : (seed >> 11) % 5 == 0 ? "*" : names[(seed >> 8) % 4],
            (seed >> 14) % 4 == 0 ? "User:*" : principals[(seed >> 16) % 3],
            (seed >> 18) % 3 == 0 ? "*" : hosts[(seed >> 20) % 2], KS_ACL_OP_ALL + (int) ((seed >> 22) % 13),
            (seed >> 26) % 4 == 0 ? DENY : ALLOW);
        for (size_t p = 0; p < KS_ARRAY_LEN(principals); p++)
            for (size_t h = 0; h < KS_ARRAY_LEN(hosts); h++)
                for (size_t n = 0; n < KS_ARRAY_LEN(names); n++)
                    for (int rt = T; rt <= C; rt += C - T) {
                        int32_t got = ops(principals[p], hosts[h], rt, names[n]);
                        for (int op = 0; op < 31; op++) {
                            bool want = (ks_acl_supported_ops(rt) & BIT(op)) &&
                                        can(principals[p], hosts[h], op, rt, names[n]);
                            ck_assert_msg(((got & BIT(op)) != 0) == want,
                                          "binding %d: %s@%s %s %s \"%s\": bits 0x%x, authorize %d", i,
                                          principals[p], hosts[h], ks_acl_op_name(op), ks_acl_rt_name(rt),
                                          names[n], (unsigned) got, (int) want);
                        }
                    }
    }
}
END_TEST

START_TEST(test_patterns)
{
    add(T, LIT, "orders", "User:a", "*", KS_ACL_OP_WRITE, ALLOW);
    ck_assert(can("User:a", "h", KS_ACL_OP_WRITE, T, "orders"));
    ck_assert(!can("User:a", "h", KS_ACL_OP_WRITE, T, "orders2"));
    ck_assert(!can("User:a", "h", KS_ACL_OP_WRITE, T, "order"));
    ck_assert(!can("User:a", "h", KS_ACL_OP_WRITE, G, "orders"));
    add(T, PFX, "pay-", "User:a", "*", KS_ACL_OP_WRITE, ALLOW);
    ck_assert(can("User:a", "h", KS_ACL_OP_WRITE, T, "pay-eu"));
    ck_assert(can("User:a", "h", KS_ACL_OP_WRITE, T, "pay-"));
    ck_assert(!can("User:a", "h", KS_ACL_OP_WRITE, T, "pay"));
    ck_assert(!can("User:a", "h", KS_ACL_OP_WRITE, T, "xpay-eu"));
    /* the literal wildcard matches every name; a literal "*" is not a prefix */
    add(G, LIT, "*", "User:a", "*", KS_ACL_OP_READ, ALLOW);
    ck_assert(can("User:a", "h", KS_ACL_OP_READ, G, "anything"));
    ck_assert(!can("User:a", "h", KS_ACL_OP_READ, T, "anything"));
    add(T, PFX, "*", "User:b", "*", KS_ACL_OP_READ, ALLOW);
    ck_assert(!can("User:b", "h", KS_ACL_OP_READ, T, "x"));
    ck_assert(can("User:b", "h", KS_ACL_OP_READ, T, "*x"));
    /* a name with a NUL byte is compared whole */
    ck_assert(!ks_acl_authorize(&ix, &conf, "User:a", "h", KS_ACL_OP_WRITE, T, "orders\0x", 8));
    ck_assert(ks_acl_authorize(&ix, &conf, "User:a", "h", KS_ACL_OP_WRITE, T, "orders\0x", 6));
}
END_TEST

START_TEST(test_cluster_and_any)
{
    ck_assert(!ks_acl_authorize_any(&ix, &conf, "User:a", "h", KS_ACL_OP_WRITE, T));
    add(C, LIT, KS_ACL_CLUSTER_NAME, "User:a", "*", KS_ACL_OP_IDEMPOTENT_WRITE, ALLOW);
    ck_assert(can("User:a", "h", KS_ACL_OP_IDEMPOTENT_WRITE, C, KS_ACL_CLUSTER_NAME));
    ck_assert(!ks_acl_authorize_any(&ix, &conf, "User:a", "h", KS_ACL_OP_WRITE, T));
    add(T, LIT, "orders", "User:a", "*", KS_ACL_OP_WRITE, ALLOW);
    ck_assert(ks_acl_authorize_any(&ix, &conf, "User:a", "h", KS_ACL_OP_WRITE, T));
    ck_assert(!ks_acl_authorize_any(&ix, &conf, "User:b", "h", KS_ACL_OP_WRITE, T));
    /* denied literally: no topic left */
    add(T, LIT, "orders", "User:a", "*", KS_ACL_OP_WRITE, DENY);
    ck_assert(!ks_acl_authorize_any(&ix, &conf, "User:a", "h", KS_ACL_OP_WRITE, T));
    add(T, PFX, "p", "User:a", "*", KS_ACL_OP_ALL, ALLOW);
    ck_assert(ks_acl_authorize_any(&ix, &conf, "User:a", "h", KS_ACL_OP_WRITE, T));
    add(T, LIT, "*", "User:*", "*", KS_ACL_OP_WRITE, DENY);
    ck_assert(!ks_acl_authorize_any(&ix, &conf, "User:a", "h", KS_ACL_OP_WRITE, T));
}
END_TEST

START_TEST(test_index_rebuild)
{
    add(T, LIT, "b", "User:a", "*", KS_ACL_OP_READ, ALLOW);
    add(T, LIT, "a", "User:a", "*", KS_ACL_OP_READ, ALLOW);
    add(G, LIT, "a", "User:a", "*", KS_ACL_OP_READ, ALLOW);
    add(T, LIT, "c", "User:a", "*", KS_ACL_OP_READ, ALLOW);
    ck_assert(can("User:a", "h", KS_ACL_OP_READ, T, "a"));
    ck_assert(can("User:a", "h", KS_ACL_OP_READ, T, "b"));
    ck_assert(can("User:a", "h", KS_ACL_OP_READ, T, "c"));
    ck_assert(!can("User:a", "h", KS_ACL_OP_READ, T, "d"));
    ck_assert(can("User:a", "h", KS_ACL_OP_READ, G, "a"));
    ck_assert(!can("User:a", "h", KS_ACL_OP_READ, G, "b"));
    /* the same bindings again: kept; different: rebuilt */
    {
        ks_acl_entry_t *e = ix.e;
        ck_assert_int_eq(ks_acl_index_build(&ix, acls, nacls), KS_OK);
        ck_assert_ptr_eq(ix.e, e);
    }
    acls[0].permission = DENY;
    ck_assert_int_eq(ks_acl_index_build(&ix, acls, nacls), KS_OK);
    ck_assert(!can("User:a", "h", KS_ACL_OP_READ, T, "b"));
    /* bindings with codes out of range are left out */
    acls[1].resource_type = 99;
    ck_assert_int_eq(ks_acl_index_build(&ix, acls, nacls), KS_OK);
    ck_assert_int_eq(ix.n, nacls - 1);
}
END_TEST

START_TEST(test_filters)
{
    ks_acl_binding_t lit = { T, LIT, KS_ACL_OP_WRITE, ALLOW, "orders", "User:a", "*" };
    ks_acl_binding_t wild = { T, LIT, KS_ACL_OP_READ, DENY, "*", "User:b", "10.0.0.1" };
    ks_acl_binding_t pfx = { T, PFX, KS_ACL_OP_ALL, ALLOW, "ord", "User:a", "*" };
    ks_acl_filter_t any = { KS_ACL_RT_ANY, KS_ACL_PT_ANY, KS_ACL_OP_ANY, KS_ACL_PERM_ANY, NULL, NULL, NULL };
    ks_acl_filter_t f = any;

    ck_assert(ks_acl_filter_invalid(&any) == NULL);
    ck_assert(ks_acl_filter_matches(&any, &lit) && ks_acl_filter_matches(&any, &wild) &&
              ks_acl_filter_matches(&any, &pfx));
    f.name = "orders";                         /* ANY: the name exactly */
    ck_assert(ks_acl_filter_matches(&f, &lit) && !ks_acl_filter_matches(&f, &wild) &&
              !ks_acl_filter_matches(&f, &pfx));
    f.pt = KS_ACL_PT_MATCH;                    /* MATCH: what applies to orders */
    ck_assert(ks_acl_filter_matches(&f, &lit) && ks_acl_filter_matches(&f, &wild) &&
              ks_acl_filter_matches(&f, &pfx));
    f.name = "other";
    ck_assert(!ks_acl_filter_matches(&f, &lit) && ks_acl_filter_matches(&f, &wild) &&
              !ks_acl_filter_matches(&f, &pfx));
    f.pt = KS_ACL_PT_PREFIXED;
    f.name = "ord";
    ck_assert(!ks_acl_filter_matches(&f, &lit) && ks_acl_filter_matches(&f, &pfx));
    f = any;
    f.principal = "User:b";
    ck_assert(!ks_acl_filter_matches(&f, &lit) && ks_acl_filter_matches(&f, &wild));
    f = any;
    f.host = "10.0.0.1";
    ck_assert(!ks_acl_filter_matches(&f, &lit) && ks_acl_filter_matches(&f, &wild));
    f = any;
    f.op = KS_ACL_OP_ALL;
    ck_assert(!ks_acl_filter_matches(&f, &lit) && ks_acl_filter_matches(&f, &pfx));
    f = any;
    f.perm = DENY;
    ck_assert(!ks_acl_filter_matches(&f, &lit) && ks_acl_filter_matches(&f, &wild));
    f = any;
    f.rt = G;
    ck_assert(!ks_acl_filter_matches(&f, &lit));
    f.rt = KS_ACL_RT_UNKNOWN;
    ck_assert(ks_acl_filter_invalid(&f) != NULL);
    f = any;
    f.op = 77;
    ck_assert(ks_acl_filter_invalid(&f) != NULL);
}
END_TEST

START_TEST(test_validation_and_names)
{
    ks_acl_binding_t b = { T, LIT, KS_ACL_OP_WRITE, ALLOW, "orders", "User:a", "*" };
    char id1[65], id2[65];

    ck_assert(ks_acl_binding_invalid(&b) == NULL);
    b.rt = KS_ACL_RT_ANY;
    ck_assert(ks_acl_binding_invalid(&b) != NULL);
    b.rt = T;
    b.pt = KS_ACL_PT_MATCH;
    ck_assert(ks_acl_binding_invalid(&b) != NULL);
    b.pt = LIT;
    b.op = KS_ACL_OP_ANY;
    ck_assert(ks_acl_binding_invalid(&b) != NULL);
    b.op = KS_ACL_OP_WRITE;
    b.perm = KS_ACL_PERM_ANY;
    ck_assert(ks_acl_binding_invalid(&b) != NULL);
    b.perm = DENY;
    b.principal = "alice";
    ck_assert(ks_acl_binding_invalid(&b) != NULL);
    b.principal = "User:";
    ck_assert(ks_acl_binding_invalid(&b) != NULL);
    b.principal = "User:a";
    b.name = "";
    ck_assert(ks_acl_binding_invalid(&b) != NULL);
    b.rt = C;
    b.name = "x";
    ck_assert(ks_acl_binding_invalid(&b) != NULL);
    b.name = KS_ACL_CLUSTER_NAME;
    ck_assert(ks_acl_binding_invalid(&b) == NULL);
    b.host = "";
    ck_assert(ks_acl_binding_invalid(&b) != NULL);
    b.host = "*";

    ks_acl_binding_id(&b, id1);
    ck_assert_uint_eq(strlen(id1), 64);
    ks_acl_binding_id(&b, id2);
    ck_assert_str_eq(id1, id2);
    b.op = KS_ACL_OP_READ;
    ks_acl_binding_id(&b, id2);
    ck_assert_str_ne(id1, id2);

    ck_assert_int_eq(ks_acl_op_parse("describe-configs"), KS_ACL_OP_DESCRIBE_CONFIGS);
    ck_assert_int_eq(ks_acl_op_parse("WRITE"), KS_ACL_OP_WRITE);
    ck_assert_int_eq(ks_acl_op_parse("unknown"), -1);
    ck_assert_int_eq(ks_acl_op_parse("writ"), -1);
    ck_assert_int_eq(ks_acl_rt_parse("transactional_id"), KS_ACL_RT_TRANSACTIONAL_ID);
    ck_assert_int_eq(ks_acl_pt_parse("Prefixed"), PFX);
    ck_assert_int_eq(ks_acl_perm_parse("deny"), DENY);
    ck_assert_str_eq(ks_acl_op_name(KS_ACL_OP_IDEMPOTENT_WRITE), "IDEMPOTENT_WRITE");
    ck_assert_str_eq(ks_acl_op_lname(KS_ACL_OP_ALTER_CONFIGS), "alter_configs");
    ck_assert_str_eq(ks_acl_rt_lname(G), "group");
    ck_assert_str_eq(ks_acl_op_name(99), "UNKNOWN");
    ck_assert_str_eq(ks_acl_rt_name(-1), "UNKNOWN");
}
END_TEST

START_TEST(test_peer_host)
{
    char h[64];

    ks_acl_peer_host("127.0.0.1:5000", h, sizeof(h));
    ck_assert_str_eq(h, "127.0.0.1");
    ks_acl_peer_host("[::1]:5000", h, sizeof(h));
    ck_assert_str_eq(h, "::1");
    ks_acl_peer_host("local", h, sizeof(h));
    ck_assert_str_eq(h, "local");
}
END_TEST

START_TEST(test_check_counts_denials)
{
    static ks_stats_proc_t sp;
    ks_acl_ctx_t ctx;

    add(T, LIT, "orders", "User:a", "*", KS_ACL_OP_READ, ALLOW);
    ks_acl_ctx_init(&ctx, &conf, &ix, "User:a", "10.1.2.3:4444", &sp);
    ck_assert_str_eq(ctx.host, "10.1.2.3");
    ck_assert(ks_acl_check(&ctx, KS_ACL_OP_READ, T, "orders", 6));
    for (int i = 0; i < 5; i++)
        ck_assert(!ks_acl_check(&ctx, KS_ACL_OP_WRITE, T, "orders", 6));
    ck_assert(!ks_acl_allowed(&ctx, KS_ACL_OP_WRITE, T, "orders", 6));   /* quiet: not counted */
    ck_assert_uint_eq(ks_stats_get(&sp.acl_denied[T][KS_ACL_OP_WRITE]), 5);
    ck_assert_uint_eq(ks_stats_get(&sp.acl_denied[T][KS_ACL_OP_READ]), 0);
}
END_TEST

/* 400 bindings (300 literal topics, 60 prefixes, 40 groups); the cost of
 * one check of a literal topic, which a produce pays per topic. */
START_TEST(test_benchmark)
{
    char name[64];
    int64_t t0;
    int n = 1000000, ok = 0;

    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "topic-%04d", i);
        add(T, LIT, name, i % 2 ? "User:alice" : "User:bob", "*", KS_ACL_OP_WRITE, ALLOW);
    }
    for (int i = 0; i < 60; i++) {
        snprintf(name, sizeof(name), "pfx%02d-", i);
        add(T, PFX, name, "User:carol", "*", KS_ACL_OP_READ, ALLOW);
    }
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "group-%02d", i);
        add(G, LIT, name, "User:alice", "*", KS_ACL_OP_READ, ALLOW);
    }
    ck_assert_int_eq(ix.n, 400);
    t0 = ks_mono_us();
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "topic-%04d", i % 300);
        ok += can("User:alice", "10.0.0.1", KS_ACL_OP_WRITE, T, name);
    }
    ck_assert_int_eq(ok, n / 2);
    printf("authorize with %d bindings: %.0f ns per check (snprintf included)\n", ix.n,
           (double) (ks_mono_us() - t0) * 1000.0 / n);
}
END_TEST

static Suite *
acl_suite(void)
{
    Suite *s = suite_create("acl");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_none_allows_everything);
    tcase_add_test(tc, test_no_acl_found);
    tcase_add_test(tc, test_super_users);
    tcase_add_test(tc, test_principal_and_host);
    tcase_add_test(tc, test_deny_wins);
    tcase_add_test(tc, test_operations);
    tcase_add_test(tc, test_patterns);
    tcase_add_test(tc, test_cluster_and_any);
    tcase_add_test(tc, test_index_rebuild);
    tcase_add_test(tc, test_authorized_ops);
    tcase_add_test(tc, test_authorized_ops_agree);
    tcase_add_test(tc, test_filters);
    tcase_add_test(tc, test_validation_and_names);
    tcase_add_test(tc, test_peer_host);
    tcase_add_test(tc, test_check_counts_denials);
    tcase_add_test(tc, test_benchmark);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(acl_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
