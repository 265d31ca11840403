/*
 * master.h: the master process.
 */
#ifndef KS_MASTER_H
#define KS_MASTER_H

#include "process.h"

/* Runs the broker until it is stopped; returns the exit status. */
int ks_master_run(ks_inherit_t *in, bool daemon_mode, const char *pid_file);
/* Starts the orderly shutdown. */
void ks_master_stop(void);

#endif
