import SwarmProto
import SwarmRPC
import Testing

/// The interop client cases our client runs against grpcio's server, in one pass
/// over one connection (used over TLS; the h2c suite checks them one by one).
enum ClientCases {
    typealias Service = Grpc_Testing_TestService.Method

    static func payload(_ size: Int) -> Grpc_Testing_Payload {
        var payload = Grpc_Testing_Payload()
        payload.body = [UInt8](repeating: 0, count: size)
        return payload
    }

    static func streamingRequest(responseSize: Int32, payloadSize: Int) -> Grpc_Testing_StreamingOutputCallRequest {
        var request = Grpc_Testing_StreamingOutputCallRequest()
        var parameters = Grpc_Testing_ResponseParameters()
        parameters.size = responseSize
        request.responseParameters = [parameters]
        request.payload = payload(payloadSize)
        return request
    }

    static func run(_ client: RPCClient) async throws {
        // empty_unary
        _ = try await client.unary(Service.emptyCall, Grpc_Testing_Empty())

        try await compressedUnary(client, serverChecksCompression: false)

        // large_unary
        var large = Grpc_Testing_SimpleRequest()
        large.responseSize = 314_159
        large.payload = payload(271_828)
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

        // client_streaming
        let total = try await client.clientStreaming(Service.streamingInputCall) { writer in
            for size in [27_182, 8, 1_828, 45_904] {
                var request = Grpc_Testing_StreamingInputCallRequest()
                request.payload = payload(size)
                try await writer.write(request)
            }
        }
        #expect(total.aggregatedPayloadSize == 74_922)

        // ping_pong
        let pairs: [(Int32, Int)] = [(31_415, 27_182), (9, 8), (2_653, 1_828), (58_979, 45_904)]
        let (turns, turn) = AsyncStream<Void>.makeStream()
        let echoed = try await client.bidirectionalStreaming(Service.fullDuplexCall) { writer in
            var index = 0
            for await _ in turns where index < pairs.count {
                try await writer.write(streamingRequest(responseSize: pairs[index].0, payloadSize: pairs[index].1))
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
        #expect(echoed == pairs.map(\.0))

        // empty_stream
        let none = try await client.bidirectionalStreaming(Service.fullDuplexCall) { _ in
        } responses: { responses in
            try await responses.reduce(0) { count, _ in count + 1 }
        }
        #expect(none == 0)

        // custom_metadata
        var options = CallOptions()
        options.metadata.add("x-grpc-test-echo-initial", "test_initial_metadata_value")
        options.metadata.add(binary: "x-grpc-test-echo-trailing-bin", [0xab, 0xab, 0xab])
        let withMetadata = try await client.unaryResponse(Service.unaryCall, large, options: options)
        #expect(withMetadata.initialMetadata.first("x-grpc-test-echo-initial") == "test_initial_metadata_value")
        #expect(withMetadata.trailingMetadata.firstBinary("x-grpc-test-echo-trailing-bin") == [0xab, 0xab, 0xab])

        // status_code_and_message, special_status_message
        for message in [
            "test status message", "\t\ntest with whitespace\r\nand Unicode BMP \u{263A} and non-BMP \u{1F608}\t\n",
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
        #expect(service?.code == .unimplemented)

        // timeout_on_sleeping_server
        var sleepy = Grpc_Testing_StreamingOutputCallRequest()
        var slow = Grpc_Testing_ResponseParameters()
        slow.size = 1
        slow.intervalUs = 2_000_000
        sleepy.responseParameters = [slow]
        let timedOut = await #expect(throws: RPCError.self) {
            try await client.serverStreaming(
                Service.streamingOutputCall, sleepy, options: CallOptions(timeout: .milliseconds(100))
            ) { responses in
                for try await _ in responses {}
            }
        }
        #expect(timedOut?.code == .deadlineExceeded)

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
                try await writer.write(streamingRequest(responseSize: 31_415, payloadSize: 27_182))
                try await Task.sleep(for: .seconds(30))
            } responses: { responses in
                for try await _ in responses { withUnsafeCurrentTask { $0?.cancel() } }
            }
        }
        let cancelledAfterFirst = await #expect(throws: RPCError.self) { try await first.value }
        #expect(cancelledAfterFirst?.code == .cancelled)
    }

    /// client_compressed_unary and server_compressed_unary. The feature probe (an
    /// uncompressed request that expects compression must fail with INVALID_ARGUMENT)
    /// needs a server that can tell; grpcio's Python servicers cannot.
    static func compressedUnary(_ client: RPCClient, serverChecksCompression: Bool) async throws {
        func request(expectCompressed: Bool? = nil, responseCompressed: Bool? = nil) -> Grpc_Testing_SimpleRequest {
            var request = Grpc_Testing_SimpleRequest()
            request.responseSize = 314_159
            request.payload = payload(271_828)
            if let expectCompressed {
                request.expectCompressed = Grpc_Testing_BoolValue()
                request.expectCompressed?.value = expectCompressed
            }
            if let responseCompressed {
                request.responseCompressed = Grpc_Testing_BoolValue()
                request.responseCompressed?.value = responseCompressed
            }
            return request
        }
        let zeros = [UInt8](repeating: 0, count: 314_159)

        // client_compressed_unary
        if serverChecksCompression {
            let probe = await #expect(throws: RPCError.self) {
                try await client.unary(Service.unaryCall, request(expectCompressed: true))
            }
            #expect(probe?.code == .invalidArgument, "\(String(describing: probe))")
        }
        let compressed = try await client.unary(
            Service.unaryCall, request(expectCompressed: true), options: CallOptions(compression: .gzip))
        #expect(compressed.payload?.body == zeros)
        let uncompressed = try await client.unary(Service.unaryCall, request(expectCompressed: false))
        #expect(uncompressed.payload?.body == zeros)

        // server_compressed_unary
        for responseCompressed in [true, false] {
            let response = try await client.unaryResponse(
                Service.unaryCall, request(responseCompressed: responseCompressed))
            #expect(response.message.payload?.body == zeros, "response_compressed \(responseCompressed)")
            #expect(response.compressed == responseCompressed)
        }
    }
}
