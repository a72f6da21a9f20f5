import Glibc
import Logging
import SwarmCore
import SwarmProto
import SwarmRPC
import SwarmStore

/// The coordinator: the services of `Protos/` over one store, served by SwarmRPC, with
/// the maintenance loop that expires leases and detects silent nodes.
///
/// ```swift
/// let coordinator = try await Coordinator.start(configuration)
/// print("listening on", coordinator.port)
/// await coordinator.shutdown()   // on SIGTERM
/// ```
public final class Coordinator: Sendable {
    /// The port bound (useful with port 0).
    public let port: Int
    public let context: CoordinatorContextHandle
    private let server: RPCServer
    private let maintenance: Task<Void, Never>
    private let tracking: Task<Void, Never>
    private let shared: CoordinatorContext

    private init(
        port: Int, server: RPCServer, maintenance: Task<Void, Never>, tracking: Task<Void, Never>,
        shared: CoordinatorContext
    ) {
        self.port = port
        self.server = server
        self.maintenance = maintenance
        self.tracking = tracking
        self.shared = shared
        self.context = CoordinatorContextHandle(shared: shared)
    }

    /// Opens the store (applying migrations), makes sure the default swarm exists,
    /// and starts listening.
    public static func start(
        _ configuration: CoordinatorConfiguration, clock: any SwarmClock = SystemClock(),
        logger: Logger = Logger(label: "openswarm.coordinator")
    ) async throws -> Coordinator {
        let store = try openStore(configuration)
        let shared = CoordinatorContext(configuration: configuration, store: store, clock: clock, logger: logger)
        let swarm = SwarmID(configuration.defaultSwarm)
        try await shared.executor.run { (store) throws(StoreError) in
            do throws(StoreError) { _ = try store.swarm(swarm) } catch {
                guard error.code == .unknownSwarm else { throw error }
                try store.createSwarm(SwarmPolicy(id: swarm))
            }
            // Nodes the store thinks online get one failure window to heartbeat again
            // after a coordinator restart before they are marked offline.
            let now = clock.now()
            for node in try store.nodes() where node.isOnline { shared.liveness.heard(from: node.id, at: now) }
        }

        var router = RPCRouter()
        WorkerControlPlane(context: shared).register(into: &router)
        NodeRegistry(context: shared).register(into: &router)
        TaskDesk(context: shared).register(into: &router)
        LedgerDesk(context: shared).register(into: &router)
        SwarmDesk(context: shared).register(into: &router)
        EventDesk(context: shared).register(into: &router)
        QualityDesk(context: shared).register(into: &router)

        let server = RPCServer(
            router: router,
            configuration: RPCServer.Configuration(
                host: configuration.host, port: configuration.port, keepaliveInterval: .seconds(30),
                keepaliveTimeout: .seconds(10), tls: configuration.tls,
                tlsErrorHandler: { error in logger.warning("TLS connection failed", metadata: ["error": "\(error)"]) }
            ))
        let port: Int
        do {
            port = try await server.start().port ?? configuration.port
        } catch {
            await shared.executor.shutdown()
            store.close()
            throw CoordinatorError(
                .listenFailed, "cannot listen on \(configuration.host):\(configuration.port): \(error)")
        }
        if configuration.store.hasPrefix("postgres") {
            do {
                let channel = try PostgresWorkChannel(url: configuration.store) { [work = shared.work] in work.signal()
                }
                shared.peers.withLock { $0 = channel }
            } catch {
                logger.warning(
                    "no LISTEN/NOTIFY: other coordinators' new work is seen once per maintenance period",
                    metadata: ["error": "\(error)"])
            }
        }
        let maintenance = Task { await Self.maintain(shared) }
        let tracking = Task { await shared.tracker.run(executor: shared.executor, clock: clock) }
        logger.info(
            "coordinator listening",
            metadata: [
                "address": "\(configuration.host):\(port)", "store": "\(Self.redacted(configuration.store))",
                "tls": "\(configuration.tls != nil)", "open_mode": "\(configuration.isOpenMode)",
            ])
        if configuration.isOpenMode {
            logger.warning("no API keys configured: every caller is `local` with every role (open mode)")
        }
        return Coordinator(port: port, server: server, maintenance: maintenance, tracking: tracking, shared: shared)
    }

