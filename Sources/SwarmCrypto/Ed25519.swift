import COpenSSL

/// An Ed25519 signing key (OpenSSL's EVP_PKEY_ED25519). A worker keeps one in its state
/// directory and signs every result with it; the coordinator verifies with the public
/// half recorded at registration.
public struct Ed25519PrivateKey: Sendable {
    /// The 32-byte seed, as stored on disk.
    public let rawRepresentation: [UInt8]
    public let publicKey: Ed25519PublicKey
    /// OpenSSL's key, built once: building it from the seed derives the public point,
    /// a scalar multiplication that cost as much as the signature itself (47 -> 24 µs a
    /// signature here).
    private let key: KeyHandle

    /// A new random key.
    public init() throws(CryptoError) {
        try self.init(rawRepresentation: SecureRandom.bytes(count: 32))
    }

    public init(rawRepresentation: [UInt8]) throws(CryptoError) {
        guard rawRepresentation.count == 32 else {
            throw CryptoError(.invalidKey, "an Ed25519 private key has 32 bytes, not \(rawRepresentation.count)")
        }
        guard let pointer = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, rawRepresentation, 32) else {
            throw CryptoError(.invalidKey, "OpenSSL refused the Ed25519 private key")
        }
        let key = KeyHandle(pointer)
        var length = 32
        var raw = [UInt8](repeating: 0, count: 32)
        guard EVP_PKEY_get_raw_public_key(key.pointer, &raw, &length) == 1, length == 32 else {
            throw CryptoError(.invalidKey, "could not derive the Ed25519 public key")
        }
        self.rawRepresentation = rawRepresentation
        self.publicKey = try Ed25519PublicKey(rawRepresentation: raw)
        self.key = key
    }

    /// The 64-byte signature of `message`.
    public func signature(for message: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw CryptoError(.signingFailed, "EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, key.pointer) == 1 else {
            throw CryptoError(.signingFailed, "EVP_DigestSignInit failed")
        }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        let status = message.withUnsafeBufferPointer { input in
            EVP_DigestSign(context, &signature, &length, input.baseAddress, input.count)
        }
        guard status == 1, length == 64 else { throw CryptoError(.signingFailed, "EVP_DigestSign failed") }
        return signature
    }
}

/// Owns an OpenSSL EVP_PKEY. A key is never modified after it is built, and OpenSSL
/// allows one to be used from several threads at once (each signature has its own
/// EVP_MD_CTX), hence the unchecked Sendable.
private final class KeyHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }
}

/// The public half of an `Ed25519PrivateKey`: 32 raw bytes on the wire
/// (`RegisterNodeRequest.public_key`).
public struct Ed25519PublicKey: Hashable, Sendable {
    public let rawRepresentation: [UInt8]

    public init(rawRepresentation: [UInt8]) throws(CryptoError) {
        guard rawRepresentation.count == 32 else {
            throw CryptoError(.invalidKey, "an Ed25519 public key has 32 bytes, not \(rawRepresentation.count)")
        }
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, rawRepresentation, 32) else {
            throw CryptoError(.invalidKey, "OpenSSL refused the Ed25519 public key")
        }
        EVP_PKEY_free(key)
        self.rawRepresentation = rawRepresentation
    }

    /// Whether `signature` is this key's signature of `message`. Never throws: a
    /// malformed signature is simply not valid.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == 64,
            let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, rawRepresentation, 32)
        else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else { return false }
        return message.withUnsafeBufferPointer { input in
            EVP_DigestVerify(context, signature, 64, input.baseAddress, input.count) == 1
        }
    }
}
