/*
 * crc32c.h: CRC-32C (Castagnoli) for record batches and segment bodies, and
 * CRC-32 (IEEE) for legacy magic 0/1 message sets.  Runs in: every process.
 *
 * Both take and return the finished CRC value (standard init and final xor),
 * so a CRC over several pieces is computed by chaining:
 *
 *   crc = ks_crc32c(0, a, alen);
 *   crc = ks_crc32c(crc, b, blen);      == ks_crc32c(0, a||b, alen+blen)
 *
 * ks_crc32c(0, "123456789", 9) == 0xe3069283.
 */
#ifndef KS_CRC32C_H
#define KS_CRC32C_H

#include "ks.h"

/* CRC-32C.  Uses the SSE4.2 crc32 instruction (three streams interleaved)
 * when the CPU has it, slicing-by-8 otherwise.  Thread-safe. */
uint32_t ks_crc32c(uint32_t crc, const void *buf, size_t len);

/* The portable slicing-by-8 implementation, always available (tests compare
 * it with the hardware path). */
uint32_t ks_crc32c_sw(uint32_t crc, const void *buf, size_t len);

/* Name of the implementation ks_crc32c() uses: "sse4.2" or "slicing-by-8". */
const char *ks_crc32c_impl(void);

/* CRC-32 (IEEE 802.3, as zlib's crc32). */
uint32_t ks_crc32_ieee(uint32_t crc, const void *buf, size_t len);

#endif
