/* helmCharts (api/internal/builtins/HelmChartInflationGenerator.go): the
 * charts a kustomization lists, rendered by pkg's own chart engine
 * (chart_template_path) instead of a helm binary, with kustomize's
 * argument handling: chartHome, valuesFile, valuesInline merged into the
 * values by valuesMerge (kyaml's merge2, as kustomize does),
 * additionalValuesFiles, releaseName, namespace, includeCRDs, skipTests,
 * skipHooks, apiVersions, kubeVersion, nameTemplate, debug. A chart that is
 * not under chartHome is pulled as `helm pull --untar --untardir HOME
 * --repo URL NAME --version V` would (HOME gains NAME-VERSION/ when both
 * repo and version are given), with pkg's own repository client
 * (repo-index/), and stays there for the next build. */
#include "overlay/plugins.h"

#include "chart/chart.h"
#include "render/render.h"
#include "repo-index/repo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *
cfg_str(const struct val *cfg, const char *k)
{
    const char *s = val_cstr(kn_get(cfg, k));
    return s ? s : "";
}

static bool
cfg_bool(const struct val *cfg, const char *k)
{
    const struct val *v = kn_get(cfg, k);
    return v && v->kind == VAL_BOOL && v->u.b;
}

static const char *
path_join(struct arena *a, const char *dir, const char *p)
{
    if (p[0] == '/')
        return p;
    char *j = xasprintf("%s/%s", dir, p);
    char *c = fs_clean(j);
    const char *r = arena_strdup(a, c);
    free(j);
    free(c);
    return r;
}

/* The values file kustomize hands helm: valuesFile as is, or merged with
 * valuesInline. Appended to content. */
static int
values_bytes(struct kbuild *b, struct kloader *ldr, const struct val *cfg, const char *values_file,
             struct sb *content, struct pkg_err **errp)
{
    struct arena *a = b->a;
    struct sb raw = SB_INIT;
    const char *real = NULL;
    const struct val *inl = kn_get(cfg, "valuesInline");
    bool have_inline = inl && inl->kind == VAL_MAP && val_map_len(inl) > 0;
    const char *mode = cfg_str(cfg, "valuesMerge");
    if (!*mode)
        mode = "override";
    if (!have_inline || strcmp(mode, "replace")) {
        int rc = kloader_load(b, ldr, values_file, &raw, &real, errp);
        if (rc) {
            sb_release(&raw);
            return rc;
        }
    }
    if (!have_inline) {
        sb_add(content, raw.buf, raw.len);
        sb_release(&raw);
        return 0;
    }
    struct val *inline_v = kjson_roundtrip(a, inl);
    struct val *merged = inline_v;
    int rc = 0;
    if (strcmp(mode, "replace")) {
        struct val *chv = NULL;
        struct val_yaml_opts yo = {.dialect = VAL_YAML_KYAML};
        rc = val_yaml_load(&chv, a, raw.buf, raw.len, real, &yo, errp);
        if (rc) {
            pkg_err_wrap(errp, "could not parse values file into rnode");
        } else {
            if (!chv || chv->kind == VAL_NULL)
                chv = val_map(a);
            /* override: the inline values win; merge: the chart's do */
            if (!strcmp(mode, "override"))
                rc = ksmp_merge(b, &merged, val_copy(a, chv), inline_v, errp);
            else
                rc = ksmp_merge(b, &merged, inline_v, val_copy(a, chv), errp);
            if (rc)
                pkg_err_wrap(errp, "could not merge values");
        }
    }
    sb_release(&raw);
    if (rc)
        return rc;
    if (!merged)
        merged = val_map(a);
    return val_yaml_emit(content, kjson_roundtrip(a, merged), VAL_YAML_HELM, errp);
}

static void
pull_warn(void *payload, const char *msg)
{
    struct kbuild *b = payload;
    sb_addstr(&b->warnings, msg);
    sb_addch(&b->warnings, '\n');
}

/* `helm pull --untar --untardir home --repo repo name [--version v]`: the
 * chart is unpacked into home/NAME; the archive goes to a temporary
 * directory (helm 3.17 leaves an empty directory named after the archive
 * in home, which is not copied). */
