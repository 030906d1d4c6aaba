/* Pod manifests: strict validation against the Kubernetes v1 Pod schema
 * (the parts a node runs, plus the fields it accepts and ignores), then
 * extraction into struct node_pod_spec.
 *
 * The schema is data: each object type is a table of fields with a kind
 * and, for objects and lists of objects, the table of the element. An
 * unknown field or a value of the wrong kind is reported as Kubernetes'
 * strict decoding does ("unknown field \"spec.containers[0].imagee\""),
 * with the file:line:col of the offending node. */
#include "engine/node/node-int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fkind {
    F_STR,
    F_INT,
    F_BOOL,
    F_OBJ,
    F_LIST,     /* list of objects */
    F_STRS,     /* list of strings */
    F_INTS,     /* list of integers */
    F_STRMAP,   /* map of strings */
    F_QTYMAP,   /* map of quantities */
    F_QTY,      /* quantity: string or number */
    F_INTORSTR, /* int or string */
    F_ANY,      /* accepted, not interpreted */
};

struct field {
    const char *name;
    enum fkind kind;
    const struct field *sub;
};

#define END                                                                                        \
    {                                                                                              \
        NULL, 0, NULL                                                                              \
    }

static const struct field f_keyref[] = {
    {"name", F_STR, NULL}, {"key", F_STR, NULL}, {"optional", F_BOOL, NULL}, END};
static const struct field f_fieldref[] = {
    {"apiVersion", F_STR, NULL}, {"fieldPath", F_STR, NULL}, END};
static const struct field f_resref[] = {
    {"containerName", F_STR, NULL}, {"resource", F_STR, NULL}, {"divisor", F_QTY, NULL}, END};
static const struct field f_valuefrom[] = {{"fieldRef", F_OBJ, f_fieldref},
                                           {"resourceFieldRef", F_OBJ, f_resref},
                                           {"configMapKeyRef", F_OBJ, f_keyref},
                                           {"secretKeyRef", F_OBJ, f_keyref},
                                           END};
static const struct field f_env[] = {
    {"name", F_STR, NULL}, {"value", F_STR, NULL}, {"valueFrom", F_OBJ, f_valuefrom}, END};
static const struct field f_optref[] = {{"name", F_STR, NULL}, {"optional", F_BOOL, NULL}, END};
static const struct field f_envfrom[] = {{"prefix", F_STR, NULL},
                                         {"configMapRef", F_OBJ, f_optref},
                                         {"secretRef", F_OBJ, f_optref},
                                         END};
static const struct field f_port[] = {{"name", F_STR, NULL},     {"containerPort", F_INT, NULL},
                                      {"hostPort", F_INT, NULL}, {"protocol", F_STR, NULL},
                                      {"hostIP", F_STR, NULL},   END};
static const struct field f_resources[] = {
    {"limits", F_QTYMAP, NULL}, {"requests", F_QTYMAP, NULL}, {"claims", F_ANY, NULL}, END};
static const struct field f_mount[] = {{"name", F_STR, NULL},
                                       {"readOnly", F_BOOL, NULL},
                                       {"mountPath", F_STR, NULL},
                                       {"subPath", F_STR, NULL},
                                       {"mountPropagation", F_STR, NULL},
                                       {"subPathExpr", F_STR, NULL},
                                       {"recursiveReadOnly", F_STR, NULL},
                                       END};
static const struct field f_exec[] = {{"command", F_STRS, NULL}, END};
static const struct field f_header[] = {{"name", F_STR, NULL}, {"value", F_STR, NULL}, END};
static const struct field f_http[] = {
    {"path", F_STR, NULL},   {"port", F_INTORSTR, NULL},        {"host", F_STR, NULL},
    {"scheme", F_STR, NULL}, {"httpHeaders", F_LIST, f_header}, END};
static const struct field f_tcp[] = {{"port", F_INTORSTR, NULL}, {"host", F_STR, NULL}, END};
static const struct field f_sleep[] = {{"seconds", F_INT, NULL}, END};
static const struct field f_probe[] = {{"exec", F_OBJ, f_exec},
                                       {"httpGet", F_OBJ, f_http},
                                       {"tcpSocket", F_OBJ, f_tcp},
                                       {"grpc", F_ANY, NULL},
                                       {"initialDelaySeconds", F_INT, NULL},
                                       {"timeoutSeconds", F_INT, NULL},
                                       {"periodSeconds", F_INT, NULL},
                                       {"successThreshold", F_INT, NULL},
                                       {"failureThreshold", F_INT, NULL},
                                       {"terminationGracePeriodSeconds", F_INT, NULL},
                                       END};
static const struct field f_handler[] = {{"exec", F_OBJ, f_exec},
                                         {"httpGet", F_OBJ, f_http},
                                         {"tcpSocket", F_OBJ, f_tcp},
                                         {"sleep", F_OBJ, f_sleep},
                                         END};
static const struct field f_lifecycle[] = {{"postStart", F_OBJ, f_handler},
                                           {"preStop", F_OBJ, f_handler},
                                           {"stopSignal", F_STR, NULL},
                                           END};
static const struct field f_caps[] = {{"add", F_STRS, NULL}, {"drop", F_STRS, NULL}, END};
static const struct field f_seccomp[] = {
    {"type", F_STR, NULL}, {"localhostProfile", F_STR, NULL}, END};
static const struct field f_secctx[] = {{"capabilities", F_OBJ, f_caps},
                                        {"privileged", F_BOOL, NULL},
                                        {"seLinuxOptions", F_ANY, NULL},
                                        {"windowsOptions", F_ANY, NULL},
                                        {"runAsUser", F_INT, NULL},
                                        {"runAsGroup", F_INT, NULL},
                                        {"runAsNonRoot", F_BOOL, NULL},
                                        {"readOnlyRootFilesystem", F_BOOL, NULL},
                                        {"allowPrivilegeEscalation", F_BOOL, NULL},
                                        {"procMount", F_STR, NULL},
                                        {"seccompProfile", F_OBJ, f_seccomp},
                                        {"appArmorProfile", F_ANY, NULL},
                                        END};
