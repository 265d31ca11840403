/*
 * retention.c: deleting what topics no longer keep.  Runs in: flusher.
 *
 * Every retention.check.interval.ms, for each partition served here, the
 * segments are listed and those past the topic's retention.ms (by the time
 * the segment was written), beyond its retention.bytes (oldest first), or
 * wholly below the log start offset (DeleteRecords) are deleted, oldest
 * first.  The newest segment is always kept, like Kafka's active segment.
 * The new log start offset is committed (through the coordinator) before
 * any object is deleted, so a crash leaves at worst orphan objects below
 * the log start, which the next pass deletes.
 *
 * The objects of a deleted topic are removed on the coordinator's request.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "chan.h"
#include "log.h"
#include "util.h"
#include "workers/flusher/flusher.h"

/* ---------- what is known of each segment ---------- */

typedef struct {
    char *key;
    int64_t created_ms;
    int64_t size;
} seginfo_t;

static seginfo_t *known;          /* open addressing by key */
static size_t known_cap, known_n;

static uint32_t
hash_key(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++) {
        h ^= (uint8_t) *s;
        h *= 16777619u;
    }
    return h;
}

static seginfo_t *
known_find(const char *key, bool create)
{
    if (known_cap == 0 || (create && (known_n + 1) * 2 > known_cap)) {
        size_t ncap = known_cap ? known_cap * 2 : 1024;
        seginfo_t *nk = calloc(ncap, sizeof(*nk));
        if (nk == NULL)
            return NULL;
        for (size_t i = 0; i < known_cap; i++) {
            if (known[i].key == NULL)
                continue;
            size_t j = hash_key(known[i].key) & (ncap - 1);
            while (nk[j].key != NULL)
                j = (j + 1) & (ncap - 1);
            nk[j] = known[i];
        }
        free(known);
        known = nk;
        known_cap = ncap;
    }
    for (size_t j = hash_key(key) & (known_cap - 1);; j = (j + 1) & (known_cap - 1)) {
        if (known[j].key == NULL) {
            if (!create)
                return NULL;
            known[j].key = strdup(key);
            known[j].created_ms = -1;
            known[j].size = -1;
            known_n++;
            return &known[j];
        }
        if (strcmp(known[j].key, key) == 0)
            return &known[j];
    }
}

/* Deleting with open addressing: rebuild the chain after the slot. */
static void
known_forget(const char *key)
{
    seginfo_t *s = known_find(key, false);
    size_t j;

    if (s == NULL)
        return;
    free(s->key);
    s->key = NULL;
    known_n--;
    j = ((size_t) (s - known) + 1) & (known_cap - 1);
    while (known[j].key != NULL) {
        seginfo_t e = known[j];
        known[j].key = NULL;
        known_n--;
        seginfo_t *d = known_find(e.key, true);
        d->created_ms = e.created_ms;
        d->size = e.size;
        free(e.key);
        j = (j + 1) & (known_cap - 1);
    }
}

void
ks_retention_note_segment(const char *key, int64_t created_ms, int64_t size)
{
    seginfo_t *s = known_find(key, true);

    if (s != NULL) {
        s->created_ms = created_ms;
        s->size = size;
    }
}

/* ---------- one pass over the partitions ---------- */

typedef struct {
    char *topic;
    int32_t partition;
    uint32_t slot, gen;
    int64_t retention_ms;
    int64_t retention_bytes;
} task_t;

typedef struct {
    char *key;                    /* the .kfs key */
    int64_t base;
} seg_t2;

static struct {
    struct event *timer;
    bool running;
    task_t *tasks;
    size_t ntasks, next;
    /* the partition being examined */
    seg_t2 *segs;
    size_t nsegs;
    size_t probes_left;
    size_t deletes_left;
    uint32_t rpc_id;
    int64_t new_log_start;
    size_t ndelete;               /* segments [0, ndelete) go */
    /* topic deletions */
    char **topics;
    size_t ntopics;
    bool topic_running;
    size_t topic_deletes_left;
    bool shut;                    /* ks_retention_shutdown ran: object-store
                                   * results delivered by the store's close
                                   * are dropped */
} R;

