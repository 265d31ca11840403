/*
 * kafscalectl: the command-line tool of a KafScale cluster.  It reads the
 * state through a broker's ops HTTP API (kafscaled's ops.listen, default
 * 127.0.0.1:9093) and changes the cluster (topics, partitions, groups) with
 * Kafka requests to a broker (default 127.0.0.1:9092), encoded by our own
 * codec (src/proto).
 *
 *   kafscalectl [-c FILE] [-s HOST:PORT] [-b HOST:PORT] [-j]
 *               [--token-file F | --user NAME --password-file F] COMMAND
 *
 * ACLs (acls list/add/remove) go through the ops API too: it is trusted,
 * so the first ACLs can be created before any principal has rights.
 * Users (SCRAM credentials: users list/set/delete) as well; a new user's
 * password is sent to the ops endpoint on a loopback address only.
 *
 * Human-readable tables by default, JSON with -j.  Exit codes: 0 success,
 * 1 error (endpoint or broker unreachable, HTTP or Kafka error, unknown
 * topic or group), 2 usage, 3 the ops endpoint refused the credentials
 * (HTTP 401: none given, or wrong).
 *
 * Credentials for the ops endpoint: --token-file (or KAFSCALE_OPS_TOKEN_FILE)
 * sends "Authorization: Bearer", --user with --password-file (or
 * KAFSCALE_OPS_USER, KAFSCALE_OPS_PASSWORD_FILE) basic auth.  With neither,
 * the broker's configuration file (-c, else the default one when readable)
 * gives ops.auth.token.file.  Secrets come from files only, never from the
 * command line (which other users can read in /proc).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "ks.h"
#include "conf.h"
#include "proto/api.h"
#include "proto/codec.h"
#include "proto/errors.h"

#define EXIT_OK    0
#define EXIT_ERR   1
#define EXIT_USAGE 2
#define EXIT_AUTH  3

#ifndef KS_SYSCONFDIR
#define KS_SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONF KS_SYSCONFDIR "/kafscale/kafscale.conf"

static const char *server = "127.0.0.1:9093";
static const char *bootstrap = "127.0.0.1:9092";
static bool json_out;
/* ops endpoint credentials (read from files) */
static char *auth_token;
static char *auth_user;
static char *auth_password;
static bool auth_refused;         /* an answer was 401: exit EXIT_AUTH */
static char auth_hint[600];       /* why no credentials were sent, for the 401 message */

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: kafscalectl [-c FILE] [-s HOST:PORT] [-b HOST:PORT] [-j]\n"
            "                   [--token-file FILE | --user NAME --password-file FILE] COMMAND\n"
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
            "  topics create NAME [--partitions N] [--config KEY=VALUE]...\n"
            "                          create a topic (default partitions: the broker's num.partitions)\n"
            "  topics delete NAME      delete a topic and its data\n"
            "  topics alter NAME [--config KEY=VALUE]... [--delete-config KEY]...\n"
            "                          set or remove (back to the default) configuration keys of a topic\n"
            "  partitions add NAME --count N\n"
            "                          grow a topic to N partitions\n"
            "  groups delete NAME      delete a consumer group without members, and its offsets\n"
            "  groups reset-offsets NAME --topic TOPIC (--to-earliest | --to-latest | --to-timestamp MS)\n"
            "                       [--dry-run]\n"
            "                          move the committed offsets of a group without members\n"
            "  acls list [--principal P] [--topic T | --group G | --cluster] [--prefixed]\n"
            "                          ACL bindings (all, or those of a principal or resource)\n"
            "  acls add (--allow | --deny) --principal P --operation OP\n"
            "           (--topic T | --group G | --cluster) [--prefixed] [--host H]\n"
            "                          add an ACL binding (host default *, every host)\n"
            "  acls remove [--allow | --deny] [--principal P] [--operation OP] [--host H]\n"
            "           (--topic T | --group G | --cluster) [--prefixed]\n"
            "                          remove the bindings that match (an option left out matches any)\n"
            "  users list              users with SCRAM credentials (mechanisms, iterations)\n"
            "  users set NAME [--mechanism SCRAM-SHA-256|SCRAM-SHA-512] [--iterations N]\n"
            "                (--password-file FILE | --password-stdin)\n"
            "                          set a user's SCRAM credential (default SCRAM-SHA-256, 4096\n"
            "                          iterations); the password goes to the ops endpoint, loopback only\n"
            "                          (after users set, --password-file is the user's password)\n"
            "  users delete NAME [--mechanism M]\n"
            "                          delete a user's credentials (all, or one mechanism's)\n"
            "\n"
            "options:\n"
            "  -s, --server HOST:PORT  the ops endpoint, for status, brokers, list, describe, lag,\n"
            "                          metrics, acls and users (default $KAFSCALE_OPS_ADDR, else\n"
            "                          127.0.0.1:9093)\n"
            "  -b, --bootstrap HOST:PORT\n"
            "                          a broker's Kafka listener, for create, delete, alter, add and\n"
            "                          reset-offsets (default $KAFSCALE_BOOTSTRAP, else 127.0.0.1:9092)\n"
            "  -j, --json              print JSON instead of tables\n"
            "  -c, --broker-conf FILE  the broker's kafscale.conf: its ops.listen (unless -s or\n"
            "                          $KAFSCALE_OPS_ADDR) and ops.auth.token.file (unless other\n"
            "                          credentials are given); default " DEFAULT_CONF "\n"
            "                          when readable (its token file only)\n"
            "  --token-file FILE       bearer token for the ops endpoint ($KAFSCALE_OPS_TOKEN_FILE)\n"
            "  --user NAME             basic auth user for the ops endpoint ($KAFSCALE_OPS_USER)\n"
            "  --password-file FILE    its password ($KAFSCALE_OPS_PASSWORD_FILE)\n"
            "  -h, --help              this help\n"
            "\n"
            "exit status: 0 ok, 1 error, 2 usage, 3 the ops endpoint refused the credentials (HTTP 401)\n");
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
static long http_send(const char *method, const char *path, const char *json, char **out);

static long
http_get(const char *path, char **out)
{
    return http_send("GET", path, NULL, out);
}

/* ---------- credentials ---------- */

/* Reads a secret from path into *out (trailing newlines stripped); false
 * with a message naming what and the path, never the contents. */
static bool
read_secret(const char *what, const char *path, char **out)
{
    FILE *f = fopen(path, "re");
    char *buf;
    size_t n;

    if (f == NULL) {
        err("cannot read the %s file %s: %s", what, path, strerror(errno));
        return false;
    }
    buf = malloc(65537);
    if (buf == NULL) {
        fclose(f);
        err("out of memory");
        return false;
    }
    n = fread(buf, 1, 65537, f);
    if (ferror(f) || n > 65536) {
        int e = errno;
        fclose(f);
        free(buf);
        err("cannot read the %s file %s: %s", what, path, n > 65536 ? "larger than 64 KiB" : strerror(e));
        return false;
    }
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = 0;
    if (n == 0 || memchr(buf, '\n', n) != NULL || strlen(buf) != n) {
        err("the %s file %s %s", what, path, n == 0 ? "is empty" : "must hold one line");
        free(buf);
        return false;
    }
    *out = buf;
    return true;
}

static void
wipe(char *s)
{
    if (s != NULL) {
        volatile char *v = s;
        while (*v)
            *v++ = 0;
        free(s);
    }
}

/* The broker's configuration file: ops.listen (when no server was given)
 * and ops.auth.token.file (when no credentials were given).  explicit:
 * errors are fatal, else an unreadable file is only mentioned on a 401. */
static int
read_broker_conf(const char *path, bool explicit, bool want_server, bool want_token, char **token_file)
{
    static char srv[300];
    char e[1024];
    ks_conf_t c;

    if (!explicit && access(path, F_OK) != 0)
        return EXIT_OK;
    ks_conf_init(&c);
    if (ks_conf_load_file(&c, path, e, sizeof(e)) != KS_OK) {
        ks_conf_free(&c);
        if (explicit) {
            err("%s", e);
            return EXIT_ERR;
        }
        snprintf(auth_hint, sizeof(auth_hint), "(%.500s)", e);
        return EXIT_OK;
    }
    if (want_server && c.ops_listen[0] != 0) {
        char h[256];
        const char *colon = strrchr(c.ops_listen, ':');
        size_t hl = colon != NULL ? (size_t) (colon - c.ops_listen) : 0;

        if (colon != NULL && hl < sizeof(h)) {
            memcpy(h, c.ops_listen, hl);
            h[hl] = 0;
            /* a wildcard address is reached on loopback */
            if (hl == 0 || strcmp(h, "0.0.0.0") == 0)
                snprintf(srv, sizeof(srv), "127.0.0.1%s", colon);
            else if (strcmp(h, "[::]") == 0)
                snprintf(srv, sizeof(srv), "[::1]%s", colon);
            else
                snprintf(srv, sizeof(srv), "%s", c.ops_listen);
            server = srv;
        }
    }
    if (want_token && c.ops_auth_token_file[0] != 0) {
        if (access(c.ops_auth_token_file, R_OK) == 0)
            *token_file = strdup(c.ops_auth_token_file);
        else
            snprintf(auth_hint, sizeof(auth_hint), "(%s names ops.auth.token.file %.200s, which cannot be "
                     "read: %s)", path, c.ops_auth_token_file, strerror(errno));
    }
    ks_conf_free(&c);
    return EXIT_OK;
}

/* Prints the error of an answer that is not 2xx: "WHAT: SERVER answered
 * HTTP N: ERROR" or, without what, "SERVER answered HTTP N for PATH:
 * ERROR" (": ERROR" when the answer's JSON has an "error"). */
static void
answer_error(const char *what, const char *path, long st, const char *body)
{
    cJSON *doc = body != NULL ? cJSON_Parse(body) : NULL;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
    const char *sep = cJSON_IsString(e) ? ": " : "", *msg = cJSON_IsString(e) ? e->valuestring : "";

    if (what != NULL)
        err("%s: %s answered HTTP %ld%s%s", what, server, st, sep, msg);
    else
        err("%s answered HTTP %ld for %s%s%s", server, st, path, sep, msg);
    cJSON_Delete(doc);
}

/* Sends method path (json: the body, or NULL) and parses the JSON of a
 * 2xx answer; NULL (message printed) on any error.  Messages start with
 * what ("acls add") or, when it is NULL, name the path; missing names
 * the object a 404 says is not there ("topic \"x\"", or NULL).  *raw is
 * the answer as it came (free it). */
static cJSON *
ops_json(const char *method, const char *path, const char *json, const char *what, const char *missing,
         char **raw)
{
    char *body;
    long st = http_send(method, path, json, &body);
    cJSON *doc;

    *raw = NULL;
    if (st == 0)
        return NULL;
    if (st < 200 || st > 299) {
        if (st == 404 && missing != NULL)
            err("%s not found", missing);
        else
            answer_error(what, path, st, body);
        free(body);
        return NULL;
    }
    doc = cJSON_Parse(body);
    if (doc == NULL) {
        if (what != NULL)
            err("%s: %s sent an answer that is not JSON", what, server);
        else
            err("%s sent an answer that is not JSON for %s", server, path);
        free(body);
        return NULL;
    }
    *raw = body;
    return doc;
}

/* Sends method path with an optional JSON body and the credentials given
 * (--token-file, --user); the HTTP status (0 when the request failed or
 * was refused, message printed) and the body in *out (free it). */