static const struct field f_container[] = {{"name", F_STR, NULL},
                                           {"image", F_STR, NULL},
                                           {"command", F_STRS, NULL},
                                           {"args", F_STRS, NULL},
                                           {"workingDir", F_STR, NULL},
                                           {"ports", F_LIST, f_port},
                                           {"envFrom", F_LIST, f_envfrom},
                                           {"env", F_LIST, f_env},
                                           {"resources", F_OBJ, f_resources},
                                           {"resizePolicy", F_ANY, NULL},
                                           {"restartPolicy", F_STR, NULL},
                                           {"volumeMounts", F_LIST, f_mount},
                                           {"volumeDevices", F_ANY, NULL},
                                           {"livenessProbe", F_OBJ, f_probe},
                                           {"readinessProbe", F_OBJ, f_probe},
                                           {"startupProbe", F_OBJ, f_probe},
                                           {"lifecycle", F_OBJ, f_lifecycle},
                                           {"terminationMessagePath", F_STR, NULL},
                                           {"terminationMessagePolicy", F_STR, NULL},
                                           {"imagePullPolicy", F_STR, NULL},
                                           {"securityContext", F_OBJ, f_secctx},
                                           {"stdin", F_BOOL, NULL},
                                           {"stdinOnce", F_BOOL, NULL},
                                           {"tty", F_BOOL, NULL},
                                           END};
static const struct field f_podsecctx[] = {{"runAsUser", F_INT, NULL},
                                           {"runAsGroup", F_INT, NULL},
                                           {"runAsNonRoot", F_BOOL, NULL},
                                           {"supplementalGroups", F_INTS, NULL},
                                           {"supplementalGroupsPolicy", F_STR, NULL},
                                           {"fsGroup", F_INT, NULL},
                                           {"fsGroupChangePolicy", F_STR, NULL},
                                           {"sysctls", F_ANY, NULL},
                                           {"seccompProfile", F_OBJ, f_seccomp},
                                           {"seLinuxOptions", F_ANY, NULL},
                                           {"seLinuxChangePolicy", F_ANY, NULL},
                                           {"windowsOptions", F_ANY, NULL},
                                           {"appArmorProfile", F_ANY, NULL},
                                           END};
static const struct field f_keypath[] = {
    {"key", F_STR, NULL}, {"path", F_STR, NULL}, {"mode", F_INT, NULL}, END};
static const struct field f_emptydir[] = {{"medium", F_STR, NULL}, {"sizeLimit", F_QTY, NULL}, END};
static const struct field f_hostpath[] = {{"path", F_STR, NULL}, {"type", F_STR, NULL}, END};
static const struct field f_cmvol[] = {{"name", F_STR, NULL},
                                       {"items", F_LIST, f_keypath},
                                       {"defaultMode", F_INT, NULL},
                                       {"optional", F_BOOL, NULL},
                                       END};
static const struct field f_secretvol[] = {{"secretName", F_STR, NULL},
                                           {"items", F_LIST, f_keypath},
                                           {"defaultMode", F_INT, NULL},
                                           {"optional", F_BOOL, NULL},
                                           END};
static const struct field f_pvc[] = {{"claimName", F_STR, NULL}, {"readOnly", F_BOOL, NULL}, END};
static const struct field f_dapi_item[] = {{"path", F_STR, NULL},
                                           {"fieldRef", F_OBJ, f_fieldref},
                                           {"resourceFieldRef", F_OBJ, f_resref},
                                           {"mode", F_INT, NULL},
                                           END};
static const struct field f_dapi[] = {
    {"items", F_LIST, f_dapi_item}, {"defaultMode", F_INT, NULL}, END};
static const struct field f_volume[] = {
    {"name", F_STR, NULL},
    {"emptyDir", F_OBJ, f_emptydir},
    {"hostPath", F_OBJ, f_hostpath},
    {"configMap", F_OBJ, f_cmvol},
    {"secret", F_OBJ, f_secretvol},
    {"persistentVolumeClaim", F_OBJ, f_pvc},
    {"downwardAPI", F_OBJ, f_dapi},
    /* Known to Kubernetes, not to this node: refused after validation. */
    {"projected", F_ANY, NULL},
    {"nfs", F_ANY, NULL},
    {"csi", F_ANY, NULL},
    {"ephemeral", F_ANY, NULL},
    {"image", F_ANY, NULL},
    {"iscsi", F_ANY, NULL},
    {"awsElasticBlockStore", F_ANY, NULL},
    {"gcePersistentDisk", F_ANY, NULL},
    {"azureDisk", F_ANY, NULL},
    {"azureFile", F_ANY, NULL},
    {"cephfs", F_ANY, NULL},
    {"cinder", F_ANY, NULL},
    {"fc", F_ANY, NULL},
    {"flexVolume", F_ANY, NULL},
    {"flocker", F_ANY, NULL},
    {"gitRepo", F_ANY, NULL},
    {"glusterfs", F_ANY, NULL},
    {"photonPersistentDisk", F_ANY, NULL},
    {"portworxVolume", F_ANY, NULL},
    {"quobyte", F_ANY, NULL},
    {"rbd", F_ANY, NULL},
    {"scaleIO", F_ANY, NULL},
    {"storageos", F_ANY, NULL},
    {"vsphereVolume", F_ANY, NULL},
    END};
static const struct field f_hostalias[] = {{"ip", F_STR, NULL}, {"hostnames", F_STRS, NULL}, END};
static const struct field f_podspec[] = {{"containers", F_LIST, f_container},
                                         {"initContainers", F_LIST, f_container},
                                         {"ephemeralContainers", F_ANY, NULL},
                                         {"volumes", F_LIST, f_volume},
                                         {"restartPolicy", F_STR, NULL},
                                         {"terminationGracePeriodSeconds", F_INT, NULL},
                                         {"activeDeadlineSeconds", F_INT, NULL},
                                         {"dnsPolicy", F_STR, NULL},
                                         {"dnsConfig", F_ANY, NULL},
                                         {"nodeSelector", F_STRMAP, NULL},
                                         {"serviceAccountName", F_STR, NULL},
                                         {"serviceAccount", F_STR, NULL},
                                         {"automountServiceAccountToken", F_BOOL, NULL},
                                         {"nodeName", F_STR, NULL},
                                         {"hostNetwork", F_BOOL, NULL},
                                         {"hostPID", F_BOOL, NULL},
                                         {"hostIPC", F_BOOL, NULL},
                                         {"shareProcessNamespace", F_BOOL, NULL},
                                         {"securityContext", F_OBJ, f_podsecctx},
                                         {"imagePullSecrets", F_ANY, NULL},
                                         {"hostname", F_STR, NULL},
                                         {"subdomain", F_STR, NULL},
                                         {"affinity", F_ANY, NULL},
                                         {"schedulerName", F_STR, NULL},
                                         {"tolerations", F_ANY, NULL},
                                         {"hostAliases", F_LIST, f_hostalias},
                                         {"priorityClassName", F_STR, NULL},
                                         {"priority", F_INT, NULL},
                                         {"readinessGates", F_ANY, NULL},
                                         {"runtimeClassName", F_STR, NULL},
                                         {"enableServiceLinks", F_BOOL, NULL},
                                         {"preemptionPolicy", F_STR, NULL},
                                         {"overhead", F_ANY, NULL},
                                         {"topologySpreadConstraints", F_ANY, NULL},
                                         {"setHostnameAsFQDN", F_BOOL, NULL},
                                         {"os", F_ANY, NULL},
                                         {"hostUsers", F_BOOL, NULL},
                                         {"schedulingGates", F_ANY, NULL},
                                         {"resourceClaims", F_ANY, NULL},
                                         {"resources", F_ANY, NULL},
                                         END};
