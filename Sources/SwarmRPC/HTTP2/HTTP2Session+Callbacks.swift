internal import CNghttp2
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The nghttp2 callbacks (set once per session) and what each one does. They run
/// only inside `receive` and `pendingOutput`, on the session's event loop.
extension HTTP2Session {
    static func install(_ callbacks: OpaquePointer) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            guard let frame, let userData else { return 0 }
            Unmanaged<HTTP2Session>.fromOpaque(userData).takeUnretainedValue().beginHeaders(frame)
            return 0
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) {
            _, frame, name, nameLength, value, valueLength, _, userData in
            guard let frame, let userData, let name, let value else { return 0 }
            Unmanaged<HTTP2Session>.fromOpaque(userData).takeUnretainedValue().header(
                frame, name: UnsafeBufferPointer(start: name, count: nameLength),
                value: UnsafeBufferPointer(start: value, count: valueLength))
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            guard let frame, let userData else { return 0 }
            Unmanaged<HTTP2Session>.fromOpaque(userData).takeUnretainedValue().frameReceived(frame)
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks) { _, frame, userData in
            guard let frame, let userData else { return 0 }
            Unmanaged<HTTP2Session>.fromOpaque(userData).takeUnretainedValue().frameSent(frame)
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) {
            _, _, streamID, data, length, userData in
            guard let userData, let data else { return 0 }
            let this = Unmanaged<HTTP2Session>.fromOpaque(userData).takeUnretainedValue()
            this.consumeConnection(length)
            this.delegate?.session(
                didReceiveData: UnsafeRawBufferPointer(start: data, count: length), streamID: streamID)
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            guard let userData else { return 0 }
            Unmanaged<HTTP2Session>.fromOpaque(userData).takeUnretainedValue()
                .streamClosed(streamID, errorCode: errorCode)
            return 0
        }
    }

    func beginHeaders(_ frame: UnsafePointer<nghttp2_frame>) {
        guard frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue) else { return }
        let kind: HTTP2HeaderKind
        switch frame.pointee.headers.cat {
        case NGHTTP2_HCAT_REQUEST: kind = .request
        case NGHTTP2_HCAT_RESPONSE: kind = .response
        case NGHTTP2_HCAT_HEADERS: kind = .trailers
        default: return  // pushed responses: never enabled
        }
        // The last list's array, emptied: its storage is reused when nobody kept it.
        var fields = spareFields
        spareFields = []
        fields.removeAll(keepingCapacity: true)
        fields.reserveCapacity(12)
        incomingHeaders = IncomingHeaders(streamID: frame.pointee.hd.stream_id, kind: kind, fields: fields)
    }

    func header(
        _ frame: UnsafePointer<nghttp2_frame>, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>
    ) {
        guard let headers = incomingHeaders, headers.streamID == frame.pointee.hd.stream_id, !headers.oversized
        else { return }
        let size = headers.size + name.count + value.count + 32
        if headers.kind == .request, size <= maxHeaderListSize, isIgnoredRequestField(name) {
            incomingHeaders?.size = size
        } else if size > maxHeaderListSize {
            incomingHeaders?.size = size
            incomingHeaders?.oversized = true
            incomingHeaders?.fields = []
        } else {
            let field = HTTP2Header(headerStrings.string(name), headerStrings.string(value))
            incomingHeaders?.size = size
            incomingHeaders?.fields.append(field)  // in place: `headers` is gone
        }
    }

    private func isIgnoredRequestField(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = name.baseAddress else { return false }
        for ignored in ignoredRequestFields
        where ignored.utf8CodeUnitCount == name.count && memcmp(ignored.utf8Start, base, name.count) == 0 {
            return true
        }
        return false
    }

    func frameReceived(_ frame: UnsafePointer<nghttp2_frame>) {
        let streamID = frame.pointee.hd.stream_id
        let endStream = frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        switch UInt32(frame.pointee.hd.type) {
        case NGHTTP2_HEADERS.rawValue:
            guard let headers = incomingHeaders, headers.streamID == streamID else { return }
            incomingHeaders = nil
            if headers.oversized {
                delegate?.session(didReceiveOversizedHeaders: streamID, size: headers.size, limit: maxHeaderListSize)
                return
            }
            delegate?.session(
                didReceiveHeaders: headers.fields, kind: headers.kind, streamID: streamID, endStream: endStream)
            spareFields = headers.fields
        case NGHTTP2_DATA.rawValue:
            if endStream { delegate?.session(didReceiveEndStream: streamID) }
        case NGHTTP2_SETTINGS.rawValue:
            if frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) == 0 { delegate?.sessionDidReceiveSettings() }
        case NGHTTP2_PING.rawValue:
            if frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 { delegate?.sessionDidReceivePingAck() }
        case NGHTTP2_RST_STREAM.rawValue:
            delegate?.session(didReceiveReset: streamID)
        default:
            break
        }
    }

    /// After trailers go out on a stream the client is still sending on, gRPC asks
    /// for RST_STREAM(NO_ERROR) so the client stops.
    func frameSent(_ frame: UnsafePointer<nghttp2_frame>) {
        let streamID = frame.pointee.hd.stream_id
        let endStream = frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        guard role == .server, endStream, frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue) else { return }
        // 0: the client's half is still open (nghttp2 keeps the stream until both are closed).
        if let session, nghttp2_session_get_stream_remote_close(session, streamID) == 0 {
            resetStream(streamID: streamID, errorCode: .noError)
        }
    }

    func streamClosed(_ streamID: Int32, errorCode: UInt32) {
        if incomingHeaders?.streamID == streamID { incomingHeaders = nil }
        if let stream = outbound.removeValue(forKey: streamID) {
            for chunk in stream.chunks { chunk.promise?.fail(ChannelError.ioOnClosedChannel) }
        }
        delegate?.session(didCloseStream: streamID, errorCode: errorCode)
    }
}
