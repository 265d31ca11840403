/*
 * conf.c: the configuration key table, the config file parser, environment
 * variables, -o overrides, dump and SIGHUP reload (validation and the
 * secret files: conf_validate.c).
 * Runs in: master (children read the resulting ks_conf_t).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "conf.h"
#include "conf_int.h"

extern char **environ;

typedef enum {
    T_STRING,
    T_INT,
    T_BOOL,
    T_SIZE,
    T_DURATION,
    T_ENUM,
    T_ADDRESS,
    T_LISTENERS
} conf_type_t;

struct ks_conf_key {
    ks_conf_key_info_t info;
    conf_type_t type;
    size_t      off;
    int64_t     min;        /* strings, listeners: minimum length / count */
    int64_t     max;
    const char *allowed;    /* enums: "a|b|c" */
};

#define K(n, e, ts, t, f, d, mn, mx, al, r, s, doc) \
    { { n, e, ts, d, r, doc, s }, t, offsetof(ks_conf_t, f), mn, mx, al }
#define KSTR(n, e, f, d, nonempty, r, doc) \
    K(n, e, "string", T_STRING, f, d, nonempty, 0, NULL, r, false, doc)
#define KSECRET(n, e, f, r, doc) K(n, e, "string", T_STRING, f, "", 0, 0, NULL, r, true, doc)
#define KINT(n, e, f, d, mn, mx, r, doc) K(n, e, "int", T_INT, f, d, mn, mx, NULL, r, false, doc)
#define KBOOL(n, e, f, d, r, doc) K(n, e, "bool", T_BOOL, f, d, 0, 1, NULL, r, false, doc)
#define KSIZE(n, e, f, d, mn, mx, r, doc) K(n, e, "size", T_SIZE, f, d, mn, mx, NULL, r, false, doc)
#define KDUR(n, e, f, d, mn, mx, r, doc) \
    K(n, e, "duration", T_DURATION, f, d, mn, mx, NULL, r, false, doc)
#define KENUM(n, e, f, d, al, r, doc) K(n, e, al, T_ENUM, f, d, 0, 0, al, r, false, doc)
#define KADDR(n, e, f, d, r, doc) K(n, e, "address", T_ADDRESS, f, d, 0, 0, NULL, r, false, doc)
#define KLIST(n, e, f, d, mincount, r, doc) \
    K(n, e, "listeners", T_LISTENERS, f, d, mincount, KS_CONF_MAX_LISTENERS, NULL, r, false, doc)

#define I32MAX INT64_C(2147483647)
#define I64MAX INT64_MAX
#define KiB INT64_C(1024)
#define MiB (KiB * 1024)
#define GiB (MiB * 1024)
#define TiB (GiB * 1024)

