import Logging
import Synchronization

/// Why the agent could not run.
public struct WorkerAgentError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// The configuration is invalid (see the message).
        case configuration
        /// The state directory cannot be used.
        case state
        /// The coordinator refused to register the node.
        case registrationRejected = "registration_rejected"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// The worker agent: registers the machine as a node, heartbeats, leases tasks up to
/// its free slots, runs each on a model runtime, reports signed results, survives a
/// lost coordinator (results wait in the spool) and drains on request.
///
/// ```swift
/// let agent = WorkerAgent(configuration: configuration, logger: Logger(label: "openswarm.worker"))
/// let sigterm = DispatchSource.makeSignalSource(signal: SIGTERM)
/// sigterm.setEventHandler { agent.drain() }
/// try await agent.run()   // returns once drained
/// ```
public final class WorkerAgent: Sendable {
    /// Reported at registration and in heartbeats.
    public static let agentVersion = "0.1.0"

    let configuration: WorkerConfiguration
    let logger: Logger
    let runtimes: RuntimeTable
    let control = AgentControl()

    public convenience init(configuration: WorkerConfiguration, logger: Logger = Logger(label: "openswarm.worker")) {
        self.init(configuration: configuration, logger: logger, runtimes: RuntimeTable(specs: configuration.runtimes))
    }

    /// With a runtime table built elsewhere (tests inject runtimes and randomness).
    public init(configuration: WorkerConfiguration, logger: Logger, runtimes: RuntimeTable) {
        self.configuration = configuration
        self.logger = logger
        self.runtimes = runtimes
    }

    /// Runs until drained: registers if the state directory has no identity yet,
    /// reports spooled results, then heartbeats, leases and runs work. Throws only for
    /// problems a person must fix (configuration, state directory, rejected
    /// registration); a lost coordinator is retried for ever.
    public func run() async throws {
        do {
            try configuration.validate()
        } catch {
            throw WorkerAgentError(.configuration, error.description)
        }
        let state: WorkerState
        let spool: ResultSpool
        do {
            state = try WorkerState.open(directory: configuration.stateDirectory)
            spool = try ResultSpool(directory: state.spoolDirectory)
        } catch {
            throw WorkerAgentError(.state, error.description)
        }
        let session = AgentSession(
            configuration: configuration, logger: logger, runtimes: runtimes, control: control, state: state,
            spool: spool)
        try await session.run()
    }

    /// Stops leasing; in-flight work may finish within the grace period, the rest is
    /// handed back (ERROR_KIND_NODE_SHUTTING_DOWN); then `run()` returns. Safe to call
    /// from any thread, e.g. a signal handler's dispatch source, and more than once.
    public func drain() {
        control.beginDrain()
    }

    /// Whether `drain()` was called (or the coordinator asked the node to drain).
    public var isDraining: Bool { control.isDraining }
}

/// Flags and wake-ups shared by the agent's loops.
final class AgentControl: Sendable {
    private struct State {
        var draining = false
        var stopped = false
        var nextHandler = 0
        var drainHandlers: [Int: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())
    /// Signalled on drain and stop, so waits end early.
    let changed = AsyncSignal()
    /// Signalled when something is ready to report (or the coordinator is back).
    let reportReady = AsyncSignal()

    var isDraining: Bool { state.withLock { $0.draining } }
    var isStopped: Bool { state.withLock { $0.stopped } }

    func beginDrain() {
        let handlers = state.withLock { state in
            state.draining = true
            defer { state.drainHandlers.removeAll() }
            return Array(state.drainHandlers.values)
        }
        for handler in handlers { handler() }
        changed.signal()
    }

    /// Runs `operation` as a task that a drain cancels (a long poll must not hold up
    /// a drain for its whole wait), preferring `executor` (the caller's loop).
    func cancellingOnDrain<T: Sendable>(
        on executor: any TaskExecutor, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let task = Task(executorPreference: executor) { try await operation() }
        let token = state.withLock { state -> Int? in
            guard !state.draining else { return nil }
            state.nextHandler += 1
            state.drainHandlers[state.nextHandler] = { task.cancel() }
            return state.nextHandler
        }
        if token == nil { task.cancel() }
        defer { if let token { _ = state.withLock { $0.drainHandlers.removeValue(forKey: token) } } }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    func stop() {
        state.withLock { $0.stopped = true }
        changed.signal()
        reportReady.signal()
    }
}
