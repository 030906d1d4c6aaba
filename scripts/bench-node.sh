#!/bin/sh
# make bench, node runtime section: pod start-to-exit of /bin/true against
# `crun run` and `runc run` on the same rootfs, supervisor memory per
# sleeping pod (500 pods), time to restart a killed container.
#
#   scripts/bench-node.sh ./pkg [RUNS] [PODS]
#
# BENCH_NODE_ONLY=start runs the start-to-exit comparison alone.
# BENCH_NODE_BASELINE=PATH times that pkg binary too, in the same rounds
# with a PKG_HOME of its own (a before/after comparison).
#
# Needs root, crun, runc, python3, busybox-static. Everything lives in a
# scratch directory and a pkg-bench-* cgroup parent, removed at the end.
# crun 1.8 refuses this hybrid host (v1 controllers plus a cgroup2 mount
# listing hugetlb): it runs in a private mount namespace where
# /sys/fs/cgroup/unified/cgroup.controllers is covered by an empty file.
set -eu
pkg=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
runs=${2:-${BENCH_RUNS:-30}}
pods=${3:-${BENCH_PODS:-500}}
src=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
    echo "bench node: skipped (needs root)"
    exit 0
fi
for t in crun runc python3; do
    command -v $t >/dev/null || { echo "bench node: skipped ($t missing)"; exit 0; }
done
w=$(mktemp -d /tmp/pkg-bench.XXXXXX)
export PKG_HOME=$w/home
# Loopback-only pods: the start comparison is about the runtime, and the
# bench must not add links to the host.
export PKG_NODE_NETWORK=none
export PKG_NODE_CGROUP_PARENT=pkg-bench-$(basename "$w" | tr -c 'a-zA-Z0-9\n' -)
cleanup() {
    [ -f "$PKG_HOME/node.pid" ] && kill "$(cat "$PKG_HOME/node.pid")" 2>/dev/null && sleep 0.5
    for d in "$PKG_HOME"/pods/*_*; do
        [ -d "$d" ] || continue
        k=$(basename "$d")
        "$pkg" -n "${k%%_*}" pod rm "${k#*_}" --grace-period 0 >/dev/null 2>&1 || true
    done
    find /sys/fs/cgroup -maxdepth 8 -depth -type d -name "$PKG_NODE_CGROUP_PARENT" 2>/dev/null |
        while read -r c; do find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null; done
    rm -rf "$w"
}
trap cleanup EXIT
trap "exit 1" HUP INT TERM PIPE
cd "$w"

# The same rootfs for all three: the test image's layers, merged.
"$src/testdata/node/mkimage.sh" layout lay >/dev/null
"$pkg" image import lay >/dev/null
base_cmd=
if [ -n "${BENCH_NODE_BASELINE:-}" ]; then
    PKG_HOME=$w/home-baseline "$BENCH_NODE_BASELINE" image import lay >/dev/null
    base_cmd="env PKG_HOME=$w/home-baseline $BENCH_NODE_BASELINE pod run --rm -f $w/true.yaml"
fi
mkdir -p bundle/rootfs
for l in $(python3 - <<'EOP'
import glob, json, os
for f in glob.glob(os.environ["PKG_HOME"] + "/images/blobs/sha256/*"):
    try:
        d = json.load(open(f))
    except Exception:
        continue
    if "rootfs" in d:
        print(" ".join(x[7:] for x in d["rootfs"]["diff_ids"]))
EOP
); do
    cp -a "$PKG_HOME/images/layers/$l/." bundle/rootfs/
done
find bundle/rootfs -type c -delete # overlay whiteouts of the second layer
(cd bundle && runc spec && python3 - <<'EOP'
import json
c = json.load(open("config.json"))
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
json.dump(c, open("config.json", "w"), indent=1)
EOP
)
cat >true.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: bench-true
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["/bin/true"]
EOY
: >empty
echo "== node: start-to-exit of /bin/true ($runs rounds, the three in random order each round; median)"
# Interleaved rather than one command after the other: on a shared machine
# the load changes over a run, and each round exposes the three to the same.
cat >start.py <<'EOP'
import json, os, random, statistics, subprocess, sys, time
runs, out, cmds = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
null = open(os.devnull, "w")
times = [[] for _ in cmds]
for warm in range(3):
    for c in cmds:
        subprocess.run(c.split(), stdout=null, stderr=null)
for _ in range(runs):
    order = list(range(len(cmds)))
    random.shuffle(order)
    for k in order:
        t0 = time.perf_counter()
        r = subprocess.run(cmds[k].split(), stdout=null, stderr=null)
        dt = time.perf_counter() - t0
        if r.returncode != 0:
            sys.exit("bench node: %s exited %d" % (cmds[k], r.returncode))
        times[k].append(dt)
json.dump({"results": [{"command": c, "times": t} for c, t in zip(cmds, times)]}, open(out, "w"))
EOP
unshare -m sh -c "mount --make-rprivate / &&
    mount --bind $w/empty /sys/fs/cgroup/unified/cgroup.controllers &&
    python3 $w/start.py $runs $w/start.json \
        '$pkg pod run --rm -f $w/true.yaml' \
        'crun run -b $w/bundle bench-crun' \
        'runc run -b $w/bundle bench-runc' ${base_cmd:+'$base_cmd'}"
python3 - "$w/start.json" <<'EOP'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
# In the order given to start.py: pkg, crun, runc[, the baseline pkg].
m = dict(zip(("pkg", "crun", "runc", "base"), (sorted(x["times"]) for x in r)))
med = {k: statistics.median(v) for k, v in m.items()}
rows = [("pkg pod run --rm", "pkg"), ("crun run", "crun"), ("runc run", "runc")]
if "base" in m:
    rows.append(("baseline pkg", "base"))
for name, k in rows:
    v = m[k]
    print("  %-18s median %6.1f ms   p25 %6.1f   p75 %6.1f   min %6.1f" % (
        name, med[k] * 1e3, v[len(v) // 4] * 1e3, v[3 * len(v) // 4] * 1e3, v[0] * 1e3))
pk, cr, rn = med["pkg"], med["crun"], med["runc"]
if "base" in m:
    print("  baseline vs crun: %.2fx; baseline vs runc: %.2fx" % (cr / med["base"], rn / med["base"]))
print("  pkg vs crun: %.2fx %s; pkg vs runc: %.2fx %s" % (
    cr / pk, "faster" if pk < cr else "SLOWER", rn / pk, "faster" if pk < rn else "SLOWER"))
EOP

[ "${BENCH_NODE_ONLY:-}" = start ] && exit 0

echo "== node: supervisor memory per sleeping pod ($pods pods)"
cat >sleep.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: NAME
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["sleep", "3600"]
EOY
sed s/NAME/warm/ sleep.yaml >p.yaml
"$pkg" pod run -d -f p.yaml >/dev/null
"$pkg" pod rm warm >/dev/null
sup=$(cat "$PKG_HOME/node.pid")
rss() { awk '/^(Rss|Pss):/ {print $2}' "/proc/$sup/smaps_rollup" | head -1; }
base=$(rss)
t0=$(date +%s%N)
i=0
while [ $i -lt "$pods" ]; do
    sed "s/NAME/s$i/" sleep.yaml >p.yaml
    "$pkg" pod run -d -f p.yaml >/dev/null
    i=$((i + 1))
done
t1=$(date +%s%N)
sleep 2
after=$(rss)
running=$(grep -l '"state":"running"' "$PKG_HOME"/pods/*/state.json | wc -l)
python3 -c "
b, a, n, dt = $base, $after, $pods, ($t1 - $t0) / 1e9
print('  supervisor RSS %d KiB with no pods, %d KiB with %d pods (%d running): %.1f KiB per pod' % (b, a, n, $running, (a - b) / n))
print('  %d pods started with pod run -d in %.1f s (%.1f ms each)' % (n, dt, dt / n * 1e3))"
t0=$(date +%s%N)
i=0
while [ $i -lt "$pods" ]; do
    "$pkg" pod rm "s$i" --grace-period 0 >/dev/null
    i=$((i + 1))
