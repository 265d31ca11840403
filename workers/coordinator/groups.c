/*
 * groups.c: consumer groups, the classic protocol, as Kafka's
 * GroupCoordinator runs them: FindCoordinator, JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup, DescribeGroups, ListGroups, DeleteGroups.
 * Runs in: coordinator.
 *
 * States: Empty -> PreparingRebalance (JoinGroup waits until every known
 * member rejoined, or the largest rebalance timeout passed; a new group
 * first waits group.initial.rebalance.delay.ms for more members) ->
 * CompletingRebalance (the leader, the first joiner, gets the members and
 * their subscriptions; everyone's SyncGroup waits for the leader's) ->
 * Stable (the leader's assignment is persisted, then handed out).  A
 * member that stops heartbeating for its session timeout is removed (a
 * sweep every 100 ms) and the group rebalances.  Static members
 * (group.instance.id) that come back with a new member id take over the
 * old member without a rebalance; the old id is fenced.
 *
 * Group state is written to the store on generation and membership
 * changes, never on heartbeats (groups_store.c writes it and reads it back:
 * a group on first use, and every group coordinated here after a change of
 * the live brokers).  Who coordinates a group, and dropping the groups that
 * moved elsewhere, are here.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <event2/event.h>
#include <cjson/cJSON.h>

#include "acl.h"
#include "groups.h"
#include "log.h"
#include "proto/errors.h"
#include "util.h"

static ks_group_t *groups;
static struct event *sweep_ev;
static int32_t *known_live;      /* the live brokers last seen */
static int nknown_live = -1;

static const char *const state_names[] = {
    "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"
};

static void prepare_rebalance(ks_group_t *g, const char *reason);
static bool coordinated_here(const char *id, size_t len);
static void try_complete_join(ks_group_t *g);

/* ---------- helpers ---------- */

static int64_t
now_ms(void)
{
    return ks_mono_us() / 1000;
}

char *
ks_g_sdup(ks_str_t s)
{
    char *p;

    if (s.len < 0)
        return NULL;
    p = malloc((size_t) s.len + 1);
    if (p == NULL)
        return NULL;
    if (s.len > 0)
        memcpy(p, s.p, (size_t) s.len);
    p[s.len] = 0;
    return p;
}

bool
ks_str_eq(ks_str_t s, const char *c)
{
    if (c == NULL)
        return s.len < 0;
    return s.len >= 0 && strlen(c) == (size_t) s.len && memcmp(s.p, c, (size_t) s.len) == 0;
}

const char *
ks_group_state_name(int state)
{
    return state_names[state];
}

static bool
str_empty(ks_str_t s)
{
    return s.len <= 0;
}

ks_str_t
ks_g_arena_str(ks_arena_t *a, const char *s)
{
    if (s == NULL)
        return KS_STR_NULL;
    return ks_arena_strdup(a, s, (int32_t) strlen(s));
}

static ks_bytes_t
arena_bytes(ks_arena_t *a, const uint8_t *p, int32_t len)
{
    uint8_t *b;

    if (p == NULL || len <= 0)
        return (ks_bytes_t) { NULL, 0 };
    b = ks_arena_alloc(a, (size_t) len);
    if (b == NULL)
        return (ks_bytes_t) { NULL, 0 };
    memcpy(b, p, (size_t) len);
    return (ks_bytes_t) { b, len };
}

static char *
new_member_id(const char *prefix)
{
    uint8_t r[16];
    char buf[400];

    if (getrandom(r, sizeof(r), 0) != (ssize_t) sizeof(r))
        for (size_t i = 0; i < sizeof(r); i++)
            r[i] = (uint8_t) (ks_mono_us() >> (i % 8 * 7));
    snprintf(buf, sizeof(buf),
             "%.200s-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             prefix && prefix[0] ? prefix : "member", r[0], r[1], r[2], r[3], r[4], r[5],
             r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
    return strdup(buf);
}

/* ---------- groups and members ---------- */

ks_group_t *
ks_groups_list(void)
{
    return groups;
}

ks_group_t *
ks_group_find(const char *id, int32_t len)
{
    if (len < 0)
        return NULL;
    for (ks_group_t *g = groups; g != NULL; g = g->next)
        if (strlen(g->id) == (size_t) len && memcmp(g->id, id, (size_t) len) == 0)
            return g;
    return NULL;
}

static void join_timer_cb(evutil_socket_t fd, short what, void *arg);

ks_group_t *
ks_group_get(const char *id, int32_t len)
{
    ks_group_t *g = ks_group_find(id, len);

    if (g != NULL || len < 0)
        return g;
    g = calloc(1, sizeof(*g));
    if (g == NULL)
        return NULL;
    g->id = ks_g_sdup((ks_str_t) { id, len });
    g->join_ev = evtimer_new(ks_C.base, join_timer_cb, g);
    if (g->id == NULL || g->join_ev == NULL) {
        if (g->join_ev)
            event_free(g->join_ev);
        free(g->id);
        free(g);
        return NULL;
    }
    g->state = KS_G_EMPTY;
    g->next = groups;
    groups = g;
    return g;
}

ks_gmember_t *
ks_group_member(ks_group_t *g, const char *id, int32_t len)
{
    if (len < 0)
        return NULL;
    for (ks_gmember_t *m = g->members; m != NULL; m = m->next)
        if (strlen(m->id) == (size_t) len && memcmp(m->id, id, (size_t) len) == 0)
            return m;
    return NULL;
}

static ks_gmember_t *
static_member(ks_group_t *g, ks_str_t instance)
{
    if (instance.len < 0)
        return NULL;
    for (ks_gmember_t *m = g->members; m != NULL; m = m->next)
        if (m->instance_id != NULL && ks_str_eq(instance, m->instance_id))
            return m;
    return NULL;
}

void
ks_group_member_touch(ks_gmember_t *m)
{
    m->hb_deadline = now_ms() + m->session_timeout_ms;
}

static void
protocols_free(ks_gmember_t *m)
{
    for (int i = 0; i < m->nprotocols; i++) {
        free(m->protocols[i].name);
        free(m->protocols[i].meta);
    }
    free(m->protocols);
    m->protocols = NULL;
    m->nprotocols = 0;
}

static void
member_free(ks_gmember_t *m)
{
    protocols_free(m);
    free(m->id);
    free(m->instance_id);
    free(m->client_id);
    free(m->client_host);
    free(m->assignment);
    free(m);
}

static void
group_free(ks_group_t *g)
{
    ks_group_t **pp;

    for (pp = &groups; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == g) {
            *pp = g->next;
            break;
        }
    }
    while (g->members != NULL) {
        ks_gmember_t *m = g->members;
        g->members = m->next;
        member_free(m);
    }
    for (int i = 0; i < g->npending; i++)
        free(g->pending[i].id);
    free(g->pending);
    ks_goffsets_free(g);
    event_free(g->join_ev);
    free(g->protocol_type);
    free(g->protocol);
    free(g->leader);
    free(g->id);
    free(g);
}

void
ks_g_set_str(char **dst, const char *src)
{
    char *n = src ? strdup(src) : NULL;

    free(*dst);
    *dst = n;
}

const ks_gproto_t *
ks_group_member_proto(const ks_gmember_t *m, const char *name)
{
    if (name == NULL)
        return NULL;
    for (int i = 0; i < m->nprotocols; i++)
        if (strcmp(m->protocols[i].name, name) == 0)
            return &m->protocols[i];
    return NULL;
}

static bool
set_protocols(ks_gmember_t *m, const ks_join_group_req_t *req)
{
    int n = req->protocols.count > 0 ? req->protocols.count : 0;
    const ks_join_group_req_join_group_request_protocol_t *p = req->protocols.items;
    ks_gproto_t *ps = calloc((size_t) (n ? n : 1), sizeof(*ps));

    if (ps == NULL)
        return false;
    protocols_free(m);
    for (int i = 0; i < n; i++) {
        ps[i].name = ks_g_sdup(p[i].name.len >= 0 ? p[i].name : (ks_str_t) { "", 0 });
        ps[i].len = p[i].metadata.len > 0 ? p[i].metadata.len : 0;
        ps[i].meta = malloc(ps[i].len ? (size_t) ps[i].len : 1);
        if (ps[i].len > 0 && ps[i].meta != NULL)
            memcpy(ps[i].meta, p[i].metadata.p, (size_t) ps[i].len);
    }
    m->protocols = ps;
    m->nprotocols = n;
    return true;
}

