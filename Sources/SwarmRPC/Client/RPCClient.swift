import NIOCore
import NIOPosix
import SwarmProto
import Synchronization

/// A gRPC client over plaintext HTTP/2 (h2c, prior knowledge), or over TLS with
/// ALPN `h2` when `Configuration.tls` is set: one connection (or
/// `Configuration.connections`, calls spread over them in turn), opened on first use
/// and reopened after it closes, carrying every call as a stream. Streams beyond the
/// server's MAX_CONCURRENT_STREAMS wait in nghttp2 until one ends.
///
/// ```swift
/// let client = RPCClient(configuration: .init(host: "127.0.0.1", port: 50051))
/// let reply = try await client.unary(TaskService.Method.getTask, request)
/// try await client.serverStreaming(EventService.Method.watch, watchRequest) { events in
///     for try await event in events { print(event) }
/// }
/// await client.close()
/// ```
///
/// A call ends with `RPCError` for any status but OK. Cancelling the calling task
/// resets the stream (RST_STREAM(CANCEL)).
public final class RPCClient: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The largest response message accepted (gRPC's default: 4 MiB).
        public var maxReceiveMessageSize: Int
        /// `:authority`; `host:port` when nil.
        public var authority: String?
        /// How long to wait before reconnecting after a failed attempt. Calls made
        /// while waiting fail at once with UNAVAILABLE (gRPC's fail-fast default).
        public var connectionBackoff: ConnectionBackoff
        /// TLS to the server; nil speaks plaintext h2c. The server's certificate is
        /// checked against `tls.serverHostname`, or `host` when that is nil.
        public var tls: TLSConfiguration?
        /// How many connections calls are spread over, in turn (at least 1). One is
        /// right for most clients; more let a busy client use several event loops here
        /// and at the server (each connection is served by one loop), and more than
        /// MAX_CONCURRENT_STREAMS calls run at once. Each reconnects on its own.
        public var connections: Int

        public init(
            host: String, port: Int, maxReceiveMessageSize: Int = 4 * 1024 * 1024, authority: String? = nil,
            connectionBackoff: ConnectionBackoff = ConnectionBackoff(), tls: TLSConfiguration? = nil,
            connections: Int = 1
        ) {
            self.host = host
            self.port = port
            self.maxReceiveMessageSize = maxReceiveMessageSize
            self.authority = authority
            self.connectionBackoff = connectionBackoff
            self.tls = tls
            self.connections = connections
        }
    }

    private struct Connection: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<ClientConnectionHandler>
    }

    private let configuration: Configuration
    private let group: any EventLoopGroup
    /// One of the client's connections, with its own reconnection backoff.
    private struct Slot: Sendable {
        var connection: Connection?
        var connecting: EventLoopFuture<Connection>?
        var backoff: ConnectionBackoff
        /// After a failed attempt: no new attempt before this.
        var retryAt: ContinuousClock.Instant?
    }

    private struct State: Sendable {
        var slots: [Slot]
        /// The slot the next call goes to.
        var next = 0
    }

    private let state: Mutex<State>
    /// Built from `configuration.tls` on first connect (loading files then).
    private let tlsContext: Mutex<TLSContext?> = Mutex(nil)

    public init(configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
        let slot = Slot(backoff: configuration.connectionBackoff)
        self.state = Mutex(State(slots: Array(repeating: slot, count: max(1, configuration.connections))))
    }

    /// Closes the connections; calls in flight end with UNAVAILABLE.
    public func close() async {
        let slots = state.withLock { state in
            defer {
                for index in state.slots.indices {
                    state.slots[index].connection = nil
                    state.slots[index].connecting = nil
                }
            }
            return state.slots
        }
        for slot in slots {
            try? await slot.connection?.channel.close()
            if let channel = try? await slot.connecting?.get().channel { try? await channel.close() }
        }
    }

    // MARK: - Connection

    /// Opens a call's stream. With `request` (a unary or server-streaming call's only
    /// message), the headers, the message and END_STREAM leave in one write: one hop
    /// onto the event loop and one segment for the server to read, instead of three.
    func open(_ path: String, options: CallOptions, request: [UInt8]? = nil) async throws -> ClientCallHandle {
        try Task.checkCancellation()
        let framed = try request.map { (bytes) throws(RPCError) in
            try ClientCallHandle.frame(bytes, compression: options.compression)
        }
        let timeoutNanos = options.timeout.map { duration -> Int64 in
            let (seconds, attoseconds) = duration.components
            return seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue + attoseconds / 1_000_000_000
        }
        // One retry: a connection found closed is replaced once.
        var failure: String?
        let slot = state.withLock { state in
            defer { state.next = (state.next + 1) % state.slots.count }
            return state.next
        }
        for _ in 0..<2 {
            let connection = try await connection(slot)
            let (parts, continuation) = AsyncStream<ClientResponsePart>.makeStream()
            let handler = connection.handler
            let (metadata, compression) = (options.metadata, options.compression)
            let streamID = try await connection.channel.eventLoop.submit {
                handler.value.startCall(
                    path: path, metadata: metadata, timeoutNanos: timeoutNanos, compression: compression,
                    request: framed, parts: continuation)
            }.get()
            if let streamID {
                return ClientCallHandle(
                    streamID: streamID, parts: parts, eventLoop: connection.channel.eventLoop, connection: handler,
                    compression: compression)
            }
            forget(connection)
            failure = try? await connection.channel.eventLoop.submit { handler.value.failure }.get() ?? failure
        }
        let reason = failure.map { ": \($0)" } ?? ""
        throw RPCError(.unavailable, "no connection to \(configuration.host):\(configuration.port)\(reason)")
    }

    private func connection(_ slot: Int) async throws -> Connection {
        let pending = state.withLock { state -> Result<Connection, RPCError>? in
            if let connection = state.slots[slot].connection, connection.channel.isActive {
                return .success(connection)
            }
            state.slots[slot].connection = nil
            if state.slots[slot].connecting == nil {
                if let retryAt = state.slots[slot].retryAt, ContinuousClock.now < retryAt {
                    return .failure(
                        RPCError(
                            .unavailable,
                            "not connected to \(configuration.host):\(configuration.port); retrying in "
                                + "\(ContinuousClock.now.duration(to: retryAt))"))
                }
                state.slots[slot].connecting = connect()
            }
            return nil
        }
        switch pending {
        case .success(let connection): return connection
        case .failure(let error): throw error
        case nil: break
        }
        guard let future = state.withLock({ $0.slots[slot].connecting }) else { return try await connection(slot) }
        do {
            let connection = try await future.get()
            state.withLock { state in
                if state.slots[slot].connecting === future {
                    state.slots[slot].connecting = nil
                    state.slots[slot].connection = connection
                    state.slots[slot].backoff.succeeded()
                    state.slots[slot].retryAt = nil
                }
            }
            return connection
        } catch {
            state.withLock { state in
                guard state.slots[slot].connecting === future else { return }
                state.slots[slot].connecting = nil
                let wait = state.slots[slot].backoff.failed(random: Double.random(in: 0...1))
                state.slots[slot].retryAt = ContinuousClock.now.advanced(by: wait)
            }
            throw RPCError(.unavailable, "cannot connect to \(configuration.host):\(configuration.port): \(error)")
        }
    }

    private func forget(_ connection: Connection) {
        state.withLock { state in
            for index in state.slots.indices where state.slots[index].connection?.channel === connection.channel {
                state.slots[index].connection = nil
            }
        }
    }

    private func connect() -> EventLoopFuture<Connection> {
        let handlerConfiguration = ClientConnectionHandler.Configuration(
            authority: configuration.authority ?? "\(configuration.host):\(configuration.port)",
            maxReceiveMessageSize: configuration.maxReceiveMessageSize, settings: HTTP2Session.Settings(),
            scheme: configuration.tls == nil ? "http" : "https")
        let tls: TLSContext?
        do {
            tls = try tlsContextForConnect()
        } catch {
            return group.next().makeFailedFuture(error)
        }
        let hostname = configuration.tls?.serverHostname ?? configuration.host
        return ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(TLSHandler(context: tls, hostname: hostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ClientConnectionHandler(configuration: handlerConfiguration))
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .flatMapThrowing { channel in
                let handler = try channel.pipeline.syncOperations.handler(type: ClientConnectionHandler.self)
                return Connection(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
            }
    }

    private func tlsContextForConnect() throws(TLSError) -> TLSContext? {
        guard let tls = configuration.tls else { return nil }
        if let context = tlsContext.withLock({ $0 }) { return context }
        let context = try TLSContext(tls, role: .client)
        tlsContext.withLock { $0 = context }
        return context
    }

    /// The error for a call whose parts stopped before its status.
    static func endedEarly() -> RPCError {
        Task.isCancelled
            ? RPCError(.cancelled, "the call was cancelled") : RPCError(.internal, "the call ended without a status")
    }

    static func decode<Message: ProtoMessage>(_ type: Message.Type, _ bytes: [UInt8]) throws -> Message {
        do {
            return try Message(serializedBytes: bytes)
        } catch {
            throw RPCError(.internal, "could not decode \(Message.protoMessageName): \(error)")
        }
    }
}
