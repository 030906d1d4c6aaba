/* helmCharts (api/internal/builtins/HelmChartInflationGenerator.go): the
 * charts a kustomization lists, rendered by pkg's own chart engine instead
 * of a helm binary, with kustomize's argument handling (chartHome,
 * valuesFile, valuesInline merged by valuesMerge, additionalValuesFiles,
 * releaseName, namespace, includeCRDs, skipTests, skipHooks, apiVersions,
 * kubeVersion). */
#include "overlay/plugins.h"

#include <string.h>

static const char *
cfg_str(const struct val *cfg, const char *k)
{
    const char *s = val_cstr(kn_get(cfg, k));
    return s ? s : "";
}

int
kx_helm(struct kbuild *b, struct kloader *ldr, const struct val *cfg, struct kresmap *out,
        struct pkg_err **errp)
{
    (void)ldr;
    (void)out;
    if (!b->opts->enable_helm)
        return pkg_err_set(errp, PKG_EINVAL, "must specify --enable-helm");
    if (!*cfg_str(cfg, "name"))
        return pkg_err_set(errp, PKG_EINVAL, "chart name cannot be empty");
    const char *vm = cfg_str(cfg, "valuesMerge");
    if (*vm && strcmp(vm, "merge") && strcmp(vm, "override") && strcmp(vm, "replace"))
        return pkg_err_set(errp, PKG_EINVAL, "valuesMerge must be one of [merge override replace]");
    /* NEEDSWORK: pkg's chart renderer (chart/chart.h, chart_template_path)
     * has not landed in this tree yet. */
    return pkg_err_set(errp, PKG_ENOTSUP,
                       "helmCharts: pkg's chart renderer is not available in "
                       "this build");
}
