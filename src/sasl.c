/*
 * sasl.c: PLAIN and SCRAM-SHA-256/512 (see sasl.h).  Runs in: worker,
 * coordinator, kafscalectl tests.
 *
 * Every attribute of a SCRAM message is parsed strictly (RFC 5802 section
 * 7): a failure says which part is wrong, never echoes it.  Digests, HMAC
 * and PBKDF2 come from OpenSSL; secrets are compared with CRYPTO_memcmp and
 * wiped with OPENSSL_cleanse.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "sasl.h"

static const char *const mech_names[KS_SASL_NMECH] = { "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512" };

const char *
ks_sasl_mech_name(int mech)
{
    return mech >= 0 && mech < KS_SASL_NMECH ? mech_names[mech] : NULL;
}

int
ks_sasl_mech_parse(const char *name, size_t len)
{
    for (int i = 0; i < KS_SASL_NMECH; i++)
        if (strlen(mech_names[i]) == len && memcmp(mech_names[i], name, len) == 0)
            return i;
    return -1;
}

size_t
ks_scram_key_len(int mech)
{
    return mech == KS_SASL_SCRAM_SHA_256 ? 32 : mech == KS_SASL_SCRAM_SHA_512 ? 64 : 0;
}

static const EVP_MD *
mech_md(int mech)
{
    return mech == KS_SASL_SCRAM_SHA_256 ? EVP_sha256() : mech == KS_SASL_SCRAM_SHA_512 ? EVP_sha512() : NULL;
}

/* Length of the UTF-8 sequence at p (1..4), 0 when it is not valid UTF-8
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static size_t
utf8_len(const uint8_t *p, size_t left)
{
    uint32_t cp;
    size_t n;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        n = 2, cp = p[0] & 0x1F;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        n = 3, cp = p[0] & 0x0F;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        n = 4, cp = p[0] & 0x07;
    else
        return 0;
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static bool
utf8_valid(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = utf8_len(p + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

bool
ks_sasl_user_valid(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *) s;

    if (len == 0 || len > KS_SASL_USER_MAX || !utf8_valid(p, len))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x20 || p[i] == 0x7F)
            return false;
        /* C1 controls U+0080..U+009F: C2 80..C2 9F */
        if (p[i] == 0xC2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)
            return false;
    }
    return true;
}

/* ---------- credentials ---------- */

int
ks_scram_salted_password(int mech, const uint8_t *password, size_t plen, const uint8_t *salt, size_t slen,
                         int iterations, uint8_t *out)
{
    const EVP_MD *md = mech_md(mech);

    if (md == NULL || iterations < 1 || plen > INT32_MAX || slen > INT32_MAX)
        return KS_ERROR;
    if (PKCS5_PBKDF2_HMAC((const char *) (password != NULL ? password : (const uint8_t *) ""), (int) plen,
                          salt, (int) slen, iterations, md, (int) ks_scram_key_len(mech), out) != 1)
        return KS_ERROR;
    return KS_OK;
}

static int
hmac(int mech, const uint8_t *key, size_t klen, const void *msg, size_t mlen, uint8_t *out)
{
    unsigned int n = 0;

    if (HMAC(mech_md(mech), key, (int) klen, msg, mlen, out, &n) == NULL || n != ks_scram_key_len(mech))
        return KS_ERROR;
    return KS_OK;
}

static int
digest(int mech, const uint8_t *p, size_t n, uint8_t *out)
{
    unsigned int len = 0;

    if (EVP_Digest(p, n, out, &len, mech_md(mech), NULL) != 1 || len != ks_scram_key_len(mech))
        return KS_ERROR;
    return KS_OK;
}

