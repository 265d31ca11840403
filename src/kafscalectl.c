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
 *
 * This file: usage, the credentials, main and the dispatch.  The commands
 * are in kafscalectl_ops.c (ops API) and kafscalectl_kafka.c (Kafka), what
 * they share in kafscalectl_common.c (see kafscalectl.h).
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
#include "ks.h"
#include "conf.h"

#ifndef KS_SYSCONFDIR
#define KS_SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONF KS_SYSCONFDIR "/kafscale/kafscale.conf"

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
        ks_ctl_err("cannot read the %s file %s: %s", what, path, strerror(errno));
        return false;
    }
    buf = malloc(65537);
    if (buf == NULL) {
        fclose(f);
        ks_ctl_err("out of memory");
        return false;
    }
    n = fread(buf, 1, 65537, f);
    if (ferror(f) || n > 65536) {
        int e = errno;
        fclose(f);
        free(buf);
        ks_ctl_err("cannot read the %s file %s: %s", what, path, n > 65536 ? "larger than 64 KiB" : strerror(e));
        return false;
    }
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = 0;
    if (n == 0 || memchr(buf, '\n', n) != NULL || strlen(buf) != n) {
        ks_ctl_err("the %s file %s %s", what, path, n == 0 ? "is empty" : "must hold one line");
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
            ks_ctl_err("%s", e);
            return EXIT_ERR;
        }
        snprintf(ks_ctl_auth_hint, sizeof(ks_ctl_auth_hint), "(%.500s)", e);
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
            ks_ctl_server = srv;
        }
    }
    if (want_token && c.ops_auth_token_file[0] != 0) {
        if (access(c.ops_auth_token_file, R_OK) == 0)
            *token_file = strdup(c.ops_auth_token_file);
        else
            snprintf(ks_ctl_auth_hint, sizeof(ks_ctl_auth_hint), "(%s names ops.auth.token.file %.200s, which cannot be "
                     "read: %s)", path, c.ops_auth_token_file, strerror(errno));
    }
    ks_conf_free(&c);
    return EXIT_OK;
}

/* ---------- main ---------- */

/* The commands that speak Kafka, and the options each takes. */
static const struct {
    const char *cmd, *sub;
    unsigned opts;
    int (*fn)(const cargs_t *);
} writes[] = {
    { "topics", "create", O_PARTITIONS | O_CONFIG, ks_ctl_cmd_topics_create },
    { "topics", "delete", 0, ks_ctl_cmd_topics_delete },
    { "topics", "alter", O_CONFIG | O_DELETE_CONFIG, ks_ctl_cmd_topics_alter },
    { "partitions", "add", O_COUNT, ks_ctl_cmd_partitions_add },
    { "groups", "delete", 0, ks_ctl_cmd_groups_delete },
    { "groups", "reset-offsets", O_TOPIC | O_EARLIEST | O_LATEST | O_TIMESTAMP | O_DRY_RUN,
      ks_ctl_cmd_groups_reset_offsets },
    /* these two use the ops endpoint (-s) */
    { "users", "set", O_MECHANISM | O_ITERATIONS | O_PASSWORD_FILE | O_PASSWORD_STDIN, ks_ctl_cmd_users_set },
    { "users", "delete", O_MECHANISM, ks_ctl_cmd_users_delete },
};

