/*
 * master.c: the master process.  Runs in: master.
 *
 * Opens the listeners and the shared segment, forks the coordinator, the
 * flusher and N workers, accepts client connections and hands each to the
 * least-loaded worker over its channel (SCM_RIGHTS), respawns children that
 * die (with backoff) and runs the orderly shutdown.  The master never
 * touches ring data, so a crash of any child leaves it standing.
 *
 * Connection limits are enforced at accept: max.connections against the
 * sum of the workers' shm slot counts, max.connections.per.ip against a
 * small hash of client addresses.  Each address entry counts its open
 * connections per worker; a connection travels to its worker with the
 * entry's key, and the worker sends the key back over its channel when the
 * connection closes.  A worker that dies takes its connections with it, so
 * its counts are dropped with it: no message can be lost in between, since
 * its channel dies too.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/event.h>

#include "chan.h"
#include "log.h"
#include "master.h"
#include "process.h"
#include "proctitle.h"
#include "shm/ring.h"
#include "util.h"
#include "workers/broker/tls.h"

#define KS_MAX_LISTENERS 8
#define RESPAWN_MIN_MS   100
#define RESPAWN_MAX_MS   10000
#define STABLE_AFTER_MS  10000
#define STOP_TIMEOUT_MS  30000

typedef struct {
    int kind;                     /* ks_proc_kind_t */
    int index;                    /* worker number */
    int slot;
    pid_t pid;
    int chan;                     /* master's end of the worker channel */
    struct event *chan_ev;        /* closed connections the worker reports */
    int64_t started_ms;
    int64_t backoff_ms;
    bool respawn_pending;
    struct event *respawn_ev;
} ks_child_t;

typedef struct {
    int fd;
    int index;
    struct event *ev;
} ks_listen_t;

/* Open connections of one client address (IPv4 mapped into IPv6). */
typedef struct {
    uint8_t addr[16];
    uint32_t total;
    int32_t next;                 /* hash chain, or the free list */
    uint32_t *per_child;          /* [nchildren]: by worker slot */
} ks_addr_t;

#define ADDR_BUCKETS 4096

static struct {
    ks_inherit_t in;
    ks_shm_t shm;
    struct event_base *base;
    ks_child_t *children;         /* [0] coordinator, [1] flusher, [2..] workers */
    int nchildren;
    ks_listen_t listeners[KS_MAX_LISTENERS];
    int nlisteners;
    int death_pipe[2];
    bool stopping;
    int stop_phase;               /* 0 workers, 1 flusher, 2 coordinator, 3 done */
    int exit_code;
    const char *pid_file;
    struct event *stop_timer;
    int held_fd;                  /* a connection no worker could take yet */
    uint32_t held_listener;
    uint8_t held_addr[16];
    struct event *held_ev;
    /* open connections per client address */
    ks_addr_t *addrs;
    int32_t naddrs, cap_addrs, free_addr;
    int32_t addr_bucket[ADDR_BUCKETS];
    int64_t refused_log_ms;       /* refusals are logged once a second */
    uint64_t refused;
} M;

static void spawn(ks_child_t *c);
static void advance_stop(void);

/* ---------- listeners ---------- */

static int
open_listener(const ks_listener_t *l, char *err, size_t errlen)
{
    struct addrinfo hints, *res, *ai;
    char port[16];
    int fd = -1, one = 1, rc;
    const char *host = l->host[0] ? l->host : NULL;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    snprintf(port, sizeof(port), "%d", l->port);
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "could not resolve listener %s:%d: %s", l->host, l->port, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 4096) == 0)
            break;
        snprintf(err, errlen, "could not listen on %s:%d: %s", l->host, l->port, strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* ---------- connection limits ---------- */

static void
addr_of(const struct sockaddr_storage *ss, uint8_t a[16])
{
    memset(a, 0, 16);
    if (ss->ss_family == AF_INET) {
        a[10] = a[11] = 0xff;
        memcpy(a + 12, &((const struct sockaddr_in *) ss)->sin_addr, 4);
    } else if (ss->ss_family == AF_INET6) {
        memcpy(a, &((const struct sockaddr_in6 *) ss)->sin6_addr, 16);
    }
}

static uint32_t
addr_hash(const uint8_t a[16])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ a[i]) * 16777619u;
    return h % ADDR_BUCKETS;
}

