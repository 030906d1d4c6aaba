/* Sprig's math functions (numeric.go and the arithmetic rows of
 * functions.go): the int64 family (add, add1, sub, mul, div, mod, max,
 * biggest, min) on cast.ToInt64 of each argument with Go's wrap-around
 * and Go's division-by-zero panic; the float family (addf, add1f, subf,
 * mulf, divf) computed as shopspring/decimal does — each operand made
 * exact from its shortest decimal form, exact sums and products, quotients
 * rounded half away from zero to 16 places, the result rounded to the
 * nearest float64 — on GMP integers; maxf/minf with Go's
 * math.Max/Min; floor, ceil, round (with Go's math.Pow); conversions int,
 * int64, float64, atoi, toDecimal; until, untilStep, seq and randInt. */
#include "render/sprig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmp.h>

#include "core/gofmt.h"

/* Lists longer than this (until 1e12) fail instead of exhausting memory. */
#define MAX_SEQ ((int64_t)16 << 20)

static int
seq_too_long(struct tmpl_call *c)
{
    return tmpl_fail_code(c, PKG_ELIMIT, "sequence longer than %lld items", (long long)MAX_SEQ);
}

/* ---- int64 arithmetic (wrapping as Go does) ---- */

static int64_t
wrap_add(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

static int64_t
wrap_mul(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a * (uint64_t)b);
}

static int
fn_add(struct tmpl_call *c, struct val **out)
{
    int64_t a = 0;
    for (size_t i = 0; i < c->argc; i++)
        a = wrap_add(a, tmpl_cast_int64(c->argv[i]));
    *out = tmpl_mkint64(c, a);
    return 0;
}

static int
fn_add1(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkint64(c, wrap_add(tmpl_cast_int64(c->argv[0]), 1));
    return 0;
}

static int
fn_sub(struct tmpl_call *c, struct val **out)
{
    int64_t a = tmpl_cast_int64(c->argv[0]), b = tmpl_cast_int64(c->argv[1]);
    *out = tmpl_mkint64(c, (int64_t)((uint64_t)a - (uint64_t)b));
    return 0;
}

static int
fn_mul(struct tmpl_call *c, struct val **out)
{
    int64_t a = tmpl_cast_int64(c->argv[0]);
    for (size_t i = 1; i < c->argc; i++)
        a = wrap_mul(a, tmpl_cast_int64(c->argv[i]));
    *out = tmpl_mkint64(c, a);
    return 0;
}

static int
fn_div(struct tmpl_call *c, struct val **out)
{
    int64_t a = tmpl_cast_int64(c->argv[0]), b = tmpl_cast_int64(c->argv[1]);
    if (b == 0)
        return tmpl_fail(c, "runtime error: integer divide by zero");
    *out = tmpl_mkint64(c, b == -1 ? (int64_t)(0 - (uint64_t)a) : a / b);
    return 0;
}

static int
fn_mod(struct tmpl_call *c, struct val **out)
{
    int64_t a = tmpl_cast_int64(c->argv[0]), b = tmpl_cast_int64(c->argv[1]);
    if (b == 0)
        return tmpl_fail(c, "runtime error: integer divide by zero");
    *out = tmpl_mkint64(c, b == -1 ? 0 : a % b);
    return 0;
}

static int
fn_max(struct tmpl_call *c, struct val **out)
{
    int64_t a = tmpl_cast_int64(c->argv[0]);
    for (size_t i = 1; i < c->argc; i++) {
        int64_t b = tmpl_cast_int64(c->argv[i]);
        if (b > a)
            a = b;
    }
    *out = tmpl_mkint64(c, a);
    return 0;
}

static int
fn_min(struct tmpl_call *c, struct val **out)
{
    int64_t a = tmpl_cast_int64(c->argv[0]);
    for (size_t i = 1; i < c->argc; i++) {
        int64_t b = tmpl_cast_int64(c->argv[i]);
        if (b < a)
            a = b;
    }
    *out = tmpl_mkint64(c, a);
    return 0;
}

