/*
 * process.h: what a child process inherits from the master.
 *
 * The child's inheritance is this one struct plus the file descriptors it
 * names; every other descriptor is closed in the child after the fork.
 */
#ifndef KS_PROCESS_H
#define KS_PROCESS_H

#include "ks.h"
#include "conf.h"
#include "shm/shm.h"

#define KS_SLOT_COORDINATOR 0
#define KS_SLOT_FLUSHER     1
#define KS_SLOT_WORKER0     2   /* worker i (from 1) uses slot 1 + i */

typedef struct {
    ks_conf_t *conf;
    const char *conf_path;      /* NULL when no file was read */
    char **overrides;           /* -o key=value, for reloads */
    int noverrides;
    ks_shm_t *shm;
    int master_pid;
    int death_fd;               /* read end of the death pipe: EOF = master gone */
    int chan_fd;                /* worker: its end of the master channel */
    int slot;                   /* index into the shm process table */
    int index;                  /* worker number, from 1; 0 otherwise */
} ks_inherit_t;

/* Entry points of the children; they return the process exit status
 * (KS_EXIT_FATAL tells the master not to respawn). */
int ks_worker_main(ks_inherit_t *in);
int ks_flusher_main(ks_inherit_t *in);
int ks_coordinator_main(ks_inherit_t *in);

#define KS_EXIT_FATAL 2

/* Shared by every child: set up identity, signals, death watch.
 * Returns KS_OK or KS_ERROR. Runs in: child, right after fork. */
struct event_base;
int ks_child_setup(ks_inherit_t *in, const char *name, int index);
/* Reloads the configuration (SIGHUP) from in->conf_path and overrides into
 * in->conf, keeping non-reloadable values. Runs in: any process. */
int ks_reload_conf(ks_inherit_t *in);
/* Whether the master died (its death pipe closed or this process was
 * reparented). Runs in: any child. */
bool ks_child_master_gone(const ks_inherit_t *in);
/* Builds a configuration: defaults, then the file (path may be NULL), then
 * the environment, then the -o overrides; validated. */
int ks_conf_build(ks_conf_t *c, const char *path, char **overrides, int noverrides,
                  char *err, size_t errlen);
/* Adds the standard events of a child loop: SIGTERM/SIGINT -> on_stop,
 * SIGHUP -> reload, death pipe EOF -> on_stop. */
int ks_child_events(ks_inherit_t *in, struct event_base *base,
                    void (*on_stop)(void *arg), void *arg);
/* Runs fn(arg) after each SIGHUP's configuration reload (also when the
 * reload failed: files named by the old configuration may have changed).
 * One hook per process. */
void ks_child_on_reload(void (*fn)(void *arg), void *arg);

#endif
