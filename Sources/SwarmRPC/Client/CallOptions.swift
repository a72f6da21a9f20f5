/// Per-call settings for a client call.
///
/// ```swift
/// var options = CallOptions(timeout: .seconds(2))
/// options.metadata.add("x-request-id", "42")
/// let reply = try await client.unary(TaskService.Method.getTask, request, options: options)
/// ```
public struct CallOptions: Sendable {
    /// Custom metadata sent with the request headers.
    public var metadata: Metadata
    /// How long the call may take; sent as `grpc-timeout` and enforced locally too
    /// (the call ends with DEADLINE_EXCEEDED and the stream is reset).
    public var timeout: Duration?
    /// How request messages are compressed: gzip sends `grpc-encoding: gzip` and
    /// compresses each message. Responses are decompressed whatever this says (every
    /// call advertises `grpc-accept-encoding: gzip, identity`).
    public var compression: RPCCompression

    public init(metadata: Metadata = Metadata(), timeout: Duration? = nil, compression: RPCCompression = .identity) {
        self.metadata = metadata
        self.timeout = timeout
        self.compression = compression
    }
}

/// A unary response with the metadata that came with it.
public struct RPCClientResponse<Message: Sendable>: Sendable {
    public var message: Message
    public var initialMetadata: Metadata
    public var trailingMetadata: Metadata
    /// The message arrived compressed (the server's `grpc-encoding` and the
    /// message's compressed flag); it was decompressed.
    public var compressed = false
}
