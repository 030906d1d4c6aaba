/* core/sha256.h on Nettle's SHA-256. */
#include "core/sha256.h"

#include <nettle/sha2.h>

/* Nettle names its functions through macros; this one is ours. */
#undef sha256_digest

void
sha256_digest(unsigned char out[SHA256_LEN], const void *data, size_t n)
{
    struct sha256_ctx c;
    nettle_sha256_init(&c);
    nettle_sha256_update(&c, n, data);
    nettle_sha256_digest(&c, SHA256_LEN, out);
}

void
sha256_hex(char out[2 * SHA256_LEN + 1], const void *data, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    unsigned char d[SHA256_LEN];
    sha256_digest(d, data, n);
    for (int i = 0; i < SHA256_LEN; i++) {
        out[2 * i] = hexd[d[i] >> 4];
        out[2 * i + 1] = hexd[d[i] & 15];
    }
    out[2 * SHA256_LEN] = '\0';
}
