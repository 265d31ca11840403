#include "config.h"

/*
 * fuzz_etcd.c: libFuzzer target for the etcd metadata store's JSON parsing
 * (src/metastore/etcd.c).  The input is one answer of etcd's v3 JSON
 * gateway, or the body of a watch stream (one JSON object per line):
 * ks_ms_etcd_parse_for_fuzz() reads it as the 200 answer of every request
 * kind (range, put, delete, txn, lease grant/keepalive/timetolive/revoke,
 * authenticate), as an HTTP error answer, and as a watch stream.  The seed
 * corpus (tests/fuzz/corpus/etcd) holds real etcd 3.4.23 answers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int ks_ms_etcd_parse_for_fuzz(const uint8_t *p, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* bad answers are logged at error level (`make fuzz-etcd` runs with
     * -close_fd_mask=2 to keep that quiet) */
    ks_log_set_level(KS_LOG_ERROR);
    if (ks_ms_etcd_parse_for_fuzz(data, size) != 0)
        abort();
    return 0;
}
