/* The value tree: what YAML and JSON documents, chart values, template data
 * and Kubernetes objects are made of.
 *
 * Ownership: every node lives in an arena (core/arena.h) and dies with it;
 * nothing here is freed on its own. Nodes are handled by pointer, so two
 * holders of one map see each other's changes, as Go's maps and slices do.
 * A tree may share subtrees (aliases, template values); val_copy() makes a
 * deep copy when a holder needs its own.
 *
 * Maps keep insertion order (YAML and kustomize need it) and build a hash
 * index once they grow past a few entries, so lookups in large maps are O(1). */
#ifndef PKG_CORE_VALUE_H
#define PKG_CORE_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

enum val_kind {
    VAL_NULL,
    VAL_BOOL,
    VAL_INT,    /* int64 */
    VAL_FLOAT,  /* double */
    VAL_STRING, /* length-counted bytes, also NUL-terminated */
    VAL_SEQ,
    VAL_MAP,
    VAL_OBJ, /* an opaque object of another module (Helm's .Files, a time, ...) */
};

/* The Go type a value stands for, where the template engine must show it
 * (%T, typeOf, kindIs) or follow the type's rules. VAL_GO_AUTO is the natural
 * type of the kind: <nil>, bool, int, float64, string, []interface {},
 * map[string]interface {}. Core sets nothing else; render/ owns the meaning. */
enum val_gotype {
    VAL_GO_AUTO = 0,
    VAL_GO_INT64,
    VAL_GO_INT32,
    VAL_GO_UINT,
    VAL_GO_UINT64,
    VAL_GO_UINT8,
    VAL_GO_FLOAT32,
    VAL_GO_BYTES,   /* []uint8 (VAL_STRING) */
    VAL_GO_STRINGS, /* []string (VAL_SEQ) */
    VAL_GO_INTS,    /* []int (VAL_SEQ) */
    VAL_GO_STRMAP,  /* map[string]string (VAL_MAP) */
    VAL_GO_VALUES,  /* chartutil.Values (VAL_MAP) */
    VAL_GO_RUNE,    /* int32 from a char literal */
    VAL_GO_OTHER,   /* render/ extends from here */
};

/* The presentation a scalar or collection had in its source document, for
 * emitters that keep it. */
enum val_style {
    VAL_STYLE_ANY = 0,
    VAL_STYLE_PLAIN,
    VAL_STYLE_SINGLE,
    VAL_STYLE_DOUBLE,
    VAL_STYLE_LITERAL,
    VAL_STYLE_FOLDED,
    VAL_STYLE_FLOW, /* collections */
};

struct val;

/* An opaque object's type. Modules embed this at the start of their own
 * type descriptors. */
struct val_objtype {
    const char *name; /* Go type name, e.g. "chartutil.Files" */
    /* For encoders (toYaml, toJson) and equality: a plain value tree standing
     * for the object, or NULL to encode as null. May be NULL. */
    struct val *(*to_val)(struct arena *a, const struct val *obj);
};

struct val_mapent {
    struct val *key; /* a VAL_STRING node (keeps the key's position) */
    struct val *v;
};

struct val {
    uint8_t kind;   /* enum val_kind */
    uint8_t gotype; /* enum val_gotype */
    uint8_t style;  /* enum val_style */
    uint8_t flags;  /* VAL_F_* */
    uint32_t line;  /* 1-based source position; 0 when made in memory */
    uint32_t col;
    const char *file; /* source file name, shared by the nodes of one load */
    const char *src;  /* a scalar's original text (YAML), or NULL */
    union {
        bool b;
        int64_t i;
        double f;
        struct {
            const char *ptr;
            size_t len;
        } s;
        struct {
            struct val **items;
            uint32_t len, cap;
        } seq;
        struct {
            /* The entries; the slot before the first (ents[-1]) holds
             * the map's hash index (core/value.c), so a map node is no
             * bigger than a sequence's. */
            struct val_mapent *ents;
            uint32_t len, cap;
        } map;
        struct {
            const struct val_objtype *type;
            void *ptr;
        } obj;
    } u;
};

/* flags */
#define VAL_F_TAGGED 0x01   /* the scalar had an explicit tag in its source */
#define VAL_F_BINARY 0x02   /* a !!binary scalar (the string holds the decoded bytes) */
#define VAL_F_MERGED 0x04   /* the map took keys from a `<<` merge key */
#define VAL_F_READONLY 0x08 /* shared constant: never mutate */
#define VAL_F_STRUCT 0x10   /* a map standing for a Go struct: encoding/json keeps its key order */
/* Go's nil slice or map (as opposed to an empty one), on an empty VAL_SEQ or
 * VAL_MAP: the template engine sets it where Go code returns nil (Sprig's
 * `rest` of an empty list, a regex with no match, json `null` decoded
 * into a map). Only the JSON and sigs.k8s.io/yaml encoders look at it and
 * print `null` instead of `[]`/`{}`; everything else treats the value as
 * empty. The flag means nothing once the collection has items, so code
 * that appends to a collection need not clear it. */