/* The order is the order of ks_conf_dump(), --help and kafscale.conf. */
static const ks_conf_key_t conf_keys[] = {
    /* network */
    KLIST("listeners", "KAFSCALE_LISTENERS KAFSCALE_BROKER_ADDR", listeners,
          "PLAINTEXT://0.0.0.0:9092", 1, false,
          "comma-separated NAME://host:port the Kafka protocol listens on"),
    KLIST("advertised.listeners", "KAFSCALE_ADVERTISED_LISTENERS KAFSCALE_BROKER_HOST KAFSCALE_BROKER_PORT",
          advertised_listeners, "", 0, false,
          "NAME://host:port given to clients; empty = derived from listeners"),
    KSTR("listener.security.protocol.map", "KAFSCALE_LISTENER_SECURITY_PROTOCOL_MAP",
         listener_security_protocol_map,
         "", 0, false,
         "comma-separated NAME:PROTOCOL pairs giving each listener's security protocol "
         "(PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL); a listener named after a protocol needs no entry"),
    KINT("broker.id", "KAFSCALE_BROKER_ID", broker_id, "0", 0, I32MAX, false,
         "node id of this broker, unique in the cluster"),
    KSTR("cluster.id", "KAFSCALE_CLUSTER_ID", cluster_id, "", 0, false,
         "cluster id; empty = generated once and stored by the metadata store"),
    KSTR("data.dir", "KAFSCALE_DATA_DIR", data_dir, "/var/lib/kafscale", 1, false,
         "directory for the embedded metadata store and the file object store"),
    KINT("workers", "KAFSCALE_WORKERS", workers, "0", 0, 256, false,
         "number of worker processes; 0 = number of CPUs"),
    KADDR("ops.listen", "KAFSCALE_OPS_LISTEN KAFSCALE_METRICS_ADDR", ops_listen, "127.0.0.1:9093", false,
          "host:port of the ops HTTP endpoint (health, metrics, admin); empty = disabled; beyond "
          "loopback it needs ops.auth.token.file or ops.auth.basic.file"),
    KSTR("ops.auth.token.file", "KAFSCALE_OPS_AUTH_TOKEN_FILE", ops_auth_token_file, "", 0, true,
         "file holding a bearer token every ops request but /healthz and /readyz must present "
         "(Authorization: Bearer TOKEN); read again on SIGHUP"),
    KSTR("ops.auth.basic.file", "KAFSCALE_OPS_AUTH_BASIC_FILE", ops_auth_basic_file, "", 0, true,
         "file of user:password lines for HTTP basic auth of the ops endpoint and its console; the "
         "password a crypt(3) hash (htpasswd -B, openssl passwd -6) or plain text; read again on SIGHUP"),

    /* TLS (SSL and SASL_SSL listeners); read again on SIGHUP */
    KSTR("ssl.certificate.file", "KAFSCALE_SSL_CERTIFICATE_FILE", ssl_certificate_file, "", 0, true,
         "PEM file with the broker's certificate, then any intermediate certificates"),
    KSTR("ssl.key.file", "KAFSCALE_SSL_KEY_FILE", ssl_key_file, "", 0, true,
         "PEM file with the private key of ssl.certificate.file"),
    KSECRET("ssl.key.password", "KAFSCALE_SSL_KEY_PASSWORD", ssl_key_password, true,
            "passphrase of an encrypted ssl.key.file"),
    KSTR("ssl.key.password.file", "KAFSCALE_SSL_KEY_PASSWORD_FILE", ssl_key_password_file, "", 0, true,
         "file holding the passphrase of ssl.key.file (overrides ssl.key.password)"),
    KSTR("ssl.ca.file", "KAFSCALE_SSL_CA_FILE", ssl_ca_file, "", 0, true,
         "PEM bundle of the CAs that client certificates must chain to"),
    KENUM("ssl.client.auth", "KAFSCALE_SSL_CLIENT_AUTH", ssl_client_auth, "none", "none|requested|required",
          true, "client certificates: not asked for, verified when sent, or required (needs ssl.ca.file)"),
    KSTR("ssl.enabled.protocols", "KAFSCALE_SSL_ENABLED_PROTOCOLS", ssl_enabled_protocols,
         "TLSv1.2,TLSv1.3", 1, true, "comma-separated TLS versions accepted: TLSv1.2, TLSv1.3 (nothing older)"),
    KSTR("ssl.cipher.suites", "KAFSCALE_SSL_CIPHER_SUITES", ssl_cipher_suites, "", 0, true,
         "OpenSSL cipher list for TLS 1.2, e.g. ECDHE+AESGCM; empty = OpenSSL's defaults"),

    /* metadata */
    KENUM("metadata.store", "KAFSCALE_METADATA_STORE", metadata_store, "embedded", "embedded|etcd", false,
          "where metadata lives; becomes etcd when etcd.endpoints is set and this is not"),
    KSTR("etcd.endpoints", "KAFSCALE_ETCD_ENDPOINTS", etcd_endpoints, "", 0, false,
         "comma-separated etcd URLs, e.g. http://127.0.0.1:2379"),
    KSTR("etcd.username", "KAFSCALE_ETCD_USERNAME", etcd_username, "", 0, false,
         "etcd user name; empty = no authentication"),
    KSECRET("etcd.password", "KAFSCALE_ETCD_PASSWORD", etcd_password, false,
            "etcd password"),
    KSTR("etcd.password.file", "KAFSCALE_ETCD_PASSWORD_FILE", etcd_password_file, "", 0, false,
         "file holding the etcd password (overrides etcd.password)"),

    /* object store */
    KENUM("object.store", "KAFSCALE_OBJECT_STORE", object_store, "file", "file|s3|libs3", false,
          "where segments live: file (under data.dir), s3, or libs3; becomes s3 when s3.bucket is set and this is not"),
    KSTR("s3.bucket", "KAFSCALE_S3_BUCKET", s3_bucket, "", 0, false,
         "bucket for segments"),
    KSTR("s3.endpoint", "KAFSCALE_S3_ENDPOINT", s3_endpoint, "", 0, false,
         "S3 endpoint URL (MinIO, R2, Ceph, ...); empty = AWS"),
    KSTR("s3.region", "KAFSCALE_S3_REGION AWS_REGION AWS_DEFAULT_REGION", s3_region, "us-east-1", 1, false,
         "S3 region used for signing"),
    KBOOL("s3.path.style", "KAFSCALE_S3_PATH_STYLE", s3_path_style, "true", false,
          "path-style URLs (endpoint/bucket/key) instead of virtual-host style"),
    KSTR("s3.namespace", "KAFSCALE_S3_NAMESPACE", s3_namespace, "default", 1, false,
         "key prefix of every object: NAMESPACE/topic/partition/segment-..."),
    KSECRET("s3.access.key", "KAFSCALE_S3_ACCESS_KEY AWS_ACCESS_KEY_ID", s3_access_key, true,
            "S3 access key id"),
    KSTR("s3.access.key.file", "KAFSCALE_S3_ACCESS_KEY_FILE", s3_access_key_file, "", 0, true,
         "file holding the S3 access key id (overrides s3.access.key)"),
    KSECRET("s3.secret.key", "KAFSCALE_S3_SECRET_KEY AWS_SECRET_ACCESS_KEY", s3_secret_key, true,
            "S3 secret access key"),
    KSTR("s3.secret.key.file", "KAFSCALE_S3_SECRET_KEY_FILE", s3_secret_key_file, "", 0, true,
         "file holding the S3 secret key (overrides s3.secret.key)"),
    KSECRET("s3.session.token", "KAFSCALE_S3_SESSION_TOKEN AWS_SESSION_TOKEN", s3_session_token, true,
            "S3 session token for temporary credentials"),
    KINT("s3.concurrency", "KAFSCALE_S3_CONCURRENCY", s3_concurrency, "64", 0, 4096, false,
         "maximum concurrent S3 requests per process; 0 = unlimited"),

    /* ring and flushing */
    KSIZE("ring.bytes", "KAFSCALE_RING_BYTES", ring_bytes, "256m", MiB, TiB, false,
          "size of the shared-memory segment buffer ring"),
    KDUR("flush.interval.ms", "KAFSCALE_FLUSH_INTERVAL_MS", flush_interval_ms, "20", 1, 3600000, true,
         "flush pending data at the latest this long after it arrived"),
    KSIZE("flush.bytes", "KAFSCALE_FLUSH_BYTES KAFSCALE_SEGMENT_BYTES", flush_bytes, "8m", 1, TiB, true,
          "start a flush cycle when this much data is pending; also the most one cycle takes"),
    KSIZE("read.cache.bytes", "KAFSCALE_READ_CACHE_BYTES", read_cache_bytes, "256m", 0, TiB, false,
          "shared-memory cache of object-store reads, shared by the workers; 0 = none"),
    KBOOL("acks1.durable", "KAFSCALE_ACKS1_DURABLE", acks1_durable, "true", true,
          "acks=1 waits for the object store like acks=all; false = ack on append"),

    /* topics */
    KBOOL("auto.create.topics.enable", "KAFSCALE_AUTO_CREATE_TOPICS_ENABLE KAFSCALE_AUTO_CREATE_TOPICS",
          auto_create_topics_enable, "true", true,
          "create unknown topics on Metadata and Produce requests"),
    KINT("num.partitions", "KAFSCALE_NUM_PARTITIONS KAFSCALE_AUTO_CREATE_PARTITIONS", num_partitions,
         "1", 1, 100000, true,
         "partition count of auto-created topics and CreateTopics without a count"),
    KDUR("default.retention.ms", "KAFSCALE_DEFAULT_RETENTION_MS", default_retention_ms, "604800000",
         -1, I64MAX, true, "retention time of topics without retention.ms; -1 = forever"),
    KSIZE("default.retention.bytes", "KAFSCALE_DEFAULT_RETENTION_BYTES", default_retention_bytes, "-1",
          -1, I64MAX, true, "retention size per partition of topics without retention.bytes; -1 = unlimited"),
    KSIZE("default.segment.bytes", "KAFSCALE_DEFAULT_SEGMENT_BYTES", default_segment_bytes, "64m",
          KiB, 4 * GiB, true, "segment.bytes reported for topics without their own"),
    KDUR("retention.check.interval.ms", "KAFSCALE_RETENTION_CHECK_INTERVAL_MS", retention_check_interval_ms,
         "300000", 100, I64MAX, true, "how often the flusher deletes segments past their topic's retention"),

    /* requests and connections */
    KSIZE("message.max.bytes", "KAFSCALE_MESSAGE_MAX_BYTES", message_max_bytes, "1048588", KiB, I32MAX,
          true, "largest record batch accepted"),
    KSIZE("socket.request.max.bytes", "KAFSCALE_SOCKET_REQUEST_MAX_BYTES", socket_request_max_bytes,
          "104857600", KiB, I32MAX, true, "largest request frame accepted"),
    KINT("max.connections", "KAFSCALE_MAX_CONNECTIONS", max_connections, "10000", 1, I32MAX, true,
         "maximum client connections of the broker"),
    KINT("max.connections.per.ip", "KAFSCALE_MAX_CONNECTIONS_PER_IP", max_connections_per_ip, "1000",
         0, I32MAX, true, "maximum client connections from one address; 0 = unlimited"),
    KDUR("connections.max.idle.ms", "KAFSCALE_CONNECTIONS_MAX_IDLE_MS", connections_max_idle_ms, "600000",
         0, I64MAX, true, "close client connections idle this long; 0 = never"),
    KDUR("request.timeout.ms", "KAFSCALE_REQUEST_TIMEOUT_MS", request_timeout_ms, "30000", 1, I32MAX,
         true, "timeout of internal requests (coordinator, metadata store, object store); a client's "
         "request frame must arrive whole, and a stalled response move on, within it"),
    KINT("max.inflight.requests.per.connection", "KAFSCALE_MAX_INFLIGHT_REQUESTS_PER_CONNECTION",
         max_inflight_requests_per_connection, "128", 1, 65536, true,
         "requests of one connection being handled at once; reading stops beyond"),
    KSIZE("max.buffered.bytes.per.connection", "KAFSCALE_MAX_BUFFERED_BYTES_PER_CONNECTION",
          max_buffered_bytes_per_connection, "64m", KiB, I32MAX, true,
          "response bytes of one connection waiting for the client; reading stops beyond"),

    /* SASL (listeners of protocol SASL_PLAINTEXT or SASL_SSL) */
    KSTR("sasl.enabled.mechanisms", "KAFSCALE_SASL_ENABLED_MECHANISMS", sasl_enabled_mechanisms,
         "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512", 1, true,
         "comma-separated SASL mechanisms offered on SASL listeners: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 "
         "(all check the users' SCRAM credentials)"),
    KDUR("connections.max.reauth.ms", "KAFSCALE_CONNECTIONS_MAX_REAUTH_MS", connections_max_reauth_ms, "0",
         0, I64MAX, true,
         "SASL session lifetime: a client must re-authenticate (KIP-368) before it ends, or its next "
         "request closes the connection; 0 = sessions never expire"),
    KDUR("connection.failed.authentication.delay.ms", "KAFSCALE_CONNECTION_FAILED_AUTHENTICATION_DELAY_MS",
         connection_failed_authentication_delay_ms, "100", 0, I32MAX, true,
         "a failed SASL authentication is answered, and its connection closed, this much later (no "
         "password guessing at wire speed); 0 = at once"),

    /* consumer groups */
    KDUR("group.min.session.timeout.ms", "KAFSCALE_GROUP_MIN_SESSION_TIMEOUT_MS",
         group_min_session_timeout_ms, "6000", 1, I32MAX, true,
         "smallest session timeout a group member may ask for"),
    KDUR("group.max.session.timeout.ms", "KAFSCALE_GROUP_MAX_SESSION_TIMEOUT_MS",
         group_max_session_timeout_ms, "1800000", 1, I32MAX, true,
         "largest session timeout a group member may ask for"),
    KDUR("group.initial.rebalance.delay.ms", "KAFSCALE_GROUP_INITIAL_REBALANCE_DELAY_MS",
         group_initial_rebalance_delay_ms, "3000", 0, I32MAX, true,
         "wait this long for more members before the first rebalance of an empty group"),
    KINT("offsets.retention.minutes", "KAFSCALE_OFFSETS_RETENTION_MINUTES", offsets_retention_minutes,
         "10080", 1, I32MAX, true, "drop committed offsets of groups empty for this long"),

    /* authorization */
    KENUM("authorizer", "KAFSCALE_AUTHORIZER", authorizer, "none", "none|acl", false,
          "none: every client may do everything; acl: requests are checked against the ACLs "
          "(CreateAcls, kafscalectl acls)"),
    KSTR("super.users", "KAFSCALE_SUPER_USERS", super_users, "", 0, true,
         "principals allowed everything with authorizer = acl, e.g. User:admin;User:ops"),
    KBOOL("allow.everyone.if.no.acl.found", "KAFSCALE_ALLOW_EVERYONE_IF_NO_ACL_FOUND",
          allow_everyone_if_no_acl_found, "false", true,
          "with authorizer = acl, allow a request on a resource that no ACL names"),

    /* process */
    KENUM("log.level", "KAFSCALE_LOG_LEVEL", log_level, "info", "error|warn|info|debug", true,
          "least severe level logged"),
    KBOOL("log.syslog", "KAFSCALE_LOG_SYSLOG", log_syslog, "false", true,
          "log to syslog (daemon facility) instead of stderr"),
    KSTR("pid.file", "KAFSCALE_PID_FILE", pid_file, "", 0, false,
         "write the master's pid here; empty = no pid file"),
    KBOOL("daemon", "KAFSCALE_DAEMON", daemon, "false", false,
          "detach from the terminal and run in the background"),
    KSTR("user", "KAFSCALE_USER", user, "", 0, false,
         "user to switch to after opening listeners; empty = do not drop privileges"),
};

