/* The file loader kustomize builds with (api/internal/loader): a root
 * directory, the load restrictor (files must stay in or below the root
 * unless LoadRestrictionsNone), new roots for bases with cycle detection,
 * and remote roots cloned from git. */
#include "overlay/kust.h"
#include "overlay/git.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *
kerrno_str(int e)
{
    /* Go's syscall.Errno strings are strerror's, lowercased. */
    static __thread char buf[128];
    snprintf(buf, sizeof(buf), "%s", strerror(e));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}

/* filepath.Abs + Clean. */
static char *
abs_path(struct arena *a, const char *p)
{
    if (p[0] == '/') {
        char *c = fs_clean(p);
        char *r = arena_strdup(a, c);
        free(c);
        return r;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd)))
        strcpy(cwd, "/");
    char *j = xasprintf("%s/%s", cwd, p);
    char *c = fs_clean(j);
    char *r = arena_strdup(a, c);
    free(j);
    free(c);
    return r;
}

/* Go's EvalSymlinks error: "lstat <first missing prefix>: <reason>". */
static int
evalsymlink_error(struct pkg_err **errp, const char *shown, const char *abs)
{
    int saved = errno;
    char *buf = xstrdup(abs);
    char *missing = NULL;
    for (char *s = buf + 1;; s++) {
        char c = *s;
        if (c == '/' || c == 0) {
            *s = 0;
            struct stat st;
            if (lstat(buf, &st) != 0) {
                saved = errno;
                missing = xstrdup(buf);
                break;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(buf);
    int code = saved == ENOENT || saved == ENOTDIR ? PKG_ENOENT : PKG_EIO;
    pkg_err_set(errp, code, "evalsymlink failure on '%s' : lstat %s: %s", shown,
                missing ? missing : abs, kerrno_str(saved));
    free(missing);
    return code;
}

/* CleanedAbs: (dir, file) with symlinks resolved; file is "" for a dir. */
static int
cleaned_abs(struct arena *a, const char *path, const char **dir, const char **file,
            struct pkg_err **errp)
{
    const char *abs = abs_path(a, path);
    char *real = realpath(abs, NULL);
    if (!real)
        return evalsymlink_error(errp, path, abs);
    struct stat st;
    if (stat(real, &st) == 0 && S_ISDIR(st.st_mode)) {
        *dir = arena_strdup(a, real);
        *file = "";
    } else {
        char *slash = strrchr(real, '/');
        *file = arena_strdup(a, slash + 1);
        *dir = slash == real ? "/" : arena_strndup(a, real, (size_t)(slash - real));
    }
    free(real);
    return 0;
}

static bool
has_prefix_dir(const char *d, const char *root)
{
    if (!strcmp(root, "/") || !strcmp(d, root))
        return true;
    size_t n = strlen(root);
    return !strncmp(d, root, n) && d[n] == '/';
}

/* filesys.ConfirmDir */
static int
confirm_dir(struct arena *a, const char **out, const char *path, struct pkg_err **errp)
{
    if (!*path)
        return pkg_err_set(errp, PKG_EINVAL, "directory path cannot be empty");
    const char *d, *f;
    int rc = cleaned_abs(a, path, &d, &f, errp);
    if (rc) {
        pkg_err_wrap(errp, "not a valid directory");
        return rc;
    }
    if (*f)
        return pkg_err_set(errp, PKG_EINVAL, "'%s': file is not directory", path);
    *out = d;
    return 0;
}

static const char *
join(struct arena *a, const char *dir, const char *rel)
{
    char *j = xasprintf("%s/%s", dir, rel);
    char *c = fs_clean(j);
    const char *r = arena_strdup(a, c);
    free(j);
    free(c);
    return r;
}

int
kloader_new_root(struct kbuild *b, struct kloader **out, const char *path, struct pkg_err **errp)
{
    struct kloader *l = arena_alloc(b->a, sizeof(*l));
    l->root_only = b->opts->restrictor == KUST_LOAD_ROOT_ONLY;
    if (kgit_is_repo_url(path)) {
        int rc = kgit_open_root(b, l, NULL, path, errp);
        if (rc)
            return rc;
        *out = l;
        return 0;
    }
    int rc = confirm_dir(b->a, &l->root, path, errp);
    if (rc)
        return rc;
    *out = l;
    return 0;
}

static struct krepo *
containing_repo(const struct kloader *l)
{
    for (; l; l = l->referrer)
        if (l->repo)
            return l->repo;
    return NULL;
}

int
kloader_new(struct kbuild *b, struct kloader **out, struct kloader *ldr, const char *path,
            struct pkg_err **errp)
{
    if (!*path)
        return pkg_err_set(errp, PKG_EINVAL, "new root cannot be empty");
    if (kgit_is_repo_url(path)) {
        struct kloader *l = arena_alloc(b->a, sizeof(*l));
        int rc = kgit_open_root(b, l, ldr, path, errp);
        if (rc)
            return rc;
        *out = l;
        return 0;
    }
    if (path[0] == '/')
        return pkg_err_set(errp, PKG_EINVAL, "new root '%s' cannot be absolute", path);
    const char *root;
    int rc = confirm_dir(b->a, &root, join(b->a, ldr->root, path), errp);
    if (rc) {
        pkg_err_wrap(errp, "must build at directory");
        return rc;
    }
    struct krepo *repo = containing_repo(ldr);
    if (repo && !has_prefix_dir(root, kgit_clone_dir(repo)))
        return pkg_err_set(errp, PKG_EPERM,
                           "security; bases in kustomizations found in cloned git repos must be "
                           "within the repo, but base '%s' is outside '%s'",
                           root, kgit_clone_dir(repo));
    for (struct kloader *p = ldr; p; p = p->referrer)
        if (has_prefix_dir(p->root, root))
            return pkg_err_set(errp, PKG_EINVAL,
                               "cycle detected: candidate root '%s' contains visited root '%s'",
                               root, p->root);
    struct kloader *l = arena_alloc(b->a, sizeof(*l));
    l->referrer = ldr;
    l->root = root;
    l->root_only = ldr->root_only;
    *out = l;
    return 0;
}

int
kloader_load_local(struct arena *a, const struct kloader *ldr, const char *path, struct sb *out,
                   const char **real, struct pkg_err **errp)
{
    const char *p = path[0] == '/' ? path : join(a, ldr->root, path);
    if (ldr->root_only) {
        const char *d, *f;
        int rc = cleaned_abs(a, p, &d, &f, errp);
        if (rc)
            return rc;
        if (!*f)
            return pkg_err_set(errp, PKG_EINVAL, "'%s' must resolve to a file", p);
        if (!has_prefix_dir(d, ldr->root))
            return pkg_err_set(errp, PKG_EPERM, "security; file '%s' is not in or below '%s'", p,
                               ldr->root);
        p = join(a, d, f);
    }
    struct stat st;
    if (stat(p, &st) != 0) {
        int e = errno;
        return pkg_err_set(errp, e == ENOENT ? PKG_ENOENT : PKG_EIO, "open %s: %s", p,
                           kerrno_str(e));
    }
    if (S_ISDIR(st.st_mode))
        return pkg_err_set(errp, PKG_EINVAL, "read %s: is a directory", p);
    int rc = sb_read_file(out, p, KUST_MAX_FILE, errp);
    if (rc)
        return rc;
    if (real)
        *real = p;
    return 0;
}

int
kloader_load(struct kbuild *b, struct kloader *ldr, const char *path, struct sb *out,
             const char **real, struct pkg_err **errp)
{
    if (!strncmp(path, "https://", 8) || !strncmp(path, "http://", 7)) {
        if (real)
            *real = arena_strdup(b->a, path); /* names the resource in messages */
        return kgit_http_get(b, out, path, errp);
    }
    return kloader_load_local(b->a, ldr, path, out, real, errp);
}
