/* On-demand loading of libgit2 and libcurl (see dl.h). The symbol tables
 * are typed from the libraries' own headers, so a changed signature is a
 * compile error, and the sonames come from the headers pkg was built
 * against. */
#define KDL_NO_REDIRECT
#include "overlay/dl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <pthread.h>
#include <string.h>

struct kdl_git kdl_git;
struct kdl_curl kdl_curl;

struct lib {
    pthread_once_t once;
    const char *soname;
    void **slots;
    const char *const *names;
    size_t n;
    char error[256];
};

#define KDL_NAME(f) #f,
static const char *const git_names[] = {KDL_GIT_FUNCS(KDL_NAME)};
static const char *const curl_names[] = {KDL_CURL_FUNCS(KDL_NAME)};
#undef KDL_NAME

static struct lib git_lib = {
    PTHREAD_ONCE_INIT, "libgit2.so." LIBGIT2_SOVERSION,          (void **)&kdl_git,
    git_names,         sizeof(git_names) / sizeof(git_names[0]), ""};
static struct lib curl_lib = {PTHREAD_ONCE_INIT,
                              "libcurl.so.4",
                              (void **)&kdl_curl,
                              curl_names,
                              sizeof(curl_names) / sizeof(curl_names[0]),
                              ""};

static void
load(struct lib *l)
{
    void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(l->error, sizeof(l->error), "cannot load %s: %s", l->soname, dlerror());
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        void *p = dlsym(h, l->names[i]);
        if (!p) {
            snprintf(l->error, sizeof(l->error), "%s lacks %s", l->soname, l->names[i]);
            return;
        }
        memcpy(&l->slots[i], &p, sizeof(p));
    }
}

static void
load_git(void)
{
    load(&git_lib);
}

static void
load_curl(void)
{
    load(&curl_lib);
}

int
kdl_git_load(struct pkg_err **errp)
{
    pthread_once(&git_lib.once, load_git);
    if (git_lib.error[0])
        return pkg_err_set(errp, PKG_ENOTSUP, "%s", git_lib.error);
    return 0;
}

int
kdl_curl_load(struct pkg_err **errp)
{
    pthread_once(&curl_lib.once, load_curl);
    if (curl_lib.error[0])
        return pkg_err_set(errp, PKG_ENOTSUP, "%s", curl_lib.error);
    return 0;
}
