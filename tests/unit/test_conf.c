/*
 * test_conf.c: configuration parsing, environment, precedence, validation,
 * reload, and the packaged default config file.
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "opsauth.h"

static char warnings[4096];
static int nwarnings;

static void
collect_warn(const char *msg)
{
    size_t n = strlen(warnings);

    snprintf(warnings + n, sizeof(warnings) - n, "%s\n", msg);
    nwarnings++;
}

static void
reset_warn(void)
{
    warnings[0] = '\0';
    nwarnings = 0;
}

/* Writes text to a fresh temporary file; returns its path (static buffer). */
static const char *
tmpfile_with(const char *text)
{
    static char path[64];
    int fd;

    snprintf(path, sizeof(path), "/tmp/test_conf_XXXXXX");
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
    return path;
}

static int
load_str(ks_conf_t *c, const char *text, char *err, size_t errlen)
{
    return ks_conf_load_buffer(c, "t.conf", text, strlen(text), err, errlen);
}

/* The index of a key in the table (ks_conf_t.origin[] is indexed so). */
static size_t
key_at(const char *name)
{
    for (size_t i = 0; i < ks_conf_key_count(); i++)
        if (strcmp(ks_conf_key_info(i)->name, name) == 0)
            return i;
    ck_abort_msg("no key %s", name);
    return 0;
}

START_TEST(test_defaults)
{
    ks_conf_t c;
    char err[256] = "";

    ks_conf_init(&c);
    ck_assert_str_eq(c.listeners, "PLAINTEXT://0.0.0.0:9092");
    ck_assert_str_eq(c.advertised_listeners, "");
    ck_assert_int_eq(c.broker_id, 0);
    ck_assert_str_eq(c.cluster_id, "");
    ck_assert_str_eq(c.data_dir, "/var/lib/kafscale");
    ck_assert_int_eq(c.workers, 0);
    ck_assert_str_eq(c.ops_listen, "127.0.0.1:9093");
    ck_assert_str_eq(c.metadata_store, "embedded");
    ck_assert_str_eq(c.etcd_endpoints, "");
    ck_assert_str_eq(c.object_store, "file");
    ck_assert_str_eq(c.s3_bucket, "");
    ck_assert_str_eq(c.s3_region, "us-east-1");
    ck_assert(c.s3_path_style);
    ck_assert_str_eq(c.s3_namespace, "default");
    ck_assert_int_eq(c.s3_concurrency, 64);
    ck_assert_int_eq(c.ring_bytes, 256LL << 20);
    ck_assert_int_eq(c.flush_interval_ms, 20);
    ck_assert_int_eq(c.flush_bytes, 8LL << 20);
    ck_assert(c.acks1_durable);
    ck_assert(c.auto_create_topics_enable);
    ck_assert_int_eq(c.num_partitions, 1);
    ck_assert_int_eq(c.default_retention_ms, 604800000);
    ck_assert_int_eq(c.default_retention_bytes, -1);
    ck_assert_int_eq(c.default_segment_bytes, 64LL << 20);
    ck_assert_int_eq(c.message_max_bytes, 1048588);
    ck_assert_int_eq(c.socket_request_max_bytes, 104857600);
    ck_assert_int_eq(c.max_connections, 10000);
    ck_assert_int_eq(c.max_connections_per_ip, 1000);
    ck_assert_int_eq(c.connections_max_idle_ms, 600000);
    ck_assert_int_eq(c.request_timeout_ms, 30000);
    ck_assert_int_eq(c.group_min_session_timeout_ms, 6000);
    ck_assert_int_eq(c.group_max_session_timeout_ms, 1800000);
    ck_assert_int_eq(c.group_initial_rebalance_delay_ms, 3000);
    ck_assert_int_eq(c.offsets_retention_minutes, 10080);
    ck_assert_str_eq(c.log_level, "info");
    ck_assert(!c.log_syslog);
    ck_assert_str_eq(c.pid_file, "");
    ck_assert(!c.daemon);
    ck_assert_str_eq(c.user, "");
    ck_assert_int_eq(ks_conf_validate(&c, err, sizeof(err)), KS_OK);
    ks_conf_free(&c);
    ck_assert_ptr_null(c.listeners);
}
END_TEST

START_TEST(test_file_syntax)
{
    ks_conf_t c;
    char err[256] = "";
    const char *text =
        "\xEF\xBB\xBF# a comment\n"
        "\n"
        "   \t\n"
        "  broker.id=7\n"
        "s3.bucket   =   my-bucket   \r\n"
        "\ts3.namespace = \"  spaced # not a comment \"  # comment\n"
        "cluster.id = abc # trailing comment\n"
        "user = kaf#ka\n"
        "pid.file = \"\"\n"
        "log.level = DEBUG\n"
        "s3.path.style = off\n"
        "data.dir = /srv/ks\n"
        "data.dir = /srv/ks2\n"
        "flush.interval.ms = 2s";

    ks_conf_init(&c);
    ck_assert_msg(load_str(&c, text, err, sizeof(err)) == KS_OK, "%s", err);
    ck_assert_int_eq(c.broker_id, 7);
    ck_assert_str_eq(c.s3_bucket, "my-bucket");
    ck_assert_str_eq(c.s3_namespace, "  spaced # not a comment ");
    ck_assert_str_eq(c.cluster_id, "abc");
    ck_assert_str_eq(c.user, "kaf#ka");
    ck_assert_str_eq(c.pid_file, "");
    ck_assert_str_eq(c.log_level, "debug");
    ck_assert(!c.s3_path_style);
    ck_assert_str_eq(c.data_dir, "/srv/ks2");
    ck_assert_int_eq(c.flush_interval_ms, 2000);
    ck_assert_int_eq(c.origin[0], KS_CONF_SRC_DEFAULT);
    ks_conf_free(&c);
}
END_TEST

static void
expect_file_error(const char *text, const char *want_reason)
{
    ks_conf_t c;
    char err[512] = "", want[512];
    const char *path = tmpfile_with(text);

    ks_conf_init(&c);
    ck_assert_int_eq(ks_conf_load_file(&c, path, err, sizeof(err)), KS_ERROR);
    snprintf(want, sizeof(want), "%s:%s", path, want_reason);
    ck_assert_str_eq(err, want);
    unlink(path);
    ks_conf_free(&c);
}

