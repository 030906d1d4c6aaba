#!/bin/sh
# pkg template on bad input: Helm's message, exit 1, nothing on stdout,
# nothing written.
. "$(dirname "$0")/test-lib.sh"
C=$TESTDATA/charts

# fails CODE PATTERN ARGS...: exit CODE, PATTERN on stderr, empty stdout.
fails() {
    _code=$1 _pat=$2
    shift 2
    (cd "$C" && "$PKG" template "$@") >"$TMP/stdout" 2>"$TMP/stderr"
    _rc=$?
    [ "$_rc" = "$_code" ] || { echo "exit $_rc, want $_code"; cat "$TMP/stderr"; return 1; }
    [ ! -s "$TMP/stdout" ] || { echo "stdout not empty:"; head "$TMP/stdout"; return 1; }
    test_grep "$_pat" "$TMP/stderr"
}

test_expect_success 'template syntax error: parse error at file:line' '
    fails 1 "^Error: parse error at (bad-syntax/templates/cm.yaml:7): unclosed action started at bad-syntax/templates/cm.yaml:6" x bad-syntax &&
    test_grep "^Use --debug flag to render out invalid YAML" "$TMP/stderr"
'
test_expect_success 'unknown function' '
    fails 1 "function \"toKebabCase\" not defined" x bad-function
'
test_expect_success 'missing required value' '
    fails 1 "^Error: execution error at (bad-required/templates/cm.yaml:4:11): image.tag is required" x bad-required
'
test_expect_success 'recursive include stops with Helm'"'"'s error' '
    fails 1 "rendering template has a nested reference name: loop: unable to execute template" x bad-recursive
'
test_expect_success 'schema violation lists every violation' '
    fails 1 "^Error: values don.t meet the specifications of the schema(s) in the following chart(s):" x bad-schema &&
    test_grep "^bad-schema:" "$TMP/stderr" &&
    test_grep "^- (root): name is required" "$TMP/stderr" &&
    test_grep "^- replicas: Must be greater than or equal to 1" "$TMP/stderr" &&
    test_grep "^- mode: mode must be one of the following: \"a\", \"b\"" "$TMP/stderr" &&
    ! test_grep "Use --debug" "$TMP/stderr"
'
test_expect_success '--skip-schema-validation renders anyway' '
    (cd "$C" && "$PKG" template x bad-schema --skip-schema-validation) >out &&
    test_grep "kind: ConfigMap" out
'
test_expect_success 'bad --set expression' '
    fails 1 "^Error: failed parsing --set data: error parsing index: strconv.Atoi: parsing \"x\": invalid syntax" x basic --set "a[x]=1"
'
test_expect_success 'bad --set-json' '
    fails 1 "^Error: failed parsing --set-json data a={" x basic --set-json "a={"
'
test_expect_success 'values file that is not a map' '
    printf -- "- a\n- b\n" >"$TMP/list.yaml" &&
    fails 1 "failed to parse $TMP/list.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map\[string\]interface {}" x basic -f "$TMP/list.yaml"
'
# go-yaml v2's wording, as helm prints it: the line of a parser error is
# counted from 0, a scanner error's from 1.
test_expect_success 'values file that is not YAML names the file and the line as helm does' '
    printf "a: [\n" >"$TMP/bad.yaml" &&
    fails 1 "failed to parse $TMP/bad.yaml: error converting YAML to JSON: yaml: line 1: did not find expected node content$" x basic -f "$TMP/bad.yaml" &&
    printf "a: b\n c: d\n" >"$TMP/bad.yaml" &&
    fails 1 "failed to parse $TMP/bad.yaml: error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context$" x basic -f "$TMP/bad.yaml"
'
test_expect_success 'a template that renders invalid YAML: helm'"'"'s message' '
    mkdir -p "$TMP/badout/templates" &&
    printf "apiVersion: v2\nname: badout\nversion: 0.1.0\n" >"$TMP/badout/Chart.yaml" &&
    printf "a: [1, 2\nb: c\n" >"$TMP/badout/templates/cm.yaml" &&
    fails 1 "^Error: YAML parse error on badout/templates/cm.yaml: error converting YAML to JSON: yaml: line 1: did not find expected .,. or .\]." x "$TMP/badout"
'
test_expect_success 'missing values file' '
    fails 1 "^Error: open $TMP/nope.yaml: no such file or directory" x basic -f "$TMP/nope.yaml"
'
test_expect_success 'kubeVersion constraint' '
    fails 1 "^Error: chart requires kubeVersion: >=1.20.0-0 which is incompatible with Kubernetes v1.19.0" x basic --kube-version 1.19
'
test_expect_success 'bad --kube-version' '
    fails 1 "^Error: invalid kube version .abc.: Invalid Semantic Version" x basic --kube-version abc
'
test_expect_success 'bad release name' '
    fails 1 "^Error: release name \"Bad_Name\": invalid release name" Bad_Name basic
