/* The image store: content-addressed under $PKG_HOME/images.
 *
 *   blobs/sha256/<hex>   manifests and configs, verified on write and read
 *   layers/<hex>/        unpacked layers by diff ID (uncompressed digest),
 *                        each unpacked once and shared by every image
 *   refs/<escaped ref>   "<config digest> <manifest digest|-> <size>\n"
 *   tmp/                 work in progress, renamed into place when complete
 *
 * The image ID is the config digest, as in docker and containerd. Writers
 * rename finished files into place, so a crash leaves only tmp/ litter. */
#include "engine/node/node-int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
node_home_default(void)
{
    const char *h = getenv("PKG_HOME");
    if (h && *h)
        return xstrdup(h);
    if (geteuid() == 0)
        return xstrdup("/var/lib/pkg");
    const char *x = getenv("XDG_DATA_HOME");
    if (x && *x)
        return xasprintf("%s/pkg", x);
    const char *home = getenv("HOME");
    return xasprintf("%s/.local/share/pkg", home ? home : "/tmp");
}

/* ---- references ---- */

static bool
is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
valid_repo_path(const char *p, size_t n)
{
    /* Components of [a-z0-9] separated by ".", "_", "__", "-" runs, joined
     * by "/" (the distribution reference grammar, loosely). */
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (is_lower_alnum(c))
            continue;
        if (c == '.' || c == '_' || c == '-' || c == '/') {
            if (i == 0 || i == n - 1 || (c == '/' && p[i - 1] == '/'))
                return false;
            continue;
        }
        return false;
    }
    return true;
}

const char *
node_ref_normalize(struct arena *a, const char *ref, struct pkg_err **errp)
{
    if (!ref || !*ref || strlen(ref) > 512)
        return pkg_err_set(errp, PKG_EINVAL, "invalid image reference \"%s\"", ref ? ref : ""),
               NULL;
    const char *at = strchr(ref, '@');
    const char *digest = NULL;
    size_t namelen = strlen(ref);
    if (at) {
        digest = at + 1;
        namelen = (size_t)(at - ref);
        if (!node_digest_valid(digest))
            return pkg_err_set(errp, PKG_EINVAL, "invalid digest in image reference \"%s\"", ref),
                   NULL;
    }
    char *name = arena_strndup(a, ref, namelen);
    /* Tag: after the last ':' that follows the last '/'. */
    const char *tag = NULL;
    char *slash = strrchr(name, '/');
    char *colon = strrchr(slash ? slash : name, ':');
    if (colon) {
        *colon = 0;
        tag = colon + 1;
        if (!*tag || strlen(tag) > 128)
            return pkg_err_set(errp, PKG_EINVAL, "invalid tag in image reference \"%s\"", ref),
                   NULL;
        for (const char *t = tag; *t; t++)
            if (!(is_lower_alnum(*t) || (*t >= 'A' && *t <= 'Z') || *t == '_' || *t == '.' ||
                  *t == '-'))
                return pkg_err_set(errp, PKG_EINVAL, "invalid tag in image reference \"%s\"", ref),
                       NULL;
    }
    /* Domain: the first component when it has a '.' or ':' or is
     * "localhost". */
    const char *domain = "docker.io";
    const char *path = name;
    char *first = strchr(name, '/');
    if (first) {
        size_t dl = (size_t)(first - name);
        if (memchr(name, '.', dl) || memchr(name, ':', dl) ||
            (dl == 9 && !strncmp(name, "localhost", 9))) {
            domain = arena_strndup(a, name, dl);
            path = first + 1;
        }
    }
    if (!strcmp(domain, "index.docker.io"))
        domain = "docker.io";
    if (!valid_repo_path(path, strlen(path)))
        return pkg_err_set(errp, PKG_EINVAL, "invalid image reference \"%s\"", ref), NULL;
    if (!strcmp(domain, "docker.io") && !strchr(path, '/'))
        path = arena_sprintf(a, "library/%s", path);
    if (digest)
        return tag ? arena_sprintf(a, "%s/%s:%s@%s", domain, path, tag, digest)
                   : arena_sprintf(a, "%s/%s@%s", domain, path, digest);
    return arena_sprintf(a, "%s/%s:%s", domain, path, tag ? tag : "latest");
}

