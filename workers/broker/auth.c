/*
 * auth.c: SASL authentication of client connections: SaslHandshake,
 * SaslAuthenticate, the raw tokens that follow a version 0 handshake, the
 * gate in front of dispatch, and KIP-368 re-authentication.
 * Runs in: worker.
 *
 * On a PLAINTEXT or SSL listener both SASL requests get ILLEGAL_SASL_STATE
 * (Kafka's answer).  On a SASL_PLAINTEXT or SASL_SSL listener a connection
 * starts unauthenticated: ApiVersions, SaslHandshake and SaslAuthenticate
 * are handled, anything else closes it (as Kafka does).  The mechanisms
 * (src/sasl.c) check the credentials the coordinator publishes in the
 * metadata snapshot.  A failure answers SASL_AUTHENTICATION_FAILED with
 * Kafka's message, which names neither the password nor whether the user
 * exists, and closes the connection; with raw tokens it just closes.
 * Failures are logged at info with the peer and the user name, never the
 * password or the proof.
 *
 * Throttling (Kafka's connection.failed.authentication.delay.ms): the
 * answer to a failed authentication, and the close after it, wait that
 * long on a timer of the connection; the connection reads nothing more
 * meanwhile and the worker's loop goes on.  The timer is freed with the
 * connection.
 *
 * PLAIN costs a PBKDF2 derivation (1-10 ms on the worker's loop).  A
 * successful check is remembered per worker: the user, an HMAC-SHA-256 of
 * the password under a random key of this process (never the password),
 * and a digest of the credential it matched; the same user and password
 * against the same credential then skip the derivation.  A changed
 * credential in the snapshot no longer matches the digest, so the entry
 * is dead at once.  A wrong password always costs the derivation.
 *
 * Sessions: with connections.max.reauth.ms > 0 a session ends that long
 * after authentication.  SaslAuthenticate v1+ tells the client; it may
 * re-authenticate on the same connection (SaslHandshake v1 with the same
 * mechanism, then SaslAuthenticate; the principal may not change) while
 * its other requests go on.  After the end, any request but SaslHandshake
 * and SaslAuthenticate closes the connection.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "broker.h"
#include "log.h"
#include "proto/errors.h"
#include "sasl.h"
#include "stats.h"
#include "util.h"

enum {
    P_NONE = 0,         /* no exchange in progress */
    P_STARTED,          /* handshake done: the first token is expected */
    P_SCRAM_FINAL       /* SCRAM: the client-final message is expected */
};

struct ks_sasl_session {
    int phase;
    int mech;           /* of the exchange in progress */
    int auth_mech;      /* of the last successful authentication; -1 none */
    bool raw;           /* the exchange uses raw tokens (handshake v0) */
    bool reauth;        /* the exchange re-authenticates the connection */
    int64_t end_ms;     /* monotonic ms the session ends; 0 never */
    ks_scram_server_t scram;
    /* a failed authentication waiting for its answer */
    struct event *delay_ev;
    ks_req_t *delayed;  /* the request it answers (in the connection's queue) */
    void *delayed_resp; /* SaslAuthenticate's response; NULL: raw token, close */
};

/* The result of one token. */
typedef struct {
    bool done;          /* authenticated */
    bool failed;
    char *out;          /* the server's token (malloc'd), may be NULL */
    size_t out_len;
    char msg[256];      /* the client's error message when failed */
} step_t;

static bool
is_sasl_listener(const ks_conn_t *c)
{
    return c->security == KS_SEC_SASL_PLAINTEXT || c->security == KS_SEC_SASL_SSL;
}

static int64_t
mono_ms(void)
{
    return ks_mono_us() / 1000;
}

static ks_stats_proc_t *
stats(void)
{
    return ks_stats_proc(ks_W.in->shm->stats, ks_W.in->slot);
}

static int
enabled_mechanisms(void)
{
    int m = ks_conf_sasl_mechanisms(ks_W.in->conf->sasl_enabled_mechanisms, NULL, 0);

    return m < 0 ? 0 : m;
}

static struct ks_sasl_session *
session(ks_conn_t *c)
{
    if (c->sasl == NULL) {
        c->sasl = calloc(1, sizeof(*c->sasl));
        if (c->sasl != NULL)
            c->sasl->auth_mech = -1;
    }
    return c->sasl;
}

