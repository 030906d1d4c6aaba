/* Unit tests of Sprig's functions beyond the data-driven cases of
 * testdata/render/sprig-*.test: every name in Sprig v3.3.0's function map
 * (what Helm v3.17 links) resolves, except env and expandenv which Helm
 * removes; bcrypt against vectors made by libxcrypt; properties of the
 * random functions (lengths, alphabets, UUID layout); AES against
 * OpenSSL's own CBC; keys and certificates parsed and verified with
 * OpenSSL (chains verify against their CA, SANs, CA flags); strconv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/core.h"
#include "render/render.h"
#include "render/sprig.h"

static const char *const sprig_names[] = {
    "hello",
    "ago",
    "date",
    "date_in_zone",
    "date_modify",
    "dateInZone",
    "dateModify",
    "duration",
    "durationRound",
    "htmlDate",
    "htmlDateInZone",
    "must_date_modify",
    "mustDateModify",
    "mustToDate",
    "now",
    "toDate",
    "unixEpoch",
    "abbrev",
    "abbrevboth",
    "trunc",
    "trim",
    "upper",
    "lower",
    "title",
    "untitle",
    "substr",
    "repeat",
    "trimall",
    "trimAll",
    "trimSuffix",
    "trimPrefix",
    "nospace",
    "initials",
    "randAlphaNum",
    "randAlpha",
    "randAscii",
    "randNumeric",
    "swapcase",
    "shuffle",
    "snakecase",
    "camelcase",
    "kebabcase",
    "wrap",
    "wrapWith",
    "contains",
    "hasPrefix",
    "hasSuffix",
    "quote",
    "squote",
    "cat",
    "indent",
    "nindent",
    "replace",
    "plural",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "adler32sum",
    "toString",
    "atoi",
    "int64",
    "int",
    "float64",
    "seq",
    "toDecimal",
    "split",
    "splitList",
    "splitn",
    "toStrings",
    "until",
    "untilStep",
    "add1",
    "add",
    "sub",
    "div",
    "mod",
    "mul",
    "randInt",
    "add1f",
    "addf",
    "subf",
    "divf",
    "mulf",
    "biggest",
    "max",
    "min",
    "maxf",
    "minf",
    "ceil",
    "floor",
    "round",
    "join",
    "sortAlpha",
    "default",
    "empty",
    "coalesce",
    "all",
    "any",
    "compact",
    "mustCompact",
    "fromJson",
    "toJson",
    "toPrettyJson",
    "toRawJson",
    "mustFromJson",
    "mustToJson",
    "mustToPrettyJson",
    "mustToRawJson",
    "ternary",
    "deepCopy",
    "mustDeepCopy",
    "typeOf",
    "typeIs",
    "typeIsLike",
    "kindOf",
    "kindIs",
    "deepEqual",
    "env",
    "expandenv",
    "getHostByName",
    "base",
    "dir",
    "clean",
    "ext",
    "isAbs",
    "osBase",
    "osClean",
    "osDir",
    "osExt",
    "osIsAbs",
    "b64enc",
    "b64dec",
    "b32enc",
    "b32dec",
    "tuple",
    "list",
    "dict",
    "get",
    "set",
    "unset",
    "hasKey",
    "pluck",
    "keys",
    "pick",
    "omit",
    "merge",
    "mergeOverwrite",
    "mustMerge",
    "mustMergeOverwrite",
    "values",
    "append",
    "push",
    "mustAppend",
    "mustPush",
    "prepend",
    "mustPrepend",
    "first",
    "mustFirst",
    "rest",
    "mustRest",
    "last",
    "mustLast",
    "initial",
    "mustInitial",
    "reverse",
    "mustReverse",
    "uniq",
    "mustUniq",
    "without",
    "mustWithout",
    "has",
    "mustHas",
    "slice",
    "mustSlice",
    "concat",
    "dig",
    "chunk",
    "mustChunk",
    "bcrypt",
    "htpasswd",
    "genPrivateKey",
    "derivePassword",
    "buildCustomCert",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "encryptAES",
    "decryptAES",
    "randBytes",
    "uuidv4",
    "semver",
    "semverCompare",
    "fail",
    "regexMatch",
    "mustRegexMatch",
    "regexFindAll",
    "mustRegexFindAll",
    "regexFind",
    "mustRegexFind",
    "regexReplaceAll",
    "mustRegexReplaceAll",
    "regexReplaceAllLiteral",
    "mustRegexReplaceAllLiteral",
    "regexSplit",
    "mustRegexSplit",
    "regexQuoteMeta",
    "urlParse",
    "urlJoin",
};

/* Renders tpl with Helm's functions; returns the output (malloc'd) or NULL
 * with the error message in *err (malloc'd). */
