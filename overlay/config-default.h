/* The default transformer configuration as tables (config-default.c).
 * Module-private. */
#ifndef PKG_OVERLAY_CONFIG_DEFAULT_H
#define PKG_OVERLAY_CONFIG_DEFAULT_H

#include <stdbool.h>

struct kfs_row {
    const char *section; /* "namePrefix", "commonLabels", ... */
    const char *group, *version, *kind, *path;
    bool create;
};

struct knbr_row {
    const char *group, *version, *kind;    /* the referenced kind */
    const char *rgroup, *rversion, *rkind; /* the referrer */
    const char *path;
    bool create;
};

extern const struct kfs_row kust_default_fieldspecs[];
extern const struct knbr_row kust_default_namerefs[];

#endif
