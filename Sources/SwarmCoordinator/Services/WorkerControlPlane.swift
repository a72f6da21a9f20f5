import SwarmCore
import SwarmCrypto
import SwarmProto
import SwarmRPC
import SwarmStore

/// `openswarm.v1.WorkerService`: what worker agents call. Every call is authenticated
/// as one node, and a node can act only on its own leases.
struct WorkerControlPlane: Sendable {
    let context: CoordinatorContext

    func register(into router: inout RPCRouter) {
        router.unary(Openswarm_V1_WorkerService.Method.heartbeat) { request, call in
            try await heartbeat(request, call)
        }
        router.unary(Openswarm_V1_WorkerService.Method.leaseTasks) { request, call in
            try await leaseTasks(request, call)
        }
        router.unary(Openswarm_V1_WorkerService.Method.reportProgress) { request, call in
            try await reportProgress(request, call)
        }
        router.unary(Openswarm_V1_WorkerService.Method.reportResults) { request, call in
            try await reportResults(request, call)
        }
        router.unary(Openswarm_V1_WorkerService.Method.reportFailure) { request, call in
            try await reportFailure(request, call)
        }
    }

    /// Authenticates the caller and records the sign of life (bringing a node the
    /// failure detector had marked offline back online). Calls other than long polls
    /// pair it with `done(_:)`: while the coordinator is slow to answer a node's call,
    /// the node is not silent. A long poll counts only when it starts: the coordinator
    /// waiting on a node's behalf says nothing about whether the node still runs.
    private func node(_ call: ServerContext, longPoll: Bool = false) async throws(RPCError)
        -> NodeAuthenticator.Verified
    {
        let verified = try await context.nodes.authenticate(call)
        let now = context.clock.now()
        if !longPoll { context.liveness.beginCall(verified.nodeID) }
        if context.liveness.heard(from: verified.nodeID, at: now) {
            let id = verified.nodeID
            do {
                try await context.executor.run { (store) throws(StoreError) in
                    try store.setNodeOnline(id, true, now: now)
                }
            } catch {
                if !longPoll { done(verified) }
                throw error
            }
            context.logger.info("node back online", metadata: ["node": "\(id)"])
            context.nodeConnected(id, at: now)
        }
        return verified
    }

    private func done(_ node: NodeAuthenticator.Verified) {
        context.liveness.endCall(node.nodeID, at: context.clock.now())
    }

