import ArgumentParser
import SwarmRPC

/// How a CLI command reaches the coordinator.
struct ClientOptions: ParsableArguments {
    @Option(help: "Coordinator address HOST:PORT (OPENSWARM_COORDINATOR; default 127.0.0.1:7443).")
    var coordinator: String?
    @Option(help: "API key sent as `authorization: Bearer` (OPENSWARM_API_KEY); none in open mode.")
    var apiKey: String?
    @Option(help: "PEM CA that signed the coordinator's certificate: use TLS (OPENSWARM_TLS_CA).")
    var tlsCa: String?
    @Option(help: "Seconds to wait for each call (default 30).")
    var timeout: Double = 30

    /// Opens a client; the caller closes it.
    func client() throws -> RPCClient {
        let environment = Environment()
        let address = coordinator ?? environment["COORDINATOR"] ?? "127.0.0.1:7443"
        let (host, port) = try Self.split(address)
        var tls: TLSConfiguration?
        if let ca = tlsCa ?? environment["TLS_CA"] {
            tls = TLSConfiguration.client(trustRoots: .bytes(try FileBytes.read(ca)), serverHostname: host)
        }
        return RPCClient(configuration: RPCClient.Configuration(host: host, port: port, tls: tls))
    }

    func options(timeout override: Duration? = nil) -> CallOptions {
        var options = CallOptions(timeout: override ?? .milliseconds(Int64(timeout * 1000)))
        if let key = apiKey ?? Environment()["API_KEY"] { options.metadata.add("authorization", "Bearer \(key)") }
        return options
    }

    static func split(_ address: String) throws -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (1...65_535).contains(port)
        else { throw CLIError("the coordinator address must be HOST:PORT, not \(address)") }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}

/// Runs a client call and turns RPC failures into one clear line.
enum ClientCall {
    static func run<T>(_ options: ClientOptions, _ body: (RPCClient) async throws -> T) async throws -> T {
        let client = try options.client()
        do {
            let value = try await body(client)
            await client.close()
            return value
        } catch let error as RPCError {
            await client.close()
            throw CLIError(describe(error))
        } catch {
            await client.close()
            throw error
        }
    }

    static func describe(_ error: RPCError) -> String {
        switch error.code {
        case .unavailable:
            "cannot reach the coordinator (\(error.message)); is `openswarm server` running? (--coordinator HOST:PORT)"
        case .unauthenticated: "not authenticated: \(error.message) (--api-key or OPENSWARM_API_KEY)"
        case .permissionDenied: "permission denied: \(error.message)"
        case .notFound: "not found: \(error.message)"
        case .invalidArgument: "invalid request: \(error.message)"
        case .failedPrecondition: "refused: \(error.message)"
        case .deadlineExceeded: "the coordinator did not answer in time (--timeout)"
        default: "\(error.code): \(error.message)"
        }
    }
}
