/* Files: atomic writes, path joins confined to a root. */
#ifndef PKG_CORE_FSUTIL_H
#define PKG_CORE_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/err.h"

/* Writes a file atomically: a temporary file beside it, fsync, rename, fsync
 * of the directory. Readers see the old or the new content, never a part. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                    struct pkg_err **errp);

/* Joins root and a relative path, resolving "." and ".." lexically; fails
 * with PKG_EPERM when the result would leave root or rel is absolute.
 * Returns a heap string in *out. Does not touch the file system. */
int fs_join_under(char **out, const char *root, const char *rel, struct pkg_err **errp);

/* Lexical clean like Go's filepath.Clean. Heap string. */
char *fs_clean(const char *path);

/* Go's filepath.Abs: path cleaned, joined to the working directory as
 * os.Getwd gives it ($PWD when it names the same directory as ".", so a
 * directory reached through a symbolic link keeps its name). Heap string. */
char *fs_abs(const char *path);

/* mkdir -p. */
int fs_mkdir_p(const char *path, mode_t mode, struct pkg_err **errp);

/* rm -rf (does not follow symlinks; stays on one file system). */
int fs_remove_all(const char *path, struct pkg_err **errp);

bool fs_is_dir(const char *path);
bool fs_exists(const char *path);

#endif
