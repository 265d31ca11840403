/*
 * opsauth.c: bearer token and basic auth of the ops HTTP endpoint (see
 * opsauth.h).  Runs in: master (checks), coordinator (requests).
 */
#include "config.h"

#include <crypt.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "opsauth.h"

#define MAX_USERS     1024
#define MAX_HEADER    8192      /* longest Authorization value looked at */
#define MAX_BCRYPT_COST 12      /* about 0.25 s per check */
#define MAX_SHA_ROUNDS  500000

typedef struct {
    char *user;
    char *pass;                 /* plain text, or the crypt(3) hash */
    bool hashed;
    bool cached;                /* hmac holds a verified password */
    unsigned char hmac[32];
} user_t;

struct ks_opsauth {
    char *token;
    char *basic;                /* the text the users were parsed from */
    user_t *users;
    size_t nusers;
    unsigned char key[32];      /* for the remembered verifications */
};

static void KS_PRINTF(3, 4)
seterr(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    if (why == NULL || whylen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

static void
wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

bool
ks_opsauth_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    unsigned char da[SHA256_DIGEST_LENGTH], db[SHA256_DIGEST_LENGTH];
    bool eq;

    SHA256((const unsigned char *) a, alen, da);
    SHA256((const unsigned char *) b, blen, db);
    eq = CRYPTO_memcmp(da, db, sizeof(da)) == 0 && alen == blen;
    OPENSSL_cleanse(da, sizeof(da));
    OPENSSL_cleanse(db, sizeof(db));
    return eq;
}

/* crypt(3) of phrase with setting (a stored hash): the result (heap), or
 * NULL when libcrypt does not know the method or fails. */
static char *
crypt_of(const char *phrase, const char *setting)
{
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    char *out = NULL, *r;

    if (cd == NULL)
        return NULL;
    r = crypt_rn(phrase, setting, cd, (int) sizeof(*cd));
    if (r != NULL && r[0] != '*')
        out = strdup(r);
    OPENSSL_cleanse(cd, sizeof(*cd));
    free(cd);
    return out;
}

static void
users_free(user_t *u, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(u[i].user);
        wipe_free(u[i].pass);
    }
    free(u);
}

/* Parses the basic file's text; on error returns KS_ERROR with a reason
 * naming the line (never its password). */
