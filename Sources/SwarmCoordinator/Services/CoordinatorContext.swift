import Logging
import SwarmCore
import SwarmProto
import SwarmRPC
import SwarmStore
import Synchronization

/// What every service handler shares: configuration, the store (behind its executor),
/// the authenticators, the clock and the change signals.
final class CoordinatorContext: Sendable {
    let configuration: CoordinatorConfiguration
    let executor: StoreExecutor
    let clock: any SwarmClock
    let callers: CallerAuthenticator
    let nodes: NodeAuthenticator
    let liveness = NodeLiveness()
    let progress = ProgressBoard()
    let utilization = UtilizationBoard()
    /// New or returned work: wakes LeaseTasks long polls, and lets submissions lease to
    /// them directly.
    let work = LeaseHandoff()
    /// Task state changed: wakes task watchers.
    let changes = TaskWatchers()
    /// Retained events for EventService.Watch, and what turns task changes into them.
    let events: EventLog
    let tracker: TaskEventTracker
    let logger: Logger
    /// Other coordinators on the same PostgreSQL database, told of new work.
    let peers = Mutex<PostgresWorkChannel?>(nil)

    init(configuration: CoordinatorConfiguration, store: any Store, clock: any SwarmClock, logger: Logger) {
        self.configuration = configuration
        // SQLite has one connection: one store thread, whose groups take in the calls
        // that arrive meanwhile. PostgreSQL runs calls side by side on its pool.
        let sqlite = configuration.store.hasPrefix("sqlite:")
        self.executor = StoreExecutor(
            store: store, threads: sqlite ? 1 : max(1, configuration.storePoolSize), maxGroup: sqlite ? 64 : 1,
            runsInlineWhenIdle: sqlite)
        self.clock = clock
        self.callers = CallerAuthenticator(apiKeys: configuration.apiKeys)
        self.nodes = NodeAuthenticator(executor: executor)
        self.logger = logger
        let events = EventLog(idPrefix: "evt-" + String(UInt64.random(in: 0...UInt64.max), radix: 36))
        self.events = events
        self.tracker = TaskEventTracker(log: events)
    }

    /// Records `node:connected` for a node that registered or came back online.
    func nodeConnected(_ node: NodeID, at time: Instant) {
        events.record(kind: .nodeConnected, at: time, nodeID: node.rawValue) { event in
            var connected = Openswarm_V1_NodeConnectedEvent()
            connected.nodeID = node.rawValue
            event.payload = .nodeConnected(connected)
        }
    }

    /// Records `ledger:transaction` for a transaction this coordinator committed.
    func transactionRecorded(_ entry: LedgerEntry, at time: Instant) {
        events.record(
            kind: .transactionRecorded, at: time, accounts: entry.postings.map(\.account)
        ) { event in
            var recorded = Openswarm_V1_TransactionRecordedEvent()
            recorded.transaction = LedgerDesk.transaction(entry)
            event.payload = .transactionRecorded(recorded)
        }
    }

    /// The wire task with the latest reported progress of a running task.
    func wireTask(_ stored: StoredTask, includeOutputs: Bool = true) -> Openswarm_V1_Task {
        var task = TaskMapping.task(stored, includeOutputs: includeOutputs)
        if stored.state.isTerminal {
            progress.forget([stored.id])
        } else if let entry = progress.entry(stored.id) {
            task.progressPercent = entry.percent
            task.currentStep = entry.step
        }
        return task
    }

    /// Runs a submission (`submit` returns its result and the ids of the tasks it
    /// created) and, in the same transaction, leases to parked LeaseTasks polls enough of
    /// them to take its tasks (`LeaseHandoff`); hands them their leases once committed.
    /// Wakes the other pollers unless every task it created was handed out.
    func submitting<T: Sendable>(
        tasks count: Int, now: Instant,
        _ submit: @escaping @Sendable (any Store) throws(StoreError) -> (T, [TaskID])
    ) async throws(RPCError) -> T {
        let claimed = work.claim(forTasks: count)
        let requests = claimed.map { LeaseParams(node: $0.node, maxTasks: $0.maxTasks, now: now) }
        let outcome: (value: T, taskIDs: [TaskID], leases: [[GrantedLease]])
        do {
            // A large submission's transaction (~10 µs a task) would hold up its caller's
            // event loop: it always goes to the store thread.
            outcome = try await executor.run(mayRunInline: count <= 100) {
                (store) throws(StoreError) -> (value: T, taskIDs: [TaskID], leases: [[GrantedLease]]) in
                guard !requests.isEmpty else {
                    let (value, ids) = try submit(store)
                    return (value, ids, [])
                }
                // In a group, each call in a savepoint: a lease that fails rolls back
                // alone and leaves the submission standing.
                var submitted: Result<(T, [TaskID]), StoreError> = .failure(StoreError(.unavailable, "not run"))
                var leases: [[GrantedLease]] = []
                try store.group { view in
                    submitted = Result { () throws(StoreError) in try submit(view) }
                    guard case .success = submitted else { return }
                    leases = requests.map { request in (try? view.lease(request)) ?? [] }
                }
                let (value, ids) = try submitted.get()
                return (value, ids, leases)
            }
        } catch {
            work.release(claimed)
            throw error
        }
        var undelivered: [GrantedLease] = []
        for (waiter, granted) in zip(claimed, outcome.leases) where !work.hand(waiter, granted) {
            undelivered += granted
        }
        if !undelivered.isEmpty { await handBack(undelivered, now: now) }
        let handed = Set(outcome.leases.joined().map(\.taskID))
        if undelivered.isEmpty, outcome.taskIDs.allSatisfy(handed.contains) {
            changes.signal(tasks: handed)
        } else {
            workChanged(tasks: outcome.taskIDs + handed)
        }
        return outcome.value
    }

    /// Returns leases no poll will deliver (its call was cancelled) to the queue at once,
    /// as a node shutting down would: no attempt is spent. If that fails, they expire as
    /// any unreported lease does.
    func handBack(_ leases: [GrantedLease], now: Instant) async {
        let reports = leases.map {
            AttemptReport.failed(FailParams(lease: $0.id, node: $0.nodeID, kind: .nodeShuttingDown, now: now))
        }
        let outcomes: [Result<ReportOutcome, StoreError>]
        do {
            outcomes = try await executor.run { (store) throws(StoreError) in try store.report(reports) }
        } catch {
            logger.warning("could not hand back \(leases.count) undelivered leases; they will expire: \(error)")
            return
        }
        // The tasks are open again: wake the polls (and their watchers).
        var retryAt: Instant?
        var touched = leases.map(\.taskID)
        for case .success(let report) in outcomes {
            if let next = report.retryNotBefore { retryAt = min(retryAt ?? next, next) }
            touched += report.ended + report.readied
        }
        workChanged(retryAt: retryAt, tasks: touched)
        tracker.touched(touched)
    }

    /// Wakes lease pollers now, and again when a retry's backoff ends; and the watchers
    /// of `tasks`, or of every task when the caller cannot name what changed.
    func workChanged(retryAt: Instant? = nil, tasks: [TaskID]? = nil) {
        work.signal()
        if let tasks { changes.signal(tasks: tasks) } else { changes.signal() }
        peers.withLock { $0?.announce() }
        guard let retryAt else { return }
        let delay = retryAt - clock.now()
        guard delay > .zero else { return }
        Task { [work] in
            try? await Task.sleep(for: delay + .milliseconds(1))
            work.signal()
        }
    }
}
