/* Unit tests: the --set grammar (pkg/strvals). Cases restate Helm's
 * parser_test.go and literal_parser_test.go, plus error texts and type
 * rules checked against helm v3.17.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chart/chart.h"
#include "chart/tests/test-util.h"

struct sv_case {
    enum chart_strvals_mode mode;
    const char *in;
    const char *want; /* dump of the result, or NULL when an error is expected */
    const char *err;  /* expected error text (NULL: any) */
};

#define S CHART_SET
#define SS CHART_SET_STRING
#define SJ CHART_SET_JSON
#define SL CHART_SET_LITERAL

static const struct sv_case cases[] = {
    /* ParseString */
    {SS, "long_int_string=1234567890", "{long_int_string:\"1234567890\"}", NULL},
    {SS, "boolean=true", "{boolean:\"true\"}", NULL},
    {SS, "is_null=null", "{is_null:\"null\"}", NULL},
    {SS, "zero=0", "{zero:\"0\"}", NULL},
    {SS, "list={1,2}", "{list:[\"1\",\"2\"]}", NULL},
    /* Parse */
    {S, "name1=null,f=false,t=true", "{f:false,name1:null,t:true}", NULL},
    {S, "name1=value1", "{name1:\"value1\"}", NULL},
    {S, "name1=value1,name2=value2", "{name1:\"value1\",name2:\"value2\"}", NULL},
    {S, "name1=value1,name2=value2,", "{name1:\"value1\",name2:\"value2\"}", NULL},
    {S, "name1=value1,,,,name2=value2,", NULL, "key \"\" has no value (cannot end with ,)"},
    {S, "name1=,name2=value2", "{name1:\"\",name2:\"value2\"}", NULL},
    {S, "leading_zeros=00009", "{leading_zeros:\"00009\"}", NULL},
    {S, "zero_int=0", "{zero_int:0}", NULL},
    {S, "long_int=1234567890", "{long_int:1234567890}", NULL},
    {S, "boolean=true", "{boolean:true}", NULL},
    {S, "is_null=null", "{is_null:null}", NULL},
    {S, "name1,name2=", NULL, "key \"name1\" has no value (cannot end with ,)"},
    {S, "name1,name2=value2", NULL, NULL},
    {S, "name1,name2=value2\\", NULL, NULL},
    {S, "name1,name2", NULL, NULL},
    {S, "name1=one\\,two,name2=three\\,four", "{name1:\"one,two\",name2:\"three,four\"}", NULL},
    {S, "name1=one\\=two,name2=three\\=four", "{name1:\"one=two\",name2:\"three=four\"}", NULL},
    {S, "name1=one two three,name2=three two one",
     "{name1:\"one two three\",name2:\"three two one\"}", NULL},
    {S, "outer.inner=value", "{outer:{inner:\"value\"}}", NULL},
    {S, "outer.middle.inner=value", "{outer:{middle:{inner:\"value\"}}}", NULL},
    {S, "outer.inner1=value,outer.inner2=value2", "{outer:{inner1:\"value\",inner2:\"value2\"}}",
     NULL},
    {S, "outer.inner1=value,outer.middle.inner=value",
     "{outer:{inner1:\"value\",middle:{inner:\"value\"}}}", NULL},
    {S, "name1.name2", NULL, "key \"name2\" has no value"},
    {S, "name1.name2,name1.name3", NULL, NULL},
    {S, "name1.name2=", "{name1:{name2:\"\"}}", NULL},
    {S, "name1.=name2", NULL, "key map \"name1\" has no value"},
    {S, "name1.,name2", NULL, NULL},
    {S, "name1={value1,value2}", "{name1:[\"value1\",\"value2\"]}", NULL},
    {S, "name1={value1,value2},name2={value1,value2}",
     "{name1:[\"value1\",\"value2\"],name2:[\"value1\",\"value2\"]}", NULL},
    {S, "name1={1021,902}", "{name1:[1021,902]}", NULL},
    {S, "name1.name2={value1,value2}", "{name1:{name2:[\"value1\",\"value2\"]}}", NULL},
    {S, "name1={1021,902", NULL, "list must terminate with '}'"},
    {S, "list[0]=foo", "{list:[\"foo\"]}", NULL},
    {S, "list[0].foo=bar", "{list:[{foo:\"bar\"}]}", NULL},
    {S, "list[0].foo=bar,list[0].hello=world", "{list:[{foo:\"bar\",hello:\"world\"}]}", NULL},
    {S, "list[0].foo=bar,list[-30].hello=world", NULL, "negative -30 index not allowed"},
    {S, "list[0]=foo,list[1]=bar", "{list:[\"foo\",\"bar\"]}", NULL},
    {S, "list[0]=foo,list[1]=bar,", "{list:[\"foo\",\"bar\"]}", NULL},
    {S, "list[0]=foo,list[3]=bar", "{list:[\"foo\",null,null,\"bar\"]}", NULL},
    {S, "list[0]=foo,list[-20]=bar", NULL, "negative -20 index not allowed"},
    {S, "illegal[0]name.foo=bar", NULL, "unexpected data at end of array index: ['n' 'a' 'm' 'e']"},
    {S, "noval[0]", "{noval:[]}", NULL},
    {S, "noval[0]=", "{noval:[\"\"]}", NULL},
    {S, "nested[0][0]=1", "{nested:[[1]]}", NULL},
    {S, "nested[1][1]=1", "{nested:[null,[null,1]]}", NULL},
    {S, "name1.name2[0].foo=bar,name1.name2[1].foo=bar",
     "{name1:{name2:[{foo:\"bar\"},{foo:\"bar\"}]}}", NULL},
    {S, "name1.name2[1].foo=bar,name1.name2[0].foo=bar",
     "{name1:{name2:[{foo:\"bar\"},{foo:\"bar\"}]}}", NULL},
    {S, "name1.name2[1].foo=bar", "{name1:{name2:[null,{foo:\"bar\"}]}}", NULL},
    {S, "]={}].", NULL, NULL},
    /* Type rules: typedVal. */
    {S, "a=TRUE,b=False,c=NULL,d=-0,e=+5,f=1e3,g=9223372036854775807,h=9223372036854775808",
     "{a:true,b:false,c:null,d:0,e:5,f:\"1e3\",g:9223372036854775807,h:\"9223372036854775808\"}",
     NULL},
    {S, "a=-9223372036854775808,b=-,c=4.5,d=0x10,e=1_000",
     "{a:-9223372036854775808,b:\"-\",c:\"4.5\",d:\"0x10\",e:\"1_000\"}", NULL},
    {S, "a=x=y,b=http://h:80/p", "{a:\"x=y\",b:\"http://h:80/p\"}", NULL},
    {S, "a\\.b=1,c\\[0\\]=2", "{a.b:1,c[0]:2}", NULL},
    {S, "a={}", "{a:[\"\"]}", NULL},
    {S, "a={a,b},c=d", "{a:[\"a\",\"b\"],c:\"d\"}", NULL},
    {S, "a={x}y=1", "{a:[\"x\"],y:1}", NULL},
    /* Errors from Go type assertions that Helm recovers. */
    {S, "a=1,a.b=2", NULL,
     "unable to parse key: interface conversion: interface {} is int64, not "
     "map[string]interface {}"},
    {S, "a=x,a[0]=2", NULL,
     "unable to parse key: interface conversion: interface {} is string, not []interface {}"},
    {S, "a.b=1,a[0]=2", NULL,
     "unable to parse key: interface conversion: interface {} is map[string]interface {}, not "
     "[]interface {}"},
    {S, "a=null,a.b=1", NULL,
     "unable to parse key: interface conversion: interface {} is nil, not map[string]interface "
     "{}"},
    {S, "a[0]=1,a[0][0]=2", NULL,
     "unable to parse key: interface conversion: interface {} is int64, not []interface {}"},
    {S, "a[x]=1", NULL, "error parsing index: strconv.Atoi: parsing \"x\": invalid syntax"},
    {S, "a[]=1", NULL, "error parsing index: strconv.Atoi: parsing \"\": invalid syntax"},
    {S, "a[99999999999999999999]=1", NULL,
     "error parsing index: strconv.Atoi: parsing \"99999999999999999999\": value out of range"},
    {S, "a[65537]=1", NULL, "index of 65537 is greater than maximum supported index of 65536"},
    {S, "a[0", NULL, "error parsing index: EOF"},
    {S, "a", NULL, "key \"a\" has no value"},
    {S, "", "{}", NULL},
    {S, "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.A.B.C.D.E.F=1", NULL,
     "value name nested level is greater than maximum supported nested level of 30"},
    {S, "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.A.B.C.D=1",
     "{a:{b:{c:{d:{e:{f:{g:{h:{i:{j:{k:{l:{m:{n:{o:{p:{q:{r:{s:{t:{u:{v:{w:{x:{y:{z:{A:{B:{C:{"
     "D:1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}",
     NULL},
    /* ParseJSON */
    {SJ, "outer.inner1=\"1\",outer.inner3=3,outer.inner4=true,outer.inner5=\"true\"",
     "{outer:{inner1:\"1\",inner3:3f,inner4:true,inner5:\"true\"}}", NULL},
    {SJ,
     "outer.inner1={\"a\":\"1\",\"b\":2,\"c\":[1,2,3]},outer.inner3=[\"new value 1\",\"new value "
     "2\"],outer.inner5=[{\"A\":\"1\",\"B\":2,\"C\":[1,2,3]}]",
     "{outer:{inner1:{a:\"1\",b:2f,c:[1f,2f,3f]},inner3:[\"new value 1\",\"new value "
     "2\"],inner5:[{A:\"1\",B:2f,C:[1f,2f,3f]}]}}",
     NULL},
    {SJ, "outer.inner1=,outer.inner3={\"aa\":\"1\",\"cc\":[1,2,3]},outer.inner3.cc[1]=null",
     "{outer:{inner1:null,inner3:{aa:\"1\",cc:[1f,null,3f]}}}", NULL},
    {SJ, "outer.inner5={\"A\":\"1\",\"B\":2,\"C\":[1,2,3]}]", NULL, NULL},
    {SJ, "a={\"k\":[1,2.5,\"s\",null,true],\"n\":{\"m\":1}}",
     "{a:{k:[1f,2.5f,\"s\",null,true],n:{m:1f}}}", NULL},
    {SJ, "a=  \"x\"  ,b=\"\\u00e9\\ud83d\\ude00\"", "{a:\"x\",b:\"é😀\"}", NULL},
    {SJ, "a={", NULL, NULL},
    {SJ, "a=01", NULL, "key \"1\" has no value"},
    {SJ, "a=[1,]", NULL, NULL},
    /* ParseLiteral */
    {SL, "name=value", "{name:\"value\"}", NULL},
    {SL, "long_int_string=1234567890", "{long_int_string:\"1234567890\"}", NULL},
    {SL, "boolean=true", "{boolean:\"true\"}", NULL},
    {SL, "is_null=null", "{is_null:\"null\"}", NULL},
    {SL, "zero=0", "{zero:\"0\"}", NULL},
    {SL, "name1=null,name2=value2", "{name1:\"null,name2=value2\"}", NULL},
    {SL, "name1=value,,,tail", "{name1:\"value,,,tail\"}", NULL},
    {SL, "leading_zeros=00009", "{leading_zeros:\"00009\"}", NULL},
    {SL, "name=one two three", "{name:\"one two three\"}", NULL},
    {SL, "name=one\\,two\\=three", "{name:\"one\\,two\\=three\"}", NULL},
    {SL, "name=val1={value1,value2}", "{name:\"val1={value1,value2}\"}", NULL},
    {SL, "outer.inner=value", "{outer:{inner:\"value\"}}", NULL},
    {SL, "outer.middle.inner=value", "{outer:{middle:{inner:\"value\"}}}", NULL},
    {SL, "name1.name2", NULL, "key \"name2\" has no value"},
    {SL, "name1.=name2", NULL, "key map \"name1\" has no value"},
    {SL, "list[0]=foo", "{list:[\"foo\"]}", NULL},
    {SL, "list[0].foo=bar", "{list:[{foo:\"bar\"}]}", NULL},
    {SL, "list[0].foo=bar,list[0].hello=world", "{list:[{foo:\"bar,list[0].hello=world\"}]}", NULL},
    {SL, "nested[1][1]=1", "{nested:[null,[null,\"1\"]]}", NULL},
    {SL, "noval[0]", "{noval:[]}", NULL},
    {SL, "illegal[0]name.foo=bar", NULL,
     "unexpected data at end of array index: ['n' 'a' 'm' 'e']"},
};

