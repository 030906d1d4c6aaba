#!/bin/sh
# Files a kustomization names by http(s) URL (resources, patches, generator
# files and envs), served on loopback: loaded as kustomize's file loader
# loads them, and a missing or malformed one fails naming the URL.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/repo-lib.sh"

cd "$TMP" || exit 1
mkdir -p site
cat >site/deploy.yaml <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: c
        image: nginx
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
EOF
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 9\n' >site/patch.yaml
printf 'K=V\n' >site/app.env
printf 'a: [\n' >site/bad.yaml
repo_static web site || exit 1
U="http://127.0.0.1:$web_PORT"

test_expect_success 'resources, patches and generator inputs load from URLs' '
    mkdir -p remote && cat >remote/kustomization.yaml <<-EOF &&
	resources:
	- $U/deploy.yaml
	namePrefix: u-
	patches:
	- path: $U/patch.yaml
	configMapGenerator:
	- name: remote
	  files:
	  - $U/app.env
	  envs:
	  - $U/app.env
	EOF
    "$PKG" render remote >out &&
    test_grep "^  name: u-web$" out && test_grep "^  replicas: 9$" out &&
    test_grep "^  K: V$" out && test_grep "^  app.env: |$" out &&
    test_grep "^  name: u-remote-" out && test "$(grep -c "^kind:" out)" = 3
'
test_expect_success 'a missing remote file names the URL and the status' '
    mkdir -p missing && printf "resources:\n- $U/nothing.yaml\n" >missing/kustomization.yaml &&
    ! "$PKG" render missing >out 2>err && test ! -s out &&
    test_grep "missing/kustomization.yaml" err &&
    test_grep "accumulating resources from .$U/nothing.yaml.: HTTP Error: status code 404" err
'
test_expect_success 'a malformed remote file is reported in File: URL' '
    mkdir -p bad && printf "resources:\n- $U/bad.yaml\n" >bad/kustomization.yaml &&
    ! "$PKG" render bad >out 2>err && test ! -s out &&
    test_grep "MalformedYAMLError: .* in File: $U/bad.yaml" err
'
test_done
