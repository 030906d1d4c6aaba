/* YAML load (on libyaml's event API) and emit, in the dialects the reference
 * tools speak:
 *
 *  - VAL_YAML_HELM: what Helm reads and prints. Loading resolves scalars the
 *    way go-yaml v2 does (YAML 1.1: yes/on/y are booleans, 0777 is octal,
 *    1_000 is an int, timestamps stay strings); emitting is sigs.k8s.io/yaml's
 *    Marshal (Helm's toYaml): keys sorted, 2-space indent, sequences at
 *    their parent key's indent, go-yaml v2's quoting and line folding.
 *  - VAL_YAML_KYAML: what kustomize reads and prints: go-yaml v3 resolution
 *    (YAML 1.2 core schema) on load. `kubectl kustomize` prints each
 *    resource with resource.AsYAML(), which is sigs.k8s.io/yaml's
 *    JSONToYAML(json.Marshal(...)): the same output as Helm's toYaml, so
 *    both dialects emit alike.
 *
 * Every loaded node keeps file:line:col. Loads are bounded: nesting depth,
 * alias expansion and input size limits fail with PKG_ELIMIT, never a hang. */
#ifndef PKG_CORE_YAML_H
#define PKG_CORE_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/sb.h"
#include "core/value.h"

enum val_yaml_dialect {
    VAL_YAML_HELM,  /* go-yaml v2 / sigs.k8s.io/yaml */
    VAL_YAML_KYAML, /* go-yaml v3 / kyaml */
};

struct val_yaml_opts {
    enum val_yaml_dialect dialect;
    /* Helm's values and fromYaml: the tree sigs.k8s.io/yaml.Unmarshal gives
     * after its JSON round trip: every number a float64 (VAL_FLOAT), every
     * map key a string, binary data as its base64 text. */
    bool json_compat;
    /* Duplicate keys: an error naming both places (default), or the last
     * one wins (go-yaml v2 with sigs.k8s.io/yaml is strict; set this to
     * tolerate them). */
    bool allow_duplicate_keys;
    /* Stop after the first document's end, as go-yaml's Unmarshal does: what
     * follows is scanned only as far as the token that ends the document
     * ("a: 1\n---\n[" and "[a]+" load without an error). */
    bool first_doc_only;
    /* Syntax errors worded as go-yaml v2 (sigs.k8s.io/yaml, Helm) words
     * them, without the file: "yaml: line N: PROBLEM", N being the
     * problem's 0-based line (plus one for scanner errors), else the
     * context's 0-based line, and no "line N: " when both are 0 (go-yaml's
     * parser.fail()). Other errors keep "file:line:col: message". */
    bool goyaml_errors;
    size_t max_depth; /* 0: 1000 */
    size_t max_nodes; /* alias expansion budget, 0: 10 million nodes */
    size_t max_bytes; /* 0: 256 MiB */
};

/* Loads every document of a stream. *out is a VAL_SEQ with one item per
 * document (an empty document is VAL_NULL); all nodes in arena a. `file`
 * names the input in positions and messages (kept by pointer: it must live
 * as long as the arena — pass an arena string). opts may be NULL (helm
 * dialect, defaults). Errors read "file:line:col: message". */
int val_yaml_load_all(struct val **out, struct arena *a, const char *buf, size_t len,
                      const char *file, const struct val_yaml_opts *opts, struct pkg_err **errp);

/* Loads a stream that must hold at most one document; an empty stream gives
 * VAL_NULL. More than one document is an error. */
int val_yaml_load(struct val **out, struct arena *a, const char *buf, size_t len, const char *file,
                  const struct val_yaml_opts *opts, struct pkg_err **errp);

/* Reads and loads a file (all documents). */
int val_yaml_load_file(struct val **out, struct arena *a, const char *path,
                       const struct val_yaml_opts *opts, struct pkg_err **errp);

/* What a plain scalar resolves to in a dialect (go-yaml's resolve()). */
enum val_yaml_rtag {
    VAL_YTAG_STR,
    VAL_YTAG_NULL,
    VAL_YTAG_BOOL,
    VAL_YTAG_INT,
    VAL_YTAG_FLOAT,
    VAL_YTAG_TIMESTAMP,
    VAL_YTAG_MERGE,
};

/* Resolves the text of a plain (untagged, unquoted) scalar as go-yaml v2
 * (VAL_YAML_HELM) or v3 (VAL_YAML_KYAML) does. When out is not NULL it is
 * filled with the value: VAL_NULL, VAL_BOOL, VAL_INT, VAL_FLOAT (also for
 * integers beyond int64), or VAL_STRING pointing at s (timestamps stay
 * strings, as go-yaml gives them to interface{} targets). */
enum val_yaml_rtag val_yaml_resolve(enum val_yaml_dialect dialect, const char *s, size_t n,
                                    struct val *out);

/* Emits one value as one YAML document (no leading "---"), appending to sb,
 * byte for byte as sigs.k8s.io/yaml.Marshal does: the value goes through
 * encoding/json and go-yaml v2's reading of that JSON, so floats that are
 * integers print as ints (3.0 -> 3, 1e6 -> 1000000), others in Go's %v
 * form (1e+21, 1.5e-07), invalid UTF-8 becomes U+FFFD, and map keys sort
 * in go-yaml v2's order. A scalar or empty collection at the top prints as
 * go-yaml prints it ("{}\n", "[]\n", "null\n", "foo\n"). Objects print as
 * their type's to_val (null without one). The dialect does not change the
 * output (see above). Fails (PKG_EINVAL, nothing appended) where Go fails:
 * NaN or an infinity ("error marshaling into JSON: json: unsupported
 * value: NaN"), DEL, C1 controls, U+FFFE or U+FFFF in a string ("yaml:
 * control characters are not allowed"), a map key longer than 1022
 * characters in JSON or holding a NEL; PKG_ELIMIT past 10000 nested
 * collections. The output has no size limit of its own (sb's applies). */
int val_yaml_emit(struct sb *sb, const struct val *v, enum val_yaml_dialect dialect,
                  struct pkg_err **errp);

/* Emits one value as go-yaml v3's Encoder with SetIndent(2) prints it
 * (Helm's toYamlPretty), appending to sb. Unlike val_yaml_emit there is
 * no JSON round trip: the value is encoded as the Go value it stands for.
 * So sequences are indented under their key; lines are never folded;
 * numbers keep their Go type (float64 3 prints "3", 1e6 "1e+06", NaN
 * ".nan", an int64 as digits); strings that go-yaml v3 would resolve to
 * another type, and the YAML 1.1 words y/yes/on/off/... and base-60
 * floats, are double-quoted; strings with a line break are literal
 * blocks, with tabs quoted or literal; invalid UTF-8 becomes a
 * "!!binary" base64 scalar; []byte is a sequence of numbers; nil
 * collections (VAL_F_NIL) print as empty ones; map keys sort in go-yaml
 * v3's order. Ends with a line break. Fails only past 10000 nested
 * collections (PKG_ELIMIT, nothing appended). */
int val_yaml_emit_v3(struct sb *sb, const struct val *v, struct pkg_err **errp);

/* The same with the Encoder's CompactSeqIndent as well (kyaml's Marshal,
 * which kyaml's FromMap and RNode.UnmarshalJSON parse back): a sequence
 * that is a mapping's value starts at its key's column. */
int val_yaml_emit_v3_compact(struct sb *sb, const struct val *v, struct pkg_err **errp);

#endif