    /// Stops accepting calls, lets in-flight ones finish within the grace period, then
    /// closes connections and the store.
    public func shutdown() async {
        maintenance.cancel()
        await server.shutdown(gracePeriod: shared.configuration.shutdownGracePeriod)
        _ = await maintenance.value
        shared.tracker.finish()
        _ = await tracking.value
        shared.peers.withLock { channel in
            channel?.close()
            channel = nil
        }
        await shared.executor.shutdown()
        shared.executor.store.close()
        shared.logger.info("coordinator stopped")
    }

    /// Expires due leases and deadlines, and marks silent nodes offline, every quarter
    /// of a heartbeat interval.
    private static func maintain(_ context: CoordinatorContext) async {
        let configuration = context.configuration
        let period = max(.milliseconds(50), configuration.heartbeatInterval / 4)
        while !Task.isCancelled {
            try? await Task.sleep(for: period)
            if Task.isCancelled { return }
            let now = context.clock.now()
            let silent = context.liveness.silentNodes(now: now, window: configuration.failureWindow)
            for node in silent {
                do {
                    let drained = try await context.executor.run { (store) throws(StoreError) -> Bool in
                        try store.setNodeOnline(node, false, now: now)
                        return try store.node(node).isDraining
                    }
                    context.logger.warning(
                        "node missed its heartbeats; marked offline and its leases released",
                        metadata: ["node": "\(node)"])
                    context.events.record(kind: .nodeDisconnected, at: now, nodeID: node.rawValue) { event in
                        var gone = Openswarm_V1_NodeDisconnectedEvent()
                        gone.nodeID = node.rawValue
                        // A drained agent stops once idle; its silence ends the drain.
                        gone.kind = drained ? .drained : .heartbeatTimeout
                        gone.reason =
                            drained ? "drained" : "missed its heartbeats for \(configuration.failureWindow)"
                        event.payload = .nodeDisconnected(gone)
                    }
                } catch {
                    context.liveness.undoOffline(node)
                    context.logger.error(
                        "could not mark node offline", metadata: ["node": "\(node)", "error": "\(error)"])
                }
            }
            do {
                let expired = try await context.executor.run { (store) throws(StoreError) in try store.expire(now: now)
                }
                if expired.expiredLeases > 0 || expired.timedOutTasks > 0 || !silent.isEmpty {
                    context.tracker.touchedOpenTasks()
                    context.workChanged()
                } else if context.liveness.hasPollers {
                    // Work released with a retry backoff (expiry, offline nodes) becomes
                    // leasable later without any event; idle polls look again once per
                    // period. Work that arrives by submission or report wakes them at once.
                    context.work.signal()
                }
            } catch {
                context.logger.error("lease expiry failed", metadata: ["error": "\(error)"])
            }
        }
    }

    static func openStore(_ configuration: CoordinatorConfiguration) throws -> any Store {
        let url = configuration.store
        let storeConfiguration = DurableStore.Configuration(seed: configuration.seed)
        do {
            if url.hasPrefix("sqlite:") {
                let path = String(url.dropFirst("sqlite:".count))
                guard !path.isEmpty else {
                    throw CoordinatorError(.invalidConfiguration, "the store URL sqlite: needs a file path")
                }
                try makeParentDirectory(of: path)
                return try DurableStore.sqlite(path: path, configuration: storeConfiguration)
            }
            if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
                return try DurableStore.postgres(
                    url: url, poolSize: configuration.storePoolSize, configuration: storeConfiguration)
            }
        } catch let error as StoreError {
            throw CoordinatorError(.storeUnavailable, "cannot open the store \(redacted(url)): \(error.message)")
        }
        throw CoordinatorError(
            .invalidConfiguration, "unknown store \(redacted(url)); use sqlite:PATH or postgres://USER@HOST/DB")
    }

    /// The URL without its password, for logs and errors.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.firstRange(of: "://"),
            let at = url[scheme.upperBound...].firstIndex(of: "@")
        else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    private static func makeParentDirectory(of path: String) throws {
        guard let slash = path.lastIndex(of: "/") else { return }
        let directory = String(path[..<slash])
        guard !directory.isEmpty else { return }
        var partial = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o700) != 0 && errno != EEXIST {
                throw CoordinatorError(
                    .storeUnavailable, "cannot create the directory \(partial): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// Read access to the coordinator's state for tests and embedding (store, clock).
public struct CoordinatorContextHandle: Sendable {
    let shared: CoordinatorContext
    public var store: any Store { shared.executor.store }
    /// EventService.Watch streams open now (a cancelled watch must leave).
    public var eventWatchers: Int { shared.events.watchers }
}
