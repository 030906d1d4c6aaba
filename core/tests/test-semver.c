/* Unit tests: semantic versions and constraints. The tables restate the
 * behaviour Masterminds/semver v3.3 pins down in its own tests
 * (constraints_test.go, version_test.go), plus cases checked against
 * helm v3.17.1's semverCompare. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/core.h"

struct check_case {
    const char *constraint, *version;
    bool ok;
};
struct newc_case {
    const char *in;
    int ors, count;
    bool err;
};
struct range_case {
    const char *in, *out;
};
struct parse_case {
    const char *in;
    bool err;
};
struct str_case {
    const char *in, *out;
};
struct cmp_case {
    const char *a, *b;
    int want;
};

static const struct check_case check_cases[] = {
    {"=2.0.0", "1.2.3", false},
    {"=2.0.0", "2.0.0", true},
    {"=2.0", "1.2.3", false},
    {"=2.0", "2.0.0", true},
    {"=2.0", "2.0.1", true},
    {"4.1", "4.1.0", true},
    {"!=4.1.0", "4.1.0", false},
    {"!=4.1.0", "4.1.1", true},
    {"!=4.1", "4.1.0", false},
    {"!=4.1", "4.1.1", false},
    {"!=4.1", "5.1.0-alpha.1", false},
    {"!=4.1-alpha", "4.1.0", true},
    {"!=4.1", "5.1.0", true},
    {"<11", "0.1.0", true},
    {"<11", "11.1.0", false},
    {"<1.1", "0.1.0", true},
    {"<1.1", "1.1.0", false},
    {"<1.1", "1.1.1", false},
    {"<=11", "1.2.3", true},
    {"<=11", "12.2.3", false},
    {"<=11", "11.2.3", true},
    {"<=1.1", "1.2.3", false},
    {"<=1.1", "0.1.0", true},
    {"<=1.1", "1.1.0", true},
    {"<=1.1", "1.1.1", true},
    {">1.1", "4.1.0", true},
    {">1.1", "1.1.0", false},
    {">0", "0", false},
    {">0", "1", true},
    {">0", "0.0.1-alpha", false},
    {">0.0", "0.0.1-alpha", false},
    {">0-0", "0.0.1-alpha", false},
    {">0.0-0", "0.0.1-alpha", false},
    {">0", "0.0.0-alpha", false},
    {">0-0", "0.0.0-alpha", false},
    {">0.0.0-0", "0.0.0-alpha", true},
    {">1.2.3-alpha.1", "1.2.3-alpha.2", true},
    {">1.2.3-alpha.1", "1.3.3-alpha.2", true},
    {">11", "11.1.0", false},
    {">11.1", "11.1.0", false},
    {">11.1", "11.1.1", false},
    {">11.1", "11.2.1", true},
    {">=11", "11.1.2", true},
    {">=11.1", "11.1.2", true},
    {">=11.1", "11.0.2", false},
    {">=1.1", "4.1.0", true},
    {">=1.1", "1.1.0", true},
    {">=1.1", "0.0.9", false},
    {">=0", "0.0.1-alpha", false},
    {">=0.0", "0.0.1-alpha", false},
    {">=0-0", "0.0.1-alpha", true},
    {">=0.0-0", "0.0.1-alpha", true},
    {">=0", "0.0.0-alpha", false},
    {">=0-0", "0.0.0-alpha", true},
    {">=0.0.0-0", "0.0.0-alpha", true},
    {">=0.0.0-0", "1.2.3", true},
    {">=0.0.0-0", "3.4.5-beta.1", true},
    {"<0", "0.0.0-alpha", false},
    {"<0-z", "0.0.0-alpha", true},
    {">=0", "0", true},
    {"=0", "1", false},
    {"*", "1", true},
    {"*", "4.5.6", true},
    {"*", "1.2.3-alpha.1", false},
    {"*-0", "1.2.3-alpha.1", true},
    {"2.*", "1", false},
    {"2.*", "3.4.5", false},
    {"2.*", "2.1.1", true},
    {"2.1.*", "2.1.1", true},
    {"2.1.*", "2.2.1", false},
    {"2", "1", false},
    {"2", "3.4.5", false},
    {"2", "2.1.1", true},
    {"2.1", "2.1.1", true},
    {"2.1", "2.2.1", false},
    {"~1.2.3", "1.2.4", true},
    {"~1.2.3", "1.3.4", false},
    {"~1.2", "1.2.4", true},
    {"~1.2", "1.3.4", false},
    {"~1", "1.2.4", true},
    {"~1", "2.3.4", false},
    {"~0.2.3", "0.2.5", true},
    {"~0.2.3", "0.3.5", false},
    {"~1.2.3-beta.2", "1.2.3-beta.4", true},
    {"~1.2.3-beta.2", "1.2.4-beta.2", true},
    {"~1.2.3-beta.2", "1.3.4-beta.2", false},
    {"^1.2.3", "1.8.9", true},
    {"^1.2.3", "2.8.9", false},
    {"^1.2.3", "1.2.1", false},
    {"^1.1.0", "2.1.0", false},
    {"^1.2.0", "2.2.1", false},
    {"^1.2.0", "1.2.1-alpha.1", false},
    {"^1.2.0-alpha.0", "1.2.1-alpha.1", true},
    {"^1.2.0-alpha.0", "1.2.1-alpha.0", true},
    {"^1.2.0-alpha.2", "1.2.0-alpha.1", false},
    {"^1.2", "1.8.9", true},
    {"^1.2", "2.8.9", false},
    {"^1", "1.8.9", true},
    {"^1", "2.8.9", false},
    {"^0.2.3", "0.2.5", true},
    {"^0.2.3", "0.5.6", false},
    {"^0.2", "0.2.5", true},
    {"^0.2", "0.5.6", false},
    {"^0.0.3", "0.0.3", true},
    {"^0.0.3", "0.0.4", false},
    {"^0.0", "0.0.3", true},
    {"^0.0", "0.1.4", false},
    {"^0.0", "1.0.4", false},
    {"^0", "0.2.3", true},
    {"^0", "1.1.4", false},
    {"^0.2.3-beta.2", "0.2.3-beta.4", true},
    {"^0.2.3-beta.2", "0.2.4-beta.2", true},
    {"^0.2.3-beta.2", "0.3.4-beta.2", false},
    {"^0.2.3-beta.2", "0.2.3-beta.2", true},
    {"*", "1.2.3", true},
    {"~0.0.0", "1.2.3", true},
    {"0.x.x", "1.2.3", false},
    {"0.0.x", "1.2.3", false},
    {"0.0.0", "1.2.3", false},
    {"^0.0.0", "1.2.3", false},
    {"= 2.0", "1.2.3", false},
    {"= 2.0", "2.0.0", true},
    {"4.1.x", "4.1.3", true},
    {"1.x", "1.4", true},
    {"!=4.1-alpha", "4.1.0-alpha", false},
    {"!=4.1-alpha", "4.1.1-alpha", false},
    {"!=4.x", "5.1.0", true},
    {"!=4.x", "4.1.0", false},
    {"!=4.1.x", "4.2.0", true},
    {"!=4.2.x", "4.2.3", false},
    {"<1.x", "1.1.1", false},
    {"<1.x", "0.1.1", true},
    {"<1.x", "2.0.0", false},
    {"<1.1.x", "1.2.1", false},
    {"<1.1.x", "1.1.500", false},
    {"<1.1.x", "1.0.500", true},
    {"<1.2.x", "1.1.1", true},
    {">=1.1", "4.1.0-beta", false},
    {"<=1.1", "0.1.0-alpha", false},
    {"<=1.1-a", "0.1.0-alpha", true},
    {"<=1.x", "1.1.0", true},
    {"<=2.x", "3.0.0", false},
    {"<=1.1.x", "1.2.500", false},
    {"<=4.5", "3.4.0", true},
    {"<=4.5", "3.7.0", true},
    {"<=4.5", "4.6.3", false},
    {">1.1, <2", "1.1.1", false},
    {">1.1, <2", "1.2.1", true},
    {">1.1, <3", "4.3.2", false},
    {">=1.1, <2, !=1.2.3", "1.2.3", false},
    {">1.1 <2", "1.1.1", false},
    {">1.1 <2", "1.2.1", true},
    {">1.1    <3", "4.3.2", false},
    {">=1.1    <2    !=1.2.3", "1.2.3", false},
    {">=1.1, <2, !=1.2.3 || > 3", "4.1.2", true},
    {">=1.1, <2, !=1.2.3 || > 3", "3.1.2", false},
    {">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", true},
    {">=1.1, <2, !=1.2.3 || > 3", "3.0.0", false},
    {">=1.1, <2, !=1.2.3 || > 3", "1.2.3", false},
    {">=1.1 <2 !=1.2.3", "1.2.3", false},
    {">=1.1 <2 !=1.2.3 || > 3", "4.1.2", true},
    {">=1.1 <2 !=1.2.3 || > 3", "3.1.2", false},
    {">=1.1 <2 !=1.2.3 || >= 3", "3.0.0", true},
    {">=1.1 <2 !=1.2.3 || > 3", "3.0.0", false},
    {">=1.1 <2 !=1.2.3 || > 3", "1.2.3", false},
    {"> 1.1, <     2", "1.1.1", false},
    {">   1.1, <2", "1.2.1", true},
    {">1.1, <  3", "4.3.2", false},
    {">= 1.1, <     2, !=1.2.3", "1.2.3", false},
    {"> 1.1 < 2", "1.1.1", false},
    {">1.1 < 2", "1.2.1", true},
    {"> 1.1    <3", "4.3.2", false},
    {">=1.1    < 2    != 1.2.3", "1.2.3", false},
    {">= 1.1, <2, !=1.2.3 || > 3", "4.1.2", true},
    {">= 1.1, <2, != 1.2.3 || > 3", "3.1.2", false},
    {">= 1.1, <2, != 1.2.3 || >= 3", "3.0.0", true},
    {">= 1.1, <2, !=1.2.3 || > 3", "3.0.0", false},
    {">= 1.1, <2, !=1.2.3 || > 3", "1.2.3", false},
    {">= 1.1 <2 != 1.2.3", "1.2.3", false},
    {">= 1.1 <2 != 1.2.3 || > 3", "4.1.2", true},
    {">= 1.1 <2 != 1.2.3 || > 3", "3.1.2", false},
    {">= 1.1 <2 != 1.2.3 || >= 3", "3.0.0", true},
    {">= 1.1 < 2 !=1.2.3 || > 3", "3.0.0", false},
    {">=1.1 < 2 !=1.2.3 || > 3", "1.2.3", false},
    {"1.1 - 2", "1.1.1", true},
    {"1.5.0 - 4.5", "3.7.0", true},
    {"1.1-3", "4.3.2", false},
    {"^1.1", "1.1.1", true},
    {"^1.1", "4.3.2", false},
    {"^1.x", "1.1.1", true},
    {"^2.x", "1.1.1", false},
    {"^1.x", "2.1.1", false},
    {"^1.x", "1.1.1-beta1", false},
    {"^1.1.2-alpha", "1.2.1-beta1", true},
    {"^1.2.x-alpha", "1.1.1-beta1", false},
    {"^0.0.1", "0.0.1", true},
    {"^0.0.1", "0.3.1", false},
    {"~*", "2.1.1", true},
    {"~1", "2.1.1", false},
    {"~1", "1.3.5", true},
    {"~1", "1.4", true},
    {"~1.x", "2.1.1", false},
    {"~1.x", "1.3.5", true},
    {"~1.x", "1.4", true},
    {"~1.1", "1.1.1", true},
    {"~1.1", "1.1.1-alpha", false},
    {"~1.1-alpha", "1.1.1-beta", true},
    {"~1.1.1-beta", "1.1.1-alpha", false},
    {"~1.1.1-beta", "1.1.1", true},
    {"~1.2.3", "1.2.5", true},
    {"~1.2.3", "1.2.2", false},
    {"~1.2.3", "1.3.2", false},
    {"~1.1", "1.2.3", false},
    {"~1.3", "2.4.5", false},
    {"1.0.0 - 2.0.0 <=2.0.0", "1.5.0", true},
    {"1.0.0 - 2.0.0, <=2.0.0", "1.5.0", true},
    {"<2.x", "1.1.1", true},
    {"<1.x", "2.1.1", false},
    {"<=2.x", "3.1.0", false},
    {"^1.1", "1.1.1-alpha", false},
    {"^1.1.1-alpha", "1.1.1-beta", true},
    {"^1.1.1-beta", "1.1.1-alpha", false},
    {"^0.0.1", "0.1.3", false},
    {"~1", "1.3.5-beta", false},
    {"~1.x", "1.3.5-beta", false},
    {"~1.3.6-alpha", "1.3.5-beta", false},
    {"~1.3.5-alpha", "1.3.5-beta", true},
    {"~1.3.5-beta", "1.3.5-alpha", false},
};
static const struct newc_case newc_cases[] = {
    {">= 1.1", 1, 1, false},
    {">40.50.60, < 50.70", 1, 2, false},
    {"2.0", 1, 1, false},
    {"v2.3.5-20161202202307-sha.e8fc5e5", 1, 1, false},
    {">= bar", 0, 0, true},
    {"BAR >= 1.2.3", 0, 0, true},
    {">= 1.2.3 < 2.0", 1, 2, false},
    {">= 1.2.3 < 2.0 || => 3.0 < 4", 2, 2, false},
    {">= 1.2.3, < 2.0", 1, 2, false},
    {">= 1.2.3, < 2.0 || => 3.0, < 4", 2, 2, false},
    {"3 - 4 || => 3.0, < 4", 2, 2, false},
    {"12.3.4.1234", 0, 0, true},
    {"12.23.4.1234", 0, 0, true},
    {"12.3.34.1234", 0, 0, true},
    {"12.3.34 ~1.2.3", 1, 2, false},
    {"12.3.34~ 1.2.3", 0, 0, true},
    {"1.0.0 - 2.0.0, <=2.0.0", 1, 3, false},
};
static const struct range_case range_cases[] = {
    {"2 - 3", ">= 2, <= 3 "},
    {"2 - 3, 2 - 3", ">= 2, <= 3 ,>= 2, <= 3 "},
    {"2 - 3, 4.0.0 - 5.1", ">= 2, <= 3 ,>= 4.0.0, <= 5.1 "},
    {"2 - 3 4.0.0 - 5.1", ">= 2, <= 3 >= 4.0.0, <= 5.1 "},
    {"1.0.0 - 2.0.0 <=2.0.0", ">= 1.0.0, <= 2.0.0 <=2.0.0"},
};
static const struct parse_case strict_cases[] = {
    {"1.2.3", false},
    {"1.2.3-alpha.01", true},
    {"1.2.3+test.01", false},
    {"1.2.3-alpha.-1", false},
    {"v1.2.3", true},
    {"1.0", true},
    {"v1.0", true},
    {"1", true},
    {"v1", true},
    {"1.2.beta", true},
    {"v1.2.beta", true},
    {"foo", true},
    {"1.2-5", true},
    {"v1.2-5", true},
    {"1.2-beta.5", true},
    {"v1.2-beta.5", true},
    {"\n1.2", true},
    {"\nv1.2", true},
    {"1.2.0-x.Y.0+metadata", false},
    {"v1.2.0-x.Y.0+metadata", true},
    {"1.2.0-x.Y.0+metadata-width-hypen", false},
    {"v1.2.0-x.Y.0+metadata-width-hypen", true},
    {"1.2.3-rc1-with-hypen", false},
    {"v1.2.3-rc1-with-hypen", true},
    {"1.2.3.4", true},
    {"v1.2.3.4", true},
    {"1.2.2147483648", false},
    {"1.2147483648.3", false},
    {"2147483648.3.0", false},
    {"20221209-update-renovatejson-v4", true},
};
static const struct parse_case lenient_cases[] = {
    {"1.2.3", false},
    {"1.2.3-alpha.01", true},
    {"1.2.3+test.01", false},
    {"1.2.3-alpha.-1", false},
    {"v1.2.3", false},
    {"1.0", false},
    {"v1.0", false},
    {"1", false},
    {"v1", false},
    {"1.2.beta", true},
    {"v1.2.beta", true},
    {"foo", true},
    {"1.2-5", false},
    {"v1.2-5", false},
    {"1.2-beta.5", false},
    {"v1.2-beta.5", false},
    {"\n1.2", true},
    {"\nv1.2", true},
    {"1.2.0-x.Y.0+metadata", false},
    {"v1.2.0-x.Y.0+metadata", false},
    {"1.2.0-x.Y.0+metadata-width-hypen", false},
    {"v1.2.0-x.Y.0+metadata-width-hypen", false},
    {"1.2.3-rc1-with-hypen", false},
    {"v1.2.3-rc1-with-hypen", false},
    {"1.2.3.4", true},
    {"v1.2.3.4", true},
    {"1.2.2147483648", false},
    {"1.2147483648.3", false},
    {"2147483648.3.0", false},
    {"12.3.4.1234", true},
    {"12.23.4.1234", true},
    {"12.3.34.1234", true},
    {"20221209-update-renovatejson-v4", false},
};
static const struct str_case coerce_cases[] = {
    {"1.2.3", "1.2.3"},
    {"v1.2.3", "1.2.3"},
    {"1.0", "1.0.0"},
    {"v1.0", "1.0.0"},
    {"1", "1.0.0"},
    {"v1", "1.0.0"},
    {"1.2-5", "1.2.0-5"},
    {"v1.2-5", "1.2.0-5"},
    {"1.2-beta.5", "1.2.0-beta.5"},
    {"v1.2-beta.5", "1.2.0-beta.5"},
    {"1.2.0-x.Y.0+metadata", "1.2.0-x.Y.0+metadata"},
    {"v1.2.0-x.Y.0+metadata", "1.2.0-x.Y.0+metadata"},
    {"1.2.0-x.Y.0+metadata-width-hypen", "1.2.0-x.Y.0+metadata-width-hypen"},
    {"v1.2.0-x.Y.0+metadata-width-hypen", "1.2.0-x.Y.0+metadata-width-hypen"},
    {"1.2.3-rc1-with-hypen", "1.2.3-rc1-with-hypen"},
    {"v1.2.3-rc1-with-hypen", "1.2.3-rc1-with-hypen"},
};
static const struct cmp_case cmp_cases[] = {
    {"1.2.3", "1.5.1", -1},
    {"2.2.3", "1.5.1", 1},
    {"2.2.3", "2.2.2", 1},
    {"3.2-beta", "3.2-beta", 0},
    {"1.3", "1.1.4", 1},
    {"4.2", "4.2-beta", 1},
    {"4.2-beta", "4.2", -1},
    {"4.2-alpha", "4.2-beta", -1},
    {"4.2-alpha", "4.2-alpha", 0},
    {"4.2-beta.2", "4.2-beta.1", 1},
    {"4.2-beta2", "4.2-beta1", 1},
    {"4.2-beta", "4.2-beta.2", -1},
    {"4.2-beta", "4.2-beta.foo", -1},
    {"4.2-beta.2", "4.2-beta", 1},
    {"4.2-beta.foo", "4.2-beta", 1},
    {"1.2+bar", "1.2+baz", 0},
    {"1.0.0-beta.4", "1.0.0-beta.-2", -1},
    {"1.0.0-beta.-2", "1.0.0-beta.-3", -1},
    {"1.0.0-beta.-3", "1.0.0-beta.5", 1},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(strict_cases); i++) {
        struct semver v;
        struct pkg_err *err = NULL;
        int rc = semver_parse(&v, strict_cases[i].in, true, &err);
        if ((rc != 0) != strict_cases[i].err)
            fail_msg("strict parse %s: rc %d", strict_cases[i].in, rc);
        if (!rc)
            semver_release(&v);
        pkg_err_free(err);
    }
    for (size_t i = 0; i < N(lenient_cases); i++) {
        struct semver v;
        struct pkg_err *err = NULL;
        int rc = semver_parse(&v, lenient_cases[i].in, false, &err);
        if ((rc != 0) != lenient_cases[i].err)
            fail_msg("parse %s: rc %d", lenient_cases[i].in, rc);
        if (!rc)
            semver_release(&v);
        pkg_err_free(err);
    }
}

static void
test_format(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(coerce_cases); i++) {
        struct semver v;
        assert_int_equal(semver_parse(&v, coerce_cases[i].in, false, NULL), 0);
        struct sb sb = SB_INIT;
        semver_format(&sb, &v);
        assert_string_equal(sb.buf, coerce_cases[i].out);
        assert_string_equal(v.original, coerce_cases[i].in);
        sb_release(&sb);
        semver_release(&v);
    }
}

static void
test_compare(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(cmp_cases); i++) {
        struct semver a, b;
        assert_int_equal(semver_parse(&a, cmp_cases[i].a, false, NULL), 0);
        assert_int_equal(semver_parse(&b, cmp_cases[i].b, false, NULL), 0);
        int c = semver_cmp(&a, &b);
        if (c != cmp_cases[i].want)
            fail_msg("cmp %s %s: %d, want %d", cmp_cases[i].a, cmp_cases[i].b, c,
                     cmp_cases[i].want);
        semver_release(&a);
        semver_release(&b);
    }
}

static void
test_constraints(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(check_cases); i++) {
        struct semver_constraint *c;
        struct semver v;
        struct pkg_err *err = NULL;
        if (semver_constraint_parse(&c, check_cases[i].constraint, &err))
            fail_msg("constraint %s: %s", check_cases[i].constraint, err->msg);
        assert_int_equal(semver_parse(&v, check_cases[i].version, false, NULL), 0);
        if (semver_constraint_check(c, &v) != check_cases[i].ok)
            fail_msg("'%s' with '%s': want %d", check_cases[i].constraint, check_cases[i].version,
                     check_cases[i].ok);
        semver_release(&v);
        semver_constraint_free(c);
    }
}

static void
test_new_constraint(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(newc_cases); i++) {
        struct semver_constraint *c = NULL;
        struct pkg_err *err = NULL;
        int rc = semver_constraint_parse(&c, newc_cases[i].in, &err);
        if ((rc != 0) != newc_cases[i].err)
            fail_msg("parse constraint %s: rc %d", newc_cases[i].in, rc);
        pkg_err_free(err);
        semver_constraint_free(c);
    }
    /* The empty string is no constraint for NewConstraint (its validating
     * expression needs a version), though `*` is. */
    struct semver_constraint *c = NULL;
    struct pkg_err *err = NULL;
    assert_int_equal(semver_constraint_parse(&c, "", &err), PKG_EINVAL);
    assert_string_equal(err->msg, "improper constraint: ");
    pkg_err_free(err);
    err = NULL;
    assert_int_equal(semver_constraint_parse(&c, ">= bar", &err), PKG_EINVAL);
    assert_string_equal(err->msg, "improper constraint: >= bar");
    pkg_err_free(err);
}

