#!/bin/sh
# After the end-to-end tests: nothing they created may be left behind
# (processes, mounts, cgroups, network namespaces, scratch directories).
set -u
# The e2e run's scratch root (make e2e sets TMPDIR to it), so that runs in
# other checkouts on the same machine are not mistaken for leftovers.
root=${PKG_E2E_ROOT:-/tmp}
bad=0
# Cgroups and network namespaces carry the scratch directory's name
# (pkg-test-<x>, pkgt-<tail of x>). With the run's register of names, only
# this run's count; other runs on the machine may be in progress.
names=$root/.scratch-names
ours() { # name
    [ -f "$names" ] || return 0
    while read -r n; do
        n=$(printf '%s\n' "$n" | tr -c 'a-zA-Z0-9\n' -)
        case $1 in *"$n"* | pkgt-"$(printf '%s\n' "$n" | tail -c 9)") return 0 ;; esac
    done <"$names"
    return 1
}
if ls -d "$root"/pkg-test.* >/dev/null 2>&1; then
    echo "leftover: scratch directories: $(ls -d "$root"/pkg-test.* | head -5)"
    bad=1
fi
if grep -q " $root/pkg-test" /proc/mounts 2>/dev/null; then
    echo "leftover: mounts under $root/pkg-test*"
    bad=1
fi
if command -v ip >/dev/null; then
    for ns in $(ip netns list 2>/dev/null | grep '^pkgt-' | cut -d' ' -f1); do
        ours "$ns" && { echo "leftover: network namespace $ns"; bad=1; }
    done
fi
for d in /sys/fs/cgroup/pkg-test* /sys/fs/cgroup/*/pkg-test*; do
    [ -e "$d" ] && ours "${d##*/}" && { echo "leftover: cgroup $d"; bad=1; }
done
# Pod veths and test bridges of the node runtime in the host namespace.
if command -v ip >/dev/null && ip -br link 2>/dev/null | grep -qE '^(pkgv|pkgt)'; then
    echo "leftover: links: $(ip -br link | grep -E '^(pkgv|pkgt)' | cut -d' ' -f1 | head -5)"
    bad=1
fi
# The node runtime's cgroups sit below pkg's own cgroup in each hierarchy.
if [ -d /sys/fs/cgroup ]; then
    for d in $(find /sys/fs/cgroup -mindepth 2 -maxdepth 8 -type d -name 'pkg-test*' 2>/dev/null); do
        ours "${d##*/}" || continue
        echo "leftover: cgroup $d"
        bad=1
    done
fi
# Supervisors and containers of the node tests: their environment names a
# PKG_HOME under a test's scratch directory.
for e in /proc/[0-9]*/environ; do
    if grep -qa "PKG_HOME=$root/pkg-test\." "$e" 2>/dev/null; then
        pid=${e#/proc/}; pid=${pid%/environ}
        [ "$pid" = $$ ] && continue
        echo "leftover: process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | head -c 80)"
        bad=1
    fi
done
if pgrep -f "$root/pkg-test\." >/dev/null 2>&1; then
    echo "leftover: processes: $(pgrep -af "$root/pkg-test\." | head -5)"
    bad=1
fi
[ $bad -eq 0 ] && echo "== leftovers: none"
exit $bad
