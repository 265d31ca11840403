/*
 * metaview.c: encoding and parsing of the metadata snapshot.
 * Runs in: coordinator (encode), workers and coordinator (parse).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "metaview.h"
#include "shm/shm.h"

#define MV_MAGIC   0x4b534d44u   /* "KSMD" */
#define MV_VERSION 3

static void
put_str(ks_writer_t *w, const char *s)
{
    if (s == NULL) {
        ks_write_i32(w, -1);
        return;
    }
    size_t n = strlen(s);
    ks_write_i32(w, (int32_t) n);
    ks_write_bytes(w, s, n);
}

static char *
get_str(ks_reader_t *r, bool nullable, size_t *len_out)
{
    int32_t n = ks_read_i32(r);
    char *s;

    if (r->err)
        return NULL;
    if (n < 0) {
        if (!nullable)
            r->err = KS_DECODE_INVALID;
        return NULL;
    }
    if ((size_t) n > ks_reader_left(r)) {
        r->err = KS_DECODE_SHORT;
        return NULL;
    }
    s = malloc((size_t) n + 1);
    if (s == NULL) {
        r->err = KS_DECODE_NOMEM;
        return NULL;
    }
    memcpy(s, r->p, (size_t) n);
    s[n] = 0;
    r->p += n;
    if (len_out != NULL)
        *len_out = (size_t) n;
    return s;
}

int
ks_metaview_encode(const ks_metaview_t *mv, uint8_t **out, size_t *len)
{
    ks_writer_t w;

    ks_writer_init(&w, 4096);
    ks_write_i32(&w, (int32_t) MV_MAGIC);
    ks_write_i32(&w, MV_VERSION);
    put_str(&w, mv->cluster_id);
    ks_write_i32(&w, mv->controller_id);
    ks_write_i32(&w, mv->nbrokers);
    for (int32_t i = 0; i < mv->nbrokers; i++) {
        const ks_mv_broker_t *b = &mv->brokers[i];
        ks_write_i32(&w, b->node_id);
        put_str(&w, b->host);
        ks_write_i32(&w, b->port);
        put_str(&w, b->rack);
        ks_write_i32(&w, b->nendpoints);
        for (int32_t j = 0; j < b->nendpoints; j++) {
            put_str(&w, b->endpoints[j].listener);
            put_str(&w, b->endpoints[j].host);
            ks_write_i32(&w, b->endpoints[j].port);
        }
    }
    ks_write_i32(&w, mv->ntopics);
    for (int32_t i = 0; i < mv->ntopics; i++) {
        const ks_mv_topic_t *t = &mv->topics[i];
        put_str(&w, t->name);
        ks_write_bytes(&w, t->id.b, 16);
        ks_write_i8(&w, t->internal ? 1 : 0);
        ks_write_i64(&w, t->conf.retention_ms);
        ks_write_i64(&w, t->conf.retention_bytes);
        ks_write_i64(&w, t->conf.segment_bytes);
        ks_write_i32(&w, t->conf.max_message_bytes);
        ks_write_i8(&w, t->conf.log_append_time);
        ks_write_i32(&w, t->npartitions);
        for (int32_t p = 0; p < t->npartitions; p++) {
            ks_write_i32(&w, t->partitions[p].partition);
            ks_write_i32(&w, t->partitions[p].leader);
            ks_write_i32(&w, t->partitions[p].leader_epoch);
            ks_write_i32(&w, (int32_t) t->partitions[p].slot);
            ks_write_i32(&w, (int32_t) t->partitions[p].slot_gen);
        }
    }
    ks_write_i32(&w, mv->nscram);
    for (int32_t i = 0; i < mv->nscram; i++) {
        const ks_mv_scram_t *c = &mv->scram[i];
        put_str(&w, c->user);
        ks_write_i8(&w, c->mechanism);
        ks_write_i32(&w, c->iterations);
        ks_write_i8(&w, (int8_t) c->salt_len);
        ks_write_i8(&w, (int8_t) c->key_len);
        ks_write_bytes(&w, c->salt, KS_SCRAM_SALT_MAX);
        ks_write_bytes(&w, c->stored_key, KS_SCRAM_KEY_MAX);
        ks_write_bytes(&w, c->server_key, KS_SCRAM_KEY_MAX);
    }
    ks_write_i32(&w, mv->nacls);
    for (int32_t i = 0; i < mv->nacls; i++) {
        const ks_mv_acl_t *a = &mv->acls[i];
        ks_write_i8(&w, a->resource_type);
        ks_write_i8(&w, a->pattern_type);
        ks_write_i8(&w, a->operation);
        ks_write_i8(&w, a->permission);
        put_str(&w, a->resource_name);
        put_str(&w, a->principal);
        put_str(&w, a->host);
    }
    if (w.err) {
        ks_writer_free(&w);
        return KS_ERROR;
    }
    *out = ks_writer_steal(&w, len);
    return KS_OK;
}

