/* SHA-256 of small texts, for the digests pkg takes on every render:
 * Sprig's sha256sum (charts' checksum/config annotations) and kustomize's
 * generator name hashes. Nettle computes it (libnettle, loaded on first use
 * through lazy/: ~0.2 ms, where libcrypto's first call costs ~2.5 ms, more
 * than the whole render of a small chart). Large data (image layers, chart
 * archives) goes through libcrypto. */
#ifndef PKG_CORE_SHA256_H
#define PKG_CORE_SHA256_H

#include <stddef.h>

#define SHA256_LEN 32

/* The digest of data[0..n) in one call. */
void sha256_digest(unsigned char out[SHA256_LEN], const void *data, size_t n);

/* The digest as 64 lowercase hex digits and a NUL. */
void sha256_hex(char out[2 * SHA256_LEN + 1], const void *data, size_t n);

#endif
