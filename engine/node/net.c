/* Pod networking. Every pod has its own network namespace with loopback
 * (sandbox.c). In bridge mode, the default, each pod also gets a veth pair:
 * eth0 inside with an address from the pod range and a default route via
 * the bridge, the other end on the node's bridge, so pods reach each other
 * and the node; hostPort is served by the supervisor (net-proxy in
 * supervisor.c). PKG_NODE_NETWORK=none keeps pods on loopback only.
 *
 * Settings: PKG_NODE_NETWORK (bridge|none), PKG_NODE_BRIDGE (pkg0),
 * PKG_NODE_POD_CIDR (10.88.0.0/16; the bridge takes the first address).
 * Addresses are leased as files $PKG_HOME/net/ips/<addr> holding the pod
 * key, created exclusively.
 *
 * Links, addresses and routes are made with rtnetlink messages written
 * here (no libnl); a socket opened in the node's namespace before the pod's
 * namespace is entered reaches the node's side. NEEDSWORK: no masquerading
 * for traffic leaving the node, IPv4 only. */
#include "engine/node/node-int.h"
#include "engine/node/runtime.h"
#include "engine/node/super.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

const char *
node_net_mode(void)
{
    const char *m = getenv("PKG_NODE_NETWORK");
    return m && !strcmp(m, "none") ? "none" : "bridge";
}

static const char *
bridge_name(void)
{
    const char *b = getenv("PKG_NODE_BRIDGE");
    return b && *b ? b : "pkg0";
}

/* The pod range: network address and prefix length. */
static int
pod_cidr(uint32_t *net, int *prefix, struct pkg_err **errp)
{
    const char *c = getenv("PKG_NODE_POD_CIDR");
    if (!c || !*c)
        c = "10.88.0.0/16";
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", c);
    char *slash = strchr(buf, '/');
    struct in_addr a;
    if (!slash || inet_pton(AF_INET, (*slash = 0, buf), &a) != 1)
        return pkg_err_set(errp, PKG_EINVAL, "PKG_NODE_POD_CIDR: invalid range \"%s\"", c);
    *prefix = atoi(slash + 1);
    if (*prefix < 8 || *prefix > 29)
        return pkg_err_set(errp, PKG_EINVAL, "PKG_NODE_POD_CIDR: prefix /%d out of 8..29", *prefix);
    uint32_t mask = *prefix ? ~0u << (32 - *prefix) : 0;
    *net = ntohl(a.s_addr) & mask;
    return 0;
}

/* ---- rtnetlink ---- */

struct nlmsg {
    char buf[1024];
    struct nlmsghdr *h;
};

static void
nl_init(struct nlmsg *m, int type, int flags, const void *hdr, size_t hlen)
{
    memset(m->buf, 0, sizeof(m->buf));
    m->h = (struct nlmsghdr *)m->buf;
    m->h->nlmsg_len = NLMSG_LENGTH(hlen);
    m->h->nlmsg_type = (unsigned short)type;
    m->h->nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
    memcpy(NLMSG_DATA(m->h), hdr, hlen);
}

static struct rtattr *
nl_attr(struct nlmsg *m, int type, const void *data, size_t len)
{
    struct rtattr *rta = (struct rtattr *)(m->buf + NLMSG_ALIGN(m->h->nlmsg_len));
    rta->rta_type = (unsigned short)type;
    rta->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len)
        memcpy(RTA_DATA(rta), data, len);
    m->h->nlmsg_len = NLMSG_ALIGN(m->h->nlmsg_len) + RTA_ALIGN(rta->rta_len);
    return rta;
}

static void
nl_end(struct nlmsg *m, struct rtattr *nest)
{
    nest->rta_len = (unsigned short)(m->buf + m->h->nlmsg_len - (char *)nest);
}

int
node_rtnl_open(void)
{
    return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

/* Sends a request and waits for its ack; a reply message (GETLINK) is
 * copied to *reply when not NULL. Returns 0 or -errno. */
static int
nl_talk(int fd, struct nlmsg *m, char *reply, size_t rlen)
{
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (sendto(fd, m->buf, m->h->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return -errno;
    char buf[8192];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0)
            return -errno;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(h);
                return e->error;
            }
            if (reply && h->nlmsg_len <= rlen)
                memcpy(reply, h, h->nlmsg_len);
        }
    }
}

