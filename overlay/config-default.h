/* The default transformer configuration as tables (config-default.c).
 * Module-private. */
#ifndef PKG_OVERLAY_CONFIG_DEFAULT_H
#define PKG_OVERLAY_CONFIG_DEFAULT_H

#include <stdbool.h>

/* The rows hold their strings, not pointers to them: a table of pointers
 * is relocated, and so written, at every start of the binary (pkg is a
 * position-independent executable), which costs every command, `pkg
 * template` included, a page fault per 4 KiB of table. As arrays they stay
 * in read-only data, read only by the commands that use them. A string
 * longer than its field fails to compile. An empty section (the last row)
 * ends a table. */
struct kfs_row {
    char section[24]; /* "namePrefix", "commonLabels", ... */
    char group[32], version[12], kind[40], path[144];
    bool create;
};

struct knbr_row {
    char group[32], version[12], kind[40];    /* the referenced kind */
    char rgroup[32], rversion[12], rkind[40]; /* the referrer */
    char path[96];
    bool create;
};

extern const struct kfs_row kust_default_fieldspecs[];
extern const struct knbr_row kust_default_namerefs[];

#endif
