#include "config.h"

/*
 * fuzz_sasl.c: libFuzzer target for the SASL client message parsers
 * (src/sasl.c).  The first byte picks what the rest is fed to:
 *   0  a PLAIN message (parsed; when it parses, its password is checked
 *      against a stored credential of 2 iterations)
 *   1  a SCRAM client-first message (parser)
 *   2  a SCRAM client-final message (parser)
 *   3  a whole SCRAM-SHA-256 exchange: client-first, '\n', client-final
 *      (the user "user" has a credential, any other name has none)
 *   4  the same with SCRAM-SHA-512
 *   5  strict base64
 * Nothing may crash, leak, or read out of bounds; a message the parser
 * accepts must come with views inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
inside(const void *p, size_t n, const uint8_t *buf, size_t len)
{
    const uint8_t *q = p;

    return q >= buf && q + n <= buf + len;
}

static void
exchange(int mech, const uint8_t *p, size_t n)
{
    static ks_mv_scram_t cred[3];
    static bool init;
    const uint8_t *nl = memchr(p, '\n', n);
    ks_scram_server_t s;
    const char *why = NULL;
    char *out = NULL;
    size_t outlen = 0;

    if (!init) {
        static const uint8_t salt[] = "fuzzsalt";
        ks_scram_credential_from_salted(&cred[1], KS_SASL_SCRAM_SHA_256, 4096, salt, 8,
                                        (const uint8_t *) "0123456789abcdef0123456789abcdef", 32);
        ks_scram_credential_from_salted(&cred[2], KS_SASL_SCRAM_SHA_512, 4096, salt, 8,
                                        (const uint8_t *) "0123456789abcdef0123456789abcdef"
                                                          "0123456789abcdef0123456789abcdef", 64);
        init = true;
    }
    ks_scram_server_init(&s, mech);
    if (ks_scram_server_client_first(&s, p, nl ? (size_t) (nl - p) : n, &why) == KS_OK) {
        if (ks_scram_server_first(&s, strcmp(s.user, "user") == 0 ? &cred[mech] : NULL, "snonce", &out,
                                  &outlen) != KS_OK)
            abort();
        free(out);
        out = NULL;
        if (nl != NULL) {
            int rc = ks_scram_server_final(&s, nl + 1, n - (size_t) (nl + 1 - p), &out, &outlen, &why);
            if (rc == KS_OK && (out == NULL || strncmp(out, "v=", 2) != 0))
                abort();
            free(out);
        }
    } else if (why == NULL) {
        abort();
    }
    ks_scram_server_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ks_mv_scram_t plain_cred;
    static bool init;
    const uint8_t *p = data + 1;
    size_t n;
    const char *why = NULL;

    if (size == 0)
        return 0;
    n = size - 1;
    switch (data[0] % 6) {
    case 0: {
        ks_sasl_plain_t pl;
        if (!init) {
            ks_scram_credential_from_salted(&plain_cred, KS_SASL_SCRAM_SHA_256, 2, (const uint8_t *) "s", 1,
                                            (const uint8_t *) "0123456789abcdef0123456789abcdef", 32);
            plain_cred.iterations = 2;
            init = true;
        }
        if (ks_sasl_plain_parse(p, n, &pl, &why) == KS_OK) {
            if (!inside(pl.user, pl.user_len, p, n) || !inside(pl.password, pl.password_len, p, n))
                abort();
            (void) ks_scram_password_matches(&plain_cred, pl.password, pl.password_len);
        } else if (why == NULL) {
            abort();
        }
        break;
    }
    case 1: {
        ks_scram_client_first_t cf;
        if (ks_scram_parse_client_first(p, n, &cf, &why) == KS_OK) {
            if (!inside(cf.bare, cf.bare_len, p, n) || !inside(cf.nonce, cf.nonce_len, p, n) ||
                !inside(cf.gs2_header, cf.gs2_len, p, n) || !ks_sasl_user_valid(cf.user, strlen(cf.user)))
                abort();
        } else if (why == NULL) {
            abort();
        }
        break;
    }
    case 2: {
        ks_scram_client_final_t cf;
        if (ks_scram_parse_client_final(p, n, &cf, &why) == KS_OK) {
            if (!inside(cf.nonce, cf.nonce_len, p, n) || !inside(cf.without_proof, cf.without_proof_len, p, n))
                abort();
        } else if (why == NULL) {
            abort();
        }
        break;
    }
    case 3:
        exchange(KS_SASL_SCRAM_SHA_256, p, n);
        break;
    case 4:
        exchange(KS_SASL_SCRAM_SHA_512, p, n);
        break;
    default: {
        uint8_t out[256];
        size_t olen;
        char enc[4 * (sizeof(out) + 2) / 3 + 8];
        if (ks_b64_decode((const char *) p, n, out, sizeof(out), &olen) == KS_OK) {
            ks_b64_encode(out, olen, enc);
            /* strict: one encoding per value, so it round-trips */
            if (strlen(enc) != n || memcmp(enc, p, n) != 0)
                abort();
        }
        break;
    }
    }
    return 0;
}