static char *
render(const char *tpl, char **err)
{
    struct tmpl_set_opts o = {0};
    o.funcs = TMPL_FUNCS_HELM;
    o.missingkey = TMPL_MISSINGKEY_ZERO;
    struct tmpl_set *set = tmpl_set_new(&o);
    struct pkg_err *e = NULL;
    struct sb out = SB_INIT;
    char *res = NULL;
    if (tmpl_set_parse(set, "t", tpl, strlen(tpl), &e) < 0 ||
        tmpl_set_execute(set, "t", NULL, &out, &e) < 0) {
        if (err)
            *err = strdup(e->msg);
        pkg_err_free(e);
    } else {
        res = strndup(out.buf, out.len);
        if (err)
            *err = NULL;
    }
    sb_release(&out);
    tmpl_set_free(set);
    return res;
}

static char *
must_render(const char *tpl)
{
    char *err = NULL;
    char *r = render(tpl, &err);
    if (!r)
        fail_msg("%s: %s", tpl, err);
    return r;
}

static void
test_every_sprig_name(void **state)
{
    (void)state;
    size_t n = sizeof(sprig_names) / sizeof(sprig_names[0]);
    assert_int_equal(n, 211);
    for (size_t i = 0; i < n; i++) {
        const char *name = sprig_names[i];
        bool builtin = true;
        const struct tmpl_sig *sig = NULL;
        const struct tmpl_func *f =
            tmpl_func_find(TMPL_FUNCS_HELM, name, strlen(name), &sig, &builtin);
        if (!strcmp(name, "env") || !strcmp(name, "expandenv")) {
            if (f)
                fail_msg("%s must not exist: Helm removes it", name);
            continue;
        }
        if (!f || builtin)
            fail_msg("Sprig function %s is missing", name);
        assert_non_null(sig);
    }
}

/* ---- bcrypt ---- */

static const struct {
    const char *pw, *hash;
} bcrypt_vectors[] = {
    {"", "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s."},
    {"", "$2a$04$9YXLPzpYmYtx.1UMqMaVzevGx7R1AD8XnFnSxCObrKHPiWH6XLzse"},
    {"a", "$2a$05$ffCFLrGNZPq2p8lU3ZZLeuBKr8kIvR7ixLbxAUZ6fB5Dt/eQNKv2O"},
    {"abc", "$2a$04$rgMpfzRXGnnEflhDVWhEXuqIt3arUgear8vNqul8R6gudmea39iga"},
    {"abcdefghijklmnopqrstuvwxyz", "$2a$04$lxV2IHdctitacicqNE2RGurSflyVKvl/Sq68RK3ZOqog.Z.yQKnce"},
    {"~!@#$%^&*()      ~!@#$%^&*()PNBFRD",
     "$2a$05$p/vhNCDGkYAEaiWgwrxioedTijq2Rx3jXQvBIHmrlHIhOyq6X63Na"},
    {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
     "$2a$04$n/HXQvN6k393KPpd5FUzp.4lNuYHbxRpTBZraoAa9Bds30xD5b54m"},
    {"pässwörd ünïcode", "$2a$04$dDDWBYrS0GZ5j/d7ntqtOuD0Vu9xke1vT.RQuWEesItygdqTPdJdG"},
    {"U*U", "$2a$05$YaEWpOCPRSKyNEYo1tQ6AO3keyw6o2YqpBdh9R42ONaJafamRRyg2"},
};

