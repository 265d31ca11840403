/*
 * kafscalectl: a command-line client of a broker's ops HTTP API
 * (kafscaled's ops.listen, default 127.0.0.1:9093).
 *
 *   kafscalectl [-s HOST:PORT] [-j] COMMAND
 *
 * Human-readable tables by default, the API's JSON with -j.  Exit codes:
 * 0 success, 1 error (endpoint unreachable, HTTP error, unknown topic or
 * group), 2 usage.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#define EXIT_OK    0
#define EXIT_ERR   1
#define EXIT_USAGE 2

static const char *server = "127.0.0.1:9093";
static bool json_out;

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: kafscalectl [-s HOST:PORT] [-j] COMMAND\n"
            "\n"
            "commands:\n"
            "  status                  broker version, uptime, readiness, processes, ring\n"
            "  brokers                 brokers of the cluster\n"
            "  topics list             topics with partition counts and offsets\n"
            "  topics describe NAME    one topic: partitions, owners, log start/end, config\n"
            "  groups list             consumer groups with state, members and lag\n"
            "  groups describe NAME    one group: members, committed offsets, lag\n"
            "  lag [GROUP]             consumer lag per partition (every group or one)\n"
            "  metrics                 the Prometheus metrics, as served\n"
            "\n"
            "options:\n"
            "  -s, --server HOST:PORT  the ops endpoint (default $KAFSCALE_OPS_ADDR, else 127.0.0.1:9093)\n"
            "  -j, --json              print the API's JSON instead of tables\n"
            "  -h, --help              this help\n"
            "\n"
            "exit status: 0 ok, 1 error, 2 usage\n");
}

static void
err(const char *fmt, ...)
{
    va_list ap;

    fputs("kafscalectl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---------- HTTP ---------- */

typedef struct {
    char *buf;
    size_t len, cap;
} body_t;

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
    body_t *b = arg;
    size_t add = size * n;

    if (b->len + add + 1 > b->cap) {
        size_t nc = (b->len + add + 1) * 2;
        char *nb = realloc(b->buf, nc);
        if (nb == NULL)
            return 0;
        b->buf = nb;
        b->cap = nc;
    }
    memcpy(b->buf + b->len, p, add);
    b->len += add;
    b->buf[b->len] = 0;
    return add;
}

/* GETs path; returns the HTTP status (0 when the request failed, with a
 * message printed) and the body in *out (free it). */
static long
http_get(const char *path, char **out)
{
    CURL *c = curl_easy_init();
    body_t b = { NULL, 0, 0 };
    char url[1024], cerr[CURL_ERROR_SIZE];
    long status = 0;
    CURLcode rc;

    *out = NULL;
    if (c == NULL) {
        err("could not initialise libcurl");
        return 0;
    }
    snprintf(url, sizeof(url), "http://%s%s", server, path);
    cerr[0] = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 15000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");          /* the endpoint is local or direct */
    curl_easy_setopt(c, CURLOPT_USERAGENT, "kafscalectl/" PACKAGE_VERSION);
    rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        err("cannot reach the ops endpoint at %s: %s", server, cerr[0] ? cerr : curl_easy_strerror(rc));
        free(b.buf);
        curl_easy_cleanup(c);
        return 0;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    *out = b.buf ? b.buf : strdup("");
    return status;
}

/* GETs path and parses its JSON; NULL (message printed) on any error.
 * what names the object for a 404 ("topic \"x\""). */
static cJSON *
get_json(const char *path, const char *what, char **raw)
{
    char *body;
    long st = http_get(path, &body);
    cJSON *doc;

    *raw = NULL;
    if (st == 0)
        return NULL;
    doc = cJSON_Parse(body);
    if (st != 200) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
        if (st == 404 && what != NULL)
            err("%s not found", what);
        else
            err("%s answered HTTP %ld for %s%s%s", server, st, path, cJSON_IsString(e) ? ": " : "",
                cJSON_IsString(e) ? e->valuestring : "");
        cJSON_Delete(doc);
        free(body);
        return NULL;
    }
    if (doc == NULL) {
        err("%s sent an answer that is not JSON for %s", server, path);
        free(body);
        return NULL;
    }
    *raw = body;
    return doc;
}

/* ---------- JSON access ---------- */

static const char *
jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    return cJSON_IsString(v) ? v->valuestring : "";
}

static bool
jnum_ok(const cJSON *o, const char *k)
{
    return cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, k));
}