static long
http_send(const char *method, const char *path, const char *json, char **out)
{
    CURL *c = curl_easy_init();
    body_t b = { NULL, 0, 0 };
    char url[4096], cerr[CURL_ERROR_SIZE];
    struct curl_slist *hdrs = NULL;
    long status = 0;
    CURLcode rc;

    *out = NULL;
    if (c == NULL) {
        err("could not initialise libcurl");
        return 0;
    }
    snprintf(url, sizeof(url), "http://%s%s", server, path);
    cerr[0] = 0;
    if (auth_token != NULL) {
        /* libcurl >= 7.61; never shown: no CURLOPT_VERBOSE anywhere */
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long) CURLAUTH_BEARER);
        curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, auth_token);
    } else if (auth_user != NULL) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, auth_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, auth_password);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (strcmp(method, "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (json != NULL) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 15000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");          /* the endpoint is local or direct */
    curl_easy_setopt(c, CURLOPT_USERAGENT, "kafscalectl/" PACKAGE_VERSION);
    rc = curl_easy_perform(c);
    curl_slist_free_all(hdrs);
    if (rc != CURLE_OK) {
        err("cannot reach the ops endpoint at %s: %s", server, cerr[0] ? cerr : curl_easy_strerror(rc));
        free(b.buf);
        curl_easy_cleanup(c);
        return 0;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (status == 401) {
        /* one message for every command; the answer's body is not shown */
        if (auth_token == NULL && auth_user == NULL)
            err("the ops endpoint at %s requires authentication: give --token-file FILE or --user NAME "
                "--password-file FILE%s%s", server, auth_hint[0] ? " " : "", auth_hint);
        else
            err("the ops endpoint at %s refused the %s (HTTP 401)", server,
                auth_token != NULL ? "bearer token" : "user name or password");
        auth_refused = true;
        free(b.buf);
        return 0;
    }
    *out = b.buf ? b.buf : strdup("");
    return status;
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

/* How a command shows the parsed answer (without --json); its exit code. */
typedef int (*show_fn)(const cJSON *d, const void *arg);

/* A command that shows one answer: ops_json's request, then the answer as
 * it came with --json, else show(d, arg).  The exit code. */
static int
ops_show(const char *method, const char *path, const char *json, const char *what, const char *missing,
         show_fn show, const void *arg)
{
    char *raw;
    cJSON *d = ops_json(method, path, json, what, missing, &raw);
    int rc;

    if (d == NULL)
        return EXIT_ERR;
    rc = json_out ? print_raw(raw) : show(d, arg);
    cJSON_Delete(d);
    free(raw);
    return rc;
}

/* ops_show for a GET whose errors name the path. */
static int
get_show(const char *path, const char *missing, show_fn show, const void *arg)
{
    return ops_show("GET", path, NULL, NULL, missing, show, arg);
}

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
    return EXIT_OK;
}

static int
cmd_status(void)
{
    return get_show("/api/v1/status", NULL, show_status, NULL);
}

static int
show_brokers(const cJSON *d, const void *arg)
{
    const cJSON *b;
    table_t t;

    (void) arg;
    table_init(&t, ">NODE,HOST,>PORT,RACK,CONTROLLER");
    cJSON_ArrayForEach(b, d) {
        char id[32], port[32];
        table_row(&t, fmt_num(id, sizeof(id), b, "node_id"), jstr(b, "host"),
                  fmt_num(port, sizeof(port), b, "port"), jstr(b, "rack")[0] ? jstr(b, "rack") : "-",
                  jbool(b, "controller") ? "yes" : "no");
    }
    table_print(&t);
    return EXIT_OK;
}

static int
cmd_brokers(void)
{
    return get_show("/api/v1/brokers", NULL, show_brokers, NULL);
}

static int
show_topics(const cJSON *d, const void *arg)
{
    const cJSON *tp, *p;
    table_t t;

    (void) arg;
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
    return EXIT_OK;
}

static int
cmd_topics_list(void)
{
    return get_show("/api/v1/topics", NULL, show_topics, NULL);
}

/* get_show of prefix/name (escaped); errors say "kind \"name\" not found". */
static int
get_show_one(const char *prefix, const char *kind, const char *name, show_fn show, const void *arg)
{
    char what[400], *path = escaped_path(prefix, name);
    int rc;

    if (path == NULL)
        return EXIT_ERR;
    snprintf(what, sizeof(what), "%s \"%s\"", kind, name);
    rc = get_show(path, what, show, arg);
    free(path);
    return rc;
}

static int
show_topic(const cJSON *d, const void *arg)
{
    const cJSON *p, *c;
    table_t t;

    (void) arg;
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
    return EXIT_OK;
}

static int
cmd_topics_describe(const char *name)
{
    return get_show_one("/api/v1/topics", "topic", name, show_topic, NULL);
}

static int
show_groups(const cJSON *d, const void *arg)
{
    const cJSON *g;
    table_t t;

    (void) arg;
    table_init(&t, "GROUP,STATE,PROTOCOL,>MEMBERS,>LAG");
    cJSON_ArrayForEach(g, d) {
        char m[32], lag[32];
        table_row(&t, jstr(g, "group"), jstr(g, "state"),
                  jstr(g, "protocol")[0] ? jstr(g, "protocol") : "-",
                  fmt_num(m, sizeof(m), g, "member_count"), fmt_num(lag, sizeof(lag), g, "lag"));
    }
    table_print(&t);
    return EXIT_OK;
}

static int
cmd_groups_list(void)
{
    return get_show("/api/v1/groups", NULL, show_groups, NULL);
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
show_group(const cJSON *d, const void *arg)
{
    const cJSON *m;
    char lag[32];
    table_t t;

    (void) arg;
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
    return EXIT_OK;
}

static int
cmd_groups_describe(const char *name)
{
    return get_show_one("/api/v1/groups", "group", name, show_group, NULL);
}

/* arg: non-NULL when d is one group, else d is the list of groups */
static int
show_lag(const cJSON *d, const void *arg)
{
    const cJSON *g;
    table_t t;

    table_init(&t, "GROUP,TOPIC,>PARTITION,>COMMITTED,>LOG_END,>LAG");
    if (arg != NULL)
        lag_rows(&t, d, true);
    else
        cJSON_ArrayForEach(g, d)
            lag_rows(&t, g, true);
    table_print(&t);
    return EXIT_OK;
}

static int
cmd_lag(const char *group)
{
    if (group != NULL)
        return get_show_one("/api/v1/groups", "group", group, show_lag, group);
    return get_show("/api/v1/groups", NULL, show_lag, NULL);
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

/* ---------- the Kafka protocol (commands that change the cluster) ----------
 *
 * Blocking request/response over one TCP connection per broker, with our
 * own codec (src/proto).  Every wait is bounded: KAFKA_CONNECT_MS to
 * connect, KAFKA_IO_MS for a whole request and its response.  The version
 * of each request is the highest that both we and the broker (ApiVersions)
 * know, within what the command was written for.
 */

#define KAFKA_CONNECT_MS 5000
#define KAFKA_IO_MS      30000
#define KAFKA_TIMEOUT_MS 15000            /* timeout_ms of admin requests */
#define KAFKA_MAX_FRAME  (256 << 20)
#define KAFKA_MAX_CONNS  64

typedef struct {
    int fd;
    int32_t node_id;                      /* -1: the bootstrap connection */
    char addr[300];                       /* host:port, for messages */
    int32_t corr;
    int16_t vmin[KS_API_KEY_COUNT];
    int16_t vmax[KS_API_KEY_COUNT];       /* -1: the broker does not have it */
} kconn_t;

static kconn_t *kconns[KAFKA_MAX_CONNS];
static int nkconns;

/* Kafka's descriptions of the errors a user of these commands may meet
 * (org.apache.kafka.common.protocol.Errors), for answers without a
 * message of their own. */
static const char *
kafka_err_text(int code)
{
    switch (code) {
    case KS_ERR_UNKNOWN_SERVER_ERROR: return "the server experienced an unexpected error when processing the request";
    case KS_ERR_UNKNOWN_TOPIC_OR_PARTITION: return "this server does not host this topic-partition";
    case KS_ERR_LEADER_NOT_AVAILABLE: return "there is no leader for this topic-partition as we are in the middle of a leadership election";
    case KS_ERR_NOT_LEADER_OR_FOLLOWER: return "for requests intended only for the leader, this error indicates that the broker is not the current leader";
    case KS_ERR_REQUEST_TIMED_OUT: return "the request timed out";
    case KS_ERR_COORDINATOR_LOAD_IN_PROGRESS: return "the coordinator is loading and hence can't process requests";
    case KS_ERR_COORDINATOR_NOT_AVAILABLE: return "the coordinator is not available";
    case KS_ERR_NOT_COORDINATOR: return "this is not the correct coordinator";
    case KS_ERR_INVALID_TOPIC_EXCEPTION: return "the request attempted to perform an operation on an invalid topic";
    case KS_ERR_ILLEGAL_GENERATION: return "the provided generation id is not the current generation";
    case KS_ERR_INVALID_GROUP_ID: return "the configured groupId is invalid";
    case KS_ERR_UNKNOWN_MEMBER_ID: return "the coordinator is not aware of this member";
    case KS_ERR_REBALANCE_IN_PROGRESS: return "the group is rebalancing, so a rejoin is needed";
    case KS_ERR_TOPIC_AUTHORIZATION_FAILED: return "topic authorization failed";
    case KS_ERR_GROUP_AUTHORIZATION_FAILED: return "group authorization failed";
    case KS_ERR_CLUSTER_AUTHORIZATION_FAILED: return "cluster authorization failed";
    case KS_ERR_UNSUPPORTED_VERSION: return "the version of API is not supported";
    case KS_ERR_TOPIC_ALREADY_EXISTS: return "topic with this name already exists";
    case KS_ERR_INVALID_PARTITIONS: return "number of partitions is below 1";
    case KS_ERR_INVALID_REPLICATION_FACTOR: return "replication factor is below 1 or larger than the number of available brokers";
    case KS_ERR_INVALID_CONFIG: return "configuration is invalid";
    case KS_ERR_NOT_CONTROLLER: return "this is not the correct controller for this cluster";
    case KS_ERR_INVALID_REQUEST: return "this most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker";
    case KS_ERR_POLICY_VIOLATION: return "request parameters do not satisfy the configured policy";
    case KS_ERR_NON_EMPTY_GROUP: return "the group is not empty";
    case KS_ERR_GROUP_ID_NOT_FOUND: return "the group id does not exist";
    case KS_ERR_TOPIC_DELETION_DISABLED: return "topic deletion is disabled";
    case KS_ERR_OFFSET_NOT_AVAILABLE: return "the leader high watermark has not caught up from a recent leader election so the offsets cannot be guaranteed to be monotonically increasing";
    case KS_ERR_UNSTABLE_OFFSET_COMMIT: return "there are unstable offsets that need to be cleared";
    case KS_ERR_RESOURCE_NOT_FOUND: return "a request illegally referred to a resource that does not exist";
    case KS_ERR_UNKNOWN_TOPIC_ID: return "this server does not host this topic ID";
    default: return NULL;
    }
}

/* Prints "kafscalectl: WHAT: NAME: message" for a Kafka error code. */
static void
kerr(const char *what, int code, ks_str_t msg)
{
    const char *text = kafka_err_text(code);

    if (msg.len > 0)
        err("%s: %s: %.*s", what, ks_err_name(code), (int) msg.len, msg.p);
    else if (text != NULL)
        err("%s: %s: %s", what, ks_err_name(code), text);
    else
        err("%s: %s (error code %d)", what, ks_err_name(code), code);
}

static int64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Splits "host:port" or "[v6]:port"; false when it is not of that form. */
static bool
split_hostport(const char *s, char *host, size_t hl, char *port, size_t pl)
{
    const char *colon, *h = s;
    size_t n;

    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (e == NULL || e[1] != ':')
            return false;
        h = s + 1;
        n = (size_t) (e - h);
        colon = e + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return false;
        n = (size_t) (colon - s);
    }
    if (n == 0 || n >= hl || strlen(colon + 1) == 0 || strlen(colon + 1) >= pl
        || strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return false;
    memcpy(host, h, n);
    host[n] = 0;
    snprintf(port, pl, "%s", colon + 1);
    return true;
}

/* Waits until fd is ready for ev or the deadline passed: 1 ready, 0
 * timeout, -1 error (errno). */
static int
wait_fd(int fd, short ev, int64_t deadline)
{
    for (;;) {
        struct pollfd p = { fd, ev, 0 };
        int64_t left = deadline - mono_ms();
        int n;

        if (left <= 0)
            return 0;
        n = poll(&p, 1, (int) left);
        if (n > 0)
            return 1;
        if (n == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/* Writes or reads exactly n bytes before the deadline: 0, or -1 with a
 * message in why. */
static int
io_full(int fd, bool wr, void *buf, size_t n, int64_t deadline, const char **why)
{
    uint8_t *p = buf;

    while (n > 0) {
        ssize_t k = wr ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
        if (k > 0) {
            p += k;
            n -= (size_t) k;
            continue;
        }
        if (k == 0) {
            *why = "the broker closed the connection";
            return -1;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            *why = strerror(errno);
            return -1;
        }
        switch (wait_fd(fd, wr ? POLLOUT : POLLIN, deadline)) {
        case 0:
            *why = "timed out";
            return -1;
        case -1:
            *why = strerror(errno);
            return -1;
        }
    }
    return 0;
}

/* Sends the request and decodes its response (from arena a, which must
 * outlive it); NULL with a message printed on any failure. */
static void *
kcall(kconn_t *c, int key, int version, const void *req, ks_arena_t *a)
{
    const ks_api_desc_t *d = ks_api_desc(key);
    ks_request_header_t h = { (int16_t) key, (int16_t) version, ++c->corr, KS_STR_LIT("kafscalectl") };
    int64_t deadline = mono_ms() + KAFKA_IO_MS;
    const char *why = NULL;
    ks_writer_t w;
    ks_reader_t r;
    uint8_t szb[4], *frame;
    size_t pos;
    int32_t size;
    void *resp;

    ks_writer_init(&w, 512);
    pos = ks_write_reserve32(&w);
    ks_encode_request_header(&w, &h);
    if (ks_encode_request(key, version, &w, req) != KS_OK || w.err != 0) {
        err("could not encode a %s v%d request", d->name, version);
        ks_writer_free(&w);
        return NULL;
    }
    ks_write_patch32(&w, pos, (int32_t) (w.len - 4));
    if (io_full(c->fd, true, w.buf, w.len, deadline, &why) != 0) {
        ks_writer_free(&w);
        err("could not send %s to the broker at %s: %s", d->name, c->addr, why);
        return NULL;
    }
    ks_writer_free(&w);
    if (io_full(c->fd, false, szb, 4, deadline, &why) != 0) {
        err("no answer to %s from the broker at %s: %s", d->name, c->addr, why);
        return NULL;
    }
    size = (int32_t) ((uint32_t) szb[0] << 24 | (uint32_t) szb[1] << 16 | (uint32_t) szb[2] << 8 | szb[3]);
    if (size < 4 || size > KAFKA_MAX_FRAME) {
        err("the broker at %s answered %s with a frame of %" PRId32 " bytes: is it a Kafka listener?", c->addr,
            d->name, size);
        return NULL;
    }
    frame = ks_arena_alloc(a, (size_t) size);
    if (frame == NULL) {
        err("out of memory");
        return NULL;
    }
    if (io_full(c->fd, false, frame, (size_t) size, deadline, &why) != 0) {
        err("no answer to %s from the broker at %s: %s", d->name, c->addr, why);
        return NULL;
    }
    ks_reader_init(&r, frame, (size_t) size);
    if (ks_read_i32(&r) != h.correlation_id) {
        err("the broker at %s answered %s with the wrong correlation id", c->addr, d->name);
        return NULL;
    }
    if (key != KS_API_API_VERSIONS && ks_api_flexible(key, version)) {
        uint32_t ntags = ks_read_uvarint(&r);
        for (uint32_t i = 0; i < ntags && r.err == 0; i++) {
            uint32_t len;
            (void) ks_read_uvarint(&r);
            len = ks_read_uvarint(&r);
            if (r.err == 0 && len > ks_reader_left(&r))
                r.err = KS_DECODE_SHORT;
            else
                r.p += len;
        }
    }
    resp = ks_response_alloc(key, version, a);
    if (r.err != 0 || resp == NULL || ks_decode_response(key, version, &r, resp, a) != KS_OK) {
        err("could not decode the %s v%d answer of the broker at %s", d->name, version, c->addr);
        return NULL;
    }
    return resp;
}

/* The version of API key to use on c: the highest in [lo, hi] that we and
 * the broker have; -1 with a message when there is none. */
static int
kver(const kconn_t *c, int key, int lo, int hi)
{
    const ks_api_desc_t *d = ks_api_desc(key);
    int v = KS_MIN(hi, d->max_version);

    v = KS_MIN(v, c->vmax[key]);
    if (v < lo || v < c->vmin[key] || v < d->min_version) {
        err("the broker at %s does not support %s (versions %d to %d)", c->addr, d->name, lo, hi);
        return -1;
    }
    return v;
}

static void
kconn_close(kconn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

static void
kconns_close(void)
{
    for (int i = 0; i < nkconns; i++)
        kconn_close(kconns[i]);
    nkconns = 0;
}

/* Connects to host:port and asks for its API versions; NULL with a message
 * printed on failure. */
static kconn_t *
kconn_open(const char *host, const char *port, int32_t node_id)
{
    struct addrinfo hints, *ai = NULL, *p;
    kconn_t *c;
    const char *why = "no address";
    char whybuf[256];
    int rc, fd = -1;
    int64_t deadline = mono_ms() + KAFKA_CONNECT_MS;
    ks_arena_t a;
    ks_api_versions_req_t *req;
    ks_api_versions_resp_t *resp;

    if (nkconns == KAFKA_MAX_CONNS) {
        err("too many brokers");
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        err("out of memory");
        return NULL;
    }
    c->node_id = node_id;
    c->fd = -1;
    if (strchr(host, ':') != NULL)
        snprintf(c->addr, sizeof(c->addr), "[%s]:%s", host, port);
    else
        snprintf(c->addr, sizeof(c->addr), "%s:%s", host, port);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        err("cannot reach the broker at %s: %s", c->addr, gai_strerror(rc));
        free(c);
        return NULL;
    }
    for (p = ai; p != NULL && fd < 0; p = p->ai_next) {
        int one = 1, soerr = 0;
        socklen_t sl = sizeof(soerr);

        fd = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
        if (fd < 0) {
            why = strerror(errno);
            continue;
        }
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(fd, p->ai_addr, p->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS) {
            rc = wait_fd(fd, POLLOUT, deadline);
            if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                break;
            why = rc == 0 ? "connection timed out" : strerror(rc < 0 ? errno : soerr);
        } else {
            why = strerror(errno);
        }
        snprintf(whybuf, sizeof(whybuf), "%s", why);
        why = whybuf;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        err("cannot reach the broker at %s: %s", c->addr, why);
        free(c);
        return NULL;
    }
    c->fd = fd;
    /* ApiVersions v0: every broker answers it */
    ks_arena_init(&a, 0);
    req = ks_request_alloc(KS_API_API_VERSIONS, 0, &a);
    resp = req ? kcall(c, KS_API_API_VERSIONS, 0, req, &a) : NULL;
    if (resp == NULL) {
        ks_arena_free(&a);
        kconn_close(c);
        return NULL;
    }
    if (resp->error_code != KS_ERR_NONE) {
        kerr("ApiVersions failed", resp->error_code, KS_STR_NULL);
        ks_arena_free(&a);
        kconn_close(c);
        return NULL;
    }
    for (int i = 0; i < KS_API_KEY_COUNT; i++)
        c->vmin[i] = c->vmax[i] = -1;
    for (int32_t i = 0; i < resp->api_keys.count; i++) {
        const ks_api_versions_resp_api_version_t *v = (ks_api_versions_resp_api_version_t *) resp->api_keys.items + i;
        if (v->api_key >= 0 && v->api_key < KS_API_KEY_COUNT) {
            c->vmin[v->api_key] = v->min_version;
            c->vmax[v->api_key] = v->max_version;
        }
    }
    ks_arena_free(&a);
    kconns[nkconns++] = c;
    return c;
}

/* The connection to the bootstrap broker (-b). */
static kconn_t *
kboot(void)
{
    char host[256], port[16];

    for (int i = 0; i < nkconns; i++)
        if (kconns[i]->node_id == -1)
            return kconns[i];
    if (!split_hostport(bootstrap, host, sizeof(host), port, sizeof(port))) {
        err("bad bootstrap address \"%s\": expected HOST:PORT", bootstrap);
        return NULL;
    }
    return kconn_open(host, port, -1);
}

/* The connection to broker node_id at host:port (reused when open). */
static kconn_t *
knode(int32_t node_id, ks_str_t host, int32_t port)
{
    char h[256], p[16];

    snprintf(h, sizeof(h), "%.*s", host.len > 0 ? (int) host.len : 0, host.p ? host.p : "");
    snprintf(p, sizeof(p), "%" PRId32, port);
    for (int i = 0; i < nkconns; i++) {
        char addr[300];
        if (kconns[i]->node_id == node_id && node_id >= 0)
            return kconns[i];
        /* the bootstrap broker, under its node id */
        snprintf(addr, sizeof(addr), strchr(h, ':') ? "[%s]:%s" : "%s:%s", h, p);
        if (kconns[i]->node_id == -1 && strcmp(kconns[i]->addr, addr) == 0)
            return kconns[i];
    }
    return kconn_open(h, p, node_id);
}

/* Metadata of one topic (topic NULL: no topic, only the brokers); NULL
 * with a message on failure. */
static ks_metadata_resp_t *
kmetadata(kconn_t *c, const char *topic, ks_arena_t *a)
{
    int v = kver(c, KS_API_METADATA, 1, 12);
    ks_metadata_req_t *req;
    ks_metadata_req_metadata_request_topic_t *t;

    if (v < 0 || (req = ks_request_alloc(KS_API_METADATA, v, a)) == NULL)
        return NULL;
    req->topics = KS_ARRAY_EMPTY;
    if (topic != NULL) {
        t = ks_arena_alloc(a, sizeof(*t));
        if (t == NULL)
            return NULL;
        t->name = KS_STR(topic);
        req->topics = (ks_array_t) { t, 1 };
    }
    req->allow_auto_topic_creation = false;
    return kcall(c, KS_API_METADATA, v, req, a);
}

/* The broker of node_id in a Metadata answer, connected. */
static kconn_t *
kmeta_node(const ks_metadata_resp_t *m, int32_t node_id)
{
    const ks_metadata_resp_metadata_response_broker_t *b = m->brokers.items;

    for (int32_t i = 0; i < m->brokers.count; i++)
        if (b[i].node_id == node_id)
            return knode(node_id, b[i].host, b[i].port);
    err("broker %" PRId32 " is not in the cluster's metadata", node_id);
    return NULL;
}

/* The controller (where topics are created and deleted): the bootstrap
 * broker when the cluster names none. */
static kconn_t *
kcontroller(ks_arena_t *a)
{
    kconn_t *c = kboot();
    ks_metadata_resp_t *m;

    if (c == NULL || (m = kmetadata(c, NULL, a)) == NULL)
        return NULL;
    if (m->controller_id < 0)
        return c;
    return kmeta_node(m, m->controller_id);
}

/* The coordinator of group (FindCoordinator, retried while the
 * coordinator is loading); NULL with a message. */
static kconn_t *
kcoordinator(const char *group, ks_arena_t *a)
{
    kconn_t *c = kboot();
    int v;
    int64_t until = mono_ms() + 10000;
    char what[400];

    if (c == NULL || (v = kver(c, KS_API_FIND_COORDINATOR, 0, 6)) < 0)
        return NULL;
    snprintf(what, sizeof(what), "could not find the coordinator of group \"%s\"", group);
    for (;;) {
        ks_find_coordinator_req_t *req = ks_request_alloc(KS_API_FIND_COORDINATOR, v, a);
        ks_find_coordinator_resp_t *resp;
        ks_str_t *keys = ks_arena_alloc(a, sizeof(ks_str_t));
        int16_t ec;
        ks_str_t msg, host;
        int32_t node, port;

        if (req == NULL || keys == NULL)
            return NULL;
        req->key = KS_STR(group);
        req->key_type = 0;
        keys[0] = KS_STR(group);
        req->coordinator_keys = (ks_array_t) { keys, 1 };
        if ((resp = kcall(c, KS_API_FIND_COORDINATOR, v, req, a)) == NULL)
            return NULL;
        if (v >= 4) {
            const ks_find_coordinator_resp_coordinator_t *co = resp->coordinators.items;
            if (resp->coordinators.count < 1) {
                err("%s: the answer names no coordinator", what);
                return NULL;
            }
            ec = co->error_code, msg = co->error_message, node = co->node_id, host = co->host, port = co->port;
        } else {
            ec = resp->error_code, msg = resp->error_message, node = resp->node_id, host = resp->host,
            port = resp->port;
        }
        if (ec == KS_ERR_NONE)
            return knode(node, host, port);
        if ((ec == KS_ERR_COORDINATOR_NOT_AVAILABLE || ec == KS_ERR_COORDINATOR_LOAD_IN_PROGRESS)
            && mono_ms() < until) {
            sleep_ms(200);
            continue;
        }
        kerr(what, ec, msg);
        return NULL;
    }
}

static void
json_print(cJSON *o)
{
    char *s = cJSON_Print(o);

    if (s != NULL) {
        puts(s);
        free(s);
    }
    cJSON_Delete(o);
}

static cJSON *
json_str_or_null(ks_str_t s)
{
    if (s.len < 0)
        return cJSON_CreateNull();
    {
        char *b = strndup(s.p ? s.p : "", (size_t) s.len);
        cJSON *o = cJSON_CreateString(b ? b : "");
        free(b);
        return o;
    }
}

/* ---------- command-line arguments of the write commands ---------- */

enum {
    O_PARTITIONS = 1 << 0, O_CONFIG = 1 << 1, O_DELETE_CONFIG = 1 << 2, O_TOPIC = 1 << 3,
    O_EARLIEST = 1 << 4, O_LATEST = 1 << 5, O_TIMESTAMP = 1 << 6, O_DRY_RUN = 1 << 7, O_COUNT = 1 << 8,
    O_ALLOW = 1 << 9, O_DENY = 1 << 10, O_PRINCIPAL = 1 << 11, O_OPERATION = 1 << 12, O_HOST = 1 << 13,
    O_GROUP = 1 << 14, O_CLUSTER = 1 << 15, O_PREFIXED = 1 << 16,
    O_MECHANISM = 1 << 17, O_ITERATIONS = 1 << 18, O_PASSWORD_FILE = 1 << 19, O_PASSWORD_STDIN = 1 << 20
};

static const struct {
    const char *name;
    unsigned bit;
    bool arg;
} cmd_opts[] = {
    { "--partitions", O_PARTITIONS, true },
    { "--config", O_CONFIG, true },
    { "--delete-config", O_DELETE_CONFIG, true },
    { "--topic", O_TOPIC, true },
    { "--to-earliest", O_EARLIEST, false },
    { "--to-latest", O_LATEST, false },
    { "--to-timestamp", O_TIMESTAMP, true },
    { "--dry-run", O_DRY_RUN, false },
    { "--count", O_COUNT, true },
    { "--allow", O_ALLOW, false },
    { "--deny", O_DENY, false },
    { "--principal", O_PRINCIPAL, true },
    { "--operation", O_OPERATION, true },
    { "--host", O_HOST, true },
    { "--group", O_GROUP, true },
    { "--cluster", O_CLUSTER, false },
    { "--prefixed", O_PREFIXED, false },
    { "--mechanism", O_MECHANISM, true },
    { "--iterations", O_ITERATIONS, true },
    /* users set only (elsewhere --password-file is the ops basic auth's) */
    { "--password-file", O_PASSWORD_FILE, true },
    { "--password-stdin", O_PASSWORD_STDIN, false },
};

/* The entry of a command option ("--x" or "--x=..."), or -1. */
static int
cmd_opt_find(const char *a)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(cmd_opts); i++) {
        size_t n = strlen(cmd_opts[i].name);
        if (strncmp(a, cmd_opts[i].name, n) == 0 && (a[n] == 0 || (a[n] == '=' && cmd_opts[i].arg)))
            return (int) i;
    }
    return -1;
}

/* Takes option k at argv[*i] of command cmd, which takes the options in
 * allowed: its value in *val ("--x=v" or "--x v", *i then past it; NULL
 * for a flag; nonempty: "" refused), its bit added to *seen (given twice:
 * refused but for --config and --delete-config).  EXIT_OK, or EXIT_USAGE
 * with a message. */
static int
cmd_opt_take(const char *cmd, int k, unsigned allowed, bool nonempty, int argc, char **argv, int *i,
             unsigned *seen, const char **val)
{
    const char *eq = strchr(argv[*i], '=');
    unsigned bit = cmd_opts[k].bit;

    *val = NULL;
    if (!(allowed & bit)) {
        err("%s does not take %s (see kafscalectl --help)", cmd, cmd_opts[k].name);
        return EXIT_USAGE;
    }
    if (cmd_opts[k].arg) {
        if (eq != NULL) {
            *val = eq + 1;
        } else if (*i + 1 < argc) {
            *val = argv[++*i];
        } else {
            err("%s needs a value", cmd_opts[k].name);
            return EXIT_USAGE;
        }
        if (nonempty && (*val)[0] == 0) {
            err("%s needs a non-empty value", cmd_opts[k].name);
            return EXIT_USAGE;
        }
    }
    if ((*seen & bit) && bit != O_CONFIG && bit != O_DELETE_CONFIG) {
        err("%s given twice", cmd_opts[k].name);
        return EXIT_USAGE;
    }
    *seen |= bit;
    return EXIT_OK;
}

typedef struct {
    const char *name;              /* the NAME argument */
    unsigned seen;
    int32_t partitions, count;
    const char *topic;
    int64_t timestamp;
    const char **configs;          /* "k=v" */
    int nconfigs;
    const char **deletes;          /* "k" */
    int ndeletes;
    const char *mechanism;         /* users: SCRAM-SHA-256 or SCRAM-SHA-512 */
    int32_t iterations;
    const char *password_file;
} cargs_t;

static bool
parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != 0 || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Parses argv[from..argc) of command cmd: one NAME and the options in
 * allowed.  EXIT_OK, or EXIT_USAGE with a message. */
static int
parse_cargs(const char *cmd, int argc, char **argv, int from, unsigned allowed, cargs_t *ca)
{
    memset(ca, 0, sizeof(*ca));
    ca->partitions = -1;
    ca->configs = calloc((size_t) argc + 1, sizeof(char *));
    ca->deletes = calloc((size_t) argc + 1, sizeof(char *));
    if (ca->configs == NULL || ca->deletes == NULL) {
        err("out of memory");
        return EXIT_ERR;
    }
    for (int i = from; i < argc; i++) {
        const char *a = argv[i], *val;
        int k = a[0] == '-' ? cmd_opt_find(a) : -1, rc;
        int64_t n;

        if (k < 0 && a[0] == '-' && a[1] != 0) {
            err("%s does not take %s (see kafscalectl --help)", cmd, a);
            return EXIT_USAGE;
        }
        if (k < 0) {
            if (ca->name != NULL) {
                err("%s takes one name, got \"%s\" and \"%s\"", cmd, ca->name, a);
                return EXIT_USAGE;
            }
            ca->name = a;
            continue;
        }
        if ((rc = cmd_opt_take(cmd, k, allowed, false, argc, argv, &i, &ca->seen, &val)) != EXIT_OK)
            return rc;
        switch (cmd_opts[k].bit) {
        case O_PARTITIONS:
        case O_COUNT:
            if (!parse_i64(val, 1, INT32_MAX, &n)) {
                err("%s needs a number of partitions from 1 to %d, not \"%s\"", cmd_opts[k].name, INT32_MAX, val);
                return EXIT_USAGE;
            }
            *(cmd_opts[k].bit == O_COUNT ? &ca->count : &ca->partitions) = (int32_t) n;
            break;
        case O_TIMESTAMP:
            if (!parse_i64(val, 0, INT64_MAX, &ca->timestamp)) {
                err("--to-timestamp needs milliseconds since the epoch, not \"%s\"", val);
                return EXIT_USAGE;
            }
            break;
        case O_MECHANISM:
            if (strcmp(val, "SCRAM-SHA-256") != 0 && strcmp(val, "SCRAM-SHA-512") != 0) {
                err("--mechanism needs SCRAM-SHA-256 or SCRAM-SHA-512, not \"%s\"", val);
                return EXIT_USAGE;
            }
            ca->mechanism = val;
            break;
        case O_ITERATIONS:
            if (!parse_i64(val, 4096, 16384, &n)) {
                err("--iterations needs a number from 4096 to 16384, not \"%s\"", val);
                return EXIT_USAGE;
            }
            ca->iterations = (int32_t) n;
            break;
        case O_PASSWORD_FILE:
            if (val[0] == 0) {
                err("--password-file needs a file name");
                return EXIT_USAGE;
            }
            ca->password_file = val;
            break;
        case O_TOPIC:
            if (val[0] == 0) {
                err("--topic needs a topic name");
                return EXIT_USAGE;
            }
            ca->topic = val;
            break;
        case O_CONFIG:
            if (val[0] == '=' || strchr(val, '=') == NULL) {
                err("--config needs KEY=VALUE, not \"%s\"", val);
                return EXIT_USAGE;
            }
            ca->configs[ca->nconfigs++] = val;
            break;
        case O_DELETE_CONFIG:
            if (val[0] == 0 || strchr(val, '=') != NULL) {
                err("--delete-config needs a configuration key, not \"%s\"", val);
                return EXIT_USAGE;
            }
            ca->deletes[ca->ndeletes++] = val;
            break;
        default:
            break;
        }
    }
    if (ca->name == NULL || ca->name[0] == 0) {
        err("%s needs a name (see kafscalectl --help)", cmd);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static void
cargs_free(cargs_t *ca)
{
    free(ca->configs);
    free(ca->deletes);
}

/* "k=v" as two views. */
static void
split_kv(const char *kv, ks_str_t *k, ks_str_t *v)
{
    const char *eq = strchr(kv, '=');

    *k = (ks_str_t) { kv, (int32_t) (eq - kv) };
    *v = KS_STR(eq + 1);
}

/* ---------- topics create / delete / alter, partitions add ---------- */

static int
cmd_topics_create(const cargs_t *ca)
{
    ks_arena_t a;
    kconn_t *c;
    int v, rc = EXIT_ERR;
    ks_create_topics_req_t *req;
    ks_create_topics_req_creatable_topic_t *t;
    ks_create_topics_req_creatable_topic_config_t *cf;
    ks_create_topics_resp_t *resp;
    const ks_create_topics_resp_creatable_topic_result_t *r;
    char what[400];

    ks_arena_init(&a, 0);
    snprintf(what, sizeof(what), "could not create topic \"%s\"", ca->name);
    if ((c = kcontroller(&a)) == NULL || (v = kver(c, KS_API_CREATE_TOPICS, 0, 7)) < 0)
        goto out;
    if (ca->partitions < 0 && v < 4) {
        err("%s: the broker needs --partitions (CreateTopics v%d has no default)", what, v);
        goto out;
    }
    req = ks_request_alloc(KS_API_CREATE_TOPICS, v, &a);
    t = ks_arena_alloc(&a, sizeof(*t));
    cf = ks_arena_alloc(&a, sizeof(*cf) * (size_t) (ca->nconfigs + 1));
    if (req == NULL || t == NULL || cf == NULL)
        goto out;
    t->name = KS_STR(ca->name);
    t->num_partitions = ca->partitions;
    t->replication_factor = -1;
    t->assignments = KS_ARRAY_EMPTY;
    for (int i = 0; i < ca->nconfigs; i++)
        split_kv(ca->configs[i], &cf[i].name, &cf[i].value);
    t->configs = (ks_array_t) { cf, ca->nconfigs };
    req->topics = (ks_array_t) { t, 1 };
    req->timeout_ms = KAFKA_TIMEOUT_MS;
    req->validate_only = false;
    if ((resp = kcall(c, KS_API_CREATE_TOPICS, v, req, &a)) == NULL)
        goto out;
    if (resp->topics.count != 1) {
        err("%s: the broker at %s answered for %" PRId32 " topics", what, c->addr, resp->topics.count);
        goto out;
    }
    r = resp->topics.items;
    if (r->error_code != KS_ERR_NONE) {
        kerr(what, r->error_code, r->error_message);
        goto out;
    }
    if (json_out) {
        cJSON *o = cJSON_CreateObject(), *cfg = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "topic", ca->name);
        cJSON_AddBoolToObject(o, "created", true);
        if (r->num_partitions > 0 || ca->partitions > 0)
            cJSON_AddNumberToObject(o, "partitions", r->num_partitions > 0 ? r->num_partitions : ca->partitions);
        else
            cJSON_AddNullToObject(o, "partitions");
        for (int i = 0; i < ca->nconfigs; i++) {
            const char *eq = strchr(ca->configs[i], '=');
            char *k = strndup(ca->configs[i], (size_t) (eq - ca->configs[i]));
            if (k != NULL)
                cJSON_AddStringToObject(cfg, k, eq + 1);
            free(k);
        }
        cJSON_AddItemToObject(o, "config", cfg);
        json_print(o);
    } else {
        int32_t np = r->num_partitions > 0 ? r->num_partitions : ca->partitions;
        if (np > 0)
            printf("created topic %s with %" PRId32 " partition%s\n", ca->name, np, np == 1 ? "" : "s");
        else
            printf("created topic %s\n", ca->name);
    }
    rc = EXIT_OK;
out:
    ks_arena_free(&a);
    return rc;
}

static int
cmd_topics_delete(const cargs_t *ca)
{
    ks_arena_t a;
    kconn_t *c;
    int v, rc = EXIT_ERR;
    ks_delete_topics_req_t *req;
    ks_delete_topics_req_delete_topic_state_t *ts;
    ks_str_t *names;
    ks_delete_topics_resp_t *resp;
    const ks_delete_topics_resp_deletable_topic_result_t *r;
    char what[400];

    ks_arena_init(&a, 0);
    snprintf(what, sizeof(what), "could not delete topic \"%s\"", ca->name);
    if ((c = kcontroller(&a)) == NULL || (v = kver(c, KS_API_DELETE_TOPICS, 0, 6)) < 0)
        goto out;
    req = ks_request_alloc(KS_API_DELETE_TOPICS, v, &a);
    ts = ks_arena_alloc(&a, sizeof(*ts));
    names = ks_arena_alloc(&a, sizeof(*names));
    if (req == NULL || ts == NULL || names == NULL)
        goto out;
    ts->name = names[0] = KS_STR(ca->name);
    req->topics = (ks_array_t) { ts, 1 };          /* v6+ */
    req->topic_names = (ks_array_t) { names, 1 };  /* up to v5 */
    req->timeout_ms = KAFKA_TIMEOUT_MS;
    if ((resp = kcall(c, KS_API_DELETE_TOPICS, v, req, &a)) == NULL)
        goto out;
    if (resp->responses.count != 1) {
        err("%s: the broker at %s answered for %" PRId32 " topics", what, c->addr, resp->responses.count);
        goto out;
    }
    r = resp->responses.items;
    if (r->error_code != KS_ERR_NONE) {
        kerr(what, r->error_code, r->error_message);
        goto out;
    }
    if (json_out) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "topic", ca->name);
        cJSON_AddBoolToObject(o, "deleted", true);
        json_print(o);
    } else {
        printf("deleted topic %s\n", ca->name);
    }
    rc = EXIT_OK;
out:
    ks_arena_free(&a);
    return rc;
}

static int
cmd_topics_alter(const cargs_t *ca)
{
    ks_arena_t a;
    kconn_t *c;
    int v, rc = EXIT_ERR, n = ca->nconfigs + ca->ndeletes;
    ks_incremental_alter_configs_req_t *req;
    ks_incremental_alter_configs_req_alter_configs_resource_t *res;
    ks_incremental_alter_configs_req_alterable_config_t *cf;
    ks_incremental_alter_configs_resp_t *resp;
    const ks_incremental_alter_configs_resp_alter_configs_resource_response_t *r;
    char what[400];

    if (n == 0) {
        err("topics alter needs --config KEY=VALUE or --delete-config KEY");
        return EXIT_USAGE;
    }
    ks_arena_init(&a, 0);
    snprintf(what, sizeof(what), "could not alter the configuration of topic \"%s\"", ca->name);
    if ((c = kboot()) == NULL || (v = kver(c, KS_API_INCREMENTAL_ALTER_CONFIGS, 0, 1)) < 0)
        goto out;
    req = ks_request_alloc(KS_API_INCREMENTAL_ALTER_CONFIGS, v, &a);
    res = ks_arena_alloc(&a, sizeof(*res));
    cf = ks_arena_alloc(&a, sizeof(*cf) * (size_t) n);
    if (req == NULL || res == NULL || cf == NULL)
        goto out;
    for (int i = 0; i < ca->nconfigs; i++) {
        split_kv(ca->configs[i], &cf[i].name, &cf[i].value);
        cf[i].config_operation = 0;                        /* SET */
    }
    for (int i = 0; i < ca->ndeletes; i++) {
        cf[ca->nconfigs + i].name = KS_STR(ca->deletes[i]);
        cf[ca->nconfigs + i].value = KS_STR_NULL;
        cf[ca->nconfigs + i].config_operation = 1;         /* DELETE */
    }
    res->resource_type = 2;                                /* TOPIC */
    res->resource_name = KS_STR(ca->name);
    res->configs = (ks_array_t) { cf, n };
    req->resources = (ks_array_t) { res, 1 };
    req->validate_only = false;
    if ((resp = kcall(c, KS_API_INCREMENTAL_ALTER_CONFIGS, v, req, &a)) == NULL)
        goto out;
    if (resp->responses.count != 1) {
        err("%s: the broker at %s answered for %" PRId32 " resources", what, c->addr, resp->responses.count);
        goto out;
    }
    r = resp->responses.items;
    if (r->error_code != KS_ERR_NONE) {
        kerr(what, r->error_code, r->error_message);
        goto out;
    }
    if (json_out) {
        cJSON *o = cJSON_CreateObject(), *set = cJSON_CreateObject(), *del = cJSON_CreateArray();
        cJSON_AddStringToObject(o, "topic", ca->name);
        for (int i = 0; i < ca->nconfigs; i++) {
            char *k = strndup(cf[i].name.p, (size_t) cf[i].name.len);
            if (k != NULL)
                cJSON_AddItemToObject(set, k, json_str_or_null(cf[i].value));
            free(k);
        }
        for (int i = 0; i < ca->ndeletes; i++)
            cJSON_AddItemToArray(del, cJSON_CreateString(ca->deletes[i]));
        cJSON_AddItemToObject(o, "set", set);
        cJSON_AddItemToObject(o, "deleted", del);
        json_print(o);
    } else {
        printf("altered topic %s:", ca->name);
        for (int i = 0; i < ca->nconfigs; i++)
            printf("%s set %s", i > 0 ? "," : "", ca->configs[i]);
        for (int i = 0; i < ca->ndeletes; i++)
            printf("%s deleted %s", i + ca->nconfigs > 0 ? "," : "", ca->deletes[i]);
        putchar('\n');
    }
    rc = EXIT_OK;
out:
    ks_arena_free(&a);
    return rc;
}

static int
cmd_partitions_add(const cargs_t *ca)
{
    ks_arena_t a;
    kconn_t *c;
    int v, rc = EXIT_ERR;
    ks_create_partitions_req_t *req;
    ks_create_partitions_req_create_partitions_topic_t *t;
    ks_create_partitions_resp_t *resp;
    const ks_create_partitions_resp_create_partitions_topic_result_t *r;
    char what[400];

    if (!(ca->seen & O_COUNT)) {
        err("partitions add needs --count N, the new number of partitions");
        return EXIT_USAGE;
    }
    ks_arena_init(&a, 0);
    snprintf(what, sizeof(what), "could not add partitions to topic \"%s\"", ca->name);
    if ((c = kcontroller(&a)) == NULL || (v = kver(c, KS_API_CREATE_PARTITIONS, 0, 3)) < 0)
        goto out;
    req = ks_request_alloc(KS_API_CREATE_PARTITIONS, v, &a);
    t = ks_arena_alloc(&a, sizeof(*t));
    if (req == NULL || t == NULL)
        goto out;
    t->name = KS_STR(ca->name);
    t->count = ca->count;
    t->assignments = (ks_array_t) { NULL, -1 };
    req->topics = (ks_array_t) { t, 1 };
    req->timeout_ms = KAFKA_TIMEOUT_MS;
    req->validate_only = false;
    if ((resp = kcall(c, KS_API_CREATE_PARTITIONS, v, req, &a)) == NULL)
        goto out;
    if (resp->results.count != 1) {
        err("%s: the broker at %s answered for %" PRId32 " topics", what, c->addr, resp->results.count);
        goto out;
    }
    r = resp->results.items;
    if (r->error_code != KS_ERR_NONE) {
        kerr(what, r->error_code, r->error_message);
        goto out;
    }
    if (json_out) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "topic", ca->name);
        cJSON_AddNumberToObject(o, "partitions", ca->count);
        json_print(o);
    } else {
        printf("topic %s now has %" PRId32 " partitions\n", ca->name, ca->count);
    }
    rc = EXIT_OK;
out:
    ks_arena_free(&a);
    return rc;
}

/* ---------- groups delete, groups reset-offsets ---------- */

static int
cmd_groups_delete(const cargs_t *ca)
{
    ks_arena_t a;
    kconn_t *c;
    int v, rc = EXIT_ERR;
    ks_delete_groups_req_t *req;
    ks_str_t *names;
    ks_delete_groups_resp_t *resp;
    const ks_delete_groups_resp_deletable_group_result_t *r;
    char what[400];

    ks_arena_init(&a, 0);
    snprintf(what, sizeof(what), "could not delete group \"%s\"", ca->name);
    if ((c = kcoordinator(ca->name, &a)) == NULL || (v = kver(c, KS_API_DELETE_GROUPS, 0, 2)) < 0)
        goto out;
    req = ks_request_alloc(KS_API_DELETE_GROUPS, v, &a);
    names = ks_arena_alloc(&a, sizeof(*names));
    if (req == NULL || names == NULL)
        goto out;
    names[0] = KS_STR(ca->name);
    req->groups_names = (ks_array_t) { names, 1 };
    if ((resp = kcall(c, KS_API_DELETE_GROUPS, v, req, &a)) == NULL)
        goto out;
    if (resp->results.count != 1) {
        err("%s: the broker at %s answered for %" PRId32 " groups", what, c->addr, resp->results.count);
        goto out;
    }
    r = resp->results.items;
    if (r->error_code == KS_ERR_NON_EMPTY_GROUP) {
        err("%s: NON_EMPTY_GROUP: the group has active members; stop its consumers first", what);
        goto out;
    }
    if (r->error_code != KS_ERR_NONE) {
        kerr(what, r->error_code, KS_STR_NULL);
        goto out;
    }
    if (json_out) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "group", ca->name);
        cJSON_AddBoolToObject(o, "deleted", true);
        json_print(o);
    } else {
        printf("deleted group %s\n", ca->name);
    }
    rc = EXIT_OK;