static const struct field f_meta[] = {{"name", F_STR, NULL},
                                      {"generateName", F_STR, NULL},
                                      {"namespace", F_STR, NULL},
                                      {"labels", F_STRMAP, NULL},
                                      {"annotations", F_STRMAP, NULL},
                                      {"uid", F_STR, NULL},
                                      {"resourceVersion", F_ANY, NULL},
                                      {"generation", F_ANY, NULL},
                                      {"creationTimestamp", F_ANY, NULL},
                                      {"deletionTimestamp", F_ANY, NULL},
                                      {"deletionGracePeriodSeconds", F_ANY, NULL},
                                      {"ownerReferences", F_ANY, NULL},
                                      {"finalizers", F_ANY, NULL},
                                      {"managedFields", F_ANY, NULL},
                                      {"selfLink", F_ANY, NULL},
                                      END};
static const struct field f_pod[] = {{"apiVersion", F_STR, NULL}, {"kind", F_STR, NULL},
                                     {"metadata", F_OBJ, f_meta}, {"spec", F_OBJ, f_podspec},
                                     {"status", F_ANY, NULL},     END};
static const struct field f_template[] = {
    {"metadata", F_OBJ, f_meta}, {"spec", F_OBJ, f_podspec}, END};

static const char *
kind_word(const struct val *v)
{
    switch (v->kind) {
    case VAL_NULL:
        return "null";
    case VAL_BOOL:
        return "bool";
    case VAL_INT:
    case VAL_FLOAT:
        return "number";
    case VAL_STRING:
        return "string";
    case VAL_SEQ:
        return "array";
    case VAL_MAP:
        return "object";
    default:
        return "value";
    }
}

static int
type_error(const struct val *v, const char *path, const char *want, struct pkg_err **errp)
{
    return pkg_err_setloc(errp, PKG_ETYPE, v->file, v->line, v->col,
                          "invalid value for \"%s\": expected %s, got %s", path, want,
                          kind_word(v));
}

static int validate_obj(const struct val *v, const struct field *fields, struct sb *path,
                        struct pkg_err **errp);

static int
validate_value(const struct val *v, const struct field *f, struct sb *path, struct pkg_err **errp)
{
    if (v->kind == VAL_NULL || f->kind == F_ANY)
        return 0;
    switch (f->kind) {
    case F_STR:
        return v->kind == VAL_STRING ? 0 : type_error(v, path->buf, "string", errp);
    case F_INT:
        if (v->kind == VAL_INT || (v->kind == VAL_FLOAT && v->u.f == floor(v->u.f)))
            return 0;
        return type_error(v, path->buf, "integer", errp);
    case F_BOOL:
        return v->kind == VAL_BOOL ? 0 : type_error(v, path->buf, "boolean", errp);
    case F_QTY:
        if (v->kind == VAL_STRING || v->kind == VAL_INT || v->kind == VAL_FLOAT) {
            int64_t q;
            return node_quantity(&q, v, 1, errp) ? pkg_err_wrap(errp, "%s", path->buf) : 0;
        }
        return type_error(v, path->buf, "quantity", errp);
    case F_INTORSTR:
        return v->kind == VAL_STRING || v->kind == VAL_INT
                   ? 0
                   : type_error(v, path->buf, "integer or string", errp);
    case F_OBJ:
        if (v->kind != VAL_MAP)
            return type_error(v, path->buf, "object", errp);
        return validate_obj(v, f->sub, path, errp);
    case F_STRMAP:
    case F_QTYMAP: {
        if (v->kind != VAL_MAP)
            return type_error(v, path->buf, "object", errp);
        struct field elem = {NULL, f->kind == F_STRMAP ? F_STR : F_QTY, NULL};
        for (size_t i = 0; i < val_map_len(v); i++) {
            size_t mark = path->len;
            sb_addf(path, ".%s", v->u.map.ents[i].key->u.s.ptr);
            int rc = validate_value(v->u.map.ents[i].v, &elem, path, errp);
            sb_setlen(path, mark);
            if (rc)
                return rc;
        }
        return 0;
    }
    case F_LIST:
    case F_STRS:
    case F_INTS: {
        if (v->kind != VAL_SEQ)
            return type_error(v, path->buf, "array", errp);
        struct field elem = {NULL,
                             f->kind == F_LIST   ? F_OBJ
                             : f->kind == F_STRS ? F_STR
                                                 : F_INT,
                             f->sub};
        for (size_t i = 0; i < val_seq_len(v); i++) {
            size_t mark = path->len;
            sb_addf(path, "[%zu]", i);
            int rc = validate_value(val_seq_at(v, i), &elem, path, errp);
            sb_setlen(path, mark);
            if (rc)
                return rc;
        }
        return 0;
    }
    default:
        return 0;
    }
}

static int
validate_obj(const struct val *v, const struct field *fields, struct sb *path,
             struct pkg_err **errp)
{
    for (size_t i = 0; i < val_map_len(v); i++) {
        const struct val *k = v->u.map.ents[i].key;
        const struct field *f = fields;
        while (f->name && strcmp(f->name, k->u.s.ptr) != 0)
            f++;
        size_t mark = path->len;
        sb_addf(path, "%s%s", path->len ? "." : "", k->u.s.ptr);
        int rc;
        if (!f->name)
            rc = pkg_err_setloc(errp, PKG_EINVAL, k->file, k->line, k->col, "unknown field \"%s\"",
                                path->buf);
        else
            rc = validate_value(v->u.map.ents[i].v, f, path, errp);
        sb_setlen(path, mark);
        if (rc)
            return rc;
    }
    return 0;
}

