#!/usr/bin/env python3
"""make bench, pkg template section: pkg template against helm v3 template on
the conformance corpus charts, measured in the same run.

For every helm case that renders (no expect_fail), both commands run from the
case directory with the case's arguments: whole-process wall time and CPU
time with hyperfine (two warm-up runs, then the mean of --runs runs of
helm, then of pkg), peak RSS with /usr/bin/time -f %M (the largest of three
runs). Cases where pkg's output is not byte-identical to helm's are listed
but left out of the summary ratios.

--method interleaved runs helm once and pkg three times in every round
(posix_spawn to wait4, CPU time from the child's rusage), so that both see
the same phase of a shared machine, whose cores change speed within
seconds. It is not the default because it measures pkg in helm's wake:
after a helm run (45 MB freed, a dozen threads exiting) pkg's next runs
take 12-25% longer than back to back (podinfo 2.46-2.73 ms against
1.95-2.19 ms, also with 50 ms between them), so its ratios come out lower
(a median of 27.1x where hyperfine gave 31.1x in the same hour).

Usage: bench-template.py PKG [HELM] [-k SUBSTR] [--runs N] [--method hyperfine|interleaved]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("pkg")
ap.add_argument("helm", nargs="?", default="/root/.cache/pkg-reference/helm3")
ap.add_argument("-k", default="")
ap.add_argument("--runs", type=int, default=10)
ap.add_argument("--method", choices=["hyperfine", "interleaved"], default="hyperfine")
ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared",
                                               "conformance", "helm"))
args = ap.parse_args()
pkg = os.path.abspath(args.pkg)
if not os.access(args.helm, os.X_OK):
    print("bench template: no reference helm at %s (run ../shared/tools/reference-tools)" % args.helm)
    sys.exit(0)
try:
    import yaml
except ImportError:
    print("bench template: python3-yaml is needed")
    sys.exit(1)

def argv(case):
    a = ["template", str(case.get("release", "release")), case.get("chart", "chart")]
    if case.get("namespace"):
        a += ["--namespace", str(case["namespace"])]
    return a + [str(x) for x in case.get("args") or []]

def peak_rss_kb(cmd, cwd):
    best = 0
    for _ in range(3):
        with tempfile.NamedTemporaryFile() as f:
            subprocess.run(["/usr/bin/time", "-f", "%M", "-o", f.name] + cmd, cwd=cwd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            lines = open(f.name).read().split()
            best = max(best, int(lines[-1]))
    return best

def spawn_once(cmd, cwd):
    """One run: (wall s, cpu s), output to /dev/null."""
    fa = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
          (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
    here = os.getcwd()
    os.chdir(cwd)
    try:
        t0 = time.perf_counter()
        pid = os.posix_spawn(cmd[0], cmd, os.environ, file_actions=fa)
        _, _, ru = os.wait4(pid, 0)
        t1 = time.perf_counter()
    finally:
        os.chdir(here)
    return t1 - t0, ru.ru_utime + ru.ru_stime

def interleaved(hcmd, pcmd, cwd, runs, per_round=3):
    """Means of wall and CPU time of each command, helm once and pkg
    per_round times in every round."""
    for _ in range(2):
        spawn_once(hcmd, cwd)
        spawn_once(pcmd, cwd)
    h, p = [], []
    for _ in range(runs):
        h.append(spawn_once(hcmd, cwd))
        for _ in range(per_round):
            p.append(spawn_once(pcmd, cwd))
    def summary(xs):
        return statistics.mean(x[0] for x in xs), statistics.mean(x[1] for x in xs)
    return summary(h), summary(p)

def quote(c):
    return " ".join("'" + x.replace("'", "'\\''") + "'" for x in c)

rows = []
for name in sorted(os.listdir(args.root)):
    d = os.path.join(args.root, name)
    if args.k not in name or not os.path.isfile(os.path.join(d, "case.yaml")):
        continue
    case = yaml.safe_load(open(os.path.join(d, "case.yaml")))
    if case.get("expect_fail"):
        continue
    a = argv(case)
    hcmd, pcmd = [args.helm] + a, [pkg] + a
    out = subprocess.run(pcmd, cwd=d, capture_output=True)
    exp = open(os.path.join(d, "expected.yaml"), "rb").read()
    same = out.returncode == 0 and out.stdout == exp
    if args.method == "interleaved":
        (ht, hc), (pt, pc) = interleaved(hcmd, pcmd, d, args.runs)
        hm, pm = peak_rss_kb(hcmd, d), peak_rss_kb(pcmd, d)
        rows.append((name, ht, pt, hm, pm, same, hc, pc))
        continue
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        r = subprocess.run(["hyperfine", "-N", "-i", "--warmup", "2", "--runs", str(args.runs),
                            "--export-json", f.name, "--style", "none",
                            quote(hcmd), quote(pcmd)], cwd=d, capture_output=True, text=True)
        if r.returncode != 0:
            print("bench template: hyperfine failed on %s: %s" % (name, r.stderr.strip()))
            continue
        res = json.load(open(f.name))["results"]
    ht, pt = res[0]["mean"], res[1]["mean"]
    hc, pc = res[0]["user"] + res[0]["system"], res[1]["user"] + res[1]["system"]
    hm, pm = peak_rss_kb(hcmd, d), peak_rss_kb(pcmd, d)
    rows.append((name, ht, pt, hm, pm, same, hc, pc))

print("pkg template vs helm v3 template (whole process, same run, %s; mean of %d runs, peak RSS)"
      % (args.method, args.runs))
print("(wall: elapsed time; cpu: user+system, steadier on a busy machine)")
print("%-30s %8s %8s %7s %8s %8s %7s %8s %8s %6s" % (
    "chart", "helm ms", "pkg ms", "wall", "helm cpu", "pkg cpu", "cpu", "helm MB", "pkg MB",
    "mem"))
for name, ht, pt, hm, pm, same, hc, pc in rows:
    print("%-30s %8.1f %8.2f %6.1fx %8.1f %8.2f %6.1fx %8.1f %8.1f %5.1f%%%s" % (
        name[:30], ht * 1e3, pt * 1e3, ht / pt, hc * 1e3, pc * 1e3, hc / pc, hm / 1024,
        pm / 1024, 100.0 * pm / hm, "" if same else "  (output differs: not in the summary)"))
ok = [r for r in rows if r[5]]
if not ok:
    print("summary: no case renders identically yet")
    sys.exit(0)
ratios = [r[1] / r[2] for r in ok]
cpus = [r[6] / r[7] for r in ok]
mems = [r[4] / r[3] for r in ok]
print("summary over %d identical cases: median speed-up %.1fx wall, %.1fx cpu (target >= 30x), "
      "median memory %.1f%% of helm's, worst %.1f%% (target < 20%%)" % (
          len(ok), statistics.median(ratios), statistics.median(cpus),
          100 * statistics.median(mems), 100 * max(mems)))
kps = [r for r in ok if r[0] == "kube-prometheus-stack"]
if kps:
    r = kps[0]
    print("kube-prometheus-stack: %.1fx faster wall, %.1fx cpu (target >= 10x), %.1f%% of "
          "helm's memory" % (r[1] / r[2], r[6] / r[7], 100.0 * r[4] / r[3]))
else:
    print("kube-prometheus-stack: not identical yet, not measured")
