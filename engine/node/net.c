/* Pod networking. Every pod gets its own network namespace with loopback
 * (sandbox.c). NEEDSWORK: the bridge mode (a bridge, veth pairs, pod IPs
 * from a configurable range, hostPort) is not written yet; pods have
 * loopback only, and reach each other only through the host's loopback
 * is not possible either. */
#include "engine/node/node-int.h"
#include "engine/node/runtime.h"
#include "engine/node/super.h"

int
node_net_setup_pod(struct pod *p, struct pkg_err **errp)
{
    (void)p;
    (void)errp;
    return 0;
}

void
node_net_teardown_pod(const char *poddir)
{
    (void)poddir;
}
