/* The part of OpenPGP (RFC 4880) that Helm's provenance files use, on
 * OpenSSL: reading keyrings (binary or ASCII-armored, public or secret,
 * passphrase-protected secret keys with iterated+salted S2K and AES), and
 * making and checking v4 RSA signatures over canonical text, in the
 * cleartext signature framework. Module-private. */
#ifndef PKG_REPO_INDEX_PGP_H
#define PKG_REPO_INDEX_PGP_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/sb.h"

struct pgp_key {
    int algo;         /* 1, 2, 3: RSA; others are kept but unusable */
    uint8_t fpr[20];  /* v4 fingerprint */
    uint8_t keyid[8]; /* low 64 bits of the fingerprint */
    EVP_PKEY *pub;    /* RSA public key, or NULL */
    /* Secret part, when the packet was a secret key. */
    bool secret;
    uint8_t *sec; /* the secret key material as stored (maybe encrypted) */
    size_t sec_len;
    EVP_PKEY *priv; /* after pgp_key_unlock */
    /* For the RSA secret: n and e (needed to rebuild the private key). */
    uint8_t *n, *e;
    size_t n_len, e_len;
};

struct pgp_entity {
    struct pgp_key primary;
    char **uids;
    size_t nuids;
    struct pgp_key *subkeys;
    size_t nsub;
};

struct pgp_keyring {
    struct pgp_entity *v;
    size_t n;
};

/* Reads a keyring file (binary packets or armored blocks, several
 * concatenated). Keys of algorithms other than RSA are kept (for user IDs)
 * but cannot sign or verify. */
int pgp_keyring_load(struct pgp_keyring *kr, const char *path, struct pkg_err **errp);
void pgp_keyring_release(struct pgp_keyring *kr);

/* Helm's key selection (NewFromKeyring): an entity with a user ID equal to
 * id, else the only one containing it. */
int pgp_keyring_find(struct pgp_entity **out, const struct pgp_keyring *kr, const char *id,
                     struct pkg_err **errp);

/* Decrypts an entity's primary secret key with the passphrase (NULL or ""
 * for an unprotected key). */
int pgp_key_unlock(struct pgp_key *k, const char *passphrase, struct pkg_err **errp);
bool pgp_key_needs_passphrase(const struct pgp_key *k);

/* Clear-signs text (which should end with a newline) with SHA-512, as
 * golang.org/x/crypto/openpgp/clearsign does: appends the whole
 * "-----BEGIN PGP SIGNED MESSAGE-----" ... "-----END PGP SIGNATURE-----"
 * document (no newline after the last line). */
int pgp_clearsign(struct sb *out, const struct pgp_key *k, const char *text, size_t len,
                  int64_t when, struct pkg_err **errp);

/* Parses a clear-signed document and checks its signature against the
 * keyring. *plain gets the signed text (dash-unescaped, "\n" line endings,
 * ending with a newline); *signer the entity whose key made it. */
int pgp_clearsign_verify(struct sb *plain, const struct pgp_entity **signer,
                         const struct pgp_key **key, const struct pgp_keyring *kr, const char *doc,
                         size_t len, struct pkg_err **errp);

/* ASCII armor (RFC 4880 6.2): base64 in 64-column lines and a CRC-24
 * line. */
void pgp_armor(struct sb *out, const char *type, const uint8_t *data, size_t len);
/* Decodes the first armored block of any type; *type_out gets its type
 * ("PGP SIGNATURE"). */
int pgp_dearmor(struct sb *out, char *type_out, size_t type_cap, const char *text, size_t len,
                struct pkg_err **errp);

#endif
