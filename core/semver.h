/* Semantic versions and Masterminds/semver v3 constraints, as Helm uses them
 * (chart versions, dependency ranges, kubeVersion, semverCompare). */
#ifndef PKG_CORE_SEMVER_H
#define PKG_CORE_SEMVER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/sb.h"

struct semver {
    uint64_t major, minor, patch;
    char *pre;      /* prerelease without '-', or NULL; heap */
    char *metadata; /* build metadata without '+', or NULL; heap */
    char *original; /* the text parsed; heap */
};

/* Parses leniently as Masterminds' NewVersion does: a leading "v", missing
 * minor/patch ("1.2" is 1.2.0). Strict mode (semver.StrictNewVersion) wants
 * exactly MAJOR.MINOR.PATCH. Release with semver_release(). */
int semver_parse(struct semver *out, const char *s, bool strict, struct pkg_err **errp);
void semver_release(struct semver *v);

/* <0, 0, >0 like strcmp, by semver precedence (metadata ignored). */
int semver_cmp(const struct semver *a, const struct semver *b);

/* A constraint set: `>= 1.2, < 2 || ^3`. Opaque; semver_constraint_free(). */
struct semver_constraint;
int semver_constraint_parse(struct semver_constraint **out, const char *s, struct pkg_err **errp);
void semver_constraint_free(struct semver_constraint *c);
/* Masterminds' Check: true when v satisfies c. Prereleases match only when
 * a comparator of the same group names a prerelease (as Masterminds does). */
bool semver_constraint_check(const struct semver_constraint *c, const struct semver *v);

/* Appends Masterminds' Version.String(): MAJOR.MINOR.PATCH[-pre][+meta]
 * (without the leading "v" the original may have had). */
void semver_format(struct sb *sb, const struct semver *v);

/* Parses both and checks (Helm's chartutil.IsCompatibleRange and Sprig's
 * semverCompare): *out is the result; parse errors are returned. */
int semver_check_str(const char *constraint, const char *version, bool *out, struct pkg_err **errp);

/* For tests: false makes every constraint go through Masterminds' regexes
 * (by default the common "OP VERSION" form is read without them). */
void semver_simple_set_enabled(bool on);

/* Picks the newest of n version strings (lenient parse; unparsable ones are
 * skipped) that satisfies c (NULL: any, prereleases included). Returns its
 * index, or -1 when none does. Ties keep the first. */
long semver_select_newest(const struct semver_constraint *c, const char *const *versions, size_t n);

#endif
