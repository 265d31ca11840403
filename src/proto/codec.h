/*
 * codec.h: the Kafka wire codec engine.
 *
 * Table-driven: each message (request or response body) is described by a
 * ks_schema_t, an array of ks_field_t that says for every field its wire
 * type, the versions it is on the wire, whether it may be null, whether it
 * is a tagged field, and where it lives in the C struct (offsetof).  One
 * engine decodes any message into its struct and encodes any struct.
 *
 * Decoded strings, bytes and records are views into the request frame: the
 * frame must outlive the decoded struct.  Arrays are allocated from an
 * arena that lives as long as the request.
 *
 * The per-API structs (ks_<api>_req_t, ks_<api>_resp_t, ...) keep Kafka's
 * field names in snake_case; see api.h.
 */
#ifndef KS_PROTO_CODEC_H
#define KS_PROTO_CODEC_H

#include <stddef.h>
#include <string.h>

#include "ks.h"

/* A string view; len == -1 means null. Not NUL-terminated. */
typedef struct {
    const char *p;
    int32_t len;
} ks_str_t;

/* A byte view (bytes and records); len == -1 means null. */
typedef struct {
    const uint8_t *p;
    int32_t len;
} ks_bytes_t;

/* An array: `items` points at `count` elements (structs of the element
 * schema's size, or primitives); count == -1 means null. */
typedef struct {
    void *items;
    int32_t count;
} ks_array_t;

typedef struct {
    uint8_t b[16];
} ks_uuid_t;

#define KS_STR_NULL ((ks_str_t) { NULL, -1 })
#define KS_STR(s) ((ks_str_t) { (s), (int32_t) strlen(s) })
#define KS_STR_LIT(s) ((ks_str_t) { (s), (int32_t) (sizeof(s) - 1) })
#define KS_BYTES_NULL ((ks_bytes_t) { NULL, -1 })
#define KS_ARRAY_EMPTY ((ks_array_t) { NULL, 0 })

/* ----- arena: bump allocator freed all at once ----- */

typedef struct ks_arena_chunk ks_arena_chunk_t;
typedef struct {
    ks_arena_chunk_t *head;
    size_t total;     /* bytes handed out, for limits */
    size_t limit;     /* 0 = unlimited; allocation beyond fails */
} ks_arena_t;

void ks_arena_init(ks_arena_t *a, size_t limit);
/* Zeroed, 8-byte aligned memory; NULL when over the limit or out of memory. */
void *ks_arena_alloc(ks_arena_t *a, size_t n);
/* Copies a string into the arena (NUL-terminated, len excludes NUL). */
ks_str_t ks_arena_strdup(ks_arena_t *a, const char *s, int32_t len);
void ks_arena_reset(ks_arena_t *a);
void ks_arena_free(ks_arena_t *a);

/* ----- reader: bounds-checked; getters set err on underflow ----- */

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
    int err;           /* 0, or KS_ERR_DECODE_* below */
} ks_reader_t;

#define KS_DECODE_OK        0
#define KS_DECODE_SHORT     1   /* ran past the end of the buffer */
#define KS_DECODE_INVALID   2   /* impossible length, bad varint, null where not allowed */
#define KS_DECODE_NOMEM     3   /* arena limit */

static inline void ks_reader_init(ks_reader_t *r, const void *p, size_t len)
{
    r->p = (const uint8_t *) p;
    r->end = r->p + len;
    r->err = 0;
}
static inline size_t ks_reader_left(const ks_reader_t *r) { return (size_t) (r->end - r->p); }

int8_t   ks_read_i8(ks_reader_t *r);
int16_t  ks_read_i16(ks_reader_t *r);
int32_t  ks_read_i32(ks_reader_t *r);
int64_t  ks_read_i64(ks_reader_t *r);
uint32_t ks_read_uvarint(ks_reader_t *r);
int32_t  ks_read_varint(ks_reader_t *r);     /* zigzag */
int64_t  ks_read_varlong(ks_reader_t *r);    /* zigzag */

/* ----- writer: growable buffer ----- */

typedef struct {
    uint8_t *buf;
    size_t len;
    size_t cap;
    int err;           /* set when an allocation failed; further writes are dropped */
} ks_writer_t;