START_TEST(test_file_errors)
{
    expect_file_error("# x\n\nbroker.id = 1\nflush.intervall.ms = 5\n",
                      "4: unknown key \"flush.intervall.ms\"");
    expect_file_error("a\n\n\n\n\n\nflush.interval.ms = abc\n", "1: missing '=' after \"a\"");
    expect_file_error("\n\n\n\n\n\nflush.interval.ms = abc\n",
                      "7: invalid value \"abc\" for flush.interval.ms: not a number");
    expect_file_error("num.partitions = 0\n",
                      "1: invalid value \"0\" for num.partitions: out of range (1..100000)");
    expect_file_error("workers = 257\n", "1: invalid value \"257\" for workers: out of range (0..256)");
    expect_file_error("ring.bytes = 1000k\n",
                      "1: invalid value \"1000k\" for ring.bytes: out of range (1048576..1099511627776)");
    expect_file_error("flush.bytes = 8q\n",
                      "1: invalid value \"8q\" for flush.bytes: unknown unit (use k, m, g or t)");
    expect_file_error("broker.id = 99999999999999999999999\n",
                      "1: invalid value \"99999999999999999999999\" for broker.id: out of range");
    expect_file_error("s3.path.style = maybe\n",
                      "1: invalid value \"maybe\" for s3.path.style: not a boolean (use true or false)");
    expect_file_error("metadata.store = zookeeper\n",
                      "1: invalid value \"zookeeper\" for metadata.store: must be one of embedded, etcd");
    expect_file_error("log.level = \"info\n", "1: missing closing '\"' in value of log.level");
    expect_file_error("log.level = \"info\" x\n", "1: unexpected text after closing '\"' in value of log.level");
    expect_file_error(" = 3\n", "1: missing key before '='");
    expect_file_error("data.dir =\n", "1: invalid value \"\" for data.dir: must not be empty");
    expect_file_error("ops.listen = localhost\n",
                      "1: invalid value \"localhost\" for ops.listen: missing :port");
    expect_file_error("listeners = PLAINTEXT://h:1,bad\n",
                      "1: invalid value \"PLAINTEXT://h:1,bad\" for listeners: \"bad\": expected NAME://host:port");
    expect_file_error("listeners =\n",
                      "1: invalid value \"\" for listeners: at least one listener is needed");
    {
        static const char nul[] = "broker.id = 1\nbroker.id\0 = 2\n";
        ks_conf_t c;
        char err[256];

        ks_conf_init(&c);
        ck_assert_int_eq(ks_conf_load_buffer(&c, "n", nul, sizeof(nul) - 1, err, sizeof(err)), KS_ERROR);
        ck_assert_str_eq(err, "n:2: line contains a NUL byte");
        ck_assert_int_eq(c.broker_id, 1);
        ks_conf_free(&c);
    }
}
END_TEST

