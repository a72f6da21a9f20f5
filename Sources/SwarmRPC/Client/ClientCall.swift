import NIOCore

/// What a client call's stream delivers, in order: initial metadata (unless the
/// response is Trailers-Only), messages, then exactly one `end`.
enum ClientResponsePart: Sendable {
    case initialMetadata(Metadata)
    case message([UInt8])
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
