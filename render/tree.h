/* render's parse trees, lexer and namespaces (module-private): the node
 * types of Go's text/template/parse, the lexer's items, and the name ->
 * tree tables a set and a tpl call use. */
#ifndef PKG_RENDER_TREE_H
#define PKG_RENDER_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/sb.h"
#include "render/funcs.h"

/* ---- Lexer (render/lex.c) ---- */

enum tmpl_item_type {
    ITEM_ERROR,
    ITEM_BOOL,
    ITEM_CHAR,
    ITEM_CHAR_CONSTANT,
    ITEM_COMMENT,
    ITEM_COMPLEX,
    ITEM_ASSIGN,
    ITEM_DECLARE,
    ITEM_EOF,
    ITEM_FIELD,
    ITEM_IDENTIFIER,
    ITEM_LEFT_DELIM,
    ITEM_LEFT_PAREN,
    ITEM_NUMBER,
    ITEM_PIPE,
    ITEM_RAW_STRING,
    ITEM_RIGHT_DELIM,
    ITEM_RIGHT_PAREN,
    ITEM_SPACE,
    ITEM_STRING,
    ITEM_TEXT,
    ITEM_VARIABLE,
    ITEM_KEYWORD, /* keywords after this */
    ITEM_BLOCK,
    ITEM_BREAK,
    ITEM_CONTINUE,
    ITEM_DOT,
    ITEM_DEFINE,
    ITEM_ELSE,
    ITEM_END,
    ITEM_IF,
    ITEM_NIL,
    ITEM_RANGE,
    ITEM_TEMPLATE,
    ITEM_WITH,
};

/* 12 bytes, passed in registers: the item's text is input[pos, pos+len),
 * except for ITEM_ERROR, whose text is the lexer's errmsg (len bytes).
 * Its line (Go's item.line) is computed from its position when an error
 * message needs it (tmpl_lex_line): the lexer counts no newlines. */
struct tmpl_item {
    uint32_t pos;
    uint32_t len;
    uint8_t type;
    uint8_t plain;     /* ITEM_STRING: no backslash, only ASCII (unquoting is a copy) */
    uint8_t after_err; /* lexed after the first error: the input is gone (Go) */
    uint8_t pad;
};

struct tmpl_lexer {
    const char *input;
    size_t len;
    size_t pos, start;
    bool at_eof;
    int paren_depth;
    bool inside_action;
    bool break_ok, continue_ok;
    bool no_fast; /* only the state machine (tests compare the two) */
    struct tmpl_item item;
    const char *errmsg; /* the ITEM_ERROR's text */
    bool failed;        /* an error was lexed; err_pos is the first one's position */
    uint32_t err_pos;
    struct arena *a; /* error messages */
};

void tmpl_lex_init(struct tmpl_lexer *l, struct arena *a, const char *input, size_t len);
struct tmpl_item tmpl_lex_next(struct tmpl_lexer *l);
/* The 1-based line item i (of lexer l) starts on: its position's, or, for
 * an item lexed after an error, the error's (Go lexes on from an emptied
 * input with the line it had). */
int tmpl_lex_line(const struct tmpl_lexer *l, const struct tmpl_item *i);

/* ---- Nodes ---- */

enum tmpl_node_type {
    TMPL_NODE_TEXT,
    TMPL_NODE_ACTION,
    TMPL_NODE_BOOL,
    TMPL_NODE_CHAIN,
    TMPL_NODE_COMMAND,
    TMPL_NODE_DOT,
    TMPL_NODE_ELSE, /* parse-time only */
    TMPL_NODE_END,  /* parse-time only */
    TMPL_NODE_FIELD,
    TMPL_NODE_IDENTIFIER,
    TMPL_NODE_IF,
    TMPL_NODE_LIST,
    TMPL_NODE_NIL,
    TMPL_NODE_NUMBER,
    TMPL_NODE_PIPE,
    TMPL_NODE_RANGE,
    TMPL_NODE_STRING,
    TMPL_NODE_TEMPLATE,
    TMPL_NODE_VARIABLE,
    TMPL_NODE_WITH,
    TMPL_NODE_COMMENT,
    TMPL_NODE_BREAK,
    TMPL_NODE_CONTINUE,
};

/* The text one Parse call read: error positions are computed from it, and
 * ParseName (the top-level name) is what Go prints in locations. */
struct tmpl_src {
    const char *name;
    const char *text;
    size_t len;
};

struct tmpl_node;

struct tmpl_nodelist {
    struct tmpl_node **v;
    uint32_t n;
};

struct tmpl_number {
    bool is_int, is_uint, is_float, is_complex;
    /* i is valid when is_int, u when is_uint; when both are, the value is
     * a non-negative int64 and they hold the same bits. */
    union {
        int64_t i;
        uint64_t u;
    };
    double f;
};

/* A number's constant and its text (out of line: numbers are rare, and the
 * other node types fit in less). */
struct tmpl_numlit {
    struct tmpl_number num;
    const char *text;
    size_t len;
};

/* A node is its 8-byte header and the union member of its type, and the
 * parser allocates only that much (parse.c's node_size): a DOT is 8 bytes, a
 * TEXT 24, a PIPE 40. Only the member of a node's type may be touched and
 * a node is never copied whole. Positions are byte offsets into the text
 * of the tree the node belongs to (struct tmpl_tree's src): the parser
 * rejects texts of 4 GiB or more. */
