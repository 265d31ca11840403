/*
 * configs.c: DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for
 * topics (their stored configs) and for this broker (its configuration
 * file, read-only here).  Runs in: coordinator.
 *
 * Topic configs live in the topic's stored JSON document under "config"
 * ({name: value}, only what was set on the topic); topics.c validates the
 * values and applies them to the published snapshot, which is what the
 * data path reads.  Alterations are handled one request at a time, so an
 * incremental change always starts from the result of the previous one.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "conf.h"
#include "acl.h"
#include "coordinator.h"
#include "log.h"
#include "proto/errors.h"
#include "workers/broker/broker.h"

/* ConfigResource.Type */
enum { RES_TOPIC = 2, RES_BROKER = 4, RES_BROKER_LOGGER = 8 };
/* DescribeConfigsResponse.ConfigSource */
enum { SRC_DYNAMIC_TOPIC = 1, SRC_STATIC_BROKER = 4, SRC_DEFAULT = 5 };
/* DescribeConfigsResponse.ConfigType */
enum { CT_BOOLEAN = 1, CT_STRING = 2, CT_INT = 3, CT_LONG = 5, CT_LIST = 7, CT_PASSWORD = 9 };
/* IncrementalAlterConfigs operations; OP_REPLACE is AlterConfigs' "set" */
enum { OP_SET = 0, OP_DELETE = 1, OP_APPEND = 2, OP_SUBTRACT = 3, OP_REPLACE = 100 };

enum { F_CLEANUP, F_COMPRESSION, F_MAX_MESSAGE, F_TS_TYPE, F_MIN_ISR, F_RET_BYTES, F_RET_MS,
       F_SEGMENT, F_UNCLEAN };

typedef struct {
    const char *name;
    int field;
    int8_t type;
    const char *fixed;         /* read-only: the value KafScale fixes */
    const char *broker_key;    /* broker key the default comes from */
    const char *doc;
} tconf_t;

/* Every topic config a describe lists, in Kafka's (alphabetical) order. */
static const tconf_t tconfs[] = {
    { "cleanup.policy", F_CLEANUP, CT_LIST, NULL, NULL,
      "The retention policy of old log segments. KafScale supports \"delete\" only: it does not compact topics." },
    { "compression.type", F_COMPRESSION, CT_STRING, "producer", NULL,
      "Batches are stored as the producer compressed them (fixed in KafScale)." },
    { "max.message.bytes", F_MAX_MESSAGE, CT_INT, NULL, "message.max.bytes",
      "The largest record batch size allowed for this topic." },
    { "message.timestamp.type", F_TS_TYPE, CT_STRING, NULL, NULL,
      "Whether the timestamp in the message is message create time or log append time: CreateTime or LogAppendTime." },
    { "min.insync.replicas", F_MIN_ISR, CT_INT, "1", NULL,
      "Durability comes from the object store; KafScale has no replicas to wait for (fixed at 1)." },
    { "retention.bytes", F_RET_BYTES, CT_LONG, NULL, "default.retention.bytes",
      "The maximum size a partition can grow to before old segments are deleted; -1 = no limit." },
    { "retention.ms", F_RET_MS, CT_LONG, NULL, "default.retention.ms",
      "The maximum time a segment is kept before it is deleted; -1 = no time limit." },
    { "segment.bytes", F_SEGMENT, CT_INT, NULL, "default.segment.bytes",
      "The segment file size reported for the topic." },
    { "unclean.leader.election.enable", F_UNCLEAN, CT_BOOLEAN, "false", NULL,
      "No replicas, so no unclean elections (fixed in KafScale)." },
};

static ks_str_t
astr(ks_creq_t *creq, const char *s)
{
    return s != NULL ? ks_arena_strdup(&creq->arena, s, (int32_t) strlen(s)) : KS_STR_NULL;
}

static ks_str_t
afmt(ks_creq_t *creq, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static ks_str_t
afmt(ks_creq_t *creq, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return astr(creq, buf);
}

static bool
str_eq(ks_str_t s, const char *c)
{
    return s.len >= 0 && (size_t) s.len == strlen(c) && memcmp(s.p, c, (size_t) s.len) == 0;
}

static bool
has_nul(ks_str_t s)
{
    return s.len > 0 && memchr(s.p, 0, (size_t) s.len) != NULL;
}

/* A NUL-terminated copy of s (NULL for a null string) in the arena. */
static const char *
cstr(ks_creq_t *creq, ks_str_t s)
{
    return s.len < 0 ? NULL : ks_arena_strdup(&creq->arena, s.p, s.len).p;
}

static const tconf_t *
tconf_find(const char *name)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(tconfs); i++)
        if (strcmp(tconfs[i].name, name) == 0)
            return &tconfs[i];
    return NULL;
}

