/*
 * groups_store.c: consumer groups in the metadata store: a group's state
 * written on generation and membership changes (groups.c decides when),
 * and read back: one group on first use (ks_group_gate: requests for it
 * wait for that load), or every group coordinated here after a change of
 * the live brokers (the scan, which ListGroups waits for).  Committed
 * offsets are written by offsets.c and read back here with their group.
 * Runs in: coordinator.
 *
 * Keys and values: see groups.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <cjson/cJSON.h>

#include "groups.h"
#include "log.h"
#include "proto/errors.h"
#include "util.h"

/* the scan of every group coordinated here (ListGroups) */
static struct event *scan_ev;
static bool scan_running;
static uint64_t brokers_epoch = 1, scanned_epoch;
static ks_creq_t **list_waiters;
static int nlist_waiters;

static void scan_start(void);

static int64_t
now_ms(void)
{
    return ks_mono_us() / 1000;
}

static int32_t
self_id(void)
{
    return (int32_t) ks_C.in->conf->broker_id;
}

static bool
coordinated_here(const char *id, size_t len)
{
    return ks_groups_coordinator(id, len) == self_id();
}

/* ---------- base64 of members' metadata and assignments ---------- */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *
b64_encode(const uint8_t *p, size_t n)
{
    char *out = malloc((n + 2) / 3 * 4 + 1);

    if (out != NULL)
        ks_b64_encode(p, n, out);
    return out;
}

/* Decodes base64 (leniently: what follows '=' is ignored, as it always
 * was for stored members); NULL (and *len 0) on bad input. */
static uint8_t *
b64_decode(const char *s, int32_t *len)
{
    size_t n = strlen(s), o = 0;
    uint8_t *out = malloc(n / 4 * 3 + 1);
    uint32_t v = 0;
    int bits = 0;

    *len = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *c;
        if (s[i] == '=')
            break;
        c = strchr(b64chars, s[i]);
        if (c == NULL || s[i] == 0) {
            free(out);
            return NULL;
        }
        v = (v << 6) | (uint32_t) (c - b64chars);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t) (v >> bits);
        }
    }
    *len = (int32_t) o;
    return out;
}

/* ---------- persistence ---------- */

char *
ks_group_key(const char *group, const char *suffix)
{
    size_t n = strlen(KS_GROUPS_PREFIX) + strlen(group) + strlen(suffix) + 2;
    char *k = malloc(n);

    if (k != NULL)
        snprintf(k, n, KS_GROUPS_PREFIX "%s/%s", group, suffix);
    return k;
}

static void
add_b64(cJSON *o, const char *name, const uint8_t *p, int32_t len)
{
    char *s = b64_encode(p, len > 0 ? (size_t) len : 0);

    cJSON_AddStringToObject(o, name, s ? s : "");
    free(s);
}

static char *
group_json(const ks_group_t *g)
{
    cJSON *doc = cJSON_CreateObject(), *ms = cJSON_CreateArray();
    char *out;

    cJSON_AddStringToObject(doc, "group_id", g->id);
    cJSON_AddStringToObject(doc, "state", ks_group_state_name(g->state));
    cJSON_AddStringToObject(doc, "protocol_type", g->protocol_type ? g->protocol_type : "");
    cJSON_AddStringToObject(doc, "protocol", g->protocol ? g->protocol : "");
    cJSON_AddStringToObject(doc, "leader", g->leader ? g->leader : "");
    cJSON_AddNumberToObject(doc, "generation_id", g->generation);
    for (const ks_gmember_t *m = g->members; m != NULL; m = m->next) {
        cJSON *jm = cJSON_CreateObject(), *jp = cJSON_CreateArray();
        const ks_gproto_t *sel = ks_group_member_proto(m, g->protocol);
        cJSON_AddStringToObject(jm, "member_id", m->id);
        if (m->instance_id)
            cJSON_AddStringToObject(jm, "group_instance_id", m->instance_id);
        cJSON_AddStringToObject(jm, "client_id", m->client_id ? m->client_id : "");
        cJSON_AddStringToObject(jm, "client_host", m->client_host ? m->client_host : "");
        cJSON_AddNumberToObject(jm, "session_timeout_ms", m->session_timeout_ms);
        cJSON_AddNumberToObject(jm, "rebalance_timeout_ms", m->rebalance_timeout_ms);
        add_b64(jm, "subscription", sel ? sel->meta : NULL, sel ? sel->len : 0);
        add_b64(jm, "assignment", m->assignment, m->assignment_len);
        for (int i = 0; i < m->nprotocols; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", m->protocols[i].name);
            add_b64(o, "metadata", m->protocols[i].meta, m->protocols[i].len);
            cJSON_AddItemToArray(jp, o);
        }
        cJSON_AddItemToObject(jm, "protocols", jp);
        cJSON_AddItemToArray(ms, jm);
    }
    cJSON_AddItemToObject(doc, "members", ms);
    out = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    return out;
}

