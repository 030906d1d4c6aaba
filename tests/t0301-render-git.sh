#!/bin/sh
# Remote git bases: local bare repositories over file:// URLs (no
# network), the clone cache under $PKG_HOME/cache/git and its reuse, refs
# that are tags, branches and commits, and bad refs.
. "$(dirname "$0")/test-lib.sh"

if ! command -v git >/dev/null 2>&1; then
    test_skip 'git bases' 'git is needed to build the fixture repositories'
    test_done; exit
    exit 0
fi

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
cd "$TMP" || exit 1
mkdir -p work/app work/other
printf 'resources: [cm.yaml]\nnamePrefix: base-\n' >work/app/kustomization.yaml
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {version: one}\n' \
    >work/app/cm.yaml
printf 'resources: [svc.yaml]\n' >work/other/kustomization.yaml
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: svc}\n' >work/other/svc.yaml
git -C work init -q && git -C work checkout -q -b main && git -C work add -A &&
    git -C work -c commit.gpgsign=false commit -q -m one &&
    git -C work -c tag.gpgsign=false tag -a v1 -m v1 &&
    git clone -q --bare work repo.git || exit 1
SHA=$(git -C work rev-parse HEAD)
URL=file://$TMP/repo.git

mkdir -p tag branch sha two bad
printf 'resources:\n- %s//app?ref=v1\nnamePrefix: o-\n' "$URL" >tag/kustomization.yaml
printf 'resources:\n- %s//app?ref=main\n' "$URL" >branch/kustomization.yaml
printf 'resources:\n- %s//app?ref=%s\n' "$URL" "$SHA" >sha/kustomization.yaml
printf 'resources:\n- %s//app?ref=v1\n- %s//other?ref=v1\n' "$URL" "$URL" >two/kustomization.yaml
printf 'resources:\n- %s//app?ref=v9\n' "$URL" >bad/kustomization.yaml

test_expect_success 'a tag of a remote base' '
    "$PKG" render tag >out && test_grep "name: o-base-cfg" out && test_grep "version: one" out
'
test_expect_success 'the clone lands in the cache under PKG_HOME' '
    test -n "$(ls "$PKG_HOME/cache/git")"
'
test_expect_success 'a second build reuses the cache without the remote' '
    mv repo.git repo.moved && "$PKG" render tag >out2 && mv repo.moved repo.git &&
    test_cmp out out2
'
test_expect_success 'a branch and a commit id' '
    "$PKG" render branch >b && test_grep "name: base-cfg" b &&
    "$PKG" render sha >s && test_cmp b s
'
test_expect_success 'a branch that moved is fetched again' '
    sed -i "s/one/two/" work/app/cm.yaml && git -C work -c commit.gpgsign=false commit -qam two &&
    git -C work push -q "$TMP/repo.git" main &&
    "$PKG" render branch >b2 && test_grep "version: two" b2 &&
    "$PKG" render tag >t2 && test_grep "version: one" t2
'
test_expect_success 'two remote bases in one kustomization' '
    "$PKG" render two >out && test_grep "kind: Service" out && test_grep "kind: ConfigMap" out
'
test_expect_success 'a bad ref fails naming the ref and the kustomization' '
    "$PKG" render bad >out 2>err; test $? -eq 1 && test ! -s out &&
    test_grep "couldn.t find remote ref v9" err && test_grep "bad/kustomization.yaml" err
'
test_expect_success 'a path leaving the repository is not a remote base' '
    mkdir -p exits && printf "resources:\n- %s//../x?ref=v1\n" "$URL" >exits/kustomization.yaml &&
    "$PKG" render exits >out 2>err; test $? -eq 1 && test ! -s out &&
    test_grep "no such file or directory" err
'
test_done
