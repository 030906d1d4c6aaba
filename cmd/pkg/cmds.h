/* Every command's entry point, one line each; the table is in main.c. */
#ifndef PKG_CMD_CMDS_H
#define PKG_CMD_CMDS_H

#include "cmd/pkg/cli.h"

int cmd_version(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
int cmd_help(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
int cmd_yaml(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_yaml_opts(void);
int cmd_image(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_image_opts(void);
int cmd_pod(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_pod_opts(void);
int cmd_node(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_node_opts(void);
int cmd_tmpl(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_tmpl_opts(void);

int cmd_render(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_render_opts(void);

#endif
