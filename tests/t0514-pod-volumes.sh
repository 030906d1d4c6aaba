#!/bin/sh
# pkg pod volumes and security: configMap and secret volumes (items, mode
# bits) and env, a PVC directory that survives the pod, emptyDir (disk and
# Memory with sizeLimit), downwardAPI, hostPath, and securityContext
# (runAsUser, capabilities, read-only root, seccomp).
. "$(dirname "$0")/test-lib.sh"
. "$TESTDATA/node/lib.sh"
need_root
node_setup || exit 1
cd "$TMP" || exit 1

cat >cfg.yaml <<'EOY'
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  greeting: hello
  app.properties: |
    color=blue
    size=3
---
apiVersion: v1
kind: Secret
metadata:
  name: app-secret
type: Opaque
data:
  password: czNjcjN0
stringData:
  token: plain-token
---
apiVersion: v1
kind: Pod
metadata:
  name: vols
  labels: {app: demo, tier: web}
spec:
  restartPolicy: Never
  volumes:
  - name: config
    configMap:
      name: app-config
      items:
      - {key: app.properties, path: conf/app.properties, mode: 0600}
  - name: secret
    secret: {secretName: app-secret, defaultMode: 0400}
  - name: data
    persistentVolumeClaim: {claimName: app-data}
  - name: scratch
    emptyDir: {medium: Memory, sizeLimit: 8Mi}
  - name: info
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: name, fieldRef: {fieldPath: metadata.name}}
  containers:
  - name: main
    image: pkg.test/busybox:1
    env:
    - name: GREETING
      valueFrom: {configMapKeyRef: {name: app-config, key: greeting}}
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: app-secret, key: password}}
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: COMBINED
      value: "$(GREETING)-$(POD_NAME)"
    envFrom:
    - prefix: CFG_
      configMapRef: {name: app-config}
    volumeMounts:
    - {name: config, mountPath: /etc/app}
    - {name: secret, mountPath: /etc/secret}
    - {name: data, mountPath: /data}
    - {name: scratch, mountPath: /scratch}
    - {name: info, mountPath: /etc/podinfo}
    command:
    - sh
    - -c
    - |
      echo "env GREETING=$GREETING PASSWORD=$PASSWORD COMBINED=$COMBINED CFG=$CFG_greeting"
      echo "props $(cat /etc/app/conf/app.properties | tr '\n' ' ')"
      echo "propmode $(stat -c %a /etc/app/conf/app.properties)"
      test -e /etc/app/greeting || echo "items-only"
      echo "secret $(cat /etc/secret/password) $(cat /etc/secret/token) $(stat -c %a /etc/secret/password)"
      echo "ro $(touch /etc/app/x 2>/dev/null && echo writable || echo readonly)"
      echo "podinfo $(cat /etc/podinfo/name) $(cat /etc/podinfo/labels | tr '\n' ' ')"
      echo "scratch $(grep ' /scratch ' /proc/mounts | cut -d' ' -f3)"
      dd if=/dev/zero of=/scratch/big bs=1M count=16 2>/dev/null || echo "scratch-full"
      n=$(cat /data/count 2>/dev/null || echo 0); echo $((n + 1)) >/data/count
      echo "count $(cat /data/count)"
EOY
test_expect_success 'configMap, secret, downwardAPI, Memory emptyDir and a PVC in one pod' '
    "$PKG" pod run -f cfg.yaml >/dev/null 2>&1 && "$PKG" pod logs vols >log && cat log &&
    test_grep "^env GREETING=hello PASSWORD=s3cr3t COMBINED=hello-vols CFG=hello$" log &&
    test_grep "^props color=blue size=3 $" log && test_grep "^propmode 600$" log &&
    test_grep "^items-only$" log && test_grep "^secret s3cr3t plain-token 400$" log &&
    test_grep "^ro readonly$" log &&
    test_grep "^podinfo vols app=\"demo\" tier=\"web\"$" log &&
    test_grep "^scratch tmpfs$" log && test_grep "^scratch-full$" log &&
    test_grep "^count 1$" log