static double
jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static bool
jbool(const cJSON *o, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* A number, or "-" when missing or null. */
static const char *
fmt_num(char *buf, size_t len, const cJSON *o, const char *k)
{
    if (!jnum_ok(o, k))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.0f", jnum(o, k));
    return buf;
}

static const char *
fmt_bytes(char *buf, size_t len, double v)
{
    static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int i = 0;

    while (v >= 1024 && i < 4) {
        v /= 1024;
        i++;
    }
    if (i == 0)
        snprintf(buf, len, "%.0f B", v);
    else
        snprintf(buf, len, "%.1f %s", v, u[i]);
    return buf;
}

static const char *
fmt_duration(char *buf, size_t len, double secs)
{
    long long s = (long long) secs;

    if (s >= 86400)
        snprintf(buf, len, "%lldd%lldh%lldm", s / 86400, s % 86400 / 3600, s % 3600 / 60);
    else if (s >= 3600)
        snprintf(buf, len, "%lldh%lldm%llds", s / 3600, s % 3600 / 60, s % 60);
    else if (s >= 60)
        snprintf(buf, len, "%lldm%llds", s / 60, s % 60);
    else
        snprintf(buf, len, "%llds", s);
    return buf;
}

/* ---------- tables ---------- */

#define MAXCOLS 12

typedef struct {
    int ncols;
    const char *head[MAXCOLS];
    bool right[MAXCOLS];
    char ***rows;
    size_t nrows, cap;
} table_t;

static void
table_init(table_t *t, const char *spec)
{
    /* spec: "NAME,>PARTITIONS,..." ('>' = right-aligned) */
    char *s = strdup(spec), *save = NULL, *tok;

    memset(t, 0, sizeof(*t));
    for (tok = strtok_r(s, ",", &save); tok != NULL && t->ncols < MAXCOLS; tok = strtok_r(NULL, ",", &save)) {
        t->right[t->ncols] = tok[0] == '>';
        t->head[t->ncols++] = strdup(tok[0] == '>' ? tok + 1 : tok);
    }
    free(s);
}

static void
table_row(table_t *t, ...)
{
    va_list ap;
    char **row = calloc((size_t) t->ncols, sizeof(char *));

    if (row == NULL)
        return;
    va_start(ap, t);
    for (int i = 0; i < t->ncols; i++) {
        const char *v = va_arg(ap, const char *);
        row[i] = strdup(v ? v : "");
    }
    va_end(ap);
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->rows = realloc(t->rows, t->cap * sizeof(*t->rows));
    }
    t->rows[t->nrows++] = row;
}

static void
table_print(table_t *t)
{
    size_t w[MAXCOLS];

    for (int i = 0; i < t->ncols; i++) {
        w[i] = strlen(t->head[i]);
        for (size_t r = 0; r < t->nrows; r++)
            if (strlen(t->rows[r][i]) > w[i])
                w[i] = strlen(t->rows[r][i]);
    }
    for (size_t r = 0; r <= t->nrows; r++) {
        for (int i = 0; i < t->ncols; i++) {
            const char *v = r == 0 ? t->head[i] : t->rows[r - 1][i];
            bool last = i == t->ncols - 1;
            if (t->right[i])
                printf("%*s%s", (int) w[i], v, last ? "" : "  ");
            else if (last)
                printf("%s", v);
            else
                printf("%-*s  ", (int) w[i], v);
        }
        putchar('\n');
    }
    for (size_t r = 0; r < t->nrows; r++) {
        for (int i = 0; i < t->ncols; i++)
            free(t->rows[r][i]);
        free(t->rows[r]);
    }
    for (int i = 0; i < t->ncols; i++)
        free((char *) t->head[i]);
    free(t->rows);
}

/* ---------- commands ---------- */

static char *
escaped_path(const char *prefix, const char *name)
{
    CURL *c = curl_easy_init();
    char *e = c ? curl_easy_escape(c, name, 0) : NULL;
    char *p = NULL;

    if (e != NULL) {
        size_t n = strlen(prefix) + strlen(e) + 2;
        p = malloc(n);
        if (p != NULL)
            snprintf(p, n, "%s/%s", prefix, e);
        curl_free(e);
    }
    if (c != NULL)
        curl_easy_cleanup(c);
    return p;
}

static int
print_raw(char *raw)
{
    fputs(raw, stdout);
    if (raw[0] && raw[strlen(raw) - 1] != '\n')
        putchar('\n');
    return EXIT_OK;
}

