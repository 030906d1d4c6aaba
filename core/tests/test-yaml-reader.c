/* Unit tests: pkg's libyaml reader (core/yaml-reader.c) against libyaml's
 * own, taken from the shared library with dlsym. Both read the same input
 * through twin parsers; the test asks each for characters as the scanner
 * does (CACHE of 1 to 4 characters, sometimes more), compares the
 * decoded buffer, the counters and any error field by field, then
 * consumes characters (SKIP) and goes on to the end of the input. Inputs:
 * YAML text, every encoding and BOM, every kind of bad byte sequence,
 * characters split across the 16 KiB raw buffer, input handed over in
 * small pieces, and random byte soups. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/tests/yaml-reader-dual.h"

static reader_update_fn libyaml_update;

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t
next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* Drives both readers over the input; chunks == NULL reads it as a string. */
static void
compare(const unsigned char *in, size_t n, const size_t *chunks, size_t nchunks)
{
    yaml_parser_t a, b;
    struct pieces pa = {in, n, 0, chunks, nchunks, 0}, pb = pa;
    assert_true(yaml_parser_initialize(&a));
    assert_true(yaml_parser_initialize(&b));
    if (chunks) {
        yaml_parser_set_input(&a, read_pieces, &pa);
        yaml_parser_set_input(&b, read_pieces, &pb);
    } else {
        yaml_parser_set_input_string(&a, in, n);
        yaml_parser_set_input_string(&b, in, n);
    }
    for (int steps = 0; steps < 1000000; steps++) {
        uint32_t r = next_rand();
        size_t want = r % 16 == 0 ? 1 + r % 200 : 1 + r % 4;
        int ra = yaml_parser_update_buffer(&a, want);
        int rb = libyaml_update(&b, want);
        const char *d = readers_differ(&a, &b, ra, rb);
        if (d)
            fail_msg("the readers differ: %s", d);
        if (!ra)
            break;
        if (a.unread == 0)
            break; /* the end: nothing more to decode */
        size_t take = 1 + next_rand() % want;
        if (take > a.unread)
            take = a.unread;
        bool end = false;
        for (size_t k = 0; k < take; k++) {
            if (*a.buffer.pointer == '\0' && a.eof && a.unread == 1)
                end = true;
            readers_skip(&a, &b);
        }
        if (end)
            break;
    }
    yaml_parser_delete(&a);
    yaml_parser_delete(&b);
}

static void
compare_all_ways(const unsigned char *in, size_t n)
{
    static const size_t one[] = {1}, odd[] = {3, 1, 7, 2, 5}, big[] = {16384, 100, 9000};
    compare(in, n, NULL, 0);
    compare(in, n, one, 1);
    compare(in, n, odd, 5);
    compare(in, n, big, 3);
}

static void
compare_str(const char *s, size_t n)
{
    compare_all_ways((const unsigned char *)s, n);
}

#define CMP(lit) compare_str(lit, sizeof(lit) - 1)

static void
test_yaml_text(void **state)
{
    (void)state;
    CMP("");
    CMP("a: 1\n");
    CMP("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\r\ndata:\n\tk: \"v\"\n# c\n");
    CMP("key: caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 end\xc2\x85nel\xc2\xa0nbsp\n");
    CMP("\xef\xbb\xbf"
        "bom: utf8\n");
    CMP("\xef\xbb");
    CMP("\xef");
}

static void
test_utf16(void **state)
{
    (void)state;
    CMP("\xff\xfe"
        "a\0:\0 \0\xe9\0\n\0");
    CMP("\xfe\xff\0a\0:\0 \0\xe9\0\n");
    CMP("\xff\xfe\x3d\xd8\x00\xde\n\0"); /* a surrogate pair, LE */
    CMP("\xfe\xff\xd8\x3d\xde\x00\0\n"); /* and BE */
    CMP("\xff\xfe\x00\xdc\n\0");         /* a lone low surrogate */
    CMP("\xff\xfe\x3d\xd8\n\0");         /* a high one without its pair */
    CMP("\xff\xfe\x3d\xd8");             /* cut inside the pair */
    CMP("\xff\xfe"
        "a\0b");             /* an odd byte at the end */
    CMP("\xff\xfe\x01\0");   /* a control character */
    CMP("\xff\xfe\xfe\xff"); /* U+FFFE */
}

