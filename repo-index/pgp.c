/* OpenPGP on OpenSSL for provenance files: packet parsing (old and new
 * headers), keyrings, secret key unlocking (S2K simple/salted/iterated with
 * AES-CFB, SHA-1 or two-octet checksums), v4 RSA signatures over canonical
 * text, ASCII armor and the cleartext signature framework, laid out
 * byte-for-byte as golang.org/x/crypto/openpgp/clearsign writes it (what
 * Helm uses). RFC 4880 section numbers are cited where it helps. */
#include "repo-index/pgp.h"

#include "core/fsutil.h"
#include "core/xalloc.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEYRING_MAX (16u << 20)

/* ---- armor (6.2) -------------------------------------------------------- */

static uint32_t
crc24(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xB704CEu;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint32_t)p[i] << 16;
        for (int k = 0; k < 8; k++) {
            crc <<= 1;
            if (crc & 0x1000000u)
                crc ^= 0x1864CFBu;
        }
    }
    return crc & 0xFFFFFFu;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
b64_encode(struct sb *out, const uint8_t *p, size_t n, size_t line)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
                     i + 2 < n ? b64[v & 63] : '='};
        for (int k = 0; k < 4; k++) {
            if (line && col == line) {
                sb_addch(out, '\n');
                col = 0;
            }
            sb_addch(out, q[k]);
            col++;
        }
    }
}

static int
b64_val(int c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

/* Decodes base64, skipping whitespace; stops at '=' padding. */
static int
b64_decode(struct sb *out, const char *s, size_t n)
{
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=')
            break;
        int v = b64_val(c);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            sb_addch(out, (int)((acc >> bits) & 0xff));
        }
    }
    return 0;
}

void
pgp_armor(struct sb *out, const char *type, const uint8_t *data, size_t len)
{
    sb_addf(out, "-----BEGIN %s-----\n\n", type);
    b64_encode(out, data, len, 64);
    uint32_t crc = crc24(data, len);
    uint8_t c[3] = {(uint8_t)(crc >> 16), (uint8_t)(crc >> 8), (uint8_t)crc};
    sb_addstr(out, "\n=");
    b64_encode(out, c, 3, 0);
    sb_addf(out, "\n-----END %s-----", type);
}

int
pgp_dearmor(struct sb *out, char *type_out, size_t type_cap, const char *text, size_t len,
            struct pkg_err **errp)
{
    const char *end = text + len;
    const char *b = memmem(text, len, "-----BEGIN ", 11);
    if (!b)
        return pkg_err_set(errp, PKG_EINVAL, "no armored block found");
    const char *te = memmem(b + 11, (size_t)(end - b - 11), "-----", 5);
    if (!te)
        return pkg_err_set(errp, PKG_EINVAL, "malformed armor header");
    size_t tl = (size_t)(te - b - 11);
    if (type_out) {
        snprintf(type_out, type_cap, "%.*s", (int)tl, b + 11);
    }
    const char *p = memchr(te, '\n', (size_t)(end - te));
    if (!p)
        return pkg_err_set(errp, PKG_EINVAL, "malformed armor");
    p++;
    /* Armor headers ("Key: value") end at an empty line. */
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return pkg_err_set(errp, PKG_EINVAL, "malformed armor");
        const char *le = nl;
        if (le > p && le[-1] == '\r')
            le--;
        if (le == p) {
            p = nl + 1;
            break;
        }
        if (!memchr(p, ':', (size_t)(le - p))) {
            break; /* no header block: data starts here */
        }
        p = nl + 1;
    }
    const char *stop = memmem(p, (size_t)(end - p), "-----END ", 9);
    if (!stop)
        return pkg_err_set(errp, PKG_EINVAL, "armor has no END line");
    /* The checksum line starts with '=' at the beginning of a line. */
    const char *data_end = stop;
    const char *crc_line = NULL;
    for (const char *q = p; q < stop; q++)
        if (*q == '=' && (q == p || q[-1] == '\n') && q + 1 < stop && q[1] != '=' && q[1] != '\n') {
            crc_line = q;
            data_end = q;
            break;
        }
    size_t start = out->len;
    if (b64_decode(out, p, (size_t)(data_end - p)) < 0)
        return pkg_err_set(errp, PKG_EINVAL, "invalid base64 in armor");
    if (crc_line) {
        struct sb c = SB_INIT;
        b64_decode(&c, crc_line + 1, (size_t)(stop - crc_line - 1));
        if (c.len == 3) {
            uint32_t want = ((uint32_t)(uint8_t)c.buf[0] << 16) |
                            ((uint32_t)(uint8_t)c.buf[1] << 8) | (uint8_t)c.buf[2];
            if (crc24((const uint8_t *)out->buf + start, out->len - start) != want) {
                sb_release(&c);
                return pkg_err_set(errp, PKG_EINVAL, "armor checksum mismatch");
            }
        }
        sb_release(&c);
    }
    return 0;
}

/* ---- packets (4.2) ------------------------------------------------------ */

struct pkt {
    int tag;
    const uint8_t *body;
    size_t len;
};

/* Reads one packet; partial body lengths are not used by keys or
 * signatures and are refused. */