'
test_expect_success 'a PVC directory survives the pod'"'"'s removal' '
    "$PKG" pod rm vols >/dev/null && test "$(cat "$PKG_HOME/volumes/default/app-data/count")" = 1 &&
    "$PKG" pod run -f cfg.yaml >/dev/null 2>&1 && "$PKG" pod logs vols >log2 &&
    test_grep "^count 2$" log2 && "$PKG" pod rm vols >/dev/null &&
    ! grep -q "$PKG_HOME" /proc/mounts
'

mkdir -p host
echo "from the host" >host/file
sed "s|@TMP@|$TMP|" >sec.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: sec
spec:
  restartPolicy: Never
  securityContext: {runAsUser: 1000, runAsGroup: 2000, supplementalGroups: [3000]}
  volumes:
  - name: host
    hostPath: {path: @TMP@/host, type: Directory}
  containers:
  - name: main
    image: pkg.test/busybox:1
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
    volumeMounts: [{name: host, mountPath: /host, readOnly: true}]
    command:
    - sh
    - -c
    - |
      echo "id $(id -u) $(id -g) $(id -G)"
      echo "nnp $(grep NoNewPrivs /proc/self/status | tr -d '\t ')"
      echo "capeff $(grep CapEff /proc/self/status | tr -d '\t ')"
      echo "capbnd $(grep CapBnd /proc/self/status | tr -d '\t ')"
      echo "seccomp $(grep '^Seccomp:' /proc/self/status | tr -d '\t ')"
      echo "rootfs $(touch /x 2>/dev/null && echo writable || echo readonly)"
      echo "host $(cat /host/file)"
      echo "hostro $(touch /host/y 2>/dev/null && echo writable || echo readonly)"
      echo "masked $(cat /proc/kcore 2>/dev/null | wc -c)"
EOY
test_expect_success 'securityContext: user, groups, no capabilities, no_new_privs, seccomp, read-only root' '
    "$PKG" pod run -f sec.yaml >/dev/null 2>&1 && "$PKG" pod logs sec >log && cat log &&
    test_grep "^id 1000 2000 2000 3000$" log && test_grep "^nnp NoNewPrivs:1$" log &&
    test_grep "^capeff CapEff:0000000000000000$" log &&
    test_grep "^capbnd CapBnd:0000000000000000$" log &&
    test_grep "^seccomp Seccomp:2$" log && test_grep "^rootfs readonly$" log &&
    test_grep "^host from the host$" log && test_grep "^hostro readonly$" log &&
    test_grep "^masked 0$" log && ! test -e host/y && "$PKG" pod rm sec >/dev/null
'
cat >caps.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: caps
spec:
  restartPolicy: Never
  containers:
  - name: default
    image: pkg.test/busybox:1
    command: ["sh", "-c", "grep CapBnd /proc/self/status; unshare -n true 2>&1 | tail -1; mount -t tmpfs x /mnt 2>&1 | tail -1"]
  - name: unconfined
    image: pkg.test/busybox:1
    securityContext:
      seccompProfile: {type: Unconfined}
      capabilities: {add: [NET_ADMIN], drop: [MKNOD]}
    command: ["sh", "-c", "grep -E 'CapBnd|Seccomp:' /proc/self/status"]
EOY
test_expect_success 'the default capability set, add/drop, the default seccomp profile and Unconfined' '
    "$PKG" pod run -f caps.yaml >/dev/null 2>&1 && "$PKG" pod logs caps -c default >d && cat d &&
    test_grep "CapBnd:.*00000000a80425fb" d && test_grep "unshare.*Operation not permitted" d &&
    test_grep "mount: permission denied" d &&
    "$PKG" pod logs caps -c unconfined >u && cat u &&
    test_grep "CapBnd:.*00000000a00435fb" u && test_grep "Seccomp:.*0" u &&
    "$PKG" pod rm caps >/dev/null
'
cp "$NODE_TD/dev-probe.yaml" dev.yaml
test_expect_success 'device nodes: mknod allowed, only the default devices open (v1 devices cgroup)' '
    "$PKG" pod run -f dev.yaml >/dev/null 2>&1; "$PKG" pod logs dev >d && cat d &&
    printf "4\nmknod-ok\ndisk-denied\nmem-denied\n" >want &&
    grep -v "Operation not permitted" d >got && test_cmp want got && "$PKG" pod rm dev >/dev/null
'
test_done
