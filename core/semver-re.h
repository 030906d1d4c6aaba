/* Masterminds/semver's constraint patterns (constraints.go), used by
 * core/semver.c and compiled ahead by scripts/semver-re-blob.c. */
#ifndef PKG_CORE_SEMVER_RE_H
#define PKG_CORE_SEMVER_RE_H

#define SEMVER_WS "[\\t\\n\\f\\r ]"
#define SEMVER_CV_RE                                                                               \
    "v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?"                                   \
    "(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"                                                   \
    "(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"
#define SEMVER_OPS_RE "=||!=|>|<|>=|=>|<=|=<|~|~>|\\^"

enum {
    RE_CONSTRAINT,
    RE_RANGE,
    RE_FIND,
    RE_VALID,
    RE_COUNT,
};

static const char *const semver_re_src[RE_COUNT] = {
    [RE_CONSTRAINT] =
        "^" SEMVER_WS "*(" SEMVER_OPS_RE ")" SEMVER_WS "*(" SEMVER_CV_RE ")" SEMVER_WS "*\\z",
    [RE_RANGE] = SEMVER_WS "*(" SEMVER_CV_RE ")" SEMVER_WS "+-" SEMVER_WS "+(" SEMVER_CV_RE
                           ")" SEMVER_WS "*",
    [RE_FIND] = "(" SEMVER_OPS_RE ")" SEMVER_WS "*(" SEMVER_CV_RE ")",
    [RE_VALID] = "^(" SEMVER_WS "*(" SEMVER_OPS_RE ")" SEMVER_WS "*(" SEMVER_CV_RE ")" SEMVER_WS
                 "*)((?:" SEMVER_WS "+|," SEMVER_WS "*)(" SEMVER_OPS_RE ")" SEMVER_WS
                 "*(" SEMVER_CV_RE ")" SEMVER_WS "*)*\\z",
};

#endif