static int
parse_basic(const char *text, user_t **out, size_t *nout, char *why, size_t whylen)
{
    const char *p = text;
    user_t *u = NULL;
    size_t n = 0;
    unsigned line = 0;

    *out = NULL;
    *nout = 0;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        const char *e = nl != NULL ? nl : p + strlen(p);
        const char *colon, *pw;
        size_t pwlen;
        bool hashed = false;

        line++;
        while (e > p && e[-1] == '\r')
            e--;
        if (e == p || *p == '#')
            goto next;
        colon = memchr(p, ':', (size_t) (e - p));
        if (colon == NULL || colon == p) {
            seterr(why, whylen, "line %u: expected user:password", line);
            goto fail;
        }
        pw = colon + 1;
        pwlen = (size_t) (e - pw);
        if (pwlen == 0) {
            seterr(why, whylen, "line %u: empty password", line);
            goto fail;
        }
        for (const char *q = p; q < colon; q++) {
            if (isspace((unsigned char) *q) || (unsigned char) *q < ' ') {
                seterr(why, whylen, "line %u: white space in the user name", line);
                goto fail;
            }
        }
        if (pwlen >= 7 && strncmp(pw, "{PLAIN}", 7) == 0) {
            pw += 7;
            pwlen -= 7;
            if (pwlen == 0) {
                seterr(why, whylen, "line %u: empty password", line);
                goto fail;
            }
        } else if (pwlen >= 6 && strncmp(pw, "$apr1$", 6) == 0) {
            seterr(why, whylen, "line %u: htpasswd's MD5 hashes ($apr1$) are not supported: "
                   "use htpasswd -B (bcrypt) or openssl passwd -6", line);
            goto fail;
        } else if (pwlen >= 5 && strncmp(pw, "{SHA}", 5) == 0) {
            seterr(why, whylen, "line %u: unsalted {SHA} hashes are not supported: "
                   "use htpasswd -B (bcrypt) or openssl passwd -6", line);
            goto fail;
        } else if (pw[0] == '$') {
            char *setting, *r;

            /* every request with a wrong password runs the hash on the
             * coordinator's loop: refuse costs that would stall it */
            if (pwlen > 7 && pw[1] == '2' && pw[3] == '$' && isdigit((unsigned char) pw[4])
                && isdigit((unsigned char) pw[5]) && (pw[4] - '0') * 10 + (pw[5] - '0') > MAX_BCRYPT_COST) {
                seterr(why, whylen, "line %u: bcrypt cost %c%c is too high (at most %d: every check runs "
                       "on the coordinator's loop)", line, pw[4], pw[5], MAX_BCRYPT_COST);
                goto fail;
            }
            if (pwlen > 10 && (pw[1] == '5' || pw[1] == '6') && pw[2] == '$'
                && strncmp(pw + 3, "rounds=", 7) == 0 && strtoul(pw + 10, NULL, 10) > MAX_SHA_ROUNDS) {
                seterr(why, whylen, "line %u: more than %d rounds (every check runs on the coordinator's "
                       "loop)", line, MAX_SHA_ROUNDS);
                goto fail;
            }
            setting = strndup(pw, pwlen);
            if (setting == NULL) {
                seterr(why, whylen, "out of memory");
                goto fail;
            }
            r = crypt_of("kafscale", setting);
            free(setting);
            if (r == NULL) {
                seterr(why, whylen, "line %u: a password hash of a method this system's crypt(3) does not "
                       "know (use htpasswd -B or openssl passwd -6; write a plain password starting "
                       "with '$' as {PLAIN}...)", line);
                goto fail;
            }
            free(r);
            hashed = true;
        }
        for (size_t i = 0; i < n; i++) {
            if (strlen(u[i].user) == (size_t) (colon - p) && memcmp(u[i].user, p, (size_t) (colon - p)) == 0) {
                seterr(why, whylen, "line %u: user \"%s\" appears twice", line, u[i].user);
                goto fail;
            }
        }
        if (n >= MAX_USERS) {
            seterr(why, whylen, "more than %d users", MAX_USERS);
            goto fail;
        }
        {
            user_t *nu = realloc(u, (n + 1) * sizeof(*u));

            if (nu == NULL) {
                seterr(why, whylen, "out of memory");
                goto fail;
            }
            u = nu;
            memset(&u[n], 0, sizeof(u[n]));
            u[n].user = strndup(p, (size_t) (colon - p));
            u[n].pass = strndup(pw, pwlen);
            u[n].hashed = hashed;
            n++;
            if (u[n - 1].user == NULL || u[n - 1].pass == NULL) {
                seterr(why, whylen, "out of memory");
                goto fail;
            }
        }
next:
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    if (n == 0) {
        seterr(why, whylen, "no user:password line");
        goto fail;
    }
    *out = u;
    *nout = n;
    return KS_OK;
fail:
    users_free(u, n);
    return KS_ERROR;
}

int
ks_opsauth_check_basic(const char *text, char *why, size_t whylen)
{
    user_t *u;
    size_t n;

    if (parse_basic(text, &u, &n, why, whylen) != KS_OK)
        return -1;
    users_free(u, n);
    return (int) n;
}

ks_opsauth_t *
ks_opsauth_new(void)
{
    ks_opsauth_t *a = calloc(1, sizeof(*a));

    if (a == NULL)
        return NULL;
    a->token = strdup("");
    a->basic = strdup("");
    if (a->token == NULL || a->basic == NULL || RAND_bytes(a->key, sizeof(a->key)) != 1) {
        ks_opsauth_free(a);
        return NULL;
    }
    return a;
}

void
ks_opsauth_free(ks_opsauth_t *a)
{
    if (a == NULL)
        return;
    wipe_free(a->token);
    wipe_free(a->basic);
    users_free(a->users, a->nusers);
    OPENSSL_cleanse(a->key, sizeof(a->key));
    free(a);
}

int
ks_opsauth_set(ks_opsauth_t *a, const char *token, const char *basic)
{
    if (token == NULL)
        token = "";
    if (basic == NULL)
        basic = "";
    if (strcmp(a->token, token) != 0) {
        char *t = strdup(token);

        if (t == NULL)
            return KS_ERROR;
        wipe_free(a->token);
        a->token = t;
    }
    if (strcmp(a->basic, basic) != 0) {
        user_t *u = NULL;
        size_t n = 0;
        char *b;

        if (basic[0] != '\0' && parse_basic(basic, &u, &n, NULL, 0) != KS_OK)
            return KS_ERROR;
        b = strdup(basic);
        if (b == NULL) {
            users_free(u, n);
            return KS_ERROR;
        }
        wipe_free(a->basic);
        a->basic = b;
        users_free(a->users, a->nusers);   /* and with them what was remembered */
        a->users = u;
        a->nusers = n;
    }
    return KS_OK;
}

bool
ks_opsauth_has_token(const ks_opsauth_t *a)
{
    return a->token[0] != '\0';
}

bool
ks_opsauth_has_basic(const ks_opsauth_t *a)
{
    return a->nusers > 0;
}