static int32_t
addr_find(const uint8_t a[16])
{
    for (int32_t i = M.addr_bucket[addr_hash(a)]; i >= 0; i = M.addrs[i].next)
        if (memcmp(M.addrs[i].addr, a, 16) == 0)
            return i;
    return -1;
}

/* The entry of address a, created if needed; -1 when out of memory. */
static int32_t
addr_get(const uint8_t a[16])
{
    int32_t i = addr_find(a);
    uint32_t h;

    if (i >= 0)
        return i;
    if (M.free_addr >= 0) {
        i = M.free_addr;
        M.free_addr = M.addrs[i].next;
    } else {
        if (M.naddrs == M.cap_addrs) {
            int32_t cap = M.cap_addrs ? M.cap_addrs * 2 : 64;
            ks_addr_t *n = realloc(M.addrs, (size_t) cap * sizeof(*n));
            if (n == NULL)
                return -1;
            M.addrs = n;
            M.cap_addrs = cap;
        }
        i = M.naddrs;
        M.addrs[i].per_child = calloc((size_t) M.nchildren, sizeof(uint32_t));
        if (M.addrs[i].per_child == NULL)
            return -1;
        M.naddrs++;
    }
    memcpy(M.addrs[i].addr, a, 16);
    M.addrs[i].total = 0;
    h = addr_hash(a);
    M.addrs[i].next = M.addr_bucket[h];
    M.addr_bucket[h] = i;
    return i;
}

/* Unlinks an entry whose count fell to 0 and puts it on the free list. */
static void
addr_drop_if_unused(int32_t i)
{
    int32_t *pp;

    if (M.addrs[i].total != 0)
        return;
    for (pp = &M.addr_bucket[addr_hash(M.addrs[i].addr)]; *pp >= 0; pp = &M.addrs[*pp].next) {
        if (*pp == i) {
            *pp = M.addrs[i].next;
            break;
        }
    }
    M.addrs[i].next = M.free_addr;
    M.free_addr = i;
}

/* A connection of the child in `slot` closed (key = entry index + 1). */
static void
addr_closed(int slot, uint32_t key)
{
    ks_addr_t *e;

    if (key == 0 || key > (uint32_t) M.naddrs)
        return;
    e = &M.addrs[key - 1];
    if (e->per_child[slot] == 0)
        return;                   /* not this worker's: ignore, never underflow */
    e->per_child[slot]--;
    e->total--;
    addr_drop_if_unused((int32_t) key - 1);
}

/* The child in `slot` is gone with all its connections. */
static void
addr_child_gone(int slot)
{
    for (int32_t i = 0; i < M.naddrs; i++) {
        ks_addr_t *e = &M.addrs[i];
        if (e->per_child[slot] == 0)
            continue;
        e->total -= e->per_child[slot];
        e->per_child[slot] = 0;
        addr_drop_if_unused(i);
    }
}

