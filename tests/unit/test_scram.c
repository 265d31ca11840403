/*
 * test_scram.c: the SASL mechanisms of src/sasl.c: the RFC 7677
 * SCRAM-SHA-256 test vector end to end, SCRAM-SHA-512 with a client
 * computed here, wrong passwords and unknown users, PLAIN parsing and
 * password checks against stored SCRAM credentials, strict base64, and
 * malformed client messages (each refused with a reason).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sasl.h"

#define U8(s) ((const uint8_t *) (s))

/* RFC 7677 section 3 */
#define V_USER   "user"
#define V_PASS   "pencil"
#define V_CFIRST "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
#define V_SNONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define V_SALT   "W22ZaJ0SNY7soEsUEjb6gQ=="
#define V_SFIRST "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define V_CFINAL "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
                 "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define V_SFINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

static void
make_cred(ks_mv_scram_t *c, int mech, const char *pw, const uint8_t *salt, size_t slen, int iter)
{
    uint8_t salted[KS_SCRAM_KEY_MAX];

    memset(c, 0, sizeof(*c));
    ck_assert_int_eq(ks_scram_salted_password(mech, U8(pw), strlen(pw), salt, slen, iter, salted), KS_OK);
    ck_assert_int_eq(ks_scram_credential_from_salted(c, mech, iter, salt, slen, salted, ks_scram_key_len(mech)),
                     KS_OK);
}

static void
rfc_cred(ks_mv_scram_t *c)
{
    uint8_t salt[64];
    size_t slen;

    ck_assert_int_eq(ks_b64_decode(V_SALT, strlen(V_SALT), salt, sizeof(salt), &slen), KS_OK);
    make_cred(c, KS_SASL_SCRAM_SHA_256, V_PASS, salt, slen, 4096);
}

START_TEST(test_rfc7677_vector)
{
    ks_scram_server_t s;
    ks_mv_scram_t cred;
    const char *why = NULL;
    char *out;
    size_t outlen;

    rfc_cred(&cred);
    ks_scram_server_init(&s, KS_SASL_SCRAM_SHA_256);
    ck_assert_int_eq(ks_scram_server_client_first(&s, U8(V_CFIRST), strlen(V_CFIRST), &why), KS_OK);
    ck_assert_str_eq(s.user, V_USER);
    ck_assert_int_eq(ks_scram_server_first(&s, &cred, V_SNONCE, &out, &outlen), KS_OK);
    ck_assert_str_eq(out, V_SFIRST);
    ck_assert_uint_eq(outlen, strlen(V_SFIRST));
    free(out);
    ck_assert_int_eq(ks_scram_server_final(&s, U8(V_CFINAL), strlen(V_CFINAL), &out, &outlen, &why), KS_OK);
    ck_assert_str_eq(out, V_SFINAL);
    ck_assert_int_eq(s.state, KS_SCRAM_DONE);
    free(out);
    /* nothing more is accepted */
    ck_assert_int_eq(ks_scram_server_final(&s, U8(V_CFINAL), strlen(V_CFINAL), &out, &outlen, &why), KS_ERROR);
    ks_scram_server_free(&s);
}
END_TEST

START_TEST(test_rfc7677_wrong_proof)
{
    ks_scram_server_t s;
    ks_mv_scram_t cred;
    const char *why = NULL;
    char *out, final[256];
    size_t outlen;

    rfc_cred(&cred);
    ks_scram_server_init(&s, KS_SASL_SCRAM_SHA_256);
    ck_assert_int_eq(ks_scram_server_client_first(&s, U8(V_CFIRST), strlen(V_CFIRST), &why), KS_OK);
    ck_assert_int_eq(ks_scram_server_first(&s, &cred, V_SNONCE, &out, &outlen), KS_OK);
    free(out);
    /* one proof bit flipped: 'd' -> 'e' changes the first byte */
    snprintf(final, sizeof(final), "%s", V_CFINAL);
    strstr(final, "p=dHz")[2] = 'e';
    ck_assert_int_eq(ks_scram_server_final(&s, U8(final), strlen(final), &out, &outlen, &why), KS_SCRAM_BAD_PROOF);
    ck_assert_ptr_null(out);
    ks_scram_server_free(&s);
}
END_TEST

