#include "config.h"

/*
 * codec.c: the table-driven Kafka wire codec engine (arena, reader, writer,
 * schema walker).  Runs in: workers (every request), coordinator, tools.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"
#include "util.h"

/* ----- arena ----- */

struct ks_arena_chunk {
    ks_arena_chunk_t *next;
    size_t size;               /* usable bytes in data */
    size_t used;
    uint64_t data[];           /* 8-byte aligned */
};

#define KS_ARENA_MIN_CHUNK 4096

void ks_arena_init(ks_arena_t *a, size_t limit)
{
    a->head = NULL;
    a->total = 0;
    a->limit = limit;
}

void *ks_arena_alloc(ks_arena_t *a, size_t n)
{
    ks_arena_chunk_t *c;
    uint8_t *p;

    if (a == NULL)
        return NULL;
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + 7) & ~(size_t) 7;
    if (a->limit != 0 && (n > a->limit || a->total > a->limit - n))
        return NULL;
    c = a->head;
    if (c == NULL || c->size - c->used < n) {
        size_t sz = c != NULL ? c->size * 2 : KS_ARENA_MIN_CHUNK;
        if (sz > (size_t) 1 << 20)
            sz = (size_t) 1 << 20;
        if (sz < n)
            sz = n;
        c = malloc(sizeof(*c) + sz);
        if (c == NULL)
            return NULL;
        c->size = sz;
        c->used = 0;
        /* A big one-off allocation goes behind the current chunk, so the
         * current chunk's free space stays usable. */
        if (a->head != NULL && sz == n && a->head->size - a->head->used > 256) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    p = (uint8_t *) c->data + c->used;
    c->used += n;
    a->total += n;
    memset(p, 0, n);
    return p;
}

ks_str_t ks_arena_strdup(ks_arena_t *a, const char *s, int32_t len)
{
    char *p;

    if (s == NULL || len < 0)
        return KS_STR_NULL;
    p = ks_arena_alloc(a, (size_t) len + 1);
    if (p == NULL)
        return KS_STR_NULL;
    memcpy(p, s, (size_t) len);
    p[len] = '\0';
    return (ks_str_t) { p, len };
}

void ks_arena_reset(ks_arena_t *a)
{
    ks_arena_chunk_t *c, *next, *keep = NULL;

    /* Keep the largest chunk for the next request, free the rest. */
    for (c = a->head; c != NULL; c = c->next)
        if (keep == NULL || c->size > keep->size)
            keep = c;
    for (c = a->head; c != NULL; c = next) {
        next = c->next;
        if (c != keep)
            free(c);
    }
    if (keep != NULL) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->head = keep;
    a->total = 0;
}

