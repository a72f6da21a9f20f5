import Foundation
import Logging
import NIOPosix
import SwarmProto
import SwarmRPC
import Synchronization

/// One run of the agent: the state directory opened, a client to the coordinator, and
/// the loops that share them. `WorkerAgent.run()` creates it; it ends after a drain.
///
/// Loops (each in its own file):
/// - heartbeat (`+Heartbeat`): liveness, lease extension, cancellations;
/// - leasing (`+Leasing`): long-polls for work while a slot is free, runs attempts,
///   and stops those past their start-to-close limit;
/// - reporting (`+Reporting`): the outbox (spool) to ReportResults / ReportFailure,
///   and streamed progress to ReportProgress;
/// - drain (`+Drain`): the orderly end.
///
/// Its tasks prefer the coordinator connection's event loop (`executor`): a lease's
/// answer, a cheap built-in's job and the report that follows run on one thread,
/// without a wake-up between threads at each step (an echo task's worker CPU fell by
/// a fifth). Runtimes that may block or compute for long run on Swift's global pool
/// (`ModelRuntime.runsOnEventLoop`).
final class AgentSession: Sendable {
    let configuration: WorkerConfiguration
    let logger: Logger
    let runtimes: RuntimeTable
    let control: AgentControl
    let spool: ResultSpool
    let client: CoordinatorClient
    let book = LeaseBook()
    let slots: SlotPool
    let state: Mutex<WorkerState>
    let heartbeatInterval: Mutex<Duration>
    let registering = Mutex(false)
    let hardware: Openswarm_V1_HardwareSpec
    /// Set after a failed call: report the outbox before asking for more work.
    let needsFlush = Mutex(true)
    /// Reports waiting for acknowledgement (spooled only when they cannot be sent).
    let outbox: Outbox
    /// Slots held by results in the outbox, for the reporter to lease with.
    let carriedSlots = Mutex(0)
    /// When the deadline loop next wakes, and what wakes it sooner.
    let nextSweep = Mutex(ContinuousClock.now)
    let sweepNow = AsyncSignal()
    /// The coordinator connection's event loop, preferred by the session's tasks.
    let executor: EventLoopTaskExecutor

    init(
        configuration: WorkerConfiguration, logger: Logger, runtimes: RuntimeTable, control: AgentControl,
        state: WorkerState, spool: ResultSpool
    ) {
        self.configuration = configuration
        self.logger = logger
        self.runtimes = runtimes
        self.control = control
        self.spool = spool
        self.outbox = Outbox(spooled: spool.list())
        // One loop of NIO's shared group (threads that are never shut down, so a task
        // that outlives the session can still be enqueued), and the connection on it.
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        self.executor = EventLoopTaskExecutor(loop)
        self.client = CoordinatorClient(configuration: configuration, identity: state.identity, loop: loop)
        self.slots = SlotPool(capacity: configuration.slots)
        self.state = Mutex(state)
        self.heartbeatInterval = Mutex(configuration.heartbeatInterval)
        self.hardware = HardwareProbe.detect(stateDirectory: configuration.stateDirectory)
    }

    func run() async throws {
        try await withTaskExecutorPreference(executor) { try await runOnLoop() }
    }

    private func runOnLoop() async throws {
        defer { Task { [client] in await client.close() } }
        guard try await registerUntilDone() else {
            logger.info("drained before registering")
            return
        }
        _ = try? await flushOutbox()
        logger.info(
            "worker started",
            metadata: [
                "node_id": "\(client.identity?.nodeID ?? "")", "slots": "\(configuration.slots)",
                "runtimes": "\(configuration.runtimes.map(\.description).joined(separator: ", "))",
            ])
        await withDiscardingTaskGroup { group in
            group.addTask { await self.heartbeatLoop() }
            group.addTask { await self.reportLoop() }
            group.addTask { await self.progressLoop() }
            group.addTask { await self.deadlineLoop() }
            await self.leaseLoop(&group)
            await self.finishDrain()
            self.control.stop()
            self.sweepNow.signal()
        }
        await client.close()
        logger.info("worker drained")
    }

    // MARK: - Registration

