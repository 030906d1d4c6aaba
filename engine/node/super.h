/* Module-private: what the sandbox and status code ask of the supervisor,
 * and pod networking. */
#ifndef PKG_ENGINE_NODE_SUPER_H
#define PKG_ENGINE_NODE_SUPER_H

#include "engine/node/runtime.h"

const char *node_super_home(const struct node_super *s);
struct cg *node_super_cg(const struct node_super *s);
const char *node_super_nodename(const struct node_super *s);
const char *node_super_hostip(const struct node_super *s);
int64_t node_super_cpus(const struct node_super *s);
int64_t node_super_memory(const struct node_super *s);

/* Pod networking (net.c): called inside the pod's fresh network namespace
 * (loopback is up). In bridge mode it creates the veth pair, moves the host
 * end out, assigns the pod IP (p->ip). */
int node_net_setup_pod(struct pod *p, int hostnl, int hostns, struct pkg_err **errp);
void node_net_teardown_pod(const char *home, const char *poddir);
/* "bridge" (default) or "none" (PKG_NODE_NETWORK). */
const char *node_net_mode(void);
/* Bridge mode: creates the node's bridge with the range's first address. */
int node_net_bridge_up(struct pkg_err **errp);
/* The pod's address from a previous run (pods/<key>/ip). */
void node_net_load_ip(struct pod *p);
int node_rtnl_open(void);

/* Monotonic seconds. */
double node_now(void);

#endif
