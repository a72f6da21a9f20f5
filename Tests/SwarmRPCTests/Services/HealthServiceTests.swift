import SwarmProto
import Testing

@testable import SwarmRPC

/// `grpc.health.v1.Health` on every server: our client and grpcio's health client.
@Suite("Health service")
struct HealthServiceTests {
    typealias Health = Grpc_Health_V1_Health.Method
    typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus
    static let task = Openswarm_V1_TaskService.name

    /// A server with one openswarm method (never called) and the standard services.
    static func server(_ configuration: RPCServer.Configuration = .init()) -> RPCServer {
        var router = RPCRouter()
        router.unary(Openswarm_V1_TaskService.Method.getTask) { _, _ in Openswarm_V1_GetTaskResponse() }
        return RPCServer(router: router, configuration: configuration)
    }

    static func check(_ client: RPCClient, _ service: String) async throws -> Status {
        var request = Grpc_Health_V1_HealthCheckRequest()
        request.service = service
        return try await client.unary(Health.check, request).status
    }

    @Test("Check: SERVING for the server and its services, NOT_FOUND for others", .timeLimit(.minutes(1)))
    func check() async throws {
        let server = Self.server()
        let port = try await server.start().port ?? 0
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port))
        #expect(try await Self.check(client, "") == .serving)
        #expect(try await Self.check(client, Self.task) == .serving)
        #expect(try await Self.check(client, Grpc_Health_V1_Health.name) == .serving)
        await #expect {
            try await Self.check(client, "no.such.Service")
        } throws: { error in
            (error as? RPCError)?.code == .notFound
        }
        server.health.setStatus(.notServing, forService: Self.task)
        #expect(try await Self.check(client, Self.task) == .notServing)
        await client.close()
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("Watch: the current status, then each change; SERVICE_UNKNOWN until known", .timeLimit(.minutes(1)))
    func watch() async throws {
        let server = Self.server()
        let port = try await server.start().port ?? 0
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port))
        var request = Grpc_Health_V1_HealthCheckRequest()
        request.service = "late.Service"
        let health = server.health
        let seen = try await client.serverStreaming(Health.watch, request) { responses in
            var seen: [Status] = []
            for try await response in responses {
                seen.append(response.status)
                switch seen.count {
                case 1: health.setStatus(.serving, forService: "late.Service")
                case 2: health.setStatus(.notServing, forService: "late.Service")
                default: return seen
                }
            }
            return seen
        }
        #expect(seen == [.serviceUnknown, .serving, .notServing])
        await client.close()
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("shutdown: watchers see NOT_SERVING and their calls end", .timeLimit(.minutes(1)))
    func shutdown() async throws {
        let server = Self.server()
        let port = try await server.start().port ?? 0
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port))
        let watching = Task {
            try await client.serverStreaming(Health.watch, Grpc_Health_V1_HealthCheckRequest()) { responses in
                try await responses.reduce(into: [Status]()) { $0.append($1.status) }
            }
        }
        try await waitForWatcher(server.health, "")
        let started = ContinuousClock.now
        await server.shutdown(gracePeriod: .seconds(5))
        // The watch ended by itself, so shutdown did not wait out its grace period.
        #expect(ContinuousClock.now - started < .seconds(4))
        #expect(try await watching.value == [.serving, .notServing])
        #expect(server.health.status() == .notServing)
        server.health.setStatus(.serving)
        #expect(server.health.status() == .notServing, "a shut-down server stays NOT_SERVING")
        await client.close()
    }

    @Test("standardServices = .none serves no Health", .timeLimit(.minutes(1)))
    func disabled() async throws {
        var configuration = RPCServer.Configuration()
        configuration.standardServices = .none
        let server = Self.server(configuration)
        let port = try await server.start().port ?? 0
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port))
        await #expect {
            try await Self.check(client, "")
        } throws: { error in
            (error as? RPCError)?.code == .unimplemented
        }
        await client.close()
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("grpcio's health client: Check and a Watch update", .timeLimit(.minutes(2)))
    func grpcioHealthClient() async throws {
        let server = Self.server()
        let port = try await server.start().port ?? 0
        let health = server.health
        let flip = Task {
            // Once the Python client's Watch is open, change what it watches.
            try await waitForWatcher(health, Self.task, within: .seconds(60))
            health.setStatus(.notServing, forService: Self.task)
        }
        let output: String
        do {
            output = try await PythonOracle.run("grpc_health_client.py", ["127.0.0.1:\(port)", Self.task])
        } catch {
            flip.cancel()
            await server.shutdown(gracePeriod: .seconds(1))
            throw error
        }
        flip.cancel()
        await server.shutdown(gracePeriod: .seconds(1))
        let lines = output.split(separator: "\n").map(String.init)
        for name in ["check_server", "check_service", "check_unknown", "watch_update"] {
            #expect(lines.contains("PASS \(name)"), "\(name): \(lines)")
        }
    }
}

/// Waits (bounded) until `service` has a Watch open.
func waitForWatcher(_ health: HealthService, _ service: String, within limit: Duration = .seconds(10)) async throws {
    let deadline = ContinuousClock.now.advanced(by: limit)
    while health.watcherCount(forService: service) == 0 {
        guard ContinuousClock.now < deadline else { throw RPCError(.deadlineExceeded, "no watcher on \(service)") }
        try await Task.sleep(for: .milliseconds(10))
    }
}