'
test_expect_success 'missing chart' '
    fails 1 "^Error: path \"./nope\" not found" x ./nope
'
test_expect_success '--show-only of a template that is not there' '
    fails 1 "^Error: could not find template templates/nope.yaml in chart" x basic --show-only templates/nope.yaml
'
test_expect_success 'post-renderer failure names the program and its stderr' '
    printf "#!/bin/sh\necho broken >&2\nexit 3\n" >"$TMP/pr.sh" && chmod +x "$TMP/pr.sh" &&
    fails 1 "error while running post render on files: error while running command $TMP/pr.sh. error output:" x basic --post-renderer "$TMP/pr.sh" &&
    test_grep "^broken" "$TMP/stderr" && test_grep "exit status 3" "$TMP/stderr"
'
test_expect_success 'an error writes nothing to --output-dir' '
    fails 1 "image.tag is required" x bad-required --output-dir "$TMP/od" &&
    test ! -e "$TMP/od"
'

# Chart archives built here: python3 writes the tar entries helm would never.
mkarchive() { # OUT KIND
    python3 - "$1" "$2" <<'PY'
import io, sys, tarfile
out, kind = sys.argv[1], sys.argv[2]
def add(t, name, data=b"", **kw):
    ti = tarfile.TarInfo(name); ti.size = len(data)
    for k, v in kw.items(): setattr(ti, k, v)
    t.addfile(ti, io.BytesIO(data))
class Zeros(io.RawIOBase):
    def __init__(s, n): s.left = n
    def readinto(s, b):
        k = min(len(b), s.left); b[:k] = bytes(k); s.left -= k; return k
with tarfile.open(out, "w:gz", compresslevel=1) as t:
    add(t, "c/Chart.yaml", b"apiVersion: v2\nname: c\nversion: 0.1.0\n")
    if kind == "dotdot":
        add(t, "c/../../evil.yaml", b"kind: ConfigMap\n")
    elif kind == "abs":
        add(t, "c//etc/evil.yaml", b"kind: ConfigMap\n")
    elif kind == "symlink":
        add(t, "c/templates/link.yaml", type=tarfile.SYMTYPE, linkname="../../../etc/passwd")
    elif kind == "device":
        add(t, "c/templates/dev.yaml", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
    elif kind == "bomb":
        ti = tarfile.TarInfo("c/templates/zeros.yaml"); ti.size = 1 << 30
        t.addfile(ti, Zeros(ti.size))
    elif kind == "many":
        for i in range(30):
            ti = tarfile.TarInfo("c/files/z%02d" % i); ti.size = 4 << 20
            t.addfile(ti, Zeros(ti.size))
PY
}

test_expect_success 'archive with ../ entries is refused, naming the entry' '
    mkarchive "$TMP/a.tgz" dotdot &&
    fails 1 "chart illegally references parent directory (\"c/../../evil.yaml\")" x "$TMP/a.tgz"
'
test_expect_success 'archive with an absolute path is refused' '
    mkarchive "$TMP/a.tgz" abs && fails 1 "chart illegally contains absolute paths (\"c//etc/evil.yaml\")" x "$TMP/a.tgz"
'
test_expect_success 'archive with a link escaping the chart is refused' '
    mkarchive "$TMP/a.tgz" symlink &&
    fails 1 "\"c/templates/link.yaml\" is a link pointing outside the chart" x "$TMP/a.tgz"
'
test_expect_success 'archive with a device file is refused' '
    mkarchive "$TMP/a.tgz" device && fails 1 "\"c/templates/dev.yaml\" is a device" x "$TMP/a.tgz"
'
test_expect_success 'a 1 GiB decompressed archive is refused by limit, quickly, in little memory' '
    mkarchive "$TMP/bomb.tgz" bomb &&
    /usr/bin/time -f "%e %M" -o "$TMP/time" "$PKG" template x "$TMP/bomb.tgz" >"$TMP/stdout" 2>"$TMP/stderr";
    rc=$?; [ $rc = 1 ] && [ ! -s "$TMP/stdout" ] &&
    test_grep "decompressed chart file \"c/templates/zeros.yaml\" is larger than the maximum file size" "$TMP/stderr" &&
    tail -1 "$TMP/time" >"$TMP/t1" && read secs kb <"$TMP/t1" && [ "$kb" -lt 65536 ] &&
    awk -v s="$secs" "BEGIN { exit !(s < 2.0) }"
'
test_expect_success 'an archive of many large files is refused by the total limit' '
    mkarchive "$TMP/many.tgz" many &&
    fails 1 "decompressed chart is larger than the maximum size" x "$TMP/many.tgz"
'
test_expect_success 'a YAML file passed as a chart' '
    printf "a: 1\n" >"$TMP/c.yaml" &&
    fails 1 "file .$TMP/c.yaml. seems to be a YAML file, but expected a gzipped archive" x "$TMP/c.yaml"
'
test_done
