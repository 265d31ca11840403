/*
 * s3.c: the "s3" object store backend: libcurl's multi interface driven by
 * the owner's libevent loop (src/curlev.c), requests signed with Signature
 * V4 by curl (CURLOPT_AWS_SIGV4).  Runs in: the owning process, on its loop.
 *
 * Signing rules this code keeps (see NOTES-infra §3): x-amz-content-sha256
 * is always sent (hex SHA-256 of the body); every CURLOPT_HTTPHEADER entry
 * is signed, so no "Expect:"-style disabling entries; URLs are built
 * canonical already (key bytes percent-encoded per RFC 3986 except '/',
 * query parameters sorted and written k=v) and sent as is (PATH_AS_IS).
 *
 * Failures: connection errors, timeouts, 5xx, 429 and 400 RequestTimeout
 * are retried max_retries times with exponential backoff and full jitter;
 * other 4xx answers fail at once with S3's Code and Message.  A PUT into a
 * missing bucket creates the bucket and tries again once.  GET/HEAD of a
 * missing key (or bucket) report KS_OS_NOT_FOUND; DELETE of a missing key
 * and LIST of a missing bucket succeed (nothing is there).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <openssl/evp.h>

#define KS_OBJSTORE_BACKEND
#include "objstore/objstore.h"
#include "curlev.h"
#include "log.h"
#include "util.h"

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define BACKOFF_BASE_MS 100
#define BACKOFF_CAP_MS  10000

typedef struct s3_be s3_be_t;

enum { PHASE_OP = 0, PHASE_CREATE_BUCKET };

typedef struct s3_req {
    s3_be_t *b;
    ks_os_op_t *op;
    CURL *easy;
    struct curl_slist *hdrs;
    struct event *retry_ev;
    int phase;
    int attempt;                /* retries done so far */
    bool bucket_created;        /* the one bucket creation was tried */
    char sha_hex[65];           /* of the PUT body */
    /* upload position */
    int iov_idx;
    size_t iov_off;
    const char *cb_body;        /* CreateBucketConfiguration, if any */
    size_t cb_len, cb_off;
    /* response */
    uint8_t *buf;
    size_t len, cap;
    int64_t content_length;
    int64_t total_size;         /* from Content-Range */
    /* LIST */
    char *token;
    char **keys;
    size_t nkeys, kcap;
    struct s3_req *prev, *next; /* active or waiting list */
} s3_req_t;

struct s3_be {
    ks_objstore_t *os;
    struct event_base *base;
    ks_curlev_t *cev;           /* curl multi on base */
    char *scheme;               /* "http" | "https" */
    char *hostport;             /* "127.0.0.1:9000" */
    char *bucket, *region, *access, *secret, *token;
    char sigv4[128];
    bool path_style;
    int concurrency, timeout_ms, max_retries;
    int inflight;
    s3_req_t *active;           /* started (in curl or backing off) */
    s3_req_t *wait_head, *wait_tail;
    uint64_t rng;
    bool closing;
};

static void start_attempt(s3_req_t *r);
static void finish(s3_req_t *r);

/* ---- small helpers ---- */

static uint64_t
rng_next(s3_be_t *b)
{
    b->rng ^= b->rng << 13;
    b->rng ^= b->rng >> 7;
    b->rng ^= b->rng << 17;
    return b->rng;
}

static void
list_push(s3_req_t **head, s3_req_t *r)
{
    r->prev = NULL;
    r->next = *head;
    if (*head != NULL)
        (*head)->prev = r;
    *head = r;
}

static void
list_unlink(s3_req_t **head, s3_req_t *r)
{
    if (r->prev != NULL)
        r->prev->next = r->next;
    else
        *head = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
}

/* Appends s percent-encoded per RFC 3986 (unreserved kept; '/' kept when
 * keep_slash) to out; returns false when out is too small. */
static bool
uri_encode(char *out, size_t outlen, size_t *pos, const char *s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        bool keep = isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~' ||
                    (keep_slash && *p == '/');

        if (*pos + 4 >= outlen)
            return false;
        if (keep && *p < 0x80) {
            out[(*pos)++] = (char) *p;
        } else {
            out[(*pos)++] = '%';
            out[(*pos)++] = hex[*p >> 4];
            out[(*pos)++] = hex[*p & 15];
        }
    }
    out[*pos] = '\0';
    return true;
}

