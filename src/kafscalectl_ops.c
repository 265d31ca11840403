/*
 * kafscalectl_ops.c: the commands of kafscalectl that go through a
 * broker's ops HTTP API (-s): status, brokers, topics list / describe,
 * groups list / describe, lag, metrics (reading), and acls list / add /
 * remove, users list / set / delete.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "kafscalectl.h"

static int
show_status(const cJSON *d, const void *arg)
{
    char a[64], b[64], c[64];
    const cJSON *ms, *os, *ring, *p;
    table_t t;

    (void) arg;
    ms = cJSON_GetObjectItemCaseSensitive(d, "metadata_store");
    os = cJSON_GetObjectItemCaseSensitive(d, "object_store");
    ring = cJSON_GetObjectItemCaseSensitive(d, "ring");
    printf("KafScale %s  cluster %s  broker %.0f  uptime %s  %s\n", ks_ctl_jstr(d, "version"), ks_ctl_jstr(d, "cluster_id"),
           ks_ctl_jnum(d, "broker_id"), ks_ctl_fmt_duration(a, sizeof(a), ks_ctl_jnum(d, "uptime_seconds")),
           ks_ctl_jbool(d, "ready") ? "ready" : "NOT READY");
    printf("metadata store: %s (%s%s%s)  object store: %s (%s%s%s)\n", ks_ctl_jstr(ms, "backend"),
           ks_ctl_jbool(ms, "ok") ? "ok" : "not answering", ks_ctl_jstr(ms, "error")[0] ? ": " : "", ks_ctl_jstr(ms, "error"),
           ks_ctl_jstr(os, "backend"), ks_ctl_jbool(os, "ok") ? "ok" : "not answering",
           ks_ctl_jstr(os, "error")[0] ? ": " : "", ks_ctl_jstr(os, "error"));
    printf("topics: %.0f  groups: %.0f  connections: %.0f\n", ks_ctl_jnum(d, "topics"), ks_ctl_jnum(d, "groups"),
           ks_ctl_jnum(d, "connections"));
    printf("ring: %s used of %s, %s waiting for a flush\n\n", ks_ctl_fmt_bytes(a, sizeof(a), ks_ctl_jnum(ring, "used")),
           ks_ctl_fmt_bytes(b, sizeof(b), ks_ctl_jnum(ring, "size")), ks_ctl_fmt_bytes(c, sizeof(c), ks_ctl_jnum(ring, "durable_lag")));
    ks_ctl_table_init(&t, "PROCESS,>PID,STATE,>CONNS,>RESTARTS,>UPTIME,>REQUESTS");
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(d, "processes")) {
        char name[64], pid[32], conns[32], rs[32], up[64], req[32];
        if (strcmp(ks_ctl_jstr(p, "kind"), "worker") == 0)
            snprintf(name, sizeof(name), "worker %.0f", ks_ctl_jnum(p, "index"));
        else
            snprintf(name, sizeof(name), "%s", ks_ctl_jstr(p, "kind"));
        ks_ctl_table_row(&t, name, ks_ctl_fmt_num(pid, sizeof(pid), p, "pid"), ks_ctl_jstr(p, "state"),
                         ks_ctl_fmt_num(conns, sizeof(conns), p, "conns"), ks_ctl_fmt_num(rs, sizeof(rs), p, "restarts"),
                         ks_ctl_fmt_duration(up, sizeof(up), ks_ctl_jnum(p, "uptime_seconds")), ks_ctl_fmt_num(req, sizeof(req), p, "requests"));
    }
    ks_ctl_table_print(&t);
    return EXIT_OK;
}

int
ks_ctl_cmd_status(void)
{
    return ks_ctl_get_show("/api/v1/status", NULL, show_status, NULL);
}

static int
show_brokers(const cJSON *d, const void *arg)
{
    const cJSON *b;
    table_t t;

    (void) arg;
    ks_ctl_table_init(&t, ">NODE,HOST,>PORT,RACK,CONTROLLER");
    cJSON_ArrayForEach(b, d) {
        char id[32], port[32];
        ks_ctl_table_row(&t, ks_ctl_fmt_num(id, sizeof(id), b, "node_id"), ks_ctl_jstr(b, "host"),
                         ks_ctl_fmt_num(port, sizeof(port), b, "port"), ks_ctl_jstr(b, "rack")[0] ? ks_ctl_jstr(b, "rack") : "-",
                         ks_ctl_jbool(b, "controller") ? "yes" : "no");
    }
    ks_ctl_table_print(&t);
    return EXIT_OK;
}

int
ks_ctl_cmd_brokers(void)
{
    return ks_ctl_get_show("/api/v1/brokers", NULL, show_brokers, NULL);
}

static int
show_topics(const cJSON *d, const void *arg)
{
    const cJSON *tp, *p;
    table_t t;

    (void) arg;
    ks_ctl_table_init(&t, "TOPIC,>PARTITIONS,>MESSAGES,>LOG_END,>BYTES_IN,>BYTES_OUT");
    cJSON_ArrayForEach(tp, d) {
        char np[32], msgs[32], end[32], bi[32], bo[32];
        double le = 0, in = 0, out = 0;
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(tp, "partitions")) {
            le += ks_ctl_jnum(p, "log_end");
            in += ks_ctl_jnum(p, "bytes_in");
            out += ks_ctl_jnum(p, "bytes_out");
        }
        snprintf(end, sizeof(end), "%.0f", le);
        ks_ctl_table_row(&t, ks_ctl_jstr(tp, "name"), ks_ctl_fmt_num(np, sizeof(np), tp, "partition_count"),
                         ks_ctl_fmt_num(msgs, sizeof(msgs), tp, "messages"), end, ks_ctl_fmt_bytes(bi, sizeof(bi), in),
                         ks_ctl_fmt_bytes(bo, sizeof(bo), out));
    }
    ks_ctl_table_print(&t);
    return EXIT_OK;
}

int
ks_ctl_cmd_topics_list(void)
{
    return ks_ctl_get_show("/api/v1/topics", NULL, show_topics, NULL);
}

static int
show_topic(const cJSON *d, const void *arg)
{
    const cJSON *p, *c;
    table_t t;

    (void) arg;
    printf("topic %s  id %s  partitions %.0f  messages %.0f%s\n", ks_ctl_jstr(d, "name"), ks_ctl_jstr(d, "topic_id"),
           ks_ctl_jnum(d, "partition_count"), ks_ctl_jnum(d, "messages"), ks_ctl_jbool(d, "internal") ? "  (internal)" : "");
    c = cJSON_GetObjectItemCaseSensitive(d, "config");
    if (c != NULL && c->child != NULL) {
        const cJSON *kv;
        printf("config:");
        cJSON_ArrayForEach(kv, c) {
            if (cJSON_IsString(kv))
                printf(" %s=%s", kv->string, kv->valuestring);
            else if (cJSON_IsNumber(kv))
                printf(" %s=%.0f", kv->string, kv->valuedouble);
        }
        putchar('\n');
    }
    putchar('\n');
    ks_ctl_table_init(&t, ">PARTITION,>LEADER,>EPOCH,>LOG_START,>LOG_END,>RECORDS_IN,>BYTES_IN,>RECORDS_OUT,>BYTES_OUT");
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(d, "partitions")) {
        char a[9][32];
        ks_ctl_table_row(&t, ks_ctl_fmt_num(a[0], 32, p, "partition"), ks_ctl_fmt_num(a[1], 32, p, "leader"),
                         ks_ctl_fmt_num(a[2], 32, p, "leader_epoch"), ks_ctl_fmt_num(a[3], 32, p, "log_start"),
                         ks_ctl_fmt_num(a[4], 32, p, "log_end"), ks_ctl_fmt_num(a[5], 32, p, "records_in"),
                         ks_ctl_fmt_num(a[6], 32, p, "bytes_in"), ks_ctl_fmt_num(a[7], 32, p, "records_out"),
                         ks_ctl_fmt_num(a[8], 32, p, "bytes_out"));
    }
    ks_ctl_table_print(&t);
    return EXIT_OK;
}

int
ks_ctl_cmd_topics_describe(const char *name)
{
    return ks_ctl_get_show_one("/api/v1/topics", "topic", name, show_topic, NULL);
}

static int
show_groups(const cJSON *d, const void *arg)
{
    const cJSON *g;
    table_t t;

    (void) arg;
    ks_ctl_table_init(&t, "GROUP,STATE,PROTOCOL,>MEMBERS,>LAG");
    cJSON_ArrayForEach(g, d) {
        char m[32], lag[32];
        ks_ctl_table_row(&t, ks_ctl_jstr(g, "group"), ks_ctl_jstr(g, "state"),
                         ks_ctl_jstr(g, "protocol")[0] ? ks_ctl_jstr(g, "protocol") : "-",
                         ks_ctl_fmt_num(m, sizeof(m), g, "member_count"), ks_ctl_fmt_num(lag, sizeof(lag), g, "lag"));
    }
    ks_ctl_table_print(&t);
    return EXIT_OK;
}

int
ks_ctl_cmd_groups_list(void)
{
    return ks_ctl_get_show("/api/v1/groups", NULL, show_groups, NULL);
}

static void
lag_rows(table_t *t, const cJSON *g, bool with_group)
{
    const cJSON *o;

    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(g, "offsets")) {
        char p[32], c[32], e[32], l[32];
        ks_ctl_fmt_num(p, sizeof(p), o, "partition");
        ks_ctl_fmt_num(c, sizeof(c), o, "committed");
        ks_ctl_fmt_num(e, sizeof(e), o, "log_end");
        ks_ctl_fmt_num(l, sizeof(l), o, "lag");
        if (with_group)
            ks_ctl_table_row(t, ks_ctl_jstr(g, "group"), ks_ctl_jstr(o, "topic"), p, c, e, l);
        else
            ks_ctl_table_row(t, ks_ctl_jstr(o, "topic"), p, c, e, l);
    }
}

static int
show_group(const cJSON *d, const void *arg)
{
    const cJSON *m;
    char lag[32];
    table_t t;

    (void) arg;
    printf("group %s  state %s  protocol %s  generation %.0f  members %.0f  lag %s\n\n", ks_ctl_jstr(d, "group"),
           ks_ctl_jstr(d, "state"), ks_ctl_jstr(d, "protocol")[0] ? ks_ctl_jstr(d, "protocol") : "-", ks_ctl_jnum(d, "generation_id"),
           ks_ctl_jnum(d, "member_count"), ks_ctl_fmt_num(lag, sizeof(lag), d, "lag"));
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "members")) > 0) {
        ks_ctl_table_init(&t, "MEMBER,CLIENT_ID,HOST");
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(d, "members"))
            ks_ctl_table_row(&t, ks_ctl_jstr(m, "member_id"), ks_ctl_jstr(m, "client_id"), ks_ctl_jstr(m, "client_host"));
        ks_ctl_table_print(&t);
        putchar('\n');
    }
    ks_ctl_table_init(&t, "TOPIC,>PARTITION,>COMMITTED,>LOG_END,>LAG");
    lag_rows(&t, d, false);
    ks_ctl_table_print(&t);
    return EXIT_OK;
}

int
ks_ctl_cmd_groups_describe(const char *name)
{
    return ks_ctl_get_show_one("/api/v1/groups", "group", name, show_group, NULL);
}

/* arg: non-NULL when d is one group, else d is the list of groups */
static int
show_lag(const cJSON *d, const void *arg)
{
    const cJSON *g;
    table_t t;

    ks_ctl_table_init(&t, "GROUP,TOPIC,>PARTITION,>COMMITTED,>LOG_END,>LAG");
    if (arg != NULL)
        lag_rows(&t, d, true);
    else
        cJSON_ArrayForEach(g, d)
            lag_rows(&t, g, true);
    ks_ctl_table_print(&t);
    return EXIT_OK;
}