static void
test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct sv_case *c = &cases[i];
        struct arena *a = arena_new();
        struct val *m = val_map(a);
        struct pkg_err *err = NULL;
        int rc = chart_strvals_parse(a, m, c->in, c->mode, NULL, NULL, &err);
        if (c->want) {
            if (rc)
                fail_msg("case %zu %s: unexpected error: %s", i, c->in, err ? err->msg : "?");
            const char *got = tu_dumps(m, a);
            if (strcmp(got, c->want))
                fail_msg("case %zu %s:\n got  %s\n want %s", i, c->in, got, c->want);
        } else {
            if (!rc)
                fail_msg("case %zu %s: expected an error, got %s", i, c->in, tu_dumps(m, a));
            if (c->err && strcmp(err->msg, c->err))
                fail_msg("case %zu %s:\n got error  %s\n want error %s", i, c->in, err->msg,
                         c->err);
        }
        pkg_err_free(err);
        arena_free(a);
    }
}

/* ParseInto: parsing into existing maps and lists. */
static void
test_into(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *m = val_map(a);
    assert_int_equal(chart_strvals_parse(a, m, "outer.inner1=overwrite,outer.inner2=value2", S,
                                         NULL, NULL, NULL),
                     0);
    assert_int_equal(chart_strvals_parse(a, m,
                                         "outer.inner1=value1,outer.inner3=value3,"
                                         "outer.inner4=4",
                                         S, NULL, NULL, NULL),
                     0);
    assert_string_equal(tu_dumps(m, a),
                        "{outer:{inner1:\"value1\",inner2:\"value2\",inner3:\"value3\",inner4:4}}");
    m = val_map(a);
    assert_int_equal(
        chart_strvals_parse(a, m, "listOuter[0][0].type=listValue", S, NULL, NULL, NULL), 0);
    assert_int_equal(chart_strvals_parse(a, m, "listOuter[0][0].status=alive", S, NULL, NULL, NULL),
                     0);
    assert_string_equal(tu_dumps(m, a), "{listOuter:[[{status:\"alive\",type:\"listValue\"}]]}");
    m = val_map(a);
    assert_int_equal(
        chart_strvals_parse(a, m, "listOuter[0][0][0].exited=old", S, NULL, NULL, NULL), 0);
    assert_int_equal(
        chart_strvals_parse(a, m, "listOuter[0][1][0].type=listValue", S, NULL, NULL, NULL), 0);
    assert_int_equal(
        chart_strvals_parse(a, m, "listOuter[0][0][1].status=alive", S, NULL, NULL, NULL), 0);
    assert_string_equal(tu_dumps(m, a), "{listOuter:[[[{exited:\"old\"},{status:\"alive\"}],[{"
                                        "type:\"listValue\"}]]]}");
    /* A list element that is not a map is replaced by one. */
    m = val_map(a);
    assert_int_equal(chart_strvals_parse(a, m, "l={a,b},l[1].x=1", S, NULL, NULL, NULL), 0);
    assert_string_equal(tu_dumps(m, a), "{l:[\"a\",{x:1}]}");
    arena_free(a);
}

