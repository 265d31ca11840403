/*
 * metastore_contract.h: the metadata store contract, one set of tests that
 * every backend runs (tests/unit/test_metastore.c: embedded;
 * tests/unit/test_metastore_etcd.c: etcd, started by its .sh): get, range,
 * put, delete, txn, watch, leases and close from a callback, with the
 * revisions counted from the store's revision when the test started.  The
 * helpers the backend-specific tests share are here too.
 */
#ifndef KS_TEST_METASTORE_CONTRACT_H
#define KS_TEST_METASTORE_CONTRACT_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "metastore/metastore.h"

#define MAXKV 8

/* A result as the callback saw it (capture). */
typedef struct {
    int calls;
    int rc;
    char error[320];
    int64_t revision;
    bool succeeded;
    size_t count;
    size_t nkvs;
    bool sorted;
    int64_t lease_id, lease_ttl;
    char key[MAXKV][64];
    char *value[MAXKV];
    size_t value_len[MAXKV];
    int64_t create_rev[MAXKV], mod_rev[MAXKV], version[MAXKV], lease[MAXKV];
} res_t;

typedef struct {
    int calls;
    int kind[64];
    char key[64][64];
    char value[64][32];
    int64_t mod_rev[64];
} watch_t;

/* The loop and the store under test (the backend's fixture fills them), and
 * the store's revision when the test started (0 for a new embedded store). */
extern struct event_base *base;
extern ks_metastore_t *ms;
extern int64_t rev0;

void res_clear(res_t *r);
/* ks_ms_cb: copies the result into a res_t. */
void capture(void *arg, const ks_ms_result_t *res);
/* ks_ms_watch_cb: records the event in a watch_t. */
void on_watch(void *arg, int kind, const ks_kv_t *kv);
/* Runs the loop until *calls >= n or `secs` passed. */
void wait_calls(int *calls, int n, double secs);
/* One call and its result, asserting it came once and never from inside. */
void do_put(const char *k, const char *v, int64_t lease, res_t *r);
void do_get(const char *k, res_t *r);
void do_range(const char *p, size_t limit, res_t *r);
void do_txn(const ks_ms_cmp_t *c, size_t nc, const ks_ms_op_t *s, size_t ns,
            const ks_ms_op_t *f, size_t nf, res_t *r);

typedef struct {
    const char *name;           /* in printed lines: "metastore-etcd" */
    void (*setup)(void);        /* base and ms ready, the key space empty, rev0 */
    void (*teardown)(void);
    void (*reopen)(void);       /* closes ms (if open) and opens the same store */
    /* writes issued before a close from a callback are still applied
     * (embedded: journaled in that loop turn); etcd drops queued ones */
    bool close_keeps_queued;
} ms_contract_t;

/* A TCase with the contract's tests on backend's fixture. */
TCase *ms_contract_tcase(const ms_contract_t *backend);

#endif
