import SwarmProto
import SwarmRPC
import Synchronization
import Testing

/// Our client against our server: the two halves agree.
@Suite("SwarmRPC client against SwarmRPC server")
struct ClientServerTests {
    typealias Service = Grpc_Testing_TestService.Method

    @Test("unary round trip", .timeLimit(.minutes(1)))
    func unary() async throws {
        let server = RPCServer(router: InteropTestService.router())
        let port = try await server.start().port ?? 0
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port))
        var request = Grpc_Testing_SimpleRequest()
        request.responseSize = 10
        let response = try await client.unary(Service.unaryCall, request)
        #expect(response.payload?.body.count == 10)
        await client.close()
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("compressed unary both ways, with the feature probe", .timeLimit(.minutes(1)))
    func compressedUnary() async throws {
        let server = RPCServer(router: InteropTestService.router())
        let port = try await server.start().port ?? 0
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port))
        try await ClientCases.compressedUnary(client, serverChecksCompression: true)
        await client.close()
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("gzip on every message of the streaming kinds", .timeLimit(.minutes(1)))
    func compressedStreaming() async throws {
        var configuration = RPCServer.Configuration()
        configuration.responseCompression = .gzip
        let server = RPCServer(router: InteropTestService.router(), configuration: configuration)
        let port = try await server.start().port ?? 0
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port))
        let total = try await client.clientStreaming(
            Service.streamingInputCall, options: CallOptions(compression: .gzip)
        ) { writer in
            for size in [27_182, 8, 1_828, 45_904] {
                var request = Grpc_Testing_StreamingInputCallRequest()
                request.payload = ClientCases.payload(size)
                try await writer.write(request)
            }
        }
        #expect(total.aggregatedPayloadSize == 74_922)
        let sizes = try await client.bidirectionalStreaming(
            Service.fullDuplexCall, options: CallOptions(compression: .gzip)
        ) { writer in
            for (responseSize, payloadSize) in [(31_415, 27_182), (9, 8), (2_653, 1_828)] {
                try await writer.write(
                    ClientCases.streamingRequest(responseSize: Int32(responseSize), payloadSize: payloadSize))
            }
        } responses: { responses in
            try await responses.reduce(into: [Int]()) { $0.append($1.payload?.body.count ?? -1) }
        }
        #expect(sizes == [31_415, 9, 2_653])
        await client.close()
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("a response that decompresses past the client's limit: RESOURCE_EXHAUSTED", .timeLimit(.minutes(1)))
    func compressedResponseOverLimit() async throws {
        var configuration = RPCServer.Configuration()
        configuration.responseCompression = .gzip
        let server = RPCServer(router: InteropTestService.router(), configuration: configuration)
        let port = try await server.start().port ?? 0
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port, maxReceiveMessageSize: 100_000))
        var request = Grpc_Testing_SimpleRequest()
        request.responseSize = 1_000_000  // about 1 KB compressed
        let error = await #expect(throws: RPCError.self) { try await client.unary(Service.unaryCall, request) }
        #expect(error?.code == .resourceExhausted, "\(String(describing: error))")
        request.responseSize = 50_000
        #expect(try await client.unary(Service.unaryCall, request).payload?.body.count == 50_000)
        await client.close()
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("the client keeps within the server's MAX_CONCURRENT_STREAMS", .timeLimit(.minutes(1)))
    func concurrencyLimit() async throws {
        var router = RPCRouter()
        router.unary(Service.emptyCall) { request, _ in
            try await Task.sleep(for: .milliseconds(20))
            return request
        }
        let server = RPCServer(router: router, configuration: .init(maxConcurrentStreams: 4))
        let port = try await server.start().port ?? 0
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port))
        // Open the connection first, so the server's SETTINGS are known.
        _ = try await client.unary(Service.emptyCall, Grpc_Testing_Empty())
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask { _ = try await client.unary(Service.emptyCall, Grpc_Testing_Empty()) }
            }
            try await group.waitForAll()
        }
        // 40 calls of 20 ms, 4 at a time: at least 10 rounds.
        #expect(ContinuousClock.now - started >= .milliseconds(200))
        await client.close()
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("a client configured with three connections spreads its calls over three", .timeLimit(.minutes(1)))
    func severalConnections() async throws {
        let running = Concurrency()
        var router = RPCRouter()
        router.unary(Service.emptyCall) { request, _ in
            running.enter()
            defer { running.leave() }
            try await Task.sleep(for: .milliseconds(50))
            return request
        }
        let server = RPCServer(router: router, configuration: .init(maxConcurrentStreams: 4))
        let port = try await server.start().port ?? 0
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port, connections: 3))
        for _ in 0..<3 { _ = try await client.unary(Service.emptyCall, Grpc_Testing_Empty()) }
        #expect(server.connectionCount == 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<36 {
                group.addTask { _ = try await client.unary(Service.emptyCall, Grpc_Testing_Empty()) }
            }
            try await group.waitForAll()
        }
        // One connection would allow 4 calls at once (the server's limit); three, 12.
        #expect(running.peak > 4)
        #expect(running.peak <= 12)
        #expect(server.connectionCount == 3)
        await client.close()
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("server streaming, client streaming and bidi between our own halves", .timeLimit(.minutes(1)))
    func streamingKinds() async throws {
        let server = RPCServer(router: InteropTestService.router())
        let port = try await server.start().port ?? 0
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port))
        var request = Grpc_Testing_StreamingOutputCallRequest()
        request.responseParameters = [Int32(10), 20, 30].map {
            var parameters = Grpc_Testing_ResponseParameters()
            parameters.size = $0
            return parameters
        }
        let sizes = try await client.serverStreaming(Service.streamingOutputCall, request) { responses in
            try await responses.reduce(into: [Int]()) { $0.append($1.payload?.body.count ?? -1) }
        }
        #expect(sizes == [10, 20, 30])
        let total = try await client.clientStreaming(Service.streamingInputCall) { writer in
            for size in [1, 2, 3] {
                var message = Grpc_Testing_StreamingInputCallRequest()
                message.payload = Grpc_Testing_Payload()
                message.payload?.body = [UInt8](repeating: 0, count: size)
                try await writer.write(message)
            }
        }
        #expect(total.aggregatedPayloadSize == 6)
        let three = request
        let echoed = try await client.bidirectionalStreaming(Service.fullDuplexCall) { writer in
            for _ in 0..<3 { try await writer.write(three) }
        } responses: { responses in
            try await responses.reduce(0) { count, _ in count + 1 }
        }
        #expect(echoed == 9)
        await client.close()
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("after the server goes away: UNAVAILABLE, fail-fast while backing off, then reconnect")
    func reconnect() async throws {
        let first = RPCServer(router: InteropTestService.router())
        let port = try await first.start().port ?? 0
        let client = RPCClient(
            configuration: .init(
                host: "127.0.0.1", port: port, connectionBackoff: ConnectionBackoff(initial: .milliseconds(200))))
        _ = try await client.unary(Service.emptyCall, Grpc_Testing_Empty())
        await first.shutdown(gracePeriod: .seconds(1))

        // The first calls may still find the old connection closing; then one tries
        // to connect and fails.
        var connectFailed = false
        for _ in 0..<10 where !connectFailed {
            do {
                _ = try await client.unary(Service.emptyCall, Grpc_Testing_Empty())
            } catch let error as RPCError {
                #expect(error.code == .unavailable)
                connectFailed = error.message.contains("cannot connect")
            }
        }
        #expect(connectFailed)
        let backingOff = await #expect(throws: RPCError.self) {
            try await client.unary(Service.emptyCall, Grpc_Testing_Empty())
        }
        #expect(backingOff?.message.contains("retrying in") == true, "\(String(describing: backingOff))")

        let second = RPCServer(router: InteropTestService.router(), configuration: .init(port: port))
        try await second.start()
        try await Task.sleep(for: .milliseconds(300))
        _ = try await client.unary(Service.emptyCall, Grpc_Testing_Empty())
        await client.close()
        await second.shutdown(gracePeriod: .seconds(1))
    }
}

/// How many handlers run at once, and the most seen.
private final class Concurrency: Sendable {
    private let state = Mutex((now: 0, peak: 0))
    var peak: Int { state.withLock { $0.peak } }
    func enter() {
        state.withLock {
            $0.now += 1
            $0.peak = max($0.peak, $0.now)
        }
    }
    func leave() { state.withLock { $0.now -= 1 } }
}
