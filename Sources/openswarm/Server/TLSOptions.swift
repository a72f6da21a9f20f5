import SwarmRPC

/// Builds TLS configurations from PEM file paths given on the command line.
enum TLSOptions {
    static func server(cert: String?, key: String?, clientCA: String?) throws -> TLSConfiguration? {
        guard cert != nil || key != nil || clientCA != nil else { return nil }
        guard let cert, let key else { throw CLIError("--tls-cert and --tls-key go together") }
        return TLSConfiguration.server(
            certificateChain: .bytes(try FileBytes.read(cert)), privateKey: .bytes(try FileBytes.read(key)),
            clientTrustRoots: try clientCA.map { .bytes(try FileBytes.read($0)) })
    }
}