int
ks_scram_keys(int mech, const uint8_t *salted, uint8_t *stored_key, uint8_t *server_key)
{
    size_t kl = ks_scram_key_len(mech);
    uint8_t client_key[KS_SCRAM_KEY_MAX];
    int rc;

    if (kl == 0)
        return KS_ERROR;
    rc = hmac(mech, salted, kl, "Client Key", 10, client_key) == KS_OK &&
         digest(mech, client_key, kl, stored_key) == KS_OK &&
         hmac(mech, salted, kl, "Server Key", 10, server_key) == KS_OK ? KS_OK : KS_ERROR;
    OPENSSL_cleanse(client_key, sizeof(client_key));
    return rc;
}

int
ks_scram_credential_from_salted(ks_mv_scram_t *c, int mech, int iterations, const uint8_t *salt, size_t slen,
                                const uint8_t *salted, size_t salted_len)
{
    size_t kl = ks_scram_key_len(mech);

    if (kl == 0 || salted_len != kl || slen == 0 || slen > KS_SCRAM_SALT_MAX || iterations < 1)
        return KS_ERROR;
    c->mechanism = (int8_t) mech;
    c->iterations = iterations;
    c->salt_len = (uint8_t) slen;
    c->key_len = (uint8_t) kl;
    memset(c->salt, 0, sizeof(c->salt));
    memcpy(c->salt, salt, slen);
    memset(c->stored_key, 0, sizeof(c->stored_key));
    memset(c->server_key, 0, sizeof(c->server_key));
    return ks_scram_keys(mech, salted, c->stored_key, c->server_key);
}

int
ks_scram_credential_from_password(ks_mv_scram_t *c, int mech, int iterations, const uint8_t *pw, size_t plen)
{
    uint8_t salt[KS_SCRAM_SALT_LEN], salted[KS_SCRAM_KEY_MAX];
    int rc;

    if (ks_scram_key_len(mech) == 0 || RAND_bytes(salt, sizeof(salt)) != 1)
        return KS_ERROR;
    rc = ks_scram_salted_password(mech, pw, plen, salt, sizeof(salt), iterations, salted);
    if (rc == KS_OK)
        rc = ks_scram_credential_from_salted(c, mech, iterations, salt, sizeof(salt), salted,
                                             ks_scram_key_len(mech));
    OPENSSL_cleanse(salted, sizeof(salted));
    return rc;
}

bool
ks_scram_password_matches(const ks_mv_scram_t *c, const uint8_t *pw, size_t plen)
{
    uint8_t salted[KS_SCRAM_KEY_MAX], stored[KS_SCRAM_KEY_MAX], server[KS_SCRAM_KEY_MAX];
    size_t kl = ks_scram_key_len(c->mechanism);
    bool ok;

    if (kl == 0 || c->key_len != kl || c->salt_len > KS_SCRAM_SALT_MAX)
        return false;
    ok = ks_scram_salted_password(c->mechanism, pw, plen, c->salt, c->salt_len, c->iterations, salted) == KS_OK
         && ks_scram_keys(c->mechanism, salted, stored, server) == KS_OK
         && CRYPTO_memcmp(stored, c->stored_key, kl) == 0;
    OPENSSL_cleanse(salted, sizeof(salted));
    OPENSSL_cleanse(stored, sizeof(stored));
    OPENSSL_cleanse(server, sizeof(server));
    return ok;
}

/* ---------- PLAIN ---------- */