static bool
append(char *out, size_t outlen, size_t *pos, const char *s)
{
    size_t n = strlen(s);

    if (*pos + n + 1 > outlen)
        return false;
    memcpy(out + *pos, s, n + 1);
    *pos += n;
    return true;
}

/* The URL of key (NULL = the bucket itself) with an optional canonical
 * query string. */
static bool
build_url(s3_be_t *b, const char *key, const char *query, char *out, size_t outlen)
{
    size_t pos = 0;
    bool ok = append(out, outlen, &pos, b->scheme) && append(out, outlen, &pos, "://");

    if (b->path_style) {
        ok = ok && append(out, outlen, &pos, b->hostport) && append(out, outlen, &pos, "/") &&
             uri_encode(out, outlen, &pos, b->bucket, false);
        if (key != NULL)
            ok = ok && append(out, outlen, &pos, "/") && uri_encode(out, outlen, &pos, key, true);
    } else {
        ok = ok && append(out, outlen, &pos, b->bucket) && append(out, outlen, &pos, ".") &&
             append(out, outlen, &pos, b->hostport) && append(out, outlen, &pos, "/");
        if (key != NULL)
            ok = ok && uri_encode(out, outlen, &pos, key, true);
    }
    if (query != NULL)
        ok = ok && append(out, outlen, &pos, "?") && append(out, outlen, &pos, query);
    return ok;
}

/* The text of the first <tag>...</tag> in xml[0..len), XML-unescaped, in a
 * new string; NULL when absent. */
static char *
xml_unescape(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t o = 0;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '&') {
            out[o++] = s[i];
            continue;
        }
        {
            const char *semi = memchr(s + i, ';', n - i);
            size_t el = semi != NULL ? (size_t) (semi - (s + i)) : 0;
            const char *e = s + i + 1;

            if (semi == NULL || el > 10) {
                out[o++] = '&';
                continue;
            }
            if (el == 3 && memcmp(e, "lt", 2) == 0)
                out[o++] = '<';
            else if (el == 3 && memcmp(e, "gt", 2) == 0)
                out[o++] = '>';
            else if (el == 4 && memcmp(e, "amp", 3) == 0)
                out[o++] = '&';
            else if (el == 5 && memcmp(e, "quot", 4) == 0)
                out[o++] = '"';
            else if (el == 5 && memcmp(e, "apos", 4) == 0)
                out[o++] = '\'';
            else if (e[0] == '#') {
                char num[12];
                unsigned long cp;
                char *end;

                memcpy(num, e + 1, el - 2);
                num[el - 2] = '\0';
                if (num[0] == 'x' || num[0] == 'X')
                    cp = strtoul(num + 1, &end, 16);
                else
                    cp = strtoul(num, &end, 10);
                if (*end != '\0' || cp == 0 || cp > 0x10FFFF) {
                    out[o++] = '&';
                    continue;
                }
                /* UTF-8 encode; the output never outgrows the input. */
                if (cp < 0x80) {
                    out[o++] = (char) cp;
                } else if (cp < 0x800) {
                    out[o++] = (char) (0xC0 | (cp >> 6));
                    out[o++] = (char) (0x80 | (cp & 0x3F));
                } else if (cp < 0x10000) {
                    out[o++] = (char) (0xE0 | (cp >> 12));
                    out[o++] = (char) (0x80 | ((cp >> 6) & 0x3F));
                    out[o++] = (char) (0x80 | (cp & 0x3F));
                } else {
                    out[o++] = (char) (0xF0 | (cp >> 18));
                    out[o++] = (char) (0x80 | ((cp >> 12) & 0x3F));
                    out[o++] = (char) (0x80 | ((cp >> 6) & 0x3F));
                    out[o++] = (char) (0x80 | (cp & 0x3F));
                }
            } else {
                out[o++] = '&';
                continue;
            }
            i += el;
        }
    }
    out[o] = '\0';
    return out;
}

static const char *
memfind(const char *hay, size_t n, const char *needle)
{
    size_t nl = strlen(needle);

    if (nl == 0 || n < nl)
        return NULL;
    for (size_t i = 0; i + nl <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nl) == 0)
            return hay + i;
    return NULL;
}