int
ks_ctl_cmd_lag(const char *group)
{
    if (group != NULL)
        return ks_ctl_get_show_one("/api/v1/groups", "group", group, show_lag, group);
    return ks_ctl_get_show("/api/v1/groups", NULL, show_lag, NULL);
}

int
ks_ctl_cmd_metrics(void)
{
    char *body;
    long st = ks_ctl_http_get("/metrics", &body);

    if (st == 0)
        return EXIT_ERR;
    if (st != 200) {
        ks_ctl_err("%s answered HTTP %ld for /metrics", ks_ctl_server, st);
        free(body);
        return EXIT_ERR;
    }
    fputs(body, stdout);
    free(body);
    return EXIT_OK;
}

/* ---------- acls list / add / remove (the ops API) ---------- */

typedef struct {
    unsigned seen;
    const char *principal, *operation, *host, *rtype, *rname;
} acl_args_t;

static int
parse_acl_args(const char *cmd, int argc, char **argv, unsigned allowed, acl_args_t *aa)
{
    memset(aa, 0, sizeof(*aa));
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *val;
        int k = a[0] == '-' ? ks_ctl_cmd_opt_find(a) : -1, rc;

        if (k < 0) {
            ks_ctl_err("%s takes no argument \"%s\" (see kafscalectl --help)", cmd, a);
            return EXIT_USAGE;
        }
        if ((rc = ks_ctl_cmd_opt_take(cmd, k, allowed, true, argc, argv, &i, &aa->seen, &val)) != EXIT_OK)
            return rc;
        switch (ks_ctl_cmd_opts[k].bit) {
        case O_PRINCIPAL: aa->principal = val; break;
        case O_OPERATION: aa->operation = val; break;
        case O_HOST: aa->host = val; break;
        case O_TOPIC: aa->rtype = "topic"; aa->rname = val; break;
        case O_GROUP: aa->rtype = "group"; aa->rname = val; break;
        case O_CLUSTER: aa->rtype = "cluster"; aa->rname = "kafka-cluster"; break;
        default: break;
        }
    }
    if ((aa->seen & O_ALLOW) && (aa->seen & O_DENY)) {
        ks_ctl_err("%s takes --allow or --deny, not both", cmd);
        return EXIT_USAGE;
    }
    if (!!(aa->seen & O_TOPIC) + !!(aa->seen & O_GROUP) + !!(aa->seen & O_CLUSTER) > 1) {
        ks_ctl_err("%s takes one of --topic, --group and --cluster", cmd);
        return EXIT_USAGE;
    }
    if ((aa->seen & O_PREFIXED) && !(aa->seen & (O_TOPIC | O_GROUP))) {
        ks_ctl_err("--prefixed needs --topic or --group");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Appends "&key=value" (escaped) to the query in q (capacity cap). */
static void
query_add(char *q, size_t cap, const char *key, const char *value)
{
    CURL *c = curl_easy_init();
    char *e = c && value ? curl_easy_escape(c, value, 0) : NULL;
    size_t n = strlen(q);

    if (e != NULL)
        snprintf(q + n, cap - n, "%s%s=%s", n ? "&" : "", key, e);
    curl_free(e);
    if (c != NULL)
        curl_easy_cleanup(c);
}

static void
acl_table(const cJSON *arr)
{
    const cJSON *a;
    table_t t;

    ks_ctl_table_init(&t, "PRINCIPAL,HOST,PERMISSION,OPERATION,RESOURCE,NAME,PATTERN");
    cJSON_ArrayForEach(a, arr)
        ks_ctl_table_row(&t, ks_ctl_jstr(a, "principal"), ks_ctl_jstr(a, "host"), ks_ctl_jstr(a, "permission"), ks_ctl_jstr(a, "operation"),
                         ks_ctl_jstr(a, "resource_type"), ks_ctl_jstr(a, "resource_name"), ks_ctl_jstr(a, "pattern_type"));
    ks_ctl_table_print(&t);
}

static int
show_acls(const cJSON *d, const void *arg)
{
    (void) arg;
    acl_table(cJSON_GetObjectItemCaseSensitive(d, "acls"));
    if (strcmp(ks_ctl_jstr(d, "authorizer"), "acl") != 0)
        ks_ctl_err("note: the broker runs with authorizer = %s; these ACLs are not enforced", ks_ctl_jstr(d, "authorizer"));
    return EXIT_OK;
}

static int
show_acl_added(const cJSON *d, const void *arg)
{
    (void) arg;
    printf("added: %s %s %s on %s %s%s from host %s\n", ks_ctl_jstr(d, "permission"), ks_ctl_jstr(d, "principal"),
           ks_ctl_jstr(d, "operation"), ks_ctl_jstr(d, "resource_type"), ks_ctl_jstr(d, "resource_name"),
           strcmp(ks_ctl_jstr(d, "pattern_type"), "prefixed") == 0 ? " (prefixed)" : "", ks_ctl_jstr(d, "host"));
    return EXIT_OK;
}

int
ks_ctl_cmd_acls(int argc, char **argv)
{
    const char *sub = argv[1];
    acl_args_t aa;
    char q[3000], path[3100], *body;
    cJSON *d;
    int rc;

    q[0] = 0;
    if (strcmp(sub, "list") == 0) {
        rc = parse_acl_args("acls list", argc, argv, O_PRINCIPAL | O_TOPIC | O_GROUP | O_CLUSTER | O_PREFIXED, &aa);
        if (rc != EXIT_OK)
            return rc;
        if (aa.principal)
            query_add(q, sizeof(q), "principal", aa.principal);
        if (aa.rtype) {
            query_add(q, sizeof(q), "resource_type", aa.rtype);
            query_add(q, sizeof(q), "resource_name", aa.rname);
        }
        if (aa.seen & O_PREFIXED)
            query_add(q, sizeof(q), "pattern_type", "prefixed");
        snprintf(path, sizeof(path), "/api/v1/acls%s%s", q[0] ? "?" : "", q);
        return ks_ctl_ops_show("GET", path, NULL, "acls list", NULL, show_acls, NULL);
    }
    if (strcmp(sub, "add") == 0) {
        cJSON *o;
        char *json;

        rc = parse_acl_args("acls add", argc, argv, O_ALLOW | O_DENY | O_PRINCIPAL | O_OPERATION | O_HOST |
                            O_TOPIC | O_GROUP | O_CLUSTER | O_PREFIXED, &aa);
        if (rc != EXIT_OK)
            return rc;
        if (!(aa.seen & (O_ALLOW | O_DENY)) || aa.principal == NULL || aa.operation == NULL || aa.rtype == NULL) {
            ks_ctl_err("acls add needs --allow or --deny, --principal, --operation and --topic, --group or --cluster");
            return EXIT_USAGE;
        }
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "permission", (aa.seen & O_DENY) ? "deny" : "allow");
        cJSON_AddStringToObject(o, "principal", aa.principal);
        cJSON_AddStringToObject(o, "operation", aa.operation);
        cJSON_AddStringToObject(o, "host", aa.host ? aa.host : "*");
        cJSON_AddStringToObject(o, "resource_type", aa.rtype);
        cJSON_AddStringToObject(o, "resource_name", aa.rname);
        cJSON_AddStringToObject(o, "pattern_type", (aa.seen & O_PREFIXED) ? "prefixed" : "literal");
        json = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        rc = ks_ctl_ops_show("POST", "/api/v1/acls", json ? json : "{}", "acls add", NULL, show_acl_added, NULL);
        free(json);
        return rc;
    }
    if (strcmp(sub, "remove") == 0) {
        const cJSON *del;

        rc = parse_acl_args("acls remove", argc, argv, O_ALLOW | O_DENY | O_PRINCIPAL | O_OPERATION | O_HOST |
                            O_TOPIC | O_GROUP | O_CLUSTER | O_PREFIXED, &aa);
        if (rc != EXIT_OK)
            return rc;
        if (aa.rtype == NULL) {
            ks_ctl_err("acls remove needs --topic, --group or --cluster");
            return EXIT_USAGE;
        }
        query_add(q, sizeof(q), "resource_type", aa.rtype);
        query_add(q, sizeof(q), "resource_name", aa.rname);
        query_add(q, sizeof(q), "pattern_type", (aa.seen & O_PREFIXED) ? "prefixed" : "literal");
        if (aa.seen & (O_ALLOW | O_DENY))
            query_add(q, sizeof(q), "permission", (aa.seen & O_DENY) ? "deny" : "allow");
        if (aa.principal)
            query_add(q, sizeof(q), "principal", aa.principal);
        if (aa.operation)
            query_add(q, sizeof(q), "operation", aa.operation);
        if (aa.host)
            query_add(q, sizeof(q), "host", aa.host);
        snprintf(path, sizeof(path), "/api/v1/acls?%s", q);
        d = ks_ctl_ops_json("DELETE", path, NULL, "acls remove", NULL, &body);
        if (d == NULL)
            return EXIT_ERR;
        del = cJSON_GetObjectItemCaseSensitive(d, "deleted");
        rc = cJSON_GetArraySize(del) > 0 ? EXIT_OK : EXIT_ERR;
        if (ks_ctl_json_out)
            ks_ctl_print_raw(body);
        else if (rc == EXIT_OK) {
            printf("removed:\n");
            acl_table(del);
        }
        if (rc != EXIT_OK)
            ks_ctl_err("acls remove: no ACL binding matched");
        cJSON_Delete(d);
        free(body);
        return rc;
    }
    ks_ctl_err("unknown command: acls %s (see kafscalectl --help)", sub);
    return EXIT_USAGE;
}