out:
    ks_arena_free(&a);
    return rc;
}

typedef struct {
    int32_t partition;
    int32_t leader;
    int64_t current;            /* committed offset, -1 none */
    int64_t target;             /* new offset, -1 not known yet */
    int16_t error;              /* of the lookup or of the commit */
} reset_part_t;

static int
cmp_reset_part(const void *x, const void *y)
{
    const reset_part_t *a = x, *b = y;

    return (a->partition > b->partition) - (a->partition < b->partition);
}

/* ListOffsets for the partitions of ps (those of leader `leader` with
 * target -1) at timestamp ts; fills target (-1 when the broker has no
 * offset for ts) or error. false on a failure of the request itself. */
static bool
list_offsets(const ks_metadata_resp_t *m, const char *topic, reset_part_t *ps, int32_t np, int32_t leader,
             int64_t ts, ks_arena_t *a)
{
    kconn_t *c = kmeta_node(m, leader);
    int v;
    ks_list_offsets_req_t *req;
    ks_list_offsets_req_list_offsets_topic_t *t;
    ks_list_offsets_req_list_offsets_partition_t *rp;
    ks_list_offsets_resp_t *resp;
    int32_t n = 0;

    if (c == NULL || (v = kver(c, KS_API_LIST_OFFSETS, 1, 10)) < 0)
        return false;
    req = ks_request_alloc(KS_API_LIST_OFFSETS, v, a);
    t = ks_arena_alloc(a, sizeof(*t));
    rp = ks_arena_alloc(a, sizeof(*rp) * (size_t) np);
    if (req == NULL || t == NULL || rp == NULL)
        return false;
    for (int32_t i = 0; i < np; i++) {
        if (ps[i].leader != leader || ps[i].target >= 0 || ps[i].error != KS_ERR_NONE)
            continue;
        rp[n].partition_index = ps[i].partition;
        rp[n].current_leader_epoch = -1;
        rp[n].timestamp = ts;
        rp[n].max_num_offsets = 1;
        n++;
    }
    if (n == 0)
        return true;
    t->name = KS_STR(topic);
    t->partitions = (ks_array_t) { rp, n };
    req->replica_id = -1;
    req->isolation_level = 0;
    req->topics = (ks_array_t) { t, 1 };
    req->timeout_ms = KAFKA_TIMEOUT_MS;
    if ((resp = kcall(c, KS_API_LIST_OFFSETS, v, req, a)) == NULL)
        return false;
    for (int32_t i = 0; i < resp->topics.count; i++) {
        const ks_list_offsets_resp_list_offsets_topic_response_t *rt =
            (ks_list_offsets_resp_list_offsets_topic_response_t *) resp->topics.items + i;
        for (int32_t j = 0; j < rt->partitions.count; j++) {
            const ks_list_offsets_resp_list_offsets_partition_response_t *r =
                (ks_list_offsets_resp_list_offsets_partition_response_t *) rt->partitions.items + j;
            for (int32_t k = 0; k < np; k++) {
                if (ps[k].partition != r->partition_index || ps[k].leader != leader)
                    continue;
                if (r->error_code != KS_ERR_NONE)
                    ps[k].error = r->error_code;
                else
                    ps[k].target = r->offset;
            }
        }
    }
    return true;
}

