/* Sprig's crypto functions (crypto.go) and its random and UUID rows:
 * digests (sha1sum, sha256sum, sha512sum, adler32sum), bcrypt and htpasswd
 * (golang.org/x/crypto/bcrypt: "$2a$", cost 10, the 72-byte limit),
 * derivePassword (Master Password: scrypt then HMAC-SHA256), private keys
 * (rsa 4096, dsa L2048N256, ecdsa P-256, ed25519) as the PEM blocks Go's
 * x509 marshals, certificates built like Go's x509.CreateCertificate from
 * Sprig's template (genCA, genSelfSignedCert, genSignedCert, the WithKey
 * forms, buildCustomCert) returned as sprig.certificate objects with .Cert
 * and .Key, encryptAES/decryptAES (AES-256-CBC, zero-padded key, PKCS#7,
 * random IV in front, base64), randBytes, randAlphaNum/randAlpha/
 * randNumeric/randAscii and uuidv4. OpenSSL's libcrypto does the
 * arithmetic; Blowfish for bcrypt is here (its initial state, the hex
 * digits of pi, was computed with Machin's formula). */
#include "render/sprig.h"
#include "core/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <pthread.h>

#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* ---- digests ---- */

/* Nettle, linked into pkg, not libcrypto: charts call these digests on
 * ordinary renders, and loading libcrypto would cost more (~2.5 ms) than
 * the render of a small chart. */

static int
digest_hex(struct tmpl_call *c, struct val **out, const struct nettle_hash *hash)
{
    size_t n;
    const char *s = tmpl_arg_str(c, 0, &n);
    union {
        struct sha1_ctx sha1;
        struct sha512_ctx sha512;
    } ctx;
    unsigned char h[SHA512_DIGEST_SIZE];
    hash->init(&ctx);
    hash->update(&ctx, n, (const uint8_t *)s);
    hash->digest(&ctx, hash->digest_size, h);
    static const char hex[] = "0123456789abcdef";
    char *p;
    *out = sprig_str_alloc(c, hash->digest_size * 2, &p);
    for (size_t i = 0; i < hash->digest_size; i++) {
        p[2 * i] = hex[h[i] >> 4];
        p[2 * i + 1] = hex[h[i] & 15];
    }
    return 0;
}

static int
fn_sha1sum(struct tmpl_call *c, struct val **out)
{
    return digest_hex(c, out, &nettle_sha1);
}

static int
fn_sha256sum(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *s = tmpl_arg_str(c, 0, &n);
    char *p;
    *out = sprig_str_alloc(c, 2 * SHA256_LEN, &p);
    char hex[2 * SHA256_LEN + 1];
    sha256_hex(hex, s, n);
    memcpy(p, hex, 2 * SHA256_LEN);
    return 0;
}

static int
fn_sha512sum(struct tmpl_call *c, struct val **out)
{
    return digest_hex(c, out, &nettle_sha512);
}

static int
fn_adler32sum(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const unsigned char *s = (const unsigned char *)tmpl_arg_str(c, 0, &n);
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + s[i]) % 65521;
        b = (b + a) % 65521;
    }
    char buf[16];
    snprintf(buf, sizeof(buf), "%u", b << 16 | a);
    *out = tmpl_mkstrz(c, buf);
    return 0;
}

/* ---- Blowfish and bcrypt ---- */