static int
run(int argc, char **argv)
{
    const char *cmd = argv[0], *sub = argc > 1 ? argv[1] : NULL;

    if (strcmp(cmd, "status") == 0 && argc == 1)
        return ks_ctl_cmd_status();
    if (strcmp(cmd, "brokers") == 0 && argc == 1)
        return ks_ctl_cmd_brokers();
    if (strcmp(cmd, "metrics") == 0 && argc == 1)
        return ks_ctl_cmd_metrics();
    if (strcmp(cmd, "lag") == 0 && argc <= 2)
        return ks_ctl_cmd_lag(sub);
    if (strcmp(cmd, "topics") == 0 && sub != NULL) {
        if (strcmp(sub, "list") == 0 && argc == 2)
            return ks_ctl_cmd_topics_list();
        if (strcmp(sub, "describe") == 0 && argc == 3)
            return ks_ctl_cmd_topics_describe(argv[2]);
    }
    if (strcmp(cmd, "groups") == 0 && sub != NULL) {
        if (strcmp(sub, "list") == 0 && argc == 2)
            return ks_ctl_cmd_groups_list();
        if (strcmp(sub, "describe") == 0 && argc == 3)
            return ks_ctl_cmd_groups_describe(argv[2]);
    }
    if (strcmp(cmd, "acls") == 0 && sub != NULL)
        return ks_ctl_cmd_acls(argc, argv);
    if (strcmp(cmd, "users") == 0 && sub != NULL && strcmp(sub, "list") == 0 && argc == 2)
        return ks_ctl_cmd_users_list();
    for (size_t i = 0; sub != NULL && i < KS_ARRAY_LEN(writes); i++) {
        char name[64];
        cargs_t ca;
        int rc;

        if (strcmp(cmd, writes[i].cmd) != 0 || strcmp(sub, writes[i].sub) != 0)
            continue;
        snprintf(name, sizeof(name), "%s %s", cmd, sub);
        rc = ks_ctl_parse_cargs(name, argc, argv, 2, writes[i].opts, &ca);
        if (rc == EXIT_OK)
            rc = writes[i].fn(&ca);
        ks_ctl_cargs_free(&ca);
        ks_ctl_kconns_close();
        return rc;
    }
    ks_ctl_err("unknown command or wrong arguments: %s%s%s (see kafscalectl --help)", cmd, sub ? " " : "",
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
        ks_ctl_server = env;
        server_given = true;
    }
    if (benv != NULL && benv[0] != 0)
        ks_ctl_bootstrap = benv;
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
            ks_ctl_json_out = true;
        } else if (strcmp(a, "-s") == 0 || strcmp(a, "--server") == 0) {
            if (++i >= argc) {
                ks_ctl_err("%s needs HOST:PORT", a);
                free(pos);
                return EXIT_USAGE;
            }
            ks_ctl_server = argv[i];
            server_given = true;
        } else if (strncmp(a, "--server=", 9) == 0) {
            ks_ctl_server = a + 9;
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
                   (k = ks_ctl_cmd_opt_find(a)) >= 0 && ks_ctl_cmd_opts[k].bit == O_PASSWORD_FILE) {
            /* after "users set": the new user's password, not the ops
             * endpoint's basic auth */
            pos[npos++] = argv[i];
            if (strchr(a, '=') == NULL) {
                if (++i >= argc) {
                    ks_ctl_err("%s needs a value", a);
                    free(pos);
                    return EXIT_USAGE;
                }
                pos[npos++] = argv[i];
            }
        } else if ((v = opt_value("--password-file", argc, argv, &i, &missing)) != NULL) {
            password_file = v;
        } else if (missing || strcmp(a, "-c") == 0) {
            ks_ctl_err("%s needs a value", a);
            free(pos);
            return EXIT_USAGE;
        } else if (strcmp(a, "-b") == 0 || strcmp(a, "--bootstrap") == 0) {
            if (++i >= argc) {
                ks_ctl_err("%s needs HOST:PORT", a);
                free(pos);
                return EXIT_USAGE;
            }
            ks_ctl_bootstrap = argv[i];
        } else if (strncmp(a, "--bootstrap=", 12) == 0) {
            ks_ctl_bootstrap = a + 12;
        } else if ((k = ks_ctl_cmd_opt_find(a)) >= 0) {
            /* an option of a command: the command reads it (and its value) */
            pos[npos++] = argv[i];
            if (ks_ctl_cmd_opts[k].arg && strchr(a, '=') == NULL) {
                if (++i >= argc) {
                    ks_ctl_err("%s needs a value", a);
                    free(pos);
                    return EXIT_USAGE;
                }
                pos[npos++] = argv[i];
            }
        } else {
            ks_ctl_err("unknown option %s (see kafscalectl --help)", a);
            free(pos);
            return EXIT_USAGE;
        }
    }
    if (npos == 0) {
        usage(stderr);
        free(pos);
        return EXIT_USAGE;
    }
    if (ks_ctl_server[0] == 0 || strchr(ks_ctl_server, '/') != NULL || strchr(ks_ctl_server, ':') == NULL) {
        ks_ctl_err("bad server address \"%s\": expected HOST:PORT", ks_ctl_server);
        free(pos);
        return EXIT_USAGE;
    }
    if (!ks_ctl_split_hostport(ks_ctl_bootstrap, host, sizeof(host), port, sizeof(port))) {
        ks_ctl_err("bad bootstrap address \"%s\": expected HOST:PORT", ks_ctl_bootstrap);
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
        ks_ctl_err("give either --token-file or --user with --password-file, not both");
        free(pos);
        return EXIT_USAGE;
    }
    if ((user == NULL) != (password_file == NULL)) {
        ks_ctl_err("%s", user != NULL ? "--user needs --password-file (or KAFSCALE_OPS_PASSWORD_FILE)"
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
    if ((token_file != NULL && !read_secret("token", token_file, &ks_ctl_auth_token))
        || (password_file != NULL && !read_secret("password", password_file, &ks_ctl_auth_password))) {
        free(conf_token_file);
        free(pos);
        return EXIT_ERR;
    }
    if (user != NULL) {
        if (strchr(user, ':') != NULL || user[0] == 0) {
            ks_ctl_err("bad user name \"%s\": empty or with ':'", user);
            wipe(ks_ctl_auth_password);
            free(conf_token_file);
            free(pos);
            return EXIT_USAGE;
        }
        ks_ctl_auth_user = strdup(user);
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        ks_ctl_err("could not initialise libcurl");
        free(pos);
        return EXIT_ERR;
    }
    rc = run(npos, pos);
    curl_global_cleanup();
    free(pos);
    free(conf_token_file);
    wipe(ks_ctl_auth_token);
    wipe(ks_ctl_auth_password);
    free(ks_ctl_auth_user);
    if (ks_ctl_auth_refused)
        rc = EXIT_AUTH;
    fflush(stdout);
    if (ferror(stdout)) {
        ks_ctl_err("could not write the output: %s", strerror(errno));
        return EXIT_ERR;
    }
    return rc;
}
