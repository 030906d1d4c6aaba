/* Remote bases: kustomize's git URL forms (api/internal/git/repospec.go),
 * cloned with libgit2 into a cache under $PKG_HOME/cache/git keyed by URL
 * and ref, reused across builds. Module-private. */
#ifndef PKG_OVERLAY_GIT_H
#define PKG_OVERLAY_GIT_H

#include "overlay/kust.h"

/* A parsed remote target (RepoSpec). */
struct krepospec {
    const char *host;     /* "https://github.com/", "git@github.com:", "file:///" ... */
    const char *org_repo; /* "org/repo" */
    const char *path;     /* the subdirectory ("" for the root) */
    const char *ref;      /* "" for the default branch */
    const char *raw;
    const char *clone_url; /* what git is asked to clone */
    bool submodules;
    int timeout; /* seconds */
};

/* Parses a URL the way kustomize's NewRepoSpecFromURL does; 0 or
 * PKG_EINVAL (not a git URL) with a message. */
int kgit_parse(struct arena *a, struct krepospec *out, const char *url, struct pkg_err **errp);

/* Clones (or reuses the cached clone of) url and makes *l a root-only
 * loader at its path. */
int kgit_open_root(struct kbuild *b, struct kloader *l, struct kloader *referrer, const char *url,
                   struct pkg_err **errp);
const char *kgit_clone_dir(const struct krepo *repo);
const char *kgit_raw(const struct krepo *repo);

/* Clones the git URLs among urls in parallel into the cache (the later
 * kgit_open_root calls then find them). Non-git entries are ignored. */
int kgit_prefetch(struct kbuild *b, const char *const *urls, size_t n);

/* Fetches an http(s) URL (remote resource files). */
int kgit_http_get(struct kbuild *b, struct sb *out, const char *url, struct pkg_err **errp);

/* Releases libgit2 state held by the build. */
void kgit_release(struct kbuild *b);

#endif
