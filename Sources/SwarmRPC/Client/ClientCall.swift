import NIOCore

/// What a client call's stream delivers, in order: initial metadata (unless the
/// response is Trailers-Only), messages, then exactly one `end`.
enum ClientResponsePart: Sendable {
    case initialMetadata(Metadata)
    /// A message, and whether it arrived compressed.
    case message([UInt8], compressed: Bool)
    case end(RPCStatus, trailers: Metadata)
}

/// One call on a client connection, on the event loop.
struct ClientCall {
    let parts: AsyncStream<ClientResponsePart>.Continuation
    var deframer: MessageDeframer
    var deadlineTimer: Scheduled<Void>?
    var sawHeaders = false
    var ended = false
}
