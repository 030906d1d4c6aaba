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
 * build fails naming the object and the variable.
 *
 * The static build. Where the C library's static archive exists, the
 * release `pkg` is a static PIE (a twelfth to a sixth faster on a chart
 * than the same code linked dynamically: no ld.so, no PLT, libc's code
 * beside pkg's) and the dynamic program is built beside it as `pkg-dyn`,
 * its twin. A static program cannot dlopen() libraries linked against the
 * shared C library, so in `pkg` the stubs of the lazy libraries lead to
 * lazy/static/twin.c instead of lazy.c: the first call into one of them
 * executes the twin with the same command line and environment, which
 * runs the command from the start. That is safe only before the command
 * has done anything it cannot do twice, so main() hands every command
 * with side effects over at once (lazy_twin_dispatch); the pure ones
 * (template, render, show, version...) run in `pkg` and hand over only
 * when they need a lazy library (a chart calling genCA, a remote chart or
 * git base). What they read from stdin is kept for the twin
 * (lazy_keep_stdin), and what template and render write to stderr before
 * their output is held back so that it is not printed twice. */
#ifndef PKG_LAZY_H
#define PKG_LAZY_H

#include <stdbool.h>
#include <stddef.h>

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

/* At the start of a command. In the static pkg: a command that is not
 * `pure` runs in the dynamic twin from the start (this does not return);
 * a pure one that writes its output at its end (`hold_stderr`) has stderr
 * fully buffered, flushed by lazy_stderr_release() before that output, so
 * that a hand-over discards rather than repeats it. In the dynamic
 * program: nothing, but the twin's marker is cleared from the environment
 * (see twin.c). */
void lazy_twin_dispatch(bool pure, bool hold_stderr);
/* Before a held-back command writes its output: stderr is flushed and
 * unbuffered again. No-op in the dynamic program. */
void lazy_stderr_release(void);
/* What a pure command read from stdin (all of it), kept so that a
 * hand-over can give the twin the same stdin. No-op in the dynamic
 * program. */
void lazy_keep_stdin(const char *data, size_t len);

#endif