int
node_quantity(int64_t *out, const struct val *q, int64_t scale, struct pkg_err **errp)
{
    if (q->kind == VAL_INT) {
        *out = q->u.i * scale;
        return 0;
    }
    if (q->kind == VAL_FLOAT) {
        *out = (int64_t)ceil(q->u.f * (double)scale);
        return 0;
    }
    const char *s = val_cstr(q);
    if (!s || !*s)
        return pkg_err_setloc(errp, PKG_EINVAL, q->file, q->line, q->col, "empty quantity");
    char *end;
    errno = 0;
    double num = strtod(s, &end);
    if (end == s || errno || num < 0 || isnan(num))
        return pkg_err_setloc(errp, PKG_EINVAL, q->file, q->line, q->col,
                              "quantities must match the regular expression "
                              "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': \"%s\"",
                              s);
    static const struct {
        const char *suf;
        double mul;
    } sufs[] = {{"", 1},
                {"m", 1e-3},
                {"k", 1e3},
                {"M", 1e6},
                {"G", 1e9},
                {"T", 1e12},
                {"P", 1e15},
                {"E", 1e18},
                {"Ki", 1024.0},
                {"Mi", 1048576.0},
                {"Gi", 1073741824.0},
                {"Ti", 1099511627776.0},
                {"Pi", 1125899906842624.0},
                {"Ei", 1152921504606846976.0},
                {"u", 1e-6},
                {"n", 1e-9}};
    for (size_t i = 0; i < sizeof(sufs) / sizeof(sufs[0]); i++) {
        if (!strcmp(end, sufs[i].suf)) {
            double v = num * sufs[i].mul * (double)scale;
            if (v > 9.2e18)
                return pkg_err_setloc(errp, PKG_ELIMIT, q->file, q->line, q->col,
                                      "quantity \"%s\" too large", s);
            *out = (int64_t)ceil(v - 1e-9);
            return 0;
        }
    }
    return pkg_err_setloc(errp, PKG_EINVAL, q->file, q->line, q->col,
                          "unknown quantity suffix in \"%s\"", s);
}

/* ---- extraction (after validation: kinds are right) ---- */

static const char *
gstr(const struct val *m, const char *k)
{
    return node_jstr(m, k);
}

static int64_t
gint(const struct val *m, const char *k, int64_t dflt)
{
    if (!m || m->kind != VAL_MAP)
        return dflt;
    struct val *v = val_map_getz(m, k);
    if (!v)
        return dflt;
    if (v->kind == VAL_INT)
        return v->u.i;
    if (v->kind == VAL_FLOAT)
        return (int64_t)v->u.f;
    return dflt;
}

static int
gbool(const struct val *m, const char *k, int dflt)
{
    struct val *v = node_jget(m, k, VAL_BOOL);
    return v ? v->u.b : dflt;
}

static const char *const *
gstrs(struct arena *a, const struct val *m, const char *k, size_t *n)
{
    struct val *seq = node_jget(m, k, VAL_SEQ);
    *n = 0;
    if (!seq)
        return NULL;
    const char **out = arena_alloc(a, (val_seq_len(seq) + 1) * sizeof(*out));
    for (size_t i = 0; i < val_seq_len(seq); i++)
        out[(*n)++] = val_cstr(val_seq_at(seq, i));
    return out;
}

static int
fail_at(const struct val *v, struct pkg_err **errp, const char *fmt, const char *a1, const char *a2)
{
    char msg[512];
    snprintf(msg, sizeof(msg), fmt, a1, a2);
    if (v)
        return pkg_err_setloc(errp, PKG_EINVAL, v->file, v->line, v->col, "%s", msg);
    return pkg_err_set(errp, PKG_EINVAL, "%s", msg);
}

static int
get_handler(struct node_handler *h, struct arena *a, const struct val *m, bool probe,
            const char *path, struct pkg_err **errp)
{
    memset(h, 0, sizeof(*h));
    if (!m || m->kind != VAL_MAP)
        return 0;
    struct val *ex = node_jget(m, "exec", VAL_MAP), *hg = node_jget(m, "httpGet", VAL_MAP),
               *tc = node_jget(m, "tcpSocket", VAL_MAP), *sl = node_jget(m, "sleep", VAL_MAP);
    int n = !!ex + !!hg + !!tc + !!sl;
    if (n != 1)
        return fail_at(m, errp, "%s: %s", path,
                       n ? "may not specify more than 1 handler type"
                         : "must specify a handler type");
    if (ex) {
        h->kind = NODE_H_EXEC;
        h->argv = gstrs(a, ex, "command", &h->argc);
        if (!h->argc)
            return fail_at(ex, errp, "%s.exec.command: %s", path, "Required value");
    } else if (hg || tc) {
        const struct val *o = hg ? hg : tc;
        h->kind = hg ? NODE_H_HTTP : NODE_H_TCP;
        struct val *port = val_map_getz(o, "port");
        if (!port || port->kind == VAL_NULL)
            return fail_at(o, errp, "%s.port: %s", path, "Required value");
        if (port->kind == VAL_INT) {
            h->port = (int)port->u.i;
            if (h->port < 1 || h->port > 65535)
                return fail_at(port, errp, "%s.port: %s", path,
                               "must be between 1 and 65535, inclusive");
        } else {
            h->port_name = val_cstr(port);
        }
        h->host = gstr(o, "host");
        if (hg) {
            h->path = gstr(hg, "path");
            h->scheme = gstr(hg, "scheme");
            if (!h->path)
                h->path = "/";
            if (!h->scheme)
                h->scheme = "HTTP";
            if (strcmp(h->scheme, "HTTP") && strcmp(h->scheme, "HTTPS"))
                return fail_at(hg, errp, "%s.httpGet.scheme: %s", path,
                               "Unsupported value: must be HTTP or HTTPS");
            struct val *hs = node_jget(hg, "httpHeaders", VAL_SEQ);
            if (hs) {
                const char **hv = arena_alloc(a, (val_seq_len(hs) + 1) * sizeof(*hv));
                for (size_t i = 0; i < val_seq_len(hs); i++) {
                    struct val *e = val_seq_at(hs, i);
                    hv[i] = arena_sprintf(a, "%s: %s", gstr(e, "name") ? gstr(e, "name") : "",
                                          gstr(e, "value") ? gstr(e, "value") : "");
                }
                h->headers = hv;
                h->n_headers = val_seq_len(hs);
            }
        }
    } else {
        if (probe)
            return fail_at(sl, errp, "%s: %s", path, "sleep is not a probe handler");
        h->kind = NODE_H_SLEEP;
        h->seconds = (int)gint(sl, "seconds", 0);
    }
    h->initial_delay = (int)gint(m, "initialDelaySeconds", 0);
    h->timeout = (int)gint(m, "timeoutSeconds", 1);
    h->period = (int)gint(m, "periodSeconds", 10);
    h->success_threshold = (int)gint(m, "successThreshold", 1);
    h->failure_threshold = (int)gint(m, "failureThreshold", 3);
    if (h->timeout < 1)
        h->timeout = 1;
    if (h->period < 1)
        h->period = 1;
    if (h->success_threshold < 1)
        h->success_threshold = 1;
    if (h->failure_threshold < 1)
        h->failure_threshold = 1;
    return 0;
}

