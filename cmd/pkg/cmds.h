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
int cmd_template(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_template_opts(void);
/* `pkg render CHART [flags]`: pkg template with the chart's name as the
 * release name (for cmd-render.c, which dispatches on what the path holds).
 * Takes template's flags; argv[0] is the command name. */
int cmd_template_render_chart(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
int cmd_package(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_package_opts(void);
int cmd_show(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_show_opts(void);
/* Chart repositories (repo-index/). */
int cmd_repo(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
int cmd_search(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_search_opts(void);
int cmd_pull(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_pull_opts(void);
int cmd_verify(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_verify_opts(void);
int cmd_sign(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_sign_opts(void);
int cmd_push(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_push_opts(void);
int cmd_dependency(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
const struct opt *cmd_dependency_opts(void);

#endif