static int
pkt_next(struct pkt *p, const uint8_t **cur, const uint8_t *end, struct pkg_err **errp)
{
    const uint8_t *s = *cur;
    if (s >= end)
        return 1;
    uint8_t h = *s++;
    if (!(h & 0x80))
        return pkg_err_set(errp, PKG_EINVAL, "not an OpenPGP packet (byte 0x%02x)", h);
    size_t len;
    if (h & 0x40) {
        p->tag = h & 0x3f;
        if (s >= end)
            goto trunc;
        uint8_t l0 = *s++;
        if (l0 < 192) {
            len = l0;
        } else if (l0 < 224) {
            if (s >= end)
                goto trunc;
            len = ((size_t)(l0 - 192) << 8) + *s++ + 192;
        } else if (l0 == 255) {
            if (end - s < 4)
                goto trunc;
            len = ((size_t)s[0] << 24) | ((size_t)s[1] << 16) | ((size_t)s[2] << 8) | s[3];
            s += 4;
        } else {
            return pkg_err_set(errp, PKG_ENOTSUP, "partial-length OpenPGP packets");
        }
    } else {
        p->tag = (h >> 2) & 0x0f;
        int lt = h & 3;
        if (lt == 3)
            return pkg_err_set(errp, PKG_ENOTSUP, "indeterminate-length OpenPGP packets");
        size_t nb = lt == 0 ? 1 : lt == 1 ? 2 : 4;
        if ((size_t)(end - s) < nb)
            goto trunc;
        len = 0;
        for (size_t i = 0; i < nb; i++)
            len = (len << 8) | *s++;
    }
    if ((size_t)(end - s) < len)
        goto trunc;
    p->body = s;
    p->len = len;
    *cur = s + len;
    return 0;
trunc:
    return pkg_err_set(errp, PKG_EINVAL, "truncated OpenPGP packet");
}

static void
put_header(struct sb *out, int tag, size_t len)
{
    sb_addch(out, 0xc0 | tag);
    if (len < 192) {
        sb_addch(out, (int)len);
    } else if (len < 8384) {
        len -= 192;
        sb_addch(out, (int)((len >> 8) + 192));
        sb_addch(out, (int)(len & 0xff));
    } else {
        sb_addch(out, 255);
        sb_addch(out, (int)(len >> 24) & 0xff);
        sb_addch(out, (int)(len >> 16) & 0xff);
        sb_addch(out, (int)(len >> 8) & 0xff);
        sb_addch(out, (int)len & 0xff);
    }
}

/* An MPI (3.2): two-octet bit count, then the bytes. */
static int
mpi_read(const uint8_t **p, const uint8_t *end, const uint8_t **v, size_t *n)
{
    if (end - *p < 2)
        return -1;
    size_t bits = ((size_t)(*p)[0] << 8) | (*p)[1];
    size_t bytes = (bits + 7) / 8;
    *p += 2;
    if ((size_t)(end - *p) < bytes)
        return -1;
    *v = *p;
    *n = bytes;
    *p += bytes;
    return 0;
}

static void
mpi_put(struct sb *out, const uint8_t *v, size_t n)
{
    while (n && !*v) {
        v++;
        n--;
    }
    size_t bits = n ? (n - 1) * 8 : 0;
    if (n) {
        uint8_t top = v[0];
        while (top) {
            bits++;
            top >>= 1;
        }
    }
    sb_addch(out, (int)(bits >> 8));
    sb_addch(out, (int)(bits & 0xff));
    sb_add(out, v, n);
}

static EVP_PKEY *
rsa_from(const uint8_t *n, size_t nl, const uint8_t *e, size_t el, const BIGNUM *d, const BIGNUM *p,
         const BIGNUM *q, const BIGNUM *u)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *bn = BN_bin2bn(n, (int)nl, NULL), *be = BN_bin2bn(e, (int)el, NULL);
    BIGNUM *dp = NULL, *dq = NULL, *p1 = NULL, *q1 = NULL;
    BN_CTX *ctx = BN_CTX_new();
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be);
    if (d) {
        /* OpenPGP's u is p^-1 mod q; OpenSSL's iqmp is q^-1 mod p: swap the
         * roles of the primes so that u serves as iqmp. */
        dp = BN_new();
        dq = BN_new();
        p1 = BN_dup(q);
        q1 = BN_dup(p);
        BN_sub_word(p1, 1);
        BN_sub_word(q1, 1);
        BN_mod(dp, d, p1, ctx);
        BN_mod(dq, d, q1, ctx);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, q);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, p);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, u);
    }
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *key = NULL;
    if (pc && params && EVP_PKEY_fromdata_init(pc) > 0)
        EVP_PKEY_fromdata(pc, &key, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(pc);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    BN_free(dp);
    BN_free(dq);
    BN_free(p1);
    BN_free(q1);
    BN_CTX_free(ctx);
    return key;
}

/* A v4 public key packet body (5.5.2); for secret keys the public part
 * comes first and *pub_len says where it ends. */
