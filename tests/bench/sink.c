/*
 * sink: the ceiling for tests/bench. A Kafka listener that answers just
 * enough for librdkafka to produce to it (ApiVersions v0-v3, Metadata v0-v1,
 * Produce v3-v7) and throws the records away: no CRC check, no copy, no
 * storage. One thread per connection, blocking I/O.
 *
 *   sink [-l HOST:PORT] [-p PARTITIONS]
 *
 * Every topic asked for exists with PARTITIONS partitions (default 4), led
 * by this broker (node 0). Any other request closes the connection.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int npart = 4;
static char host[64] = "127.0.0.1";
static int port = 9192;

typedef struct {
    const uint8_t *p, *end;
    int err;
} rd_t;

static int16_t
r16(rd_t *r)
{
    if (r->end - r->p < 2) {
        r->err = 1;
        return 0;
    }
    int16_t v = (int16_t) ((r->p[0] << 8) | r->p[1]);
    r->p += 2;
    return v;
}

static int32_t
r32(rd_t *r)
{
    if (r->end - r->p < 4) {
        r->err = 1;
        return 0;
    }
    int32_t v = (int32_t) (((uint32_t) r->p[0] << 24) | ((uint32_t) r->p[1] << 16) | ((uint32_t) r->p[2] << 8) |
                           r->p[3]);
    r->p += 4;
    return v;
}

/* a string: returns its length (-1 = null) and points *s at it */
static int
rstr(rd_t *r, const uint8_t **s)
{
    int n = r16(r);
    if (n < 0)
        return -1;
    if (r->end - r->p < n) {
        r->err = 1;
        return 0;
    }
    *s = r->p;
    r->p += n;
    return n;
}

static void
rskip(rd_t *r, long n)
{
    if (n < 0 || r->end - r->p < n)
        r->err = 1;
    else
        r->p += n;
}

typedef struct {
    uint8_t *b;
    size_t n, cap;
} wr_t;

static void
wgrow(wr_t *w, size_t k)
{
    if (w->n + k > w->cap) {
        w->cap = (w->n + k) * 2;
        w->b = realloc(w->b, w->cap);
    }
}
static void
w8(wr_t *w, uint8_t v)
{
    wgrow(w, 1);
    w->b[w->n++] = v;
}
static void
w16(wr_t *w, int16_t v)
{
    wgrow(w, 2);
    w->b[w->n++] = (uint8_t) ((uint16_t) v >> 8);
    w->b[w->n++] = (uint8_t) v;
}
static void
w32(wr_t *w, int32_t v)
{
    wgrow(w, 4);
    for (int i = 3; i >= 0; i--)
        w->b[w->n++] = (uint8_t) ((uint32_t) v >> (i * 8));
}
static void
w64(wr_t *w, int64_t v)
{
    w32(w, (int32_t) ((uint64_t) v >> 32));
    w32(w, (int32_t) (uint64_t) v);
}
static void
wbytes(wr_t *w, const void *p, size_t n)
{
    wgrow(w, n);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void
wstr(wr_t *w, const void *p, int n)
{
    w16(w, (int16_t) n);
    if (n > 0)
        wbytes(w, p, (size_t) n);
}

static const struct {
    int16_t key, min, max;
} apis[] = { { 0, 3, 7 }, { 3, 0, 1 }, { 18, 0, 3 } };

static void
api_versions(wr_t *w, int ver)
{
    int n = (int) (sizeof(apis) / sizeof(apis[0]));
    w16(w, 0);
    if (ver >= 3)
        w8(w, (uint8_t) (n + 1));
    else
        w32(w, n);
    for (int i = 0; i < n; i++) {
        w16(w, apis[i].key);
        w16(w, apis[i].min);
        w16(w, apis[i].max);
        if (ver >= 3)
            w8(w, 0);
    }
    if (ver >= 1)
        w32(w, 0);
    if (ver >= 3)
        w8(w, 0);
}

static int
metadata(rd_t *r, wr_t *w, int ver)
{
    w32(w, 1); /* brokers */
    w32(w, 0);
    wstr(w, host, (int) strlen(host));
    w32(w, port);
    if (ver >= 1) {
        wstr(w, NULL, -1); /* rack */
        w32(w, 0);         /* controller */
    }
    int nt = r32(r);
    if (nt < 0)
        nt = 0;
    w32(w, nt);
    for (int t = 0; t < nt; t++) {
        const uint8_t *name = NULL;
        int len = rstr(r, &name);
        if (r->err || len < 0)
            return -1;
        w16(w, 0);
        wstr(w, name, len);
        if (ver >= 1)
            w8(w, 0);
        w32(w, npart);
        for (int p = 0; p < npart; p++) {
            w16(w, 0);
            w32(w, p);
            w32(w, 0);
            w32(w, 1);
            w32(w, 0);
            w32(w, 1);
            w32(w, 0);
        }
    }
    return 0;
}

/* returns 1 if a response is to be sent, 0 if not (acks=0), -1 on error */
static int
produce(rd_t *r, wr_t *w, int ver, int64_t *offset)
{
    const uint8_t *s;
    rstr(r, &s); /* transactional id */
    int16_t acks = r16(r);
    r32(r);
    int nt = r32(r);
    if (r->err || nt < 0)
        return -1;
    w32(w, nt);
    for (int t = 0; t < nt; t++) {
        int len = rstr(r, &s);
        if (r->err || len < 0)
            return -1;
        wstr(w, s, len);
        int np = r32(r);
        if (r->err || np < 0)
            return -1;
        w32(w, np);
        for (int p = 0; p < np; p++) {
            int32_t idx = r32(r);
            int32_t blen = r32(r);
            rskip(r, blen);
            if (r->err)
                return -1;
            w32(w, idx);
            w16(w, 0);
            w64(w, *offset);
            *offset += 1000;
            w64(w, -1);
            if (ver >= 5)
                w64(w, 0);
        }
    }
    w32(w, 0); /* throttle */
    return acks != 0;
}

static int
read_full(int fd, uint8_t *b, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, b + got, n - got);
        if (k <= 0) {
            if (k < 0 && errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t) k;
    }
    return 0;
}

