/* YAML loading on libyaml's event API: streams of documents, anchors and
 * aliases (expanded as copies, within a budget), merge keys, explicit tags,
 * duplicate keys, positions on every node, and hard limits on depth, size
 * and alias expansion. Scalars resolve as go-yaml v2 or v3 does. */
#include "core/yaml.h"
#include "core/sb.h"
#include "core/xalloc.h"
#include "core/yaml-fast.h"
#include "core/yaml-reader.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Links pkg's reader (core/yaml-reader.c) in place of libyaml's: the
 * reference pulls it out of libpkg.a before the linker reaches libyaml. */
static int (*const yaml_reader)(yaml_parser_t *, size_t)
    __attribute__((used)) = yaml_parser_update_buffer;

#define DEFAULT_MAX_DEPTH 1000
#define DEFAULT_MAX_NODES (1u << 20)
#define DEFAULT_MAX_BYTES (256u << 20)

struct anchor {
    char *name;
    struct val *node;
    size_t size; /* nodes in the subtree, for the alias budget */
};

struct merge_src {
    struct val *v; /* a map, or a sequence of maps */
    uint32_t line, col;
};

struct frame {
    struct val *node;
    struct val *key; /* a mapping's pending key, NULL when a key comes next */
    bool key_is_merge;
    char *anchor; /* anchor of this collection (heap), NULL if none */
    size_t start_nodes;
    struct merge_src *merges; /* v3: merges applied at the end */
    size_t nmerges, cmerges;
};

struct loader {
    struct arena *a;
    const char *file;
    struct val_yaml_opts o;
    yaml_parser_t parser;
    struct frame *stack;
    size_t depth, cap;
    struct anchor *anchors;
    size_t nanchors, canchors;
    size_t nodes;       /* nodes made in this document */
    size_t alias_nodes; /* nodes added by alias expansion */
    struct val *doc;
    struct val *docs; /* the stream's documents */
    struct pkg_err **errp;
};

static int fail_at(struct loader *l, uint32_t line, uint32_t col, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
fail_at(struct loader *l, uint32_t line, uint32_t col, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pkg_err_vset(l->errp, code, fmt, ap);
    va_end(ap);
    if (l->errp && *l->errp) {
        char *m = xasprintf("%s:%u:%u: %s", l->file, line, col, (*l->errp)->msg);
        free((*l->errp)->msg);
        (*l->errp)->msg = m;
    }
    return code;
}

static void
clear_anchors(struct loader *l)
{
    for (size_t i = 0; i < l->nanchors; i++)
        free(l->anchors[i].name);
    l->nanchors = 0;
}

static void
add_anchor(struct loader *l, const char *name, struct val *node, size_t size)
{
    /* A redefined anchor shadows the earlier one from here on. */
    l->anchors = xgrow(l->anchors, &l->canchors, l->nanchors + 1, sizeof(*l->anchors));
    l->anchors[l->nanchors].name = xstrdup(name);
    l->anchors[l->nanchors].node = node;
    l->anchors[l->nanchors].size = size;
    l->nanchors++;
}

static struct anchor *
find_anchor(struct loader *l, const char *name)
{
    for (size_t i = l->nanchors; i-- > 0;)
        if (!strcmp(l->anchors[i].name, name))
            return &l->anchors[i];
    return NULL;
}

static bool
tag_is(const char *tag, const char *short_name)
{
    /* "!!int" arrives as "tag:yaml.org,2002:int". */
    static const char prefix[] = "tag:yaml.org,2002:";
    if (!tag)
        return false;
    if (!strncmp(tag, prefix, sizeof(prefix) - 1))
        return !strcmp(tag + sizeof(prefix) - 1, short_name);
    return tag[0] == '!' && tag[1] == '!' && !strcmp(tag + 2, short_name);
}

/* "tag:yaml.org,2002:int" and "!!int" -> "int". */
static const char *
short_tag(const char *tag)
{
    static const char prefix[] = "tag:yaml.org,2002:";
    if (tag && !strncmp(tag, prefix, sizeof(prefix) - 1))
        return tag + sizeof(prefix) - 1;
    if (tag && tag[0] == '!' && tag[1] == '!')
        return tag + 2;
    return tag;
}

static int
b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes standard base64, skipping whitespace (block scalars break lines). */
static int
b64_decode(struct arena *a, const char *s, size_t n, char **out, size_t *outn)
{
    char *buf = arena_alloc(a, n / 4 * 3 + 4);
    size_t w = 0;
    unsigned acc = 0;
    int bits = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64val(c);
        if (v < 0 || pad)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[w++] = (char)((acc >> bits) & 0xff);
        }
    }
    if (pad > 2)
        return -1;
    buf[w] = 0;
    *out = buf;
    *outn = w;
    return 0;
}