static const uint32_t bf_init[1042] = {
    0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0x082efa98, 0xec4e6c89,
    0x452821e6, 0x38d01377, 0xbe5466cf, 0x34e90c6c, 0xc0ac29b7, 0xc97c50dd, 0x3f84d5b5, 0xb5470917,
    0x9216d5d9, 0x8979fb1b, 0xd1310ba6, 0x98dfb5ac, 0x2ffd72db, 0xd01adfb7, 0xb8e1afed, 0x6a267e96,
    0xba7c9045, 0xf12c7f99, 0x24a19947, 0xb3916cf7, 0x0801f2e2, 0x858efc16, 0x636920d8, 0x71574e69,
    0xa458fea3, 0xf4933d7e, 0x0d95748f, 0x728eb658, 0x718bcd58, 0x82154aee, 0x7b54a41d, 0xc25a59b5,
    0x9c30d539, 0x2af26013, 0xc5d1b023, 0x286085f0, 0xca417918, 0xb8db38ef, 0x8e79dcb0, 0x603a180e,
    0x6c9e0e8b, 0xb01e8a3e, 0xd71577c1, 0xbd314b27, 0x78af2fda, 0x55605c60, 0xe65525f3, 0xaa55ab94,
    0x57489862, 0x63e81440, 0x55ca396a, 0x2aab10b6, 0xb4cc5c34, 0x1141e8ce, 0xa15486af, 0x7c72e993,
    0xb3ee1411, 0x636fbc2a, 0x2ba9c55d, 0x741831f6, 0xce5c3e16, 0x9b87931e, 0xafd6ba33, 0x6c24cf5c,
    0x7a325381, 0x28958677, 0x3b8f4898, 0x6b4bb9af, 0xc4bfe81b, 0x66282193, 0x61d809cc, 0xfb21a991,
    0x487cac60, 0x5dec8032, 0xef845d5d, 0xe98575b1, 0xdc262302, 0xeb651b88, 0x23893e81, 0xd396acc5,
    0x0f6d6ff3, 0x83f44239, 0x2e0b4482, 0xa4842004, 0x69c8f04a, 0x9e1f9b5e, 0x21c66842, 0xf6e96c9a,
    0x670c9c61, 0xabd388f0, 0x6a51a0d2, 0xd8542f68, 0x960fa728, 0xab5133a3, 0x6eef0b6c, 0x137a3be4,
    0xba3bf050, 0x7efb2a98, 0xa1f1651d, 0x39af0176, 0x66ca593e, 0x82430e88, 0x8cee8619, 0x456f9fb4,
    0x7d84a5c3, 0x3b8b5ebe, 0xe06f75d8, 0x85c12073, 0x401a449f, 0x56c16aa6, 0x4ed3aa62, 0x363f7706,
    0x1bfedf72, 0x429b023d, 0x37d0d724, 0xd00a1248, 0xdb0fead3, 0x49f1c09b, 0x075372c9, 0x80991b7b,
    0x25d479d8, 0xf6e8def7, 0xe3fe501a, 0xb6794c3b, 0x976ce0bd, 0x04c006ba, 0xc1a94fb6, 0x409f60c4,
    0x5e5c9ec2, 0x196a2463, 0x68fb6faf, 0x3e6c53b5, 0x1339b2eb, 0x3b52ec6f, 0x6dfc511f, 0x9b30952c,
    0xcc814544, 0xaf5ebd09, 0xbee3d004, 0xde334afd, 0x660f2807, 0x192e4bb3, 0xc0cba857, 0x45c8740f,
    0xd20b5f39, 0xb9d3fbdb, 0x5579c0bd, 0x1a60320a, 0xd6a100c6, 0x402c7279, 0x679f25fe, 0xfb1fa3cc,
    0x8ea5e9f8, 0xdb3222f8, 0x3c7516df, 0xfd616b15, 0x2f501ec8, 0xad0552ab, 0x323db5fa, 0xfd238760,
    0x53317b48, 0x3e00df82, 0x9e5c57bb, 0xca6f8ca0, 0x1a87562e, 0xdf1769db, 0xd542a8f6, 0x287effc3,
    0xac6732c6, 0x8c4f5573, 0x695b27b0, 0xbbca58c8, 0xe1ffa35d, 0xb8f011a0, 0x10fa3d98, 0xfd2183b8,
    0x4afcb56c, 0x2dd1d35b, 0x9a53e479, 0xb6f84565, 0xd28e49bc, 0x4bfb9790, 0xe1ddf2da, 0xa4cb7e33,
    0x62fb1341, 0xcee4c6e8, 0xef20cada, 0x36774c01, 0xd07e9efe, 0x2bf11fb4, 0x95dbda4d, 0xae909198,
    0xeaad8e71, 0x6b93d5a0, 0xd08ed1d0, 0xafc725e0, 0x8e3c5b2f, 0x8e7594b7, 0x8ff6e2fb, 0xf2122b64,
    0x8888b812, 0x900df01c, 0x4fad5ea0, 0x688fc31c, 0xd1cff191, 0xb3a8c1ad, 0x2f2f2218, 0xbe0e1777,
    0xea752dfe, 0x8b021fa1, 0xe5a0cc0f, 0xb56f74e8, 0x18acf3d6, 0xce89e299, 0xb4a84fe0, 0xfd13e0b7,
    0x7cc43b81, 0xd2ada8d9, 0x165fa266, 0x80957705, 0x93cc7314, 0x211a1477, 0xe6ad2065, 0x77b5fa86,
    0xc75442f5, 0xfb9d35cf, 0xebcdaf0c, 0x7b3e89a0, 0xd6411bd3, 0xae1e7e49, 0x00250e2d, 0x2071b35e,
    0x226800bb, 0x57b8e0af, 0x2464369b, 0xf009b91e, 0x5563911d, 0x59dfa6aa, 0x78c14389, 0xd95a537f,
    0x207d5ba2, 0x02e5b9c5, 0x83260376, 0x6295cfa9, 0x11c81968, 0x4e734a41, 0xb3472dca, 0x7b14a94a,
    0x1b510052, 0x9a532915, 0xd60f573f, 0xbc9bc6e4, 0x2b60a476, 0x81e67400, 0x08ba6fb5, 0x571be91f,
    0xf296ec6b, 0x2a0dd915, 0xb6636521, 0xe7b9f9b6, 0xff34052e, 0xc5855664, 0x53b02d5d, 0xa99f8fa1,
    0x08ba4799, 0x6e85076a, 0x4b7a70e9, 0xb5b32944, 0xdb75092e, 0xc4192623, 0xad6ea6b0, 0x49a7df7d,
    0x9cee60b8, 0x8fedb266, 0xecaa8c71, 0x699a17ff, 0x5664526c, 0xc2b19ee1, 0x193602a5, 0x75094c29,
    0xa0591340, 0xe4183a3e, 0x3f54989a, 0x5b429d65, 0x6b8fe4d6, 0x99f73fd6, 0xa1d29c07, 0xefe830f5,
    0x4d2d38e6, 0xf0255dc1, 0x4cdd2086, 0x8470eb26, 0x6382e9c6, 0x021ecc5e, 0x09686b3f, 0x3ebaefc9,
    0x3c971814, 0x6b6a70a1, 0x687f3584, 0x52a0e286, 0xb79c5305, 0xaa500737, 0x3e07841c, 0x7fdeae5c,
    0x8e7d44ec, 0x5716f2b8, 0xb03ada37, 0xf0500c0d, 0xf01c1f04, 0x0200b3ff, 0xae0cf51a, 0x3cb574b2,
    0x25837a58, 0xdc0921bd, 0xd19113f9, 0x7ca92ff6, 0x94324773, 0x22f54701, 0x3ae5e581, 0x37c2dadc,
    0xc8b57634, 0x9af3dda7, 0xa9446146, 0x0fd0030e, 0xecc8c73e, 0xa4751e41, 0xe238cd99, 0x3bea0e2f,
    0x3280bba1, 0x183eb331, 0x4e548b38, 0x4f6db908, 0x6f420d03, 0xf60a04bf, 0x2cb81290, 0x24977c79,
    0x5679b072, 0xbcaf89af, 0xde9a771f, 0xd9930810, 0xb38bae12, 0xdccf3f2e, 0x5512721f, 0x2e6b7124,
    0x501adde6, 0x9f84cd87, 0x7a584718, 0x7408da17, 0xbc9f9abc, 0xe94b7d8c, 0xec7aec3a, 0xdb851dfa,
    0x63094366, 0xc464c3d2, 0xef1c1847, 0x3215d908, 0xdd433b37, 0x24c2ba16, 0x12a14d43, 0x2a65c451,
    0x50940002, 0x133ae4dd, 0x71dff89e, 0x10314e55, 0x81ac77d6, 0x5f11199b, 0x043556f1, 0xd7a3c76b,
    0x3c11183b, 0x5924a509, 0xf28fe6ed, 0x97f1fbfa, 0x9ebabf2c, 0x1e153c6e, 0x86e34570, 0xeae96fb1,
    0x860e5e0a, 0x5a3e2ab3, 0x771fe71c, 0x4e3d06fa, 0x2965dcb9, 0x99e71d0f, 0x803e89d6, 0x5266c825,
    0x2e4cc978, 0x9c10b36a, 0xc6150eba, 0x94e2ea78, 0xa5fc3c53, 0x1e0a2df4, 0xf2f74ea7, 0x361d2b3d,
    0x1939260f, 0x19c27960, 0x5223a708, 0xf71312b6, 0xebadfe6e, 0xeac31f66, 0xe3bc4595, 0xa67bc883,
    0xb17f37d1, 0x018cff28, 0xc332ddef, 0xbe6c5aa5, 0x65582185, 0x68ab9802, 0xeecea50f, 0xdb2f953b,
    0x2aef7dad, 0x5b6e2f84, 0x1521b628, 0x29076170, 0xecdd4775, 0x619f1510, 0x13cca830, 0xeb61bd96,
    0x0334fe1e, 0xaa0363cf, 0xb5735c90, 0x4c70a239, 0xd59e9e0b, 0xcbaade14, 0xeecc86bc, 0x60622ca7,
    0x9cab5cab, 0xb2f3846e, 0x648b1eaf, 0x19bdf0ca, 0xa02369b9, 0x655abb50, 0x40685a32, 0x3c2ab4b3,
    0x319ee9d5, 0xc021b8f7, 0x9b540b19, 0x875fa099, 0x95f7997e, 0x623d7da8, 0xf837889a, 0x97e32d77,
    0x11ed935f, 0x16681281, 0x0e358829, 0xc7e61fd6, 0x96dedfa1, 0x7858ba99, 0x57f584a5, 0x1b227263,
    0x9b83c3ff, 0x1ac24696, 0xcdb30aeb, 0x532e3054, 0x8fd948e4, 0x6dbc3128, 0x58ebf2ef, 0x34c6ffea,
    0xfe28ed61, 0xee7c3c73, 0x5d4a14d9, 0xe864b7e3, 0x42105d14, 0x203e13e0, 0x45eee2b6, 0xa3aaabea,
    0xdb6c4f15, 0xfacb4fd0, 0xc742f442, 0xef6abbb5, 0x654f3b1d, 0x41cd2105, 0xd81e799e, 0x86854dc7,
    0xe44b476a, 0x3d816250, 0xcf62a1f2, 0x5b8d2646, 0xfc8883a0, 0xc1c7b6a3, 0x7f1524c3, 0x69cb7492,
    0x47848a0b, 0x5692b285, 0x095bbf00, 0xad19489d, 0x1462b174, 0x23820e00, 0x58428d2a, 0x0c55f5ea,
    0x1dadf43e, 0x233f7061, 0x3372f092, 0x8d937e41, 0xd65fecf1, 0x6c223bdb, 0x7cde3759, 0xcbee7460,
    0x4085f2a7, 0xce77326e, 0xa6078084, 0x19f8509e, 0xe8efd855, 0x61d99735, 0xa969a7aa, 0xc50c06c2,
    0x5a04abfc, 0x800bcadc, 0x9e447a2e, 0xc3453484, 0xfdd56705, 0x0e1e9ec9, 0xdb73dbd3, 0x105588cd,
    0x675fda79, 0xe3674340, 0xc5c43465, 0x713e38d8, 0x3d28f89e, 0xf16dff20, 0x153e21e7, 0x8fb03d4a,
    0xe6e39f2b, 0xdb83adf7, 0xe93d5a68, 0x948140f7, 0xf64c261c, 0x94692934, 0x411520f7, 0x7602d4f7,
    0xbcf46b2e, 0xd4a20068, 0xd4082471, 0x3320f46a, 0x43b7d4b7, 0x500061af, 0x1e39f62e, 0x97244546,
    0x14214f74, 0xbf8b8840, 0x4d95fc1d, 0x96b591af, 0x70f4ddd3, 0x66a02f45, 0xbfbc09ec, 0x03bd9785,
    0x7fac6dd0, 0x31cb8504, 0x96eb27b3, 0x55fd3941, 0xda2547e6, 0xabca0a9a, 0x28507825, 0x530429f4,
    0x0a2c86da, 0xe9b66dfb, 0x68dc1462, 0xd7486900, 0x680ec0a4, 0x27a18dee, 0x4f3ffea2, 0xe887ad8c,
    0xb58ce006, 0x7af4d6b6, 0xaace1e7c, 0xd3375fec, 0xce78a399, 0x406b2a42, 0x20fe9e35, 0xd9f385b9,
    0xee39d7ab, 0x3b124e8b, 0x1dc9faf7, 0x4b6d1856, 0x26a36631, 0xeae397b2, 0x3a6efa74, 0xdd5b4332,
    0x6841e7f7, 0xca7820fb, 0xfb0af54e, 0xd8feb397, 0x454056ac, 0xba489527, 0x55533a3a, 0x20838d87,
    0xfe6ba9b7, 0xd096954b, 0x55a867bc, 0xa1159a58, 0xcca92963, 0x99e1db33, 0xa62a4a56, 0x3f3125f9,
    0x5ef47e1c, 0x9029317c, 0xfdf8e802, 0x04272f70, 0x80bb155c, 0x05282ce3, 0x95c11548, 0xe4c66d22,
    0x48c1133f, 0xc70f86dc, 0x07f9c9ee, 0x41041f0f, 0x404779a4, 0x5d886e17, 0x325f51eb, 0xd59bc0d1,
    0xf2bcc18f, 0x41113564, 0x257b7834, 0x602a9c60, 0xdff8e8a3, 0x1f636c1b, 0x0e12b4c2, 0x02e1329e,
    0xaf664fd1, 0xcad18115, 0x6b2395e0, 0x333e92e1, 0x3b240b62, 0xeebeb922, 0x85b2a20e, 0xe6ba0d99,
    0xde720c8c, 0x2da2f728, 0xd0127845, 0x95b794fd, 0x647d0862, 0xe7ccf5f0, 0x5449a36f, 0x877d48fa,
    0xc39dfd27, 0xf33e8d1e, 0x0a476341, 0x992eff74, 0x3a6f6eab, 0xf4f8fd37, 0xa812dc60, 0xa1ebddf8,
    0x991be14c, 0xdb6e6b0d, 0xc67b5510, 0x6d672c37, 0x2765d43b, 0xdcd0e804, 0xf1290dc7, 0xcc00ffa3,
    0xb5390f92, 0x690fed0b, 0x667b9ffb, 0xcedb7d9c, 0xa091cf0b, 0xd9155ea3, 0xbb132f88, 0x515bad24,
    0x7b9479bf, 0x763bd6eb, 0x37392eb3, 0xcc115979, 0x8026e297, 0xf42e312d, 0x6842ada7, 0xc66a2b3b,
    0x12754ccc, 0x782ef11c, 0x6a124237, 0xb79251e7, 0x06a1bbe6, 0x4bfb6350, 0x1a6b1018, 0x11caedfa,
    0x3d25bdd8, 0xe2e1c3c9, 0x44421659, 0x0a121386, 0xd90cec6e, 0xd5abea2a, 0x64af674e, 0xda86a85f,
    0xbebfe988, 0x64e4c3fe, 0x9dbc8057, 0xf0f7c086, 0x60787bf8, 0x6003604d, 0xd1fd8346, 0xf6381fb0,
    0x7745ae04, 0xd736fccc, 0x83426b33, 0xf01eab71, 0xb0804187, 0x3c005e5f, 0x77a057be, 0xbde8ae24,
    0x55464299, 0xbf582e61, 0x4e58f48f, 0xf2ddfda2, 0xf474ef38, 0x8789bdc2, 0x5366f9c3, 0xc8b38e74,
    0xb475f255, 0x46fcd9b9, 0x7aeb2661, 0x8b1ddf84, 0x846a0e79, 0x915f95e2, 0x466e598e, 0x20b45770,
    0x8cd55591, 0xc902de4c, 0xb90bace1, 0xbb8205d0, 0x11a86248, 0x7574a99e, 0xb77f19b6, 0xe0a9dc09,
    0x662d09a1, 0xc4324633, 0xe85a1f02, 0x09f0be8c, 0x4a99a025, 0x1d6efe10, 0x1ab93d1d, 0x0ba5a4df,
    0xa186f20f, 0x2868f169, 0xdcb7da83, 0x573906fe, 0xa1e2ce9b, 0x4fcd7f52, 0x50115e01, 0xa70683fa,
    0xa002b5c4, 0x0de6d027, 0x9af88c27, 0x773f8641, 0xc3604c06, 0x61a806b5, 0xf0177a28, 0xc0f586e0,
    0x006058aa, 0x30dc7d62, 0x11e69ed7, 0x2338ea63, 0x53c2dd94, 0xc2c21634, 0xbbcbee56, 0x90bcb6de,
    0xebfc7da1, 0xce591d76, 0x6f05e409, 0x4b7c0188, 0x39720a3d, 0x7c927c24, 0x86e3725f, 0x724d9db9,
    0x1ac15bb4, 0xd39eb8fc, 0xed545578, 0x08fca5b5, 0xd83d7cd3, 0x4dad0fc4, 0x1e50ef5e, 0xb161e6f8,
    0xa28514d9, 0x6c51133c, 0x6fd5c7e7, 0x56e14ec4, 0x362abfce, 0xddc6c837, 0xd79a3234, 0x92638212,
    0x670efa8e, 0x406000e0, 0x3a39ce37, 0xd3faf5cf, 0xabc27737, 0x5ac52d1b, 0x5cb0679e, 0x4fa33742,
    0xd3822740, 0x99bc9bbe, 0xd5118e9d, 0xbf0f7315, 0xd62d1c7e, 0xc700c47b, 0xb78c1b6b, 0x21a19045,
    0xb26eb1be, 0x6a366eb4, 0x5748ab2f, 0xbc946e79, 0xc6a376d2, 0x6549c2c8, 0x530ff8ee, 0x468dde7d,
    0xd5730a1d, 0x4cd04dc6, 0x2939bbdb, 0xa9ba4650, 0xac9526e8, 0xbe5ee304, 0xa1fad5f0, 0x6a2d519a,
    0x63ef8ce2, 0x9a86ee22, 0xc089c2b8, 0x43242ef6, 0xa51e03aa, 0x9cf2d0a4, 0x83c061ba, 0x9be96a4d,
    0x8fe51550, 0xba645bd6, 0x2826a2f9, 0xa73a3ae1, 0x4ba99586, 0xef5562e9, 0xc72fefd3, 0xf752f7da,
    0x3f046f69, 0x77fa0a59, 0x80e4a915, 0x87b08601, 0x9b09e6ad, 0x3b3ee593, 0xe990fd5a, 0x9e34d797,
    0x2cf0b7d9, 0x022b8b51, 0x96d5ac3a, 0x017da67d, 0xd1cf3ed6, 0x7c7d2d28, 0x1f9f25cf, 0xadf2b89b,
    0x5ad6b472, 0x5a88f54c, 0xe029ac71, 0xe019a5e6, 0x47b0acfd, 0xed93fa9b, 0xe8d3c48d, 0x283b57cc,
    0xf8d56629, 0x79132e28, 0x785f0191, 0xed756055, 0xf7960e44, 0xe3d35e8c, 0x15056dd4, 0x88f46dba,
    0x03a16125, 0x0564f0bd, 0xc3eb9e15, 0x3c9057a2, 0x97271aec, 0xa93a072a, 0x1b3f6d9b, 0x1e6321f5,
    0xf59c66fb, 0x26dcf319, 0x7533d928, 0xb155fdf5, 0x03563482, 0x8aba3cbb, 0x28517711, 0xc20ad9f8,
    0xabcc5167, 0xccad925f, 0x4de81751, 0x3830dc8e, 0x379d5862, 0x9320f991, 0xea7a90c2, 0xfb3e7bce,
    0x5121ce64, 0x774fbe32, 0xa8b6e37e, 0xc3293d46, 0x48de5369, 0x6413e680, 0xa2ae0810, 0xdd6db224,
    0x69852dfd, 0x09072166, 0xb39a460a, 0x6445c0dd, 0x586cdecf, 0x1c20c8ae, 0x5bbef7dd, 0x1b588d40,
    0xccd2017f, 0x6bb4e3bb, 0xdda26a7e, 0x3a59ff45, 0x3e350a44, 0xbcb4cdd5, 0x72eacea8, 0xfa6484bb,
    0x8d6612ae, 0xbf3c6f47, 0xd29be463, 0x542f5d9e, 0xaec2771b, 0xf64e6370, 0x740e0d8d, 0xe75b1357,
    0xf8721671, 0xaf537d5d, 0x4040cb08, 0x4eb4e2cc, 0x34d2466a, 0x0115af84, 0xe1b00428, 0x95983a1d,
    0x06b89fb4, 0xce6ea048, 0x6f3f3b82, 0x3520ab82, 0x011a1d4b, 0x277227f8, 0x611560b1, 0xe7933fdc,
    0xbb3a792b, 0x344525bd, 0xa08839e1, 0x51ce794b, 0x2f32c9b7, 0xa01fbac9, 0xe01cc87e, 0xbcc7d1f6,
    0xcf0111c3, 0xa1e8aac7, 0x1a908749, 0xd44fbd9a, 0xd0dadecb, 0xd50ada38, 0x0339c32a, 0xc6913667,
    0x8df9317c, 0xe0b12b4f, 0xf79e59b7, 0x43f5bb3a, 0xf2d519ff, 0x27d9459c, 0xbf97222c, 0x15e6fc2a,
    0x0f91fc71, 0x9b941525, 0xfae59361, 0xceb69ceb, 0xc2a86459, 0x12baa8d1, 0xb6c1075e, 0xe3056a0c,
    0x10d25065, 0xcb03a442, 0xe0ec6e0e, 0x1698db3b, 0x4c98a0be, 0x3278e964, 0x9f1f9532, 0xe0d392df,
    0xd3a0342b, 0x8971f21e, 0x1b0a7441, 0x4ba3348c, 0xc5be7120, 0xc37632d8, 0xdf359f8d, 0x9b992f2e,
    0xe60b6f47, 0x0fe3f11d, 0xe54cda54, 0x1edad891, 0xce6279cf, 0xcd3e7e6f, 0x1618b166, 0xfd2c1d05,
    0x848fd2c5, 0xf6fb2299, 0xf523f357, 0xa6327623, 0x93a83531, 0x56cccd02, 0xacf08162, 0x5a75ebb5,
    0x6e163697, 0x88d273cc, 0xde966292, 0x81b949d0, 0x4c50901b, 0x71c65614, 0xe6c6c7bd, 0x327a140a,
    0x45e1d006, 0xc3f27b9a, 0xc9aa53fd, 0x62a80f00, 0xbb25bfe2, 0x35bdd2f6, 0x71126905, 0xb2040222,
    0xb6cbcf7c, 0xcd769c2b, 0x53113ec0, 0x1640e3d3, 0x38abbd60, 0x2547adf0, 0xba38209c, 0xf746ce76,
    0x77afa1c5, 0x20756060, 0x85cbfe4e, 0x8ae88dd8, 0x7aaaf9b0, 0x4cf9aa7e, 0x1948c25c, 0x02fb8a8c,
    0x01c36ae4, 0xd6ebe1f9, 0x90d4f869, 0xa65cdea0, 0x3f09252d, 0xc208e69f, 0xb74e6132, 0xce77e25b,
    0x578fdfe3, 0x3ac372e6,
};

