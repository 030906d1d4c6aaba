#!/usr/bin/env python3
"""Differential fuzzing of pkg's template engine against a real helm.

Generates random templates from a grammar (text, pipelines, if/range/with/
define/include/template/block, variables, comparisons across int, float,
string and nil, printf with random verbs, flags, widths and argument
indexes, Sprig and Helm functions called with well- and mistyped
arguments) and random values, renders them with `helm template` and
`pkg template`, and reports every case whose output or error differs.

Many cases go into one chart per run (helm needs ~100 ms to start): each
case is a partial templates/_cN.tpl defining "cN" and a file
templates/cN.yaml printing `cN: {{ include "cN" . | b64enc }}`. Helm stops
at the first error, so when a run fails the failing case (named in helm's
message) is compared on its error, set aside, and the rest run again.

    testdata/render/difffuzz.py [--cases N] [--batch N] [--seed S]
                                [--helm PATH] [--pkg PATH] [--out DIR]

Differences are written to DIR (default /tmp/difffuzz) as NNN.case files
in testdata/render/*.test format (with both answers), so a difference can
be turned into a recorded test with helm-check.py --update. Needs helm
(../shared/tools/reference-tools installs it); never run by make test.
"""
import argparse
import base64
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

HELM = os.environ.get("HELM", "/root/.cache/pkg-reference/helm3")
HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.environ.get("PKG", os.path.join(HERE, "..", "..", "pkg"))


# ---- random values ----

WORDS = ["a", "b", "x", "name", "web", "Hello World", "", " ", "1", "2.5", "-3", "0x1F",
         "true", "null", "~", "yes", "héllo", "a,b,c", "a b", "A_B-c", "0", "1e3", "foo.bar",
         "tab\there", "line\nbreak", "<&>", "%d", "{{x}}", "ß", "ǅ", "k8s", "v1.2.3", "1.2.3",
         "2024-01-02", "Q2F0", "aGVsbG8=", "[1,2]", "{\"a\":1}", "$1", "${1}x", "$n-$0", "a/b/../c.txt"]

# fields and methods of the objects templates see (Helm's and the ones
# functions return)
METHODS = [
    ".Chart.Version", ".Chart.AppVersion", ".Chart.Keywords", ".Chart.Maintainers", ".Chart.IsRoot",
    ".Chart.Annotations", ".Chart.Dependencies", ".Chart.Deprecated", ".Chart.Type", ".Chart.Home",
    ".Release.Revision", ".Release.IsInstall", ".Release.Service", ".Template.BasePath",
    ".Capabilities.KubeVersion.Version", ".Capabilities.KubeVersion.Minor",
    "(.Capabilities.APIVersions.Has \"apps/v1\")", "(.Capabilities.APIVersions.Has \"x/v1/Y\")",
    ".Capabilities.HelmVersion.Version", "(.Files.Get \"nope\")", "(.Files.Glob \"*.x\")",
    "(.Files.Lines \"nope\")", ".Subcharts",
    "(semver \"1.2.3-rc.1+b\").Major", "(semver \"1.2.3-rc.1+b\").Prerelease",
    "(semver \"v1.2\").Original", "(semver \"1.2.3\").IncPatch",
    "((semver \"1.2.3\").LessThan (semver \"1.10.0\"))", "((semver \"2.0.0\").Compare (semver \"1.0.0\"))",
    "(toDate \"2006-01-02\" \"2024-03-10\").Month", "(toDate \"2006-01-02\" \"2024-03-10\").Weekday",
    "(toDate \"2006-01-02\" \"2024-02-29\").YearDay", "(toDate \"2006-01-02\" \"2024-03-10\").Unix",
    "((toDate \"2006-01-02\" \"2024-03-10\").Add 90000000000)",
    "((toDate \"2006-01-02\" \"2024-03-10\").Sub (toDate \"2006-01-02\" \"2023-01-01\"))",
    "((toDate \"2006-01-02T15:04:05Z07:00\" \"2024-03-10T01:02:03+05:30\").Truncate 3600000000000)",
    "((toDate \"2006-01-02\" \"2024-03-10\").AddDate 0 1 -10)", "(toDate \"2006-01-02\" \"2024-03-10\").Location",
    "((toDate \"2006-01-02\" \"2024-03-10\").Format \"Jan 2\")",
    "(urlParse \"https://u:p@h:8/a?b=c#d\").host", "(urlParse \"x\").path",
]