/* ---------- users (SCRAM credentials, through the ops endpoint) ---------- */

static int
show_users(const cJSON *d, const void *arg)
{
    const cJSON *u, *c;
    table_t t;

    (void) arg;
    ks_ctl_table_init(&t, "USER,MECHANISM,>ITERATIONS");
    cJSON_ArrayForEach(u, d) {
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(u, "credentials")) {
            char it[32];
            ks_ctl_table_row(&t, ks_ctl_jstr(u, "name"), ks_ctl_jstr(c, "mechanism"), ks_ctl_fmt_num(it, sizeof(it), c, "iterations"));
        }
    }
    ks_ctl_table_print(&t);
    return EXIT_OK;
}

int
ks_ctl_cmd_users_list(void)
{
    return ks_ctl_get_show("/api/v1/users", NULL, show_users, NULL);
}

/* Whether the ops endpoint is on this host: a password is sent to it in
 * clear HTTP, so only over loopback (the endpoint refuses others too). */
static bool
server_is_loopback(void)
{
    return strncmp(ks_ctl_server, "127.", 4) == 0 || strncmp(ks_ctl_server, "localhost:", 10) == 0 ||
           strncmp(ks_ctl_server, "[::1]:", 6) == 0;
}

/* Reads the password: the whole file or standard input, without one
 * trailing newline.  NULL (message printed) on error. */