static int
pull_chart(struct kbuild *b, const char *repo, const char *name, const char *version,
           const char *home, struct pkg_err **errp)
{
    if (!strncmp(repo, "oci://", 6))
        return pkg_err_set(errp, PKG_ENOTSUP,
                           "chart %s: pulling from an OCI registry (%s) is not supported; put "
                           "the unpacked chart at %s/%s",
                           name, repo, home, name);
    struct repo_warn w = {.fn = pull_warn, .payload = b};
    struct repo_resolved r;
    int rc = repo_resolve_in_url(&r, repo, NULL, name, *version ? version : NULL, &w, errp);
    /* download and unpack next to the final place, then rename: a failed
     * or interrupted pull leaves no half chart that later builds would take
     * for a pulled one */
    char *path = NULL, *tmp = NULL;
    if (!rc)
        rc = fs_mkdir_p(home, 0755, errp);
    if (!rc) {
        tmp = xasprintf("%s/.pkg-pull-XXXXXX", home);
        if (!mkdtemp(tmp)) {
            rc = pkg_err_sys(errp, "mkdtemp %s", tmp);
            free(tmp);
            tmp = NULL;
        }
    }
    if (!rc)
        rc = repo_download(&path, &r, tmp, false, errp);
    char *unpack = tmp ? xasprintf("%s/unpacked", tmp) : NULL;
    if (!rc)
        rc = repo_untar(path, unpack, errp);
    if (!rc) {
        char *from = xasprintf("%s/%s", unpack, name), *to = xasprintf("%s/%s", home, name);
        if (!fs_is_dir(from))
            rc = pkg_err_set(errp, PKG_EINVAL, "the archive %s holds no chart named %s", r.url,
                             name);
        /* a concurrent build that pulled the same chart first is as good */
        else if (rename(from, to) && !((errno == EEXIST || errno == ENOTEMPTY) && fs_is_dir(to)))
            rc = pkg_err_sys(errp, "rename %s to %s", from, to);
        free(from);
        free(to);
    }
    free(unpack);
    if (rc)
        pkg_err_wrap(errp, "helmCharts: pulling chart '%s' from %s", name, repo);
    if (tmp)
        fs_remove_all(tmp, NULL);
    free(tmp);
    free(path);
    repo_resolved_release(&r);
    return rc;
}

