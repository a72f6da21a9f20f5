import NIOCore

/// TLS as a NIO channel handler: ciphertext on the network side, plaintext for the
/// handlers after it (the HTTP/2 connection). Writes made before the handshake
/// finishes wait for it. The connection closes, reporting a `TLSError` through
/// `errorCaught` and `onError`, when the handshake fails or times out, or when the
/// peer does not agree on ALPN `h2`.
final class TLSHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case handshaking
        case open
        case closed
    }

    private let connection: TLSConnection
    private let handshakeTimeout: Duration
    private let onError: (@Sendable (TLSError) -> Void)?
    private var state = State.idle
    private var pendingWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var flushPending = false
    private var timer: Scheduled<Void>?
    private var peer = "unknown"

    init(
        context: TLSContext, hostname: String? = nil, onError: (@Sendable (TLSError) -> Void)? = nil
    ) throws(TLSError) {
        self.connection = try TLSConnection(context: context, hostname: hostname)
        self.handshakeTimeout = context.configuration.handshakeTimeout
        self.onError = onError
    }

    /// The ALPN protocol agreed on; nil before the handshake finishes.
    var negotiatedProtocol: String? { state == .open ? connection.negotiatedProtocol : nil }

    // MARK: - Inbound

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { begin(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        failPendingWrites(ChannelError.ioOnClosedChannel)
    }

    func channelActive(context: ChannelHandlerContext) {
        begin(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if state == .handshaking || state == .idle {
            report(TLSError(.closedDuringHandshake, "the peer closed the connection during the TLS handshake"), context)
        }
        state = .closed
        failPendingWrites(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.receive(unwrapInboundIn(data))
        if state == .idle { begin(context: context) }
        if state == .handshaking { advanceHandshake(context: context) }
        if state == .open { readPlaintext(context: context) }
        flushOutput(context: context)
    }

    // MARK: - Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data)
        switch state {
        case .idle, .handshaking:
            pendingWrites.append((bytes, promise))
        case .open:
            encrypt(bytes, promise: promise, context: context)
        case .closed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    func flush(context: ChannelHandlerContext) {
        if state == .open { context.flush() } else { flushPending = true }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if state == .open, mode == .all {
            connection.shutdown()  // close_notify
            flushOutput(context: context)
        }
        if mode == .all { state = .closed }
        context.close(mode: mode, promise: promise)
    }

    // MARK: - Steps

    private func begin(context: ChannelHandlerContext) {
        guard state == .idle else { return }
        state = .handshaking
        if let address = context.channel.remoteAddress {
            peer = "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
        }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: TimeAmount(handshakeTimeout)) {
            guard bound.value.state == .handshaking else { return }
            bound.value.fail(
                TLSError(.handshakeTimedOut, "the TLS handshake did not finish in \(bound.value.handshakeTimeout)"),
                context: loopContext.value)
        }
        advanceHandshake(context: context)  // a client's ClientHello
        flushOutput(context: context)
    }

    private func advanceHandshake(context: ChannelHandlerContext) {
        switch connection.handshake() {
        case .wantsMore:
            return
        case .closed:
            fail(TLSError(.closedDuringHandshake, "the peer closed TLS during the handshake"), context: context)
        case .failed(let error):
            fail(error, context: context)
        case .done:
            timer?.cancel()
            timer = nil
            guard connection.negotiatedProtocol == "h2" else {
                let got = connection.negotiatedProtocol.map { "\"\($0)\"" } ?? "no protocol"
                fail(
                    TLSError(
                        .noApplicationProtocol,
                        "ALPN agreed on \(got); gRPC needs \"h2\" (offer h2 in ALPN, as gRPC clients do)"),
                    context: context)
                return
            }
            state = .open
            let writes = pendingWrites
            pendingWrites.removeAll()
            for (bytes, promise) in writes { encrypt(bytes, promise: promise, context: context) }
            if flushPending {
                flushPending = false
                context.flush()
            }
        }
    }

    private func readPlaintext(context: ChannelHandlerContext) {
        var plaintext = context.channel.allocator.buffer(capacity: 0)
        let step = connection.readPlaintext(into: &plaintext)
        if plaintext.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(plaintext)) }
        switch step {
        case .wantsMore, .done:
            break
        case .closed:
            if state == .open { context.close(promise: nil) }
        case .failed(let error):
            fail(error, context: context)
        }
    }

    private func encrypt(_ bytes: ByteBuffer, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        if let error = connection.write(bytes) {
            promise?.fail(error)
            fail(error, context: context)
            return
        }
        var records = context.channel.allocator.buffer(capacity: 0)
        connection.drainOutput(into: &records)
        context.write(wrapOutboundOut(records), promise: promise)
    }

    /// Sends what OpenSSL has produced (handshake messages, alerts).
    private func flushOutput(context: ChannelHandlerContext) {
        var records = context.channel.allocator.buffer(capacity: 0)
        connection.drainOutput(into: &records)
        guard records.readableBytes > 0 else { return }
        context.writeAndFlush(wrapOutboundOut(records), promise: nil)
    }

    private func fail(_ error: TLSError, context: ChannelHandlerContext) {
        guard state != .closed else { return }
        timer?.cancel()
        timer = nil
        flushOutput(context: context)  // the alert, if any
        state = .closed
        failPendingWrites(error)
        report(error, context)
        context.close(promise: nil)
    }

    private func report(_ error: TLSError, _ context: ChannelHandlerContext) {
        let located = error.with(peer: peer)
        onError?(located)
        context.fireErrorCaught(located)
    }

    private func failPendingWrites(_ error: any Error) {
        let writes = pendingWrites
        pendingWrites.removeAll()
        for (_, promise) in writes { promise?.fail(error) }
    }
}