static void
bcrypt_salt(const char *s, unsigned char out[16])
{
    static const char t[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint32_t acc = 0;
    int bits = 0, k = 0;
    for (int i = 0; i < 22 && k < 16; i++) {
        acc = acc << 6 | (uint32_t)(strchr(t, s[i]) - t);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (unsigned char)(acc >> bits);
        }
    }
}

static void
test_bcrypt_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bcrypt_vectors) / sizeof(bcrypt_vectors[0]); i++) {
        const char *h = bcrypt_vectors[i].hash;
        unsigned char salt[16];
        bcrypt_salt(h + 7, salt);
        struct sb out = SB_INIT;
        sprig_bcrypt_hash(&out, bcrypt_vectors[i].pw, strlen(bcrypt_vectors[i].pw), salt,
                          atoi(h + 4));
        assert_string_equal(out.buf, h);
        sb_release(&out);
    }
}

static void
test_bcrypt_and_htpasswd(void **state)
{
    (void)state;
    char *h = must_render("{{ bcrypt \"s3cret\" }}");
    assert_int_equal(strlen(h), 60);
    assert_memory_equal(h, "$2a$10$", 7);
    /* the same salt reproduces it */
    unsigned char salt[16];
    bcrypt_salt(h + 7, salt);
    struct sb out = SB_INIT;
    sprig_bcrypt_hash(&out, "s3cret", 6, salt, 10);
    assert_string_equal(out.buf, h);
    sb_release(&out);
    free(h);
    h = must_render("{{ htpasswd \"user\" \"pw\" }}|{{ htpasswd \"a:b\" \"pw\" }}");
    assert_memory_equal(h, "user:$2a$10$", 12);
    assert_string_equal(strchr(h, '|'), "|invalid username: a:b");
    free(h);
    char tpl[200];
    snprintf(tpl, sizeof(tpl), "{{ bcrypt \"%073d\" }}", 0);
    h = must_render(tpl);
    assert_string_equal(
        h, "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes");
    free(h);
}

/* ---- random values ---- */

static void
check_alphabet(const char *s, size_t want, const char *alphabet)
{
    assert_int_equal(strlen(s), want);
    for (size_t i = 0; s[i]; i++)
        if (!strchr(alphabet, s[i]))
            fail_msg("unexpected character '%c' in \"%s\"", s[i], s);
}

static void
test_random_strings(void **state)
{
    (void)state;
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char *r;
    for (int round = 0; round < 20; round++) {
        r = must_render("{{ randAlphaNum 40 }}");
        check_alphabet(r, 40, alnum);
        free(r);
        r = must_render("{{ randAlpha 33 }}");
        check_alphabet(r, 33, alnum + 0);
        for (size_t i = 0; r[i]; i++)
            assert_false(r[i] >= '0' && r[i] <= '9');
        free(r);
        r = must_render("{{ randNumeric 17 }}");
        check_alphabet(r, 17, "0123456789");
        free(r);
        r = must_render("{{ randAscii 64 }}");
        assert_int_equal(strlen(r), 64);
        for (size_t i = 0; r[i]; i++)
            assert_true(r[i] >= 32 && r[i] <= 126);
        free(r);
    }
    r = must_render("[{{ randAlphaNum 0 }}][{{ randAlpha -3 }}]");
    assert_string_equal(r, "[][]");
    free(r);
    /* two draws differ (1 in 62^40 that they do not) */
    char *a = must_render("{{ randAlphaNum 40 }}"), *b = must_render("{{ randAlphaNum 40 }}");
    assert_string_not_equal(a, b);
    free(a);
    free(b);
    /* shuffle keeps the runes */
    r = must_render("{{ shuffle \"aabbcé\" | splitList \"\" | sortAlpha | join \"\" }}");
    assert_string_equal(r, "aabbcé");
    free(r);
}