/* Finds <tag>text</tag> in [p, end); returns the text's bounds. */
static bool
xml_find(const char *p, const char *end, const char *tag, const char **ts, const char **te)
{
    char open[64], close[64];
    const char *a, *z;

    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    a = memfind(p, (size_t) (end - p), open);
    if (a == NULL)
        return false;
    a += strlen(open);
    z = memfind(a, (size_t) (end - a), close);
    if (z == NULL)
        return false;
    *ts = a;
    *te = z;
    return true;
}

static char *
xml_text(const uint8_t *buf, size_t len, const char *tag)
{
    const char *ts, *te;

    if (buf == NULL || !xml_find((const char *) buf, (const char *) buf + len, tag, &ts, &te))
        return NULL;
    return xml_unescape(ts, (size_t) (te - ts));
}

static bool
sha256_hex(const struct iovec *iov, int iovcnt, const void *extra, size_t extra_len,
           char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

    for (int i = 0; ok && i < iovcnt; i++)
        ok = EVP_DigestUpdate(ctx, iov[i].iov_base, iov[i].iov_len) == 1;
    if (ok && extra != NULL)
        ok = EVP_DigestUpdate(ctx, extra, extra_len) == 1;
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return false;
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return true;
}

/* ---- curl callbacks ---- */

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    s3_req_t *r = ud;
    size_t n = size * nmemb;

    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 16384;
        uint8_t *nb;

        while (cap < r->len + n + 1)
            cap *= 2;
        nb = realloc(r->buf, cap);
        if (nb == NULL)
            return 0;           /* curl fails the transfer */
        r->buf = nb;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, ptr, n);
    r->len += n;
    r->buf[r->len] = '\0';
    return n;
}

static size_t
header_cb(char *ptr, size_t size, size_t nitems, void *ud)
{
    s3_req_t *r = ud;
    size_t n = size * nitems;
    char line[256];
    size_t l = KS_MIN(n, sizeof(line) - 1);

    memcpy(line, ptr, l);
    line[l] = '\0';
    if (strncmp(line, "HTTP/", 5) == 0) {          /* a new response (after 100) */
        r->content_length = -1;
        r->total_size = -1;
    } else if (strncasecmp(line, "content-length:", 15) == 0) {
        r->content_length = strtoll(line + 15, NULL, 10);
        if (r->op->kind == KS_OS_OP_GET && r->content_length > 0 &&
            r->cap < (size_t) r->content_length + 1 && r->content_length < (1LL << 34)) {
            uint8_t *nb = realloc(r->buf, (size_t) r->content_length + 1);

            if (nb != NULL) {
                r->buf = nb;
                r->cap = (size_t) r->content_length + 1;
            }
        }
    } else if (strncasecmp(line, "content-range:", 14) == 0) {
        const char *slash = strchr(line, '/');

        if (slash != NULL && slash[1] != '*')
            r->total_size = strtoll(slash + 1, NULL, 10);
    }
    return n;
}

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    s3_req_t *r = ud;
    size_t room = size * nitems, out = 0;

    if (r->cb_body != NULL) {
        size_t n = KS_MIN(room, r->cb_len - r->cb_off);

        memcpy(buf, r->cb_body + r->cb_off, n);
        r->cb_off += n;
        return n;
    }
    while (out < room && r->iov_idx < r->op->iovcnt) {
        const struct iovec *v = &r->op->iov[r->iov_idx];
        size_t n = KS_MIN(room - out, v->iov_len - r->iov_off);

        if (n > 0)
            memcpy(buf + out, (const char *) v->iov_base + r->iov_off, n);
        out += n;
        r->iov_off += n;
        if (r->iov_off == v->iov_len) {
            r->iov_idx++;
            r->iov_off = 0;
        }
    }
    return out;
}

static int
seek_cb(void *ud, curl_off_t offset, int origin)
{
    s3_req_t *r = ud;
    size_t left;

    if (origin != SEEK_SET || offset < 0)
        return CURL_SEEKFUNC_CANTSEEK;
    if (r->cb_body != NULL) {
        if ((size_t) offset > r->cb_len)
            return CURL_SEEKFUNC_FAIL;
        r->cb_off = (size_t) offset;
        return CURL_SEEKFUNC_OK;
    }
    left = (size_t) offset;
    r->iov_idx = 0;
    r->iov_off = 0;
    while (r->iov_idx < r->op->iovcnt && left >= r->op->iov[r->iov_idx].iov_len) {
        left -= r->op->iov[r->iov_idx].iov_len;
        r->iov_idx++;
    }
    if (r->iov_idx == r->op->iovcnt && left > 0)
        return CURL_SEEKFUNC_FAIL;
    r->iov_off = left;
    return CURL_SEEKFUNC_OK;
}

