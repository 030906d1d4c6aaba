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
    cleanup_free const char **pos_owned = pos.v;
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
    if (rc)
        return cli_fail(err);
    printf("Signed by: %s\nUsing Key With Fingerprint: %s\nChart Hash Verified: %s\n", r.signer,
           r.fingerprint, r.file_hash);
    return EXIT_OK;
}

/* pkg sign: write CHART.tgz.prov for an archive already packaged (what
 * `pkg package --sign` does after packaging). */
static struct {
    const char *key, *keyring, *passphrase_file;
} so_;

const struct opt *
cmd_sign_opts(void)
{
    static const struct opt opts[] = {
        {"key", 0, OPT_STRING, &so_.key, "NAME",
         "name of the key to use when signing (a user ID, or part of one)", NULL},
        {"keyring", 0, OPT_STRING, &so_.keyring, "FILE",
         "location of a keyring with the secret key (default ~/.gnupg/secring.gpg)", NULL},
        {"passphrase-file", 0, OPT_STRING, &so_.passphrase_file, "FILE",
         "location of a file which contains the passphrase for the signing key; \"-\" reads "
         "stdin",
         NULL},
        OPT_END,
    };
    return opts;
}

/* The passphrase from a file (first line) or stdin; NULL when none. */
char *
repo_cli_read_passphrase(const char *file, struct pkg_err **errp)
{
    if (!file)
        return NULL;
    struct sb sb = SB_INIT;
    int rc = !strcmp(file, "-") ? sb_read_fd(&sb, 0, "<stdin>", 4096, errp)
                                : sb_read_file(&sb, file, 4096, errp);
    if (rc) {
        sb_release(&sb);
        return NULL;
    }
    char *nl = strpbrk(sb.buf, "\r\n");
    if (nl)
        *nl = 0;
    return sb_detach(&sb, NULL);
}

int
repo_cli_sign(const char *archive, const char *key, const char *keyring,
              const char *passphrase_file)
{
    if (!key || !*key)
        return repo_cli_failf("--key is required for signing a package");
    char *kr = NULL;
    if (keyring) {
        kr = xstrdup(keyring);
    } else {
        const char *gh = getenv("GNUPGHOME");
        const char *h = getenv("HOME");
        kr = gh && *gh ? xasprintf("%s/secring.gpg", gh)
                       : xasprintf("%s/.gnupg/secring.gpg", h ? h : "");
    }
    struct pkg_err *err = NULL;
    char *pass = repo_cli_read_passphrase(passphrase_file, &err);
    if (passphrase_file && !pass) {
        free(kr);
        return cli_fail(err);
    }
    int rc = repo_prov_sign(archive, kr, key, pass, &err);
    if (pass) {
        memset(pass, 0, strlen(pass));
        free(pass);
    }
    free(kr);
    return rc ? cli_fail(err) : EXIT_OK;
}

int
cmd_sign(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, cmd_sign_opts(), argc, argv, g, &pos, &help);
    cleanup_free const char **pos_owned = pos.v;
    if (rc || help)
        return rc;
    if (pos.n != 1)
        return cli_usage_error(cmd, "\"pkg sign\" requires 1 argument");
    rc = repo_cli_sign(pos.v[0], so_.key, so_.keyring, so_.passphrase_file);
    if (rc == EXIT_OK)
        printf("Signed %s: %s.prov\n", pos.v[0], pos.v[0]);
    return rc;
}
