/*
 * fuzz_opsauth.c: libFuzzer target for the ops endpoint's credentials
 * checks (src/opsauth.c).  The input is "BASIC-FILE\0AUTHORIZATION": the
 * text of an ops.auth.basic.file ('$' turned into '%', so that no crypt(3)
 * setting from the input can pick an expensive cost) and the value of a
 * request's Authorization header, which comes from the network.  Without a
 * NUL the whole input is the header, checked against fixed users.  Nothing
 * may crash, leak or read out of bounds; a "Bearer" header passes only
 * with the token.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIXED_USERS "alice:{PLAIN}a-pw\nbob:b-pw\n"
#define TOKEN       "fuzz-token"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    char *basic, *header;
    size_t blen = nul != NULL ? (size_t) (nul - data) : 0;
    size_t hoff = nul != NULL ? blen + 1 : 0;
    ks_opsauth_t *a;
    char why[256];

    basic = malloc(blen + 1);
    header = malloc(size - hoff + 1);
    if (basic == NULL || header == NULL) {
        free(basic);
        free(header);
        return 0;
    }
    for (size_t i = 0; i < blen; i++)
        basic[i] = data[i] == '$' ? '%' : (char) data[i];
    basic[blen] = 0;
    memcpy(header, data + hoff, size - hoff);
    header[size - hoff] = 0;

    ks_opsauth_check_basic(basic, why, sizeof(why));
    a = ks_opsauth_new();
    if (a != NULL) {
            int rc;

        if (nul == NULL || ks_opsauth_set(a, TOKEN, basic) != KS_OK)
            ks_opsauth_set(a, TOKEN, FIXED_USERS);
        rc = ks_opsauth_check(a, header);
        /* a bearer header passes only with the token itself */
        if (rc == KS_OPSAUTH_OK && strncmp(header, "Bearer ", 7) == 0
            && strncmp(header + 7 + strspn(header + 7, " \t"), TOKEN, strlen(TOKEN)) != 0)
            abort();
        ks_opsauth_check(a, header);       /* the remembered path */
        ks_opsauth_free(a);
    }
    free(basic);
    free(header);
    return 0;
}
