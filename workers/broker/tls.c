/*
 * tls.c: the TLS server context and TLS connections.  Runs in: worker
 * (context, connections), master (the context at start-up, for -t, on
 * SIGHUP).
 *
 * The master builds the context at start-up (a missing file or a key that
 * does not match stops the broker) and again on SIGHUP; workers are forked
 * with the master's last good context, and rebuild their own on SIGHUP.
 * So a worker respawned while the files are broken still serves the last
 * certificate that loaded.
 *
 * The context: TLS 1.2 at least (ssl.enabled.protocols may leave out 1.2,
 * never add anything older), no compression, no renegotiation, the
 * server's cipher preference, ECDHE/DHE with automatic parameters, a
 * per-worker session cache and no session tickets (a ticket key that lives
 * as long as the process would weaken forward secrecy; Kafka clients keep
 * their connections, resumption matters little), buffers released while a
 * connection is idle.  The key's passphrase is handed to OpenSSL through a
 * callback and never logged; without one, an encrypted key fails to load
 * instead of OpenSSL asking on the terminal.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include "log.h"
#include "tls.h"

static SSL_CTX *tls_ctx;          /* the worker's current context */

static const unsigned char session_ctx_id[] = "kafscale";

bool
ks_tls_needed(const ks_conf_t *c)
{
    ks_listener_t ls[KS_CONF_MAX_LISTENERS];
    int n = ks_conf_parse_listeners(c->listeners, ls, KS_CONF_MAX_LISTENERS, NULL, 0);

    for (int i = 0; i < n; i++) {
        int sec = ks_conf_listener_security(c, ls[i].name);
        if (sec == KS_SEC_SSL || sec == KS_SEC_SASL_SSL)
            return true;
    }
    return false;
}

/* Appends OpenSSL's reason for error e to out ("reason: reason"; used:
 * what out holds) unless it repeats the one before (last). */
static void
add_reason(unsigned long e, char *out, size_t outlen, size_t *used, char last[256])
{
    char one[256];
    const char *r = ERR_reason_error_string(e);

    if (r != NULL)
        snprintf(one, sizeof(one), "%s", r);
    else
        ERR_error_string_n(e, one, sizeof(one));
    if (strcmp(one, last) == 0)
        return;
    snprintf(last, 256, "%s", one);
    if (*used < outlen) {
        int w = snprintf(out + *used, outlen - *used, "%s%s", *used > 0 ? ": " : "", one);
        if (w > 0)
            *used += (size_t) w;
    }
}

/* OpenSSL's reasons for the errors on this thread's queue, which is left
 * empty: "reason: reason" (repeats dropped), or "" when there were none. */
static void
drain_errors(char *out, size_t outlen)
{
    unsigned long e;
    size_t used = 0;
    char last[256] = "";

    if (outlen > 0)
        out[0] = 0;
    while ((e = ERR_get_error()) != 0)
        add_reason(e, out, outlen, &used, last);
}

/* A readable regular file, else the reason in err. */
static int
check_file(const char *key, const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

    if (fd < 0) {
        snprintf(err, errlen, "%s %s: %s", key, path, strerror(errno));
        return KS_ERROR;
    }
    close(fd);
    return KS_OK;
}

/* Hands OpenSSL the key's passphrase; none: 0 bytes, so an encrypted key
 * fails instead of prompting. */
static int
passphrase_cb(char *buf, int size, int rwflag, void *u)
{
    const char *pw = u;
    size_t n;

    (void) rwflag;
    if (pw == NULL || pw[0] == 0 || size <= 0)
        return 0;
    n = strlen(pw);
    if (n > (size_t) size)
        return 0;
    memcpy(buf, pw, n);
    return (int) n;
}

static EVP_PKEY *
load_key(const ks_conf_t *c, char *err, size_t errlen)
{
    BIO *b = BIO_new_file(c->ssl_key_file, "r");
    EVP_PKEY *k = NULL;
    char why[512];

    if (b != NULL)
        k = PEM_read_bio_PrivateKey(b, NULL, passphrase_cb, c->ssl_key_password);
    BIO_free(b);
    if (k != NULL) {
        ERR_clear_error();
        return k;
    }
    {
        unsigned long e = ERR_peek_last_error();
        int reason = ERR_GET_REASON(e);
        bool pw = c->ssl_key_password[0] != 0;

        drain_errors(why, sizeof(why));
        if (reason == PEM_R_BAD_PASSWORD_READ || reason == PEM_R_BAD_DECRYPT ||
            reason == EVP_R_BAD_DECRYPT || strstr(why, "decrypt") != NULL)
            snprintf(err, errlen, "ssl.key.file %s: could not decrypt the key: %s", c->ssl_key_file,
                     pw ? "wrong ssl.key.password" : "it is encrypted and no ssl.key.password is set");
        else
            snprintf(err, errlen, "ssl.key.file %s: not a PEM private key%s%s%s", c->ssl_key_file,
                     why[0] ? " (" : "", why, why[0] ? ")" : "");
    }
    return NULL;
}