static void
test_check_str_and_select(void **state)
{
    (void)state;
    bool ok = false;
    assert_int_equal(semver_check_str(">=1.20.0-0", "v1.18.0", &ok, NULL), 0);
    assert_false(ok);
    assert_int_equal(semver_check_str(">=1.20.0-0", "v1.32.0", &ok, NULL), 0);
    assert_true(ok);
    assert_int_equal(semver_check_str(">= 1.19-0 < 1.33-0", "v1.32.0", &ok, NULL), 0);
    assert_true(ok);
    /* Ranges with a trailing newline (Go's `$` is the end of the text). */
    assert_int_equal(semver_check_str(">=1.2\n", "1.3.0", &ok, NULL), 0);
    assert_true(ok);
    struct pkg_err *err = NULL;
    assert_int_equal(semver_check_str(">=1.2", "1.2.3\n", &ok, &err), PKG_EINVAL);
    pkg_err_free(err);
    /* Answers are remembered: asked again, past the memo's size (pairs
     * pushed out and worked out anew), they stay the same; an error stays
     * an error. */
    for (int round = 0; round < 3; round++) {
        for (int minor = 0; minor < 50; minor++) {
            char con[32], ver[32];
            snprintf(con, sizeof(con), ">=1.%d-0", minor);
            snprintf(ver, sizeof(ver), "v1.%d.0", 25);
            assert_int_equal(semver_check_str(con, ver, &ok, NULL), 0);
            assert_true(ok == (minor <= 25));
            assert_int_equal(semver_check_str(con, "1.24.9", &ok, NULL), 0);
            assert_true(ok == (minor <= 24));
        }
        err = NULL;
        assert_int_equal(semver_check_str(">=1.2", "1.2.3\n", &ok, &err), PKG_EINVAL);
        assert_non_null(err);
        pkg_err_free(err);
    }

    const char *vs[] = {"1.0.0", "junk", "1.2.0", "2.0.0-rc.1", "1.10.0", "1.9.9", "v1.10.0"};
    struct semver_constraint *c;
    assert_int_equal(semver_constraint_parse(&c, "^1.0", NULL), 0);
    assert_int_equal(semver_select_newest(c, vs, N(vs)), 4);
    semver_constraint_free(c);
    assert_int_equal(semver_constraint_parse(&c, ">=2.0.0-0", NULL), 0);
    assert_int_equal(semver_select_newest(c, vs, N(vs)), 3);
    semver_constraint_free(c);
    assert_int_equal(semver_constraint_parse(&c, ">3", NULL), 0);
    assert_int_equal(semver_select_newest(c, vs, N(vs)), -1);
    semver_constraint_free(c);
    assert_int_equal(semver_select_newest(NULL, vs, N(vs)), 3);
}