static void
addr_fmt(const uint8_t a[16], char *buf, size_t len)
{
    static const uint8_t v4[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

    if (memcmp(a, v4, 12) == 0)
        inet_ntop(AF_INET, a + 12, buf, (socklen_t) len);
    else
        inet_ntop(AF_INET6, a, buf, (socklen_t) len);
}

static uint32_t
open_connections(void)
{
    uint32_t n = 0;

    for (int i = KS_SLOT_WORKER0; i < M.nchildren; i++)
        n += atomic_load(&M.shm.procs[M.children[i].slot].conns);
    return n;
}

/* Whether a new connection from a may be accepted; logs a refusal at most
 * once a second (with the number refused meanwhile). */
static bool
conn_allowed(const uint8_t a[16])
{
    const ks_conf_t *conf = M.in.conf;
    uint32_t open = open_connections();
    int64_t per_ip = conf->max_connections_per_ip;
    int32_t i;
    char host[INET6_ADDRSTRLEN], why[128];

    if ((int64_t) open >= conf->max_connections) {
        snprintf(why, sizeof(why), "max.connections (%lld) reached", (long long) conf->max_connections);
    } else if (per_ip > 0 && (i = addr_find(a)) >= 0 && (int64_t) M.addrs[i].total >= per_ip) {
        snprintf(why, sizeof(why), "max.connections.per.ip (%lld) reached", (long long) per_ip);
    } else {
        return true;
    }
    M.refused++;
    int64_t now = ks_now_ms();
    if (now - M.refused_log_ms >= 1000) {
        addr_fmt(a, host, sizeof(host));
        ks_log_warn("refused a connection from %s: %s (%llu refused since the last such line)",
                    host, why, (unsigned long long) M.refused);
        M.refused_log_ms = now;
        M.refused = 0;
    }
    return false;
}

/* Closed connections a worker reports: arrays of address keys. */
static void
on_worker_msg(evutil_socket_t fd, short what, void *arg)
{
    ks_child_t *c = arg;
    uint32_t keys[1024];

    (void) what;
    for (int n = 0; n < 64; n++) {
        ssize_t r = recv(fd, keys, sizeof(keys), MSG_DONTWAIT);

        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        if (r <= 0) {
            /* the worker is gone; SIGCHLD cleans up */
            event_del(c->chan_ev);
            return;
        }
        for (size_t k = 0; k < (size_t) r / sizeof(uint32_t); k++)
            addr_closed(c->slot, keys[k]);
    }
}

static void
chan_close(ks_child_t *c)
{
    if (c->chan_ev != NULL) {
        event_free(c->chan_ev);
        c->chan_ev = NULL;
    }
    if (c->chan >= 0) {
        close(c->chan);
        c->chan = -1;
    }
}

/* Least-loaded running worker not in `skip`; -1 when none is up. */
static int
pick_worker(const bool *skip)
{
    int best = -1;
    uint32_t best_load = UINT32_MAX;

    for (int i = KS_SLOT_WORKER0; i < M.nchildren; i++) {
        ks_child_t *c = &M.children[i];
        uint32_t load;

        if (c->pid <= 0 || c->chan < 0 || skip[i])
            continue;
        load = atomic_load(&M.shm.procs[c->slot].conns);
        if (load < best_load) {
            best_load = load;
            best = i;
        }
    }
    return best;
}

/* Hands fd to the least-loaded worker that takes it. Returns false when
 * every worker's channel is full (or none is up). */
static bool
hand_over(int fd, uint32_t listener, const uint8_t addr[16])
{
    ks_chan_conn_msg_t msg = { listener, 0 };
    bool skip[KS_SLOT_WORKER0 + 256 + 1] = { false };
    int32_t ai = addr_get(addr);

    /* Out of memory for the table: the connection goes uncounted (key 0). */
    msg.reserved = ai >= 0 ? (uint32_t) ai + 1 : 0;
    for (;;) {
        int w = pick_worker(skip);
        ks_child_t *c;
        int rc;

        if (w < 0) {
            if (ai >= 0)
                addr_drop_if_unused(ai);
            return false;
        }
        c = &M.children[w];
        skip[w] = true;
        atomic_fetch_add(&M.shm.procs[c->slot].conns, 1);
        rc = ks_chan_send_fd(c->chan, fd, &msg, sizeof(msg));
        if (rc == KS_OK) {
            if (ai >= 0) {
                M.addrs[ai].total++;
                M.addrs[ai].per_child[c->slot]++;
            }
            return true;
        }
        atomic_fetch_sub(&M.shm.procs[c->slot].conns, 1);
        if (rc == KS_ERROR)
            chan_close(c);
    }
}

static void
listeners_enable(bool on)
{
    for (int i = 0; i < M.nlisteners; i++) {
        if (M.listeners[i].fd < 0)
            continue;
        if (on)
            event_add(M.listeners[i].ev, NULL);
        else
            event_del(M.listeners[i].ev);
    }
}

/* Workers' channels were full: the connection waits here, and further
 * ones wait in the kernel's listen backlog, until a worker catches up. */
static void
on_held_retry(evutil_socket_t unused, short what, void *arg)
{
    struct timeval tv = { 0, 2000 };

    (void) unused;
    (void) what;
    (void) arg;
    if (M.held_fd < 0)
        return;
    if (M.stopping) {
        close(M.held_fd);
        M.held_fd = -1;
        return;
    }
    if (!hand_over(M.held_fd, M.held_listener, M.held_addr)) {
        evtimer_add(M.held_ev, &tv);
        return;
    }
    close(M.held_fd);
    M.held_fd = -1;
    listeners_enable(true);
}

static void
on_accept(evutil_socket_t lfd, short what, void *arg)
{
    ks_listen_t *l = arg;
    struct timeval tv = { 0, 2000 };

    (void) what;
    for (int n = 0; n < 256 && M.held_fd < 0; n++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        uint8_t addr[16];
        int fd = accept4(lfd, (struct sockaddr *) &ss, &sl, SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EMFILE || errno == ENFILE)
                ks_log_error("could not accept a connection: %s", strerror(errno));
            else if (errno != EAGAIN && errno != EWOULDBLOCK)
                ks_log_warn("could not accept a connection: %s", strerror(errno));
            return;
        }
        addr_of(&ss, addr);
        if (!conn_allowed(addr)) {
            close(fd);
            continue;
        }
        if (hand_over(fd, (uint32_t) l->index, addr)) {
            close(fd);
            continue;
        }
        M.held_fd = fd;
        M.held_listener = (uint32_t) l->index;
        memcpy(M.held_addr, addr, 16);
        listeners_enable(false);
        evtimer_add(M.held_ev, &tv);
    }
}

