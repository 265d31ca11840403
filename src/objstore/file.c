/*
 * file.c: the "file" object store backend.  Objects live under
 * <data_dir>/objects/<key>, one file per object, with the key's '/'
 * as directories.  Runs in: the owning process; the blocking file I/O runs
 * in a small pthread pool and completions come back to the event loop
 * through a pipe the loop watches.
 *
 * Durability: a PUT writes a temporary file next to the target, fsyncs
 * it, renames it over the target and fsyncs the directory; directories it
 * creates are fsync'd into their parents first.  DELETE unlinks and
 * fsyncs the directory.  Temporary files are named ".ks-tmp.*" and never
 * listed; a key with such a path component, an empty component, "." or
 * ".." is refused.  A key that is a prefix directory of another key (both
 * "a" and "a/b") cannot exist here, unlike on S3.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <event2/event.h>

#define KS_OBJSTORE_BACKEND
#include "objstore/objstore.h"
#include "log.h"
#include "util.h"

#define TMP_PREFIX ".ks-tmp."

typedef struct {
    ks_objstore_t *os;
    char *root;                 /* <data_dir>/objects */
    ks_os_pool_t *pool;
    pthread_mutex_t seq_mu;
    unsigned tmp_seq;
} file_be_t;

/* ---- helpers that run in the pool threads ---- */

static int
key_ok(const char *key, bool allow_empty)
{
    const char *p = key;

    if (*key == '\0')
        return allow_empty;
    if (strlen(key) >= PATH_MAX - 64)
        return 0;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash != NULL ? (size_t) (slash - p) : strlen(p);

        if (n == 0 && (slash != NULL || !allow_empty))
            return 0;
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        if (n >= sizeof(TMP_PREFIX) - 1 && memcmp(p, TMP_PREFIX, sizeof(TMP_PREFIX) - 1) == 0)
            return 0;
        if (slash == NULL)
            break;
        p = slash + 1;
        if (*p == '\0')
            return allow_empty;    /* a trailing '/' only in a list prefix */
    }
    return 1;
}

static int
fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* mkdir -p of the directory part of path (path is root/key), fsyncing
 * every directory created into its parent. */
static int
make_parents(const char *root, char *path)
{
    size_t rootlen = strlen(root);
    char *p = path + rootlen + 1;

    while ((p = strchr(p, '/')) != NULL) {
        *p = '\0';
        if (mkdir(path, 0755) == 0) {
            char *parent_end = strrchr(path, '/');
            int rc;

            *parent_end = '\0';
            rc = fsync_dir(path);
            *parent_end = '/';
            if (rc != 0) {
                *p = '/';
                return -1;
            }
        } else if (errno != EEXIST) {
            *p = '/';
            return -1;
        }
        *p = '/';
        p++;
    }
    return 0;
}

