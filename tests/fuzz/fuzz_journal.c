/*
 * fuzz_journal.c: libFuzzer target for the embedded metadata store's
 * journal replay.  The input is a journal image.  Checks that replay never
 * crashes, that the clean prefix it reports replays again completely, and
 * that opening a store on the same bytes as a file cuts the file to exactly
 * that prefix and opens again cleanly.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <zlib.h>

#include "log.h"
#include "metastore/metastore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t
get32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

/* A copy of the input with every record's CRC made right, so the fuzzer
 * reaches the payload decoder instead of stopping at the checksum. */
static void
fuzz_fixed_crcs(const uint8_t *data, size_t size)
{
    uint8_t *c = malloc(size ? size : 1);
    size_t off = 0, valid = 0;

    if (c == NULL)
        return;
    if (size > 0)
        memcpy(c, data, size);
    while (size - off >= 9) {
        uint32_t len = get32(c + off);
        uint32_t crc;

        if (len < 1 || len > size - off - 8)
            break;
        crc = (uint32_t) crc32(0L, c + off + 8, len);
        c[off + 4] = (uint8_t) (crc >> 24);
        c[off + 5] = (uint8_t) (crc >> 16);
        c[off + 6] = (uint8_t) (crc >> 8);
        c[off + 7] = (uint8_t) crc;
        off += 8 + (size_t) len;
    }
    ks_ms_embedded_replay_buffer(c, size, &valid);
    if (valid > size)
        abort();
    free(c);
}

static void
fuzz_store_file(const uint8_t *data, size_t size, size_t valid)
{
    char dir[64], meta[96], journal[160], lock[128], err[256];
    ks_ms_config_t cfg = { .backend = "embedded" };
    struct event_base *base;
    ks_metastore_t *ms;
    struct stat st;
    int fd, pass;

    snprintf(dir, sizeof(dir), "/tmp/ks_fuzz_journal.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return;
    snprintf(meta, sizeof(meta), "%s/meta", dir);
    snprintf(journal, sizeof(journal), "%s/journal-0000000000000000.log", meta);
    snprintf(lock, sizeof(lock), "%s/lock", meta);
    if (mkdir(meta, 0700) < 0)
        abort();
    fd = open(journal, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t) size))
        abort();
    close(fd);

    base = event_base_new();
    cfg.data_dir = dir;
    for (pass = 0; pass < 2; pass++) {
        ms = ks_metastore_open(base, &cfg, err, sizeof(err));
        if (ms == NULL) {
            fprintf(stderr, "fuzz_journal: open failed: %s\n", err);
            abort();
        }
        ks_metastore_close(ms);
        if (stat(journal, &st) < 0 || (size_t) st.st_size != valid) {
            fprintf(stderr, "fuzz_journal: journal is %lld bytes, expected %zu\n",
                    (long long) st.st_size, valid);
            abort();
        }
    }
    event_base_free(base);
    unlink(journal);
    unlink(lock);
    rmdir(meta);
    rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t valid = 0, valid2 = 0, n, n2;

    ks_log_set_level(KS_LOG_ERROR);
    n = ks_ms_embedded_replay_buffer(data, size, &valid);
    if (valid > size)
        abort();
    n2 = ks_ms_embedded_replay_buffer(data, valid, &valid2);
    if (n2 != n || valid2 != valid)
        abort();
    fuzz_fixed_crcs(data, size);
    fuzz_store_file(data, size, valid);
    return 0;
}