struct tmpl_node {
    uint8_t type;
    bool is_assign; /* PIPE: "=" rather than ":=" */
    bool builtin;   /* IDENTIFIER: one of text/template's own functions */
    uint32_t pos;
    union {
        struct {
            const char *p;
            uint32_t n;
        } text;                   /* TEXT */
        struct tmpl_node *action; /* ACTION: its PIPE */
        /* BOOL, STRING and NUMBER: cval is the constant's value (Go's
         * ideal constant for numbers; NULL when it is not an int or
         * float), made once at parse time and shared read-only by every
         * evaluation. */
        struct {
            struct val *cval;
            union {
                bool b;                     /* BOOL */
                struct tmpl_numlit *number; /* NUMBER */
                struct {
                    const char *quoted; /* the literal as written, into the text */
                    uint32_t qlen;
                } str; /* STRING: the unquoted string is cval's */
            };
        };
        struct {
            struct tmpl_node *node;
            const char **field;
            uint32_t nfield;
        } chain;
        struct tmpl_nodelist args; /* COMMAND */
        struct {
            const char **ident; /* FIELD: names without the dot; VARIABLE: ident[0] is "$x" */
            uint32_t n;
        } field;
        struct {
            const char *name;
            const struct tmpl_func *fn;
            const struct tmpl_sig *sig;
        } ident;
        struct {
            struct tmpl_node *pipe;
            struct tmpl_node *list, *elselist;
        } branch; /* IF, RANGE, WITH */
        struct tmpl_nodelist list;
        struct {
            struct tmpl_nodelist decl; /* VARIABLE nodes */
            struct tmpl_nodelist cmds; /* COMMAND nodes */
        } pipe;
        struct {
            const char *name;
            struct tmpl_node *pipe; /* may be NULL */
        } tmpl;
    } u;
};

/* A named template. */
struct tmpl_tree {
    const char *name;
    const struct tmpl_src *src;
    struct tmpl_node *root; /* LIST */
};

/* ---- Namespaces: name -> tree ---- */

struct tmpl_ns {
    struct tmpl_ns *parent; /* looked up when a name is not here (tpl's clone) */
    struct tmpl_tree **slots;
    size_t cap, n;
};

struct tmpl_tree *tmpl_ns_lookup(const struct tmpl_ns *ns, const char *name);
/* Go's associate: installs tree unless it is empty and a tree of that name
 * exists (in this namespace or a parent). */
void tmpl_ns_add(struct tmpl_ns *ns, struct tmpl_tree *tree);
void tmpl_ns_release(struct tmpl_ns *ns);

/* ---- Parser (render/parse.c) ---- */

/* Go's parse.Parse(name, text) plus Template.Parse's AddParseTree: parses
 * text as template `name` and adds it and its definitions to ns. Nodes live
 * in a. Errors are Go's ("template: NAME:LINE: ..."). */
int tmpl_parse(struct tmpl_ns *ns, struct arena *a, enum tmpl_funcset funcs, bool skip_func_check,
               const char *name, const char *text, size_t len, struct pkg_err **errp);
/* tmpl_parse without a copy of text: the trees point into it, so it must
 * outlive them (text nodes, positions in error messages). */
int tmpl_parse_borrowed(struct tmpl_ns *ns, struct arena *a, enum tmpl_funcset funcs,
                        bool skip_func_check, const char *name, const char *text, size_t len,
                        struct pkg_err **errp);

/* tmpl_parse_borrowed of each file in order, stopping at the first error,
 * with the same namespace and the same error (*failed: the file's index)
 * as one call per file; parsed on two threads (the second with a
 * stack_size stack) when the texts are large. The second thread's nodes
 * live in an arena adopted by a. */
struct tmpl_parse_file {
    const char *name, *text;
    size_t len;
};
struct tmpl_parse_ahead;
int tmpl_parse_borrowed_files(struct tmpl_ns *ns, struct arena *a, enum tmpl_funcset funcs,
                              bool skip_func_check, const struct tmpl_parse_file *files, size_t n,
                              size_t stack_size, struct tmpl_parse_ahead *ahead, size_t *failed,
                              struct pkg_err **errp);

/* Parsing ahead: files parsed on a thread of their own (with a stack_size
 * stack) before the caller knows which of them it will parse, and under
 * which names (a chart's templates, while the chart loads). Given to
 * tmpl_parse_borrowed_files, which first parses what is left of them,
 * then takes the trees of every file with the same text (the same
 * address and length) under its own name; a file whose early parse failed
 * is parsed again for the message. The trees live in that call's arena.
 * tmpl_parse_ahead_free stops the thread (after the file at hand) and
 * frees what was not taken; NULL is a no-op. The texts must outlive it. */
struct tmpl_parse_ahead *tmpl_parse_ahead_start(const struct tmpl_parse_file *files, size_t n,
                                                enum tmpl_funcset funcs, size_t stack_size);

/* Go's parse.IsEmptyTree. */
bool tmpl_tree_is_empty(const struct tmpl_node *n);

/* Node.String() as Go writes it, for error contexts. */
void tmpl_node_string(struct sb *sb, const struct tmpl_node *n);

/* strconv.Unquote for "..." and `...` (and '...' for chars: returns the
 * rune). 0 on success, -1 on a syntax error. */
int tmpl_unquote(struct arena *a, const char *s, size_t n, const char **out, size_t *outlen);

/* unicode.IsSpace over UTF-8: length of leading/trailing space bytes
 * (bytes.TrimSpace). */
bool tmpl_is_space_only(const char *s, size_t n);

/* ---- Unicode (render/unicode.c) ---- */
bool tmpl_uni_is_letter(uint32_t r);
bool tmpl_uni_is_digit(uint32_t r);
bool tmpl_uni_is_print(uint32_t r); /* strconv.IsPrint */
bool tmpl_uni_is_space(uint32_t r); /* unicode.IsSpace */
bool tmpl_uni_is_graphic(uint32_t r);
size_t tmpl_utf8_count(const char *s, size_t n);

#endif