/* ---- transfers ---- */

/* A request's transfer ended (e is r->easy, out of the multi). */
static void
xfer_done(void *arg, CURL *e, CURLcode cc)
{
    s3_req_t *r = arg;
    long status = 0, nconn = 0;

    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &nconn) == CURLE_OK && nconn > 0)
        ks_os_stats_mut(r->b->os)->connects += (uint64_t) nconn;
    curl_easy_cleanup(e);
    r->easy = NULL;
    curl_slist_free_all(r->hdrs);
    r->hdrs = NULL;
    r->op->res.http_status = (int) status;
    if (cc != CURLE_OK) {
        /* transport trouble: report it as such */
        r->op->res.http_status = 0;
        ks_os_op_fail(r->op, KS_ERROR, "s3 %s %s: %s", ks_os_op_name(r->op->kind),
                      r->op->key, curl_easy_strerror(cc));
        r->content_length = -2;     /* marks a transport failure for finish() */
    }
    finish(r);
}

/* ---- requests ---- */

static void
req_free(s3_req_t *r)
{
    if (r->easy != NULL) {
        ks_curlev_remove(r->b->cev, r->easy);
        curl_easy_cleanup(r->easy);
    }
    curl_slist_free_all(r->hdrs);
    if (r->retry_ev != NULL)
        event_free(r->retry_ev);
    free(r->buf);
    free(r->token);
    if (r->keys != NULL) {
        for (size_t i = 0; i < r->nkeys; i++)
            free(r->keys[i]);
        free(r->keys);
    }
    free(r);
}

static void
pump_queue(s3_be_t *b)
{
    while (!b->closing && b->inflight < b->concurrency && b->wait_head != NULL) {
        s3_req_t *r = b->wait_head;

        b->wait_head = r->next;
        if (b->wait_head == NULL)
            b->wait_tail = NULL;
        r->next = NULL;
        ks_os_stats_mut(b->os)->queued--;
        b->inflight++;
        list_push(&b->active, r);
        start_attempt(r);
    }
}

/* The op is over (op->res set): hand it back, free the request. */
static void
complete(s3_req_t *r)
{
    s3_be_t *b = r->b;
    ks_os_op_t *op = r->op;

    list_unlink(&b->active, r);
    b->inflight--;
    req_free(r);
    ks_os_op_done(op);
    pump_queue(b);
}

static int
cmp_keys(const void *a, const void *c)
{
    return strcmp(*(char *const *) a, *(char *const *) c);
}

static void
retry_event_cb(evutil_socket_t fd, short what, void *arg)
{
    start_attempt(arg);
}

/* Retries after a backoff if attempts remain, else completes with the
 * error already in op->res. */
static void
retry_or_fail(s3_req_t *r)
{
    s3_be_t *b = r->b;
    long d, ms;
    struct timeval tv;

    if (r->attempt >= b->max_retries || b->closing) {
        complete(r);
        return;
    }
    r->attempt++;
    ks_os_stats_mut(b->os)->retries++;
    d = BACKOFF_BASE_MS << KS_MIN(r->attempt - 1, 16);
    d = KS_MIN(d, BACKOFF_CAP_MS);
    ms = d / 2 + (long) (rng_next(b) % (uint64_t) (d / 2 + 1));
    ks_log_debug("s3 %s %s: retry %d in %ld ms after: %s", ks_os_op_name(r->op->kind),
                 r->op->key, r->attempt, ms, r->op->res.error ? r->op->res.error : "?");
    if (r->retry_ev == NULL)
        r->retry_ev = evtimer_new(b->base, retry_event_cb, r);
    if (r->retry_ev == NULL) {
        complete(r);
        return;
    }
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    evtimer_add(r->retry_ev, &tv);
}