static uint32_t
hash_name(const char *s, size_t n)
{
    uint32_t h = 2166136261u;   /* FNV-1a */

    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t) s[i];
        h *= 16777619u;
    }
    return h;
}

static int
cmp_topic(const void *a, const void *b)
{
    return strcmp(((const ks_mv_topic_t *) a)->name, ((const ks_mv_topic_t *) b)->name);
}

int
ks_metaview_index(ks_metaview_t *mv)
{
    uint32_t cap = 16;

    if (mv->ntopics > 1)
        qsort(mv->topics, (size_t) mv->ntopics, sizeof(ks_mv_topic_t), cmp_topic);
    while (cap < (uint32_t) mv->ntopics * 2)
        cap <<= 1;
    free(mv->hash);
    mv->hash = malloc(sizeof(int32_t) * cap);
    if (mv->hash == NULL)
        return KS_ERROR;
    memset(mv->hash, 0xff, sizeof(int32_t) * cap);
    mv->hash_mask = cap - 1;
    for (int32_t i = 0; i < mv->ntopics; i++) {
        ks_mv_topic_t *t = &mv->topics[i];
        uint32_t h = hash_name(t->name, t->name_len) & mv->hash_mask;
        while (mv->hash[h] >= 0)
            h = (h + 1) & mv->hash_mask;
        mv->hash[h] = i;
    }
    return KS_OK;
}

