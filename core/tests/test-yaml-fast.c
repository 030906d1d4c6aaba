/* Unit tests: the fast YAML path (core/yaml-fast.c) against libyaml. Every
 * input is loaded both ways (core/tests/yaml-dual.h) and the outcomes must
 * be identical: each node's value, style, flags and position, or the
 * error. Inputs: a table of the forms the fast path reads and of those it
 * must leave to libyaml (each asserting which way it went), random
 * documents from a generator with random damage, and the repository's own
 * YAML fixtures. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/tests/yaml-dual.h"

static const struct val_yaml_opts helm_opts = {.dialect = VAL_YAML_HELM,
                                               .json_compat = true,
                                               .allow_duplicate_keys = true,
                                               .first_doc_only = true,
                                               .goyaml_errors = true};
static const struct val_yaml_opts kyaml_opts = {.dialect = VAL_YAML_KYAML};

/* Loads s both ways with both option sets; fails the test on a
 * difference. Returns whether the fast path read it. */
static bool
check(const char *s, size_t n)
{
    struct sb fast = SB_INIT, slow = SB_INIT;
    bool took = false;
    const struct val_yaml_opts *opts[] = {&helm_opts, &kyaml_opts};
    for (size_t k = 0; k < 2; k++) {
        if (!dual_load(s, n, opts[k], &fast, &slow, &took)) {
            print_error("input (%zu bytes):\n%.*s\n-- fast:\n%.*s\n-- libyaml:\n%.*s\n", n, (int)n,
                        s, (int)fast.len, fast.buf, (int)slow.len, slow.buf);
            fail();
        }
    }
    sb_release(&fast);
    sb_release(&slow);
    return took;
}

static bool
checkz(const char *s)
{
    return check(s, strlen(s));
}

/* Forms the fast path reads itself. */
static const char *const fast_cases[] = {
    "a: 1\n",
    "a: 1",
    "",
    "# only a comment\n\n   \n",
    "a: 1\nb:\n  c: 2\n  d:\n    - x\n    - y\ne: 3\n",
    "  a: 1\n  b: 2\n",
    "- a\n- b\n-\n- c\n",
    "- a: 1\n  b: 2\n- c: 3\n",
    "- - a\n  - b\n- - c\n",
    "-   a: 1\n    b: 2\n",
    "key:\n- a\n- b\nother: 1\n",
    "key:\n- a: 1\n  b: 2\n- c\nnext: x\n",
    "a:\n  -\n    b: 1\n  -\n  - c\n",
    "a:\nb:\n",
    "a:   # comment\n  b: 1\n",
    "a: b # comment\nc: d#not-a-comment\n",
    "a: b  \t# tab before the comment\n",
    "a: x\ty\n",
    "a  : spaced key\n",
    "\"quoted key\": 1\n'single': 2\n\"q\" : 3\n",
    "a: \"esc \\n \\t \\\\ \\\" \\/ \\x41 \\u263A \\U0001F600 \\0 \\e \\N \\_ \\L \\P\"\n",
    "a: 'it''s'\nb: ''\nc: \"\"\nd: '''x'''\n",
    "a: \"  spaces inside  \"\nb: ' \tx\t '\n",
    "a: -1\nb: -x\nc: ?x\nd: :x\n-e: 1\n",
    "a: b:c\nd: http://x.example/y?z=1#frag\n",
    "a: |\n  line 1\n  line 2\nb: 1\n",
    "a: |-\n  x\n\n\nb: 1\n",
    "a: |+\n  x\n\n\nb: 1\n",
    "a: |\n\n  x\n   more\n\n  y\n",
    "a: >\n  folded\n  lines\n\n  para\n   indented\n  back\nb: 1\n",
    "a: >-\n  f\n  g\n",
    "a: |2\n    two extra\n  base\n",
    "a: |1-\n  x\n",
    "a: |\nb: 1\n",
    "a: |\n  x",
    "a: |\n  # not a comment\n  \tt\n",
    "- |\n  in a sequence\n- >\n  folded\n",
    "a:\n  |\n   own line\n",
    "a: |  # comment\n  x\n",
    "a: plain\n  continued\n\n  para\nb: 1\n",
    "a: plain\n  - not an entry\n",
    "- one\n  two\n- three\n",
    "a: x\n  # comment ends it\nb: 1\n",
    "a: []\nb: {}\nc: [ ]\nd: { }\n",
    "a: [1, two, \"three\", 'four', [5, 6], {x: 1}]\n",
    "a: {b: 1, c: [true, null], \"d\": e, f: g h}\n",
    "a: [a, b, ]\n",
    "a: {\"k\":1}\n",
    "a: [x:y]\n",
    "a: [1, 2]  # comment\n",
    "- [a, b]\n- {c: d}\n",
    "---\na: 1\n",
    "--- # comment\na: 1\n",
    "a: 1\n---\nb: 2\n---\n- c\n",
    "a: 1\n--- \nb: 2\n",
    "a: plain\n---\nb: 2\n",
    "a: |\n  x\n---\nb: 2\n",
    "ключ: значение\nb: \"ü\"\nc: [é, ñ]\n",
    "a: 日本 # x\nb:\n- 語\n",
    "a: 1\na: 2\n",
    "<<:\n  a: 1\nb: 2\n",
    "a:\n  <<:\n    x: 1\n  y: 2\n",
    "- a\n-\n-\n",
    "a: ---\nb: ...\n---x: 1\n",
    "a: 0x1F\nb: 1e3\nc: yes\nd: ~\ne: null\nf: 0777\ng: 1_000\nh: .inf\ni: 2001-12-14\n",
    "a:\n\n\n  b: 1\n",
    "a: 1\n# comment\n\n# more\nb: 2\n",
    "a:\n  b:\n    c:\n      d:\n        e: deep\n",
    "a: &x 1\nb: *x\n",
    "base: &b\n  x: 1\n  y: 2\nother:\n  <<: *b\n  y: 3\n",
    "list: &l\n- a\n- b\ncopy: *l\n",
    "- &a x\n- *a\n",
    "a: &e\nb: *e\n",
    "a: &q 'quoted'\nb: &bs |\n  block\nc: *q\nd: *bs\n",
    "a: &f [1, 2]\nb: *f\n",
    "a: &anchor-with_chars value # c\n",
    "- &m\n  k: v\n- *m\n",
    "a: &s\n  - x\nb: *s\n",
    "a: *undefined\n",
    "a: &x 1\nb: &x 2\nc: *x\n",
    "a: &x   # comment\n  b: 1\n",
};