def rand_scalar(r):
    k = r.randrange(9)
    if k == 0:
        return r.choice([0, 1, -1, 2, 3, 7, 10, 42, 100, 255, 1000, 65536, 1000000, -5])
    if k == 1:
        return r.choice([0.0, 0.5, 1.5, -2.25, 3.0, 1e6, 1e21, 1e-7, 123456789.0, 2.5])
    if k == 2:
        return r.choice([True, False])
    if k == 3:
        return None
    return r.choice(WORDS)


def rand_value(r, depth=0):
    k = r.randrange(10)
    if depth < 3 and k == 0:
        return [rand_value(r, depth + 1) for _ in range(r.randrange(4))]
    if depth < 3 and k == 1:
        return {r.choice(["a", "b", "c", "name", "list", "x-y", "Z"]): rand_value(r, depth + 1)
                for _ in range(r.randrange(4))}
    return rand_scalar(r)


VALUES = {
    "int": 3, "zero": 0, "neg": -2, "float": 2.5, "big": 1000000, "str": "hello",
    "num": "42", "empty": "", "t": True, "f": False, "nil": None,
    "list": [1, "two", 3.5, None, True],
    "strs": ["b", "a", "c", "a"],
    "map": {"a": 1, "b": "x", "c": [1, 2], "d": {"e": None}},
    "nested": {"deep": {"er": {"est": "v"}}, "l": [{"k": "v1"}, {"k": "v2"}]},
    "words": "The quick brown fox",
    "csv": "a,b,,c",
    "yamlish": "a: 1\nb: [x, y]\n",
    "jsonish": "{\"a\": [1, 2.5, \"x\"], \"b\": null}",
    "tomlish": "a = 1\n[t]\nb = 'x'\n",
    "ver": "1.2.3-beta.1+build",
    "date": "2024-03-04T05:06:07Z",
    "uni": "héllo wörld ǅ ß",
}


# ---- random templates ----

