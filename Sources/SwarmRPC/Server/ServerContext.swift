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

    private let response = Mutex<(initial: Metadata, trailing: Metadata)>((Metadata(), Metadata()))

    init(method: RPCMethodDescriptor, metadata: Metadata, peer: String, deadline: ContinuousClock.Instant?) {
        self.method = method
        self.metadata = metadata
        self.peer = peer
        self.deadline = deadline
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