#define VAL_F_NIL 0x20

/* Constructors. Strings are copied into the arena unless the name says
 * _nocopy (then the bytes must live as long as the arena). */
struct val *val_new(struct arena *a, enum val_kind kind);
struct val *val_null(struct arena *a);
struct val *val_bool(struct arena *a, bool b);
struct val *val_int(struct arena *a, int64_t i);
struct val *val_float(struct arena *a, double f);
struct val *val_str(struct arena *a, const char *p, size_t n);
struct val *val_strz(struct arena *a, const char *s);
struct val *val_str_nocopy(struct arena *a, const char *p, size_t n);
struct val *val_strf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct val *val_seq(struct arena *a);
struct val *val_map(struct arena *a);
struct val *val_obj(struct arena *a, const struct val_objtype *type, void *ptr);

/* Kind name for messages: "null", "bool", "int", "float", "string",
 * "sequence", "map", "object". */
const char *val_kind_name(enum val_kind kind);

/* Sequences. */
void val_seq_push(struct arena *a, struct val *seq, struct val *item);
void val_seq_insert(struct arena *a, struct val *seq, size_t at, struct val *item);
void val_seq_remove(struct val *seq, size_t at);
static inline size_t
val_seq_len(const struct val *seq)
{
    return seq->u.seq.len;
}
static inline struct val *
val_seq_at(const struct val *seq, size_t i)
{
    return seq->u.seq.items[i];
}

/* Maps. Keys are byte strings compared exactly. */
struct val *val_map_get(const struct val *map, const char *k, size_t klen);
struct val *val_map_getz(const struct val *map, const char *k);
/* Index of the key's entry or -1. */
long val_map_find(const struct val *map, const char *k, size_t klen);
/* Sets a key: replaces the value in place when present (order kept),
 * appends otherwise. The key bytes are copied. */
void val_map_set(struct arena *a, struct val *map, const char *k, size_t klen, struct val *v);
void val_map_setz(struct arena *a, struct val *map, const char *k, struct val *v);
/* Appends with a key node the caller made (no duplicate check: the caller
 * has checked, e.g. the YAML loader reporting duplicates). */
void val_map_append(struct arena *a, struct val *map, struct val *key, struct val *v);
/* Removes a key, keeping the order of the rest. True if it was there. */
bool val_map_del(struct val *map, const char *k, size_t klen);
/* Gives entry i a new key (a VAL_STRING node), keeping its place and value;
 * lookups find it by the new name. Assigning ents[i].key directly would
 * leave a big map's hash index on the old name. */
void val_map_set_key(struct arena *a, struct val *map, size_t i, struct val *key);
static inline size_t
val_map_len(const struct val *map)
{
    return map->u.map.len;
}
/* Entries sorted by key bytes (Go's sort.Strings order), as a new array in
 * the arena; the map is not changed. */
struct val_mapent *val_map_sorted(struct arena *a, const struct val *map);

/* Length of a string, sequence or map; 0 for anything else. */
size_t val_len(const struct val *v);

/* Deep copy into arena a (objects are copied by reference). */
struct val *val_copy(struct arena *a, const struct val *v);
/* val_copy for trees whose scalars are never changed in place: new map
 * and sequence nodes, but the scalar nodes, the string bytes and the map
 * keys are v's (they must outlive the copy). Faster and smaller. */
struct val *val_copy_shared(struct arena *a, const struct val *v);

/* Deep equality: same kind and contents; map order does not matter; an int
 * and a float are equal when their numeric values are. Objects compare by
 * identity. */
bool val_equal(const struct val *x, const struct val *y);

/* Merges src into dst the way Helm coalesces values: for each key of src, an
 * explicit null deletes the key from dst, two maps merge recursively, and
 * anything else replaces dst's value (copied). dst must be a map. */
void val_merge(struct arena *a, struct val *dst, const struct val *src);

/* Paths: `a.b[2].c`; a backslash escapes `.`, `[` and `\` in a key.
 * val_path_get returns NULL when any step is missing or of the wrong kind.
 * val_path_set creates the maps and sequences on the way (padding sequences
 * with nulls) and fails with PKG_ETYPE when a step is a scalar. */
struct val *val_path_get(const struct val *root, const char *path);
int val_path_set(struct arena *a, struct val *root, const char *path, struct val *v,
                 struct pkg_err **errp);

/* Convenience for strings. */
bool val_is_str(const struct val *v, const char *s);
/* The string's bytes, or NULL when v is not a VAL_STRING. */
const char *val_cstr(const struct val *v);

/* Sets v's source position. */
static inline void
val_set_pos(struct val *v, const char *file, uint32_t line, uint32_t col)
{
    v->file = file;
    v->line = line;
    v->col = col;
}

#endif