static int
parse_pubkey(struct pgp_key *k, const uint8_t *b, size_t len, size_t *pub_len,
             struct pkg_err **errp)
{
    memset(k, 0, sizeof(*k));
    const uint8_t *p = b, *end = b + len;
    if (len < 6)
        return pkg_err_set(errp, PKG_EINVAL, "truncated key packet");
    if (p[0] != 4)
        return pkg_err_set(errp, PKG_ENOTSUP, "OpenPGP v%d keys are not supported", p[0]);
    k->algo = p[5];
    p += 6;
    if (k->algo == 1 || k->algo == 2 || k->algo == 3) {
        const uint8_t *n, *e;
        size_t nl, el;
        if (mpi_read(&p, end, &n, &nl) || mpi_read(&p, end, &e, &el))
            return pkg_err_set(errp, PKG_EINVAL, "truncated RSA key");
        k->n = xmalloc(nl);
        memcpy(k->n, n, nl);
        k->n_len = nl;
        k->e = xmalloc(el);
        memcpy(k->e, e, el);
        k->e_len = el;
        k->pub = rsa_from(n, nl, e, el, NULL, NULL, NULL, NULL);
    } else {
        /* Other algorithms: skip their public MPIs/fields by algorithm. */
        int mpis = k->algo == 17 ? 4 : k->algo == 16 || k->algo == 20 ? 3 : -1;
        if (mpis > 0) {
            for (int i = 0; i < mpis; i++) {
                const uint8_t *v;
                size_t vl;
                if (mpi_read(&p, end, &v, &vl))
                    return pkg_err_set(errp, PKG_EINVAL, "truncated key");
            }
        } else if (k->algo == 18 || k->algo == 19 || k->algo == 22) {
            /* curve OID, point MPI, (ECDH: KDF params) */
            if (p >= end || (size_t)(end - p) < (size_t)p[0] + 1)
                return pkg_err_set(errp, PKG_EINVAL, "truncated key");
            p += 1 + p[0];
            const uint8_t *v;
            size_t vl;
            if (mpi_read(&p, end, &v, &vl))
                return pkg_err_set(errp, PKG_EINVAL, "truncated key");
            if (k->algo == 18) {
                if (p >= end || (size_t)(end - p) < (size_t)p[0] + 1)
                    return pkg_err_set(errp, PKG_EINVAL, "truncated key");
                p += 1 + p[0];
            }
        } else {
            p = end; /* unknown: the whole body */
        }
    }
    *pub_len = (size_t)(p - b);
    /* Fingerprint (12.2): SHA-1 of 0x99, two-octet length, public body. */
    uint8_t hdr[3] = {0x99, (uint8_t)(*pub_len >> 8), (uint8_t)*pub_len};
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int ml;
    EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
    EVP_DigestUpdate(ctx, hdr, 3);
    EVP_DigestUpdate(ctx, b, *pub_len);
    EVP_DigestFinal_ex(ctx, k->fpr, &ml);
    EVP_MD_CTX_free(ctx);
    memcpy(k->keyid, k->fpr + 12, 8);
    return 0;
}

static void
key_release(struct pgp_key *k)
{
    EVP_PKEY_free(k->pub);
    EVP_PKEY_free(k->priv);
    if (k->sec)
        OPENSSL_cleanse(k->sec, k->sec_len);
    free(k->sec);
    free(k->n);
    free(k->e);
    memset(k, 0, sizeof(*k));
}

static int
load_key_packet(struct pgp_key *k, const struct pkt *p, struct pkg_err **errp)
{
    size_t pub_len = 0;
    int rc = parse_pubkey(k, p->body, p->len, &pub_len, errp);
    if (rc)
        return rc;
    if (p->tag == 5 || p->tag == 7) {
        k->secret = true;
        k->sec_len = p->len - pub_len;
        k->sec = xmalloc(k->sec_len ? k->sec_len : 1);
        memcpy(k->sec, p->body + pub_len, k->sec_len);
    }
    return 0;
}

void
pgp_keyring_release(struct pgp_keyring *kr)
{
    for (size_t i = 0; i < kr->n; i++) {
        struct pgp_entity *e = &kr->v[i];
        key_release(&e->primary);
        for (size_t j = 0; j < e->nuids; j++)
            free(e->uids[j]);
        free(e->uids);
        for (size_t j = 0; j < e->nsub; j++)
            key_release(&e->subkeys[j]);
        free(e->subkeys);
    }
    free(kr->v);
    memset(kr, 0, sizeof(*kr));
}

static int
keyring_parse(struct pgp_keyring *kr, const uint8_t *data, size_t len, struct pkg_err **errp)
{
    const uint8_t *cur = data, *end = data + len;
    size_t cap = kr->n;
    struct pgp_entity *e = kr->n ? &kr->v[kr->n - 1] : NULL;
    for (;;) {
        struct pkt p;
        int rc = pkt_next(&p, &cur, end, errp);
        if (rc == 1)
            break;
        if (rc)
            return rc;
        if (p.tag == 6 || p.tag == 5) {
            kr->v = xgrow(kr->v, &cap, kr->n + 1, sizeof(*kr->v));
            e = &kr->v[kr->n];
            memset(e, 0, sizeof(*e));
            struct pkg_err *kerr = NULL;
            if (load_key_packet(&e->primary, &p, &kerr) < 0) {
                /* An unsupported key (v3, v5): skip the entity. */
                pkg_err_free(kerr);
                key_release(&e->primary);
                e = NULL;
                continue;
            }
            kr->n++;
        } else if (!e) {
            continue;
        } else if (p.tag == 13) {
            e->uids = xrealloc(e->uids, (e->nuids + 1) * sizeof(char *));
            e->uids[e->nuids++] = xstrndup((const char *)p.body, p.len);
        } else if (p.tag == 14 || p.tag == 7) {
            struct pgp_key sk;
            struct pkg_err *kerr = NULL;
            if (load_key_packet(&sk, &p, &kerr) < 0) {
                pkg_err_free(kerr);
                key_release(&sk);
                continue;
            }
            e->subkeys = xrealloc(e->subkeys, (e->nsub + 1) * sizeof(*e->subkeys));
            e->subkeys[e->nsub++] = sk;
        }
    }
    return 0;
}

