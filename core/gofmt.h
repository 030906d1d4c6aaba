/* Go's number formatting, where users see it. */
#ifndef PKG_CORE_GOFMT_H
#define PKG_CORE_GOFMT_H

#include <stdint.h>

#include "core/sb.h"

/* strconv.FormatFloat(f, fmt, prec, 64) for fmt in 'e' 'E' 'f' 'g' 'G' and
 * prec -1 (shortest representation that round-trips) or >= 0. Appends. */
void gofmt_float(struct sb *sb, double f, char fmt, int prec);

/* fmt's %v of a float64 (same as 'g' with shortest precision):
 * 3, 0.1, 1e+06, 1.5e-07, 123456.7, +Inf, -Inf, NaN. */
void gofmt_float_v(struct sb *sb, double f);

/* encoding/json's float64 encoding: 'f' for 1e-6 <= |f| < 1e21, otherwise
 * 'e' with the exponent's leading zero dropped (1e-07 -> 1e-7). */
void gofmt_float_json(struct sb *sb, double f);

/* The same for a float32 value (held in a double): shortest digits are
 * those that round-trip through float32, as FormatFloat(f, fmt, prec, 32)
 * and encoding/json's float32 encoder print them. */
void gofmt_float32(struct sb *sb, double f, char fmt, int prec);
void gofmt_float32_json(struct sb *sb, double f);

void gofmt_int(struct sb *sb, int64_t i);
void gofmt_uint(struct sb *sb, uint64_t u);

#endif
