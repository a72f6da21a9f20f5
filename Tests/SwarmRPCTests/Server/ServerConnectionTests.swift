import NIOCore
import NIOEmbedded
import SwarmProto
import Testing

@testable import SwarmRPC

/// One server connection driven byte by byte through an `EmbeddedChannel`: what it
/// answers to requests that never reach a handler.
@Suite("server connection, deterministic")
struct ServerConnectionTests {
    /// A server connection on a `NIOAsyncTestingChannel`, whose event loop handler
    /// tasks may safely hop onto; it runs only when the test says so.
    final class Connection {
        let channel = NIOAsyncTestingChannel()
        let decoder = RawHTTP2.HeaderDecoder()

        init(
            router: RPCRouter = InteropTestService.router(), maxReceiveMessageSize: Int = 4 << 20,
            maxQueuedRequestBytes: Int = 1 << 20, initialWindowSize: UInt32 = 1 << 20
        ) async throws {
            let configuration = ServerConnectionHandler.Configuration(
                maxReceiveMessageSize: maxReceiveMessageSize, maxQueuedRequestBytes: maxQueuedRequestBytes,
                settings: .init(initialWindowSize: initialWindowSize))
            let channel = self.channel
            try await channel.testingEventLoop.executeInContext {
                try channel.pipeline.syncOperations.addHandler(
                    ServerConnectionHandler(router: router, configuration: configuration))
            }
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 50_000)).get()
        }

        func send(_ bytes: [UInt8]) async throws {
            try await channel.writeInbound(ByteBuffer(bytes: bytes))
        }

        /// Everything the server has written so far, as frames.
        func frames() async throws -> [RawHTTP2.Frame] {
            await channel.testingEventLoop.run()
            var bytes: [UInt8] = []
            while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
                bytes += buffer.readableBytesView
            }
            return RawHTTP2.parse(bytes)
        }

        /// The decoded header blocks of the HEADERS frames on a stream.
        func headers(on streamID: UInt32, in frames: [RawHTTP2.Frame]) -> [[(String, String)]] {
            frames.filter { $0.type == RawHTTP2.FrameType.headers.rawValue }
                .map { ($0.streamID, decoder.decode($0)) }
                .filter { $0.0 == streamID }
                .map { $0.1 }
        }

        func openConnection() async throws {
            try await send(RawHTTP2.preface + RawHTTP2.frame(.settings))
        }
    }

    static func value(_ name: String, in fields: [(String, String)]) -> String? {
        fields.first { $0.0 == name }?.1
    }

    @Test("garbage instead of the preface: GOAWAY(PROTOCOL_ERROR), then close")
    func garbagePreface() async throws {
        let connection = try await Connection()
        try? await connection.send(Array("GET / HTTP/1.1\r\nHost: example\r\n\r\n".utf8))
        let frames = try await connection.frames()
        let goAway = try #require(frames.first { $0.type == RawHTTP2.FrameType.goAway.rawValue })
        #expect(goAway.errorCode == 1)
        #expect(!connection.channel.isActive)
    }

    @Test("a content-type that is not gRPC: HTTP 415")
    func unsupportedMediaType() async throws {
        let connection = try await Connection()
        try await connection.openConnection()
        try await connection.send(
            RawHTTP2.grpcRequest(streamID: 1, path: "/grpc.testing.TestService/EmptyCall", contentType: "text/plain"))
        let frames = try await connection.frames()
        let blocks = connection.headers(on: 1, in: frames)
        #expect(blocks.count == 1)
        #expect(Self.value(":status", in: blocks.first ?? []) == "415")
        #expect(frames.contains { $0.streamID == 1 && $0.isEndStream })
        #expect(connection.channel.isActive)
    }

    @Test("GET instead of POST: HTTP 405")
    func methodNotAllowed() async throws {
        let connection = try await Connection()
        try await connection.openConnection()
        try await connection.send(
            RawHTTP2.headers(
                streamID: 1,
                [
                    (":method", "GET"), (":scheme", "http"), (":path", "/grpc.testing.TestService/EmptyCall"),
                    (":authority", "x"), ("content-type", "application/grpc"),
                ], endStream: true))
        let blocks = connection.headers(on: 1, in: try await connection.frames())
        #expect(Self.value(":status", in: blocks.first ?? []) == "405")
    }

    @Test("an unknown method: Trailers-Only UNIMPLEMENTED, and RST_STREAM(NO_ERROR) while the client still sends")
    func unknownMethod() async throws {
        let connection = try await Connection()
        try await connection.openConnection()
        try await connection.send(RawHTTP2.grpcRequest(streamID: 1, path: "/grpc.testing.TestService/Nope"))
        let frames = try await connection.frames()
        let blocks = connection.headers(on: 1, in: frames)
        #expect(blocks.count == 1)
        let fields = blocks.first ?? []
        #expect(Self.value(":status", in: fields) == "200")
        #expect(Self.value("content-type", in: fields) == "application/grpc")
        #expect(Self.value("grpc-status", in: fields) == "12")
        #expect(Self.value("grpc-message", in: fields) == "Method not found: /grpc.testing.TestService/Nope")
        let reset = frames.first { $0.type == RawHTTP2.FrameType.rstStream.rawValue && $0.streamID == 1 }
        #expect(reset?.errorCode == 0)
    }

    @Test("a malformed grpc-timeout: INTERNAL")
    func malformedTimeout() async throws {
        let connection = try await Connection()
        try await connection.openConnection()
        try await connection.send(
            RawHTTP2.grpcRequest(
                streamID: 1, path: "/grpc.testing.TestService/EmptyCall", extra: [("grpc-timeout", "soon")],
                endStream: true))
        let blocks = connection.headers(on: 1, in: try await connection.frames())
        #expect(Self.value("grpc-status", in: blocks.first ?? []) == "13")
    }

    @Test("an unsupported grpc-encoding: UNIMPLEMENTED with grpc-accept-encoding")
    func unsupportedEncoding() async throws {
        let connection = try await Connection()
        try await connection.openConnection()
        try await connection.send(
            RawHTTP2.grpcRequest(
                streamID: 1, path: "/grpc.testing.TestService/EmptyCall", extra: [("grpc-encoding", "br")],
                endStream: true))
        let fields = connection.headers(on: 1, in: try await connection.frames()).first ?? []
        #expect(Self.value("grpc-status", in: fields) == "12")
        #expect(Self.value("grpc-accept-encoding", in: fields) == "gzip, identity")
    }

    @Test("a message announced over the limit: RESOURCE_EXHAUSTED before its body arrives")
    func messageOverLimit() async throws {
        let connection = try await Connection(maxReceiveMessageSize: 1_000)
        try await connection.openConnection()
        try await connection.send(RawHTTP2.grpcRequest(streamID: 1, path: "/grpc.testing.TestService/UnaryCall"))
        try await connection.send(RawHTTP2.frame(.data, streamID: 1, [0, 0, 0, 0x03, 0xE9]))  // 1,001 bytes
        let fields = connection.headers(on: 1, in: try await connection.frames()).first ?? []
        #expect(Self.value("grpc-status", in: fields) == "8")
        #expect(connection.channel.isActive)
    }

    /// Seven ~8 KiB client-streaming messages on stream 1, each in its own DATA frame
    /// (57 KiB in all: inside the 64 KiB windows).
    static func uploadFrames() -> [UInt8] {
        var request = Grpc_Testing_StreamingInputCallRequest()
        request.payload = Grpc_Testing_Payload()
        request.payload?.body = [UInt8](repeating: 1, count: 8_000)
        let data = RawHTTP2.frame(.data, streamID: 1, LengthPrefixedMessage.frame(request.serializedBytes()))
        return RawHTTP2.grpcRequest(streamID: 1, path: "/grpc.testing.TestService/StreamingInputCall")
            + [[UInt8]](repeating: data, count: 7).flatMap { $0 }
    }

    static func windowUpdates(_ frames: [RawHTTP2.Frame], stream: UInt32) -> Int {
        frames.filter { $0.type == RawHTTP2.FrameType.windowUpdate.rawValue && $0.streamID == stream }.count
    }

    @Test("a handler that does not read: its stream's window stays shut, the connection's reopens")
    func backpressure() async throws {
        var router = RPCRouter()
        router.clientStreaming(Grpc_Testing_TestService.Method.streamingInputCall) { _, _ in
            try await Task.sleep(for: .seconds(30))
            return Grpc_Testing_StreamingInputCallResponse()
        }
        let connection = try await Connection(
            router: router, maxQueuedRequestBytes: 16_384, initialWindowSize: 65_535)
        try await connection.openConnection()
        try await connection.send(Self.uploadFrames())
        let frames = try await connection.frames()
        #expect(Self.windowUpdates(frames, stream: 1) == 0)
        #expect(Self.windowUpdates(frames, stream: 0) >= 1)
        try await connection.channel.close()
    }

    @Test("a handler that reads: its stream's window reopens as it takes messages")
    func windowReopens() async throws {
        let connection = try await Connection(maxQueuedRequestBytes: 16_384, initialWindowSize: 65_535)
        try await connection.openConnection()
        try await connection.send(Self.uploadFrames())
        var updates = 0
        for _ in 0..<200 where updates == 0 {
            updates += Self.windowUpdates(try await connection.frames(), stream: 1)
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(updates >= 1)
        try await connection.channel.close()
    }

    @Test("gzip messages wait compressed while the handler is behind: what a call holds stays bounded")
    func compressedBackpressure() async throws {
        let (gate, open) = AsyncStream<Void>.makeStream()
        let (totalsReceived, total) = AsyncStream<Int>.makeStream()
        var router = RPCRouter()
        router.clientStreaming(Grpc_Testing_TestService.Method.streamingInputCall) { requests, _ in
            for await _ in gate { break }
            var received = 0
            for try await request in requests { received += request.payload?.body.count ?? 0 }
            total.yield(received)
            return Grpc_Testing_StreamingInputCallResponse()
        }
        let connection = try await Connection(router: router, maxQueuedRequestBytes: 16_384, initialWindowSize: 65_535)
        try await connection.openConnection()
        // 100 messages of 64 KiB each, about 100 bytes each on the wire: 6.4 MiB if
        // inflated at once, for a call allowed to hold 16 KiB.
        var request = Grpc_Testing_StreamingInputCallRequest()
        request.payload = Grpc_Testing_Payload()
        request.payload?.body = [UInt8](repeating: 0, count: 64 << 10)
        let message = try LengthPrefixedMessage.encode(request.serializedBytes(), compression: .gzip)
        try #require(message.count < 200)
        try await connection.send(
            RawHTTP2.grpcRequest(
                streamID: 1, path: "/grpc.testing.TestService/StreamingInputCall", extra: [("grpc-encoding", "gzip")])
                + (0..<100).flatMap { i in RawHTTP2.frame(.data, flags: i == 99 ? 0x1 : 0, streamID: 1, message) })
        _ = try await connection.frames()
        let channel = connection.channel
        let (queued, buffered) = try await channel.testingEventLoop.executeInContext {
            let handler = try channel.pipeline.syncOperations.handler(type: ServerConnectionHandler.self)
            let call = try #require(handler.calls[1])
            return (call.queuedBytes, call.deframer.bufferedByteCount)
        }
        // The 16 KiB allowed plus the one message that crossed it; the rest compressed.
        #expect(queued <= 16_384 + (64 << 10) + 100, "\(queued) bytes queued")
        #expect(buffered >= 90 * message.count)
        // The handler catches up: every message arrives, and the stream ends.
        open.yield()
        var status: String?
        for _ in 0..<500 where status == nil {
            let blocks = connection.headers(on: 1, in: try await connection.frames())
            status = blocks.last.flatMap { Self.value("grpc-status", in: $0) }
            if status == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(status == "0")
        var totals = totalsReceived.makeAsyncIterator()
        #expect(await totals.next() == 100 * (64 << 10))
        try await connection.channel.close()
    }
}