/* math.Max / math.Min: infinities win, then NaN, and +0 beats -0 */
static double
go_max(double x, double y)
{
    if (isinf(x) && x > 0)
        return x;
    if (isinf(y) && y > 0)
        return y;
    if (isnan(x) || isnan(y))
        return NAN;
    if (x == 0 && x == y)
        return signbit(x) ? y : x;
    return x > y ? x : y;
}

static double
go_min(double x, double y)
{
    if (isinf(x) && x < 0)
        return x;
    if (isinf(y) && y < 0)
        return y;
    if (isnan(x) || isnan(y))
        return NAN;
    if (x == 0 && x == y)
        return signbit(x) ? x : y;
    return x < y ? x : y;
}

static int
fn_maxf(struct tmpl_call *c, struct val **out)
{
    double a = tmpl_cast_float64(c->argv[0]);
    for (size_t i = 1; i < c->argc; i++)
        a = go_max(a, tmpl_cast_float64(c->argv[i]));
    *out = tmpl_mkfloat(c, a);
    return 0;
}

static int
fn_minf(struct tmpl_call *c, struct val **out)
{
    double a = tmpl_cast_float64(c->argv[0]);
    for (size_t i = 1; i < c->argc; i++)
        a = go_min(a, tmpl_cast_float64(c->argv[i]));
    *out = tmpl_mkfloat(c, a);
    return 0;
}

/* ---- shopspring/decimal ---- */

#define DIVISION_PRECISION 16

/* value * 10^exp, on GMP integers (loaded on first use: ~0.3 ms where
 * libcrypto's bignums cost ~2.5 ms to load for one addf) */
struct dec {
    mpz_t v;
    int64_t exp;
};

static void
dec_release(struct dec *d)
{
    mpz_clear(d->v);
}

/* v *= 10^k (k >= 0) */
static void
scale10(mpz_t v, int64_t k)
{
    if (k <= 0)
        return;
    mpz_t p;
    mpz_init(p);
    mpz_ui_pow_ui(p, 10, (unsigned long)k);
    mpz_mul(v, v, p);
    mpz_clear(p);
}

/* decimal.NewFromFloat: the shortest decimal that reads back as f */
static void
dec_from_float(struct dec *d, double f)
{
    mpz_init(d->v);
    d->exp = 0;
    if (f == 0)
        return;
    struct sb sb = SB_INIT;
    gofmt_float(&sb, f, 'e', -1); /* -1.2345e+06 */
    char digits[40];
    size_t nd = 0;
    const char *p = sb.buf;
    bool neg = *p == '-';
    if (neg)
        p++;
    for (; *p && *p != 'e'; p++)
        if (*p != '.' && nd + 1 < sizeof(digits))
            digits[nd++] = *p;
    digits[nd] = 0;
    long e = *p == 'e' ? strtol(p + 1, NULL, 10) : 0;
    mpz_set_str(d->v, digits, 10);
    if (neg)
        mpz_neg(d->v, d->v);
    d->exp = (int64_t)e - (int64_t)(nd - 1);
    sb_release(&sb);
}

/* a and b brought to the smaller exponent; *exp gets it */
static void
dec_align(const struct dec *a, const struct dec *b, mpz_t x, mpz_t y, int64_t *exp)
{
    mpz_set(x, a->v);
    mpz_set(y, b->v);
    int64_t m = a->exp < b->exp ? a->exp : b->exp;
    scale10(x, a->exp - m);
    scale10(y, b->exp - m);
    *exp = m;
}

static void
dec_add(struct dec *a, const struct dec *b, bool sub)
{
    mpz_t x, y;
    mpz_inits(x, y, NULL);
    int64_t e;
    dec_align(a, b, x, y, &e);
    if (sub)
        mpz_sub(a->v, x, y);
    else
        mpz_add(a->v, x, y);
    a->exp = e;
    mpz_clears(x, y, NULL);
}

