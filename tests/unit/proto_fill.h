/*
 * proto_fill.h: test helpers that walk a ks_schema_t to fill a message
 * with deterministic non-default values and to compare two messages field
 * by field.  Included by test_proto.c (and throwaway corpus generators).
 */
#ifndef KS_TEST_PROTO_FILL_H
#define KS_TEST_PROTO_FILL_H

#include <stdio.h>
#include <string.h>

#include "proto/codec.h"

typedef struct {
    ks_arena_t *a;
    uint32_t seq;       /* source of distinct values */
    bool nulls;         /* set nullable fields to null instead */
    int nelem;          /* elements per array */
} pf_ctx_t;

static bool pf_in(const ks_field_t *f, int v) { return v >= f->vmin && v <= f->vmax; }
static bool pf_nullable(const ks_field_t *f, int v)
{
    return f->nullable_min != KS_V_NONE && v >= f->nullable_min;
}

static size_t pf_prim_size(int t)
{
    switch (t) {
    case KS_F_BOOL: return sizeof(bool);
    case KS_F_INT8: return 1;
    case KS_F_INT16: case KS_F_UINT16: return 2;
    case KS_F_INT32: case KS_F_UINT32: return 4;
    case KS_F_INT64: case KS_F_FLOAT64: return 8;
    case KS_F_UUID: return 16;
    case KS_F_STRING: return sizeof(ks_str_t);
    case KS_F_BYTES: case KS_F_RECORDS: return sizeof(ks_bytes_t);
    default: return 0;
    }
}

static void pf_struct(pf_ctx_t *c, const ks_schema_t *s, int v, void *out, int depth);

/* One value of primitive type t, different from `def`. */
static void pf_prim(pf_ctx_t *c, int t, int64_t def, void *p)
{
    uint32_t n = ++c->seq;
    char buf[32];
    int len;

    switch (t) {
    case KS_F_BOOL: *(bool *) p = def == 0; break;
    case KS_F_INT8: *(int8_t *) p = (int8_t) (n % 100 + 5 == def ? n % 100 + 6 : n % 100 + 5); break;
    case KS_F_INT16: *(int16_t *) p = (int16_t) (1000 + n); break;
    case KS_F_UINT16: *(uint16_t *) p = (uint16_t) (40000 + n); break;
    case KS_F_INT32: *(int32_t *) p = (int32_t) (100000 + n); break;
    case KS_F_UINT32: *(uint32_t *) p = 3000000000u + n; break;
    case KS_F_INT64: *(int64_t *) p = (int64_t) 10000000000LL + n; break;
    case KS_F_FLOAT64: *(double *) p = n + 0.25; break;
    case KS_F_UUID: {
        int i;
        for (i = 0; i < 16; i++)
            ((uint8_t *) p)[i] = (uint8_t) (n + i);
        break;
    }
    case KS_F_STRING:
        len = snprintf(buf, sizeof(buf), "s%u", n);
        *(ks_str_t *) p = ks_arena_strdup(c->a, buf, len);
        break;
    case KS_F_BYTES:
    case KS_F_RECORDS: {
        uint8_t *b = ks_arena_alloc(c->a, 3 + n % 5);
        uint32_t i;
        for (i = 0; i < 3 + n % 5; i++)
            b[i] = (uint8_t) (n * 7 + i);
        *(ks_bytes_t *) p = (ks_bytes_t) { b, (int32_t) (3 + n % 5) };
        break;
    }
    default:
        break;
    }
}

