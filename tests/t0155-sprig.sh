#!/bin/sh
# Sprig's functions through pkg template: a chart mixing string, list,
# dict, regex, semver, math, date, URL and encoding functions renders as
# helm v3.17.1 renders it; certificates from genCA/genSignedCert verify
# with openssl; bad patterns fail like helm.
. "$(dirname "$0")/test-lib.sh"

mkchart() {
    mkdir -p chart/templates &&
    printf "apiVersion: v2\nname: sprigdemo\nversion: 1.2.3\n" >chart/Chart.yaml &&
    cat >chart/values.yaml <<'VALUES'
name: My App
image: {repository: nginx, tag: "1.25.3-alpine"}
ports: [80, 443]
extra: {b: 2}
defaults: {a: 1, b: 1, nested: {x: 1}}
VALUES
}

test_expect_success 'string, list, dict, regex, semver, math and date functions render as helm' '
    mkchart &&
    cat >chart/templates/cm.yaml <<'\''TPL'\'' &&
{{- $cfg := mergeOverwrite (deepCopy .Values.defaults) .Values.extra }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Values.name | lower | replace " " "-" | trunc 63 | trimSuffix "-" }}
  labels:
    chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
data:
  kebab: {{ .Values.name | kebabcase | quote }}
  tag: {{ regexReplaceAll "^([0-9.]+)-.*$" .Values.image.tag "${1}" | quote }}
  modern: {{ semverCompare ">=1.20-0" .Capabilities.KubeVersion.Version | quote }}
  ports: {{ .Values.ports | sortAlpha | join "," | quote }}
  sum: {{ add (index .Values.ports 0) 1 | quote }}
  cfg: {{ $cfg | toJson | quote }}
  hash: {{ .Values.name | sha256sum | trunc 12 }}
  b64: {{ "hello" | b64enc }}
  date: {{ toDate "2006-01-02" "2024-02-29" | date "Jan 2, 2006" | quote }}
  url: {{ (urlParse "https://example.com:8443/x?y=1").host }}
  list: {{ list 3 1 2 | uniq | reverse | toStrings | toJson | squote }}
  {{- range $k, $v := (dict "z" 1 "a" 2) }}
  {{ $k }}: {{ $v | toString | quote }}
  {{- end }}
TPL
    "$PKG" template rel chart >out &&
    cat >want <<'\''WANT'\'' &&
---
# Source: sprigdemo/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: my-app
  labels:
    chart: "sprigdemo-1.2.3"
data:
  kebab: "my-app"
  tag: "1.25.3"
  modern: "true"
  ports: "443,80"
  sum: "81"
  cfg: "{\"a\":1,\"b\":2,\"nested\":{\"x\":1}}"
  hash: 96c6f41782b1
  b64: aGVsbG8=
  date: "Feb 29, 2024"
  url: example.com:8443
  list: '\''["2","1","3"]'\''
  a: "2"
  z: "1"
WANT
    test_cmp want out
'

test_expect_success 'date functions use the local zone from $TZ as Go does (recorded from helm)' '
    mkchart &&
    cat >chart/templates/d.yaml <<'\''TPL'\'' &&
x: {{ list (date "2006-01-02 15:04 MST -0700" (toDate "2006-01-02 15:04" "2024-07-01 12:00")) (unixEpoch (toDate "2006-01-02" "2024-01-01")) (dateInZone "15:04 MST" (toDate "2006-01-02" "2024-01-01") "Local") (date "15:04 MST" 0) (toDate "2006-01-02" "2024-01-01") ((toDate "2006-01-02" "2024-03-10").AddDate 0 0 1 | toString) (dateModify "24h" (toDate "2006-01-02 15:04" "2024-03-09 12:00") | toString) | toJson | quote }}
TPL
    for tz in America/New_York :Europe/Paris Nope/Zone ""; do
        TZ=$tz "$PKG" template rel chart | tail -1 || exit 1
    done >out &&
    cat >want <<'\''EOF'\'' &&
x: "[\"2024-07-01 12:00 EDT -0400\",\"1704085200\",\"00:00 EST\",\"19:00 EST\",\"2024-01-01T00:00:00-05:00\",\"2024-03-11 00:00:00 -0400 EDT\",\"2024-03-10 13:00:00 -0400 EDT\"]"
x: "[\"2024-07-01 12:00 CEST +0200\",\"1704063600\",\"00:00 CET\",\"01:00 CET\",\"2024-01-01T00:00:00+01:00\",\"2024-03-11 00:00:00 +0100 CET\",\"2024-03-10 12:00:00 +0100 CET\"]"
x: "[\"2024-07-01 12:00 UTC +0000\",\"1704067200\",\"00:00 UTC\",\"00:00 UTC\",\"2024-01-01T00:00:00Z\",\"2024-03-11 00:00:00 +0000 UTC\",\"2024-03-10 12:00:00 +0000 UTC\"]"
x: "[\"2024-07-01 12:00 UTC +0000\",\"1704067200\",\"00:00 UTC\",\"00:00 UTC\",\"2024-01-01T00:00:00Z\",\"2024-03-11 00:00:00 +0000 UTC\",\"2024-03-10 12:00:00 +0000 UTC\"]"
EOF
    test_cmp want out
'

test_expect_success 'genCA and genSignedCert make a chain openssl verifies' '
    command -v openssl >/dev/null || { echo "# no openssl"; exit 0; }
    mkchart &&
    cat >chart/templates/secret.yaml <<'\''TPL'\'' &&
{{- $ca := genCA "demo-ca" 30 }}
{{- $cert := genSignedCert "demo.svc" (list "127.0.0.1") (list "demo.svc" "demo.svc.cluster.local") 30 $ca }}
ca.crt: {{ $ca.Cert | b64enc }}
tls.crt: {{ $cert.Cert | b64enc }}
tls.key: {{ $cert.Key | b64enc }}
password: {{ randAlphaNum 24 | b64enc }}
TPL
    "$PKG" template rel chart >out &&
    sed -n "s/^ca.crt: //p" out | base64 -d >ca.pem &&
    sed -n "s/^tls.crt: //p" out | base64 -d >tls.pem &&
    sed -n "s/^tls.key: //p" out | base64 -d >tls.key &&
    openssl verify -CAfile ca.pem -purpose sslserver tls.pem &&
    openssl x509 -in tls.pem -noout -ext subjectAltName >san &&
    test_grep "DNS:demo.svc.cluster.local" san && test_grep "IP Address:127.0.0.1" san &&
    test "$(openssl x509 -in tls.pem -noout -pubkey | openssl sha256)" = \
         "$(openssl pkey -in tls.key -pubout | openssl sha256)" &&
    test "$(sed -n "s/^password: //p" out | base64 -d | tr -d "A-Za-z0-9" | wc -c)" = 0
'

test_expect_code 1 'a bad regular expression fails like helm' '
    mkchart &&
    printf "x: {{ regexFind \"a(\" \"b\" }}\n" >chart/templates/bad.yaml &&
    "$PKG" template rel chart >out 2>err; rc=$?;
    test_grep "error calling regexFind: regexp: Compile(\`a(\`): error parsing regexp: missing closing ): \`a(\`" err &&
    test ! -s out && exit $rc
'

test_expect_code 1 'integer division by zero fails like helm' '
    mkchart &&
    printf "x: {{ div 1 0 }}\n" >chart/templates/bad.yaml &&
    "$PKG" template rel chart >out 2>err; rc=$?;
    test_grep "error calling div: runtime error: integer divide by zero" err && exit $rc
'

test_done
