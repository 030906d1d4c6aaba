/* pkg verify: check a chart archive against its provenance file. */
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "cmd/pkg/repo-cli.h"
#include "core/core.h"
#include "repo-index/repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *verify_keyring;

const struct opt *
cmd_verify_opts(void)
{
    static const struct opt opts[] = {
        {"keyring", 0, OPT_STRING, &verify_keyring, "FILE",
         "keyring containing public keys (default ~/.gnupg/pubring.gpg)", NULL},
        OPT_END,
    };
    return opts;
}

int
cmd_verify(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, cmd_verify_opts(), argc, argv, g, &pos, &help);
    if (rc || help)
        return rc;
    if (pos.n != 1)
        return cli_usage_error(cmd, "\"pkg verify\" requires 1 argument");
    const char *path = pos.v[0];
    size_t n = strlen(path);
    if (fs_is_dir(path))
        return repo_cli_failf("unpacked charts cannot be verified");
    if (n < 4 || strcasecmp(path + n - 4, ".tgz"))
        return repo_cli_failf("chart must be a tgz file");
    char *kr = verify_keyring ? xstrdup(verify_keyring) : repo_cli_default_keyring();
    struct repo_prov_result r;
    struct pkg_err *err = NULL;
    rc = repo_prov_verify(&r, path, NULL, kr, &err);
    free(kr);
    free(pos.v);
    if (rc)
        return cli_fail(err);
    printf("Signed by: %s\nUsing Key With Fingerprint: %s\nChart Hash Verified: %s\n", r.signer,
           r.fingerprint, r.file_hash);
    return EXIT_OK;
}