int
pgp_keyring_load(struct pgp_keyring *kr, const char *path, struct pkg_err **errp)
{
    memset(kr, 0, sizeof(*kr));
    struct sb sb = SB_INIT;
    int rc = sb_read_file(&sb, path, KEYRING_MAX, errp);
    if (rc) {
        sb_release(&sb);
        return rc;
    }
    if (sb.len && !(sb.buf[0] & 0x80)) {
        /* Armored: one or more blocks. */
        const char *p = sb.buf, *end = sb.buf + sb.len;
        bool any = false;
        while (p < end) {
            const char *b = memmem(p, (size_t)(end - p), "-----BEGIN ", 11);
            if (!b)
                break;
            const char *e = memmem(b, (size_t)(end - b), "-----END ", 9);
            if (!e)
                break;
            const char *ee = memchr(e, '\n', (size_t)(end - e));
            ee = ee ? ee + 1 : end;
            struct sb bin = SB_INIT;
            rc = pgp_dearmor(&bin, NULL, 0, b, (size_t)(ee - b), errp);
            if (rc == 0)
                rc = keyring_parse(kr, (const uint8_t *)bin.buf, bin.len, errp);
            sb_release(&bin);
            if (rc)
                break;
            any = true;
            p = ee;
        }
        if (rc == 0 && !any)
            rc = pkg_err_set(errp, PKG_EINVAL, "%s: not an OpenPGP keyring", path);
    } else {
        rc = keyring_parse(kr, (const uint8_t *)sb.buf, sb.len, errp);
    }
    sb_release(&sb);
    if (rc) {
        pkg_err_wrap(errp, "%s", path);
        pgp_keyring_release(kr);
    }
    return rc;
}

int
pgp_keyring_find(struct pgp_entity **out, const struct pgp_keyring *kr, const char *id,
                 struct pkg_err **errp)
{
    *out = NULL;
    struct pgp_entity *cand = NULL;
    bool vague = false;
    for (size_t i = 0; i < kr->n; i++)
        for (size_t j = 0; j < kr->v[i].nuids; j++) {
            if (!strcmp(kr->v[i].uids[j], id)) {
                *out = &kr->v[i];
                return 0;
            }
            if (strstr(kr->v[i].uids[j], id)) {
                if (cand && cand != &kr->v[i])
                    vague = true;
                cand = &kr->v[i];
            }
        }
    if (vague)
        return pkg_err_set(errp, PKG_EINVAL, "more than one key contain the id \"%s\"", id);
    if (!cand)
        return pkg_err_set(errp, PKG_ENOENT, "private key not found");
    *out = cand;
    return 0;
}

/* ---- secret keys (5.5.3, 3.7) ------------------------------------------- */

bool
pgp_key_needs_passphrase(const struct pgp_key *k)
{
    return k->secret && k->sec_len && k->sec[0] != 0;
}

static const EVP_MD *
hash_md(int id)
{
    switch (id) {
    case 2:
        return EVP_sha1();
    case 8:
        return EVP_sha256();
    case 9:
        return EVP_sha384();
    case 10:
        return EVP_sha512();
    case 11:
        return EVP_sha224();
    default:
        return NULL;
    }
}

static const EVP_CIPHER *
cipher_cfb(int id, size_t *keylen)
{
    switch (id) {
    case 7:
        *keylen = 16;
        return EVP_aes_128_cfb128();
    case 8:
        *keylen = 24;
        return EVP_aes_192_cfb128();
    case 9:
        *keylen = 32;
        return EVP_aes_256_cfb128();
    default:
        return NULL;
    }
}

/* String-to-key (3.7.1): fills key[keylen] from the passphrase. */
static int
s2k(uint8_t *key, size_t keylen, int type, const EVP_MD *md, const uint8_t *salt, uint64_t count,
    const char *pass)
{
    size_t pl = strlen(pass);
    size_t hl = (size_t)EVP_MD_get_size(md);
    size_t done = 0;
    for (int round = 0; done < keylen; round++) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        EVP_DigestInit_ex(ctx, md, NULL);
        for (int z = 0; z < round; z++)
            EVP_DigestUpdate(ctx, "", 1);
        if (type == 0) {
            EVP_DigestUpdate(ctx, pass, pl);
        } else {
            uint64_t total = 8 + pl;
            if (type == 3 && count > total)
                total = count;
            uint64_t left = total;
            while (left) {
                size_t n = left < 8 ? (size_t)left : 8;
                EVP_DigestUpdate(ctx, salt, n);
                left -= n;
                if (!left)
                    break;
                n = left < pl ? (size_t)left : pl;
                EVP_DigestUpdate(ctx, pass, n);
                left -= n;
            }
        }
        uint8_t h[EVP_MAX_MD_SIZE];
        unsigned int l;
        EVP_DigestFinal_ex(ctx, h, &l);
        EVP_MD_CTX_free(ctx);
        size_t take = keylen - done < hl ? keylen - done : hl;
        memcpy(key + done, h, take);
        done += take;
    }
    return 0;
}

