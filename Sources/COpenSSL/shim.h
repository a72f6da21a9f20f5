// COpenSSL: the system OpenSSL 3 (libssl + libcrypto) for TLS 1.3 with ALPN in
// SwarmRPC and Ed25519 result signatures.
//
// Many OpenSSL "functions" are function-like macros over SSL_CTX_ctrl/SSL_ctrl/
// BIO_ctrl, which Swift cannot import. Each one we need is wrapped as a
// `static inline` function named `COpenSSL_<MACRO>`, with a note saying why.
#ifndef C_OPENSSL_SHIM_H
#define C_OPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// Pins the TLS floor (TLS1_3_VERSION for node links, TLS1_2_VERSION at most for
// legacy REST clients).
static inline int COpenSSL_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

// Caps the TLS version (tests use it to force a particular version).
static inline int COpenSSL_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

// Sets SSL_MODE_* flags; memory-BIO I/O under SwiftNIO needs
// SSL_MODE_ENABLE_PARTIAL_WRITE and SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER.
static inline long COpenSSL_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

// Sends SNI from the client so that a coordinator behind a TLS load balancer
// can be reached by name.
static inline int COpenSSL_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

// Borrows the bytes held by a memory BIO (PEM export, outbound TLS records)
// without copying; returns their count.
static inline long COpenSSL_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

// Adds an intermediate certificate (a copy; the caller keeps its own) to the chain a
// server or client presents, for chains given as PEM bytes rather than a file.
static inline int COpenSSL_SSL_CTX_add1_chain_cert(SSL_CTX *ctx, X509 *x509) {
    return (int)SSL_CTX_add1_chain_cert(ctx, x509);
}

#endif // C_OPENSSL_SHIM_H