static void pf_field(pf_ctx_t *c, const ks_field_t *f, int v, void *p, int depth)
{
    bool null = c->nulls && pf_nullable(f, v);

    switch (f->type) {
    case KS_F_STRUCT:
        pf_struct(c, f->sub, v, p, depth + 1);
        break;
    case KS_F_NSTRUCT:
        if (null) {
            *(void **) p = NULL;
        } else {
            void *sp = ks_arena_alloc(c->a, f->sub->size);
            ks_schema_defaults(f->sub, v, sp);
            pf_struct(c, f->sub, v, sp, depth + 1);
            *(void **) p = sp;
        }
        break;
    case KS_F_ARRAY: {
        ks_array_t *arr = p;
        size_t esz = f->sub != NULL ? f->sub->size : pf_prim_size(f->elem);
        int n = depth > 4 ? 1 : c->nelem, i;
        if (null) {
            *arr = (ks_array_t) { NULL, -1 };
            break;
        }
        arr->items = ks_arena_alloc(c->a, esz * (size_t) n);
        arr->count = n;
        for (i = 0; i < n; i++) {
            void *e = (uint8_t *) arr->items + esz * (size_t) i;
            if (f->sub != NULL) {
                ks_schema_defaults(f->sub, v, e);
                pf_struct(c, f->sub, v, e, depth + 1);
            } else {
                pf_prim(c, f->elem, 0, e);
            }
        }
        break;
    }
    case KS_F_STRING:
    case KS_F_BYTES:
    case KS_F_RECORDS:
        if (null) {
            if (f->type == KS_F_STRING)
                *(ks_str_t *) p = KS_STR_NULL;
            else
                *(ks_bytes_t *) p = KS_BYTES_NULL;
            break;
        }
        /* fall through */
    default:
        pf_prim(c, f->type, f->def, p);
        break;
    }
}

/* Fills every field that exists in version v; the others keep their
 * defaults (call ks_schema_defaults first). */
static void pf_struct(pf_ctx_t *c, const ks_schema_t *s, int v, void *out, int depth)
{
    uint16_t i;

    for (i = 0; i < s->nfields; i++)
        if (pf_in(&s->fields[i], v))
            pf_field(c, &s->fields[i], v, (uint8_t *) out + s->fields[i].offset, depth);
}

/* ----- comparison; returns the name of the first differing field ----- */

static const char *pf_cmp_struct(const ks_schema_t *s, int v, const void *x, const void *y);

static const char *pf_cmp_value(const ks_field_t *f, int t, int v, const void *x, const void *y)
{
    switch (t) {
    case KS_F_BOOL:
        return (*(const bool *) x != 0) == (*(const bool *) y != 0) ? NULL : f->name;
    case KS_F_STRING: {
        const ks_str_t *a = x, *b = y;
        if (a->len != b->len || (a->len > 0 && memcmp(a->p, b->p, (size_t) a->len) != 0))
            return f->name;
        return NULL;
    }
    case KS_F_BYTES:
    case KS_F_RECORDS: {
        const ks_bytes_t *a = x, *b = y;
        if (a->len != b->len || (a->len > 0 && memcmp(a->p, b->p, (size_t) a->len) != 0))
            return f->name;
        return NULL;
    }
    case KS_F_STRUCT:
        return pf_cmp_struct(f->sub, v, x, y);
    case KS_F_NSTRUCT: {
        const void *a = *(void *const *) x, *b = *(void *const *) y;
        if (a == NULL || b == NULL)
            return a == b ? NULL : f->name;
        return pf_cmp_struct(f->sub, v, a, b);
    }
    case KS_F_ARRAY: {
        const ks_array_t *a = x, *b = y;
        size_t esz = f->sub != NULL ? f->sub->size : pf_prim_size(f->elem);
        int32_t i;
        if (a->count != b->count)
            return f->name;
        for (i = 0; i < a->count; i++) {
            const void *ea = (const uint8_t *) a->items + esz * (size_t) i;
            const void *eb = (const uint8_t *) b->items + esz * (size_t) i;
            const char *d = f->sub != NULL ? pf_cmp_struct(f->sub, v, ea, eb)
                                           : pf_cmp_value(f, f->elem, v, ea, eb);
            if (d != NULL)
                return d;
        }
        return NULL;
    }
    default:
        return memcmp(x, y, pf_prim_size(t)) == 0 ? NULL : f->name;
    }
}

static const char *pf_cmp_struct(const ks_schema_t *s, int v, const void *x, const void *y)
{
    uint16_t i;

    for (i = 0; i < s->nfields; i++) {
        const ks_field_t *f = &s->fields[i];
        const char *d = pf_cmp_value(f, f->type, v, (const uint8_t *) x + f->offset,
                                     (const uint8_t *) y + f->offset);
        if (d != NULL)
            return d;
    }
    return NULL;
}

#endif
