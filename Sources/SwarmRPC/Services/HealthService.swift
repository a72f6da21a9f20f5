import SwarmProto
import Synchronization

/// `grpc.health.v1.Health`: a serving status per service name, which load balancers
/// and orchestrators poll (`Check`) or follow (`Watch`).
///
/// Every `RPCServer` serves one (see `StandardServices`) and exposes it as
/// `server.health`; the empty name stands for the whole server.
///
/// ```swift
/// server.health.setStatus(.notServing, forService: "openswarm.v1.TaskService")
/// server.health.setStatus(.serving)   // the whole server
/// ```
///
/// After `shutdown()` every status reads NOT_SERVING and further changes are ignored,
/// so a draining server never reports itself healthy again.
public final class HealthService: Sendable {
    public typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    private struct Watcher: Sendable {
        let service: String
        let continuation: AsyncStream<Status>.Continuation
    }

    private struct State: Sendable {
        var statuses: [String: Status] = [:]
        var watchers: [Int: Watcher] = [:]
        var shutDown = false
    }

    /// Watches open at once; past this a new Watch fails with RESOURCE_EXHAUSTED.
    public let maxWatchers: Int
    private let state: Mutex<State>
    private let nextWatcher = Atomic<Int>(0)

    /// Starts with the whole server ("") and each of `services` SERVING.
    public init(services: [String] = [], maxWatchers: Int = 10_000) {
        var initial = State()
        initial.statuses[""] = .serving
        for service in services { initial.statuses[service] = .serving }
        self.maxWatchers = maxWatchers
        self.state = Mutex(initial)
    }

    /// Sets the status of `service` ("" for the whole server) and tells its watchers.
    public func setStatus(_ status: Status, forService service: String = "") {
        state.withLock { state in
            guard !state.shutDown else { return }
            Self.update(&state, service, status)
        }
    }

    /// Forgets `service`: Check answers NOT_FOUND, watchers see SERVICE_UNKNOWN.
    public func clearStatus(forService service: String) {
        state.withLock { state in
            guard !state.shutDown else { return }
            state.statuses[service] = nil
            for watcher in state.watchers.values where watcher.service == service {
                watcher.continuation.yield(.serviceUnknown)
            }
        }
    }

    /// The status of `service`, or nil when it is unknown.
    public func status(forService service: String = "") -> Status? {
        state.withLock { $0.statuses[service] }
    }

    /// Watch calls open on `service` now.
    func watcherCount(forService service: String) -> Int {
        state.withLock { state in state.watchers.values.count { watcher in watcher.service == service } }
    }

    /// Marks everything NOT_SERVING for good (the server is going away), tells the
    /// watchers, then ends their calls so they do not hold up a graceful shutdown.
    public func shutdown() {
        let watchers = state.withLock { state -> [Watcher] in
            guard !state.shutDown else { return [] }
            for service in Array(state.statuses.keys) { Self.update(&state, service, .notServing) }
            for watcher in state.watchers.values where state.statuses[watcher.service] == nil {
                watcher.continuation.yield(.notServing)
            }
            state.shutDown = true
            return Array(state.watchers.values)
        }
        // Outside the lock: finishing runs `onTermination`, which takes it.
        for watcher in watchers { watcher.continuation.finish() }
    }

    /// Adds `Check` and `Watch` to `router`.
    public func register(in router: inout RPCRouter) {
        router.unary(Grpc_Health_V1_Health.Method.check) { [self] request, _ in
            guard let status = status(forService: request.service) else {
                throw RPCError(.notFound, "unknown service \(request.service)")
            }
            var response = Grpc_Health_V1_HealthCheckResponse()
            response.status = status
            return response
        }
        router.serverStreaming(Grpc_Health_V1_Health.Method.watch) { [self] request, responses, _ in
            let changes = try watch(request.service)
            var last: Status?
            // Ends when the client cancels (the task is cancelled) or the server shuts down.
            for await status in changes where status != last {
                var response = Grpc_Health_V1_HealthCheckResponse()
                response.status = status
                try await responses.write(response)
                last = status
            }
        }
    }

    /// The current status of `service` (SERVICE_UNKNOWN when unknown), then each change.
    func watch(_ service: String) throws -> AsyncStream<Status> {
        // A slow watcher skips statuses in between, never the latest one.
        let (stream, continuation) = AsyncStream<Status>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let id = nextWatcher.wrappingAdd(1, ordering: .relaxed).oldValue
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        enum Outcome { case watching, shutDown, full }
        let outcome: Outcome = state.withLock { state in
            continuation.yield(state.statuses[service] ?? .serviceUnknown)
            if state.shutDown { return .shutDown }
            guard state.watchers.count < maxWatchers else { return .full }
            state.watchers[id] = Watcher(service: service, continuation: continuation)
            return .watching
        }
        // Finishing runs `onTermination`, which takes the lock: always outside it.
        switch outcome {
        case .watching: return stream
        case .shutDown:
            continuation.finish()  // the one status, then the call ends
            return stream
        case .full:
            continuation.finish()
            throw RPCError(.resourceExhausted, "too many health watchers")
        }
    }

    private static func update(_ state: inout State, _ service: String, _ status: Status) {
        guard state.statuses[service] != status else { return }
        state.statuses[service] = status
        for watcher in state.watchers.values where watcher.service == service {
            watcher.continuation.yield(status)
        }
    }
}
