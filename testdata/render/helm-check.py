#!/usr/bin/env python3
"""Checks the cases of testdata/render/*.test against a real helm.

Each case becomes a throw-away chart "t" under a temporary directory: the
values, the first template as templates/main.yaml (or its FILE name) and the
others beside it. Output cases render through a wrapper so that helm's
manifest handling does not touch the bytes: the case's template is moved to
a partial defining "test", and templates/main.yaml prints
`{{ include "test" . | b64enc }}`; "<no value>" is then removed from the
decoded text as helm's engine does. Error cases render the template as is
and take helm's stderr ("Error: " and the debug hint stripped).

    testdata/render/helm-check.py [--helm PATH] [--update] [FILE.test...]

Without --update it reports the cases whose expectation differs from helm.
With --update it rewrites the expectations with what helm printed. Needs
helm (../shared/tools/reference-tools installs it); never run by make test.
"""
import base64
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

HELM = os.environ.get("HELM", "/root/.cache/pkg-reference/helm3")


def parse(path):
    cases, cur, sec, buf, header = [], None, None, [], []
    lines = open(path, encoding="utf-8", newline="").read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the file's final newline ends the last line

    def flush():
        if cur is not None and sec is not None:
            text = "\n".join(buf)
            cur["sections"].append((sec, text))

    for line in lines:
        if line.startswith("=== "):
            flush()
            cur = {"name": line[4:], "sections": []}
            cases.append(cur)
            sec, buf = None, []
        elif line.startswith("--- ") and cur is not None:
            flush()
            sec, buf = line[4:], []
        elif cur is None:
            header.append(line)
        else:
            buf.append(line)
    flush()
    return header, cases


def write(path, header, cases):
    out = []
    out.extend(header)
    for c in cases:
        out.append("=== " + c["name"])
        for sec, text in c["sections"]:
            out.append("--- " + sec)
            out.append(text)
    text = "\n".join(out)
    if not text.endswith("\n"):
        text += "\n"
    open(path, "w", encoding="utf-8", newline="").write(text)


def section(c, name):
    for sec, text in c["sections"]:
        if sec.split(" ")[0] == name:
            return text
    return None


def templates(c):
    res = []
    for sec, text in c["sections"]:
        parts = sec.split(" ", 1)
        if parts[0] == "template":
            res.append((parts[1] if len(parts) > 1 else "main.yaml", text))
    return res


def run_helm(c, wrapped):
    d = tempfile.mkdtemp(prefix="render-check-")
    try:
        ch = os.path.join(d, "t")
        os.makedirs(os.path.join(ch, "templates"))
        open(os.path.join(ch, "Chart.yaml"), "w").write(
            "apiVersion: v2\nname: t\nversion: 0.1.0\n")
        vals = section(c, "values")
        open(os.path.join(ch, "values.yaml"), "w").write(vals or "")
        tps = templates(c)
        for i, (name, text) in enumerate(tps):
            p = os.path.join(ch, "templates", name)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            if i == 0 and wrapped:
                open(os.path.join(ch, "templates", "_zz_case.tpl"), "w").write(
                    '{{define "test"}}' + text + "{{end}}")
                open(p, "w").write('raw: {{ include "test" . | b64enc }}\n')
            else:
                open(p, "w").write(text)
        env = dict(os.environ, HOME=d, TZ="UTC")
        r = subprocess.run([HELM, "template", "x", ch], capture_output=True, env=env,
                           cwd=d)
        return r
    finally:
        shutil.rmtree(d)


def helm_result(c):
    r = run_helm(c, wrapped=True)
    if r.returncode == 0:
        m = re.search(rb"raw: (\S*)", r.stdout)
        raw = base64.b64decode(m.group(1)) if m and m.group(1) else b""
        return "output", raw.decode("utf-8", "surrogateescape").replace("<no value>", "")
    r = run_helm(c, wrapped=False)
    if r.returncode == 0:
        return "output", "<helm failed only when wrapped: %s>" % r.stderr.decode()
    err = r.stderr.decode("utf-8", "surrogateescape")
    err = err.split("\n\nUse --debug")[0]
    if err.startswith("Error: "):
        err = err[len("Error: "):]
    return "error", err.rstrip("\n")


def main():
    args = sys.argv[1:]
    update = "--update" in args
    args = [a for a in args if a != "--update"]
    global HELM
    if "--helm" in args:
        i = args.index("--helm")
        HELM = args[i + 1]
        del args[i:i + 2]
    files = args or sorted(glob.glob(os.path.join(os.path.dirname(__file__), "*.test")))
    bad = 0
    for path in files:
        header, cases = parse(path)
        for c in cases:
            kind, text = helm_result(c)
            want_out = section(c, "output")
            want_err = section(c, "error")
            ok = (kind == "output" and want_out == text) or (kind == "error" and want_err == text)
            if ok:
                continue
            if update:
                c["sections"] = [(s, t) for s, t in c["sections"]
                                 if s.split(" ")[0] not in ("output", "error")]
                c["sections"].append((kind, text))
            else:
                bad += 1
                print("%s: %s: helm gives %s:\n%s\n" % (path, c["name"], kind, text))
        if update:
            write(path, header, cases)
    if bad:
        print("%d case(s) differ from helm" % bad)
        sys.exit(1)


if __name__ == "__main__":
    main()