static bool
valid_dns_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
              (s[i] == '-' && i > 0 && i < n - 1)))
            return false;
    return true;
}

static bool
valid_subdomain(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-' ||
              s[i] == '.'))
            return false;
    return isalnum((unsigned char)s[0]) && isalnum((unsigned char)s[n - 1]);
}

static int
get_container(struct node_container *c, struct arena *a, const struct val *m,
              enum node_ctr_kind kind, const struct val *podsec, const char *path,
              struct pkg_err **errp)
{
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->name = gstr(m, "name");
    c->image = gstr(m, "image");
    if (!c->name)
        return fail_at(m, errp, "%s.name: %s", path, "Required value");
    if (!valid_dns_label(c->name))
        return fail_at(val_map_getz(m, "name"), errp,
                       "%s.name: Invalid value: \"%s\": a lowercase RFC 1123 label is required",
                       path, c->name);
    if (!c->image || !*c->image)
        return fail_at(m, errp, "%s.image: %s", path, "Required value");
    c->pull_policy = gstr(m, "imagePullPolicy");
    c->workdir = gstr(m, "workingDir");
    if (c->workdir && c->workdir[0] != '/')
        return fail_at(val_map_getz(m, "workingDir"), errp, "%s.workingDir: %s", path,
                       "must be an absolute path");
    struct val *cmd = node_jget(m, "command", VAL_SEQ), *args = node_jget(m, "args", VAL_SEQ);
    if (cmd)
        c->command = gstrs(a, m, "command", &c->n_command);
    if (args)
        c->args = gstrs(a, m, "args", &c->n_args);
    c->env = node_jget(m, "env", VAL_SEQ);
    c->env_from = node_jget(m, "envFrom", VAL_SEQ);
    c->termination_message_path = gstr(m, "terminationMessagePath");
    const char *rp = gstr(m, "restartPolicy");
    if (rp) {
        if (kind != NODE_CTR_INIT || strcmp(rp, "Always") != 0)
            return fail_at(val_map_getz(m, "restartPolicy"), errp, "%s.restartPolicy: %s", path,
                           "Unsupported value: only \"Always\" on init containers");
        c->kind = NODE_CTR_SIDECAR;
    }
    struct val *ports = node_jget(m, "ports", VAL_SEQ);
    if (ports) {
        c->n_ports = val_seq_len(ports);
        c->ports = arena_alloc(a, c->n_ports * sizeof(*c->ports));
        for (size_t i = 0; i < c->n_ports; i++) {
            struct val *p = val_seq_at(ports, i);
            c->ports[i].name = gstr(p, "name");
            c->ports[i].protocol = gstr(p, "protocol") ? gstr(p, "protocol") : "TCP";
            c->ports[i].host_ip = gstr(p, "hostIP");
            c->ports[i].container_port = (int)gint(p, "containerPort", 0);
            c->ports[i].host_port = (int)gint(p, "hostPort", 0);
            if (c->ports[i].container_port < 1 || c->ports[i].container_port > 65535)
                return fail_at(p, errp, "%s.ports: %s", path,
                               "containerPort must be between 1 and 65535, inclusive");
        }
    }
    struct val *vm = node_jget(m, "volumeMounts", VAL_SEQ);
    if (vm) {
        c->n_mounts = val_seq_len(vm);
        c->mounts = arena_alloc(a, c->n_mounts * sizeof(*c->mounts));
        for (size_t i = 0; i < c->n_mounts; i++) {
            struct val *e = val_seq_at(vm, i);
            c->mounts[i].name = gstr(e, "name");
            c->mounts[i].path = gstr(e, "mountPath");
            c->mounts[i].sub_path = gstr(e, "subPath");
            c->mounts[i].read_only = gbool(e, "readOnly", 0);
            if (!c->mounts[i].name || !c->mounts[i].path || c->mounts[i].path[0] != '/')
                return fail_at(e, errp, "%s.volumeMounts: %s", path,
                               "name and an absolute mountPath are required");
            if (c->mounts[i].sub_path &&
                (c->mounts[i].sub_path[0] == '/' || strstr(c->mounts[i].sub_path, "..")))
                return fail_at(e, errp, "%s.volumeMounts.subPath: %s", path,
                               "must be a relative path without '..'");
        }
    }
    struct val *lc = node_jget(m, "lifecycle", VAL_MAP);
    char sub[256];
    int rc;
    static const struct {
        const char *key;
        size_t off;
        bool probe;
    } hs[] = {
        {"livenessProbe", offsetof(struct node_container, liveness), true},
        {"readinessProbe", offsetof(struct node_container, readiness), true},
        {"startupProbe", offsetof(struct node_container, startup), true},
    };
    for (size_t i = 0; i < 3; i++) {
        snprintf(sub, sizeof(sub), "%s.%s", path, hs[i].key);
        rc = get_handler((struct node_handler *)((char *)c + hs[i].off), a,
                         node_jget(m, hs[i].key, VAL_MAP), true, sub, errp);
        if (rc)
            return rc;
    }
    if (kind == NODE_CTR_INIT && c->kind != NODE_CTR_SIDECAR &&
        (c->liveness.kind || c->readiness.kind || c->startup.kind))
        return fail_at(m, errp, "%s: %s", path, "init containers may not have probes");
    snprintf(sub, sizeof(sub), "%s.lifecycle.postStart", path);
    if ((rc =
             get_handler(&c->post_start, a, node_jget(lc, "postStart", VAL_MAP), false, sub, errp)))
        return rc;
    snprintf(sub, sizeof(sub), "%s.lifecycle.preStop", path);
    if ((rc = get_handler(&c->pre_stop, a, node_jget(lc, "preStop", VAL_MAP), false, sub, errp)))
        return rc;
    /* Resources. */
    struct val *res = node_jget(m, "resources", VAL_MAP);
    struct val *lim = node_jget(res, "limits", VAL_MAP), *req = node_jget(res, "requests", VAL_MAP);
    struct val *q;
    if ((q = val_map_getz(lim ? lim : res, "cpu")) && lim)
        node_quantity(&c->cpu_limit_milli, q, 1000, NULL);
    if ((q = val_map_getz(lim ? lim : res, "memory")) && lim)
        node_quantity(&c->mem_limit, q, 1, NULL);
    if (lim && (q = val_map_getz(lim, "pids")))
        node_quantity(&c->pids_limit, q, 1, NULL);
    if (req && (q = val_map_getz(req, "cpu")))
        node_quantity(&c->cpu_request_milli, q, 1000, NULL);
    if (req && (q = val_map_getz(req, "memory")))
        node_quantity(&c->mem_request, q, 1, NULL);
    if (!req && lim) { /* Kubernetes defaults requests to limits */
        c->cpu_request_milli = c->cpu_limit_milli;
        c->mem_request = c->mem_limit;
    }
    /* Security context: the container's fields over the pod's. */
    struct val *sc = node_jget(m, "securityContext", VAL_MAP);
    c->run_as_user = gint(sc, "runAsUser", gint(podsec, "runAsUser", -1));
    c->run_as_group = gint(sc, "runAsGroup", gint(podsec, "runAsGroup", -1));
    c->run_as_non_root = gbool(sc, "runAsNonRoot", gbool(podsec, "runAsNonRoot", 0));
    c->read_only_root = gbool(sc, "readOnlyRootFilesystem", 0);
    c->privileged = gbool(sc, "privileged", 0);
    c->no_new_privs = !gbool(sc, "allowPrivilegeEscalation", 1);
    if (c->privileged && c->no_new_privs)
        return fail_at(sc, errp, "%s.securityContext: %s", path,
                       "cannot set allowPrivilegeEscalation to false and privileged to true");
    struct val *seccomp = node_jget(sc, "seccompProfile", VAL_MAP);
    if (!seccomp)
        seccomp = node_jget(podsec, "seccompProfile", VAL_MAP);
    const char *st = gstr(seccomp, "type");
    if (st && strcmp(st, "RuntimeDefault") && strcmp(st, "Unconfined"))
        return fail_at(seccomp, errp, "%s.securityContext.seccompProfile.type: %s", path,
                       "Unsupported value: supported values: \"RuntimeDefault\", \"Unconfined\"");
    c->seccomp_unconfined = st && !strcmp(st, "Unconfined");
    struct val *caps = node_jget(sc, "capabilities", VAL_MAP);
    c->cap_add = gstrs(a, caps, "add", &c->n_cap_add);
    c->cap_drop = gstrs(a, caps, "drop", &c->n_cap_drop);
    return 0;
}

