#!/bin/sh
# pkg pod, bad input: an image that does not exist, unknown fields and
# wrong types (file:line:col), a command not in the image (StartError), a
# missing ConfigMap key (CreateContainerConfigError), cgroups unavailable.
. "$(dirname "$0")/test-lib.sh"
. "$TESTDATA/node/lib.sh"
need_root
node_setup || exit 1
cd "$TMP" || exit 1

pod() { # NAME IMAGE COMMAND-JSON [EXTRA-CONTAINER-YAML]
    cat <<EOY
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: $2
    imagePullPolicy: IfNotPresent
    command: $3
${4:-}
EOY
}

test_expect_code 1 'an image that does not exist: clear error, nothing created' '
    pod noimg pkg.test/nosuch:1 "[\"true\"]" | sed "s/IfNotPresent/Never/" >noimg.yaml &&
    "$PKG" pod run -f noimg.yaml 2>err; rc=$?
    test_grep "image \"pkg.test/nosuch:1\" is not present with pull policy of Never" err &&
    ! test -d "$PKG_HOME/pods/default_noimg" && exit $rc
'
test_expect_code 1 'an image that cannot be pulled: ErrImagePull, nothing created' '
    port=$(free_port) && pod nopull 127.0.0.1:$port/x/nosuch:1 "[\"true\"]" >nopull.yaml &&
    "$PKG" pod run --insecure -f nopull.yaml 2>err; rc=$?
    test_grep "ErrImagePull" err && ! test -d "$PKG_HOME/pods/default_nopull" && exit $rc
'
test_expect_code 1 'an unknown field names file:line:col and the field path' '
    pod unk pkg.test/busybox:1 "[\"true\"]" | sed "s/^    image:/    imagee: x\n    image:/" >unk.yaml &&
    "$PKG" pod run -f unk.yaml 2>err; rc=$?
    test_grep "unk.yaml:9:5: unknown field \"spec.containers\[0\].imagee\"" err && exit $rc
'
test_expect_code 1 'a value of the wrong type names file:line:col' '
    pod typ pkg.test/busybox:1 "[\"true\"]" "    ports:
    - containerPort: \"80\"" >typ.yaml &&
    "$PKG" pod run -f typ.yaml 2>err; rc=$?
    test_grep "typ.yaml:13:22: invalid value for \"spec.containers\[0\].ports\[0\].containerPort\": expected integer, got string" err &&
    exit $rc
'
test_expect_code 1 'a list where an object belongs' '
    printf "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers: {}\n" >lst.yaml &&
    "$PKG" pod run -f lst.yaml 2>err; rc=$?; test_grep "lst.yaml:6:15: invalid value for \"spec.containers\": expected array, got object" err && exit $rc
'
test_expect_code 1 'malformed YAML is reported with its position' '
    printf "apiVersion: v1\nkind: Pod\nmetadata: [\n" >bad.yaml &&
    "$PKG" pod run -f bad.yaml 2>err; rc=$?; test_grep "bad.yaml:" err && exit $rc
'
test_expect_code 1 'a command that is not in the image: StartError in the status' '
    pod nocmd pkg.test/busybox:1 "[\"/no/such/binary\"]" >nocmd.yaml &&
    pod nopath pkg.test/busybox:1 "[\"nosuchcommand\"]" >nopath.yaml &&
    "$PKG" pod run -f nopath.yaml 2>/dev/null; rc=$?
    pod_field nopath "p[\"status\"][\"containerStatuses\"][0][\"state\"][\"terminated\"]" >t &&
    test_grep "StartError" t && test_grep "128" t &&
    test_grep "exec: \\\\\"nosuchcommand\\\\\": executable file not found in \$PATH" t &&
    pod_field nopath "p[\"status\"][\"phase\"]" >ph && test "$(cat ph)" = Failed &&
    "$PKG" pod run -f nocmd.yaml 2>/dev/null;
    pod_field nocmd "p[\"status\"][\"containerStatuses\"][0][\"state\"][\"terminated\"][\"message\"]" >m &&
    test_grep "/no/such/binary" m && "$PKG" pod rm nopath nocmd >/dev/null && exit $rc
'
test_expect_success 'a missing ConfigMap key keeps the container waiting (CreateContainerConfigError)' '
    cat >cfg.yaml <<EOY &&
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  present: "yes"
---
EOY
    pod cfgerr pkg.test/busybox:1 "[\"true\"]" "    env:
    - name: X
      valueFrom:
        configMapKeyRef: {name: settings, key: absent}" >>cfg.yaml &&
    "$PKG" pod run -d -f cfg.yaml &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q CreateContainerConfigError" &&
    pod_field cfgerr "p[\"status\"][\"containerStatuses\"][0][\"state\"][\"waiting\"][\"message\"]" >m &&
    test_grep "couldn.t find key absent in ConfigMap default/settings" m &&
    "$PKG" pod rm cfgerr
'
test_expect_code 1 'a pod that exists already' '
    pod twice pkg.test/busybox:1 "[\"sleep\", \"60\"]" >twice.yaml &&
    "$PKG" pod run -d -f twice.yaml && "$PKG" pod run -d -f twice.yaml 2>err; rc=$?
    "$PKG" pod rm twice --grace-period 0 >/dev/null
    test_grep "pod \"twice\" already exists" err && exit $rc
'
test_expect_code 1 'cgroups unavailable: a clear message, not a crash' '
    pod nocg pkg.test/busybox:1 "[\"true\"]" >nocg.yaml &&
    unshare -m sh -c "mount --make-rprivate / && umount -R /sys/fs/cgroup && \"$PKG\" pod run -f nocg.yaml" 2>err; rc=$?
    test_grep "cgroups unavailable: no cgroup file system is mounted" err &&
    ! test -d "$PKG_HOME/pods/default_nocg" && exit $rc
'
test_expect_code 2 'pod run without -f is a usage error' '
    "$PKG" pod run
'
test_expect_code 1 'logs of a pod that does not exist' '
    "$PKG" pod logs nothere 2>err; rc=$?; test_grep "pod \"nothere\" not found" err && exit $rc
'
test_done
