import NIOCore

/// One call on a server connection, from its request headers to its stream's close.
/// Lives in the connection handler, on the event loop. A class: the connection
/// updates it on every frame, and a struct in a dictionary is copied out and back.
final class ServerCall {
    let context: ServerContext
    /// Feeds the handler's request stream; nil for a unary call.
    let requests: RawMessageStream.Continuation?
    /// A unary call's handler, started once the request is complete (END_STREAM);
    /// nil for streaming calls and once started.
    var unary: ServerMethodHandler.Unary?
    /// A unary call's request message, held until END_STREAM.
    var request: [UInt8]?
    var deframer: MessageDeframer
    /// Bytes of request messages handed to the handler's stream and not yet taken.
    var queuedBytes = 0
    /// Bytes received while `queuedBytes` was over the limit: the stream's window
    /// stays closed by this much until the handler catches up.
    var owedBytes = 0
    /// The client half-closed; the handler's stream finishes once the deframer has
    /// handed over every message.
    var requestsEnded = false
    var task: Task<Void, Never>?
    var deadlineTimer: Scheduled<Void>?
    /// Response headers are out; what follows is messages and trailers.
    var headersSent = false
    /// The status is queued (or the stream reset): nothing more is sent or read.
    var finished = false

    init(
        context: ServerContext, requests: RawMessageStream.Continuation?, unary: ServerMethodHandler.Unary? = nil,
        deframer: MessageDeframer
    ) {
        self.context = context
        self.requests = requests
        self.unary = unary
        self.deframer = deframer
    }
}