static void
exchange_reset(struct ks_sasl_session *s)
{
    ks_scram_server_free(&s->scram);
    s->phase = P_NONE;
    s->raw = false;
    s->reauth = false;
}

void
ks_sasl_conn_free(ks_conn_t *c)
{
    if (c->sasl != NULL) {
        /* the delayed request belongs to the connection's queue, freed
         * with it */
        if (c->sasl->delay_ev != NULL)
            event_free(c->sasl->delay_ev);
        ks_scram_server_free(&c->sasl->scram);
        free(c->sasl);
        c->sasl = NULL;
    }
}

/* Sends the response, then closes the connection once it left (Kafka
 * answers a failed authentication before closing). */
static void
respond_close(ks_req_t *req, const void *resp)
{
    ks_conn_t *c = req->conn;

    c->closing = true;
    bufferevent_disable(c->bev, EV_READ);
    ks_req_respond(req, resp);
}

static void
close_now(ks_req_t *req)
{
    req->close_after = true;
    ks_req_complete(req);
}

/* The delay of a failed authentication is over: answer (SaslAuthenticate)
 * or close (raw token).  The connection may be gone after this. */
static void
delay_done(evutil_socket_t fd, short what, void *arg)
{
    ks_conn_t *c = arg;
    struct ks_sasl_session *s = c->sasl;
    ks_req_t *req = s->delayed;
    void *resp = s->delayed_resp;

    (void) fd;
    (void) what;
    s->delayed = NULL;
    s->delayed_resp = NULL;
    if (req == NULL)
        return;
    if (resp != NULL)
        ks_req_respond(req, resp);
    else
        close_now(req);
}

/* A failed authentication: resp (SaslAuthenticate's error) is sent, or
 * with resp NULL the connection closed, after
 * connection.failed.authentication.delay.ms.  Nothing more is read. */
static void
fail_later(ks_req_t *req, const void *resp)
{
    ks_conn_t *c = req->conn;
    struct ks_sasl_session *s = c->sasl;
    int64_t ms = ks_W.in->conf->connection_failed_authentication_delay_ms;
    struct timeval tv;

    if (ms > 0 && s != NULL && s->delay_ev == NULL)
        s->delay_ev = event_new(ks_W.base, -1, 0, delay_done, c);
    if (ms <= 0 || s == NULL || s->delay_ev == NULL || s->delayed != NULL) {
        if (resp != NULL)
            respond_close(req, resp);
        else
            close_now(req);
        return;
    }
    c->closing = true;
    bufferevent_disable(c->bev, EV_READ);
    s->delayed = req;
    s->delayed_resp = (void *) resp;
    tv.tv_sec = (time_t) (ms / 1000);
    tv.tv_usec = (suseconds_t) ((ms % 1000) * 1000);
    event_add(s->delay_ev, &tv);
}

/* ---------- the gate in front of dispatch ---------- */

bool
ks_sasl_gate(ks_req_t *req)
{
    ks_conn_t *c = req->conn;
    int key = req->hdr.request_api_key;
    bool sasl_req = key == KS_API_SASL_HANDSHAKE || key == KS_API_SASL_AUTHENTICATE;

    if (!is_sasl_listener(c))
        return true;
    if (!c->authenticated) {
        if (sasl_req || key == KS_API_API_VERSIONS)
            return true;
        ks_log_info("closing connection from %s: %s request before SASL authentication",
                    c->peer, ks_api_desc(key) ? ks_api_desc(key)->name : "unknown");
        close_now(req);
        return false;
    }
    if (c->sasl != NULL && c->sasl->end_ms != 0 && mono_ms() >= c->sasl->end_ms && !sasl_req) {
        ks_log_info("closing connection from %s (%s): its SASL session ended (connections.max.reauth.ms) "
                    "and it sent %s instead of re-authenticating", c->peer, c->principal,
                    ks_api_desc(key) ? ks_api_desc(key)->name : "a request");
        if (stats() != NULL)
            ks_stats_add(&stats()->sasl_expired, 1);
        close_now(req);
        return false;
    }
    return true;
}

/* ---------- the mechanisms ---------- */

static void
fail(step_t *st, const struct ks_sasl_session *s, const char *fmt, ...) KS_PRINTF(3, 4);

static void
fail(step_t *st, const struct ks_sasl_session *s, const char *fmt, ...)
{
    va_list ap;

    (void) s;
    st->failed = true;
    va_start(ap, fmt);
    vsnprintf(st->msg, sizeof(st->msg), fmt, ap);
    va_end(ap);
}

