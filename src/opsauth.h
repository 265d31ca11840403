/*
 * opsauth.h: authentication of the ops HTTP endpoint (ops.auth.token.file,
 * ops.auth.basic.file).  Runs in: master (ks_conf_validate checks the
 * basic file), coordinator (checks every request).
 *
 * The basic file has one user per line, "user:password"; blank lines and
 * lines starting with '#' are skipped.  The password is
 *   - a crypt(3) hash: "$2y$..." / "$2b$..." (htpasswd -B, bcrypt),
 *     "$6$..." / "$5$..." (openssl passwd -6 / -5), "$y$..." (mkpasswd,
 *     yescrypt) -- whatever the system's libcrypt verifies;
 *   - "{PLAIN}text": the text itself (needed when it starts with '$' or '{');
 *   - anything else: plain text as written.
 * htpasswd's MD5 ("$apr1$") and SHA-1 ("{SHA}") forms are refused (the
 * first is not in libcrypt, the second is unsalted), and so are bcrypt
 * costs above 12 and SHA-crypt rounds above 500000 (every check of a wrong
 * password runs the hash on the coordinator's loop).
 *
 * Comparisons are constant time: both sides are hashed with SHA-256 and
 * the digests compared with CRYPTO_memcmp.  A verified hashed password is
 * remembered (an HMAC under a random per-process key) so that the
 * console's periodic requests do not run bcrypt each time; the memory is
 * dropped whenever the credentials change.
 */
#ifndef KS_OPSAUTH_H
#define KS_OPSAUTH_H

#include <stddef.h>

#include "ks.h"

/* Checks the text of a basic file: returns the number of users (>= 1),
 * or -1 with a reason in why (which never quotes a password). */
int ks_opsauth_check_basic(const char *text, char *why, size_t whylen);

/* Whether two strings are equal, in time that depends only on their
 * lengths' digests (SHA-256 of both, then CRYPTO_memcmp). */
bool ks_opsauth_equal(const char *a, size_t alen, const char *b, size_t blen);

typedef struct ks_opsauth ks_opsauth_t;

ks_opsauth_t *ks_opsauth_new(void);
void ks_opsauth_free(ks_opsauth_t *a);

/* Sets the credentials ("" = none of that kind); a change drops the
 * remembered verifications.  The strings are copied.  Returns KS_ERROR
 * when basic does not parse (the previous credentials stay). */
int ks_opsauth_set(ks_opsauth_t *a, const char *token, const char *basic);

/* Whether a token and/or users are configured. */
bool ks_opsauth_has_token(const ks_opsauth_t *a);
bool ks_opsauth_has_basic(const ks_opsauth_t *a);

enum {
    KS_OPSAUTH_OK = 0,        /* the credentials match, or none are configured */
    KS_OPSAUTH_MISSING,       /* no (usable) Authorization header */
    KS_OPSAUTH_WRONG          /* credentials presented but not accepted */
};
/* Checks the value of a request's Authorization header (NULL = none):
 * "Bearer TOKEN" against the token, "Basic base64(user:password)" against
 * the users. */
int ks_opsauth_check(ks_opsauth_t *a, const char *authorization);

#endif
