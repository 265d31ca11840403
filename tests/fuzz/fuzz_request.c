#include "config.h"

/*
 * fuzz_request.c: libFuzzer target for the request codec.  The input is a
 * request frame without its 4-byte size: header, then the body of that API
 * and version when known, which is then encoded again.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ks_request_header_t h;
    ks_reader_t r;
    ks_writer_t w;
    ks_arena_t a;
    const ks_api_desc_t *d;
    void *body;

    ks_reader_init(&r, data, size);
    if (ks_decode_request_header(&r, &h) != KS_OK)
        return 0;
    if (!ks_api_supported(h.request_api_key, h.request_api_version))
        return 0;
    d = ks_api_desc(h.request_api_key);
    ks_arena_init(&a, 1 << 20);
    body = ks_arena_alloc(&a, d->request->size);
    if (body != NULL
        && ks_decode_request(h.request_api_key, h.request_api_version, &r, body, &a) == KS_OK) {
        ks_writer_init(&w, 0);
        ks_encode_request_header(&w, &h);
        /* A decoded request always encodes again, to the bytes it came
         * from (unknown tags and non-canonical varints aside). */
        if (ks_encode_request(h.request_api_key, h.request_api_version, &w, body) != KS_OK)
            abort();
        if (w.len > size)
            abort();
        /* ... and decoding that encoding gives the same bytes again. */
        {
            ks_reader_t r2;
            ks_request_header_t h2;
            ks_writer_t w2;
            void *body2 = ks_arena_alloc(&a, d->request->size);

            ks_reader_init(&r2, w.buf, w.len);
            if (body2 != NULL) {
                if (ks_decode_request_header(&r2, &h2) != KS_OK
                    || ks_decode_request(h2.request_api_key, h2.request_api_version, &r2,
                                         body2, &a) != KS_OK) {
                    /* only the arena limit may stop the second decode */
                    if (r2.err != KS_DECODE_NOMEM)
                        abort();
                } else {
                    ks_writer_init(&w2, 0);
                    ks_encode_request_header(&w2, &h2);
                    if (ks_encode_request(h2.request_api_key, h2.request_api_version, &w2,
                                          body2) != KS_OK
                        || w2.len != w.len || memcmp(w2.buf, w.buf, w.len) != 0)
                        abort();
                    ks_writer_free(&w2);
                }
            }
        }
        ks_writer_free(&w);
    }
    ks_arena_free(&a);
    return 0;
}