/* ---------- children ---------- */

static const char *
kind_name(int kind)
{
    switch (kind) {
    case KS_PROC_WORKER: return "worker";
    case KS_PROC_FLUSHER: return "flusher";
    case KS_PROC_COORDINATOR: return "coordinator";
    default: return "child";
    }
}

static void
describe_child(const ks_child_t *c, char *buf, size_t len)
{
    if (c->kind == KS_PROC_WORKER)
        snprintf(buf, len, "worker %d", c->index);
    else
        snprintf(buf, len, "%s", kind_name(c->kind));
}

static void
close_unneeded_fds(const ks_child_t *self)
{
    for (int i = 0; i < M.nlisteners; i++)
        close(M.listeners[i].fd);
    for (int i = 0; i < M.nchildren; i++)
        if (M.children[i].chan >= 0 && &M.children[i] != self)
            close(M.children[i].chan);
    close(M.death_pipe[1]);
    if (M.held_fd >= 0)
        close(M.held_fd);
}

static void
spawn(ks_child_t *c)
{
    int chan[2] = { -1, -1 };
    pid_t pid;
    char name[32];

    describe_child(c, name, sizeof(name));
    c->respawn_pending = false;
    if (c->kind == KS_PROC_WORKER) {
        chan_close(c);
        if (ks_chan_pair(chan) != KS_OK) {
            ks_log_error("could not create the channel for %s: %s", name, strerror(errno));
            return;
        }
    }
    ks_shm_proc_t *slot = &M.shm.procs[c->slot];
    atomic_store(&slot->state, KS_SLOT_STARTING);
    atomic_store(&slot->conns, 0);
    slot->kind = c->kind;
    slot->index = c->index;

    /* Signals stay blocked across the fork: the child must not run the
     * master's libevent signal handler, which would report the signal to
     * the master's loop through the pipe they share. */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    pid = fork();
    if (pid == 0) {
        static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2 };
        for (size_t i = 0; i < KS_ARRAY_LEN(sigs); i++)
            signal(sigs[i], SIG_DFL);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        ks_log_error("could not fork %s: %s", name, strerror(errno));
        if (chan[0] >= 0) {
            close(chan[0]);
            close(chan[1]);
        }
        return;
    }
    if (pid == 0) {
        int rc;

        if (chan[0] >= 0) {
            close(chan[0]);
            c->chan = -1;
        }
        close_unneeded_fds(c);
        /* The event base belongs to the master; the child makes its own. */
        M.in.chan_fd = chan[1];
        M.in.slot = c->slot;
        M.in.index = c->index;
        switch (c->kind) {
        case KS_PROC_WORKER: rc = ks_worker_main(&M.in); break;
        case KS_PROC_FLUSHER: rc = ks_flusher_main(&M.in); break;
        default: rc = ks_coordinator_main(&M.in); break;
        }
        _exit(rc);
    }
    if (chan[1] >= 0) {
        close(chan[1]);
        ks_set_nonblock(chan[0]);
        c->chan = chan[0];
        c->chan_ev = event_new(M.base, c->chan, EV_READ | EV_PERSIST, on_worker_msg, c);
        if (c->chan_ev != NULL)
            event_add(c->chan_ev, NULL);
    }
    c->pid = pid;
    c->started_ms = ks_now_ms();
    atomic_store(&slot->pid, pid);
    atomic_store(&slot->started_ms, c->started_ms);
    ks_log_info("started %s (pid %d)", name, (int) pid);
}