static const char *
skip_scheme(const char *h, const char *scheme)
{
    size_t n = strlen(scheme);

    if (strncasecmp(h, scheme, n) != 0 || (h[n] != ' ' && h[n] != '\t'))
        return NULL;
    h += n;
    while (*h == ' ' || *h == '\t')
        h++;
    return h;
}

/* Standard base64 with padding (RFC 7617 uses it); returns the length or -1. */
static long
b64_decode(const char *s, size_t len, unsigned char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned acc = 0;
    int bits = 0;
    long n = 0;
    size_t pad = 0;

    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    while (len > 0 && s[len - 1] == '=' && pad < 2) {
        len--;
        pad++;
    }
    for (size_t i = 0; i < len; i++) {
        const char *q = s[i] != '\0' ? strchr(tbl, s[i]) : NULL;

        if (q == NULL)
            return -1;
        acc = (acc << 6) | (unsigned) (q - tbl);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char) (acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return n;
}

static void
hmac_of(const ks_opsauth_t *a, const char *pw, size_t len, unsigned char out[32])
{
    unsigned int olen = 32;

    HMAC(EVP_sha256(), a->key, (int) sizeof(a->key), (const unsigned char *) pw, len, out, &olen);
}

static int
check_basic(ks_opsauth_t *a, const char *b64)
{
    size_t blen = strlen(b64);
    unsigned char *buf;
    const char *colon;
    user_t *u = NULL;
    long n;
    int rc = KS_OPSAUTH_WRONG;

    if (blen > MAX_HEADER)
        return KS_OPSAUTH_WRONG;
    buf = malloc(blen + 1);
    if (buf == NULL)
        return KS_OPSAUTH_WRONG;
    n = b64_decode(b64, blen, buf);
    if (n < 0) {
        free(buf);
        return KS_OPSAUTH_MISSING;
    }
    buf[n] = '\0';
    colon = memchr(buf, ':', (size_t) n);
    if (colon == NULL) {
        OPENSSL_cleanse(buf, (size_t) n);
        free(buf);
        return KS_OPSAUTH_MISSING;
    }
    for (size_t i = 0; i < a->nusers; i++) {
        if (strlen(a->users[i].user) == (size_t) (colon - (char *) buf)
            && memcmp(a->users[i].user, buf, (size_t) (colon - (char *) buf)) == 0)
            u = &a->users[i];
    }
    {
        const char *pw = colon + 1;
        size_t pwlen = (size_t) n - (size_t) (colon + 1 - (char *) buf);

        if (u == NULL) {
            /* the same work as a wrong password of a plain-text user */
            ks_opsauth_equal(pw, pwlen, "", 0);
        } else if (!u->hashed) {
            if (ks_opsauth_equal(pw, pwlen, u->pass, strlen(u->pass)))
                rc = KS_OPSAUTH_OK;
        } else if (memchr(pw, '\0', pwlen) == NULL) {
            unsigned char h[32];

            hmac_of(a, pw, pwlen, h);
            if (u->cached && CRYPTO_memcmp(h, u->hmac, sizeof(h)) == 0) {
                rc = KS_OPSAUTH_OK;
            } else {
                char *r = crypt_of(pw, u->pass);

                if (r != NULL && ks_opsauth_equal(r, strlen(r), u->pass, strlen(u->pass))) {
                    rc = KS_OPSAUTH_OK;
                    memcpy(u->hmac, h, sizeof(h));
                    u->cached = true;
                }
                wipe_free(r);
            }
            OPENSSL_cleanse(h, sizeof(h));
        }
    }
    OPENSSL_cleanse(buf, (size_t) n);
    free(buf);
    return rc;
}

int
ks_opsauth_check(ks_opsauth_t *a, const char *h)
{
    const char *v;

    if (!ks_opsauth_has_token(a) && !ks_opsauth_has_basic(a))
        return KS_OPSAUTH_OK;
    if (h == NULL)
        return KS_OPSAUTH_MISSING;
    while (*h == ' ' || *h == '\t')
        h++;
    if ((v = skip_scheme(h, "Bearer")) != NULL) {
        size_t len = strlen(v);

        while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
            len--;
        if (!ks_opsauth_has_token(a))
            return KS_OPSAUTH_WRONG;
        if (len == 0)
            return KS_OPSAUTH_MISSING;
        return ks_opsauth_equal(v, len, a->token, strlen(a->token)) ? KS_OPSAUTH_OK : KS_OPSAUTH_WRONG;
    }
    if ((v = skip_scheme(h, "Basic")) != NULL) {
        if (!ks_opsauth_has_basic(a))
            return KS_OPSAUTH_WRONG;
        return check_basic(a, v);
    }
    return KS_OPSAUTH_MISSING;
}
