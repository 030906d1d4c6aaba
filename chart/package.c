/* `helm package`: chartutil.Save as a deterministic archive.
 *
 * Layout as Helm writes it: NAME/Chart.yaml re-marshaled from the metadata
 * (sorted keys, omitted empty fields), NAME/Chart.lock re-marshaled (v2),
 * the raw values.yaml, values.schema.json (refused unless valid JSON),
 * templates and other files in load order, then each subchart the same way
 * under NAME/charts/SUB/ (archived subcharts are written out expanded).
 * Regular-file entries only, mode 0644, owner 0:0, no user or group names,
 * Go's tar framing (USTAR, PAX for long names, two zero blocks at the end),
 * gzip with Helm's header extra field and "Helm" comment.
 *
 * Helm stamps entries with the current time; we use SOURCE_DATE_EPOCH or 0
 * so the same chart always gives the same bytes. */
#include "chart/chart-int.h"
#include "core/fsutil.h"
#include "core/json.h"
#include "core/semver.h"
#include "core/xalloc.h"
#include "core/yaml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- tar (Go's archive/tar framing) ---- */

static void
octal(char *dst, size_t width, unsigned long long v)
{
    /* width-1 zero-padded octal digits and a NUL, as Go's formatOctal. */
    char buf[32];
    snprintf(buf, sizeof(buf), "%0*llo", (int)(width - 1), v);
    memcpy(dst, buf, width - 1);
    dst[width - 1] = 0;
}

static void
tar_header(struct sb *out, const char *name, size_t size, char type, long long mtime,
           const char *prefix)
{
    char h[512];
    memset(h, 0, sizeof(h));
    strncpy(h, name, 100);
    octal(h + 100, 8, 0644);
    octal(h + 108, 8, 0);
    octal(h + 116, 8, 0);
    octal(h + 124, 12, size);
    octal(h + 136, 12, (unsigned long long)mtime);
    memset(h + 148, ' ', 8);
    h[156] = type;
    memcpy(h + 257, "ustar\0", 6);
    memcpy(h + 263, "00", 2);
    octal(h + 329, 8, 0);
    octal(h + 337, 8, 0);
    if (prefix)
        strncpy(h + 345, prefix, 155);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += (unsigned char)h[i];
    /* Go writes the checksum as 6 octal digits, a NUL and a space. */
    snprintf(h + 148, 8, "%06o", sum);
    h[155] = ' ';
    sb_add(out, h, 512);
}

static void
tar_pad(struct sb *out, size_t n)
{
    if (n % 512)
        sb_addchn(out, 0, 512 - n % 512);
}

static void
tar_file(struct sb *out, const char *name, const char *data, size_t len, long long mtime)
{
    size_t nl = strlen(name);
    if (nl <= 100) {
        tar_header(out, name, len, '0', mtime, NULL);
    } else {
        /* USTAR prefix split at a slash, or a PAX path record. */
        const char *split = NULL;
        for (const char *p = name + nl - 1; p > name; p--) {
            if (*p == '/' && (size_t)(p - name) <= 155 && nl - (size_t)(p - name) - 1 <= 100 &&
                p[1]) {
                split = p;
                break;
            }
        }
        if (split) {
            char *prefix = xstrndup(name, (size_t)(split - name));
            tar_header(out, split + 1, len, '0', mtime, prefix);
            free(prefix);
        } else {
            /* "%d path=NAME\n" where %d counts the whole record. */
            size_t rec = nl + 7;
            char lenbuf[24];
            for (;;) {
                int d = snprintf(lenbuf, sizeof(lenbuf), "%zu", rec);
                size_t total = (size_t)d + 7 + nl;
                if (total == rec)
                    break;
                rec = total;
            }
            struct sb pax = SB_INIT;
            sb_addf(&pax, "%zu path=%s\n", rec, name);
            char paxname[101];
            snprintf(paxname, sizeof(paxname), "PaxHeaders.0/%.80s", strrchr(name, '/') + 1);
            tar_header(out, paxname, pax.len, 'x', mtime, NULL);
            sb_add(out, pax.buf, pax.len);
            tar_pad(out, pax.len);
            sb_release(&pax);
            char trunc[101];
            snprintf(trunc, sizeof(trunc), "%.100s", name);
            tar_header(out, trunc, len, '0', mtime, NULL);
        }
    }
    sb_add(out, data, len);
    tar_pad(out, len);
}

