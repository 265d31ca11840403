/*
 * kafscalectl.h: what the files of kafscalectl share (see kafscalectl.c).
 *   kafscalectl.c         main: global options, credentials, dispatch
 *   kafscalectl_common.c  HTTP, JSON, tables, the commands' arguments
 *   kafscalectl_ops.c     the commands that use the ops HTTP API
 *   kafscalectl_kafka.c   the commands that speak Kafka to a broker
 */
#ifndef KS_KAFSCALECTL_H
#define KS_KAFSCALECTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "ks.h"
#include "proto/codec.h"

#define EXIT_OK    0
#define EXIT_ERR   1
#define EXIT_USAGE 2
#define EXIT_AUTH  3

/* ---------- kafscalectl_common.c ---------- */

extern const char *ks_ctl_server;         /* the ops endpoint, HOST:PORT */
extern const char *ks_ctl_bootstrap;      /* a broker's Kafka listener */
extern bool ks_ctl_json_out;
extern char *ks_ctl_auth_token;
extern char *ks_ctl_auth_user;
extern char *ks_ctl_auth_password;
extern bool ks_ctl_auth_refused;          /* an answer was 401: exit EXIT_AUTH */
extern char ks_ctl_auth_hint[600];        /* why no credentials were sent, for the 401 message */

/* "kafscalectl: " and the message on stderr. */
void ks_ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* HTTP to the ops endpoint: the status (0 when it did not answer, with a
 * message), the body in *out. */
long ks_ctl_http_send(const char *method, const char *path, const char *json, char **out);
long ks_ctl_http_get(const char *path, char **out);
/* Prints the error of an answer that is not 2xx. */
void ks_ctl_answer_error(const char *what, const char *path, long st, const char *body);
/* A request whose answer is JSON: the parsed answer, NULL after a message
 * (what names the request, missing is the message for a 404); *raw the
 * answer's text. */
cJSON *ks_ctl_ops_json(const char *method, const char *path, const char *json, const char *what, const char *missing,
                       char **raw);

/* JSON access and number formats */
const char *ks_ctl_jstr(const cJSON *o, const char *k);
double ks_ctl_jnum(const cJSON *o, const char *k);
bool ks_ctl_jbool(const cJSON *o, const char *k);
const char *ks_ctl_fmt_num(char *buf, size_t len, const cJSON *o, const char *k);
const char *ks_ctl_fmt_bytes(char *buf, size_t len, double v);
const char *ks_ctl_fmt_duration(char *buf, size_t len, double secs);
void ks_ctl_json_print(cJSON *o);               /* prints and deletes o */
cJSON *ks_ctl_json_str_or_null(ks_str_t s);

/* tables */
#define MAXCOLS 12

typedef struct {
    int ncols;
    const char *head[MAXCOLS];
    bool right[MAXCOLS];
    char ***rows;
    size_t nrows, cap;
} table_t;

void ks_ctl_table_init(table_t *t, const char *spec);
void ks_ctl_table_row(table_t *t, ...);
void ks_ctl_table_print(table_t *t);

/* showing an answer */
/* How a command shows the parsed answer (without --json); its exit code. */
typedef int (*show_fn)(const cJSON *d, const void *arg);

char *ks_ctl_escaped_path(const char *prefix, const char *name);
int ks_ctl_print_raw(char *raw);
int ks_ctl_ops_show(const char *method, const char *path, const char *json, const char *what, const char *missing,
                    show_fn show, const void *arg);
int ks_ctl_get_show(const char *path, const char *missing, show_fn show, const void *arg);
int ks_ctl_get_show_one(const char *prefix, const char *kind, const char *name, show_fn show, const void *arg);

/* Splits "host:port" or "[v6]:port"; false when it is not of that form. */
bool ks_ctl_split_hostport(const char *s, char *host, size_t hl, char *port, size_t pl);

/* the command-line arguments of the commands */
enum {
    O_PARTITIONS = 1 << 0, O_CONFIG = 1 << 1, O_DELETE_CONFIG = 1 << 2, O_TOPIC = 1 << 3,
    O_EARLIEST = 1 << 4, O_LATEST = 1 << 5, O_TIMESTAMP = 1 << 6, O_DRY_RUN = 1 << 7, O_COUNT = 1 << 8,
    O_ALLOW = 1 << 9, O_DENY = 1 << 10, O_PRINCIPAL = 1 << 11, O_OPERATION = 1 << 12, O_HOST = 1 << 13,
    O_GROUP = 1 << 14, O_CLUSTER = 1 << 15, O_PREFIXED = 1 << 16,
    O_MECHANISM = 1 << 17, O_ITERATIONS = 1 << 18, O_PASSWORD_FILE = 1 << 19, O_PASSWORD_STDIN = 1 << 20
};

typedef struct {
    const char *name;
    unsigned bit;
    bool arg;
} ks_ctl_opt_t;

extern const ks_ctl_opt_t ks_ctl_cmd_opts[];

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

int ks_ctl_cmd_opt_find(const char *a);
int ks_ctl_cmd_opt_take(const char *cmd, int k, unsigned allowed, bool nonempty, int argc, char **argv, int *i,
                        unsigned *seen, const char **val);
int ks_ctl_parse_cargs(const char *cmd, int argc, char **argv, int from, unsigned allowed, cargs_t *ca);
void ks_ctl_cargs_free(cargs_t *ca);

/* ---------- kafscalectl_ops.c ---------- */

int ks_ctl_cmd_status(void);
int ks_ctl_cmd_brokers(void);
int ks_ctl_cmd_topics_list(void);
int ks_ctl_cmd_topics_describe(const char *name);
int ks_ctl_cmd_groups_list(void);
int ks_ctl_cmd_groups_describe(const char *name);
int ks_ctl_cmd_lag(const char *group);
int ks_ctl_cmd_metrics(void);
int ks_ctl_cmd_acls(int argc, char **argv);
int ks_ctl_cmd_users_list(void);
int ks_ctl_cmd_users_set(const cargs_t *ca);
int ks_ctl_cmd_users_delete(const cargs_t *ca);

/* ---------- kafscalectl_kafka.c ---------- */

int ks_ctl_cmd_topics_create(const cargs_t *ca);
int ks_ctl_cmd_topics_delete(const cargs_t *ca);
int ks_ctl_cmd_topics_alter(const cargs_t *ca);
int ks_ctl_cmd_partitions_add(const cargs_t *ca);
int ks_ctl_cmd_groups_delete(const cargs_t *ca);
int ks_ctl_cmd_groups_reset_offsets(const cargs_t *ca);
/* Closes the Kafka connections a command opened. */
void ks_ctl_kconns_close(void);

#endif
