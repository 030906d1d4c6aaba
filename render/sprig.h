/* What the render/sprig-*.c files share (module-private): Go's Unicode
 * case tables, arena strings to fill in place, reflect-like views of
 * slices, Sprig's empty() and reflect.DeepEqual, and random numbers.
 *
 * Each sprig-*.c file holds one area of Sprig v3.3.0 (the version Helm
 * v3.17 links) as a table of rows listed in render/func-tables.h; the
 * implementations follow the Go code they stand for, including the
 * libraries Sprig calls (strings, strconv, spf13/cast, goutils, xstrings,
 * mergo, copystructure, shopspring/decimal, regexp, time, crypto/x509). */
#ifndef PKG_RENDER_SPRIG_H
#define PKG_RENDER_SPRIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/funcs.h"
#include "render/tree.h"

/* ---- Unicode (render/sprig-unicode.c), as Go's unicode package ---- */

bool sprig_uni_is_upper(uint32_t r);  /* unicode.IsUpper (Lu) */
bool sprig_uni_is_lower(uint32_t r);  /* unicode.IsLower (Ll) */
bool sprig_uni_is_title(uint32_t r);  /* unicode.IsTitle (Lt) */
bool sprig_uni_is_punct(uint32_t r);  /* unicode.IsPunct (P) */
bool sprig_uni_is_number(uint32_t r); /* unicode.IsNumber (N) */
uint32_t sprig_uni_to_upper(uint32_t r);
uint32_t sprig_uni_to_lower(uint32_t r);
uint32_t sprig_uni_to_title(uint32_t r);
/* The UTF-8 length of r as utf8.EncodeRune writes it (3 for invalid). */
size_t sprig_utf8_len(uint32_t r);
/* utf8.DecodeLastRune. */
uint32_t sprig_utf8_decode_last(const char *s, size_t n, size_t *width);

/* ---- Strings ---- */

/* A new string value of n bytes in the call's arena for the caller to
 * fill; buf[n] is already 0. */
struct val *sprig_str_alloc(struct tmpl_call *c, size_t n, char **buf);
/* A string value for s[0..n): shares the bytes when they end the
 * NUL-terminated string `whole` ends (a suffix), copies otherwise. */
struct val *sprig_str_sub(struct tmpl_call *c, const struct val *whole, const char *s, size_t n);

/* Sprig's strslice (toStrings): a []string as is, the non-nil items of
 * another slice through strval, nil as an empty list, anything else as a
 * one-item list (render/sprig-strings.c). */
struct val *sprig_strslice(struct tmpl_call *c, struct val *v);

/* base64.StdEncoding.DecodeString: appends the bytes and returns -1, or
 * returns the input offset Go's "illegal base64 data at input byte N"
 * names (render/sprig-encoding.c). */
long sprig_b64_decode(const unsigned char *src, size_t len, struct sb *dst);

/* ---- Reflection ---- */

/* A slice or array as reflect sees it: the items of a VAL_SEQ (or of an
 * object of slice kind), or the bytes of a []byte (as uint8 values). */
struct sprig_list {
    size_t n;
    struct val *const *items; /* NULL for []byte */
    const unsigned char *bytes;
};

/* Fills *out and returns true when v is a slice or array; returns false
 * for anything else (tmpl_kindname(v) names its kind). */
bool sprig_list_of(struct tmpl_call *c, const struct val *v, struct sprig_list *out);
/* Item i as l2.Index(i).Interface() gives it. */
struct val *sprig_list_at(struct tmpl_call *c, const struct sprig_list *l, size_t i);

/* The message Go's runtime panics with when reflect.TypeOf(nil).Kind()
 * is called (Sprig's list functions on nil). */
#define SPRIG_NIL_DEREF "runtime error: invalid memory address or nil pointer dereference"

/* Sprig's empty(): nil, false, 0, "" and empty collections are empty,
 * structs never. */
bool sprig_empty(const struct val *v);
/* reflect.DeepEqual: same Go type and deeply equal contents (int 1 and
 * float64 1 differ; NaN differs from itself). */
bool sprig_deep_equal(const struct val *a, const struct val *b);

/* ---- strconv and spf13/cast ---- */

/* strconv.ParseUint/ParseInt(s, base, 64) and ParseFloat(s, 64): true
 * with the value, false where Go returns an error (syntax or range). */
bool sprig_parse_int(const char *s, size_t n, int base, int64_t *out);
/* The same with Go's error kinds: 0, SPRIG_ESYNTAX, or SPRIG_ERANGE with
 * *out clamped to the limit as Go returns it. */
#define SPRIG_ESYNTAX 1
#define SPRIG_ERANGE 2
int sprig_strconv_uint(const char *s, size_t n, int base, uint64_t *out);
int sprig_strconv_int(const char *s, size_t n, int base, int64_t *out);
bool sprig_parse_float(const char *s, size_t n, double *out);
/* cast.ToInt64 and cast.ToFloat64: tmpl_cast_int64 and tmpl_cast_float64
 * in render/funcs.h (implemented in render/sprig-util.c). */
/* time.ParseInLocation(layout, value, loc) as a time.Time object in arena
 * a, or NULL when the value does not parse: loc is time.Local, or with
 * fixed_zone time.FixedZone(fixed_zone, Local's current offset) as
 * BurntSushi/toml makes for local date-times (render/sprig-date.c). */
struct val *sprig_time_parse_in(struct arena *a, const char *layout, const char *value, size_t vn,
                                const char *fixed_zone);

/* Go's int64(f) on amd64: NaN and out-of-range values give the minimum. */
int64_t sprig_go_int_of_float(double f);

/* bcrypt's "$2a$CC$<salt><hash>" of password pw (at most 72 bytes) with
 * the given salt and cost, as golang.org/x/crypto/bcrypt computes it
 * (render/sprig-crypto.c). */
void sprig_bcrypt_hash(struct sb *out, const char *pw, size_t pn, const unsigned char salt[16],
                       int cost);

/* ---- Randomness (crypto/rand and math/rand both come from the OS) ---- */

void sprig_random_bytes(void *buf, size_t n);
/* A uniform integer in [0, n), n > 0. */
uint64_t sprig_random_below(uint64_t n);

/* Largest string a Sprig function builds (repeat, wrap, indent...):
 * beyond it the call fails with PKG_ELIMIT instead of exhausting memory. */
#define SPRIG_MAX_STRING ((size_t)256 << 20)

#endif