/* Forms left to libyaml, valid or not. */
static const char *const slow_cases[] = {
    "&a k: v\n",
    "- &a k: v\n",
    "a: &a b: c\n",
    "a: &x *y\n",
    "a: [*a]\n",
    "a: &a &b x\n",
    "a: &a !t x\n",
    "*a : b\n",
    "a: &\n",
    "a: &a,\n",
    "a: &a - x\n",
    "a: !!str 1\n",
    "a: \"multi\n  line\"\n",
    "a: 'multi\n line'\n",
    "a: [1,\n  2]\n",
    "? complex\n: value\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: 1\n...\n",
    "---\n",
    "a: 1\n---\n",
    "plain root scalar\n",
    "[flow, root]\n",
    "a:\n\tb: 1\n",
    "a:\tb\n",
    "a: 1\r\nb: 2\r\n",
    "a: \x01\n",
    "a: \"\\q\"\n",
    "a: \"\\x4\"\n",
    "a: \"\\uD800\"\n",
    "a: b: c\n",
    "a: 1\n  b: 2\n",
    "a:\n    b: 1\n  c: 2\n",
    "- a\nb: 1\n",
    "a: 1\n- b\n",
    "a: - b\n",
    "a: [b\n",
    "a: {b}\n",
    "a: {b: }\n",
    "a: [b, , c]\n",
    "a: [b: 1]\n",
    "a: |0\n  x\n",
    "a: | x\n",
    "a: 'x' y\n",
    "\xEF\xBB\xBF"
    "a: 1\n",
    "a: \xC3\n",
    "a: \xC2\x85\n",
    "a: \xE2\x80\xA8\n",
    "a: x\n \t  y\n",
    "@a: 1\n",
    "a: `x`\n",
    "a: x:\n",
    "a: [x:]\n",
    "a: {x:,y: 1}\n",
    "a: [x:[1]]\n",
};

static void
test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(fast_cases) / sizeof(fast_cases[0]); i++) {
        if (!checkz(fast_cases[i])) {
            print_error("fast path did not read case %zu:\n%s\n", i, fast_cases[i]);
            fail();
        }
    }
    for (size_t i = 0; i < sizeof(slow_cases) / sizeof(slow_cases[0]); i++) {
        if (checkz(slow_cases[i])) {
            print_error("fast path read slow case %zu:\n%s\n", i, slow_cases[i]);
            fail();
        }
    }
}

/* Every prefix of every table case: cut anywhere, the two must still
 * agree (most cuts are valid YAML, some are not). */