static int
cmd_status(void)
{
    char *raw, a[64], b[64], c[64];
    cJSON *d = get_json("/api/v1/status", NULL, &raw), *p;
    const cJSON *ms, *os, *ring;
    table_t t;

    if (d == NULL)
        return EXIT_ERR;
    if (json_out) {
        print_raw(raw);
        goto out;
    }
    ms = cJSON_GetObjectItemCaseSensitive(d, "metadata_store");
    os = cJSON_GetObjectItemCaseSensitive(d, "object_store");
    ring = cJSON_GetObjectItemCaseSensitive(d, "ring");
    printf("KafScale %s  cluster %s  broker %.0f  uptime %s  %s\n", jstr(d, "version"), jstr(d, "cluster_id"),
           jnum(d, "broker_id"), fmt_duration(a, sizeof(a), jnum(d, "uptime_seconds")),
           jbool(d, "ready") ? "ready" : "NOT READY");
    printf("metadata store: %s (%s%s%s)  object store: %s (%s%s%s)\n", jstr(ms, "backend"),
           jbool(ms, "ok") ? "ok" : "not answering", jstr(ms, "error")[0] ? ": " : "", jstr(ms, "error"),
           jstr(os, "backend"), jbool(os, "ok") ? "ok" : "not answering",
           jstr(os, "error")[0] ? ": " : "", jstr(os, "error"));
    printf("topics: %.0f  groups: %.0f  connections: %.0f\n", jnum(d, "topics"), jnum(d, "groups"),
           jnum(d, "connections"));
    printf("ring: %s used of %s, %s waiting for a flush\n\n", fmt_bytes(a, sizeof(a), jnum(ring, "used")),
           fmt_bytes(b, sizeof(b), jnum(ring, "size")), fmt_bytes(c, sizeof(c), jnum(ring, "durable_lag")));
    table_init(&t, "PROCESS,>PID,STATE,>CONNS,>RESTARTS,>UPTIME,>REQUESTS");
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(d, "processes")) {
        char name[64], pid[32], conns[32], rs[32], up[64], req[32];
        if (strcmp(jstr(p, "kind"), "worker") == 0)
            snprintf(name, sizeof(name), "worker %.0f", jnum(p, "index"));
        else
            snprintf(name, sizeof(name), "%s", jstr(p, "kind"));
        table_row(&t, name, fmt_num(pid, sizeof(pid), p, "pid"), jstr(p, "state"),
                  fmt_num(conns, sizeof(conns), p, "conns"), fmt_num(rs, sizeof(rs), p, "restarts"),
                  fmt_duration(up, sizeof(up), jnum(p, "uptime_seconds")), fmt_num(req, sizeof(req), p, "requests"));
    }
    table_print(&t);
out:
    cJSON_Delete(d);
    free(raw);
    return EXIT_OK;
}

static int
cmd_brokers(void)
{
    char *raw;
    cJSON *d = get_json("/api/v1/brokers", NULL, &raw), *b;
    table_t t;

    if (d == NULL)
        return EXIT_ERR;
    if (json_out) {
        print_raw(raw);
    } else {
        table_init(&t, ">NODE,HOST,>PORT,RACK,CONTROLLER");
        cJSON_ArrayForEach(b, d) {
            char id[32], port[32];
            table_row(&t, fmt_num(id, sizeof(id), b, "node_id"), jstr(b, "host"),
                      fmt_num(port, sizeof(port), b, "port"), jstr(b, "rack")[0] ? jstr(b, "rack") : "-",
                      jbool(b, "controller") ? "yes" : "no");
        }
        table_print(&t);
    }
    cJSON_Delete(d);
    free(raw);
    return EXIT_OK;
}

static int
cmd_topics_list(void)
{
    char *raw;
    cJSON *d = get_json("/api/v1/topics", NULL, &raw), *tp, *p;
    table_t t;

    if (d == NULL)
        return EXIT_ERR;
    if (json_out) {
        print_raw(raw);
    } else {
        table_init(&t, "TOPIC,>PARTITIONS,>MESSAGES,>LOG_END,>BYTES_IN,>BYTES_OUT");
        cJSON_ArrayForEach(tp, d) {
            char np[32], msgs[32], end[32], bi[32], bo[32];
            double le = 0, in = 0, out = 0;
            cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(tp, "partitions")) {
                le += jnum(p, "log_end");
                in += jnum(p, "bytes_in");
                out += jnum(p, "bytes_out");
            }
            snprintf(end, sizeof(end), "%.0f", le);
            table_row(&t, jstr(tp, "name"), fmt_num(np, sizeof(np), tp, "partition_count"),
                      fmt_num(msgs, sizeof(msgs), tp, "messages"), end, fmt_bytes(bi, sizeof(bi), in),
                      fmt_bytes(bo, sizeof(bo), out));
        }
        table_print(&t);
    }
    cJSON_Delete(d);
    free(raw);
    return EXIT_OK;
}

