/*
 * kafscalectl_common.c: what the commands of kafscalectl share: the
 * global options and credentials, HTTP to the ops endpoint (libcurl), JSON
 * access and number formats, tables, showing an answer, and the
 * command-line arguments of the commands.
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

#include "kafscalectl.h"

const char *ks_ctl_server = "127.0.0.1:9093";
const char *ks_ctl_bootstrap = "127.0.0.1:9092";
bool ks_ctl_json_out;
/* ops endpoint credentials (read from files) */
char *ks_ctl_auth_token;
char *ks_ctl_auth_user;
char *ks_ctl_auth_password;
bool ks_ctl_auth_refused;         /* an answer was 401: exit EXIT_AUTH */
char ks_ctl_auth_hint[600];       /* why no credentials were sent, for the 401 message */

void
ks_ctl_err(const char *fmt, ...)
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
long
ks_ctl_http_get(const char *path, char **out)
{
    return ks_ctl_http_send("GET", path, NULL, out);
}

/* Prints the error of an answer that is not 2xx: "WHAT: SERVER answered
 * HTTP N: ERROR" or, without what, "SERVER answered HTTP N for PATH:
 * ERROR" (": ERROR" when the answer's JSON has an "error"). */
void
ks_ctl_answer_error(const char *what, const char *path, long st, const char *body)
{
    cJSON *doc = body != NULL ? cJSON_Parse(body) : NULL;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
    const char *sep = cJSON_IsString(e) ? ": " : "", *msg = cJSON_IsString(e) ? e->valuestring : "";

    if (what != NULL)
        ks_ctl_err("%s: %s answered HTTP %ld%s%s", what, ks_ctl_server, st, sep, msg);
    else
        ks_ctl_err("%s answered HTTP %ld for %s%s%s", ks_ctl_server, st, path, sep, msg);
    cJSON_Delete(doc);
}

/* Sends method path (json: the body, or NULL) and parses the JSON of a
 * 2xx answer; NULL (message printed) on any error.  Messages start with
 * what ("acls add") or, when it is NULL, name the path; missing names
 * the object a 404 says is not there ("topic \"x\"", or NULL).  *raw is
 * the answer as it came (free it). */
cJSON *
ks_ctl_ops_json(const char *method, const char *path, const char *json, const char *what, const char *missing,
                char **raw)
{
    char *body;
    long st = ks_ctl_http_send(method, path, json, &body);
    cJSON *doc;

    *raw = NULL;
    if (st == 0)
        return NULL;
    if (st < 200 || st > 299) {
        if (st == 404 && missing != NULL)
            ks_ctl_err("%s not found", missing);
        else
            ks_ctl_answer_error(what, path, st, body);
        free(body);
        return NULL;
    }
    doc = cJSON_Parse(body);
    if (doc == NULL) {
        if (what != NULL)
            ks_ctl_err("%s: %s sent an answer that is not JSON", what, ks_ctl_server);
        else
            ks_ctl_err("%s sent an answer that is not JSON for %s", ks_ctl_server, path);
        free(body);
        return NULL;
    }
    *raw = body;
    return doc;
}

/* Sends method path with an optional JSON body and the credentials given
 * (--token-file, --user); the HTTP status (0 when the request failed or
 * was refused, message printed) and the body in *out (free it). */
long
ks_ctl_http_send(const char *method, const char *path, const char *json, char **out)
{
    CURL *c = curl_easy_init();
    body_t b = { NULL, 0, 0 };
    char url[4096], cerr[CURL_ERROR_SIZE];
    struct curl_slist *hdrs = NULL;
    long status = 0;
    CURLcode rc;

    *out = NULL;
    if (c == NULL) {
        ks_ctl_err("could not initialise libcurl");
        return 0;
    }
    snprintf(url, sizeof(url), "http://%s%s", ks_ctl_server, path);
    cerr[0] = 0;
    if (ks_ctl_auth_token != NULL) {
        /* libcurl >= 7.61; never shown: no CURLOPT_VERBOSE anywhere */
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long) CURLAUTH_BEARER);
        curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, ks_ctl_auth_token);
    } else if (ks_ctl_auth_user != NULL) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, ks_ctl_auth_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, ks_ctl_auth_password);
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
        ks_ctl_err("cannot reach the ops endpoint at %s: %s", ks_ctl_server, cerr[0] ? cerr : curl_easy_strerror(rc));
        free(b.buf);
        curl_easy_cleanup(c);
        return 0;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (status == 401) {
        /* one message for every command; the answer's body is not shown */
        if (ks_ctl_auth_token == NULL && ks_ctl_auth_user == NULL)
            ks_ctl_err("the ops endpoint at %s requires authentication: give --token-file FILE or --user NAME "
                       "--password-file FILE%s%s", ks_ctl_server, ks_ctl_auth_hint[0] ? " " : "", ks_ctl_auth_hint);
        else
            ks_ctl_err("the ops endpoint at %s refused the %s (HTTP 401)", ks_ctl_server,
                       ks_ctl_auth_token != NULL ? "bearer token" : "user name or password");
        ks_ctl_auth_refused = true;
        free(b.buf);
        return 0;
    }
    *out = b.buf ? b.buf : strdup("");
    return status;
}

