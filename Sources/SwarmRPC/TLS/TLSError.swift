/// Why TLS failed: a code a program can match and a message a person can act on
/// (OpenSSL's own reasons included).
///
/// A server hands these to `RPCServer.Configuration.tlsErrorHandler`; a client's
/// calls fail with UNAVAILABLE carrying the message.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A certificate, key or CA file is missing or unreadable, the key does not
        /// match the certificate, or the settings contradict each other.
        case invalidConfiguration
        /// The handshake failed: not TLS at all, no common version or cipher, an
        /// alert from the peer.
        case handshakeFailed
        /// The peer's certificate did not verify: unknown CA, expired, wrong name,
        /// or none when one is required.
        case certificateVerificationFailed
        /// The peer did not negotiate `h2` with ALPN.
        case noApplicationProtocol
        /// The handshake took longer than `TLSConfiguration.handshakeTimeout`.
        case handshakeTimedOut
        /// The peer closed the connection before the handshake finished.
        case closedDuringHandshake
        /// A TLS record after the handshake was bad (corrupt, or an alert).
        case protocolError
    }

    public let code: Code
    public let message: String
    /// The remote address, when the error belongs to a connection.
    public let peer: String?

    public init(_ code: Code, _ message: String, peer: String? = nil) {
        self.code = code
        self.message = message
        self.peer = peer
    }

    public var description: String {
        "TLS \(code.rawValue)\(peer.map { " (\($0))" } ?? ""): \(message)"
    }

    func with(peer: String) -> TLSError { TLSError(code, message, peer: peer) }
}