static void
do_put(file_be_t *fb, ks_os_op_t *op)
{
    char path[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX];
    char *slash;
    int fd = -1;
    unsigned seq;

    snprintf(path, sizeof(path), "%s/%s", fb->root, op->key);
    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(dir, '/');
    *slash = '\0';
    pthread_mutex_lock(&fb->seq_mu);
    seq = fb->tmp_seq++;
    pthread_mutex_unlock(&fb->seq_mu);
    if (snprintf(tmp, sizeof(tmp), "%s/" TMP_PREFIX "%ld.%u", dir, (long) getpid(), seq) >=
        (int) sizeof(tmp)) {
        ks_os_op_fail(op, KS_ERROR, "could not store %s: key too long", op->key);
        return;
    }

    /* A concurrent DELETE may remove an emptied parent directory between
     * our mkdir and open: try again a few times. */
    for (int attempt = 0; attempt < 5; attempt++) {
        if (make_parents(fb->root, path) != 0) {
            ks_os_op_fail(op, KS_ERROR, "could not create directories for %s: %s", op->key,
                          strerror(errno));
            return;
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0 || errno != ENOENT)
            break;
    }
    if (fd < 0) {
        ks_os_op_fail(op, KS_ERROR, "could not create %s: %s", tmp, strerror(errno));
        return;
    }
    /* pwritev over the caller's iovecs, resuming after short writes. */
    {
        struct iovec local[64];
        int idx = 0;
        size_t skip = 0;
        off_t off = 0;

        while (idx < op->iovcnt) {
            int n = 0;
            ssize_t w;

            for (int i = idx; i < op->iovcnt && n < (int) KS_ARRAY_LEN(local); i++) {
                size_t s = i == idx ? skip : 0;

                if (op->iov[i].iov_len - s == 0)
                    continue;
                local[n].iov_base = (char *) op->iov[i].iov_base + s;
                local[n].iov_len = op->iov[i].iov_len - s;
                n++;
            }
            if (n == 0)
                break;
            w = pwritev(fd, local, n, off);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                ks_os_op_fail(op, KS_ERROR, "could not write %s: %s", op->key, strerror(errno));
                goto fail;
            }
            off += w;
            while (idx < op->iovcnt && (size_t) w >= op->iov[idx].iov_len - skip) {
                w -= (ssize_t) (op->iov[idx].iov_len - skip);
                skip = 0;
                idx++;
            }
            skip += (size_t) w;
        }
    }
    if (fsync(fd) != 0) {
        ks_os_op_fail(op, KS_ERROR, "could not fsync %s: %s", op->key, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        ks_os_op_fail(op, KS_ERROR, "could not close %s: %s", op->key, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        ks_os_op_fail(op, KS_ERROR, "could not rename %s into place: %s", op->key,
                      strerror(errno));
        goto fail;
    }
    if (fsync_dir(dir) != 0) {
        ks_os_op_fail(op, KS_ERROR, "could not fsync directory of %s: %s", op->key,
                      strerror(errno));
        return;
    }
    op->res.rc = KS_OK;
    return;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
}

static void
do_get(file_be_t *fb, ks_os_op_t *op)
{
    char path[PATH_MAX];
    struct stat st;
    int fd;
    int64_t want;
    size_t got = 0;

    snprintf(path, sizeof(path), "%s/%s", fb->root, op->key);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ks_os_op_fail(op, errno == ENOENT || errno == ENOTDIR ? KS_OS_NOT_FOUND : KS_ERROR,
                      "could not open %s: %s", op->key, strerror(errno));
        return;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ks_os_op_fail(op, KS_OS_NOT_FOUND, "could not read %s: no such object", op->key);
        close(fd);
        return;
    }
    op->res.size = st.st_size;
    if (op->offset >= st.st_size && !(op->offset == 0 && st.st_size == 0)) {
        op->res.http_status = 416;
        ks_os_op_fail(op, KS_ERROR, "could not read %s: offset %lld past the end (%lld bytes)",
                      op->key, (long long) op->offset, (long long) st.st_size);
        close(fd);
        return;
    }
    want = st.st_size - op->offset;
    if (op->len >= 0 && op->len < want)
        want = op->len;
    op->res.data = malloc((size_t) want + 1);
    if (op->res.data == NULL) {
        ks_os_op_fail(op, KS_ERROR, "could not read %s: out of memory", op->key);
        close(fd);
        return;
    }
    while (got < (size_t) want) {
        ssize_t r = pread(fd, op->res.data + got, (size_t) want - got, op->offset + (off_t) got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            ks_os_op_fail(op, KS_ERROR, "could not read %s: %s", op->key,
                          r < 0 ? strerror(errno) : "file shrank");
            close(fd);
            return;
        }
        got += (size_t) r;
    }
    op->res.data[got] = '\0';
    op->res.len = got;
    op->res.rc = KS_OK;
    close(fd);
}

static void
do_head(file_be_t *fb, ks_os_op_t *op)
{
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", fb->root, op->key);
    if (stat(path, &st) != 0) {
        bool missing = errno == ENOENT || errno == ENOTDIR;

        ks_os_op_fail(op, missing ? KS_OS_NOT_FOUND : KS_ERROR, "could not stat %s: %s",
                      op->key, strerror(errno));
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        ks_os_op_fail(op, KS_OS_NOT_FOUND, "could not stat %s: no such object", op->key);
        return;
    }
    op->res.size = st.st_size;
    op->res.rc = KS_OK;
}