int
ks_sasl_plain_parse(const uint8_t *msg, size_t len, ks_sasl_plain_t *out, const char **why)
{
    const uint8_t *nul1, *nul2, *end = msg + len;

    memset(out, 0, sizeof(*out));
    nul1 = len > 0 ? memchr(msg, 0, len) : NULL;
    nul2 = nul1 != NULL ? memchr(nul1 + 1, 0, (size_t) (end - nul1 - 1)) : NULL;
    if (nul1 == NULL || nul2 == NULL) {
        *why = "the PLAIN message is not authzid NUL authcid NUL passwd";
        return KS_ERROR;
    }
    if (memchr(nul2 + 1, 0, (size_t) (end - nul2 - 1)) != NULL) {
        *why = "the PLAIN message has more than three fields";
        return KS_ERROR;
    }
    out->authzid = (const char *) msg;
    out->authzid_len = (size_t) (nul1 - msg);
    out->user = (const char *) nul1 + 1;
    out->user_len = (size_t) (nul2 - nul1 - 1);
    out->password = nul2 + 1;
    out->password_len = (size_t) (end - nul2 - 1);
    if (out->user_len == 0) {
        *why = "the PLAIN user name is empty";
        return KS_ERROR;
    }
    if (!ks_sasl_user_valid(out->user, out->user_len)) {
        *why = "the PLAIN user name is not a valid user name";
        return KS_ERROR;
    }
    if (out->authzid_len > 0 && (out->authzid_len != out->user_len ||
                                 memcmp(out->authzid, out->user, out->user_len) != 0)) {
        *why = "the PLAIN authorization id is not the user name";
        return KS_ERROR;
    }
    if (out->password_len == 0) {
        *why = "the PLAIN password is empty";
        return KS_ERROR;
    }
    if (out->password_len > KS_SASL_PASSWORD_MAX || !utf8_valid(out->password, out->password_len)) {
        *why = "the PLAIN password is too long or not UTF-8";
        return KS_ERROR;
    }
    return KS_OK;
}

/* ---------- SCRAM parsing ---------- */

/* A cursor over the comma-separated attributes of a message; `more` is
 * set when the last attribute taken ended with a comma (so another one
 * must follow). */
typedef struct {
    const char *p, *end;
    bool more;
} cur_t;

/* Takes the attribute "X=value" (X = name) at the cursor: its value is
 * everything up to the next comma or the end. */
static bool
next_attr(cur_t *c, char name, const char **val, size_t *vlen)
{
    const char *comma;

    if (c->end - c->p < 2 || c->p[0] != name || c->p[1] != '=')
        return false;
    c->p += 2;
    comma = memchr(c->p, ',', (size_t) (c->end - c->p));
    *val = c->p;
    *vlen = (size_t) ((comma != NULL ? comma : c->end) - c->p);
    c->more = comma != NULL;
    c->p = comma != NULL ? comma + 1 : c->end;
    return true;
}

/* Decodes a saslname (=2C is ',', =3D is '=', no other '='); the result
 * must be a valid user name. */
static bool
saslname_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '=') {
            if (n - i < 3)
                return false;
            if (s[i + 1] == '2' && s[i + 2] == 'C')
                ch = ',';
            else if (s[i + 1] == '3' && s[i + 2] == 'D')
                ch = '=';
            else
                return false;
            i += 2;
        } else if (ch == 0 || ch == ',') {
            return false;
        }
        if (o + 1 >= cap)
            return false;
        out[o++] = ch;
    }
    out[o] = 0;
    return ks_sasl_user_valid(out, o);
}

static bool
printable_nonce(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char) s[i] < 0x21 || (unsigned char) s[i] > 0x7E || s[i] == ',')
            return false;
    return true;
}

/* One optional extension NAME=value at the cursor, NAME of letters (RFC
 * 5802 has one letter; Kafka's "tokenauth" is longer).  SCRAM's own
 * attribute letters may not appear again; tokenauth (delegation tokens)
 * is refused. */