static int
link_index(int fd, const char *name)
{
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
    struct nlmsg m;
    nl_init(&m, RTM_GETLINK, 0, &ifi, sizeof(ifi));
    nl_attr(&m, IFLA_IFNAME, name, strlen(name) + 1);
    char reply[4096];
    memset(reply, 0, sizeof(reply));
    /* GETLINK answers with the link, then no ack: ask without NLM_F_ACK. */
    m.h->nlmsg_flags = NLM_F_REQUEST;
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (sendto(fd, m.buf, m.h->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return -errno;
    ssize_t n = recv(fd, reply, sizeof(reply), 0);
    if (n < 0)
        return -errno;
    struct nlmsghdr *h = (struct nlmsghdr *)reply;
    if (h->nlmsg_type == NLMSG_ERROR)
        return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
    return ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
}

static int
link_set(int fd, int index, int master, bool up)
{
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC,
                            .ifi_index = index,
                            .ifi_flags = up ? IFF_UP : 0,
                            .ifi_change = IFF_UP};
    struct nlmsg m;
    nl_init(&m, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
    if (master)
        nl_attr(&m, IFLA_MASTER, &master, sizeof(master));
    return nl_talk(fd, &m, NULL, 0);
}

static int
addr_add(int fd, int index, uint32_t addr, int prefix)
{
    struct ifaddrmsg ifa = {.ifa_family = AF_INET,
                            .ifa_prefixlen = (unsigned char)prefix,
                            .ifa_index = (unsigned)index,
                            .ifa_scope = RT_SCOPE_UNIVERSE};
    struct nlmsg m;
    nl_init(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, &ifa, sizeof(ifa));
    uint32_t a = htonl(addr);
    nl_attr(&m, IFA_LOCAL, &a, 4);
    nl_attr(&m, IFA_ADDRESS, &a, 4);
    return nl_talk(fd, &m, NULL, 0);
}

static int
route_default(int fd, int index, uint32_t gw)
{
    struct rtmsg rt = {.rtm_family = AF_INET,
                       .rtm_table = RT_TABLE_MAIN,
                       .rtm_protocol = RTPROT_BOOT,
                       .rtm_scope = RT_SCOPE_UNIVERSE,
                       .rtm_type = RTN_UNICAST};
    struct nlmsg m;
    nl_init(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &rt, sizeof(rt));
    uint32_t g = htonl(gw);
    nl_attr(&m, RTA_GATEWAY, &g, 4);
    nl_attr(&m, RTA_OIF, &index, sizeof(index));
    return nl_talk(fd, &m, NULL, 0);
}

static char *
ip_str(uint32_t a, char buf[16])
{
    struct in_addr in = {.s_addr = htonl(a)};
    inet_ntop(AF_INET, &in, buf, 16);
    return buf;
}

int
node_net_bridge_up(struct pkg_err **errp)
{
    if (!strcmp(node_net_mode(), "none"))
        return 0;
    uint32_t net;
    int prefix, rc;
    if ((rc = pod_cidr(&net, &prefix, errp)))
        return rc;
    int fd = node_rtnl_open();
    if (fd < 0)
        return pkg_err_sys(errp, "socket NETLINK_ROUTE");
    const char *br = bridge_name();
    int idx = link_index(fd, br);
    if (idx < 0) {
        struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
        struct nlmsg m;
        nl_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
        nl_attr(&m, IFLA_IFNAME, br, strlen(br) + 1);
        struct rtattr *li = nl_attr(&m, IFLA_LINKINFO, NULL, 0);
        nl_attr(&m, IFLA_INFO_KIND, "bridge", 7);
        nl_end(&m, li);
        int e = nl_talk(fd, &m, NULL, 0);
        if (e < 0 && e != -EEXIST) {
            errno = -e;
            rc = pkg_err_sys(errp, "netlink: create bridge %s", br);
            goto out;
        }
        idx = link_index(fd, br);
    }
    if (idx < 0) {
        errno = -idx;
        rc = pkg_err_sys(errp, "netlink: find bridge %s", br);
        goto out;
    }
    int e = addr_add(fd, idx, net + 1, prefix);
    if (e < 0 && e != -EEXIST) {
        errno = -e;
        rc = pkg_err_sys(errp, "netlink: address on bridge %s", br);
        goto out;
    }
    if ((e = link_set(fd, idx, 0, true)) < 0) {
        errno = -e;
        rc = pkg_err_sys(errp, "netlink: set bridge %s up", br);
    }
out:
    close(fd);
    return rc;
}

/* Leases the lowest free address (after the bridge's) to the pod. */
static int
lease(uint32_t *out, struct pod *p, uint32_t net, int prefix, struct pkg_err **errp)
{
    cleanup_free char *dir = xasprintf("%s/net/ips", node_super_home(p->sup));
    int rc = fs_mkdir_p(dir, 0700, errp);
    if (rc)
        return rc;
    uint32_t size = 1u << (32 - prefix);
    char ip[16];
    for (uint32_t i = 2; i + 1 < size; i++) {
        cleanup_free char *f = xasprintf("%s/%s", dir, ip_str(net + i, ip));
        int fd = open(f, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (errno == EEXIST)
                continue;
            return pkg_err_sys(errp, "create %s", f);
        }
        if (write(fd, p->key, strlen(p->key)) < 0) {
            /* the lease stands without its note */
        }
        close(fd);
        *out = net + i;
        return 0;
    }
    return pkg_err_set(errp, PKG_ELIMIT, "no free address left in the pod range");
}

/* The node's end of a pod's veth pair: "pkgv" and the pod's address in
 * hex, unique per range. */
static void
veth_host_name(char name[IFNAMSIZ], uint32_t addr)
{
    snprintf(name, IFNAMSIZ, "pkgv%08x", addr);
}

int
node_net_setup_pod(struct pod *p, int hostnl, int hostns, struct pkg_err **errp)
{
    if (!strcmp(node_net_mode(), "none"))
        return 0;
    uint32_t net = 0, addr = 0;
    int prefix = 0, rc, e;
    if ((rc = pod_cidr(&net, &prefix, errp)) || (rc = lease(&addr, p, net, prefix, errp)))
        return rc;
    char ip[16], peer[IFNAMSIZ];
    ip_str(addr, ip);
    snprintf(p->ip, sizeof(p->ip), "%s", ip);
    veth_host_name(peer, addr);
    int fd = node_rtnl_open();
    if (fd < 0)
        return pkg_err_sys(errp, "socket NETLINK_ROUTE");
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
    struct nlmsg m;
    nl_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
    nl_attr(&m, IFLA_IFNAME, "eth0", 5);
    struct rtattr *li = nl_attr(&m, IFLA_LINKINFO, NULL, 0);
    nl_attr(&m, IFLA_INFO_KIND, "veth", 5);
    struct rtattr *data = nl_attr(&m, IFLA_INFO_DATA, NULL, 0);
    struct rtattr *pr = nl_attr(&m, VETH_INFO_PEER, NULL, 0);
    struct ifinfomsg pi = {.ifi_family = AF_UNSPEC};
    /* The peer's ifinfomsg sits before its attributes. */
    memcpy((char *)m.buf + m.h->nlmsg_len, &pi, sizeof(pi));
    m.h->nlmsg_len += (unsigned)NLMSG_ALIGN(sizeof(pi));
    nl_attr(&m, IFLA_IFNAME, peer, strlen(peer) + 1);
    nl_attr(&m, IFLA_NET_NS_FD, &hostns, sizeof(hostns));
    nl_end(&m, pr);
    nl_end(&m, data);
    nl_end(&m, li);
    if ((e = nl_talk(fd, &m, NULL, 0)) < 0) {
        errno = -e;
        rc = pkg_err_sys(errp, "netlink: create veth eth0/%s", peer);
        goto out;
    }
    int idx = (int)if_nametoindex("eth0");
    if ((e = addr_add(fd, idx, addr, prefix)) < 0 || (e = link_set(fd, idx, 0, true)) < 0 ||
        (e = route_default(fd, idx, net + 1)) < 0) {
        errno = -e;
        rc = pkg_err_sys(errp, "netlink: configure eth0 %s/%d in pod %s", ip, prefix, p->key);
        goto out;
    }
    /* The node's end: onto the bridge, up. */
    int br = link_index(hostnl, bridge_name());
    int hidx = link_index(hostnl, peer);
    if (br < 0 || hidx < 0 || (e = link_set(hostnl, hidx, br, true)) < 0) {
        errno = br < 0 ? -br : hidx < 0 ? -hidx : -e;
        rc = pkg_err_sys(errp, "netlink: attach %s to bridge %s", peer, bridge_name());
        goto out;
    }
    cleanup_free char *ipf = xasprintf("%s/ip", p->dir);
    rc = node_write_replace(ipf, ip, strlen(ip), 0644, errp);
out:
    close(fd);
    return rc;
}

void
node_net_load_ip(struct pod *p)
{
    cleanup_free char *ipf = xasprintf("%s/ip", p->dir);
    struct sb sb = SB_INIT;
    struct pkg_err *e = NULL;
    if (sb_read_file(&sb, ipf, 64, &e) == 0)
        snprintf(p->ip, sizeof(p->ip), "%s", sb.buf);
    pkg_err_free(e);
    sb_release(&sb);
}

/* Deletes the node's end of a pod's veth pair, which takes the pod's end
 * with it. The kernel would do the same when the pod's network namespace
 * goes, but from a work queue, after `pod rm` has returned: a pod that
 * is gone must not leave a link behind for whoever looks next. */
static void
veth_delete(const char *ip)
{
    struct in_addr a;
    if (inet_pton(AF_INET, ip, &a) != 1)
        return;
    char peer[IFNAMSIZ];
    veth_host_name(peer, ntohl(a.s_addr));
    int fd = node_rtnl_open();
    if (fd < 0)
        return;
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
    struct nlmsg m;
    nl_init(&m, RTM_DELLINK, 0, &ifi, sizeof(ifi));
    nl_attr(&m, IFLA_IFNAME, peer, strlen(peer) + 1);
    (void)nl_talk(fd, &m, NULL, 0); /* -ENODEV: already gone */
    close(fd);
}

void
node_net_teardown_pod(const char *home, const char *poddir)
{
    /* The veth pair goes first, then the lease: an address is never handed
     * out while a link that used it is still up. */
    cleanup_free char *ipf = xasprintf("%s/ip", poddir);
    struct sb sb = SB_INIT;
    struct pkg_err *e = NULL;
    if (sb_read_file(&sb, ipf, 64, &e) == 0 && sb.len && !strchr(sb.buf, '/')) {
        veth_delete(sb.buf);
        cleanup_free char *lease = xasprintf("%s/net/ips/%s", home, sb.buf);
        unlink(lease);
    }
    pkg_err_free(e);
    sb_release(&sb);
}