static char *
ref_escape(const char *ref)
{
    struct sb sb = SB_INIT;
    for (const char *p = ref; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '_' || c == '-')
            sb_addch(&sb, c);
        else
            sb_addf(&sb, "%%%02X", c);
    }
    return sb_detach(&sb, NULL);
}

static char *
ref_unescape(struct arena *a, const char *name)
{
    size_t n = strlen(name);
    char *out = arena_alloc(a, n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (name[i] == '%' && i + 2 < n + 1) {
            unsigned v;
            if (sscanf(name + i + 1, "%2X", &v) == 1) {
                *o++ = (char)v;
                i += 2;
                continue;
            }
        }
        *o++ = name[i];
    }
    *o = 0;
    return out;
}

/* ---- blobs ---- */

static char *
blob_path(const char *home, const char *digest)
{
    return xasprintf("%s/images/blobs/sha256/%s", home, digest + 7);
}

int
node_store_put_blob(const char *home, const char *digest, const void *p, size_t n,
                    struct pkg_err **errp)
{
    char got[72];
    node_sha256_buf(p, n, got);
    if (strcmp(got, digest) != 0)
        return pkg_err_set(errp, PKG_EDIGEST, "blob %s: digest mismatch (got %s)", digest, got);
    cleanup_free char *dir = xasprintf("%s/images/blobs/sha256", home);
    int rc = fs_mkdir_p(dir, 0755, errp);
    if (rc)
        return rc;
    cleanup_free char *path = blob_path(home, digest);
    if (fs_exists(path))
        return 0;
    return fs_write_atomic(path, p, n, 0644, errp);
}

int
node_store_get_blob(struct sb *out, const char *home, const char *digest, size_t limit,
                    struct pkg_err **errp)
{
    if (!node_digest_valid(digest))
        return pkg_err_set(errp, PKG_EINVAL, "invalid digest \"%s\"", digest);
    cleanup_free char *path = blob_path(home, digest);
    size_t start = out->len;
    int rc = sb_read_file(out, path, limit, errp);
    if (rc)
        return rc;
    char got[72];
    node_sha256_buf(out->buf + start, out->len - start, got);
    if (strcmp(got, digest) != 0)
        return pkg_err_set(errp, PKG_EDIGEST, "blob %s in the store is corrupt (digest %s)", digest,
                           got);
    return 0;
}

/* ---- layers ---- */

char *
node_store_layer_dir(const char *home, const char *diff_id, bool *exists)
{
    char *dir = xasprintf("%s/images/layers/%s", home, diff_id + 7);
    if (exists)
        *exists = fs_is_dir(dir);
    return dir;
}

int
node_store_add_layer(const char *home, int fd, const char *want_digest, const char *diff_id,
                     struct pkg_err **errp)
{
    bool exists;
    cleanup_free char *dir = node_store_layer_dir(home, diff_id, &exists);
    if (exists)
        return 0;
    cleanup_free char *tmproot = xasprintf("%s/images/tmp", home);
    cleanup_free char *layers = xasprintf("%s/images/layers", home);
    int rc = fs_mkdir_p(tmproot, 0700, errp);
    if (!rc)
        rc = fs_mkdir_p(layers, 0755, errp);
    if (rc)
        return rc;
    cleanup_free char *tmp = xasprintf("%s/layer.XXXXXX", tmproot);
    if (!mkdtemp(tmp))
        return pkg_err_sys(errp, "mkdtemp %s", tmp);
    chmod(tmp, 0755);
    char *got_diff = NULL, *got_digest = NULL;
    rc = node_layer_unpack(&got_diff, &got_digest, fd, tmp, NULL, errp);
    if (rc) {
        pkg_err_wrap(errp, "layer %s", want_digest ? want_digest : diff_id);
        goto fail;
    }
    if (want_digest && strcmp(want_digest, got_digest) != 0) {
        rc = pkg_err_set(errp, PKG_EDIGEST, "layer %s: digest mismatch (got %s)", want_digest,
                         got_digest);
        goto fail;
    }
    if (strcmp(diff_id, got_diff) != 0) {
        rc = pkg_err_set(errp, PKG_EDIGEST, "layer %s: diff ID mismatch: config says %s, got %s",
                         want_digest ? want_digest : "", diff_id, got_diff);
        goto fail;
    }
    if (rename(tmp, dir) < 0) {
        if (errno == EEXIST || errno == ENOTEMPTY) /* another import won */
            goto fail_quiet;
        rc = pkg_err_sys(errp, "rename %s to %s", tmp, dir);
        goto fail;
    }
    free(got_diff);
    free(got_digest);
    return 0;
fail_quiet:
    rc = 0;
fail:
    free(got_diff);
    free(got_digest);
    {
        struct pkg_err *e2 = NULL;
        fs_remove_all(tmp, &e2);
        pkg_err_free(e2);
    }
    return rc;
}

