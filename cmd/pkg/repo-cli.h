/* Helpers shared by the repository commands (cmd-repo.c, cmd-search.c,
 * cmd-pull.c, cmd-dependency.c, cmd-push.c, cmd-verify.c). */
#ifndef PKG_CMD_REPO_CLI_H
#define PKG_CMD_REPO_CLI_H

#include "cmd/pkg/cli.h"
#include "core/value.h"
#include "repo-index/repo.h"

#include <stddef.h>

/* Prints library warnings as "WARNING: ..." on stderr. */
void repo_cli_warn(void *payload, const char *msg);
extern const struct repo_warn repo_cli_warner;

/* "Error: <msg>" on stderr; returns EXIT_ERR. */
int repo_cli_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* -o table|json|yaml -> 0|1|2 (EXIT_USAGE on anything else). */
int repo_cli_output_format(const struct cmd *cmd, const char *o, int *fmt);
/* Prints a value as JSON (json.Encoder: compact, newline) or YAML. */
int repo_cli_print_val(const struct val *v, int fmt);

/* `repo update` for the named repositories (all when nnames is 0). */
int repo_cli_update_all(const struct repo_config *cfg, const char *const *names, size_t nnames,
                        bool fail_on_error, bool quiet_header);

/* $GNUPGHOME/pubring.gpg or ~/.gnupg/pubring.gpg (heap). */
char *repo_cli_default_keyring(void);

/* Signs an archive (ARCHIVE.prov) the way `helm package --sign` does; the
 * hook `pkg package --sign` calls. Prints errors; returns an exit status. */
int repo_cli_sign(const char *archive, const char *key, const char *keyring,
                  const char *passphrase_file);
char *repo_cli_read_passphrase(const char *file, struct pkg_err **errp);

#endif