static void
do_delete(file_be_t *fb, ks_os_op_t *op)
{
    char path[PATH_MAX];
    char *slash;

    snprintf(path, sizeof(path), "%s/%s", fb->root, op->key);
    if (unlink(path) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            op->res.rc = KS_OK;
            return;
        }
        ks_os_op_fail(op, KS_ERROR, "could not delete %s: %s", op->key, strerror(errno));
        return;
    }
    slash = strrchr(path, '/');
    *slash = '\0';
    /* ENOENT: a concurrent DELETE removed the emptied directory (and
     * fsync'd its parent), which makes this unlink durable too. */
    if (fsync_dir(path) != 0 && errno != ENOENT) {
        ks_os_op_fail(op, KS_ERROR, "could not fsync directory of %s: %s", op->key,
                      strerror(errno));
        return;
    }
    /* Remove directories this left empty (rmdir fails on non-empty ones),
     * so a later key equal to such a directory's name can be stored. */
    while (strlen(path) > strlen(fb->root) && rmdir(path) == 0) {
        slash = strrchr(path, '/');
        *slash = '\0';
        fsync_dir(path);
    }
    op->res.rc = KS_OK;
}

typedef struct {
    char **keys;
    size_t n, cap;
} keyvec_t;

static int
keyvec_add(keyvec_t *kv, const char *key)
{
    if (kv->n == kv->cap) {
        size_t cap = kv->cap ? kv->cap * 2 : 64;
        char **k = realloc(kv->keys, cap * sizeof(*k));

        if (k == NULL)
            return -1;
        kv->keys = k;
        kv->cap = cap;
    }
    kv->keys[kv->n] = strdup(key);
    if (kv->keys[kv->n] == NULL)
        return -1;
    kv->n++;
    return 0;
}

/* Walks dir (path = root/rel) adding every file whose key starts with
 * prefix.  rel is "" at the root. */
static int
walk(const char *root, char *rel, size_t rellen, const char *prefix, keyvec_t *kv)
{
    char path[PATH_MAX];
    DIR *d;
    struct dirent *de;
    int rc = 0;

    snprintf(path, sizeof(path), "%s%s%s", root, rellen ? "/" : "", rel);
    d = opendir(path);
    if (d == NULL)
        return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        size_t nl = strlen(de->d_name);
        size_t plen = strlen(prefix);
        size_t cmp;
        bool is_dir;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            strncmp(de->d_name, TMP_PREFIX, sizeof(TMP_PREFIX) - 1) == 0)
            continue;
        if (rellen + nl + 2 >= PATH_MAX)
            continue;
        if (rellen)
            rel[rellen] = '/';
        memcpy(rel + rellen + (rellen ? 1 : 0), de->d_name, nl + 1);
        {
            size_t newlen = rellen + (rellen ? 1 : 0) + nl;
            struct stat st;

            if (de->d_type == DT_DIR)
                is_dir = true;
            else if (de->d_type == DT_REG)
                is_dir = false;
            else {
                char full[PATH_MAX];

                snprintf(full, sizeof(full), "%s/%s", root, rel);
                if (stat(full, &st) != 0) {
                    rel[rellen] = '\0';
                    continue;
                }
                is_dir = S_ISDIR(st.st_mode);
            }
            /* Prune: a directory matters only if its path + '/' and the
             * prefix agree on their common length. */
            cmp = KS_MIN(newlen + (is_dir ? 1 : 0), plen);
            if (is_dir)
                rel[newlen] = '/';
            if (memcmp(rel, prefix, cmp) == 0) {
                if (is_dir) {
                    rel[newlen] = '\0';
                    rc = walk(root, rel, newlen, prefix, kv);
                } else if (newlen >= plen && keyvec_add(kv, rel) != 0) {
                    rc = -1;
                }
            }
        }
        rel[rellen] = '\0';
    }
    closedir(d);
    return rc;
}