START_TEST(test_file_missing)
{
    ks_conf_t c;
    char err[256] = "";

    ks_conf_init(&c);
    ck_assert_int_eq(ks_conf_load_file(&c, NULL, err, sizeof(err)), KS_OK);
    ck_assert_int_eq(ks_conf_load_file(&c, "/nonexistent/kafscale.conf", err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "could not open config file \"/nonexistent/kafscale.conf\": No such file or directory");
    ks_conf_free(&c);
}
END_TEST

START_TEST(test_sizes_durations)
{
    ks_conf_t c;
    char err[256] = "";

    ks_conf_init(&c);
    ck_assert_int_eq(ks_conf_set(&c, "ring.bytes", "1g", err, sizeof(err)), KS_OK);
    ck_assert_int_eq(c.ring_bytes, 1LL << 30);
    ck_assert_int_eq(ks_conf_set(&c, "default.segment.bytes", "64m", err, sizeof(err)), KS_OK);
    ck_assert_int_eq(c.default_segment_bytes, 64LL << 20);
    ck_assert_int_eq(ks_conf_set(&c, "flush.bytes", "512KiB", err, sizeof(err)), KS_OK);
    ck_assert_int_eq(c.flush_bytes, 512 * 1024);
    ck_assert_int_eq(ks_conf_set(&c, "flush.bytes", "12345", err, sizeof(err)), KS_OK);
    ck_assert_int_eq(c.flush_bytes, 12345);
    ck_assert_int_eq(ks_conf_set(&c, "ring.bytes", "2G", err, sizeof(err)), KS_OK);
    ck_assert_int_eq(c.ring_bytes, 2LL << 30);
    ck_assert_int_eq(ks_conf_set(&c, "ring.bytes", "9999999999999t", err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "invalid value \"9999999999999t\" for ring.bytes: out of range");
    ck_assert_int_eq(c.ring_bytes, 2LL << 30);
    ck_assert_int_eq(ks_conf_set(&c, "default.retention.bytes", "-1", err, sizeof(err)), KS_OK);
    ck_assert_int_eq(c.default_retention_bytes, -1);
    ck_assert_int_eq(ks_conf_set(&c, "default.retention.bytes", "-2", err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "invalid value \"-2\" for default.retention.bytes: must be at least -1");
    ck_assert_int_eq(ks_conf_set(&c, "default.retention.ms", "7d", err, sizeof(err)), KS_OK);
    ck_assert_int_eq(c.default_retention_ms, 604800000);
    ck_assert_int_eq(ks_conf_set(&c, "default.retention.ms", "-1", err, sizeof(err)), KS_OK);
    ck_assert_int_eq(c.default_retention_ms, -1);
    ck_assert_int_eq(ks_conf_set(&c, "connections.max.idle.ms", "10m", err, sizeof(err)), KS_OK);
    ck_assert_int_eq(c.connections_max_idle_ms, 600000);
    ck_assert_int_eq(ks_conf_set(&c, "flush.interval.ms", "250ms", err, sizeof(err)), KS_OK);
    ck_assert_int_eq(c.flush_interval_ms, 250);
    ck_assert_int_eq(ks_conf_set(&c, "flush.interval.ms", "0", err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "invalid value \"0\" for flush.interval.ms: out of range (1..3600000)");
    ck_assert_int_eq(ks_conf_set(&c, "flush.interval.ms", "5x", err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "invalid value \"5x\" for flush.interval.ms: unknown unit (use ms, s, m, h or d)");
    ck_assert_int_eq(ks_conf_set(&c, "num.partitions", "3k", err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "invalid value \"3k\" for num.partitions: not a number");
    ck_assert_int_eq(c.flush_interval_ms, 250);
    ks_conf_free(&c);
}
END_TEST

START_TEST(test_set_kv)
{
    ks_conf_t c;
    char err[256] = "";

    ks_conf_init(&c);
    ck_assert_int_eq(ks_conf_set_kv(&c, "broker.id=3", err, sizeof(err)), KS_OK);
    ck_assert_int_eq(c.broker_id, 3);
    ck_assert_int_eq(ks_conf_set_kv(&c, " s3.endpoint = http://minio:9000/x=y ", err, sizeof(err)), KS_OK);
    ck_assert_str_eq(c.s3_endpoint, "http://minio:9000/x=y");
    ck_assert_int_eq(ks_conf_set_kv(&c, "ops.listen=", err, sizeof(err)), KS_OK);
    ck_assert_str_eq(c.ops_listen, "");
    ck_assert_int_eq(ks_conf_set_kv(&c, "broker.id", err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "missing '=' in \"broker.id\"");
    ck_assert_int_eq(ks_conf_set_kv(&c, "nope=1", err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "unknown key \"nope\"");
    ck_assert_int_eq(ks_conf_set_kv(&c, "=1", err, sizeof(err)), KS_ERROR);
    ck_assert_int_eq(ks_conf_set(&c, "workers", "x", err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "invalid value \"x\" for workers: not a number");
    ck_assert_int_eq(c.origin[key_at("broker.id")], KS_CONF_SRC_CMDLINE);
    ks_conf_free(&c);
}
END_TEST

START_TEST(test_env_and_precedence)
{
    ks_conf_t c;
    char err[256] = "";
    char *env[] = {
        "PATH=/bin",
        "KAFSCALE_S3_BUCKET=env-bucket",
        "KAFSCALE_FLUSH_INTERVAL_MS=50",
        "KAFSCALE_LOG_LEVEL=warn",
        "KAFSCALE_NUM_PARTITIONS=",           /* empty = unset */
        "KAFSCALE_BOGUS=1",
        "KAFSCALE_CACHE_BYTES=100",
        NULL
    };

    ks_conf_init(&c);
    ck_assert_int_eq(load_str(&c, "s3.bucket = file-bucket\nflush.interval.ms = 30\nnum.partitions = 4\n"
                              "broker.id = 2\n", err, sizeof(err)), KS_OK);
    reset_warn();
    ck_assert_msg(ks_conf_apply_env(&c, env, err, sizeof(err), collect_warn) == KS_OK, "%s", err);
    ck_assert_int_eq(ks_conf_set_kv(&c, "flush.interval.ms=70", err, sizeof(err)), KS_OK);
    ck_assert_str_eq(c.s3_bucket, "env-bucket");        /* env > file */
    ck_assert_int_eq(c.flush_interval_ms, 70);           /* -o > env > file */
    ck_assert_int_eq(c.num_partitions, 4);
    ck_assert_int_eq(c.broker_id, 2);
    ck_assert_str_eq(c.log_level, "warn");
    ck_assert_int_eq(nwarnings, 2);
    ck_assert_ptr_nonnull(strstr(warnings, "unknown environment variable KAFSCALE_BOGUS ignored"));
    ck_assert_ptr_nonnull(strstr(warnings, "unsupported environment variable KAFSCALE_CACHE_BYTES ignored"));
    ck_assert_int_eq(ks_conf_validate(&c, err, sizeof(err)), KS_OK);
    ck_assert_str_eq(c.object_store, "s3");               /* derived from s3.bucket */
    ks_conf_free(&c);

    {
        char *bad[] = { "KAFSCALE_FLUSH_INTERVAL_MS=abc", NULL };

        ks_conf_init(&c);
        ck_assert_int_eq(ks_conf_apply_env(&c, bad, err, sizeof(err), NULL), KS_ERROR);
        ck_assert_str_eq(err, "KAFSCALE_FLUSH_INTERVAL_MS: invalid value \"abc\" for flush.interval.ms: "
                         "not a number");
        ks_conf_free(&c);
    }
    {
        char *bad[] = { "KAFSCALE_AUTO_CREATE_PARTITIONS=0", NULL };

        ks_conf_init(&c);
        ck_assert_int_eq(ks_conf_apply_env(&c, bad, err, sizeof(err), NULL), KS_ERROR);
        ck_assert_str_eq(err, "KAFSCALE_AUTO_CREATE_PARTITIONS: invalid value \"0\" for num.partitions: "
                         "out of range (1..100000)");
        ks_conf_free(&c);
    }
}
END_TEST

START_TEST(test_env_original_names)
{
    ks_conf_t c;
    char err[256] = "";
    ks_listener_t l[4];
    char *env[] = {
        "KAFSCALE_BROKER_ID=5",
        "KAFSCALE_BROKER_ADDR=:19092",
        "KAFSCALE_METRICS_ADDR=:19093",
        "KAFSCALE_AUTO_CREATE_TOPICS=false",
        "KAFSCALE_AUTO_CREATE_PARTITIONS=6",
        "KAFSCALE_SEGMENT_BYTES=4194304",
        "KAFSCALE_ETCD_ENDPOINTS=http://etcd:2379",
        "KAFSCALE_ETCD_USERNAME=root",
        "KAFSCALE_ETCD_PASSWORD=pw",
        "KAFSCALE_S3_BUCKET=b",
        "KAFSCALE_S3_REGION=eu-west-1",
        "KAFSCALE_S3_ENDPOINT=http://minio:9000",
        "KAFSCALE_S3_PATH_STYLE=false",
        "KAFSCALE_S3_ACCESS_KEY=ak",
        "KAFSCALE_S3_SECRET_KEY=sk",
        "KAFSCALE_S3_SESSION_TOKEN=tok",
        "KAFSCALE_S3_NAMESPACE=ns",
        "KAFSCALE_S3_CONCURRENCY=8",
        "KAFSCALE_BROKER_HOST=broker-0.example",
        NULL
    };

    ks_conf_init(&c);
    reset_warn();
    ck_assert_msg(ks_conf_apply_env(&c, env, err, sizeof(err), collect_warn) == KS_OK, "%s", err);
    ck_assert_int_eq(nwarnings, 0);
    ck_assert_int_eq(c.broker_id, 5);
    ck_assert_str_eq(c.listeners, "PLAINTEXT://:19092");
    ck_assert_int_eq(ks_conf_parse_listeners(c.listeners, l, 4, err, sizeof(err)), 1);
    ck_assert_str_eq(l[0].host, "0.0.0.0");
    ck_assert_int_eq(l[0].port, 19092);
    ck_assert_str_eq(c.advertised_listeners, "PLAINTEXT://broker-0.example:19092");
    ck_assert_str_eq(c.ops_listen, "0.0.0.0:19093");
    ck_assert(!c.auto_create_topics_enable);
    ck_assert_int_eq(c.num_partitions, 6);
    ck_assert_int_eq(c.flush_bytes, 4194304);
    ck_assert_str_eq(c.metadata_store, "etcd");
    ck_assert_str_eq(c.etcd_endpoints, "http://etcd:2379");
    ck_assert_str_eq(c.etcd_username, "root");
    ck_assert_str_eq(c.etcd_password, "pw");
    ck_assert_str_eq(c.s3_bucket, "b");
    ck_assert_str_eq(c.s3_region, "eu-west-1");
    ck_assert_str_eq(c.s3_endpoint, "http://minio:9000");
    ck_assert(!c.s3_path_style);
    ck_assert_str_eq(c.s3_access_key, "ak");
    ck_assert_str_eq(c.s3_secret_key, "sk");
    ck_assert_str_eq(c.s3_session_token, "tok");
    ck_assert_str_eq(c.s3_namespace, "ns");
    ck_assert_int_eq(c.s3_concurrency, 8);
    /* ops.listen beyond loopback needs authentication */
    ck_assert_int_eq(ks_conf_validate(&c, err, sizeof(err)), KS_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "ops.listen 0.0.0.0:19093 is not a loopback address"));
    {
        char tpath[64];

        snprintf(tpath, sizeof(tpath), "%s", tmpfile_with("t0ken\n"));
        ck_assert_int_eq(ks_conf_set(&c, "ops.auth.token.file", tpath, err, sizeof(err)), KS_OK);
        ck_assert_msg(ks_conf_validate(&c, err, sizeof(err)) == KS_OK, "%s", err);
        ck_assert_str_eq(c.ops_auth_token, "t0ken");
        unlink(tpath);
    }
    ck_assert_str_eq(c.metadata_store, "etcd");
    ck_assert_str_eq(c.object_store, "s3");
    ks_conf_free(&c);

    /* Our own names beat the original's; an explicit metadata.store stays. */
    {
        char *env2[] = {
            "KAFSCALE_SEGMENT_BYTES=1m", "KAFSCALE_FLUSH_BYTES=2m",
            "KAFSCALE_ETCD_ENDPOINTS=http://e:2379", NULL
        };

        ks_conf_init(&c);
        ck_assert_int_eq(load_str(&c, "metadata.store = embedded\n", err, sizeof(err)), KS_OK);
        ck_assert_int_eq(ks_conf_apply_env(&c, env2, err, sizeof(err), NULL), KS_OK);
        ck_assert_int_eq(c.flush_bytes, 2 << 20);
        ck_assert_str_eq(c.metadata_store, "embedded");
        ck_assert_int_eq(ks_conf_validate(&c, err, sizeof(err)), KS_OK);
        ck_assert_str_eq(c.metadata_store, "embedded");
        ks_conf_free(&c);
    }
    {
        char *env3[] = { "KAFSCALE_BROKER_ADDR=nohost", NULL };

        ks_conf_init(&c);
        ck_assert_int_eq(ks_conf_apply_env(&c, env3, err, sizeof(err), NULL), KS_ERROR);
        ck_assert_str_eq(err, "KAFSCALE_BROKER_ADDR: invalid value \"nohost\": missing :port");
        ks_conf_free(&c);
    }
}
END_TEST

START_TEST(test_env_aws_fallbacks)
{
    ks_conf_t c;
    char err[256] = "";
    char *env[] = {
        "AWS_ACCESS_KEY_ID=AKIA", "AWS_SECRET_ACCESS_KEY=SECRET", "AWS_SESSION_TOKEN=TOKEN",
        "AWS_DEFAULT_REGION=ap-south-1", "AWS_REGION=eu-central-1", NULL
    };

    ks_conf_init(&c);
    ck_assert_int_eq(ks_conf_apply_env(&c, env, err, sizeof(err), NULL), KS_OK);
    ck_assert_str_eq(c.s3_access_key, "AKIA");
    ck_assert_str_eq(c.s3_secret_key, "SECRET");
    ck_assert_str_eq(c.s3_session_token, "TOKEN");
    ck_assert_str_eq(c.s3_region, "eu-central-1");
    ks_conf_free(&c);

    /* Not used when the key is set anywhere else. */
    {
        char *env2[] = {
            "KAFSCALE_S3_ACCESS_KEY=mine", "AWS_ACCESS_KEY_ID=AKIA", "AWS_SECRET_ACCESS_KEY=SECRET",
            "AWS_DEFAULT_REGION=ap-south-1", NULL
        };

        ks_conf_init(&c);
        ck_assert_int_eq(load_str(&c, "s3.region = us-west-2\ns3.secret.key.file = /x\n", err, sizeof(err)),
                         KS_OK);
        ck_assert_int_eq(ks_conf_apply_env(&c, env2, err, sizeof(err), NULL), KS_OK);
        ck_assert_str_eq(c.s3_access_key, "mine");
        ck_assert_str_eq(c.s3_secret_key, "");
        ck_assert_str_eq(c.s3_region, "us-west-2");
        ks_conf_free(&c);
    }
    {
        char *env3[] = { "AWS_DEFAULT_REGION=ap-south-1", NULL };

        ks_conf_init(&c);
        ck_assert_int_eq(ks_conf_apply_env(&c, env3, err, sizeof(err), NULL), KS_OK);
        ck_assert_str_eq(c.s3_region, "ap-south-1");
        ks_conf_free(&c);
    }
}
END_TEST

START_TEST(test_listeners)
{
    ks_listener_t l[4];
    char err[256] = "";

    ck_assert_int_eq(ks_conf_parse_listeners("", l, 4, err, sizeof(err)), 0);
    ck_assert_int_eq(ks_conf_parse_listeners("PLAINTEXT://0.0.0.0:9092", l, 4, err, sizeof(err)), 1);
    ck_assert_str_eq(l[0].name, "PLAINTEXT");
    ck_assert_str_eq(l[0].host, "0.0.0.0");
    ck_assert_int_eq(l[0].port, 9092);
    ck_assert_int_eq(ks_conf_parse_listeners(" PLAINTEXT://a.example:1 , INTERNAL://[::1]:65535,EXT://:0",
                                             l, 4, err, sizeof(err)), 3);
    ck_assert_str_eq(l[0].host, "a.example");
    ck_assert_str_eq(l[1].name, "INTERNAL");
    ck_assert_str_eq(l[1].host, "::1");
    ck_assert_int_eq(l[1].port, 65535);
    ck_assert_str_eq(l[2].host, "0.0.0.0");
    ck_assert_int_eq(l[2].port, 0);

    ck_assert_int_eq(ks_conf_parse_listeners("PLAINTEXT://h:65536", l, 4, err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "\"PLAINTEXT://h:65536\": bad port");
    ck_assert_int_eq(ks_conf_parse_listeners("PLAINTEXT://h:", l, 4, err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "\"PLAINTEXT://h:\": missing port");
    ck_assert_int_eq(ks_conf_parse_listeners("PLAINTEXT://::1:9092", l, 4, err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "\"PLAINTEXT://::1:9092\": IPv6 addresses must be in brackets");
    ck_assert_int_eq(ks_conf_parse_listeners("localhost:9092", l, 4, err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "\"localhost:9092\": expected NAME://host:port");
    ck_assert_int_eq(ks_conf_parse_listeners("A://h:1,,B://h:2", l, 4, err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "empty listener in list");
    ck_assert_int_eq(ks_conf_parse_listeners("A://h:1,a://h:2", l, 4, err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "duplicate listener name \"a\"");
    ck_assert_int_eq(ks_conf_parse_listeners("A://h:1,B://h:2,C://h:3", l, 2, err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "too many listeners (at most 2)");
    ck_assert_int_eq(ks_conf_parse_listeners("A B://h:1", l, 4, err, sizeof(err)), KS_ERROR);
    ck_assert_int_eq(ks_conf_parse_listeners("A://h h:1", l, 4, err, sizeof(err)), KS_ERROR);
    ck_assert_int_eq(ks_conf_parse_listeners("A://[::1:1", l, 4, err, sizeof(err)), KS_ERROR);
    ck_assert_int_eq(ks_conf_parse_listeners("A://h:12a", l, 4, err, sizeof(err)), KS_ERROR);
}
END_TEST

static void
expect_invalid(const char *text, const char *want)
{
    ks_conf_t c;
    char err[512] = "";

    ks_conf_init(&c);
    ck_assert_msg(load_str(&c, text, err, sizeof(err)) == KS_OK, "%s", err);
    ck_assert_int_eq(ks_conf_validate(&c, err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, want);
    ks_conf_free(&c);
}

START_TEST(test_validate)
{
    expect_invalid("object.store = s3\n", "object.store = s3 needs s3.bucket");
    expect_invalid("metadata.store = etcd\n", "metadata.store = etcd needs etcd.endpoints");
    expect_invalid("etcd.endpoints = http://a:1,,http://b:2\n",
                   "etcd.endpoints \"http://a:1,,http://b:2\" has an empty entry");
    expect_invalid("s3.bucket = b\ns3.access.key = a\n", "s3.access.key is set but s3.secret.key is not");
    expect_invalid("s3.bucket = b\ns3.endpoint = minio:9000\n",
                   "s3.endpoint \"minio:9000\" must start with http:// or https://");
    expect_invalid("advertised.listeners = OTHER://h:1\n",
                   "advertised.listeners names \"OTHER\", which is not in listeners");
    expect_invalid("advertised.listeners = PLAINTEXT://0.0.0.0:9092\n",
                   "advertised.listeners: \"PLAINTEXT\" needs a host clients can connect to and a port");
    expect_invalid("group.min.session.timeout.ms = 10s\ngroup.max.session.timeout.ms = 5s\n",
                   "group.min.session.timeout.ms (10000) is larger than group.max.session.timeout.ms (5000)");
    expect_invalid("ring.bytes = 4m\nflush.bytes = 5m\n", "flush.bytes (5242880) is larger than ring.bytes (4194304)");
    expect_invalid("ring.bytes = 2m\nflush.bytes = 1m\n",
                   "ring.bytes (2097152) must be at least twice message.max.bytes (1048588)");
    expect_invalid("daemon = true\ndata.dir = var/ks\n",
                   "data.dir \"var/ks\" must be an absolute path when daemon = true");
    expect_invalid("etcd.password.file = /nonexistent/pw\n",
                   "could not read etcd.password.file \"/nonexistent/pw\": No such file or directory");
    expect_invalid("s3.secret.key.file = /tmp\n",
                   "could not read s3.secret.key.file \"/tmp\": not a regular file");
    expect_invalid("sasl.enabled.mechanisms = PLAIN,GSSAPI\n",
                   "sasl.enabled.mechanisms: \"GSSAPI\" is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
    expect_invalid("sasl.enabled.mechanisms = scram-sha-256\n",
                   "sasl.enabled.mechanisms: \"scram-sha-256\" is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
    expect_invalid("sasl.enabled.mechanisms = PLAIN, PLAIN\n", "sasl.enabled.mechanisms: PLAIN is given twice");
    expect_invalid("sasl.enabled.mechanisms = PLAIN,\n",
                   "sasl.enabled.mechanisms: \"\" is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
    ck_assert_int_eq(ks_conf_sasl_mechanisms("PLAIN,SCRAM-SHA-256,SCRAM-SHA-512", NULL, 0), 7);
    ck_assert_int_eq(ks_conf_sasl_mechanisms(" SCRAM-SHA-512 ", NULL, 0), 4);
    ck_assert_int_eq(ks_conf_sasl_mechanisms("SCRAM-SHA-256, PLAIN", NULL, 0), 3);
#ifndef HAVE_LIBS3
    expect_invalid("object.store = libs3\ns3.bucket = b\n",
                   "object.store = libs3 is not available: kafscaled was built without libs3");
#endif

    {
        ks_conf_t c;
        char err[256] = "";

        ks_conf_init(&c);
        ck_assert_int_eq(load_str(&c, "etcd.endpoints = http://a:1, http://b:2\n"
                                  "advertised.listeners = PLAINTEXT://kafka.example:9092\n",
                                  err, sizeof(err)), KS_OK);
        ck_assert_msg(ks_conf_validate(&c, err, sizeof(err)) == KS_OK, "%s", err);
        ck_assert_str_eq(c.metadata_store, "etcd");
        ck_assert_str_eq(c.object_store, "file");
        ks_conf_free(&c);
    }
}
END_TEST

/* What SSL and SASL_SSL listeners need (the files themselves are loaded
 * by the broker, tests/e2e/test_tls.py). */
START_TEST(test_tls_keys)
{
    bool t12, t13;
    char err[256] = "";

    expect_invalid("listeners = PLAINTEXT://:9092,SSL://:9093\n",
                   "listener SSL needs ssl.certificate.file and ssl.key.file");
    expect_invalid("listeners = EXT://:9093\nlistener.security.protocol.map = EXT:SASL_SSL\n"
                   "ssl.certificate.file = /c.pem\n",
                   "listener EXT (SASL_SSL) needs ssl.certificate.file and ssl.key.file");
    expect_invalid("listeners = SSL://:9093\nssl.certificate.file = /c.pem\nssl.key.file = /k.pem\n"
                   "ssl.client.auth = required\n",
                   "ssl.client.auth = required needs ssl.ca.file (the CAs client certificates must chain to)");
    expect_invalid("listeners = SSL://:9093\nssl.certificate.file = /c.pem\nssl.key.file = /k.pem\n"
                   "ssl.client.auth = requested\n",
                   "ssl.client.auth = requested needs ssl.ca.file (the CAs client certificates must chain to)");
    expect_invalid("ssl.enabled.protocols = TLSv1.1,TLSv1.2\n",
                   "ssl.enabled.protocols: \"TLSv1.1\" is not allowed: TLS 1.2 is the oldest version accepted");
    expect_invalid("ssl.enabled.protocols = SSLv3\n",
                   "ssl.enabled.protocols: \"SSLv3\" is not allowed: TLS 1.2 is the oldest version accepted");
    expect_invalid("ssl.enabled.protocols = TLSv2\n",
                   "ssl.enabled.protocols: \"TLSv2\" is not a TLS version (TLSv1.2 or TLSv1.3)");
    expect_invalid("ssl.enabled.protocols = \" , \"\n", "ssl.enabled.protocols names no version (TLSv1.2, TLSv1.3)");
    expect_invalid("ssl.key.password.file = /nonexistent/pw\n",
                   "could not read ssl.key.password.file \"/nonexistent/pw\": No such file or directory");

    ck_assert_int_eq(ks_conf_tls_protocols(" tlsv1.3 ", &t12, &t13, err, sizeof(err)), KS_OK);
    ck_assert(!t12 && t13);
    ck_assert_int_eq(ks_conf_tls_protocols("TLSv1.2,TLSv1.3", &t12, &t13, err, sizeof(err)), KS_OK);
    ck_assert(t12 && t13);

    {
        ks_conf_t c;
        char text[512], pw[64];

        /* client auth without a TLS listener is not checked; the password
         * file fills ssl.key.password, which dump hides */
        snprintf(pw, sizeof(pw), "%s", tmpfile_with("k3y-pass\n"));
        ks_conf_init(&c);
        snprintf(text, sizeof(text), "ssl.client.auth = required\nssl.key.password.file = %s\n", pw);
        ck_assert_int_eq(load_str(&c, text, err, sizeof(err)), KS_OK);
        ck_assert_msg(ks_conf_validate(&c, err, sizeof(err)) == KS_OK, "%s", err);
        ck_assert_str_eq(c.ssl_key_password, "k3y-pass");
        {
            FILE *f = tmpfile();
            char line[512];

            ck_assert_ptr_nonnull(f);
            ck_assert_int_eq(ks_conf_dump(&c, f), KS_OK);
            rewind(f);
            while (fgets(line, sizeof(line), f) != NULL)
                ck_assert_ptr_null(strstr(line, "k3y-pass"));
            fclose(f);
        }
        ks_conf_free(&c);
        unlink(pw);

        ks_conf_init(&c);
        ck_assert_int_eq(load_str(&c, "listeners = PLAINTEXT://:9092,SSL://:9093\n"
                                  "ssl.certificate.file = /c.pem\nssl.key.file = /k.pem\n"
                                  "ssl.ca.file = /ca.pem\nssl.client.auth = required\n", err, sizeof(err)), KS_OK);
        ck_assert_msg(ks_conf_validate(&c, err, sizeof(err)) == KS_OK, "%s", err);
        ks_conf_free(&c);
    }
}
END_TEST

START_TEST(test_secret_files)
{
    ks_conf_t c;
    char err[512] = "", text[512];
    char spath[64], ppath[64];
    FILE *f;

    snprintf(spath, sizeof(spath), "%s", tmpfile_with("s3cr3t\n"));
    snprintf(ppath, sizeof(ppath), "%s", tmpfile_with("etcd-pw\r\n"));

    ks_conf_init(&c);
    snprintf(text, sizeof(text), "s3.bucket = b\ns3.access.key = a\ns3.secret.key = inline\n"
             "s3.secret.key.file = %s\netcd.password.file = %s\n", spath, ppath);
    ck_assert_int_eq(load_str(&c, text, err, sizeof(err)), KS_OK);
    ck_assert_msg(ks_conf_validate(&c, err, sizeof(err)) == KS_OK, "%s", err);
    ck_assert_str_eq(c.s3_secret_key, "s3cr3t");
    ck_assert_str_eq(c.etcd_password, "etcd-pw");

    /* dump hides secrets */
    f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(ks_conf_dump(&c, f), KS_OK);
    rewind(f);
    {
        char line[512];
        bool saw_secret = false, saw_pw = false;

        while (fgets(line, sizeof(line), f) != NULL) {
            ck_assert_ptr_null(strstr(line, "s3cr3t"));
            ck_assert_ptr_null(strstr(line, "etcd-pw"));
            saw_secret = saw_secret || strcmp(line, "s3.secret.key = (set)\n") == 0;
            saw_pw = saw_pw || strcmp(line, "etcd.password = (set)\n") == 0;
        }
        ck_assert(saw_secret && saw_pw);
    }
    fclose(f);
    ks_conf_free(&c);

    /* -o s3.secret.key beats a secret file from the config file */
    ks_conf_init(&c);
    snprintf(text, sizeof(text), "s3.secret.key.file = %s\n", spath);
    ck_assert_int_eq(load_str(&c, text, err, sizeof(err)), KS_OK);
    ck_assert_int_eq(ks_conf_set(&c, "s3.secret.key", "cli", err, sizeof(err)), KS_OK);
    ck_assert_int_eq(ks_conf_validate(&c, err, sizeof(err)), KS_OK);
    ck_assert_str_eq(c.s3_secret_key, "cli");
    ks_conf_free(&c);

    /* empty secret file */
    unlink(spath);
    snprintf(spath, sizeof(spath), "%s", tmpfile_with("\n"));
    ks_conf_init(&c);
    ck_assert_int_eq(ks_conf_set(&c, "s3.secret.key.file", spath, err, sizeof(err)), KS_OK);
    ck_assert_int_eq(ks_conf_validate(&c, err, sizeof(err)), KS_ERROR);
    snprintf(text, sizeof(text), "s3.secret.key.file \"%s\" is empty", spath);
    ck_assert_str_eq(err, text);
    ks_conf_free(&c);
    unlink(spath);
    unlink(ppath);
}
END_TEST

START_TEST(test_ops_auth)
{
    static const char *const loop[] = { "127.0.0.1:1", "127.9.8.7:1", "localhost:1", "[::1]:1",
                                        "[::ffff:127.0.0.1]:1", "" };
    static const char *const wide[] = { "0.0.0.0:1", ":1", "[::]:1", "10.0.0.1:1", "example.com:1",
                                        "128.0.0.1:1" };
    char err[512] = "", tpath[64], bpath[64], apath[64], text[512];
    ks_conf_t c, live;
    FILE *f;

    for (size_t i = 0; i < KS_ARRAY_LEN(loop); i++) {
        ks_conf_init(&c);
        ck_assert_int_eq(ks_conf_set(&c, "ops.listen", loop[i], err, sizeof(err)), KS_OK);
        ck_assert_msg(ks_conf_validate(&c, err, sizeof(err)) == KS_OK, "%s: %s", loop[i], err);
        ks_conf_free(&c);
    }
    for (size_t i = 0; i < KS_ARRAY_LEN(wide); i++) {
        ks_conf_init(&c);
        ck_assert_int_eq(ks_conf_set(&c, "ops.listen", wide[i], err, sizeof(err)), KS_OK);
        ck_assert_int_eq(ks_conf_validate(&c, err, sizeof(err)), KS_ERROR);
        ck_assert_msg(strstr(err, "is not a loopback address") != NULL, "%s: %s", wide[i], err);
        ks_conf_free(&c);
    }

    /* basic users: hashes libcrypt knows, plain text, {PLAIN}; checked */
    snprintf(bpath, sizeof(bpath), "%s", tmpfile_with(
        "# users\n\nalice:$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77"
        "vwPZN.Pq.H91p5hVO1\nbob:pl4in\ncarol:{PLAIN}$dollar\n"));
    snprintf(tpath, sizeof(tpath), "%s", tmpfile_with("tok-1\n"));
    ks_conf_init(&c);
    ck_assert_int_eq(ks_conf_set(&c, "ops.listen", "0.0.0.0:9093", err, sizeof(err)), KS_OK);
    ck_assert_int_eq(ks_conf_set(&c, "ops.auth.basic.file", bpath, err, sizeof(err)), KS_OK);
    ck_assert_msg(ks_conf_validate(&c, err, sizeof(err)) == KS_OK, "%s", err);
    ck_assert_ptr_nonnull(strstr(c.ops_auth_basic, "bob:pl4in"));
    ck_assert_str_eq(c.ops_auth_token, "");
    {
        ks_opsauth_t *a = ks_opsauth_new();
        /* alice:secret, bob:pl4in, carol:$dollar, bob:wrong, alice:hash */
        static const struct { const char *h; int want; } cases[] = {
            { "Basic YWxpY2U6c2VjcmV0", KS_OPSAUTH_OK },
            { "basic  YWxpY2U6c2VjcmV0", KS_OPSAUTH_OK },
            { "Basic Ym9iOnBsNGlu", KS_OPSAUTH_OK },
            { "Basic Y2Fyb2w6JGRvbGxhcg==", KS_OPSAUTH_OK },
            { "Basic Ym9iOndyb25n", KS_OPSAUTH_WRONG },
            { "Basic YWxpY2U6c2VjcmV0eA==", KS_OPSAUTH_WRONG },
            { "Basic ZGF2ZTpwbDRpbg==", KS_OPSAUTH_WRONG },
            { "Basic !!!", KS_OPSAUTH_MISSING },
            { "Basic Ym9i", KS_OPSAUTH_MISSING },
            { "Bearer tok-1", KS_OPSAUTH_WRONG },
            { "Digest x", KS_OPSAUTH_MISSING },
            { NULL, KS_OPSAUTH_MISSING },
        };

        ck_assert_ptr_nonnull(a);
        ck_assert_int_eq(ks_opsauth_check(a, NULL), KS_OPSAUTH_OK);    /* nothing configured */
        ck_assert_int_eq(ks_opsauth_set(a, c.ops_auth_token, c.ops_auth_basic), KS_OK);
        for (int round = 0; round < 2; round++) {       /* the second: remembered verifications */
            for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++)
                ck_assert_msg(ks_opsauth_check(a, cases[i].h) == cases[i].want, "%s", cases[i].h ? cases[i].h : "NULL");
        }
        ck_assert_int_eq(ks_opsauth_set(a, "tok-1", c.ops_auth_basic), KS_OK);
        ck_assert_int_eq(ks_opsauth_check(a, "Bearer tok-1"), KS_OPSAUTH_OK);
        ck_assert_int_eq(ks_opsauth_check(a, "Bearer tok-"), KS_OPSAUTH_WRONG);
        ck_assert_int_eq(ks_opsauth_check(a, "Bearer tok-12"), KS_OPSAUTH_WRONG);
        ck_assert_int_eq(ks_opsauth_check(a, "Bearer "), KS_OPSAUTH_MISSING);
        ck_assert_int_eq(ks_opsauth_set(a, "tok-1", "alice:other\n"), KS_OK);
        ck_assert_int_eq(ks_opsauth_check(a, "Basic YWxpY2U6c2VjcmV0"), KS_OPSAUTH_WRONG);  /* forgotten */
        ck_assert_int_eq(ks_opsauth_set(a, "tok-1", "alice:$apr1$x$y\n"), KS_ERROR);
        ks_opsauth_free(a);
    }

    /* reload: a changed token file is read again, its content copied */
    ks_conf_init(&live);
    ck_assert_int_eq(ks_conf_set(&live, "ops.auth.token.file", tpath, err, sizeof(err)), KS_OK);
    ck_assert_int_eq(ks_conf_validate(&live, err, sizeof(err)), KS_OK);
    ck_assert_str_eq(live.ops_auth_token, "tok-1");
    f = fopen(tpath, "w");
    ck_assert_ptr_nonnull(f);
    fputs("tok-2\n", f);
    fclose(f);
    ks_conf_free(&c);
    ks_conf_init(&c);
    ck_assert_int_eq(ks_conf_set(&c, "ops.auth.token.file", tpath, err, sizeof(err)), KS_OK);
    ck_assert_int_eq(ks_conf_validate(&c, err, sizeof(err)), KS_OK);
    ck_assert_int_eq(ks_conf_reload_into(&live, &c, NULL), 0);
    ck_assert_str_eq(live.ops_auth_token, "tok-2");
    {
        const char *sv[8];
        size_t n = ks_conf_secret_values(&live, sv, 8);

        ck_assert_int_eq((int) n, 1);
        ck_assert_str_eq(sv[0], "tok-2");
    }
    ks_conf_free(&live);
    ks_conf_free(&c);

    /* bad basic files: the line, never the password */
    static const struct { const char *text, *want; } bad[] = {
        { "alice:$apr1$abc$SECRETHASH\n", "line 1: htpasswd's MD5 hashes ($apr1$) are not supported" },
        { "x:{SHA}SECRETHASH=\n", "line 1: unsalted {SHA} hashes are not supported" },
        { "\nno-colon-SECRET\n", "line 2: expected user:password" },
        { "alice:\n", "line 1: empty password" },
        { "a b:SECRET\n", "line 1: white space in the user name" },
        { "a:SECRET\na:SECRET2\n", "line 2: user \"a\" appears twice" },
        { "a:$9$SECRET\n", "line 1: a password hash of a method" },
        { "a:$2y$13$SECRETabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS\n", "line 1: bcrypt cost 13 is too high" },
        { "a:$6$rounds=900000$SECRET$x\n", "line 1: more than 500000 rounds" },
        { "# nobody\n", "no user:password line" },
    };
    for (size_t i = 0; i < KS_ARRAY_LEN(bad); i++) {
        unlink(bpath);
        snprintf(bpath, sizeof(bpath), "%s", tmpfile_with(bad[i].text));
        ks_conf_init(&c);
        ck_assert_int_eq(ks_conf_set(&c, "ops.auth.basic.file", bpath, err, sizeof(err)), KS_OK);
        ck_assert_int_eq(ks_conf_validate(&c, err, sizeof(err)), KS_ERROR);
        ck_assert_msg(strstr(err, bad[i].want) != NULL, "%s: %s", bad[i].want, err);
        ck_assert_msg(strstr(err, "SECRET") == NULL, "%s", err);
        ks_conf_free(&c);
    }

    /* s3.access.key.file; AWS_ACCESS_KEY_ID does not override it */
    snprintf(apath, sizeof(apath), "%s", tmpfile_with("AKIAFILE\n"));
    ks_conf_init(&c);
    snprintf(text, sizeof(text), "s3.access.key.file = %s\n", apath);
    ck_assert_int_eq(load_str(&c, text, err, sizeof(err)), KS_OK);
    {
        char *env[] = { "AWS_ACCESS_KEY_ID=AKIAENV", NULL };

        ck_assert_int_eq(ks_conf_apply_env(&c, env, err, sizeof(err), NULL), KS_OK);
    }
    ck_assert_int_eq(ks_conf_validate(&c, err, sizeof(err)), KS_OK);
    ck_assert_str_eq(c.s3_access_key, "AKIAFILE");
    ks_conf_free(&c);

    /* error messages never quote a secret key's value */
    ks_conf_init(&c);
    ck_assert_int_eq(ks_conf_set(&c, "etcd.password", "SECRET\x01", err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "invalid value for etcd.password: contains a control character");
    ck_assert_int_eq(load_str(&c, "s3.secret.key SECRET\n", err, sizeof(err)), KS_ERROR);
    ck_assert_str_eq(err, "t.conf:1: missing '=' after \"s3.secret.key\"");
    {
        char *env[] = { "KAFSCALE_S3_SESSION_TOKEN=SECRET\x02", NULL };

        ck_assert_int_eq(ks_conf_apply_env(&c, env, err, sizeof(err), NULL), KS_ERROR);
        ck_assert_str_eq(err, "KAFSCALE_S3_SESSION_TOKEN: invalid value for s3.session.token: contains a control character");
    }
    ks_conf_free(&c);
    for (size_t i = 0; i < ks_conf_key_count(); i++) {
        const ks_conf_key_info_t *ki = ks_conf_key_info(i);
        bool named = strstr(ki->name, "password") != NULL || strstr(ki->name, "secret") != NULL
                     || strstr(ki->name, "token") != NULL || strstr(ki->name, "access.key") != NULL;
        size_t n = strlen(ki->name);

        if (n > 5 && strcmp(ki->name + n - 5, ".file") == 0)
            named = false;
        ck_assert_msg(ki->secret == named, "%s: secret flag %d", ki->name, ki->secret);
    }
    unlink(apath);
    unlink(bpath);
    unlink(tpath);
}
END_TEST

START_TEST(test_reload)
{
    ks_conf_t live, fresh;
    char err[256] = "";
    int n;

    ks_conf_init(&live);
    ks_conf_init(&fresh);
    ck_assert_int_eq(load_str(&fresh, "log.level = debug\nflush.interval.ms = 99\nnum.partitions = 3\n"
                              "ring.bytes = 512m\nlisteners = PLAINTEXT://127.0.0.1:9999\n"
                              "s3.secret.key = newsecret\netcd.password = pw2\n", err, sizeof(err)), KS_OK);
    reset_warn();
    n = ks_conf_reload_into(&live, &fresh, collect_warn);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(nwarnings, 3);
    /* reloadable: copied */
    ck_assert_str_eq(live.log_level, "debug");
    ck_assert_int_eq(live.flush_interval_ms, 99);
    ck_assert_int_eq(live.num_partitions, 3);
    ck_assert_str_eq(live.s3_secret_key, "newsecret");
    /* not reloadable: kept, reported */
    ck_assert_int_eq(live.ring_bytes, 256LL << 20);
    ck_assert_str_eq(live.listeners, "PLAINTEXT://0.0.0.0:9092");
    ck_assert_str_eq(live.etcd_password, "");
    ck_assert_ptr_nonnull(strstr(warnings, "ring.bytes changed from 256m to 512m; restart kafscaled to apply it"));
    ck_assert_ptr_nonnull(strstr(warnings, "listeners changed from PLAINTEXT://0.0.0.0:9092 to "
                                 "PLAINTEXT://127.0.0.1:9999; restart kafscaled to apply it"));
    ck_assert_ptr_nonnull(strstr(warnings, "etcd.password changed; restart kafscaled to apply it"));
    ck_assert_ptr_null(strstr(warnings, "pw2"));
    /* the fresh conf is untouched and still owns its strings */
    ck_assert_str_eq(fresh.log_level, "debug");
    ks_conf_free(&fresh);
    ck_assert_str_eq(live.log_level, "debug");
    ck_assert_int_eq(ks_conf_reload_into(&live, &live, NULL), 0);
    ks_conf_free(&live);
}
END_TEST

START_TEST(test_key_table)
{
    char canon[128];
    size_t n = ks_conf_key_count();
    FILE *f;

    ck_assert_uint_ge(n, 40);
    ck_assert_ptr_null(ks_conf_key_info(n));
    for (size_t i = 0; i < n; i++) {
        const ks_conf_key_info_t *k = ks_conf_key_info(i);
        ks_conf_t c;
        char err[256];
        size_t j = 0;

        ck_assert_ptr_nonnull(k->doc);
        ck_assert_uint_gt(strlen(k->doc), 5);
        /* canonical environment name comes first */
        j = (size_t) snprintf(canon, sizeof(canon), "KAFSCALE_");
        for (const char *p = k->name; *p; p++) {
            canon[j++] = *p == '.' ? '_' : (char) toupper((unsigned char) *p);
        }
        canon[j] = '\0';
        ck_assert_msg(strncmp(k->env, canon, j) == 0 && (k->env[j] == '\0' || k->env[j] == ' '),
                      "%s: env %s", k->name, k->env);
        /* the default parses and is what ks_conf_init gives */
        ks_conf_init(&c);
        ck_assert_msg(ks_conf_set(&c, k->name, k->def, err, sizeof(err)) == KS_OK, "%s", err);
        ks_conf_free(&c);
        for (size_t m = 0; m < i; m++) {
            ck_assert_str_ne(ks_conf_key_info(m)->name, k->name);
        }
    }
    f = fopen("/dev/null", "w");
    ck_assert_ptr_nonnull(f);
    ks_conf_print_keys(f);
    fclose(f);
}
END_TEST

/* The dump of any conf loads back to the same conf. */
START_TEST(test_dump_roundtrip)
{
    ks_conf_t a, b;
    char err[256] = "";
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    ks_conf_init(&a);
    ck_assert_int_eq(load_str(&a, "s3.namespace = \" x # y\"\nring.bytes = 1000000000\nflush.bytes = 3m\n"
                              "cluster.id = \"\"\nlog.syslog = yes\n", err, sizeof(err)), KS_OK);
    f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(ks_conf_dump(&a, f), KS_OK);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "flush.bytes = 3m\n"));
    ck_assert_ptr_nonnull(strstr(buf, "ring.bytes = 1000000000\n"));
    ck_assert_ptr_nonnull(strstr(buf, "s3.namespace = \" x # y\"\n"));
    ks_conf_init(&b);
    ck_assert_msg(ks_conf_load_buffer(&b, "dump", buf, len, err, sizeof(err)) == KS_OK, "%s", err);
    {
        char *buf2 = NULL;
        size_t len2 = 0;

        f = open_memstream(&buf2, &len2);
        ck_assert_int_eq(ks_conf_dump(&b, f), KS_OK);
        fclose(f);
        ck_assert_str_eq(buf2, buf);
        free(buf2);
    }
    ck_assert_str_eq(b.s3_namespace, " x # y");
    ck_assert_int_eq(b.ring_bytes, 1000000000);
    ck_assert(b.log_syslog);
    free(buf);
    ks_conf_free(&a);
    ks_conf_free(&b);
}
END_TEST

/* packaging/kafscale.conf lists every key, commented out, with its default. */
START_TEST(test_packaged_conf)
{
    const char *srcdir = getenv("KS_SRCDIR");
    char path[1024], line[1024], err[512] = "";
    char *uncommented = NULL;
    size_t ulen = 0;
    bool seen[KS_CONF_MAX_KEYS] = { false };
    ks_conf_t c, d;
    FILE *f, *u;

    if (srcdir == NULL) {
        srcdir = KS_TEST_SRCDIR;
    }
    snprintf(path, sizeof(path), "%s/packaging/kafscale.conf", srcdir);
    ks_conf_init(&c);
    ck_assert_msg(ks_conf_load_file(&c, path, err, sizeof(err)) == KS_OK, "%s", err);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    u = open_memstream(&uncommented, &ulen);
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t k = 0;

        if (line[0] != '#' || !islower((unsigned char) line[1])) {
            continue;
        }
        while (line[1 + k] != '\0' && line[1 + k] != ' ') {
            k++;
        }
        for (size_t i = 0; i < ks_conf_key_count(); i++) {
            const char *name = ks_conf_key_info(i)->name;

            if (strlen(name) == k && strncmp(line + 1, name, k) == 0) {
                ck_assert_msg(!seen[i], "%s listed twice", name);
                seen[i] = true;
            }
        }
        fputs(line + 1, u);
    }
    fclose(f);
    fclose(u);
    for (size_t i = 0; i < ks_conf_key_count(); i++) {
        ck_assert_msg(seen[i], "%s missing from %s", ks_conf_key_info(i)->name, path);
    }
    ks_conf_init(&d);
    ck_assert_msg(ks_conf_load_buffer(&d, "uncommented", uncommented, ulen, err, sizeof(err)) == KS_OK, "%s", err);
    {
        char *b1 = NULL, *b2 = NULL;
        size_t l1 = 0, l2 = 0;

        u = open_memstream(&b1, &l1);
        ks_conf_dump(&c, u);
        fclose(u);
        u = open_memstream(&b2, &l2);
        ks_conf_dump(&d, u);
        fclose(u);
        ck_assert_str_eq(b1, b2);   /* the listed values are the defaults */
        free(b1);
        free(b2);
    }
    ck_assert_str_eq(d.listeners, c.listeners);
    ck_assert_int_eq(d.ring_bytes, c.ring_bytes);
    free(uncommented);
    ks_conf_free(&c);
    ks_conf_free(&d);
}
END_TEST

static Suite *
conf_suite(void)
{
    Suite *s = suite_create("conf");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_file_syntax);
    tcase_add_test(tc, test_file_errors);
    tcase_add_test(tc, test_file_missing);
    tcase_add_test(tc, test_sizes_durations);
    tcase_add_test(tc, test_set_kv);
    tcase_add_test(tc, test_env_and_precedence);
    tcase_add_test(tc, test_env_original_names);
    tcase_add_test(tc, test_env_aws_fallbacks);
    tcase_add_test(tc, test_listeners);
    tcase_add_test(tc, test_validate);
    tcase_add_test(tc, test_secret_files);
    tcase_add_test(tc, test_tls_keys);
    tcase_add_test(tc, test_ops_auth);
    tcase_add_test(tc, test_reload);
    tcase_add_test(tc, test_key_table);
    tcase_add_test(tc, test_dump_roundtrip);
    tcase_add_test(tc, test_packaged_conf);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(conf_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