/* gzip with Go's header fields (no mtime, OS unknown) plus Helm's extra
 * field and comment. */
static const char helm_extra[] = "+aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=";

static int
gzip_helm(struct sb *out, const char *data, size_t len, struct pkg_err **errp)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return pkg_err_set(errp, PKG_EIO, "deflateInit2 failed");
    unsigned char hdr[10] = {0x1f, 0x8b, 8, 0x04 | 0x10, 0, 0, 0, 0, 0, 255};
    sb_add(out, hdr, 10);
    size_t xl = sizeof(helm_extra) - 1;
    sb_addch(out, (int)(xl & 0xff));
    sb_addch(out, (int)(xl >> 8));
    sb_add(out, helm_extra, xl);
    sb_add(out, "Helm", 5); /* with its NUL */
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    unsigned char buf[65536];
    int zr;
    do {
        zs.next_out = buf;
        zs.avail_out = sizeof(buf);
        zr = deflate(&zs, Z_FINISH);
        if (zr == Z_STREAM_ERROR) {
            deflateEnd(&zs);
            return pkg_err_set(errp, PKG_EIO, "deflate failed");
        }
        sb_add(out, buf, sizeof(buf) - zs.avail_out);
    } while (zr != Z_STREAM_END);
    deflateEnd(&zs);
    uLong crc = crc32(0L, (const Bytef *)data, (uInt)len);
    unsigned char trailer[8];
    for (int i = 0; i < 4; i++) {
        trailer[i] = (unsigned char)(crc >> (8 * i));
        trailer[4 + i] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    sb_add(out, trailer, 8);
    return 0;
}

/* ---- metadata as sigs.k8s.io/yaml.Marshal writes it ---- */

static void
set_str(struct arena *a, struct val *m, const char *k, const char *v, bool omitempty)
{
    if (omitempty && (!v || !*v))
        return;
    val_map_setz(a, m, k, val_strz(a, v ? v : ""));
}

static void
set_strs(struct arena *a, struct val *m, const char *k, const char **v, size_t n)
{
    if (!n)
        return;
    struct val *s = val_seq(a);
    for (size_t i = 0; i < n; i++)
        val_seq_push(a, s, val_strz(a, v[i]));
    val_map_setz(a, m, k, s);
}

struct val *
chart_dep_to_val(struct arena *a, const struct chart_dep *d)
{
    if (!d)
        return val_null(a);
    struct val *m = val_map(a);
    m->flags |= VAL_F_STRUCT;
    set_str(a, m, "name", d->name, false);
    set_str(a, m, "version", d->version, true);
    set_str(a, m, "repository", d->repository, false);
    set_str(a, m, "condition", d->condition, true);
    set_strs(a, m, "tags", d->tags, d->ntags);
    if (d->enabled)
        val_map_setz(a, m, "enabled", val_bool(a, true));
    if (d->import_values && val_seq_len(d->import_values))
        val_map_setz(a, m, "import-values", d->import_values);
    set_str(a, m, "alias", d->alias, true);
    return m;
}

