/*
 * log.c: the log line writer.  Runs in: every process.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"

static const char *const level_names[] = { "error", "warn", "info", "debug" };

static char proc_name[32] = "kafscaled";
static ks_log_level_t cur_level = KS_LOG_INFO;
static bool use_syslog;

/* Values that must never appear in a log line (ks_log_set_secrets). */
#define MAX_SECRETS     16
#define MIN_SECRET_LEN  4
static char *secrets[MAX_SECRETS];
static size_t nsecrets;

void
ks_log_set_secrets(const char *const *v, size_t n)
{
    for (size_t i = 0; i < nsecrets; i++) {
        memset(secrets[i], 0, strlen(secrets[i]));
        free(secrets[i]);
        secrets[i] = NULL;
    }
    nsecrets = 0;
    for (size_t i = 0; i < n && nsecrets < MAX_SECRETS; i++) {
        if (v[i] != NULL && strlen(v[i]) >= MIN_SECRET_LEN) {
            char *c = strdup(v[i]);

            if (c != NULL)
                secrets[nsecrets++] = c;
        }
    }
}

/* Replaces every occurrence of a secret in msg (NUL-terminated, size
 * bytes of room) with "(secret)". */
void
ks_log_redact(char *msg, size_t size)
{
    static const char mark[] = "(secret)";
    const size_t ml = sizeof(mark) - 1;

    for (size_t i = 0; i < nsecrets; i++) {
        size_t sl = strlen(secrets[i]);
        char *p = msg;

        while ((p = strstr(p, secrets[i])) != NULL) {
            size_t tail = strlen(p + sl) + 1;

            if (ml <= sl) {
                memcpy(p, mark, ml);
                memmove(p + ml, p + sl, tail);
            } else {
                size_t used = (size_t) (p - msg) + ml;

                if (used >= size) {
                    *p = '\0';
                    break;
                }
                if (used + tail > size)
                    tail = size - used;
                memmove(p + ml, p + sl, tail);
                msg[size - 1] = '\0';
                memcpy(p, mark, ml);
            }
            p += ml;
        }
    }
}

void
ks_log_set_process(const char *name, int index)
{
    if (index >= 0)
        snprintf(proc_name, sizeof(proc_name), "%s[%d]", name, index);
    else
        snprintf(proc_name, sizeof(proc_name), "%s", name);
}

void
ks_log_set_level(ks_log_level_t level)
{
    cur_level = level;
}

ks_log_level_t
ks_log_get_level(void)
{
    return cur_level;
}

int
ks_log_level_parse(const char *s)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(level_names); i++)
        if (strcmp(s, level_names[i]) == 0)
            return (int) i;
    if (strcmp(s, "warning") == 0)
        return KS_LOG_WARN;
    return -1;
}

static void
libevent_log(int severity, const char *msg)
{
    /* libevent warns when a forked child adds signals to its own base
     * while the parent's base still exists; that is expected here. */
    if (severity >= EVENT_LOG_ERR)
        ks_log(KS_LOG_ERROR, "libevent: %s", msg);
    else
        ks_log_debug("libevent: %s", msg);
}

void
ks_log_route_libevent(void)
{
    event_set_log_callback(libevent_log);
}

void
ks_log_use_syslog(bool on)
{
    if (on && !use_syslog)
        openlog("kafscaled", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    use_syslog = on;
}

void
ks_log(ks_log_level_t level, const char *fmt, ...)
{
    static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
    char msg[2048];
    va_list ap;
    int saved_errno = errno;

    if (level > cur_level)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (nsecrets > 0)
        ks_log_redact(msg, sizeof(msg));

    if (use_syslog) {
        syslog(prio[level], "%s %s %s", level_names[level], proc_name, msg);
    } else {
        char line[2200];
        struct timespec ts;
        struct tm tm;
        int n;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = snprintf(line, sizeof(line),
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s %s\n",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L,
                     level_names[level], proc_name, msg);
        if (n > (int) sizeof(line) - 1) {
            n = (int) sizeof(line) - 1;
            line[n - 1] = '\n';
        }
        /* One write per line so lines of different processes never mix. */
        ssize_t w = write(STDERR_FILENO, line, (size_t) n);
        (void) w;
    }
    errno = saved_errno;
}