/* ---- manifests and configs ---- */

int
node_manifest_parse(const char **config, const char ***layers, size_t *n_layers, struct arena *a,
                    const char *buf, size_t len, const char *name, struct pkg_err **errp)
{
    struct val *m;
    int rc = node_json_parse(&m, a, buf, len, name, errp);
    if (rc)
        return rc;
    const char *mt = node_jstr(m, "mediaType");
    if (node_jint(m, "schemaVersion") != 2)
        return pkg_err_set(errp, PKG_ENOTSUP, "%s: manifest schemaVersion is not 2", name);
    if (mt && strcmp(mt, MT_OCI_MANIFEST) != 0 && strcmp(mt, MT_DOCKER_MANIFEST) != 0)
        return pkg_err_set(errp, PKG_ENOTSUP, "%s: unsupported manifest media type \"%s\"", name,
                           mt);
    struct val *cfg = node_jget(m, "config", VAL_MAP);
    const char *cd = node_jstr(cfg, "digest");
    if (!node_digest_valid(cd))
        return pkg_err_set(errp, PKG_EINVAL, "%s: manifest has no valid config digest", name);
    struct val *ls = node_jget(m, "layers", VAL_SEQ);
    size_t n = ls ? val_seq_len(ls) : 0;
    const char **out = arena_alloc(a, (n + 1) * sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        const char *d = node_jstr(val_seq_at(ls, i), "digest");
        if (!node_digest_valid(d))
            return pkg_err_set(errp, PKG_EINVAL, "%s: layer %zu has no valid digest", name, i);
        out[i] = d;
    }
    *config = cd;
    *layers = out;
    *n_layers = n;
    return 0;
}

static int
parse_config(struct val **out, struct arena *a, const char *buf, size_t len, const char *name,
             struct pkg_err **errp)
{
    int rc = node_json_parse(out, a, buf, len, name, errp);
    if (rc)
        return rc;
    struct val *rootfs = node_jget(*out, "rootfs", VAL_MAP);
    struct val *ids = node_jget(rootfs, "diff_ids", VAL_SEQ);
    if (!ids)
        return pkg_err_set(errp, PKG_EINVAL, "%s: image config has no rootfs.diff_ids", name);
    for (size_t i = 0; i < val_seq_len(ids); i++)
        if (!node_digest_valid(val_cstr(val_seq_at(ids, i))))
            return pkg_err_set(errp, PKG_EINVAL, "%s: invalid diff ID %zu", name, i);
    return 0;
}

int
node_config_diff_ids(const char ***out, size_t *n, struct arena *a, const char *buf, size_t len,
                     const char *name, struct pkg_err **errp)
{
    struct val *c;
    int rc = parse_config(&c, a, buf, len, name, errp);
    if (rc)
        return rc;
    struct val *ids = node_jget(node_jget(c, "rootfs", VAL_MAP), "diff_ids", VAL_SEQ);
    *n = val_seq_len(ids);
    *out = arena_alloc(a, (*n + 1) * sizeof(**out));
    for (size_t i = 0; i < *n; i++)
        (*out)[i] = val_cstr(val_seq_at(ids, i));
    return 0;
}

static const char *const *
str_list(struct arena *a, const struct val *seq, size_t *n)
{
    *n = 0;
    if (!seq || seq->kind != VAL_SEQ)
        return NULL;
    const char **out = arena_alloc(a, (val_seq_len(seq) + 1) * sizeof(*out));
    for (size_t i = 0; i < val_seq_len(seq); i++) {
        const char *s = val_cstr(val_seq_at(seq, i));
        if (s)
            out[(*n)++] = s;
    }
    return out;
}