struct val *
chart_meta_to_val(struct arena *a, const struct chart_meta *md, bool with_deps)
{
    struct val *m = val_map(a);
    m->flags |= VAL_F_STRUCT;
    set_str(a, m, "name", md->name, true);
    set_str(a, m, "home", md->home, true);
    set_strs(a, m, "sources", md->sources, md->nsources);
    set_str(a, m, "version", md->version, true);
    set_str(a, m, "description", md->description, true);
    set_strs(a, m, "keywords", md->keywords, md->nkeywords);
    if (md->nmaintainers) {
        struct val *s = val_seq(a);
        for (size_t i = 0; i < md->nmaintainers; i++) {
            const struct chart_maintainer *mt = md->maintainers[i];
            if (!mt) {
                val_seq_push(a, s, val_null(a));
                continue;
            }
            struct val *x = val_map(a);
            x->flags |= VAL_F_STRUCT;
            set_str(a, x, "name", mt->name, true);
            set_str(a, x, "email", mt->email, true);
            set_str(a, x, "url", mt->url, true);
            val_seq_push(a, s, x);
        }
        val_map_setz(a, m, "maintainers", s);
    }
    set_str(a, m, "icon", md->icon, true);
    set_str(a, m, "apiVersion", md->api_version, true);
    set_str(a, m, "condition", md->condition, true);
    set_str(a, m, "tags", md->tags, true);
    set_str(a, m, "appVersion", md->app_version, true);
    if (md->deprecated)
        val_map_setz(a, m, "deprecated", val_bool(a, true));
    if (md->annotations && val_map_len(md->annotations))
        val_map_setz(a, m, "annotations", md->annotations);
    set_str(a, m, "kubeVersion", md->kube_version, true);
    if (with_deps && md->ndeps) {
        struct val *s = val_seq(a);
        for (size_t i = 0; i < md->ndeps; i++)
            val_seq_push(a, s, chart_dep_to_val(a, md->deps[i]));
        val_map_setz(a, m, "dependencies", s);
    }
    set_str(a, m, "type", md->type, true);
    return m;
}

static int
write_chart(struct sb *tar, struct arena *a, const struct chart *c, const char *prefix,
            long long mtime, struct pkg_err **errp)
{
    const char *name = c->meta->name;
    if (strchr(name, '/'))
        return pkg_err_set(errp, PKG_EINVAL, "\"%s\" is not a valid chart name", name);
    char *base = *prefix ? arena_sprintf(a, "%s/%s", prefix, name) : arena_strdup(a, name);
    bool v1 = !strcmp(c->meta->api_version, "v1");
    struct sb y = SB_INIT;
    int rc = val_yaml_emit(&y, chart_meta_to_val(a, c->meta, !v1), VAL_YAML_HELM, errp);
    if (rc) {
        sb_release(&y);
        return rc;
    }
    tar_file(tar, arena_sprintf(a, "%s/Chart.yaml", base), y.buf, y.len, mtime);
    sb_release(&y);
    if (!v1 && c->lock) {
        struct sb l = SB_INIT;
        rc = val_yaml_emit(&l, c->lock, VAL_YAML_HELM, errp);
        if (rc) {
            sb_release(&l);
            return rc;
        }
        tar_file(tar, arena_sprintf(a, "%s/Chart.lock", base), l.buf, l.len, mtime);
        sb_release(&l);
    }
    for (size_t i = 0; i < c->nraw; i++)
        if (!strcmp(c->raw[i].name, "values.yaml"))
            tar_file(tar, arena_sprintf(a, "%s/values.yaml", base), c->raw[i].data, c->raw[i].len,
                     mtime);
    if (c->schema) {
        struct val *tmp;
        struct pkg_err *e = NULL;
        if (val_json_load(&tmp, a, c->schema, c->schema_len, "values.schema.json", NULL, &e)) {
            pkg_err_free(e);
            return pkg_err_set(errp, PKG_EINVAL, "Invalid JSON in values.schema.json");
        }
        tar_file(tar, arena_sprintf(a, "%s/values.schema.json", base), c->schema, c->schema_len,
                 mtime);
    }
    for (size_t i = 0; i < c->ntemplates; i++)
        tar_file(tar, arena_sprintf(a, "%s/%s", base, c->templates[i].name), c->templates[i].data,
                 c->templates[i].len, mtime);
    for (size_t i = 0; i < c->nfiles; i++) {
        size_t len;
        const char *d = chart_file_data(&c->files[i], &len, errp);
        if (!d)
            return PKG_EIO;
        tar_file(tar, arena_sprintf(a, "%s/%s", base, c->files[i].name), d, len, mtime);
    }
    for (size_t i = 0; i < c->ndeps; i++) {
        rc = write_chart(tar, a, c->deps[i], arena_sprintf(a, "%s/charts", base), mtime, errp);
        if (rc)
            return rc;
    }
    return 0;
}