_Static_assert(KS_ARRAY_LEN(conf_keys) <= KS_CONF_MAX_KEYS, "raise KS_CONF_MAX_KEYS");

/* The original KafScale's variable names for our keys. */
static const struct {
    const char *var;
    const char *key;
} env_aliases[] = {
    { "KAFSCALE_BROKER_ADDR",            "listeners" },   /* host:port */
    { "KAFSCALE_METRICS_ADDR",           "ops.listen" },
    { "KAFSCALE_AUTO_CREATE_TOPICS",     "auto.create.topics.enable" },
    { "KAFSCALE_AUTO_CREATE_PARTITIONS", "num.partitions" },
    { "KAFSCALE_SEGMENT_BYTES",          "flush.bytes" },
};

/* Used only when the key is still at its default after file and environment. */
static const struct {
    const char *var;
    const char *key;
} env_fallbacks[] = {
    { "AWS_ACCESS_KEY_ID",     "s3.access.key" },
    { "AWS_SECRET_ACCESS_KEY", "s3.secret.key" },
    { "AWS_SESSION_TOKEN",     "s3.session.token" },
    { "AWS_REGION",            "s3.region" },
    { "AWS_DEFAULT_REGION",    "s3.region" },
};

/* The original's variables this broker has no equivalent for. */
static const char *const env_unsupported[] = {
    "KAFSCALE_CONTROL_ADDR", "KAFSCALE_BROKER_SERVICE", "KAFSCALE_S3_KMS_ARN",
    "KAFSCALE_S3_READ_BUCKET", "KAFSCALE_S3_READ_REGION", "KAFSCALE_S3_READ_ENDPOINT",
    "KAFSCALE_USE_MEMORY_S3", "KAFSCALE_PRODUCE_SYNC_FLUSH", "KAFSCALE_CACHE_BYTES",
    "KAFSCALE_CACHE_SIZE", "KAFSCALE_READAHEAD_SEGMENTS", "KAFSCALE_ALLOW_ADMIN_APIS",
    "KAFSCALE_S3_HEALTH_WINDOW_SEC", "KAFSCALE_S3_LATENCY_WARN_MS", "KAFSCALE_S3_LATENCY_CRIT_MS",
    "KAFSCALE_S3_ERROR_RATE_WARN", "KAFSCALE_S3_ERROR_RATE_CRIT", "KAFSCALE_STARTUP_TIMEOUT_SEC",
    "KAFSCALE_THROUGHPUT_WINDOW_SEC", "KAFSCALE_LAG_SAMPLE_INTERVAL_SEC", "KAFSCALE_ACL_ENABLED",
    "KAFSCALE_ACL_JSON", "KAFSCALE_ACL_FILE", "KAFSCALE_ACL_FAIL_OPEN", "KAFSCALE_PRINCIPAL_SOURCE",
    "KAFSCALE_PROXY_PROTOCOL", "KAFSCALE_TRACE_KAFKA", "KAFSCALE_ENV",
};

#define CONF_FILE_MAX   (16 * 1024 * 1024)

/* ---- helpers ---- */

void KS_PRINTF(3, 4)
ks_conf_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static char *
xstrndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p == NULL) {
        fputs("kafscale: out of memory\n", stderr);
        abort();
    }
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
ks_conf_xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char **
ks_conf_field_str(ks_conf_t *c, const ks_conf_key_t *k)
{
    return (char **) (void *) ((char *) c + k->off);
}

static char *const *
cfield_str(const ks_conf_t *c, const ks_conf_key_t *k)
{
    return (char *const *) (const void *) ((const char *) c + k->off);
}

static int64_t *
field_int(ks_conf_t *c, const ks_conf_key_t *k)
{
    return (int64_t *) (void *) ((char *) c + k->off);
}

