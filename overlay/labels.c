/* Kubernetes label selectors (k8s.io/apimachinery labels.Parse and
 * Matches): `a=b,c!=d,e in (f,g),h notin (i),j,!k,l>3`. Used by patch and
 * replacement targets (labelSelector, annotationSelector). */
#include "overlay/kust.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum ltok {
    LT_END,
    LT_ID,
    LT_NOT,
    LT_EQ,
    LT_DEQ,
    LT_NEQ,
    LT_IN,
    LT_NOTIN,
    LT_GT,
    LT_LT,
    LT_OPEN,
    LT_CLOSE,
    LT_COMMA
};

struct lex {
    const char *p;
    char word[320];
};

static bool
special(char c)
{
    return c == '!' || c == '=' || c == ',' || c == '(' || c == ')' || c == '<' || c == '>';
}

static enum ltok
next(struct lex *l)
{
    while (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r')
        l->p++;
    char c = *l->p;
    if (!c)
        return LT_END;
    if (c == '!') {
        l->p++;
        if (*l->p == '=') {
            l->p++;
            return LT_NEQ;
        }
        return LT_NOT;
    }
    if (c == '=') {
        l->p++;
        if (*l->p == '=') {
            l->p++;
            return LT_DEQ;
        }
        return LT_EQ;
    }
    if (c == ',') {
        l->p++;
        return LT_COMMA;
    }
    if (c == '(') {
        l->p++;
        return LT_OPEN;
    }
    if (c == ')') {
        l->p++;
        return LT_CLOSE;
    }
    if (c == '>') {
        l->p++;
        return LT_GT;
    }
    if (c == '<') {
        l->p++;
        return LT_LT;
    }
    size_t n = 0;
    while (*l->p && !special(*l->p) && !isspace((unsigned char)*l->p)) {
        if (n + 1 < sizeof(l->word))
            l->word[n++] = *l->p;
        l->p++;
    }
    l->word[n] = 0;
    if (!strcmp(l->word, "in"))
        return LT_IN;
    if (!strcmp(l->word, "notin"))
        return LT_NOTIN;
    return LT_ID;
}

static enum ltok
peek(struct lex *l)
{
    struct lex save = *l;
    enum ltok t = next(l);
    *l = save;
    return t;
}

static bool
parse_int(const char *s, long long *out)
{
    char *end;
    if (!*s)
        return false;
    *out = strtoll(s, &end, 10);
    return *end == 0;
}

int
klabels_match(const char *selector, const struct kstrmap *set, bool *match, struct pkg_err **errp)
{
    struct lex l = {.p = selector};
    bool all = true;
    for (;;) {
        enum ltok t = next(&l);
        if (t == LT_END)
            break;
        bool negate = false;
        if (t == LT_NOT) {
            negate = true;
            t = next(&l);
        }
        if (t != LT_ID)
            return pkg_err_set(errp, PKG_EINVAL,
                               "unable to parse requirement: found '%s', expected: identifier",
                               l.p);
        char key[320];
        strcpy(key, l.word);
        const char *have = kstrmap_get(set, key);
        bool ok;
        enum ltok op = peek(&l);
        if (negate) {
            ok = have == NULL;
        } else if (op == LT_END || op == LT_COMMA) {
            ok = have != NULL;
        } else {
            next(&l);
            if (op == LT_EQ || op == LT_DEQ || op == LT_NEQ || op == LT_GT || op == LT_LT) {
                const char *val = "";
                enum ltok vt = peek(&l);
                if (vt == LT_ID) {
                    next(&l);
                    val = l.word;
                } else if (vt == LT_IN || vt == LT_NOTIN) {
                    next(&l);
                    val = l.word;
                }
                if (op == LT_NEQ) {
                    ok = !have || strcmp(have, val) != 0;
                } else if (op == LT_GT || op == LT_LT) {
                    long long want, got;
                    if (!parse_int(val, &want))
                        return pkg_err_set(
                            errp, PKG_EINVAL,
                            "for 'Gt', 'Lt' operators, the value must be an integer");
                    ok = have && parse_int(have, &got) && (op == LT_GT ? got > want : got < want);
                } else {
                    ok = have && !strcmp(have, val);
                }
            } else if (op == LT_IN || op == LT_NOTIN) {
                if (next(&l) != LT_OPEN)
                    return pkg_err_set(errp, PKG_EINVAL,
                                       "unable to parse requirement: found '%s', expected: '('",
                                       l.p);
                bool in = false;
                for (;;) {
                    enum ltok vt = next(&l);
                    if (vt == LT_CLOSE)
                        break;
                    if (vt == LT_COMMA)
                        continue;
                    if (vt != LT_ID && vt != LT_IN && vt != LT_NOTIN)
                        return pkg_err_set(errp, PKG_EINVAL,
                                           "unable to parse requirement: found '%s', expected: "
                                           "',', ')' or identifier",
                                           l.p);
                    if (have && !strcmp(have, l.word))
                        in = true;
                }
                ok = op == LT_IN ? in : !in;
            } else {
                return pkg_err_set(errp, PKG_EINVAL,
                                   "unable to parse requirement: found '%s', expected: "
                                   "in, notin, =, ==, !=, gt, lt",
                                   l.p);
            }
        }
        if (!ok)
            all = false;
        t = next(&l);
        if (t == LT_END)
            break;
        if (t != LT_COMMA)
            return pkg_err_set(errp, PKG_EINVAL, "found '%s', expected: ',' or 'end of string'",
                               l.p);
    }
    *match = all;
    return 0;
}
