/*
 * test_crc32c.c: CRC-32C and CRC-32 known vectors, hardware vs software,
 * chaining; prints throughput (not asserted).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "util.h"

START_TEST(test_known_vectors)
{
    uint8_t buf[32];

    ck_assert_uint_eq(ks_crc32c(0, "123456789", 9), 0xe3069283u);
    ck_assert_uint_eq(ks_crc32c_sw(0, "123456789", 9), 0xe3069283u);
    ck_assert_uint_eq(ks_crc32c(0, "", 0), 0);
    ck_assert_uint_eq(ks_crc32c(0x12345678u, "", 0), 0x12345678u);

    /* RFC 3720 appendix B.4 */
    memset(buf, 0, sizeof(buf));
    ck_assert_uint_eq(ks_crc32c(0, buf, 32), 0x8a9136aau);
    ck_assert_uint_eq(ks_crc32c_sw(0, buf, 32), 0x8a9136aau);
    memset(buf, 0xff, sizeof(buf));
    ck_assert_uint_eq(ks_crc32c(0, buf, 32), 0x62a8ab43u);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t) i;
    ck_assert_uint_eq(ks_crc32c(0, buf, 32), 0x46dd794eu);
    ck_assert_uint_eq(ks_crc32c_sw(0, buf, 32), 0x46dd794eu);
    for (int i = 0; i < 32; i++)
        buf[i] = (uint8_t) (31 - i);
    ck_assert_uint_eq(ks_crc32c(0, buf, 32), 0x113fdb5cu);

    ck_assert_uint_eq(ks_crc32_ieee(0, "123456789", 9), 0xcbf43926u);
    ck_assert_uint_eq(ks_crc32_ieee(0, "", 0), 0);
}
END_TEST

/* Every length and alignment up to beyond the three-way block sizes, hw
 * against sw, and chaining at arbitrary split points. */
START_TEST(test_hw_matches_sw)
{
    size_t max = 3 * 8192 * 2 + 3 * 256 + 77;
    uint8_t *buf = malloc(max + 16);
    uint32_t seed = 12345;

    ck_assert_ptr_nonnull(buf);
    for (size_t i = 0; i < max + 16; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t) (seed >> 16);
    }
    for (size_t len = 0; len < 1100; len++) {
        for (size_t al = 0; al < 8; al += 3)
            ck_assert_uint_eq(ks_crc32c(0, buf + al, len), ks_crc32c_sw(0, buf + al, len));
    }
    size_t lens[] = { 24575, 24576, 24577, 24576 + 768, 24576 + 767, 49152 + 768 + 9, max };
    for (size_t i = 0; i < KS_ARRAY_LEN(lens); i++) {
        for (size_t al = 0; al < 16; al += 5) {
            uint32_t whole = ks_crc32c(0, buf + al, lens[i]);

            ck_assert_uint_eq(whole, ks_crc32c_sw(0, buf + al, lens[i]));
            for (size_t cut = 0; cut <= lens[i]; cut += 4099) {
                uint32_t c = ks_crc32c(0, buf + al, cut);
                c = ks_crc32c(c, buf + al + cut, lens[i] - cut);
                ck_assert_uint_eq(c, whole);
            }
        }
    }
    /* a changed byte changes the CRC */
    uint32_t before = ks_crc32c(0, buf, max);
    buf[max / 2] ^= 0x10;
    ck_assert_uint_ne(ks_crc32c(0, buf, max), before);
    free(buf);
}
END_TEST

static double
ks_bench(uint32_t (*fn)(uint32_t, const void *, size_t), const uint8_t *buf, size_t len,
         int rounds)
{
    volatile uint32_t sink = 0;
    int64_t t0 = ks_mono_us(), t1;

    for (int i = 0; i < rounds; i++)
        sink ^= fn(0, buf, len);
    t1 = ks_mono_us();
    (void) sink;
    if (t1 <= t0)
        t1 = t0 + 1;
    return (double) len * rounds / ((double) (t1 - t0) * 1e3);
}

START_TEST(test_benchmark)
{
    size_t len = 4u << 20;
    uint8_t *buf = malloc(len);

    ck_assert_ptr_nonnull(buf);
    memset(buf, 0xa5, len);
    printf("crc32c %s: %.2f GB/s (4 MiB buffer)\n", ks_crc32c_impl(), ks_bench(ks_crc32c, buf, len, 64));
    printf("crc32c slicing-by-8: %.2f GB/s\n", ks_bench(ks_crc32c_sw, buf, len, 16));
    printf("crc32c %s, 1 KiB batches: %.2f GB/s\n", ks_crc32c_impl(),
           ks_bench(ks_crc32c, buf, 1024, 100000));
    printf("crc32 ieee (zlib): %.2f GB/s\n", ks_bench(ks_crc32_ieee, buf, len, 16));
    free(buf);
}
END_TEST

static Suite *
crc32c_suite(void)
{
    Suite *s = suite_create("crc32c");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_known_vectors);
    tcase_add_test(tc, test_hw_matches_sw);
    tcase_add_test(tc, test_benchmark);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(crc32c_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