/* ---- a SCRAM client, written here from RFC 5802 ---- */

static const EVP_MD *
md_of(int mech)
{
    return mech == KS_SASL_SCRAM_SHA_256 ? EVP_sha256() : EVP_sha512();
}

/* Builds the client-final message for server_first and a password. */
static void
client_final_nonce(int mech, const char *pw, const char *bare, const char *server_first, const char *cbind64,
                   const char *nonce_prefix, char *out, size_t outlen)
{
    const char *r = strstr(server_first, "r=") + 2, *sp = strstr(server_first, ",s=") + 3;
    const char *ip = strstr(server_first, ",i=") + 3;
    char nonce[512], salt64[256], without[1024], auth[4096], proof64[128];
    uint8_t salt[128], salted[64], ckey[64], stored[64], sig[64], proof[64];
    size_t slen, kl = ks_scram_key_len(mech);
    unsigned int n;

    snprintf(nonce, sizeof(nonce), "%.*s", (int) (strchr(r, ',') - r), r);
    snprintf(salt64, sizeof(salt64), "%.*s", (int) (strchr(sp, ',') - sp), sp);
    ck_assert_int_eq(ks_b64_decode(salt64, strlen(salt64), salt, sizeof(salt), &slen), KS_OK);
    ck_assert_int_eq(PKCS5_PBKDF2_HMAC(pw, (int) strlen(pw), salt, (int) slen, atoi(ip), md_of(mech), (int) kl,
                                       salted), 1);
    HMAC(md_of(mech), salted, (int) kl, U8("Client Key"), 10, ckey, &n);
    EVP_Digest(ckey, kl, stored, &n, md_of(mech), NULL);
    snprintf(without, sizeof(without), "c=%s,r=%s%s", cbind64, nonce_prefix, nonce);
    snprintf(auth, sizeof(auth), "%s,%s,%s", bare, server_first, without);
    HMAC(md_of(mech), stored, (int) kl, U8(auth), strlen(auth), sig, &n);
    for (size_t i = 0; i < kl; i++)
        proof[i] = ckey[i] ^ sig[i];
    ks_b64_encode(proof, kl, proof64);
    snprintf(out, outlen, "%s,p=%s", without, proof64);
}

static void
client_final(int mech, const char *pw, const char *bare, const char *server_first, const char *cbind64,
             char *out, size_t outlen)
{
    client_final_nonce(mech, pw, bare, server_first, cbind64, "", out, outlen);
}

/* Runs a whole exchange: returns the result of the final step. */
static int
exchange(int mech, const ks_mv_scram_t *cred, const char *user_attr, const char *pw)
{
    ks_scram_server_t s;
    const char *why = NULL;
    char first[600], bare[512], final[2048], *out;
    size_t outlen;
    int rc;

    snprintf(bare, sizeof(bare), "n=%s,r=fyko+d2lbbFgONRv9qkxdawL", user_attr);
    snprintf(first, sizeof(first), "n,,%s", bare);
    ks_scram_server_init(&s, mech);
    ck_assert_int_eq(ks_scram_server_client_first(&s, U8(first), strlen(first), &why), KS_OK);
    ck_assert_int_eq(ks_scram_server_first(&s, cred, NULL, &out, &outlen), KS_OK);
    ck_assert(strncmp(out, "r=fyko+d2lbbFgONRv9qkxdawL", 26) == 0);
    ck_assert_uint_gt(strlen(out), 26 + 30);     /* the server added its nonce */
    client_final(mech, pw, bare, out, "biws", final, sizeof(final));
    free(out);
    rc = ks_scram_server_final(&s, U8(final), strlen(final), &out, &outlen, &why);
    if (rc == KS_OK) {
        ck_assert(strncmp(out, "v=", 2) == 0);
        free(out);
    }
    ks_scram_server_free(&s);
    return rc;
}