struct bf {
    uint32_t p[18];
    uint32_t s[4][256];
};

static uint32_t
bf_f(const struct bf *c, uint32_t x)
{
    return ((c->s[0][x >> 24] + c->s[1][(x >> 16) & 0xff]) ^ c->s[2][(x >> 8) & 0xff]) +
           c->s[3][x & 0xff];
}

static void
bf_encrypt(const struct bf *c, uint32_t *l, uint32_t *r)
{
    uint32_t xl = *l, xr = *r;
    xl ^= c->p[0];
    for (int i = 1; i <= 16; i += 2) {
        xr ^= bf_f(c, xl) ^ c->p[i];
        xl ^= bf_f(c, xr) ^ c->p[i + 1];
    }
    xr ^= c->p[17];
    *l = xr;
    *r = xl;
}

static uint32_t
next_word(const unsigned char *b, size_t n, size_t *j)
{
    uint32_t w = 0;
    for (int k = 0; k < 4; k++) {
        w = w << 8 | b[*j];
        if (++*j >= n)
            *j = 0;
    }
    return w;
}

/* ExpandKey(key) and, with a salt, expandKeyWithSalt */
static void
bf_expand(struct bf *c, const unsigned char *key, size_t kn, const unsigned char *salt, size_t sn)
{
    size_t j = 0;
    for (int i = 0; i < 18; i++)
        c->p[i] ^= next_word(key, kn, &j);
    j = 0;
    uint32_t l = 0, r = 0;
    for (int i = 0; i < 18; i += 2) {
        if (salt) {
            l ^= next_word(salt, sn, &j);
            r ^= next_word(salt, sn, &j);
        }
        bf_encrypt(c, &l, &r);
        c->p[i] = l;
        c->p[i + 1] = r;
    }
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 256; i += 2) {
            if (salt) {
                l ^= next_word(salt, sn, &j);
                r ^= next_word(salt, sn, &j);
            }
            bf_encrypt(c, &l, &r);
            c->s[k][i] = l;
            c->s[k][i + 1] = r;
        }
}