class Gen:
    def __init__(self, r, ncase):
        self.r = r
        self.vars = []
        self.depth = 0
        self.in_range = 0
        self.ncase = ncase
        self.defines = []
        self.define_texts = []  # written beside the case: defines cannot nest
        self.dot_moved = 0
        self.in_define = False

    def choice(self, xs):
        return self.r.choice(xs)

    # literals and operands
    def lit(self):
        r = self.r
        k = r.randrange(16)
        if k == 0:
            return str(r.choice([0, 1, -1, 2, 3, 10, 255, 100, 65]))
        if k == 1:
            return r.choice(["1.5", "-0.5", "2.0", "1e3", "1e-2", "0.1", "3."])
        if k == 2:
            return r.choice(["0x1F", "0o17", "0b101", "017", "1_000", "'a'", "'\\n'", "'é'",
                             "0x1p4", "-0x10"])
        if k == 3:
            return r.choice(["true", "false", "nil"])
        if k == 4:
            return "`" + r.choice(["raw", "a\\nb", "x y", ""]) + "`"
        return '"' + r.choice(["a", "b", "x", "hello", "", " ", "1", "2.5", "-3", "abc,def",
                               "Hello World", "a\\tb", "\\u00e9", "%d", "a.b", "AbC", "1.2.3",
                               "^a.*$", "[a-c]+", "(\\\\w+)", "true", "0x10", "yes",
                               "2024-01-02", "ǅ", "ß"]) + '"'

    def field(self):
        r = self.r
        if self.in_define:
            # $ and . are whatever was passed: no .Values there
            return r.choice([".", ".", "$", ". | toString", "$.a" if r.random() < 0.1 else "."])
        k = r.randrange(10)
        # the top-level object itself prints a heap address (.Capabilities):
        # only its parts are printed
        if k == 0:
            return "." if self.dot_moved else ".Values"
        if k == 1 and self.vars:
            v = r.choice(self.vars)
            return v if r.random() < 0.7 else v + r.choice([".a", ".b", ".k"])
        if k == 2:
            return "$.Values"
        # inside range and with, dot moved: mostly reach the data through $
        root = "$" if self.dot_moved and r.random() < 0.85 else ""
        if k == 3:
            return root + ".Values." + r.choice(["missing", "nil", "map.zz", "missing.deep"][
                :3 if r.random() < 0.8 else 4])
        if k == 4:
            if r.random() < 0.5:
                m = r.choice(METHODS)
                return m if m.startswith("(") and not m.startswith("(.") else \
                    m.replace(".", root + ".", 1) if m.startswith(".") else \
                    m.replace("(.", "(" + root + ".", 1)
            return root + r.choice([".Release.Name", ".Chart.Name", ".Release.Namespace",
                                    ".Capabilities.KubeVersion.Major", ".Template.Name"])
        path = r.choice(list(VALUES.keys()))
        if path == "map" and r.random() < 0.5:
            path += "." + r.choice(["a", "b", "c", "d", "d.e"])
        if path == "nested" and r.random() < 0.5:
            path += r.choice([".deep", ".deep.er.est", ".l"])
        return root + ".Values." + path

    def operand(self):
        r = self.r
        k = r.randrange(10)
        if k < 4:
            return self.lit()
        if k < 8:
            return self.field()
        if self.depth < 3:
            return "(" + self.pipeline() + ")"
        return self.lit()

    # functions: name -> list of arg generators ("any" etc.)
    FUNCS = {
        # Go builtins
        "len": ["any"], "index": ["any", "any"], "slice": ["any", "int", "int"],
        "print": ["any*"], "println": ["any*"], "not": ["any"], "and": ["any", "any*"],
        "or": ["any", "any*"], "eq": ["any", "any*"], "ne": ["any", "any"],
        "lt": ["any", "any"], "le": ["any", "any"], "gt": ["any", "any"], "ge": ["any", "any"],
        "html": ["any*"], "js": ["any*"], "urlquery": ["any*"],
        # Sprig strings
        "upper": ["str"], "lower": ["str"], "title": ["str"], "untitle": ["str"],
        "trim": ["str"], "trimAll": ["str", "str"], "trimPrefix": ["str", "str"],
        "trimSuffix": ["str", "str"], "repeat": ["int", "str"], "substr": ["int", "int", "str"],
        "trunc": ["int", "str"], "abbrev": ["int", "str"], "abbrevboth": ["int", "int", "str"],
        "initials": ["str"], "wrap": ["int", "str"], "wrapWith": ["int", "str", "str"],
        "contains": ["str", "str"], "hasPrefix": ["str", "str"], "hasSuffix": ["str", "str"],
        "quote": ["any*"], "squote": ["any*"], "cat": ["any*"], "indent": ["int", "str"],
        "nindent": ["int", "str"], "replace": ["str", "str", "str"], "plural": ["str", "str", "int"],
        "snakecase": ["str"], "camelcase": ["str"], "kebabcase": ["str"], "swapcase": ["str"],
        "shuffle": None, "toString": ["any"], "toStrings": ["any"], "join": ["str", "any"],
        "split": ["str", "str"], "splitList": ["str", "str"], "splitn": ["str", "int", "str"],
        "sortAlpha": ["any"], "nospace": ["str"], "atoi": ["str"], "int": ["any"],
        "int64": ["any"], "float64": ["any"], "toDecimal": ["any"],
        "b64enc": ["str"], "b64dec": ["str"], "b32enc": ["str"], "b32dec": ["str"],
        "sha1sum": ["str"], "sha256sum": ["str"], "adler32sum": ["str"],
        "regexMatch": ["re", "str"], "regexFind": ["re", "str"],
        "regexFindAll": ["re", "str", "int"], "regexReplaceAll": ["re", "str", "str"],
        "regexReplaceAllLiteral": ["re", "str", "str"], "regexSplit": ["re", "str", "int"],
        "regexQuoteMeta": ["str"], "mustRegexMatch": ["re", "str"],
        # math
        "add": ["num", "num*"], "add1": ["num"], "sub": ["num", "num"], "mul": ["num", "num*"],
        "div": ["num", "num"], "mod": ["num", "num"], "max": ["num", "num*"],
        "min": ["num", "num*"], "addf": ["num", "num*"], "subf": ["num", "num*"],
        "mulf": ["num", "num*"], "divf": ["num", "num*"], "maxf": ["num", "num*"],
        "minf": ["num", "num*"], "floor": ["num"], "ceil": ["num"], "round": ["num", "int"],
        "until": ["smallint"], "untilStep": ["smallint", "smallint", "smallint"],
        "seq": ["smallint*"],
        # defaults and types
        "default": ["any", "any"], "empty": ["any"], "coalesce": ["any*"], "all": ["any*"],
        "any": ["any*"], "ternary": ["any", "any", "any"], "compact": ["list"],
        "typeOf": ["any"], "kindOf": ["any"], "typeIs": ["str", "any"], "kindIs": ["str", "any"],
        "deepEqual": ["any", "any"], "toJson": ["any"], "toPrettyJson": ["any"],
        "toRawJson": ["any"], "fromJson": ["str"], "fromJsonArray": ["str"],
        "toYaml": ["any"], "toYamlPretty": ["any"], "fromYaml": ["str"], "fromYamlArray": ["str"],
        "toToml": ["any"], "fromToml": ["str"], "required": ["str", "any"],
        # lists and dicts
        "list": ["any*"], "tuple": ["any*"], "first": ["list"], "last": ["list"],
        "rest": ["list"], "initial": ["list"], "append": ["list", "any"], "prepend": ["list", "any"],
        "reverse": ["list"], "uniq": ["list"], "without": ["list", "any*"], "has": ["any", "list"],
        "concat": ["list*"], "chunk": ["int", "list"], "dict": ["kv"], "get": ["map", "str"],
        "set": ["map", "str", "any"], "unset": ["map", "str"], "hasKey": ["map", "str"],
        "pluck": ["str", "map*"], "pick": ["map", "str*"], "omit": ["map", "str*"],
        "merge": ["map", "map*"], "mergeOverwrite": ["map", "map*"], "deepCopy": ["any"],
        "dig": ["str", "str", "any", "map"], "values": None, "keys": None,
        # semver, dates, urls, paths
        "semver": ["ver"], "semverCompare": ["str", "ver"], "urlParse": ["str"],
        "urlJoin": ["map"], "base": ["str"], "dir": ["str"], "ext": ["str"], "clean": ["str"],
        "isAbs": ["str"], "toDate": ["layout", "datestr"], "date": ["layout", "time"],
        "dateInZone": ["layout", "time", "zone"], "duration": ["any"], "durationRound": ["any"],
        "unixEpoch": ["time"], "dateModify": ["dur", "time"], "htmlDate": ["time"],
        "htmlDateInZone": ["time", "zone"], "ago": None, "now": None,
        "mustToDate": ["layout", "datestr"], "mustDateModify": ["dur", "time"],
        "tpl": ["tplstr", "any"], "include": ["defname", "any"], "lookup": ["str", "str", "str", "str"],
        "derivePassword": ["smallint", "str", "str", "str", "str"],
        "decryptAES": ["str", "str"], "fail": ["str"],
        # must* variants and the rest
        "mustFirst": ["list"], "mustLast": ["list"], "mustRest": ["list"],
        "mustInitial": ["list"], "mustAppend": ["list", "any"], "mustPrepend": ["list", "any"],
        "mustReverse": ["list"], "mustUniq": ["list"], "mustWithout": ["list", "any*"],
        "mustHas": ["any", "list"], "mustCompact": ["list"], "mustChunk": ["int", "list"],
        "mustMerge": ["map", "map*"], "mustMergeOverwrite": ["map", "map*"],
        "mustDeepCopy": ["any"], "mustToJson": ["any"], "mustToPrettyJson": ["any"],
        "mustToRawJson": ["any"], "mustRegexFind": ["re", "str"],
        "mustRegexFindAll": ["re", "str", "int"], "mustRegexReplaceAll": ["re", "str", "str"],
        "mustRegexReplaceAllLiteral": ["re", "str", "str"], "mustRegexSplit": ["re", "str", "int"],
        "sha512sum": ["str"], "typeIsLike": ["str", "any"], "osBase": ["str"], "osDir": ["str"],
        "osExt": ["str"], "osClean": ["str"], "osIsAbs": ["str"], "add1f": ["num"],
        "biggest": ["num", "num*"], "trimall": ["str", "str"], "getHostByName": ["str"],
        "semverCompare": ["ver", "ver"], "toYamlPretty": ["any"], "sub": ["num", "num"],
    }

    def fix(self, e):
        """References to .Values made right for where dot is."""
        if self.in_define:
            return re.sub(r"(?<![\w$])\$?\.Values[\w.]*", ".", e)
        if self.dot_moved:
            return re.sub(r"(?<![\w$])\.Values", "$.Values", e)
        return e

    def arg(self, kind):
        return self.fix(self.arg1(kind))

    def arg1(self, kind):
        r = self.r
        if r.random() < 0.05 and kind != "time":
            # mistyped on purpose (not a date's time: Sprig prints now)
            return self.operand()
        if kind == "str":
            return r.choice([self.lit(), '"' + r.choice(WORDS).replace("\\", "\\\\").replace(
                '"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"', ".Values.str",
                ".Values.words", ".Values.csv", ".Values.num"])
        if kind in ("int", "smallint"):
            return r.choice(["0", "1", "2", "3", "-1", "5", ".Values.int", ".Values.zero",
                             "10", "(len .Values.list)"])
        if kind == "num":
            return r.choice(["1", "2", "-3", "2.5", "0", '"4"', ".Values.int", ".Values.float",
                             ".Values.num", "1e3", "nil", ".Values.big", "0.1"])
        if kind == "list":
            return r.choice([".Values.list", ".Values.strs", "(list 1 2 3)", "(list)",
                             '(splitList "," "a,b")', "(until 3)", ".Values.map",
                             "(list \"b\" \"a\")", "(rest (list))", ".Values.nested.l"])
        if kind == "map":
            return r.choice([".Values.map", "(dict)", '(dict "a" 1 "b" (list 1))', ".Values",
                             ".Values.nested", '(dict "x" "y")', ".Values.nested.deep"])
        if kind == "re":
            return '"' + r.choice(["a", "[a-c]+", "(\\\\w)(\\\\w)?", "^h", "o$", "\\\\d+", "(?i)H",
                                   "x*", "(a|b)*", ".", "[", "b+?", "(?P<n>l+)", "\\\\s",
                                   "(?i)\\\\p{Lu}", "[[:alpha:]]+", "é|ß"]) + '"'
        if kind == "ver":
            return r.choice(['"1.2.3"', '">=1.0.0"', '"~1.2"', '"^2"', '"v1.0.0-rc.1"',
                             '"1.x"', '"bad"', ".Values.ver", '"<1.0 || >=1.2.3"'])
        # dates: Sprig's date functions format time.Now() for a value that is
        # not a time, so these stay times
        if kind == "time":
            return r.choice(['(toDate "2006-01-02" "2024-03-04")', '(toDate "2006-01-02T15:04:05Z07:00" $.Values.date)',
                             '(toDate "2006-01-02 15:04" "2023-12-31 23:59")', "(unixEpoch (toDate \"2006-01-02\" \"2001-02-03\") | int64)",
                             '(mustToDate "2006-01-02T15:04:05.000Z" "2020-02-29T12:00:00.123Z")'])
        if kind == "layout":
            return '"' + r.choice(["2006-01-02", "Jan _2 15:04:05.000", "Monday, 02-Jan-06 15:04:05 MST",
                                   "2006-01-02T15:04:05Z07:00", "03:04PM", ".000 .999 Z0700", "x",
                                   "2006-01-02 15:04", "Mon Jan 2", "20060102150405", "01/02/06",
                                   "2006-01-02T15:04:05.000Z"]) + '"'
        if kind == "datestr":
            return '"' + r.choice(["2024-03-04", "2023-12-31 23:59", "2024-03-04T05:06:07Z", "bad",
                                   "2020-02-29T12:00:00.123Z", "Jan  2 15:04:05.000", "20240304050607",
                                   "12/31/99", "2006-01-02T15:04:05+01:00"]) + '"'
        if kind == "zone":
            return '"' + r.choice(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Bad/Zone",
                                   "Local", ""]) + '"'
        if kind == "dur":
            return '"' + r.choice(["1h", "-30m", "1h30m", "90s", "1.5h", "bad", "0", "2h45m10.5s"]) + '"'
        if kind == "tplstr":
            return r.choice(['"{{ .Values.str }}"', '"x{{ . }}y"', '"{{ $.Values.int | add 1 }}"',
                             '"{{ .Release.Name }}-{{ .Template.Name }}"', '"{{ fail \\"t\\" }}"', '"{{"',
                             '"plain"', '"{{ include \\"nope\\" . }}"', '"{{ .Values.nope.x }}"'])
        if kind == "defname":
            return r.choice(['"nope"', '"c0"']) if not self.defines else '"%s"' % r.choice(self.defines)
        if kind == "kv":
            return " ".join(self.arg("str") + " " + self.arg("any")
                            for _ in range(r.randrange(3)))
        return self.operand()

    def call(self):
        r = self.r
        name = r.choice([k for k, v in self.FUNCS.items() if v is not None])
        sig = self.FUNCS[name]
        args = []
        for a in sig:
            if a.endswith("*"):
                for _ in range(r.randrange(3)):
                    args.append(self.arg(a[:-1]))
            else:
                args.append(self.arg(a))
        if r.random() < 0.05 and args:
            args.pop()  # wrong number of arguments
        elif r.random() < 0.05:
            args.append(self.operand())
        return " ".join([name] + args)

    def printf(self):
        r = self.r
        parts = []
        nargs = 0
        for _ in range(r.randrange(1, 4)):
            if r.random() < 0.3:
                parts.append(r.choice(["x", " ", "-", "%%", "ab"]))
                continue
            f = "%"
            f += "".join(r.choice(["", "", "+", "-", "#", " ", "0"]) for _ in range(r.randrange(3)))
            if r.random() < 0.3:
                f += str(r.randrange(12))
            elif r.random() < 0.1:
                f += "*"
                nargs += 1
            if r.random() < 0.3:
                f += "." + str(r.randrange(6))
            if r.random() < 0.05:
                f += "[%d]" % r.randrange(1, 4)
            f += r.choice("vvvdsqxXobeEfFgGtcUTp")
            parts.append(f)
            nargs += 1
        fmt = "".join(parts)
        nargs += r.choice([0, 0, 0, -1, 1])
        args = [self.operand() for _ in range(max(0, nargs))]
        return "printf " + '"' + fmt + '" ' + " ".join(args)

    def command(self):
        r = self.r
        k = r.randrange(10)
        if k < 5:
            return self.call()
        if k < 7:
            return self.printf()
        return self.operand()

    def pipeline(self):
        self.depth += 1
        r = self.r
        cmds = [self.command()]
        for _ in range(r.choice([0, 0, 0, 0, 0, 1, 1, 2])):
            name = r.choice(["quote", "toString", "default \"d\"", "toJson", "squote",
                             "b64enc", "printf \"%v\"", "toYaml", "int", "add 1", "not",
                             "typeOf", "kindIs \"string\"", "toString | upper", "len",
                             "printf \"%q\"", "toString | trunc 3", "toString | indent 2",
                             "list | first", "coalesce 0", "toPrettyJson"])
            cmds.append(name)
        self.depth -= 1
        p = " | ".join(cmds)
        if r.random() < 0.15:
            v = "$v%d" % len(self.vars)
            self.vars.append(v)
            return v + " := " + p
        if r.random() < 0.05 and self.vars:
            return r.choice(self.vars) + " = " + p
        return p

    def action(self):
        r = self.r
        left = r.choice(["{{ ", "{{ ", "{{- "])
        right = r.choice([" }}", " }}", " -}}"])
        return left + self.pipeline() + right

    def text(self):
        return self.r.choice(["x", " ", "\n", "a b", ": ", "-", "", "\n  ", "é"])

    def block(self, n=None):
        r = self.r
        out = []
        for _ in range(n if n is not None else r.randrange(1, 5)):
            k = r.randrange(14)
            if k < 3:
                out.append(self.text())
            elif k < 8:
                out.append(self.action())
            elif k == 8 and self.depth < 3:
                self.depth += 1
                saved = list(self.vars)
                s = "{{ if " + self.pipeline() + " }}" + self.block()
                if r.random() < 0.3:
                    s += "{{ else if " + self.pipeline() + " }}" + self.block()
                if r.random() < 0.5:
                    s += "{{ else }}" + self.block()
                out.append(s + "{{ end }}")
                self.vars = saved
                self.depth -= 1
            elif k == 9 and self.depth < 3:
                self.depth += 1
                saved = list(self.vars)
                head = r.choice(["", "$i, $e := ", "$e := "])
                if "$i" in head:
                    self.vars += ["$i", "$e"]
                elif "$e" in head:
                    self.vars.append("$e")
                over = r.choice([".Values.list", ".Values.map", ".Values.strs", "(list 3)",
                                 ".Values.nested.l", "(until 2)", ".Values.missing",
                                 "(dict \"b\" 1 \"a\" 2)", "(list 1 \"a\" nil)",
                                 '(splitList "," $.Values.csv)', "$.Values.map.c",
                                 self.operand()])
                over = self.fix(over)
                self.in_range += 1
                self.dot_moved += 1
                body = self.block()
                self.dot_moved -= 1
                if r.random() < 0.15:
                    body += r.choice(["{{ break }}", "{{ continue }}"])
                self.in_range -= 1
                s = "{{ range " + head + over + " }}" + body
                if r.random() < 0.3:
                    s += "{{ else }}" + self.block()
                out.append(s + "{{ end }}")
                self.vars = saved
                self.depth -= 1
            elif k == 10 and self.depth < 3:
                self.depth += 1
                saved = list(self.vars)
                s = "{{ with " + self.pipeline() + " }}"
                self.dot_moved += 1
                s += self.block()
                if r.random() < 0.3:
                    s += "{{ else with " + self.pipeline() + " }}" + self.block()
                self.dot_moved -= 1
                if r.random() < 0.3:
                    s += "{{ else }}" + self.block()
                out.append(s + "{{ end }}")
                self.vars = saved
                self.depth -= 1
            elif k == 11:
                name = "d%d_%d" % (self.ncase, len(self.defines))
                self.defines.append(name)
                saved, self.vars = self.vars, []
                d, dm, idf = self.depth, self.dot_moved, self.in_define
                self.depth, self.dot_moved, self.in_define = 2, 1, True
                body = self.block(2)
                self.depth, self.dot_moved, self.in_define = d, dm, idf
                self.vars = saved
                self.define_texts.append('{{ define "%s" }}%s{{ end }}' % (name, body))
                out.append(r.choice(['{{ include "%s" %s }}', '{{ template "%s" %s }}',
                                     '{{ include "%s" %s | quote }}']) % (name, self.operand()))
            elif k == 12:
                out.append("{{/* c */}}" if r.random() < 0.5 else "{{- /* c */ -}}")
            else:
                out.append(self.action())
        return "".join(out)