static int
parse_extension(cur_t *c, const char **why)
{
    const char *eq, *comma;
    size_t nlen, vlen;

    if (c->p == c->end) {
        *why = "the message ends with a comma";
        return KS_ERROR;
    }
    comma = memchr(c->p, ',', (size_t) (c->end - c->p));
    if (comma == NULL)
        comma = c->end;
    eq = memchr(c->p, '=', (size_t) (comma - c->p));
    if (eq == NULL || eq == c->p) {
        *why = "an attribute is not NAME=value";
        return KS_ERROR;
    }
    nlen = (size_t) (eq - c->p);
    vlen = (size_t) (comma - eq - 1);
    for (size_t i = 0; i < nlen; i++)
        if (!((c->p[i] >= 'a' && c->p[i] <= 'z') || (c->p[i] >= 'A' && c->p[i] <= 'Z'))) {
            *why = "an extension name is not letters";
            return KS_ERROR;
        }
    if (nlen == 1 && strchr("anmrcsipve", c->p[0]) != NULL) {
        *why = "a SCRAM attribute is repeated or out of order";
        return KS_ERROR;
    }
    if (nlen == 9 && memcmp(c->p, "tokenauth", 9) == 0) {
        *why = "delegation token authentication (tokenauth) is not supported";
        return KS_ERROR;
    }
    if (vlen == 0) {
        *why = "an extension has an empty value";
        return KS_ERROR;
    }
    c->more = comma != c->end;
    c->p = comma != c->end ? comma + 1 : c->end;
    return KS_OK;
}

/* Starts parsing a client message: out (size bytes) cleared, c over msg.
 * Messages are UTF-8 without NUL bytes (RFC 5802 section 7): KS_ERROR
 * with why = bad when msg is not. */
static int
message_start(const uint8_t *msg, size_t len, cur_t *c, void *out, size_t size, const char *bad, const char **why)
{
    *c = (cur_t) { (const char *) msg, (const char *) msg + len, false };
    memset(out, 0, size);
    if (len > 0 && memchr(msg, 0, len) == NULL && utf8_valid(msg, len))
        return KS_OK;
    *why = bad;
    return KS_ERROR;
}

int
ks_scram_parse_client_first(const uint8_t *msg, size_t len, ks_scram_client_first_t *out, const char **why)
{
    cur_t c;
    const char *v;
    size_t vlen;

    if (message_start(msg, len, &c, out, sizeof(*out),
                      "the client-first message is empty, has NUL bytes or is not UTF-8", why) != KS_OK)
        return KS_ERROR;
    /* gs2-header = gs2-cbind-flag "," [ authzid ] "," */
    if (c.p[0] == 'y' || c.p[0] == 'p') {
        *why = "channel binding is not supported (gs2 flag y or p)";
        return KS_ERROR;
    }
    if (len < 2 || c.p[0] != 'n' || c.p[1] != ',') {
        *why = "the client-first message does not start with the gs2 header n,";
        return KS_ERROR;
    }
    out->cbind = 'n';
    c.p += 2;
    if (c.p < c.end && c.p[0] != ',') {
        const char *comma = memchr(c.p, ',', (size_t) (c.end - c.p));
        if (c.end - c.p < 2 || c.p[0] != 'a' || c.p[1] != '=' || comma == NULL) {
            *why = "the gs2 header has something else than an authzid (a=)";
            return KS_ERROR;
        }
        if (!saslname_decode(c.p + 2, (size_t) (comma - c.p - 2), out->authzid, sizeof(out->authzid))) {
            *why = "the gs2 authzid (a=) is not a valid user name";
            return KS_ERROR;
        }
        c.p = comma;
    }
    if (c.p >= c.end || c.p[0] != ',') {
        *why = "the gs2 header does not end with a comma";
        return KS_ERROR;
    }
    c.p++;
    out->gs2_header = (const char *) msg;
    out->gs2_len = (size_t) (c.p - (const char *) msg);
    out->bare = c.p;
    out->bare_len = (size_t) (c.end - c.p);
    /* client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions] */
    if (c.p < c.end && c.p[0] == 'm') {
        *why = "mandatory extensions (m=) are not supported";
        return KS_ERROR;
    }
    if (!next_attr(&c, 'n', &v, &vlen)) {
        *why = "the client-first message has no user name (n=)";
        return KS_ERROR;
    }
    if (!saslname_decode(v, vlen, out->user, sizeof(out->user))) {
        *why = "the user name (n=) is not a valid saslname";
        return KS_ERROR;
    }
    if (!c.more || !next_attr(&c, 'r', &v, &vlen)) {
        *why = "the client-first message has no nonce (r=) after the user name";
        return KS_ERROR;
    }
    if (!printable_nonce(v, vlen, KS_SCRAM_NONCE_MAX)) {
        *why = "the client nonce (r=) is empty, too long or not printable";
        return KS_ERROR;
    }
    out->nonce = v;
    out->nonce_len = vlen;
    while (c.more)
        if (parse_extension(&c, why) != KS_OK)
            return KS_ERROR;
    if (out->authzid[0] != 0 && strcmp(out->authzid, out->user) != 0) {
        *why = "the authorization id (a=) is not the user name";
        return KS_ERROR;
    }
    return KS_OK;
}