static const char bcrypt_b64[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void
bcrypt_encode(struct sb *out, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)b[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)b[i + 1] << 8;
        if (i + 2 < n)
            v |= b[i + 2];
        size_t chars = n - i >= 3 ? 4 : n - i + 1;
        for (size_t k = 0; k < chars; k++)
            sb_addch(out, bcrypt_b64[(v >> (18 - 6 * k)) & 63]);
    }
}

void
sprig_bcrypt_hash(struct sb *out, const char *pw, size_t pn, const unsigned char salt[16], int cost)
{
    unsigned char key[73];
    memcpy(key, pw, pn);
    key[pn] = 0; /* C implementations use the trailing NUL */
    size_t kn = pn + 1;
    struct bf *c = malloc(sizeof(*c));
    if (!c)
        abort();
    memcpy(c->p, bf_init, sizeof(c->p));
    memcpy(c->s, bf_init + 18, sizeof(c->s));
    bf_expand(c, key, kn, salt, 16);
    for (uint64_t i = 0; i < (uint64_t)1 << cost; i++) {
        bf_expand(c, key, kn, NULL, 0);
        bf_expand(c, salt, 16, NULL, 0);
    }
    static const char magic[] = "OrpheanBeholderScryDoubt";
    uint32_t w[6];
    for (int i = 0; i < 6; i++)
        w[i] = (uint32_t)(unsigned char)magic[4 * i] << 24 |
               (uint32_t)(unsigned char)magic[4 * i + 1] << 16 |
               (uint32_t)(unsigned char)magic[4 * i + 2] << 8 | (unsigned char)magic[4 * i + 3];
    for (int i = 0; i < 6; i += 2)
        for (int k = 0; k < 64; k++)
            bf_encrypt(c, &w[i], &w[i + 1]);
    unsigned char h[24];
    for (int i = 0; i < 6; i++) {
        h[4 * i] = (unsigned char)(w[i] >> 24);
        h[4 * i + 1] = (unsigned char)(w[i] >> 16);
        h[4 * i + 2] = (unsigned char)(w[i] >> 8);
        h[4 * i + 3] = (unsigned char)w[i];
    }
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
    OPENSSL_cleanse(key, sizeof(key));
    sb_addf(out, "$2a$%02d$", cost);
    bcrypt_encode(out, salt, 16);
    bcrypt_encode(out, h, 23); /* 23 of the 24 bytes, as C bcrypt does */
}

#define BCRYPT_COST 10

/* Sprig's bcrypt(): the hash, or its failure text */
static void
bcrypt_str(struct sb *out, const char *pw, size_t pn)
{
    if (pn > 72) {
        sb_addstr(out,
                  "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes");
        return;
    }
    unsigned char salt[16];
    sprig_random_bytes(salt, sizeof(salt));
    sprig_bcrypt_hash(out, pw, pn, salt, BCRYPT_COST);
}

static int
fn_bcrypt(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *s = tmpl_arg_str(c, 0, &n);
    struct sb b = SB_INIT;
    bcrypt_str(&b, s, n);
    *out = tmpl_mkstr(c, b.buf, b.len);
    sb_release(&b);
    return 0;
}

static int
fn_htpasswd(struct tmpl_call *c, struct val **out)
{
    size_t un, pn;
    const char *u = tmpl_arg_str(c, 0, &un);
    const char *p = tmpl_arg_str(c, 1, &pn);
    struct sb b = SB_INIT;
    if (memchr(u, ':', un)) {
        sb_addstr(&b, "invalid username: ");
        sb_add(&b, u, un);
    } else {
        sb_add(&b, u, un);
        sb_addch(&b, ':');
        bcrypt_str(&b, p, pn);
    }
    *out = tmpl_mkstr(c, b.buf, b.len);
    sb_release(&b);
    return 0;
}

/* ---- derivePassword ---- */

static const struct {
    const char *type;
    const char *tpl[21];
} pw_templates[] = {
    {"maximum", {"anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"}},
    {"long",
     {"CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv",
      "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
      "CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
      "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
      "CvccCvcvCvccno"}},
    {"medium", {"CvcnoCvc", "CvcCvcno"}},
    {"short", {"Cvcn"}},
    {"basic", {"aaanaaan", "aannaaan", "aaannaaa"}},
    {"pin", {"nnnn"}},
};

static const char *
pw_chars(char t)
{
    switch (t) {
    case 'V':
        return "AEIOU";
    case 'C':
        return "BCDFGHJKLMNPQRSTVWXYZ";
    case 'v':
        return "aeiou";
    case 'c':
        return "bcdfghjklmnpqrstvwxyz";
    case 'A':
        return "AEIOUBCDFGHJKLMNPQRSTVWXYZ";
    case 'a':
        return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
    case 'n':
        return "0123456789";
    case 'o':
        return "@&%?,=[]_:-+*$#!'^~;()/.";
    case 'x':
        return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()";
    default:
        return "";
    }
}

static void
put_be32(struct sb *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    sb_add(b, x, 4);
}

static int
fn_derive_password(struct tmpl_call *c, struct val **out)
{
    uint32_t counter = (uint32_t)tmpl_arg_int(c, 0);
    size_t tn, pn, un, sn;
    const char *type = tmpl_arg_str(c, 1, &tn);
    const char *pw = tmpl_arg_str(c, 2, &pn);
    const char *user = tmpl_arg_str(c, 3, &un);
    const char *site = tmpl_arg_str(c, 4, &sn);
    int ti = -1;
    for (size_t i = 0; i < sizeof(pw_templates) / sizeof(pw_templates[0]); i++)
        if (strlen(pw_templates[i].type) == tn && !memcmp(pw_templates[i].type, type, tn))
            ti = (int)i;
    struct sb b = SB_INIT;
    if (ti < 0) {
        sb_addstr(&b, "cannot find password template ");
        sb_add(&b, type, tn);
        goto done;
    }
    static const char seed[] = "com.lyndir.masterpassword";
    sb_addstr(&b, seed);
    put_be32(&b, (uint32_t)un);
    sb_add(&b, user, un);
    unsigned char key[64];
    if (!EVP_PBE_scrypt(pw, pn, (const unsigned char *)b.buf, b.len, 32768, 8, 2,
                        (uint64_t)64 << 20, key, sizeof(key))) {
        sb_reset(&b);
        sb_addstr(&b, "failed to derive password: scrypt failed");
        goto done;
    }
    sb_setlen(&b, sizeof(seed) - 1);
    put_be32(&b, (uint32_t)sn);
    sb_add(&b, site, sn);
    put_be32(&b, counter);
    unsigned char mac[32];
    unsigned int ml = sizeof(mac);
    HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *)b.buf, b.len, mac, &ml);
    OPENSSL_cleanse(key, sizeof(key));
    size_t ntpl = 0;
    while (ntpl < 21 && pw_templates[ti].tpl[ntpl])
        ntpl++;
    const char *tpl = pw_templates[ti].tpl[mac[0] % ntpl];
    sb_reset(&b);
    for (size_t i = 0; tpl[i]; i++) {
        const char *chars = pw_chars(tpl[i]);
        sb_addch(&b, chars[mac[i + 1] % strlen(chars)]);
    }