int
kx_helm(struct kbuild *b, struct kloader *ldr, const struct val *cfg, struct kresmap *out,
        struct pkg_err **errp)
{
    struct arena *a = b->a;
    if (!b->opts->enable_helm)
        return pkg_err_set(errp, PKG_EINVAL, "must specify --enable-helm");
    const char *name = cfg_str(cfg, "name");
    if (!*name)
        return pkg_err_set(errp, PKG_EINVAL, "chart name cannot be empty");
    const char *vm = cfg_str(cfg, "valuesMerge");
    if (*vm && strcmp(vm, "merge") && strcmp(vm, "override") && strcmp(vm, "replace"))
        return pkg_err_set(errp, PKG_EINVAL, "valuesMerge must be one of [merge override replace]");
    const char *home = cfg_str(cfg, "chartHome");
    if (!*home)
        home = "charts";
    const char *abs_home = path_join(a, ldr->root, home);
    const char *version = cfg_str(cfg, "version"), *repo = cfg_str(cfg, "repo");
    if (*version && *repo)
        abs_home = arena_sprintf(a, "%s/%s-%s", abs_home, name, version);
    const char *chart = arena_sprintf(a, "%s/%s", abs_home, name);
    if (!fs_is_dir(chart)) {
        if (!*repo)
            return pkg_err_set(errp, PKG_ENOENT,
                               "no repo specified for pull, no chart found at '%s'", chart);
        int prc = pull_chart(b, repo, name, version, abs_home, errp);
        if (prc)
            return prc;
    }
    /* helm template's NameAndChart: a release name and --name-template
     * exclude each other; the template names an unnamed release */
    const char *release = cfg_str(cfg, "releaseName");
    const char *name_tmpl = cfg_str(cfg, "nameTemplate");
    if (*release && *name_tmpl)
        return pkg_err_set(errp, PKG_EINVAL,
                           "helmCharts: chart '%s': cannot set --name-template and also specify "
                           "a name",
                           name);
    if (*name_tmpl) {
        int trc = chart_name_from_template(&release, a, name_tmpl, errp);
        if (trc) {
            pkg_err_wrap(errp, "helmCharts: chart '%s': nameTemplate", name);
            return trc;
        }
    }
    const char *values_file = cfg_str(cfg, "valuesFile");
    if (!*values_file)
        values_file = arena_sprintf(a, "%s/values.yaml", chart);
    /* additionalValuesFiles: each must load under the restrictor */
    const struct val *avf = kn_get(cfg, "additionalValuesFiles");
    size_t nextra = avf && avf->kind == VAL_SEQ ? val_seq_len(avf) : 0;
    const char **files = arena_alloc(a, (nextra + 2) * sizeof(*files));
    size_t nfiles = 0;
    struct sb values = SB_INIT;
    int rc = values_bytes(b, ldr, cfg, values_file, &values, errp);
    const char *tmpdir = NULL;
    if (!rc) {
        const char *t = getenv("TMPDIR");
        char *tp = xasprintf("%s/pkg-helm-XXXXXX", t && *t ? t : "/tmp");
        char *d = mkdtemp(tp);
        if (!d)
            rc = pkg_err_sys(errp, "mkdtemp %s", tp);
        else
            tmpdir = arena_strdup(a, d);
        free(tp);
    }
    if (!rc) {
        const char *vf = arena_sprintf(a, "%s/%s-kustomize-values.yaml", tmpdir, name);
        rc = fs_write_atomic(vf, values.buf, values.len, 0644, errp);
        files[nfiles++] = vf;
    }
    sb_release(&values);
    for (size_t i = 0; !rc && i < nextra; i++) {
        const char *f = kn_text(a, val_seq_at(avf, i));
        struct sb tmp = SB_INIT;
        rc = kloader_load(b, ldr, f, &tmp, NULL, errp);
        sb_release(&tmp);
        if (rc)
            pkg_err_wrap(errp, "could not load additionalValuesFile");
        else
            files[nfiles++] = path_join(a, ldr->root, f);
    }
    struct sb manifest = SB_INIT;
    if (!rc) {
        struct chart_value_opts vo = {0};
        vo.files = files;
        vo.nfiles = nfiles;
        struct chart_template_opts to = {0};
        /* helm's --generate-name: the chart's name and the time */
        to.release_name =
            *release ? release : arena_sprintf(a, "%s-%lld", name, (long long)time(NULL));
        const char *ns = cfg_str(cfg, "namespace");
        to.namespace = *ns ? ns : NULL;
        const char *kv = cfg_str(cfg, "kubeVersion");
        to.kube_version = *kv ? kv : NULL;
        const struct val *apis = kn_get(cfg, "apiVersions");
        size_t napis = apis && apis->kind == VAL_SEQ ? val_seq_len(apis) : 0;
        const char **av = arena_alloc(a, (napis + 1) * sizeof(*av));
        for (size_t i = 0; i < napis; i++)
            av[i] = kn_text(a, val_seq_at(apis, i));
        to.api_versions = av;
        to.napi_versions = napis;
        to.include_crds = cfg_bool(cfg, "includeCRDs");
        to.skip_tests = cfg_bool(cfg, "skipTests");
        to.no_hooks = cfg_bool(cfg, "skipHooks");
        to.debug = cfg_bool(cfg, "debug");
        bool render_error = false;
        rc = chart_template_path(&manifest, &render_error, chart, &vo, &to, errp);
        if (rc)
            pkg_err_wrap(errp, "helmCharts: chart '%s'", name);
    }
    if (tmpdir)
        fs_remove_all(tmpdir, NULL);
    if (!rc) {
        rc = kread_resources(b, out, manifest.buf, manifest.len,
                             arena_sprintf(a, "%s (helm template)", chart), errp);
        if (rc)
            pkg_err_wrap(errp, "could not parse bytes into resource map");
    }
    sb_release(&manifest);
    return rc;
}
