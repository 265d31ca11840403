/*
 * fuzz_conf.c: libFuzzer target for the config parser.  The input is fed
 * as a config file, then line by line as -o key=value arguments, as an
 * environment and as a listener list; every resulting conf is validated,
 * dumped and reloaded.  Nothing may crash or leak.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_ENV 64

static void
quiet_warn(const char *msg)
{
    (void) msg;
}

static void
exercise(ks_conf_t *c)
{
    static FILE *devnull;
    char err[512];
    ks_conf_t live;

    if (devnull == NULL) {
        devnull = fopen("/dev/null", "w");
    }
    /* Do not let the input make us read arbitrary files. */
    ks_conf_set(c, "s3.secret.key.file", "", err, sizeof(err));
    ks_conf_set(c, "etcd.password.file", "", err, sizeof(err));
    ks_conf_set(c, "ssl.key.password.file", "", err, sizeof(err));
    ks_conf_set(c, "s3.access.key.file", "", err, sizeof(err));
    ks_conf_set(c, "ops.auth.token.file", "", err, sizeof(err));
    ks_conf_set(c, "ops.auth.basic.file", "", err, sizeof(err));
    ks_conf_validate(c, err, sizeof(err));
    if (devnull != NULL) {
        ks_conf_dump(c, devnull);
    }
    ks_conf_init(&live);
    ks_conf_reload_into(&live, c, quiet_warn);
    ks_conf_reload_into(c, &live, quiet_warn);
    ks_conf_free(&live);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ks_listener_t l[KS_CONF_MAX_LISTENERS];
    char *env[FUZZ_MAX_ENV + 1];
    char err[512];
    ks_conf_t c;
    char *s;
    size_t n = 0;

    /* As a config file. */
    ks_conf_init(&c);
    ks_conf_load_buffer(&c, "fuzz.conf", (const char *) data, size, err, sizeof(err));
    exercise(&c);
    ks_conf_free(&c);

    /* As a NUL-terminated string: -o lines, environment, listeners. */
    s = malloc(size + 1);
    if (s == NULL) {
        return 0;
    }
    memcpy(s, data, size);
    s[size] = '\0';
    ks_conf_parse_listeners(s, l, KS_CONF_MAX_LISTENERS, err, sizeof(err));

    for (char *p = s; n < FUZZ_MAX_ENV; ) {
        char *nl = strchr(p, '\n');

        env[n++] = p;
        if (nl == NULL) {
            break;
        }
        *nl = '\0';
        p = nl + 1;
    }
    env[n] = NULL;

    ks_conf_init(&c);
    for (size_t i = 0; i < n; i++) {
        ks_conf_set_kv(&c, env[i], err, sizeof(err));
    }
    exercise(&c);
    ks_conf_free(&c);

    ks_conf_init(&c);
    ks_conf_apply_env(&c, env, err, sizeof(err), quiet_warn);
    exercise(&c);
    ks_conf_free(&c);

    free(s);
    return 0;
}