static int64_t
cfield_int(const ks_conf_t *c, const ks_conf_key_t *k)
{
    return *(const int64_t *) (const void *) ((const char *) c + k->off);
}

static bool *
field_bool(ks_conf_t *c, const ks_conf_key_t *k)
{
    return (bool *) (void *) ((char *) c + k->off);
}

static bool
cfield_bool(const ks_conf_t *c, const ks_conf_key_t *k)
{
    return *(const bool *) (const void *) ((const char *) c + k->off);
}

static bool
is_string_type(conf_type_t t)
{
    return t == T_STRING || t == T_ENUM || t == T_ADDRESS || t == T_LISTENERS;
}

static const ks_conf_key_t *
find_key_n(const char *name, size_t len)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(conf_keys); i++) {
        const char *kn = conf_keys[i].info.name;

        if (strlen(kn) == len && memcmp(kn, name, len) == 0) {
            return &conf_keys[i];
        }
    }
    return NULL;
}

const ks_conf_key_t *
ks_conf_find_key(const char *name)
{
    return find_key_n(name, strlen(name));
}

size_t
ks_conf_key_index(const ks_conf_key_t *k)
{
    return (size_t) (k - conf_keys);
}

/* "flush.interval.ms" -> "KAFSCALE_FLUSH_INTERVAL_MS" */
static void
env_name(const char *key, char *out, size_t outlen)
{
    size_t n = (size_t) snprintf(out, outlen, "KAFSCALE_");

    for (const char *p = key; *p != '\0' && n + 1 < outlen; p++) {
        out[n++] = *p == '.' ? '_' : (char) toupper((unsigned char) *p);
    }
    out[n] = '\0';
}

/* ---- value parsers: each returns KS_OK, or KS_ERROR with a reason ---- */

static int
parse_int64(const char *s, int64_t *out, const char **rest, char *why, size_t whylen)
{
    const char *p = s;
    bool neg = false;
    uint64_t v = 0;

    if (*p == '-' || *p == '+') {
        neg = *p == '-';
        p++;
    }
    if (!isdigit((unsigned char) *p)) {
        ks_conf_seterr(why, whylen, "not a number");
        return KS_ERROR;
    }
    while (isdigit((unsigned char) *p)) {
        unsigned d = (unsigned) (*p - '0');

        if (v > ((uint64_t) INT64_MAX + 1 - d) / 10) {
            ks_conf_seterr(why, whylen, "out of range");
            return KS_ERROR;
        }
        v = v * 10 + d;
        p++;
    }
    if (!neg && v > (uint64_t) INT64_MAX) {
        ks_conf_seterr(why, whylen, "out of range");
        return KS_ERROR;
    }
    *out = neg ? (v == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) v) : (int64_t) v;
    *rest = p;
    return KS_OK;
}

static int
scale(int64_t v, int64_t mult, int64_t *out, char *why, size_t whylen)
{
    if (v > INT64_MAX / mult || v < INT64_MIN / mult) {
        ks_conf_seterr(why, whylen, "out of range");
        return KS_ERROR;
    }
    *out = v * mult;
    return KS_OK;
}

static int
parse_number(conf_type_t type, const char *s, int64_t *out, char *why, size_t whylen)
{
    const char *u;
    int64_t v, mult = 1;

    if (parse_int64(s, &v, &u, why, whylen) != KS_OK) {
        return KS_ERROR;
    }
    if (*u == '\0') {
        *out = v;
        return KS_OK;
    }
    if (type == T_SIZE) {
        switch (tolower((unsigned char) *u)) {
        case 'k': mult = KiB; u++; break;
        case 'm': mult = MiB; u++; break;
        case 'g': mult = GiB; u++; break;
        case 't': mult = TiB; u++; break;
        default: break;
        }
        if (mult > 1 && strcasecmp(u, "ib") == 0) {
            u += 2;
        } else if (*u == 'b' || *u == 'B') {
            u++;
        }
        if (*u != '\0') {
            ks_conf_seterr(why, whylen, "unknown unit (use k, m, g or t)");
            return KS_ERROR;
        }
        return scale(v, mult, out, why, whylen);
    }
    if (type == T_DURATION) {
        if (strcmp(u, "ms") == 0) {
            mult = 1;
        } else if (strcmp(u, "s") == 0) {
            mult = 1000;
        } else if (strcmp(u, "m") == 0) {
            mult = 60 * 1000;
        } else if (strcmp(u, "h") == 0) {
            mult = 3600 * 1000;
        } else if (strcmp(u, "d") == 0) {
            mult = INT64_C(86400) * 1000;
        } else {
            ks_conf_seterr(why, whylen, "unknown unit (use ms, s, m, h or d)");
            return KS_ERROR;
        }
        return scale(v, mult, out, why, whylen);
    }
    ks_conf_seterr(why, whylen, "not a number");
    return KS_ERROR;
}

static int
parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "true", "yes", "on", "1" };
    static const char *const no[] = { "false", "no", "off", "0" };

    for (size_t i = 0; i < KS_ARRAY_LEN(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return KS_OK;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return KS_OK;
        }
    }
    return KS_ERROR;
}

