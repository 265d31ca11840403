/*
 * tls.h: TLS on SSL and SASL_SSL listeners: OpenSSL through libevent's
 * bufferevent_openssl.  Runs in: worker (the context and the connections),
 * master (the context at start-up, kafscaled -t, SIGHUP).
 *
 * The master builds the server context at start-up; workers are forked
 * with it.  On SIGHUP every process builds a new one (certificate, key and
 * CA files read again); a failed rebuild keeps the old context.
 * Connections hold a reference to the context they were accepted with, so
 * open connections keep theirs.  TLS 1.2 is the oldest version accepted,
 * always.
 */
#ifndef KS_TLS_H
#define KS_TLS_H

#include "conf.h"
#include "ks.h"

struct bufferevent;
struct event_base;

/* Whether a listener of c is SSL or SASL_SSL. */
bool ks_tls_needed(const ks_conf_t *c);

/* Builds this process's context from c: the files load, the key decrypts
 * and matches the certificate, the cipher list is valid.  KS_ERROR with
 * the reason in err (the previous context, if any, stays).  On KS_OK,
 * *warn may hold a warning (an expired certificate): warn[0] != 0.
 * Runs in: master (start-up, kafscaled -t); workers inherit the context. */
int ks_tls_init(const ks_conf_t *c, char *err, size_t errlen, char *warn, size_t warnlen);
/* Whether this process has a context (a worker: inherited from the master). */
bool ks_tls_ready(void);
/* SIGHUP: builds a new context from c; a failure is logged and the old one
 * kept.  Runs in: master, worker. */
void ks_tls_reload(const ks_conf_t *c);
/* Frees the context at exit. */
void ks_tls_shutdown(void);

/* A server-side TLS bufferevent for an accepted socket (the handshake
 * starts at once); it owns fd and the SSL object.  client_certs: ask for
 * client certificates as ssl.client.auth says (SSL listeners); false on
 * SASL_SSL listeners, where SASL authenticates (Kafka's KIP-684 default).  NULL without a context
 * or on out of memory; fd is closed then too. */
struct bufferevent *ks_tls_accept(struct event_base *base, int fd, bool client_certs);

/* Sends a close_notify alert before the broker closes an established
 * TLS connection, so that the client sees a clean end of stream. */
void ks_tls_close_notify(struct bufferevent *bev);

/* Why a TLS connection failed: OpenSSL's reasons (taken off the
 * bufferevent's error list and the thread's queue) and, when certificate
 * verification failed, the verification error ("certificate has
 * expired"). */
void ks_tls_error(struct bufferevent *bev, char *out, size_t outlen);

/* After the handshake: the protocol and cipher in use ("TLSv1.3
 * TLS_AES_256_GCM_SHA384") into desc, and when the client sent a
 * certificate that was verified, Kafka's default principal "User:" + the
 * subject in RFC 2253 form into principal (left alone otherwise, or when
 * principal is NULL).
 * KS_ERROR when the subject does not fit (principal is left alone). */
int ks_tls_established(struct bufferevent *bev, char *principal, size_t plen, char *desc, size_t dlen);

#endif