static int
get_volume(struct node_volume *v, const struct val *m, const char *path, struct pkg_err **errp)
{
    memset(v, 0, sizeof(*v));
    v->name = gstr(m, "name");
    v->default_mode = -1;
    if (!v->name || !valid_dns_label(v->name))
        return fail_at(m, errp, "%s.name: %s", path, "a lowercase RFC 1123 label is required");
    struct val *o;
    int kinds = 0;
    if ((o = node_jget(m, "emptyDir", VAL_MAP)) || (val_map_getz(m, "emptyDir"))) {
        kinds++;
        v->kind = NODE_VOL_EMPTYDIR;
        const char *med = gstr(o, "medium");
        if (med && *med && strcmp(med, "Memory") != 0)
            return fail_at(o, errp, "%s.emptyDir.medium: %s", path,
                           "Unsupported value: supported values: \"\", \"Memory\"");
        v->memory = med && !strcmp(med, "Memory");
        struct val *sl = o ? val_map_getz(o, "sizeLimit") : NULL;
        if (sl && sl->kind != VAL_NULL)
            node_quantity(&v->size_limit, sl, 1, NULL);
    }
    if ((o = node_jget(m, "hostPath", VAL_MAP))) {
        kinds++;
        v->kind = NODE_VOL_HOSTPATH;
        v->source = gstr(o, "path");
        v->hostpath_type = gstr(o, "type");
        if (!v->source || v->source[0] != '/')
            return fail_at(o, errp, "%s.hostPath.path: %s", path, "an absolute path is required");
    }
    if ((o = node_jget(m, "configMap", VAL_MAP))) {
        kinds++;
        v->kind = NODE_VOL_CONFIGMAP;
        v->source = gstr(o, "name");
        v->optional = gbool(o, "optional", 0);
        v->default_mode = (int)gint(o, "defaultMode", -1);
        v->items = node_jget(o, "items", VAL_SEQ);
    }
    if ((o = node_jget(m, "secret", VAL_MAP))) {
        kinds++;
        v->kind = NODE_VOL_SECRET;
        v->source = gstr(o, "secretName");
        v->optional = gbool(o, "optional", 0);
        v->default_mode = (int)gint(o, "defaultMode", -1);
        v->items = node_jget(o, "items", VAL_SEQ);
    }
    if ((o = node_jget(m, "persistentVolumeClaim", VAL_MAP))) {
        kinds++;
        v->kind = NODE_VOL_PVC;
        v->source = gstr(o, "claimName");
        v->read_only = gbool(o, "readOnly", 0);
        if (!v->source || !valid_subdomain(v->source))
            return fail_at(o, errp, "%s.persistentVolumeClaim.claimName: %s", path,
                           "a lowercase RFC 1123 subdomain is required");
    }
    if ((o = node_jget(m, "downwardAPI", VAL_MAP))) {
        kinds++;
        v->kind = NODE_VOL_DOWNWARD;
        v->default_mode = (int)gint(o, "defaultMode", -1);
        v->items = node_jget(o, "items", VAL_SEQ);
    }
    if ((v->kind == NODE_VOL_CONFIGMAP || v->kind == NODE_VOL_SECRET) && !v->source)
        return fail_at(m, errp, "%s: %s", path, "configMap.name / secret.secretName is required");
    if (kinds == 0) {
        for (size_t i = 0; i < val_map_len(m); i++)
            if (strcmp(m->u.map.ents[i].key->u.s.ptr, "name") != 0)
                return fail_at(m->u.map.ents[i].key, errp,
                               "%s: volume type \"%s\" is not supported by this node", path,
                               m->u.map.ents[i].key->u.s.ptr);
        return fail_at(m, errp, "%s: %s", path, "must specify a volume type");
    }
    if (kinds > 1)
        return fail_at(m, errp, "%s: %s", path, "may not specify more than 1 volume type");
    return 0;
}

static const char *const workload_kinds[] = {"Deployment", "StatefulSet", "DaemonSet",
                                             "ReplicaSet", "Job",         "ReplicationController",
                                             "CronJob",    NULL};

static bool
is_workload(const char *kind)
{
    for (size_t i = 0; workload_kinds[i]; i++)
        if (!strcmp(kind, workload_kinds[i]))
            return true;
    return false;
}

