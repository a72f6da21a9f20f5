/// TLS for a SwarmRPC server or client: certificates, trust, versions and ALPN.
/// Plaintext h2c stays the default; set `RPCServer.Configuration.tls` or
/// `RPCClient.Configuration.tls` to one of these to speak gRPC over TLS.
///
/// ```swift
/// // A server with a certificate, asking clients for theirs (mutual TLS):
/// var tls = TLSConfiguration.server(
///     certificateChain: .file("/etc/swarm/server.pem"), privateKey: .file("/etc/swarm/server.key"))
/// tls.trustRoots = .file("/etc/swarm/ca.pem")
/// tls.clientAuthentication = .required
///
/// // A client that trusts one CA and checks the server's name:
/// let client = TLSConfiguration.client(trustRoots: .file("/etc/swarm/ca.pem"))
/// ```
///
/// Nothing is read until a server starts or a client connects; problems surface then
/// as `TLSError` with code `.invalidConfiguration`.
public struct TLSConfiguration: Sendable {
    /// PEM text: a file to read, or the bytes themselves.
    public enum PEM: Sendable, Equatable {
        case file(String)
        case bytes([UInt8])

        /// PEM text held in a string.
        public static func string(_ text: String) -> PEM { .bytes(Array(text.utf8)) }
    }

    /// Whether a server asks clients for a certificate (verified against `trustRoots`).
    public enum ClientAuthentication: Sendable, Equatable {
        /// No client certificate is requested.
        case none
        /// A certificate is requested and verified when sent; clients without one are served.
        case optional
        /// Clients without a certificate signed by `trustRoots` are refused (mutual TLS).
        case required
    }

    public enum Version: Sendable, Comparable {
        case tls12
        case tls13
    }

    /// Our certificate, then any intermediates. Required for a server; a client sends
    /// it when the server asks (mutual TLS).
    public var certificateChain: PEM?
    /// The private key of the first certificate in `certificateChain`.
    public var privateKey: PEM?
    /// The CA certificates trusted to sign the peer's certificate. A client without
    /// them trusts the system's default roots; a server uses them to verify clients.
    public var trustRoots: PEM?
    /// Server only: whether clients must present a certificate.
    public var clientAuthentication: ClientAuthentication
    /// Client only: whether the server's certificate is verified (chain and name).
    /// Turning it off is for tests against throwaway certificates only.
    public var verifyPeer: Bool
    /// Client only: the name sent as SNI and checked against the server's certificate;
    /// the host connected to when nil. An IP address is checked against IP SANs and
    /// sends no SNI.
    public var serverHostname: String?
    public var minimumVersion: Version
    public var maximumVersion: Version
    /// ALPN protocols in order of preference. gRPC needs `h2`; a connection that
    /// negotiates anything else (or nothing) is closed with
    /// `TLSError.Code.noApplicationProtocol`. `http/1.1` is offered for the REST
    /// shim to come.
    public var applicationProtocols: [String]
    /// How long the TLS handshake may take before the connection is closed.
    public var handshakeTimeout: Duration

    public init(
        certificateChain: PEM? = nil, privateKey: PEM? = nil, trustRoots: PEM? = nil,
        clientAuthentication: ClientAuthentication = .none, verifyPeer: Bool = true, serverHostname: String? = nil,
        minimumVersion: Version = .tls12, maximumVersion: Version = .tls13,
        applicationProtocols: [String] = ["h2", "http/1.1"], handshakeTimeout: Duration = .seconds(10)
    ) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.trustRoots = trustRoots
        self.clientAuthentication = clientAuthentication
        self.verifyPeer = verifyPeer
        self.serverHostname = serverHostname
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.applicationProtocols = applicationProtocols
        self.handshakeTimeout = handshakeTimeout
    }

    /// A server presenting `certificateChain`; with `clientTrustRoots` it also
    /// requires clients to present a certificate signed by them (mutual TLS).
    public static func server(certificateChain: PEM, privateKey: PEM, clientTrustRoots: PEM? = nil) -> Self {
        TLSConfiguration(
            certificateChain: certificateChain, privateKey: privateKey, trustRoots: clientTrustRoots,
            clientAuthentication: clientTrustRoots == nil ? .none : .required)
    }

    /// A client verifying the server against `trustRoots` (system roots when nil),
    /// optionally presenting its own certificate for mutual TLS.
    public static func client(
        trustRoots: PEM? = nil, certificateChain: PEM? = nil, privateKey: PEM? = nil, serverHostname: String? = nil
    ) -> Self {
        TLSConfiguration(
            certificateChain: certificateChain, privateKey: privateKey, trustRoots: trustRoots,
            serverHostname: serverHostname)
    }
}
