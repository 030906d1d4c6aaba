/* Provenance files (.prov) as Helm writes and checks them: a clear-signed
 * document holding the chart's metadata as YAML, a "..." separator line
 * and `files:` with the sha256 of the archive. */
#include "repo-index/pgp.h"
#include "repo-index/repo.h"

#include "core/fsutil.h"
#include "core/xalloc.h"
#include "core/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char *
base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Helm's messageBlock. */
static int
message_block(struct sb *out, const char *archive, struct pkg_err **errp)
{
    char hex[65];
    int rc = repo_sha256_file(hex, archive, errp);
    if (rc)
        return rc;
    struct arena *a = arena_new();
    struct val *md;
    rc = repo_archive_metadata(&md, a, archive, errp);
    if (rc == 0)
        rc = val_yaml_emit(out, md, VAL_YAML_HELM, errp);
    if (rc == 0) {
        sb_addstr(out, "\n...\n");
        struct val *files = val_map(a);
        val_map_setz(a, files, base_name(archive), val_strf(a, "sha256:%s", hex));
        struct val *sums = val_map(a);
        val_map_setz(a, sums, "files", files);
        rc = val_yaml_emit(out, sums, VAL_YAML_HELM, errp);
    }
    arena_free(a);
    return rc;
}

int
repo_prov_sign(const char *archive, const char *keyring, const char *key_name,
               const char *passphrase, struct pkg_err **errp)
{
    struct stat st;
    if (stat(archive, &st) < 0)
        return pkg_err_sys(errp, "stat %s", archive);
    if (S_ISDIR(st.st_mode))
        return pkg_err_set(errp, PKG_EINVAL, "cannot sign a directory");
    struct pgp_keyring kr;
    int rc = pgp_keyring_load(&kr, keyring, errp);
    if (rc)
        return rc;
    struct pgp_entity *e;
    struct sb msg = SB_INIT, out = SB_INIT;
    rc = pgp_keyring_find(&e, &kr, key_name, errp);
    if (rc == 0)
        rc = pgp_key_unlock(&e->primary, passphrase, errp);
    if (rc == 0)
        rc = message_block(&msg, archive, errp);
    if (rc == 0)
        rc = pgp_clearsign(&out, &e->primary, msg.buf, msg.len, (int64_t)time(NULL), errp);
    if (rc == 0) {
        char *prov = xasprintf("%s.prov", archive);
        rc = fs_write_atomic(prov, out.buf, out.len, 0644, errp);
        free(prov);
    }
    sb_release(&msg);
    sb_release(&out);
    pgp_keyring_release(&kr);
    return rc;
}

int
repo_prov_verify(struct repo_prov_result *res, const char *archive, const char *prov_path,
                 const char *keyring, struct pkg_err **errp)
{
    memset(res, 0, sizeof(*res));
    char *prov = prov_path ? xstrdup(prov_path) : xasprintf("%s.prov", archive);
    struct stat st;
    int rc = 0;
    struct pgp_keyring kr = {0};
    struct sb doc = SB_INIT, plain = SB_INIT;
    struct arena *a = arena_new();
    const char *paths[2] = {archive, prov};
    for (int i = 0; i < 2; i++) {
        if (stat(paths[i], &st) < 0) {
            rc = pkg_err_sys(errp, "stat %s", paths[i]);
            goto out;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = pkg_err_set(errp, PKG_EINVAL, "%s cannot be a directory", paths[i]);
            goto out;
        }
    }
    rc = pgp_keyring_load(&kr, keyring, errp);
    if (rc) {
        pkg_err_wrap(errp, "failed to load keyring");
        goto out;
    }
    rc = sb_read_file(&doc, prov, 1 << 20, errp);
    if (rc)
        goto out;
    const struct pgp_entity *ent;
    const struct pgp_key *key;
    rc = pgp_clearsign_verify(&plain, &ent, &key, &kr, doc.buf, doc.len, errp);
    if (rc)
        goto out;
    char hex[65];
    rc = repo_sha256_file(hex, archive, errp);
    if (rc)
        goto out;
    const char *sep = strstr(plain.buf, "\n...\n");
    if (!sep) {
        rc = pkg_err_set(errp, PKG_EINVAL, "message block must have at least two parts");
        goto out;
    }
    struct val *sums;
    struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM};
    const char *part2 = sep + 5;
    rc = val_yaml_load(&sums, a, part2, strlen(part2), arena_strdup(a, prov), &yo, errp);
    if (rc)
        goto out;
    const char *base = base_name(archive);
    const struct val *files = sums->kind == VAL_MAP ? val_map_getz(sums, "files") : NULL;
    const struct val *sha = files && files->kind == VAL_MAP ? val_map_getz(files, base) : NULL;
    char want[80];
    snprintf(want, sizeof(want), "sha256:%s", hex);
    if (!sha || sha->kind != VAL_STRING) {
        rc = pkg_err_set(errp, PKG_EDIGEST,
                         "provenance does not contain a SHA for a file named \"%s\"", base);
        goto out;
    }
    if (strcmp(sha->u.s.ptr, want)) {
        rc = pkg_err_set(errp, PKG_EDIGEST, "sha256 sum does not match for %s: \"%s\" != \"%s\"",
                         base, sha->u.s.ptr, want);
        goto out;
    }
    snprintf(res->signer, sizeof(res->signer), "%s", ent->nuids ? ent->uids[0] : "");
    for (int i = 0; i < 20; i++)
        snprintf(res->fingerprint + 2 * i, 3, "%02X", ent->primary.fpr[i]);
    snprintf(res->file_hash, sizeof(res->file_hash), "%s", want);
    snprintf(res->file_name, sizeof(res->file_name), "%s", base);
    (void)key;
out:
    arena_free(a);
    sb_release(&doc);
    sb_release(&plain);
    pgp_keyring_release(&kr);
    free(prov);
    return rc;
}