static void *
conn_main(void *arg)
{
    int fd = (int) (intptr_t) arg;
    size_t cap = 1 << 20;
    uint8_t *buf = malloc(cap);
    wr_t w = { 0 };
    int64_t offset = 0;
    uint8_t hdr[4];

    for (;;) {
        if (read_full(fd, hdr, 4) != 0)
            break;
        uint32_t len = ((uint32_t) hdr[0] << 24) | ((uint32_t) hdr[1] << 16) | ((uint32_t) hdr[2] << 8) | hdr[3];
        if (len < 8 || len > 200u << 20)
            break;
        if (len > cap) {
            cap = len;
            buf = realloc(buf, cap);
        }
        if (read_full(fd, buf, len) != 0)
            break;
        rd_t r = { buf, buf + len, 0 };
        int16_t key = r16(&r), ver = r16(&r);
        int32_t corr = r32(&r);
        const uint8_t *cid;
        rstr(&r, &cid);
        w.n = 0;
        w32(&w, 0);
        w32(&w, corr);
        int send = 1;
        if (key == 18) {
            api_versions(&w, ver > 3 ? 0 : ver);
            if (ver > 3) {
                /* UNSUPPORTED_VERSION in v0 form */
                w.n = 8;
                w16(&w, 35);
                w32(&w, 0);
            }
        } else if (key == 3 && ver <= 1) {
            if (metadata(&r, &w, ver) != 0)
                break;
        } else if (key == 0 && ver >= 3 && ver <= 7) {
            send = produce(&r, &w, ver, &offset);
            if (send < 0)
                break;
        } else {
            fprintf(stderr, "sink: api %d v%d not supported: closing the connection\n", key, ver);
            break;
        }
        if (!send)
            continue;
        uint32_t n = (uint32_t) w.n - 4;
        w.b[0] = (uint8_t) (n >> 24);
        w.b[1] = (uint8_t) (n >> 16);
        w.b[2] = (uint8_t) (n >> 8);
        w.b[3] = (uint8_t) n;
        size_t off = 0;
        while (off < w.n) {
            ssize_t k = write(fd, w.b + off, w.n - off);
            if (k <= 0) {
                if (k < 0 && errno == EINTR)
                    continue;
                goto out;
            }
            off += (size_t) k;
        }
    }
out:
    close(fd);
    free(buf);
    free(w.b);
    return NULL;
}

int
main(int argc, char **argv)
{
    int o;
    while ((o = getopt(argc, argv, "l:p:")) != -1) {
        if (o == 'l') {
            char *c = strrchr(optarg, ':');
            if (c == NULL || c - optarg >= (long) sizeof(host))
                return 2;
            memcpy(host, optarg, (size_t) (c - optarg));
            host[c - optarg] = 0;
            port = atoi(c + 1);
        } else if (o == 'p') {
            npart = atoi(optarg);
        } else {
            fprintf(stderr, "usage: sink [-l HOST:PORT] [-p PARTITIONS]\n");
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 || bind(ls, (struct sockaddr *) &sa, sizeof(sa)) != 0 ||
        listen(ls, 1024) != 0) {
        fprintf(stderr, "sink: could not listen on %s:%d: %s\n", host, port, strerror(errno));
        return 1;
    }
    fprintf(stderr, "sink: listening on %s:%d\n", host, port);
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        pthread_t th;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        pthread_create(&th, &at, conn_main, (void *) (intptr_t) fd);
        pthread_attr_destroy(&at);
    }
}