static bool
same_protocols(const ks_gmember_t *m, const ks_join_group_req_t *req)
{
    const ks_join_group_req_join_group_request_protocol_t *p = req->protocols.items;

    if (req->protocols.count != m->nprotocols)
        return false;
    for (int i = 0; i < m->nprotocols; i++) {
        int32_t l = p[i].metadata.len > 0 ? p[i].metadata.len : 0;
        if (!ks_str_eq(p[i].name, m->protocols[i].name) || l != m->protocols[i].len ||
            (l > 0 && memcmp(p[i].metadata.p, m->protocols[i].meta, (size_t) l) != 0))
            return false;
    }
    return true;
}

static int32_t
max_rebalance_timeout(const ks_group_t *g)
{
    int32_t t = 0;

    for (const ks_gmember_t *m = g->members; m != NULL; m = m->next)
        t = KS_MAX(t, m->rebalance_timeout_ms);
    return t;
}

/* Whether every member (but `self`) supports protocol `name`. */
static bool
all_support(const ks_group_t *g, const char *name, size_t nlen, const ks_gmember_t *self)
{
    for (const ks_gmember_t *m = g->members; m != NULL; m = m->next) {
        bool found = false;
        if (m == self)
            continue;
        for (int i = 0; i < m->nprotocols && !found; i++)
            found = strlen(m->protocols[i].name) == nlen && memcmp(m->protocols[i].name, name, nlen) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* Kafka's check: an empty group takes any protocol type; otherwise the
 * type must match and one of the protocols must be supported by all. */
static bool
protocols_ok(const ks_group_t *g, const ks_join_group_req_t *req, const ks_gmember_t *self)
{
    const ks_join_group_req_join_group_request_protocol_t *p = req->protocols.items;
    int others = g->nmembers - (self != NULL ? 1 : 0);

    if (str_empty(req->protocol_type) || req->protocols.count <= 0)
        return false;
    if (others <= 0)
        return true;
    if (g->protocol_type == NULL || !ks_str_eq(req->protocol_type, g->protocol_type))
        return false;
    for (int32_t i = 0; i < req->protocols.count; i++)
        if (p[i].name.len >= 0 && all_support(g, p[i].name.p, (size_t) p[i].name.len, self))
            return true;
    return false;
}

/* The leader's first preference among the protocols every member supports. */
static const char *
select_protocol(const ks_group_t *g)
{
    const ks_gmember_t *l = NULL;

    for (const ks_gmember_t *m = g->members; m != NULL; m = m->next)
        if (g->leader != NULL && strcmp(m->id, g->leader) == 0)
            l = m;
    if (l == NULL)
        l = g->members;
    if (l == NULL)
        return NULL;
    for (int i = 0; i < l->nprotocols; i++)
        if (all_support(g, l->protocols[i].name, strlen(l->protocols[i].name), NULL))
            return l->protocols[i].name;
    return l->nprotocols > 0 ? l->protocols[0].name : NULL;
}

/* ---------- responses ---------- */

static void
join_respond_error(ks_creq_t *creq, int16_t err, const char *member_id)
{
    ks_join_group_resp_t *r = creq->response;

    r->error_code = err;
    r->generation_id = -1;
    r->member_id = ks_g_arena_str(&creq->arena, member_id ? member_id : "");
    r->leader = KS_STR_LIT("");
    r->protocol_name = creq->hdr.request_api_version >= 7 ? KS_STR_NULL : KS_STR_LIT("");
    ks_creq_respond(creq);
}

/* The successful JoinGroup answer of the current generation; the leader
 * (named `leader`) gets everyone's metadata of the selected protocol. */
static void
join_respond(ks_group_t *g, ks_gmember_t *m, ks_creq_t *creq, const char *leader)
{
    ks_join_group_resp_t *r = creq->response;
    ks_arena_t *a = &creq->arena;

    r->error_code = KS_ERR_NONE;
    r->generation_id = g->generation;
    r->protocol_type = ks_g_arena_str(a, g->protocol_type);
    r->protocol_name = ks_g_arena_str(a, g->protocol);
    r->leader = ks_g_arena_str(a, leader ? leader : "");
    r->member_id = ks_g_arena_str(a, m->id);
    r->skip_assignment = false;
    r->members = KS_ARRAY_EMPTY;
    if (leader != NULL && strcmp(leader, m->id) == 0 && g->nmembers > 0) {
        ks_join_group_resp_join_group_response_member_t *ms =
            ks_arena_alloc(a, sizeof(*ms) * (size_t) g->nmembers);
        int n = 0;
        if (ms == NULL) {
            ks_creq_close(creq);
            return;
        }
        for (ks_gmember_t *x = g->members; x != NULL; x = x->next) {
            const ks_gproto_t *p = ks_group_member_proto(x, g->protocol);
            ms[n].member_id = ks_g_arena_str(a, x->id);
            ms[n].group_instance_id = ks_g_arena_str(a, x->instance_id);
            ms[n].metadata = p ? arena_bytes(a, p->meta, p->len) : (ks_bytes_t) { NULL, 0 };
            n++;
        }
        r->members = (ks_array_t) { ms, n };
    }
    ks_creq_respond(creq);
}

static void
sync_respond(ks_group_t *g, ks_gmember_t *m, ks_creq_t *creq, int16_t err)
{
    ks_sync_group_resp_t *r = creq->response;

    r->error_code = err;
    r->assignment = (ks_bytes_t) { NULL, 0 };
    if (err == KS_ERR_NONE && g != NULL && m != NULL) {
        r->protocol_type = ks_g_arena_str(&creq->arena, g->protocol_type);
        r->protocol_name = ks_g_arena_str(&creq->arena, g->protocol);
        r->assignment = arena_bytes(&creq->arena, m->assignment, m->assignment_len);
    }
    ks_creq_respond(creq);
}

/* ---------- the state machine ---------- */

static void
set_state(ks_group_t *g, int state)
{
    if (g->state != state)
        ks_log_debug("group %s: %s -> %s", g->id, state_names[g->state], state_names[state]);
    g->state = state;
}

static void
schedule_join(ks_group_t *g, int64_t ms)
{
    struct timeval tv = { (time_t) (ms / 1000), (suseconds_t) (ms % 1000) * 1000 };

    evtimer_del(g->join_ev);
    evtimer_add(g->join_ev, &tv);
}

static void
reset_assignments(ks_group_t *g)
{
    for (ks_gmember_t *m = g->members; m != NULL; m = m->next) {
        free(m->assignment);
        m->assignment = NULL;
        m->assignment_len = 0;
        if (m->sync_creq != NULL) {
            ks_creq_t *c = m->sync_creq;
            m->sync_creq = NULL;
            sync_respond(g, m, c, KS_ERR_REBALANCE_IN_PROGRESS);
        }
    }
}

static void
prepare_rebalance(ks_group_t *g, const char *reason)
{
    int64_t delay = ks_C.in->conf->group_initial_rebalance_delay_ms;
    int32_t rto = max_rebalance_timeout(g);

    if (g->state == KS_G_COMPLETING)
        reset_assignments(g);
    ks_log_info("group %s: preparing to rebalance (generation %d): %s", g->id, g->generation, reason);
    if (g->state == KS_G_EMPTY && delay > 0) {
        g->initial_delay = true;
        g->new_member_added = false;
        g->delay_remaining_ms = KS_MAX((int64_t) rto - delay, 0);
        set_state(g, KS_G_PREPARING);
        schedule_join(g, delay);
        return;
    }
    g->initial_delay = false;
    set_state(g, KS_G_PREPARING);
    schedule_join(g, rto);
    try_complete_join(g);
}

static void
remove_pending(ks_group_t *g, int i)
{
    free(g->pending[i].id);
    g->pending[i] = g->pending[--g->npending];
}

static void
complete_join(ks_group_t *g)
{
    ks_gmember_t **pp, *m;
    bool any = false;
    const char *sel;

    evtimer_del(g->join_ev);
    g->initial_delay = false;
    /* dynamic members that did not rejoin are out */
    for (pp = &g->members; (m = *pp) != NULL;) {
        if (m->join_creq == NULL && m->instance_id == NULL) {
            ks_log_info("group %s: member %s did not rejoin in time, removed", g->id, m->id);
            *pp = m->next;
            g->nmembers--;
            if (m->sync_creq != NULL)
                sync_respond(g, m, m->sync_creq, KS_ERR_UNKNOWN_MEMBER_ID);
            member_free(m);
            continue;
        }
        any = any || m->join_creq != NULL;
        pp = &m->next;
    }
    if (!any && g->nmembers > 0) {
        /* only static members that have not rejoined: wait for them or
         * for their session timeouts */
        ks_log_warn("group %s: no member rejoined, waiting longer", g->id);
        schedule_join(g, KS_MAX(max_rebalance_timeout(g), 1000));
        return;
    }
    if (g->leader == NULL || ks_group_member(g, g->leader, (int32_t) strlen(g->leader)) == NULL ||
        ks_group_member(g, g->leader, (int32_t) strlen(g->leader))->join_creq == NULL) {
        for (m = g->members; m != NULL; m = m->next)
            if (m->join_creq != NULL)
                break;
        ks_g_set_str(&g->leader, m ? m->id : NULL);
    }
    g->generation++;
    if (g->nmembers == 0) {
        ks_g_set_str(&g->protocol, NULL);
        ks_g_set_str(&g->leader, NULL);
        set_state(g, KS_G_EMPTY);
        ks_log_info("group %s: generation %d is empty", g->id, g->generation);
        ks_group_persist(g, NULL);
        return;
    }
    sel = select_protocol(g);
    ks_g_set_str(&g->protocol, sel);
    set_state(g, KS_G_COMPLETING);
    ks_log_info("group %s: generation %d with %d member(s), protocol %s, leader %s", g->id,
                g->generation, g->nmembers, g->protocol ? g->protocol : "-", g->leader);
    for (m = g->members; m != NULL; m = m->next) {
        ks_creq_t *c = m->join_creq;
        if (c == NULL)
            continue;
        m->join_creq = NULL;
        ks_group_member_touch(m);
        join_respond(g, m, c, g->leader);
    }
}

static void
try_complete_join(ks_group_t *g)
{
    if (g->state != KS_G_PREPARING || g->initial_delay || g->npending > 0)
        return;
    for (ks_gmember_t *m = g->members; m != NULL; m = m->next)
        if (m->join_creq == NULL)
            return;
    complete_join(g);
}

static void
join_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    ks_group_t *g = arg;
    int64_t delay = ks_C.in->conf->group_initial_rebalance_delay_ms;

    (void) fd;
    (void) what;
    if (g->state != KS_G_PREPARING)
        return;
    if (g->initial_delay && g->new_member_added && g->delay_remaining_ms > 0) {
        int64_t d = KS_MIN(delay, g->delay_remaining_ms);
        g->new_member_added = false;
        g->delay_remaining_ms = KS_MAX(g->delay_remaining_ms - delay, 0);
        schedule_join(g, d);
        return;
    }
    complete_join(g);
}

/* Takes a member out of the group (leave, expiry) and rebalances. */
static void
remove_member(ks_group_t *g, ks_gmember_t *m, const char *why)
{
    ks_gmember_t **pp;
    char reason[600];

    for (pp = &g->members; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    }
    g->nmembers--;
    snprintf(reason, sizeof(reason), "member %s %s", m->id, why);
    if (m->join_creq != NULL)
        join_respond_error(m->join_creq, KS_ERR_UNKNOWN_MEMBER_ID, m->id);
    if (m->sync_creq != NULL)
        sync_respond(g, m, m->sync_creq, KS_ERR_UNKNOWN_MEMBER_ID);
    if (g->leader != NULL && strcmp(g->leader, m->id) == 0)
        ks_g_set_str(&g->leader, g->members ? g->members->id : NULL);
    member_free(m);
    switch (g->state) {
    case KS_G_STABLE:
    case KS_G_COMPLETING:
        prepare_rebalance(g, reason);
        break;
    case KS_G_PREPARING:
        ks_log_info("group %s: %s", g->id, reason);
        try_complete_join(g);
        break;
    default:
        break;
    }
}

static ks_gmember_t *
member_new(const char *id, const ks_join_group_req_t *req, const ks_creq_t *creq, int32_t rto)
{
    ks_gmember_t *m = calloc(1, sizeof(*m));

    if (m == NULL)
        return NULL;
    m->id = strdup(id);
    m->instance_id = ks_g_sdup(req->group_instance_id);
    m->client_id = ks_g_sdup(creq->hdr.client_id.len >= 0 ? creq->hdr.client_id : (ks_str_t) { "", 0 });
    m->client_host = strdup("");
    m->session_timeout_ms = req->session_timeout_ms;
    m->rebalance_timeout_ms = rto;
    if (m->id == NULL || m->client_id == NULL || m->client_host == NULL || !set_protocols(m, req)) {
        member_free(m);
        return NULL;
    }
    ks_group_member_touch(m);
    return m;
}

static void
add_member(ks_group_t *g, const char *id, ks_creq_t *creq, int32_t rto)
{
    ks_join_group_req_t *req = creq->request;
    ks_gmember_t *m = member_new(id, req, creq, rto), **pp;

    if (m == NULL) {
        join_respond_error(creq, KS_ERR_UNKNOWN_SERVER_ERROR, id);
        return;
    }
    if (g->nmembers == 0) {
        char *pt = ks_g_sdup(req->protocol_type);
        free(g->protocol_type);
        g->protocol_type = pt;
    }
    for (pp = &g->members; *pp != NULL; pp = &(*pp)->next)
        ;
    *pp = m;
    g->nmembers++;
    m->join_creq = creq;
    if (g->leader == NULL)
        g->leader = strdup(m->id);
    ks_log_debug("group %s: member %s (%s) joins", g->id, m->id, m->client_id);
    if (g->state == KS_G_PREPARING && g->initial_delay)
        g->new_member_added = true;
    if (g->state == KS_G_EMPTY || g->state == KS_G_STABLE || g->state == KS_G_COMPLETING) {
        char reason[600];
        snprintf(reason, sizeof(reason), "member %s joined", m->id);
        prepare_rebalance(g, reason);
    } else {
        try_complete_join(g);
    }
}

static void
update_member(ks_gmember_t *m, ks_creq_t *creq, int32_t rto)
{
    ks_join_group_req_t *req = creq->request;

    set_protocols(m, req);
    m->session_timeout_ms = req->session_timeout_ms;
    m->rebalance_timeout_ms = rto;
    if (m->join_creq != NULL && m->join_creq != creq)
        join_respond_error(m->join_creq, KS_ERR_REBALANCE_IN_PROGRESS, m->id);
    m->join_creq = creq;
    ks_group_member_touch(m);
}

static void
static_persisted(ks_group_t *g, int32_t generation, int rc)
{
    (void) g;
    (void) generation;
    (void) rc;
}

/* A static member came back with a new member id (Kafka's
 * updateStaticMemberAndRebalance). */
static void
static_rejoin(ks_group_t *g, ks_gmember_t *old, ks_creq_t *creq, int32_t rto)
{
    ks_join_group_req_t *req = creq->request;
    char *nid = new_member_id(old->instance_id), *old_leader = g->leader ? strdup(g->leader) : NULL;
    bool was_leader = g->leader != NULL && strcmp(g->leader, old->id) == 0;
    bool same = same_protocols(old, req);

    if (nid == NULL) {
        free(old_leader);
        join_respond_error(creq, KS_ERR_UNKNOWN_SERVER_ERROR, "");
        return;
    }
    /* whatever the old incarnation still waits for is fenced */
    if (old->join_creq != NULL) {
        join_respond_error(old->join_creq, KS_ERR_FENCED_INSTANCE_ID, old->id);
        old->join_creq = NULL;
    }
    if (old->sync_creq != NULL) {
        ks_creq_t *c = old->sync_creq;
        old->sync_creq = NULL;
        sync_respond(g, old, c, KS_ERR_FENCED_INSTANCE_ID);
    }
    ks_log_info("group %s: static member %s replaces %s by %s", g->id, old->instance_id, old->id, nid);
    free(old->id);
    old->id = nid;
    if (was_leader)
        ks_g_set_str(&g->leader, nid);
    free(old->client_id);
    old->client_id = ks_g_sdup(creq->hdr.client_id.len >= 0 ? creq->hdr.client_id : (ks_str_t) { "", 0 });
    switch (g->state) {
    case KS_G_STABLE: {
        const char *next;
        set_protocols(old, req);
        old->session_timeout_ms = req->session_timeout_ms;
        old->rebalance_timeout_ms = rto;
        ks_group_member_touch(old);
        next = select_protocol(g);
        if (same || (next != NULL && g->protocol != NULL && strcmp(next, g->protocol) == 0)) {
            /* no rebalance: the old leader id is returned so that a
             * former leader does not assign (its assignment would not be
             * distributed by a stable group) */
            ks_group_persist(g, static_persisted);
            join_respond(g, old, creq, old_leader);
        } else {
            update_member(old, creq, rto);
            prepare_rebalance(g, "a static member rejoined with other protocols");
        }
        break;
    }
    case KS_G_COMPLETING:
        update_member(old, creq, rto);
        prepare_rebalance(g, "a static member rejoined while the group was completing a rebalance");
        break;
    default:                     /* PreparingRebalance */
        update_member(old, creq, rto);
        try_complete_join(g);
        break;
    }
    free(old_leader);
}

/* ---------- FindCoordinator ---------- */

/* The coordinator of one key: its broker (error 0) or an error. */
static int16_t
find_one(int8_t key_type, ks_str_t key, const ks_mv_broker_t **out, const char **msg)
{
    int32_t id;

    *out = NULL;
    *msg = NULL;
    if (key_type == 1) {
        *msg = "transactions are not supported by KafScale";
        return KS_ERR_COORDINATOR_NOT_AVAILABLE;
    }
    if (key_type != 0) {
        *msg = "unknown coordinator key type";
        return KS_ERR_INVALID_REQUEST;
    }
    id = ks_groups_coordinator(key.p ? key.p : "", key.len > 0 ? (size_t) key.len : 0);
    for (int32_t i = 0; id >= 0 && i < ks_C.mv.nbrokers; i++)
        if (ks_C.mv.brokers[i].node_id == id)
            *out = &ks_C.mv.brokers[i];
    if (*out == NULL) {
        *msg = "no live broker is known yet";
        return KS_ERR_COORDINATOR_NOT_AVAILABLE;
    }
    return KS_ERR_NONE;
}

void
ks_h_find_coordinator(ks_creq_t *creq)
{
    ks_find_coordinator_req_t *req = creq->request;
    ks_find_coordinator_resp_t *resp = creq->response;
    int v = creq->hdr.request_api_version;
    const ks_mv_broker_t *b;
    const char *msg, *host;
    int16_t err;

    if (v < 4) {
        err = find_one(req->key_type, req->key, &b, &msg);
        if (req->key_type == 0 && !ks_coord_authz(creq, KS_ACL_OP_DESCRIBE, KS_ACL_RT_GROUP, req->key)) {
            err = KS_ERR_GROUP_AUTHORIZATION_FAILED;
            msg = NULL;
        }
        resp->error_code = err;
        resp->error_message = msg ? KS_STR(msg) : KS_STR_NULL;
        resp->node_id = err ? -1 : b->node_id;
        if (err) {
            resp->host = KS_STR_LIT("");
            resp->port = -1;
        } else {
            ks_mv_broker_endpoint(b, ks_creq_listener(creq), &host, &resp->port);
            resp->host = KS_STR(host);
        }
    } else {
        int32_t n = req->coordinator_keys.count > 0 ? req->coordinator_keys.count : 0;
        ks_find_coordinator_resp_coordinator_t *cs = ks_arena_alloc(&creq->arena, sizeof(*cs) * (size_t) (n ? n : 1));
        if (cs == NULL) {
            ks_creq_close(creq);
            return;
        }
        for (int32_t i = 0; i < n; i++) {
            cs[i].key = ((ks_str_t *) req->coordinator_keys.items)[i];
            if (cs[i].key.len < 0)
                cs[i].key = KS_STR_LIT("");
            err = find_one(req->key_type, cs[i].key, &b, &msg);
            if (req->key_type == 0 && !ks_coord_authz(creq, KS_ACL_OP_DESCRIBE, KS_ACL_RT_GROUP, cs[i].key)) {
                err = KS_ERR_GROUP_AUTHORIZATION_FAILED;
                msg = NULL;
            }
            cs[i].error_code = err;
            cs[i].error_message = msg ? KS_STR(msg) : KS_STR_NULL;
            cs[i].node_id = err ? -1 : b->node_id;
            if (err) {
                cs[i].host = KS_STR_LIT("");
                cs[i].port = -1;
            } else {
                ks_mv_broker_endpoint(b, ks_creq_listener(creq), &host, &cs[i].port);
                cs[i].host = KS_STR(host);
            }
        }
        resp->coordinators = (ks_array_t) { cs, n };
    }
    ks_creq_respond(creq);
}

/* ---------- JoinGroup ---------- */

void
ks_h_join_group(ks_creq_t *creq)
{
    ks_join_group_req_t *req = creq->request;
    int v = creq->hdr.request_api_version;
    const ks_conf_t *c = ks_C.in->conf;
    int32_t rto = v >= 1 && req->rebalance_timeout_ms > 0 ? req->rebalance_timeout_ms : req->session_timeout_ms;
    ks_group_t *g;
    ks_gmember_t *m;
    char mid[400];
    int16_t err;

    snprintf(mid, sizeof(mid), "%.*s", req->member_id.len > 0 ? (int) KS_MIN(req->member_id.len, 399) : 0,
             req->member_id.p ? req->member_id.p : "");
    if (!ks_coord_authz(creq, KS_ACL_OP_READ, KS_ACL_RT_GROUP, req->group_id)) {
        join_respond_error(creq, KS_ERR_GROUP_AUTHORIZATION_FAILED, mid);
        return;
    }
    err = ks_group_gate(creq, req->group_id, ks_h_join_group);
    if (err == KS_ERR_COORDINATOR_LOAD_IN_PROGRESS)
        return;                  /* runs again once the group is loaded */
    if (err != KS_ERR_NONE) {
        join_respond_error(creq, err, mid);
        return;
    }
    if (str_empty(req->group_id)) {
        join_respond_error(creq, KS_ERR_INVALID_GROUP_ID, mid);
        return;
    }
    if (req->session_timeout_ms < c->group_min_session_timeout_ms ||
        req->session_timeout_ms > c->group_max_session_timeout_ms) {
        join_respond_error(creq, KS_ERR_INVALID_SESSION_TIMEOUT, mid);
        return;
    }
    g = ks_group_find(req->group_id.p, req->group_id.len);
    if (g == NULL && !str_empty(req->member_id)) {
        join_respond_error(creq, KS_ERR_UNKNOWN_MEMBER_ID, mid);
        return;
    }
    if (g == NULL && (g = ks_group_get(req->group_id.p, req->group_id.len)) == NULL) {
        join_respond_error(creq, KS_ERR_UNKNOWN_SERVER_ERROR, mid);
        return;
    }
    if (g->state == KS_G_DEAD) {
        join_respond_error(creq, KS_ERR_COORDINATOR_NOT_AVAILABLE, mid);
        return;
    }
    m = str_empty(req->member_id) ? NULL : ks_group_member(g, req->member_id.p, req->member_id.len);
    if (!protocols_ok(g, req, m)) {
        join_respond_error(creq, KS_ERR_INCONSISTENT_GROUP_PROTOCOL, mid);
        return;
    }
    if (str_empty(req->member_id)) {
        ks_gmember_t *old = static_member(g, req->group_instance_id);
        char *nid;

        if (old != NULL) {
            static_rejoin(g, old, creq, rto);
            return;
        }
        {
            /* Kafka's ids: <client id or instance id>-<uuid> */
            ks_str_t pre = req->group_instance_id.len >= 0 ? req->group_instance_id : creq->hdr.client_id;
            char pfx[300];
            snprintf(pfx, sizeof(pfx), "%.*s", pre.len > 0 ? (int) KS_MIN(pre.len, 299) : 0, pre.p ? pre.p : "");
            nid = new_member_id(pfx);
        }
        if (nid == NULL) {
            join_respond_error(creq, KS_ERR_UNKNOWN_SERVER_ERROR, mid);
            return;
        }
        if (req->group_instance_id.len < 0 && v >= 4) {
            /* KIP-394: the member has to come back with this id */
            ks_gpending_t *p = realloc(g->pending, sizeof(*p) * (size_t) (g->npending + 1));
            if (p == NULL) {
                free(nid);
                join_respond_error(creq, KS_ERR_UNKNOWN_SERVER_ERROR, mid);
                return;
            }
            g->pending = p;
            p[g->npending].id = nid;
            p[g->npending].deadline = now_ms() + req->session_timeout_ms;
            g->npending++;
            join_respond_error(creq, KS_ERR_MEMBER_ID_REQUIRED, nid);
            return;
        }
        add_member(g, nid, creq, rto);
        free(nid);
        return;
    }
    for (int i = 0; i < g->npending; i++) {
        if (ks_str_eq(req->member_id, g->pending[i].id)) {
            remove_pending(g, i);
            add_member(g, mid, creq, rto);
            return;
        }
    }
    if (m == NULL) {
        join_respond_error(creq, static_member(g, req->group_instance_id) != NULL ? KS_ERR_FENCED_INSTANCE_ID
                                                                                  : KS_ERR_UNKNOWN_MEMBER_ID, mid);
        return;
    }
    if (req->group_instance_id.len >= 0 && (m->instance_id == NULL || !ks_str_eq(req->group_instance_id, m->instance_id))) {
        join_respond_error(creq, KS_ERR_FENCED_INSTANCE_ID, mid);
        return;
    }
    switch (g->state) {
    case KS_G_PREPARING:
        update_member(m, creq, rto);
        try_complete_join(g);
        break;
    case KS_G_COMPLETING:
        if (same_protocols(m, req)) {
            ks_group_member_touch(m);
            join_respond(g, m, creq, g->leader);
        } else {
            update_member(m, creq, rto);
            prepare_rebalance(g, "a member rejoined with other protocols");
        }
        break;
    case KS_G_STABLE:
        if ((g->leader != NULL && strcmp(g->leader, m->id) == 0) || !same_protocols(m, req)) {
            char reason[600];
            snprintf(reason, sizeof(reason), "%s %s rejoined", g->leader && strcmp(g->leader, m->id) == 0 ? "leader" : "member", m->id);
            update_member(m, creq, rto);
            prepare_rebalance(g, reason);
        } else {
            ks_group_member_touch(m);
            join_respond(g, m, creq, g->leader);
        }
        break;
    default:
        join_respond_error(creq, KS_ERR_UNKNOWN_MEMBER_ID, mid);
        break;
    }
}

/* ---------- member validation (Heartbeat, SyncGroup, OffsetCommit) ---------- */

static int16_t
validate_member(ks_group_t *g, ks_str_t member_id, ks_str_t instance_id, int32_t generation, ks_gmember_t **out)
{
    ks_gmember_t *st = static_member(g, instance_id), *m;

    *out = NULL;
    if (st != NULL && !ks_str_eq(member_id, st->id))
        return KS_ERR_FENCED_INSTANCE_ID;
    m = ks_group_member(g, member_id.p, member_id.len);
    if (m == NULL)
        return KS_ERR_UNKNOWN_MEMBER_ID;
    if (generation != g->generation)
        return KS_ERR_ILLEGAL_GENERATION;
    *out = m;
    return KS_ERR_NONE;
}

int16_t
ks_group_validate_commit(ks_group_t *g, ks_str_t member_id, ks_str_t instance_id, int32_t generation)
{
    ks_gmember_t *m;
    int16_t err;

    if (g->state == KS_G_DEAD)
        return KS_ERR_COORDINATOR_NOT_AVAILABLE;
    /* the group only stores offsets (no group management) */
    if (generation < 0 && g->state == KS_G_EMPTY)
        return KS_ERR_NONE;
    err = validate_member(g, member_id, instance_id, generation, &m);
    if (err != KS_ERR_NONE)
        return err;
    if (g->state == KS_G_COMPLETING)
        return KS_ERR_REBALANCE_IN_PROGRESS;
    ks_group_member_touch(m);
    return KS_ERR_NONE;
}

/* ---------- Heartbeat ---------- */

void
ks_h_heartbeat(ks_creq_t *creq)
{
    ks_heartbeat_req_t *req = creq->request;
    ks_heartbeat_resp_t *resp = creq->response;
    ks_group_t *g;
    ks_gmember_t *m;
    int16_t err;

    if (!ks_coord_authz(creq, KS_ACL_OP_READ, KS_ACL_RT_GROUP, req->group_id)) {
        resp->error_code = KS_ERR_GROUP_AUTHORIZATION_FAILED;
        ks_creq_respond(creq);
        return;
    }
    err = ks_group_gate(creq, req->group_id, ks_h_heartbeat);
    if (err == KS_ERR_COORDINATOR_LOAD_IN_PROGRESS)
        return;
    if (err != KS_ERR_NONE) {
        resp->error_code = err;
    } else if ((g = ks_group_find(req->group_id.p, req->group_id.len)) == NULL) {
        resp->error_code = KS_ERR_UNKNOWN_MEMBER_ID;
    } else if (g->state == KS_G_DEAD) {
        resp->error_code = KS_ERR_COORDINATOR_NOT_AVAILABLE;
    } else if (g->state == KS_G_EMPTY) {
        resp->error_code = KS_ERR_UNKNOWN_MEMBER_ID;
    } else {
        resp->error_code = validate_member(g, req->member_id, req->group_instance_id, req->generation_id, &m);
        if (resp->error_code == KS_ERR_NONE) {
            ks_group_member_touch(m);
            if (g->state == KS_G_PREPARING)
                resp->error_code = KS_ERR_REBALANCE_IN_PROGRESS;
        }
    }
    ks_creq_respond(creq);
}

/* ---------- SyncGroup ---------- */

static void
sync_persisted(ks_group_t *g, int32_t generation, int rc)
{
    if (g == NULL || g->state != KS_G_COMPLETING || g->generation != generation)
        return;
    if (rc != KS_OK) {
        for (ks_gmember_t *m = g->members; m != NULL; m = m->next) {
            free(m->assignment);
            m->assignment = NULL;
            m->assignment_len = 0;
            if (m->sync_creq != NULL) {
                ks_creq_t *c = m->sync_creq;
                m->sync_creq = NULL;
                sync_respond(g, m, c, KS_ERR_COORDINATOR_NOT_AVAILABLE);
            }
        }
        prepare_rebalance(g, "its state could not be stored");
        return;
    }
    set_state(g, KS_G_STABLE);
    ks_log_info("group %s: generation %d is stable", g->id, g->generation);
    for (ks_gmember_t *m = g->members; m != NULL; m = m->next) {
        if (m->sync_creq != NULL) {
            ks_creq_t *c = m->sync_creq;
            m->sync_creq = NULL;
            sync_respond(g, m, c, KS_ERR_NONE);
        }
    }
}

void
ks_h_sync_group(ks_creq_t *creq)
{
    ks_sync_group_req_t *req = creq->request;
    ks_group_t *g;
    ks_gmember_t *m = NULL;
    int16_t err;

    if (!ks_coord_authz(creq, KS_ACL_OP_READ, KS_ACL_RT_GROUP, req->group_id)) {
        sync_respond(NULL, NULL, creq, KS_ERR_GROUP_AUTHORIZATION_FAILED);
        return;
    }
    err = ks_group_gate(creq, req->group_id, ks_h_sync_group);
    if (err == KS_ERR_COORDINATOR_LOAD_IN_PROGRESS)
        return;
    if (err != KS_ERR_NONE) {
        sync_respond(NULL, NULL, creq, err);
        return;
    }
    g = ks_group_find(req->group_id.p, req->group_id.len);
    if (g == NULL) {
        sync_respond(NULL, NULL, creq, KS_ERR_UNKNOWN_MEMBER_ID);
        return;
    }
    if (g->state == KS_G_DEAD) {
        sync_respond(NULL, NULL, creq, KS_ERR_COORDINATOR_NOT_AVAILABLE);
        return;
    }
    err = validate_member(g, req->member_id, req->group_instance_id, req->generation_id, &m);
    if (err == KS_ERR_NONE &&
        ((req->protocol_type.len >= 0 && !ks_str_eq(req->protocol_type, g->protocol_type)) ||
         (req->protocol_name.len >= 0 && !ks_str_eq(req->protocol_name, g->protocol))))
        err = KS_ERR_INCONSISTENT_GROUP_PROTOCOL;
    if (err != KS_ERR_NONE) {
        sync_respond(NULL, NULL, creq, err);
        return;
    }
    switch (g->state) {
    case KS_G_EMPTY:
        sync_respond(NULL, NULL, creq, KS_ERR_UNKNOWN_MEMBER_ID);
        return;
    case KS_G_PREPARING:
        sync_respond(NULL, NULL, creq, KS_ERR_REBALANCE_IN_PROGRESS);
        return;
    case KS_G_STABLE:
        ks_group_member_touch(m);
        sync_respond(g, m, creq, KS_ERR_NONE);
        return;
    default:
        break;
    }
    /* CompletingRebalance: wait for the leader's assignment */
    if (m->sync_creq != NULL)
        sync_respond(NULL, NULL, m->sync_creq, KS_ERR_REBALANCE_IN_PROGRESS);
    m->sync_creq = creq;
    ks_group_member_touch(m);
    if (g->leader != NULL && strcmp(g->leader, m->id) == 0) {
        const ks_sync_group_req_sync_group_request_assignment_t *as = req->assignments.items;
        for (ks_gmember_t *x = g->members; x != NULL; x = x->next) {
            free(x->assignment);
            x->assignment = NULL;
            x->assignment_len = 0;
        }
        for (int32_t i = 0; i < req->assignments.count; i++) {
            ks_gmember_t *x = ks_group_member(g, as[i].member_id.p, as[i].member_id.len);
            if (x == NULL || as[i].assignment.len <= 0)
                continue;
            free(x->assignment);
            x->assignment = malloc((size_t) as[i].assignment.len);
            if (x->assignment != NULL) {
                memcpy(x->assignment, as[i].assignment.p, (size_t) as[i].assignment.len);
                x->assignment_len = as[i].assignment.len;
            }
        }
        ks_group_persist(g, sync_persisted);
    }
}

/* ---------- LeaveGroup ---------- */

static int16_t
leave_one(ks_group_t *g, ks_str_t member_id, ks_str_t instance_id)
{
    ks_gmember_t *m;

    if (g == NULL)
        return KS_ERR_UNKNOWN_MEMBER_ID;
    if (str_empty(member_id)) {
        m = static_member(g, instance_id);
        if (m == NULL)
            return KS_ERR_UNKNOWN_MEMBER_ID;
        remove_member(g, m, "left the group");
        return KS_ERR_NONE;
    }
    for (int i = 0; i < g->npending; i++) {
        if (ks_str_eq(member_id, g->pending[i].id)) {
            remove_pending(g, i);
            try_complete_join(g);
            return KS_ERR_NONE;
        }
    }
    m = static_member(g, instance_id);
    if (m != NULL && !ks_str_eq(member_id, m->id))
        return KS_ERR_FENCED_INSTANCE_ID;
    m = ks_group_member(g, member_id.p, member_id.len);
    if (m == NULL)
        return KS_ERR_UNKNOWN_MEMBER_ID;
    remove_member(g, m, "left the group");
    return KS_ERR_NONE;
}

void
ks_h_leave_group(ks_creq_t *creq)
{
    ks_leave_group_req_t *req = creq->request;
    ks_leave_group_resp_t *resp = creq->response;
    int v = creq->hdr.request_api_version;
    ks_group_t *g;
    int16_t err;

    if (!ks_coord_authz(creq, KS_ACL_OP_READ, KS_ACL_RT_GROUP, req->group_id)) {
        resp->error_code = KS_ERR_GROUP_AUTHORIZATION_FAILED;
        if (v >= 3)
            resp->members = KS_ARRAY_EMPTY;
        ks_creq_respond(creq);
        return;
    }
    err = ks_group_gate(creq, req->group_id, ks_h_leave_group);
    if (err == KS_ERR_COORDINATOR_LOAD_IN_PROGRESS)
        return;
    if (err != KS_ERR_NONE) {
        resp->error_code = err;
        ks_creq_respond(creq);
        return;
    }
    g = ks_group_find(req->group_id.p, req->group_id.len);
    if (g != NULL && g->state == KS_G_DEAD) {
        resp->error_code = KS_ERR_COORDINATOR_NOT_AVAILABLE;
        ks_creq_respond(creq);
        return;
    }
    if (v < 3) {
        resp->error_code = leave_one(g, req->member_id, KS_STR_NULL);
    } else {
        int32_t n = req->members.count > 0 ? req->members.count : 0;
        const ks_leave_group_req_member_identity_t *in = req->members.items;
        ks_leave_group_resp_member_response_t *out = ks_arena_alloc(&creq->arena, sizeof(*out) * (size_t) (n ? n : 1));
        if (out == NULL) {
            ks_creq_close(creq);
            return;
        }
        for (int32_t i = 0; i < n; i++) {
            out[i].member_id = in[i].member_id.len >= 0 ? in[i].member_id : KS_STR_LIT("");
            out[i].group_instance_id = in[i].group_instance_id;
            out[i].error_code = leave_one(g, in[i].member_id, in[i].group_instance_id);
        }
        resp->members = (ks_array_t) { out, n };
        resp->error_code = KS_ERR_NONE;
    }
    ks_creq_respond(creq);
}

/* ---------- DescribeGroups, ListGroups ---------- */

void
ks_h_describe_groups(ks_creq_t *creq)
{
    ks_describe_groups_req_t *req = creq->request;
    ks_describe_groups_resp_t *resp = creq->response;
    int32_t n = req->groups.count > 0 ? req->groups.count : 0;
    ks_describe_groups_resp_described_group_t *out = ks_arena_alloc(&creq->arena, sizeof(*out) * (size_t) (n ? n : 1));
    ks_arena_t *a = &creq->arena;

    if (ks_group_gate_all(creq, req->groups.items, n, sizeof(ks_str_t), ks_h_describe_groups))
        return;                  /* runs again once the groups are loaded */
    if (out == NULL) {
        ks_creq_close(creq);
        return;
    }
    for (int32_t i = 0; i < n; i++) {
        ks_str_t name = ((ks_str_t *) req->groups.items)[i];
        ks_group_t *g = ks_group_find(name.p, name.len);
        ks_describe_groups_resp_described_group_t *d = &out[i];
        int16_t err = ks_group_gate(creq, name, NULL);

        d->group_id = name.len >= 0 ? name : KS_STR_LIT("");
        d->authorized_operations = INT32_MIN;
        d->protocol_type = KS_STR_LIT("");
        d->protocol_data = KS_STR_LIT("");
        d->members = KS_ARRAY_EMPTY;
        if (!ks_coord_authz(creq, KS_ACL_OP_DESCRIBE, KS_ACL_RT_GROUP, name))
            err = KS_ERR_GROUP_AUTHORIZATION_FAILED;
        if (err != KS_ERR_NONE) {
            d->error_code = err;
            d->group_state = KS_STR_LIT("");
            continue;
        }
        /* as Kafka: the operations only for a group described without error */
        if (req->include_authorized_operations)
            d->authorized_operations = ks_coord_authz_ops(creq, KS_ACL_RT_GROUP, name);
        if (g == NULL || g->state == KS_G_DEAD) {
            d->error_code = KS_ERR_NONE;
            d->group_state = KS_STR_LIT("Dead");
            continue;
        }
        d->error_code = KS_ERR_NONE;
        d->group_state = KS_STR(state_names[g->state]);
        d->protocol_type = ks_g_arena_str(a, g->protocol_type ? g->protocol_type : "");
        if (g->state == KS_G_STABLE)
            d->protocol_data = ks_g_arena_str(a, g->protocol ? g->protocol : "");
        if (g->nmembers > 0) {
            ks_describe_groups_resp_described_group_member_t *ms = ks_arena_alloc(a, sizeof(*ms) * (size_t) g->nmembers);
            int k = 0;
            if (ms == NULL) {
                ks_creq_close(creq);
                return;
            }
            for (ks_gmember_t *m = g->members; m != NULL; m = m->next, k++) {
                ms[k].member_id = ks_g_arena_str(a, m->id);
                ms[k].group_instance_id = ks_g_arena_str(a, m->instance_id);
                ms[k].client_id = ks_g_arena_str(a, m->client_id ? m->client_id : "");
                ms[k].client_host = ks_g_arena_str(a, m->client_host ? m->client_host : "");
                ms[k].member_metadata = (ks_bytes_t) { NULL, 0 };
                ms[k].member_assignment = (ks_bytes_t) { NULL, 0 };
                if (g->state == KS_G_STABLE) {
                    const ks_gproto_t *p = ks_group_member_proto(m, g->protocol);
                    if (p != NULL)
                        ms[k].member_metadata = arena_bytes(a, p->meta, p->len);
                    ms[k].member_assignment = arena_bytes(a, m->assignment, m->assignment_len);
                }
            }
            d->members = (ks_array_t) { ms, k };
        }
    }
    resp->groups = (ks_array_t) { out, n };
    ks_creq_respond(creq);
}

static bool
filter_match(const ks_array_t *f, const char *value)
{
    const ks_str_t *s = f->items;

    if (f->count <= 0)
        return true;
    for (int32_t i = 0; i < f->count; i++)
        if (s[i].len >= 0 && strlen(value) == (size_t) s[i].len && strncasecmp(s[i].p, value, (size_t) s[i].len) == 0)
            return true;
    return false;
}

/* Answers ListGroups from memory: the groups coordinated here. */
void
ks_group_list_answer(ks_creq_t *creq)
{
    ks_list_groups_req_t *req = creq->request;
    ks_list_groups_resp_t *resp = creq->response;
    int n = 0, k = 0;
    ks_list_groups_resp_listed_group_t *out;
    /* DESCRIBE on the cluster lists every group, else those the principal
     * may DESCRIBE */
    bool every = ks_coord_authz_quiet(creq, KS_ACL_OP_DESCRIBE, KS_ACL_RT_CLUSTER, KS_STR_LIT(KS_ACL_CLUSTER_NAME));

    for (ks_group_t *g = groups; g != NULL; g = g->next)
        n++;
    out = ks_arena_alloc(&creq->arena, sizeof(*out) * (size_t) (n ? n : 1));
    if (out == NULL) {
        ks_creq_close(creq);
        return;
    }
    for (ks_group_t *g = groups; g != NULL; g = g->next) {
        if (g->state == KS_G_DEAD || !filter_match(&req->states_filter, state_names[g->state]) ||
            !filter_match(&req->types_filter, "classic") || !coordinated_here(g->id, strlen(g->id)) ||
            (!every && !ks_coord_authz_quiet(creq, KS_ACL_OP_DESCRIBE, KS_ACL_RT_GROUP, KS_STR(g->id))))
            continue;
        out[k].group_id = ks_g_arena_str(&creq->arena, g->id);
        out[k].protocol_type = ks_g_arena_str(&creq->arena, g->protocol_type ? g->protocol_type : "");
        out[k].group_state = KS_STR(state_names[g->state]);
        out[k].group_type = KS_STR_LIT("classic");
        k++;
    }
    resp->error_code = KS_ERR_NONE;
    resp->groups = (ks_array_t) { out, k };
    ks_creq_respond(creq);
}

/* Kafka lists the groups of the coordinator it asks; the ones that came
 * here with the last change of the live brokers are read first. */
void
ks_h_list_groups(ks_creq_t *creq)
{
    if (!ks_groups_scan_wait(creq))
        ks_group_list_answer(creq);
}

/* ---------- DeleteGroups ---------- */

typedef struct {
    ks_creq_t *creq;
    char *group;
    int16_t *error_code;
} delete_op_t;

static void
deleted_cb(void *arg, const ks_ms_result_t *res)
{
    delete_op_t *op = arg;
    ks_group_t *g = ks_group_find(op->group, (int32_t) strlen(op->group));
    ks_creq_t *creq = op->creq;

    if (res->rc != KS_OK) {
        ks_log_error("could not delete group %s: %s", op->group, res->error);
        *op->error_code = KS_ERR_COORDINATOR_NOT_AVAILABLE;
        if (g != NULL && g->state == KS_G_DEAD)
            g->state = KS_G_EMPTY;
    } else {
        ks_log_info("deleted group %s and its committed offsets", op->group);
        if (g != NULL)
            group_free(g);
    }
    free(op->group);
    free(op);
    if (--creq->outstanding == 0)
        ks_creq_respond(creq);
}

void
ks_h_delete_groups(ks_creq_t *creq)
{
    ks_delete_groups_req_t *req = creq->request;
    ks_delete_groups_resp_t *resp = creq->response;
    int32_t n = req->groups_names.count > 0 ? req->groups_names.count : 0;
    ks_delete_groups_resp_deletable_group_result_t *out = ks_arena_alloc(&creq->arena, sizeof(*out) * (size_t) (n ? n : 1));

    if (out == NULL) {
        ks_creq_close(creq);
        return;
    }
    if (ks_group_gate_all(creq, req->groups_names.items, n, sizeof(ks_str_t), ks_h_delete_groups))
        return;                  /* runs again once the groups are loaded */
    resp->results = (ks_array_t) { out, n };
    creq->outstanding = 1;
    for (int32_t i = 0; i < n; i++) {
        ks_str_t name = ((ks_str_t *) req->groups_names.items)[i];
        ks_group_t *g = ks_group_find(name.p, name.len);
        ks_ms_op_t *ops;
        char **keys;
        size_t nops = 0;
        delete_op_t *op;
        int16_t err = ks_group_gate(creq, name, NULL);

        out[i].group_id = name.len >= 0 ? name : KS_STR_LIT("");
        if (!ks_coord_authz(creq, KS_ACL_OP_DELETE, KS_ACL_RT_GROUP, name))
            err = KS_ERR_GROUP_AUTHORIZATION_FAILED;
        if (err != KS_ERR_NONE) {
            out[i].error_code = err;
            continue;
        }
        if (name.len <= 0) {
            out[i].error_code = KS_ERR_INVALID_GROUP_ID;
            continue;
        }
        if (g == NULL || g->state == KS_G_DEAD) {
            out[i].error_code = KS_ERR_GROUP_ID_NOT_FOUND;
            continue;
        }
        if (g->state != KS_G_EMPTY) {
            out[i].error_code = KS_ERR_NON_EMPTY_GROUP;
            continue;
        }
        out[i].error_code = KS_ERR_NONE;
        ops = calloc(g->noffsets + 1, sizeof(*ops));
        keys = calloc(g->noffsets + 1, sizeof(*keys));
        op = calloc(1, sizeof(*op));
        if (ops == NULL || keys == NULL || op == NULL) {
            free(ops);
            free(keys);
            free(op);
            out[i].error_code = KS_ERR_UNKNOWN_SERVER_ERROR;
            continue;
        }
        keys[nops++] = ks_group_key(g->id, "metadata");
        for (size_t j = 0; j < g->noffsets; j++) {
            char suffix[400];
            snprintf(suffix, sizeof(suffix), "offsets/%s/%d", g->offsets[j].topic, g->offsets[j].partition);
            keys[nops++] = ks_group_key(g->id, suffix);
        }
        for (size_t j = 0; j < nops; j++) {
            ops[j].kind = KS_MS_OP_DELETE;
            ops[j].key = keys[j] ? keys[j] : "";
            ops[j].key_len = keys[j] ? strlen(keys[j]) : 0;
        }
        op->creq = creq;
        op->group = strdup(g->id);
        op->error_code = &out[i].error_code;
        g->state = KS_G_DEAD;
        creq->outstanding++;
        if (ks_ms_txn(ks_C.ms, NULL, 0, ops, nops, NULL, 0, deleted_cb, op) != KS_OK) {
            ks_ms_result_t fail = { .rc = KS_ERROR, .error = "the metadata store refused the request" };
            deleted_cb(op, &fail);
        }
        for (size_t j = 0; j < nops; j++)
            free(keys[j]);
        free(keys);
        free(ops);
    }
    if (--creq->outstanding == 0)
        ks_creq_respond(creq);
}

/* ---------- subscriptions (OffsetDelete) ---------- */

/* Whether a member's ConsumerProtocolSubscription (version, [topic], ...)
 * names the topic. */
bool
ks_group_subscribed(ks_group_t *g, const char *topic, size_t tlen)
{
    for (ks_gmember_t *m = g->members; m != NULL; m = m->next) {
        const ks_gproto_t *p = ks_group_member_proto(m, g->protocol);
        ks_reader_t r;
        int32_t n;

        if (p == NULL && m->nprotocols > 0)
            p = &m->protocols[0];
        if (p == NULL)
            continue;
        ks_reader_init(&r, p->meta, (size_t) p->len);
        (void) ks_read_i16(&r);
        n = ks_read_i32(&r);
        for (int32_t i = 0; i < n && !r.err; i++) {
            int16_t l = ks_read_i16(&r);
            if (r.err || l < 0 || (size_t) l > ks_reader_left(&r))
                break;
            if ((size_t) l == tlen && memcmp(r.p, topic, tlen) == 0)
                return true;
            r.p += l;
        }
    }
    return false;
}

/* ---------- who coordinates a group ---------- */

static int32_t
self_id(void)
{
    return (int32_t) ks_C.in->conf->broker_id;
}

static bool
single_broker(void)
{
    return strcmp(ks_C.in->conf->metadata_store, "embedded") == 0;
}

static uint64_t
mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/*
 * Rendezvous (highest random weight) hashing: every live broker gets a
 * score from the group id and its broker id, and the highest score wins.
 * Every broker computes it alike from the same sorted live list, the
 * groups spread evenly, and when a broker joins or leaves only the groups
 * it wins or held move (about 1/n of them), where "hash mod n" would move
 * most groups.  With the embedded store there is one broker: this one.
 */
int32_t
ks_groups_coordinator(const char *id, size_t len)
{
    const int32_t *live;
    int n;
    uint64_t h = 0xcbf29ce484222325ULL, best = 0;
    int32_t who = -1;

    if (single_broker())
        return self_id();
    n = ks_cluster_live(&live);
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t) id[i];
        h *= 0x100000001b3ULL;
    }
    for (int i = 0; i < n; i++) {
        uint64_t s = mix64(h ^ mix64((uint64_t) (uint32_t) live[i] + 0x9e3779b97f4a7c15ULL));
        if (who < 0 || s > best) {
            best = s;
            who = live[i];
        }
    }
    return who;
}

