/*
 * main.c: kafscaled command line.  Runs in: master (before anything forks).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "master.h"
#include "proctitle.h"
#include "workers/broker/tls.h"

#define DEFAULT_CONF KS_SYSCONFDIR "/kafscale/kafscale.conf"

extern char **environ;

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: kafscaled [-c FILE] [-o key=value]... [-t | -T] [-d] [-p PIDFILE]\n"
        "\n"
        "KafScale broker: Kafka protocol on the listeners, data in object storage,\n"
        "metadata in etcd or an embedded store.\n"
        "\n"
        "  -c, --config FILE      configuration file (default %s;\n"
        "                         it is optional unless -c is given)\n"
        "  -o, --set key=value    set a configuration key (repeatable; wins over the\n"
        "                         file and the environment)\n"
        "  -t, --test             check the configuration and exit (0 ok, 1 error)\n"
        "  -T, --test-dump        the same, and print every key's value (secrets as (set))\n"
        "  -d, --daemon           run in the background\n"
        "  -p, --pid-file FILE    write the master's pid to FILE\n"
        "  -h, --help             show this help and the configuration keys\n"
        "  -V, --version          show the version\n"
        "\n"
        "Every key can also be set with an environment variable KAFSCALE_<KEY>, the\n"
        "key upper-cased with dots as underscores (KAFSCALE_S3_BUCKET).\n"
        "\n"
        "Configuration keys (see kafscale.conf(5)):\n", DEFAULT_CONF);
    ks_conf_print_keys(f);
}

static void
env_warn(const char *msg)
{
    ks_log_warn("%s", msg);
}

/* Defaults, then the file, then the environment, then -o. */
int
ks_conf_build(ks_conf_t *c, const char *path, char **overrides, int noverrides,
              char *err, size_t errlen)
{
    ks_conf_init(c);
    if (path != NULL && ks_conf_load_file(c, path, err, errlen) != KS_OK)
        return KS_ERROR;
    if (ks_conf_apply_env(c, environ, err, errlen, env_warn) != KS_OK)
        return KS_ERROR;
    for (int i = 0; i < noverrides; i++) {
        char e2[512];
        if (ks_conf_set_kv(c, overrides[i], e2, sizeof(e2)) != KS_OK) {
            /* the key only: the value may be a secret */
            snprintf(err, errlen, "-o %.*s: %s", (int) strcspn(overrides[i], "="), overrides[i], e2);
            return KS_ERROR;
        }
    }
    return ks_conf_validate(c, err, errlen);
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "set", required_argument, NULL, 'o' },
        { "test", no_argument, NULL, 't' },
        { "test-dump", no_argument, NULL, 'T' },
        { "daemon", no_argument, NULL, 'd' },
        { "pid-file", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    const char *conf_path = NULL, *pid_file = NULL;
    char *conf_opt = NULL, *pid_opt = NULL;
    bool test_only = false, test_dump = false, daemon_mode = false, explicit_conf = false;
    char **overrides = calloc((size_t) argc + 1, sizeof(char *));
    int noverrides = 0, ch, lvl, rc;
    char err[1024];
    ks_conf_t conf;
    ks_inherit_t in;

    ks_log_set_process("master", -1);
    ks_log_route_libevent();
    while ((ch = getopt_long(argc, argv, "c:o:tTdp:hV", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': free(conf_opt); conf_path = conf_opt = strdup(optarg); explicit_conf = true; break;
        case 'o': overrides[noverrides++] = strdup(optarg); break;
        case 't': test_only = true; break;
        case 'T': test_only = test_dump = true; break;
        case 'd': daemon_mode = true; break;
        case 'p': free(pid_opt); pid_file = pid_opt = strdup(optarg); break;
        case 'h': usage(stdout); rc = 0; goto out;
        case 'V': printf("kafscaled %s\n", PACKAGE_VERSION); rc = 0; goto out;
        default: usage(stderr); rc = 1; goto out;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kafscaled: unexpected argument \"%s\"\n", argv[optind]);
        rc = 1;
        goto out;
    }
    if (!explicit_conf && access(DEFAULT_CONF, F_OK) == 0)
        conf_path = DEFAULT_CONF;

    if (ks_conf_build(&conf, conf_path, overrides, noverrides, err, sizeof(err)) != KS_OK) {
        fprintf(stderr, "kafscaled: %s\n", err);
        if (test_only)
            fprintf(stderr, "kafscaled: configuration test failed\n");
        ks_conf_free(&conf);
        rc = 1;
        goto out;
    }
    {
        const char *sv[16];

        ks_log_set_secrets(sv, ks_conf_secret_values(&conf, sv, KS_ARRAY_LEN(sv)));
    }
    if (test_only) {
        char warn[512];

        /* TLS listeners: the certificate and key load and match. */
        if (ks_tls_needed(&conf) && ks_tls_init(&conf, err, sizeof(err), warn, sizeof(warn)) != KS_OK) {
            fprintf(stderr, "kafscaled: %s\nkafscaled: configuration test failed\n", err);
            ks_conf_free(&conf);
            rc = 1;
            goto out;
        }
        if (ks_tls_needed(&conf) && warn[0] != 0)
            fprintf(stderr, "kafscaled: warning: %s\n", warn);
        ks_tls_shutdown();
        printf("kafscaled: configuration %s is ok\n", conf_path ? conf_path : "(defaults)");
        if (test_dump)
            ks_conf_dump(&conf, stdout);
        ks_conf_free(&conf);
        rc = 0;
        goto out;
    }
    if (pid_file == NULL && conf.pid_file != NULL && conf.pid_file[0] != 0)
        pid_file = conf.pid_file;
    daemon_mode = daemon_mode || conf.daemon;
    lvl = ks_log_level_parse(conf.log_level);
    ks_log_set_level(lvl < 0 ? KS_LOG_INFO : (ks_log_level_t) lvl);
    if (conf.log_syslog || daemon_mode)
        ks_log_use_syslog(true);

    ks_proctitle_init(argc, argv);
    memset(&in, 0, sizeof(in));
    in.conf = &conf;
    in.conf_path = conf_path;
    in.overrides = overrides;
    in.noverrides = noverrides;
    rc = ks_master_run(&in, daemon_mode, pid_file);
    ks_conf_free(&conf);
out:
    /* Everything freed, so that LeakSanitizer and valgrind see no leak. */
    for (int i = 0; i < noverrides; i++)
        free(overrides[i]);
    free(overrides);
    free(conf_opt);
    free(pid_opt);
    return rc;
}