int
pgp_key_unlock(struct pgp_key *k, const char *passphrase, struct pkg_err **errp)
{
    if (!k->secret)
        return pkg_err_set(errp, PKG_EINVAL,
                           "provided key is not a private key. Try providing a keyring with "
                           "secret keys");
    if (k->priv)
        return 0;
    if (k->algo != 1 && k->algo != 3)
        return pkg_err_set(errp, PKG_ENOTSUP,
                           "only RSA keys can sign provenance files (key algorithm %d)", k->algo);
    const uint8_t *p = k->sec, *end = k->sec + k->sec_len;
    if (p >= end)
        return pkg_err_set(errp, PKG_EINVAL, "truncated secret key");
    int usage = *p++;
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    int rc = 0;
    if (usage == 0) {
        plain_len = (size_t)(end - p);
        plain = xmalloc(plain_len ? plain_len : 1);
        memcpy(plain, p, plain_len);
    } else if (usage == 254 || usage == 255) {
        if (!passphrase || !*passphrase)
            return pkg_err_set(errp, PKG_EPERM,
                               "the signing key is protected: a passphrase is "
                               "needed (--passphrase-file)");
        if (end - p < 2)
            return pkg_err_set(errp, PKG_EINVAL, "truncated secret key");
        int sym = *p++;
        int type = *p++;
        size_t keylen;
        const EVP_CIPHER *ciph = cipher_cfb(sym, &keylen);
        if (!ciph)
            return pkg_err_set(errp, PKG_ENOTSUP,
                               "secret key cipher %d is not supported (AES only)", sym);
        if (type == 101)
            return pkg_err_set(errp, PKG_ENOTSUP,
                               "the secret key is a GnuPG stub (kept on a card or not exported)");
        if (type != 0 && type != 1 && type != 3)
            return pkg_err_set(errp, PKG_ENOTSUP, "S2K type %d is not supported", type);
        if (p >= end)
            return pkg_err_set(errp, PKG_EINVAL, "truncated secret key");
        const EVP_MD *md = hash_md(*p++);
        if (!md)
            return pkg_err_set(errp, PKG_ENOTSUP, "S2K hash is not supported");
        const uint8_t *salt = NULL;
        uint64_t count = 0;
        if (type >= 1) {
            if (end - p < 8)
                return pkg_err_set(errp, PKG_EINVAL, "truncated secret key");
            salt = p;
            p += 8;
        }
        if (type == 3) {
            if (p >= end)
                return pkg_err_set(errp, PKG_EINVAL, "truncated secret key");
            uint8_t c = *p++;
            count = (uint64_t)(16 + (c & 15)) << ((c >> 4) + 6);
        }
        if (end - p < 16)
            return pkg_err_set(errp, PKG_EINVAL, "truncated secret key");
        const uint8_t *iv = p;
        p += 16;
        uint8_t key[32];
        s2k(key, keylen, type, md, salt, count, passphrase);
        plain_len = (size_t)(end - p);
        plain = xmalloc(plain_len ? plain_len : 1);
        EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
        int outl = 0, finl = 0;
        EVP_DecryptInit_ex(cc, ciph, NULL, key, iv);
        EVP_DecryptUpdate(cc, plain, &outl, p, (int)plain_len);
        EVP_DecryptFinal_ex(cc, plain + outl, &finl);
        EVP_CIPHER_CTX_free(cc);
        OPENSSL_cleanse(key, sizeof(key));
        /* Check the integrity trailer. */
        if (usage == 254) {
            if (plain_len < 20) {
                rc = pkg_err_set(errp, PKG_EINVAL, "truncated secret key");
                goto out;
            }
            uint8_t h[20];
            unsigned int l;
            EVP_Digest(plain, plain_len - 20, h, &l, EVP_sha1(), NULL);
            if (memcmp(h, plain + plain_len - 20, 20)) {
                rc = pkg_err_set(errp, PKG_EPERM, "wrong passphrase for the signing key");
                goto out;
            }
            plain_len -= 20;
        } else {
            if (plain_len < 2) {
                rc = pkg_err_set(errp, PKG_EINVAL, "truncated secret key");
                goto out;
            }
            unsigned sum = 0;
            for (size_t i = 0; i + 2 < plain_len; i++)
                sum += plain[i];
            if ((sum & 0xffff) != ((unsigned)plain[plain_len - 2] << 8 | plain[plain_len - 1])) {
                rc = pkg_err_set(errp, PKG_EPERM, "wrong passphrase for the signing key");
                goto out;
            }
            plain_len -= 2;
        }
    } else {
        return pkg_err_set(errp, PKG_ENOTSUP, "legacy secret key protection is not supported");
    }
    {
        const uint8_t *q = plain, *qe = plain + plain_len;
        const uint8_t *d, *pp, *qq, *u;
        size_t dl, pl, ql, ul;
        if (mpi_read(&q, qe, &d, &dl) || mpi_read(&q, qe, &pp, &pl) || mpi_read(&q, qe, &qq, &ql) ||
            mpi_read(&q, qe, &u, &ul)) {
            rc = pkg_err_set(errp, usage ? PKG_EPERM : PKG_EINVAL,
                             usage ? "wrong passphrase for the signing key"
                                   : "malformed secret key");
            goto out;
        }
        BIGNUM *bd = BN_bin2bn(d, (int)dl, NULL), *bp = BN_bin2bn(pp, (int)pl, NULL);
        BIGNUM *bq = BN_bin2bn(qq, (int)ql, NULL), *bu = BN_bin2bn(u, (int)ul, NULL);
        k->priv = rsa_from(k->n, k->n_len, k->e, k->e_len, bd, bp, bq, bu);
        BN_clear_free(bd);
        BN_clear_free(bp);
        BN_clear_free(bq);
        BN_clear_free(bu);
        if (!k->priv)
            rc = pkg_err_set(errp, PKG_EINVAL, "cannot build the RSA private key");
    }
out:
    if (plain) {
        OPENSSL_cleanse(plain, plain_len);
        free(plain);
    }
    return rc;
}

