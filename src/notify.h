/*
 * notify.h: one-byte wake-up datagrams between the processes of a broker,
 * on abstract unix sockets named after the master's pid.  A lost wake-up
 * is harmless (the receiver also re-checks on its timers); a full socket
 * just drops the datagram.
 */
#ifndef KS_NOTIFY_H
#define KS_NOTIFY_H

#include "ks.h"

/* Binds "kafscale.<master_pid>.<name>"; returns a non-blocking fd or -1. */
int ks_notify_bind(int master_pid, const char *name);
/* An unbound socket for sending. */
int ks_notify_sender(void);
void ks_notify_send(int fd, int master_pid, const char *name);
/* Reads and discards every pending datagram. */
void ks_notify_drain(int fd);

#endif