/* A scalar event's node: text (n bytes), libyaml's style, its tag (NULL
 * when none), whether a plain scalar resolves implicitly, its 1-based
 * position. */
static struct val *
make_scalar(struct loader *l, const char *text, size_t n, int style, const char *tag,
            bool plain_implicit, uint32_t line, uint32_t col)
{
    struct val *v = val_new(l->a, VAL_STRING);
    char *copy = arena_strndup(l->a, text, n);
    v->src = copy;
    v->u.s.ptr = copy;
    v->u.s.len = n;
    switch (style) {
    case YAML_PLAIN_SCALAR_STYLE:
        v->style = VAL_STYLE_PLAIN;
        break;
    case YAML_SINGLE_QUOTED_SCALAR_STYLE:
        v->style = VAL_STYLE_SINGLE;
        break;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
        v->style = VAL_STYLE_DOUBLE;
        break;
    case YAML_LITERAL_SCALAR_STYLE:
        v->style = VAL_STYLE_LITERAL;
        break;
    case YAML_FOLDED_SCALAR_STYLE:
        v->style = VAL_STYLE_FOLDED;
        break;
    default:
        break;
    }
    val_set_pos(v, l->file, line, col);
    bool plain_untagged = plain_implicit && !tag;
    if (tag && (!strcmp(tag, "!") || tag_is(tag, "str") || tag_is(tag, "timestamp"))) {
        v->flags |= VAL_F_TAGGED;
        return v;
    }
    if (plain_untagged) {
        struct val r = *v;
        val_yaml_resolve(l->o.dialect, copy, n, &r);
        v->kind = r.kind;
        v->u = r.u;
        v->gotype = r.gotype;
        if (v->kind == VAL_STRING) {
            v->u.s.ptr = copy;
            v->u.s.len = n;
        }
        return v;
    }
    if (!tag)
        return v; /* quoted: a string */
    v->flags |= VAL_F_TAGGED;
    if (tag_is(tag, "binary")) {
        char *bytes;
        size_t bn;
        if (b64_decode(l->a, text, n, &bytes, &bn) < 0) {
            fail_at(l, line, col, PKG_EINVAL, "!!binary value contains invalid base64 data");
            return NULL;
        }
        v->u.s.ptr = bytes;
        v->u.s.len = bn;
        v->flags |= VAL_F_BINARY;
        return v;
    }
    if (tag_is(tag, "int") || tag_is(tag, "float") || tag_is(tag, "bool") || tag_is(tag, "null")) {
        struct val r = *v;
        enum val_yaml_rtag rt = val_yaml_resolve(l->o.dialect, copy, n, &r);
        bool ok = (tag_is(tag, "int") && rt == VAL_YTAG_INT) ||
                  (tag_is(tag, "float") && (rt == VAL_YTAG_FLOAT || rt == VAL_YTAG_INT)) ||
                  (tag_is(tag, "bool") && rt == VAL_YTAG_BOOL) ||
                  (tag_is(tag, "null") && rt == VAL_YTAG_NULL);
        if (!ok) {
            static const char *const names[] = {"str",   "null",      "bool", "int",
                                                "float", "timestamp", "merge"};
            fail_at(l, line, col, PKG_ETYPE, "cannot decode !!%s `%s` as a !!%s", names[rt], copy,
                    short_tag(tag));
            return NULL;
        }
        v->kind = r.kind;
        v->u = r.u;
        v->gotype = r.gotype;
        if (tag_is(tag, "float") && v->kind == VAL_INT) {
            double d = (double)v->u.i;
            v->kind = VAL_FLOAT;
            v->u.f = d;
        }
        return v;
    }
    /* Custom tags (!foo, !!set members, ...): go-yaml leaves the text alone. */
    return v;
}