/* ---- signatures (5.2.3) ------------------------------------------------- */

/* Canonical text of a clear-signed message: lines without trailing spaces
 * and tabs (and CR), joined with CRLF, the final line ending excluded. */
static void
canonical(struct sb *out, const char *text, size_t len)
{
    size_t i = 0;
    bool first = true;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len;
        size_t le = e;
        while (le > i && (text[le - 1] == ' ' || text[le - 1] == '\t' || text[le - 1] == '\r'))
            le--;
        if (!first)
            sb_addstr(out, "\r\n");
        first = false;
        sb_add(out, text + i, le - i);
        i = nl ? e + 1 : len;
    }
}

static const char *
hash_name(int id)
{
    switch (id) {
    case 2:
        return "SHA1";
    case 8:
        return "SHA256";
    case 9:
        return "SHA384";
    case 10:
        return "SHA512";
    case 11:
        return "SHA224";
    default:
        return NULL;
    }
}

int
pgp_clearsign(struct sb *out, const struct pgp_key *k, const char *text, size_t len, int64_t when,
              struct pkg_err **errp)
{
    if (!k->priv)
        return pkg_err_set(errp, PKG_EINVAL, "signing key is locked");
    const int hash_id = 10; /* SHA-512, Helm's default */
    /* Hashed subpackets: creation time (2) and issuer key ID (16). */
    uint8_t sub[16];
    sub[0] = 5;
    sub[1] = 2;
    sub[2] = (uint8_t)(when >> 24);
    sub[3] = (uint8_t)(when >> 16);
    sub[4] = (uint8_t)(when >> 8);
    sub[5] = (uint8_t)when;
    sub[6] = 9;
    sub[7] = 16;
    memcpy(sub + 8, k->keyid, 8);
    struct sb hashed = SB_INIT; /* version .. hashed subpackets */
    sb_addch(&hashed, 4);
    sb_addch(&hashed, 0x01); /* canonical text document */
    sb_addch(&hashed, k->algo);
    sb_addch(&hashed, hash_id);
    sb_addch(&hashed, 0);
    sb_addch(&hashed, (int)sizeof(sub));
    sb_add(&hashed, sub, sizeof(sub));

    struct sb canon = SB_INIT;
    canonical(&canon, text, len);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha512(), NULL);
    EVP_DigestUpdate(ctx, canon.buf, canon.len);
    EVP_DigestUpdate(ctx, hashed.buf, hashed.len);
    uint8_t trailer[6] = {4,
                          0xff,
                          (uint8_t)(hashed.len >> 24),
                          (uint8_t)(hashed.len >> 16),
                          (uint8_t)(hashed.len >> 8),
                          (uint8_t)hashed.len};
    EVP_DigestUpdate(ctx, trailer, 6);
    uint8_t digest[64];
    unsigned int dl;
    EVP_DigestFinal_ex(ctx, digest, &dl);
    EVP_MD_CTX_free(ctx);

    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k->priv, NULL);
    size_t siglen = 0;
    uint8_t *sig = NULL;
    int rc = 0;
    if (!pc || EVP_PKEY_sign_init(pc) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(pc, EVP_sha512()) <= 0 ||
        EVP_PKEY_sign(pc, NULL, &siglen, digest, dl) <= 0) {
        rc = pkg_err_set(errp, PKG_EINVAL, "RSA signing failed");
    } else {
        sig = xmalloc(siglen);
        if (EVP_PKEY_sign(pc, sig, &siglen, digest, dl) <= 0)
            rc = pkg_err_set(errp, PKG_EINVAL, "RSA signing failed");
    }
    EVP_PKEY_CTX_free(pc);
    if (rc == 0) {
        struct sb body = SB_INIT;
        sb_add(&body, hashed.buf, hashed.len);
        sb_addch(&body, 0); /* no unhashed subpackets */
        sb_addch(&body, 0);
        sb_addch(&body, digest[0]);
        sb_addch(&body, digest[1]);
        mpi_put(&body, sig, siglen);
        struct sb packet = SB_INIT;
        put_header(&packet, 2, body.len);
        sb_add(&packet, body.buf, body.len);

        sb_addf(out, "-----BEGIN PGP SIGNED MESSAGE-----\nHash: %s\n\n", hash_name(hash_id));
        /* The text, dash-escaped, trailing whitespace dropped. */
        size_t i = 0;
        while (i < len) {
            const char *nl = memchr(text + i, '\n', len - i);
            size_t e = nl ? (size_t)(nl - text) : len;
            size_t le = e;
            while (le > i && (text[le - 1] == ' ' || text[le - 1] == '\t' || text[le - 1] == '\r'))
                le--;
            if (text[i] == '-')
                sb_addstr(out, "- ");
            sb_add(out, text + i, le - i);
            sb_addch(out, '\n');
            i = nl ? e + 1 : len;
        }
        pgp_armor(out, "PGP SIGNATURE", (const uint8_t *)packet.buf, packet.len);
        sb_release(&packet);
        sb_release(&body);
    }
    free(sig);
    sb_release(&canon);
    sb_release(&hashed);
    return rc;
}