static int
cmp_keys(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
do_list(file_be_t *fb, ks_os_op_t *op)
{
    char rel[PATH_MAX] = "";
    keyvec_t kv = { NULL, 0, 0 };

    if (walk(fb->root, rel, 0, op->key, &kv) != 0) {
        ks_os_op_fail(op, KS_ERROR, "could not list %s: %s", op->key[0] ? op->key : "objects",
                      strerror(errno));
        for (size_t i = 0; i < kv.n; i++)
            free(kv.keys[i]);
        free(kv.keys);
        return;
    }
    if (kv.n > 1)
        qsort(kv.keys, kv.n, sizeof(*kv.keys), cmp_keys);
    op->res.keys = kv.keys;
    op->res.nkeys = kv.n;
    op->res.rc = KS_OK;
}

/* Runs in: a pool thread. */
static void
file_exec(void *ctx, ks_os_op_t *op)
{
    file_be_t *fb = ctx;

    switch (op->kind) {
    case KS_OS_OP_PUT: do_put(fb, op); break;
    case KS_OS_OP_GET: do_get(fb, op); break;
    case KS_OS_OP_HEAD: do_head(fb, op); break;
    case KS_OS_OP_LIST: do_list(fb, op); break;
    case KS_OS_OP_DELETE: do_delete(fb, op); break;
    default: ks_os_op_fail(op, KS_ERROR, "unknown operation"); break;
    }
}

/* ---- on the loop ---- */

static int
file_submit(void *be, ks_os_op_t *op)
{
    file_be_t *fb = be;

    if (!key_ok(op->key, op->kind == KS_OS_OP_LIST))
        return KS_ERROR;
    ks_os_pool_submit(fb->pool, op);
    return KS_OK;
}

static void
file_close(void *be)
{
    file_be_t *fb = be;

    ks_os_pool_free(fb->pool);
    pthread_mutex_destroy(&fb->seq_mu);
    free(fb->root);
    free(fb);
}

static void *
file_open(ks_objstore_t *os, struct event_base *base, const ks_os_config_t *cfg,
          char *err, size_t errlen)
{
    file_be_t *fb;
    size_t n;
    int nthreads;

    if (cfg->data_dir == NULL || cfg->data_dir[0] == '\0') {
        snprintf(err, errlen, "file object store needs a data directory");
        return NULL;
    }
    fb = calloc(1, sizeof(*fb));
    if (fb == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    fb->os = os;
    n = strlen(cfg->data_dir);
    while (n > 1 && cfg->data_dir[n - 1] == '/')
        n--;
    fb->root = malloc(n + sizeof("/objects"));
    if (fb->root == NULL) {
        free(fb);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(fb->root, cfg->data_dir, n);
    strcpy(fb->root + n, "/objects");
    if (mkdir(cfg->data_dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "could not create %s: %s", cfg->data_dir, strerror(errno));
        goto fail;
    }
    if (mkdir(fb->root, 0755) == 0) {
        fsync_dir(cfg->data_dir);
    } else if (errno != EEXIST) {
        snprintf(err, errlen, "could not create %s: %s", fb->root, strerror(errno));
        goto fail;
    }
    pthread_mutex_init(&fb->seq_mu, NULL);
    nthreads = cfg->concurrency > 0 ? cfg->concurrency : 4;
    fb->pool = ks_os_pool_new(base, KS_MAX(2, KS_MIN(nthreads, 8)), file_exec, fb, err, errlen);
    if (fb->pool == NULL) {
        pthread_mutex_destroy(&fb->seq_mu);
        goto fail;
    }
    return fb;
fail:
    free(fb->root);
    free(fb);
    return NULL;
}

const ks_os_backend_t ks_os_backend_file = {
    .name = "file",
    .open = file_open,
    .submit = file_submit,
    .close = file_close,
};