static void
dec_mul(struct dec *a, const struct dec *b)
{
    mpz_mul(a->v, a->v, b->v);
    a->exp += b->exp;
}

static int
dec_cmp(const struct dec *a, const struct dec *b)
{
    mpz_t x, y;
    mpz_inits(x, y, NULL);
    int64_t e;
    dec_align(a, b, x, y, &e);
    int r = mpz_cmp(x, y);
    mpz_clears(x, y, NULL);
    return r;
}

/* Decimal.DivRound(d2, 16): QuoRem truncated to 10^-16, then rounded half
 * away from zero. Returns -1 on division by zero. */
static int
dec_div(struct dec *a, const struct dec *b)
{
    if (mpz_sgn(b->v) == 0)
        return -1;
    int64_t scale = -DIVISION_PRECISION;
    int64_t e = a->exp - b->exp - scale;
    mpz_t aa, bb, q, r;
    mpz_inits(aa, bb, q, r, NULL);
    int64_t scalerest;
    mpz_set(aa, a->v);
    mpz_set(bb, b->v);
    if (e < 0) {
        scale10(bb, -e);
        scalerest = a->exp;
    } else {
        scale10(aa, e);
        scalerest = scale + b->exp;
    }
    mpz_tdiv_qr(q, r, aa, bb); /* truncates toward zero, r has aa's sign */
    /* compare 2|r| 10^precision with |b| */
    struct dec r2 = {.exp = scalerest + DIVISION_PRECISION};
    mpz_init(r2.v);
    mpz_abs(r2.v, r);
    mpz_mul_2exp(r2.v, r2.v, 1);
    struct dec babs = {.exp = b->exp};
    mpz_init(babs.v);
    mpz_abs(babs.v, b->v);
    if (dec_cmp(&r2, &babs) >= 0) {
        if ((mpz_sgn(a->v) < 0) != (mpz_sgn(b->v) < 0))
            mpz_sub_ui(q, q, 1);
        else
            mpz_add_ui(q, q, 1);
    }
    mpz_set(a->v, q);
    a->exp = scale;
    dec_release(&r2);
    dec_release(&babs);
    mpz_clears(aa, bb, q, r, NULL);
    return 0;
}

/* Decimal.Float64(): the nearest float64 */
static double
dec_float(const struct dec *d)
{
    char *digits = mpz_get_str(NULL, 10, d->v);
    struct sb sb = SB_INIT;
    sb_addf(&sb, "%se%lld", digits, (long long)d->exp);
    free(digits);
    double f = strtod(sb.buf, NULL);
    sb_release(&sb);
    return f;
}

enum dec_op { OP_ADD, OP_SUB, OP_MUL, OP_DIV };

/* execDecimalOp(a, b, f) */
static int
decimal_op(struct tmpl_call *c, struct val **out, double first, struct val *const *rest,
           size_t nrest, enum dec_op op)
{
    if (!isfinite(first))
        goto bad;
    for (size_t i = 0; i < nrest; i++)
        if (!isfinite(tmpl_cast_float64(rest[i])))
            goto bad;
    int result = 0;
    struct dec acc;
    dec_from_float(&acc, first);
    for (size_t i = 0; i < nrest; i++) {
        struct dec x;
        dec_from_float(&x, tmpl_cast_float64(rest[i]));
        int rc = 0;
        switch (op) {
        case OP_ADD:
            dec_add(&acc, &x, false);
            break;
        case OP_SUB:
            dec_add(&acc, &x, true);
            break;
        case OP_MUL:
            dec_mul(&acc, &x);
            break;
        case OP_DIV:
            rc = dec_div(&acc, &x);
            break;
        }
        dec_release(&x);
        if (rc < 0) {
            result = tmpl_fail(c, "decimal division by 0");
            goto done;
        }
        if (acc.exp > 100000 || acc.exp < -100000 || mpz_sizeinbase(acc.v, 2) > 1000000) {
            result = tmpl_fail_code(c, PKG_ELIMIT, "decimal result too large");
            goto done;
        }
    }
    *out = tmpl_mkfloat(c, dec_float(&acc));
done:
    dec_release(&acc);
    return result;
bad:;
    /* decimal.NewFromFloat panics on NaN and infinities */
    double f = first;
    for (size_t i = 0; isfinite(f) && i < nrest; i++)
        f = tmpl_cast_float64(rest[i]);
    struct sb sb = SB_INIT;
    gofmt_float_v(&sb, f);
    int rc = tmpl_fail(c, "Cannot create a Decimal from %s", sb.buf);
    sb_release(&sb);
    return rc;
}