static struct frame *
top(struct loader *l)
{
    return l->depth ? &l->stack[l->depth - 1] : NULL;
}

static int
apply_merge_map(struct loader *l, struct val *dst, struct val *src, bool override)
{
    for (uint32_t i = 0; i < src->u.map.len; i++) {
        struct val *k = src->u.map.ents[i].key;
        long at = val_map_find(dst, k->u.s.ptr, k->u.s.len);
        if (at >= 0) {
            if (override)
                dst->u.map.ents[at].v = src->u.map.ents[i].v;
            continue;
        }
        val_map_append(l->a, dst, k, src->u.map.ents[i].v);
    }
    dst->flags |= VAL_F_MERGED;
    return 0;
}

/* A `<<` value: a map or a sequence of maps. v2 applies it at once (keys it
 * brings override earlier ones, later ones override it; in a sequence the
 * earlier maps win); v3 applies it when the mapping ends, never overriding
 * explicit keys (the earlier maps of a sequence win there too). */
static int
do_merge(struct loader *l, struct frame *f, struct val *v, bool at_end)
{
    if (v->kind == VAL_MAP)
        return apply_merge_map(l, f->node, v, !at_end);
    if (v->kind == VAL_SEQ) {
        for (uint32_t i = 0; i < v->u.seq.len; i++)
            if (v->u.seq.items[i]->kind != VAL_MAP)
                return fail_at(l, v->line, v->col, PKG_ETYPE,
                               "map merge requires map or sequence of maps as the value");
        if (at_end) {
            for (uint32_t i = 0; i < v->u.seq.len; i++)
                apply_merge_map(l, f->node, v->u.seq.items[i], false);
        } else {
            for (uint32_t i = v->u.seq.len; i-- > 0;)
                apply_merge_map(l, f->node, v->u.seq.items[i], true);
        }
        return 0;
    }
    return fail_at(l, v->line, v->col, PKG_ETYPE,
                   "map merge requires map or sequence of maps as the value");
}

/* Adds a finished node to whatever is open: a document, a sequence, or a
 * mapping (as key or value). */
static int
add_node(struct loader *l, struct val *v)
{
    struct frame *f = top(l);
    if (!f) {
        l->doc = v;
        return 0;
    }
    if (f->node->kind == VAL_SEQ) {
        val_seq_push(l->a, f->node, v);
        return 0;
    }
    if (!f->key) {
        if (v->kind == VAL_SEQ || v->kind == VAL_MAP)
            return fail_at(l, v->line, v->col, PKG_EINVAL, "invalid map key: a %s",
                           val_kind_name(v->kind));
        f->key_is_merge = v->kind == VAL_STRING && v->style == VAL_STYLE_PLAIN &&
                          !(v->flags & VAL_F_TAGGED) && v->u.s.len == 2 &&
                          !memcmp(v->u.s.ptr, "<<", 2);
        if (v->kind != VAL_STRING) {
            /* Keys are strings: a non-string scalar keeps its source text
             * (sigs.k8s.io/yaml converts keys to strings the same way). */
            struct val *k = val_new(l->a, VAL_STRING);
            *k = *v;
            k->kind = VAL_STRING;
            const char *t = v->src ? v->src : "";
            if (v->kind == VAL_BOOL && l->o.json_compat)
                t = v->u.b ? "true" : "false";
            else if (v->kind == VAL_NULL && l->o.json_compat)
                t = "null";
            k->u.s.ptr = t;
            k->u.s.len = strlen(t);
            v = k;
        }
        f->key = v;
        return 0;
    }
    struct val *k = f->key;
    f->key = NULL;
    if (f->key_is_merge) {
        f->key_is_merge = false;
        if (l->o.dialect == VAL_YAML_HELM)
            return do_merge(l, f, v, false);
        f->merges = xgrow(f->merges, &f->cmerges, f->nmerges + 1, sizeof(*f->merges));
        f->merges[f->nmerges++] = (struct merge_src){v, v->line, v->col};
        return 0;
    }
    long at = val_map_find(f->node, k->u.s.ptr, k->u.s.len);
    if (at >= 0) {
        struct val *prev = f->node->u.map.ents[at].key;
        if (l->o.allow_duplicate_keys || (f->node->flags & VAL_F_MERGED)) {
            f->node->u.map.ents[at].v = v;
            return 0;
        }
        return fail_at(l, k->line, k->col, PKG_EINVAL,
                       "mapping key \"%s\" already defined at line %u, column %u", k->u.s.ptr,
                       prev->line, prev->col);
    }
    val_map_append(l->a, f->node, k, v);
    return 0;
}