done:
    *out = tmpl_mkstr(c, b.buf, b.len);
    sb_release(&b);
    return 0;
}

/* ---- PEM, as encoding/pem writes and reads it ---- */

static void
pem_encode(struct sb *out, const char *type, const unsigned char *der, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    sb_addf(out, "-----BEGIN %s-----\n", type);
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)der[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)der[i + 1] << 8;
        if (i + 2 < n)
            v |= der[i + 2];
        char q[4];
        q[0] = b64[v >> 18];
        q[1] = b64[(v >> 12) & 63];
        q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        q[3] = i + 2 < n ? b64[v & 63] : '=';
        for (int k = 0; k < 4; k++) {
            sb_addch(out, q[k]);
            if (++col == 64) {
                sb_addch(out, '\n');
                col = 0;
            }
        }
    }
    if (col)
        sb_addch(out, '\n');
    sb_addf(out, "-----END %s-----\n", type);
}

struct pem_block {
    char type[64];
    unsigned char *der;
    size_t len;
};

static int
b64val(int ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

/* pem.Decode: the first block in s; false when there is none */
static bool
pem_decode(const char *s, size_t n, struct pem_block *blk)
{
    memset(blk, 0, sizeof(*blk));
    const char *p = s, *end = s + n;
    for (;;) {
        const char *b = memmem(p, (size_t)(end - p), "-----BEGIN ", 11);
        if (!b)
            return false;
        if (b != s && b[-1] != '\n') {
            p = b + 11;
            continue;
        }
        const char *tp = b + 11;
        const char *te = memmem(tp, (size_t)(end - tp), "-----", 5);
        const char *eol = memchr(tp, '\n', (size_t)(end - tp));
        if (!te || (eol && te > eol) || (size_t)(te - tp) >= sizeof(blk->type)) {
            p = tp;
            continue;
        }
        size_t tl = (size_t)(te - tp);
        memcpy(blk->type, tp, tl);
        blk->type[tl] = 0;
        const char *body = eol ? eol + 1 : end;
        char endm[96];
        snprintf(endm, sizeof(endm), "-----END %s-----", blk->type);
        const char *e = memmem(body, (size_t)(end - body), endm, strlen(endm));
        if (!e) {
            p = tp;
            continue;
        }
        /* skip "Key: value" header lines */
        const char *q = body;
        for (;;) {
            const char *nl = memchr(q, '\n', (size_t)(e - q));
            if (!nl || !memchr(q, ':', (size_t)(nl - q)))
                break;
            q = nl + 1;
        }
        blk->der = malloc((size_t)(e - q) + 3);
        if (!blk->der)
            abort();
        uint32_t acc = 0;
        int bits = 0;
        bool bad = false, pad = false;
        for (const char *r = q; r < e; r++) {
            if (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')
                continue;
            if (*r == '=') {
                pad = true;
                continue;
            }
            int v = b64val((unsigned char)*r);
            if (v < 0 || pad) {
                bad = true;
                break;
            }
            acc = acc << 6 | (uint32_t)v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                blk->der[blk->len++] = (unsigned char)(acc >> bits);
            }
        }
        if (bad) {
            free(blk->der);
            blk->der = NULL;
            blk->len = 0;
            p = tp;
            continue;
        }
        return true;
    }
}

/* ---- keys ---- */

static EVP_PKEY *
gen_key(const char *type)
{
    if (!strcmp(type, "rsa4096"))
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
    if (!strcmp(type, "rsa2048"))
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (!strcmp(type, "ecdsa"))
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!strcmp(type, "ed25519"))
        return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!strcmp(type, "dsa")) {
        EVP_PKEY *params = NULL, *key = NULL;
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
        if (pc && EVP_PKEY_paramgen_init(pc) > 0 &&
            EVP_PKEY_CTX_set_dsa_paramgen_bits(pc, 2048) > 0 &&
            EVP_PKEY_CTX_set_dsa_paramgen_q_bits(pc, 256) > 0 &&
            EVP_PKEY_paramgen(pc, &params) > 0) {
            EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
            if (kc && EVP_PKEY_keygen_init(kc) > 0)
                EVP_PKEY_keygen(kc, &key);
            EVP_PKEY_CTX_free(kc);
        }
        EVP_PKEY_free(params);
        EVP_PKEY_CTX_free(pc);
        return key;
    }
    return NULL;
}

/* pemBlockForKey */
static bool
key_pem(struct sb *out, EVP_PKEY *k)
{
    const char *type;
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
        type = "RSA PRIVATE KEY";
        break;
    case EVP_PKEY_DSA:
        type = "DSA PRIVATE KEY";
        break;
    case EVP_PKEY_EC:
        type = "EC PRIVATE KEY";
        break;
    default:
        type = "PRIVATE KEY";
        break;
    }
    unsigned char *der = NULL;
    int n = i2d_PrivateKey(k, &der);
    if (n <= 0)
        return false;
    pem_encode(out, type, der, (size_t)n);
    OPENSSL_free(der);
    return true;
}

static int
fn_gen_private_key(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *t = tmpl_arg_str(c, 0, &n);
    const char *kind = NULL;
    if (n == 0 || (n == 3 && !memcmp(t, "rsa", 3)))
        kind = "rsa4096";
    else if (n == 3 && !memcmp(t, "dsa", 3))
        kind = "dsa";
    else if (n == 5 && !memcmp(t, "ecdsa", 5))
        kind = "ecdsa";
    else if (n == 7 && !memcmp(t, "ed25519", 7))
        kind = "ed25519";
    struct sb b = SB_INIT;
    if (!kind) {
        sb_addstr(&b, "Unknown type ");
        sb_add(&b, t, n);
    } else {
        EVP_PKEY *k = gen_key(kind);
        if (!k || !key_pem(&b, k)) {
            sb_reset(&b);
            sb_addstr(&b, "failed to generate private key: key generation failed");
        }
        EVP_PKEY_free(k);
    }
    *out = tmpl_mkstr(c, b.buf, b.len);
    sb_release(&b);
    return 0;
}

/* parsePrivateKeyPEM: the key, or NULL with Go's message in err */
static EVP_PKEY *
parse_key_pem(const char *s, size_t n, struct sb *err)
{
    struct pem_block blk;
    if (!pem_decode(s, n, &blk)) {
        sb_addstr(err, "no PEM data in input");
        return NULL;
    }
    EVP_PKEY *k = NULL;
    const unsigned char *p = blk.der;
    size_t tl = strlen(blk.type);
    if (!strcmp(blk.type, "PRIVATE KEY")) {
        PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)blk.len);
        if (p8)
            k = EVP_PKCS82PKEY(p8);
        PKCS8_PRIV_KEY_INFO_free(p8);
        if (!k)
            sb_addstr(err, "decoding PEM as PKCS#8: x509: failed to parse private key");
    } else if (tl < 12 || strcmp(blk.type + tl - 12, " PRIVATE KEY")) {
        sb_addf(err, "no private key data in PEM block of type %s", blk.type);
    } else if (tl == 15 && !memcmp(blk.type, "RSA", 3)) {
        k = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, (long)blk.len);
        if (!k)
            sb_addstr(err, "parsing RSA private key from PEM: x509: failed to parse private key");
    } else if (tl == 14 && !memcmp(blk.type, "EC", 2)) {
        k = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, (long)blk.len);
        if (!k)
            sb_addstr(err, "parsing EC private key from PEM: x509: failed to parse EC private key");
    } else if (tl == 15 && !memcmp(blk.type, "DSA", 3)) {
        k = d2i_PrivateKey(EVP_PKEY_DSA, NULL, &p, (long)blk.len);
        if (!k)
            sb_addstr(err, "parsing DSA private key from PEM: asn1: structure error");
    } else {
        sb_addf(err, "invalid private key type %s", blk.type);
    }
    free(blk.der);
    return k;
}

/* ---- sprig.certificate ---- */

/* A genCA certificate is made when it is first read (.Cert, .Key,
 * printing, toYaml, genSignedCert): charts often call genCA at the top of
 * a file and use it under a condition that is false, and the RSA key costs
 * more than the rest of the render (bitnami thanos: 170 ms). genCA without
 * a key cannot fail on its input, so the answer is the same; only the
 * moment of time.Now() moves, by the length of the render. */
struct cert {
    struct val *cert, *key; /* NULL until made */
    struct arena *a;        /* for the lazy case: where they are made */
    const char *cn;
    size_t cnlen;
    int64_t days;
};

static const struct cert *cert_ready(const struct val *obj);

