/*
 * flusher.c: the flusher process.  Runs in: flusher.
 *
 * Seals the ring's committed bytes into segments, uploads them and commits
 * the new high watermarks (the data path).  Until the ring exists it only
 * runs its loop, so the process table and shutdown order are in place.
 */
#include "config.h"

#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "process.h"
#include "util.h"

static struct event_base *base;
static ks_inherit_t *self;

static void
on_stop(void *arg)
{
    (void) arg;
    event_base_loopbreak(base);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    atomic_store(&self->shm->procs[self->slot].heartbeat_ms, (uint64_t) ks_now_ms());
}

int
ks_flusher_main(ks_inherit_t *in)
{
    struct timeval tv = { 1, 0 };
    struct event *tick;

    self = in;
    if (ks_child_setup(in, "flusher", 0) != KS_OK)
        return 1;
    base = event_base_new();
    if (base == NULL || ks_child_events(in, base, on_stop, NULL) != KS_OK)
        return 1;
    tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
    event_add(tick, &tv);
    atomic_store(&in->shm->procs[in->slot].state, KS_SLOT_RUNNING);
    event_base_dispatch(base);
    event_free(tick);
    event_base_free(base);
    return 0;
}