/* librdkafka (up to 2.x) sends c-nonce + the whole server nonce in its
 * client-final message; Kafka accepts it, so do we (exactly that form). */
START_TEST(test_librdkafka_nonce)
{
    static const char *const prefix[] = { "CNONCE", "X", "CNONCECNONCE", "CNONC" };
    ks_scram_server_t s;
    ks_mv_scram_t cred;
    uint8_t salt[8] = "12345678";
    const char *why = NULL;
    char *out, final[2048];
    size_t n;

    make_cred(&cred, KS_SASL_SCRAM_SHA_256, "pw", salt, sizeof(salt), 4096);
    for (int round = 0; round < 4; round++) {
        ks_scram_server_init(&s, KS_SASL_SCRAM_SHA_256);
        ck_assert_int_eq(ks_scram_server_client_first(&s, U8("n,,n=erin,r=CNONCE"), 18, &why), KS_OK);
        ck_assert_int_eq(ks_scram_server_first(&s, &cred, "SNONCE", &out, &n), KS_OK);
        client_final_nonce(KS_SASL_SCRAM_SHA_256, "pw", "n=erin,r=CNONCE", out, "biws", prefix[round], final,
                           sizeof(final));
        free(out);
        ck_assert_int_eq(ks_scram_server_final(&s, U8(final), strlen(final), &out, &n, &why),
                         round == 0 ? KS_OK : KS_ERROR);
        if (round == 0)
            free(out);
        ks_scram_server_free(&s);
    }
}
END_TEST