static void
on_respawn(evutil_socket_t fd, short what, void *arg)
{
    ks_child_t *c = arg;

    (void) fd;
    (void) what;
    if (M.stopping)
        return;
    atomic_fetch_add(&M.shm.procs[c->slot].restarts, 1);
    spawn(c);
}

/* A child is gone: release what it held in shared memory. */
static void
release_child(ks_child_t *c)
{
    ks_shm_proc_t *slot = &M.shm.procs[c->slot];

    /* Client connections it held died with it. */
    atomic_store(&slot->conns, 0);
    if (c->kind == KS_PROC_WORKER)
        addr_child_gone(c->slot);
    atomic_store(&slot->pid, 0);
    atomic_store(&slot->state, KS_SLOT_FREE);
    /* Partition locks it held are recovered by the next locker (robust
     * mutexes); ring entries it reserved and never finished are aborted so
     * the flusher does not wait for them. */
    if (c->kind == KS_PROC_WORKER && c->pid > 0) {
        int n = ks_ring_abort_dead(&M.shm, M.shm.ring, c->slot, (int32_t) c->pid);
        if (n > 0)
            ks_log_warn("aborted %d unfinished ring entries of the dead worker %d", n, c->index);
    }
    chan_close(c);
    c->pid = 0;
}

static void
child_died(ks_child_t *c, int status)
{
    char name[32], why[96];
    int64_t lived = ks_now_ms() - c->started_ms;
    bool fatal = false;

    describe_child(c, name, sizeof(name));
    if (WIFSIGNALED(status))
        snprintf(why, sizeof(why), "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status)) {
        snprintf(why, sizeof(why), "exited with status %d", WEXITSTATUS(status));
        fatal = WEXITSTATUS(status) == KS_EXIT_FATAL;
    } else
        snprintf(why, sizeof(why), "ended (status 0x%x)", status);
    pid_t pid = c->pid;
    release_child(c);

    if (M.stopping) {
        ks_log_info("%s (pid %d) %s", name, (int) pid, why);
        advance_stop();
        return;
    }
    if (fatal) {
        ks_log_error("%s (pid %d) %s, a fatal error; shutting down", name, (int) pid, why);
        M.exit_code = 1;
        ks_master_stop();
        return;
    }
    if (lived >= STABLE_AFTER_MS)
        c->backoff_ms = 0;
    else
        c->backoff_ms = c->backoff_ms == 0 ? RESPAWN_MIN_MS
                        : KS_MIN(c->backoff_ms * 2, RESPAWN_MAX_MS);
    /* The first death after a stable run respawns at once. */
    int64_t delay = lived >= STABLE_AFTER_MS ? 0 : c->backoff_ms;
    ks_log_error("%s (pid %d) %s after %lld ms; respawning in %lld ms", name, (int) pid, why,
                 (long long) lived, (long long) delay);
    if (delay == 0) {
        atomic_fetch_add(&M.shm.procs[c->slot].restarts, 1);
        spawn(c);
    } else {
        struct timeval tv = { (time_t) (delay / 1000), (suseconds_t) ((delay % 1000) * 1000) };
        c->respawn_pending = true;
        evtimer_add(c->respawn_ev, &tv);
    }
}

static void
on_sigchld(evutil_socket_t sig, short what, void *arg)
{
    int status;
    pid_t pid;

    (void) sig;
    (void) what;
    (void) arg;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < M.nchildren; i++) {
            if (M.children[i].pid == pid) {
                child_died(&M.children[i], status);
                break;
            }
        }
    }
}

/* ---------- stop and reload ---------- */

static void
signal_kind(int kind, int sig)
{
    for (int i = 0; i < M.nchildren; i++)
        if (M.children[i].kind == kind && M.children[i].pid > 0)
            kill(M.children[i].pid, sig);
}

static bool
kind_alive(int kind)
{
    for (int i = 0; i < M.nchildren; i++)
        if (M.children[i].kind == kind && M.children[i].pid > 0)
            return true;
    return false;
}

/* Workers first (they stop taking requests and drain), then the flusher
 * (uploads what is pending), then the coordinator (commits and releases
 * leases). */
