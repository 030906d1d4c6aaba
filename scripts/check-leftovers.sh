#!/bin/sh
# After the end-to-end tests: nothing they created may be left behind
# (processes, mounts, cgroups, network namespaces, scratch directories).
set -u
bad=0
if ls -d /tmp/pkg-test.* >/dev/null 2>&1; then
    echo "leftover: scratch directories: $(ls -d /tmp/pkg-test.* | head -5)"
    bad=1
fi
if grep -q ' /tmp/pkg-test' /proc/mounts 2>/dev/null; then
    echo "leftover: mounts under /tmp/pkg-test*"
    bad=1
fi
if command -v ip >/dev/null && ip netns list 2>/dev/null | grep -q '^pkgt-'; then
    echo "leftover: network namespaces: $(ip netns list | grep '^pkgt-')"
    bad=1
fi
for d in /sys/fs/cgroup/pkg-test* /sys/fs/cgroup/*/pkg-test*; do
    [ -e "$d" ] && { echo "leftover: cgroup $d"; bad=1; }
done
if pgrep -f 'pkg-test\.' >/dev/null 2>&1; then
    echo "leftover: processes: $(pgrep -af 'pkg-test\.' | head -5)"
    bad=1
fi
[ $bad -eq 0 ] && echo "== leftovers: none"
exit $bad