static int
push_frame(struct loader *l, struct val *node, const char *anchor)
{
    if (l->depth >= l->o.max_depth)
        return fail_at(l, node->line, node->col, PKG_ELIMIT,
                       "document nested deeper than the limit of %zu levels", l->o.max_depth);
    l->stack = xgrow(l->stack, &l->cap, l->depth + 1, sizeof(*l->stack));
    struct frame *f = &l->stack[l->depth++];
    memset(f, 0, sizeof(*f));
    f->node = node;
    f->anchor = anchor ? xstrdup(anchor) : NULL;
    f->start_nodes = l->nodes;
    return 0;
}

static int
pop_frame(struct loader *l)
{
    struct frame *f = top(l);
    int rc = 0;
    for (size_t i = 0; i < f->nmerges && rc == 0; i++)
        rc = do_merge(l, f, f->merges[i].v, true);
    free(f->merges);
    struct val *node = f->node;
    if (f->anchor)
        add_anchor(l, f->anchor, node, l->nodes - f->start_nodes + 1);
    free(f->anchor);
    l->depth--;
    if (rc)
        return rc;
    return add_node(l, node);
}

static void
free_stack(struct loader *l)
{
    while (l->depth) {
        struct frame *f = top(l);
        free(f->merges);
        free(f->anchor);
        l->depth--;
    }
}

static void
to_json_compat(struct val *v)
{
    switch (v->kind) {
    case VAL_INT:
        v->u.f = (double)v->u.i;
        v->kind = VAL_FLOAT;
        v->gotype = VAL_GO_AUTO;
        break;
    case VAL_FLOAT:
        v->gotype = VAL_GO_AUTO;
        break;
    case VAL_SEQ:
        for (uint32_t i = 0; i < v->u.seq.len; i++)
            to_json_compat(v->u.seq.items[i]);
        break;
    case VAL_MAP:
        for (uint32_t i = 0; i < v->u.map.len; i++)
            to_json_compat(v->u.map.ents[i].v);
        break;
    default:
        break;
    }
}

static int
parser_error(struct loader *l)
{
    yaml_parser_t *p = &l->parser;
    const char *problem = p->problem ? p->problem : "unknown problem parsing YAML content";
    yaml_mark_t m = p->problem_mark;
    if (p->error == YAML_MEMORY_ERROR)
        return fail_at(l, 0, 0, PKG_ELIMIT, "out of memory parsing YAML");
    if (l->o.goyaml_errors) {
        size_t line = 0;
        if (m.line) {
            line = m.line;
            if (p->error == YAML_SCANNER_ERROR)
                line++;
        } else if (p->context_mark.line) {
            line = p->context_mark.line;
        }
        if (line)
            return pkg_err_set(l->errp, PKG_ESYNTAX, "yaml: line %zu: %s", line, problem);
        return pkg_err_set(l->errp, PKG_ESYNTAX, "yaml: %s", problem);
    }
    if (p->context)
        return fail_at(l, (uint32_t)m.line + 1, (uint32_t)m.column + 1, PKG_ESYNTAX,
                       "%s %s (line %zu)", problem, p->context, p->context_mark.line + 1);
    return fail_at(l, (uint32_t)m.line + 1, (uint32_t)m.column + 1, PKG_ESYNTAX, "%s", problem);
}

/* ---- events: libyaml's parser and the fast path feed the same handlers ---- */

static void
on_doc_start(struct loader *l)
{
    l->doc = NULL;
    l->nodes = l->alias_nodes = 0;
    clear_anchors(l);
}