int
ks_metaview_parse(const uint8_t *p, size_t len, ks_metaview_t *mv)
{
    ks_reader_t r;
    int32_t n;

    memset(mv, 0, sizeof(*mv));
    ks_reader_init(&r, p, len);
    if ((uint32_t) ks_read_i32(&r) != MV_MAGIC || ks_read_i32(&r) != MV_VERSION)
        return KS_ERROR;
    mv->cluster_id = get_str(&r, true, NULL);
    mv->controller_id = ks_read_i32(&r);
    n = ks_read_i32(&r);
    if (r.err || n < 0 || (size_t) n > ks_reader_left(&r) / 12)
        goto bad;
    mv->brokers = calloc((size_t) n + 1, sizeof(ks_mv_broker_t));
    if (mv->brokers == NULL)
        goto bad;
    for (int32_t i = 0; i < n && !r.err; i++) {
        ks_mv_broker_t *b = &mv->brokers[i];
        int32_t ne;

        mv->nbrokers = i + 1;
        b->node_id = ks_read_i32(&r);
        b->host = get_str(&r, false, NULL);
        b->port = ks_read_i32(&r);
        b->rack = get_str(&r, true, NULL);
        ne = ks_read_i32(&r);
        if (r.err || ne < 0 || (size_t) ne > ks_reader_left(&r) / 12) {
            r.err = KS_DECODE_INVALID;
            break;
        }
        b->endpoints = calloc((size_t) ne + 1, sizeof(ks_mv_endpoint_t));
        if (b->endpoints == NULL) {
            r.err = KS_DECODE_NOMEM;
            break;
        }
        for (int32_t j = 0; j < ne && !r.err; j++) {
            ks_mv_endpoint_t *e = &b->endpoints[j];

            b->nendpoints = j + 1;
            e->listener = get_str(&r, false, NULL);
            e->host = get_str(&r, false, NULL);
            e->port = ks_read_i32(&r);
        }
    }
    if (r.err)
        goto bad;
    n = ks_read_i32(&r);
    if (r.err || n < 0 || (size_t) n > ks_reader_left(&r) / 16)
        goto bad;
    mv->topics = calloc((size_t) n + 1, sizeof(ks_mv_topic_t));
    if (mv->topics == NULL)
        goto bad;
    for (int32_t i = 0; i < n && !r.err; i++) {
        ks_mv_topic_t *t = &mv->topics[i];
        int32_t np;

        mv->ntopics = i + 1;
        t->name = get_str(&r, false, &t->name_len);
        if (r.err || ks_reader_left(&r) < 16 + 1 + 8 * 3 + 4 + 1 + 4) {
            r.err = KS_DECODE_SHORT;
            break;
        }
        memcpy(t->id.b, r.p, 16);
        r.p += 16;
        t->internal = ks_read_i8(&r) != 0;
        t->conf.retention_ms = ks_read_i64(&r);
        t->conf.retention_bytes = ks_read_i64(&r);
        t->conf.segment_bytes = ks_read_i64(&r);
        t->conf.max_message_bytes = ks_read_i32(&r);
        t->conf.log_append_time = ks_read_i8(&r);
        np = ks_read_i32(&r);
        if (r.err || np < 0 || (size_t) np > ks_reader_left(&r) / 20) {
            r.err = KS_DECODE_INVALID;
            break;
        }
        t->partitions = calloc((size_t) np + 1, sizeof(ks_mv_partition_t));
        if (t->partitions == NULL) {
            r.err = KS_DECODE_NOMEM;
            break;
        }
        t->npartitions = np;
        for (int32_t j = 0; j < np; j++) {
            t->partitions[j].partition = ks_read_i32(&r);
            t->partitions[j].leader = ks_read_i32(&r);
            t->partitions[j].leader_epoch = ks_read_i32(&r);
            t->partitions[j].slot = (uint32_t) ks_read_i32(&r);
            t->partitions[j].slot_gen = (uint32_t) ks_read_i32(&r);
        }
    }
    if (r.err)
        goto bad;
    n = ks_read_i32(&r);
    if (r.err || n < 0 || (size_t) n > ks_reader_left(&r) / (4 + 1 + 4 + 2 + 3 * 64))
        goto bad;
    mv->scram = calloc((size_t) n + 1, sizeof(ks_mv_scram_t));
    if (mv->scram == NULL)
        goto bad;
    for (int32_t i = 0; i < n && !r.err; i++) {
        ks_mv_scram_t *c = &mv->scram[i];

        mv->nscram = i + 1;
        c->user = get_str(&r, false, NULL);
        c->mechanism = ks_read_i8(&r);
        c->iterations = ks_read_i32(&r);
        c->salt_len = (uint8_t) ks_read_i8(&r);
        c->key_len = (uint8_t) ks_read_i8(&r);
        if (r.err || ks_reader_left(&r) < 3 * 64 || c->salt_len > KS_SCRAM_SALT_MAX
            || c->key_len > KS_SCRAM_KEY_MAX) {
            r.err = KS_DECODE_INVALID;
            break;
        }
        memcpy(c->salt, r.p, KS_SCRAM_SALT_MAX);
        memcpy(c->stored_key, r.p + 64, KS_SCRAM_KEY_MAX);
        memcpy(c->server_key, r.p + 128, KS_SCRAM_KEY_MAX);
        r.p += 3 * 64;
    }
    if (r.err)
        goto bad;
    n = ks_read_i32(&r);
    if (r.err || n < 0 || (size_t) n > ks_reader_left(&r) / (4 + 3 * 4))
        goto bad;
    mv->acls = calloc((size_t) n + 1, sizeof(ks_mv_acl_t));
    if (mv->acls == NULL)
        goto bad;
    for (int32_t i = 0; i < n && !r.err; i++) {
        ks_mv_acl_t *a = &mv->acls[i];

        mv->nacls = i + 1;
        a->resource_type = ks_read_i8(&r);
        a->pattern_type = ks_read_i8(&r);
        a->operation = ks_read_i8(&r);
        a->permission = ks_read_i8(&r);
        a->resource_name = get_str(&r, false, NULL);
        a->principal = get_str(&r, false, NULL);
        a->host = get_str(&r, false, NULL);
    }
    if (r.err || ks_metaview_index(mv) != KS_OK)
        goto bad;
    return KS_OK;
bad:
    ks_metaview_free(mv);
    return KS_ERROR;
}