int
ks_scram_parse_client_final(const uint8_t *msg, size_t len, ks_scram_client_final_t *out, const char **why)
{
    cur_t c;
    const char *v;
    size_t vlen;

    if (message_start(msg, len, &c, out, sizeof(*out),
                      "the client-final message is empty, has NUL bytes or is not UTF-8", why) != KS_OK)
        return KS_ERROR;
    /* client-final-message-without-proof = channel-binding "," nonce ["," extensions] */
    if (!next_attr(&c, 'c', &v, &vlen)) {
        *why = "the client-final message does not start with the channel binding (c=)";
        return KS_ERROR;
    }
    if (ks_b64_decode(v, vlen, out->cbind, sizeof(out->cbind), &out->cbind_len) != KS_OK) {
        *why = "the channel binding (c=) is not valid base64";
        return KS_ERROR;
    }
    if (!c.more || !next_attr(&c, 'r', &v, &vlen)) {
        *why = "the client-final message has no nonce (r=) after the channel binding";
        return KS_ERROR;
    }
    if (!printable_nonce(v, vlen, 2 * KS_SCRAM_NONCE_MAX)) {
        *why = "the nonce (r=) is empty, too long or not printable";
        return KS_ERROR;
    }
    out->nonce = v;
    out->nonce_len = vlen;
    /* ["," extensions] "," proof */
    while (c.more && !(c.end - c.p >= 2 && c.p[0] == 'p' && c.p[1] == '='))
        if (parse_extension(&c, why) != KS_OK)
            return KS_ERROR;
    if (!c.more) {
        *why = "the client-final message does not end with a proof (p=)";
        return KS_ERROR;
    }
    out->without_proof = (const char *) msg;
    out->without_proof_len = (size_t) (c.p - 1 - (const char *) msg);
    next_attr(&c, 'p', &v, &vlen);
    if (c.more) {
        *why = "the proof (p=) is not the last attribute";
        return KS_ERROR;
    }
    if (ks_b64_decode(v, vlen, out->proof, sizeof(out->proof), &out->proof_len) != KS_OK || out->proof_len == 0) {
        *why = "the proof (p=) is not valid base64";
        return KS_ERROR;
    }
    return KS_OK;
}

/* ---------- the server ---------- */

void
ks_scram_server_init(ks_scram_server_t *s, int mech)
{
    memset(s, 0, sizeof(*s));
    s->mech = mech;
    s->state = KS_SCRAM_EXPECT_FIRST;
}

void
ks_scram_server_free(ks_scram_server_t *s)
{
    free(s->gs2_header);
    free(s->client_first_bare);
    free(s->server_first);
    free(s->nonce);
    OPENSSL_cleanse(&s->cred, sizeof(s->cred));
    memset(s, 0, sizeof(*s));
}

