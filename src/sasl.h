/*
 * sasl.h: the SASL mechanisms a broker offers: PLAIN (RFC 4616) and
 * SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677).  Message parsing, the
 * server side of a SCRAM exchange, and the derivation of stored
 * credentials.  Pure functions over buffers: no I/O, no logging.
 * Runs in: worker (authentication), coordinator (credentials), tests.
 *
 * One credential store serves both mechanisms: the server keeps only the
 * SCRAM credential of a user (salt, iterations, StoredKey, ServerKey; see
 * metaview.h), never a password.  PLAIN checks a password by deriving
 * SaltedPassword with the stored salt and iterations and comparing the
 * resulting StoredKey in constant time.
 *
 * Like Kafka, user names and passwords are taken as the UTF-8 bytes the
 * client sent (no SASLprep).  User names must be valid UTF-8 without
 * control characters (they end up in log lines and principals).
 */
#ifndef KS_SASL_H
#define KS_SASL_H

#include "ks.h"
#include "metaview.h"
#include "util.h"                 /* ks_b64_encode, ks_b64_decode */

/* Mechanism ids: the SCRAM ones are Kafka's ScramMechanism codes (and
 * KS_SCRAM_SHA_* in metaview.h). */
#define KS_SASL_PLAIN          0
#define KS_SASL_SCRAM_SHA_256  KS_SCRAM_SHA_256
#define KS_SASL_SCRAM_SHA_512  KS_SCRAM_SHA_512
#define KS_SASL_NMECH          3

#define KS_SASL_USER_MAX       249    /* bytes of a user name ("User:" + name < 256) */
#define KS_SASL_PASSWORD_MAX   1024   /* bytes of a PLAIN password */
#define KS_SCRAM_NONCE_MAX     256    /* bytes of the client's nonce */
#define KS_SCRAM_MIN_ITERATIONS 4096  /* Kafka's bounds */
#define KS_SCRAM_MAX_ITERATIONS 16384
#define KS_SCRAM_DEFAULT_ITERATIONS 4096
#define KS_SCRAM_SALT_LEN      32     /* bytes of a salt we generate */

/* "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"; NULL for an unknown id. */
const char *ks_sasl_mech_name(int mech);
/* The id of a mechanism name (exact, case-sensitive, as Kafka); -1 unknown. */
int ks_sasl_mech_parse(const char *name, size_t len);
/* Digest length of a SCRAM mechanism (32 or 64); 0 for others. */
size_t ks_scram_key_len(int mech);

/* Whether s is an acceptable user name: 1..KS_SASL_USER_MAX bytes of valid
 * UTF-8 without control characters (C0, DEL, C1). */
bool ks_sasl_user_valid(const char *s, size_t len);

/* ---- credentials ---- */

/* SaltedPassword := Hi(password, salt, i) (PBKDF2 with HMAC of the
 * mechanism's digest); out holds ks_scram_key_len(mech) bytes. */
int ks_scram_salted_password(int mech, const uint8_t *password, size_t plen, const uint8_t *salt,
                             size_t slen, int iterations, uint8_t *out);
/* StoredKey := H(HMAC(SaltedPassword, "Client Key")) and
 * ServerKey := HMAC(SaltedPassword, "Server Key"). */
int ks_scram_keys(int mech, const uint8_t *salted, uint8_t *stored_key, uint8_t *server_key);
/* Fills a whole credential from a salted password (the form
 * AlterUserScramCredentials carries). */
int ks_scram_credential_from_salted(ks_mv_scram_t *c, int mech, int iterations, const uint8_t *salt,
                                    size_t slen, const uint8_t *salted, size_t salted_len);
/* Fills a whole credential from a password with a fresh random salt of
 * KS_SCRAM_SALT_LEN bytes.  c->user is left alone. */
int ks_scram_credential_from_password(ks_mv_scram_t *c, int mech, int iterations, const uint8_t *pw,
                                      size_t plen);
/* Whether password matches the credential (derivation + constant-time
 * comparison of StoredKey). */
bool ks_scram_password_matches(const ks_mv_scram_t *c, const uint8_t *pw, size_t plen);

/* ---- PLAIN (RFC 4616): [authzid] NUL authcid NUL passwd ---- */

