/* Built-in generator and transformer plugins, run from a plugin config
 * (the kustomization's fields turned into configs, or `generators:` /
 * `transformers:` entries with apiVersion "builtin"). Module-private. */
#ifndef PKG_OVERLAY_PLUGINS_H
#define PKG_OVERLAY_PLUGINS_H

#include "overlay/kust.h"

/* Fails unless r is a built-in plugin config (apiVersion: builtin). */
int kplug_check_builtin(struct kbuild *b, const struct kres *r, struct pkg_err **errp);
int kplug_generate(struct kbuild *b, struct kloader *ldr, const char *kind, const struct val *cfg,
                   struct kresmap *out, struct pkg_err **errp);
int kplug_transform(struct kbuild *b, struct kloader *ldr, const char *kind, const struct val *cfg,
                    struct kresmap *m, struct pkg_err **errp);
/* crds: field specs from CRD files (api/internal/accumulator/loadconfigfromcrds.go). */
int kcrd_load_config(struct kbuild *b, struct kloader *ldr, const struct val *paths,
                     struct ktconfig **out, struct pkg_err **errp);
/* patch.c */
int kx_patch_plugin(struct kbuild *b, struct kloader *ldr, const struct val *cfg, struct kresmap *m,
                    struct pkg_err **errp);
int kx_patch_sm_plugin(struct kbuild *b, struct kloader *ldr, const struct val *cfg,
                       struct kresmap *m, struct pkg_err **errp);
int kx_patch_json_plugin(struct kbuild *b, struct kloader *ldr, const struct val *cfg,
                         struct kresmap *m, struct pkg_err **errp);
/* Go's %q of a string. */
const char *kgo_quote(struct arena *a, const char *s);

#endif