/* Parses "host:port", "[v6]:port" or ":port" (host ""); returns the port or -1. */
int
ks_conf_parse_hostport(const char *s, size_t len, char *host, size_t hostlen, char *why, size_t whylen)
{
    const char *colon, *end = s + len;
    const char *h = s;
    size_t hl;
    int port = 0;

    if (len > 0 && s[0] == '[') {
        const char *rb = memchr(s, ']', len);

        if (rb == NULL) {
            ks_conf_seterr(why, whylen, "missing ']'");
            return -1;
        }
        h = s + 1;
        hl = (size_t) (rb - h);
        if (hl == 0) {
            ks_conf_seterr(why, whylen, "empty address in brackets");
            return -1;
        }
        colon = rb + 1;
        if (colon >= end || *colon != ':') {
            ks_conf_seterr(why, whylen, "expected :port after ']'");
            return -1;
        }
    } else {
        colon = NULL;
        for (const char *p = s; p < end; p++) {
            if (*p == ':') {
                if (colon != NULL) {
                    ks_conf_seterr(why, whylen, "IPv6 addresses must be in brackets");
                    return -1;
                }
                colon = p;
            }
        }
        if (colon == NULL) {
            ks_conf_seterr(why, whylen, "missing :port");
            return -1;
        }
        hl = (size_t) (colon - s);
    }
    for (size_t i = 0; i < hl; i++) {
        unsigned char ch = (unsigned char) h[i];

        if (ch <= ' ' || ch == '/' || ch == '[' || ch == ']' || ch == ',' || ch >= 0x7f) {
            ks_conf_seterr(why, whylen, "bad character in host");
            return -1;
        }
    }
    if (hl >= hostlen) {
        ks_conf_seterr(why, whylen, "host name too long");
        return -1;
    }
    const char *p = colon + 1;
    if (p == end) {
        ks_conf_seterr(why, whylen, "missing port");
        return -1;
    }
    for (; p < end; p++) {
        if (!isdigit((unsigned char) *p) || port > 65535) {
            ks_conf_seterr(why, whylen, "bad port");
            return -1;
        }
        port = port * 10 + (*p - '0');
    }
    if (port > 65535) {
        ks_conf_seterr(why, whylen, "bad port");
        return -1;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    return port;
}

int
ks_conf_parse_listeners(const char *s, ks_listener_t *out, int max, char *err, size_t errlen)
{
    const char *p = s;
    int n = 0;

    if (s == NULL) {
        return 0;
    }
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (*p == '\0') {
        return 0;
    }
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *e = comma != NULL ? comma : p + strlen(p);
        const char *sep;
        char why[96];
        ks_listener_t l;
        size_t nl;
        int port;

        while (p < e && (*p == ' ' || *p == '\t')) {
            p++;
        }
        while (e > p && (e[-1] == ' ' || e[-1] == '\t')) {
            e--;
        }
        if (p == e) {
            ks_conf_seterr(err, errlen, "empty listener in list");
            return KS_ERROR;
        }
        int ilen = (int) KS_MIN((size_t) (e - p), (size_t) KS_CONF_SHOW_MAX);
        sep = NULL;
        for (const char *q = p; q + 3 <= e; q++) {
            if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
                sep = q;
                break;
            }
        }
        if (sep == NULL || sep == p) {
            ks_conf_seterr(err, errlen, "\"%.*s\": expected NAME://host:port", ilen, p);
            return KS_ERROR;
        }
        nl = (size_t) (sep - p);
        if (nl >= sizeof(l.name)) {
            ks_conf_seterr(err, errlen, "\"%.*s\": listener name too long", ilen, p);
            return KS_ERROR;
        }
        for (size_t i = 0; i < nl; i++) {
            if (!isalnum((unsigned char) p[i]) && p[i] != '_' && p[i] != '-') {
                ks_conf_seterr(err, errlen, "\"%.*s\": bad character in listener name", ilen, p);
                return KS_ERROR;
            }
        }
        memcpy(l.name, p, nl);
        l.name[nl] = '\0';
        port = ks_conf_parse_hostport(sep + 3, (size_t) (e - sep - 3), l.host, sizeof(l.host), why, sizeof(why));
        if (port < 0) {
            ks_conf_seterr(err, errlen, "\"%.*s\": %s", ilen, p, why);
            return KS_ERROR;
        }
        if (l.host[0] == '\0') {
            strcpy(l.host, "0.0.0.0");
        }
        l.port = port;
        for (int i = 0; i < n && out != NULL; i++) {
            if (strcasecmp(out[i].name, l.name) == 0) {
                ks_conf_seterr(err, errlen, "duplicate listener name \"%s\"", l.name);
                return KS_ERROR;
            }
        }
        if (n >= max) {
            ks_conf_seterr(err, errlen, "too many listeners (at most %d)", max);
            return KS_ERROR;
        }
        if (out != NULL) {
            out[n] = l;
        }
        n++;
        if (comma == NULL) {
            break;
        }
        p = comma + 1;
    }
    return n;
}

/*
 * Parses and range-checks value for k.  On success stores a string into
 * *sval (heap) for string types, or into *ival or *bval.
 */
static int
parse_value(const ks_conf_key_t *k, const char *value, char **sval, int64_t *ival, bool *bval,
            char *why, size_t whylen)
{
    char host[256];

    switch (k->type) {
    case T_STRING:
        for (const char *p = value; *p != '\0'; p++) {
            if ((unsigned char) *p < ' ' && *p != '\t') {
                ks_conf_seterr(why, whylen, "contains a control character");
                return KS_ERROR;
            }
        }
        if (k->min > 0 && value[0] == '\0') {
            ks_conf_seterr(why, whylen, "must not be empty");
            return KS_ERROR;
        }
        *sval = ks_conf_xstrdup(value);
        return KS_OK;

    case T_ENUM: {
        const char *a = k->allowed;

        while (*a != '\0') {
            const char *bar = strchr(a, '|');
            size_t n = bar != NULL ? (size_t) (bar - a) : strlen(a);

            if (strlen(value) == n && strncasecmp(value, a, n) == 0) {
                *sval = xstrndup(a, n);
                return KS_OK;
            }
            a += n + (bar != NULL);
        }
        char list[128];
        size_t o = 0;
        for (a = k->allowed; *a != '\0' && o + 3 < sizeof(list); a++) {
            if (*a == '|') {
                list[o++] = ',';
                list[o++] = ' ';
            } else {
                list[o++] = *a;
            }
        }
        list[o] = '\0';
        ks_conf_seterr(why, whylen, "must be one of %s", list);
        return KS_ERROR;
    }

    case T_ADDRESS: {
        int port;

        if (value[0] == '\0') {
            *sval = ks_conf_xstrdup("");
            return KS_OK;
        }
        port = ks_conf_parse_hostport(value, strlen(value), host, sizeof(host), why, whylen);
        if (port < 0) {
            return KS_ERROR;
        }
        if (value[0] == ':') {
            char buf[32];

            snprintf(buf, sizeof(buf), "0.0.0.0:%d", port);
            *sval = ks_conf_xstrdup(buf);
        } else {
            *sval = ks_conf_xstrdup(value);
        }
        return KS_OK;
    }

    case T_LISTENERS: {
        ks_listener_t l[KS_CONF_MAX_LISTENERS];
        int n = ks_conf_parse_listeners(value, l, KS_CONF_MAX_LISTENERS, why, whylen);

        if (n < 0) {
            return KS_ERROR;
        }
        if (n < k->min) {
            ks_conf_seterr(why, whylen, "at least one listener is needed");
            return KS_ERROR;
        }
        *sval = ks_conf_xstrdup(value);
        return KS_OK;
    }

    case T_BOOL:
        if (parse_bool(value, bval) != KS_OK) {
            ks_conf_seterr(why, whylen, "not a boolean (use true or false)");
            return KS_ERROR;
        }
        return KS_OK;

    case T_INT:
    case T_SIZE:
    case T_DURATION:
        if (parse_number(k->type, value, ival, why, whylen) != KS_OK) {
            return KS_ERROR;
        }
        if (*ival < k->min || *ival > k->max) {
            if (k->max == INT64_MAX) {
                ks_conf_seterr(why, whylen, "must be at least %" PRId64, k->min);
            } else {
                ks_conf_seterr(why, whylen, "out of range (%" PRId64 "..%" PRId64 ")", k->min, k->max);
            }
            return KS_ERROR;
        }
        return KS_OK;
    }
    ks_conf_seterr(why, whylen, "unknown type");
    return KS_ERROR;
}

/* Sets k from value; err gets the reason only. */
int
ks_conf_set_key(ks_conf_t *c, const ks_conf_key_t *k, const char *value, int src, char *err, size_t errlen)
{
    char why[256];
    char *sval = NULL;
    int64_t ival = 0;
    bool bval = false;

    if (parse_value(k, value, &sval, &ival, &bval, why, sizeof(why)) != KS_OK) {
        if (k->info.secret)     /* never quote a secret */
            ks_conf_seterr(err, errlen, "invalid value for %s: %s", k->info.name, why);
        else
            ks_conf_seterr(err, errlen, "invalid value \"%.*s\" for %s: %s", KS_CONF_SHOW_MAX, value, k->info.name, why);
        return KS_ERROR;
    }
    if (is_string_type(k->type)) {
        char **f = ks_conf_field_str(c, k);

        free(*f);
        *f = sval;
    } else if (k->type == T_BOOL) {
        *field_bool(c, k) = bval;
    } else {
        *field_int(c, k) = ival;
    }
    c->origin[ks_conf_key_index(k)] = (uint8_t) src;
    return KS_OK;
}

/* ---- init, free, set ---- */