static void next_task(void);

static void
segs_free(void)
{
    for (size_t i = 0; i < R.nsegs; i++)
        free(R.segs[i].key);
    free(R.segs);
    R.segs = NULL;
    R.nsegs = 0;
}

static void
tasks_free(void)
{
    for (size_t i = 0; i < R.ntasks; i++)
        free(R.tasks[i].topic);
    free(R.tasks);
    R.tasks = NULL;
    R.ntasks = R.next = 0;
}

static void
deleted_one(void *arg, const ks_os_result_t *res)
{
    char *key = arg;

    if (R.shut) {
        free(key);
        return;
    }
    if (res->rc != KS_OK && res->rc != KS_OS_NOT_FOUND)
        ks_log_warn("could not delete expired object %s: %s", key, res->error ? res->error : "error");
    else
        known_forget(key);
    free(key);
    if (--R.deletes_left == 0)
        next_task();
}

static void
delete_segments(void)
{
    task_t *t = &R.tasks[R.next - 1];

    R.deletes_left = 1;
    for (size_t i = 0; i < R.ndelete; i++) {
        char idx[700];
        size_t kl = strlen(R.segs[i].key);

        /* "....kfs" -> "....index" */
        snprintf(idx, sizeof(idx), "%.*sindex", (int) (kl - 3), R.segs[i].key);
        R.deletes_left += 2;
        if (ks_os_delete(F.os, R.segs[i].key, deleted_one, strdup(R.segs[i].key)) != KS_OK)
            R.deletes_left--;
        if (ks_os_delete(F.os, idx, deleted_one, strdup(idx)) != KS_OK)
            R.deletes_left--;
    }
    if (R.ndelete > 0)
        ks_log_info("retention: deleting %zu segments of %s-%d, log start now %" PRId64, R.ndelete,
                    t->topic, t->partition, R.new_log_start);
    if (--R.deletes_left == 0)
        next_task();
}

void
ks_retention_log_start_reply(uint32_t id, int status)
{
    if (id != R.rpc_id || R.rpc_id == 0)
        return;
    R.rpc_id = 0;
    if (status != 0) {
        ks_log_warn("the log start commit failed; retention retries next pass");
        next_task();
        return;
    }
    delete_segments();
}

/* Every segment's age and size are known: decide. */
static void
decide(void)
{
    task_t *t = &R.tasks[R.next - 1];
    ks_part_t *p = ks_ring_part(F.shm, F.ring, t->slot);
    int64_t now = ks_now_ms(), total = 0, log_start;
    size_t n = 0;

    if (atomic_load(&p->gen) != t->gen || R.nsegs < 2) {
        next_task();
        return;
    }
    log_start = atomic_load(&p->log_start);
    for (size_t i = 0; i < R.nsegs; i++) {
        seginfo_t *si = known_find(R.segs[i].key, false);
        total += si && si->size > 0 ? si->size : 0;
    }
    /* Only a prefix goes, and never the newest segment. */
    while (n + 1 < R.nsegs) {
        seginfo_t *si = known_find(R.segs[n].key, false);
        int64_t size = si && si->size > 0 ? si->size : 0;
        bool below = R.segs[n + 1].base <= log_start;
        bool old = t->retention_ms >= 0 && si && si->created_ms >= 0 && si->created_ms < now - t->retention_ms;
        bool big = t->retention_bytes >= 0 && total - size >= t->retention_bytes;

        if (!below && !old && !big)
            break;
        total -= size;
        n++;
    }
    R.ndelete = n;
    if (n == 0) {
        next_task();
        return;
    }
    R.new_log_start = R.segs[n].base;
    if (R.new_log_start > log_start) {
        ks_writer_t w;
        ks_writer_init(&w, 64);
        ks_write_i32(&w, t->partition);
        ks_write_i64(&w, R.new_log_start);
        ks_write_i16(&w, (int16_t) strlen(t->topic));
        ks_write_bytes(&w, t->topic, strlen(t->topic));
        R.rpc_id = ks_flusher_rpc(KS_RPC_LOG_START, w.buf, w.len);
        ks_writer_free(&w);
        if (R.rpc_id == 0)
            next_task();         /* coordinator away: next pass */
        return;
    }
    delete_segments();
}

