import NIOCore

/// One HTTP/2 connection of a client: an `HTTP2Session` in the client role,
/// multiplexing calls as streams. Runs on the channel's event loop; calls reach it
/// through `ClientCallHandle`. nghttp2 holds back requests beyond the server's
/// MAX_CONCURRENT_STREAMS until a stream closes.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Configuration: Sendable {
        var authority: String
        var maxReceiveMessageSize: Int
        var settings: HTTP2Session.Settings
        /// `:scheme`: "https" over TLS.
        var scheme: String = "http"
    }

    let configuration: Configuration
    var session: HTTP2Session?
    var context: ChannelHandlerContext?
    var calls = StreamTable<ClientCall>()
    var closing = false
    private var receiving = false
    /// Why the connection failed (a TLS error), for the calls it ends.
    private(set) var failure: String?

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    // MARK: - NIO events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        do {
            let session = try HTTP2Session(role: .client, settings: configuration.settings)
            session.delegate = self
            self.session = session
        } catch {
            close()
            return
        }
        if context.channel.isActive { flush() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        tearDown(RPCStatus(code: .unavailable, message: "the connection closed"))
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        flush()  // the preface and our SETTINGS
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        tearDown(RPCStatus(code: .unavailable, message: failure ?? "the connection closed"))
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session, !closing else { return }
        let buffer = unwrapInboundIn(data)
        receiving = true
        let failed = buffer.withUnsafeReadableBytes { bytes in
            do {
                try session.receive(bytes)
                return false
            } catch {
                return true
            }
        }
        receiving = false
        flush()
        if failed { close() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? TLSError { failure = error.description }
        close()
    }

    /// True while new calls can start here.
    var isUsable: Bool { !closing && session?.isAlive == true }

    // MARK: - From calls

    /// Opens a stream for a call; nil when this connection cannot take it. A `request`
    /// (already framed) is the whole request body: it is queued with END_STREAM, to go
    /// out with the headers.
    func startCall(
        path: String, metadata: Metadata, timeoutNanos: Int64?, compression: RPCCompression, request: [UInt8]?,
        parts: AsyncStream<ClientResponsePart>.Continuation
    ) -> Int32? {
        guard let session, let context, isUsable else { return nil }
        var headers = [
            HTTP2Header(":method", "POST"), HTTP2Header(":scheme", configuration.scheme), HTTP2Header(":path", path),
            HTTP2Header(":authority", configuration.authority), HTTP2Header("content-type", "application/grpc"),
            HTTP2Header("te", "trailers"), HTTP2Header("user-agent", "swarm-rpc/0.1"),
            HTTP2Header("grpc-accept-encoding", RPCCompression.acceptEncoding),
        ]
        if compression == .gzip { headers.append(HTTP2Header("grpc-encoding", "gzip")) }
        if let timeoutNanos {
            headers.append(HTTP2Header("grpc-timeout", GRPCTimeout.encode(nanoseconds: timeoutNanos)))
        }
        headers += metadata.wireHeaders.map { HTTP2Header($0.name, $0.value) }
        guard let streamID = session.submitRequest(headers: headers) else { return nil }
        var call = ClientCall(
            parts: parts, deframer: MessageDeframer(maxMessageSize: configuration.maxReceiveMessageSize))
        if let timeoutNanos {
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            call.deadlineTimer = context.eventLoop.scheduleTask(in: .nanoseconds(timeoutNanos)) {
                bound.value.cancel(
                    streamID: streamID, status: RPCStatus(code: .deadlineExceeded, message: "the deadline passed"))
            }
        }
        calls[streamID] = call
        if let request {
            session.sendData(streamID: streamID, bytes: request, promise: nil)
            session.endStream(streamID: streamID)
        }
        flush()
        return streamID
    }

    func send(streamID: Int32, framed: [UInt8], promise: EventLoopPromise<Void>) {
        guard let session, let call = calls[streamID], !call.ended else {
            promise.fail(RPCError(.cancelled, "the call is over"))
            return
        }
        session.sendData(streamID: streamID, bytes: framed, promise: promise)
        flush()
    }

    func endRequest(streamID: Int32) {
        guard let session, calls[streamID] != nil else { return }
        session.endStream(streamID: streamID)
        flush()
    }

    /// Resets the stream and ends the call with `status`.
    func cancel(streamID: Int32, status: RPCStatus) {
        guard let session, calls[streamID]?.ended == false else { return }
        end(streamID: streamID, status, trailers: Metadata())
        session.resetStream(streamID: streamID, errorCode: .cancel)
        flush()
    }

    // MARK: - Helpers

    func end(streamID: Int32, _ status: RPCStatus, trailers: Metadata) {
        guard var call = calls[streamID], !call.ended else { return }
        call.ended = true
        call.deadlineTimer?.cancel()
        call.deadlineTimer = nil
        calls[streamID] = call
        call.parts.yield(.end(status, trailers: trailers))
        call.parts.finish()
    }

    private func flush() {
        guard let session, let context, !closing, !receiving else { return }
        var output = context.channel.allocator.buffer(capacity: 0)
        session.pendingOutput(into: &output)
        if output.readableBytes > 0 {
            context.writeAndFlush(wrapOutboundOut(output), promise: nil)
        }
        if !session.isAlive { close() }
    }

    private func close() {
        guard !closing else { return }
        closing = true
        context?.close(promise: nil)
    }

    private func tearDown(_ status: RPCStatus) {
        for streamID in calls.streamIDs { end(streamID: streamID, status, trailers: Metadata()) }
        calls.removeAll()
        session?.delegate = nil
        session = nil
    }

    /// The status and trailing metadata in a trailers (or Trailers-Only) block.
    static func status(from headers: [HTTP2Header]) -> (RPCStatus, Metadata) {
        var code: RPCStatus.Code?
        var message = ""
        var trailers = Metadata()
        for header in headers {
            switch header.name {
            case "grpc-status": code = Int(header.value).map(RPCStatus.Code.init(wireValue:)) ?? .unknown
            case "grpc-message": message = GRPCMessageEncoding.decode(header.value)
            default:
                if !Metadata.isReserved(header.name) { _ = trailers.addWire(name: header.name, value: header.value) }
            }
        }
        guard let code else {
            return (RPCStatus(code: .internal, message: "the server sent no grpc-status"), trailers)
        }
        return (RPCStatus(code: code, message: message), trailers)
    }
}
