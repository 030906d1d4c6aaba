/* Unit tests: OpenPGP keyrings, secret key unlocking, clear-signing and
 * verification (against a document gpg signed, and round trips), armor.
 * Keys in testdata/repo/keys were made by gpg (RSA 2048). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"
#include "repo-index/pgp.h"
#include "repo-index/repo.h"

#define KEYS "testdata/repo/keys/"

static void
load(struct pgp_keyring *kr, const char *file)
{
    struct pkg_err *err = NULL;
    if (pgp_keyring_load(kr, file, &err) < 0)
        fail_msg("%s", err->msg);
}

static void
test_keyrings(void **state)
{
    (void)state;
    struct pgp_keyring kr;
    load(&kr, KEYS "pubring.gpg");
    assert_int_equal(kr.n, 2);
    char fpr[41];
    for (int i = 0; i < 20; i++)
        snprintf(fpr + 2 * i, 3, "%02X", kr.v[0].primary.fpr[i]);
    assert_string_equal(fpr, "6691C5755AF25CA197667115FEAD869251E39C6A");
    assert_string_equal(kr.v[0].uids[0], "pkg test <pkg-test@example.com>");
    assert_non_null(kr.v[0].primary.pub);
    struct pgp_entity *e;
    struct pkg_err *err = NULL;
    assert_int_equal(pgp_keyring_find(&e, &kr, "pkg-protected@example.com", &err), 0);
    assert_ptr_equal(e, &kr.v[1]);
    /* "pkg" is in both user IDs. */
    assert_int_equal(pgp_keyring_find(&e, &kr, "pkg", &err), PKG_EINVAL);
    assert_non_null(strstr(err->msg, "more than one key"));
    pkg_err_clear(&err);
    assert_int_equal(pgp_keyring_find(&e, &kr, "nobody", &err), PKG_ENOENT);
    pkg_err_clear(&err);
    /* A public key cannot sign. */
    assert_int_not_equal(pgp_key_unlock(&kr.v[0].primary, NULL, &err), 0);
    assert_non_null(strstr(err->msg, "not a private key"));
    pkg_err_clear(&err);
    pgp_keyring_release(&kr);

    /* Armored keyrings read the same. */
    load(&kr, KEYS "pubring.asc");
    assert_int_equal(kr.n, 1);
    assert_string_equal(kr.v[0].uids[0], "pkg test <pkg-test@example.com>");
    pgp_keyring_release(&kr);

    assert_int_not_equal(pgp_keyring_load(&kr, "testdata/repo/charts/alpha-1.0.0/Chart.yaml", &err),
                         0);
    pkg_err_clear(&err);
}

static void
test_unlock(void **state)
{
    (void)state;
    struct pgp_keyring kr;
    struct pkg_err *err = NULL;
    load(&kr, KEYS "secring-protected.gpg");
    struct pgp_key *k = &kr.v[0].primary;
    assert_true(pgp_key_needs_passphrase(k));
    assert_int_equal(pgp_key_unlock(k, NULL, &err), PKG_EPERM);
    pkg_err_clear(&err);
    assert_int_equal(pgp_key_unlock(k, "wrong", &err), PKG_EPERM);
    assert_non_null(strstr(err->msg, "wrong passphrase"));
    pkg_err_clear(&err);
    assert_int_equal(pgp_key_unlock(k, "secret phrase", &err), 0);
    assert_non_null(k->priv);
    pgp_keyring_release(&kr);

    load(&kr, KEYS "secring.gpg");
    assert_false(pgp_key_needs_passphrase(&kr.v[0].primary));
    assert_int_equal(pgp_key_unlock(&kr.v[0].primary, NULL, &err), 0);
    pgp_keyring_release(&kr);
}

