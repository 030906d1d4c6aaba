/* pkg image import: OCI image layout directories, OCI archives (a layout
 * in a tar, optionally compressed) and `docker save` tarballs.
 *
 * An archive is first unpacked, with the same confinement rules as a
 * layer, into the store's tmp/ and then read as a directory. Every blob the
 * import uses is verified against its digest before it is trusted. */
#include "engine/node/node-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ANNOT_REF "org.opencontainers.image.ref.name"
#define ANNOT_CTRD "io.containerd.image.name"

struct importer {
    struct arena *a;
    const char *home;
    const char *root; /* the layout or docker-save directory */
    const char *name; /* --name */
    struct node_image *out;
    size_t n, cap;
};

static int
read_in(struct sb *sb, const struct importer *im, const char *rel, size_t limit,
        struct pkg_err **errp)
{
    char *path = NULL;
    int rc = fs_join_under(&path, im->root, rel, errp);
    if (!rc)
        rc = sb_read_file(sb, path, limit, errp);
    free(path);
    return rc;
}

static int
read_blob(struct sb *sb, const struct importer *im, const char *digest, size_t limit,
          struct pkg_err **errp)
{
    if (!node_digest_valid(digest))
        return pkg_err_set(errp, PKG_EINVAL, "invalid digest \"%s\"", digest);
    cleanup_free char *rel = xasprintf("blobs/sha256/%s", digest + 7);
    int rc = read_in(sb, im, rel, limit, errp);
    if (rc)
        return rc;
    char got[72];
    node_sha256_buf(sb->buf, sb->len, got);
    if (strcmp(got, digest) != 0)
        return pkg_err_set(errp, PKG_EDIGEST, "blob %s: digest mismatch (got %s)", digest, got);
    return 0;
}

static void
push_image(struct importer *im, const struct node_image *img)
{
    if (im->n == im->cap) {
        size_t ncap = im->cap ? im->cap * 2 : 4;
        struct node_image *n = arena_alloc(im->a, ncap * sizeof(*n));
        if (im->out)
            memcpy(n, im->out, im->n * sizeof(*n));
        im->out = n;
        im->cap = ncap;
    }
    im->out[im->n++] = *img;
}

/* Unpacks the layers of a config whose blobs are found by `open_layer`. */
static int
add_layers(struct importer *im, const char **diff_ids, size_t n_ids, const char **digests,
           const char **paths, size_t n_layers, uint64_t *size, struct pkg_err **errp)
{
    if (n_ids != n_layers)
        return pkg_err_set(errp, PKG_EINVAL, "image has %zu layers but its config lists %zu",
                           n_layers, n_ids);
    for (size_t i = 0; i < n_layers; i++) {
        char *path = NULL;
        int rc = fs_join_under(&path, im->root, paths[i], errp);
        if (rc)
            return rc;
        struct stat st;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) {
            rc = pkg_err_sys(errp, "open %s", path);
            if (fd >= 0)
                close(fd);
            free(path);
            return rc;
        }
        free(path);
        *size += (uint64_t)st.st_size;
        rc = node_store_add_layer(im->home, fd, digests ? digests[i] : NULL, diff_ids[i], errp);
        close(fd);
        if (rc)
            return rc;
    }
    return 0;
}

static const char *
ref_for(struct importer *im, const char *annot, struct pkg_err **errp)
{
    const char *r = annot;
    if (annot && !strchr(annot, '/') && !strchr(annot, ':') && !strchr(annot, '@')) {
        /* A bare tag (skopeo's oci:DIR:TAG) needs a repository name. */
        if (!im->name)
            return pkg_err_set(errp, PKG_EINVAL,
                               "image tagged \"%s\" in %s has no repository name; use --name",
                               annot, im->root),
                   NULL;
        r = arena_sprintf(im->a, "%s:%s", im->name, annot);
    } else if (!annot) {
        if (!im->name)
            return pkg_err_set(errp, PKG_EINVAL, "image in %s has no name; use --name", im->root),
                   NULL;
        r = im->name;
    }
    return node_ref_normalize(im->a, r, errp);
}