static int
cert_field(struct val **out, struct arena *a, const struct val *obj, const char *name)
{
    (void)a;
    const struct cert *c = cert_ready(obj);
    if (!strcmp(name, "Cert")) {
        *out = c->cert;
        return 0;
    }
    if (!strcmp(name, "Key")) {
        *out = c->key;
        return 0;
    }
    return PKG_ENOENT;
}

static struct val *
cert_fields(struct arena *a, const struct val *obj)
{
    const struct cert *c = cert_ready(obj);
    struct val *l = val_seq(a);
    val_seq_push(a, l, c->cert);
    val_seq_push(a, l, c->key);
    return l;
}

static struct val *
cert_to_val(struct arena *a, const struct val *obj)
{
    const struct cert *c = cert_ready(obj);
    struct val *m = val_map(a);
    val_map_setz(a, m, "Cert", c->cert);
    val_map_setz(a, m, "Key", c->key);
    return m;
}

static const char *const cert_names[] = {"Cert", "Key"};

static const struct tmpl_objtype cert_type = {
    .base = {.name = "sprig.certificate", .to_val = cert_to_val},
    .kind = TMPL_OBJ_STRUCT,
    .field = cert_field,
    .fields = cert_fields,
    .field_names = cert_names,
};

static struct val *
mk_cert(struct tmpl_call *c, const char *cert, size_t cn, const char *key, size_t kn)
{
    struct cert *p = arena_alloc(c->a, sizeof(*p));
    p->cert = tmpl_mkstr(c, cert, cn);
    p->key = tmpl_mkstr(c, key, kn);
    return val_obj(c->a, &cert_type.base, p);
}

/* a failing function returns certificate{} and the error */
static int
cert_fail(struct tmpl_call *c, const char *msg)
{
    return tmpl_fail(c, "%s", msg);
}

/* net.ParseIP: IPv4 dotted quad (no leading zeros) or IPv6 */
static bool
parse_ip(const char *s, size_t n, unsigned char *out, size_t *outlen)
{
    char buf[64];
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (!memchr(s, ':', n)) {
        int parts = 0;
        const char *p = buf;
        while (parts < 4) {
            if (*p < '0' || *p > '9')
                return false;
            if (*p == '0' && p[1] >= '0' && p[1] <= '9')
                return false;
            int v = 0, digits = 0;
            while (*p >= '0' && *p <= '9') {
                v = v * 10 + (*p - '0');
                if (++digits > 3 || v > 255)
                    return false;
                p++;
            }
            out[parts++] = (unsigned char)v;
            if (parts < 4) {
                if (*p != '.')
                    return false;
                p++;
            }
        }
        if (*p)
            return false;
        *outlen = 4;
        return true;
    }
    if (memchr(s, '%', n))
        return false;
    if (inet_pton(AF_INET6, buf, out) != 1)
        return false;
    *outlen = 16;
    /* an IPv4-mapped address is encoded as IPv4, as Go's To4() does */
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!memcmp(out, mapped, 12)) {
        memmove(out, out + 12, 4);
        *outlen = 4;
    }
    return true;
}

struct cert_opts {
    const char *cn;
    size_t cnlen;
    const struct val *ips, *dns;
    int64_t days;
    bool is_ca;
};

/* getNetIPs and getAlternateDNSStrs, into a GENERAL_NAMES */
static int
san_names(struct tmpl_call *c, const struct cert_opts *o, GENERAL_NAMES **out)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    struct sb m = SB_INIT;
    int rc = 0;
    /* Go writes DNS names first, then IP addresses */
    for (uint32_t i = 0; o->dns && i < o->dns->u.seq.len; i++) {
        const struct val *v = o->dns->u.seq.items[i];
        if (v->kind != VAL_STRING || v->gotype != VAL_GO_AUTO) {
            sb_addstr(&m, "error processing alternate dns name: ");
            tmpl_fmt_v(&m, v);
            sb_addstr(&m, " is not a string");
            rc = cert_fail(c, m.buf);
            goto out;
        }
    }
    for (uint32_t i = 0; o->ips && i < o->ips->u.seq.len; i++) {
        const struct val *v = o->ips->u.seq.items[i];
        if (v->kind != VAL_STRING || v->gotype != VAL_GO_AUTO) {
            sb_addstr(&m, "error parsing ip: ");
            tmpl_fmt_v(&m, v);
            sb_addstr(&m, " is not a string");
            rc = cert_fail(c, m.buf);
            goto out;
        }
    }
    for (uint32_t i = 0; o->ips && i < o->ips->u.seq.len; i++) {
        const struct val *v = o->ips->u.seq.items[i];
        unsigned char ip[16];
        size_t il;
        if (!parse_ip(v->u.s.ptr, v->u.s.len, ip, &il)) {
            sb_addstr(&m, "error parsing ip: ");
            sb_add(&m, v->u.s.ptr, v->u.s.len);
            rc = cert_fail(c, m.buf);
            goto out;
        }
    }
    for (uint32_t i = 0; o->dns && i < o->dns->u.seq.len; i++) {
        const struct val *v = o->dns->u.seq.items[i];
        GENERAL_NAME *g = GENERAL_NAME_new();
        ASN1_IA5STRING *s = ASN1_IA5STRING_new();
        ASN1_STRING_set(s, v->u.s.ptr, (int)v->u.s.len);
        GENERAL_NAME_set0_value(g, GEN_DNS, s);
        sk_GENERAL_NAME_push(gens, g);
    }
    for (uint32_t i = 0; o->ips && i < o->ips->u.seq.len; i++) {
        const struct val *v = o->ips->u.seq.items[i];
        unsigned char ip[16];
        size_t il;
        parse_ip(v->u.s.ptr, v->u.s.len, ip, &il);
        GENERAL_NAME *g = GENERAL_NAME_new();
        ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
        ASN1_OCTET_STRING_set(s, ip, (int)il);
        GENERAL_NAME_set0_value(g, GEN_IPADD, s);
        sk_GENERAL_NAME_push(gens, g);
    }
out:
    sb_release(&m);
    if (rc) {
        GENERAL_NAMES_free(gens);
        return rc;
    }
    *out = gens;
    return 0;
}

static bool
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    if (!e)
        return false;
    bool ok = X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok;
}

/* The string type Go's encoding/asn1 marshals a Go string as: a
 * PrintableString when every byte is in its set ('*' and '&' rejected when
 * marshalling), a UTF8String otherwise. */
static int
asn1_string_type(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        bool printable = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
                         (b >= '0' && b <= '9') || (b >= '\'' && b <= ')') ||
                         (b >= '+' && b <= '/') || b == ' ' || b == ':' || b == '=' || b == '?';
        if (!printable)
            return V_ASN1_UTF8STRING;
    }
    return V_ASN1_PRINTABLESTRING;
}

/* getCertAndKey(template, signee key, parent, signing key) into PEM text:
 * NULL, or Go's message. gens may be NULL (no subject alternative names). */
static const char *
cert_pem(const struct cert_opts *o, GENERAL_NAMES *gens, EVP_PKEY *key, X509 *parent,
         EVP_PKEY *signer, struct sb *cb, struct sb *kb)
{
    int base = EVP_PKEY_get_base_id(signer);
    X509 *x = X509_new();
    BIGNUM *serial = BN_new(), *lim = BN_new();
    const char *err = NULL;
    X509_set_version(x, 2);
    BN_set_bit(lim, 128);
    BN_rand_range(serial, lim);
    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x));
    X509_NAME *name = X509_NAME_new();
    if (o->cnlen > 0)
        X509_NAME_add_entry_by_NID(name, NID_commonName, asn1_string_type(o->cn, o->cnlen),
                                   (const unsigned char *)o->cn, (int)o->cnlen, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, parent ? X509_get_subject_name(parent) : name);
    X509_NAME_free(name);
    time_t now = time(NULL);
    ASN1_TIME_set(X509_getm_notBefore(x), now);
    ASN1_TIME_adj(X509_getm_notAfter(x), now, (int)o->days, 0);
    X509_set_pubkey(x, key);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, parent ? parent : x, x, NULL, NULL, 0);
    bool ok = add_ext(x, &ctx, NID_key_usage,
                      o->is_ca ? "critical,digitalSignature,keyEncipherment,keyCertSign"
                               : "critical,digitalSignature,keyEncipherment") &&
              add_ext(x, &ctx, NID_ext_key_usage, "serverAuth,clientAuth") &&
              add_ext(x, &ctx, NID_basic_constraints,
                      o->is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    if (ok && o->is_ca)
        ok = add_ext(x, &ctx, NID_subject_key_identifier, "hash");
    if (ok && parent && X509_get0_subject_key_id(parent) &&
        X509_NAME_cmp(X509_get_subject_name(parent), X509_get_subject_name(x)) != 0)
        ok = add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    if (ok && gens && sk_GENERAL_NAME_num(gens) > 0)
        ok = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, o->cnlen == 0, X509V3_ADD_DEFAULT) ==
             1;
    const EVP_MD *md = base == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
    unsigned char *der = NULL;
    int n;
    if (!ok || X509_sign(x, signer, md) <= 0)
        err = "error creating certificate: x509: signing failed";
    else if ((n = i2d_X509(x, &der)) <= 0)
        err = "error creating certificate: x509: encoding failed";
    else {
        pem_encode(cb, "CERTIFICATE", der, (size_t)n);
        OPENSSL_free(der);
        if (!key_pem(kb, key))
            err = "error pem-encoding key";
    }
    BN_free(serial);
    BN_free(lim);
    X509_free(x);
    return err;
}

