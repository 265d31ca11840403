/*
 * curlev.h: libcurl's multi interface driven by a libevent loop: one CURLM
 * whose sockets and timer are events on the loop, and a completion
 * callback per easy handle.  Used by the etcd metadata store and the s3
 * object store.  Runs in: whichever process owns the loop.
 *
 * The caller owns its easy handles: it creates them, sets them up and
 * cleans them up.  Between ks_curlev_add() and the end of the transfer (its
 * done callback, or ks_curlev_remove()) the handle is in the multi and its
 * CURLOPT_PRIVATE belongs to this module.
 *
 * Callbacks run from the loop's events, never from inside curl: the done
 * callbacks of every finished transfer, then the after callback, once per
 * round of curl work.  They may add, remove and free freely (also
 * ks_curlev_free(): the rest of that round is then dropped).  curl's own
 * callbacks (write, read, header, ...) run inside curl, which refuses
 * these calls there; the after callback is the place for what they could
 * not do (start the next transfer).
 */
#ifndef KS_CURLEV_H
#define KS_CURLEV_H

#include <curl/curl.h>
#include <event2/event.h>

#include "ks.h"

typedef struct ks_curlev ks_curlev_t;

/* A transfer ended with curl's result.  easy is already out of the multi
 * and the caller's again: curl_easy_getinfo() works, and it is the
 * caller's to clean up. */
typedef void (*ks_curlev_done_cb)(void *arg, CURL *easy, CURLcode result);
/* After each round of curl work, once its finished transfers were told. */
typedef void (*ks_curlev_after_cb)(void *arg);

/* A multi on base; after may be NULL.  NULL when out of memory. */
ks_curlev_t *ks_curlev_new(struct event_base *base, ks_curlev_after_cb after, void *arg);
/* The multi itself, for curl_multi_setopt() (not the socket and timer
 * options, which are this module's). */
CURLM *ks_curlev_multi(ks_curlev_t *cev);
/* Starts easy; cb(arg, easy, result) runs when it ends.  KS_ERROR when
 * curl refused it (the handle is then not in the multi). */
int ks_curlev_add(ks_curlev_t *cev, CURL *easy, ks_curlev_done_cb cb, void *arg);
/* Stops a transfer that was added and has not ended: no callback for it. */
void ks_curlev_remove(ks_curlev_t *cev, CURL *easy);
/* Takes out every handle still in (without cleaning them up) and frees
 * the multi and its events; from inside a callback, once it returns. */
void ks_curlev_free(ks_curlev_t *cev);

#endif