static int
import_manifest(struct importer *im, const char *digest, const char *annot, struct pkg_err **errp)
{
    struct sb man = SB_INIT, cfg = SB_INIT;
    const char *config, **layers, **ids, **paths;
    size_t n_layers, n_ids;
    uint64_t size = 0;
    struct node_image img;
    const char *ref = ref_for(im, annot, errp);
    int rc = ref ? 0 : PKG_EINVAL;
    if (!rc)
        rc = read_blob(&man, im, digest, NODE_MAX_MANIFEST, errp);
    if (!rc)
        rc =
            node_manifest_parse(&config, &layers, &n_layers, im->a, man.buf, man.len, digest, errp);
    if (!rc)
        rc = read_blob(&cfg, im, config, NODE_MAX_CONFIG, errp);
    if (!rc)
        rc = node_config_diff_ids(&ids, &n_ids, im->a, cfg.buf, cfg.len, config, errp);
    if (rc)
        goto out;
    paths = arena_alloc(im->a, (n_layers + 1) * sizeof(*paths));
    for (size_t i = 0; i < n_layers; i++)
        paths[i] = arena_sprintf(im->a, "blobs/sha256/%s", layers[i] + 7);
    rc = add_layers(im, ids, n_ids, layers, paths, n_layers, &size, errp);
    if (!rc)
        rc = node_store_put_blob(im->home, digest, man.buf, man.len, errp);
    if (!rc)
        rc = node_store_put_blob(im->home, config, cfg.buf, cfg.len, errp);
    if (!rc)
        rc = node_store_tag(&img, im->a, im->home, ref, config, digest, size, errp);
    if (!rc)
        push_image(im, &img);
out:
    sb_release(&man);
    sb_release(&cfg);
    return rc;
}

static bool
platform_ok(const struct val *desc)
{
    struct val *p = node_jget(desc, "platform", VAL_MAP);
    if (!p)
        return true;
    const char *os = node_jstr(p, "os"), *arch = node_jstr(p, "architecture");
    return (!os || !strcmp(os, "linux")) && (!arch || !strcmp(arch, "amd64"));
}

static int
import_index(struct importer *im, const struct val *index, const char *annot, int depth,
             struct pkg_err **errp)
{
    struct val *ms = node_jget(index, "manifests", VAL_SEQ);
    if (!ms || depth > 4)
        return pkg_err_set(errp, PKG_EINVAL, "%s: index has no manifests", im->root);
    int done = 0;
    for (size_t i = 0; i < val_seq_len(ms); i++) {
        struct val *d = val_seq_at(ms, i);
        const char *mt = node_jstr(d, "mediaType"), *digest = node_jstr(d, "digest");
        struct val *an = node_jget(d, "annotations", VAL_MAP);
        const char *name = node_jstr(an, ANNOT_CTRD);
        if (!name)
            name = node_jstr(an, ANNOT_REF);
        if (!name)
            name = annot;
        if (!platform_ok(d))
            continue;
        int rc;
        if (mt && (!strcmp(mt, MT_OCI_INDEX) || !strcmp(mt, MT_DOCKER_LIST))) {
            struct sb sb = SB_INIT;
            struct val *sub;
            rc = read_blob(&sb, im, digest, NODE_MAX_MANIFEST, errp);
            if (!rc)
                rc = node_json_parse(&sub, im->a, sb.buf, sb.len, digest, errp);
            if (!rc)
                rc = import_index(im, sub, name, depth + 1, errp);
            sb_release(&sb);
        } else {
            rc = import_manifest(im, digest, name, errp);
        }
        if (rc)
            return rc;
        done++;
        if (depth > 0)
            break; /* one platform of a nested index */
    }
    if (!done)
        return pkg_err_set(errp, PKG_ENOENT, "%s: no linux/amd64 image in the index", im->root);
    return 0;
}

static int
import_layout(struct importer *im, struct pkg_err **errp)
{
    struct sb sb = SB_INIT;
    struct val *index;
    int rc = read_in(&sb, im, "index.json", NODE_MAX_MANIFEST, errp);
    if (!rc)
        rc = node_json_parse(&index, im->a, sb.buf, sb.len,
                             arena_sprintf(im->a, "%s/index.json", im->root), errp);
    if (!rc)
        rc = import_index(im, index, NULL, 0, errp);
    sb_release(&sb);
    return rc;
}