static void
wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void
ks_conf_init(ks_conf_t *c)
{
    char err[256];

    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < KS_ARRAY_LEN(conf_keys); i++) {
        if (ks_conf_set_key(c, &conf_keys[i], conf_keys[i].info.def, KS_CONF_SRC_DEFAULT,
                         err, sizeof(err)) != KS_OK) {
            fprintf(stderr, "kafscale: bad default: %s\n", err);
            abort();
        }
    }
    c->ops_auth_token = ks_conf_xstrdup("");
    c->ops_auth_basic = ks_conf_xstrdup("");
}

void
ks_conf_free(ks_conf_t *c)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(conf_keys); i++) {
        if (is_string_type(conf_keys[i].type)) {
            char **f = ks_conf_field_str(c, &conf_keys[i]);

            free(*f);
            *f = NULL;
        }
    }
    wipe_free(c->ops_auth_token);
    c->ops_auth_token = NULL;
    wipe_free(c->ops_auth_basic);
    c->ops_auth_basic = NULL;
}

int
ks_conf_set(ks_conf_t *c, const char *key, const char *value, char *err, size_t errlen)
{
    const ks_conf_key_t *k = key != NULL ? ks_conf_find_key(key) : NULL;

    if (k == NULL) {
        ks_conf_seterr(err, errlen, "unknown key \"%.*s\"", KS_CONF_SHOW_MAX, key != NULL ? key : "");
        return KS_ERROR;
    }
    return ks_conf_set_key(c, k, value != NULL ? value : "", KS_CONF_SRC_CMDLINE, err, errlen);
}

bool
ks_conf_is_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

int
ks_conf_set_kv(ks_conf_t *c, const char *kv, char *err, size_t errlen)
{
    const char *eq = strchr(kv, '=');
    const char *ks = kv, *ke, *vs;
    char key[128];
    size_t vl;
    char *value;
    int rc;

    if (eq == NULL) {
        ks_conf_seterr(err, errlen, "missing '=' in \"%.*s\"", KS_CONF_SHOW_MAX, kv);
        return KS_ERROR;
    }
    while (ks_conf_is_space(*ks)) {
        ks++;
    }
    ke = eq;
    while (ke > ks && ks_conf_is_space(ke[-1])) {
        ke--;
    }
    if (ke == ks) {
        ks_conf_seterr(err, errlen, "missing key before '=' in \"%.*s\"", KS_CONF_SHOW_MAX, kv);
        return KS_ERROR;
    }
    if ((size_t) (ke - ks) >= sizeof(key)) {
        ks_conf_seterr(err, errlen, "unknown key \"%.*s\"", (int) KS_MIN((size_t) (ke - ks), KS_CONF_SHOW_MAX), ks);
        return KS_ERROR;
    }
    memcpy(key, ks, (size_t) (ke - ks));
    key[ke - ks] = '\0';
    vs = eq + 1;
    while (ks_conf_is_space(*vs)) {
        vs++;
    }
    vl = strlen(vs);
    while (vl > 0 && ks_conf_is_space(vs[vl - 1])) {
        vl--;
    }
    value = xstrndup(vs, vl);
    rc = ks_conf_set(c, key, value, err, errlen);
    free(value);
    return rc;
}

/* ---- config file ---- */

/* Parses one line (without its newline); returns KS_OK or KS_ERROR with reason. */
static int
load_line(ks_conf_t *c, const char *s, size_t len, char *why, size_t whylen)
{
    const char *e = s + len, *eq, *ke, *vs, *ve;
    const ks_conf_key_t *k;
    char *value;
    int rc;

    if (memchr(s, '\0', len) != NULL) {
        ks_conf_seterr(why, whylen, "line contains a NUL byte");
        return KS_ERROR;
    }
    while (s < e && ks_conf_is_space(*s)) {
        s++;
    }
    while (e > s && (ks_conf_is_space(e[-1]) || e[-1] == '\r')) {
        e--;
    }
    if (s == e || *s == '#') {
        return KS_OK;
    }
    eq = memchr(s, '=', (size_t) (e - s));
    if (eq == NULL) {
        const char *w = s;

        while (w < e && !ks_conf_is_space(*w)) {
            w++;
        }
        k = find_key_n(s, (size_t) (w - s));
        if (k != NULL && k->info.secret) {  /* "s3.secret.key VALUE": quote the key only */
            ks_conf_seterr(why, whylen, "missing '=' after \"%s\"", k->info.name);
        } else {
            ks_conf_seterr(why, whylen, "missing '=' after \"%.*s\"", (int) KS_MIN((size_t) (e - s), KS_CONF_SHOW_MAX), s);
        }
        return KS_ERROR;
    }
    ke = eq;
    while (ke > s && ks_conf_is_space(ke[-1])) {
        ke--;
    }
    if (ke == s) {
        ks_conf_seterr(why, whylen, "missing key before '='");
        return KS_ERROR;
    }
    k = find_key_n(s, (size_t) (ke - s));
    if (k == NULL) {
        ks_conf_seterr(why, whylen, "unknown key \"%.*s\"", (int) KS_MIN((size_t) (ke - s), KS_CONF_SHOW_MAX), s);
        return KS_ERROR;
    }
    vs = eq + 1;
    while (vs < e && ks_conf_is_space(*vs)) {
        vs++;
    }
    if (vs < e && *vs == '"') {
        const char *q = memchr(vs + 1, '"', (size_t) (e - vs - 1));
        const char *t;

        if (q == NULL) {
            ks_conf_seterr(why, whylen, "missing closing '\"' in value of %s", k->info.name);
            return KS_ERROR;
        }
        for (t = q + 1; t < e && ks_conf_is_space(*t); t++) {
        }
        if (t < e && !(*t == '#' && t > q + 1)) {
            ks_conf_seterr(why, whylen, "unexpected text after closing '\"' in value of %s", k->info.name);
            return KS_ERROR;
        }
        vs++;
        ve = q;
    } else {
        ve = vs;
        while (ve < e && !(*ve == '#' && (ve == vs || ks_conf_is_space(ve[-1])))) {
            ve++;
        }
        while (ve > vs && ks_conf_is_space(ve[-1])) {
            ve--;
        }
    }
    value = xstrndup(vs, (size_t) (ve - vs));
    rc = ks_conf_set_key(c, k, value, KS_CONF_SRC_FILE, why, whylen);
    free(value);
    return rc;
}

int
ks_conf_load_buffer(ks_conf_t *c, const char *name, const char *buf, size_t len, char *err, size_t errlen)
{
    const char *p = buf, *end = buf + len;
    unsigned line = 1;
    char why[512];

    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        const char *le = nl != NULL ? nl : end;

        if (load_line(c, p, (size_t) (le - p), why, sizeof(why)) != KS_OK) {
            ks_conf_seterr(err, errlen, "%s:%u: %s", name, line, why);
            return KS_ERROR;
        }
        line++;
        p = nl != NULL ? nl + 1 : end;
    }
    return KS_OK;
}

