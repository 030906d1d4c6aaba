/* Libraries loaded on first use.
 *
 * pkg links libcurl, libgit2, libarchive, libmicrohttpd, SQLite and
 * libcrypto lazily: the dynamic loader does not map them (and the dozens of
 * libraries they pull in: GnuTLS, Kerberos, LDAP, libssh2, libxml2, ICU...)
 * at start-up; the first call into one of them does. Call sites are plain
 * calls (`curl_easy_init()`); the build generates, for every function pkg's
 * objects import from such a library, a stub of that name which jumps
 * through a pointer (scripts/lazy-stubs.sh, lazy/lazy-asm.inc). The first
 * call through any stub of a library dlopen()s it by its soname, binds
 * every stub of that library at once and continues into the real function
 * with the caller's arguments untouched. Library initialisers
 * (curl_global_init, git_libgit2_init, OPENSSL_init_crypto) are functions
 * like any other.
 *
 * Threads: loading is serialised by one lock; a thread that finds a slot
 * already bound never takes it. fork(): the lock is held across fork() (a
 * pthread_atfork handler), so a child never inherits a half-done load.
 * Code that calls a lazy library in a child after fork() or clone() should
 * still call into that library in the parent first (curl_global_init,
 * lazy_load): the child then finds every function bound and never enters
 * the dynamic loader, which is not async-signal-safe and may not even see
 * the host's files any more (after setns, chroot or pivot_root).
 *
 * A library that cannot be loaded at run time, or lacks a function pkg was
 * built against, ends the process: "Error: cannot load libcurl.so.4, which
 * `pkg pull repo/app` needs (curl_easy_init): <dlerror>" on stderr, exit
 * status 1 — the way the dynamic loader refuses to start a program whose
 * libraries are missing, only later and with the command named. This is
 * the one place outside cmd/ that exits: the call has no way to fail. Code
 * that prefers an error it can return calls lazy_load() first.
 *
 * Data symbols (variables) of a lazy library cannot go through a stub: the
 * build fails naming the object and the variable. */
#ifndef PKG_LAZY_H
#define PKG_LAZY_H

#include <stdbool.h>

#include "core/err.h"

/* Loads the lazily linked library whose soname starts with `name` and ".so"
 * ("libcurl" for libcurl.so.4) and binds all its stubs, as the first call
 * into it would. Returns 0 when loaded, also when `name` is not lazily
 * linked in this build (it is then linked normally, or pkg does not use
 * it); PKG_ENOENT naming the library and dlerror()'s reason when it cannot
 * be loaded; PKG_ENOTSUP when it lacks one of the functions. Thread-safe. */
int lazy_load(const char *name, struct pkg_err **errp);

/* Whether the library `name` (as for lazy_load) is linked lazily and not
 * loaded yet. For tests and diagnostics. */
bool lazy_pending(const char *name);

#endif