static int
fn_addf(struct tmpl_call *c, struct val **out)
{
    return decimal_op(c, out, 0, c->argv, c->argc, OP_ADD);
}

static int
fn_add1f(struct tmpl_call *c, struct val **out)
{
    struct val one = {.kind = VAL_INT, .u.i = 1};
    struct val *rest[1] = {&one};
    return decimal_op(c, out, tmpl_cast_float64(c->argv[0]), rest, 1, OP_ADD);
}

static int
fn_subf(struct tmpl_call *c, struct val **out)
{
    return decimal_op(c, out, tmpl_cast_float64(c->argv[0]), c->argv + 1, c->argc - 1, OP_SUB);
}

static int
fn_mulf(struct tmpl_call *c, struct val **out)
{
    return decimal_op(c, out, tmpl_cast_float64(c->argv[0]), c->argv + 1, c->argc - 1, OP_MUL);
}

static int
fn_divf(struct tmpl_call *c, struct val **out)
{
    return decimal_op(c, out, tmpl_cast_float64(c->argv[0]), c->argv + 1, c->argc - 1, OP_DIV);
}

/* ---- rounding ---- */

static int
fn_floor(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkfloat(c, floor(tmpl_cast_float64(c->argv[0])));
    return 0;
}

static int
fn_ceil(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkfloat(c, ceil(tmpl_cast_float64(c->argv[0])));
    return 0;
}

/* Go's math.Pow (pure Go on amd64): repeated squaring for the integer part
 * of the exponent, which is what round's 10^places goes through. */