static int
make_cert(struct tmpl_call *c, const struct cert_opts *o, EVP_PKEY *key, X509 *parent,
          EVP_PKEY *signer, struct val **out)
{
    if (EVP_PKEY_get_base_id(signer) == EVP_PKEY_DSA)
        return cert_fail(c, "error creating certificate: x509: certificate private key does not "
                            "implement crypto.Signer");
    GENERAL_NAMES *gens = NULL;
    int rc = san_names(c, o, &gens);
    if (rc)
        return rc;
    struct sb cb = SB_INIT, kb = SB_INIT;
    const char *err = cert_pem(o, gens, key, parent, signer, &cb, &kb);
    if (err)
        rc = cert_fail(c, err);
    else
        *out = mk_cert(c, cb.buf, cb.len, kb.buf, kb.len);
    sb_release(&cb);
    sb_release(&kb);
    GENERAL_NAMES_free(gens);
    return rc;
}

/* Makes a lazy genCA certificate (see struct cert). Its failures are the
 * library's own (no randomness, no memory), never the chart's: they end
 * the process as helm's error would have ended the render. */
static const struct cert *
cert_ready(const struct val *obj)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    struct cert *p = obj->u.obj.ptr;
    pthread_mutex_lock(&mu);
    if (!p->cert) {
        struct cert_opts o = {.cn = p->cn, .cnlen = p->cnlen, .days = p->days, .is_ca = true};
        struct sb cb = SB_INIT, kb = SB_INIT;
        EVP_PKEY *k = gen_key("rsa2048");
        const char *err = k ? cert_pem(&o, NULL, k, NULL, k, &cb, &kb)
                            : "error generating rsa key: key generation failed";
        if (err) {
            fprintf(stderr, "Error: error calling genCA: %s\n", err);
            exit(1);
        }
        EVP_PKEY_free(k);
        p->key = val_str(p->a, kb.buf, kb.len);
        p->cert = val_str(p->a, cb.buf, cb.len);
        sb_release(&cb);
        sb_release(&kb);
    }
    pthread_mutex_unlock(&mu);
    return p;
}

static EVP_PKEY *
key_arg(struct tmpl_call *c, size_t i, int *rc)
{
    size_t n;
    const char *s = tmpl_arg_str(c, i, &n);
    struct sb err = SB_INIT;
    EVP_PKEY *k = parse_key_pem(s, n, &err);
    if (!k)
        *rc = tmpl_fail(c, "parsing private key: %s", err.buf);
    sb_release(&err);
    return k;
}

static int
gen_ca(struct tmpl_call *c, struct val **out, bool with_key)
{
    struct cert_opts o = {0};
    o.cn = tmpl_arg_str(c, 0, &o.cnlen);
    o.days = tmpl_arg_int(c, 1);
    o.is_ca = true;
    if (!with_key) {
        struct cert *p = arena_alloc(c->a, sizeof(*p));
        p->a = c->a;
        p->cn = arena_memdup(c->a, o.cn, o.cnlen);
        p->cnlen = o.cnlen;
        p->days = o.days;
        *out = val_obj(c->a, &cert_type.base, p);
        return 0;
    }
    int rc = 0;
    EVP_PKEY *k = key_arg(c, 2, &rc);
    if (!k)
        return rc;
    rc = make_cert(c, &o, k, NULL, k, out);
    EVP_PKEY_free(k);
    return rc;
}

static int
fn_gen_ca(struct tmpl_call *c, struct val **out)
{
    return gen_ca(c, out, false);
}

static int
fn_gen_ca_with_key(struct tmpl_call *c, struct val **out)
{
    return gen_ca(c, out, true);
}

static int
gen_self_signed(struct tmpl_call *c, struct val **out, bool with_key)
{
    struct cert_opts o = {0};
    o.cn = tmpl_arg_str(c, 0, &o.cnlen);
    o.ips = c->argv[1];
    o.dns = c->argv[2];
    o.days = tmpl_arg_int(c, 3);
    int rc = 0;
    EVP_PKEY *k = with_key ? key_arg(c, 4, &rc) : gen_key("rsa2048");
    if (!k)
        return rc ? rc : tmpl_fail(c, "error generating rsa key: key generation failed");
    rc = make_cert(c, &o, k, NULL, k, out);
    EVP_PKEY_free(k);
    return rc;
}

static int
fn_gen_self_signed_cert(struct tmpl_call *c, struct val **out)
{
    return gen_self_signed(c, out, false);
}

static int
fn_gen_self_signed_cert_with_key(struct tmpl_call *c, struct val **out)
{
    return gen_self_signed(c, out, true);
}

static const struct cert *
cert_of(const struct val *v)
{
    if (v->kind == VAL_OBJ && v->u.obj.type == &cert_type.base)
        return cert_ready(v);
    return NULL;
}

static int
gen_signed(struct tmpl_call *c, struct val **out, bool with_key)
{
    /* the executor has checked the CA's type (sprig.certificate) */
    const struct cert *ca = cert_of(c->argv[4]);
    struct cert_opts o = {0};
    o.cn = tmpl_arg_str(c, 0, &o.cnlen);
    o.ips = c->argv[1];
    o.dns = c->argv[2];
    o.days = tmpl_arg_int(c, 3);
    int rc = 0;
    EVP_PKEY *k = with_key ? key_arg(c, 5, &rc) : gen_key("rsa2048");
    if (!k)
        return rc ? rc : tmpl_fail(c, "error generating rsa key: key generation failed");
    struct pem_block blk;
    X509 *parent = NULL;
    EVP_PKEY *signer = NULL;
    if (!pem_decode(ca->cert->u.s.ptr, ca->cert->u.s.len, &blk)) {
        rc = tmpl_fail(c, "unable to decode certificate");
        goto out;
    }
    const unsigned char *p = blk.der;
    parent = d2i_X509(NULL, &p, (long)blk.len);
    free(blk.der);
    if (!parent) {
        rc = tmpl_fail(c, "error parsing certificate: decodedSignerCert.Bytes: x509: malformed "
                          "certificate");
        goto out;
    }
    struct sb err = SB_INIT;
    signer = parse_key_pem(ca->key->u.s.ptr, ca->key->u.s.len, &err);
    if (!signer) {
        rc = tmpl_fail(c, "error parsing private key: %s", err.buf);
        sb_release(&err);
        goto out;
    }
    sb_release(&err);
    rc = make_cert(c, &o, k, parent, signer, out);
out:
    EVP_PKEY_free(k);
    EVP_PKEY_free(signer);
    X509_free(parent);
    return rc;
}

static int
fn_gen_signed_cert(struct tmpl_call *c, struct val **out)
{
    return gen_signed(c, out, false);
}

static int
fn_gen_signed_cert_with_key(struct tmpl_call *c, struct val **out)
{
    return gen_signed(c, out, true);
}

/* base64.StdEncoding.DecodeString (strict enough for certificates) */
static bool
b64_decode_std(const char *s, size_t n, struct sb *out)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t pad = 0, chars = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n')
            continue;
        chars++;
        if (s[i] == '=') {
            pad++;
            continue;
        }
        int v = b64val((unsigned char)s[i]);
        if (v < 0 || pad)
            return false;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            sb_addch(out, (int)((acc >> bits) & 0xff));
        }
    }
    return chars % 4 == 0 && pad <= 2;
}

static int
fn_build_custom_cert(struct tmpl_call *c, struct val **out)
{
    size_t cn, kn;
    const char *cs = tmpl_arg_str(c, 0, &cn);
    const char *ks = tmpl_arg_str(c, 1, &kn);
    struct sb cert = SB_INIT, key = SB_INIT, err = SB_INIT;
    int rc = 0;
    struct pem_block blk = {0};
    EVP_PKEY *k = NULL;
    if (!b64_decode_std(cs, cn, &cert)) {
        rc = tmpl_fail(c, "unable to decode base64 certificate");
        goto out;
    }
    if (!b64_decode_std(ks, kn, &key)) {
        rc = tmpl_fail(c, "unable to decode base64 private key");
        goto out;
    }
    if (!pem_decode(cert.buf, cert.len, &blk)) {
        rc = tmpl_fail(c, "unable to decode certificate");
        goto out;
    }
    const unsigned char *p = blk.der;
    X509 *x = d2i_X509(NULL, &p, (long)blk.len);
    if (!x) {
        rc = tmpl_fail(c, "error parsing certificate: decodedCert.Bytes: x509: malformed "
                          "certificate");
        goto out;
    }
    X509_free(x);
    k = parse_key_pem(key.buf, key.len, &err);
    if (!k) {
        rc = tmpl_fail(c, "error parsing private key: %s", err.buf);
        goto out;
    }
    *out = mk_cert(c, cert.buf, cert.len, key.buf, key.len);
out:
    free(blk.der);
    EVP_PKEY_free(k);
    sb_release(&cert);
    sb_release(&key);
    sb_release(&err);
    return rc;
}