void
ks_metaview_free(ks_metaview_t *mv)
{
    for (int32_t i = 0; i < mv->nbrokers; i++)
        ks_mv_broker_clear(&mv->brokers[i]);
    for (int32_t i = 0; i < mv->ntopics; i++) {
        free(mv->topics[i].name);
        free(mv->topics[i].partitions);
    }
    for (int32_t i = 0; i < mv->nscram; i++)
        free(mv->scram[i].user);
    for (int32_t i = 0; i < mv->nacls; i++) {
        free(mv->acls[i].resource_name);
        free(mv->acls[i].principal);
        free(mv->acls[i].host);
    }
    free(mv->scram);
    free(mv->acls);
    free(mv->brokers);
    free(mv->topics);
    free(mv->hash);
    free(mv->cluster_id);
    memset(mv, 0, sizeof(*mv));
}

const ks_mv_topic_t *
ks_metaview_topic(const ks_metaview_t *mv, const char *name, size_t len)
{
    uint32_t h;

    if (mv->hash == NULL)
        return NULL;
    h = hash_name(name, len) & mv->hash_mask;
    while (mv->hash[h] >= 0) {
        const ks_mv_topic_t *t = &mv->topics[mv->hash[h]];
        if (t->name_len == len && memcmp(t->name, name, len) == 0)
            return t;
        h = (h + 1) & mv->hash_mask;
    }
    return NULL;
}

const ks_mv_topic_t *
ks_metaview_topic_by_id(const ks_metaview_t *mv, const ks_uuid_t *id)
{
    for (int32_t i = 0; i < mv->ntopics; i++)
        if (memcmp(mv->topics[i].id.b, id->b, 16) == 0)
            return &mv->topics[i];
    return NULL;
}

const ks_mv_broker_t *
ks_metaview_broker(const ks_metaview_t *mv, int32_t node_id)
{
    for (int32_t i = 0; i < mv->nbrokers; i++)
        if (mv->brokers[i].node_id == node_id)
            return &mv->brokers[i];
    return NULL;
}

void
ks_mv_broker_endpoint(const ks_mv_broker_t *b, const char *listener, const char **host, int32_t *port)
{
    for (int32_t i = 0; listener != NULL && i < b->nendpoints; i++) {
        const ks_mv_endpoint_t *e = &b->endpoints[i];
        if (e->listener != NULL && e->host != NULL && strcasecmp(e->listener, listener) == 0) {
            *host = e->host;
            *port = e->port;
            return;
        }
    }
    *host = b->host != NULL ? b->host : "";
    *port = b->port;
}

void
ks_mv_broker_clear(ks_mv_broker_t *b)
{
    for (int32_t i = 0; i < b->nendpoints; i++) {
        free(b->endpoints[i].listener);
        free(b->endpoints[i].host);
    }
    free(b->endpoints);
    free(b->host);
    free(b->rack);
    memset(b, 0, sizeof(*b));
}

const ks_mv_scram_t *
ks_metaview_scram(const ks_metaview_t *mv, const char *user, int mechanism)
{
    for (int32_t i = 0; i < mv->nscram; i++)
        if (mv->scram[i].mechanism == mechanism && strcmp(mv->scram[i].user, user) == 0)
            return &mv->scram[i];
    return NULL;
}

const ks_metaview_t *
ks_mvcache_get(ks_mvcache_t *c, const struct ks_shm_s *shm)
{
    uint64_t gen = ks_shm_meta_generation(shm);
    size_t len = 0;
    ks_metaview_t mv;

    if (gen == c->gen)
        return c->gen != 0 ? &c->mv : NULL;
    gen = ks_shm_meta_read(shm, &c->buf, &c->cap, &len);
    if (gen == 0)
        return NULL;
    if (ks_metaview_parse(c->buf, len, &mv) != KS_OK) {
        ks_log_error("could not parse the metadata snapshot (generation %llu)",
                     (unsigned long long) gen);
        return c->gen != 0 ? &c->mv : NULL;
    }
    ks_metaview_free(&c->mv);
    c->mv = mv;
    c->gen = gen;
    return &c->mv;
}

void
ks_mvcache_free(ks_mvcache_t *c)
{
    ks_metaview_free(&c->mv);
    free(c->buf);
    memset(c, 0, sizeof(*c));
}
