/* JSON load and emit, compatible with Go's encoding/json. */
#include "core/json.h"

int
val_json_emit(struct sb *sb, const struct val *v, int flags, struct pkg_err **errp)
{
    /* NEEDSWORK: being written (issue 2); refuses until it lands. */
    (void)sb;
    (void)v;
    (void)flags;
    return pkg_err_set(errp, PKG_ENOTSUP, "JSON emit is not implemented yet");
}
