/*
 * conf.h: broker configuration.  Runs in: master (parsing); every process
 * reads the resulting ks_conf_t.
 *
 * Every key lives in one table in conf.c (name, environment variables,
 * type, default, range, reloadable on SIGHUP, description).  ks_conf_t has
 * one field per key, named after the key with '.' replaced by '_'.
 *
 * Precedence, lowest first: defaults < config file < environment <
 * command line (-o key=value).  A typical start:
 *
 *     ks_conf_init(&c);
 *     ks_conf_load_file(&c, path, err, sizeof(err));
 *     ks_conf_apply_env(&c, environ, err, sizeof(err), warn);
 *     for each -o: ks_conf_set_kv(&c, arg, err, sizeof(err));
 *     ks_conf_validate(&c, err, sizeof(err));
 *
 * Value types:
 *   string     any text; stored as a heap string owned by the conf, never NULL
 *   int        decimal integer
 *   bool       true/false, yes/no, on/off, 1/0
 *   size       bytes, with an optional k, m, g or t suffix (1024-based)
 *   duration   milliseconds, with an optional ms, s, m, h or d suffix
 *   enum       one of a fixed set of words (stored as a string)
 *   address    host:port, [v6]:port or :port (= 0.0.0.0:port); "" disables
 *   listeners  comma-separated NAME://host:port
 */
#ifndef KS_CONF_H
#define KS_CONF_H

#include <stdio.h>

#include "ks.h"

/* Upper bound on the number of keys (the table has fewer). */
#define KS_CONF_MAX_KEYS 96
/* Upper bound on the number of entries in a listener list. */
#define KS_CONF_MAX_LISTENERS 16

/* Where a key's current value came from (ks_conf_t.origin[]). */
enum {
    KS_CONF_SRC_DEFAULT = 0,
    KS_CONF_SRC_DERIVED,       /* computed from other keys */
    KS_CONF_SRC_FALLBACK,      /* AWS_* environment fallback */
    KS_CONF_SRC_FILE,
    KS_CONF_SRC_ENV,
    KS_CONF_SRC_CMDLINE
};