static bool
coordinated_here(const char *id, size_t len)
{
    return ks_groups_coordinator(id, len) == self_id();
}

/* A group whose coordinator is another broker now leaves memory; whoever
 * waits in it is told NOT_COORDINATOR and finds the new coordinator. */
static void
group_drop(ks_group_t *g, int32_t to)
{
    ks_log_info("group %s: coordinated by broker %d now, dropping it here", g->id, to);
    evtimer_del(g->join_ev);
    for (ks_gmember_t *m = g->members; m != NULL; m = m->next) {
        if (m->join_creq != NULL) {
            ks_creq_t *c = m->join_creq;
            m->join_creq = NULL;
            join_respond_error(c, KS_ERR_NOT_COORDINATOR, m->id);
        }
        if (m->sync_creq != NULL) {
            ks_creq_t *c = m->sync_creq;
            m->sync_creq = NULL;
            sync_respond(NULL, NULL, c, KS_ERR_NOT_COORDINATOR);
        }
    }
    group_free(g);
}

void
ks_groups_brokers_changed(void)
{
    const int32_t *live;
    int n = ks_cluster_live(&live);
    ks_group_t *g, *next;

    if (single_broker())
        return;
    if (n == nknown_live && (n == 0 || memcmp(live, known_live, sizeof(*live) * (size_t) n) == 0))
        return;
    free(known_live);
    known_live = malloc(sizeof(*live) * (size_t) (n ? n : 1));
    if (known_live == NULL) {
        nknown_live = -1;
    } else {
        if (n > 0)
            memcpy(known_live, live, sizeof(*live) * (size_t) n);
        nknown_live = n;
    }
    if (!ks_groups_store_brokers_changed())
        return;                  /* not started yet */
    for (g = groups; g != NULL; g = next) {
        int32_t c = ks_groups_coordinator(g->id, strlen(g->id));
        next = g->next;
        if (c != self_id())
            group_drop(g, c);
    }
    if (n > 0 && !single_broker())
        ks_groups_scan_later();
}