typedef struct {
    const char *authzid;        /* views into the message; authzid may be empty */
    size_t authzid_len;
    const char *user;
    size_t user_len;
    const uint8_t *password;
    size_t password_len;
} ks_sasl_plain_t;

/* KS_OK, or KS_ERROR with *why (a constant string naming what is wrong,
 * never a part of the message). */
int ks_sasl_plain_parse(const uint8_t *msg, size_t len, ks_sasl_plain_t *out, const char **why);

/* ---- SCRAM (RFC 5802) message parsers ---- */

typedef struct {
    char cbind;                 /* 'n' (channel binding "y" and "p=" are refused) */
    const char *gs2_header;     /* "n,," or "n,a=NAME," as sent (view) */
    size_t gs2_len;
    char authzid[KS_SASL_USER_MAX + 1];   /* decoded; "" when absent */
    const char *bare;           /* client-first-message-bare (view) */
    size_t bare_len;
    char user[KS_SASL_USER_MAX + 1];      /* decoded saslname */
    const char *nonce;          /* c-nonce (view) */
    size_t nonce_len;
} ks_scram_client_first_t;

typedef struct {
    uint8_t cbind[3 * KS_SASL_USER_MAX + 16]; /* the decoded c= attribute */
    size_t cbind_len;
    const char *nonce;          /* view */
    size_t nonce_len;
    const char *without_proof;  /* client-final-message-without-proof (view) */
    size_t without_proof_len;
    uint8_t proof[KS_SCRAM_KEY_MAX];
    size_t proof_len;
} ks_scram_client_final_t;

int ks_scram_parse_client_first(const uint8_t *msg, size_t len, ks_scram_client_first_t *out,
                                const char **why);
int ks_scram_parse_client_final(const uint8_t *msg, size_t len, ks_scram_client_final_t *out,
                                const char **why);

/* ---- the server side of a SCRAM exchange ---- */

enum {
    KS_SCRAM_EXPECT_FIRST = 0,
    KS_SCRAM_EXPECT_FINAL,
    KS_SCRAM_DONE,
    KS_SCRAM_FAILED
};

/* Results of ks_scram_server_final besides KS_OK and KS_ERROR (malformed). */
#define KS_SCRAM_BAD_PROOF (-3)        /* wrong password or unknown user */

typedef struct {
    int mech;
    int state;
    char user[KS_SASL_USER_MAX + 1];
    bool known;                 /* the user has a credential for mech */
    ks_mv_scram_t cred;         /* the user's, or a made-up one */
    char *gs2_header;           /* malloc'd copies for the AuthMessage */
    char *client_first_bare;
    char *server_first;
    char *nonce;                /* c-nonce + s-nonce */
    size_t cnonce_len;          /* length of the c-nonce part */
} ks_scram_server_t;

void ks_scram_server_init(ks_scram_server_t *s, int mech);
void ks_scram_server_free(ks_scram_server_t *s);

/* Step 1: parses the client-first message; on KS_OK s->user holds the user
 * name and the caller looks its credential up. */
int ks_scram_server_client_first(ks_scram_server_t *s, const uint8_t *msg, size_t len, const char **why);
/* Step 1 answer: the server-first message (malloc'd, *out).  cred is the
 * user's credential or NULL when there is none: then the exchange goes on
 * with a salt derived from the name and fails at the proof, so a client
 * cannot tell unknown users from wrong passwords.  snonce: the server's
 * nonce part, NULL for a random one (tests pass the RFC's). */
int ks_scram_server_first(ks_scram_server_t *s, const ks_mv_scram_t *cred, const char *snonce,
                          char **out, size_t *outlen);
/* Step 2: checks the client-final message and answers the server-final
 * message (malloc'd).  Its nonce must be the server-first one; like Kafka
 * (which checks that it ends with it) c-nonce + that nonce is accepted
 * too, as librdkafka up to 2.x sends it.   KS_OK: authenticated as s->user.  KS_ERROR:
 * malformed (*why).  KS_SCRAM_BAD_PROOF: wrong password or unknown user. */
int ks_scram_server_final(ks_scram_server_t *s, const uint8_t *msg, size_t len, char **out,
                          size_t *outlen, const char **why);

#endif