static void
test_bad_utf8(void **state)
{
    (void)state;
    CMP("a: \x80\n");
    CMP("a: \xff\n");
    CMP("a: \xc3");
    CMP("a: \xe4\xb8");
    CMP("a: \xc3(\n");
    CMP("a: \xc0\x80\n");
    CMP("a: \xe0\x80\x80\n");
    CMP("a: \xed\xa0\x80\n");
    CMP("a: \xf4\x90\x80\x80\n");
    CMP("a: \x01\n");
    CMP("a: \x7f\n");
    CMP("a: \x1b[0m\n");
    CMP("a: \xc2\x80\n");
    CMP("a: \xef\xbf\xbe\n");
    CMP("a\0b");
}

/* Multi-byte characters and bad bytes placed across the raw buffer's
 * 16 KiB boundary, and inputs several buffers long. */
static void
test_chunk_boundaries(void **state)
{
    (void)state;
    static const char *tails[] = {"\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\x80",
                                  "\xc3",     "\x01",         "\xc2\x85"};
    enum { N = 16384 };
    unsigned char *buf = malloc(3 * N);
    for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
        size_t tl = strlen(tails[t]);
        for (size_t before = N - 4; before <= N + 1; before++) {
            memset(buf, 'x', before);
            for (size_t i = 40; i < before; i += 41)
                buf[i] = '\n';
            memcpy(buf + before, tails[t], tl);
            memcpy(buf + before + tl, "\nmore: text\n", 12);
            compare_all_ways(buf, before + tl + 12);
        }
    }
    free(buf);
}

static void
test_random_soups(void **state)
{
    (void)state;
    static const char *const atoms[] = {"a",        "key: value\n", " ",
                                        "\t",       "\n",           "\r\n",
                                        "#",        "\"",           "-",
                                        "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80",
                                        "\xc2\x85", "\x80",         "\xc3",
                                        "\xe4\xb8", "\x01",         "\x7f",
                                        "\xff",     "\xed\xa0\x80", "\xef\xbf\xbf",
                                        "\0"};
    enum { NATOMS = sizeof(atoms) / sizeof(atoms[0]) };
    unsigned char *buf = malloc(70000);
    for (int round = 0; round < 300; round++) {
        size_t n = 0, target = next_rand() % (round % 10 == 0 ? 60000 : 400);
        bool clean = round % 3 != 0; /* mostly valid text, so the readers get far */
        if (round % 7 == 0) {
            static const char *const boms[] = {"\xef\xbb\xbf", "\xff\xfe", "\xfe\xff"};
            const char *b = boms[next_rand() % 3];
            memcpy(buf, b, strlen(b));
            n = strlen(b);
        }
        while (n < target) {
            uint32_t r = next_rand();
            size_t i = clean ? (r % 100 < 95 ? r % 12 : r % NATOMS) : r % NATOMS;
            size_t l = i == NATOMS - 1 ? 1 : strlen(atoms[i]);
            memcpy(buf + n, atoms[i], l);
            n += l;
        }
        compare_all_ways(buf, n);
    }
    free(buf);
}

static int
setup(void **state)
{
    (void)state;
    libyaml_update = libyaml_reader();
    if (!libyaml_update) {
        fprintf(stderr, "test-yaml-reader: libyaml's own reader was not found\n");
        return -1;
    }
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_text),    cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_bad_utf8),     cmocka_unit_test(test_chunk_boundaries),
        cmocka_unit_test(test_random_soups),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