static void
probed(void *arg, const ks_os_result_t *res)
{
    char *key = arg;

    if (R.shut) {
        free(key);
        return;
    }
    if (res->rc == KS_OK && res->len >= 32) {
        ks_segment_info_t si;
        if (ks_segment_parse_header(res->data, &si) == KS_OK)
            ks_retention_note_segment(key, si.created_ms, res->size);
    }
    free(key);
    if (--R.probes_left == 0)
        decide();
}

static int
cmp_seg(const void *a, const void *b)
{
    int64_t x = ((const seg_t2 *) a)->base, y = ((const seg_t2 *) b)->base;
    return x < y ? -1 : x > y;
}

static void
listed(void *arg, const ks_os_result_t *res)
{
    if (R.shut)
        return;
    (void) arg;
    segs_free();
    if (res->rc != KS_OK) {
        next_task();
        return;
    }
    R.segs = calloc(res->nkeys + 1, sizeof(seg_t2));
    for (size_t i = 0; i < res->nkeys; i++) {
        int32_t part;
        int64_t base;
        bool is_index;
        if (ks_segment_key_parse(res->keys[i], &part, &base, &is_index) != KS_OK || is_index)
            continue;
        R.segs[R.nsegs].key = strdup(res->keys[i]);
        R.segs[R.nsegs].base = base;
        R.nsegs++;
    }
    qsort(R.segs, R.nsegs, sizeof(seg_t2), cmp_seg);
    /* Segments written before this flusher started: read their headers
     * once (a 32-byte ranged GET also tells the object's size). */
    R.probes_left = 1;
    for (size_t i = 0; i + 1 < R.nsegs; i++) {
        seginfo_t *si = known_find(R.segs[i].key, false);
        if (si != NULL && si->created_ms >= 0 && si->size >= 0)
            continue;
        R.probes_left++;
        if (ks_os_get(F.os, R.segs[i].key, 0, 32, probed, strdup(R.segs[i].key)) != KS_OK)
            R.probes_left--;
    }
    if (--R.probes_left == 0)
        decide();
}

static void
next_task(void)
{
    char prefix[600];

    segs_free();
    if (R.next >= R.ntasks || F.stopping) {
        tasks_free();
        R.running = false;
        return;
    }
    task_t *t = &R.tasks[R.next++];
    snprintf(prefix, sizeof(prefix), "%s%s%s/%d/", F.in->conf->s3_namespace,
             F.in->conf->s3_namespace[0] ? "/" : "", t->topic, t->partition);
    if (ks_os_list(F.os, prefix, listed, NULL) != KS_OK)
        next_task();
}

static void
start_pass(void)
{
    const ks_metaview_t *mv = ks_mvcache_get(&F.mvc, F.shm);

    if (R.running || mv == NULL)
        return;
    for (int32_t i = 0; i < mv->ntopics; i++) {
        const ks_mv_topic_t *t = &mv->topics[i];
        for (int32_t j = 0; j < t->npartitions; j++) {
            const ks_mv_partition_t *mp = &t->partitions[j];
            task_t *nt;
            if (mp->slot == KS_SLOT_NONE)
                continue;
            nt = realloc(R.tasks, sizeof(task_t) * (R.ntasks + 1));
            if (nt == NULL)
                break;
            R.tasks = nt;
            R.tasks[R.ntasks].topic = strdup(t->name);
            R.tasks[R.ntasks].partition = mp->partition;
            R.tasks[R.ntasks].slot = mp->slot;
            R.tasks[R.ntasks].gen = mp->slot_gen;
            R.tasks[R.ntasks].retention_ms = t->conf.retention_ms;
            R.tasks[R.ntasks].retention_bytes = t->conf.retention_bytes;
            R.ntasks++;
        }
    }
    R.running = true;
    next_task();
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct timeval tv;
    int64_t ms = F.in->conf->retention_check_interval_ms;

    (void) fd;
    (void) what;
    (void) arg;
    start_pass();
    tv.tv_sec = (time_t) (ms / 1000);
    tv.tv_usec = (suseconds_t) ((ms % 1000) * 1000);
    evtimer_add(R.timer, &tv);
}

