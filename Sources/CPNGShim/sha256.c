#include "cpng_shim.h"

#include <openssl/evp.h>

void cpng_sha256(const uint8_t *data, size_t size, uint8_t digest[32]) {
    unsigned int length = 32;
    EVP_Digest(data, size, digest, &length, EVP_sha256(), NULL);
}