START_TEST(test_sha512_exchange)
{
    ks_mv_scram_t cred;
    uint8_t salt[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

    make_cred(&cred, KS_SASL_SCRAM_SHA_512, "s3cret pass", salt, sizeof(salt), 8192);
    ck_assert_uint_eq(cred.key_len, 64);
    ck_assert_int_eq(exchange(KS_SASL_SCRAM_SHA_512, &cred, "alice", "s3cret pass"), KS_OK);
    ck_assert_int_eq(exchange(KS_SASL_SCRAM_SHA_512, &cred, "alice", "s3cret pasS"), KS_SCRAM_BAD_PROOF);
    ck_assert_int_eq(exchange(KS_SASL_SCRAM_SHA_512, &cred, "alice", ""), KS_SCRAM_BAD_PROOF);
}
END_TEST

START_TEST(test_random_salt_credentials)
{
    ks_mv_scram_t a, b;

    ck_assert_int_eq(ks_scram_credential_from_password(&a, KS_SASL_SCRAM_SHA_256, 4096, U8("pw"), 2), KS_OK);
    ck_assert_int_eq(ks_scram_credential_from_password(&b, KS_SASL_SCRAM_SHA_256, 4096, U8("pw"), 2), KS_OK);
    ck_assert_uint_eq(a.salt_len, KS_SCRAM_SALT_LEN);
    ck_assert(memcmp(a.salt, b.salt, KS_SCRAM_SALT_LEN) != 0);
    ck_assert(memcmp(a.stored_key, b.stored_key, 32) != 0);
    ck_assert_int_eq(exchange(KS_SASL_SCRAM_SHA_256, &a, "bob", "pw"), KS_OK);
    ck_assert_int_eq(exchange(KS_SASL_SCRAM_SHA_256, &b, "bob", "pw"), KS_OK);
    ck_assert_int_eq(exchange(KS_SASL_SCRAM_SHA_256, &a, "bob", "pwx"), KS_SCRAM_BAD_PROOF);
    ck_assert_int_eq(ks_scram_credential_from_password(&a, KS_SASL_PLAIN, 4096, U8("pw"), 2), KS_ERROR);
}
END_TEST

/* An unknown user goes through the same steps (salt and iteration count
 * given, stable for the name) and fails only at the proof. */
START_TEST(test_unknown_user)
{
    ks_scram_server_t s;
    const char *why = NULL;
    char *out1, *out2, final[2048];
    size_t n;

    for (int round = 0; round < 2; round++) {
        ks_scram_server_init(&s, KS_SASL_SCRAM_SHA_256);
        ck_assert_int_eq(ks_scram_server_client_first(&s, U8("n,,n=nobody,r=abcdef"), 20, &why), KS_OK);
        ck_assert_int_eq(ks_scram_server_first(&s, NULL, "XYZ", round ? &out2 : &out1, &n), KS_OK);
        ck_assert(!s.known);
        if (round == 1) {
            ck_assert_str_eq(out1, out2);          /* same salt for the same name */
            free(out2);
            ck_assert_ptr_nonnull(strstr(out1, ",i=4096"));
            client_final(KS_SASL_SCRAM_SHA_256, "anything", "n=nobody,r=abcdef", out1, "biws", final,
                         sizeof(final));
            ck_assert_int_eq(ks_scram_server_final(&s, U8(final), strlen(final), &out2, &n, &why),
                             KS_SCRAM_BAD_PROOF);
            free(out1);
        } else {
            ck_assert(strncmp(out1, "r=abcdefXYZ,s=", 14) == 0);
        }
        ks_scram_server_free(&s);
    }
}
END_TEST

/* A credential of the other mechanism is not used. */
START_TEST(test_mechanism_mismatch)
{
    ks_mv_scram_t cred;
    uint8_t salt[8] = "saltsalt";

    make_cred(&cred, KS_SASL_SCRAM_SHA_512, "pw", salt, sizeof(salt), 4096);
    ck_assert_int_eq(exchange(KS_SASL_SCRAM_SHA_256, &cred, "carol", "pw"), KS_SCRAM_BAD_PROOF);
}
END_TEST

START_TEST(test_saslname_escaping)
{
    ks_scram_client_first_t cf;
    ks_mv_scram_t cred;
    uint8_t salt[8] = "12345678";
    const char *why = NULL;

    ck_assert_int_eq(ks_scram_parse_client_first(U8("n,,n=a=2Cb=3Dc,r=xyz"), 20, &cf, &why), KS_OK);
    ck_assert_str_eq(cf.user, "a,b=c");
    ck_assert_int_eq(ks_scram_parse_client_first(U8("n,a=a=2Cb,n=a=2Cb,r=x"), 21, &cf, &why), KS_OK);
    ck_assert_str_eq(cf.authzid, "a,b");
    ck_assert_uint_eq(cf.gs2_len, 10);
    /* the whole exchange with an escaped name and an authzid */
    make_cred(&cred, KS_SASL_SCRAM_SHA_256, "pw", salt, sizeof(salt), 4096);
    ck_assert_int_eq(exchange(KS_SASL_SCRAM_SHA_256, &cred, "a=2Cb=3Dc", "pw"), KS_OK);
    ck_assert_int_eq(ks_scram_parse_client_first(U8("n,,n=caf\xc3\xa9,r=x"), 14, &cf, &why), KS_OK);
    ck_assert_str_eq(cf.user, "caf\xc3\xa9");
    ck_assert_int_eq(ks_scram_parse_client_first(U8("n,,n=u,r=x,ext=1,other=two"), 26, &cf, &why), KS_OK);
}
END_TEST

START_TEST(test_authzid_exchange)
{
    ks_scram_server_t s;
    ks_mv_scram_t cred;
    uint8_t salt[8] = "12345678";
    const char *why = NULL;
    const char *first = "n,a=dave,n=dave,r=nonce1";
    char *out, final[2048];
    size_t n;

    make_cred(&cred, KS_SASL_SCRAM_SHA_256, "pw", salt, sizeof(salt), 4096);
    /* the channel binding must be base64("n,a=dave,") = "bixhPWRhdmUs" */
    for (int round = 0; round < 2; round++) {
        ks_scram_server_init(&s, KS_SASL_SCRAM_SHA_256);
        ck_assert_int_eq(ks_scram_server_client_first(&s, U8(first), strlen(first), &why), KS_OK);
        ck_assert_int_eq(ks_scram_server_first(&s, &cred, NULL, &out, &n), KS_OK);
        client_final(KS_SASL_SCRAM_SHA_256, "pw", "n=dave,r=nonce1", out, round ? "bixhPWRhdmUs" : "biws", final,
                     sizeof(final));
        free(out);
        ck_assert_int_eq(ks_scram_server_final(&s, U8(final), strlen(final), &out, &n, &why),
                         round ? KS_OK : KS_ERROR);
        if (round)
            free(out);
        else
            ck_assert_ptr_nonnull(strstr(why, "channel binding"));
        ks_scram_server_free(&s);
    }
}
END_TEST

static const char *const bad_first[] = {
    "",
    "n",
    "n,",
    "y,,n=user,r=abc",
    "p=tls-unique,,n=user,r=abc",
    "x,,n=user,r=abc",
    "n,,m=ext,n=user,r=abc",
    "n,,n=,r=abc",
    "n,,n=us=er,r=abc",
    "n,,n=us=2,r=abc",
    "n,,n=us=2c,r=abc",
    "n,,n=user",
    "n,,n=user,",
    "n,,n=user,r=",
    "n,,n=user,r=abc,",
    "n,,r=abc,n=user",
    "n,,n=user,r=ab c",
    "n,,n=user,r=abc,tokenauth=true",
    "n,,n=user,r=abc,r=def",
    "n,,n=user,r=abc,n=other",
    "n,,n=user,r=abc,=x",
    "n,,n=user,r=abc,e1=x",
    "n,,n=user,r=abc,ext=",
    "n,,n=user,r=abc,ext",
    "n,a=other,n=user,r=abc",
    "n,a=,n=user,r=abc",
    "n,x=1,n=user,r=abc",
    "n,a=user",
    "n,,N=user,r=abc",
    "n,,n=user,s=abc",
    "n,,n=us\x01r,r=abc",
    ("n,,n=us\xff" "er,r=abc"),
    "n,,n=us\xc0\xafr,r=abc",
    " n,,n=user,r=abc",
};

START_TEST(test_bad_client_first)
{
    ks_scram_client_first_t cf;
    const char *why;
    const char *m = bad_first[_i];

    why = NULL;
    ck_assert_msg(ks_scram_parse_client_first(U8(m), strlen(m), &cf, &why) == KS_ERROR, "accepted \"%s\"", m);
    ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(test_bad_client_first_nul)
{
    ks_scram_client_first_t cf;
    const char *why = NULL;
    static const uint8_t m[] = "n,,n=us\0er,r=abc";

    ck_assert_int_eq(ks_scram_parse_client_first(m, sizeof(m) - 1, &cf, &why), KS_ERROR);
    ck_assert_int_eq(ks_scram_parse_client_first(m, 0, &cf, &why), KS_ERROR);
}
END_TEST

START_TEST(test_long_names)
{
    ks_scram_client_first_t cf;
    const char *why = NULL;
    char m[2048], name[400];

    memset(name, 'u', sizeof(name));
    name[KS_SASL_USER_MAX] = 0;
    snprintf(m, sizeof(m), "n,,n=%s,r=abc", name);
    ck_assert_int_eq(ks_scram_parse_client_first(U8(m), strlen(m), &cf, &why), KS_OK);
    name[KS_SASL_USER_MAX] = 'u';
    name[KS_SASL_USER_MAX + 1] = 0;
    snprintf(m, sizeof(m), "n,,n=%s,r=abc", name);
    ck_assert_int_eq(ks_scram_parse_client_first(U8(m), strlen(m), &cf, &why), KS_ERROR);
    memset(name, 'r', sizeof(name));
    name[KS_SCRAM_NONCE_MAX + 1] = 0;
    snprintf(m, sizeof(m), "n,,n=u,r=%s", name);
    ck_assert_int_eq(ks_scram_parse_client_first(U8(m), strlen(m), &cf, &why), KS_ERROR);
}
END_TEST

static const char *const bad_final[] = {
    "",
    "c=biws",
    "c=biws,r=abc",
    "c=biws,r=abc,",
    "c=biws,r=abc,p=",
    "c=biws,r=abc,p=!!!!",
    "c=biws,r=abc,p=AAA",
    "c=biws,r=abc,p=AAAA,ext=1",
    "c=biws,r=abc,p=AAAA,p=AAAA",
    "c=bi,r=abc,p=AAAA",
    "c=biws,p=AAAA",
    "r=abc,c=biws,p=AAAA",
    "c=biws,r=abc,tokenauth=true,p=AAAA",
    "c=biws,r=abc,,p=AAAA",
    "c=biws,r=abc,c=biws,p=AAAA",
    "c=biws,r=a b,p=AAAA",
    "c=biws,r=,p=AAAA",
    "c=biws,r=abc,p=AA==AA==",
    "c=biws,r=abc,p=AB==",
    "c=biws,r=abc,P=AAAA",
    "c=bi\xffws,r=abc,p=AAAA",
};

START_TEST(test_bad_client_final)
{
    ks_scram_client_final_t cf;
    const char *why = NULL;
    const char *m = bad_final[_i];

    ck_assert_msg(ks_scram_parse_client_final(U8(m), strlen(m), &cf, &why) == KS_ERROR, "accepted \"%s\"", m);
    ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(test_good_client_final)
{
    ks_scram_client_final_t cf;
    const char *why = NULL;
    const char *m = "c=biws,r=abc,ext=value,p=AAAA";

    ck_assert_int_eq(ks_scram_parse_client_final(U8(m), strlen(m), &cf, &why), KS_OK);
    ck_assert_uint_eq(cf.without_proof_len, strlen("c=biws,r=abc,ext=value"));
    ck_assert_uint_eq(cf.proof_len, 3);
    ck_assert_uint_eq(cf.cbind_len, 3);
    ck_assert(memcmp(cf.cbind, "n,,", 3) == 0);
}
END_TEST

/* The server refuses a final message with another nonce, a short proof,
 * or one sent before the first. */
START_TEST(test_server_state)
{
    ks_scram_server_t s;
    ks_mv_scram_t cred;
    const char *why = NULL;
    char *out;
    size_t n;

    rfc_cred(&cred);
    ks_scram_server_init(&s, KS_SASL_SCRAM_SHA_256);
    ck_assert_int_eq(ks_scram_server_final(&s, U8(V_CFINAL), strlen(V_CFINAL), &out, &n, &why), KS_ERROR);
    ks_scram_server_free(&s);

    ks_scram_server_init(&s, KS_SASL_SCRAM_SHA_256);
    ck_assert_int_eq(ks_scram_server_client_first(&s, U8(V_CFIRST), strlen(V_CFIRST), &why), KS_OK);
    ck_assert_int_eq(ks_scram_server_first(&s, &cred, "other", &out, &n), KS_OK);
    free(out);
    ck_assert_int_eq(ks_scram_server_final(&s, U8(V_CFINAL), strlen(V_CFINAL), &out, &n, &why), KS_ERROR);
    ck_assert_ptr_nonnull(strstr(why, "nonce"));
    ks_scram_server_free(&s);

    ks_scram_server_init(&s, KS_SASL_SCRAM_SHA_256);
    ck_assert_int_eq(ks_scram_server_client_first(&s, U8(V_CFIRST), strlen(V_CFIRST), &why), KS_OK);
    ck_assert_int_eq(ks_scram_server_first(&s, &cred, V_SNONCE, &out, &n), KS_OK);
    free(out);
    {
        const char *shortp = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA";
        ck_assert_int_eq(ks_scram_server_final(&s, U8(shortp), strlen(shortp), &out, &n, &why), KS_ERROR);
        ck_assert_ptr_nonnull(strstr(why, "length"));
    }
    ks_scram_server_free(&s);

    /* a second client-first is refused */
    ks_scram_server_init(&s, KS_SASL_SCRAM_SHA_256);
    ck_assert_int_eq(ks_scram_server_client_first(&s, U8(V_CFIRST), strlen(V_CFIRST), &why), KS_OK);
    ck_assert_int_eq(ks_scram_server_first(&s, &cred, NULL, &out, &n), KS_OK);
    free(out);
    ck_assert_int_eq(ks_scram_server_client_first(&s, U8(V_CFIRST), strlen(V_CFIRST), &why), KS_ERROR);
    ks_scram_server_free(&s);
}
END_TEST

START_TEST(test_plain)
{
    ks_sasl_plain_t p;
    const char *why = NULL;
    ks_mv_scram_t c256, c512;
    uint8_t salt[12] = "abcdefghijkl";

    ck_assert_int_eq(ks_sasl_plain_parse(U8("\0alice\0pw"), 9, &p, &why), KS_OK);
    ck_assert_uint_eq(p.user_len, 5);
    ck_assert(memcmp(p.user, "alice", 5) == 0);
    ck_assert_uint_eq(p.password_len, 2);
    ck_assert_int_eq(ks_sasl_plain_parse(U8("alice\0alice\0pw"), 14, &p, &why), KS_OK);
    ck_assert_int_eq(ks_sasl_plain_parse(U8("bob\0alice\0pw"), 12, &p, &why), KS_ERROR);
    ck_assert_int_eq(ks_sasl_plain_parse(U8("\0\0pw"), 4, &p, &why), KS_ERROR);
    ck_assert_int_eq(ks_sasl_plain_parse(U8("\0alice\0"), 7, &p, &why), KS_ERROR);
    ck_assert_int_eq(ks_sasl_plain_parse(U8("\0alice"), 6, &p, &why), KS_ERROR);
    ck_assert_int_eq(ks_sasl_plain_parse(U8("alice"), 5, &p, &why), KS_ERROR);
    ck_assert_int_eq(ks_sasl_plain_parse(U8(""), 0, &p, &why), KS_ERROR);
    ck_assert_int_eq(ks_sasl_plain_parse(U8("\0alice\0p\0w"), 10, &p, &why), KS_ERROR);
    ck_assert_int_eq(ks_sasl_plain_parse(U8("\0al\nice\0pw"), 10, &p, &why), KS_ERROR);
    ck_assert_int_eq(ks_sasl_plain_parse(U8("\0al\xffice\0pw"), 10, &p, &why), KS_ERROR);
    ck_assert_int_eq(ks_sasl_plain_parse(U8("\0alice\0p\xfe"), 9, &p, &why), KS_ERROR);
    ck_assert_ptr_nonnull(why);

    /* PLAIN checks against either stored mechanism */
    make_cred(&c256, KS_SASL_SCRAM_SHA_256, "pw", salt, sizeof(salt), 4096);
    make_cred(&c512, KS_SASL_SCRAM_SHA_512, "pw", salt, sizeof(salt), 4097);
    ck_assert(ks_scram_password_matches(&c256, U8("pw"), 2));
    ck_assert(ks_scram_password_matches(&c512, U8("pw"), 2));
    ck_assert(!ks_scram_password_matches(&c256, U8("pW"), 2));
    ck_assert(!ks_scram_password_matches(&c512, U8("pw "), 3));
    c512.key_len = 32;                 /* a damaged credential never matches */
    ck_assert(!ks_scram_password_matches(&c512, U8("pw"), 2));
}
END_TEST

START_TEST(test_base64)
{
    uint8_t out[16];
    char enc[32];
    size_t n;

    ck_assert_uint_eq(ks_b64_encode(U8("n,,"), 3, enc), 4);
    ck_assert_str_eq(enc, "biws");
    ck_assert_uint_eq(ks_b64_encode(U8("ab"), 2, enc), 4);
    ck_assert_str_eq(enc, "YWI=");
    ck_assert_uint_eq(ks_b64_encode(U8("a"), 1, enc), 4);
    ck_assert_str_eq(enc, "YQ==");
    ck_assert_uint_eq(ks_b64_encode(U8(""), 0, enc), 0);
    ck_assert_int_eq(ks_b64_decode("YWI=", 4, out, sizeof(out), &n), KS_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(ks_b64_decode("YQ==", 4, out, sizeof(out), &n), KS_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ks_b64_decode("", 0, out, sizeof(out), &n), KS_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(ks_b64_decode("YQ=", 3, out, sizeof(out), &n), KS_ERROR);
    ck_assert_int_eq(ks_b64_decode("YR==", 4, out, sizeof(out), &n), KS_ERROR);    /* bits left over */
    ck_assert_int_eq(ks_b64_decode("Y===", 4, out, sizeof(out), &n), KS_ERROR);
    ck_assert_int_eq(ks_b64_decode("YQ=a", 4, out, sizeof(out), &n), KS_ERROR);
    ck_assert_int_eq(ks_b64_decode("YQ==YQ==", 8, out, sizeof(out), &n), KS_ERROR);
    ck_assert_int_eq(ks_b64_decode("Y Q=", 4, out, sizeof(out), &n), KS_ERROR);
    ck_assert_int_eq(ks_b64_decode("YWJj", 4, out, 2, &n), KS_ERROR);               /* too long for out */
    ck_assert_int_eq(ks_b64_decode("-_==", 4, out, sizeof(out), &n), KS_ERROR);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_int_eq(ks_sasl_mech_parse("PLAIN", 5), KS_SASL_PLAIN);
    ck_assert_int_eq(ks_sasl_mech_parse("SCRAM-SHA-256", 13), KS_SASL_SCRAM_SHA_256);
    ck_assert_int_eq(ks_sasl_mech_parse("SCRAM-SHA-512", 13), KS_SASL_SCRAM_SHA_512);
    ck_assert_int_eq(ks_sasl_mech_parse("scram-sha-512", 13), -1);
    ck_assert_int_eq(ks_sasl_mech_parse("GSSAPI", 6), -1);
    ck_assert_str_eq(ks_sasl_mech_name(KS_SASL_SCRAM_SHA_512), "SCRAM-SHA-512");
    ck_assert_ptr_null(ks_sasl_mech_name(7));
    ck_assert(ks_sasl_user_valid("alice", 5));
    ck_assert(ks_sasl_user_valid("caf\xc3\xa9", 5));
    ck_assert(!ks_sasl_user_valid("", 0));
    ck_assert(!ks_sasl_user_valid("a\tb", 3));
    ck_assert(!ks_sasl_user_valid("a\x7f", 2));
    ck_assert(!ks_sasl_user_valid("a\xc2\x85", 3));        /* U+0085 NEL */
    ck_assert(!ks_sasl_user_valid("\xed\xa0\x80", 3));     /* a surrogate */
}
END_TEST

static Suite *
scram_suite(void)
{
    Suite *s = suite_create("scram");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_rfc7677_vector);
    tcase_add_test(tc, test_rfc7677_wrong_proof);
    tcase_add_test(tc, test_librdkafka_nonce);
    tcase_add_test(tc, test_sha512_exchange);
    tcase_add_test(tc, test_random_salt_credentials);
    tcase_add_test(tc, test_unknown_user);
    tcase_add_test(tc, test_mechanism_mismatch);
    tcase_add_test(tc, test_saslname_escaping);
    tcase_add_test(tc, test_authzid_exchange);
    tcase_add_loop_test(tc, test_bad_client_first, 0, (int) (sizeof(bad_first) / sizeof(bad_first[0])));
    tcase_add_test(tc, test_bad_client_first_nul);
    tcase_add_test(tc, test_long_names);
    tcase_add_loop_test(tc, test_bad_client_final, 0, (int) (sizeof(bad_final) / sizeof(bad_final[0])));
    tcase_add_test(tc, test_good_client_final);
    tcase_add_test(tc, test_server_state);
    tcase_add_test(tc, test_plain);
    tcase_add_test(tc, test_base64);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(scram_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