/* ---- AES ---- */

static void
b64_encode_std(struct sb *out, const unsigned char *b, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)b[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)b[i + 1] << 8;
        if (i + 2 < n)
            v |= b[i + 2];
        sb_addch(out, t[v >> 18]);
        sb_addch(out, t[(v >> 12) & 63]);
        sb_addch(out, i + 1 < n ? t[(v >> 6) & 63] : '=');
        sb_addch(out, i + 2 < n ? t[v & 63] : '=');
    }
}

static bool
aes_cbc(bool enc, const unsigned char key[32], const unsigned char iv[16], const unsigned char *in,
        size_t n, unsigned char *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int l1 = 0;
    bool ok = ctx && EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv, enc ? 1 : 0) &&
              EVP_CIPHER_CTX_set_padding(ctx, 0) && EVP_CipherUpdate(ctx, out, &l1, in, (int)n) &&
              (size_t)l1 == n;
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

static int
fn_encrypt_aes(struct tmpl_call *c, struct val **out)
{
    size_t pn, n;
    const char *pw = tmpl_arg_str(c, 0, &pn);
    const char *plain = tmpl_arg_str(c, 1, &n);
    if (n == 0) {
        *out = tmpl_mkstr(c, "", 0);
        return 0;
    }
    if (n > SPRIG_MAX_STRING)
        return tmpl_fail_code(c, PKG_ELIMIT, "input too large");
    unsigned char key[32] = {0};
    memcpy(key, pw, pn < 32 ? pn : 32);
    size_t pad = 16 - n % 16, total = n + pad;
    unsigned char *buf = malloc(16 + total * 2);
    if (!buf)
        abort();
    unsigned char *content = buf + 16 + total;
    memcpy(content, plain, n);
    memset(content + n, (int)pad, pad);
    sprig_random_bytes(buf, 16);
    bool ok = aes_cbc(true, key, buf, content, total, buf + 16);
    OPENSSL_cleanse(key, sizeof(key));
    int rc = 0;
    if (ok) {
        struct sb b = SB_INIT;
        b64_encode_std(&b, buf, 16 + total);
        *out = tmpl_mkstr(c, b.buf, b.len);
        sb_release(&b);
    } else {
        rc = tmpl_fail(c, "crypto/aes: encryption failed");
    }
    free(buf);
    return rc;
}

static int
fn_decrypt_aes(struct tmpl_call *c, struct val **out)
{
    size_t pn, n;
    const char *pw = tmpl_arg_str(c, 0, &pn);
    const char *s = tmpl_arg_str(c, 1, &n);
    if (n == 0) {
        *out = tmpl_mkstr(c, "", 0);
        return 0;
    }
    unsigned char key[32] = {0};
    memcpy(key, pw, pn < 32 ? pn : 32);
    struct sb raw = SB_INIT;
    long bad = sprig_b64_decode((const unsigned char *)s, n, &raw);
    if (bad >= 0) {
        sb_release(&raw);
        return tmpl_fail(c, "illegal base64 data at input byte %ld", bad);
    }
    int rc = 0;
    size_t len = raw.len;
    if (len < 16) {
        /* the decoded slice's capacity is DecodedLen of the input */
        rc = tmpl_fail(c, "runtime error: slice bounds out of range [:16] with capacity %zu",
                       n / 4 * 3);
        goto out;
    }
    size_t cl = len - 16;
    if (cl % 16 != 0) {
        rc = tmpl_fail(c, "crypto/cipher: input not full blocks");
        goto out;
    }
    if (cl == 0) {
        rc = tmpl_fail(c, "runtime error: index out of range [-1]");
        goto out;
    }
    unsigned char *plain = malloc(cl);
    if (!plain)
        abort();
    aes_cbc(false, key, (const unsigned char *)raw.buf, (const unsigned char *)raw.buf + 16, cl,
            plain);
    size_t padn = plain[cl - 1];
    if (padn > cl) {
        rc = tmpl_fail(c, "runtime error: slice bounds out of range [:%lld]",
                       (long long)cl - (long long)padn);
    } else {
        *out = tmpl_mkstr(c, (const char *)plain, cl - padn);
    }
    OPENSSL_cleanse(plain, cl);
    free(plain);
out:
    OPENSSL_cleanse(key, sizeof(key));
    sb_release(&raw);
    return rc;
}

/* ---- random values ---- */

static int
fn_rand_bytes(struct tmpl_call *c, struct val **out)
{
    int64_t n = tmpl_arg_int(c, 0);
    if (n < 0)
        return tmpl_fail(c, "runtime error: makeslice: len out of range");
    if ((uint64_t)n > SPRIG_MAX_STRING / 2)
        return tmpl_fail_code(c, PKG_ELIMIT, "randBytes: too many bytes");
    unsigned char *b = malloc((size_t)n + 1);
    if (!b)
        abort();
    sprig_random_bytes(b, (size_t)n);
    struct sb s = SB_INIT;
    b64_encode_std(&s, b, (size_t)n);
    free(b);
    *out = tmpl_mkstr(c, s.buf, s.len);
    sb_release(&s);
    return 0;
}

static int
rand_from(struct tmpl_call *c, struct val **out, const char *alphabet)
{
    int64_t n = tmpl_arg_int(c, 0);
    if (n <= 0) {
        *out = tmpl_mkstr(c, "", 0);
        return 0;
    }
    if ((uint64_t)n > SPRIG_MAX_STRING)
        return tmpl_fail_code(c, PKG_ELIMIT, "random string too long");
    size_t k = strlen(alphabet);
    char *p;
    *out = sprig_str_alloc(c, (size_t)n, &p);
    for (int64_t i = 0; i < n; i++)
        p[i] = alphabet[sprig_random_below(k)];
    return 0;
}

static int
fn_rand_alpha_num(struct tmpl_call *c, struct val **out)
{
    return rand_from(c, out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
}

static int
fn_rand_alpha(struct tmpl_call *c, struct val **out)
{
    return rand_from(c, out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
}

static int
fn_rand_numeric(struct tmpl_call *c, struct val **out)
{
    return rand_from(c, out, "0123456789");
}

static int
fn_rand_ascii(struct tmpl_call *c, struct val **out)
{
    return rand_from(c, out,
                     " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
                     "abcdefghijklmnopqrstuvwxyz{|}~");
}

static int
fn_uuidv4(struct tmpl_call *c, struct val **out)
{
    unsigned char u[16];
    sprig_random_bytes(u, sizeof(u));
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
    char buf[37];
    snprintf(buf, sizeof(buf),
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
    *out = tmpl_mkstr(c, buf, 36);
    return 0;
}

const struct tmpl_func tmpl_funcs_sprig_crypto[] = {
    {"sha1sum", fn_sha1sum, "func(string) string"},
    {"sha256sum", fn_sha256sum, "func(string) string"},
    {"sha512sum", fn_sha512sum, "func(string) string"},
    {"adler32sum", fn_adler32sum, "func(string) string"},
    {"bcrypt", fn_bcrypt, "func(string) string"},
    {"htpasswd", fn_htpasswd, "func(string, string) string"},
    {"derivePassword", fn_derive_password, "func(uint32, string, string, string, string) string"},
    {"genPrivateKey", fn_gen_private_key, "func(string) string"},
    {"buildCustomCert", fn_build_custom_cert, "func(string, string) (sprig.certificate, error)"},
    {"genCA", fn_gen_ca, "func(string, int) (sprig.certificate, error)"},
    {"genCAWithKey", fn_gen_ca_with_key, "func(string, int, string) (sprig.certificate, error)"},
    {"genSelfSignedCert", fn_gen_self_signed_cert,
     "func(string, []interface {}, []interface {}, int) (sprig.certificate, error)"},
    {"genSelfSignedCertWithKey", fn_gen_self_signed_cert_with_key,
     "func(string, []interface {}, []interface {}, int, string) (sprig.certificate, error)"},
    {"genSignedCert", fn_gen_signed_cert,
     "func(string, []interface {}, []interface {}, int, sprig.certificate) (sprig.certificate, "
     "error)"},
    {"genSignedCertWithKey", fn_gen_signed_cert_with_key,
     "func(string, []interface {}, []interface {}, int, sprig.certificate, string) "
     "(sprig.certificate, error)"},
    {"encryptAES", fn_encrypt_aes, "func(string, string) (string, error)"},
    {"decryptAES", fn_decrypt_aes, "func(string, string) (string, error)"},
    {"randBytes", fn_rand_bytes, "func(int) (string, error)"},
    {"randAlphaNum", fn_rand_alpha_num, "func(int) string"},
    {"randAlpha", fn_rand_alpha, "func(int) string"},
    {"randAscii", fn_rand_ascii, "func(int) string"},
    {"randNumeric", fn_rand_numeric, "func(int) string"},
    {"uuidv4", fn_uuidv4, "func() string"},
    {NULL, NULL, NULL},
};
