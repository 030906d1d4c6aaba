#!/usr/bin/env python3
"""Randomized differential tests of pkg template against helm v3.17.1 (a
developer tool, not run by make test: it needs the reference helm).

  difftest.py strvals  [N] [SEED]   random --set/--set-string/--set-literal/--set-json
  difftest.py coalesce [N] [SEED]   random values.yaml, subchart values and -f files

Each case renders a chart whose templates print `toJson .Values`; stdout and
the exit status must match, and for --set errors the message too.
"""
import json, os, random, shutil, subprocess, sys, tempfile

PKG = os.environ.get("PKG", os.path.join(os.path.dirname(__file__), "..", "..", "pkg"))
HELM = os.environ.get("HELM3", "/root/.cache/pkg-reference/helm3")

def chart(root, sub):
    os.makedirs(os.path.join(root, "c", "templates"))
    open(os.path.join(root, "c", "Chart.yaml"), "w").write("apiVersion: v2\nname: c\nversion: 1.0.0\n")
    open(os.path.join(root, "c", "templates", "v.yaml"), "w").write("# {{ toJson .Values }}\n")
    if sub:
        s = os.path.join(root, "c", "charts", "s")
        os.makedirs(os.path.join(s, "templates"))
        open(os.path.join(s, "Chart.yaml"), "w").write("apiVersion: v2\nname: s\nversion: 1.0.0\n")
        open(os.path.join(s, "templates", "v.yaml"), "w").write("# {{ toJson .Values }}\n")

def run(cwd, args):
    h = subprocess.run([HELM, "template", "r", "c"] + args, cwd=cwd, capture_output=True)
    p = subprocess.run([PKG, "template", "r", "c"] + args, cwd=cwd, capture_output=True)
    return h, p

def strvals_case(rnd):
    keys = ["a", "b", "base", "base.m", "base.l", "base.s", "x.y", "a.b.c", "k\\.d", ""]
    vals = ["1", "0", "007", "-5", "+3", "true", "FALSE", "null", "", "x,y=z", "{a,b}", "{}",
            "{1,2", "a\\,b", "1e3", "9223372036854775808", "\\{x}", "a=b"]
    mode = rnd.choice(["--set", "--set", "--set-string", "--set-literal", "--set-json"])
    if mode == "--set-json":
        e = rnd.choice(["a", "base.m", "l[1]", "base"]) + "=" + rnd.choice(
            ['{"a":1}', '[1,2]', '"s"', '3.50', 'null', '', '{', 'true,b=2', '[1,{"x":null}]'])
        return [mode, e]
    parts = []
    for _ in range(rnd.randint(1, 3)):
        k = rnd.choice(keys)
        r = rnd.random()
        if r < 0.3:
            k += "[%s]" % rnd.choice(["0", "1", "2", "x", "-1", ""])
            if rnd.random() < 0.3:
                k += rnd.choice(["[0]", ".q", "[1].r"])
        elif r < 0.4:
            k += "."
        parts.append(k + rnd.choice(["=", "=", "=", ""]) + rnd.choice(vals))
    return [mode, ",".join(parts)]

def coalesce_case(rnd, root):
    names = ["a", "b", "c", "s", "global", "m"]
    def val(d):
        if d > 2 or rnd.random() < 0.35:
            return rnd.choice([1, "x", None, True, 2.5, [1, 2], {}])
        return {rnd.choice(names): val(d + 1) for _ in range(rnd.randint(0, 3))}
    def doc():
        return {rnd.choice(names): val(1) for _ in range(rnd.randint(1, 4))}
    for f in ["c/values.yaml", "c/charts/s/values.yaml", "u.yaml"]:
        open(os.path.join(root, f), "w").write(json.dumps(doc()))
    return ["-f", "u.yaml"]

def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "strvals"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    root = tempfile.mkdtemp()
    try:
        chart(root, mode == "coalesce")
        bad = 0
        for i in range(n):
            args = strvals_case(rnd) if mode == "strvals" else coalesce_case(rnd, root)
            h, p = run(root, args)
            same = h.returncode == p.returncode and h.stdout == p.stdout and (
                h.returncode == 0 or mode != "strvals" or h.stderr == p.stderr)
            if not same:
                bad += 1
                print("DIFF", args, h.returncode, p.returncode)
                print("  helm:", (h.stdout + h.stderr)[:300])
                print("  pkg: ", (p.stdout + p.stderr)[:300])
        print("%s: %d cases, %d differ" % (mode, n, bad))
        return 1 if bad else 0
    finally:
        shutil.rmtree(root)

sys.exit(main())