/* Kafka's message for wrong credentials (and unknown users). */
static void
fail_credentials(step_t *st, const struct ks_sasl_session *s)
{
    fail(st, s, "Authentication failed during %s due to invalid credentials with SASL mechanism %s",
         s->reauth ? "re-authentication" : "authentication", ks_sasl_mech_name(s->mech));
}

static void
log_failure(const ks_conn_t *c, const struct ks_sasl_session *s, const char *user, const char *why)
{
    ks_log_info("%s failed for %s%s%s from %s (%s): %s", s->reauth ? "re-authentication" : "authentication",
                user != NULL ? "user \"" : "an unnamed user", user != NULL ? user : "", user != NULL ? "\"" : "",
                c->peer, ks_sasl_mech_name(s->mech), why);
}

/* A PLAIN user's credential: SCRAM-SHA-256, else SCRAM-SHA-512. */
static const ks_mv_scram_t *
plain_credential(const char *user)
{
    const ks_metaview_t *mv = ks_worker_meta();
    const ks_mv_scram_t *cred;

    if (mv == NULL)
        return NULL;
    cred = ks_metaview_scram(mv, user, KS_SASL_SCRAM_SHA_256);
    return cred != NULL ? cred : ks_metaview_scram(mv, user, KS_SASL_SCRAM_SHA_512);
}

/* Authenticated as user: checks a re-authentication keeps the principal,
 * then makes the connection authenticated. */
static void
succeed(ks_conn_t *c, struct ks_sasl_session *s, const char *user, step_t *st)
{
    char principal[sizeof(c->principal)];
    int64_t reauth_ms = ks_W.in->conf->connections_max_reauth_ms;

    snprintf(principal, sizeof(principal), "User:%s", user);
    if (s->reauth && strcmp(principal, c->principal) != 0) {
        fail(st, s, "Cannot change principals during re-authentication from %s: %s", c->principal, principal);
        log_failure(c, s, user, "the principal changed");
        return;
    }
    st->done = true;
    c->authenticated = true;
    snprintf(c->principal, sizeof(c->principal), "%s", principal);
    s->auth_mech = s->mech;
    s->end_ms = reauth_ms > 0 ? mono_ms() + reauth_ms : 0;
    if (stats() != NULL) {
        ks_stats_add(&stats()->sasl_success[s->mech], 1);
        if (s->reauth)
            ks_stats_add(&stats()->sasl_reauth, 1);
    }
    ks_log_debug("%s %s from %s with %s", s->reauth ? "re-authenticated" : "authenticated", c->principal, c->peer,
                 ks_sasl_mech_name(s->mech));
}

/* ---------- the PLAIN cache ---------- */

#define PLAIN_CACHE_SLOTS 256            /* a power of 2 */

typedef struct {
    bool used;
    char user[KS_SASL_USER_MAX + 1];
    uint8_t mac[32];                     /* HMAC-SHA-256(plain_key, password) */
    uint8_t cred[32];                    /* SHA-256 of the credential matched */
} plain_cached_t;

static plain_cached_t plain_cache[PLAIN_CACHE_SLOTS];
static uint8_t plain_key[32];
static bool plain_key_set;

/* The slot of a user; a collision only costs a derivation. */
static plain_cached_t *
plain_slot(const char *user)
{
    uint32_t h = 2166136261u;

    for (const char *p = user; *p; p++)
        h = (h ^ (uint8_t) *p) * 16777619u;
    return &plain_cache[h & (PLAIN_CACHE_SLOTS - 1)];
}

/* The HMAC of the password and the digest of the credential; false when
 * OpenSSL fails (no caching then). */
