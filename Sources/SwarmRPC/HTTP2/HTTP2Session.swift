// nghttp2 is imported `internal` in the HTTP2Session files only: its types appear in
// no other file of SwarmRPC and in no public declaration.
internal import CNghttp2
import NIOCore

/// One HTTP/2 connection's state, on nghttp2, for a server or a client: bytes in
/// through `receive`,
/// bytes out through `pendingOutput`, in the manner of nghttp2's libevent-server
/// example (callbacks set once, output drained after every input and every
/// submission). Response bodies are queued here per stream and handed to nghttp2
/// as its flow-control windows allow; a write's promise completes when nghttp2 has
/// taken its last byte, which is how handlers feel backpressure.
///
/// Not thread-safe: the owner calls it on one event loop only.
final class HTTP2Session {
    enum Role: Sendable {
        case server
        case client
    }

    struct Settings: Sendable {
        var maxConcurrentStreams: UInt32 = 1_000
        var initialWindowSize: UInt32 = 1 << 20
        var maxFrameSize: UInt32 = 16_384
        var maxHeaderListSize: UInt32 = 16_384
    }

    enum Failure: Error, Equatable {
        /// nghttp2 rejected the bytes; the session has queued a GOAWAY where it could.
        case protocolViolation(String)
    }

    /// A response body in flight: chunks not yet taken by nghttp2, and the trailers
    /// to send once they are. A class: nghttp2 reads it in pieces, and a struct would
    /// be copied out of `outbound` and back for each.
    final class Outbound {
        var chunks: [(bytes: [UInt8], promise: EventLoopPromise<Void>?)] = []
        var offset = 0  // into chunks[0]
        var trailers: HeaderList? = nil
        /// END_STREAM on the last DATA frame, without trailers (a client's request).
        var endStream = false
        var deferred = false
    }

    /// Strong, not weak: every nghttp2 callback loads it, and a weak load (through the
    /// side table) was 2% of a unary call. The owner breaks the cycle when it lets the
    /// session go (`ServerConnectionHandler` and `ClientConnectionHandler.tearDown`).
    var delegate: (any HTTP2SessionDelegate)?
    var session: OpaquePointer?
    let role: Role
    /// Received DATA must be handed back with `consume…` to reopen windows.
    private let manualWindowUpdates: Bool
    /// The header list being received, with its stream and the category of its frame.
    /// One at a time: a header block (HEADERS and its CONTINUATIONs) is never
    /// interleaved with another frame (RFC 9113 section 4.3).
    var incomingHeaders: IncomingHeaders?
    /// The array of the last header list delivered, kept for the next one's fields.
    var spareFields: [HTTP2Header] = []
    /// Names and values seen lately, so repeated fields cost no new strings.
    var headerStrings = HeaderStringCache()
    /// Request header names (server) the owner never reads: they are decoded (HPACK
    /// must stay in step) and count against `maxHeaderListSize`, but become no
    /// strings and are not delivered. In lower case, as HTTP/2 sends them; static
    /// strings, so that comparing each incoming name with them touches no reference count.
    var ignoredRequestFields: [StaticString] = []
    /// The largest header list accepted (RFC 9113 section 6.5.2 counting: name and
    /// value lengths plus 32 per field). nghttp2 advertises it but does not enforce it.
    let maxHeaderListSize: Int

    struct IncomingHeaders {
        var streamID: Int32
        var kind: HTTP2HeaderKind
        var fields: [HTTP2Header] = []
        var size = 0
        /// Over `maxHeaderListSize`: fields are decoded (HPACK state must stay in
        /// step) but no longer kept.
        var oversized = false
    }
    var outbound = StreamTable<Outbound>()

