/// A failure of a cryptographic operation or a malformed key or signature.
public struct CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// A key of the wrong length or that OpenSSL refused.
        case invalidKey = "invalid_key"
        /// Signing failed inside OpenSSL.
        case signingFailed = "signing_failed"
        /// The system's random source failed.
        case randomUnavailable = "random_unavailable"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