static int
b64dec(struct arena *a, const char *s, const char **out, size_t *outn)
{
    size_t n = strlen(s);
    char *o = arena_alloc(a, n + 1);
    size_t k = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else if (c == '=' || c == '\n' || c == '\r')
            continue;
        else
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (char)((acc >> bits) & 0xff);
        }
    }
    *out = o;
    *outn = k;
    return 0;
}

/* Records a ConfigMap or Secret document: name -> data (strings). */
static int
add_config(struct arena *a, struct node_pod_spec *spec, const struct val *doc, bool secret,
           struct pkg_err **errp)
{
    const char *name = gstr(node_jget(doc, "metadata", VAL_MAP), "name");
    if (!name)
        return fail_at(doc, errp, "%s%s: metadata.name: Required value",
                       secret ? "Secret" : "ConfigMap", "");
    struct val *data = val_map(a);
    struct val *d = node_jget(doc, "data", VAL_MAP);
    for (size_t i = 0; d && i < val_map_len(d); i++) {
        struct val *v = d->u.map.ents[i].v;
        const char *k = d->u.map.ents[i].key->u.s.ptr;
        if (v->kind != VAL_STRING)
            return fail_at(v, errp, "data.%s: %s", k, "expected string");
        if (secret) {
            const char *dec;
            size_t dn;
            if (b64dec(a, v->u.s.ptr, &dec, &dn) < 0)
                return fail_at(v, errp, "data.%s: %s", k, "illegal base64 data");
            val_map_setz(a, data, k, val_str(a, dec, dn));
        } else {
            val_map_setz(a, data, k, v);
        }
    }
    struct val *bd = node_jget(doc, secret ? "stringData" : "binaryData", VAL_MAP);
    for (size_t i = 0; bd && i < val_map_len(bd); i++) {
        struct val *v = bd->u.map.ents[i].v;
        const char *k = bd->u.map.ents[i].key->u.s.ptr;
        if (v->kind != VAL_STRING)
            return fail_at(v, errp, "%s: %s", k, "expected string");
        if (!secret) {
            const char *dec;
            size_t dn;
            if (b64dec(a, v->u.s.ptr, &dec, &dn) < 0)
                return fail_at(v, errp, "binaryData.%s: %s", k, "illegal base64 data");
            v = val_str(a, dec, dn);
        }
        val_map_setz(a, data, k, v);
    }
    val_map_setz(a, secret ? spec->secrets : spec->configmaps, name, data);
    return 0;
}

static int
build_spec(struct node_pod_spec *spec, struct arena *a, struct val *pod, struct pkg_err **errp)
{
    struct val *meta = node_jget(pod, "metadata", VAL_MAP);
    struct val *ps = node_jget(pod, "spec", VAL_MAP);
    spec->pod = pod;
    spec->name = gstr(meta, "name");
    spec->ns = gstr(meta, "namespace");
    spec->uid = gstr(meta, "uid");
    if (!spec->ns)
        spec->ns = "default";
    if (!spec->name)
        return fail_at(meta ? meta : pod, errp, "%s%s", "metadata.name: Required value", "");
    if (!valid_subdomain(spec->name) || strlen(spec->name) > 63)
        return fail_at(val_map_getz(meta, "name"), errp, "metadata.name: Invalid value: \"%s\"%s",
                       spec->name, ": a lowercase RFC 1123 label is required");
    if (!valid_dns_label(spec->ns))
        return fail_at(val_map_getz(meta, "namespace"), errp,
                       "metadata.namespace: Invalid value: \"%s\"%s", spec->ns, "");
    spec->labels = node_jget(meta, "labels", VAL_MAP);
    spec->annotations = node_jget(meta, "annotations", VAL_MAP);
    if (!ps)
        return fail_at(pod, errp, "%s%s", "spec: Required value", "");
    const char *rp = gstr(ps, "restartPolicy");
    if (!rp || !strcmp(rp, "Always"))
        spec->restart = NODE_RESTART_ALWAYS;
    else if (!strcmp(rp, "OnFailure"))
        spec->restart = NODE_RESTART_ONFAILURE;
    else if (!strcmp(rp, "Never"))
        spec->restart = NODE_RESTART_NEVER;
    else
        return fail_at(val_map_getz(ps, "restartPolicy"), errp,
                       "spec.restartPolicy: Unsupported value: \"%s\"%s", rp,
                       ": supported values: \"Always\", \"OnFailure\", \"Never\"");
    spec->grace_seconds = gint(ps, "terminationGracePeriodSeconds", 30);
    if (spec->grace_seconds < 0)
        spec->grace_seconds = 0;
    spec->share_pid = gbool(ps, "shareProcessNamespace", 0);
    spec->host_network = gbool(ps, "hostNetwork", 0);
    if (spec->host_network || gbool(ps, "hostPID", 0) || gbool(ps, "hostIPC", 0))
        return fail_at(ps, errp, "%s%s",
                       "spec: hostNetwork, hostPID and hostIPC are not supported by this node", "");
    spec->hostname = gstr(ps, "hostname");
    spec->subdomain = gstr(ps, "subdomain");
    spec->host_aliases = node_jget(ps, "hostAliases", VAL_SEQ);
    struct val *psc = node_jget(ps, "securityContext", VAL_MAP);
    spec->fs_group = gint(psc, "fsGroup", -1);
    struct val *sg = node_jget(psc, "supplementalGroups", VAL_SEQ);
    if (sg) {
        int64_t *g = arena_alloc(a, (val_seq_len(sg) + 1) * sizeof(*g));
        for (size_t i = 0; i < val_seq_len(sg); i++)
            g[i] = val_seq_at(sg, i)->kind == VAL_INT ? val_seq_at(sg, i)->u.i : 0;
        spec->supplemental_groups = g;
        spec->n_supplemental_groups = val_seq_len(sg);
    }
    struct val *inits = node_jget(ps, "initContainers", VAL_SEQ);
    struct val *apps = node_jget(ps, "containers", VAL_SEQ);
    size_t ni = inits ? val_seq_len(inits) : 0, na = apps ? val_seq_len(apps) : 0;
    if (na == 0)
        return fail_at(ps, errp, "%s%s", "spec.containers: Required value", "");
    spec->ctrs = arena_alloc(a, (ni + na) * sizeof(*spec->ctrs));
    char path[64];
    for (size_t i = 0; i < ni + na; i++) {
        bool init = i < ni;
        snprintf(path, sizeof(path), "spec.%s[%zu]", init ? "initContainers" : "containers",
                 init ? i : i - ni);
        int rc =
            get_container(&spec->ctrs[i], a, val_seq_at(init ? inits : apps, init ? i : i - ni),
                          init ? NODE_CTR_INIT : NODE_CTR_APP, psc, path, errp);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(spec->ctrs[j].name, spec->ctrs[i].name))
                return fail_at(val_seq_at(init ? inits : apps, init ? i : i - ni), errp,
                               "%s.name: Duplicate value: \"%s\"", path, spec->ctrs[i].name);
    }
    spec->n_ctrs = ni + na;
    struct val *vols = node_jget(ps, "volumes", VAL_SEQ);
    if (vols) {
        spec->n_vols = val_seq_len(vols);
        spec->vols = arena_alloc(a, spec->n_vols * sizeof(*spec->vols));
        for (size_t i = 0; i < spec->n_vols; i++) {
            snprintf(path, sizeof(path), "spec.volumes[%zu]", i);
            int rc = get_volume(&spec->vols[i], val_seq_at(vols, i), path, errp);
            if (rc)
                return rc;
            for (size_t j = 0; j < i; j++)
                if (!strcmp(spec->vols[j].name, spec->vols[i].name))
                    return fail_at(val_seq_at(vols, i), errp, "%s.name: Duplicate value: \"%s\"",
                                   path, spec->vols[i].name);
        }
    }
    /* Every mount names a volume. */
    for (size_t i = 0; i < spec->n_ctrs; i++) {
        for (size_t k = 0; k < spec->ctrs[i].n_mounts; k++) {
            bool found = false;
            for (size_t j = 0; j < spec->n_vols && !found; j++)
                found = !strcmp(spec->vols[j].name, spec->ctrs[i].mounts[k].name);
            if (!found)
                return fail_at(NULL, errp, "container \"%s\": volumeMounts: Not found: \"%s\"",
                               spec->ctrs[i].name, spec->ctrs[i].mounts[k].name);
        }
    }
    return 0;
}