static int
fake_reader(struct val **out, struct arena *a, const char *path, void *payload,
            struct pkg_err **errp)
{
    (void)payload;
    if (!strcmp(path, "missing"))
        return pkg_err_set(errp, PKG_ENOENT, "open missing: no such file or directory");
    *out = val_strf(a, "<%s>", path);
    return 0;
}

static void
test_file(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *m = val_map(a);
    assert_int_equal(chart_strvals_parse(a, m, "name1=path1,l={p,q},e=", CHART_SET_FILE,
                                         fake_reader, NULL, NULL),
                     0);
    assert_string_equal(tu_dumps(m, a), "{e:\"\",l:[\"<p>\",\"<q>\"],name1:\"<path1>\"}");
    struct pkg_err *err = NULL;
    assert_int_equal(
        chart_strvals_parse(a, m, "x=missing", CHART_SET_FILE, fake_reader, NULL, &err),
        PKG_ENOENT);
    assert_string_equal(err->msg, "open missing: no such file or directory");
    pkg_err_free(err);
    arena_free(a);
}

/* Invalid UTF-8 reads as U+FFFD, as Go's ReadRune gives it. */
static void
test_invalid_utf8(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *m = val_map(a);
    assert_int_equal(chart_strvals_parse(a, m, "k=\xff", S, NULL, NULL, NULL), 0);
    assert_string_equal(tu_dumps(m, a), "{k:\"\xEF\xBF\xBD\"}");
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_into),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
