import SwarmProto

/// The methods a server serves, by their generated descriptors.
///
/// ```swift
/// var router = RPCRouter()
/// router.unary(Grpc_Testing_TestService.Method.emptyCall) { _, _ in Grpc_Testing_Empty() }
/// router.serverStreaming(Grpc_Testing_TestService.Method.streamingOutputCall) { request, responses, _ in
///     try await responses.write(Grpc_Testing_StreamingOutputCallResponse())
/// }
/// let server = RPCServer(router: router)
/// ```
///
/// A handler runs as its own task; it is cancelled when the client resets the
/// stream or the deadline passes. Throw `RPCError` to end the call with a status.
/// Handlers are `nonisolated(nonsending)`: they run on their task's executor (the
/// connection's event loop, see `ServerCallRunner`) from the start, without the
/// executor check and switch a plain nonisolated async function costs on entry.
public struct RPCRouter: Sendable {
    @usableFromInline private(set) var handlers: [String: ServerMethodHandler] = [:]

    public init() {}

    /// The `:path`s served, e.g. `/grpc.testing.TestService/EmptyCall`.
    public var paths: [String] { handlers.keys.sorted() }

    /// Inlinable so that the calling module specialises it for its message types: the
    /// handler closure then works on concrete types (no generic frames per call).
    @inlinable
    public mutating func unary<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler: nonisolated(nonsending) @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) {
        // No request stream: the connection collects the one message and calls this
        // when the client half-closes (`ServerConnectionHandler+Unary.swift`).
        handlers[method.descriptor.path] = ServerMethodHandler(
            descriptor: method.descriptor,
            body: .unary { bytes throws(RPCError) in
                let request: Request
                do {
                    request = try Request(serializedBytes: bytes)
                } catch {
                    throw RPCError(.internal, "could not decode \(Request.protoMessageName): \(error)")
                }
                return { context in
                    let response = try await handler(request, context)
                    do throws(Gzip.Failure) {
                        return try LengthPrefixedMessage.encode(response, compression: context.sendingCompression())
                    } catch {
                        throw RPCError(.internal, "could not compress the response message: \(error)")
                    }
                }
            })
    }

    public mutating func serverStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler:
            nonisolated(nonsending) @escaping @Sendable (Request, RPCResponseWriter<Response>, ServerContext)
            async throws -> Void
    ) {
        add(method) { requests, responses, context in
            let request = try await Self.single(RPCRequestStream<Request>(raw: requests, sink: responses))
            try await handler(request, RPCResponseWriter(sink: responses), context)
        }
    }

    public mutating func clientStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler:
            nonisolated(nonsending) @escaping @Sendable (RPCRequestStream<Request>, ServerContext) async throws ->
            Response
    ) {
        add(method) { requests, responses, context in
            try await responses.write(
                handler(RPCRequestStream(raw: requests, sink: responses), context).serializedBytes())
        }
    }

    public mutating func bidirectionalStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler:
            nonisolated(nonsending) @escaping @Sendable (
                RPCRequestStream<Request>, RPCResponseWriter<Response>, ServerContext
            ) async throws
            -> Void
    ) {
        add(method) { requests, responses, context in
            try await handler(
                RPCRequestStream(raw: requests, sink: responses), RPCResponseWriter(sink: responses), context)
        }
    }

    private mutating func add<Request, Response>(
        _ method: RPCMethod<Request, Response>, _ run: @escaping ServerMethodHandler.Run
    ) {
        handlers[method.descriptor.path] = ServerMethodHandler(descriptor: method.descriptor, body: .streaming(run))
    }

    func handler(forPath path: String) -> ServerMethodHandler? { handlers[path] }

    /// Exactly one request message: server-streaming calls.
    private static func single<Request>(_ requests: RPCRequestStream<Request>) async throws -> Request {
        var iterator = requests.makeAsyncIterator()
        guard let request = try await iterator.next() else {
            throw RPCError(.internal, "the client sent no request message")
        }
        guard try await iterator.next() == nil else {
            throw RPCError(.internal, "the client sent more than one request message")
        }
        return request
    }
}

/// A method with its messages erased to bytes: what a connection dispatches to.
@usableFromInline
struct ServerMethodHandler: Sendable {
    /// Streaming calls (and server-streaming ones): a request stream and a sink.
    @usableFromInline typealias Run =
        nonisolated(nonsending) @Sendable (RawMessageStream, ServerCallSink, ServerContext) async throws -> Void
    /// Unary calls, in two steps. The first decodes the one request message, at once
    /// on the connection's loop (a message that does not decode ends the call before
    /// any task starts), and returns the second: the handler's run, whose result is
    /// the response message already framed (Length-Prefixed, compressed as
    /// `ServerContext.sendingCompression()` says). The decoded request lives in the
    /// run's closure rather than in the handler task's frames, which then fit the
    /// task's first allocator slab.
    @usableFromInline typealias Unary = @Sendable ([UInt8]) throws(RPCError) -> UnaryRun
    /// `nonisolated(nonsending)`: it runs where its task is, without a hop on entry.
    @usableFromInline typealias UnaryRun = nonisolated(nonsending) @Sendable (ServerContext) async throws -> [UInt8]

    @usableFromInline enum Body: Sendable {
        case unary(Unary)
        case streaming(Run)
    }

    @usableFromInline let descriptor: RPCMethodDescriptor
    @usableFromInline let body: Body

    @usableFromInline init(descriptor: RPCMethodDescriptor, body: Body) {
        self.descriptor = descriptor
        self.body = body
    }
}
