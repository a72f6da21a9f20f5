import SwarmProto
import SwarmRPC
import Testing

/// The grpcio interop matrix over TLS (ALPN h2, a CA made at test time): grpcio's
/// client against our TLS server, and our TLS client against grpcio's TLS server,
/// plain and with mutual TLS.
@Suite("grpcio interop over TLS")
struct TLSInteropTests {
    typealias Service = Grpc_Testing_TestService.Method

    /// Runs every grpcio client case against our server with `tls`; returns the
    /// printed line for each case.
    static func runGRPCIOClient(server tls: TLSConfiguration, clientArguments: [String]) async throws -> [String:
        String]
    {
        let server = RPCServer(router: InteropTestService.router(), configuration: .init(tls: tls))
        let port = try await server.start().port ?? 0
        let output: String
        do {
            output = try await PythonOracle.run("grpc_interop_client.py", ["127.0.0.1:\(port)"] + clientArguments)
        } catch {
            await server.shutdown(gracePeriod: .seconds(1))
            throw error
        }
        await server.shutdown(gracePeriod: .seconds(1))
        var results: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[1].split(whereSeparator: { $0 == ":" || $0 == " " }).first.map(String.init) ?? ""
            results[name] = String(line)
        }
        return results
    }

    static let tlsRun = Task { () throws -> [String: String] in
        let certificates = try await TestCertificates.shared.value
        return try await runGRPCIOClient(
            server: certificates.serverTLS, clientArguments: ["--tls", certificates.caPath])
    }

    static let mutualRun = Task { () throws -> [String: String] in
        let certificates = try await TestCertificates.shared.value
        return try await runGRPCIOClient(
            server: certificates.mutualServerTLS,
            clientArguments: [
                "--tls", certificates.caPath, "--cert", certificates.clientCertificatePath, "--key",
                certificates.clientKeyPath,
            ] + ["empty_unary", "large_unary", "ping_pong", "custom_metadata"])
    }

    @Test("grpcio client → SwarmRPC TLS server", arguments: GRPCInteropTests.cases)
    func grpcioClient(_ name: String) async throws {
        let results = try await Self.tlsRun.value
        let line = try #require(results[name], "the client printed nothing for \(name)")
        #expect(line.hasPrefix("PASS "), "\(line)")
    }

    @Test(
        "grpcio client with a certificate → SwarmRPC mutual-TLS server",
        arguments: ["empty_unary", "large_unary", "ping_pong", "custom_metadata"])
    func grpcioMutualClient(_ name: String) async throws {
        let results = try await Self.mutualRun.value
        let line = try #require(results[name], "the client printed nothing for \(name)")
        #expect(line.hasPrefix("PASS "), "\(line)")
    }

    /// Runs `body` with our client, over TLS, against grpcio's interop server.
    static func withGRPCIOServer(
        mutual: Bool = false, _ body: (RPCClient, TestCertificates, Int) async throws -> Void
    ) async throws {
        let certificates = try await TestCertificates.shared.value
        var arguments = ["--tls", certificates.serverCertificatePath, certificates.serverKeyPath]
        if mutual { arguments += ["--client-ca", certificates.caPath] }
        try await PythonOracle.withServer("grpc_interop_server.py", arguments: arguments) { port in
            let tls = mutual ? certificates.mutualClientTLS : certificates.clientTLS
            let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port, tls: tls))
            do {
                try await body(client, certificates, port)
            } catch {
                await client.close()
                throw error
            }
            await client.close()
        }
    }

    @Test("SwarmRPC TLS client → grpcio TLS server: the interop cases", .timeLimit(.minutes(1)))
    func ourClient() async throws {
        try await Self.withGRPCIOServer { client, _, _ in
            try await ClientCases.run(client)
        }
    }

    @Test("SwarmRPC client with a certificate → grpcio mutual-TLS server", .timeLimit(.minutes(1)))
    func ourMutualClient() async throws {
        try await Self.withGRPCIOServer(mutual: true) { client, certificates, port in
            _ = try await client.unary(Service.emptyCall, Grpc_Testing_Empty())
            // Without a certificate the same server refuses us.
            let anonymous = RPCClient(configuration: .init(host: "127.0.0.1", port: port, tls: certificates.clientTLS))
            let error = await #expect(throws: RPCError.self) {
                try await anonymous.unary(Service.emptyCall, Grpc_Testing_Empty())
            }
            #expect(error?.code == .unavailable)
            await anonymous.close()
        }
    }
}
