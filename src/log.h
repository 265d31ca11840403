/*
 * log.h: one line per event, to stderr or syslog.
 *
 *   2026-11-26T10:00:00.123Z error worker[2] could not upload ...
 *
 * Messages are lower case, without a final period: what failed, on what, why.
 */
#ifndef KS_LOG_H
#define KS_LOG_H

#include "ks.h"

typedef enum {
    KS_LOG_ERROR = 0,
    KS_LOG_WARN  = 1,
    KS_LOG_INFO  = 2,
    KS_LOG_DEBUG = 3
} ks_log_level_t;

/* Sets the process name shown in every line: "master", "worker" (with
 * index >= 0: "worker[2]"), "flusher", "coordinator". */
void ks_log_set_process(const char *name, int index);
void ks_log_set_level(ks_log_level_t level);
ks_log_level_t ks_log_get_level(void);
/* Parses "error", "warn", "info", "debug"; returns -1 on an unknown name. */
int ks_log_level_parse(const char *s);
/* Sends lines to syslog (daemon facility) instead of stderr. */
void ks_log_use_syslog(bool on);

/* Values (passwords, keys, tokens) to replace with "(secret)" should one
 * ever be part of a log line: a last line of defence, the code does not
 * log secrets.  Copies them; values shorter than 4 bytes are not looked
 * for.  Called with the configuration's secrets at start and on reload. */
void ks_log_set_secrets(const char *const *v, size_t n);
/* Replaces those values in msg (NUL-terminated, size bytes of room), for
 * text from elsewhere that is shown outside the log (the ops API). */
void ks_log_redact(char *msg, size_t size);

/* Sends libevent's own messages through ks_log. */
void ks_log_route_libevent(void);

void ks_log(ks_log_level_t level, const char *fmt, ...) KS_PRINTF(2, 3);

#define ks_log_error(...) ks_log(KS_LOG_ERROR, __VA_ARGS__)
#define ks_log_warn(...)  ks_log(KS_LOG_WARN, __VA_ARGS__)
#define ks_log_info(...)  ks_log(KS_LOG_INFO, __VA_ARGS__)
#define ks_log_debug(...) \
    do { if (ks_log_get_level() >= KS_LOG_DEBUG) ks_log(KS_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