/* ---------- JSON access ---------- */

const char *
ks_ctl_jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    return cJSON_IsString(v) ? v->valuestring : "";
}

static bool
jnum_ok(const cJSON *o, const char *k)
{
    return cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, k));
}

double
ks_ctl_jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

bool
ks_ctl_jbool(const cJSON *o, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* A number, or "-" when missing or null. */
const char *
ks_ctl_fmt_num(char *buf, size_t len, const cJSON *o, const char *k)
{
    if (!jnum_ok(o, k))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.0f", ks_ctl_jnum(o, k));
    return buf;
}

const char *
ks_ctl_fmt_bytes(char *buf, size_t len, double v)
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

const char *
ks_ctl_fmt_duration(char *buf, size_t len, double secs)
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

void
ks_ctl_table_init(table_t *t, const char *spec)
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

void
ks_ctl_table_row(table_t *t, ...)
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

void
ks_ctl_table_print(table_t *t)
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

char *
ks_ctl_escaped_path(const char *prefix, const char *name)
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

int
ks_ctl_print_raw(char *raw)
{
    fputs(raw, stdout);
    if (raw[0] && raw[strlen(raw) - 1] != '\n')
        putchar('\n');
    return EXIT_OK;
}

/* A command that shows one answer: ops_json's request, then the answer as
 * it came with --json, else show(d, arg).  The exit code. */
int
ks_ctl_ops_show(const char *method, const char *path, const char *json, const char *what, const char *missing,
                show_fn show, const void *arg)
{
    char *raw;
    cJSON *d = ks_ctl_ops_json(method, path, json, what, missing, &raw);
    int rc;

    if (d == NULL)
        return EXIT_ERR;
    rc = ks_ctl_json_out ? ks_ctl_print_raw(raw) : show(d, arg);
    cJSON_Delete(d);
    free(raw);
    return rc;
}

/* ops_show for a GET whose errors name the path. */
int
ks_ctl_get_show(const char *path, const char *missing, show_fn show, const void *arg)
{
    return ks_ctl_ops_show("GET", path, NULL, NULL, missing, show, arg);
}

/* get_show of prefix/name (escaped); errors say "kind \"name\" not found". */
int
ks_ctl_get_show_one(const char *prefix, const char *kind, const char *name, show_fn show, const void *arg)
{
    char what[400], *path = ks_ctl_escaped_path(prefix, name);
    int rc;

    if (path == NULL)
        return EXIT_ERR;
    snprintf(what, sizeof(what), "%s \"%s\"", kind, name);
    rc = ks_ctl_get_show(path, what, show, arg);
    free(path);
    return rc;
}

/* Splits "host:port" or "[v6]:port"; false when it is not of that form. */
bool
ks_ctl_split_hostport(const char *s, char *host, size_t hl, char *port, size_t pl)
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

void
ks_ctl_json_print(cJSON *o)
{
    char *s = cJSON_Print(o);

    if (s != NULL) {
        puts(s);
        free(s);
    }
    cJSON_Delete(o);
}

cJSON *
ks_ctl_json_str_or_null(ks_str_t s)
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

const ks_ctl_opt_t ks_ctl_cmd_opts[] = {
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
int
ks_ctl_cmd_opt_find(const char *a)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(ks_ctl_cmd_opts); i++) {
        size_t n = strlen(ks_ctl_cmd_opts[i].name);
        if (strncmp(a, ks_ctl_cmd_opts[i].name, n) == 0 && (a[n] == 0 || (a[n] == '=' && ks_ctl_cmd_opts[i].arg)))
            return (int) i;
    }
    return -1;
}

/* Takes option k at argv[*i] of command cmd, which takes the options in
 * allowed: its value in *val ("--x=v" or "--x v", *i then past it; NULL
 * for a flag; nonempty: "" refused), its bit added to *seen (given twice:
 * refused but for --config and --delete-config).  EXIT_OK, or EXIT_USAGE
 * with a message. */
