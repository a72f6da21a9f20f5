import SwarmProto
import SwarmRPC
import Testing

/// Our client against grpcio's server (Tests/oracles/grpc_interop_server.py) over
/// h2c: the interop cases a unary and server-streaming client can run.
@Suite("SwarmRPC client against grpcio server (h2c)")
struct ClientInteropTests {
    typealias Service = Grpc_Testing_TestService.Method

    static func payload(_ size: Int) -> Grpc_Testing_Payload {
        var payload = Grpc_Testing_Payload()
        payload.body = [UInt8](repeating: 0, count: size)
        return payload
    }

    static func withClient(_ body: (RPCClient) async throws -> Void) async throws {
        try await PythonOracle.withServer("grpc_interop_server.py") { port in
            let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port))
            do {
                try await body(client)
            } catch {
                await client.close()
                throw error
            }
            await client.close()
        }
    }

    @Test("interop cases, unary and server streaming", .timeLimit(.minutes(1)))
    func interop() async throws {
        try await Self.withClient { client in
            // empty_unary
            _ = try await client.unary(Service.emptyCall, Grpc_Testing_Empty())

            // large_unary
            var large = Grpc_Testing_SimpleRequest()
            large.responseSize = 314_159
            large.payload = Self.payload(271_828)
            let response = try await client.unary(Service.unaryCall, large)
            #expect(response.payload?.body == [UInt8](repeating: 0, count: 314_159))

            // server_streaming
            let sizes: [Int32] = [31_415, 9, 2_653, 58_979]
            var streaming = Grpc_Testing_StreamingOutputCallRequest()
            streaming.responseParameters = sizes.map {
                var parameters = Grpc_Testing_ResponseParameters()
                parameters.size = $0
                return parameters
            }
            let got = try await client.serverStreaming(Service.streamingOutputCall, streaming) { responses in
                var got: [Int32] = []
                for try await response in responses { got.append(Int32(response.payload?.body.count ?? -1)) }
                return got
            }
            #expect(got == sizes)

            // custom_metadata (unary)
            var options = CallOptions()
            options.metadata.add("x-grpc-test-echo-initial", "test_initial_metadata_value")
            options.metadata.add(binary: "x-grpc-test-echo-trailing-bin", [0xab, 0xab, 0xab])
            let echoed = try await client.unaryResponse(Service.unaryCall, large, options: options)
            #expect(echoed.initialMetadata.first("x-grpc-test-echo-initial") == "test_initial_metadata_value")
            #expect(echoed.trailingMetadata.firstBinary("x-grpc-test-echo-trailing-bin") == [0xab, 0xab, 0xab])

            // status_code_and_message, special_status_message
            for message in [
                "test status message",
                "\t\ntest with whitespace\r\nand Unicode BMP \u{263A} and non-BMP \u{1F608}\t\n",
            ] {
                var failing = Grpc_Testing_SimpleRequest()
                failing.responseStatus = Grpc_Testing_EchoStatus()
                failing.responseStatus?.code = 2
                failing.responseStatus?.message = message
                let error = await #expect(throws: RPCError.self) { try await client.unary(Service.unaryCall, failing) }
                #expect(error?.code == .unknown)
                #expect(error?.message == message)
            }

            // unimplemented_method, unimplemented_service
            let method = await #expect(throws: RPCError.self) {
                try await client.unary(Service.unimplementedCall, Grpc_Testing_Empty())
            }
            #expect(method?.code == .unimplemented)
            let service = await #expect(throws: RPCError.self) {
                try await client.unary(Grpc_Testing_UnimplementedService.Method.unimplementedCall, Grpc_Testing_Empty())
            }
            #expect(service?.code == .unimplemented, "\(String(describing: service))")
        }
    }

    @Test("client_compressed_unary and server_compressed_unary", .timeLimit(.minutes(1)))
    func compressedUnary() async throws {
        try await Self.withClient { client in
            try await ClientCases.compressedUnary(client, serverChecksCompression: false)
        }
    }

    @Test("deadlines, cancellation and concurrency", .timeLimit(.minutes(1)))
    func deadlinesAndCancellation() async throws {
        try await Self.withClient { client in
            // timeout_on_sleeping_server, with a server stream whose first response sleeps.
            var sleepy = Grpc_Testing_StreamingOutputCallRequest()
            var parameters = Grpc_Testing_ResponseParameters()
            parameters.size = 1
            parameters.intervalUs = 2_000_000
            sleepy.responseParameters = [parameters]
            let started = ContinuousClock.now
            let timedOut = await #expect(throws: RPCError.self) {
                try await client.serverStreaming(
                    Service.streamingOutputCall, sleepy, options: CallOptions(timeout: .milliseconds(100))
                ) { responses in
                    for try await _ in responses {}
                }
            }
            #expect(timedOut?.code == .deadlineExceeded)
            #expect(ContinuousClock.now - started < .seconds(1))

            // cancel_after_first_response: cancelling the task resets the stream.
            var twoSlow = Grpc_Testing_StreamingOutputCallRequest()
            var fast = Grpc_Testing_ResponseParameters()
            fast.size = 10
            twoSlow.responseParameters = [fast, parameters]
            let task = Task {
                try await client.serverStreaming(Service.streamingOutputCall, twoSlow) { responses in
                    var count = 0
                    for try await _ in responses {
                        count += 1
                        if count == 1 { withUnsafeCurrentTask { $0?.cancel() } }
                    }
                    return count
                }
            }
            let cancelled = await #expect(throws: RPCError.self) { try await task.value }
            #expect(cancelled?.code == .cancelled)

            // 200 calls at once over one connection.
            let sizes = try await withThrowingTaskGroup(of: Int.self) { group in
                for size in 0..<200 {
                    group.addTask {
                        var request = Grpc_Testing_SimpleRequest()
                        request.responseSize = Int32(size)
                        return try await client.unary(Service.unaryCall, request).payload?.body.count ?? -1
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(sizes.sorted() == Array(0..<200))
        }
    }

    static func streamingRequest(responseSize: Int32, payloadSize: Int) -> Grpc_Testing_StreamingOutputCallRequest {
        var request = Grpc_Testing_StreamingOutputCallRequest()
        var parameters = Grpc_Testing_ResponseParameters()
        parameters.size = responseSize
        request.responseParameters = [parameters]
        request.payload = payload(payloadSize)
        return request
    }

    @Test("interop cases, client streaming and bidirectional", .timeLimit(.minutes(1)))
    func streamingInterop() async throws {
        try await Self.withClient { client in
            // client_streaming
            let total = try await client.clientStreaming(Service.streamingInputCall) { writer in
                for size in [27_182, 8, 1_828, 45_904] {
                    var request = Grpc_Testing_StreamingInputCallRequest()
                    request.payload = Self.payload(size)
                    try await writer.write(request)
                }
            }
            #expect(total.aggregatedPayloadSize == 74_922)

            // ping_pong: each request waits for the previous response.
            let pairs: [(Int32, Int)] = [(31_415, 27_182), (9, 8), (2_653, 1_828), (58_979, 45_904)]
            let (turns, turn) = AsyncStream<Void>.makeStream()
            let sizes = try await client.bidirectionalStreaming(Service.fullDuplexCall) { writer in
                var index = 0
                for await _ in turns where index < pairs.count {
                    try await writer.write(
                        Self.streamingRequest(responseSize: pairs[index].0, payloadSize: pairs[index].1))
                    index += 1
                }
            } responses: { responses in
                var sizes: [Int32] = []
                turn.yield()
                for try await response in responses {
                    sizes.append(Int32(response.payload?.body.count ?? -1))
                    if sizes.count == pairs.count { turn.finish() } else { turn.yield() }
                }
                return sizes
            }
            #expect(sizes == pairs.map(\.0))

            // empty_stream
            let none = try await client.bidirectionalStreaming(Service.fullDuplexCall) { _ in
            } responses: { responses in
                try await responses.reduce(0) { count, _ in count + 1 }
            }
            #expect(none == 0)

            // cancel_after_begin
            let begun = Task {
                try await client.clientStreaming(Service.streamingInputCall) { _ in
                    try await Task.sleep(for: .seconds(30))
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            begun.cancel()
            let cancelled = await #expect(throws: RPCError.self) { try await begun.value }
            #expect(cancelled?.code == .cancelled)

            // cancel_after_first_response
            let first = Task {
                try await client.bidirectionalStreaming(Service.fullDuplexCall) { writer in
                    try await writer.write(Self.streamingRequest(responseSize: 31_415, payloadSize: 27_182))
                    try await Task.sleep(for: .seconds(30))
                } responses: { responses in
                    for try await _ in responses { withUnsafeCurrentTask { $0?.cancel() } }
                }
            }
            let cancelledAfterFirst = await #expect(throws: RPCError.self) { try await first.value }
            #expect(cancelledAfterFirst?.code == .cancelled)

            // timeout_on_sleeping_server
            let timedOut = await #expect(throws: RPCError.self) {
                try await client.bidirectionalStreaming(
                    Service.fullDuplexCall, options: CallOptions(timeout: .milliseconds(1))
                ) { writer in
                    var request = Grpc_Testing_StreamingOutputCallRequest()
                    request.payload = Self.payload(27_182)
                    try await writer.write(request)
                    try await Task.sleep(for: .seconds(30))
                } responses: { responses in
                    for try await _ in responses {}
                }
            }
            #expect(timedOut?.code == .deadlineExceeded)

            // status_code_and_message over FullDuplexCall
            var failing = Self.streamingRequest(responseSize: 1, payloadSize: 1)
            failing.responseStatus = Grpc_Testing_EchoStatus()
            failing.responseStatus?.code = 2
            failing.responseStatus?.message = "test status message"
            let failingRequest = failing
            let status = await #expect(throws: RPCError.self) {
                try await client.bidirectionalStreaming(Service.fullDuplexCall) { writer in
                    try await writer.write(failingRequest)
                } responses: { responses in
                    for try await _ in responses {}
                }
            }
            #expect(status?.code == .unknown)
            #expect(status?.message == "test status message")
        }
    }
}
