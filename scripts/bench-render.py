#!/usr/bin/env python3
"""make bench, pkg render section: pkg render against kubectl kustomize on the
conformance corpus kustomizations, measured in the same run, and the clone
cache of remote git bases.

For every kustomize case that builds (no expect_fail), both commands run from
the case directory (after the case's setup) with the case's flags: whole
process wall time with hyperfine (warm-up runs, then the mean). The summary
gives the median of the per-tree ratios and the ratio on the largest tree
(by expected output size). Cases where pkg's output differs from kubectl's
are listed but left out of the ratios.

The git row builds an overlay over a remote base twice with an empty
PKG_HOME: the first build clones, the second reuses the cache (no clone:
the bare repository is moved away for it), against kubectl kustomize, which
clones every time.

Usage: bench-render.py PKG [-k SUBSTR] [--runs N]
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("pkg")
ap.add_argument("-k", default="")
ap.add_argument("--runs", type=int, default=10)
ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared",
                                               "conformance", "kustomize"))
args = ap.parse_args()
pkg = os.path.abspath(args.pkg)
kubectl = shutil.which("kubectl")
if not kubectl:
    print("bench render: kubectl is not installed")
    sys.exit(0)
if not shutil.which("hyperfine"):
    print("bench render: hyperfine is not installed")
    sys.exit(0)
try:
    import yaml
except ImportError:
    print("bench render: python3-yaml is needed")
    sys.exit(1)


def quote(c):
    return " ".join("'" + x.replace("'", "'\\''") + "'" for x in c)


def hyperfine(cmds, cwd, env, runs):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        r = subprocess.run(["hyperfine", "-N", "-i", "--warmup", "2", "--runs", str(runs),
                            "--export-json", f.name, "--style", "none"] + [quote(c) for c in cmds],
                           cwd=cwd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            return None
        return [x["mean"] for x in json.load(open(f.name))["results"]]


rows = []
work = tempfile.mkdtemp(prefix="bench-render-")
try:
    for name in sorted(os.listdir(args.root)):
        src = os.path.join(args.root, name)
        if args.k not in name or not os.path.isfile(os.path.join(src, "case.yaml")):
            continue
        case = yaml.safe_load(open(os.path.join(src, "case.yaml")))
        if case.get("expect_fail"):
            continue
        d = os.path.join(work, name)
        shutil.copytree(src, d, symlinks=True)
        env = dict(os.environ, CASE_TMP=os.path.join(work, name + ".tmp"),
                   PKG_HOME=os.path.join(work, name + ".home"))
        os.makedirs(env["CASE_TMP"])
        if case.get("setup"):
            subprocess.run(["bash", "-ec", case["setup"]], cwd=d, env=env, check=True,
                           capture_output=True)
        flags = [str(f) for f in case.get("flags") or []]
        kcmd = [kubectl, "kustomize", case.get("dir", "input")] + flags
        pflags = [f for f in flags if not f.startswith("--helm-command")]
        pcmd = [pkg, "render", case.get("dir", "input")] + pflags
        out = subprocess.run(pcmd, cwd=d, env=env, capture_output=True)
        exp = open(os.path.join(src, "expected.yaml"), "rb").read()
        same = out.returncode == 0 and out.stdout == exp
        t = hyperfine([kcmd, pcmd], d, env, args.runs)
        if not t:
            print("bench render: hyperfine failed on %s" % name)
            continue
        rows.append((name, len(exp), t[0], t[1], same))
finally:
    shutil.rmtree(work, ignore_errors=True)

print("pkg render vs kubectl kustomize (whole process, same run; mean of %d runs)" % args.runs)
print("%-34s %9s %10s %9s %8s" % ("tree", "out KB", "kubectl ms", "pkg ms", "speed"))
ratios = []
for name, size, kt, pt, same in rows:
    mark = "" if same else "   (output differs: not counted)"
    print("%-34s %9.1f %10.1f %9.2f %7.1fx%s" % (name, size / 1024, kt * 1e3, pt * 1e3, kt / pt,
                                                 mark))
    if same:
        ratios.append((size, kt / pt, name))
if ratios:
    med = statistics.median(r for _, r, _ in ratios)
    big = max(ratios)
    print("render: median per-tree speed-up %.1fx over %d trees; largest tree (%s, %.0f KB) %.1fx"
          % (med, len(ratios), big[2], big[0] / 1024, big[1]))

# the git clone cache
g = tempfile.mkdtemp(prefix="bench-render-git-")
try:
    src = os.path.join(g, "work")
    os.makedirs(os.path.join(src, "app"))
    open(os.path.join(src, "app", "kustomization.yaml"), "w").write("resources: [cm.yaml]\n")
    open(os.path.join(src, "app", "cm.yaml"), "w").write(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n")
    genv = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@x", GIT_COMMITTER_NAME="b",
                GIT_COMMITTER_EMAIL="b@x")
    for c in (["init", "-q"], ["add", "-A"], ["-c", "commit.gpgsign=false", "commit", "-qm", "x"],
              ["-c", "tag.gpgsign=false", "tag", "v1"]):
        subprocess.run(["git", "-C", src] + c, env=genv, check=True, capture_output=True)
    repo = os.path.join(g, "repo.git")
    subprocess.run(["git", "clone", "-q", "--bare", src, repo], check=True, capture_output=True)
    ov = os.path.join(g, "overlay")
    os.makedirs(ov)
    open(os.path.join(ov, "kustomization.yaml"), "w").write(
        "resources:\n- file://%s//app?ref=v1\nnamePrefix: o-\n" % repo)
    env = dict(os.environ, PKG_HOME=os.path.join(g, "home"))

    def wall(cmd):
        t0 = time.monotonic()
        r = subprocess.run(cmd, env=env, capture_output=True)
        return time.monotonic() - t0, r.returncode == 0

    cold, ok1 = wall([pkg, "render", ov])
    os.rename(repo, repo + ".away")  # the second build cannot clone
    warm, ok2 = wall([pkg, "render", ov])
    os.rename(repo + ".away", repo)
    kt = hyperfine([[kubectl, "kustomize", ov]], g, env, max(3, args.runs // 2))
    warms = hyperfine([[pkg, "render", ov]], g, env, args.runs)
    print("git base: pkg first build (clone) %.1f ms; second build (cache, remote moved away: %s)"
          " %.1f ms, mean of %d %.1f ms; kubectl kustomize (clones every build) %s"
          % (cold * 1e3, "ok" if ok2 else "FAILED", warm * 1e3, args.runs,
             warms[0] * 1e3 if warms else float("nan"),
             "%.1f ms" % (kt[0] * 1e3) if kt else "n/a"))
finally:
    shutil.rmtree(g, ignore_errors=True)
