/*
 * groups.h: consumer groups (the classic protocol) and committed offsets,
 * private to groups.c, groups_store.c and offsets.c.  Runs in: coordinator.
 *
 * Store keys (compatible with the original KafScale):
 *   /kafscale/consumers/<g>/metadata              JSON group state, written
 *                                                  on generation and membership
 *                                                  changes (not on heartbeats)
 *   /kafscale/consumers/<g>/offsets/<t>/<p>       JSON {"offset", "leader_epoch",
 *                                                  "metadata", "committed_at"}
 * Each group has one coordinating broker at a time (rendezvous hashing of
 * the group id over the live brokers, groups.c), and only that broker keeps
 * it in memory: it loads the group (one range of /kafscale/consumers/<g>/,
 * groups_store.c) on first use, and requests for the group wait for that load; a group
 * whose coordinator moved elsewhere is dropped from memory.  Once loaded,
 * OffsetFetch and DescribeGroups never wait for the store.
 */
#ifndef KS_GROUPS_H
#define KS_GROUPS_H

#include "coordinator.h"

#define KS_GROUPS_PREFIX "/kafscale/consumers/"

enum { KS_G_EMPTY = 0, KS_G_PREPARING, KS_G_COMPLETING, KS_G_STABLE, KS_G_DEAD };

typedef struct {
    char *name;
    uint8_t *meta;
    int32_t len;
} ks_gproto_t;

typedef struct ks_gmember ks_gmember_t;
struct ks_gmember {
    char *id;
    char *instance_id;            /* NULL for dynamic members */
    char *client_id;
    char *client_host;
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms;
    ks_gproto_t *protocols;
    int nprotocols;
    uint8_t *assignment;
    int32_t assignment_len;
    int64_t hb_deadline;          /* monotonic ms */
    ks_creq_t *join_creq;         /* waiting JoinGroup */
    ks_creq_t *sync_creq;         /* waiting SyncGroup */
    ks_gmember_t *next;
};

typedef struct {
    char *id;
    int64_t deadline;             /* monotonic ms */
} ks_gpending_t;

typedef struct {
    char *topic;
    int32_t partition;
    int64_t offset;
    int32_t leader_epoch;
    char *metadata;
    int64_t committed_ms;
} ks_goffset_t;

typedef struct ks_group ks_group_t;
struct ks_group {
    char *id;
    int state;
    char *protocol_type;          /* NULL until a member joined */
    char *protocol;               /* selected protocol, NULL when none */
    char *leader;                 /* member id, NULL when none */
    int32_t generation;
    ks_gmember_t *members;        /* in join order */
    int nmembers;
    ks_gpending_t *pending;       /* MEMBER_ID_REQUIRED issued, not joined yet */
    int npending;
    struct event *join_ev;        /* rebalance completion timer */
    bool initial_delay;           /* the join timer is the initial delay */
    bool new_member_added;
    int64_t delay_remaining_ms;
    bool stored;                  /* a metadata key exists in the store */
    int ncommits;                 /* offset commits in flight */
    bool fresh;                   /* being put into memory from the store */
    ks_goffset_t *offsets;
    size_t noffsets, offsets_cap;
    ks_group_t *next;
};

/* groups.c */
/* A group handler, run again when a request that waited for its group's
 * load goes on. */
typedef void (*ks_ghandler_t)(ks_creq_t *creq);
ks_group_t *ks_group_find(const char *id, int32_t len);
ks_group_t *ks_group_get(const char *id, int32_t len);    /* creates an Empty one */
ks_group_t *ks_groups_list(void);                         /* every group in memory */
ks_gmember_t *ks_group_member(ks_group_t *g, const char *id, int32_t len);
void ks_group_member_touch(ks_gmember_t *m);
/* The member's metadata for protocol `name`, NULL when it has none. */
const ks_gproto_t *ks_group_member_proto(const ks_gmember_t *m, const char *name);
const char *ks_group_state_name(int state);
bool ks_group_subscribed(ks_group_t *g, const char *topic, size_t tlen);
/* OffsetCommit's member/generation check; KS_ERR_NONE when allowed. */
int16_t ks_group_validate_commit(ks_group_t *g, ks_str_t member_id, ks_str_t instance_id, int32_t generation);
/* Answers ListGroups from memory (once the scan is over). */
void ks_group_list_answer(ks_creq_t *creq);
bool ks_str_eq(ks_str_t s, const char *c);
ks_str_t ks_g_arena_str(ks_arena_t *a, const char *s);
char *ks_g_sdup(ks_str_t s);                              /* NULL for a null string */
void ks_g_set_str(char **dst, const char *src);           /* frees *dst, copies src (NULL: NULL) */

/* groups_store.c */
/* The store key KS_GROUPS_PREFIX "<group>/<suffix>" (malloc'd). */
char *ks_group_key(const char *group, const char *suffix);
/* Writes the group's state; done (may be NULL) runs when the store answered
 * (with the group, or NULL if it went away meanwhile). */
void ks_group_persist(ks_group_t *g, void (*done)(ks_group_t *g, int32_t generation, int rc));
/* Whether this broker may handle a request for group `id` now.
 * KS_ERR_NONE: it coordinates the group and has it in memory (or knows it
 * is not stored); handle it.  KS_ERR_NOT_COORDINATOR or
 * KS_ERR_COORDINATOR_NOT_AVAILABLE: answer that.
 * KS_ERR_COORDINATOR_LOAD_IN_PROGRESS: the group is being loaded (the load
 * is started if needed); with wait != NULL the request was queued and
 * wait(creq) runs when the load is over, otherwise answer that error. */
int16_t ks_group_gate(ks_creq_t *creq, ks_str_t id, ks_ghandler_t wait);
/* For a request naming n groups (the ks_str_t ids `stride` bytes apart
 * from `first`): starts the loads they need and, when one is loading,
 * queues the request on it (wait(creq) runs later) and returns true.
 * Otherwise the handler answers now, asking ks_group_gate(creq, id, NULL)
 * for each group's error. */
bool ks_group_gate_all(ks_creq_t *creq, const void *first, int32_t n, size_t stride, ks_ghandler_t wait);
/* Forgets finished loads: those older than a few seconds, or all. */
void ks_groups_loads_expire(bool all);
/* ListGroups: when the scan since the last change of the live brokers is
 * not over, queues creq (ks_group_list_answer(creq) runs after it) and
 * returns true; false: answer now. */
bool ks_groups_scan_wait(ks_creq_t *creq);
/* Scans every group coordinated here in a second (after a change of the
 * live brokers, once the old coordinators dropped theirs). */
void ks_groups_scan_later(void);
/* A change of the live brokers: the scan is out of date and finished loads
 * are forgotten; false when the groups are not started yet. */
bool ks_groups_store_brokers_changed(void);
/* The first scan: at once (now) or in a second. */
void ks_groups_store_init(bool now);

/* offsets.c */
ks_goffset_t *ks_goffset_find(ks_group_t *g, const char *topic, size_t tlen, int32_t partition);
/* Loads one stored offset (when the group is loaded). */
void ks_goffset_load(ks_group_t *g, const char *topic, size_t tlen, int32_t partition,
                     const char *json);
void ks_goffsets_free(ks_group_t *g);

#endif