static void
advance_stop(void)
{
    static const int order[] = { KS_PROC_WORKER, KS_PROC_FLUSHER, KS_PROC_COORDINATOR };

    while (M.stop_phase < 3) {
        int kind = order[M.stop_phase];
        if (kind_alive(kind))
            return;
        M.stop_phase++;
        if (M.stop_phase < 3)
            signal_kind(order[M.stop_phase], SIGTERM);
    }
    event_base_loopbreak(M.base);
}

static void
on_stop_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    ks_log_error("children did not stop within %d ms, killing them", STOP_TIMEOUT_MS);
    for (int i = 0; i < M.nchildren; i++)
        if (M.children[i].pid > 0)
            kill(M.children[i].pid, SIGKILL);
    M.exit_code = 1;
}

void
ks_master_stop(void)
{
    struct timeval tv = { STOP_TIMEOUT_MS / 1000, 0 };

    if (M.stopping)
        return;
    M.stopping = true;
    atomic_store(&M.shm.hdr->shutting_down, 1);
    for (int i = 0; i < M.nlisteners; i++) {
        event_del(M.listeners[i].ev);
        close(M.listeners[i].fd);
        M.listeners[i].fd = -1;
    }
    for (int i = 0; i < M.nchildren; i++)
        if (M.children[i].respawn_pending)
            evtimer_del(M.children[i].respawn_ev);
    M.stop_timer = evtimer_new(M.base, on_stop_timeout, NULL);
    evtimer_add(M.stop_timer, &tv);
    M.stop_phase = 0;
    signal_kind(KS_PROC_WORKER, SIGTERM);
    advance_stop();
}

static void
on_sigterm(evutil_socket_t sig, short what, void *arg)
{
    (void) what;
    (void) arg;
    ks_log_info("received %s, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    ks_master_stop();
}

static void
on_sighup(evutil_socket_t sig, short what, void *arg)
{
    (void) sig;
    (void) what;
    (void) arg;
    ks_log_info("received SIGHUP, reloading the configuration");
    if (ks_reload_conf(&M.in) == KS_OK) {
        /* What workers respawned from now on start with. */
        if (ks_tls_ready())
            ks_tls_reload(M.in.conf);
        for (int i = 0; i < M.nchildren; i++)
            if (M.children[i].pid > 0)
                kill(M.children[i].pid, SIGHUP);
    }
}

/* ---------- pid file ---------- */

static int
write_pid_file(const char *path)
{
    char buf[32];
    int fd, n;

    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        ks_log_error("could not write pid file %s: %s", path, strerror(errno));
        return KS_ERROR;
    }
    n = snprintf(buf, sizeof(buf), "%d\n", (int) getpid());
    if (write(fd, buf, (size_t) n) != n) {
        ks_log_error("could not write pid file %s: %s", path, strerror(errno));
        close(fd);
        return KS_ERROR;
    }
    close(fd);
    return KS_OK;
}

/* `user`: after the listeners are open (a port below 1024 needs root), the
 * master and every child it forks run as that user, with its groups.  Only
 * root can switch; naming the user one already runs as is allowed. */
static int
drop_privileges(const char *user, const char *data_dir)
{
    struct passwd *pw;

    if (user == NULL || user[0] == 0)
        return KS_OK;
    errno = 0;
    pw = getpwnam(user);
    if (pw == NULL) {
        ks_log_error("user = %s: %s", user, errno ? strerror(errno) : "no such user");
        return KS_ERROR;
    }
    if (geteuid() != 0) {
        if (pw->pw_uid == geteuid())
            return KS_OK;
        ks_log_error("user = %s: only root can switch to another user (running as uid %u)", user,
                     (unsigned) geteuid());
        return KS_ERROR;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        ks_log_error("user = %s: could not switch to uid %u gid %u: %s", user, (unsigned) pw->pw_uid,
                     (unsigned) pw->pw_gid, strerror(errno));
        return KS_ERROR;
    }
    if (setuid(0) == 0) {
        ks_log_error("user = %s: root privileges could be regained after switching; stopping", user);
        return KS_ERROR;
    }
    if (access(data_dir, R_OK | W_OK | X_OK) != 0) {
        ks_log_error("user = %s: the data directory %s is not writable by that user: %s", user, data_dir,
                     strerror(errno));
        return KS_ERROR;
    }
    ks_log_info("running as user %s (uid %u, gid %u)", user, (unsigned) pw->pw_uid, (unsigned) pw->pw_gid);
    return KS_OK;
}

