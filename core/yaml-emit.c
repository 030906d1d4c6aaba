/* YAML emit: go-yaml v2 (Helm's toYaml via sigs.k8s.io/yaml) and kyaml
 * (kustomize) output styles. */
#include "core/yaml.h"

int
val_yaml_emit(struct sb *sb, const struct val *v, enum val_yaml_dialect dialect,
              struct pkg_err **errp)
{
    /* NEEDSWORK: being written (issue 2); refuses until it lands. */
    (void)sb;
    (void)v;
    (void)dialect;
    return pkg_err_set(errp, PKG_ENOTSUP, "YAML emit is not implemented yet");
}