static void
test_uuid_and_bytes(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        char *u = must_render("{{ uuidv4 }}");
        assert_int_equal(strlen(u), 36);
        for (int i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23)
                assert_int_equal(u[i], '-');
            else
                assert_non_null(strchr("0123456789abcdef", u[i]));
        }
        assert_int_equal(u[14], '4');
        assert_non_null(strchr("89ab", u[19]));
        free(u);
    }
    char *r =
        must_render("{{ randBytes 24 | b64dec | len }} {{ randBytes 0 }}|{{ randBytes 5 | len }}");
    assert_string_equal(r, "24 |8");
    free(r);
    char *err = NULL;
    assert_null(render("{{ randBytes -1 }}", &err));
    assert_non_null(strstr(err, "makeslice: len out of range"));
    free(err);
}

static void
test_rand_int(void **state)
{
    (void)state;
    for (int round = 0; round < 50; round++) {
        char *r = must_render("{{ randInt -3 4 }}");
        int v = atoi(r);
        assert_true(v >= -3 && v < 4);
        free(r);
    }
}

/* ---- AES ---- */

static size_t
unbase64(const char *s, unsigned char *out)
{
    BIO *b64 = BIO_new(BIO_f_base64());
    BIO *mem = BIO_new_mem_buf(s, -1);
    BIO_set_flags(b64, BIO_FLAGS_BASE64_NO_NL);
    BIO_push(b64, mem);
    int n = BIO_read(b64, out, 4096);
    BIO_free_all(b64);
    return n > 0 ? (size_t)n : 0;
}

static void
test_aes(void **state)
{
    (void)state;
    char *r = must_render("{{ $e := encryptAES \"password\" \"plain text 1234567\" }}{{ $e }}|"
                          "{{ decryptAES \"password\" $e }}|{{ encryptAES \"x\" \"\" }}|"
                          "{{ decryptAES \"x\" \"\" }}");
    char *bar = strchr(r, '|');
    assert_non_null(bar);
    *bar = 0;
    assert_string_equal(bar + 1, "plain text 1234567||");
    /* decrypt with OpenSSL directly: IV in front, zero-padded key, PKCS#7 */
    unsigned char raw[4096], plain[4096];
    size_t n = unbase64(r, raw);
    assert_int_equal(n, 16 + 32);
    unsigned char key[32] = "password";
    memset(key + 8, 0, 24);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0;
    assert_int_equal(EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, raw), 1);
    assert_int_equal(EVP_DecryptUpdate(ctx, plain, &l1, raw + 16, (int)n - 16), 1);
    assert_int_equal(EVP_DecryptFinal_ex(ctx, plain + l1, &l2), 1);
    EVP_CIPHER_CTX_free(ctx);
    assert_int_equal(l1 + l2, 18);
    assert_memory_equal(plain, "plain text 1234567", 18);
    free(r);
    /* errors as Go panics */
    char *err = NULL;
    assert_null(render("{{ decryptAES \"k\" \"QUJD\" }}", &err));
    assert_non_null(strstr(err, "slice bounds out of range [:16] with capacity 3"));
    free(err);
    assert_null(render("{{ decryptAES \"k\" \"!!\" }}", &err));
    assert_non_null(strstr(err, "illegal base64 data at input byte 0"));
    free(err);
    assert_null(render("{{ decryptAES \"k\" (b64enc \"0123456789abcdef0123\") }}", &err));
    assert_non_null(strstr(err, "crypto/cipher: input not full blocks"));
    free(err);
    assert_null(render("{{ decryptAES \"k\" (b64enc \"0123456789abcdef\") }}", &err));
    assert_non_null(strstr(err, "index out of range [-1]"));
    free(err);
}

/* ---- keys and certificates ---- */

static EVP_PKEY *
read_key(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    return k;
}

static X509 *
read_cert(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    return x;
}