/* Whether an OffsetCommit error means "the group has members". */
static bool
commit_refused_for_members(int code)
{
    return code == KS_ERR_UNKNOWN_MEMBER_ID || code == KS_ERR_ILLEGAL_GENERATION
           || code == KS_ERR_REBALANCE_IN_PROGRESS || code == KS_ERR_FENCED_INSTANCE_ID
           || code == KS_ERR_STALE_MEMBER_EPOCH;
}

static int
cmd_groups_reset_offsets(const cargs_t *ca)
{
    const char *group = ca->name, *topic = ca->topic, *to;
    ks_arena_t a;
    kconn_t *boot, *coord;
    ks_metadata_resp_t *m;
    const ks_metadata_resp_metadata_response_topic_t *mt = NULL;
    reset_part_t *ps = NULL;
    int32_t np = 0, nmembers = 0;
    ks_str_t state = KS_STR_NULL;
    int64_t ts;
    int v, rc = EXIT_ERR, nerr = 0;
    char what[600], tsbuf[64];
    bool committed = false;
    int modes = !!(ca->seen & O_EARLIEST) + !!(ca->seen & O_LATEST) + !!(ca->seen & O_TIMESTAMP);

    if (topic == NULL) {
        err("groups reset-offsets needs --topic TOPIC");
        return EXIT_USAGE;
    }
    if (modes != 1) {
        err("groups reset-offsets needs one of --to-earliest, --to-latest, --to-timestamp MS");
        return EXIT_USAGE;
    }
    if (ca->seen & O_EARLIEST) {
        ts = -2;
        to = "the earliest offset";
    } else if (ca->seen & O_LATEST) {
        ts = -1;
        to = "the latest offset";
    } else {
        ts = ca->timestamp;
        snprintf(tsbuf, sizeof(tsbuf), "timestamp %" PRId64, ts);
        to = tsbuf;
    }
    snprintf(what, sizeof(what), "could not reset the offsets of group \"%s\" on topic \"%s\"", group, topic);
    ks_arena_init(&a, 0);

    /* the topic's partitions and their leaders */
    if ((boot = kboot()) == NULL || (m = kmetadata(boot, topic, &a)) == NULL)
        goto out;
    for (int32_t i = 0; i < m->topics.count; i++) {
        const ks_metadata_resp_metadata_response_topic_t *t =
            (ks_metadata_resp_metadata_response_topic_t *) m->topics.items + i;
        if (t->name.len == (int32_t) strlen(topic) && memcmp(t->name.p, topic, strlen(topic)) == 0)
            mt = t;
    }
    if (mt == NULL) {
        kerr(what, KS_ERR_UNKNOWN_TOPIC_OR_PARTITION, KS_STR_NULL);
        goto out;
    }
    if (mt->error_code != KS_ERR_NONE) {
        kerr(what, mt->error_code, KS_STR_NULL);
        goto out;
    }
    np = mt->partitions.count > 0 ? mt->partitions.count : 0;
    ps = calloc((size_t) np + 1, sizeof(*ps));
    if (ps == NULL)
        goto out;
    for (int32_t i = 0; i < np; i++) {
        const ks_metadata_resp_metadata_response_partition_t *p =
            (ks_metadata_resp_metadata_response_partition_t *) mt->partitions.items + i;
        ps[i].partition = p->partition_index;
        ps[i].leader = p->leader_id;
        ps[i].current = -1;
        ps[i].target = -1;
        ps[i].error = p->error_code != KS_ERR_NONE ? p->error_code
                      : p->leader_id < 0        ? KS_ERR_LEADER_NOT_AVAILABLE
                                                : KS_ERR_NONE;
    }
    qsort(ps, (size_t) np, sizeof(*ps), cmp_reset_part);

    /* the group: state, members, committed offsets */
    if ((coord = kcoordinator(group, &a)) == NULL)
        goto out;
    if ((v = kver(coord, KS_API_DESCRIBE_GROUPS, 0, 5)) >= 0) {
        ks_describe_groups_req_t *req = ks_request_alloc(KS_API_DESCRIBE_GROUPS, v, &a);
        ks_str_t *names = ks_arena_alloc(&a, sizeof(*names));
        ks_describe_groups_resp_t *resp;
        const ks_describe_groups_resp_described_group_t *g;

        if (req == NULL || names == NULL)
            goto out;
        names[0] = KS_STR(group);
        req->groups = (ks_array_t) { names, 1 };
        if ((resp = kcall(coord, KS_API_DESCRIBE_GROUPS, v, req, &a)) == NULL)
            goto out;
        if (resp->groups.count == 1) {
            g = resp->groups.items;
            if (g->error_code != KS_ERR_NONE) {
                kerr(what, g->error_code, KS_STR_NULL);
                goto out;
            }
            state = g->group_state;
            nmembers = g->members.count > 0 ? g->members.count : 0;
        }
    }
    if (nmembers > 0 && !(ca->seen & O_DRY_RUN)) {
        err("%s: the group has %" PRId32 " active member%s (state %.*s); Kafka resets the offsets only of a group "
            "without members: stop its consumers first",
            what, nmembers, nmembers == 1 ? "" : "s", state.len > 0 ? (int) state.len : 0, state.p ? state.p : "");
        goto out;
    }
    if ((v = kver(coord, KS_API_OFFSET_FETCH, 1, 7)) < 0)
        goto out;
    {
        ks_offset_fetch_req_t *req = ks_request_alloc(KS_API_OFFSET_FETCH, v, &a);
        ks_offset_fetch_req_offset_fetch_request_topic_t *t = ks_arena_alloc(&a, sizeof(*t));
        int32_t *idx = ks_arena_alloc(&a, sizeof(int32_t) * (size_t) (np + 1));
        ks_offset_fetch_resp_t *resp;

        if (req == NULL || t == NULL || idx == NULL)
            goto out;
        for (int32_t i = 0; i < np; i++)
            idx[i] = ps[i].partition;
        t->name = KS_STR(topic);
        t->partition_indexes = (ks_array_t) { idx, np };
        req->group_id = KS_STR(group);
        req->topics = (ks_array_t) { t, 1 };
        if ((resp = kcall(coord, KS_API_OFFSET_FETCH, v, req, &a)) == NULL)
            goto out;
        if (resp->error_code != KS_ERR_NONE) {
            kerr(what, resp->error_code, KS_STR_NULL);
            goto out;
        }
        for (int32_t i = 0; i < resp->topics.count; i++) {
            const ks_offset_fetch_resp_offset_fetch_response_topic_t *rt =
                (ks_offset_fetch_resp_offset_fetch_response_topic_t *) resp->topics.items + i;
            for (int32_t j = 0; j < rt->partitions.count; j++) {
                const ks_offset_fetch_resp_offset_fetch_response_partition_t *r =
                    (ks_offset_fetch_resp_offset_fetch_response_partition_t *) rt->partitions.items + j;
                for (int32_t k = 0; k < np; k++)
                    if (ps[k].partition == r->partition_index && r->error_code == KS_ERR_NONE)
                        ps[k].current = r->committed_offset;
            }
        }
    }

    /* the target offsets, from each partition's leader; a timestamp after
     * the last record resolves to the log end, as Kafka's tool does */
    for (int32_t i = 0; i < np; i++) {
        bool seen = false;
        for (int32_t k = 0; k < i; k++)
            seen |= ps[k].leader == ps[i].leader;
        if (!seen && ps[i].leader >= 0 && !list_offsets(m, topic, ps, np, ps[i].leader, ts, &a))
            goto out;
    }
    if (ts >= 0)
        for (int32_t i = 0; i < np; i++) {
            bool seen = false;
            for (int32_t k = 0; k < i; k++)
                seen |= ps[k].leader == ps[i].leader && ps[k].target < 0 && ps[k].error == KS_ERR_NONE;
            if (!seen && ps[i].target < 0 && ps[i].error == KS_ERR_NONE
                && !list_offsets(m, topic, ps, np, ps[i].leader, -1, &a))
                goto out;
        }
    for (int32_t i = 0; i < np; i++)
        if (ps[i].error == KS_ERR_NONE && ps[i].target < 0)
            ps[i].error = KS_ERR_OFFSET_NOT_AVAILABLE;

    /* the commit: generation -1 and no member id, as for a group without
     * members */
    if (!(ca->seen & O_DRY_RUN)) {
        ks_offset_commit_req_t *req;
        ks_offset_commit_req_offset_commit_request_topic_t *t;
        ks_offset_commit_req_offset_commit_request_partition_t *cp;
        ks_offset_commit_resp_t *resp;
        int32_t n = 0;

        if ((v = kver(coord, KS_API_OFFSET_COMMIT, 2, 9)) < 0)
            goto out;
        req = ks_request_alloc(KS_API_OFFSET_COMMIT, v, &a);
        t = ks_arena_alloc(&a, sizeof(*t));
        cp = ks_arena_alloc(&a, sizeof(*cp) * (size_t) (np + 1));
        if (req == NULL || t == NULL || cp == NULL)
            goto out;
        for (int32_t i = 0; i < np; i++) {
            if (ps[i].error != KS_ERR_NONE)
                continue;
            cp[n].partition_index = ps[i].partition;
            cp[n].committed_offset = ps[i].target;
            cp[n].committed_leader_epoch = -1;
            cp[n].commit_timestamp = -1;
            cp[n].committed_metadata = KS_STR_LIT("");
            n++;
        }
        if (n > 0) {
            t->name = KS_STR(topic);
            t->partitions = (ks_array_t) { cp, n };
            req->group_id = KS_STR(group);
            req->generation_id_or_member_epoch = -1;
            req->member_id = KS_STR_LIT("");
            req->group_instance_id = KS_STR_NULL;
            req->retention_time_ms = -1;
            req->topics = (ks_array_t) { t, 1 };
            if ((resp = kcall(coord, KS_API_OFFSET_COMMIT, v, req, &a)) == NULL)
                goto out;
            committed = true;
            for (int32_t i = 0; i < resp->topics.count; i++) {
                const ks_offset_commit_resp_offset_commit_response_topic_t *rt =
                    (ks_offset_commit_resp_offset_commit_response_topic_t *) resp->topics.items + i;
                for (int32_t j = 0; j < rt->partitions.count; j++) {
                    const ks_offset_commit_resp_offset_commit_response_partition_t *r =
                        (ks_offset_commit_resp_offset_commit_response_partition_t *) rt->partitions.items + j;
                    for (int32_t k = 0; k < np; k++)
                        if (ps[k].partition == r->partition_index && r->error_code != KS_ERR_NONE)
                            ps[k].error = r->error_code;
                }
            }
        }
    }

    /* the report */
    for (int32_t i = 0; i < np; i++)
        if (ps[i].error != KS_ERR_NONE)
            nerr++;
    if (json_out) {
        cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
        cJSON_AddStringToObject(o, "group", group);
        cJSON_AddStringToObject(o, "topic", topic);
        cJSON_AddStringToObject(o, "to", (ca->seen & O_EARLIEST) ? "earliest" : (ca->seen & O_LATEST) ? "latest"
                                                                                                       : "timestamp");
        if (ca->seen & O_TIMESTAMP)
            cJSON_AddNumberToObject(o, "timestamp", (double) ts);
        cJSON_AddBoolToObject(o, "dry_run", (ca->seen & O_DRY_RUN) != 0);
        cJSON_AddItemToObject(o, "group_state", json_str_or_null(state));
        cJSON_AddNumberToObject(o, "members", nmembers);
        for (int32_t i = 0; i < np; i++) {
            cJSON *p = cJSON_CreateObject();
            cJSON_AddNumberToObject(p, "partition", ps[i].partition);
            if (ps[i].current >= 0)
                cJSON_AddNumberToObject(p, "current", (double) ps[i].current);
            else
                cJSON_AddNullToObject(p, "current");
            if (ps[i].target >= 0)
                cJSON_AddNumberToObject(p, "new", (double) ps[i].target);
            else
                cJSON_AddNullToObject(p, "new");
            if (ps[i].error != KS_ERR_NONE)
                cJSON_AddStringToObject(p, "error", ks_err_name(ps[i].error));
            else
                cJSON_AddNullToObject(p, "error");
            cJSON_AddItemToArray(arr, p);
        }
        cJSON_AddItemToObject(o, "partitions", arr);
        json_print(o);
    } else {
        table_t t;
        table_init(&t, "TOPIC,>PARTITION,>CURRENT,>NEW,ERROR");
        for (int32_t i = 0; i < np; i++) {
            char p[32], cur[32], tgt[32];
            snprintf(p, sizeof(p), "%" PRId32, ps[i].partition);
            if (ps[i].current >= 0)
                snprintf(cur, sizeof(cur), "%" PRId64, ps[i].current);
            else
                snprintf(cur, sizeof(cur), "-");
            if (ps[i].target >= 0)
                snprintf(tgt, sizeof(tgt), "%" PRId64, ps[i].target);
            else
                snprintf(tgt, sizeof(tgt), "-");
            table_row(&t, topic, p, cur, tgt, ps[i].error != KS_ERR_NONE ? ks_err_name(ps[i].error) : "-");
        }
        table_print(&t);
        if (ca->seen & O_DRY_RUN)
            printf("dry run: the offsets of group %s on topic %s would be reset to %s (nothing committed)\n", group,
                   topic, to);
        else if (nerr == 0)
            printf("reset the offsets of group %s on topic %s to %s\n", group, topic, to);
    }
    if (nmembers > 0)
        err("note: group \"%s\" has %" PRId32 " active member%s; the reset would be refused until they stop", group,
            nmembers, nmembers == 1 ? "" : "s");
    if (nerr > 0) {
        for (int32_t i = 0; i < np; i++) {
            char pw[700];
            if (ps[i].error == KS_ERR_NONE)
                continue;
            snprintf(pw, sizeof(pw), "%s, partition %" PRId32, what, ps[i].partition);
            if (committed && commit_refused_for_members(ps[i].error))
                err("%s: %s: the group has active members; stop its consumers first", pw, ks_err_name(ps[i].error));
            else
                kerr(pw, ps[i].error, KS_STR_NULL);
        }
        goto out;
    }
    rc = EXIT_OK;
out:
    free(ps);
    ks_arena_free(&a);
    return rc;
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
        int k = a[0] == '-' ? cmd_opt_find(a) : -1, rc;

        if (k < 0) {
            err("%s takes no argument \"%s\" (see kafscalectl --help)", cmd, a);
            return EXIT_USAGE;
        }
        if ((rc = cmd_opt_take(cmd, k, allowed, true, argc, argv, &i, &aa->seen, &val)) != EXIT_OK)
            return rc;
        switch (cmd_opts[k].bit) {
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
        err("%s takes --allow or --deny, not both", cmd);
        return EXIT_USAGE;
    }
    if (!!(aa->seen & O_TOPIC) + !!(aa->seen & O_GROUP) + !!(aa->seen & O_CLUSTER) > 1) {
        err("%s takes one of --topic, --group and --cluster", cmd);
        return EXIT_USAGE;
    }
    if ((aa->seen & O_PREFIXED) && !(aa->seen & (O_TOPIC | O_GROUP))) {
        err("--prefixed needs --topic or --group");
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

    table_init(&t, "PRINCIPAL,HOST,PERMISSION,OPERATION,RESOURCE,NAME,PATTERN");
    cJSON_ArrayForEach(a, arr)
        table_row(&t, jstr(a, "principal"), jstr(a, "host"), jstr(a, "permission"), jstr(a, "operation"),
                  jstr(a, "resource_type"), jstr(a, "resource_name"), jstr(a, "pattern_type"));
    table_print(&t);
}

static int
show_acls(const cJSON *d, const void *arg)
{
    (void) arg;
    acl_table(cJSON_GetObjectItemCaseSensitive(d, "acls"));
    if (strcmp(jstr(d, "authorizer"), "acl") != 0)
        err("note: the broker runs with authorizer = %s; these ACLs are not enforced", jstr(d, "authorizer"));
    return EXIT_OK;
}

static int
show_acl_added(const cJSON *d, const void *arg)
{
    (void) arg;
    printf("added: %s %s %s on %s %s%s from host %s\n", jstr(d, "permission"), jstr(d, "principal"),
           jstr(d, "operation"), jstr(d, "resource_type"), jstr(d, "resource_name"),
           strcmp(jstr(d, "pattern_type"), "prefixed") == 0 ? " (prefixed)" : "", jstr(d, "host"));
    return EXIT_OK;
}

static int
cmd_acls(int argc, char **argv)
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
        return ops_show("GET", path, NULL, "acls list", NULL, show_acls, NULL);
    }
    if (strcmp(sub, "add") == 0) {
        cJSON *o;
        char *json;

        rc = parse_acl_args("acls add", argc, argv, O_ALLOW | O_DENY | O_PRINCIPAL | O_OPERATION | O_HOST |
                            O_TOPIC | O_GROUP | O_CLUSTER | O_PREFIXED, &aa);
        if (rc != EXIT_OK)
            return rc;
        if (!(aa.seen & (O_ALLOW | O_DENY)) || aa.principal == NULL || aa.operation == NULL || aa.rtype == NULL) {
            err("acls add needs --allow or --deny, --principal, --operation and --topic, --group or --cluster");
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
        rc = ops_show("POST", "/api/v1/acls", json ? json : "{}", "acls add", NULL, show_acl_added, NULL);
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
            err("acls remove needs --topic, --group or --cluster");
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
        d = ops_json("DELETE", path, NULL, "acls remove", NULL, &body);
        if (d == NULL)
            return EXIT_ERR;
        del = cJSON_GetObjectItemCaseSensitive(d, "deleted");
        rc = cJSON_GetArraySize(del) > 0 ? EXIT_OK : EXIT_ERR;
        if (json_out)
            print_raw(body);
        else if (rc == EXIT_OK) {
            printf("removed:\n");
            acl_table(del);
        }
        if (rc != EXIT_OK)
            err("acls remove: no ACL binding matched");
        cJSON_Delete(d);
        free(body);
        return rc;
    }
    err("unknown command: acls %s (see kafscalectl --help)", sub);
    return EXIT_USAGE;
}