/* Returns true when loading stops here (first_doc_only). */
static bool
on_doc_end(struct loader *l)
{
    struct val *d = l->doc ? l->doc : val_null(l->a);
    if (l->o.json_compat)
        to_json_compat(d);
    val_seq_push(l->a, l->docs, d);
    return l->o.first_doc_only;
}

static int
on_scalar(struct loader *l, const char *text, size_t n, int style, const char *tag,
          bool plain_implicit, const char *anchor, uint32_t line, uint32_t col)
{
    struct val *v = make_scalar(l, text, n, style, tag, plain_implicit, line, col);
    if (!v)
        return (l->errp && *l->errp) ? (*l->errp)->code : PKG_EINVAL;
    l->nodes++;
    if (anchor)
        add_anchor(l, anchor, v, 1);
    return add_node(l, v);
}

static int
on_start(struct loader *l, bool is_seq, bool flow, const char *tag, const char *anchor,
         uint32_t line, uint32_t col)
{
    struct val *v = is_seq ? val_seq(l->a) : val_map(l->a);
    val_set_pos(v, l->file, line, col);
    if (flow)
        v->style = VAL_STYLE_FLOW;
    if (tag)
        v->flags |= VAL_F_TAGGED;
    struct frame *f = top(l);
    if (f && f->node->kind == VAL_MAP && !f->key)
        return fail_at(l, line, col, PKG_EINVAL, "invalid map key: a %s",
                       is_seq ? "sequence" : "map");
    l->nodes++;
    return push_frame(l, v, anchor);
}

static int
on_alias(struct loader *l, const char *name, uint32_t line, uint32_t col)
{
    struct anchor *an = find_anchor(l, name);
    if (!an) {
        /* go-yaml's parser fails here with no position */
        if (l->o.goyaml_errors)
            return pkg_err_set(l->errp, PKG_EINVAL, "yaml: unknown anchor '%s' referenced", name);
        return fail_at(l, line, col, PKG_EINVAL, "unknown anchor '%s' referenced", name);
    }
    l->alias_nodes += an->size;
    l->nodes += an->size;
    if (l->alias_nodes > l->o.max_nodes)
        return fail_at(l, line, col, PKG_ELIMIT,
                       "document contains excessive aliasing (more than %zu nodes)",
                       l->o.max_nodes);
    /* Each alias is its own copy, scalars too, as decoding into Go values
     * (or kyaml's DeAnchor) makes one: changing one use never reaches
     * another. The position stays the anchor's. */
    return add_node(l, val_copy(l->a, an->node));
}

/* The fast path's sink (core/yaml-fast.h): marks arrive 0-based. */
static int
fast_doc_start(void *ctx)
{
    on_doc_start(ctx);
    return 0;
}

static int
fast_doc_end(void *ctx)
{
    return on_doc_end(ctx) ? 1 : 0;
}

static int
fast_scalar(void *ctx, const char *text, size_t n, int style, const char *anchor, uint32_t line,
            uint32_t col)
{
    return on_scalar(ctx, text, n, style, NULL, style == YAML_PLAIN_SCALAR_STYLE, anchor, line + 1,
                     col + 1);
}

static int
fast_start(void *ctx, bool seq, bool flow, const char *anchor, uint32_t line, uint32_t col)
{
    return on_start(ctx, seq, flow, NULL, anchor, line + 1, col + 1);
}

static int
fast_alias(void *ctx, const char *name, uint32_t line, uint32_t col)
{
    return on_alias(ctx, name, line + 1, col + 1);
}

static int
fast_end(void *ctx)
{
    return pop_frame(ctx);
}

/* The loader back at its start, for libyaml after the fast path stopped. */
static void
loader_reset(struct loader *l)
{
    free_stack(l);
    clear_anchors(l);
    if (l->errp) {
        pkg_err_free(*l->errp);
        *l->errp = NULL;
    }
    l->docs = val_seq(l->a);
    l->doc = NULL;
    l->nodes = l->alias_nodes = 0;
}