/* Fills an image from its config blob. */
static int
image_load(struct node_image *img, struct arena *a, const char *home, const char *ref,
           const char *id, const char *manifest, uint64_t size, struct pkg_err **errp)
{
    struct sb sb = SB_INIT;
    struct val *c;
    int rc = node_store_get_blob(&sb, home, id, NODE_MAX_CONFIG, errp);
    if (!rc)
        rc = parse_config(&c, a, sb.buf, sb.len, id, errp);
    sb_release(&sb);
    if (rc)
        return rc;
    memset(img, 0, sizeof(*img));
    img->ref = ref ? arena_strdup(a, ref) : NULL;
    img->id = arena_strdup(a, id);
    img->manifest = manifest ? arena_strdup(a, manifest) : NULL;
    img->size = size;
    struct val *cc = node_jget(c, "config", VAL_MAP);
    img->entrypoint = str_list(a, node_jget(cc, "Entrypoint", VAL_SEQ), &img->n_entrypoint);
    img->cmd = str_list(a, node_jget(cc, "Cmd", VAL_SEQ), &img->n_cmd);
    img->env = str_list(a, node_jget(cc, "Env", VAL_SEQ), &img->n_env);
    img->workdir = node_jstr(cc, "WorkingDir");
    img->user = node_jstr(cc, "User");
    struct val *ids = node_jget(node_jget(c, "rootfs", VAL_MAP), "diff_ids", VAL_SEQ);
    const char **layers = arena_alloc(a, (val_seq_len(ids) + 1) * sizeof(*layers));
    for (size_t i = 0; i < val_seq_len(ids); i++) {
        bool exists;
        char *d = node_store_layer_dir(home, val_cstr(val_seq_at(ids, i)), &exists);
        if (!exists) {
            rc = pkg_err_set(errp, PKG_ENOENT, "image %s: layer %s is missing from the store",
                             ref ? ref : id, val_cstr(val_seq_at(ids, i)));
            free(d);
            return rc;
        }
        layers[i] = arena_strdup(a, d);
        free(d);
    }
    img->layers = layers;
    img->n_layers = val_seq_len(ids);
    return 0;
}

int
node_store_tag(struct node_image *out, struct arena *a, const char *home, const char *ref,
               const char *config_digest, const char *manifest_digest, uint64_t size,
               struct pkg_err **errp)
{
    struct node_image img;
    int rc = image_load(&img, a, home, ref, config_digest, manifest_digest, size, errp);
    if (rc)
        return rc;
    cleanup_free char *dir = xasprintf("%s/images/refs", home);
    rc = fs_mkdir_p(dir, 0755, errp);
    if (rc)
        return rc;
    cleanup_free char *esc = ref_escape(ref);
    cleanup_free char *path = xasprintf("%s/%s", dir, esc);
    cleanup_free char *line =
        xasprintf("%s %s %llu\n", config_digest, manifest_digest ? manifest_digest : "-",
                  (unsigned long long)size);
    rc = fs_write_atomic(path, line, strlen(line), 0644, errp);
    if (rc)
        return rc;
    if (out)
        *out = img;
    return 0;
}

/* ---- lookups ---- */

struct refrec {
    const char *ref, *id, *manifest;
    uint64_t size;
};

static int
read_refs(struct refrec **out, size_t *n, struct arena *a, const char *home, struct pkg_err **errp)
{
    cleanup_free char *dir = xasprintf("%s/images/refs", home);
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return pkg_err_sys(errp, "open %s", dir);
    }
    size_t cap = 0;
    struct refrec *recs = NULL;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp."))
            continue;
        cleanup_free char *path = xasprintf("%s/%s", dir, de->d_name);
        struct sb sb = SB_INIT;
        struct pkg_err *e = NULL;
        if (sb_read_file(&sb, path, 4096, &e)) {
            pkg_err_free(e);
            sb_release(&sb);
            continue;
        }
        char id[80], man[80];
        unsigned long long size = 0;
        if (sscanf(sb.buf, "%79s %79s %llu", id, man, &size) >= 2 && node_digest_valid(id)) {
            if (*n == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                struct refrec *nr = arena_alloc(a, ncap * sizeof(*nr));
                if (recs)
                    memcpy(nr, recs, cap * sizeof(*nr));
                recs = nr;
                cap = ncap;
            }
            recs[*n].ref = ref_unescape(a, de->d_name);
            recs[*n].id = arena_strdup(a, id);
            recs[*n].manifest = strcmp(man, "-") ? arena_strdup(a, man) : NULL;
            recs[*n].size = size;
            (*n)++;
        }
        sb_release(&sb);
    }
    closedir(d);
    *out = recs;
    return 0;
}