/* Turns a non-2xx answer into op->res (error with S3's code/message). */
static void
set_http_error(s3_req_t *r, long status, const char *code)
{
    char *msg = xml_text(r->buf, r->len, "Message");

    ks_os_op_fail(r->op, KS_ERROR, "s3 %s %s%s: HTTP %ld %s%s%s",
                  r->phase == PHASE_CREATE_BUCKET ? "create bucket for" : ks_os_op_name(r->op->kind),
                  r->op->key[0] ? r->op->key : "(all)", r->op->kind == KS_OS_OP_LIST ? " (list)" : "",
                  status, code != NULL ? code : "", msg != NULL ? ": " : "", msg != NULL ? msg : "");
    free(msg);
}

static void
list_page(s3_req_t *r)
{
    const char *p = (const char *) r->buf, *end = p + r->len;
    const char *cs, *ce;
    char *trunc, *next;

    while (p != NULL && xml_find(p, end, "Contents", &cs, &ce)) {
        const char *ks, *ke;

        if (xml_find(cs, ce, "Key", &ks, &ke)) {
            char *k = xml_unescape(ks, (size_t) (ke - ks));

            if (k == NULL)
                goto oom;
            if (r->nkeys == r->kcap) {
                size_t cap = r->kcap ? r->kcap * 2 : 256;
                char **nk = realloc(r->keys, cap * sizeof(*nk));

                if (nk == NULL) {
                    free(k);
                    goto oom;
                }
                r->keys = nk;
                r->kcap = cap;
            }
            r->keys[r->nkeys++] = k;
        }
        p = ce + strlen("</Contents>");
        if (p > end)
            break;
    }
    trunc = xml_text(r->buf, r->len, "IsTruncated");
    next = xml_text(r->buf, r->len, "NextContinuationToken");
    if (trunc != NULL && strcmp(trunc, "true") == 0) {
        free(trunc);
        if (next == NULL || next[0] == '\0') {
            free(next);
            ks_os_op_fail(r->op, KS_ERROR, "s3 list %s: truncated listing without a continuation token",
                          r->op->key);
            complete(r);
            return;
        }
        free(r->token);
        r->token = next;
        r->len = 0;
        r->attempt = 0;         /* each page gets its own retries */
        start_attempt(r);
        return;
    }
    free(trunc);
    free(next);
    if (r->nkeys > 1)
        qsort(r->keys, r->nkeys, sizeof(*r->keys), cmp_keys);
    r->op->res.keys = r->keys;
    r->op->res.nkeys = r->nkeys;
    r->keys = NULL;
    r->nkeys = 0;
    r->op->res.rc = KS_OK;
    complete(r);
    return;
oom:
    ks_os_op_fail(r->op, KS_ERROR, "s3 list %s: out of memory", r->op->key);
    complete(r);
}