    init(role: Role, settings: Settings) throws(Failure) {
        self.role = role
        self.manualWindowUpdates = role == .server
        self.maxHeaderListSize = Int(settings.maxHeaderListSize)
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else {
            throw .protocolViolation("nghttp2_session_callbacks_new failed")
        }
        defer { nghttp2_session_callbacks_del(callbacks) }
        Self.install(callbacks)
        var session: OpaquePointer?
        // Unretained: the session is freed in deinit, so it never outlives self, and
        // callbacks run only inside calls that self makes.
        let userData = Unmanaged.passUnretained(self).toOpaque()
        var options: OpaquePointer?
        guard nghttp2_option_new(&options) == 0, let options else {
            throw .protocolViolation("nghttp2_option_new failed")
        }
        defer { nghttp2_option_del(options) }
        // A server opens stream windows only as handlers take their messages
        // (`consumeStream`), so a handler that stops reading stops its client.
        if role == .server { nghttp2_option_set_no_auto_window_update(options, 1) }
        let created =
            switch role {
            case .server: nghttp2_session_server_new2(&session, callbacks, userData, options)
            case .client: nghttp2_session_client_new2(&session, callbacks, userData, options)
            }
        guard created == 0, let session else {
            throw .protocolViolation("nghttp2_session_new failed")
        }
        self.session = session
        var entries = [
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue),
                value: settings.maxConcurrentStreams),
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue),
                value: settings.initialWindowSize),
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_MAX_FRAME_SIZE.rawValue),
                value: settings.maxFrameSize),
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue),
                value: settings.maxHeaderListSize),
        ]
        _ = nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &entries, entries.count)
        // The connection window: as large as the stream windows, so one busy stream
        // does not stall the others.
        let extra = Int32(clamping: Int(settings.initialWindowSize) - 65_535)
        if extra > 0 {
            _ = nghttp2_submit_window_update(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, extra)
        }
    }

    deinit {
        for stream in outbound.allValues {
            for chunk in stream.chunks { chunk.promise?.fail(ChannelError.ioOnClosedChannel) }
        }
        if let session { nghttp2_session_del(session) }
    }

    // MARK: - Input and output

    /// Feeds bytes read from the socket. On failure the session has stopped reading;
    /// drain `pendingOutput` (it may hold a GOAWAY) and close.
    func receive(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
        guard let session, let base = bytes.baseAddress else { return }
        let consumed = nghttp2_session_mem_recv(
            session, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        if consumed < 0 {
            let reason = String(cString: nghttp2_strerror(Int32(consumed)))
            // Bad preface and other connection errors: tell the peer why, if nghttp2
            // has not already queued a GOAWAY of its own.
            _ = nghttp2_session_terminate_session(session, HTTP2ErrorCode.protocolError.rawValue)
            throw .protocolViolation(reason)
        }
    }

    /// Everything nghttp2 wants to send now, appended to `buffer`.
    func pendingOutput(into buffer: inout ByteBuffer) {
        guard let session else { return }
        while true {
            var data: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &data)
            guard count > 0, let data else { break }
            buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: count))
        }
    }

    /// False once the connection is finished in both directions (after GOAWAY and the
    /// last stream, or a fatal error): the owner should close it.
    var isAlive: Bool {
        guard let session else { return false }
        return nghttp2_session_want_read(session) != 0 || nghttp2_session_want_write(session) != 0
    }

    // MARK: - Submissions

    /// Sends response headers (server). With `endStream` they end the stream
    /// (Trailers-Only, or an HTTP error); otherwise a body and trailers follow through
    /// `sendData` and `sendTrailers`.
    func submitResponse(streamID: Int32, headers: [HTTP2Header], endStream: Bool) {
        guard let session else { return }
        let rv: Int32 = Self.withNameValues(headers) { nva, count in
            if endStream {
                return nghttp2_submit_response(session, streamID, nva, count, nil)
            }
            var provider = Self.bodyProvider
            return nghttp2_submit_response(session, streamID, nva, count, &provider)
        }
        if rv == 0, !endStream { outbound[streamID] = Outbound() }
    }

    /// A whole response at once (server, a unary call): headers, one body chunk
    /// (already gRPC-framed), then trailers.
    func submitResponse(streamID: Int32, headers: HeaderList, body: [UInt8], trailers: HeaderList) {
        guard let session else { return }
        let stream = Outbound()
        stream.chunks.append((body, nil))
        stream.trailers = trailers
        let rv: Int32 = Self.withNameValues(headers) { nva, count in
            var provider = Self.bodyProvider
            return nghttp2_submit_response(session, streamID, nva, count, &provider)
        }
        if rv == 0 { outbound[streamID] = stream }
    }

    /// Opens a stream with request headers (client); its body follows through
    /// `sendData` and ends with `endStream`. Returns the stream ID, or nil when
    /// nghttp2 refuses (e.g. after GOAWAY).
    func submitRequest(headers: [HTTP2Header]) -> Int32? {
        guard let session else { return nil }
        let streamID: Int32 = Self.withNameValues(headers) { nva, count in
            var provider = Self.bodyProvider
            return nghttp2_submit_request(session, nil, nva, count, &provider, nil)
        }
        guard streamID > 0 else { return nil }
        outbound[streamID] = Outbound()
        return streamID
    }

    /// Ends a request body (client): END_STREAM once the queued bytes are sent.
    func endStream(streamID: Int32) {
        guard outbound[streamID] != nil else { return }
        outbound[streamID]?.endStream = true
        resumeIfDeferred(streamID)
    }

    /// Returns received body bytes to the connection window (done at once for every
    /// DATA chunk: one slow stream must not stall the others).
    func consumeConnection(_ count: Int) {
        guard manualWindowUpdates, count > 0, let session else { return }
        _ = nghttp2_session_consume_connection(session, count)
    }

    /// Returns received body bytes to a stream's window, once they are taken.
    func consumeStream(_ streamID: Int32, _ count: Int) {
        guard manualWindowUpdates, count > 0, let session else { return }
        _ = nghttp2_session_consume_stream(session, streamID, count)
    }

    /// Queues body bytes (already gRPC-framed) on a stream whose headers went out.
    func sendData(streamID: Int32, bytes: [UInt8], promise: EventLoopPromise<Void>?) {
        guard let stream = outbound[streamID] else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        stream.chunks.append((bytes, promise))
        resumeIfDeferred(streamID)
    }

    /// Queues the trailers that end a stream once its body is sent.
    func sendTrailers(streamID: Int32, trailers: [HTTP2Header]) {
        guard outbound[streamID] != nil else { return }
        outbound[streamID]?.trailers = .fields(trailers)
        resumeIfDeferred(streamID)
    }

    func resetStream(streamID: Int32, errorCode: HTTP2ErrorCode) {
        guard let session else { return }
        _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, errorCode.rawValue)
    }

    /// Graceful GOAWAY: no new streams; those already begun finish.
    func goAway(errorCode: HTTP2ErrorCode = .noError) {
        guard let session else { return }
        let last = nghttp2_session_get_last_proc_stream_id(session)
        _ = nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), last, errorCode.rawValue, nil, 0)
    }

    /// A PING (keepalive); the peer's ACK arrives as `sessionDidReceivePingAck`.
    func ping() {
        guard let session else { return }
        _ = nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil)
    }

    /// GOAWAY and stop: nothing more is read; the owner closes after flushing.
    func terminate(errorCode: HTTP2ErrorCode) {
        guard let session else { return }
        _ = nghttp2_session_terminate_session(session, errorCode.rawValue)
    }

    func resumeIfDeferred(_ streamID: Int32) {
        guard let session, outbound[streamID]?.deferred == true else { return }
        outbound[streamID]?.deferred = false
        _ = nghttp2_session_resume_data(session, streamID)
    }

}