static int
import_docker(struct importer *im, struct pkg_err **errp)
{
    struct sb sb = SB_INIT;
    struct val *list;
    const char *mname = arena_sprintf(im->a, "%s/manifest.json", im->root);
    int rc = read_in(&sb, im, "manifest.json", NODE_MAX_MANIFEST, errp);
    if (!rc) {
        struct val_json_opts o = {.ints = true};
        rc = val_json_load(&list, im->a, sb.buf, sb.len, mname, &o, errp);
    }
    sb_release(&sb);
    if (rc)
        return rc;
    if (list->kind != VAL_SEQ || val_seq_len(list) == 0)
        return pkg_err_set(errp, PKG_EINVAL, "%s: not a docker save manifest", mname);
    for (size_t i = 0; i < val_seq_len(list); i++) {
        struct val *e = val_seq_at(list, i);
        const char *cfgpath = node_jstr(e, "Config");
        struct val *ls = node_jget(e, "Layers", VAL_SEQ);
        if (!cfgpath || !ls)
            return pkg_err_set(errp, PKG_EINVAL, "%s: entry %zu lacks Config or Layers", mname, i);
        struct sb cfg = SB_INIT;
        const char **ids;
        size_t n_ids, n_layers;
        char digest[72];
        uint64_t size = 0;
        rc = read_in(&cfg, im, cfgpath, NODE_MAX_CONFIG, errp);
        if (!rc) {
            node_sha256_buf(cfg.buf, cfg.len, digest);
            rc = node_config_diff_ids(&ids, &n_ids, im->a, cfg.buf, cfg.len, cfgpath, errp);
        }
        if (!rc) {
            const char *const *paths = NULL;
            paths = (const char *const *)arena_alloc(im->a, (val_seq_len(ls) + 1) * sizeof(char *));
            n_layers = 0;
            for (size_t j = 0; j < val_seq_len(ls); j++)
                if (val_cstr(val_seq_at(ls, j)))
                    ((const char **)paths)[n_layers++] = val_cstr(val_seq_at(ls, j));
            rc = add_layers(im, ids, n_ids, NULL, (const char **)paths, n_layers, &size, errp);
        }
        if (!rc)
            rc = node_store_put_blob(im->home, digest, cfg.buf, cfg.len, errp);
        sb_release(&cfg);
        if (rc)
            return rc;
        struct val *tags = node_jget(e, "RepoTags", VAL_SEQ);
        size_t nt = tags ? val_seq_len(tags) : 0;
        if (nt == 0) {
            const char *ref = ref_for(im, NULL, errp);
            struct node_image img;
            if (!ref || node_store_tag(&img, im->a, im->home, ref, digest, NULL, size, errp))
                return PKG_EINVAL;
            push_image(im, &img);
        }
        for (size_t j = 0; j < nt; j++) {
            const char *t = val_cstr(val_seq_at(tags, j));
            const char *ref = t ? node_ref_normalize(im->a, t, errp) : NULL;
            struct node_image img;
            if (!ref)
                return PKG_EINVAL;
            rc = node_store_tag(&img, im->a, im->home, ref, digest, NULL, size, errp);
            if (rc)
                return rc;
            push_image(im, &img);
        }
    }
    return 0;
}

static int
import_dir(struct importer *im, struct pkg_err **errp)
{
    cleanup_free char *layout = xasprintf("%s/oci-layout", im->root);
    cleanup_free char *index = xasprintf("%s/index.json", im->root);
    cleanup_free char *docker = xasprintf("%s/manifest.json", im->root);
    /* docker save since 25 writes both; the OCI index is the richer one. */
    if (fs_exists(layout) && fs_exists(index))
        return import_layout(im, errp);
    if (fs_exists(docker))
        return import_docker(im, errp);
    return pkg_err_set(errp, PKG_EINVAL,
                       "%s: neither an OCI image layout (oci-layout, index.json) nor a docker "
                       "save archive (manifest.json)",
                       im->root);
}

int
node_image_import(struct node_image **out, size_t *n, struct arena *a, const char *home,
                  const char *path, const char *name, struct pkg_err **errp)
{
    struct importer im = {.a = a, .home = home, .name = name};
    struct stat st;
    char *tmp = NULL;
    int rc = 0;
    if (name && !node_ref_normalize(a, name, errp))
        return pkg_err_wrap(errp, "--name");
    if (stat(path, &st) < 0)
        return pkg_err_sys(errp, "open %s", path);
    if (S_ISDIR(st.st_mode)) {
        im.root = path;
    } else {
        cleanup_free char *tmproot = xasprintf("%s/images/tmp", home);
        rc = fs_mkdir_p(tmproot, 0700, errp);
        if (rc)
            return rc;
        tmp = xasprintf("%s/import.XXXXXX", tmproot);
        if (!mkdtemp(tmp)) {
            rc = pkg_err_sys(errp, "mkdtemp %s", tmp);
            free(tmp);
            return rc;
        }
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            rc = pkg_err_sys(errp, "open %s", path);
            goto out;
        }
        rc = node_layer_unpack(NULL, NULL, fd, tmp, NULL, errp);
        close(fd);
        if (rc) {
            pkg_err_wrap(errp, "%s", path);
            goto out;
        }
        im.root = tmp;
    }
    rc = import_dir(&im, errp);
    if (!rc && im.n == 0)
        rc = pkg_err_set(errp, PKG_ENOENT, "%s: no images", path);
out:
    if (tmp) {
        struct pkg_err *e = NULL;
        fs_remove_all(tmp, &e);
        pkg_err_free(e);
        free(tmp);
    }
    if (rc)
        return rc;
    *out = im.out;
    *n = im.n;
    return 0;
}