static const struct pgp_key *
find_key(const struct pgp_keyring *kr, const uint8_t keyid[8], const struct pgp_entity **ent)
{
    for (size_t i = 0; i < kr->n; i++) {
        if (!memcmp(kr->v[i].primary.keyid, keyid, 8)) {
            *ent = &kr->v[i];
            return &kr->v[i].primary;
        }
        for (size_t j = 0; j < kr->v[i].nsub; j++)
            if (!memcmp(kr->v[i].subkeys[j].keyid, keyid, 8)) {
                *ent = &kr->v[i];
                return &kr->v[i].subkeys[j];
            }
    }
    return NULL;
}

/* Finds the issuer key ID (16) or fingerprint (33) in a subpacket area. */
static bool
issuer_in(const uint8_t *p, size_t n, uint8_t keyid[8])
{
    const uint8_t *end = p + n;
    while (p < end) {
        size_t len;
        if (*p < 192) {
            len = *p++;
        } else if (*p < 255) {
            if (end - p < 2)
                return false;
            len = ((size_t)(p[0] - 192) << 8) + p[1] + 192;
            p += 2;
        } else {
            if (end - p < 5)
                return false;
            len = ((size_t)p[1] << 24) | ((size_t)p[2] << 16) | ((size_t)p[3] << 8) | p[4];
            p += 5;
        }
        if (len == 0 || (size_t)(end - p) < len)
            return false;
        int type = p[0] & 0x7f;
        if (type == 16 && len == 9) {
            memcpy(keyid, p + 1, 8);
            return true;
        }
        if (type == 33 && len == 22 && p[1] == 4) {
            memcpy(keyid, p + 2 + 12, 8);
            return true;
        }
        p += len;
    }
    return false;
}

static int
verify_sig(const struct pgp_entity **signer, const struct pgp_key **key,
           const struct pgp_keyring *kr, const uint8_t *b, size_t len, const char *canon,
           size_t canon_len, struct pkg_err **errp)
{
    const uint8_t *p = b, *end = b + len;
    if (len < 6 || p[0] != 4)
        return pkg_err_set(errp, PKG_ENOTSUP, "only v4 signatures are supported");
    int sigtype = p[1], algo = p[2], hash_id = p[3];
    size_t hl = ((size_t)p[4] << 8) | p[5];
    if ((size_t)(end - p) < 6 + hl + 2)
        return pkg_err_set(errp, PKG_EINVAL, "truncated signature");
    const uint8_t *hashed_sub = p + 6;
    const uint8_t *q = p + 6 + hl;
    size_t ul = ((size_t)q[0] << 8) | q[1];
    q += 2;
    if ((size_t)(end - q) < ul + 2)
        return pkg_err_set(errp, PKG_EINVAL, "truncated signature");
    const uint8_t *unhashed = q;
    q += ul;
    const uint8_t *left16 = q;
    q += 2;
    const uint8_t *sig;
    size_t sl;
    if (mpi_read(&q, end, &sig, &sl))
        return pkg_err_set(errp, PKG_EINVAL, "truncated signature");
    if (sigtype != 0x01 && sigtype != 0x00)
        return pkg_err_set(errp, PKG_EINVAL, "unexpected signature type 0x%02x", sigtype);
    if (algo != 1 && algo != 3)
        return pkg_err_set(errp, PKG_ENOTSUP, "signature algorithm %d is not supported (RSA only)",
                           algo);
    const EVP_MD *md = hash_md(hash_id);
    if (!md)
        return pkg_err_set(errp, PKG_ENOTSUP, "signature hash %d is not supported", hash_id);
    uint8_t keyid[8];
    if (!issuer_in(hashed_sub, hl, keyid) && !issuer_in(unhashed, ul, keyid))
        return pkg_err_set(errp, PKG_EINVAL, "signature names no issuer key");
    const struct pgp_entity *ent = NULL;
    const struct pgp_key *k = find_key(kr, keyid, &ent);
    if (!k || !k->pub)
        return pkg_err_set(errp, PKG_EDIGEST, "openpgp: signature made by unknown entity");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, md, NULL);
    EVP_DigestUpdate(ctx, canon, canon_len);
    EVP_DigestUpdate(ctx, p, 6 + hl);
    size_t tl = 6 + hl;
    uint8_t trailer[6] = {
        4, 0xff, (uint8_t)(tl >> 24), (uint8_t)(tl >> 16), (uint8_t)(tl >> 8), (uint8_t)tl};
    EVP_DigestUpdate(ctx, trailer, 6);
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned int dl;
    EVP_DigestFinal_ex(ctx, digest, &dl);
    EVP_MD_CTX_free(ctx);
    if (digest[0] != left16[0] || digest[1] != left16[1])
        return pkg_err_set(errp, PKG_EDIGEST, "openpgp: invalid signature: hash tag doesn't match");
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k->pub, NULL);
    int ok = pc && EVP_PKEY_verify_init(pc) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) > 0 &&
             EVP_PKEY_CTX_set_signature_md(pc, md) > 0;
    /* The MPI drops leading zeros; RSA wants the modulus length. */
    size_t mod = (size_t)EVP_PKEY_get_size(k->pub);
    uint8_t *padded = xcalloc(1, mod > sl ? mod : sl);
    memcpy(padded + (mod > sl ? mod - sl : 0), sig, sl);
    ok = ok && EVP_PKEY_verify(pc, padded, mod > sl ? mod : sl, digest, dl) == 1;
    free(padded);
    EVP_PKEY_CTX_free(pc);
    if (!ok)
        return pkg_err_set(errp, PKG_EDIGEST,
                           "openpgp: invalid signature: RSA verification "
                           "failure");
    *signer = ent;
    *key = k;
    return 0;
}