/* ---------- users (SCRAM credentials, through the ops endpoint) ---------- */

static int
show_users(const cJSON *d, const void *arg)
{
    const cJSON *u, *c;
    table_t t;

    (void) arg;
    table_init(&t, "USER,MECHANISM,>ITERATIONS");
    cJSON_ArrayForEach(u, d) {
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(u, "credentials")) {
            char it[32];
            table_row(&t, jstr(u, "name"), jstr(c, "mechanism"), fmt_num(it, sizeof(it), c, "iterations"));
        }
    }
    table_print(&t);
    return EXIT_OK;
}

static int
cmd_users_list(void)
{
    return get_show("/api/v1/users", NULL, show_users, NULL);
}

/* Whether the ops endpoint is on this host: a password is sent to it in
 * clear HTTP, so only over loopback (the endpoint refuses others too). */
static bool
server_is_loopback(void)
{
    return strncmp(server, "127.", 4) == 0 || strncmp(server, "localhost:", 10) == 0 ||
           strncmp(server, "[::1]:", 6) == 0;
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
            err("cannot read the password file %s: %s", ca->password_file, strerror(errno));
        free(buf);
        return NULL;
    }
    n = fread(buf, 1, 1025, f);
    if (ferror(f)) {
        err("cannot read the password from %s", ca->password_file ? ca->password_file : "standard input");
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
            err("the password is empty");
        else
            err("the password must be 1 to 1024 bytes without NUL bytes");
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
    return escaped_path("/api/v1/users", name);
}