static char *
read_password(const cargs_t *ca, int *rc)
{
    FILE *f = ca->password_file != NULL ? fopen(ca->password_file, "r") : stdin;
    char *buf = calloc(1, 1026);
    size_t n;

    *rc = EXIT_ERR;
    if (f == NULL || buf == NULL) {
        if (f == NULL)
            ks_ctl_err("cannot read the password file %s: %s", ca->password_file, strerror(errno));
        free(buf);
        return NULL;
    }
    n = fread(buf, 1, 1025, f);
    if (ferror(f)) {
        ks_ctl_err("cannot read the password from %s", ca->password_file ? ca->password_file : "standard input");
        n = 0;
        buf[0] = 0;
    }
    if (f != stdin)
        fclose(f);
    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = 0;
    if (n > 0 && buf[n - 1] == '\r')
        buf[--n] = 0;
    if (n == 0 || n > 1024 || memchr(buf, 0, n) != NULL) {
        if (n == 0)
            ks_ctl_err("the password is empty");
        else
            ks_ctl_err("the password must be 1 to 1024 bytes without NUL bytes");
        *rc = EXIT_USAGE;
        memset(buf, 0, 1026);
        free(buf);
        return NULL;
    }
    return buf;
}

/* A user's path under /api/v1/users. */
static char *
user_path(const char *name)
{
    return ks_ctl_escaped_path("/api/v1/users", name);
}

