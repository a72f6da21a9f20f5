import NIOCore
import SwarmProto

/// One HTTP/2 connection of a server: drives an `HTTP2Session` with the bytes
/// NIO reads, writes what it produces, and turns requests into handler tasks.
/// Everything here runs on the channel's event loop; handler tasks reach back
/// through `ServerCallSink`.
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Configuration: Sendable {
        var maxReceiveMessageSize: Int
        /// Request bytes a call may hold that its handler has not taken; past this
        /// the stream's flow-control window stops reopening.
        var maxQueuedRequestBytes: Int = 1 << 20
        var settings: HTTP2Session.Settings
        /// How long a client may take to send its preface and SETTINGS.
        var handshakeTimeout: TimeAmount = .seconds(10)
        /// How long a connection may stay without calls before it is sent GOAWAY;
        /// nil keeps idle connections open.
        var idleTimeout: TimeAmount? = nil
        /// Streams a client may reset within `streamResetWindow` (rapid reset).
        var maxStreamResets: Int = 200
        var streamResetWindow: TimeAmount = .seconds(10)
        /// PING the client this often; nil: never.
        var keepaliveInterval: TimeAmount? = nil
        /// Close when a keepalive PING is not acknowledged within this.
        var keepaliveTimeout: TimeAmount = .seconds(20)
        /// Handler tasks prefer the connection's event loop (see
        /// `EventLoopTaskExecutor`); false runs them on the global concurrent pool.
        var handlersOnEventLoop = true
        /// Response compression for clients that accept it, unless a handler changes
        /// it (`ServerContext.responseCompression`).
        var responseCompression: RPCCompression = .identity
    }

    let router: RPCRouter
    let configuration: Configuration
    var session: HTTP2Session?
    var context: ChannelHandlerContext?
    var calls = StreamTable<ServerCall>()
    /// The method called last, for `route(_:)`.
    var lastRoute: (path: String, handler: ServerMethodHandler)?
    var peer = "unknown"
    var closing = false
    /// Inside `session.receive`: nghttp2 must not be re-entered with `mem_send`, so
    /// output waits for the flush that follows every input.
    private var receiving = false
    /// Inside a read burst (`channelRead` until `channelReadComplete`): output waits
    /// for the one flush at its end.
    private var reading = false
    /// A flush is queued on the event loop, behind the handler jobs already there:
    /// responses finished in one loop tick leave in one write.
    private var flushScheduled = false
    /// Where handler tasks run: this connection's event loop, or nil (the global pool).
    private(set) var executor: (any TaskExecutor)?
    private var handshakeTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var keepaliveTask: RepeatedTask?
    private var keepaliveDeadline: Scheduled<Void>?
    var resetLimiter: StreamResetLimiter

    init(router: RPCRouter, configuration: Configuration) {
        self.router = router
        self.configuration = configuration
        self.resetLimiter = StreamResetLimiter(
            limit: configuration.maxStreamResets, window: configuration.streamResetWindow)
    }

    // MARK: - NIO events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if configuration.handlersOnEventLoop { executor = EventLoopTaskExecutor(context.eventLoop) }
        if let address = context.channel.remoteAddress { peer = Self.describe(address) }
        do {
            let session = try HTTP2Session(role: .server, settings: configuration.settings)
            session.delegate = self
            session.ignoredRequestFields = Self.ignoredRequestFields
            self.session = session
        } catch {
            close()
            return
        }
        if context.channel.isActive { flush() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        tearDown()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        handshakeTimer = context.eventLoop.scheduleTask(in: configuration.handshakeTimeout) {
            bound.value.close()  // no preface in time: a slow or silent client
        }
        scheduleIdleTimer()
        if let interval = configuration.keepaliveInterval {
            keepaliveTask = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                bound.value.sendKeepalive()
            }
        }
        flush()  // our SETTINGS
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        tearDown()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session, !closing else { return }
        let buffer = unwrapInboundIn(data)
        reading = true  // flushed in channelReadComplete
        // A large read (a client's burst of requests) is fed to nghttp2 in slices, and
        // the answers so far go out after each: the client starts reading responses
        // while the rest are being made, instead of both sides taking turns.
        let slice = Self.readSliceBytes
        let failed = buffer.withUnsafeReadableBytes { bytes in
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + slice)
                receiving = true
                do {
                    try session.receive(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                } catch {
                    receiving = false
                    return true
                }
                receiving = false
                if end < bytes.count { flush() }
                start = end
            }
            return false
        }
        if failed {
            flush()
            close()
        }
    }

    /// How much of a read nghttp2 gets before the answers so far are written (see
    /// `channelRead`). Measured with h2load, 1 connection × 100 streams: without
    /// slicing 60,000–72,000 requests/s with the loop 80% busy (client and server took
    /// turns); with 4 KiB slices 80,000–132,000 with the loop saturated.
    static let readSliceBytes = 4_096

    func channelReadComplete(context: ChannelHandlerContext) {
        reading = false
        flush()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close()
    }

    /// GOAWAY: calls already begun finish; the connection closes after the last.
    func beginGracefulShutdown() {
        session?.goAway()
        flush()
    }

    /// Closes now, cancelling the calls still running.
    func forceClose() { close() }

    // MARK: - Output

    /// Output for later in this loop tick: at the end of the read burst, or after
    /// the handler jobs queued now have run.
    func scheduleFlush() {
        guard !reading, !flushScheduled, let context else { return }
        flushScheduled = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            bound.value.flushScheduled = false
            bound.value.flush()
        }
    }

    func flush() {
        guard let session, let context, !closing, !receiving else { return }
        // Sized for a burst of small responses (one grows by doubling otherwise).
        var output = context.channel.allocator.buffer(capacity: 4_096)
        session.pendingOutput(into: &output)
        if output.readableBytes > 0 {
            context.writeAndFlush(wrapOutboundOut(output), promise: nil)
        }
        if !session.isAlive { close() }
    }

    func close() {
        guard !closing else { return }
        closing = true
        context?.close(promise: nil)
    }

    /// Sends GOAWAY after `idleTimeout` without calls; a new call cancels it.
    func scheduleIdleTimer() {
        idleTimer?.cancel()
        idleTimer = nil
        guard let timeout = configuration.idleTimeout, let context, calls.isEmpty, !closing else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: timeout) { bound.value.beginGracefulShutdown() }
    }

    func cancelIdleTimer() {
        idleTimer?.cancel()
        idleTimer = nil
    }

    /// Sends a keepalive PING unless one is outstanding, and closes the connection
    /// if it goes unanswered for `keepaliveTimeout` (a dead peer or path).
    func sendKeepalive() {
        guard let session, let context, keepaliveDeadline == nil, !closing else { return }
        session.ping()
        flush()
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        keepaliveDeadline = context.eventLoop.scheduleTask(in: configuration.keepaliveTimeout) {
            bound.value.close()
        }
    }

    func keepaliveAcknowledged() {
        keepaliveDeadline?.cancel()
        keepaliveDeadline = nil
    }

    func handshakeCompleted() {
        handshakeTimer?.cancel()
        handshakeTimer = nil
    }

    private func tearDown() {
        handshakeTimer?.cancel()
        idleTimer?.cancel()
        keepaliveTask?.cancel()
        keepaliveDeadline?.cancel()
        let open = calls
        calls.removeAll()
        for call in open.allValues {
            call.deadlineTimer?.cancel()
            call.task?.cancel()
            call.requests?.finish(throwing: RPCError(.cancelled, "the connection closed"))
        }
        session?.delegate = nil
        session = nil
    }

    // MARK: - From handler tasks (via ServerCallSink)

    func sendMessage(
        streamID: Int32, framed: [UInt8], compression: RPCCompression, promise: EventLoopPromise<Void>
    ) {
        guard let session, let call = calls[streamID], !call.finished else {
            promise.fail(RPCError(.cancelled, "the call was closed"))
            return
        }
        if !call.headersSent {
            call.headersSent = true
            session.submitResponse(
                streamID: streamID, headers: Self.responseHeaders(call.context.initialMetadata, compression),
                endStream: false)
        }
        session.sendData(streamID: streamID, bytes: framed, promise: promise)
        scheduleFlush()
    }

    /// A unary call's response and status together: headers, the message, trailers.
    func respond(streamID: Int32, framed: [UInt8], compression: RPCCompression, trailers: Metadata) {
        guard let session, let call = calls[streamID], !call.finished else { return }
        call.finished = true
        call.deadlineTimer?.cancel()
        call.deadlineTimer = nil
        call.headersSent = true
        let metadata = call.context.initialMetadata
        let headers: HTTP2Session.HeaderList =
            if !metadata.isEmpty {
                .fields(Self.responseHeaders(metadata, compression))
            } else if compression == .gzip {
                .prepared(Self.preparedGzipResponseHeaders)
            } else {
                .prepared(Self.preparedPlainResponseHeaders)
            }
        session.submitResponse(
            streamID: streamID, headers: headers, body: framed,
            trailers: trailers.isEmpty
                ? .prepared(Self.preparedOKStatusFields) : .fields(Self.statusFields(.ok, trailers: trailers)))
        scheduleFlush()
    }

    func finishCall(streamID: Int32, status: RPCStatus, trailers: Metadata) {
        guard let session, let call = calls[streamID], !call.finished else { return }
        call.finished = true
        call.deadlineTimer?.cancel()
        call.deadlineTimer = nil
        let statusFields = Self.statusFields(status, trailers: trailers)
        if call.headersSent {
            session.sendTrailers(streamID: streamID, trailers: statusFields)
        } else {
            // Trailers-Only: one HEADERS frame with the status, ending the stream.
            session.submitResponse(
                streamID: streamID,
                headers: Self.responseHeaders(call.context.initialMetadata, .identity) + statusFields,
                endStream: true)
        }
        scheduleFlush()
    }

    func messageTaken(streamID: Int32, bytes: Int) {
        guard let session, let call = calls[streamID] else { return }
        call.queuedBytes -= bytes
        guard call.queuedBytes <= configuration.maxQueuedRequestBytes else { return }
        // Messages held back while the handler was behind go first.
        if call.deframer.bufferedByteCount > 0 || call.requestsEnded { deliverRequests(call, streamID: streamID) }
        if call.queuedBytes <= configuration.maxQueuedRequestBytes, call.owedBytes > 0 {
            session.consumeStream(streamID, call.owedBytes)
            call.owedBytes = 0
            scheduleFlush()
        }
    }

    /// The deadline passed: the handler is cancelled and the client told
    /// DEADLINE_EXCEEDED in trailers (then RST_STREAM(NO_ERROR) if it is still
    /// sending). A bare RST_STREAM(CANCEL) would race the client's own timer and
    /// could reach it as CANCELLED.
    func deadlinePassed(streamID: Int32) {
        guard let call = calls[streamID], !call.finished else { return }
        calls[streamID]?.deadlineTimer = nil
        call.task?.cancel()
        call.requests?.finish(throwing: RPCError(.deadlineExceeded, "the deadline passed"))
        finishCall(
            streamID: streamID, status: RPCStatus(code: .deadlineExceeded, message: "the deadline passed"),
            trailers: Metadata())
    }

    // MARK: - Helpers

    /// Ends a stream that never became a call: an HTTP error or a Trailers-Only status.
    func reject(streamID: Int32, httpStatus: String = "200", status: RPCStatus, extra: [HTTP2Header] = []) {
        var headers = [HTTP2Header(":status", httpStatus), HTTP2Header("content-type", "application/grpc")]
        headers += Self.statusFields(status, trailers: Metadata()) + extra
        session?.submitResponse(streamID: streamID, headers: headers, endStream: true)
    }

    private static let plainResponseHeaders = [
        HTTP2Header(":status", "200"), HTTP2Header("content-type", "application/grpc"),
        HTTP2Header("grpc-accept-encoding", RPCCompression.acceptEncoding),
    ]
    private static let gzipResponseHeaders = plainResponseHeaders + [HTTP2Header("grpc-encoding", "gzip")]
    private static let okStatusFields = [HTTP2Header("grpc-status", "0")]
    // The same, laid out once for nghttp2: a unary response submits them as they are.
    private static let preparedPlainResponseHeaders = HTTP2Session.PreparedHeaders(plainResponseHeaders)
    private static let preparedGzipResponseHeaders = HTTP2Session.PreparedHeaders(gzipResponseHeaders)
    private static let preparedOKStatusFields = HTTP2Session.PreparedHeaders(okStatusFields)

    /// Request headers the server never reads (all reserved, see `Metadata.isReserved`):
    /// the session drops them without making strings of them.
    static let ignoredRequestFields: [StaticString] = [
        ":scheme", ":authority", "te", "user-agent", "content-length", "host", "accept-encoding", "connection",
        "keep-alive", "transfer-encoding",
    ]

    private static func responseHeaders(_ metadata: Metadata, _ compression: RPCCompression) -> [HTTP2Header] {
        let headers = compression == .gzip ? gzipResponseHeaders : plainResponseHeaders
        if metadata.isEmpty { return headers }
        return headers + metadata.wireHeaders.map { HTTP2Header($0.name, $0.value) }
    }

    private static func statusFields(_ status: RPCStatus, trailers: Metadata) -> [HTTP2Header] {
        if status.code == .ok, status.message.isEmpty, trailers.isEmpty { return okStatusFields }
        var fields = [HTTP2Header("grpc-status", String(status.code.rawValue))]
        if !status.message.isEmpty {
            fields.append(HTTP2Header("grpc-message", GRPCMessageEncoding.encode(status.message)))
        }
        return fields + trailers.wireHeaders.map { HTTP2Header($0.name, $0.value) }
    }

    static func isGRPCContentType(_ value: String?) -> Bool {
        guard let value else { return false }
        if value == "application/grpc" { return true }  // nearly always: no lowercased copy
        let lower = value.lowercased()
        return lower == "application/grpc" || lower.hasPrefix("application/grpc+")
            || lower.hasPrefix("application/grpc;")
    }

    private static func describe(_ address: SocketAddress) -> String {
        switch address {
        case .v4: "ipv4:\(address.ipAddress ?? "?"):\(address.port ?? 0)"
        case .v6: "ipv6:[\(address.ipAddress ?? "?")]:\(address.port ?? 0)"
        case .unixDomainSocket: "unix:\(address.pathname ?? "")"
        }
    }
}