typedef struct {
    char *group;
    int32_t generation;
    void (*done)(ks_group_t *g, int32_t generation, int rc);
} persist_op_t;

static void
persisted_cb(void *arg, const ks_ms_result_t *res)
{
    persist_op_t *op = arg;
    ks_group_t *g = ks_group_find(op->group, (int32_t) strlen(op->group));

    if (res->rc != KS_OK)
        ks_log_error("could not store the state of group %s: %s", op->group, res->error);
    else if (g != NULL)
        g->stored = true;
    if (op->done != NULL)
        op->done(g, op->generation, res->rc);
    free(op->group);
    free(op);
}

/* Writes the group's state; done (may be NULL) runs when the store answered
 * (with the group, or NULL if it went away meanwhile). */
void
ks_group_persist(ks_group_t *g, void (*done)(ks_group_t *g, int32_t generation, int rc))
{
    persist_op_t *op = calloc(1, sizeof(*op));
    char *key = ks_group_key(g->id, "metadata"), *val = group_json(g);

    if (op == NULL || key == NULL || val == NULL) {
        free(op);
        op = NULL;
    } else {
        op->group = strdup(g->id);
        op->generation = g->generation;
        op->done = done;
    }
    if (op == NULL || ks_ms_put(ks_C.ms, key, val, strlen(val), 0, persisted_cb, op) != KS_OK) {
        ks_log_error("could not store the state of group %s: out of memory or bad key", g->id);
        if (op != NULL) {
            free(op->group);
            free(op);
        }
        if (done != NULL)
            done(g, g->generation, KS_ERROR);
    }
    free(key);
    free(val);
}

/* ---------- reading a group back ---------- */

static void
restore_group(ks_group_t *g, const char *json)
{
    cJSON *doc = cJSON_Parse(json), *it, *ms;
    ks_gmember_t **tail = &g->members;

    if (doc == NULL) {
        ks_log_warn("group %s: ignoring its unreadable stored state", g->id);
        return;
    }
    it = cJSON_GetObjectItemCaseSensitive(doc, "protocol_type");
    if (cJSON_IsString(it) && it->valuestring[0])
        ks_g_set_str(&g->protocol_type, it->valuestring);
    it = cJSON_GetObjectItemCaseSensitive(doc, "protocol");
    if (cJSON_IsString(it) && it->valuestring[0])
        ks_g_set_str(&g->protocol, it->valuestring);
    it = cJSON_GetObjectItemCaseSensitive(doc, "leader");
    if (cJSON_IsString(it) && it->valuestring[0])
        ks_g_set_str(&g->leader, it->valuestring);
    it = cJSON_GetObjectItemCaseSensitive(doc, "generation_id");
    if (cJSON_IsNumber(it) && it->valuedouble >= 0 && it->valuedouble < INT32_MAX)
        g->generation = (int32_t) it->valuedouble;
    ms = cJSON_GetObjectItemCaseSensitive(doc, "members");
    cJSON_ArrayForEach(it, ms) {
        cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "member_id");
        cJSON *inst = cJSON_GetObjectItemCaseSensitive(it, "group_instance_id");
        cJSON *cid = cJSON_GetObjectItemCaseSensitive(it, "client_id");
        cJSON *host = cJSON_GetObjectItemCaseSensitive(it, "client_host");
        cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "session_timeout_ms");
        cJSON *rt = cJSON_GetObjectItemCaseSensitive(it, "rebalance_timeout_ms");
        cJSON *as = cJSON_GetObjectItemCaseSensitive(it, "assignment");
        cJSON *ps = cJSON_GetObjectItemCaseSensitive(it, "protocols"), *p;
        ks_gmember_t *m;
        int np = cJSON_GetArraySize(ps), k = 0;

        if (!cJSON_IsString(id) || !cJSON_IsNumber(st) || st->valuedouble < 1 || st->valuedouble > INT32_MAX)
            continue;
        m = calloc(1, sizeof(*m));
        if (m == NULL)
            break;
        m->id = strdup(id->valuestring);
        m->instance_id = cJSON_IsString(inst) ? strdup(inst->valuestring) : NULL;
        m->client_id = strdup(cJSON_IsString(cid) ? cid->valuestring : "");
        m->client_host = strdup(cJSON_IsString(host) ? host->valuestring : "");
        m->session_timeout_ms = (int32_t) st->valuedouble;
        m->rebalance_timeout_ms = cJSON_IsNumber(rt) && rt->valuedouble > 0 && rt->valuedouble < INT32_MAX
                                      ? (int32_t) rt->valuedouble : m->session_timeout_ms;
        if (cJSON_IsString(as))
            m->assignment = b64_decode(as->valuestring, &m->assignment_len);
        m->protocols = calloc((size_t) (np > 0 ? np : 1), sizeof(*m->protocols));
        if (m->protocols != NULL) {
            cJSON_ArrayForEach(p, ps) {
                cJSON *pn = cJSON_GetObjectItemCaseSensitive(p, "name");
                cJSON *pm = cJSON_GetObjectItemCaseSensitive(p, "metadata");
                if (!cJSON_IsString(pn) || k >= np)
                    continue;
                m->protocols[k].name = strdup(pn->valuestring);
                m->protocols[k].meta = cJSON_IsString(pm) ? b64_decode(pm->valuestring, &m->protocols[k].len) : NULL;
                k++;
            }
            m->nprotocols = k;
        }
        ks_group_member_touch(m);
        *tail = m;
        tail = &m->next;
        g->nmembers++;
    }
    cJSON_Delete(doc);
    g->stored = true;
    if (g->nmembers > 0 && g->generation > 0) {
        g->state = KS_G_STABLE;
        if (g->leader == NULL || ks_group_member(g, g->leader, (int32_t) strlen(g->leader)) == NULL)
            ks_g_set_str(&g->leader, g->members->id);
    } else {
        g->state = KS_G_EMPTY;
        ks_g_set_str(&g->leader, NULL);
    }
}