int
ks_ctl_cmd_users_set(const cargs_t *ca)
{
    const char *mech = ca->mechanism ? ca->mechanism : "SCRAM-SHA-256";
    int iterations = ca->iterations ? ca->iterations : 4096, rc;
    char *pw, *body, *path, *answer = NULL, what[400];
    cJSON *o;
    long st;

    if (((ca->seen & O_PASSWORD_FILE) != 0) == ((ca->seen & O_PASSWORD_STDIN) != 0)) {
        ks_ctl_err("users set needs one of --password-file FILE and --password-stdin");
        return EXIT_USAGE;
    }
    if (!server_is_loopback()) {
        ks_ctl_err("users set sends the password to the ops endpoint in clear HTTP: run it on the broker's host "
                   "(-s 127.0.0.1:PORT), not against %s", ks_ctl_server);
        return EXIT_USAGE;
    }
    if ((pw = read_password(ca, &rc)) == NULL)
        return rc;
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "password", pw);
    cJSON_AddStringToObject(o, "mechanism", mech);
    cJSON_AddNumberToObject(o, "iterations", iterations);
    body = cJSON_PrintUnformatted(o);
    /* no copy of the password outlives the request */
    memset(pw, 0, strlen(pw));
    free(pw);
    {
        cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "password");
        if (cJSON_IsString(p))
            memset(p->valuestring, 0, strlen(p->valuestring));
    }
    cJSON_Delete(o);
    path = user_path(ca->name);
    snprintf(what, sizeof(what), "could not set the %s credential of user \"%s\"", mech, ca->name);
    if (body == NULL || path == NULL) {
        ks_ctl_err("out of memory");
        rc = EXIT_ERR;
        goto out;
    }
    st = ks_ctl_http_send("POST", path, body, &answer);
    rc = EXIT_ERR;
    if (st == 0)
        goto out;
    if (st != 200) {
        ks_ctl_answer_error(what, NULL, st, answer);
        goto out;
    }
    if (ks_ctl_json_out) {
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "user", ca->name);
        cJSON_AddStringToObject(o, "mechanism", mech);
        cJSON_AddNumberToObject(o, "iterations", iterations);
        ks_ctl_json_print(o);
    } else {
        printf("set the %s credential of user %s (%d iterations)\n", mech, ca->name, iterations);
    }
    rc = EXIT_OK;