static void
finish(s3_req_t *r)
{
    ks_os_op_t *op = r->op;
    long status = op->res.http_status;
    char *code = NULL;

    if (r->content_length == -2) {         /* transport failure */
        r->content_length = -1;
        retry_or_fail(r);
        return;
    }
    if (r->phase == PHASE_CREATE_BUCKET) {
        code = xml_text(r->buf, r->len, "Code");
        if ((status >= 200 && status < 300) ||
            (status == 409 && code != NULL && strcmp(code, "BucketAlreadyOwnedByYou") == 0)) {
            ks_log_info("created bucket %s", r->b->bucket);
            free(code);
            r->phase = PHASE_OP;
            r->len = 0;
            start_attempt(r);
            return;
        }
        if (status >= 500 || status == 429) {
            set_http_error(r, status, code);
            free(code);
            retry_or_fail(r);
            return;
        }
        set_http_error(r, status, code);
        free(code);
        complete(r);
        return;
    }
    if (status >= 200 && status < 300) {
        switch (op->kind) {
        case KS_OS_OP_GET: {
            size_t off = 0, n = r->len;

            if (status == 200 && (op->offset > 0 || op->len >= 0)) {
                /* the server ignored the Range header: cut it here */
                if (op->offset >= (int64_t) r->len && r->len > 0) {
                    op->res.http_status = 416;
                    ks_os_op_fail(op, KS_ERROR, "s3 get %s: HTTP 416 InvalidRange", op->key);
                    break;
                }
                off = (size_t) KS_MIN(op->offset, (int64_t) r->len);
                n = r->len - off;
                if (op->len >= 0 && (size_t) op->len < n)
                    n = (size_t) op->len;
                memmove(r->buf, r->buf + off, n);
            }
            op->res.size = r->total_size >= 0 ? r->total_size :
                           status == 200 ? (int64_t) r->len : -1;
            if (r->buf == NULL)
                r->buf = malloc(1);
            if (r->buf == NULL) {
                ks_os_op_fail(op, KS_ERROR, "s3 get %s: out of memory", op->key);
                break;
            }
            r->buf[n] = '\0';
            op->res.data = r->buf;
            op->res.len = n;
            r->buf = NULL;
            op->res.rc = KS_OK;
            break;
        }
        case KS_OS_OP_HEAD:
            op->res.size = r->content_length;
            op->res.rc = KS_OK;
            break;
        case KS_OS_OP_LIST:
            list_page(r);
            return;
        default:
            op->res.rc = KS_OK;
            break;
        }
        complete(r);
        return;
    }
    code = xml_text(r->buf, r->len, "Code");
    set_http_error(r, status, code);
    if (status == 404 && (op->kind == KS_OS_OP_GET || op->kind == KS_OS_OP_HEAD)) {
        op->res.rc = KS_OS_NOT_FOUND;
    } else if (status == 404 && op->kind == KS_OS_OP_DELETE) {
        op->res.rc = KS_OK;
    } else if (status == 404 && op->kind == KS_OS_OP_LIST && code != NULL &&
               strcmp(code, "NoSuchBucket") == 0) {
        op->res.rc = KS_OK;
    } else if (status == 404 && op->kind == KS_OS_OP_PUT && code != NULL &&
               strcmp(code, "NoSuchBucket") == 0 && !r->bucket_created) {
        r->bucket_created = true;
        r->phase = PHASE_CREATE_BUCKET;
        r->len = 0;
        free(code);
        ks_log_info("bucket %s does not exist: creating it", r->b->bucket);
        start_attempt(r);
        return;
    } else if (status >= 500 || status == 429 ||
               (status == 400 && code != NULL && strcmp(code, "RequestTimeout") == 0)) {
        free(code);
        retry_or_fail(r);
        return;
    }
    free(code);
    complete(r);
}