int
node_pod_load(struct node_pod_spec **out, struct val **skipped, struct arena *a,
              const char *const *files, size_t n_files, struct pkg_err **errp)
{
    struct node_pod_spec *spec = arena_alloc(a, sizeof(*spec));
    spec->configmaps = val_map(a);
    spec->secrets = val_map(a);
    spec->fs_group = -1;
    if (skipped)
        *skipped = val_seq(a);
    struct val *pod = NULL;
    const char *pod_file = NULL;
    struct sb path = SB_INIT;
    int rc = 0;
    for (size_t f = 0; f < n_files; f++) {
        struct val *docs;
        struct val_yaml_opts o = {.dialect = VAL_YAML_KYAML};
        rc = val_yaml_load_file(&docs, a, files[f], &o, errp);
        if (rc)
            goto out;
        for (size_t i = 0; i < val_seq_len(docs); i++) {
            struct val *d = val_seq_at(docs, i);
            if (d->kind == VAL_NULL)
                continue;
            if (d->kind != VAL_MAP) {
                rc = pkg_err_setloc(errp, PKG_EINVAL, d->file, d->line, d->col,
                                    "a Kubernetes object must be a map, got %s", kind_word(d));
                goto out;
            }
            struct val *kv = val_map_getz(d, "kind");
            const char *kind = val_cstr(kv);
            if (!kind) {
                rc = pkg_err_setloc(errp, PKG_EINVAL, d->file, d->line, d->col,
                                    "object has no \"kind\"");
                goto out;
            }
            if (!strcmp(kind, "Pod") && !pod) {
                sb_reset(&path);
                rc = validate_obj(d, f_pod, &path, errp);
                if (rc)
                    goto out;
                const char *av = gstr(d, "apiVersion");
                if (av && strcmp(av, "v1") != 0) {
                    struct val *avv = val_map_getz(d, "apiVersion");
                    rc = pkg_err_setloc(errp, PKG_EINVAL, avv->file, avv->line, avv->col,
                                        "no kind \"Pod\" is registered for version \"%s\"", av);
                    goto out;
                }
                pod = d;
                pod_file = files[f];
            } else if (is_workload(kind) && !pod) {
                /* The pod template: spec.template, or spec.jobTemplate.spec.template. */
                struct val *s = node_jget(d, "spec", VAL_MAP);
                if (!strcmp(kind, "CronJob"))
                    s = node_jget(node_jget(s, "jobTemplate", VAL_MAP), "spec", VAL_MAP);
                struct val *t = node_jget(s, "template", VAL_MAP);
                if (!t) {
                    rc = pkg_err_setloc(errp, PKG_EINVAL, d->file, d->line, d->col,
                                        "%s has no spec.template", kind);
                    goto out;
                }
                sb_reset(&path);
                sb_addstr(&path, "spec.template");
                rc = validate_obj(t, f_template, &path, errp);
                if (rc)
                    goto out;
                /* Build a Pod from the template, named after the workload. */
                struct val *p = val_map(a);
                val_map_setz(a, p, "apiVersion", val_strz(a, "v1"));
                val_map_setz(a, p, "kind", val_strz(a, "Pod"));
                struct val *tm = node_jget(t, "metadata", VAL_MAP);
                struct val *m = tm ? val_copy(a, tm) : val_map(a);
                struct val *wm = node_jget(d, "metadata", VAL_MAP);
                if (!node_jstr(m, "name") && gstr(wm, "name"))
                    val_map_setz(a, m, "name", val_map_getz(wm, "name"));
                if (!node_jstr(m, "namespace") && gstr(wm, "namespace"))
                    val_map_setz(a, m, "namespace", val_map_getz(wm, "namespace"));
                val_map_setz(a, p, "metadata", m);
                val_map_setz(a, p, "spec", val_map_getz(t, "spec"));
                pod = p;
                pod_file = files[f];
            } else if (!strcmp(kind, "ConfigMap") || !strcmp(kind, "Secret")) {
                rc = add_config(a, spec, d, !strcmp(kind, "Secret"), errp);
                if (rc)
                    goto out;
            } else if (skipped) {
                const char *nm = gstr(node_jget(d, "metadata", VAL_MAP), "name");
                val_seq_push(a, *skipped, val_strf(a, "%s/%s", kind, nm ? nm : "?"));
            }
        }
    }
    if (!pod) {
        rc = pkg_err_set(errp, PKG_EINVAL, "%s: no Pod or workload with a pod template found",
                         n_files ? files[0] : "input");
        goto out;
    }
    spec->source = arena_strdup(a, pod_file);
    rc = build_spec(spec, a, pod, errp);
    if (rc)
        goto out;
    *out = spec;
out:
    sb_release(&path);
    return rc;
}