static int
conf_key_index(const char *name)
{
    for (size_t i = 0; i < ks_conf_key_count(); i++)
        if (strcmp(ks_conf_key_info(i)->name, name) == 0)
            return (int) i;
    return -1;
}

/* Whether the broker key was set (file, environment, command line). */
static bool
broker_key_set(const char *name)
{
    int i = conf_key_index(name);

    return i >= 0 && ks_C.in->conf->origin[i] != KS_CONF_SRC_DEFAULT;
}

/* The built-in defaults of the broker keys (the DEFAULT_CONFIG synonyms). */
static const ks_conf_t *
builtin_conf(void)
{
    static ks_conf_t c;
    static bool done;

    if (!done) {
        ks_conf_init(&c);
        done = true;
    }
    return &c;
}

static void
tconf_value(const tconf_t *t, const ks_mv_topic_conf_t *tc, char *buf, size_t n)
{
    switch (t->field) {
    case F_CLEANUP:
        snprintf(buf, n, "delete");
        break;
    case F_MAX_MESSAGE:
        snprintf(buf, n, "%" PRId32, tc->max_message_bytes);
        break;
    case F_TS_TYPE:
        snprintf(buf, n, "%s", tc->log_append_time ? "LogAppendTime" : "CreateTime");
        break;
    case F_RET_BYTES:
        snprintf(buf, n, "%" PRId64, tc->retention_bytes);
        break;
    case F_RET_MS:
        snprintf(buf, n, "%" PRId64, tc->retention_ms);
        break;
    case F_SEGMENT:
        snprintf(buf, n, "%" PRId64, tc->segment_bytes);
        break;
    default:
        snprintf(buf, n, "%s", t->fixed != NULL ? t->fixed : "");
        break;
    }
}

/* The value of a broker key that gives a topic default, from conf c. */
static void
broker_default_value(const tconf_t *t, const ks_conf_t *c, char *buf, size_t n)
{
    ks_mv_topic_conf_t tc;

    memset(&tc, 0, sizeof(tc));
    tc.retention_ms = c->default_retention_ms;
    tc.retention_bytes = c->default_retention_bytes;
    tc.segment_bytes = c->default_segment_bytes;
    tc.max_message_bytes = (int32_t) c->message_max_bytes;
    tconf_value(t, &tc, buf, n);
}

/* ---------- DescribeConfigs ---------- */

typedef ks_describe_configs_resp_describe_configs_resource_result_t entry_t;
typedef ks_describe_configs_resp_describe_configs_synonym_t synonym_t;

typedef struct {
    ks_creq_t *creq;
    const ks_array_t *keys;     /* configuration_keys filter (count -1 = all) */
    bool synonyms;
    bool docs;
    entry_t *e;
    int32_t n, cap;
} dlist_t;

static bool
wanted(const dlist_t *l, const char *name)
{
    const ks_str_t *k = l->keys->items;

    if (l->keys->count < 0)
        return true;
    for (int32_t i = 0; i < l->keys->count; i++)
        if (str_eq(k[i], name))
            return true;
    return false;
}

static entry_t *
dl_add(dlist_t *l, const char *name, const char *value, bool read_only, int8_t source, bool sensitive,
       int8_t type, const char *doc)
{
    entry_t *e;

    if (l->n >= l->cap)
        return NULL;
    e = &l->e[l->n++];
    e->name = astr(l->creq, name);
    e->value = sensitive ? KS_STR_NULL : astr(l->creq, value);
    e->read_only = read_only;
    e->is_default = source == SRC_DEFAULT;
    e->config_source = source;
    e->is_sensitive = sensitive;
    e->config_type = type;
    e->documentation = l->docs ? astr(l->creq, doc) : KS_STR_NULL;
    e->synonyms = KS_ARRAY_EMPTY;
    if (l->synonyms) {
        synonym_t *s = ks_arena_alloc(&l->creq->arena, sizeof(*s) * 3);
        if (s != NULL)
            e->synonyms.items = s;
    }
    return e;
}

static void
syn_add(dlist_t *l, entry_t *e, const char *name, const char *value, int8_t source)
{
    synonym_t *s = e->synonyms.items;

    if (s == NULL || e->synonyms.count >= 3)
        return;
    s[e->synonyms.count].name = astr(l->creq, name);
    s[e->synonyms.count].value = astr(l->creq, value);
    s[e->synonyms.count].source = source;
    e->synonyms.count++;
}