static void
start_attempt(s3_req_t *r)
{
    s3_be_t *b = r->b;
    ks_os_op_t *op = r->op;
    char url[8192], hdr[1024], query[4096];
    const char *sha = EMPTY_SHA256;
    const char *qp = NULL;
    const char *key = op->key;
    CURL *e;

    r->len = 0;
    r->content_length = -1;
    r->total_size = -1;
    r->iov_idx = 0;
    r->iov_off = 0;
    r->cb_body = NULL;
    r->cb_off = 0;
    op->res.rc = KS_ERROR;
    op->res.error = NULL;
    op->res.http_status = 0;

    if (r->phase == PHASE_CREATE_BUCKET) {
        key = NULL;
    } else if (op->kind == KS_OS_OP_LIST) {
        size_t pos = 0;
        bool ok = true;

        key = NULL;
        query[0] = '\0';
        if (r->token != NULL)
            ok = append(query, sizeof(query), &pos, "continuation-token=") &&
                 uri_encode(query, sizeof(query), &pos, r->token, false) &&
                 append(query, sizeof(query), &pos, "&");
        ok = ok && append(query, sizeof(query), &pos, "list-type=2&prefix=") &&
             uri_encode(query, sizeof(query), &pos, op->key, false);
        if (!ok) {
            ks_os_op_fail(op, KS_ERROR, "s3 list %s: prefix too long", op->key);
            complete(r);
            return;
        }
        qp = query;
    }
    if (!build_url(b, key, qp, url, sizeof(url))) {
        ks_os_op_fail(op, KS_ERROR, "s3 %s %s: key too long", ks_os_op_name(op->kind), op->key);
        complete(r);
        return;
    }
    e = curl_easy_init();
    if (e == NULL) {
        ks_os_op_fail(op, KS_ERROR, "s3 %s %s: could not create a curl handle",
                      ks_os_op_name(op->kind), op->key);
        complete(r);
        return;
    }
    r->easy = e;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(e, CURLOPT_AWS_SIGV4, b->sigv4);
    curl_easy_setopt(e, CURLOPT_USERNAME, b->access);
    curl_easy_setopt(e, CURLOPT_PASSWORD, b->secret);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long) b->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long) KS_MIN(b->timeout_ms, 10000));
    curl_easy_setopt(e, CURLOPT_EXPECT_100_TIMEOUT_MS, 1000L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);

    if (r->phase == PHASE_CREATE_BUCKET) {
        static const char *fmt = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                                 "<LocationConstraint>%s</LocationConstraint></CreateBucketConfiguration>";
        static char body[512];
        static char body_sha[65];

        /* us-east-1 takes no location constraint; the others need one */
        if (strcmp(b->region, "us-east-1") != 0) {
            snprintf(body, sizeof(body), fmt, b->region);
            r->cb_body = body;
            r->cb_len = strlen(body);
            sha256_hex(NULL, 0, body, r->cb_len, body_sha);
            sha = body_sha;
        } else {
            r->cb_body = "";
            r->cb_len = 0;
        }
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(e, CURLOPT_READDATA, r);
        curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, seek_cb);
        curl_easy_setopt(e, CURLOPT_SEEKDATA, r);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t) r->cb_len);
    } else {
        switch (op->kind) {
        case KS_OS_OP_PUT:
            sha = r->sha_hex;
            curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
            curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
            curl_easy_setopt(e, CURLOPT_READDATA, r);
            curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, seek_cb);
            curl_easy_setopt(e, CURLOPT_SEEKDATA, r);
            curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t) op->body_len);
            break;
        case KS_OS_OP_HEAD:
            curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
            break;
        case KS_OS_OP_DELETE:
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
            break;
        case KS_OS_OP_GET:
            if (op->offset > 0 || op->len >= 0) {
                if (op->len >= 0)
                    snprintf(hdr, sizeof(hdr), "Range: bytes=%lld-%lld", (long long) op->offset,
                             (long long) (op->offset + op->len - 1));
                else
                    snprintf(hdr, sizeof(hdr), "Range: bytes=%lld-", (long long) op->offset);
                r->hdrs = curl_slist_append(r->hdrs, hdr);
            }
            break;
        default:
            break;
        }
    }
    snprintf(hdr, sizeof(hdr), "x-amz-content-sha256: %s", sha);
    r->hdrs = curl_slist_append(r->hdrs, hdr);
    if (b->token != NULL && b->token[0] != '\0') {
        char *th = malloc(strlen(b->token) + 32);

        if (th != NULL) {
            sprintf(th, "x-amz-security-token: %s", b->token);
            r->hdrs = curl_slist_append(r->hdrs, th);
            free(th);
        }
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
    if (ks_curlev_add(b->cev, e, xfer_done, r) != KS_OK) {
        curl_easy_cleanup(e);
        r->easy = NULL;
        ks_os_op_fail(op, KS_ERROR, "s3 %s %s: could not start the request",
                      ks_os_op_name(op->kind), op->key);
        complete(r);
    }
}

/* ---- backend interface ---- */

static int
s3_submit(void *be, ks_os_op_t *op)
{
    s3_be_t *b = be;
    s3_req_t *r;

    if (b->closing)
        return KS_ERROR;
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return KS_ERROR;
    r->b = b;
    r->op = op;
    op->priv = r;
    if (op->kind == KS_OS_OP_PUT &&
        !sha256_hex(op->iov, op->iovcnt, NULL, 0, r->sha_hex)) {
        free(r);
        return KS_ERROR;
    }
    if (b->inflight < b->concurrency) {
        b->inflight++;
        list_push(&b->active, r);
        /* curl only schedules here (timer callback); nothing completes
         * before we return, and completions are deferred anyway. */
        start_attempt(r);
    } else {
        r->next = NULL;
        if (b->wait_tail != NULL)
            b->wait_tail->next = r;
        else
            b->wait_head = r;
        b->wait_tail = r;
        ks_os_stats_mut(b->os)->queued++;
    }
    return KS_OK;
}

static void
wipe_free(char *s)
{
    if (s != NULL) {
        volatile char *v = s;

        while (*v)
            *v++ = '\0';
        free(s);
    }
}

static void
s3_close(void *be)
{
    s3_be_t *b = be;

    b->closing = true;
    while (b->active != NULL) {
        s3_req_t *r = b->active;
        ks_os_op_t *op = r->op;

        list_unlink(&b->active, r);
        ks_os_op_fail(op, KS_ERROR, "object store closed");
        req_free(r);
        ks_os_op_done(op);
    }
    while (b->wait_head != NULL) {
        s3_req_t *r = b->wait_head;
        ks_os_op_t *op = r->op;

        b->wait_head = r->next;
        ks_os_op_fail(op, KS_ERROR, "object store closed");
        req_free(r);
        ks_os_op_done(op);
        ks_os_stats_mut(b->os)->queued--;
    }
    ks_curlev_free(b->cev);
    free(b->scheme);
    free(b->hostport);
    free(b->bucket);
    free(b->region);
    free(b->access);
    wipe_free(b->secret);
    wipe_free(b->token);
    free(b);
}

