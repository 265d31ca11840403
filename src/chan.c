/*
 * chan.c: fd passing and RPC addressing.  Runs in: master, workers,
 * coordinator.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <stddef.h>
#include <unistd.h>

#include "chan.h"

int
ks_chan_pair(int fds[2])
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
        return KS_ERROR;
    return KS_OK;
}

int
ks_chan_send_fd(int chan, int fd, const void *msg, size_t len)
{
    struct msghdr mh;
    struct iovec iov;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct cmsghdr *cm;

    memset(&mh, 0, sizeof(mh));
    memset(&ctl, 0, sizeof(ctl));
    iov.iov_base = (void *) msg;
    iov.iov_len = len;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (fd >= 0) {
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof(ctl.buf);
        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    }
    for (;;) {
        ssize_t n = sendmsg(chan, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0)
            return KS_OK;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return KS_AGAIN;
        return KS_ERROR;
    }
}

int
ks_chan_recv_fd(int chan, int *fd, void *msg, size_t cap, size_t *len)
{
    struct msghdr mh;
    struct iovec iov;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * 4)];
    } ctl;
    struct cmsghdr *cm;
    ssize_t n;

    *fd = -1;
    memset(&mh, 0, sizeof(mh));
    iov.iov_base = msg;
    iov.iov_len = cap;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof(ctl.buf);
    for (;;) {
        n = recvmsg(chan, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n >= 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return KS_AGAIN;
        return KS_ERROR;
    }
    if (n == 0 && mh.msg_controllen == 0)
        return KS_ERROR;
    for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            size_t nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            int fds[4];
            memcpy(fds, CMSG_DATA(cm), nfds * sizeof(int));
            for (size_t i = 0; i < nfds; i++) {
                if (*fd < 0)
                    *fd = fds[i];
                else
                    close(fds[i]);   /* only one expected */
            }
        }
    }
    *len = (size_t) n;
    return KS_OK;
}

int
ks_rpc_coord_addr(struct sockaddr_un *sa, int master_pid)
{
    int n;

    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    /* Abstract namespace: sun_path[0] == 0, nothing on disk to clean up. */
    n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "kafscale.%d.coordinator", master_pid);
    return (int) (offsetof(struct sockaddr_un, sun_path) + 1 + (size_t) n);
}