done
t1=$(date +%s%N)
python3 -c "print('  %d pods removed in %.1f s' % ($pods, ($t1 - $t0) / 1e9))"

echo "== node: time to restart a killed container (first restart, no back-off)"
sed s/NAME/restart/ sleep.yaml | sed 's/terminationGracePeriodSeconds: 0/restartPolicy: Always/' >r.yaml
ms=""
for k in 1 2 3 4 5; do
    "$pkg" pod run -d -f r.yaml >/dev/null
    st=$PKG_HOME/pods/default_restart/state.json
    until grep -q '"state":"running"' "$st" 2>/dev/null; do sleep 0.01; done
    ms="$ms $(python3 - "$st" <<'EOP'
import json, os, signal, sys, time
st = sys.argv[1]
def ctr():
    try:
        return json.load(open(st))["runtime"]["containers"]["main"]
    except Exception:
        return {}
old = ctr()["pid"]
t0 = time.monotonic()
os.kill(old, signal.SIGKILL)
while True:
    c = ctr()
    if c.get("state") == "running" and c.get("pid") not in (0, old):
        break
    time.sleep(0.0005)
print("%.1f" % ((time.monotonic() - t0) * 1e3))
EOP
)"
    "$pkg" pod rm restart --grace-period 0 >/dev/null
done
python3 -c "
import statistics
v = [float(x) for x in '$ms'.split()]
print('  kill -9 to running again: median %.1f ms (runs: %s)' % (statistics.median(v), ', '.join('%.1f' % x for x in v)))"
