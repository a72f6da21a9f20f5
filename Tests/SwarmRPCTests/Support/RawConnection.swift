import NIOCore
import NIOPosix

/// A TCP connection to a live server for sending raw HTTP/2 and reading frames back.
/// Reads give up when `timeout` passes (the socket is closed then), so a test of a
/// misbehaving server fails instead of hanging.
final class RawConnection {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var pending: [UInt8] = []
    /// The peer closed the connection (or the timeout did).
    private(set) var isClosed = false

    private init(
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Connects, runs `body`, closes.
    static func with<Result>(
        port: Int, timeout: TimeAmount = .seconds(10), _ body: (RawConnection) async throws -> Result
    ) async throws -> Result {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        let raw = channel.channel
        let timer = raw.eventLoop.scheduleTask(in: timeout) { raw.close(promise: nil) }
        defer { timer.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(RawConnection(inbound: inbound.makeAsyncIterator(), outbound: outbound))
        }
    }

    func send(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Half-closes: the server reads EOF, this side can still read.
    func closeOutput() async throws {
        outbound.finish()
    }

    /// Reads frames until one satisfies `predicate` (returned with all before it), or
    /// the connection closes (everything read is returned).
    func readFrames(until predicate: (RawHTTP2.Frame) -> Bool) async throws -> [RawHTTP2.Frame] {
        var frames: [RawHTTP2.Frame] = []
        while true {
            let parsed = RawHTTP2.parse(pending)
            pending.removeFirst(parsed.reduce(0) { $0 + 9 + $1.payload.count })
            for frame in parsed {
                frames.append(frame)
                if predicate(frame) { return frames }
            }
            guard !isClosed else { return frames }
            do {
                if let buffer = try await inbound.next() {
                    pending += buffer.readableBytesView
                } else {
                    isClosed = true
                }
            } catch {
                isClosed = true
            }
        }
    }

    /// Reads until the peer closes; returns every frame.
    func readUntilClosed() async throws -> [RawHTTP2.Frame] {
        try await readFrames(until: { _ in false })
    }
}