static void
check_key(const char *type, const char *header, int id, int bits)
{
    char tpl[64];
    snprintf(tpl, sizeof(tpl), "{{ genPrivateKey \"%s\" }}", type);
    char *pem = must_render(tpl);
    char want[64];
    snprintf(want, sizeof(want), "-----BEGIN %s-----\n", header);
    assert_memory_equal(pem, want, strlen(want));
    /* 64-column lines, as encoding/pem writes them */
    for (char *l = strchr(pem, '\n') + 1; *l && strncmp(l, "-----END", 8); l = strchr(l, '\n') + 1)
        assert_true(strchr(l, '\n') - l <= 64);
    EVP_PKEY *k = read_key(pem);
    assert_non_null(k);
    assert_int_equal(EVP_PKEY_get_base_id(k), id);
    if (bits)
        assert_int_equal(EVP_PKEY_get_bits(k), bits);
    EVP_PKEY_free(k);
    free(pem);
}

static void
test_private_keys(void **state)
{
    (void)state;
    check_key("ecdsa", "EC PRIVATE KEY", EVP_PKEY_EC, 256);
    check_key("ed25519", "PRIVATE KEY", EVP_PKEY_ED25519, 0);
    check_key("rsa", "RSA PRIVATE KEY", EVP_PKEY_RSA, 4096);
    check_key("dsa", "DSA PRIVATE KEY", EVP_PKEY_DSA, 2048);
    char *r = must_render("{{ genPrivateKey \"foo\" }}");
    assert_string_equal(r, "Unknown type foo");
    free(r);
}

static bool
has_san(X509 *x, int type, const char *want, size_t wn)
{
    GENERAL_NAMES *g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    bool found = false;
    for (int i = 0; g && i < sk_GENERAL_NAME_num(g); i++) {
        GENERAL_NAME *n = sk_GENERAL_NAME_value(g, i);
        int t;
        ASN1_STRING *s = GENERAL_NAME_get0_value(n, &t);
        if (t == type && (size_t)ASN1_STRING_length(s) == wn &&
            !memcmp(ASN1_STRING_get0_data(s), want, wn))
            found = true;
    }
    GENERAL_NAMES_free(g);
    return found;
}

static void
test_certificates(void **state)
{
    (void)state;
    char *r = must_render(
        "{{ $ca := genCA \"my-ca\" 365 }}"
        "{{ $c := genSignedCert \"svc\" (list \"10.1.2.3\" \"::1\") (list \"svc.ns.svc\" \"x.io\") "
        "30 $ca }}"
        "{{ $ca.Cert }}\x01{{ $ca.Key }}\x01{{ $c.Cert }}\x01{{ $c.Key }}\x01{{ typeOf $c }}");
    char *parts[5];
    parts[0] = r;
    for (int i = 1; i < 5; i++) {
        parts[i] = strchr(parts[i - 1], '\x01');
        assert_non_null(parts[i]);
        *parts[i]++ = 0;
    }
    assert_string_equal(parts[4], "sprig.certificate");
    X509 *ca = read_cert(parts[0]), *leaf = read_cert(parts[2]);
    EVP_PKEY *cak = read_key(parts[1]), *leafk = read_key(parts[3]);
    assert_non_null(ca);
    assert_non_null(leaf);
    assert_non_null(cak);
    assert_non_null(leafk);
    assert_int_equal(EVP_PKEY_get_base_id(cak), EVP_PKEY_RSA);
    assert_int_equal(EVP_PKEY_get_bits(cak), 2048);
    /* the chain verifies: the CA signed itself and the leaf */
    assert_int_equal(X509_verify(ca, X509_get0_pubkey(ca)), 1);
    assert_int_equal(X509_verify(leaf, X509_get0_pubkey(ca)), 1);
    assert_int_equal(X509_check_private_key(ca, cak), 1);
    assert_int_equal(X509_check_private_key(leaf, leafk), 1);
    assert_int_equal(X509_check_ca(ca), 1);
    assert_int_equal(X509_check_ca(leaf), 0);
    assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(leaf), X509_get_subject_name(ca)), 0);
    assert_int_equal(X509_check_host(leaf, "svc.ns.svc", 0, 0, NULL), 1);
    assert_true(has_san(leaf, GEN_DNS, "x.io", 4));
    assert_true(has_san(leaf, GEN_IPADD, "\x0a\x01\x02\x03", 4));
    assert_true(has_san(leaf, GEN_IPADD, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16));
    assert_int_equal(X509_check_ip_asc(leaf, "10.1.2.3", 0), 1);
    /* about 30 days valid */
    int days = 0, secs = 0;
    assert_int_equal(
        ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(leaf), X509_get0_notAfter(leaf)), 1);
    assert_int_equal(days, 30);
    /* a store with the CA validates the leaf for TLS server use */
    X509_STORE *store = X509_STORE_new();
    X509_STORE_add_cert(store, ca);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf, NULL);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    assert_int_equal(X509_verify_cert(ctx), 1);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(cak);
    EVP_PKEY_free(leafk);
    free(r);
}

