/* SHA-256 digests of blobs and layers in the OCI "sha256:<hex>" form, and
 * the small JSON helpers the image code shares. Streams (layers, pulls)
 * go through OpenSSL's libcrypto, which has the fast SHA instructions;
 * small in-memory blobs (configs and manifests, read on every pod start)
 * go through core's plain-C SHA-256, so a pod start does not load
 * libcrypto at all (its loading and configuration cost milliseconds). */
#include "engine/node/node-int.h"

#include "core/sha256.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

struct node_sha256 {
    EVP_MD_CTX *ctx;
};

struct node_sha256 *
node_sha256_new(void)
{
    struct node_sha256 *h = xmalloc(sizeof(*h));
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
        xalloc_die();
    return h;
}

void
node_sha256_update(struct node_sha256 *h, const void *p, size_t n)
{
    EVP_DigestUpdate(h->ctx, p, n);
}

void
node_sha256_final(struct node_sha256 *h, char out[72])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(h->ctx, md, &len);
    memcpy(out, "sha256:", 7);
    for (int i = 0; i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
    node_sha256_free(h);
}

void
node_sha256_free(struct node_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

void
node_sha256_buf(const void *p, size_t n, char out[72])
{
    memcpy(out, "sha256:", 7);
    sha256_hex(out + 7, p, n);
}

bool
node_digest_valid(const char *d)
{
    if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
        return false;
    for (const char *p = d + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

int
node_json_parse(struct val **out, struct arena *a, const char *buf, size_t len, const char *name,
                struct pkg_err **errp)
{
    struct val_json_opts o = {.ints = true, .max_bytes = NODE_MAX_CONFIG};
    int rc = val_json_load(out, a, buf, len, arena_strdup(a, name), &o, errp);
    if (rc)
        return rc;
    if ((*out)->kind != VAL_MAP)
        return pkg_err_set(errp, PKG_EINVAL, "%s: not a JSON object", name);
    return 0;
}

struct val *
node_jget(const struct val *m, const char *key, enum val_kind kind)
{
    if (!m || m->kind != VAL_MAP)
        return NULL;
    struct val *v = val_map_getz(m, key);
    return v && v->kind == kind ? v : NULL;
}

const char *
node_jstr(const struct val *m, const char *key)
{
    struct val *v = node_jget(m, key, VAL_STRING);
    return v ? v->u.s.ptr : NULL;
}

int64_t
node_jint(const struct val *m, const char *key)
{
    struct val *v = node_jget(m, key, VAL_INT);
    return v ? v->u.i : 0;
}