    func heartbeat(_ request: Openswarm_V1_HeartbeatRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_HeartbeatResponse
    {
        let node = try await node(call)
        defer { done(node) }
        let extended = try await extend(request.leases.map(\.leaseID), node: node.nodeID)
        record(request.leases, held: extended, node: node.nodeID)
        context.tracker.touched(Array(extended.tasks.values))
        context.utilization.record(node.nodeID, request.utilization)
        // A drain ordered through NodeService.DrainNode reaches the agent here.
        let id = node.nodeID
        let draining = try await context.executor.run { (store) throws(StoreError) in try store.node(id).isDraining }
        var response = Openswarm_V1_HeartbeatResponse()
        response.renewals = extended.renewals
        response.cancellations = extended.cancellations
        response.unknownLeaseIDs = extended.unknown
        response.heartbeatInterval = WireTime.duration(context.configuration.heartbeatInterval)
        response.nodeStatus = draining ? .draining : .online
        response.serverTime = WireTime.timestamp(context.clock.now())
        return response
    }

    func reportProgress(_ request: Openswarm_V1_ReportProgressRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_ReportProgressResponse
    {
        let node = try await node(call)
        defer { done(node) }
        let extended = try await extend(request.updates.map(\.leaseID), node: node.nodeID)
        record(request.updates, held: extended, node: node.nodeID)
        context.tracker.touched(Array(extended.tasks.values))
        var response = Openswarm_V1_ReportProgressResponse()
        response.cancellations = extended.cancellations
        response.unknownLeaseIDs = extended.unknown
        context.changes.signal(tasks: extended.tasks.values)
        return response
    }

    /// Keeps reported progress for readers, only for leases the node was just found to
    /// hold (a node cannot paint progress on other nodes' tasks).
    private func record(_ updates: [Openswarm_V1_LeaseProgress], held: Extended, node: NodeID) {
        for update in updates where update.progressPercent.isFinite {
            guard let task = held.tasks[update.leaseID] else { continue }
            let entry = ProgressBoard.Entry(
                percent: min(100, max(0, update.progressPercent)), step: String(update.currentStep.prefix(200)),
                outputTokens: update.outputTokens)
            // Heartbeats repeat the last progress; only a change is an event.
            let changed = context.progress.entry(task) != entry || !update.partialOutput.isEmpty
            context.progress.record(task, entry)
            if changed { context.tracker.progress(update, of: task, node: node, at: context.clock.now()) }
        }
    }

    private struct Extended {
        var renewals: [Openswarm_V1_LeaseRenewal] = []
        var cancellations: [Openswarm_V1_LeaseCancellation] = []
        var unknown: [String] = []
        /// The task of each extended lease, as the store knows it.
        var tasks: [String: TaskID] = [:]
    }

    /// Extends each listed lease of the node, in one transaction.
    private func extend(_ leaseIDs: [String], node: NodeID) async throws(RPCError) -> Extended {
        guard !leaseIDs.isEmpty else { return Extended() }
        guard leaseIDs.count <= 4_096 else { throw RPCError(.invalidArgument, "at most 4096 leases per call") }
        let now = context.clock.now()
        let params = leaseIDs.map { HeartbeatParams(lease: LeaseID($0), node: node, now: now) }
        let outcomes = try await context.executor.run { (store) throws(StoreError) in try store.heartbeats(params) }
        var extended = Extended()
        for (id, outcome) in zip(leaseIDs, outcomes) {
            switch outcome {
            case .success(let outcome) where outcome.cancelled:
                var cancellation = Openswarm_V1_LeaseCancellation()
                cancellation.leaseID = id
                cancellation.reason = "the task ended or was cancelled"
                extended.cancellations.append(cancellation)
            case .success(let outcome):
                extended.tasks[id] = outcome.taskID
                var renewal = Openswarm_V1_LeaseRenewal()
                renewal.leaseID = id
                renewal.deadline = WireTime.timestamp(outcome.deadline)
                extended.renewals.append(renewal)
            case .failure(let error):
                switch error.code {
                case .unknownLease, .notLeaseHolder, .leaseNotActive, .leaseExpired: extended.unknown.append(id)
                default: throw StoreStatus.rpcError(error)
                }
            }
        }
        return extended
    }

    func leaseTasks(_ request: Openswarm_V1_LeaseTasksRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_LeaseTasksResponse
    {
        let node = try await node(call, longPoll: true)
        let configuration = context.configuration
        let maxTasks = Int(min(request.maxTasks, UInt32(configuration.maxLeasesPerCall)))
        guard maxTasks >= 1 else { throw RPCError(.invalidArgument, "max_tasks must be at least 1") }
        var wait = WireTime.duration(request.maxWait) ?? .zero
        wait = min(wait, configuration.maxLeaseWait)
        if let deadline = call.deadline {
            // Answer before the client gives up, leaving it time to receive the leases.
            let remaining = deadline - ContinuousClock.now - .milliseconds(250)
            wait = min(wait, max(.zero, remaining))
        }
        let until = ContinuousClock.now + wait
        context.liveness.pollStarted()
        defer { context.liveness.pollEnded() }
        // While it waits, a submission may lease to it in its own transaction.
        let waiter = context.work.register(node: node.nodeID, maxTasks: maxTasks)
        defer { context.work.unregister(waiter) }
        while true {
            let seen = waiter.signal.generation
            let now = context.clock.now()
            let granted = try await context.executor.run { (store) throws(StoreError) -> [GrantedLease] in
                try store.lease(LeaseParams(node: node.nodeID, maxTasks: maxTasks, now: now))
            }
            if !granted.isEmpty || ContinuousClock.now >= until || Task.isCancelled {
                return await leaseResponse(granted, at: now)
            }
            context.work.park(waiter)
            await waiter.signal.wait(after: seen, timeout: until - ContinuousClock.now)
            // Claimed by a submission: wait for what it leased here (its transaction's
            // time), even past this call's wait, so that nothing granted is dropped.
            while true {
                let handoff = waiter.signal.generation
                switch context.work.wake(waiter) {
                case .lease:
                    break
                case .handed(let leases):
                    if !leases.isEmpty { return await leaseResponse(leases, at: context.clock.now()) }
                case .claimed:
                    if Task.isCancelled { return await leaseResponse([], at: context.clock.now()) }
                    await waiter.signal.wait(after: handoff, timeout: .seconds(60))
                    continue
                }
                break
            }
        }
    }

    /// The response carrying `granted`; when the call was cancelled meanwhile (the node
    /// went away), nobody will receive them, and they go back to the queue instead.
    private func leaseResponse(_ granted: [GrantedLease], at now: Instant) async -> Openswarm_V1_LeaseTasksResponse {
        if Task.isCancelled, !granted.isEmpty {
            await context.handBack(granted, now: now)
            return Openswarm_V1_LeaseTasksResponse()
        }
        var response = Openswarm_V1_LeaseTasksResponse()
        response.leases = granted.map(LeaseMapping.lease)
        response.serverTime = WireTime.timestamp(now)
        if !granted.isEmpty {
            let tasks = granted.map(\.taskID)
            context.changes.signal(tasks: tasks)
            context.tracker.touched(tasks)
        }
        return response
    }

    func reportResults(_ request: Openswarm_V1_ReportResultsRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_ReportResultsResponse
    {
        let node = try await node(call)
        defer { done(node) }
        guard request.results.count <= 4_096 else { throw RPCError(.invalidArgument, "at most 4096 results per call") }
        let now = context.clock.now()
        var acks = request.results.map { result in
            var ack = Openswarm_V1_ReportAck()
            ack.leaseID = result.leaseID
            ack.attemptNumber = result.attemptNumber
            ack.taskID = result.taskID
            return ack
        }
        // Checks that need no store: size, hash, signature (batches in parallel, off the
        // event loop; see `ResultCheck.run`). A failed check is reported to the store as
        // an invalid result of that attempt.
        let checks = await ResultCheck.run(
            request.results, batchSignature: request.batchSignature, publicKey: node.publicKey,
            maxOutputBytes: context.configuration.maxOutputBytes)
        var reports: [AttemptReport] = []
        var reportIndex: [Int] = []
        for (index, result) in request.results.enumerated() {
            let lease = LeaseID(result.leaseID)
            let duration = WireTime.duration(result.stats?.duration) ?? .milliseconds(1)
            switch checks[index] {
            case .accepted:
                acks[index].status = .accepted
                reports.append(
                    .completed(
                        CompleteParams(
                            lease: lease, node: node.nodeID,
                            result: TaskResult(output: result.output, duration: duration), now: now)))
            case .refused(let status, let kind, let message):
                acks[index].status = status
                acks[index].message = message
                reports.append(.failed(FailParams(lease: lease, node: node.nodeID, kind: kind, now: now)))
            }
            reportIndex.append(index)
        }
        let submitted = reports
        let positions = reportIndex
        let attempts = request.results.map { ($0.taskID, Int($0.attemptNumber), $0.leaseID) }
        // The next leases, when asked for, in the same transaction as the results: the
        // slots the results freed are already free for them, and one commit serves both.
        let lease = LeaseParams(
            node: node.nodeID,
            maxTasks: Int(min(request.leaseMaxTasks, UInt32(context.configuration.maxLeasesPerCall))),
            now: now)
        let (outcomes, granted) = try await context.executor.run {
            (store) throws(StoreError) -> ([(Result<ReportOutcome, StoreError>, String?)], [GrantedLease]) in
            let (results, granted) =
                lease.maxTasks > 0
                ? try store.reportAndLease(submitted, lease: lease) : (try store.report(submitted), [])
            // Refusals need a look at the task to tell a duplicate from a stale lease.
            let outcomes = results.enumerated().map { position, outcome in
                guard case .failure(let error) = outcome else { return (outcome, String?.none) }
                let (taskID, attempt, leaseID) = attempts[positions[position]]
                let status = Self.refusalStatus(error, store: store, task: taskID, attempt: attempt, lease: leaseID)
                return (outcome, status)
            }
            return (outcomes, granted)
        }
        var retryAt: Instant?
        var newWork = false
        var touched = request.results.map { TaskID($0.taskID) }
        for (position, (outcome, refusal)) in outcomes.enumerated() {
            let index = reportIndex[position]
            switch outcome {
            case .success(let report):
                if let next = report.retryNotBefore { retryAt = min(retryAt ?? next, next) }
                // Work for other nodes: a retry, ready children, or a task still open
                // (replicas short of a quorum).
                if report.retryNotBefore != nil || !report.readied.isEmpty || !report.taskState.isTerminal {
                    newWork = true
                }
                context.progress.forget(report.ended)
                touched += report.ended + report.readied
            case .failure(let error):
                acks[index].status = Self.status(named: refusal)
                acks[index].message = error.message
            }
        }
        touched += granted.map(\.taskID)
        if newWork {
            context.workChanged(retryAt: retryAt, tasks: touched)
        } else {
            // Settled results free only this node's slots. Its polls may use them,
            // unless this call already leased with them and got less than it asked for
            // (nothing more is queued for the node). Waking every poll after every
            // report had each run an empty lease transaction.
            if lease.maxTasks == 0 || granted.count == lease.maxTasks { context.work.signal(node: node.nodeID) }
            context.changes.signal(tasks: touched)
        }
        context.tracker.touched(touched)
        var response = Openswarm_V1_ReportResultsResponse()
        response.acks = acks
        response.leases = granted.map(LeaseMapping.lease)
        return response
    }

    func reportFailure(_ request: Openswarm_V1_ReportFailureRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_ReportFailureResponse
    {
        let node = try await node(call)
        defer { done(node) }
        let now = context.clock.now()
        let kind = WireEnums.errorKind(request.error?.kind ?? .transient)
        let params = FailParams(lease: LeaseID(request.leaseID), node: node.nodeID, kind: kind, now: now)
        let taskID = request.taskID
        let attempt = Int(request.attemptNumber)
        let leaseID = request.leaseID
        let (outcome, refusal) = try await context.executor.run {
            (store) throws(StoreError) -> (Result<ReportOutcome, StoreError>, String?) in
            let outcome = try store.report([.failed(params)])[0]
            guard case .failure(let error) = outcome else { return (outcome, nil) }
            return (outcome, Self.refusalStatus(error, store: store, task: taskID, attempt: attempt, lease: leaseID))
        }
        var response = Openswarm_V1_ReportFailureResponse()
        var ack = Openswarm_V1_ReportAck()
        ack.leaseID = request.leaseID
        ack.attemptNumber = request.attemptNumber
        ack.taskID = request.taskID
        switch outcome {
        case .success(let report):
            ack.status = .accepted
            response.willRetry = !report.taskState.isTerminal
            if let next = report.retryNotBefore { response.nextAttemptTime = WireTime.timestamp(next) }
            let touched = [TaskID(taskID)] + report.ended + report.readied
            context.workChanged(retryAt: report.retryNotBefore, tasks: touched)
            context.tracker.touched(touched)
        case .failure(let error):
            ack.status = Self.status(named: refusal)
            ack.message = error.message
        }
        response.ack = ack
        return response
    }

    /// Why the store refused a report, as a ReportStatus name (Sendable across the hop).
    private static func refusalStatus(
        _ error: StoreError, store: any Store, task: String, attempt: Int, lease: String
    ) -> String {
        switch error.code {
        case .notLeaseHolder: return "not_lease_holder"
        case .leaseNotActive:
            guard let stored = try? store.task(TaskID(task)), let recorded = stored.attempt(attempt),
                recorded.leaseID.rawValue == lease
            else { return "stale" }
            if stored.state == .cancelled { return "cancelled" }
            return recorded.state == .completed || recorded.state == .failed ? "duplicate" : "stale"
        default: return "stale"
        }
    }

    private static func status(named name: String?) -> Openswarm_V1_ReportStatus {
        switch name {
        case "not_lease_holder": .notLeaseHolder
        case "duplicate": .duplicate
        case "cancelled": .taskCancelled
        default: .staleLease
        }
    }
}