out:
    if (body != NULL)
        memset(body, 0, strlen(body));
    free(body);
    free(path);
    free(answer);
    return rc;
}

int
ks_ctl_cmd_users_delete(const cargs_t *ca)
{
    char *path = user_path(ca->name), *answer = NULL, full[2048], what[400];
    int rc = EXIT_ERR;
    long st;

    if (path == NULL) {
        ks_ctl_err("out of memory");
        return EXIT_ERR;
    }
    snprintf(full, sizeof(full), "%s%s%s", path, ca->mechanism ? "?mechanism=" : "",
             ca->mechanism ? ca->mechanism : "");
    snprintf(what, sizeof(what), "could not delete %s%s credentials of user \"%s\"",
             ca->mechanism ? "the " : "the", ca->mechanism ? ca->mechanism : "", ca->name);
    st = ks_ctl_http_send("DELETE", full, NULL, &answer);
    if (st == 0)
        goto out;
    if (st == 404) {
        if (ca->mechanism)
            ks_ctl_err("user \"%s\" has no %s credential", ca->name, ca->mechanism);
        else
            ks_ctl_err("user \"%s\" not found", ca->name);
        goto out;
    }
    if (st != 200) {
        ks_ctl_answer_error(what, NULL, st, answer);
        goto out;
    }
    if (ks_ctl_json_out) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "user", ca->name);
        if (ca->mechanism)
            cJSON_AddStringToObject(o, "mechanism", ca->mechanism);
        else
            cJSON_AddNullToObject(o, "mechanism");
        cJSON_AddBoolToObject(o, "deleted", true);
        ks_ctl_json_print(o);
    } else if (ca->mechanism) {
        printf("deleted the %s credential of user %s\n", ca->mechanism, ca->name);
    } else {
        printf("deleted user %s\n", ca->name);
    }
    rc = EXIT_OK;
out:
    free(path);
    free(answer);
    return rc;
}