def make_case(r, n):
    """A case: its body and the defines it includes."""
    g = Gen(r, n)
    body = g.block(r.randrange(1, 4))
    return body, "".join(g.define_texts)


# ---- running ----

def write_chart(d, cases, values):
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(os.path.join(d, "templates"))
    open(os.path.join(d, "Chart.yaml"), "w").write("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    open(os.path.join(d, "values.yaml"), "w").write(values)
    for n, (body, defines) in cases.items():
        open(os.path.join(d, "templates", "_c%d.tpl" % n), "w").write(
            '{{- define "c%d" }}%s{{ end }}%s' % (n, body, defines))
        open(os.path.join(d, "templates", "c%d.yaml" % n), "w").write(
            'c%d: {{ include "c%d" . | b64enc }}\n' % (n, n))


def run(tool, d):
    env = dict(os.environ, TZ="UTC")
    p = subprocess.run([tool, "template", "x", d], capture_output=True, env=env, timeout=120)
    if p.returncode == 0:
        outs = {}
        for m in re.finditer(rb"^c(\d+): (\S*)$", p.stdout, re.M):
            # pointers (fmt's %p, *Capabilities in %v) are addresses
            outs[int(m.group(1))] = re.sub(rb"0xc[0-9a-f]{9}", b"0xPTR",
                                           base64.b64decode(m.group(2)))
        return True, outs
    err = p.stderr.decode("utf-8", "surrogateescape").split("\n\nUse --debug")[0]
    err = re.sub(r"^(Error: |pkg: )", "", err).rstrip("\n")
    return False, err


def unptr(b):
    """Long digit runs masked: addresses printed with %d %o %x %b."""
    return None if b is None else re.sub(rb"[0-9a-fA-F]{10,}", b"N", b)


def failing_case(err):
    m = re.search(r"templates/_?c(\d+)\.(?:yaml|tpl)", err)
    return int(m.group(1)) if m else None


def yaml_values():
    # JSON is YAML: no quoting rules to get wrong
    return json.dumps(VALUES, ensure_ascii=False) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--helm", default=HELM)
    ap.add_argument("--pkg", default=PKG)
    ap.add_argument("--out", default="/tmp/difffuzz")
    ap.add_argument("--errlog", help="append the errors both tools agree on to this file")
    a = ap.parse_args()
    r = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    values = yaml_values()
    tmp = tempfile.mkdtemp(prefix="difffuzz-")
    d = os.path.join(tmp, "c")
    compared = diffs = errors = runs = crashes = 0
    nextn = 0
    try:
        while compared < a.cases:
            cases = {}
            for _ in range(min(a.batch, a.cases - compared)):
                cases[nextn] = make_case(r, nextn)
                nextn += 1
            while cases:
                write_chart(d, cases, values)
                hok, hres = run(a.helm, d)
                pok, pres = run(a.pkg, d)
                runs += 1
                if hok and pok:
                    for n in cases:
                        compared += 1
                        if hres.get(n) != pres.get(n) and \
                                unptr(hres.get(n)) != unptr(pres.get(n)):
                            diffs += 1
                            report(a.out, diffs, cases[n], values, "output",
                                   hres.get(n), pres.get(n))
                    break
                # a map made to contain itself (set) crashes helm with a
                # stack overflow naming no case; pkg stops it with a limit
                # error that names the case: both refuse it
                crash = not hok and "fatal error: stack overflow" in hres
                limit = not pok and "nested too deeply or too large to print" in pres
                n = failing_case(pres if crash else hres if not hok else pres)
                if crash and limit and n in cases:
                    compared += 1
                    errors += 1
                    del cases[n]
                    continue
                if crash:
                    # some case crashed helm (a map merged into itself...):
                    # find it alone and set it aside, compared with nothing
                    for k in sorted(cases):
                        write_chart(d, {k: cases[k]}, values)
                        ok1, res1 = run(a.helm, d)
                        if not ok1 and "fatal error: stack overflow" in res1:
                            crashes += 1
                            del cases[k]
                            break
                    else:
                        n = min(cases)
                        report(a.out, diffs + 1, cases[n], values, "error", hres, pres)
                        diffs += 1
                        compared += 1
                        del cases[n]
                    continue
                if n is None or n not in cases:
                    # an error naming no case (or helm fine and pkg not):
                    # report the batch's first case and drop it
                    n = min(cases)
                compared += 1
                if hok or pok or hres != pres:
                    diffs += 1
                    report(a.out, diffs, cases[n], values, "error",
                           (hres.get(n) if hok else hres), (pres.get(n) if pok else pres))
                else:
                    errors += 1
                    if a.errlog:
                        with open(a.errlog, "a", encoding="utf-8", errors="surrogateescape") as f:
                            f.write(hres.split("\n")[0] + "\n")
                del cases[n]
            sys.stderr.write("\r%d compared, %d errors alike, %d differ, %d runs, %d helm crashes" % (
                compared, errors, diffs, runs, crashes))
    finally:
        shutil.rmtree(tmp)
    sys.stderr.write("\n")
    print("%d cases compared (%d ending in the same error), %d differences in %s" % (
        compared, errors, diffs, a.out))
    sys.exit(1 if diffs else 0)


def show(x):
    if x is None:
        return "<none>"
    if isinstance(x, bytes):
        return x.decode("utf-8", "surrogateescape")
    return x


def report(out, k, case, values, kind, helm, pkg):
    body = case[0] + ("\n--- template _defines.tpl\n" + case[1] if case[1] else "")
    with open(os.path.join(out, "%04d.case" % k), "w", encoding="utf-8",
              errors="surrogateescape") as f:
        f.write("=== difffuzz %d (%s)\n--- values\n%s--- template\n%s\n--- helm\n%s\n--- pkg\n%s\n" % (
            k, kind, values, body, show(helm), show(pkg)))


if __name__ == "__main__":
    main()