static int
load_libyaml(struct loader *l, const char *buf, size_t len)
{
    if (!yaml_parser_initialize(&l->parser))
        xalloc_die();
    yaml_parser_set_input_string(&l->parser, (const unsigned char *)buf, len);
    int rc = 0;
    bool done = false;
    while (!done && rc == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&l->parser, &ev)) {
            rc = parser_error(l);
            break;
        }
        uint32_t line = (uint32_t)ev.start_mark.line + 1, col = (uint32_t)ev.start_mark.column + 1;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            on_doc_start(l);
            break;
        case YAML_DOCUMENT_END_EVENT:
            done = on_doc_end(l);
            break;
        case YAML_SCALAR_EVENT:
            rc = on_scalar(l, (const char *)ev.data.scalar.value, ev.data.scalar.length,
                           ev.data.scalar.style, (const char *)ev.data.scalar.tag,
                           ev.data.scalar.plain_implicit, (const char *)ev.data.scalar.anchor, line,
                           col);
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = on_start(l, true, ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE,
                          (const char *)ev.data.sequence_start.tag,
                          (const char *)ev.data.sequence_start.anchor, line, col);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = on_start(l, false, ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE,
                          (const char *)ev.data.mapping_start.tag,
                          (const char *)ev.data.mapping_start.anchor, line, col);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            rc = pop_frame(l);
            break;
        case YAML_ALIAS_EVENT:
            rc = on_alias(l, (const char *)ev.data.alias.anchor, line, col);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&l->parser);
    return rc;
}

int
val_yaml_load_all(struct val **out, struct arena *a, const char *buf, size_t len, const char *file,
                  const struct val_yaml_opts *opts, struct pkg_err **errp)
{
    struct loader l = {0};
    l.a = a;
    l.file = arena_strdup(a, file ? file : "<input>");
    if (opts)
        l.o = *opts;
    if (!l.o.max_depth)
        l.o.max_depth = DEFAULT_MAX_DEPTH;
    if (!l.o.max_nodes)
        l.o.max_nodes = DEFAULT_MAX_NODES;
    if (!l.o.max_bytes)
        l.o.max_bytes = DEFAULT_MAX_BYTES;
    l.errp = errp;
    *out = NULL;
    if (len > l.o.max_bytes)
        return pkg_err_set(errp, PKG_ELIMIT, "%s: %zu bytes exceeds the YAML size limit of %zu",
                           l.file, len, l.o.max_bytes);
    l.docs = val_seq(a);
    struct yaml_fast_sink sink = {.ctx = &l,
                                  .doc_start = fast_doc_start,
                                  .doc_end = fast_doc_end,
                                  .scalar = fast_scalar,
                                  .start = fast_start,
                                  .end = fast_end,
                                  .alias = fast_alias};
    int rc = 0;
    if (!yaml_fast_load(buf, len, &sink)) {
        loader_reset(&l);
        rc = load_libyaml(&l, buf, len);
    }
    free_stack(&l);
    clear_anchors(&l);
    free(l.anchors);
    free(l.stack);
    if (rc)
        return rc;
    *out = l.docs;
    return 0;
}

int
val_yaml_load(struct val **out, struct arena *a, const char *buf, size_t len, const char *file,
              const struct val_yaml_opts *opts, struct pkg_err **errp)
{
    struct val *docs;
    int rc = val_yaml_load_all(&docs, a, buf, len, file, opts, errp);
    if (rc)
        return rc;
    if (docs->u.seq.len > 1) {
        struct val *second = docs->u.seq.items[1];
        return pkg_err_setloc(errp, PKG_EINVAL, file, second->line, second->col,
                              "expected a single document in the stream");
    }
    *out = docs->u.seq.len ? docs->u.seq.items[0] : val_null(a);
    return 0;
}

int
val_yaml_load_file(struct val **out, struct arena *a, const char *path,
                   const struct val_yaml_opts *opts, struct pkg_err **errp)
{
    struct sb sb = SB_INIT;
    size_t limit = opts && opts->max_bytes ? opts->max_bytes : DEFAULT_MAX_BYTES;
    int rc = sb_read_file(&sb, path, limit, errp);
    if (rc == 0)
        rc = val_yaml_load_all(out, a, sb.buf, sb.len, arena_strdup(a, path), opts, errp);
    sb_release(&sb);
    return rc;
}