typedef struct ks_conf {
    char    *listeners;
    char    *advertised_listeners;
    char    *listener_security_protocol_map;
    char    *ssl_certificate_file;    /* "" = none */
    char    *ssl_key_file;
    char    *ssl_key_password;        /* filled from ssl.key.password.file by validate */
    char    *ssl_key_password_file;
    char    *ssl_ca_file;
    char    *ssl_client_auth;         /* "none", "requested" or "required" */
    char    *ssl_enabled_protocols;   /* "TLSv1.2,TLSv1.3" */
    char    *ssl_cipher_suites;       /* "" = OpenSSL's defaults */
    int64_t  broker_id;
    char    *cluster_id;
    char    *data_dir;
    int64_t  workers;                 /* 0 = number of CPUs (resolved by the caller) */
    char    *ops_listen;              /* "" = disabled */
    char    *ops_auth_token_file;     /* "" = no bearer token */
    char    *ops_auth_basic_file;     /* "" = no basic auth */

    char    *metadata_store;          /* "embedded" or "etcd" */
    char    *etcd_endpoints;
    char    *etcd_username;
    char    *etcd_password;           /* filled from etcd.password.file by validate */
    char    *etcd_password_file;

    char    *object_store;            /* "file", "s3" or "libs3" */
    char    *s3_bucket;
    char    *s3_endpoint;
    char    *s3_region;
    bool     s3_path_style;
    char    *s3_namespace;
    char    *s3_access_key;           /* filled from s3.access.key.file by validate */
    char    *s3_access_key_file;
    char    *s3_secret_key;           /* filled from s3.secret.key.file by validate */
    char    *s3_secret_key_file;
    char    *s3_session_token;
    int64_t  s3_concurrency;

    int64_t  ring_bytes;
    int64_t  flush_interval_ms;
    int64_t  flush_bytes;
    int64_t  read_cache_bytes;
    bool     acks1_durable;

    bool     auto_create_topics_enable;
    int64_t  num_partitions;
    int64_t  default_retention_ms;    /* -1 = forever */
    int64_t  default_retention_bytes; /* -1 = unlimited */
    int64_t  default_segment_bytes;
    int64_t  retention_check_interval_ms;
    int64_t  message_max_bytes;
    int64_t  socket_request_max_bytes;
    int64_t  max_connections;
    int64_t  max_connections_per_ip;  /* 0 = unlimited */
    int64_t  connections_max_idle_ms; /* 0 = never */
    int64_t  request_timeout_ms;
    int64_t  max_inflight_requests_per_connection;
    int64_t  max_buffered_bytes_per_connection;
    char    *sasl_enabled_mechanisms; /* "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512" */
    int64_t  connections_max_reauth_ms; /* 0 = SASL sessions never expire */
    int64_t  connection_failed_authentication_delay_ms; /* answer of a failed SASL authentication */
    int64_t  group_min_session_timeout_ms;
    int64_t  group_max_session_timeout_ms;
    int64_t  group_initial_rebalance_delay_ms;
    int64_t  offsets_retention_minutes;

    char    *authorizer;              /* "none" or "acl" */
    char    *super_users;             /* "User:a;User:b" */
    bool     allow_everyone_if_no_acl_found;

    char    *log_level;               /* "error", "warn", "info" or "debug" */
    bool     log_syslog;
    char    *pid_file;                /* "" = none */
    bool     daemon;
    char    *user;                    /* "" = do not drop privileges */

    /* KS_CONF_SRC_* per key, indexed like ks_conf_key_info(). */
    uint8_t  origin[KS_CONF_MAX_KEYS];

    /* Not keys: the contents of the ops.auth.* files, read by
     * ks_conf_validate (so again on every SIGHUP, in every process) and
     * copied by ks_conf_reload_into; never NULL, "" = not configured.
     * Secrets: never logged or dumped. */
    char    *ops_auth_token;          /* the token, trailing newline stripped */
    char    *ops_auth_basic;          /* the user:password lines (checked) */
} ks_conf_t;

/* Sets every key to its default.  Never fails (aborts on out of memory). */
void ks_conf_init(ks_conf_t *c);
void ks_conf_free(ks_conf_t *c);

/*
 * Reads `key = value` lines: '#' starts a comment (at the start of a line,
 * or after whitespace in an unquoted value), blank lines are skipped,
 * whitespace around keys and values is trimmed, a value may be enclosed in
 * double quotes (kept literally).  Unknown keys are errors.  Errors read
 * "PATH:LINE: reason".  path == NULL: nothing to read, returns KS_OK.
 * On error, the keys of the lines before the bad one have been applied.
 */
int ks_conf_load_file(ks_conf_t *c, const char *path, char *err, size_t errlen);
/* Same, from memory; name is used in error messages. */
int ks_conf_load_buffer(ks_conf_t *c, const char *name, const char *buf, size_t len,
                        char *err, size_t errlen);

/*
 * Applies KAFSCALE_<KEY> variables (key upper-cased, '.' -> '_') and the
 * original KafScale's names (KAFSCALE_METRICS_ADDR, KAFSCALE_BROKER_ADDR,
 * KAFSCALE_AUTO_CREATE_TOPICS, ...; see ks_conf_key_info()->env), then the
 * AWS_* fallbacks for s3 keys still unset.  envp == NULL: uses environ.
 * An invalid value is an error "VARIABLE: reason"; an unknown KAFSCALE_*
 * variable is passed to warn (may be NULL) and ignored.
 */
int ks_conf_apply_env(ks_conf_t *c, char *const *envp, char *err, size_t errlen,
                      void (*warn)(const char *msg));

/* Sets one key (for -o); error text is the reason only, e.g.
 * "unknown key \"x\"" or "invalid value \"abc\" for workers: not a number". */
int ks_conf_set(ks_conf_t *c, const char *key, const char *value, char *err, size_t errlen);
/* Parses "key=value" (whitespace around both trimmed) and calls ks_conf_set. */
int ks_conf_set_kv(ks_conf_t *c, const char *key_eq_value, char *err, size_t errlen);

