/// What an HTTP/2 session reports as it reads frames: requests beginning,
/// their header lists, their body bytes and their ends, and closed streams. Called on
/// the connection's event loop, from inside `HTTP2Session.receive`.
protocol HTTP2SessionDelegate: AnyObject {
    /// A header list is complete: a request's (server), a response's or trailers.
    /// `endStream` says nothing follows on the stream from the peer.
    func session(didReceiveHeaders headers: [HTTP2Header], kind: HTTP2HeaderKind, streamID: Int32, endStream: Bool)
    /// A header list over the limit arrived; its fields were dropped.
    func session(didReceiveOversizedHeaders streamID: Int32, size: Int, limit: Int)
    /// Body bytes of a request, in order; they need not line up with anything.
    func session(didReceiveData bytes: UnsafeRawBufferPointer, streamID: Int32)
    /// The client has finished sending (END_STREAM, after data or trailers).
    func session(didReceiveEndStream streamID: Int32)
    /// The peer's SETTINGS arrived (for a server: the client's preface is complete).
    func sessionDidReceiveSettings()
    /// The peer acknowledged our PING.
    func sessionDidReceivePingAck()
    /// The peer reset a stream (counted against rapid-reset floods).
    func session(didReceiveReset streamID: Int32)
    /// A stream is gone. `errorCode` is 0 after a clean end, else the RST_STREAM or
    /// GOAWAY code (e.g. 8, CANCEL, when the client cancelled).
    func session(didCloseStream streamID: Int32, errorCode: UInt32)
}

/// One header field, as bytes decoded to text (header values are ASCII in gRPC;
/// anything else is kept as lossy UTF-8 and fails validation later).
struct HTTP2Header: Sendable, Hashable {
    var name: String
    var value: String

    init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// HTTP/2 error codes (RFC 9113 section 7) that SwarmRPC sends.
enum HTTP2ErrorCode: UInt32, Sendable {
    case noError = 0x0
    case protocolError = 0x1
    case internalError = 0x2
    case flowControlError = 0x3
    case refusedStream = 0x7
    case cancel = 0x8
    case enhanceYourCalm = 0xb
}

/// Which header list of a stream a HEADERS frame carries.
enum HTTP2HeaderKind: Sendable {
    /// A request's headers (seen by servers).
    case request
    /// A response's headers (seen by clients).
    case response
    /// Trailers, or any later header list.
    case trailers
}