/* ---------- loading a group on first use ---------- */

enum { LOAD_RUNNING = 0, LOAD_DONE, LOAD_FAILED };

typedef struct {
    ks_creq_t *creq;
    ks_ghandler_t h;
} gwaiter_t;

typedef struct gload gload_t;
struct gload {
    char *id;
    int state;
    int64_t done_ms;             /* when it finished (kept a while) */
    gwaiter_t *w;
    int nw, cap;
    gload_t *next;
};

static gload_t *loads;

static gload_t *
load_find(const char *id, size_t len)
{
    for (gload_t *l = loads; l != NULL; l = l->next)
        if (strlen(l->id) == len && memcmp(l->id, id, len) == 0)
            return l;
    return NULL;
}

/* Splits a key below KS_GROUPS_PREFIX: "<g>/metadata" (1) or
 * "<g>/offsets/<t>/<p>" (2, topic names have no '/'); 0 for anything else. */
static int
split_key(const char *key, size_t klen, size_t *glen, const char **topic, size_t *tlen, int32_t *part)
{
    const char *ps = NULL, *ts = NULL, *os = NULL, *end = key + klen;
    char num[16], *e;
    long v;

    if (klen > 9 && memcmp(end - 9, "/metadata", 9) == 0) {
        *glen = klen - 9;
        return 1;
    }
    for (const char *p = end; p > key; p--) {
        if (p[-1] != '/')
            continue;
        if (ps == NULL)
            ps = p;
        else if (ts == NULL)
            ts = p;
        else {
            os = p;
            break;
        }
    }
    if (ps == NULL || ts == NULL || os == NULL || ts - 1 - os != 7 || memcmp(os, "offsets", 7) != 0 || os - 1 <= key ||
        end - ps <= 0 || (size_t) (end - ps) >= sizeof(num) || ps - 1 - ts <= 0)
        return 0;
    memcpy(num, ps, (size_t) (end - ps));
    num[end - ps] = 0;
    v = strtol(num, &e, 10);
    if (*e != 0 || v < 0 || v > INT32_MAX)
        return 0;
    *glen = (size_t) (os - 1 - key);
    *topic = ts;
    *tlen = (size_t) (ps - 1 - ts);
    *part = (int32_t) v;
    return 2;
}

/* Puts the groups of a range result into memory: only those coordinated
 * here that are not in memory yet (memory is newer than the store), and
 * only group `only` when it is not NULL.  Returns the number of groups. */