int
ks_conf_load_file(ks_conf_t *c, const char *path, char *err, size_t errlen)
{
    FILE *f;
    char *buf;
    size_t len = 0, cap = 65536;
    int rc;

    if (path == NULL) {
        return KS_OK;
    }
    f = fopen(path, "re");
    if (f == NULL) {
        ks_conf_seterr(err, errlen, "could not open config file \"%s\": %s", path, strerror(errno));
        return KS_ERROR;
    }
    buf = malloc(cap);
    if (buf == NULL) {
        fclose(f);
        ks_conf_seterr(err, errlen, "could not read config file \"%s\": out of memory", path);
        return KS_ERROR;
    }
    for (;;) {
        size_t n;

        if (len == cap) {
            char *nb;

            if (cap >= CONF_FILE_MAX) {
                free(buf);
                fclose(f);
                ks_conf_seterr(err, errlen, "could not read config file \"%s\": larger than %d bytes",
                       path, CONF_FILE_MAX);
                return KS_ERROR;
            }
            nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                ks_conf_seterr(err, errlen, "could not read config file \"%s\": out of memory", path);
                return KS_ERROR;
            }
            buf = nb;
            cap *= 2;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            break;
        }
    }
    if (ferror(f)) {
        int e = errno;

        free(buf);
        fclose(f);
        ks_conf_seterr(err, errlen, "could not read config file \"%s\": %s", path, strerror(e));
        return KS_ERROR;
    }
    fclose(f);
    rc = ks_conf_load_buffer(c, path, buf, len, err, errlen);
    free(buf);
    return rc;
}

/* ---- environment ---- */

static const char *
env_get(char *const *envp, const char *name)
{
    size_t n = strlen(name);

    for (char *const *e = envp; *e != NULL; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return NULL;
}

static int
env_set(ks_conf_t *c, const ks_conf_key_t *k, const char *var, const char *value, int src,
        char *err, size_t errlen)
{
    char why[512];

    if (ks_conf_set_key(c, k, value, src, why, sizeof(why)) != KS_OK) {
        ks_conf_seterr(err, errlen, "%s: %s", var, why);
        return KS_ERROR;
    }
    return KS_OK;
}

static bool
env_is_known(const char *name, size_t n)
{
    char canon[128];

    for (size_t i = 0; i < KS_ARRAY_LEN(conf_keys); i++) {
        env_name(conf_keys[i].info.name, canon, sizeof(canon));
        if (strlen(canon) == n && memcmp(canon, name, n) == 0) {
            return true;
        }
    }
    for (size_t i = 0; i < KS_ARRAY_LEN(env_aliases); i++) {
        if (strlen(env_aliases[i].var) == n && memcmp(env_aliases[i].var, name, n) == 0) {
            return true;
        }
    }
    return (n == 20 && memcmp(name, "KAFSCALE_BROKER_HOST", 20) == 0)
        || (n == 20 && memcmp(name, "KAFSCALE_BROKER_PORT", 20) == 0);
}

static void
env_warn_unknown(char *const *envp, void (*warn)(const char *msg))
{
    char msg[256];

    if (warn == NULL) {
        return;
    }
    for (char *const *e = envp; *e != NULL; e++) {
        const char *eq = strchr(*e, '=');
        size_t n = eq != NULL ? (size_t) (eq - *e) : strlen(*e);
        bool unsupported = false;

        if (strncmp(*e, "KAFSCALE_", 9) != 0 || env_is_known(*e, n)) {
            continue;
        }
        for (size_t i = 0; i < KS_ARRAY_LEN(env_unsupported); i++) {
            if (strlen(env_unsupported[i]) == n && memcmp(env_unsupported[i], *e, n) == 0) {
                unsupported = true;
            }
        }
        snprintf(msg, sizeof(msg), "%s environment variable %.*s ignored",
                 unsupported ? "unsupported" : "unknown", (int) KS_MIN(n, (size_t) 100), *e);
        warn(msg);
    }
}

int
ks_conf_apply_env(ks_conf_t *c, char *const *envp, char *err, size_t errlen, void (*warn)(const char *msg))
{
    char canon[128];
    const char *v, *host, *port;
    const ks_conf_key_t *k;

    if (envp == NULL) {
        envp = environ;
    }
    if (envp == NULL) {
        return KS_OK;
    }
    /* The original's names first, so that our own names win. Empty
     * variables count as unset, as in the original. */
    for (size_t i = 0; i < KS_ARRAY_LEN(env_aliases); i++) {
        v = env_get(envp, env_aliases[i].var);
        if (v == NULL || v[0] == '\0') {
            continue;
        }
        k = ks_conf_find_key(env_aliases[i].key);
        if (k->type == T_LISTENERS) {
            /* KAFSCALE_BROKER_ADDR is host:port */
            char why[96], hbuf[256];
            size_t n = strlen(v) + 16;
            char *l;

            if (ks_conf_parse_hostport(v, strlen(v), hbuf, sizeof(hbuf), why, sizeof(why)) < 0) {
                ks_conf_seterr(err, errlen, "%s: invalid value \"%.*s\": %s", env_aliases[i].var, KS_CONF_SHOW_MAX, v, why);
                return KS_ERROR;
            }
            l = malloc(n);
            if (l == NULL) {
                ks_conf_seterr(err, errlen, "%s: out of memory", env_aliases[i].var);
                return KS_ERROR;
            }
            snprintf(l, n, "PLAINTEXT://%s", v);
            int rc = env_set(c, k, env_aliases[i].var, l, KS_CONF_SRC_ENV, err, errlen);
            free(l);
            if (rc != KS_OK) {
                return KS_ERROR;
            }
        } else if (env_set(c, k, env_aliases[i].var, v, KS_CONF_SRC_ENV, err, errlen) != KS_OK) {
            return KS_ERROR;
        }
    }
    for (size_t i = 0; i < KS_ARRAY_LEN(conf_keys); i++) {
        env_name(conf_keys[i].info.name, canon, sizeof(canon));
        v = env_get(envp, canon);
        if (v == NULL || v[0] == '\0') {
            continue;
        }
        if (env_set(c, &conf_keys[i], canon, v, KS_CONF_SRC_ENV, err, errlen) != KS_OK) {
            return KS_ERROR;
        }
    }

    /* KAFSCALE_BROKER_HOST/_PORT: the advertised address, as in the original. */
    host = env_get(envp, "KAFSCALE_BROKER_HOST");
    port = env_get(envp, "KAFSCALE_BROKER_PORT");
    k = ks_conf_find_key("advertised.listeners");
    if (host != NULL && host[0] != '\0' && c->origin[ks_conf_key_index(k)] < KS_CONF_SRC_ENV) {
        char buf[512];
        int p = -1;

        if (port != NULL && port[0] != '\0') {
            char *end;
            long lp;

            errno = 0;
            lp = strtol(port, &end, 10);
            if (errno != 0 || *end != '\0' || end == port || lp < 1 || lp > 65535) {
                ks_conf_seterr(err, errlen, "KAFSCALE_BROKER_PORT: invalid port \"%.*s\"", KS_CONF_SHOW_MAX, port);
                return KS_ERROR;
            }
            p = (int) lp;
        } else {
            ks_listener_t l[KS_CONF_MAX_LISTENERS];

            if (ks_conf_parse_listeners(c->listeners, l, KS_CONF_MAX_LISTENERS, NULL, 0) > 0) {
                p = l[0].port;
            }
        }
        if (strchr(host, ':') != NULL && host[0] != '[') {
            snprintf(buf, sizeof(buf), "PLAINTEXT://[%.200s]:%d", host, p);
        } else {
            snprintf(buf, sizeof(buf), "PLAINTEXT://%.200s:%d", host, p);
        }
        if (env_set(c, k, "KAFSCALE_BROKER_HOST", buf, KS_CONF_SRC_ENV, err, errlen) != KS_OK) {
            return KS_ERROR;
        }
    } else if (port != NULL && port[0] != '\0' && (host == NULL || host[0] == '\0') && warn != NULL) {
        warn("environment variable KAFSCALE_BROKER_PORT ignored without KAFSCALE_BROKER_HOST");
    }

    /* As in the original: etcd endpoints mean etcd metadata. */
    v = env_get(envp, "KAFSCALE_ETCD_ENDPOINTS");
    k = ks_conf_find_key("metadata.store");
    if (v != NULL && v[0] != '\0' && c->origin[ks_conf_key_index(k)] <= KS_CONF_SRC_DERIVED) {
        ks_conf_set_key(c, k, "etcd", KS_CONF_SRC_DERIVED, NULL, 0);
    }

    for (size_t i = 0; i < KS_ARRAY_LEN(env_fallbacks); i++) {
        k = ks_conf_find_key(env_fallbacks[i].key);
        v = env_get(envp, env_fallbacks[i].var);
        if (v == NULL || v[0] == '\0' || c->origin[ks_conf_key_index(k)] != KS_CONF_SRC_DEFAULT) {
            continue;
        }
        if (k->off == offsetof(ks_conf_t, s3_secret_key)
            && c->origin[ks_conf_key_index(ks_conf_find_key("s3.secret.key.file"))] != KS_CONF_SRC_DEFAULT) {
            continue;
        }
        if (k->off == offsetof(ks_conf_t, s3_access_key)
            && c->origin[ks_conf_key_index(ks_conf_find_key("s3.access.key.file"))] != KS_CONF_SRC_DEFAULT) {
            continue;
        }
        if (env_set(c, k, env_fallbacks[i].var, v, KS_CONF_SRC_FALLBACK, err, errlen) != KS_OK) {
            return KS_ERROR;
        }
    }
    env_warn_unknown(envp, warn);
    return KS_OK;
}

/* ---- dump, help, key info ---- */

static void
format_value(const ks_conf_t *c, const ks_conf_key_t *k, char *out, size_t outlen)
{
    if (is_string_type(k->type)) {
        const char *s = *cfield_str(c, k);
        size_t n = strlen(s);

        if (k->info.secret) {
            snprintf(out, outlen, "%s", s[0] != '\0' ? "(set)" : "\"\"");
        } else if (n == 0 || ks_conf_is_space(s[0]) || ks_conf_is_space(s[n - 1]) || s[0] == '"' || strchr(s, '#') != NULL) {
            snprintf(out, outlen, "\"%s\"", s);
        } else {
            snprintf(out, outlen, "%s", s);
        }
    } else if (k->type == T_BOOL) {
        snprintf(out, outlen, "%s", cfield_bool(c, k) ? "true" : "false");
    } else {
        int64_t v = cfield_int(c, k);

        if (k->type == T_SIZE && v > 0) {
            static const struct { int64_t m; char s; } u[] = {
                { TiB, 't' }, { GiB, 'g' }, { MiB, 'm' }, { KiB, 'k' }
            };

            for (size_t i = 0; i < KS_ARRAY_LEN(u); i++) {
                if (v % u[i].m == 0) {
                    snprintf(out, outlen, "%" PRId64 "%c", v / u[i].m, u[i].s);
                    return;
                }
            }
        }
        snprintf(out, outlen, "%" PRId64, v);
    }
}

size_t
ks_conf_secret_values(const ks_conf_t *c, const char **out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < KS_ARRAY_LEN(conf_keys) && n < max; i++) {
        const ks_conf_key_t *k = &conf_keys[i];

        if (k->info.secret && is_string_type(k->type) && (*cfield_str(c, k))[0] != '\0') {
            out[n++] = *cfield_str(c, k);
        }
    }
    if (n < max && c->ops_auth_token != NULL && c->ops_auth_token[0] != '\0') {
        out[n++] = c->ops_auth_token;
    }
    return n;
}