static void
test_gpg_signed(void **state)
{
    (void)state;
    struct pgp_keyring kr;
    struct pkg_err *err = NULL;
    load(&kr, KEYS "pubring.gpg");
    struct sb doc = SB_INIT, plain = SB_INIT;
    assert_int_equal(sb_read_file(&doc, KEYS "gpg-clearsigned.txt", 0, &err), 0);
    const struct pgp_entity *who;
    const struct pgp_key *key;
    if (pgp_clearsign_verify(&plain, &who, &key, &kr, doc.buf, doc.len, &err) < 0)
        fail_msg("%s", err->msg);
    assert_ptr_equal(who, &kr.v[0]);
    /* Dash-unescaped, trailing whitespace dropped. */
    assert_string_equal(plain.buf, "hello: world\n- dash line\ntrailing spaces\n\nend\n");
    /* One changed byte of the text breaks it. */
    char *p = strstr(doc.buf, "world");
    p[0] = 'W';
    sb_reset(&plain);
    assert_int_equal(pgp_clearsign_verify(&plain, &who, &key, &kr, doc.buf, doc.len, &err),
                     PKG_EDIGEST);
    pkg_err_clear(&err);
    sb_release(&doc);
    sb_release(&plain);
    pgp_keyring_release(&kr);
}

static void
test_roundtrip(void **state)
{
    (void)state;
    struct pgp_keyring sec, pub, other;
    struct pkg_err *err = NULL;
    load(&sec, KEYS "secring.gpg");
    load(&pub, KEYS "pubring.gpg");
    load(&other, KEYS "other-pubring.gpg");
    assert_int_equal(pgp_key_unlock(&sec.v[0].primary, NULL, &err), 0);
    const char *text =
        "name: x\n-starts with a dash\ntrailing \t\n...\nfiles:\n  x.tgz: sha256:00\n";
    struct sb out = SB_INIT, plain = SB_INIT;
    assert_int_equal(pgp_clearsign(&out, &sec.v[0].primary, text, strlen(text), 1700000000, &err),
                     0);
    assert_non_null(strstr(out.buf, "Hash: SHA512\n\nname: x\n- -starts with a dash\n"));
    assert_non_null(strstr(out.buf, "\ntrailing\n"));
    /* No newline after the END line, as x/crypto/openpgp writes it. */
    assert_true(out.len > 27 && !strcmp(out.buf + out.len - 27, "-----END PGP SIGNATURE-----"));
    const struct pgp_entity *who;
    const struct pgp_key *key;
    assert_int_equal(pgp_clearsign_verify(&plain, &who, &key, &pub, out.buf, out.len, &err), 0);
    assert_string_equal(
        plain.buf, "name: x\n-starts with a dash\ntrailing\n...\nfiles:\n  x.tgz: sha256:00\n");
    sb_reset(&plain);
    assert_int_equal(pgp_clearsign_verify(&plain, &who, &key, &other, out.buf, out.len, &err),
                     PKG_EDIGEST);
    assert_non_null(strstr(err->msg, "unknown entity"));
    pkg_err_clear(&err);
    /* A corrupted armor checksum is caught. */
    char *crc = strstr(out.buf, "\n=");
    crc[2] = crc[2] == 'A' ? 'B' : 'A';
    sb_reset(&plain);
    assert_int_not_equal(pgp_clearsign_verify(&plain, &who, &key, &pub, out.buf, out.len, &err), 0);
    pkg_err_clear(&err);
    sb_reset(&plain);
    assert_int_equal(pgp_clearsign_verify(&plain, &who, &key, &pub, "no signature", 12, &err),
                     PKG_EINVAL);
    pkg_err_clear(&err);
    sb_release(&out);
    sb_release(&plain);
    pgp_keyring_release(&sec);
    pgp_keyring_release(&pub);
    pgp_keyring_release(&other);
}

static void
test_armor(void **state)
{
    (void)state;
    uint8_t data[200];
    for (int i = 0; i < 200; i++)
        data[i] = (uint8_t)(i * 7);
    struct sb a = SB_INIT, back = SB_INIT;
    pgp_armor(&a, "PGP SIGNATURE", data, sizeof(data));
    char type[64];
    struct pkg_err *err = NULL;
    assert_int_equal(pgp_dearmor(&back, type, sizeof(type), a.buf, a.len, &err), 0);
    assert_string_equal(type, "PGP SIGNATURE");
    assert_int_equal(back.len, sizeof(data));
    assert_memory_equal(back.buf, data, sizeof(data));
    sb_release(&a);
    sb_release(&back);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyrings),   cmocka_unit_test(test_unlock),
        cmocka_unit_test(test_gpg_signed), cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_armor),
    };
    return cmocka_run_group_tests_name("repo-index/pgp", tests, NULL, NULL);
}