static void
test_rewrite_range(void **state)
{
    (void)state;
    /* The range rewrite is internal; its effects show through checks. */
    for (size_t i = 0; i < N(range_cases); i++) {
        struct semver_constraint *a, *b;
        assert_int_equal(semver_constraint_parse(&a, range_cases[i].in, NULL), 0);
        assert_int_equal(semver_constraint_parse(&b, range_cases[i].out, NULL), 0);
        const char *vs[] = {"1.0.0", "1.5.0", "2.0.0", "2.5.0", "3.0.0", "3.9.0",
                            "4.0.0", "4.5.0", "5.1.0", "5.2.0", "0.9.0"};
        for (size_t j = 0; j < N(vs); j++) {
            struct semver v;
            assert_int_equal(semver_parse(&v, vs[j], false, NULL), 0);
            assert_int_equal(semver_constraint_check(a, &v), semver_constraint_check(b, &v));
            semver_release(&v);
        }
        semver_constraint_free(a);
        semver_constraint_free(b);
    }
}

/* semver_parse's lenient matcher is hand-written; Masterminds' pattern
 * (below, as Go's regexp reads it) must accept exactly the same strings and
 * give the same parts. Generated strings over the characters that matter. */
/* A string of fewer than `bound` characters drawn from alpha by the
 * xorshift generator *x; returns its length. */