static int
install_groups(const ks_ms_result_t *res, const char *only)
{
    size_t plen = strlen(KS_GROUPS_PREFIX);
    int ngroups = 0;
    ks_group_t *g;

    for (size_t i = 0; i < res->nkvs; i++) {
        const char *key = res->kvs[i].key + plen, *topic = NULL;
        size_t klen = res->kvs[i].key_len >= plen ? res->kvs[i].key_len - plen : 0, glen = 0, tlen = 0;
        int32_t part = 0;
        int kind = res->kvs[i].key_len >= plen ? split_key(key, klen, &glen, &topic, &tlen, &part) : 0;

        if (kind == 0) {
            if (only == NULL)
                ks_log_warn("ignoring unknown key %s", res->kvs[i].key);
            continue;
        }
        if (only != NULL && (strlen(only) != glen || memcmp(only, key, glen) != 0))
            continue;
        g = ks_group_find(key, (int32_t) glen);
        if (g != NULL && !g->fresh)
            continue;
        if (g == NULL) {
            if (!coordinated_here(key, glen) || (g = ks_group_get(key, (int32_t) glen)) == NULL)
                continue;
            g->fresh = true;
            ngroups++;
        }
        if (kind == 1)
            restore_group(g, (const char *) res->kvs[i].value);
        else
            ks_goffset_load(g, topic, tlen, part, (const char *) res->kvs[i].value);
    }
    for (g = ks_groups_list(); g != NULL; g = g->next) {
        if (g->fresh)
            ks_log_info("group %s: loaded (%s, generation %d, %d member(s), %zu committed offset(s)); "
                        "coordinated by this broker now", g->id, ks_group_state_name(g->state), g->generation,
                        g->nmembers, g->noffsets);
        g->fresh = false;
    }
    return ngroups;
}

static void
load_free(gload_t *l)
{
    gload_t **pp;

    for (pp = &loads; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == l) {
            *pp = l->next;
            break;
        }
    }
    free(l->w);
    free(l->id);
    free(l);
}

/* A finished load stays a while: it tells that the group is not stored
 * (or could not be read), so requests naming several groups do not load
 * them again and again.  Forgotten when the live brokers change. */
void
ks_groups_loads_expire(bool all)
{
    int64_t now = now_ms();
    gload_t *l, *next;

    for (l = loads; l != NULL; l = next) {
        next = l->next;
        if (l->state != LOAD_RUNNING &&
            (all || now - l->done_ms > (l->state == LOAD_DONE ? 5000 : 1000)))
            load_free(l);
    }
}

static void
load_cb(void *arg, const ks_ms_result_t *res)
{
    gload_t *l = arg;
    gwaiter_t *w;
    int nw;

    if (res->rc != KS_OK) {
        ks_log_error("could not load consumer group %s from the metadata store: %s", l->id, res->error);
        l->state = LOAD_FAILED;
    } else {
        install_groups(res, l->id);
        l->state = LOAD_DONE;
    }
    /* the waiting requests go on; ks_group_gate lets them through (or
     * answers COORDINATOR_NOT_AVAILABLE, or NOT_COORDINATOR if the group
     * moved meanwhile) */
    l->done_ms = now_ms();
    w = l->w;
    nw = l->nw;
    l->w = NULL;
    l->nw = l->cap = 0;
    for (int i = 0; i < nw; i++)
        w[i].h(w[i].creq);
    free(w);
}

static gload_t *
load_start(const char *id, size_t len)
{
    gload_t *l = calloc(1, sizeof(*l));
    char *prefix;

    if (l == NULL || (l->id = ks_g_sdup((ks_str_t) { id, (int32_t) len })) == NULL) {
        free(l);
        return NULL;
    }
    prefix = ks_group_key(l->id, "");
    if (prefix == NULL || ks_ms_range(ks_C.ms, prefix, 0, load_cb, l) != KS_OK) {
        free(prefix);
        free(l->id);
        free(l);
        return NULL;
    }
    free(prefix);
    l->next = loads;
    loads = l;
    return l;
}

int16_t
ks_group_gate(ks_creq_t *creq, ks_str_t id, ks_ghandler_t wait)
{
    int32_t c;
    gload_t *l;

    if (id.len < 0)
        return KS_ERR_NONE;      /* the handler rejects a null id */
    c = ks_groups_coordinator(id.p, (size_t) id.len);
    if (c < 0)
        return KS_ERR_COORDINATOR_NOT_AVAILABLE;
    if (c != self_id())
        return KS_ERR_NOT_COORDINATOR;
    if (ks_group_find(id.p, id.len) != NULL)
        return KS_ERR_NONE;
    l = load_find(id.p, (size_t) id.len);
    if (l != NULL && l->state == LOAD_DONE)
        return KS_ERR_NONE;      /* loaded: nothing stored */
    if (l != NULL && l->state == LOAD_FAILED)
        return KS_ERR_COORDINATOR_NOT_AVAILABLE;
    if (l == NULL && (l = load_start(id.p, (size_t) id.len)) == NULL)
        return KS_ERR_COORDINATOR_NOT_AVAILABLE;
    if (wait != NULL) {
        if (l->nw == l->cap) {
            int cap = l->cap ? l->cap * 2 : 4;
            gwaiter_t *w = realloc(l->w, sizeof(*w) * (size_t) cap);
            if (w == NULL)
                return KS_ERR_COORDINATOR_NOT_AVAILABLE;
            l->w = w;
            l->cap = cap;
        }
        l->w[l->nw++] = (gwaiter_t) { creq, wait };
    }
    return KS_ERR_COORDINATOR_LOAD_IN_PROGRESS;
}