int
ks_conf_dump(const ks_conf_t *c, FILE *f)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(conf_keys); i++) {
        const ks_conf_key_t *k = &conf_keys[i];
        const char *s = is_string_type(k->type) ? *cfield_str(c, k) : "";
        size_t need = strlen(s) + 64;
        char *buf = malloc(need);

        if (buf == NULL) {
            return KS_ERROR;
        }
        format_value(c, k, buf, need);
        if (fprintf(f, "%s = %s\n", k->info.name, buf) < 0) {
            free(buf);
            return KS_ERROR;
        }
        free(buf);
    }
    return fflush(f) == 0 ? KS_OK : KS_ERROR;
}

void
ks_conf_print_keys(FILE *f)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(conf_keys); i++) {
        const ks_conf_key_info_t *ki = &conf_keys[i].info;

        fprintf(f, "  %s = %s  (%s%s%s)\n      %s\n", ki->name,
                ki->def[0] == '\0' || ki->secret ? "\"\"" : ki->def, ki->type,
                ki->reloadable ? ", reloadable" : "", ki->secret ? ", secret" : "", ki->doc);
    }
}

size_t
ks_conf_key_count(void)
{
    return KS_ARRAY_LEN(conf_keys);
}

const ks_conf_key_info_t *
ks_conf_key_info(size_t i)
{
    return i < KS_ARRAY_LEN(conf_keys) ? &conf_keys[i].info : NULL;
}

/* ---- reload ---- */

static bool
key_equal(const ks_conf_t *x, const ks_conf_t *y, const ks_conf_key_t *k)
{
    if (is_string_type(k->type)) {
        return strcmp(*cfield_str(x, k), *cfield_str(y, k)) == 0;
    }
    if (k->type == T_BOOL) {
        return cfield_bool(x, k) == cfield_bool(y, k);
    }
    return cfield_int(x, k) == cfield_int(y, k);
}

int
ks_conf_reload_into(ks_conf_t *live, const ks_conf_t *fresh, void (*warn)(const char *msg))
{
    int changed = 0;

    for (size_t i = 0; i < KS_ARRAY_LEN(conf_keys); i++) {
        const ks_conf_key_t *k = &conf_keys[i];

        if (key_equal(live, fresh, k)) {
            live->origin[i] = fresh->origin[i];
            continue;
        }
        if (!k->info.reloadable) {
            changed++;
            if (warn != NULL) {
                char oldv[160], newv[160], msg[512];

                if (k->info.secret) {
                    snprintf(msg, sizeof(msg), "%s changed; restart kafscaled to apply it", k->info.name);
                } else {
                    format_value(live, k, oldv, sizeof(oldv));
                    format_value(fresh, k, newv, sizeof(newv));
                    snprintf(msg, sizeof(msg), "%s changed from %s to %s; restart kafscaled to apply it",
                             k->info.name, oldv, newv);
                }
                warn(msg);
            }
            continue;
        }
        if (is_string_type(k->type)) {
            char **f = ks_conf_field_str(live, k);

            free(*f);
            *f = ks_conf_xstrdup(*cfield_str(fresh, k));
        } else if (k->type == T_BOOL) {
            *field_bool(live, k) = cfield_bool(fresh, k);
        } else {
            *field_int(live, k) = cfield_int(fresh, k);
        }
        live->origin[i] = fresh->origin[i];
    }
    /* The ops.auth.* contents follow their (reloadable) files (copied
     * before the old ones are freed: live may be fresh). */
    {
        char *token = ks_conf_xstrdup(fresh->ops_auth_token != NULL ? fresh->ops_auth_token : "");
        char *basic = ks_conf_xstrdup(fresh->ops_auth_basic != NULL ? fresh->ops_auth_basic : "");

        wipe_free(live->ops_auth_token);
        live->ops_auth_token = token;
        wipe_free(live->ops_auth_basic);
        live->ops_auth_basic = basic;
    }
    return changed;
}