/* ---------- deleted topics ---------- */

static void topic_next(void);

static void
topic_deleted_one(void *arg, const ks_os_result_t *res)
{
    char *key = arg;

    if (R.shut) {
        free(key);
        return;
    }
    if (res->rc != KS_OK && res->rc != KS_OS_NOT_FOUND)
        ks_log_warn("could not delete object %s of a deleted topic: %s", key, res->error ? res->error : "error");
    known_forget(key);
    free(key);
    if (--R.topic_deletes_left == 0) {
        /* List again: done when nothing is left. */
        topic_next();
    }
}

static void
topic_listed(void *arg, const ks_os_result_t *res)
{
    if (R.shut)
        return;
    (void) arg;
    if (res->rc != KS_OK) {
        ks_log_warn("could not list the objects of deleted topic %s: %s", R.topics[0],
                    res->error ? res->error : "error");
        R.topic_running = false;
        return;                  /* the coordinator asks again later */
    }
    if (res->nkeys == 0) {
        ks_flusher_rpc(KS_RPC_DELETE_OBJECTS_DONE, R.topics[0], strlen(R.topics[0]));
        free(R.topics[0]);
        memmove(R.topics, R.topics + 1, sizeof(char *) * (R.ntopics - 1));
        R.ntopics--;
        R.topic_running = false;
        topic_next();
        return;
    }
    R.topic_deletes_left = 1;
    for (size_t i = 0; i < res->nkeys && i < 1000; i++) {
        R.topic_deletes_left++;
        if (ks_os_delete(F.os, res->keys[i], topic_deleted_one, strdup(res->keys[i])) != KS_OK)
            R.topic_deletes_left--;
    }
    if (--R.topic_deletes_left == 0)
        topic_next();
}

static void
topic_next(void)
{
    char prefix[600];

    R.topic_running = false;
    if (R.ntopics == 0)
        return;
    R.topic_running = true;
    snprintf(prefix, sizeof(prefix), "%s%s%s/", F.in->conf->s3_namespace,
             F.in->conf->s3_namespace[0] ? "/" : "", R.topics[0]);
    if (ks_os_list(F.os, prefix, topic_listed, NULL) != KS_OK)
        R.topic_running = false;
}

void
ks_retention_delete_topic(const char *topic)
{
    char **nt;

    for (size_t i = 0; i < R.ntopics; i++)
        if (strcmp(R.topics[i], topic) == 0)
            return;
    nt = realloc(R.topics, sizeof(char *) * (R.ntopics + 1));
    if (nt == NULL)
        return;
    R.topics = nt;
    R.topics[R.ntopics++] = strdup(topic);
    ks_log_info("deleting the objects of deleted topic %s", topic);
    if (!R.topic_running)
        topic_next();
}

/* ---------- life ---------- */

void
ks_retention_init(void)
{
    struct timeval tv = { 5, 0 };
    int64_t ms = F.in->conf->retention_check_interval_ms;

    memset(&R, 0, sizeof(R));
    R.timer = evtimer_new(F.base, on_timer, NULL);
    if (ms < 5000) {
        tv.tv_sec = (time_t) (ms / 1000);
        tv.tv_usec = (suseconds_t) ((ms % 1000) * 1000);
    }
    evtimer_add(R.timer, &tv);
}

void
ks_retention_shutdown(void)
{
    R.shut = true;
    event_free(R.timer);
    R.timer = NULL;
    segs_free();
    tasks_free();
    for (size_t i = 0; i < R.ntopics; i++)
        free(R.topics[i]);
    free(R.topics);
    R.topics = NULL;
    R.ntopics = 0;
    for (size_t i = 0; i < known_cap; i++)
        free(known[i].key);
    free(known);
    known = NULL;
    known_cap = known_n = 0;
}
