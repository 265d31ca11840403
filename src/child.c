/*
 * child.c: what every child process does the same way: identity, the death
 * watch, signals and configuration reloads.  Runs in: every child (and the
 * master for reloads).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "process.h"
#include "proctitle.h"
#include "util.h"

static void
reload_warn(const char *msg)
{
    ks_log_warn("%s", msg);
}

int
ks_reload_conf(ks_inherit_t *in)
{
    ks_conf_t fresh;
    char err[1024];
    int lvl;

    if (ks_conf_build(&fresh, in->conf_path, in->overrides, in->noverrides, err,
                      sizeof(err)) != KS_OK) {
        ks_log_error("could not reload the configuration, keeping the old one: %s", err);
        ks_conf_free(&fresh);
        return KS_ERROR;
    }
    ks_conf_reload_into(in->conf, &fresh, reload_warn);
    ks_conf_free(&fresh);
    {
        const char *sv[16];

        ks_log_set_secrets(sv, ks_conf_secret_values(in->conf, sv, KS_ARRAY_LEN(sv)));
    }
    lvl = ks_log_level_parse(in->conf->log_level);
    if (lvl >= 0)
        ks_log_set_level((ks_log_level_t) lvl);
    return KS_OK;
}

int
ks_child_setup(ks_inherit_t *in, const char *name, int index)
{
    ks_shm_proc_t *slot = &in->shm->procs[in->slot];

    ks_log_set_process(name, index > 0 ? index : -1);
    if (index > 0)
        ks_proctitle_set("kafscaled: %s %d", name, index);
    else
        ks_proctitle_set("kafscaled: %s", name);
    /* Die with the master: the death signal covers a master killed with
     * SIGKILL; the death pipe (watched by the loop) covers the rest. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != in->master_pid) {
        ks_log_error("the master is gone, exiting");
        return KS_ERROR;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_DFL);
    /* Ctrl-C reaches the whole process group; only the master acts on it
     * and stops the children in order. */
    signal(SIGINT, SIG_IGN);
    atomic_store(&slot->pid, (int32_t) getpid());
    atomic_store(&slot->heartbeat_ms, (uint64_t) ks_now_ms());
    return KS_OK;
}

typedef struct {
    ks_inherit_t *in;
    void (*on_stop)(void *arg);
    void *arg;
    struct event *ev_term, *ev_hup, *ev_death;
} child_events_t;

static void
on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
    child_events_t *ce = arg;

    (void) sig;
    (void) what;
    ce->on_stop(ce->arg);
}

static void (*reload_hook)(void *arg);
static void *reload_hook_arg;

void
ks_child_on_reload(void (*fn)(void *arg), void *arg)
{
    reload_hook = fn;
    reload_hook_arg = arg;
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
    child_events_t *ce = arg;

    (void) sig;
    (void) what;
    ks_reload_conf(ce->in);
    if (reload_hook != NULL)
        reload_hook(reload_hook_arg);
}

static volatile bool master_gone;

bool
ks_child_master_gone(const ks_inherit_t *in)
{
    return master_gone || getppid() != in->master_pid;
}

static void
on_death(evutil_socket_t fd, short what, void *arg)
{
    child_events_t *ce = arg;
    char c;

    (void) what;
    if (read(fd, &c, 1) == 0) {
        master_gone = true;
        ks_log_error("the master is gone, stopping");
        event_del(ce->ev_death);
        ce->on_stop(ce->arg);
    }
}

int
ks_child_events(ks_inherit_t *in, struct event_base *base, void (*on_stop)(void *arg), void *arg)
{
    static child_events_t *volatile ce_kept;    /* freed with the process: keep it reachable */
    child_events_t *ce = ce_kept = calloc(1, sizeof(*ce));

    if (ce == NULL)
        return KS_ERROR;
    ce->in = in;
    ce->on_stop = on_stop;
    ce->arg = arg;
    ce->ev_term = evsignal_new(base, SIGTERM, on_stop_signal, ce);
    ce->ev_hup = evsignal_new(base, SIGHUP, on_hup, ce);
    ce->ev_death = event_new(base, in->death_fd, EV_READ | EV_PERSIST, on_death, ce);
    event_add(ce->ev_term, NULL);
    event_add(ce->ev_hup, NULL);
    event_add(ce->ev_death, NULL);
    /* Freed with the process. */
    return KS_OK;
}