static void
describe_topic(dlist_t *l, const char *name, int16_t *ec, ks_str_t *msg)
{
    const cJSON *doc, *cfg;
    ks_mv_topic_conf_t tc;

    if (name == NULL || !ks_topic_name_valid(name, strlen(name))) {
        *ec = KS_ERR_INVALID_TOPIC_EXCEPTION;
        *msg = afmt(l->creq, "Topic name \"%s\" is illegal", name != NULL ? name : "");
        return;
    }
    doc = ks_topics_doc(name);
    if (doc == NULL) {
        *ec = KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        *msg = afmt(l->creq, "The topic '%s' does not exist.", name);
        return;
    }
    cfg = cJSON_GetObjectItemCaseSensitive(doc, "config");
    ks_topics_conf_defaults(&tc);
    for (size_t i = 0; i < KS_ARRAY_LEN(tconfs); i++) {
        const tconf_t *t = &tconfs[i];
        const cJSON *set = t->fixed == NULL ? cJSON_GetObjectItemCaseSensitive(cfg, t->name) : NULL;
        char cur[64], bval[64], dval[64];
        bool bset = t->broker_key != NULL && broker_key_set(t->broker_key);
        int8_t src;
        entry_t *e;

        if (!wanted(l, t->name))
            continue;
        if (!cJSON_IsString(set))
            set = NULL;
        src = set != NULL ? SRC_DYNAMIC_TOPIC : bset ? SRC_STATIC_BROKER : SRC_DEFAULT;
        tconf_value(t, &tc, cur, sizeof(cur));
        e = dl_add(l, t->name, set != NULL ? set->valuestring : cur, t->fixed != NULL, src, false, t->type,
                   t->doc);
        if (e == NULL || !l->synonyms)
            continue;
        if (set != NULL)
            syn_add(l, e, t->name, set->valuestring, SRC_DYNAMIC_TOPIC);
        if (t->broker_key != NULL) {
            broker_default_value(t, ks_C.in->conf, bval, sizeof(bval));
            broker_default_value(t, builtin_conf(), dval, sizeof(dval));
            if (bset)
                syn_add(l, e, t->broker_key, bval, SRC_STATIC_BROKER);
            syn_add(l, e, t->broker_key, dval, SRC_DEFAULT);
        }
    }
}

/* Checks the name of a BROKER resource: "" is the cluster-wide default
 * resource, else it must be this broker's id. */
static int16_t
check_broker_name(ks_creq_t *creq, ks_str_t name, ks_str_t *msg, bool *cluster_default)
{
    int64_t id = ks_C.in->conf->broker_id;
    const char *s = has_nul(name) ? "?" : cstr(creq, name);
    char *end;
    long long v;

    *cluster_default = s == NULL || s[0] == 0;
    if (*cluster_default)
        return KS_ERR_NONE;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != 0 || v < INT32_MIN || v > INT32_MAX) {
        *msg = afmt(creq, "Broker id must be an integer, but it is: %s", s);
        return KS_ERR_INVALID_REQUEST;
    }
    if (v != id) {
        *msg = afmt(creq, "Unexpected broker id, expected %" PRId64 " or empty string, but received %s", id, s);
        return KS_ERR_INVALID_REQUEST;
    }
    return KS_ERR_NONE;
}

static bool
looks_secret(const char *name)
{
    size_t n = strlen(name);

    if (n > 5 && strcmp(name + n - 5, ".file") == 0)
        return false;
    return strstr(name, "password") != NULL || strstr(name, "secret") != NULL ||
           strstr(name, "token") != NULL || strstr(name, "access.key") != NULL;
}

static int8_t
broker_key_type(const char *type, bool sensitive)
{
    if (sensitive)
        return CT_PASSWORD;
    if (strcmp(type, "bool") == 0)
        return CT_BOOLEAN;
    if (strcmp(type, "int") == 0 || strcmp(type, "size") == 0 || strcmp(type, "duration") == 0)
        return CT_LONG;
    if (strcmp(type, "listeners") == 0)
        return CT_LIST;
    return CT_STRING;
}

/* The value as ks_conf_dump() writes it, turned into what a Kafka client
 * expects: quotes removed, sizes in bytes. */
static void
broker_value(const char *type, const char *dumped, char *out, size_t n)
{
    size_t len = strlen(dumped);

    if (len >= 2 && dumped[0] == '"' && dumped[len - 1] == '"') {
        snprintf(out, n, "%.*s", (int) (len - 2), dumped + 1);
        return;
    }
    if (strcmp(type, "size") == 0 && len > 1) {
        static const char units[] = "kmgt";
        const char *u = strchr(units, dumped[len - 1]);
        char *end;
        long long v = strtoll(dumped, &end, 10);

        if (u != NULL && end == dumped + len - 1) {
            for (const char *p = units; p <= u; p++)
                v *= 1024;
            snprintf(out, n, "%lld", v);
            return;
        }
    }
    snprintf(out, n, "%s", dumped);
}

