/*
 * proctitle.c: overwrite the argv area so ps shows what a process is.
 * Runs in: every process.
 *
 * The kernel reports /proc/PID/cmdline from the original argv+environ
 * block, so the environment strings that follow argv are moved to the heap
 * and the whole contiguous block becomes the title buffer.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proctitle.h"

extern char **environ;

static char *title_buf;
static size_t title_cap;

static char **volatile saved_env;

void
ks_proctitle_init(int argc, char **argv)
{
    char *start, *end;
    char **newenv;
    int i, n;

    if (argc == 0 || argv[0] == NULL || title_buf != NULL)
        return;
    start = argv[0];
    end = argv[0] + strlen(argv[0]);
    for (i = 1; i < argc; i++)
        if (argv[i] == end + 1)
            end = argv[i] + strlen(argv[i]);
    for (n = 0; environ[n] != NULL; n++)
        if (environ[n] == end + 1)
            end = environ[n] + strlen(environ[n]);
    newenv = malloc(sizeof(char *) * ((size_t) n + 1));
    if (newenv == NULL)
        return;
    for (i = 0; i < n; i++)
        newenv[i] = strdup(environ[i]);
    newenv[n] = NULL;
    environ = saved_env = newenv;   /* setenv() may replace environ: keep it reachable */
    /* The argv strings are about to be overwritten: keep copies. */
    for (i = 0; i < argc; i++)
        argv[i] = strdup(argv[i]);
    title_buf = start;
    title_cap = (size_t) (end - start);   /* the final NUL stays */
}

void
ks_proctitle_set(const char *fmt, ...)
{
    char title[256];
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    vsnprintf(title, sizeof(title), fmt, ap);
    va_end(ap);
    if (title_buf == NULL || title_cap == 0)
        return;
    n = strlen(title);
    if (n > title_cap)
        n = title_cap;
    memcpy(title_buf, title, n);
    memset(title_buf + n, 0, title_cap + 1 - n);
}
