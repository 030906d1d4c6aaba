/* SHA-256 (FIPS 180-4) in plain C, for the digests pkg takes of small
 * texts on every render: Sprig's sha256sum (charts' checksum/config
 * annotations) and kustomize's generator name hashes. Loading libcrypto for
 * those costs a millisecond, more than the whole render of a small chart.
 * Large data (image layers, chart archives) still goes through libcrypto,
 * whose SHA-256 uses the CPU's instructions for it. */
#ifndef PKG_CORE_SHA256_H
#define PKG_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

/* A running digest: sha256_init, any number of sha256_update, sha256_final.
 * Embedded by value; holds no resources. */
struct sha256 {
    uint32_t h[8];
    uint64_t total; /* bytes so far */
    unsigned char block[64];
    size_t used; /* bytes in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* Writes the digest; s must be initialised again before reuse. */
void sha256_final(struct sha256 *s, unsigned char out[SHA256_LEN]);

/* The digest of data[0..n) in one call. */
void sha256_digest(unsigned char out[SHA256_LEN], const void *data, size_t n);

/* The digest as 64 lowercase hex digits and a NUL. */
void sha256_hex(char out[2 * SHA256_LEN + 1], const void *data, size_t n);

#endif
