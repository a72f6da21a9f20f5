import NIOCore
import NIOPosix
import Synchronization

/// A gRPC server over plaintext HTTP/2 (h2c, prior knowledge), or over TLS with
/// ALPN `h2` when `Configuration.tls` is set.
///
/// ```swift
/// var router = RPCRouter()
/// router.unary(TaskService.Method.getTask) { request, context in ... }
/// let server = RPCServer(router: router, configuration: .init(host: "127.0.0.1", port: 0))
/// let address = try await server.start()
/// ...
/// await server.shutdown(gracePeriod: .seconds(5))
/// ```
public final class RPCServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        /// 0 picks a free port; `start()` returns the one bound.
        public var port: Int
        /// The largest request message accepted; larger ones end the call with
        /// RESOURCE_EXHAUSTED. gRPC's default is 4 MiB.
        public var maxReceiveMessageSize: Int
        /// Streams a client may have open at once on one connection.
        public var maxConcurrentStreams: UInt32
        /// The HTTP/2 flow-control window for each stream and for the connection.
        public var initialWindowSize: UInt32
        /// Connections open at once; past this, new ones are closed on accept.
        public var maxConnections: Int
        /// How long a client may take to send its preface and SETTINGS.
        public var handshakeTimeout: Duration
        /// How long a connection may go without calls before GOAWAY; nil: forever.
        public var idleTimeout: Duration?
        /// Streams a client may reset per `streamResetWindow` before the connection
        /// is closed with ENHANCE_YOUR_CALM (the rapid-reset flood).
        public var maxStreamResets: Int
        public var streamResetWindow: Duration
        /// PING each client this often (nil: never), and close the connection when
        /// the PING is not acknowledged within `keepaliveTimeout`.
        public var keepaliveInterval: Duration?
        public var keepaliveTimeout: Duration
        /// TLS for every connection; nil serves plaintext h2c.
        public var tls: TLSConfiguration?
        /// Told of every TLS failure on a connection (handshake, certificate, ALPN),
        /// which is then closed; other connections are unaffected.
        public var tlsErrorHandler: (@Sendable (TLSError) -> Void)?
        /// Health and reflection, added to the router unless turned off.
        public var standardServices = StandardServices()
        /// Handlers run on their connection's event loop (as their task's executor
        /// preference) until they await something that lives elsewhere: a handler
        /// that does not suspend never changes threads. Set false for handlers that
        /// block their thread (synchronous I/O, long computations), so they run on
        /// the global concurrent pool and other connections' I/O goes on meanwhile.
        public var handlersOnEventLoops = true
        /// Response compression for clients whose `grpc-accept-encoding` allows it:
        /// gzip compresses every response message (and says `grpc-encoding: gzip`).
        /// Identity by default; a handler can choose per call with
        /// `ServerContext.responseCompression`.
        public var responseCompression: RPCCompression = .identity

        public init(
            host: String = "127.0.0.1", port: Int = 0, maxReceiveMessageSize: Int = 4 * 1024 * 1024,
            maxConcurrentStreams: UInt32 = 1_000, initialWindowSize: UInt32 = 1 << 20,
            maxConnections: Int = 10_000, handshakeTimeout: Duration = .seconds(10), idleTimeout: Duration? = nil,
            maxStreamResets: Int = 200, streamResetWindow: Duration = .seconds(10),
            keepaliveInterval: Duration? = .seconds(7_200), keepaliveTimeout: Duration = .seconds(20),
            tls: TLSConfiguration? = nil, tlsErrorHandler: (@Sendable (TLSError) -> Void)? = nil
        ) {
            self.host = host
            self.port = port
            self.maxReceiveMessageSize = maxReceiveMessageSize
            self.maxConcurrentStreams = maxConcurrentStreams
            self.initialWindowSize = initialWindowSize
            self.maxConnections = maxConnections
            self.handshakeTimeout = handshakeTimeout
            self.idleTimeout = idleTimeout
            self.maxStreamResets = maxStreamResets
            self.streamResetWindow = streamResetWindow
            self.keepaliveInterval = keepaliveInterval
            self.keepaliveTimeout = keepaliveTimeout
            self.tls = tls
            self.tlsErrorHandler = tlsErrorHandler
        }
    }

    private struct Connection: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<ServerConnectionHandler>
    }

    private struct State: Sendable {
        var listener: (any Channel)?
        var connections: [ObjectIdentifier: Connection] = [:]
        var shuttingDown = false
    }

    private let router: RPCRouter
    /// The `grpc.health.v1.Health` statuses: SERVING until `shutdown()`.
    public let health: HealthService
    private let configuration: Configuration
    private let group: any EventLoopGroup
    private let state = Mutex(State())

    public init(
        router: RPCRouter, configuration: Configuration = Configuration(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        (self.router, self.health) = configuration.standardServices.install(in: router)
        self.configuration = configuration
        self.group = group
    }

    /// Binds and starts accepting connections; returns the address bound. Throws
    /// `TLSError` when the TLS certificates or keys cannot be loaded.
    @discardableResult
    public func start() async throws -> SocketAddress {
        let connectionConfiguration = ServerConnectionHandler.Configuration(
            maxReceiveMessageSize: configuration.maxReceiveMessageSize,
            settings: HTTP2Session.Settings(
                maxConcurrentStreams: configuration.maxConcurrentStreams,
                initialWindowSize: configuration.initialWindowSize),
            handshakeTimeout: TimeAmount(configuration.handshakeTimeout),
            idleTimeout: configuration.idleTimeout.map(TimeAmount.init),
            maxStreamResets: configuration.maxStreamResets,
            streamResetWindow: TimeAmount(configuration.streamResetWindow),
            keepaliveInterval: configuration.keepaliveInterval.map(TimeAmount.init),
            keepaliveTimeout: TimeAmount(configuration.keepaliveTimeout),
            handlersOnEventLoop: configuration.handlersOnEventLoops,
            responseCompression: configuration.responseCompression)
        let maxConnections = configuration.maxConnections
        let router = self.router
        let tlsContext = try configuration.tls.map { configuration throws(TLSError) in
            try TLSContext(configuration, role: .server)
        }
        let tlsErrorHandler = configuration.tlsErrorHandler
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let self, self.connectionCount < maxConnections else {
                        channel.close(promise: nil)  // over the limit: refuse on accept
                        return
                    }
                    if let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(
                            TLSHandler(context: tlsContext, onError: tlsErrorHandler))
                    }
                    let handler = ServerConnectionHandler(router: router, configuration: connectionConfiguration)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    self.track(channel, NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        state.withLock { $0.listener = listener }
        guard let address = listener.localAddress else {
            throw RPCError(.unavailable, "the listener has no address")
        }
        return address
    }

    /// Stops accepting connections, sends GOAWAY on each, lets calls already begun
    /// finish for up to `gracePeriod`, then closes what is left.
    public func shutdown(gracePeriod: Duration = .seconds(5)) async {
        health.shutdown()
        let (listener, connections) = state.withLock { state in
            state.shuttingDown = true
            return (state.listener, Array(state.connections.values))
        }
        // GOAWAY first: closing the listener can take a while on a busy machine, and
        // calls finishing meanwhile should already be the last ones. Connections
        // accepted until the listener closes get GOAWAY in `track`.
        for connection in connections {
            let handler = connection.handler
            connection.channel.eventLoop.execute { handler.value.beginGracefulShutdown() }
        }
        try? await listener?.close()
        let deadline = ContinuousClock.now.advanced(by: gracePeriod)
        while ContinuousClock.now < deadline, !state.withLock({ $0.connections.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        for connection in state.withLock({ Array($0.connections.values) }) {
            let handler = connection.handler
            connection.channel.eventLoop.execute { handler.value.forceClose() }
            try? await connection.channel.closeFuture.get()
        }
    }

    /// Connections open now.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    private func track(_ channel: any Channel, _ handler: NIOLoopBound<ServerConnectionHandler>) {
        let id = ObjectIdentifier(channel)
        let shuttingDown = state.withLock { state in
            state.connections[id] = Connection(channel: channel, handler: handler)
            return state.shuttingDown
        }
        if shuttingDown { handler.value.beginGracefulShutdown() }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.state.withLock { $0.connections.removeValue(forKey: id) }
        }
    }
}
