/* Unit tests: Go's float formatting (core/gofmt.c). The table's expected
 * strings are Go's (strconv.FormatFloat, fmt's %v, encoding/json); a few
 * were checked against helm's printf/toJson. testdata/gofmt/floats.txt adds
 * some 3,300 values whose shortest digits come from an independent
 * implementation (see gen-floats.py there). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"

struct fcase {
    double f;
    char fmt;
    int prec;
    const char *want;
};

static const struct fcase fcases[] = {
    {0.0, 'g', -1, "0"},
    {-0.0, 'g', -1, "-0"},
    {1.0, 'g', -1, "1"},
    {3.0, 'g', -1, "3"},
    {-3.0, 'g', -1, "-3"},
    {100000.0, 'g', -1, "100000"},
    {1e6, 'g', -1, "1e+06"},
    {123456.7, 'g', -1, "123456.7"},
    {1234567.0, 'g', -1, "1.234567e+06"},
    {123456789.0, 'g', -1, "1.23456789e+08"},
    {0.1, 'g', -1, "0.1"},
    {0.1 + 0.2, 'g', -1, "0.30000000000000004"},
    {1e-4, 'g', -1, "0.0001"},
    {1e-5, 'g', -1, "1e-05"},
    {1.5e-7, 'g', -1, "1.5e-07"},
    {1e-7, 'g', -1, "1e-07"},
    {1e20, 'g', -1, "1e+20"},
    {1e21, 'g', -1, "1e+21"},
    {1e23, 'g', -1, "1e+23"},
    {5e-324, 'g', -1, "5e-324"},
    {1.7976931348623157e308, 'g', -1, "1.7976931348623157e+308"},
    {2.2250738585072014e-308, 'g', -1, "2.2250738585072014e-308"},
    {2.225073858507201e-308, 'g', -1, "2.225073858507201e-308"},
    {9007199254740992.0, 'g', -1, "9.007199254740992e+15"},
    {9007199254740993.0, 'g', -1, "9.007199254740992e+15"},
    {9007199254740994.0, 'g', -1, "9.007199254740994e+15"},
    {3.141592653589793, 'g', -1, "3.141592653589793"},
    {2.5, 'g', -1, "2.5"},
    {1.0 / 3, 'g', -1, "0.3333333333333333"},
    {8080.0, 'g', -1, "8080"},
    {1e6, 'e', -1, "1e+06"},
    {0.0, 'e', -1, "0e+00"},
    {123456.7, 'E', -1, "1.234567E+05"},
    {1e100, 'e', -1, "1e+100"},
    {5e-324, 'E', -1, "5E-324"},
    {1e6, 'f', -1, "1000000"},
    {1e21, 'f', -1, "1000000000000000000000"},
    {1e-7, 'f', -1, "0.0000001"},
    {0.1 + 0.2, 'f', -1, "0.30000000000000004"},
    {1e6, 'G', -1, "1E+06"},
    {1.5e-7, 'G', -1, "1.5E-07"},
    {1234.5678, 'e', 0, "1e+03"},
    {1234.5678, 'e', 2, "1.23e+03"},
    {1234.5678, 'e', 17, "1.23456780000000003e+03"},
    {1234.5678, 'E', 3, "1.235E+03"},
    {0.0, 'e', 3, "0.000e+00"},
    {-0.0, 'e', 2, "-0.00e+00"},
    {1234.5678, 'f', 0, "1235"},
    {1234.5678, 'f', 2, "1234.57"},
    {0.5, 'f', 0, "0"},
    {1.5, 'f', 0, "2"},
    {2.5, 'f', 0, "2"},
    {0.125, 'f', 2, "0.12"},
    {0.375, 'f', 2, "0.38"},
    {-0.0001, 'f', 2, "-0.00"},
    {1e21, 'f', 1, "1000000000000000000000.0"},
    {0.1, 'f', 17, "0.10000000000000001"},
    {0.1, 'f', 20, "0.10000000000000000555"},
    {1234.5678, 'g', 0, "1e+03"},
    {1234.5678, 'g', 1, "1e+03"},
    {1234.5678, 'g', 3, "1.23e+03"},
    {1234.5678, 'g', 4, "1235"},
    {1234.5678, 'g', 6, "1234.57"},
    {1234.5678, 'g', 17, "1234.5678"},
    {100.0, 'g', 10, "100"},
    {1e5, 'g', 3, "1e+05"},
    {1e-5, 'g', 3, "1e-05"},
    {0.0001, 'g', 2, "0.0001"},
    {123456.0, 'g', 6, "123456"},
    {1234567.0, 'g', 6, "1.23457e+06"},
    {0.0, 'g', 5, "0"},
    {1e21, 'g', 25, "1000000000000000000000"},
    {0.1, 'g', 20, "0.10000000000000000555"},
    {1234.5678, 'G', 2, "1.2E+03"},
    {0x1p-1017, 'g', -1, "7.120236347223045e-307"},
    {0x1p-957, 'e', -1, "8.209073602596753e-289"},
    {INFINITY, 'g', -1, "+Inf"},
    {-INFINITY, 'f', 2, "-Inf"},
    {NAN, 'e', -1, "NaN"},
};

static void
test_format_float(void **state)
{
    (void)state;
    struct sb sb = SB_INIT;
    int bad = 0;
    for (size_t i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++) {
        const struct fcase *c = &fcases[i];
        sb_reset(&sb);
        gofmt_float(&sb, c->f, c->fmt, c->prec);
        if (strcmp(sb.buf, c->want) != 0) {
            print_message("case %zu: %.17g '%c' %d: got \"%s\", want \"%s\"\n", i, c->f, c->fmt,
                          c->prec, sb.buf, c->want);
            bad++;
        }
    }
    sb_release(&sb);
    assert_int_equal(bad, 0);
}

struct jcase {
    double f;
    const char *want;
};

static const struct jcase jcases[] = {
    {0.0, "0"},
    {-0.0, "-0"},
    {3.0, "3"},
    {1e6, "1000000"},
    {1e20, "100000000000000000000"},
    {1e21, "1e+21"},
    {1e-6, "0.000001"},
    {1e-7, "1e-7"},
    {1.5e-7, "1.5e-7"},
    {123456789.0, "123456789"},
    {0.1 + 0.2, "0.30000000000000004"},
    {5e-324, "5e-324"},
    {1.7976931348623157e308, "1.7976931348623157e+308"},
    {-1e-7, "-1e-7"},
    {1e-10, "1e-10"},
    {123e-20, "1.23e-18"},
};

static void
test_format_json(void **state)
{
    (void)state;
    struct sb sb = SB_INIT;
    int bad = 0;
    for (size_t i = 0; i < sizeof(jcases) / sizeof(jcases[0]); i++) {
        sb_reset(&sb);
        gofmt_float_json(&sb, jcases[i].f);
        if (strcmp(sb.buf, jcases[i].want) != 0) {
            print_message("json case %zu: got \"%s\", want \"%s\"\n", i, sb.buf, jcases[i].want);
            bad++;
        }
    }
    sb_release(&sb);
    assert_int_equal(bad, 0);
}

static void
test_format_v_and_ints(void **state)
{
    (void)state;
    struct sb sb = SB_INIT;
    gofmt_float_v(&sb, 1e6);
    sb_addch(&sb, ' ');
    gofmt_float_v(&sb, -0.0);
    sb_addch(&sb, ' ');
    gofmt_float_v(&sb, INFINITY);
    sb_addch(&sb, ' ');
    gofmt_float_v(&sb, -INFINITY);
    sb_addch(&sb, ' ');
    gofmt_float_v(&sb, NAN);
    sb_addch(&sb, ' ');
    gofmt_int(&sb, INT64_MIN);
    sb_addch(&sb, ' ');
    gofmt_int(&sb, 0);
    sb_addch(&sb, ' ');
    gofmt_uint(&sb, UINT64_MAX);
    assert_string_equal(sb.buf,
                        "1e+06 -0 +Inf -Inf NaN -9223372036854775808 0 18446744073709551615");
    /* float32: the digits that round-trip through float32. */
    sb_reset(&sb);
    gofmt_float32(&sb, 0.1f, 'g', -1);
    sb_addch(&sb, ' ');
    gofmt_float32(&sb, 1.0f / 3, 'g', -1);
    sb_addch(&sb, ' ');
    gofmt_float32(&sb, 3.4028234663852886e38, 'g', -1);
    sb_addch(&sb, ' ');
    gofmt_float32(&sb, 1.401298464324817e-45, 'g', -1);
    sb_addch(&sb, ' ');
    gofmt_float32(&sb, 16777216.0f, 'g', -1);
    sb_addch(&sb, ' ');
    gofmt_float32(&sb, 0.1f, 'f', 12);
    sb_addch(&sb, ' ');
    gofmt_float32_json(&sb, 1e-7f);
    sb_addch(&sb, ' ');
    gofmt_float32_json(&sb, 1e21f);
    assert_string_equal(sb.buf, "0.1 0.33333334 3.4028235e+38 1e-45 1.6777216e+07 0.100000001490 "
                                "1e-7 1e+21");
    /* Appends, never truncates. */
    sb_reset(&sb);
    sb_addstr(&sb, "x=");
    gofmt_float(&sb, 0.5, 'g', -1);
    assert_string_equal(sb.buf, "x=0.5");
    sb_release(&sb);
}