static int
cmd_users_set(const cargs_t *ca)
{
    const char *mech = ca->mechanism ? ca->mechanism : "SCRAM-SHA-256";
    int iterations = ca->iterations ? ca->iterations : 4096, rc;
    char *pw, *body, *path, *answer = NULL, what[400];
    cJSON *o;
    long st;

    if (((ca->seen & O_PASSWORD_FILE) != 0) == ((ca->seen & O_PASSWORD_STDIN) != 0)) {
        err("users set needs one of --password-file FILE and --password-stdin");
        return EXIT_USAGE;
    }
    if (!server_is_loopback()) {
        err("users set sends the password to the ops endpoint in clear HTTP: run it on the broker's host "
            "(-s 127.0.0.1:PORT), not against %s", server);
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
        err("out of memory");
        rc = EXIT_ERR;
        goto out;
    }
    st = http_send("POST", path, body, &answer);
    rc = EXIT_ERR;
    if (st == 0)
        goto out;
    if (st != 200) {
        answer_error(what, NULL, st, answer);
        goto out;
    }
    if (json_out) {
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "user", ca->name);
        cJSON_AddStringToObject(o, "mechanism", mech);
        cJSON_AddNumberToObject(o, "iterations", iterations);
        json_print(o);
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

static int
cmd_users_delete(const cargs_t *ca)
{
    char *path = user_path(ca->name), *answer = NULL, full[2048], what[400];
    int rc = EXIT_ERR;
    long st;

    if (path == NULL) {
        err("out of memory");
        return EXIT_ERR;
    }
    snprintf(full, sizeof(full), "%s%s%s", path, ca->mechanism ? "?mechanism=" : "",
             ca->mechanism ? ca->mechanism : "");
    snprintf(what, sizeof(what), "could not delete %s%s credentials of user \"%s\"",
             ca->mechanism ? "the " : "the", ca->mechanism ? ca->mechanism : "", ca->name);
    st = http_send("DELETE", full, NULL, &answer);
    if (st == 0)
        goto out;
    if (st == 404) {
        if (ca->mechanism)
            err("user \"%s\" has no %s credential", ca->name, ca->mechanism);
        else
            err("user \"%s\" not found", ca->name);
        goto out;
    }
    if (st != 200) {
        answer_error(what, NULL, st, answer);
        goto out;
    }
    if (json_out) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "user", ca->name);
        if (ca->mechanism)
            cJSON_AddStringToObject(o, "mechanism", ca->mechanism);
        else
            cJSON_AddNullToObject(o, "mechanism");
        cJSON_AddBoolToObject(o, "deleted", true);
        json_print(o);
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

/* ---------- main ---------- */

/* The commands that speak Kafka, and the options each takes. */
static const struct {
    const char *cmd, *sub;
    unsigned opts;
    int (*fn)(const cargs_t *);
} writes[] = {
    { "topics", "create", O_PARTITIONS | O_CONFIG, cmd_topics_create },
    { "topics", "delete", 0, cmd_topics_delete },
    { "topics", "alter", O_CONFIG | O_DELETE_CONFIG, cmd_topics_alter },
    { "partitions", "add", O_COUNT, cmd_partitions_add },
    { "groups", "delete", 0, cmd_groups_delete },
    { "groups", "reset-offsets", O_TOPIC | O_EARLIEST | O_LATEST | O_TIMESTAMP | O_DRY_RUN,
      cmd_groups_reset_offsets },
    /* these two use the ops endpoint (-s) */
    { "users", "set", O_MECHANISM | O_ITERATIONS | O_PASSWORD_FILE | O_PASSWORD_STDIN, cmd_users_set },
    { "users", "delete", O_MECHANISM, cmd_users_delete },
};

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
    }
    if (strcmp(cmd, "groups") == 0 && sub != NULL) {
        if (strcmp(sub, "list") == 0 && argc == 2)
            return cmd_groups_list();
        if (strcmp(sub, "describe") == 0 && argc == 3)
            return cmd_groups_describe(argv[2]);
    }
    if (strcmp(cmd, "acls") == 0 && sub != NULL)
        return cmd_acls(argc, argv);
    if (strcmp(cmd, "users") == 0 && sub != NULL && strcmp(sub, "list") == 0 && argc == 2)
        return cmd_users_list();
    for (size_t i = 0; sub != NULL && i < KS_ARRAY_LEN(writes); i++) {
        char name[64];
        cargs_t ca;
        int rc;

        if (strcmp(cmd, writes[i].cmd) != 0 || strcmp(sub, writes[i].sub) != 0)
            continue;
        snprintf(name, sizeof(name), "%s %s", cmd, sub);
        rc = parse_cargs(name, argc, argv, 2, writes[i].opts, &ca);
        if (rc == EXIT_OK)
            rc = writes[i].fn(&ca);
        cargs_free(&ca);
        kconns_close();
        return rc;
    }
    err("unknown command or wrong arguments: %s%s%s (see kafscalectl --help)", cmd, sub ? " " : "",
        sub ? sub : "");
    return EXIT_USAGE;
}