static char *
dup_or_env(const char *v, const char *env)
{
    if (v == NULL || v[0] == '\0')
        v = getenv(env);
    return v != NULL && v[0] != '\0' ? strdup(v) : NULL;
}

static void *
s3_open(ks_objstore_t *os, struct event_base *base, const ks_os_config_t *cfg,
        char *err, size_t errlen)
{
    s3_be_t *b;
    const char *ep, *hp, *slash;
    char defep[256];

    if (cfg->bucket == NULL || cfg->bucket[0] == '\0') {
        snprintf(err, errlen, "s3 object store needs a bucket (s3.bucket)");
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "could not initialize libcurl");
        return NULL;
    }
    b = calloc(1, sizeof(*b));
    if (b == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    b->os = os;
    b->base = base;
    b->region = strdup(cfg->region != NULL && cfg->region[0] ? cfg->region :
                       getenv("AWS_REGION") != NULL ? getenv("AWS_REGION") : "us-east-1");
    b->bucket = strdup(cfg->bucket);
    b->access = dup_or_env(cfg->access_key, "AWS_ACCESS_KEY_ID");
    b->secret = dup_or_env(cfg->secret_key, "AWS_SECRET_ACCESS_KEY");
    b->token = dup_or_env(cfg->session_token, "AWS_SESSION_TOKEN");
    b->path_style = cfg->path_style;
    b->concurrency = cfg->concurrency > 0 ? cfg->concurrency : 16;
    b->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
    b->max_retries = cfg->max_retries >= 0 ? cfg->max_retries : 5;
    b->rng = (uint64_t) ks_mono_us() ^ ((uint64_t) getpid() << 32) ^ (uint64_t) (uintptr_t) b;
    if (b->rng == 0)
        b->rng = 88172645463325252ULL;
    if (b->access == NULL || b->secret == NULL) {
        snprintf(err, errlen, "s3 object store needs credentials (s3.access.key and s3.secret.key, "
                 "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
        goto fail;
    }
    ep = cfg->endpoint;
    if (ep == NULL || ep[0] == '\0') {
        snprintf(defep, sizeof(defep), "https://s3.%s.amazonaws.com", b->region);
        ep = defep;
    }
    hp = strstr(ep, "://");
    if (hp != NULL) {
        b->scheme = strndup(ep, (size_t) (hp - ep));
        hp += 3;
    } else {
        b->scheme = strdup("https");
        hp = ep;
    }
    slash = strchr(hp, '/');
    b->hostport = slash != NULL ? strndup(hp, (size_t) (slash - hp)) : strdup(hp);
    if (b->region == NULL || b->bucket == NULL || b->scheme == NULL || b->hostport == NULL ||
        b->hostport[0] == '\0') {
        snprintf(err, errlen, "bad s3 endpoint \"%s\"", ep);
        goto fail;
    }
    snprintf(b->sigv4, sizeof(b->sigv4), "aws:amz:%s:s3", b->region);
    b->cev = ks_curlev_new(base, NULL, NULL);
    if (b->cev == NULL) {
        snprintf(err, errlen, "could not create the s3 client");
        goto fail;
    }
    curl_multi_setopt(ks_curlev_multi(b->cev), CURLMOPT_MAXCONNECTS, (long) b->concurrency * 2);
    ks_log_debug("s3 object store: %s://%s bucket %s region %s %s", b->scheme, b->hostport,
                 b->bucket, b->region, b->path_style ? "path-style" : "virtual-host");
    return b;
fail:
    ks_curlev_free(b->cev);
    free(b->scheme);
    free(b->hostport);
    free(b->bucket);
    free(b->region);
    free(b->access);
    wipe_free(b->secret);
    wipe_free(b->token);
    free(b);
    return NULL;
}

const ks_os_backend_t ks_os_backend_s3 = {
    .name = "s3",
    .open = s3_open,
    .submit = s3_submit,
    .close = s3_close,
};