/* The next line of [*p, end): its start and length without "\r\n";
 * false at the end of the text. */
static bool
next_line(const char **p, const char *end, const char **line, size_t *n)
{
    if (*p >= end)
        return false;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *le = nl ? nl : end;
    *line = *p;
    if (le > *p && le[-1] == '\r')
        le--;
    *n = (size_t)(le - *p);
    *p = nl ? nl + 1 : end;
    return true;
}

int
pgp_clearsign_verify(struct sb *plain, const struct pgp_entity **signer, const struct pgp_key **key,
                     const struct pgp_keyring *kr, const char *doc, size_t len,
                     struct pkg_err **errp)
{
    static const char begin[] = "-----BEGIN PGP SIGNED MESSAGE-----";
    static const char sigbegin[] = "-----BEGIN PGP SIGNATURE-----";
    const char *end = doc + len, *p = doc, *line;
    size_t n;
    bool found = false;
    while (next_line(&p, end, &line, &n))
        if (n == sizeof(begin) - 1 && !memcmp(line, begin, n)) {
            found = true;
            break;
        }
    if (!found)
        return pkg_err_set(errp, PKG_EINVAL, "signature block not found");
    /* Armor headers up to an empty line. */
    found = false;
    while (next_line(&p, end, &line, &n))
        if (n == 0) {
            found = true;
            break;
        }
    if (!found)
        return pkg_err_set(errp, PKG_EINVAL, "signature block not found");
    struct sb canon = SB_INIT;
    bool first = true;
    found = false;
    const char *sig_start = NULL;
    for (;;) {
        const char *before = p;
        if (!next_line(&p, end, &line, &n))
            break;
        if (n == sizeof(sigbegin) - 1 && !memcmp(line, sigbegin, n)) {
            found = true;
            sig_start = before;
            break;
        }
        if (n >= 2 && line[0] == '-' && line[1] == ' ') {
            line += 2;
            n -= 2;
        }
        while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
            n--;
        if (!first)
            sb_addstr(&canon, "\r\n");
        first = false;
        sb_add(&canon, line, n);
        sb_add(plain, line, n);
        sb_addch(plain, '\n');
    }
    if (!found) {
        sb_release(&canon);
        return pkg_err_set(errp, PKG_EINVAL, "signature block not found");
    }
    struct sb bin = SB_INIT;
    int rc = pgp_dearmor(&bin, NULL, 0, sig_start, (size_t)(end - sig_start), errp);
    if (rc) {
        pkg_err_wrap(errp, "failed to decode signature");
        goto out;
    }
    /* Any signature packet by a key of the keyring will do. */
    const uint8_t *cur = (const uint8_t *)bin.buf, *bend = cur + bin.len;
    struct pkg_err *last = NULL;
    rc = PKG_EINVAL;
    for (;;) {
        struct pkt pk;
        struct pkg_err *e = NULL;
        int r = pkt_next(&pk, &cur, bend, &e);
        if (r == 1)
            break;
        if (r) {
            pkg_err_free(last);
            last = e;
            break;
        }
        if (pk.tag != 2)
            continue;
        if (verify_sig(signer, key, kr, pk.body, pk.len, canon.buf, canon.len, &e) == 0) {
            rc = 0;
            break;
        }
        pkg_err_free(last);
        last = e;
    }
    if (rc) {
        if (last) {
            rc = last->code;
            if (errp) {
                pkg_err_free(*errp);
                *errp = last;
                last = NULL;
            }
        } else {
            rc = pkg_err_set(errp, PKG_EINVAL, "no signature in the signature block");
        }
    }
    pkg_err_free(last);
out:
    sb_release(&bin);
    sb_release(&canon);
    return rc;
}