static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
    int64_t now = now_ms();
    ks_group_t *g, *next;

    (void) fd;
    (void) what;
    (void) arg;
    ks_groups_loads_expire(false);
    for (g = groups; g != NULL; g = next) {
        bool again = true;
        next = g->next;
        for (int i = 0; i < g->npending;) {
            if (g->pending[i].deadline < now) {
                remove_pending(g, i);
                try_complete_join(g);
            } else {
                i++;
            }
        }
        while (again) {
            again = false;
            for (ks_gmember_t *m = g->members; m != NULL; m = m->next) {
                if (m->join_creq == NULL && now > m->hb_deadline) {
                    char why[100];
                    snprintf(why, sizeof(why), "expired (no heartbeat for %d ms)", m->session_timeout_ms);
                    ks_log_info("group %s: member %s %s", g->id, m->id, why);
                    remove_member(g, m, why);
                    again = true;
                    break;
                }
            }
        }
        if (g->state == KS_G_EMPTY && g->nmembers == 0 && g->npending == 0 && g->noffsets == 0 && !g->stored &&
            g->ncommits <= 0 && !evtimer_pending(g->join_ev, NULL))
            group_free(g);
    }
}

void
ks_groups_init(void)
{
    struct timeval tv = { 0, 100000 };

    sweep_ev = event_new(ks_C.base, -1, EV_PERSIST, sweep_cb, NULL);
    event_add(sweep_ev, &tv);
    ks_groups_store_init(single_broker());
}

void
ks_groups_shutdown(void)
{
    if (sweep_ev != NULL) {
        event_free(sweep_ev);
        sweep_ev = NULL;
    }
}
