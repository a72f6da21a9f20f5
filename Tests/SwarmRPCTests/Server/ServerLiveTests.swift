import NIOCore
import SwarmProto
import Synchronization
import Testing

@testable import SwarmRPC

/// The server on a real socket: hostile bytes, cancellation, deadlines, shutdown.
@Suite("server on a socket")
struct ServerLiveTests {
    static let handshake = RawHTTP2.preface + RawHTTP2.frame(.settings)

    static func port(_ address: SocketAddress) -> Int { address.port ?? 0 }

    @Test("garbage on one connection: GOAWAY(PROTOCOL_ERROR) and close; other connections keep working")
    func garbageDoesNotHurtOthers() async throws {
        let server = RPCServer(router: InteropTestService.router())
        let port = Self.port(try await server.start())
        try await RawConnection.with(port: port) { healthy in
            try await healthy.send(Self.handshake)
            try await RawConnection.with(port: port) { hostile in
                try await hostile.send(
                    Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8) + [UInt8](repeating: 0xff, count: 64))
                let frames = try await hostile.readUntilClosed()
                #expect(frames.contains { $0.type == RawHTTP2.FrameType.goAway.rawValue && $0.errorCode == 1 })
                #expect(hostile.isClosed)
            }
            // The healthy connection still answers a PING...
            try await healthy.send(RawHTTP2.frame(.ping, [1, 2, 3, 4, 5, 6, 7, 8]))
            let pong = try await healthy.readFrames {
                $0.type == RawHTTP2.FrameType.ping.rawValue && $0.flags & 1 != 0
            }
            #expect(pong.last?.payload == [1, 2, 3, 4, 5, 6, 7, 8])
        }
        // ...and new clients are served.
        let output = try await PythonOracle.run(
            "grpc_interop_client.py", ["127.0.0.1:\(port)", "empty_unary", "large_unary"])
        #expect(output.contains("PASS empty_unary") && output.contains("PASS large_unary"), "\(output)")
        await server.shutdown(gracePeriod: .seconds(1))
    }

    /// A router whose EmptyCall never returns on its own, reporting when it is cancelled.
    static func sleepingRouter(_ cancelled: AsyncStream<String>.Continuation) -> RPCRouter {
        var router = RPCRouter()
        router.unary(Grpc_Testing_TestService.Method.emptyCall) { _, context in
            await withTaskCancellationHandler {
                try? await Task.sleep(for: .seconds(60))
            } onCancel: {
                cancelled.yield(context.metadata.first("x-case") ?? "?")
            }
            throw CancellationError()
        }
        return router
    }

    @Test("RST_STREAM(CANCEL) from the client cancels the handler's task")
    func clientResetCancelsHandler() async throws {
        let (cancellations, continuation) = AsyncStream<String>.makeStream()
        let server = RPCServer(router: Self.sleepingRouter(continuation))
        let port = Self.port(try await server.start())
        try await RawConnection.with(port: port) { connection in
            try await connection.send(
                Self.handshake
                    + RawHTTP2.grpcRequest(
                        streamID: 1, path: "/grpc.testing.TestService/EmptyCall", extra: [("x-case", "reset")])
                    + RawHTTP2.frame(.data, flags: 0x1, streamID: 1, LengthPrefixedMessage.frame([])))
            try await Task.sleep(for: .milliseconds(50))
            try await connection.send(RawHTTP2.frame(.rstStream, streamID: 1, [0, 0, 0, 8]))
            var iterator = cancellations.makeAsyncIterator()
            #expect(await iterator.next() == "reset")
        }
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("a passed deadline: DEADLINE_EXCEEDED to the client, and the handler's task cancelled")
    func deadlineCancelsHandler() async throws {
        let (cancellations, continuation) = AsyncStream<String>.makeStream()
        let server = RPCServer(router: Self.sleepingRouter(continuation))
        let port = Self.port(try await server.start())
        try await RawConnection.with(port: port) { connection in
            try await connection.send(
                Self.handshake
                    + RawHTTP2.grpcRequest(
                        streamID: 1, path: "/grpc.testing.TestService/EmptyCall",
                        extra: [("grpc-timeout", "100m"), ("x-case", "deadline")])
                    + RawHTTP2.frame(.data, flags: 0x1, streamID: 1, LengthPrefixedMessage.frame([])))
            let frames = try await connection.readFrames {
                $0.type == RawHTTP2.FrameType.headers.rawValue && $0.streamID == 1 && $0.isEndStream
            }
            let decoder = RawHTTP2.HeaderDecoder()
            let blocks = frames.filter { $0.type == RawHTTP2.FrameType.headers.rawValue }.map(decoder.decode)
            #expect(blocks.last?.first { $0.0 == "grpc-status" }?.1 == "4")
            var iterator = cancellations.makeAsyncIterator()
            #expect(await iterator.next() == "deadline")
        }
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("graceful shutdown: GOAWAY(NO_ERROR), the call in flight finishes, then the connection closes")
    func gracefulShutdown() async throws {
        let (started, didStart) = AsyncStream<Void>.makeStream()
        // The call answers only once shutdown has begun (and a little later), however
        // slowly the shutdown task gets going on a busy machine.
        let shuttingDown = Flag()
        var router = RPCRouter()
        router.unary(Grpc_Testing_TestService.Method.emptyCall) { request, _ in
            didStart.yield()
            while !shuttingDown.isSet { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(200))
            return request
        }
        let server = RPCServer(router: router)
        let port = Self.port(try await server.start())
        try await RawConnection.with(port: port) { connection in
            try await connection.send(
                Self.handshake + RawHTTP2.grpcRequest(streamID: 1, path: "/grpc.testing.TestService/EmptyCall")
                    + RawHTTP2.frame(.data, flags: 0x1, streamID: 1, LengthPrefixedMessage.frame([])))
            // Shut down while the call runs.
            var iterator = started.makeAsyncIterator()
            await iterator.next()
            let shutdown = Task {
                shuttingDown.set()
                await server.shutdown(gracePeriod: .seconds(5))
            }
            let frames = try await connection.readUntilClosed()
            await shutdown.value
            let goAway = try #require(frames.first { $0.type == RawHTTP2.FrameType.goAway.rawValue })
            #expect(goAway.errorCode == 0)
            // The call's trailers (HEADERS with END_STREAM on stream 1) came after the GOAWAY.
            let goAwayIndex = try #require(frames.firstIndex { $0.type == RawHTTP2.FrameType.goAway.rawValue })
            #expect(
                frames[goAwayIndex...].contains {
                    $0.type == RawHTTP2.FrameType.headers.rawValue && $0.streamID == 1 && $0.isEndStream
                })
            #expect(connection.isClosed)
            #expect(server.connectionCount == 0)
        }
    }

    @Test("a client that sends no preface is closed after the handshake timeout")
    func handshakeTimeout() async throws {
        let server = RPCServer(
            router: InteropTestService.router(), configuration: .init(handshakeTimeout: .milliseconds(200)))
        let port = Self.port(try await server.start())
        let started = ContinuousClock.now
        try await RawConnection.with(port: port) { connection in
            _ = try await connection.readUntilClosed()
            #expect(connection.isClosed)
        }
        // Closed by the 200 ms timeout, not never; the bound leaves room for a loaded machine.
        #expect(ContinuousClock.now - started < .seconds(10))
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("a connection without calls for the idle timeout gets GOAWAY(NO_ERROR) and is closed")
    func idleTimeout() async throws {
        let server = RPCServer(
            router: InteropTestService.router(), configuration: .init(idleTimeout: .seconds(1)))
        let port = Self.port(try await server.start())
        let started = ContinuousClock.now
        // One second leaves a loaded machine time to send the preface before the timeout.
        try await RawConnection.with(port: port) { connection in
            try await connection.send(Self.handshake)
            let frames = try await connection.readUntilClosed()
            #expect(frames.contains { $0.type == RawHTTP2.FrameType.goAway.rawValue && $0.errorCode == 0 })
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("a rapid-reset flood gets GOAWAY(ENHANCE_YOUR_CALM) and is closed")
    func rapidReset() async throws {
        let server = RPCServer(
            router: InteropTestService.router(), configuration: .init(maxStreamResets: 20))
        let port = Self.port(try await server.start())
        try await RawConnection.with(port: port) { connection in
            var flood = Self.handshake
            for i in 0..<100 {
                let stream = UInt32(2 * i + 1)
                flood += RawHTTP2.grpcRequest(streamID: stream, path: "/grpc.testing.TestService/EmptyCall")
                flood += RawHTTP2.frame(.rstStream, streamID: stream, [0, 0, 0, 8])
            }
            try await connection.send(flood)
            let frames = try await connection.readUntilClosed()
            #expect(frames.contains { $0.type == RawHTTP2.FrameType.goAway.rawValue && $0.errorCode == 0xb })
            #expect(connection.isClosed)
        }
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("connections over the limit are closed on accept; the others keep working")
    func connectionLimit() async throws {
        let server = RPCServer(router: InteropTestService.router(), configuration: .init(maxConnections: 1))
        let port = Self.port(try await server.start())
        try await RawConnection.with(port: port) { first in
            try await first.send(Self.handshake)
            _ = try await first.readFrames { $0.type == RawHTTP2.FrameType.settings.rawValue }
            try await RawConnection.with(port: port) { second in
                let frames = try await second.readUntilClosed()
                #expect(frames.isEmpty)
                #expect(second.isClosed)
            }
            try await first.send(RawHTTP2.frame(.ping, [8, 7, 6, 5, 4, 3, 2, 1]))
            let pong = try await first.readFrames {
                $0.type == RawHTTP2.FrameType.ping.rawValue && $0.flags & 1 != 0
            }
            #expect(pong.last?.payload == [8, 7, 6, 5, 4, 3, 2, 1])
        }
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("keepalive: a client that answers PINGs stays, one that does not is closed")
    func keepalive() async throws {
        let server = RPCServer(
            router: InteropTestService.router(),
            // A timeout of seconds, not milliseconds: the polite client must not miss it
            // just because a loaded machine scheduled it late.
            configuration: .init(keepaliveInterval: .milliseconds(100), keepaliveTimeout: .seconds(3)))
        let port = Self.port(try await server.start())
        let isPing: (RawHTTP2.Frame) -> Bool = { $0.type == RawHTTP2.FrameType.ping.rawValue && $0.flags & 1 == 0 }
        try await RawConnection.with(port: port) { polite in
            try await polite.send(Self.handshake)
            for _ in 0..<15 {  // fifteen rounds: past one timeout
                let ping = try #require(try await polite.readFrames(until: isPing).last)
                try await polite.send(RawHTTP2.frame(.ping, flags: 1, ping.payload))
            }
            #expect(!polite.isClosed)
        }
        try await RawConnection.with(port: port) { silent in
            try await silent.send(Self.handshake)
            let frames = try await silent.readUntilClosed()
            #expect(frames.contains(where: isPing))
            #expect(silent.isClosed)
        }
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("a client that never reads: the handler's writes wait on flow control, memory stays bounded")
    func peerThatNeverReads() async throws {
        let written = Mutex(0)
        var router = RPCRouter()
        router.serverStreaming(Grpc_Testing_TestService.Method.streamingOutputCall) { _, responses, _ in
            var response = Grpc_Testing_StreamingOutputCallResponse()
            response.payload = Grpc_Testing_Payload()
            response.payload?.body = [UInt8](repeating: 7, count: 64 * 1024)
            for _ in 0..<1_000 {  // 64 MiB if nothing held it back
                try await responses.write(response)
                written.withLock { $0 += 1 }
            }
        }
        let server = RPCServer(router: router)
        let port = Self.port(try await server.start())
        try await RawConnection.with(port: port) { connection in
            // The client's SETTINGS leave the default 64 KiB windows; it never updates them.
            try await connection.send(
                Self.handshake
                    + RawHTTP2.grpcRequest(streamID: 1, path: "/grpc.testing.TestService/StreamingOutputCall")
                    + RawHTTP2.frame(.data, flags: 0x1, streamID: 1, LengthPrefixedMessage.frame([])))
            try await Task.sleep(for: .milliseconds(500))
            // 64 KiB of window lets one message out; one more may sit queued.
            #expect(written.withLock { $0 } <= 3)
        }
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("a 100 MB message is refused at its 5-byte header with RESOURCE_EXHAUSTED")
    func hugeMessage() async throws {
        let server = RPCServer(router: InteropTestService.router())
        let port = Self.port(try await server.start())
        try await RawConnection.with(port: port) { connection in
            let length = UInt32(100_000_000)
            let prefix: [UInt8] = [
                0, UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff),
            ]
            try await connection.send(
                Self.handshake + RawHTTP2.grpcRequest(streamID: 1, path: "/grpc.testing.TestService/UnaryCall")
                    + RawHTTP2.frame(.data, streamID: 1, prefix + [UInt8](repeating: 0, count: 16_000)))
            let frames = try await connection.readFrames {
                $0.type == RawHTTP2.FrameType.headers.rawValue && $0.streamID == 1 && $0.isEndStream
            }
            let decoder = RawHTTP2.HeaderDecoder()
            let blocks = frames.filter { $0.type == RawHTTP2.FrameType.headers.rawValue }.map(decoder.decode)
            #expect(blocks.last?.first { $0.0 == "grpc-status" }?.1 == "8")
        }
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("truncated frames and half-closed sockets: the server drops them and keeps serving")
    func truncatedAndHalfClosed() async throws {
        let server = RPCServer(router: InteropTestService.router())
        let port = Self.port(try await server.start())
        // A HEADERS frame cut short, then the socket closed.
        try await RawConnection.with(port: port) { connection in
            let request = RawHTTP2.grpcRequest(streamID: 1, path: "/grpc.testing.TestService/EmptyCall")
            try await connection.send(Self.handshake + request.prefix(request.count / 2))
        }
        // A request begun, then the client stops writing (half-close) without END_STREAM.
        try await RawConnection.with(port: port) { connection in
            try await connection.send(
                Self.handshake + RawHTTP2.grpcRequest(streamID: 1, path: "/grpc.testing.TestService/EmptyCall"))
            try await connection.closeOutput()
            _ = try await connection.readUntilClosed()
        }
        let output = try await PythonOracle.run("grpc_interop_client.py", ["127.0.0.1:\(port)", "empty_unary"])
        #expect(output.contains("PASS empty_unary"), "\(output)")
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("a header list over the limit is refused; the connection keeps serving")
    func oversizedHeaders() async throws {
        let server = RPCServer(router: InteropTestService.router())
        let port = Self.port(try await server.start())
        try await RawConnection.with(port: port) { connection in
            try await connection.send(
                Self.handshake
                    + RawHTTP2.grpcRequest(
                        streamID: 1, path: "/grpc.testing.TestService/EmptyCall",
                        extra: [("x-huge", String(repeating: "a", count: 40_000))], endStream: true)
                    + RawHTTP2.grpcRequest(streamID: 3, path: "/grpc.testing.TestService/EmptyCall")
                    + RawHTTP2.frame(.data, flags: 0x1, streamID: 3, LengthPrefixedMessage.frame([])))
            let frames = try await connection.readFrames {
                $0.type == RawHTTP2.FrameType.headers.rawValue && $0.streamID == 3 && $0.isEndStream
            }
            let decoder = RawHTTP2.HeaderDecoder()
            var status: [UInt32: String] = [:]
            for frame in frames where frame.type == RawHTTP2.FrameType.headers.rawValue {
                status[frame.streamID] =
                    decoder.decode(frame).first { $0.0 == "grpc-status" }?.1 ?? status[frame.streamID]
            }
            #expect(status[1] == "8")  // RESOURCE_EXHAUSTED
            #expect(status[3] == "0")  // the next call on the same connection is served
        }
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("a HEADERS flood past the acknowledged MAX_CONCURRENT_STREAMS: GOAWAY(PROTOCOL_ERROR), others unharmed")
    func headersFlood() async throws {
        let (started, didStart) = AsyncStream<Void>.makeStream()
        var router = RPCRouter()
        router.unary(Grpc_Testing_TestService.Method.emptyCall) { request, _ in
            didStart.yield()
            try await Task.sleep(for: .seconds(30))
            return request
        }
        let server = RPCServer(router: router, configuration: .init(maxConcurrentStreams: 10))
        let port = Self.port(try await server.start())
        try await RawConnection.with(port: port) { connection in
            try await connection.send(Self.handshake)
            // Acknowledge the server's SETTINGS: from then on the limit binds, and
            // nghttp2 treats exceeding it as a connection error (RFC 9113 5.1.2).
            _ = try await connection.readFrames { $0.type == RawHTTP2.FrameType.settings.rawValue && $0.flags == 0 }
            var flood = RawHTTP2.frame(.settings, flags: 1)
            for i in 0..<50 {
                flood += RawHTTP2.grpcRequest(streamID: UInt32(2 * i + 1), path: "/grpc.testing.TestService/EmptyCall")
            }
            try await connection.send(flood)
            let frames = try await connection.readUntilClosed()
            #expect(frames.contains { $0.type == RawHTTP2.FrameType.goAway.rawValue && $0.errorCode == 1 })
            #expect(connection.isClosed)
        }
        didStart.finish()
        let handlers = await started.reduce(0) { count, _ in count + 1 }
        #expect(handlers <= 10)
        try await RawConnection.with(port: port) { other in
            try await other.send(Self.handshake + RawHTTP2.frame(.ping, [1, 1, 2, 3, 5, 8, 13, 21]))
            let pong = try await other.readFrames { $0.type == RawHTTP2.FrameType.ping.rawValue && $0.flags & 1 != 0 }
            #expect(pong.last?.payload == [1, 1, 2, 3, 5, 8, 13, 21])
        }
        await server.shutdown(gracePeriod: .seconds(1))
    }
}

/// A flag one task raises and another polls.
private final class Flag: Sendable {
    private let raised = Mutex(false)
    var isSet: Bool { raised.withLock { $0 } }
    func set() { raised.withLock { $0 = true } }
}