static void
time_text(const ASN1_TIME *t, char *out, size_t outlen)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    long n;

    out[0] = 0;
    if (b == NULL)
        return;
    if (ASN1_TIME_print(b, t) == 1) {
        n = BIO_get_mem_data(b, &p);
        snprintf(out, outlen, "%.*s", (int) (n > 0 ? n : 0), p);
    }
    BIO_free(b);
}

/* Builds a server context from c, or NULL with the reason in err. */
static SSL_CTX *
ctx_build(const ks_conf_t *c, char *err, size_t errlen, char *warn, size_t warnlen)
{
    SSL_CTX *ctx = NULL;
    EVP_PKEY *key = NULL;
    X509 *cert;
    bool tls12, tls13;
    char why[512];

    if (warn != NULL && warnlen > 0)
        warn[0] = 0;
    ERR_clear_error();
    if (ks_conf_tls_protocols(c->ssl_enabled_protocols, &tls12, &tls13, err, errlen) != KS_OK)
        return NULL;
    if (c->ssl_certificate_file[0] == 0 || c->ssl_key_file[0] == 0) {
        snprintf(err, errlen, "TLS needs ssl.certificate.file and ssl.key.file");
        return NULL;
    }
    if (check_file("ssl.certificate.file", c->ssl_certificate_file, err, errlen) != KS_OK ||
        check_file("ssl.key.file", c->ssl_key_file, err, errlen) != KS_OK ||
        (c->ssl_ca_file[0] != 0 && check_file("ssl.ca.file", c->ssl_ca_file, err, errlen) != KS_OK))
        return NULL;

    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        drain_errors(why, sizeof(why));
        snprintf(err, errlen, "could not create a TLS context: %s", why);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, tls12 ? TLS1_2_VERSION : TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(ctx, tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                             SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    /* OpenSSL 3 reports a TCP close without close_notify as a protocol
     * error, which libevent 2.1 cannot tell from a real one; this makes it
     * the "dirty shutdown" libevent expects (an end of stream). */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_dh_auto(ctx, 1);
    SSL_CTX_set_session_id_context(ctx, session_ctx_id, sizeof(session_ctx_id) - 1);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, 4096);
    SSL_CTX_set_timeout(ctx, 3600);

    if (c->ssl_cipher_suites[0] != 0 && SSL_CTX_set_cipher_list(ctx, c->ssl_cipher_suites) != 1) {
        drain_errors(why, sizeof(why));
        snprintf(err, errlen, "ssl.cipher.suites \"%.200s\": %s", c->ssl_cipher_suites,
                 why[0] ? why : "no cipher matched");
        goto fail;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, c->ssl_certificate_file) != 1) {
        drain_errors(why, sizeof(why));
        snprintf(err, errlen, "ssl.certificate.file %s: not a PEM certificate chain%s%s%s",
                 c->ssl_certificate_file, why[0] ? " (" : "", why, why[0] ? ")" : "");
        goto fail;
    }
    cert = SSL_CTX_get0_certificate(ctx);
    key = load_key(c, err, errlen);
    if (key == NULL)
        goto fail;
    if (cert == NULL || X509_check_private_key(cert, key) != 1) {
        ERR_clear_error();
        snprintf(err, errlen, "ssl.key.file %s: does not match ssl.certificate.file %s", c->ssl_key_file,
                 c->ssl_certificate_file);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        drain_errors(why, sizeof(why));
        snprintf(err, errlen, "ssl.key.file %s: could not be used%s%s", c->ssl_key_file,
                 why[0] ? ": " : "", why);
        goto fail;
    }
    EVP_PKEY_free(key);
    key = NULL;

    if (c->ssl_ca_file[0] != 0) {
        STACK_OF(X509_NAME) *names;

        if (SSL_CTX_load_verify_locations(ctx, c->ssl_ca_file, NULL) != 1) {
            drain_errors(why, sizeof(why));
            snprintf(err, errlen, "ssl.ca.file %s: not a PEM certificate bundle%s%s%s", c->ssl_ca_file,
                     why[0] ? " (" : "", why, why[0] ? ")" : "");
            goto fail;
        }
        names = SSL_load_client_CA_file(c->ssl_ca_file);
        if (names != NULL)
            SSL_CTX_set_client_CA_list(ctx, names);
        ERR_clear_error();
    }
    if (strcmp(c->ssl_client_auth, "required") == 0)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    else if (strcmp(c->ssl_client_auth, "requested") == 0)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    else
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);

    if (warn != NULL && warnlen > 0) {
        char when[64];

        if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
            time_text(X509_get0_notAfter(cert), when, sizeof(when));
            snprintf(warn, warnlen, "ssl.certificate.file %s: the certificate expired on %s; clients will "
                     "refuse it", c->ssl_certificate_file, when);
        } else if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
            time_text(X509_get0_notBefore(cert), when, sizeof(when));
            snprintf(warn, warnlen, "ssl.certificate.file %s: the certificate is not valid before %s; "
                     "clients will refuse it", c->ssl_certificate_file, when);
        }
    }
    ERR_clear_error();
    return ctx;