static int
cmd_topics_describe(const char *name)
{
    char *raw, what[400], *path = escaped_path("/api/v1/topics", name);
    cJSON *d, *p, *c;
    table_t t;

    if (path == NULL)
        return EXIT_ERR;
    snprintf(what, sizeof(what), "topic \"%s\"", name);
    d = get_json(path, what, &raw);
    free(path);
    if (d == NULL)
        return EXIT_ERR;
    if (json_out) {
        print_raw(raw);
        goto out;
    }
    printf("topic %s  id %s  partitions %.0f  messages %.0f%s\n", jstr(d, "name"), jstr(d, "topic_id"),
           jnum(d, "partition_count"), jnum(d, "messages"), jbool(d, "internal") ? "  (internal)" : "");
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
    table_init(&t, ">PARTITION,>LEADER,>EPOCH,>LOG_START,>LOG_END,>RECORDS_IN,>BYTES_IN,>RECORDS_OUT,>BYTES_OUT");
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(d, "partitions")) {
        char a[9][32];
        table_row(&t, fmt_num(a[0], 32, p, "partition"), fmt_num(a[1], 32, p, "leader"),
                  fmt_num(a[2], 32, p, "leader_epoch"), fmt_num(a[3], 32, p, "log_start"),
                  fmt_num(a[4], 32, p, "log_end"), fmt_num(a[5], 32, p, "records_in"),
                  fmt_num(a[6], 32, p, "bytes_in"), fmt_num(a[7], 32, p, "records_out"),
                  fmt_num(a[8], 32, p, "bytes_out"));
    }
    table_print(&t);
out:
    cJSON_Delete(d);
    free(raw);
    return EXIT_OK;
}

static int
cmd_groups_list(void)
{
    char *raw;
    cJSON *d = get_json("/api/v1/groups", NULL, &raw), *g;
    table_t t;

    if (d == NULL)
        return EXIT_ERR;
    if (json_out) {
        print_raw(raw);
    } else {
        table_init(&t, "GROUP,STATE,PROTOCOL,>MEMBERS,>LAG");
        cJSON_ArrayForEach(g, d) {
            char m[32], lag[32];
            table_row(&t, jstr(g, "group"), jstr(g, "state"),
                      jstr(g, "protocol")[0] ? jstr(g, "protocol") : "-",
                      fmt_num(m, sizeof(m), g, "member_count"), fmt_num(lag, sizeof(lag), g, "lag"));
        }
        table_print(&t);
    }
    cJSON_Delete(d);
    free(raw);
    return EXIT_OK;
}

static void
lag_rows(table_t *t, const cJSON *g, bool with_group)
{
    const cJSON *o;

    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(g, "offsets")) {
        char p[32], c[32], e[32], l[32];
        fmt_num(p, sizeof(p), o, "partition");
        fmt_num(c, sizeof(c), o, "committed");
        fmt_num(e, sizeof(e), o, "log_end");
        fmt_num(l, sizeof(l), o, "lag");
        if (with_group)
            table_row(t, jstr(g, "group"), jstr(o, "topic"), p, c, e, l);
        else
            table_row(t, jstr(o, "topic"), p, c, e, l);
    }
}

static int
cmd_groups_describe(const char *name)
{
    char *raw, what[400], *path = escaped_path("/api/v1/groups", name), lag[32];
    cJSON *d, *m;
    table_t t;

    if (path == NULL)
        return EXIT_ERR;
    snprintf(what, sizeof(what), "group \"%s\"", name);
    d = get_json(path, what, &raw);
    free(path);
    if (d == NULL)
        return EXIT_ERR;
    if (json_out) {
        print_raw(raw);
        goto out;
    }
    printf("group %s  state %s  protocol %s  generation %.0f  members %.0f  lag %s\n\n", jstr(d, "group"),
           jstr(d, "state"), jstr(d, "protocol")[0] ? jstr(d, "protocol") : "-", jnum(d, "generation_id"),
           jnum(d, "member_count"), fmt_num(lag, sizeof(lag), d, "lag"));
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "members")) > 0) {
        table_init(&t, "MEMBER,CLIENT_ID,HOST");
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(d, "members"))
            table_row(&t, jstr(m, "member_id"), jstr(m, "client_id"), jstr(m, "client_host"));
        table_print(&t);
        putchar('\n');
    }
    table_init(&t, "TOPIC,>PARTITION,>COMMITTED,>LOG_END,>LAG");
    lag_rows(&t, d, false);
    table_print(&t);
out:
    cJSON_Delete(d);
    free(raw);
    return EXIT_OK;
}