static void
describe_broker(dlist_t *l, ks_str_t rname, int16_t *ec, ks_str_t *msg)
{
    char *buf = NULL, *line, *save = NULL;
    size_t len = 0;
    bool cluster_default;
    FILE *f;

    *ec = check_broker_name(l->creq, rname, msg, &cluster_default);
    if (*ec != KS_ERR_NONE || cluster_default)
        return;                  /* no dynamic cluster-wide defaults here */
    f = open_memstream(&buf, &len);
    if (f == NULL) {
        *ec = KS_ERR_UNKNOWN_SERVER_ERROR;
        return;
    }
    if (ks_conf_dump(ks_C.in->conf, f) != KS_OK) {
        fclose(f);
        free(buf);
        *ec = KS_ERR_UNKNOWN_SERVER_ERROR;
        return;
    }
    fclose(f);
    for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strstr(line, " = ");
        const ks_conf_key_info_t *ki;
        char value[4096];
        bool sensitive;
        int idx;
        int8_t src;
        entry_t *e;

        if (eq == NULL)
            continue;
        *eq = 0;
        idx = conf_key_index(line);
        if (idx < 0 || !wanted(l, line))
            continue;
        ki = ks_conf_key_info((size_t) idx);
        /* the key table says which keys are secret; the name test is a
         * second guard for keys added without the flag */
        sensitive = ki->secret || looks_secret(line);
        broker_value(ki->type, eq + 3, value, sizeof(value));
        src = ks_C.in->conf->origin[idx] == KS_CONF_SRC_DEFAULT ? SRC_DEFAULT : SRC_STATIC_BROKER;
        e = dl_add(l, line, value, true, src, sensitive, broker_key_type(ki->type, sensitive), ki->doc);
        if (e != NULL && l->synonyms)
            syn_add(l, e, line, sensitive ? NULL : value, src);
    }
    free(buf);
}

/* DESCRIBE_CONFIGS / ALTER_CONFIGS on the topic (TOPIC_AUTHORIZATION_FAILED)
 * or, for brokers and their loggers, on the cluster
 * (CLUSTER_AUTHORIZATION_FAILED).  False with *ec set when denied. */
static bool
config_authorized(ks_creq_t *creq, int8_t type, ks_str_t name, int op, int16_t *ec)
{
    if (type == RES_TOPIC && !ks_coord_authz(creq, op, KS_ACL_RT_TOPIC, name)) {
        *ec = KS_ERR_TOPIC_AUTHORIZATION_FAILED;
        return false;
    }
    if ((type == RES_BROKER || type == RES_BROKER_LOGGER) && !ks_coord_authz_cluster(creq, op)) {
        *ec = KS_ERR_CLUSTER_AUTHORIZATION_FAILED;
        return false;
    }
    return true;
}

void
ks_h_describe_configs(ks_creq_t *creq)
{
    ks_describe_configs_req_t *req = creq->request;
    ks_describe_configs_resp_t *resp = creq->response;
    ks_describe_configs_req_describe_configs_resource_t *rr = req->resources.items;
    ks_describe_configs_resp_describe_configs_result_t *rs;
    int version = creq->hdr.request_api_version;
    int32_t n = req->resources.count > 0 ? req->resources.count : 0;

    rs = ks_arena_alloc(&creq->arena, sizeof(*rs) * (size_t) (n ? n : 1));
    if (rs == NULL) {
        ks_creq_close(creq);
        return;
    }
    resp->throttle_time_ms = 0;
    resp->results = (ks_array_t) { rs, n };
    for (int32_t i = 0; i < n; i++) {
        dlist_t l;

        rs[i].error_code = KS_ERR_NONE;
        rs[i].error_message = KS_STR_NULL;
        rs[i].resource_type = rr[i].resource_type;
        rs[i].resource_name = rr[i].resource_name.len >= 0 ? rr[i].resource_name : KS_STR_LIT("");
        rs[i].configs = KS_ARRAY_EMPTY;
        memset(&l, 0, sizeof(l));
        l.creq = creq;
        l.keys = &rr[i].configuration_keys;
        l.synonyms = version >= 1 && req->include_synonyms;
        l.docs = version >= 3 && req->include_documentation;
        l.cap = (int32_t) (KS_ARRAY_LEN(tconfs) + ks_conf_key_count());
        l.e = ks_arena_alloc(&creq->arena, sizeof(*l.e) * (size_t) l.cap);
        if (l.e == NULL) {
            ks_creq_close(creq);
            return;
        }
        if (!config_authorized(creq, rr[i].resource_type, rr[i].resource_name, KS_ACL_OP_DESCRIBE_CONFIGS,
                               &rs[i].error_code))
            continue;
        switch (rr[i].resource_type) {
        case RES_TOPIC:
            describe_topic(&l, has_nul(rr[i].resource_name) ? NULL : cstr(creq, rr[i].resource_name),
                           &rs[i].error_code, &rs[i].error_message);
            break;
        case RES_BROKER:
            describe_broker(&l, rr[i].resource_name, &rs[i].error_code, &rs[i].error_message);
            break;
        case RES_BROKER_LOGGER:
            rs[i].error_code = KS_ERR_INVALID_REQUEST;
            rs[i].error_message = KS_STR_LIT("Unsupported resource type: BROKER_LOGGER (KafScale has no per-logger "
                                             "levels; log.level is a broker config)");
            break;
        default:
            rs[i].error_code = KS_ERR_INVALID_REQUEST;
            rs[i].error_message = afmt(creq, "Unsupported resource type: %d", rr[i].resource_type);
            break;
        }
        if (rs[i].error_code == KS_ERR_NONE)
            rs[i].configs = (ks_array_t) { l.e, l.n };
    }
    ks_creq_respond(creq);
}