/* The common name's ASN.1 string type is the one Go's encoding/asn1
 * picks: PrintableString when every byte is in its set, else UTF8String
 * ('*' and '&' are not in it); helm's certificates carry the same. */
static void
test_certificate_name_types(void **state)
{
    (void)state;
    static const struct {
        const char *cn;
        int type;
    } cases[] = {
        {"my ca", V_ASN1_PRINTABLESTRING}, {"it's (x)+,-./:=?", V_ASN1_PRINTABLESTRING},
        {"a*b", V_ASN1_UTF8STRING},        {"a&b", V_ASN1_UTF8STRING},
        {"a_b", V_ASN1_UTF8STRING},        {"\xc3\xa9", V_ASN1_UTF8STRING},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char tpl[128];
        /* the name goes in as a raw string */
        snprintf(tpl, sizeof(tpl), "{{ (genCA `%s` 3).Cert }}", cases[i].cn);
        char *r = must_render(tpl);
        X509 *x = read_cert(r);
        assert_non_null(x);
        X509_NAME *n = X509_get_subject_name(x);
        X509_NAME_ENTRY *e = X509_NAME_get_entry(n, 0);
        assert_non_null(e);
        const ASN1_STRING *d = X509_NAME_ENTRY_get_data(e);
        if (ASN1_STRING_type(d) != cases[i].type)
            fail_msg("%s: type %d, want %d", cases[i].cn, ASN1_STRING_type(d), cases[i].type);
        assert_memory_equal(ASN1_STRING_get0_data(d), cases[i].cn, strlen(cases[i].cn));
        X509_free(x);
        free(r);
    }
}