static int
cmp_refrec(const void *x, const void *y)
{
    return strcmp(((const struct refrec *)x)->ref, ((const struct refrec *)y)->ref);
}

static bool
is_hex_prefix(const char *s)
{
    size_t n = strlen(s);
    if (n < 6 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* Finds the record for a reference or ID; PKG_ENOENT when none. */
static int
find_ref(struct refrec *out, struct refrec *recs, size_t n, struct arena *a, const char *ref,
         struct pkg_err **errp)
{
    const char *hex = !strncmp(ref, "sha256:", 7) ? ref + 7 : ref;
    if (is_hex_prefix(hex)) {
        const struct refrec *hit = NULL;
        for (size_t i = 0; i < n; i++) {
            if (!strncmp(recs[i].id + 7, hex, strlen(hex))) {
                if (hit && strcmp(hit->id, recs[i].id) != 0)
                    return pkg_err_set(errp, PKG_EINVAL, "image ID prefix \"%s\" is ambiguous",
                                       ref);
                hit = &recs[i];
            }
        }
        if (hit) {
            *out = *hit;
            return 0;
        }
    }
    struct pkg_err *e = NULL;
    const char *norm = node_ref_normalize(a, ref, &e);
    if (!norm) {
        if (!strncmp(ref, "sha256:", 7) || is_hex_prefix(hex)) {
            pkg_err_free(e);
            return pkg_err_set(errp, PKG_ENOENT, "image \"%s\" not found", ref);
        }
        *errp = e;
        return PKG_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(recs[i].ref, norm)) {
            *out = recs[i];
            return 0;
        }
    }
    /* name@digest matches a tag record with that manifest digest. */
    const char *at = strchr(norm, '@');
    if (at) {
        size_t nl = (size_t)(at - norm);
        for (size_t i = 0; i < n; i++) {
            if (recs[i].manifest && !strcmp(recs[i].manifest, at + 1) &&
                !strncmp(recs[i].ref, norm, nl) &&
                (recs[i].ref[nl] == ':' || recs[i].ref[nl] == '@')) {
                *out = recs[i];
                out->ref = norm;
                return 0;
            }
        }
    }
    return pkg_err_set(errp, PKG_ENOENT, "image \"%s\" not found", ref);
}

int
node_image_get(struct node_image *out, struct arena *a, const char *home, const char *ref,
               struct pkg_err **errp)
{
    struct refrec *recs, r;
    size_t n;
    int rc = read_refs(&recs, &n, a, home, errp);
    if (!rc)
        rc = find_ref(&r, recs, n, a, ref, errp);
    if (!rc)
        rc = image_load(out, a, home, r.ref, r.id, r.manifest, r.size, errp);
    return rc;
}

int
node_image_list(struct node_image **out, size_t *n, struct arena *a, const char *home,
                struct pkg_err **errp)
{
    struct refrec *recs;
    size_t nr;
    int rc = read_refs(&recs, &nr, a, home, errp);
    if (rc)
        return rc;
    if (nr)
        qsort(recs, nr, sizeof(*recs), cmp_refrec);
    *out = arena_alloc(a, (nr + 1) * sizeof(**out));
    *n = 0;
    for (size_t i = 0; i < nr; i++) {
        struct pkg_err *e = NULL;
        if (image_load(&(*out)[*n], a, home, recs[i].ref, recs[i].id, recs[i].manifest,
                       recs[i].size, &e)) {
            /* A broken entry is listed with what the record says. */
            pkg_err_free(e);
            struct node_image *img = &(*out)[*n];
            memset(img, 0, sizeof(*img));
            img->ref = recs[i].ref;
            img->id = recs[i].id;
            img->manifest = recs[i].manifest;
            img->size = recs[i].size;
        }
        (*n)++;
    }
    return 0;
}

/* Marks every blob and layer an image uses in `keep`. */
static void
mark_image(struct val *keep, struct arena *a, const char *home, const struct refrec *r)
{
    val_map_setz(a, keep, r->id + 7, val_bool(a, true));
    if (r->manifest)
        val_map_setz(a, keep, r->manifest + 7, val_bool(a, true));
    struct sb sb = SB_INIT;
    struct pkg_err *e = NULL;
    const char **ids;
    size_t n;
    if (!node_store_get_blob(&sb, home, r->id, NODE_MAX_CONFIG, &e) &&
        !node_config_diff_ids(&ids, &n, a, sb.buf, sb.len, r->id, &e))
        for (size_t i = 0; i < n; i++)
            val_map_setz(a, keep, ids[i] + 7, val_bool(a, true));
    pkg_err_free(e);
    sb_release(&sb);
}

static void
sweep_dir(const char *dir, const struct val *keep)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || val_map_getz(keep, de->d_name))
            continue;
        cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
        struct pkg_err *e = NULL;
        fs_remove_all(p, &e);
        pkg_err_free(e);
    }
    closedir(d);
}

