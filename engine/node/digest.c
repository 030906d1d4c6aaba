/* SHA-256 digests of blobs and layers in the OCI "sha256:<hex>" form, and
 * the small JSON helpers the image code shares. Streams (layers, pulls)
 * go through OpenSSL's libcrypto, which has the fast SHA instructions;
 * small in-memory blobs (configs and manifests, read on every pod start)
 * go through the portable FIPS 180-4 code below, so a pod start does not
 * load libcrypto at all (its loading and configuration cost milliseconds). */
#include "engine/node/node-int.h"

#include <openssl/evp.h>
#include <stdint.h>
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

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR32(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void
sha_block(uint32_t st[8], const unsigned char *b)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
               (uint32_t)b[4 * i + 2] << 8 | (uint32_t)b[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR32(w[i - 15], 7) ^ ROR32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR32(w[i - 2], 17) ^ ROR32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = st[0], b_ = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6],
             h = st[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ROR32(e, 6) ^ ROR32(e, 11) ^ ROR32(e, 25)) + ((e & f) ^ (~e & g)) +
                      sha_k[i] + w[i];
        uint32_t t2 = (ROR32(a, 2) ^ ROR32(a, 13) ^ ROR32(a, 22)) + ((a & b_) ^ (a & c) ^ (b_ & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b_;
        b_ = a;
        a = t1 + t2;
    }
    st[0] += a;
    st[1] += b_;
    st[2] += c;
    st[3] += d;
    st[4] += e;
    st[5] += f;
    st[6] += g;
    st[7] += h;
}

void
node_sha256_buf(const void *p, size_t n, char out[72])
{
    uint32_t st[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const unsigned char *in = p;
    size_t left = n;
    for (; left >= 64; in += 64, left -= 64)
        sha_block(st, in);
    /* The tail, 0x80, zeros and the length in bits: one or two blocks. */
    unsigned char tail[128] = {0};
    memcpy(tail, in, left);
    tail[left] = 0x80;
    size_t tn = left + 9 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 0; i < 8; i++)
        tail[tn - 1 - i] = (unsigned char)(bits >> (8 * i));
    sha_block(st, tail);
    if (tn == 128)
        sha_block(st, tail + 64);
    memcpy(out, "sha256:", 7);
    for (int i = 0; i < 32; i++) {
        unsigned v = (st[i / 4] >> (24 - 8 * (i % 4))) & 0xff;
        out[7 + 2 * i] = "0123456789abcdef"[v >> 4];
        out[8 + 2 * i] = "0123456789abcdef"[v & 15];
    }
    out[71] = 0;
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
