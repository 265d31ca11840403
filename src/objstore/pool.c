/*
 * pool.c: the small thread pool that runs blocking object store calls
 * (file I/O, libs3) off the event loop.  Runs in: the owning process; the
 * loop submits, pool threads run the op, and finished ops come back to
 * the loop through a pipe it watches, where they go to ks_os_op_done().
 * One mutex guards the job queue and the done list; it is never held
 * while an op runs.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#define KS_OBJSTORE_BACKEND
#include "objstore/objstore.h"

#define POOL_MAX_THREADS 8

struct ks_os_pool {
    ks_os_pool_fn fn;
    void *ctx;
    int nthreads;
    pthread_t threads[POOL_MAX_THREADS];
    pthread_mutex_t mu;
    pthread_cond_t cond;
    ks_os_op_t *queue_head, *queue_tail;   /* waiting for a thread */
    ks_os_op_t *done_head, *done_tail;     /* finished, for the loop */
    bool stopping;
    int pipe_rd, pipe_wr;
    struct event *ev_pipe;
};

static void
push(ks_os_op_t **head, ks_os_op_t **tail, ks_os_op_t *op)
{
    op->next = NULL;
    if (*tail != NULL)
        (*tail)->next = op;
    else
        *head = op;
    *tail = op;
}

/* Runs in: a pool thread. */
static void *
pool_main(void *arg)
{
    ks_os_pool_t *p = arg;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        ks_os_op_t *op;
        bool wake;

        while (p->queue_head == NULL && !p->stopping)
            pthread_cond_wait(&p->cond, &p->mu);
        if (p->stopping)
            break;
        op = p->queue_head;
        p->queue_head = op->next;
        if (p->queue_head == NULL)
            p->queue_tail = NULL;
        pthread_mutex_unlock(&p->mu);

        p->fn(p->ctx, op);

        pthread_mutex_lock(&p->mu);
        wake = p->done_head == NULL;
        push(&p->done_head, &p->done_tail, op);
        if (wake) {
            char c = 1;
            ssize_t w;

            do
                w = write(p->pipe_wr, &c, 1);
            while (w < 0 && errno == EINTR);
            /* EAGAIN: the pipe is full, hence already readable */
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void
take_done(ks_os_pool_t *p)
{
    ks_os_op_t *list;

    pthread_mutex_lock(&p->mu);
    list = p->done_head;
    p->done_head = p->done_tail = NULL;
    pthread_mutex_unlock(&p->mu);
    while (list != NULL) {
        ks_os_op_t *op = list;

        list = op->next;
        ks_os_op_done(op);
    }
}

static void
pipe_cb(evutil_socket_t fd, short what, void *arg)
{
    char buf[256];

    while (read(fd, buf, sizeof(buf)) > 0)
        ;
    take_done(arg);
}

void
ks_os_pool_submit(ks_os_pool_t *p, ks_os_op_t *op)
{
    pthread_mutex_lock(&p->mu);
    push(&p->queue_head, &p->queue_tail, op);
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

static void
stop_threads(ks_os_pool_t *p, int n)
{
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < n; i++)
        pthread_join(p->threads[i], NULL);
}

void
ks_os_pool_free(ks_os_pool_t *p)
{
    ks_os_op_t *queued;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    queued = p->queue_head;
    p->queue_head = p->queue_tail = NULL;
    pthread_mutex_unlock(&p->mu);
    stop_threads(p, p->nthreads);  /* running ops finish first */
    take_done(p);                   /* finished ones keep their real result */
    while (queued != NULL) {
        ks_os_op_t *op = queued;

        queued = op->next;
        ks_os_op_fail(op, KS_ERROR, "object store closed");
        ks_os_op_done(op);
    }
    event_free(p->ev_pipe);
    close(p->pipe_rd);
    close(p->pipe_wr);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cond);
    free(p);
}

ks_os_pool_t *
ks_os_pool_new(struct event_base *base, int nthreads, ks_os_pool_fn fn, void *ctx,
               char *err, size_t errlen)
{
    ks_os_pool_t *p = calloc(1, sizeof(*p));
    int fds[2];

    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->nthreads = KS_MAX(1, KS_MIN(nthreads, POOL_MAX_THREADS));
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "could not create pipe: %s", strerror(errno));
        free(p);
        return NULL;
    }
    p->pipe_rd = fds[0];
    p->pipe_wr = fds[1];
    p->ev_pipe = event_new(base, p->pipe_rd, EV_READ | EV_PERSIST, pipe_cb, p);
    if (p->ev_pipe == NULL || event_add(p->ev_pipe, NULL) != 0) {
        snprintf(err, errlen, "could not watch the completion pipe");
        goto fail;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cond, NULL);
    for (int i = 0; i < p->nthreads; i++) {
        int rc = pthread_create(&p->threads[i], NULL, pool_main, p);

        if (rc != 0) {
            snprintf(err, errlen, "could not start object store thread: %s", strerror(rc));
            stop_threads(p, i);
            pthread_mutex_destroy(&p->mu);
            pthread_cond_destroy(&p->cond);
            goto fail;
        }
    }
    return p;
fail:
    if (p->ev_pipe != NULL)
        event_free(p->ev_pipe);
    close(fds[0]);
    close(fds[1]);
    free(p);
    return NULL;
}
