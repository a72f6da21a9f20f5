import SwarmProto
import Synchronization

/// What a handler knows about its call, and where it puts response metadata.
///
/// ```swift
/// router.unary(Greeter.Method.sayHello) { request, context in
///     context.initialMetadata.add("x-served-by", "node-7")
///     if context.deadline.map({ ContinuousClock.now > $0 }) == true { ... }
///     return reply
/// }
/// ```
public final class ServerContext: Sendable {
    /// The method called.
    public let method: RPCMethodDescriptor
    /// The client's custom metadata (reserved and `grpc-` headers removed).
    public let metadata: Metadata
    /// The client's address, e.g. `ipv4:127.0.0.1:53412`.
    public let peer: String
    /// When the client stops waiting (from `grpc-timeout`); nil when it waits forever.
    /// The handler's task is cancelled when it passes.
    public let deadline: ContinuousClock.Instant?

    /// The client's `grpc-accept-encoding` names gzip.
    let clientAcceptsGzip: Bool

    private let response = Mutex<(initial: Metadata, trailing: Metadata)>((Metadata(), Metadata()))

    private struct Compression {
        var response: RPCCompression
        /// What the response messages use, fixed by the first one (its headers carry it).
        var sending: RPCCompression?
        var requestCompressed = false
    }

    private let compression: Mutex<Compression>

    init(
        method: RPCMethodDescriptor, metadata: Metadata, peer: String, deadline: ContinuousClock.Instant?,
        responseCompression: RPCCompression = .identity, clientAcceptsGzip: Bool = false
    ) {
        self.method = method
        self.metadata = metadata
        self.peer = peer
        self.deadline = deadline
        self.clientAcceptsGzip = clientAcceptsGzip
        self.compression = Mutex(Compression(response: responseCompression))
    }

    /// How response messages are compressed: gzip (with `grpc-encoding: gzip` on the
    /// response headers) when the client's `grpc-accept-encoding` allows it, identity
    /// otherwise. Starts as the server's `Configuration.responseCompression`; set it
    /// before the first response message, later changes are not used.
    ///
    /// ```swift
    /// if request.responseCompressed?.value == true { context.responseCompression = .gzip }
    /// ```
    public var responseCompression: RPCCompression {
        get { compression.withLock { $0.response } }
        set { compression.withLock { $0.response = newValue } }
    }

    /// True once a request message arrived compressed (for a unary call: its request).
    public var requestCompressed: Bool { compression.withLock { $0.requestCompressed } }

    func markRequestCompressed() {
        compression.withLock { $0.requestCompressed = true }
    }

    /// The compression of the response messages, fixed by the first call.
    @usableFromInline func sendingCompression() -> RPCCompression {
        guard clientAcceptsGzip else { return .identity }
        return compression.withLock { state in
            if let sending = state.sending { return sending }
            state.sending = state.response
            return state.response
        }
    }

    /// Metadata sent with the response headers. Set it before the first response
    /// message; later changes are not sent.
    public var initialMetadata: Metadata {
        get { response.withLock { $0.initial } }
        set { response.withLock { $0.initial = newValue } }
    }

    /// Metadata sent with the status, after the last response message.
    public var trailingMetadata: Metadata {
        get { response.withLock { $0.trailing } }
        set { response.withLock { $0.trailing = newValue } }
    }
}