void ks_writer_init(ks_writer_t *w, size_t initial);
void ks_writer_free(ks_writer_t *w);
/* Hands the buffer to the caller (free() it); the writer is left empty. */
uint8_t *ks_writer_steal(ks_writer_t *w, size_t *len);
void ks_write_bytes(ks_writer_t *w, const void *p, size_t n);
void ks_write_i8(ks_writer_t *w, int8_t v);
void ks_write_i16(ks_writer_t *w, int16_t v);
void ks_write_i32(ks_writer_t *w, int32_t v);
void ks_write_i64(ks_writer_t *w, int64_t v);
void ks_write_uvarint(ks_writer_t *w, uint32_t v);
void ks_write_varint(ks_writer_t *w, int32_t v);
void ks_write_varlong(ks_writer_t *w, int64_t v);
/* Reserves 4 bytes for a length and returns their position; patch later. */
size_t ks_write_reserve32(ks_writer_t *w);
void ks_write_patch32(ks_writer_t *w, size_t pos, int32_t v);

/* ----- schemas ----- */

typedef enum {
    KS_F_BOOL = 1,
    KS_F_INT8,
    KS_F_INT16,
    KS_F_UINT16,
    KS_F_INT32,
    KS_F_UINT32,
    KS_F_INT64,
    KS_F_FLOAT64,
    KS_F_UUID,
    KS_F_STRING,
    KS_F_BYTES,
    KS_F_RECORDS,
    KS_F_STRUCT,       /* a nested struct stored inline at `offset` */
    KS_F_ARRAY,        /* ks_array_t; elements: `elem` (primitive) or `sub` (struct) */
    KS_F_NSTRUCT       /* a nullable struct: pointer at `offset`, NULL = null
                        * (wire: int8 -1 for null, 1 then the struct) */
} ks_ftype_t;

#define KS_V_NONE  (-1)   /* for nullable_min / tag_min / flex override: never */
#define KS_V_INF   127    /* "N+" upper bound */

typedef struct ks_schema ks_schema_t;

typedef struct {
    const char *name;          /* Kafka's field name, for diagnostics */
    uint8_t type;              /* ks_ftype_t */
    uint8_t elem;              /* array element type when sub == NULL */
    int8_t vmin, vmax;         /* versions the field exists in */
    int8_t nullable_min;       /* nullable from this version on; KS_V_NONE never */
    int8_t tag_min;            /* tagged from this version on; KS_V_NONE never */
    int16_t tag;               /* tag number when tagged */
    int8_t never_flexible;     /* field-level flexibleVersions "none" (header ClientId) */
    uint16_t offset;           /* offsetof in the C struct */
    const ks_schema_t *sub;    /* element / nested struct schema */
    int64_t def;               /* default for integer and bool fields */
} ks_field_t;

struct ks_schema {
    const char *name;
    uint16_t size;             /* sizeof the C struct */
    uint16_t nfields;
    const ks_field_t *fields;
};

/* Decodes a message body of `version` (flexible selects the compact/tagged
 * encoding) into `out` (size schema->size, zeroed and defaulted first).
 * Returns KS_OK, or KS_ERROR with r->err set. Trailing bytes are allowed
 * (Kafka ignores them). */
int ks_decode(const ks_schema_t *s, int version, bool flexible,
              ks_reader_t *r, void *out, ks_arena_t *a);

/* Sets every field of `out` to its default for `version`. */
void ks_schema_defaults(const ks_schema_t *s, int version, void *out);

/* Encodes `in` as a message body of `version`. Returns KS_OK or KS_ERROR
 * (w->err, or a null value in a non-nullable field). */
int ks_encode(const ks_schema_t *s, int version, bool flexible,
              ks_writer_t *w, const void *in);

/* ----- table-building helpers (used by the api_*.c schema tables) ----- */

/* A primitive field of struct T: KS_FLD(T, member, INT32, vmin, vmax,
 * nullable_min, tag_min, tag, default). */
#define KS_FLD(T, m, ty, v0, v1, n0, t0, tg, dflt) \
    { #m, KS_F_##ty, 0, v0, v1, n0, t0, tg, 0, (uint16_t) offsetof(T, m), NULL, dflt }
/* An array of primitives (elem type el). */
#define KS_FLD_ARR(T, m, el, v0, v1, n0, t0, tg, dflt) \
    { #m, KS_F_ARRAY, KS_F_##el, v0, v1, n0, t0, tg, 0, (uint16_t) offsetof(T, m), NULL, dflt }
/* A struct, nullable struct or array of structs described by schema `sub`. */
#define KS_FLD_SUB(T, m, ty, sub, v0, v1, n0, t0, tg, dflt) \
    { #m, KS_F_##ty, 0, v0, v1, n0, t0, tg, 0, (uint16_t) offsetof(T, m), sub, dflt }
#define KS_SCHEMA(T, fields) { #T, (uint16_t) sizeof(T), (uint16_t) KS_ARRAY_LEN(fields), fields }
#define KS_SCHEMA_EMPTY(T) { #T, (uint16_t) sizeof(T), 0, NULL }

#endif