static size_t
random_string(uint64_t *x, char *s, size_t bound, const char *alpha)
{
    size_t n = strlen(alpha);
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    size_t len = (size_t)(*x % bound);
    for (size_t i = 0; i < len; i++) {
        *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
        s[i] = alpha[*x % n];
    }
    s[len] = 0;
    return len;
}

static void
test_lenient_matches_regex(void **state)
{
    (void)state;
    static const char re[] = "^v?([0-9]+)(\\.[0-9]+)?(\\.[0-9]+)?"
                             "(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"
                             "(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?\\z";
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
    assert_non_null(code);
    pcre2_match_data *md = pcre2_match_data_create(16, NULL);
    uint64_t x = 88172645463325252u;
    for (int n = 0; n < 300000; n++) {
        char s[16];
        size_t len = random_string(&x, s, 13, "v0129.-+aZ_");
        int rc = pcre2_match(code, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
        struct semver v;
        struct pkg_err *err = NULL;
        int prc = semver_parse(&v, s, false, &err);
        bool invalid = prc && strcmp(err->msg, "Invalid Semantic Version") == 0;
        if ((rc < 0) != invalid)
            fail_msg("\"%s\": regex %d, parse %d", s, rc, prc);
        pkg_err_free(err);
        if (prc)
            continue;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        const char *pre = (rc > 5 && ov[10] != PCRE2_UNSET) ? s + ov[10] : "";
        size_t prelen = (rc > 5 && ov[10] != PCRE2_UNSET) ? ov[11] - ov[10] : 0;
        const char *meta = (rc > 8 && ov[16] != PCRE2_UNSET) ? s + ov[16] : "";
        size_t metalen = (rc > 8 && ov[16] != PCRE2_UNSET) ? ov[17] - ov[16] : 0;
        assert_int_equal(strlen(v.pre ? v.pre : ""), prelen);
        assert_memory_equal(v.pre ? v.pre : "", pre, prelen);
        assert_int_equal(strlen(v.metadata ? v.metadata : ""), metalen);
        assert_memory_equal(v.metadata ? v.metadata : "", meta, metalen);
        assert_int_equal(v.minor == 0,
                         rc <= 2 || ov[4] == PCRE2_UNSET || strtoull(s + ov[4] + 1, NULL, 10) == 0);
        semver_release(&v);
    }
    pcre2_match_data_free(md);
    pcre2_code_free(code);
}

/* The common "OP VERSION" constraint is read without Masterminds' regexes
 * (parse_simple); both ways must give the same constraint: the same error,
 * or the same answer for every version of a set. Generated strings over
 * the characters that matter, and the shapes charts write. */
static bool
constraint_outcome(const char *c, const char *const *vers, size_t nvers, bool simple,
                   struct sb *out)
{
    semver_simple_set_enabled(simple);
    struct semver_constraint *sc = NULL;
    struct pkg_err *err = NULL;
    int rc = semver_constraint_parse(&sc, c, &err);
    sb_reset(out);
    if (rc) {
        sb_addf(out, "error %d %s", rc, err->msg);
    } else {
        for (size_t i = 0; i < nvers; i++) {
            struct semver v;
            assert_int_equal(semver_parse(&v, vers[i], false, NULL), 0);
            sb_addch(out, semver_constraint_check(sc, &v) ? '1' : '0');
            semver_release(&v);
        }
    }
    pkg_err_free(err);
    semver_constraint_free(sc);
    semver_simple_set_enabled(true);
    return rc == 0;
}

static void
check_constraint(const char *c, const char *const *vers, size_t nvers)
{
    struct sb a = SB_INIT, b = SB_INIT;
    constraint_outcome(c, vers, nvers, true, &a);
    constraint_outcome(c, vers, nvers, false, &b);
    if (a.len != b.len || memcmp(a.buf, b.buf, a.len))
        fail_msg("\"%s\": simple %s, regexes %s", c, a.buf, b.buf);
    sb_release(&a);
    sb_release(&b);
}

static void
test_simple_constraints(void **state)
{
    (void)state;
    static const char *const vers[] = {
        "0.0.0",  "0.9.0",       "1.0.0",      "1.2.0",       "1.2.3",
        "1.2.4",  "1.3.0",       "1.13.99",    "1.14.0-0",    "1.14.0",
        "1.22.9", "1.23.0-0",    "1.23.0",     "1.24.0-rc.1", "1.32.0",
        "2.0.0",  "2.0.0-alpha", "1.2.3+meta", "10.0.0",      "1.2.3-beta.2",
    };
    size_t nv = sizeof(vers) / sizeof(vers[0]);
    static const char *const shapes[] = {
        ">=1.23.0-0",
        ">= 1.22.0-0",
        "^1.25.0-0",
        ">=v1.23.0-0",
        "<1.14-0",
        "<1.14",
        "~1.2",
        "~>1.2.3",
        "=1.2.3",
        "1.2.3",
        "!=1.2.3",
        "=<2",
        "=>1",
        "^0.9",
        "  >1.2.3  ",
        "\t<= 1.2.3-rc.1 ",
        ">=1.2.3-a.b-c.0",
        "v1",
        "1.2.3-",
        "1.2.3+m",
        ">=1.2, <2",
        ">=1.2 <2",
        "1.2 - 2.0",
        "1.x",
        "*",
        "",
        ">=1.2 || <1",
        ">>1",
        "<=>1",
        "1..2",
        ">=01.2.3",
        "1.2.3.4",
        "^",
        ">= ",
        "v",
        "=v1.2",
        "~1.2-",
    };
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
        check_constraint(shapes[i], vers, nv);
    uint64_t x = 0x9E3779B97F4A7C15u;
    size_t simple_ok = 0;
    for (int n = 0; n < 40000; n++) {
        char c[20];
        random_string(&x, c, 15, " \t=!<>~^v0129.-+xX*|,a");
        check_constraint(c, vers, nv);
        struct sb o = SB_INIT;
        simple_ok += constraint_outcome(c, vers, nv, true, &o);
        sb_release(&o);
    }
    assert_true(simple_ok > 100);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_constraints),
        cmocka_unit_test(test_new_constraint),
        cmocka_unit_test(test_check_str_and_select),
        cmocka_unit_test(test_rewrite_range),
        cmocka_unit_test(test_lenient_matches_regex),
        cmocka_unit_test(test_simple_constraints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