static double
go_pow(double x, double y)
{
    if (y == 0 || x == 1)
        return 1;
    if (y == 1)
        return x;
    if (isnan(x) || isnan(y))
        return NAN;
    if (x == 0) {
        if (y < 0) {
            if (signbit(x) && fmod(fabs(y), 2) == 1)
                return -INFINITY;
            return INFINITY;
        }
        if (signbit(x) && fmod(fabs(y), 2) == 1)
            return x;
        return 0;
    }
    if (isinf(y)) {
        if (x == -1)
            return 1;
        if ((fabs(x) < 1) == (y > 0))
            return 0;
        return INFINITY;
    }
    if (isinf(x)) {
        if (x < 0)
            return go_pow(1 / x, -y);
        return y < 0 ? 0 : INFINITY;
    }
    if (y == 0.5)
        return sqrt(x);
    if (y == -0.5)
        return 1 / sqrt(x);
    double yi, yf = modf(fabs(y), &yi);
    if (yf != 0 && x < 0)
        return NAN;
    if (yi >= 9223372036854775808.0) {
        if (x == -1)
            return 1;
        if ((fabs(x) < 1) == (y > 0))
            return 0;
        return INFINITY;
    }
    double a1 = 1.0;
    int ae = 0;
    if (yf != 0) {
        if (yf > 0.5) {
            yf--;
            yi++;
        }
        a1 = exp(yf * log(x));
    }
    int xe;
    double x1 = frexp(x, &xe);
    for (int64_t i = (int64_t)yi; i != 0; i >>= 1) {
        if (xe < -(1 << 12) || (1 << 12) < xe) {
            ae += xe;
            break;
        }
        if (i & 1) {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if (x1 < .5) {
            x1 += x1;
            xe--;
        }
    }
    if (y < 0) {
        a1 = 1 / a1;
        ae = -ae;
    }
    return ldexp(a1, ae);
}

static int
fn_round(struct tmpl_call *c, struct val **out)
{
    double round_on = .5;
    if (c->argc > 2)
        round_on = tmpl_arg_float(c, 2);
    double v = tmpl_cast_float64(c->argv[0]);
    double places = (double)tmpl_arg_int(c, 1);
    double pow = go_pow(10, places);
    double digit = pow * v, ip;
    double frac = modf(digit, &ip);
    double r = frac >= round_on ? ceil(digit) : floor(digit);
    *out = tmpl_mkfloat(c, r / pow);
    return 0;
}

/* ---- conversions ---- */

static int
fn_int64(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkint64(c, tmpl_cast_int64(c->argv[0]));
    return 0;
}

static int
fn_int(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkint(c, tmpl_cast_int64(c->argv[0]));
    return 0;
}

static int
fn_float64(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkfloat(c, tmpl_cast_float64(c->argv[0]));
    return 0;
}

/* strconv.Atoi with its error dropped: 0 for bad syntax, the clamped
 * value when out of range */
static int
fn_atoi(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *s = tmpl_arg_str(c, 0, &n);
    int64_t v = 0;
    if (n > 0 && n < 19) {
        /* Go's fast path: sign and decimal digits only */
        size_t i = s[0] == '+' || s[0] == '-' ? 1 : 0;
        bool ok = i < n;
        for (size_t k = i; k < n && ok; k++)
            ok = s[k] >= '0' && s[k] <= '9';
        if (ok)
            sprig_strconv_int(s, n, 10, &v);
    } else {
        sprig_strconv_int(s, n, 10, &v);
    }
    *out = tmpl_mkint(c, v);
    return 0;
}

/* strconv.ParseInt(fmt.Sprint(v), 8, 64) */
static int
fn_to_decimal(struct tmpl_call *c, struct val **out)
{
    struct sb sb = SB_INIT;
    tmpl_fmt_v(&sb, c->argv[0]);
    int64_t v = 0;
    bool plain = true;
    for (size_t k = 0; k < sb.len; k++)
        if (sb.buf[k] == '_')
            plain = false;
    if (!plain || !sprig_parse_int(sb.buf, sb.len, 8, &v))
        v = 0;
    sb_release(&sb);
    *out = tmpl_mkint64(c, v);
    return 0;
}

/* ---- sequences ---- */

static struct val *
ints_new(struct tmpl_call *c)
{
    struct val *l = tmpl_mklist(c);
    l->gotype = VAL_GO_INTS;
    return l;
}

/* untilStep(start, stop, step) */
static int
until_step(struct tmpl_call *c, int64_t start, int64_t stop, int64_t step, struct val **out)
{
    struct val *l = ints_new(c);
    *out = l;
    if (stop < start) {
        if (step >= 0)
            return 0;
        for (int64_t i = start; i > stop;) {
            if ((int64_t)l->u.seq.len >= MAX_SEQ)
                return seq_too_long(c);
            val_seq_push(c->a, l, tmpl_mkint(c, i));
            if (i < INT64_MIN - step)
                break; /* Go would wrap around and go on forever */
            i += step;
        }
        return 0;
    }
    if (step <= 0)
        return 0;
    for (int64_t i = start; i < stop;) {
        if ((int64_t)l->u.seq.len >= MAX_SEQ)
            return seq_too_long(c);
        val_seq_push(c->a, l, tmpl_mkint(c, i));
        if (i > INT64_MAX - step)
            break;
        i += step;
    }
    return 0;
}

static int
fn_until(struct tmpl_call *c, struct val **out)
{
    int64_t count = tmpl_arg_int(c, 0);
    return until_step(c, 0, count, count < 0 ? -1 : 1, out);
}

static int
fn_until_step(struct tmpl_call *c, struct val **out)
{
    return until_step(c, tmpl_arg_int(c, 0), tmpl_arg_int(c, 1), tmpl_arg_int(c, 2), out);
}

static int
fn_seq(struct tmpl_call *c, struct val **out)
{
    int64_t start, end, step;
    struct val *l = NULL;
    int rc = 0;
    switch (c->argc) {
    case 1:
        start = 1;
        end = tmpl_arg_int(c, 0);
        step = end < start ? -1 : 1;
        rc = until_step(c, start, wrap_add(end, step), step, &l);
        break;
    case 2:
        start = tmpl_arg_int(c, 0);
        end = tmpl_arg_int(c, 1);
        step = end < start ? -1 : 1;
        rc = until_step(c, start, wrap_add(end, step), step, &l);
        break;
    case 3: {
        start = tmpl_arg_int(c, 0);
        step = tmpl_arg_int(c, 1);
        end = tmpl_arg_int(c, 2);
        int64_t inc = 1;
        if (end < start) {
            inc = -1;
            if (step > 0)
                break;
        }
        rc = until_step(c, start, wrap_add(end, inc), step, &l);
        break;
    }
    default:
        break;
    }
    if (rc)
        return rc;
    struct sb sb = SB_INIT;
    for (uint32_t i = 0; l && i < l->u.seq.len; i++) {
        if (i)
            sb_addch(&sb, ' ');
        gofmt_int(&sb, l->u.seq.items[i]->u.i);
    }
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

/* rand.Intn(max-min) + min */
static int
fn_rand_int(struct tmpl_call *c, struct val **out)
{
    int64_t lo = tmpl_arg_int(c, 0), hi = tmpl_arg_int(c, 1);
    int64_t n = (int64_t)((uint64_t)hi - (uint64_t)lo);
    if (n <= 0)
        return tmpl_fail(c, "invalid argument to Intn");
    *out = tmpl_mkint(c, wrap_add((int64_t)sprig_random_below((uint64_t)n), lo));
    return 0;
}

const struct tmpl_func tmpl_funcs_sprig_math[] = {
    {"add1", fn_add1, "func(interface {}) int64"},
    {"add", fn_add, "func(...interface {}) int64"},
    {"sub", fn_sub, "func(interface {}, interface {}) int64"},
    {"div", fn_div, "func(interface {}, interface {}) int64"},
    {"mod", fn_mod, "func(interface {}, interface {}) int64"},
    {"mul", fn_mul, "func(interface {}, ...interface {}) int64"},
    {"randInt", fn_rand_int, "func(int, int) int"},
    {"add1f", fn_add1f, "func(interface {}) float64"},
    {"addf", fn_addf, "func(...interface {}) float64"},
    {"subf", fn_subf, "func(interface {}, ...interface {}) float64"},
    {"divf", fn_divf, "func(interface {}, ...interface {}) float64"},
    {"mulf", fn_mulf, "func(interface {}, ...interface {}) float64"},
    {"biggest", fn_max, "func(interface {}, ...interface {}) int64"},
    {"max", fn_max, "func(interface {}, ...interface {}) int64"},
    {"min", fn_min, "func(interface {}, ...interface {}) int64"},
    {"maxf", fn_maxf, "func(interface {}, ...interface {}) float64"},
    {"minf", fn_minf, "func(interface {}, ...interface {}) float64"},
    {"ceil", fn_ceil, "func(interface {}) float64"},
    {"floor", fn_floor, "func(interface {}) float64"},
    {"round", fn_round, "func(interface {}, int, ...float64) float64"},
    {"atoi", fn_atoi, "func(string) int"},
    {"int64", fn_int64, "func(interface {}) int64"},
    {"int", fn_int, "func(interface {}) int"},
    {"float64", fn_float64, "func(interface {}) float64"},
    {"toDecimal", fn_to_decimal, "func(interface {}) int64"},
    {"seq", fn_seq, "func(...int) string"},
    {"until", fn_until, "func(int) []int"},
    {"untilStep", fn_until_step, "func(int, int, int) []int"},
    {NULL, NULL, NULL},
};