void ks_arena_free(ks_arena_t *a)
{
    ks_arena_chunk_t *c, *next;

    for (c = a->head; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    a->head = NULL;
    a->total = 0;
}

/* ----- reader ----- */

static inline bool rd_need(ks_reader_t *r, size_t n)
{
    if (ks_likely((size_t) (r->end - r->p) >= n))
        return true;
    if (r->err == 0)
        r->err = KS_DECODE_SHORT;
    r->p = r->end;
    return false;
}

static void rd_fail(ks_reader_t *r, int err)
{
    if (r->err == 0)
        r->err = err;
    r->p = r->end;
}

int8_t ks_read_i8(ks_reader_t *r)
{
    if (!rd_need(r, 1))
        return 0;
    return (int8_t) *r->p++;
}

int16_t ks_read_i16(ks_reader_t *r)
{
    uint16_t v;

    if (!rd_need(r, 2))
        return 0;
    v = ks_be16(r->p);
    r->p += 2;
    return (int16_t) v;
}

int32_t ks_read_i32(ks_reader_t *r)
{
    uint32_t v;

    if (!rd_need(r, 4))
        return 0;
    v = ks_be32(r->p);
    r->p += 4;
    return (int32_t) v;
}

int64_t ks_read_i64(ks_reader_t *r)
{
    uint64_t v;

    if (!rd_need(r, 8))
        return 0;
    v = ks_be64(r->p);
    r->p += 8;
    return (int64_t) v;
}

uint32_t ks_read_uvarint(ks_reader_t *r)
{
    uint32_t v = 0;
    int shift;

    for (shift = 0; shift < 35; shift += 7) {
        uint8_t b;
        if (!rd_need(r, 1))
            return 0;
        b = *r->p++;
        if (shift == 28 && (b & 0xf0) != 0) {
            rd_fail(r, KS_DECODE_INVALID);
            return 0;
        }
        v |= (uint32_t) (b & 0x7f) << shift;
        if ((b & 0x80) == 0)
            return v;
    }
    return 0;   /* not reached */
}

int32_t ks_read_varint(ks_reader_t *r)
{
    uint32_t u = ks_read_uvarint(r);

    return (int32_t) ((u >> 1) ^ (~(u & 1) + 1));
}

int64_t ks_read_varlong(ks_reader_t *r)
{
    uint64_t u = 0;
    int shift;

    for (shift = 0; shift < 70; shift += 7) {
        uint8_t b;
        if (!rd_need(r, 1))
            return 0;
        b = *r->p++;
        if (shift == 63 && (b & 0xfe) != 0) {
            rd_fail(r, KS_DECODE_INVALID);
            return 0;
        }
        u |= (uint64_t) (b & 0x7f) << shift;
        if ((b & 0x80) == 0)
            return (int64_t) ((u >> 1) ^ (~(u & 1) + 1));
    }
    return 0;   /* not reached */
}

/* ----- writer ----- */

void ks_writer_init(ks_writer_t *w, size_t initial)
{
    w->buf = NULL;
    w->len = 0;
    w->cap = 0;
    w->err = 0;
    if (initial > 0) {
        w->buf = malloc(initial);
        if (w->buf == NULL)
            w->err = KS_DECODE_NOMEM;
        else
            w->cap = initial;
    }
}

void ks_writer_free(ks_writer_t *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

uint8_t *ks_writer_steal(ks_writer_t *w, size_t *len)
{
    uint8_t *b = w->buf;

    if (len != NULL)
        *len = w->len;
    w->buf = NULL;
    w->len = w->cap = 0;
    return b;
}

/* Makes room for n more bytes; false (and w->err) when out of memory. */
static bool wr_room(ks_writer_t *w, size_t n)
{
    size_t cap;
    uint8_t *nb;

    if (ks_likely(w->cap - w->len >= n))
        return w->err == 0;
    if (w->err != 0)
        return false;
    if (n > SIZE_MAX / 4 - w->len) {
        w->err = KS_DECODE_NOMEM;
        return false;
    }
    cap = w->cap != 0 ? w->cap : 256;
    while (cap - w->len < n)
        cap *= 2;
    nb = realloc(w->buf, cap);
    if (nb == NULL) {
        w->err = KS_DECODE_NOMEM;
        return false;
    }
    w->buf = nb;
    w->cap = cap;
    return true;
}

void ks_write_bytes(ks_writer_t *w, const void *p, size_t n)
{
    if (n == 0 || !wr_room(w, n))
        return;
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

void ks_write_i8(ks_writer_t *w, int8_t v)
{
    if (!wr_room(w, 1))
        return;
    w->buf[w->len++] = (uint8_t) v;
}

void ks_write_i16(ks_writer_t *w, int16_t v)
{
    if (!wr_room(w, 2))
        return;
    ks_put_be16(w->buf + w->len, (uint16_t) v);
    w->len += 2;
}

void ks_write_i32(ks_writer_t *w, int32_t v)
{
    if (!wr_room(w, 4))
        return;
    ks_put_be32(w->buf + w->len, (uint32_t) v);
    w->len += 4;
}

void ks_write_i64(ks_writer_t *w, int64_t v)
{
    if (!wr_room(w, 8))
        return;
    ks_put_be64(w->buf + w->len, (uint64_t) v);
    w->len += 8;
}

static size_t uvarint_put(uint8_t *p, uint64_t v)
{
    size_t n = 0;

    while (v >= 0x80) {
        p[n++] = (uint8_t) (v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t) v;
    return n;
}

void ks_write_uvarint(ks_writer_t *w, uint32_t v)
{
    if (!wr_room(w, 5))
        return;
    w->len += uvarint_put(w->buf + w->len, v);
}

void ks_write_varint(ks_writer_t *w, int32_t v)
{
    ks_write_uvarint(w, ((uint32_t) v << 1) ^ (uint32_t) (v >> 31));
}

void ks_write_varlong(ks_writer_t *w, int64_t v)
{
    if (!wr_room(w, 10))
        return;
    w->len += uvarint_put(w->buf + w->len, ((uint64_t) v << 1) ^ (uint64_t) (v >> 63));
}

size_t ks_write_reserve32(ks_writer_t *w)
{
    size_t pos = w->len;

    ks_write_i32(w, 0);
    return pos;
}

void ks_write_patch32(ks_writer_t *w, size_t pos, int32_t v)
{
    if (w->err != 0 || pos > w->len || w->len - pos < 4)
        return;
    ks_put_be32(w->buf + pos, (uint32_t) v);
}

/* ----- schema walker ----- */

static inline bool f_in(const ks_field_t *f, int v)
{
    return v >= f->vmin && v <= f->vmax;
}

static inline bool f_tagged(const ks_field_t *f, int v, bool flex)
{
    return flex && f->tag_min != KS_V_NONE && v >= f->tag_min;
}

static inline bool f_nullable(const ks_field_t *f, int v)
{
    return f->nullable_min != KS_V_NONE && v >= f->nullable_min;
}

static size_t prim_size(int type)
{
    switch (type) {
    case KS_F_BOOL:    return sizeof(bool);
    case KS_F_INT8:    return 1;
    case KS_F_INT16:
    case KS_F_UINT16:  return 2;
    case KS_F_INT32:
    case KS_F_UINT32:  return 4;
    case KS_F_INT64:   return 8;
    case KS_F_FLOAT64: return sizeof(double);
    case KS_F_UUID:    return sizeof(ks_uuid_t);
    case KS_F_STRING:  return sizeof(ks_str_t);
    case KS_F_BYTES:
    case KS_F_RECORDS: return sizeof(ks_bytes_t);
    default:           return 0;
    }
}

static void set_default(const ks_field_t *f, int v, void *p)
{
    switch (f->type) {
    case KS_F_BOOL:    *(bool *) p = f->def != 0; break;
    case KS_F_INT8:    *(int8_t *) p = (int8_t) f->def; break;
    case KS_F_INT16:   *(int16_t *) p = (int16_t) f->def; break;
    case KS_F_UINT16:  *(uint16_t *) p = (uint16_t) f->def; break;
    case KS_F_INT32:   *(int32_t *) p = (int32_t) f->def; break;
    case KS_F_UINT32:  *(uint32_t *) p = (uint32_t) f->def; break;
    case KS_F_INT64:   *(int64_t *) p = f->def; break;
    case KS_F_FLOAT64: *(double *) p = (double) f->def; break;
    case KS_F_UUID:    memset(p, 0, sizeof(ks_uuid_t)); break;
    case KS_F_STRING:
        *(ks_str_t *) p = f->def < 0 ? KS_STR_NULL : (ks_str_t) { NULL, 0 };
        break;
    case KS_F_BYTES:
    case KS_F_RECORDS:
        *(ks_bytes_t *) p = f->def < 0 ? KS_BYTES_NULL : (ks_bytes_t) { NULL, 0 };
        break;
    case KS_F_ARRAY:
        *(ks_array_t *) p = f->def < 0 ? (ks_array_t) { NULL, -1 } : KS_ARRAY_EMPTY;
        break;
    case KS_F_STRUCT:
        ks_schema_defaults(f->sub, v, p);
        break;
    case KS_F_NSTRUCT:
        *(void **) p = NULL;
        break;
    default:
        break;
    }
}

void ks_schema_defaults(const ks_schema_t *s, int version, void *out)
{
    uint16_t i;

    memset(out, 0, s->size);
    for (i = 0; i < s->nfields; i++)
        set_default(&s->fields[i], version, (uint8_t *) out + s->fields[i].offset);
}

static int dec_struct(const ks_schema_t *s, int v, bool flex, ks_reader_t *r,
                      void *out, ks_arena_t *a);

/* Reads a length-prefixed size: compact (uvarint N+1) or classic (int16 or
 * int32 by `wide`).  Returns -1 for null, -2 on error (r->err set). */
static int64_t dec_len(ks_reader_t *r, bool cflex, bool wide)
{
    int64_t n;

    if (cflex) {
        uint32_t u = ks_read_uvarint(r);
        if (r->err)
            return -2;
        return (int64_t) u - 1;
    }
    n = wide ? ks_read_i32(r) : ks_read_i16(r);
    if (r->err)
        return -2;
    if (n < -1) {
        rd_fail(r, KS_DECODE_INVALID);
        return -2;
    }
    return n;
}

/* Decodes one value of type `type` (element or field) at p. */
static int dec_value(const ks_field_t *f, int type, bool nullable, int v, bool flex,
                     ks_reader_t *r, void *p, ks_arena_t *a)
{
    bool cflex = flex && !f->never_flexible;
    int64_t n;

    switch (type) {
    case KS_F_BOOL:    *(bool *) p = ks_read_i8(r) != 0; break;
    case KS_F_INT8:    *(int8_t *) p = ks_read_i8(r); break;
    case KS_F_INT16:   *(int16_t *) p = ks_read_i16(r); break;
    case KS_F_UINT16:  *(uint16_t *) p = (uint16_t) ks_read_i16(r); break;
    case KS_F_INT32:   *(int32_t *) p = ks_read_i32(r); break;
    case KS_F_UINT32:  *(uint32_t *) p = (uint32_t) ks_read_i32(r); break;
    case KS_F_INT64:   *(int64_t *) p = ks_read_i64(r); break;
    case KS_F_FLOAT64: {
        uint64_t u = (uint64_t) ks_read_i64(r);
        double d;
        memcpy(&d, &u, sizeof(d));
        *(double *) p = d;
        break;
    }
    case KS_F_UUID:
        if (rd_need(r, 16)) {
            memcpy(p, r->p, 16);
            r->p += 16;
        }
        break;
    case KS_F_STRING:
    case KS_F_BYTES:
    case KS_F_RECORDS:
        n = dec_len(r, cflex, type != KS_F_STRING);
        if (n == -2)
            return KS_ERROR;
        if (n == -1) {
            if (!nullable) {
                rd_fail(r, KS_DECODE_INVALID);
                return KS_ERROR;
            }
            if (type == KS_F_STRING)
                *(ks_str_t *) p = KS_STR_NULL;
            else
                *(ks_bytes_t *) p = KS_BYTES_NULL;
            break;
        }
        if (n > INT32_MAX || (uint64_t) n > ks_reader_left(r)) {
            rd_fail(r, KS_DECODE_SHORT);
            return KS_ERROR;
        }
        if (type == KS_F_STRING)
            *(ks_str_t *) p = (ks_str_t) { (const char *) r->p, (int32_t) n };
        else
            *(ks_bytes_t *) p = (ks_bytes_t) { r->p, (int32_t) n };
        r->p += n;
        break;
    case KS_F_STRUCT:
        return dec_struct(f->sub, v, flex, r, p, a);
    case KS_F_NSTRUCT: {
        int8_t m = ks_read_i8(r);
        void *sp;
        if (r->err)
            return KS_ERROR;
        if (m < 0) {
            if (!nullable) {
                rd_fail(r, KS_DECODE_INVALID);
                return KS_ERROR;
            }
            *(void **) p = NULL;
            break;
        }
        sp = ks_arena_alloc(a, f->sub->size);
        if (sp == NULL) {
            rd_fail(r, KS_DECODE_NOMEM);
            return KS_ERROR;
        }
        *(void **) p = sp;
        return dec_struct(f->sub, v, flex, r, sp, a);
    }
    case KS_F_ARRAY: {
        ks_array_t *arr = p;
        size_t esz = f->sub != NULL ? f->sub->size : prim_size(f->elem);
        uint8_t *items;
        int32_t i;

        n = dec_len(r, cflex, true);
        if (n == -2)
            return KS_ERROR;
        if (n == -1) {
            if (!nullable) {
                rd_fail(r, KS_DECODE_INVALID);
                return KS_ERROR;
            }
            *arr = (ks_array_t) { NULL, -1 };
            break;
        }
        /* Every element takes at least one byte on the wire. */
        if ((uint64_t) n > ks_reader_left(r) || esz == 0) {
            rd_fail(r, KS_DECODE_INVALID);
            return KS_ERROR;
        }
        if (n == 0) {
            *arr = KS_ARRAY_EMPTY;
            break;
        }
        items = ks_arena_alloc(a, (size_t) n * esz);
        if (items == NULL) {
            rd_fail(r, KS_DECODE_NOMEM);
            return KS_ERROR;
        }
        arr->items = items;
        arr->count = (int32_t) n;
        for (i = 0; i < (int32_t) n; i++) {
            int rc;
            if (f->sub != NULL)
                rc = dec_struct(f->sub, v, flex, r, items + (size_t) i * esz, a);
            else
                rc = dec_value(f, f->elem, false, v, flex, r, items + (size_t) i * esz, a);
            if (rc != KS_OK)
                return KS_ERROR;
        }
        break;
    }
    default:
        rd_fail(r, KS_DECODE_INVALID);
        return KS_ERROR;
    }
    return r->err ? KS_ERROR : KS_OK;
}

static int dec_tagged(const ks_schema_t *s, int v, ks_reader_t *r, void *out, ks_arena_t *a)
{
    uint32_t count, i;

    count = ks_read_uvarint(r);
    for (i = 0; i < count && r->err == 0; i++) {
        uint32_t tag = ks_read_uvarint(r);
        uint32_t size = ks_read_uvarint(r);
        uint16_t j;

        if (r->err)
            break;
        if (size > ks_reader_left(r)) {
            rd_fail(r, KS_DECODE_SHORT);
            break;
        }
        for (j = 0; j < s->nfields; j++) {
            const ks_field_t *f = &s->fields[j];
            if (f_in(f, v) && f_tagged(f, v, true) && (uint32_t) f->tag == tag) {
                ks_reader_t sub;
                ks_reader_init(&sub, r->p, size);
                if (dec_value(f, f->type, f_nullable(f, v), v, true, &sub,
                              (uint8_t *) out + f->offset, a) != KS_OK) {
                    rd_fail(r, sub.err == KS_DECODE_NOMEM ? KS_DECODE_NOMEM
                                                          : KS_DECODE_INVALID);
                    return KS_ERROR;
                }
                break;
            }
        }
        r->p += size;   /* unknown tags are skipped */
    }
    return r->err ? KS_ERROR : KS_OK;
}

static int dec_struct(const ks_schema_t *s, int v, bool flex, ks_reader_t *r,
                      void *out, ks_arena_t *a)
{
    uint16_t i;

    for (i = 0; i < s->nfields; i++) {
        const ks_field_t *f = &s->fields[i];
        void *p = (uint8_t *) out + f->offset;

        if (!f_in(f, v) || f_tagged(f, v, flex)) {
            set_default(f, v, p);
            continue;
        }
        if (dec_value(f, f->type, f_nullable(f, v), v, flex, r, p, a) != KS_OK)
            return KS_ERROR;
    }
    if (flex)
        return dec_tagged(s, v, r, out, a);
    return KS_OK;
}

int ks_decode(const ks_schema_t *s, int version, bool flexible,
              ks_reader_t *r, void *out, ks_arena_t *a)
{
    memset(out, 0, s->size);
    if (r->err)
        return KS_ERROR;
    if (dec_struct(s, version, flexible, r, out, a) != KS_OK || r->err) {
        if (r->err == 0)
            r->err = KS_DECODE_INVALID;
        return KS_ERROR;
    }
    return KS_OK;
}

/* ----- encoder ----- */

static bool struct_is_default(const ks_schema_t *s, int v, const void *in);

/* Whether a (tagged) field holds its default value and may be left out. */
static bool is_default(const ks_field_t *f, int v, const void *p)
{
    static const ks_uuid_t zero_uuid;

    switch (f->type) {
    case KS_F_BOOL:    return *(const bool *) p == (f->def != 0);
    case KS_F_INT8:    return *(const int8_t *) p == (int8_t) f->def;
    case KS_F_INT16:   return *(const int16_t *) p == (int16_t) f->def;
    case KS_F_UINT16:  return *(const uint16_t *) p == (uint16_t) f->def;
    case KS_F_INT32:   return *(const int32_t *) p == (int32_t) f->def;
    case KS_F_UINT32:  return *(const uint32_t *) p == (uint32_t) f->def;
    case KS_F_INT64:   return *(const int64_t *) p == f->def;
    case KS_F_FLOAT64: return *(const double *) p == (double) f->def;
    case KS_F_UUID:    return memcmp(p, &zero_uuid, sizeof(zero_uuid)) == 0;
    case KS_F_STRING:
        return ((const ks_str_t *) p)->len == (f->def < 0 ? -1 : 0);
    case KS_F_BYTES:
    case KS_F_RECORDS:
        return ((const ks_bytes_t *) p)->len == (f->def < 0 ? -1 : 0);
    case KS_F_ARRAY:
        return ((const ks_array_t *) p)->count == (f->def < 0 ? -1 : 0);
    case KS_F_STRUCT:
        return struct_is_default(f->sub, v, p);
    case KS_F_NSTRUCT:
        return *(void *const *) p == NULL;
    default:
        return true;
    }
}

static bool struct_is_default(const ks_schema_t *s, int v, const void *in)
{
    uint16_t i;

    for (i = 0; i < s->nfields; i++) {
        const ks_field_t *f = &s->fields[i];
        if (f_in(f, v) && !is_default(f, v, (const uint8_t *) in + f->offset))
            return false;
    }
    return true;
}

static int enc_struct(const ks_schema_t *s, int v, bool flex, ks_writer_t *w, const void *in);

static void enc_len(ks_writer_t *w, bool cflex, bool wide, int32_t n)
{
    if (cflex)
        ks_write_uvarint(w, (uint32_t) n + 1);
    else if (wide)
        ks_write_i32(w, n);
    else
        ks_write_i16(w, (int16_t) n);
}

static int enc_value(const ks_field_t *f, int type, bool nullable, int v, bool flex,
                     ks_writer_t *w, const void *p)
{
    bool cflex = flex && !f->never_flexible;

    switch (type) {
    case KS_F_BOOL:    ks_write_i8(w, *(const bool *) p ? 1 : 0); break;
    case KS_F_INT8:    ks_write_i8(w, *(const int8_t *) p); break;
    case KS_F_INT16:   ks_write_i16(w, *(const int16_t *) p); break;
    case KS_F_UINT16:  ks_write_i16(w, (int16_t) *(const uint16_t *) p); break;
    case KS_F_INT32:   ks_write_i32(w, *(const int32_t *) p); break;
    case KS_F_UINT32:  ks_write_i32(w, (int32_t) *(const uint32_t *) p); break;
    case KS_F_INT64:   ks_write_i64(w, *(const int64_t *) p); break;
    case KS_F_FLOAT64: {
        uint64_t u;
        memcpy(&u, p, sizeof(u));
        ks_write_i64(w, (int64_t) u);
        break;
    }
    case KS_F_UUID:    ks_write_bytes(w, p, 16); break;
    case KS_F_STRING:
    case KS_F_BYTES:
    case KS_F_RECORDS: {
        const void *data;
        int32_t n;
        if (type == KS_F_STRING) {
            data = ((const ks_str_t *) p)->p;
            n = ((const ks_str_t *) p)->len;
        } else {
            data = ((const ks_bytes_t *) p)->p;
            n = ((const ks_bytes_t *) p)->len;
        }
        if (n < -1 || (n == -1 && !nullable) || (n > 0 && data == NULL))
            return KS_ERROR;
        if (type == KS_F_STRING && !cflex && n > INT16_MAX)
            return KS_ERROR;
        enc_len(w, cflex, type != KS_F_STRING, n);
        if (n > 0)
            ks_write_bytes(w, data, (size_t) n);
        break;
    }
    case KS_F_STRUCT:
        return enc_struct(f->sub, v, flex, w, p);
    case KS_F_NSTRUCT: {
        const void *sp = *(void *const *) p;
        if (sp == NULL) {
            if (!nullable)
                return KS_ERROR;
            ks_write_i8(w, -1);
            break;
        }
        ks_write_i8(w, 1);
        return enc_struct(f->sub, v, flex, w, sp);
    }
    case KS_F_ARRAY: {
        const ks_array_t *arr = p;
        size_t esz = f->sub != NULL ? f->sub->size : prim_size(f->elem);
        int32_t i;

        if (arr->count < -1 || (arr->count == -1 && !nullable)
            || (arr->count > 0 && arr->items == NULL) || esz == 0)
            return KS_ERROR;
        enc_len(w, cflex, true, arr->count);
        for (i = 0; i < arr->count; i++) {
            const uint8_t *e = (const uint8_t *) arr->items + (size_t) i * esz;
            int rc = f->sub != NULL ? enc_struct(f->sub, v, flex, w, e)
                                    : enc_value(f, f->elem, false, v, flex, w, e);
            if (rc != KS_OK)
                return KS_ERROR;
        }
        break;
    }
    default:
        return KS_ERROR;
    }
    return w->err ? KS_ERROR : KS_OK;
}

/* Writes one tagged field: tag, size, value; the size is inserted in front
 * of the value once the value has been written. */
static int enc_tagged_field(const ks_field_t *f, int v, ks_writer_t *w, const void *p)
{
    uint8_t tmp[5];
    size_t pos, n, vl;

    ks_write_uvarint(w, (uint32_t) f->tag);
    pos = w->len;
    if (enc_value(f, f->type, f_nullable(f, v), v, true, w, p) != KS_OK)
        return KS_ERROR;
    n = w->len - pos;
    if (n > UINT32_MAX)
        return KS_ERROR;
    vl = uvarint_put(tmp, (uint32_t) n);
    if (!wr_room(w, vl))
        return KS_ERROR;
    memmove(w->buf + pos + vl, w->buf + pos, n);
    memcpy(w->buf + pos, tmp, vl);
    w->len += vl;
    return KS_OK;
}

static int enc_struct(const ks_schema_t *s, int v, bool flex, ks_writer_t *w, const void *in)
{
    uint16_t i;
    uint32_t ntag = 0, k;
    int last = -1;

    for (i = 0; i < s->nfields; i++) {
        const ks_field_t *f = &s->fields[i];
        const void *p = (const uint8_t *) in + f->offset;

        if (!f_in(f, v))
            continue;
        if (f_tagged(f, v, flex)) {
            if (!is_default(f, v, p))
                ntag++;
            continue;
        }
        if (enc_value(f, f->type, f_nullable(f, v), v, flex, w, p) != KS_OK)
            return KS_ERROR;
    }
    if (!flex)
        return KS_OK;
    ks_write_uvarint(w, ntag);
    /* Tagged fields go out in ascending tag order. */
    for (k = 0; k < ntag; k++) {
        const ks_field_t *best = NULL;
        for (i = 0; i < s->nfields; i++) {
            const ks_field_t *f = &s->fields[i];
            if (f_in(f, v) && f_tagged(f, v, flex) && f->tag > last
                && (best == NULL || f->tag < best->tag)
                && !is_default(f, v, (const uint8_t *) in + f->offset))
                best = f;
        }
        if (best == NULL)
            return KS_ERROR;
        if (enc_tagged_field(best, v, w, (const uint8_t *) in + best->offset) != KS_OK)
            return KS_ERROR;
        last = best->tag;
    }
    return w->err ? KS_ERROR : KS_OK;
}

int ks_encode(const ks_schema_t *s, int version, bool flexible,
              ks_writer_t *w, const void *in)
{
    if (w->err)
        return KS_ERROR;
    return enc_struct(s, version, flexible, w, in);
}
