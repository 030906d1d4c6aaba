/* Helpers shared by chart/ unit tests: a compact, deterministic dump of a
 * value tree for table-driven comparisons. Maps print with sorted keys;
 * ints as 5, floats as 5f, strings quoted, null, true/false. */
#ifndef PKG_CHART_TEST_UTIL_H
#define PKG_CHART_TEST_UTIL_H

#include "core/core.h"

static inline void
tu_dump(struct sb *sb, const struct val *v, struct arena *a)
{
    if (!v) {
        sb_addstr(sb, "<NULL>");
        return;
    }
    switch (v->kind) {
    case VAL_NULL:
        sb_addstr(sb, "null");
        break;
    case VAL_BOOL:
        sb_addstr(sb, v->u.b ? "true" : "false");
        break;
    case VAL_INT:
        sb_addf(sb, "%lld", (long long)v->u.i);
        break;
    case VAL_FLOAT:
        sb_addf(sb, "%gf", v->u.f);
        break;
    case VAL_STRING:
        sb_addch(sb, '"');
        sb_add(sb, v->u.s.ptr, v->u.s.len);
        sb_addch(sb, '"');
        break;
    case VAL_SEQ:
        sb_addch(sb, '[');
        for (size_t i = 0; i < val_seq_len(v); i++) {
            if (i)
                sb_addch(sb, ',');
            tu_dump(sb, val_seq_at(v, i), a);
        }
        sb_addch(sb, ']');
        break;
    case VAL_MAP: {
        struct val_mapent *e = val_map_sorted(a, v);
        sb_addch(sb, '{');
        for (size_t i = 0; i < val_map_len(v); i++) {
            if (i)
                sb_addch(sb, ',');
            sb_add(sb, e[i].key->u.s.ptr, e[i].key->u.s.len);
            sb_addch(sb, ':');
            tu_dump(sb, e[i].v, a);
        }
        sb_addch(sb, '}');
        break;
    }
    default:
        sb_addstr(sb, "<obj>");
    }
}

static inline const char *
tu_dumps(const struct val *v, struct arena *a)
{
    struct sb sb = SB_INIT;
    tu_dump(&sb, v, a);
    const char *s = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return s;
}

#endif
