/*
 * notify.c: wake-up datagrams.  Runs in: workers, flusher, coordinator.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

static socklen_t
notify_addr(struct sockaddr_un *sa, int master_pid, const char *name)
{
    int n;

    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "kafscale.%d.%s", master_pid, name);
    return (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + (size_t) n);
}

int
ks_notify_bind(int master_pid, const char *name)
{
    struct sockaddr_un sa;
    socklen_t len = notify_addr(&sa, master_pid, name);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *) &sa, len) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int
ks_notify_sender(void)
{
    return socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

void
ks_notify_send(int fd, int master_pid, const char *name)
{
    struct sockaddr_un sa;
    socklen_t len = notify_addr(&sa, master_pid, name);
    char b = 1;

    if (fd >= 0)
        (void) sendto(fd, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *) &sa, len);
}

void
ks_notify_drain(int fd)
{
    char buf[64];

    while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
        ;
}