static bool
plain_keys(const ks_mv_scram_t *cred, const uint8_t *pw, size_t plen, uint8_t mac[32], uint8_t digest[32])
{
    unsigned int n = 0;
    EVP_MD_CTX *md;
    uint8_t hdr[7];
    bool ok;

    if (!plain_key_set) {
        /* drawn in this worker, after the fork: every process its own */
        if (RAND_bytes(plain_key, sizeof(plain_key)) != 1)
            return false;
        plain_key_set = true;
    }
    if (HMAC(EVP_sha256(), plain_key, sizeof(plain_key), plen > 0 ? pw : (const uint8_t *) "", plen, mac, &n)
        == NULL || n != 32)
        return false;
    hdr[0] = (uint8_t) cred->mechanism;
    ks_put_be32(hdr + 1, (uint32_t) cred->iterations);
    hdr[5] = cred->salt_len;
    hdr[6] = cred->key_len;
    md = EVP_MD_CTX_new();
    if (md == NULL)
        return false;
    ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 && EVP_DigestUpdate(md, hdr, sizeof(hdr)) == 1 &&
         EVP_DigestUpdate(md, cred->salt, KS_MIN(cred->salt_len, KS_SCRAM_SALT_MAX)) == 1 &&
         EVP_DigestUpdate(md, cred->stored_key, KS_MIN(cred->key_len, KS_SCRAM_KEY_MAX)) == 1 &&
         EVP_DigestUpdate(md, cred->server_key, KS_MIN(cred->key_len, KS_SCRAM_KEY_MAX)) == 1 &&
         EVP_DigestFinal_ex(md, digest, &n) == 1 && n == 32;
    EVP_MD_CTX_free(md);
    return ok;
}

/* Whether user's password matches cred: from the cache, else with a
 * derivation whose success is cached. */
static bool
plain_matches(const char *user, const ks_mv_scram_t *cred, const uint8_t *pw, size_t plen)
{
    plain_cached_t *e = plain_slot(user);
    uint8_t mac[32], digest[32];
    bool keyed = plain_keys(cred, pw, plen, mac, digest), ok;

    if (keyed && e->used && strcmp(e->user, user) == 0 && CRYPTO_memcmp(e->cred, digest, 32) == 0 &&
        CRYPTO_memcmp(e->mac, mac, 32) == 0) {
        OPENSSL_cleanse(mac, sizeof(mac));
        return true;
    }
    ok = ks_scram_password_matches(cred, pw, plen);
    if (ok && keyed) {
        e->used = true;
        snprintf(e->user, sizeof(e->user), "%s", user);
        memcpy(e->mac, mac, 32);
        memcpy(e->cred, digest, 32);
    }
    OPENSSL_cleanse(mac, sizeof(mac));
    return ok;
}

static void
step_plain(ks_conn_t *c, struct ks_sasl_session *s, const uint8_t *tok, size_t len, step_t *st)
{
    static ks_mv_scram_t decoy;
    static bool have_decoy;
    ks_sasl_plain_t p;
    const ks_mv_scram_t *cred;
    const char *why = NULL;
    char user[KS_SASL_USER_MAX + 1];

    if (ks_sasl_plain_parse(tok, len, &p, &why) != KS_OK) {
        fail(st, s, "Authentication failed: invalid PLAIN message: %s", why);
        log_failure(c, s, NULL, why);
        return;
    }
    snprintf(user, sizeof(user), "%.*s", (int) p.user_len, p.user);
    cred = plain_credential(user);
    if (cred == NULL) {
        /* the same work as for a known user, so timing tells nothing */
        if (!have_decoy) {
            have_decoy = ks_scram_credential_from_password(&decoy, KS_SASL_SCRAM_SHA_256,
                                                           KS_SCRAM_DEFAULT_ITERATIONS,
                                                           (const uint8_t *) "-", 1) == KS_OK;
        }
        if (have_decoy)
            (void) ks_scram_password_matches(&decoy, p.password, p.password_len);
        fail_credentials(st, s);
        log_failure(c, s, user, "invalid credentials");
        return;
    }
    if (!plain_matches(user, cred, p.password, p.password_len)) {
        fail_credentials(st, s);
        log_failure(c, s, user, "invalid credentials");
        return;
    }
    succeed(c, s, user, st);
}

