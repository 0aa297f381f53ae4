// OpenSSL's libcrypto, for the SHA-1 and SHA-256 digests of WARC records and body files.
// Only the EVP digest interface is used: it is the non-deprecated one in OpenSSL 3.
#ifndef CCRYPTO_SHIM_H
#define CCRYPTO_SHIM_H
#include <openssl/evp.h>
#endif