/*
 * Cross-key checks and derived values: metadata.store defaults to etcd when
 * etcd.endpoints is set, object.store to s3 when s3.bucket is set; reads
 * etcd.password.file, s3.access.key.file, s3.secret.key.file and the
 * ops.auth.* files; refuses an ops.listen beyond loopback without ops
 * authentication; checks that s3 has a bucket,
 * etcd has endpoints, advertised listeners name existing listeners, and so
 * on.  Does not resolve workers = 0.
 */
int ks_conf_validate(ks_conf_t *c, char *err, size_t errlen);

/* Writes `key = value` for every key; secrets are shown as "(set)". */
int ks_conf_dump(const ks_conf_t *c, FILE *f);
/* The values of the secret keys that are set, and the ops token, for log
 * redaction (ks_log_set_secrets); returns how many (at most max).  The
 * pointers stay valid until c changes. */
size_t ks_conf_secret_values(const ks_conf_t *c, const char **out, size_t max);
/* For --help: every key with its default and description. */
void ks_conf_print_keys(FILE *f);

typedef struct {
    const char *name;       /* "flush.interval.ms" */
    const char *env;        /* space-separated variables, canonical first:
                               "KAFSCALE_S3_REGION AWS_REGION AWS_DEFAULT_REGION" */
    const char *type;       /* "string", "int", "bool", "size", "duration",
                               "address", "listeners", or for enums the
                               allowed values: "embedded|etcd" */
    const char *def;        /* default, as it would be written in the file */
    bool        reloadable; /* takes effect on SIGHUP */
    const char *doc;        /* one line */
    bool        secret;     /* a password, key or token: ks_conf_dump shows
                               "(set)", DescribeConfigs is_sensitive with a
                               null value, error messages never quote it */
} ks_conf_key_info_t;

size_t ks_conf_key_count(void);
/* NULL when i >= ks_conf_key_count(). */
const ks_conf_key_info_t *ks_conf_key_info(size_t i);

/*
 * SIGHUP: the caller builds and validates a fresh conf, then copies the
 * reloadable keys into the live one with this.  Each non-reloadable key
 * whose value differs is reported to warn (may be NULL) and left alone;
 * returns how many there were.
 */
int ks_conf_reload_into(ks_conf_t *live, const ks_conf_t *fresh, void (*warn)(const char *msg));

typedef struct {
    char name[32];
    char host[256];         /* without brackets for IPv6; "" in the string
                               ("PLAINTEXT://:9092") becomes "0.0.0.0" */
    int  port;              /* 0..65535 */
} ks_listener_t;

/* Security protocols of listeners (Kafka's names). */
enum {
    KS_SEC_PLAINTEXT = 0,
    KS_SEC_SSL,
    KS_SEC_SASL_PLAINTEXT,
    KS_SEC_SASL_SSL
};
/* The protocol of the listener called name: its entry in
 * listener.security.protocol.map, else the protocol of that name; -1 when
 * neither (ks_conf_validate refuses such a listener). */
int ks_conf_listener_security(const ks_conf_t *c, const char *name);
/* "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL" or "UNKNOWN". */
const char *ks_security_name(int proto);
/* The mechanisms of a sasl.enabled.mechanisms value as a bit mask (bit 0
 * PLAIN, 1 SCRAM-SHA-256, 2 SCRAM-SHA-512: the ids of src/sasl.h), or -1
 * with a message for an unknown or repeated name. */
int ks_conf_sasl_mechanisms(const char *list, char *err, size_t errlen);

/* Parses ssl.enabled.protocols ("TLSv1.2,TLSv1.3"): which versions it
 * names; KS_ERROR with a reason for anything else (older versions are
 * refused). */
int ks_conf_tls_protocols(const char *s, bool *tls12, bool *tls13, char *err, size_t errlen);

/* Parses "NAME://host:port,..." into out (at most max entries); returns
 * the count (0 for an empty string) or KS_ERROR with a reason in err. */
int ks_conf_parse_listeners(const char *s, ks_listener_t *out, int max, char *err, size_t errlen);

#endif