bool
ks_group_gate_all(ks_creq_t *creq, const void *first, int32_t n, size_t stride, ks_ghandler_t wait)
{
    const ks_str_t *loading = NULL;

    for (int32_t i = 0; i < n; i++) {
        const ks_str_t *id = (const ks_str_t *) (const void *) ((const char *) first + (size_t) i * stride);
        if (ks_group_gate(creq, *id, NULL) == KS_ERR_COORDINATOR_LOAD_IN_PROGRESS && loading == NULL)
            loading = id;
    }
    return loading != NULL && ks_group_gate(creq, *loading, wait) == KS_ERR_COORDINATOR_LOAD_IN_PROGRESS;
}

/* ---------- every group coordinated here (ListGroups, expiry) ---------- */

/*
 * After a change of the live brokers (and at start) one range of the whole
 * prefix loads every group that is coordinated here now and not in memory
 * yet, so that ListGroups lists them all and the sessions of members that
 * never come back expire.  On a shared store it waits a moment first: the
 * brokers that coordinated those groups until now drop them once they see
 * the change too.  ListGroups waits for that scan.
 */

static void
scan_cb(void *arg, const ks_ms_result_t *res)
{
    uint64_t epoch = (uint64_t) (uintptr_t) arg;
    ks_creq_t **ws = list_waiters;
    int nws = nlist_waiters;

    scan_running = false;
    list_waiters = NULL;
    nlist_waiters = 0;
    if (res->rc != KS_OK) {
        struct timeval tv = { 1, 0 };
        ks_log_error("could not read the consumer groups from the metadata store: %s; retrying", res->error);
        evtimer_add(scan_ev, &tv);
        for (int i = 0; i < nws; i++) {
            ks_list_groups_resp_t *resp = ws[i]->response;
            resp->error_code = KS_ERR_COORDINATOR_NOT_AVAILABLE;
            ks_creq_respond(ws[i]);
        }
        free(ws);
        return;
    }
    install_groups(res, NULL);
    if (epoch == brokers_epoch)
        scanned_epoch = epoch;
    else if (!evtimer_pending(scan_ev, NULL))
        scan_start();
    for (int i = 0; i < nws; i++)
        ks_group_list_answer(ws[i]);
    free(ws);
}

static void
scan_start(void)
{
    if (scan_running)
        return;
    evtimer_del(scan_ev);
    scan_running = true;
    if (ks_ms_range(ks_C.ms, KS_GROUPS_PREFIX, 0, scan_cb, (void *) (uintptr_t) brokers_epoch) != KS_OK) {
        ks_ms_result_t fail = { .rc = KS_ERROR, .error = "the metadata store refused the request" };
        scan_cb((void *) (uintptr_t) brokers_epoch, &fail);
    }
}

static void
scan_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    (void) arg;
    scan_start();
}

bool
ks_groups_scan_wait(ks_creq_t *creq)
{
    ks_creq_t **w;

    if (scanned_epoch == brokers_epoch)
        return false;
    w = realloc(list_waiters, sizeof(*w) * (size_t) (nlist_waiters + 1));
    if (w == NULL)
        return false;
    list_waiters = w;
    list_waiters[nlist_waiters++] = creq;
    scan_start();
    return true;
}

void
ks_groups_scan_later(void)
{
    struct timeval tv = { 1, 0 };

    evtimer_del(scan_ev);
    evtimer_add(scan_ev, &tv);
}

bool
ks_groups_store_brokers_changed(void)
{
    brokers_epoch++;
    if (scan_ev == NULL)
        return false;
    ks_groups_loads_expire(true);
    return true;
}

void
ks_groups_store_init(bool now)
{
    struct timeval later = { 1, 0 }, at_once = { 0, 0 };

    scan_ev = evtimer_new(ks_C.base, scan_timer_cb, NULL);
    evtimer_add(scan_ev, now ? &at_once : &later);
}