/* Pods record the image IDs they run in their state.json ("images"; pods
 * of an older pkg in pods/<pod>/images). */
static int
image_in_use(char **pod, const char *home, const char *id)
{
    cleanup_free char *dir = xasprintf("%s/pods", home);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    int used = 0;
    while (!used && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        static const char *const files[] = {"state.json", "images"};
        for (size_t f = 0; f < 2 && !used; f++) {
            cleanup_free char *p = xasprintf("%s/%s/%s", dir, de->d_name, files[f]);
            struct sb sb = SB_INIT;
            struct pkg_err *e = NULL;
            if (!sb_read_file(&sb, p, 16u << 20, &e) && strstr(sb.buf, id)) {
                used = 1;
                *pod = xstrdup(de->d_name);
            }
            pkg_err_free(e);
            sb_release(&sb);
        }
    }
    closedir(d);
    return used;
}

int
node_image_remove(const char *home, const char *ref, struct pkg_err **errp)
{
    struct arena *a = arena_new();
    struct refrec *recs, r;
    size_t n;
    cleanup_free char *blobs = xasprintf("%s/images/blobs/sha256", home);
    cleanup_free char *layers = xasprintf("%s/images/layers", home);
    cleanup_free char *mounts = xasprintf("%s/images/mounts", home);
    int rc = read_refs(&recs, &n, a, home, errp);
    if (!rc)
        rc = find_ref(&r, recs, n, a, ref, errp);
    if (rc)
        goto out;
    /* By ID: every reference of it goes; by name: only that one. */
    const char *hex = !strncmp(ref, "sha256:", 7) ? ref + 7 : ref;
    bool by_id = is_hex_prefix(hex) && !strncmp(r.id + 7, hex, strlen(hex));
    size_t others = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(recs[i].id, r.id) && strcmp(recs[i].ref, r.ref) != 0)
            others++;
    char *pod = NULL;
    if ((by_id || others == 0) && image_in_use(&pod, home, r.id)) {
        rc = pkg_err_set(errp, PKG_ESTATE, "image \"%s\" is in use by pod %s", ref, pod);
        free(pod);
        goto out;
    }
    struct val *keep = val_map(a);
    for (size_t i = 0; i < n; i++) {
        bool drop = by_id ? !strcmp(recs[i].id, r.id) : !strcmp(recs[i].ref, r.ref);
        if (drop) {
            cleanup_free char *esc = ref_escape(recs[i].ref);
            cleanup_free char *p = xasprintf("%s/images/refs/%s", home, esc);
            if (unlink(p) < 0 && errno != ENOENT) {
                rc = pkg_err_sys(errp, "unlink %s", p);
                goto out;
            }
        } else {
            mark_image(keep, a, home, &recs[i]);
        }
    }
    /* Images that pods still use are kept whole. */
    sweep_dir(blobs, keep);
    sweep_dir(layers, keep);
    sweep_dir(mounts, keep); /* mount-point layers, by image ID */
out:
    arena_free(a);
    return rc;
}