/* ---------- AlterConfigs and IncrementalAlterConfigs ---------- */

typedef struct {
    ks_str_t name;
    int8_t op;
    ks_str_t value;
} cop_t;

typedef struct {
    ks_creq_t *creq;
    char *topic;
    int16_t *ec;
    ks_str_t *msg;
} store_op_t;

typedef struct aq_node {
    ks_creq_t *creq;
    struct aq_node *next;
} aq_node_t;

static aq_node_t *aq_head, *aq_tail;
static bool aq_busy, aq_draining;

static void aq_drain(void);

static void
alter_done(ks_creq_t *creq)
{
    if (--creq->outstanding > 0)
        return;
    ks_creq_respond(creq);
    aq_busy = false;
    aq_drain();
}

/* Normalizes a list value: items trimmed, empty ones and repeats dropped. */
static void
list_normalize(const char *in, char *out, size_t n)
{
    char tmp[2100], *tok, *save = NULL;
    size_t used = 0;

    out[0] = 0;
    snprintf(tmp, sizeof(tmp), "%s", in);
    for (tok = strtok_r(tmp, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        size_t tl;
        bool dup = false;

        while (*tok == ' ' || *tok == '\t')
            tok++;
        end = tok + strlen(tok);
        while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = 0;
        tl = strlen(tok);
        if (tl == 0)
            continue;
        for (const char *p = out; *p != 0;) {
            const char *c = strchr(p, ',');
            size_t pl = c != NULL ? (size_t) (c - p) : strlen(p);
            if (pl == tl && memcmp(p, tok, tl) == 0)
                dup = true;
            p += pl + (c != NULL);
        }
        if (dup || used + tl + 2 > n)
            continue;
        used += (size_t) snprintf(out + used, n - used, "%s%s", used > 0 ? "," : "", tok);
    }
}

/* APPEND or SUBTRACT of the items of `items` to/from list `cur`. */
static void
list_edit(const char *cur, const char *items, bool append, char *out, size_t n)
{
    char c[1024], it[1024], res[1024], *tok, *save = NULL;
    size_t used = 0;

    list_normalize(cur, c, sizeof(c));
    list_normalize(items, it, sizeof(it));
    res[0] = 0;
    if (append) {
        char joined[2100];

        snprintf(joined, sizeof(joined), "%s%s%s", c, c[0] && it[0] ? "," : "", it);
        list_normalize(joined, out, n);
        return;
    }
    for (tok = strtok_r(c, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        char tmp[1024], *t2, *s2 = NULL;
        bool drop = false;

        snprintf(tmp, sizeof(tmp), "%s", it);
        for (t2 = strtok_r(tmp, ",", &s2); t2 != NULL; t2 = strtok_r(NULL, ",", &s2))
            if (strcmp(t2, tok) == 0)
                drop = true;
        if (!drop && used + strlen(tok) + 2 <= sizeof(res))
            used += (size_t) snprintf(res + used, sizeof(res) - used, "%s%s", used > 0 ? "," : "", tok);
    }
    snprintf(out, n, "%s", res);
}

/* Applies one operation to cfg (the topic's configs being built); KS_OK,
 * or an error code with msg set. */
static int16_t
apply_op(ks_creq_t *creq, cJSON *cfg, const cop_t *c, ks_str_t *msg)
{
    const char *name = cstr(creq, c->name), *value = cstr(creq, c->value);
    const tconf_t *t = tconf_find(name);
    char err[512], v[1024];
    const cJSON *old;

    if (c->op == OP_DELETE) {
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, name);
        return KS_ERR_NONE;      /* as Kafka: deleting what is not set is a no-op */
    }
    if (c->op != OP_SET && c->op != OP_REPLACE && c->op != OP_APPEND && c->op != OP_SUBTRACT) {
        *msg = afmt(creq, "Unknown config operation %d for config %s", c->op, name);
        return KS_ERR_INVALID_REQUEST;
    }
    if (value != NULL && strlen(value) >= 1000) {
        *msg = afmt(creq, "Invalid value for configuration %s: longer than 1000 characters", name);
        return KS_ERR_INVALID_CONFIG;
    }
    if (t == NULL && !ks_topics_conf_check(name, value, err, sizeof(err))) {
        *msg = astr(creq, err);
        return KS_ERR_INVALID_CONFIG;
    }
    if (c->op == OP_APPEND || c->op == OP_SUBTRACT) {
        if (t == NULL || t->type != CT_LIST) {
            *msg = afmt(creq, "Config value %s is not allowed for config key: %s",
                        c->op == OP_APPEND ? "append" : "subtract", name);
            return KS_ERR_INVALID_CONFIG;
        }
        old = cJSON_GetObjectItemCaseSensitive(cfg, name);
        list_edit(cJSON_IsString(old) ? old->valuestring : "delete", value, c->op == OP_APPEND, v, sizeof(v));
    } else if (t != NULL && t->type == CT_LIST) {
        list_normalize(value, v, sizeof(v));
    } else {
        snprintf(v, sizeof(v), "%s", value);
    }
    if (t != NULL && t->fixed != NULL) {
        if (strcmp(v, t->fixed) != 0) {
            *msg = afmt(creq, "Invalid value %s for configuration %s: KafScale fixes it at %s", v, name, t->fixed);
            return KS_ERR_INVALID_CONFIG;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, name);   /* nothing to store */
        return KS_ERR_NONE;
    }
    if (!ks_topics_conf_check(name, v, err, sizeof(err))) {
        *msg = astr(creq, err);
        return KS_ERR_INVALID_CONFIG;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(cfg, name);
    cJSON_AddStringToObject(cfg, name, v);
    return KS_ERR_NONE;
}

static void
stored_cb(void *arg, int rc)
{
    store_op_t *op = arg;

    if (rc != KS_OK) {
        if (ks_topics_doc(op->topic) == NULL) {
            *op->ec = KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
            *op->msg = afmt(op->creq, "The topic '%s' does not exist.", op->topic);
        } else {
            *op->ec = KS_ERR_REQUEST_TIMED_OUT;
            *op->msg = astr(op->creq, "the metadata store did not store the new configs");
        }
    } else {
        ks_log_info("changed the configs of topic %s", op->topic);
    }
    free(op->topic);
    ks_creq_t *creq = op->creq;
    free(op);
    alter_done(creq);
}

/* Checks and (unless validate_only) stores the new configs of one topic. */
static void
alter_topic(ks_creq_t *creq, ks_str_t rname, const cop_t *cops, int32_t n, bool legacy, bool validate_only,
            int16_t *ec, ks_str_t *msg)
{
    const char *name = has_nul(rname) ? NULL : cstr(creq, rname);
    const cJSON *doc = name != NULL ? ks_topics_doc(name) : NULL;
    const cJSON *oldcfg;
    cJSON *cfg, *ndoc;
    store_op_t *op;

    if (doc == NULL) {
        *ec = KS_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        *msg = afmt(creq, "The topic '%s' does not exist.", name != NULL ? name : "");
        return;
    }
    oldcfg = cJSON_GetObjectItemCaseSensitive(doc, "config");
    cfg = legacy || !cJSON_IsObject(oldcfg) ? cJSON_CreateObject() : cJSON_Duplicate(oldcfg, 1);
    if (cfg == NULL) {
        *ec = KS_ERR_UNKNOWN_SERVER_ERROR;
        return;
    }
    for (int32_t i = 0; i < n; i++) {
        *ec = apply_op(creq, cfg, &cops[i], msg);
        if (*ec != KS_ERR_NONE) {
            cJSON_Delete(cfg);
            return;
        }
    }
    if (validate_only || (cJSON_IsObject(oldcfg) && cJSON_Compare(oldcfg, cfg, 1)) ||
        (!cJSON_IsObject(oldcfg) && cJSON_GetArraySize(cfg) == 0)) {
        cJSON_Delete(cfg);
        return;
    }
    ndoc = cJSON_Duplicate(doc, 1);
    op = calloc(1, sizeof(*op));
    if (ndoc == NULL || op == NULL) {
        cJSON_Delete(ndoc);
        cJSON_Delete(cfg);
        free(op);
        *ec = KS_ERR_UNKNOWN_SERVER_ERROR;
        return;
    }
    if (cJSON_HasObjectItem(ndoc, "config"))
        cJSON_ReplaceItemInObjectCaseSensitive(ndoc, "config", cfg);
    else
        cJSON_AddItemToObject(ndoc, "config", cfg);
    op->creq = creq;
    op->topic = strdup(name);
    op->ec = ec;
    op->msg = msg;
    creq->outstanding++;
    if (op->topic == NULL || ks_topics_replace_doc(name, ndoc, stored_cb, op) != KS_OK) {
        if (op->topic == NULL)
            cJSON_Delete(ndoc);
        creq->outstanding--;
        free(op->topic);
        free(op);
        *ec = KS_ERR_UNKNOWN_SERVER_ERROR;
        *msg = astr(creq, "the metadata store refused the request");
    }
}

static void
alter_broker(ks_creq_t *creq, int8_t type, ks_str_t rname, const cop_t *cops, int32_t n, int16_t *ec,
             ks_str_t *msg)
{
    char names[512];
    size_t used = 0;
    bool cluster_default;

    if (type == RES_BROKER_LOGGER) {
        *ec = KS_ERR_INVALID_REQUEST;
        *msg = KS_STR_LIT("Unsupported resource type: BROKER_LOGGER (KafScale has no per-logger levels; "
                          "log.level is a broker config)");
        return;
    }
    *ec = check_broker_name(creq, rname, msg, &cluster_default);
    if (*ec != KS_ERR_NONE || n == 0)
        return;
    names[0] = 0;
    for (int32_t i = 0; i < n && used < sizeof(names) - 1; i++)
        used += (size_t) snprintf(names + used, sizeof(names) - used, "%s%.*s", i ? ", " : "",
                                  cops[i].name.len > 0 ? (int) cops[i].name.len : 0,
                                  cops[i].name.len > 0 ? cops[i].name.p : "");
    *ec = KS_ERR_INVALID_REQUEST;
    *msg = afmt(creq, "Invalid config value for resource ConfigResource(type=BROKER, name='%.*s'): "
                "Cannot update these configs dynamically: %s (KafScale broker configs are read from "
                "kafscale.conf; SIGHUP reloads the reloadable ones)",
                rname.len > 0 ? (int) rname.len : 0, rname.len > 0 ? rname.p : "", names);
}

/* The checks every resource gets first: duplicate names, null values. */
static int16_t
precheck(ks_creq_t *creq, const cop_t *cops, int32_t n, ks_str_t *msg)
{
    char nulls[512];
    size_t used = 0;

    for (int32_t i = 0; i < n; i++)
        for (int32_t j = 0; j < i; j++)
            if (cops[i].name.len == cops[j].name.len &&
                (cops[i].name.len <= 0 || memcmp(cops[i].name.p, cops[j].name.p, (size_t) cops[i].name.len) == 0)) {
                *msg = KS_STR_LIT("Error due to duplicate config keys");
                return KS_ERR_INVALID_REQUEST;
            }
    nulls[0] = 0;
    for (int32_t i = 0; i < n; i++) {
        if (cops[i].name.len <= 0 || has_nul(cops[i].name) || has_nul(cops[i].value)) {
            *msg = KS_STR_LIT("Config names must not be empty, names and values must not contain NUL");
            return KS_ERR_INVALID_REQUEST;
        }
        if (cops[i].op != OP_DELETE && cops[i].value.len < 0 && used < sizeof(nulls) - 1)
            used += (size_t) snprintf(nulls + used, sizeof(nulls) - used, "%s%.*s", used ? ", " : "",
                                      (int) cops[i].name.len, cops[i].name.p);
    }
    if (used > 0) {
        *msg = afmt(creq, "Null value not supported for : %s", nulls);
        return KS_ERR_INVALID_REQUEST;
    }
    return KS_ERR_NONE;
}

/* One resource of either API, in the common form. */
typedef struct {
    int8_t type;
    ks_str_t name;
    cop_t *cops;
    int32_t ncops;
    int16_t *ec;
    ks_str_t *msg;
} ares_t;

static void
alter_run(ks_creq_t *creq)
{
    int key = creq->hdr.request_api_key;
    bool legacy = key == KS_API_ALTER_CONFIGS, validate_only;
    ares_t *rs;
    int32_t n;

    if (legacy) {
        ks_alter_configs_req_t *req = creq->request;
        ks_alter_configs_resp_t *resp = creq->response;
        ks_alter_configs_req_alter_configs_resource_t *rr = req->resources.items;
        ks_alter_configs_resp_alter_configs_resource_response_t *out;

        n = req->resources.count > 0 ? req->resources.count : 0;
        validate_only = req->validate_only;
        out = ks_arena_alloc(&creq->arena, sizeof(*out) * (size_t) (n ? n : 1));
        rs = ks_arena_alloc(&creq->arena, sizeof(*rs) * (size_t) (n ? n : 1));
        if (out == NULL || rs == NULL)
            goto oom;
        resp->responses = (ks_array_t) { out, n };
        for (int32_t i = 0; i < n; i++) {
            ks_alter_configs_req_alterable_config_t *cs = rr[i].configs.items;
            int32_t nc = rr[i].configs.count > 0 ? rr[i].configs.count : 0;

            out[i].resource_type = rr[i].resource_type;
            out[i].resource_name = rr[i].resource_name.len >= 0 ? rr[i].resource_name : KS_STR_LIT("");
            out[i].error_message = KS_STR_NULL;
            rs[i] = (ares_t) { rr[i].resource_type, rr[i].resource_name, NULL, nc, &out[i].error_code,
                               &out[i].error_message };
            rs[i].cops = ks_arena_alloc(&creq->arena, sizeof(cop_t) * (size_t) (nc ? nc : 1));
            if (rs[i].cops == NULL)
                goto oom;
            for (int32_t j = 0; j < nc; j++)
                rs[i].cops[j] = (cop_t) { cs[j].name, OP_REPLACE, cs[j].value };
        }
    } else {
        ks_incremental_alter_configs_req_t *req = creq->request;
        ks_incremental_alter_configs_resp_t *resp = creq->response;
        ks_incremental_alter_configs_req_alter_configs_resource_t *rr = req->resources.items;
        ks_incremental_alter_configs_resp_alter_configs_resource_response_t *out;

        n = req->resources.count > 0 ? req->resources.count : 0;
        validate_only = req->validate_only;
        out = ks_arena_alloc(&creq->arena, sizeof(*out) * (size_t) (n ? n : 1));
        rs = ks_arena_alloc(&creq->arena, sizeof(*rs) * (size_t) (n ? n : 1));
        if (out == NULL || rs == NULL)
            goto oom;
        resp->responses = (ks_array_t) { out, n };
        for (int32_t i = 0; i < n; i++) {
            ks_incremental_alter_configs_req_alterable_config_t *cs = rr[i].configs.items;
            int32_t nc = rr[i].configs.count > 0 ? rr[i].configs.count : 0;

            out[i].resource_type = rr[i].resource_type;
            out[i].resource_name = rr[i].resource_name.len >= 0 ? rr[i].resource_name : KS_STR_LIT("");
            out[i].error_message = KS_STR_NULL;
            rs[i] = (ares_t) { rr[i].resource_type, rr[i].resource_name, NULL, nc, &out[i].error_code,
                               &out[i].error_message };
            rs[i].cops = ks_arena_alloc(&creq->arena, sizeof(cop_t) * (size_t) (nc ? nc : 1));
            if (rs[i].cops == NULL)
                goto oom;
            for (int32_t j = 0; j < nc; j++)
                rs[i].cops[j] = (cop_t) { cs[j].name, cs[j].config_operation, cs[j].value };
        }
    }

    creq->outstanding = 1;
    for (int32_t i = 0; i < n; i++) {
        ares_t *r = &rs[i];
        bool dup = false;

        *r->ec = KS_ERR_NONE;
        for (int32_t j = 0; j < n; j++)
            if (j != i && rs[j].type == r->type && rs[j].name.len == r->name.len &&
                (r->name.len <= 0 || memcmp(rs[j].name.p, r->name.p, (size_t) r->name.len) == 0))
                dup = true;
        if (dup) {
            *r->ec = KS_ERR_INVALID_REQUEST;
            *r->msg = KS_STR_LIT("Duplicate resource in request");
            continue;
        }
        if (r->type != RES_TOPIC && r->type != RES_BROKER && r->type != RES_BROKER_LOGGER) {
            *r->ec = KS_ERR_INVALID_REQUEST;
            *r->msg = afmt(creq, "Unsupported resource type: %d", r->type);
            continue;
        }
        if (!config_authorized(creq, r->type, r->name, KS_ACL_OP_ALTER_CONFIGS, r->ec))
            continue;
        *r->ec = precheck(creq, r->cops, r->ncops, r->msg);
        if (*r->ec != KS_ERR_NONE)
            continue;
        if (r->type == RES_TOPIC)
            alter_topic(creq, r->name, r->cops, r->ncops, legacy, validate_only, r->ec, r->msg);
        else
            alter_broker(creq, r->type, r->name, r->cops, r->ncops, r->ec, r->msg);
    }
    alter_done(creq);
    return;

oom:
    ks_creq_close(creq);
    aq_busy = false;
    aq_drain();
}

/* Starts queued alterations while none is in progress. */
static void
aq_drain(void)
{
    if (aq_draining)
        return;
    aq_draining = true;
    while (!aq_busy && aq_head != NULL) {
        aq_node_t *q = aq_head;
        ks_creq_t *creq = q->creq;

        aq_head = q->next;
        if (aq_head == NULL)
            aq_tail = NULL;
        free(q);
        aq_busy = true;
        alter_run(creq);
    }
    aq_draining = false;
}

static void
alter_enqueue(ks_creq_t *creq)
{
    aq_node_t *q = calloc(1, sizeof(*q));

    if (q == NULL) {
        ks_creq_close(creq);
        return;
    }
    q->creq = creq;
    if (aq_tail != NULL)
        aq_tail->next = q;
    else
        aq_head = q;
    aq_tail = q;
    aq_drain();
}

void
ks_h_alter_configs(ks_creq_t *creq)
{
    alter_enqueue(creq);
}

void
ks_h_incremental_alter_configs(ks_creq_t *creq)
{
    alter_enqueue(creq);
}
