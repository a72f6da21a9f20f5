import SwarmRPC
import Testing

/// grpcio's client (Tests/oracles/grpc_interop_client.py) against our server over
/// h2c, on the official grpc.testing protos. One Python process runs every case;
/// each test below checks one case by name.
@Suite("grpcio client against SwarmRPC server (h2c)")
struct GRPCInteropTests {
    static let cases = [
        "empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong", "empty_stream",
        "custom_metadata", "status_code_and_message", "special_status_message", "unimplemented_method",
        "unimplemented_service", "timeout_on_sleeping_server", "cancel_after_begin",
        "cancel_after_first_response", "client_compressed_unary", "server_compressed_unary", "request_over_limit",
        "many_concurrent_calls",
    ]

    /// The one run all tests share: a server on a free port, the client, the results.
    static let run = Task { () throws -> [String: String] in
        let server = RPCServer(router: InteropTestService.router())
        let address = try await server.start()
        let port = address.port ?? 0
        let output: String
        do {
            output = try await PythonOracle.run("grpc_interop_client.py", ["127.0.0.1:\(port)"])
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

    @Test("interop case", arguments: cases)
    func interopCase(_ name: String) async throws {
        let results = try await Self.run.value
        let line = try #require(results[name], "the client printed nothing for \(name)")
        #expect(line.hasPrefix("PASS "), "\(line)")
    }
}