static int
package_loaded(const char **out_path, struct arena *a, struct chart *c,
               const struct chart_package_opts *o, struct pkg_err **errp)
{
    int rc;
    struct stat st;
    if (o && o->version && *o->version)
        c->meta->version = o->version;
    struct semver sv;
    if (semver_parse(&sv, c->meta->version, false, errp))
        return PKG_EINVAL;
    semver_release(&sv);
    if (o && o->app_version && *o->app_version)
        c->meta->app_version = o->app_version;
    if (c->meta->has_deps) {
        rc = chart_deps_check(c, errp);
        if (rc)
            return rc;
    }
    /* chartutil.Save validates again (the overrides above may break it). */
    rc = chart_meta_validate(a, c->meta, errp);
    if (rc)
        return pkg_err_wrap(errp, "failed to save: chart validation");
    const char *dest = o && o->dest_dir && *o->dest_dir ? o->dest_dir : ".";
    char *cwd = NULL;
    if (!strcmp(dest, ".")) {
        cwd = getcwd(NULL, 0);
        if (!cwd)
            return pkg_err_sys(errp, "getcwd");
        dest = cwd;
    }
    const char *file = arena_sprintf(a, "%s-%s.tgz", c->meta->name, c->meta->version);
    char *joined = fs_clean(arena_sprintf(a, "%s/%s", dest, file));
    const char *outp = arena_strdup(a, joined);
    free(joined);
    free(cwd);
    char *dir = fs_clean(arena_sprintf(a, "%s/..", outp));
    if (stat(dir, &st) < 0) {
        if (errno != ENOENT || fs_mkdir_p(dir, 0755, errp)) {
            free(dir);
            return pkg_err_wrap(errp, "failed to save");
        }
    } else if (!S_ISDIR(st.st_mode)) {
        rc = pkg_err_set(errp, PKG_EINVAL, "failed to save: is not a directory: %s", dir);
        free(dir);
        return rc;
    }
    free(dir);

    long long mtime = 0;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde)
        mtime = strtoll(sde, NULL, 10);
    struct sb tar = SB_INIT;
    rc = write_chart(&tar, a, c, "", mtime, errp);
    if (!rc) {
        sb_addchn(&tar, 0, 1024);
        struct sb gz = SB_INIT;
        rc = gzip_helm(&gz, tar.buf, tar.len, errp);
        if (!rc)
            rc = fs_write_atomic(outp, gz.buf, gz.len, 0644, errp);
        sb_release(&gz);
    }
    sb_release(&tar);
    if (rc)
        return pkg_err_wrap(errp, "failed to save");
    *out_path = outp;
    return 0;
}

int
chart_package(const char **out_path, struct arena *a, const char *path,
              const struct chart_package_opts *o, struct pkg_err **errp)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return pkg_err_sys(errp, "stat %s", path);
    if (!S_ISDIR(st.st_mode))
        return pkg_err_set(errp, PKG_EINVAL, "%s: not a chart directory", path);
    struct chart *c;
    int rc = chart_load(&c, a, path, NULL, errp);
    if (rc)
        return rc;
    rc = package_loaded(out_path, a, c, o, errp);
    chart_release(c);
    return rc;
}
