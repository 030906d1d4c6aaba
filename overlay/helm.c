/* helmCharts (api/internal/builtins/HelmChartInflationGenerator.go): the
 * charts a kustomization lists, rendered by pkg's own chart engine
 * (chart_template_path) instead of a helm binary, with kustomize's
 * argument handling: chartHome, valuesFile, valuesInline merged into the
 * values by valuesMerge (kyaml's merge2, as kustomize does),
 * additionalValuesFiles, releaseName, namespace, includeCRDs, skipTests,
 * skipHooks, apiVersions, kubeVersion, debug. Charts must be present under
 * chartHome: pulling from a repository needs the network, which builds
 * never use. */
#include "overlay/plugins.h"

#include "chart/chart.h"

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
        return pkg_err_set(errp, PKG_ENOTSUP,
                           "chart %s is not under chartHome '%s': pulling it from %s needs "
                           "`helm pull --untar --untardir %s`, which pkg does not do during a "
                           "build",
                           name, abs_home, repo, abs_home);
    }
    if (*cfg_str(cfg, "nameTemplate"))
        return pkg_err_set(errp, PKG_ENOTSUP, "helmCharts: nameTemplate is not supported");
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
        const char *release = cfg_str(cfg, "releaseName");
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