static void
step_scram(ks_conn_t *c, struct ks_sasl_session *s, const uint8_t *tok, size_t len, step_t *st)
{
    const char *why = NULL;
    int rc;

    if (s->phase == P_STARTED) {
        const ks_metaview_t *mv;

        ks_scram_server_init(&s->scram, s->mech);
        if (ks_scram_server_client_first(&s->scram, tok, len, &why) != KS_OK) {
            fail(st, s, "Authentication failed: invalid SCRAM client-first message: %s", why);
            log_failure(c, s, NULL, why);
            return;
        }
        mv = ks_worker_meta();
        if (ks_scram_server_first(&s->scram, mv != NULL ? ks_metaview_scram(mv, s->scram.user, s->mech) : NULL,
                                  NULL, &st->out, &st->out_len) != KS_OK) {
            fail(st, s, "Authentication failed: internal error");
            log_failure(c, s, s->scram.user, "could not build the server-first message");
            return;
        }
        s->phase = P_SCRAM_FINAL;
        return;
    }
    rc = ks_scram_server_final(&s->scram, tok, len, &st->out, &st->out_len, &why);
    if (rc == KS_SCRAM_BAD_PROOF) {
        fail_credentials(st, s);
        log_failure(c, s, s->scram.user, s->scram.known ? "invalid credentials" : "invalid credentials (no such user)");
    } else if (rc != KS_OK) {
        fail(st, s, "Authentication failed: invalid SCRAM client-final message: %s", why);
        log_failure(c, s, s->scram.user, why);
    } else {
        char user[sizeof(s->scram.user)];
        snprintf(user, sizeof(user), "%s", s->scram.user);
        succeed(c, s, user, st);
    }
}

/* One token of the exchange in progress. */
static void
step(ks_conn_t *c, struct ks_sasl_session *s, const uint8_t *tok, size_t len, step_t *st)
{
    memset(st, 0, sizeof(*st));
    if (s->mech == KS_SASL_PLAIN)
        step_plain(c, s, tok, len, st);
    else
        step_scram(c, s, tok, len, st);
    if (st->failed) {
        free(st->out);
        st->out = NULL;
        st->out_len = 0;
        if (stats() != NULL)
            ks_stats_add(&stats()->sasl_failure[s->mech], 1);
    }
    if (st->failed || st->done)
        exchange_reset(s);
}

/* ---------- SaslHandshake ---------- */

void
ks_h_sasl_handshake(ks_req_t *req)
{
    ks_conn_t *c = req->conn;
    const ks_sasl_handshake_req_t *rq = req->request;
    ks_sasl_handshake_resp_t *resp = ks_response_alloc(KS_API_SASL_HANDSHAKE, req->hdr.request_api_version,
                                                       &req->arena);
    int version = req->hdr.request_api_version, enabled = enabled_mechanisms(), mech, n = 0;
    struct ks_sasl_session *s;
    ks_str_t *names;

    if (resp == NULL) {
        ks_req_fail_close(req, "out of memory");
        return;
    }
    resp->mechanisms = KS_ARRAY_EMPTY;
    if (!is_sasl_listener(c)) {
        /* Kafka's answer on a listener without SASL */
        resp->error_code = KS_ERR_ILLEGAL_SASL_STATE;
        ks_req_respond(req, resp);
        return;
    }
    names = ks_arena_alloc(&req->arena, sizeof(ks_str_t) * KS_SASL_NMECH);
    for (int m = 0; names != NULL && m < KS_SASL_NMECH; m++)
        if (enabled & (1 << m))
            names[n++] = KS_STR(ks_sasl_mech_name(m));
    resp->mechanisms = (ks_array_t) { names, names != NULL ? n : 0 };
    s = session(c);
    if (s == NULL) {
        ks_req_fail_close(req, "out of memory");
        return;
    }
    mech = rq->mechanism.len > 0 ? ks_sasl_mech_parse(rq->mechanism.p, (size_t) rq->mechanism.len) : -1;
    if (s->phase != P_NONE || (c->authenticated && version < 1)) {
        ks_log_info("closing connection from %s: unexpected SaslHandshake v%d (%s)", c->peer, version,
                    s->phase != P_NONE ? "an authentication is in progress" : "already authenticated");
        resp->error_code = KS_ERR_ILLEGAL_SASL_STATE;
        respond_close(req, resp);
        return;
    }
    if (mech < 0 || !(enabled & (1 << mech))) {
        char shown[64];
        int len = rq->mechanism.len > 0 ? (int) KS_MIN(rq->mechanism.len, 40) : 0;
        snprintf(shown, sizeof(shown), "%.*s", len, len > 0 ? rq->mechanism.p : "");
        for (char *q = shown; *q; q++)
            if ((unsigned char) *q < 0x20 || (unsigned char) *q > 0x7E)
                *q = '?';
        ks_log_info("closing connection from %s: SASL mechanism \"%s\" is not enabled", c->peer, shown);
        resp->error_code = KS_ERR_UNSUPPORTED_SASL_MECHANISM;
        respond_close(req, resp);
        return;
    }
    if (c->authenticated && mech != s->auth_mech) {
        ks_log_info("closing connection from %s (%s): re-authentication with %s instead of %s", c->peer,
                    c->principal, ks_sasl_mech_name(mech), ks_sasl_mech_name(s->auth_mech));
        resp->error_code = KS_ERR_UNSUPPORTED_SASL_MECHANISM;
        respond_close(req, resp);
        return;
    }
    s->phase = P_STARTED;
    s->mech = mech;
    s->reauth = c->authenticated;
    s->raw = version == 0;
    /* after a v0 handshake the client sends raw tokens (conn.c) */
    c->sasl_raw = s->raw;
    resp->error_code = KS_ERR_NONE;
    ks_req_respond(req, resp);
}