fail:
    EVP_PKEY_free(key);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return NULL;
}

int
ks_tls_init(const ks_conf_t *c, char *err, size_t errlen, char *warn, size_t warnlen)
{
    SSL_CTX *ctx = ctx_build(c, err, errlen, warn, warnlen);

    if (ctx == NULL)
        return KS_ERROR;
    SSL_CTX_free(tls_ctx);
    tls_ctx = ctx;
    return KS_OK;
}

bool
ks_tls_ready(void)
{
    return tls_ctx != NULL;
}

void
ks_tls_reload(const ks_conf_t *c)
{
    char err[1024], warn[512];
    SSL_CTX *ctx = ctx_build(c, err, sizeof(err), warn, sizeof(warn));

    if (ctx == NULL) {
        ks_log_error("could not reload the TLS certificate, keeping the old one: %s", err);
        return;
    }
    if (warn[0])
        ks_log_warn("%s", warn);
    /* Open connections hold their own reference to the old context. */
    SSL_CTX_free(tls_ctx);
    tls_ctx = ctx;
    ks_log_info("reloaded the TLS certificate %s", c->ssl_certificate_file);
}

void
ks_tls_shutdown(void)
{
    SSL_CTX_free(tls_ctx);
    tls_ctx = NULL;
}

struct bufferevent *
ks_tls_accept(struct event_base *base, int fd, bool client_certs)
{
    struct bufferevent *bev;
    SSL *ssl;
    char why[256];

    ssl = tls_ctx != NULL ? SSL_new(tls_ctx) : NULL;
    if (ssl == NULL) {
        drain_errors(why, sizeof(why));
        ks_log_error("could not create a TLS connection: %s", why[0] ? why : "no TLS context");
        close(fd);
        return NULL;
    }
    if (!client_certs)
        SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
    /* On failure libevent 2.1 frees ssl, and with it the socket BIO that
     * closes fd (BEV_OPT_CLOSE_ON_FREE). */
    bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        ERR_clear_error();
        return NULL;
    }
    /* Clients often close the TCP connection without a close_notify: an
     * end of stream, not an error. */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

void
ks_tls_close_notify(struct bufferevent *bev)
{
    SSL *ssl = bufferevent_openssl_get_ssl(bev);

    /* One try, never waiting: the socket is closed right after. */
    if (ssl != NULL && SSL_is_init_finished(ssl))
        (void) SSL_shutdown(ssl);
    ERR_clear_error();
}

void
ks_tls_error(struct bufferevent *bev, char *out, size_t outlen)
{
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    unsigned long e;
    size_t used = 0;
    bool verify_failed = false;
    char last[256] = "";

    if (outlen == 0)
        return;
    out[0] = 0;
    while ((e = bufferevent_get_openssl_error(bev)) != 0) {
        /* libevent also lists SSL_get_error()'s code (SSL_ERROR_SSL,
         * SSL_ERROR_SYSCALL): not an OpenSSL error, nothing to say. */
        if (ERR_GET_LIB(e) == 0)
            continue;
        if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED)
            verify_failed = true;
        add_reason(e, out, outlen, &used, last);
    }
    ERR_clear_error();
    if (ssl != NULL && verify_failed) {
        long vr = SSL_get_verify_result(ssl);
        if (vr != X509_V_OK && used < outlen)
            snprintf(out + used, outlen - used, ": %s", X509_verify_cert_error_string(vr));
    }
}

int
ks_tls_established(struct bufferevent *bev, char *principal, size_t plen, char *desc, size_t dlen)
{
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    X509 *peer;
    BIO *b;
    char *dn;
    long n;
    int rc = KS_OK;

    if (dlen > 0)
        desc[0] = 0;
    if (ssl == NULL)
        return KS_OK;
    snprintf(desc, dlen, "%s %s", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
    if (principal == NULL || plen == 0)
        return KS_OK;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    peer = SSL_get1_peer_certificate(ssl);
#else
    peer = SSL_get_peer_certificate(ssl);
#endif
    if (peer == NULL)
        return KS_OK;
    if (SSL_get_verify_result(ssl) != X509_V_OK) {
        /* Not asked for (ssl.client.auth = none): sent, not verified. */
        X509_free(peer);
        return KS_OK;
    }
    b = BIO_new(BIO_s_mem());
    /* RFC 2253 as Java prints it (Kafka's default principal builder):
     * most specific RDN first, UTF-8 left as it is. */
    if (b == NULL || X509_NAME_print_ex(b, X509_get_subject_name(peer), 0,
                                        XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
        rc = KS_ERROR;
    } else {
        n = BIO_get_mem_data(b, &dn);
        if (n < 0 || (size_t) n + 5 >= plen)
            rc = KS_ERROR;
        else
            snprintf(principal, plen, "User:%.*s", (int) n, dn);
    }
    BIO_free(b);
    X509_free(peer);
    ERR_clear_error();
    return rc;
}
