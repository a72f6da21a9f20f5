import COpenSSL

/// Cryptographically secure random bytes (OpenSSL's RAND_bytes) for credentials,
/// lease ids and keys.
public enum SecureRandom {
    public static func bytes(count: Int) throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let status = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        guard status == 1 else { throw CryptoError(.randomUnavailable, "RAND_bytes failed") }
        return out
    }

    /// `count` random bytes as URL-safe text (hex), e.g. for a bearer credential.
    public static func token(bytes count: Int = 32) throws(CryptoError) -> String {
        SHA256Digest.hex(try bytes(count: count))
    }
}