/* Every line of floats.txt: bits, 'g' shortest, 'e' shortest, JSON. */
static void
test_format_differential(void **state)
{
    (void)state;
    FILE *fp = fopen("testdata/gofmt/floats.txt", "r");
    assert_non_null(fp);
    char line[512], g[128], e[128], j[512];
    unsigned long long bits;
    struct sb sb = SB_INIT;
    int n = 0, bad = 0;
    while (fgets(line, sizeof(line), fp)) {
        if (line[0] == '#')
            continue;
        if (sscanf(line, "%llx %127s %127s %511s", &bits, g, e, j) != 4) {
            fail_msg("bad line: %s", line);
        }
        double f;
        uint64_t b = bits;
        memcpy(&f, &b, sizeof(f));
        const char *want[3] = {g, e, j};
        for (int k = 0; k < 3; k++) {
            sb_reset(&sb);
            if (k == 2)
                gofmt_float_json(&sb, f);
            else
                gofmt_float(&sb, f, k == 0 ? 'g' : 'e', -1);
            if (strcmp(sb.buf, want[k]) != 0) {
                if (bad++ < 10)
                    print_message("%016llx (%d): got %s, want %s\n", bits, k, sb.buf, want[k]);
            }
        }
        n++;
    }
    fclose(fp);
    sb_release(&sb);
    assert_true(n > 3000);
    assert_int_equal(bad, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_float),
        cmocka_unit_test(test_format_json),
        cmocka_unit_test(test_format_v_and_ints),
        cmocka_unit_test(test_format_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
