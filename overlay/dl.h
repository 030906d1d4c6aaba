/* libgit2 and libcurl, loaded on first use (dlopen) rather than at every
 * start of pkg: most builds never clone or download, and loading these
 * libraries and their dependencies costs more than a whole small build.
 * Include after <git2.h> and <curl/curl.h>: the library's names then call
 * through the tables. Module-private. */
#ifndef PKG_OVERLAY_DL_H
#define PKG_OVERLAY_DL_H

#include <curl/curl.h>
#include <git2.h>

#include "core/err.h"

#define KDL_GIT_FUNCS(X)                                                                           \
    X(git_libgit2_init)                                                                            \
    X(git_error_last)                                                                              \
    X(git_repository_init)                                                                         \
    X(git_repository_free)                                                                         \
    X(git_repository_set_head_detached)                                                            \
    X(git_remote_create)                                                                           \
    X(git_remote_create_detached)                                                                  \
    X(git_remote_init_callbacks)                                                                   \
    X(git_remote_connect)                                                                          \
    X(git_remote_ls)                                                                               \
    X(git_remote_fetch)                                                                            \
    X(git_remote_disconnect)                                                                       \
    X(git_remote_free)                                                                             \
    X(git_fetch_options_init)                                                                      \
    X(git_revparse_single)                                                                         \
    X(git_object_lookup)                                                                           \
    X(git_object_peel)                                                                             \
    X(git_object_id)                                                                               \
    X(git_object_free)                                                                             \
    X(git_oid_tostr)                                                                               \
    X(git_checkout_options_init)                                                                   \
    X(git_checkout_tree)                                                                           \
    X(git_submodule_foreach)                                                                       \
    X(git_submodule_open)                                                                          \
    X(git_submodule_update)                                                                        \
    X(git_submodule_update_options_init)

#define KDL_CURL_FUNCS(X)                                                                          \
    X(curl_easy_init)                                                                              \
    X(curl_easy_setopt)                                                                            \
    X(curl_easy_perform)                                                                           \
    X(curl_easy_getinfo)                                                                           \
    X(curl_easy_cleanup)                                                                           \
    X(curl_easy_strerror)

#define KDL_FIELD(f) __typeof__(&f) f;
struct kdl_git {
    KDL_GIT_FUNCS(KDL_FIELD)
};
struct kdl_curl {
    KDL_CURL_FUNCS(KDL_FIELD)
};
#undef KDL_FIELD

extern struct kdl_git kdl_git;
extern struct kdl_curl kdl_curl;

/* Loads the library once (thread-safe); 0, or an error naming what is
 * missing. */
int kdl_git_load(struct pkg_err **errp);
int kdl_curl_load(struct pkg_err **errp);

#ifndef KDL_NO_REDIRECT
/* each name below calls through its table */
#define git_libgit2_init kdl_git.git_libgit2_init
#define git_error_last kdl_git.git_error_last
#define git_repository_init kdl_git.git_repository_init
#define git_repository_free kdl_git.git_repository_free
#define git_repository_set_head_detached kdl_git.git_repository_set_head_detached
#define git_remote_create kdl_git.git_remote_create
#define git_remote_create_detached kdl_git.git_remote_create_detached
#define git_remote_init_callbacks kdl_git.git_remote_init_callbacks
#define git_remote_connect kdl_git.git_remote_connect
#define git_remote_ls kdl_git.git_remote_ls
#define git_remote_fetch kdl_git.git_remote_fetch
#define git_remote_disconnect kdl_git.git_remote_disconnect
#define git_remote_free kdl_git.git_remote_free
#define git_fetch_options_init kdl_git.git_fetch_options_init
#define git_revparse_single kdl_git.git_revparse_single
#define git_object_lookup kdl_git.git_object_lookup
#define git_object_peel kdl_git.git_object_peel
#define git_object_id kdl_git.git_object_id
#define git_object_free kdl_git.git_object_free
#define git_oid_tostr kdl_git.git_oid_tostr
#define git_checkout_options_init kdl_git.git_checkout_options_init
#define git_checkout_tree kdl_git.git_checkout_tree
#define git_submodule_foreach kdl_git.git_submodule_foreach
#define git_submodule_open kdl_git.git_submodule_open
#define git_submodule_update kdl_git.git_submodule_update
#define git_submodule_update_options_init kdl_git.git_submodule_update_options_init
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_init kdl_curl.curl_easy_init
#define curl_easy_setopt kdl_curl.curl_easy_setopt
#define curl_easy_perform kdl_curl.curl_easy_perform
#define curl_easy_getinfo kdl_curl.curl_easy_getinfo
#define curl_easy_cleanup kdl_curl.curl_easy_cleanup
#define curl_easy_strerror kdl_curl.curl_easy_strerror
#endif

#endif