/* The value of option a at argv[*i] ("--opt VALUE" or "--opt=VALUE"), or
 * NULL when a is not name; *missing when the value is not there. */
static const char *
opt_value(const char *name, int argc, char **argv, int *i, bool *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(name);

    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != 0)
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

static const char *
env_nonempty(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && v[0] != 0 ? v : NULL;
}

int
main(int argc, char **argv)
{
    const char *env = getenv("KAFSCALE_OPS_ADDR"), *benv = getenv("KAFSCALE_BOOTSTRAP");
    const char *token_file = NULL, *user = NULL, *password_file = NULL, *conf_file = NULL, *v;
    char *conf_token_file = NULL;
    char host[256], port[16];
    char **pos = calloc((size_t) argc + 1, sizeof(char *));
    int npos = 0, rc, k;
    bool opts = true, server_given = false, missing = false;

    if (pos == NULL)
        return EXIT_ERR;
    if (env != NULL && env[0] != 0) {
        server = env;
        server_given = true;
    }
    if (benv != NULL && benv[0] != 0)
        bootstrap = benv;
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
            server_given = true;
        } else if (strncmp(a, "--server=", 9) == 0) {
            server = a + 9;
            server_given = true;
        } else if (strcmp(a, "-c") == 0 && i + 1 < argc) {
            conf_file = argv[++i];
        } else if ((v = opt_value("--broker-conf", argc, argv, &i, &missing)) != NULL) {
            conf_file = v;
        } else if ((v = opt_value("--token-file", argc, argv, &i, &missing)) != NULL) {
            token_file = v;
        } else if ((v = opt_value("--user", argc, argv, &i, &missing)) != NULL) {
            user = v;
        } else if (npos >= 2 && strcmp(pos[0], "users") == 0 && strcmp(pos[1], "set") == 0 &&
                   (k = cmd_opt_find(a)) >= 0 && cmd_opts[k].bit == O_PASSWORD_FILE) {
            /* after "users set": the new user's password, not the ops
             * endpoint's basic auth */
            pos[npos++] = argv[i];
            if (strchr(a, '=') == NULL) {
                if (++i >= argc) {
                    err("%s needs a value", a);
                    free(pos);
                    return EXIT_USAGE;
                }
                pos[npos++] = argv[i];
            }
        } else if ((v = opt_value("--password-file", argc, argv, &i, &missing)) != NULL) {
            password_file = v;
        } else if (missing || strcmp(a, "-c") == 0) {
            err("%s needs a value", a);
            free(pos);
            return EXIT_USAGE;
        } else if (strcmp(a, "-b") == 0 || strcmp(a, "--bootstrap") == 0) {
            if (++i >= argc) {
                err("%s needs HOST:PORT", a);
                free(pos);
                return EXIT_USAGE;
            }
            bootstrap = argv[i];
        } else if (strncmp(a, "--bootstrap=", 12) == 0) {
            bootstrap = a + 12;
        } else if ((k = cmd_opt_find(a)) >= 0) {
            /* an option of a command: the command reads it (and its value) */
            pos[npos++] = argv[i];
            if (cmd_opts[k].arg && strchr(a, '=') == NULL) {
                if (++i >= argc) {
                    err("%s needs a value", a);
                    free(pos);
                    return EXIT_USAGE;
                }
                pos[npos++] = argv[i];
            }
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
    if (!split_hostport(bootstrap, host, sizeof(host), port, sizeof(port))) {
        err("bad bootstrap address \"%s\": expected HOST:PORT", bootstrap);
        free(pos);
        return EXIT_USAGE;
    }
    /* credentials: options, then the environment, then the broker's conf */
    if (token_file == NULL && user == NULL && password_file == NULL) {
        token_file = env_nonempty("KAFSCALE_OPS_TOKEN_FILE");
        if (token_file == NULL) {
            user = env_nonempty("KAFSCALE_OPS_USER");
            password_file = env_nonempty("KAFSCALE_OPS_PASSWORD_FILE");
        }
    }
    if (token_file != NULL && (user != NULL || password_file != NULL)) {
        err("give either --token-file or --user with --password-file, not both");
        free(pos);
        return EXIT_USAGE;
    }
    if ((user == NULL) != (password_file == NULL)) {
        err("%s", user != NULL ? "--user needs --password-file (or KAFSCALE_OPS_PASSWORD_FILE)"
                               : "--password-file needs --user (or KAFSCALE_OPS_USER)");
        free(pos);
        return EXIT_USAGE;
    }
    if (conf_file != NULL || (token_file == NULL && user == NULL)) {
        bool explicit = conf_file != NULL;

        rc = read_broker_conf(explicit ? conf_file : DEFAULT_CONF, explicit, explicit && !server_given,
                              token_file == NULL && user == NULL, &conf_token_file);
        if (rc != EXIT_OK) {
            free(pos);
            return rc;
        }
        if (conf_token_file != NULL)
            token_file = conf_token_file;
    }
    if ((token_file != NULL && !read_secret("token", token_file, &auth_token))
        || (password_file != NULL && !read_secret("password", password_file, &auth_password))) {
        free(conf_token_file);
        free(pos);
        return EXIT_ERR;
    }
    if (user != NULL) {
        if (strchr(user, ':') != NULL || user[0] == 0) {
            err("bad user name \"%s\": empty or with ':'", user);
            wipe(auth_password);
            free(conf_token_file);
            free(pos);
            return EXIT_USAGE;
        }
        auth_user = strdup(user);
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        err("could not initialise libcurl");
        free(pos);
        return EXIT_ERR;
    }
    rc = run(npos, pos);
    curl_global_cleanup();
    free(pos);
    free(conf_token_file);
    wipe(auth_token);
    wipe(auth_password);
    free(auth_user);
    if (auth_refused)
        rc = EXIT_AUTH;
    fflush(stdout);
    if (ferror(stdout)) {
        err("could not write the output: %s", strerror(errno));
        return EXIT_ERR;
    }
    return rc;
}