/* ---------- SaslAuthenticate ---------- */

void
ks_h_sasl_authenticate(ks_req_t *req)
{
    ks_conn_t *c = req->conn;
    const ks_sasl_authenticate_req_t *rq = req->request;
    ks_sasl_authenticate_resp_t *resp = ks_response_alloc(KS_API_SASL_AUTHENTICATE,
                                                          req->hdr.request_api_version, &req->arena);
    struct ks_sasl_session *s = c->sasl;
    step_t st;

    if (resp == NULL) {
        ks_req_fail_close(req, "out of memory");
        return;
    }
    resp->auth_bytes = (ks_bytes_t) { (const uint8_t *) "", 0 };
    resp->error_message = KS_STR_NULL;
    resp->session_lifetime_ms = 0;
    if (!is_sasl_listener(c)) {
        resp->error_code = KS_ERR_ILLEGAL_SASL_STATE;
        resp->error_message = KS_STR_LIT("SaslAuthenticate request received on a listener without SASL");
        ks_req_respond(req, resp);
        return;
    }
    if (s == NULL || s->phase == P_NONE || s->raw) {
        ks_log_info("closing connection from %s: SaslAuthenticate without a SaslHandshake before it", c->peer);
        resp->error_code = KS_ERR_ILLEGAL_SASL_STATE;
        resp->error_message = KS_STR_LIT("Unexpected Kafka request of type SASL_AUTHENTICATE during SASL handshake.");
        respond_close(req, resp);
        return;
    }
    step(c, s, rq->auth_bytes.len > 0 ? rq->auth_bytes.p : (const uint8_t *) "",
         rq->auth_bytes.len > 0 ? (size_t) rq->auth_bytes.len : 0, &st);
    if (st.failed) {
        resp->error_code = KS_ERR_SASL_AUTHENTICATION_FAILED;
        resp->error_message = ks_arena_strdup(&req->arena, st.msg, (int32_t) strlen(st.msg));
        fail_later(req, resp);
        return;
    }
    if (st.out != NULL) {
        ks_str_t copy = ks_arena_strdup(&req->arena, st.out, (int32_t) st.out_len);
        free(st.out);
        if (copy.p == NULL) {
            ks_req_fail_close(req, "out of memory");
            return;
        }
        resp->auth_bytes = (ks_bytes_t) { (const uint8_t *) copy.p, copy.len };
    }
    if (st.done && s->end_ms != 0)
        resp->session_lifetime_ms = ks_W.in->conf->connections_max_reauth_ms;
    resp->error_code = KS_ERR_NONE;
    ks_req_respond(req, resp);
}

/* ---------- raw tokens (after SaslHandshake v0) ---------- */

void
ks_sasl_raw_token(ks_req_t *req)
{
    ks_conn_t *c = req->conn;
    struct ks_sasl_session *s = c->sasl;
    step_t st;

    if (s == NULL || s->phase == P_NONE || !s->raw) {
        c->sasl_raw = false;
        ks_req_fail_close(req, "a raw SASL token without a handshake");
        return;
    }
    step(c, s, req->frame, req->frame_len, &st);
    if (st.failed) {
        /* no error frame exists in this mode: the client sees the close */
        c->sasl_raw = false;
        fail_later(req, NULL);
        return;
    }
    if (st.done)
        c->sasl_raw = false;
    /* the answer is the bare token (PLAIN: an empty one) */
    req->out = st.out != NULL ? (uint8_t *) st.out : malloc(1);
    req->out_len = st.out != NULL ? st.out_len : 0;
    if (req->out == NULL) {
        ks_req_fail_close(req, "out of memory");
        return;
    }
    ks_req_complete(req);
}
