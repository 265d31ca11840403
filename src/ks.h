/*
 * ks.h: definitions every KafScale module uses.
 */
#ifndef KS_H
#define KS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define KS_OK      0
#define KS_ERROR  -1
#define KS_AGAIN  -2

#define KS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define KS_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KS_MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__)
#define ks_likely(x)   __builtin_expect(!!(x), 1)
#define ks_unlikely(x) __builtin_expect(!!(x), 0)
#define KS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define KS_NORETURN __attribute__((noreturn))
#else
#define ks_likely(x)   (x)
#define ks_unlikely(x) (x)
#define KS_PRINTF(a, b)
#define KS_NORETURN
#endif

#define KS_VERSION PACKAGE_VERSION

#endif