    func registrationRequest() -> Openswarm_V1_RegisterNodeRequest {
        var request = Openswarm_V1_RegisterNodeRequest()
        request.displayName =
            configuration.displayName.isEmpty ? ProcessInfo.processInfo.hostName : configuration.displayName
        request.hardware = hardware
        var capabilities = runtimes.capabilities
        capabilities.maxConcurrentTasks = UInt32(configuration.slots)
        request.capabilities = capabilities
        request.accountID = configuration.accountID
        request.agentVersion = WorkerAgent.agentVersion
        request.labels = Dictionary(
            uniqueKeysWithValues: configuration.labels.map { (ProtoStringKey($0.key), $0.value) })
        let (key, requestID) = state.withLock { ($0.signingKey.publicKey.rawRepresentation, $0.registrationRequestID) }
        request.publicKey = key
        request.requestID = requestID
        return request
    }

    /// Registers unless the state directory already holds an identity; retries with
    /// backoff while the coordinator is unreachable. False when drained first.
    func registerUntilDone() async throws -> Bool {
        var backoff = Backoff(configuration)
        while !control.isDraining {
            if client.identity != nil { return true }
            do {
                let response = try await client.register(registrationRequest())
                if response.status == .rejected {
                    throw WorkerAgentError(
                        .registrationRejected,
                        "the coordinator rejected the node's registration; ask its operator why, or check the API key")
                }
                let identity = NodeIdentity(nodeID: response.nodeID, credential: response.nodeCredential)
                do {
                    try state.withLock { state throws(WorkerStateError) in try state.saveIdentity(identity) }
                } catch {
                    logger.error("cannot save the node identity; it will register again next start: \(error)")
                }
                client.identity = identity
                adoptHeartbeatInterval(response.heartbeatInterval)
                logger.info(
                    "registered",
                    metadata: ["node_id": "\(response.nodeID)", "status": "\(response.status.protoName ?? "")"])
                return true
            } catch let error as WorkerAgentError {
                throw error
            } catch {
                logger.warning("registration failed; retrying: \(error)")
                await pause(backoff.next())
            }
        }
        return false
    }

    /// Handles UNAUTHENTICATED: the coordinator no longer knows the credential
    /// `used` (e.g. it was wiped). Forgets it and registers again, once even when
    /// several loops notice together.
    func reregister(after used: NodeIdentity?) async {
        let mine = registering.withLock { busy -> Bool in
            guard !busy, client.identity == used else { return false }
            busy = true
            return true
        }
        guard mine else {
            await pause(.milliseconds(100))
            return
        }
        defer { registering.withLock { $0 = false } }
        logger.warning("the coordinator does not know this node any more; registering again")
        state.withLock { $0.clearIdentity() }
        client.identity = nil
        do {
            _ = try await registerUntilDone()
        } catch {
            logger.error("registering again failed: \(error); draining")
            control.beginDrain()
        }
    }

    func adoptHeartbeatInterval(_ interval: Google_Protobuf_Duration?) {
        guard let interval = interval?.swiftDuration, interval > .zero else { return }
        heartbeatInterval.withLock { $0 = max(interval, .milliseconds(50)) }
    }

    // MARK: - Helpers

    /// Sleeps up to `duration`, ending early on drain or stop.
    func pause(_ duration: Duration) async {
        await control.changed.wait(upTo: duration)
    }

    /// Whether an RPC failure means the node must register again.
    static func isUnauthenticated(_ error: any Error) -> Bool {
        (error as? RPCError)?.code == .unauthenticated
    }
}

/// Jittered exponential backoff for calls to a lost coordinator: from
/// `reconnectInitialDelay`, doubling, capped at `reconnectMaximumDelay`.
struct Backoff {
    private var inner: ConnectionBackoff

    init(_ configuration: WorkerConfiguration) {
        inner = ConnectionBackoff(
            initial: configuration.reconnectInitialDelay, multiplier: 2, jitter: 0.2,
            maximum: configuration.reconnectMaximumDelay)
    }

    mutating func next() -> Duration { inner.failed(random: Double.random(in: 0...1)) }

    mutating func reset() { inner.succeeded() }
}