static void
test_certificates_with_keys(void **state)
{
    (void)state;
    char *r = must_render("{{ $k := genPrivateKey \"ecdsa\" }}{{ $e := genPrivateKey \"ed25519\" }}"
                          "{{ $ca := genCAWithKey \"ca\" 10 $k }}"
                          "{{ $s := genSelfSignedCertWithKey \"self\" nil (list \"a.b\") 5 $e }}"
                          "{{ $l := genSignedCertWithKey \"leaf\" nil nil 5 $ca $e }}"
                          "{{ $b := buildCustomCert ($ca.Cert | b64enc) ($ca.Key | b64enc) }}"
                          "{{ eq $ca.Key $k }}|{{ eq $s.Key $e }}|{{ eq $b.Cert $ca.Cert }}\x01"
                          "{{ $ca.Cert }}\x01{{ $s.Cert }}\x01{{ $l.Cert }}");
    char *parts[4];
    parts[0] = r;
    for (int i = 1; i < 4; i++) {
        parts[i] = strchr(parts[i - 1], '\x01');
        assert_non_null(parts[i]);
        *parts[i]++ = 0;
    }
    assert_string_equal(parts[0], "true|true|true");
    X509 *ca = read_cert(parts[1]), *self = read_cert(parts[2]), *leaf = read_cert(parts[3]);
    assert_non_null(ca);
    assert_non_null(self);
    assert_non_null(leaf);
    assert_int_equal(EVP_PKEY_get_base_id(X509_get0_pubkey(ca)), EVP_PKEY_EC);
    assert_int_equal(EVP_PKEY_get_base_id(X509_get0_pubkey(self)), EVP_PKEY_ED25519);
    assert_int_equal(X509_verify(self, X509_get0_pubkey(self)), 1);
    assert_int_equal(X509_verify(leaf, X509_get0_pubkey(ca)), 1);
    assert_true(has_san(self, GEN_DNS, "a.b", 3));
    X509_free(ca);
    X509_free(self);
    X509_free(leaf);
    free(r);

    char *err = NULL;
    assert_null(render("{{ genCAWithKey \"x\" 1 \"nope\" }}", &err));
    assert_non_null(strstr(err, "parsing private key: no PEM data in input"));
    free(err);
    assert_null(render("{{ genSelfSignedCert \"x\" (list \"1.2.3\") nil 1 }}", &err));
    assert_non_null(strstr(err, "error parsing ip: 1.2.3"));
    free(err);
    assert_null(render("{{ genSelfSignedCert \"x\" (list 5) nil 1 }}", &err));
    assert_non_null(strstr(err, "error parsing ip: 5 is not a string"));
    free(err);
    assert_null(render("{{ genSelfSignedCert \"x\" nil (list true) 1 }}", &err));
    assert_non_null(strstr(err, "error processing alternate dns name: true is not a string"));
    free(err);
    assert_null(render("{{ buildCustomCert \"!!\" \"\" }}", &err));
    assert_non_null(strstr(err, "unable to decode base64 certificate"));
    free(err);
    assert_null(render("{{ genCAWithKey \"x\" 1 (genPrivateKey \"dsa\") }}", &err));
    assert_non_null(strstr(err, "does not implement crypto.Signer"));
    free(err);
}

/* ---- regex and strconv ---- */

static void
test_regex_invalid_utf8(void **state)
{
    (void)state;
    char *err = NULL;
    assert_null(render("{{ mustRegexMatch \"a\\xffb\" \"x\" }}", &err));
    assert_non_null(strstr(err, "error parsing regexp: invalid UTF-8: `\xff"
                                "b`"));
    free(err);
    /* subjects with invalid UTF-8 still match around the bad byte */
    char *r = must_render("{{ regexReplaceAll \"b\" \"a\\xffb\" \"c\" | b64enc }}");
    assert_string_equal(r, "Yf9j");
    free(r);
}

/* A map made to contain itself prints forever in Go (helm dies with a
 * stack overflow); here printing stops at a depth or size limit and the
 * action fails with a limit error, both when the executor prints the value
 * and when a function formats it. */
static void
test_self_containing_map(void **state)
{
    (void)state;
    static const char *const tpls[] = {
        "{{ $d := dict }}{{ $_ := set $d \"a\" $d }}{{ $d }}",
        "{{ $d := dict }}{{ $_ := set $d \"a\" $d }}{{ printf \"%v\" $d | len }}",
        "{{ $d := dict }}{{ $_ := set $d \"a\" (list $d) }}{{ toString $d | len }}",
    };
    for (size_t i = 0; i < sizeof(tpls) / sizeof(*tpls); i++) {
        char *err = NULL;
        char *r = render(tpls[i], &err);
        if (r)
            fail_msg("%s: rendered %.40s", tpls[i], r);
        assert_non_null(strstr(err, "value nested too deeply or too large to print"));
        free(err);
    }
    /* the flag does not stick: the next render prints normally */
    char *r = must_render("{{ dict \"a\" (list 1) }}");
    assert_string_equal(r, "map[a:[1]]");
    free(r);
}

