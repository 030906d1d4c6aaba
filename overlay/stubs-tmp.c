#include "overlay/git.h"
#include "overlay/plugins.h"
int kx_helm(struct kbuild *b, struct kloader *ldr, const struct val *k, struct kresmap *out, struct pkg_err **errp){(void)b;(void)ldr;(void)k;(void)out;return pkg_err_set(errp,PKG_ENOTSUP,"helm: todo");}