int
ks_ctl_cmd_opt_take(const char *cmd, int k, unsigned allowed, bool nonempty, int argc, char **argv, int *i,
                    unsigned *seen, const char **val)
{
    const char *eq = strchr(argv[*i], '=');
    unsigned bit = ks_ctl_cmd_opts[k].bit;

    *val = NULL;
    if (!(allowed & bit)) {
        ks_ctl_err("%s does not take %s (see kafscalectl --help)", cmd, ks_ctl_cmd_opts[k].name);
        return EXIT_USAGE;
    }
    if (ks_ctl_cmd_opts[k].arg) {
        if (eq != NULL) {
            *val = eq + 1;
        } else if (*i + 1 < argc) {
            *val = argv[++*i];
        } else {
            ks_ctl_err("%s needs a value", ks_ctl_cmd_opts[k].name);
            return EXIT_USAGE;
        }
        if (nonempty && (*val)[0] == 0) {
            ks_ctl_err("%s needs a non-empty value", ks_ctl_cmd_opts[k].name);
            return EXIT_USAGE;
        }
    }
    if ((*seen & bit) && bit != O_CONFIG && bit != O_DELETE_CONFIG) {
        ks_ctl_err("%s given twice", ks_ctl_cmd_opts[k].name);
        return EXIT_USAGE;
    }
    *seen |= bit;
    return EXIT_OK;
}

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
int
ks_ctl_parse_cargs(const char *cmd, int argc, char **argv, int from, unsigned allowed, cargs_t *ca)
{
    memset(ca, 0, sizeof(*ca));
    ca->partitions = -1;
    ca->configs = calloc((size_t) argc + 1, sizeof(char *));
    ca->deletes = calloc((size_t) argc + 1, sizeof(char *));
    if (ca->configs == NULL || ca->deletes == NULL) {
        ks_ctl_err("out of memory");
        return EXIT_ERR;
    }
    for (int i = from; i < argc; i++) {
        const char *a = argv[i], *val;
        int k = a[0] == '-' ? ks_ctl_cmd_opt_find(a) : -1, rc;
        int64_t n;

        if (k < 0 && a[0] == '-' && a[1] != 0) {
            ks_ctl_err("%s does not take %s (see kafscalectl --help)", cmd, a);
            return EXIT_USAGE;
        }
        if (k < 0) {
            if (ca->name != NULL) {
                ks_ctl_err("%s takes one name, got \"%s\" and \"%s\"", cmd, ca->name, a);
                return EXIT_USAGE;
            }
            ca->name = a;
            continue;
        }
        if ((rc = ks_ctl_cmd_opt_take(cmd, k, allowed, false, argc, argv, &i, &ca->seen, &val)) != EXIT_OK)
            return rc;
        switch (ks_ctl_cmd_opts[k].bit) {
        case O_PARTITIONS:
        case O_COUNT:
            if (!parse_i64(val, 1, INT32_MAX, &n)) {
                ks_ctl_err("%s needs a number of partitions from 1 to %d, not \"%s\"", ks_ctl_cmd_opts[k].name, INT32_MAX, val);
                return EXIT_USAGE;
            }
            *(ks_ctl_cmd_opts[k].bit == O_COUNT ? &ca->count : &ca->partitions) = (int32_t) n;
            break;
        case O_TIMESTAMP:
            if (!parse_i64(val, 0, INT64_MAX, &ca->timestamp)) {
                ks_ctl_err("--to-timestamp needs milliseconds since the epoch, not \"%s\"", val);
                return EXIT_USAGE;
            }
            break;
        case O_MECHANISM:
            if (strcmp(val, "SCRAM-SHA-256") != 0 && strcmp(val, "SCRAM-SHA-512") != 0) {
                ks_ctl_err("--mechanism needs SCRAM-SHA-256 or SCRAM-SHA-512, not \"%s\"", val);
                return EXIT_USAGE;
            }
            ca->mechanism = val;
            break;
        case O_ITERATIONS:
            if (!parse_i64(val, 4096, 16384, &n)) {
                ks_ctl_err("--iterations needs a number from 4096 to 16384, not \"%s\"", val);
                return EXIT_USAGE;
            }
            ca->iterations = (int32_t) n;
            break;
        case O_PASSWORD_FILE:
            if (val[0] == 0) {
                ks_ctl_err("--password-file needs a file name");
                return EXIT_USAGE;
            }
            ca->password_file = val;
            break;
        case O_TOPIC:
            if (val[0] == 0) {
                ks_ctl_err("--topic needs a topic name");
                return EXIT_USAGE;
            }
            ca->topic = val;
            break;
        case O_CONFIG:
            if (val[0] == '=' || strchr(val, '=') == NULL) {
                ks_ctl_err("--config needs KEY=VALUE, not \"%s\"", val);
                return EXIT_USAGE;
            }
            ca->configs[ca->nconfigs++] = val;
            break;
        case O_DELETE_CONFIG:
            if (val[0] == 0 || strchr(val, '=') != NULL) {
                ks_ctl_err("--delete-config needs a configuration key, not \"%s\"", val);
                return EXIT_USAGE;
            }
            ca->deletes[ca->ndeletes++] = val;
            break;
        default:
            break;
        }
    }
    if (ca->name == NULL || ca->name[0] == 0) {
        ks_ctl_err("%s needs a name (see kafscalectl --help)", cmd);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

void
ks_ctl_cargs_free(cargs_t *ca)
{
    free(ca->configs);
    free(ca->deletes);
}
