/* Test helper shared by core/tests/test-yaml-fast.c and fuzz/fuzz-yaml-fast.c:
 * loads an input with the fast path (core/yaml-fast.c) on and with it off
 * (libyaml alone) and dumps each outcome, every attribute of every node or
 * the error, so the two can be compared byte for byte. */
#ifndef PKG_CORE_TESTS_YAML_DUAL_H
#define PKG_CORE_TESTS_YAML_DUAL_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/sb.h"
#include "core/yaml-fast.h"
#include "core/yaml.h"

static void
dual_dump(struct sb *o, const struct val *v, int depth)
{
    sb_addf(o, "%*s%d/%d/%d/%d @%" PRIu32 ":%" PRIu32 " ", depth * 2, "", v->kind, v->gotype,
            v->style, v->flags, v->line, v->col);
    if (v->src) {
        sb_addf(o, "src[%zu]=", strlen(v->src));
        sb_addstr(o, v->src);
        sb_addch(o, ' ');
    }
    switch (v->kind) {
    case VAL_BOOL:
        sb_addstr(o, v->u.b ? "true" : "false");
        break;
    case VAL_INT:
        sb_addf(o, "%" PRId64, v->u.i);
        break;
    case VAL_FLOAT:
        sb_addf(o, "%a", v->u.f);
        break;
    case VAL_STRING:
        sb_addf(o, "str[%zu]=", v->u.s.len);
        sb_add(o, v->u.s.ptr, v->u.s.len);
        break;
    case VAL_SEQ:
        sb_addf(o, "seq %" PRIu32 "\n", v->u.seq.len);
        for (uint32_t i = 0; i < v->u.seq.len; i++)
            dual_dump(o, v->u.seq.items[i], depth + 1);
        return;
    case VAL_MAP:
        sb_addf(o, "map %" PRIu32 "\n", v->u.map.len);
        for (uint32_t i = 0; i < v->u.map.len; i++) {
            dual_dump(o, v->u.map.ents[i].key, depth + 1);
            dual_dump(o, v->u.map.ents[i].v, depth + 1);
        }
        return;
    default:
        break;
    }
    sb_addch(o, '\n');
}

static void
dual_load_one(struct sb *o, const char *buf, size_t len, const struct val_yaml_opts *opts)
{
    struct arena *a = arena_new();
    struct pkg_err *err = NULL;
    struct val *docs = NULL;
    int rc = val_yaml_load_all(&docs, a, buf, len, "in.yaml", opts, &err);
    if (rc)
        sb_addf(o, "error %d: %s\n", rc, err ? err->msg : "(none)");
    else
        dual_dump(o, docs, 0);
    pkg_err_free(err);
    arena_free(a);
}

static int
dual_null_doc(void *ctx)
{
    (void)ctx;
    return 0;
}

static int
dual_null_scalar(void *ctx, const char *text, size_t len, int style, const char *anchor,
                 uint32_t line, uint32_t col)
{
    (void)ctx, (void)text, (void)len, (void)style, (void)anchor, (void)line, (void)col;
    return 0;
}

static int
dual_null_start(void *ctx, bool seq, bool flow, const char *anchor, uint32_t line, uint32_t col)
{
    (void)ctx, (void)seq, (void)flow, (void)anchor, (void)line, (void)col;
    return 0;
}

static int
dual_null_alias(void *ctx, const char *name, uint32_t line, uint32_t col)
{
    (void)ctx, (void)name, (void)line, (void)col;
    return 0;
}

/* Loads buf both ways into fast and slow (reset first); returns whether
 * they are the same. *took: the fast path read the input by itself. */
static bool
dual_load(const char *buf, size_t len, const struct val_yaml_opts *opts, struct sb *fast,
          struct sb *slow, bool *took)
{
    static const struct yaml_fast_sink null_sink = {
        NULL,          dual_null_doc,  dual_null_doc, dual_null_scalar, dual_null_start,
        dual_null_doc, dual_null_alias};
    sb_reset(fast);
    sb_reset(slow);
    bool was = yaml_fast_enabled();
    yaml_fast_set_enabled(true);
    *took = yaml_fast_load(buf, len, &null_sink) == 1;
    dual_load_one(fast, buf, len, opts);
    yaml_fast_set_enabled(false);
    dual_load_one(slow, buf, len, opts);
    yaml_fast_set_enabled(was);
    return fast->len == slow->len && !memcmp(fast->buf, slow->buf, fast->len);
}

#endif