static char *
dup_n(const char *p, size_t n)
{
    char *s = malloc(n + 1);

    if (s != NULL) {
        memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

int
ks_scram_server_client_first(ks_scram_server_t *s, const uint8_t *msg, size_t len, const char **why)
{
    ks_scram_client_first_t cf;

    if (s->state != KS_SCRAM_EXPECT_FIRST) {
        *why = "a client-first message was not expected";
        s->state = KS_SCRAM_FAILED;
        return KS_ERROR;
    }
    if (ks_scram_parse_client_first(msg, len, &cf, why) != KS_OK) {
        s->state = KS_SCRAM_FAILED;
        return KS_ERROR;
    }
    snprintf(s->user, sizeof(s->user), "%s", cf.user);
    s->gs2_header = dup_n(cf.gs2_header, cf.gs2_len);
    s->client_first_bare = dup_n(cf.bare, cf.bare_len);
    s->nonce = dup_n(cf.nonce, cf.nonce_len);
    s->cnonce_len = cf.nonce_len;
    if (s->gs2_header == NULL || s->client_first_bare == NULL || s->nonce == NULL) {
        *why = "out of memory";
        s->state = KS_SCRAM_FAILED;
        return KS_ERROR;
    }
    return KS_OK;
}

/* A made-up credential for a user without one: a salt derived from the
 * name with a secret of this process (the same name gets the same salt
 * from this process), the default iterations, and a random StoredKey no
 * proof can match. */
static void
fake_credential(int mech, const char *user, ks_mv_scram_t *c)
{
    static uint8_t secret[32];
    static bool have;
    uint8_t mac[KS_SCRAM_KEY_MAX];
    unsigned int n = 0;
    size_t kl = ks_scram_key_len(mech);

    if (!have) {
        if (RAND_bytes(secret, sizeof(secret)) != 1)
            memset(secret, 0x5A, sizeof(secret));
        have = true;
    }
    memset(c, 0, sizeof(*c));
    c->mechanism = (int8_t) mech;
    c->iterations = KS_SCRAM_DEFAULT_ITERATIONS;
    c->key_len = (uint8_t) kl;
    c->salt_len = KS_SCRAM_SALT_LEN;
    if (HMAC(EVP_sha256(), secret, sizeof(secret), (const uint8_t *) user, strlen(user), mac, &n) == NULL)
        memset(mac, 0, sizeof(mac));
    memcpy(c->salt, mac, KS_SCRAM_SALT_LEN);
    if (RAND_bytes(c->stored_key, (int) kl) != 1)
        memset(c->stored_key, 0xA5, kl);
    memcpy(c->server_key, c->stored_key, kl);
}

int
ks_scram_server_first(ks_scram_server_t *s, const ks_mv_scram_t *cred, const char *snonce, char **out,
                      size_t *outlen)
{
    uint8_t rnd[24];
    char rnd64[33], salt64[4 * ((KS_SCRAM_SALT_MAX + 2) / 3) + 1], *full, *msg;
    size_t need;

    *out = NULL;
    if (s->state != KS_SCRAM_EXPECT_FIRST || s->nonce == NULL)
        return KS_ERROR;
    if (cred != NULL && cred->mechanism == s->mech && cred->key_len == ks_scram_key_len(s->mech) &&
        cred->salt_len > 0 && cred->salt_len <= KS_SCRAM_SALT_MAX && cred->iterations > 0) {
        s->cred = *cred;
        s->cred.user = NULL;
        s->known = true;
    } else {
        fake_credential(s->mech, s->user, &s->cred);
        s->known = false;
    }
    if (snonce == NULL) {
        if (RAND_bytes(rnd, sizeof(rnd)) != 1)
            return KS_ERROR;
        ks_b64_encode(rnd, sizeof(rnd), rnd64);
        snonce = rnd64;
    }
    need = strlen(s->nonce) + strlen(snonce) + 1;
    full = malloc(need);
    if (full == NULL)
        return KS_ERROR;
    snprintf(full, need, "%s%s", s->nonce, snonce);
    free(s->nonce);
    s->nonce = full;
    ks_b64_encode(s->cred.salt, s->cred.salt_len, salt64);
    need = strlen(full) + strlen(salt64) + 32;
    msg = malloc(need);
    if (msg == NULL)
        return KS_ERROR;
    snprintf(msg, need, "r=%s,s=%s,i=%d", full, salt64, (int) s->cred.iterations);
    s->server_first = msg;
    s->state = KS_SCRAM_EXPECT_FINAL;
    *out = strdup(msg);
    if (*out == NULL)
        return KS_ERROR;
    *outlen = strlen(msg);
    return KS_OK;
}

int
ks_scram_server_final(ks_scram_server_t *s, const uint8_t *msg, size_t len, char **out, size_t *outlen,
                      const char **why)
{
    ks_scram_client_final_t cf;
    size_t kl = ks_scram_key_len(s->mech), alen, nlen;
    uint8_t sig[KS_SCRAM_KEY_MAX], client_key[KS_SCRAM_KEY_MAX], stored[KS_SCRAM_KEY_MAX];
    uint8_t server_sig[KS_SCRAM_KEY_MAX];
    char *auth, sig64[4 * ((KS_SCRAM_KEY_MAX + 2) / 3) + 1];
    bool ok;

    *out = NULL;
    if (s->state != KS_SCRAM_EXPECT_FINAL) {
        *why = "a client-final message was not expected";
        s->state = KS_SCRAM_FAILED;
        return KS_ERROR;
    }
    s->state = KS_SCRAM_FAILED;
    if (ks_scram_parse_client_final(msg, len, &cf, why) != KS_OK)
        return KS_ERROR;
    if (cf.cbind_len != strlen(s->gs2_header) || memcmp(cf.cbind, s->gs2_header, cf.cbind_len) != 0) {
        *why = "the channel binding (c=) is not the gs2 header of the client-first message";
        return KS_ERROR;
    }
    nlen = strlen(s->nonce);
    if (!(cf.nonce_len == nlen && memcmp(cf.nonce, s->nonce, nlen) == 0) &&
        !(cf.nonce_len == s->cnonce_len + nlen && memcmp(cf.nonce, s->nonce, s->cnonce_len) == 0 &&
          memcmp(cf.nonce + s->cnonce_len, s->nonce, nlen) == 0)) {
        *why = "the nonce (r=) is not the one of the server-first message";
        return KS_ERROR;
    }
    if (cf.proof_len != kl) {
        *why = "the proof (p=) has the wrong length for the mechanism";
        return KS_ERROR;
    }
    /* AuthMessage := client-first-message-bare + "," + server-first-message
     *                + "," + client-final-message-without-proof */
    alen = strlen(s->client_first_bare) + 1 + strlen(s->server_first) + 1 + cf.without_proof_len;
    auth = malloc(alen + 1);
    if (auth == NULL) {
        *why = "out of memory";
        return KS_ERROR;
    }
    snprintf(auth, alen + 1, "%s,%s,%.*s", s->client_first_bare, s->server_first, (int) cf.without_proof_len,
             cf.without_proof);
    /* ClientKey := ClientProof XOR HMAC(StoredKey, AuthMessage);
     * the client knows the password when H(ClientKey) = StoredKey. */
    ok = hmac(s->mech, s->cred.stored_key, kl, auth, alen, sig) == KS_OK;
    for (size_t i = 0; ok && i < kl; i++)
        client_key[i] = cf.proof[i] ^ sig[i];
    ok = ok && digest(s->mech, client_key, kl, stored) == KS_OK;
    ok = ok && CRYPTO_memcmp(stored, s->cred.stored_key, kl) == 0 && s->known;
    if (ok)
        ok = hmac(s->mech, s->cred.server_key, kl, auth, alen, server_sig) == KS_OK;
    free(auth);
    OPENSSL_cleanse(client_key, sizeof(client_key));
    OPENSSL_cleanse(sig, sizeof(sig));
    if (!ok)
        return KS_SCRAM_BAD_PROOF;
    ks_b64_encode(server_sig, kl, sig64);
    *outlen = 2 + strlen(sig64);
    *out = malloc(*outlen + 1);
    if (*out == NULL) {
        *why = "out of memory";
        return KS_ERROR;
    }
    snprintf(*out, *outlen + 1, "v=%s", sig64);
    s->state = KS_SCRAM_DONE;
    return KS_OK;
}