static void
test_prefixes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(fast_cases) / sizeof(fast_cases[0]); i++)
        for (size_t k = 0; k <= strlen(fast_cases[i]); k++)
            check(fast_cases[i], k);
}

/* ---- random documents ---- */

static uint64_t rng = 0x2545F4914F6CDD1Du;

static uint32_t
rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16) % n;
}

static const char *const plains[] = {
    "a", "foo bar", "1",    "-2",         "0x1F", "3.5", "true", "no", "~",   "null", "a:b", "a#b",
    "é", "日本語",  "x  y", "http://h/p", "-x",   "?q",  "[x",   "x]", "{}x", "1e3",  ".5",  "0o17",
};

static const char *const keys[] = {
    "a", "b", "key", "k2", "\"quoted\"", "'single'", "-k", "ü", "a b", "<<", "1", "true",
};

static void
indent_to(struct sb *o, int n)
{
    sb_addchn(o, ' ', (size_t)n);
}

static void
maybe_comment(struct sb *o)
{
    switch (rnd(12)) {
    case 0:
        sb_addstr(o, " # c");
        break;
    case 1:
        sb_addstr(o, "  \t# tab");
        break;
    case 2:
        sb_addstr(o, "   ");
        break;
    default:
        break;
    }
}

static void
maybe_blank_lines(struct sb *o, int indent)
{
    switch (rnd(10)) {
    case 0:
        sb_addch(o, '\n');
        break;
    case 1:
        indent_to(o, indent + (int)rnd(3));
        sb_addstr(o, "# comment line\n");
        break;
    case 2:
        sb_addstr(o, "   \n");
        break;
    default:
        break;
    }
}

static void gen_node(struct sb *o, int depth, int indent, bool inline_pos);

static void
gen_scalar(struct sb *o, int indent)
{
    switch (rnd(10)) {
    case 0:
        sb_addf(o, "\"%s\\n\\t\\u00e9\\x41\"", plains[rnd(sizeof(plains) / sizeof(plains[0]))]);
        break;
    case 1:
        sb_addf(o, "'%s''x'", plains[rnd(sizeof(plains) / sizeof(plains[0]))]);
        break;
    case 2: {
        static const char *const heads[] = {"|", "|-", "|+", ">", ">-", ">+", "|2", ">1-"};
        sb_addstr(o, heads[rnd(8)]);
        maybe_comment(o);
        sb_addch(o, '\n');
        int in = indent + 1 + (int)rnd(3);
        for (int k = (int)rnd(4); k >= 0; k--) {
            switch (rnd(5)) {
            case 0:
                sb_addch(o, '\n');
                break;
            case 1:
                indent_to(o, in + 1 + (int)rnd(2));
                sb_addstr(o, "more indented\n");
                break;
            default:
                indent_to(o, in);
                sb_addf(o, "%s line\n", plains[rnd(sizeof(plains) / sizeof(plains[0]))]);
                break;
            }
        }
        return;
    }
    case 3:
        sb_addstr(o, plains[rnd(sizeof(plains) / sizeof(plains[0]))]);
        sb_addch(o, '\n');
        if (rnd(2))
            sb_addch(o, '\n');
        indent_to(o, indent + 1 + (int)rnd(3));
        sb_addstr(o, "continued");
        break;
    case 4:
        sb_addstr(o, rnd(2) ? "[a, 'b', \"c\", [1, 2], {k: v}]" : "{x: 1, y: [z], 'q': \"r\"}");
        break;
    case 5:
        sb_addstr(o, rnd(2) ? "[]" : "{}");
        break;
    case 6:
        /* anchors and aliases: some defined, some not */
        if (rnd(2))
            sb_addf(o, "&a%u %s", rnd(3), plains[rnd(sizeof(plains) / sizeof(plains[0]))]);
        else
            sb_addf(o, "*a%u", rnd(3));
        break;
    default:
        sb_addstr(o, plains[rnd(sizeof(plains) / sizeof(plains[0]))]);
        break;
    }
    maybe_comment(o);
    sb_addch(o, '\n');
}

static void
gen_map(struct sb *o, int depth, int indent, bool first_inline)
{
    for (int k = (int)rnd(4) + 1; k > 0; k--) {
        if (!first_inline)
            indent_to(o, indent);
        first_inline = false;
        sb_addstr(o, keys[rnd(sizeof(keys) / sizeof(keys[0]))]);
        sb_addstr(o, rnd(6) ? ":" : " :");
        if (depth > 0 && rnd(2)) {
            if (rnd(5) == 0)
                sb_addf(o, " &a%u", rnd(3)); /* an anchored collection */
            maybe_comment(o);
            sb_addch(o, '\n');
            maybe_blank_lines(o, indent);
            if (rnd(4) == 0) {
                /* an indentless sequence */
                for (int e = (int)rnd(3) + 1; e > 0; e--) {
                    indent_to(o, indent);
                    sb_addstr(o, "- ");
                    gen_node(o, depth - 1, indent + 2, true);
                }
            } else if (rnd(6)) {
                gen_node(o, depth - 1, indent + 1 + (int)rnd(4), false);
            }
        } else {
            sb_addch(o, ' ');
            gen_scalar(o, indent);
        }
        maybe_blank_lines(o, indent);
    }
}