static int
daemonize(void)
{
    pid_t pid = fork();
    int fd;

    if (pid < 0)
        return KS_ERROR;
    if (pid > 0)
        _exit(0);
    setsid();
    pid = fork();
    if (pid < 0)
        return KS_ERROR;
    if (pid > 0)
        _exit(0);
    fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
    return KS_OK;
}

static int
mkdir_p(const char *path, mode_t mode)
{
    char tmp[4096];
    size_t len = strlen(path);

    if (len == 0 || len >= sizeof(tmp))
        return KS_ERROR;
    memcpy(tmp, path, len + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, mode) < 0 && errno != EEXIST)
                return KS_ERROR;
            *p = '/';
        }
    }
    if (mkdir(tmp, mode) < 0 && errno != EEXIST)
        return KS_ERROR;
    return KS_OK;
}

/* ---------- entry ---------- */

/* Builds the TLS context the workers are forked with. */
static int
tls_check(const ks_conf_t *conf)
{
    char err[1024], warn[512];

    if (ks_tls_init(conf, err, sizeof(err), warn, sizeof(warn)) != KS_OK) {
        ks_log_error("%s", err);
        return KS_ERROR;
    }
    if (warn[0] != 0)
        ks_log_warn("%s", warn);
    return KS_OK;
}