/* tpl rendering itself: Helm runs Go out of stack after minutes; here
 * the nesting stops at 1000 levels with one limit error, reported at the
 * outermost tpl (the message does not grow with the depth). */
static void
test_tpl_recursion(void **state)
{
    (void)state;
    char *err = NULL;
    char *r = render("{{ tpl \"{{ tpl .t . }}\" (dict \"t\" \"{{ tpl .t . }}\") }}", &err);
    if (r)
        fail_msg("rendered %.40s", r);
    assert_string_equal(err, "template: t:1:3: executing \"t\" at <tpl \"{{ tpl .t . }}\" (dict "
                             "\"t\" \"{{ tpl .t . }}\")>: error calling tpl: tpl nested more "
                             "than 1000 levels deep");
    free(err);
    /* a chain of dicts each tpl-rendering the next: 1000 levels render,
     * 1001 do not */
    static const char chain[] = "{{ $d := dict \"t\" \"x\" }}{{ range until %d }}{{ $d = dict "
                                "\"t\" \"{{ tpl .n.t .n }}\" \"n\" $d }}{{ end }}{{ tpl $d.t $d }}";
    char t[256];
    snprintf(t, sizeof(t), chain, 999);
    r = must_render(t);
    assert_string_equal(r, "x");
    free(r);
    snprintf(t, sizeof(t), chain, 1000);
    r = render(t, &err);
    assert_null(r);
    assert_non_null(strstr(err, "error calling tpl: tpl nested more than 1000 levels deep"));
    free(err);
}

static void
test_strconv(void **state)
{
    (void)state;
    int64_t i;
    double f;
    assert_true(sprig_parse_int("0x1F", 4, 0, &i) && i == 31);
    assert_true(sprig_parse_int("-0b101", 6, 0, &i) && i == -5);
    assert_true(sprig_parse_int("1_000", 5, 0, &i) && i == 1000);
    assert_false(sprig_parse_int("1_000", 5, 10, &i));
    assert_false(sprig_parse_int("_1", 2, 0, &i));
    assert_false(sprig_parse_int("1__0", 4, 0, &i));
    assert_false(sprig_parse_int("9223372036854775808", 19, 10, &i));
    assert_int_equal(sprig_strconv_int("9223372036854775808", 19, 10, &i), SPRIG_ERANGE);
    assert_true(i == INT64_MAX);
    assert_int_equal(sprig_strconv_int("-99999999999999999999x", 22, 10, &i), SPRIG_ERANGE);
    assert_true(i == INT64_MIN);
    assert_true(sprig_parse_float("1e3", 3, &f) && f == 1000);
    assert_true(sprig_parse_float("0x1p-2", 6, &f) && f == 0.25);
    assert_false(sprig_parse_float("0x10", 4, &f));
    assert_false(sprig_parse_float("nan(1)", 6, &f));
    assert_false(sprig_parse_float(" 1", 2, &f));
    assert_false(sprig_parse_float("1e400", 5, &f));
    assert_true(sprig_parse_float("1e-400", 6, &f) && f == 0);
    assert_true(sprig_parse_float("+Infinity", 9, &f) && f > 1e308);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_sprig_name),
        cmocka_unit_test(test_bcrypt_vectors),
        cmocka_unit_test(test_bcrypt_and_htpasswd),
        cmocka_unit_test(test_random_strings),
        cmocka_unit_test(test_uuid_and_bytes),
        cmocka_unit_test(test_rand_int),
        cmocka_unit_test(test_aes),
        cmocka_unit_test(test_private_keys),
        cmocka_unit_test(test_certificates),
        cmocka_unit_test(test_certificate_name_types),
        cmocka_unit_test(test_certificates_with_keys),
        cmocka_unit_test(test_regex_invalid_utf8),
        cmocka_unit_test(test_strconv),
        cmocka_unit_test(test_self_containing_map),
        cmocka_unit_test(test_tpl_recursion),
    };
    return cmocka_run_group_tests_name("render-sprig", tests, NULL, NULL);
}