static void
gen_seq(struct sb *o, int depth, int indent, bool first_inline)
{
    for (int k = (int)rnd(4) + 1; k > 0; k--) {
        if (!first_inline)
            indent_to(o, indent);
        first_inline = false;
        sb_addch(o, '-');
        if (rnd(8) == 0) {
            sb_addch(o, '\n');
            continue;
        }
        int pad = 1 + (int)rnd(3);
        indent_to(o, pad);
        gen_node(o, depth - 1, indent + 1 + pad, true);
        maybe_blank_lines(o, indent);
    }
}

/* A node at `indent`; inline_pos: the cursor is already there (after "- "). */
static void
gen_node(struct sb *o, int depth, int indent, bool inline_pos)
{
    unsigned r = depth > 0 ? rnd(5) : 4;
    if (r < 2) {
        gen_map(o, depth, indent, inline_pos);
    } else if (r < 4) {
        gen_seq(o, depth, indent, inline_pos);
    } else {
        if (!inline_pos)
            indent_to(o, indent);
        gen_scalar(o, indent);
    }
}

static void
mutate(struct sb *o)
{
    static const char set[] = " \t\n-:#'\"|>[]{},&*!?x1";
    for (int k = (int)rnd(3) + 1; k > 0 && o->len; k--) {
        size_t at = rnd((uint32_t)o->len);
        switch (rnd(3)) {
        case 0:
            memmove(o->buf + at, o->buf + at + 1, o->len - at - 1);
            sb_setlen(o, o->len - 1);
            break;
        case 1: {
            char c = set[rnd(sizeof(set) - 1)];
            sb_addch(o, 0);
            memmove(o->buf + at + 1, o->buf + at, o->len - at - 2);
            o->buf[at] = c;
            break;
        }
        default:
            o->buf[at] = set[rnd(sizeof(set) - 1)];
            break;
        }
    }
}

static void
test_generated(void **state)
{
    (void)state;
    struct sb doc = SB_INIT;
    size_t took = 0, total = 0;
    for (int i = 0; i < 3000; i++) {
        sb_reset(&doc);
        int docs = rnd(6) == 0 ? 2 : 1;
        for (int d = 0; d < docs; d++) {
            if (d || rnd(8) == 0)
                sb_addstr(&doc, "---\n");
            int base = rnd(5) == 0 ? 2 : 0;
            if (rnd(2))
                gen_map(&doc, 3, base, false);
            else
                gen_seq(&doc, 3, base, false);
        }
        took += check(doc.buf, doc.len);
        total++;
        for (int m = 0; m < 4; m++) {
            struct sb bad = SB_INIT;
            sb_add(&bad, doc.buf, doc.len);
            mutate(&bad);
            check(bad.buf ? bad.buf : "", bad.len);
            sb_release(&bad);
        }
    }
    /* The generator writes mostly what the fast path reads: make sure it
     * really is the path under test. */
    if (took * 2 < total) {
        print_error("the fast path read only %zu of %zu generated documents\n", took, total);
        fail();
    }
    sb_release(&doc);
}

/* ---- the repository's YAML fixtures ---- */

static void
walk_fixtures(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            walk_fixtures(path, n);
            continue;
        }
        size_t l = strlen(e->d_name);
        bool yaml = (l > 5 && !strcmp(e->d_name + l - 5, ".yaml")) ||
                    (l > 4 && !strcmp(e->d_name + l - 4, ".yml"));
        if (!S_ISREG(st.st_mode) || !yaml || st.st_size > (1 << 20) || strstr(path, "/templates/"))
            continue;
        struct sb in = SB_INIT;
        if (sb_read_file(&in, path, 1 << 20, NULL) == 0) {
            check(in.buf ? in.buf : "", in.len);
            (*n)++;
        }
        sb_release(&in);
    }
    closedir(d);
}

static void
test_fixtures(void **state)
{
    (void)state;
    size_t n = 0;
    walk_fixtures("testdata", &n);
    assert_true(n > 50);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_fixtures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