static int
cmd_lag(const char *group)
{
    char *raw, what[400], *path;
    cJSON *d, *g;
    table_t t;

    if (group != NULL) {
        path = escaped_path("/api/v1/groups", group);
        snprintf(what, sizeof(what), "group \"%s\"", group);
    } else {
        path = strdup("/api/v1/groups");
        what[0] = 0;
    }
    if (path == NULL)
        return EXIT_ERR;
    d = get_json(path, group ? what : NULL, &raw);
    free(path);
    if (d == NULL)
        return EXIT_ERR;
    if (json_out) {
        print_raw(raw);
    } else {
        table_init(&t, "GROUP,TOPIC,>PARTITION,>COMMITTED,>LOG_END,>LAG");
        if (group != NULL)
            lag_rows(&t, d, true);
        else
            cJSON_ArrayForEach(g, d)
                lag_rows(&t, g, true);
        table_print(&t);
    }
    cJSON_Delete(d);
    free(raw);
    return EXIT_OK;
}

static int
cmd_metrics(void)
{
    char *body;
    long st = http_get("/metrics", &body);

    if (st == 0)
        return EXIT_ERR;
    if (st != 200) {
        err("%s answered HTTP %ld for /metrics", server, st);
        free(body);
        return EXIT_ERR;
    }
    fputs(body, stdout);
    free(body);
    return EXIT_OK;
}

/* ---------- main ---------- */

static int
run(int argc, char **argv)
{
    const char *cmd = argv[0], *sub = argc > 1 ? argv[1] : NULL;

    if (strcmp(cmd, "status") == 0 && argc == 1)
        return cmd_status();
    if (strcmp(cmd, "brokers") == 0 && argc == 1)
        return cmd_brokers();
    if (strcmp(cmd, "metrics") == 0 && argc == 1)
        return cmd_metrics();
    if (strcmp(cmd, "lag") == 0 && argc <= 2)
        return cmd_lag(sub);
    if (strcmp(cmd, "topics") == 0 && sub != NULL) {
        if (strcmp(sub, "list") == 0 && argc == 2)
            return cmd_topics_list();
        if (strcmp(sub, "describe") == 0 && argc == 3)
            return cmd_topics_describe(argv[2]);
        if (strcmp(sub, "create") == 0 || strcmp(sub, "delete") == 0 || strcmp(sub, "alter") == 0) {
            err("topics %s is not available yet; use a Kafka admin client (kafka-topics, kcat)", sub);
            return EXIT_USAGE;
        }
    }
    if (strcmp(cmd, "groups") == 0 && sub != NULL) {
        if (strcmp(sub, "list") == 0 && argc == 2)
            return cmd_groups_list();
        if (strcmp(sub, "describe") == 0 && argc == 3)
            return cmd_groups_describe(argv[2]);
    }
    err("unknown command or wrong arguments: %s%s%s (see kafscalectl --help)", cmd, sub ? " " : "",
        sub ? sub : "");
    return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
    const char *env = getenv("KAFSCALE_OPS_ADDR");
    char **pos = calloc((size_t) argc + 1, sizeof(char *));
    int npos = 0, rc;
    bool opts = true;

    if (pos == NULL)
        return EXIT_ERR;
    if (env != NULL && env[0] != 0)
        server = env;
    /* options may come before or after the command */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts || a[0] != '-' || a[1] == 0) {
            pos[npos++] = argv[i];
        } else if (strcmp(a, "--") == 0) {
            opts = false;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            free(pos);
            return EXIT_OK;
        } else if (strcmp(a, "-j") == 0 || strcmp(a, "--json") == 0) {
            json_out = true;
        } else if (strcmp(a, "-s") == 0 || strcmp(a, "--server") == 0) {
            if (++i >= argc) {
                err("%s needs HOST:PORT", a);
                free(pos);
                return EXIT_USAGE;
            }
            server = argv[i];
        } else if (strncmp(a, "--server=", 9) == 0) {
            server = a + 9;
        } else {
            err("unknown option %s (see kafscalectl --help)", a);
            free(pos);
            return EXIT_USAGE;
        }
    }
    if (npos == 0) {
        usage(stderr);
        free(pos);
        return EXIT_USAGE;
    }
    if (server[0] == 0 || strchr(server, '/') != NULL || strchr(server, ':') == NULL) {
        err("bad server address \"%s\": expected HOST:PORT", server);
        free(pos);
        return EXIT_USAGE;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        err("could not initialise libcurl");
        free(pos);
        return EXIT_ERR;
    }
    rc = run(npos, pos);
    curl_global_cleanup();
    free(pos);
    fflush(stdout);
    if (ferror(stdout)) {
        err("could not write the output: %s", strerror(errno));
        return EXIT_ERR;
    }
    return rc;
}