int
ks_master_run(ks_inherit_t *in, bool daemon_mode, const char *pid_file)
{
    ks_listener_t ls[KS_MAX_LISTENERS];
    char err[512];
    int nls, nworkers;
    struct event *ev_chld, *ev_term, *ev_int, *ev_hup;
    ks_conf_t *conf = in->conf;

    memset(&M, 0, sizeof(M));
    M.in = *in;
    M.pid_file = pid_file;
    M.held_fd = -1;
    M.free_addr = -1;
    for (int i = 0; i < ADDR_BUCKETS; i++)
        M.addr_bucket[i] = -1;

    nworkers = (int) conf->workers;
    if (nworkers <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        nworkers = n > 0 ? (int) KS_MIN(n, 256) : 1;
    }

    nls = ks_conf_parse_listeners(conf->listeners, ls, KS_MAX_LISTENERS, err, sizeof(err));
    if (nls < 0) {
        ks_log_error("%s", err);
        return 1;
    }
    for (int i = 0; i < nls; i++) {
        int sec = ks_conf_listener_security(conf, ls[i].name);
        switch (sec) {
        case KS_SEC_PLAINTEXT:
        case KS_SEC_SASL_PLAINTEXT:     /* SASL in the workers (workers/broker/auth.c) */
        case KS_SEC_SSL:
        case KS_SEC_SASL_SSL:
            break;
        default:
            ks_log_error("listener %s://%s:%d: unknown security protocol", ls[i].name, ls[i].host, ls[i].port);
            return 1;
        }
    }
    /* TLS: the certificate and key load and match; the workers are
     * forked with this context. */
    if (ks_tls_needed(conf) && tls_check(conf) != KS_OK)
        return 1;
    if (mkdir_p(conf->data_dir, 0750) != KS_OK) {
        ks_log_error("could not create data directory %s: %s", conf->data_dir, strerror(errno));
        return 1;
    }

    if (daemon_mode && daemonize() != KS_OK) {
        ks_log_error("could not become a daemon: %s", strerror(errno));
        return 1;
    }
    if (pid_file != NULL && pid_file[0] != 0 && write_pid_file(pid_file) != KS_OK)
        return 1;

    ks_shm_params_t sp = { .nworkers = nworkers, .meta_bytes = 16u << 20,
                           .ring_bytes = (uint64_t) conf->ring_bytes, .nparts = KS_MAX_PARTITIONS,
                           .nproducers = 65536, .rcache_bytes = (uint64_t) conf->read_cache_bytes };
    if (ks_shm_create(&M.shm, &sp, err, sizeof(err)) != KS_OK) {
        ks_log_error("%s", err);
        return 1;
    }
    atomic_store(&M.shm.hdr->master_pid, (int32_t) getpid());
    M.in.shm = &M.shm;
    M.in.master_pid = (int) getpid();

    for (int i = 0; i < nls; i++) {
        int fd = open_listener(&ls[i], err, sizeof(err));
        if (fd < 0) {
            ks_log_error("%s", err);
            return 1;
        }
        M.listeners[M.nlisteners].fd = fd;
        M.listeners[M.nlisteners].index = i;
        M.nlisteners++;
    }
    if (drop_privileges(conf->user, conf->data_dir) != KS_OK)
        return 1;
    /* Again as the user the workers run as (and reload as): can it read
     * the files? */
    if (conf->user[0] != 0 && ks_tls_needed(conf) && tls_check(conf) != KS_OK)
        return 1;

    if (pipe2(M.death_pipe, O_CLOEXEC) < 0) {
        ks_log_error("could not create the death pipe: %s", strerror(errno));
        return 1;
    }
    M.in.death_fd = M.death_pipe[0];

    /* Children must not inherit a broken signal disposition. */
    signal(SIGPIPE, SIG_IGN);

    M.base = event_base_new();
    if (M.base == NULL) {
        ks_log_error("could not create the event loop");
        return 1;
    }
    M.nchildren = KS_SLOT_WORKER0 + nworkers;
    M.children = calloc((size_t) M.nchildren, sizeof(ks_child_t));
    for (int i = 0; i < M.nchildren; i++) {
        ks_child_t *c = &M.children[i];
        c->slot = i;
        c->chan = -1;
        c->kind = i == KS_SLOT_COORDINATOR ? KS_PROC_COORDINATOR
                : i == KS_SLOT_FLUSHER ? KS_PROC_FLUSHER : KS_PROC_WORKER;
        c->index = c->kind == KS_PROC_WORKER ? i - KS_SLOT_WORKER0 + 1 : 0;
        c->respawn_ev = evtimer_new(M.base, on_respawn, c);
    }

    ks_proctitle_set("kafscaled: master");
    M.held_ev = evtimer_new(M.base, on_held_retry, NULL);
    ev_chld = evsignal_new(M.base, SIGCHLD, on_sigchld, NULL);
    ev_term = evsignal_new(M.base, SIGTERM, on_sigterm, NULL);
    ev_int = evsignal_new(M.base, SIGINT, on_sigterm, NULL);
    ev_hup = evsignal_new(M.base, SIGHUP, on_sighup, NULL);
    event_add(ev_chld, NULL);
    event_add(ev_term, NULL);
    event_add(ev_int, NULL);
    event_add(ev_hup, NULL);

    ks_log_info("kafscaled %s starting: %d workers, data in %s, metadata %s, objects %s",
                PACKAGE_VERSION, nworkers, conf->data_dir, conf->metadata_store, conf->object_store);
    for (int i = 0; i < M.nchildren; i++)
        spawn(&M.children[i]);

    for (int i = 0; i < M.nlisteners; i++) {
        M.listeners[i].ev = event_new(M.base, M.listeners[i].fd, EV_READ | EV_PERSIST, on_accept,
                                      &M.listeners[i]);
        event_add(M.listeners[i].ev, NULL);
        ks_log_info("listening on %s://%s:%d", ls[i].name, ls[i].host[0] ? ls[i].host : "*",
                    ls[i].port);
    }

    event_base_dispatch(M.base);

    /* Reap anything left (after a forced kill). */
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    for (int i = 0; i < M.nchildren; i++) {
        if (M.children[i].pid > 0) {
            kill(M.children[i].pid, SIGKILL);
            waitpid(M.children[i].pid, NULL, 0);
        }
        chan_close(&M.children[i]);
        event_free(M.children[i].respawn_ev);
    }
    event_free(ev_chld);
    event_free(ev_term);
    event_free(ev_int);
    event_free(ev_hup);
    for (int i = 0; i < M.nlisteners; i++)
        if (M.listeners[i].ev != NULL)
            event_free(M.listeners[i].ev);
    if (M.stop_timer != NULL)
        event_free(M.stop_timer);
    event_free(M.held_ev);
    if (M.held_fd >= 0)
        close(M.held_fd);
    event_base_free(M.base);
    for (int32_t i = 0; i < M.naddrs; i++)
        free(M.addrs[i].per_child);
    free(M.addrs);
    free(M.children);
    close(M.death_pipe[1]);
    close(M.death_pipe[0]);
    if (pid_file != NULL && pid_file[0] != 0)
        unlink(pid_file);
    ks_shm_destroy(&M.shm);
    ks_tls_shutdown();
    ks_log_info("stopped");
    return M.exit_code;
}
