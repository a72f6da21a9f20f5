import SwarmCore

extension DurableStore {
    /// The attempt behind a lease the node holds, locked, or why the call is refused.
    /// A lease already reported on (or cancelled, or expired) is `leaseNotActive`: this
    /// is what makes a second report change nothing.
    func heldAttempt(_ leaseID: LeaseID, node nodeID: NodeID, work: UnitOfWork, allowCancelled: Bool = false)
        throws(StoreError) -> (task: StoredTask, attempt: Attempt)
    {
        guard try work.node(nodeID) != nil else {
            throw StoreError(.unknownNode, "node \(nodeID) is not registered; register it first")
        }
        guard let row = try work.leaseRow(leaseID) else {
            throw StoreError(.unknownLease, "lease \(leaseID) is unknown")
        }
        guard row.node == nodeID else {
            throw StoreError(.notLeaseHolder, "lease \(leaseID) is held by another node")
        }
        guard let task = try work.task(row.task), let attempt = task.attempt(row.attempt) else {
            throw StoreError(.unknownLease, "lease \(leaseID) refers to a missing task")
        }
        guard attempt.isActive || (allowCancelled && attempt.state == .cancelled) else {
            throw StoreError(
                .leaseNotActive, "lease \(leaseID) is no longer active (already reported, expired or cancelled)")
        }
        return (task, attempt)
    }

    /// As `Scheduler.heartbeat`; a lease whose attempt was cancelled answers
    /// `cancelled: true` so the node stops, instead of an error.
    public func heartbeat(_ params: HeartbeatParams) throws(StoreError) -> HeartbeatOutcome {
        try write { (work) throws(StoreError) -> HeartbeatOutcome in try heartbeat(params, work: work) }
    }

    public func heartbeats(_ params: [HeartbeatParams]) throws(StoreError) -> [Result<HeartbeatOutcome, StoreError>] {
        guard !params.isEmpty else { return [] }
        return try write { (work) throws(StoreError) -> [Result<HeartbeatOutcome, StoreError>] in
            params.map { (one) -> Result<HeartbeatOutcome, StoreError> in
                do throws(StoreError) { return .success(try heartbeat(one, work: work)) } catch {
                    return .failure(error)
                }
            }
        }
    }

    /// One lease's heartbeat inside a transaction; refusals throw before any change.
    private func heartbeat(_ params: HeartbeatParams, work: UnitOfWork) throws(StoreError) -> HeartbeatOutcome {
        var (task, attempt) = try heldAttempt(params.lease, node: params.node, work: work, allowCancelled: true)
        if attempt.state == .cancelled {
            return HeartbeatOutcome(cancelled: true, deadline: attempt.deadline, taskID: task.id)
        }
        guard params.now < attempt.deadline else {
            throw StoreError(
                .leaseExpired, "lease \(params.lease) expired at \(attempt.deadline); drop the attempt")
        }
        if attempt.state == .leased {
            attempt.state = .running
            attempt.startTime = params.now
        }
        attempt.deadline = TimeoutRules.deadline(
            afterHeartbeatAt: params.now, leaseTime: attempt.leaseTime, timeouts: task.spec.timeouts)
        task.attempts[attempt.number - 1] = attempt
        Self.refreshState(&task)
        work.put(task)
        try work.updateLease(params.lease, deadline: attempt.deadline)
        return HeartbeatOutcome(cancelled: false, deadline: attempt.deadline, taskID: task.id)
    }

    /// As `Scheduler.complete`, in one transaction with consensus, settlement and DAG
    /// propagation.
    @discardableResult
    public func complete(_ params: CompleteParams) throws(StoreError) -> ReportOutcome {
        try write { (work) throws(StoreError) -> ReportOutcome in
            let (task, held) = try validateCompletion(params, work: work)
            return try applyCompletion(params, task: task.id, held: held, work: work)
        }
    }

    /// Refusals of a result, before anything changes. A replica stopped because its task
    /// reached a quorum may still report within its lease: `applyCompletion` audits it.
    func validateCompletion(_ params: CompleteParams, work: UnitOfWork) throws(StoreError) -> (StoredTask, Attempt) {
        let (task, held) = try heldAttempt(params.lease, node: params.node, work: work, allowCancelled: true)
        if held.state == .cancelled, task.state != .succeeded || task.canonicalOutput == nil {
            throw StoreError(
                .leaseNotActive, "lease \(params.lease) is no longer active (already reported, expired or cancelled)")
        }
        guard params.now < held.deadline else {
            throw StoreError(.leaseExpired, "lease \(params.lease) expired before the result arrived")
        }
        return (task, held)
    }

    func applyCompletion(_ params: CompleteParams, task id: TaskID, held: Attempt, work: UnitOfWork) throws(StoreError)
        -> ReportOutcome
    {
        if held.state == .cancelled { return try auditLate(params, task: id, held: held, work: work) }
        try releaseAttempt(held, of: held.leaseID, taskID: id, state: .completed, now: params.now, work: work)
        var ended: [TaskID] = []
        var readied: [TaskID] = []
        let alone = try work.update(id) { (task) throws(StoreError) -> Bool in
            task.attempts[held.number - 1].result = params.result
            task.slots[held.replica].state = .reported(attempt: held.number)
            guard task.runningAlone || task.spec.redundancy.quorum <= 1 else { return false }
            task.attempts[held.number - 1].verdict = .acceptedAlone
            task.canonicalAttempt = held.number
            return true
        }
        guard let alone else { throw StoreError(.unknownTask, "task \(id) vanished") }
        if alone {
            try endTask(id, reason: .completed, work: work, now: params.now, ended: &ended, readied: &readied)
        } else {
            guard var task = try work.task(id) else { throw StoreError(.unknownTask, "task \(id) vanished") }
            let redundancy = task.spec.redundancy
            switch Consensus.evaluate(
                Self.votes(task, excludingLate: true), quorum: redundancy.quorum, comparator: redundancy.comparator)
            {
            case .reached(let canonical, let agreeing, let dissenting):
                for number in agreeing {
                    task.attempts[number - 1].verdict = .agreed
                    try adjustReputation(of: task.attempts[number - 1].nodeID, valid: true, work: work)
                }
                for number in dissenting {
                    task.attempts[number - 1].verdict = .dissented
                    try adjustReputation(of: task.attempts[number - 1].nodeID, valid: false, work: work)
                }
                task.canonicalAttempt = canonical
                work.put(task)
                try endTask(id, reason: .completed, work: work, now: params.now, ended: &ended, readied: &readied)
            case .pending:
                task.attempts[held.number - 1].verdict = .pending
                work.put(task)
                try checkProgress(id, work: work, now: params.now, ended: &ended, readied: &readied)
            }
        }
        let state = try work.task(id)?.state ?? .failed
        return ReportOutcome(taskState: state, ended: ended, readied: readied, retryNotBefore: nil)
    }

    /// As `Scheduler.auditLate`: a result on a replica stopped at the quorum is recorded
    /// with `Consensus.auditLate`'s verdict and its reputation change, and not paid. The
    /// attempt becomes `completed`, so a second report is refused.
    func auditLate(_ params: CompleteParams, task id: TaskID, held: Attempt, work: UnitOfWork) throws(StoreError)
        -> ReportOutcome
    {
        let verdict = try work.update(id) { (task) throws(StoreError) -> ResultVerdict in
            let verdict = Consensus.auditLate(
                params.result.output, canonical: task.canonicalOutput ?? [], comparator: task.spec.redundancy.comparator
            )
            task.attempts[held.number - 1].state = .completed
            task.attempts[held.number - 1].result = params.result
            task.attempts[held.number - 1].verdict = verdict
            return verdict
        }
        guard let verdict else { throw StoreError(.unknownTask, "task \(id) vanished") }
        try adjustReputation(of: held.nodeID, valid: verdict == .late, work: work)
        return ReportOutcome(taskState: .succeeded, ended: [], readied: [], retryNotBefore: nil)
    }

    /// As `Scheduler.fail`.
    @discardableResult
    public func fail(_ params: FailParams) throws(StoreError) -> ReportOutcome {
        try write { (work) throws(StoreError) -> ReportOutcome in
            let (task, held) = try heldAttempt(params.lease, node: params.node, work: work)
            return try attemptFailed(
                held, taskID: task.id, kind: params.kind, state: .failed, now: params.now, work: work)
        }
    }

    /// Several reports in one transaction (one commit, so one fsync, for a batch). Each
    /// report is checked before it changes anything; a refused one (second report, not
    /// the holder, expired ...) yields its error in its place and the others still apply.
    public func report(_ reports: [AttemptReport]) throws(StoreError) -> [Result<ReportOutcome, StoreError>] {
        try write { (work) throws(StoreError) -> [Result<ReportOutcome, StoreError>] in try report(reports, work: work)
        }
    }

    func report(_ reports: [AttemptReport], work: UnitOfWork) throws(StoreError) -> [Result<ReportOutcome, StoreError>]
    {
        try prefetch(reports, work: work)
        var results: [Result<ReportOutcome, StoreError>] = []
        results.reserveCapacity(reports.count)
        for report in reports {
            switch report {
            case .completed(let params):
                let checked: (StoredTask, Attempt)
                do throws(StoreError) {
                    checked = try validateCompletion(params, work: work)
                } catch {
                    results.append(.failure(error))
                    continue
                }
                results.append(
                    .success(try applyCompletion(params, task: checked.0.id, held: checked.1, work: work)))
            case .failed(let params):
                let checked: (StoredTask, Attempt)
                do throws(StoreError) {
                    checked = try heldAttempt(params.lease, node: params.node, work: work)
                } catch {
                    results.append(.failure(error))
                    continue
                }
                results.append(
                    .success(
                        try attemptFailed(
                            checked.1, taskID: checked.0.id, kind: params.kind, state: .failed, now: params.now,
                            work: work)))
            }
        }
        return results
    }

    /// Reads what a batch of reports will touch with a few statements instead of a few
    /// per report: the lease rows, the tasks held by the reporting nodes (locked), and
    /// those tasks' children. The checks and changes then run from memory, as before.
    func prefetch(_ reports: [AttemptReport], work: UnitOfWork) throws(StoreError) {
        guard reports.count > 1 else { return }
        let held = reports.map { (report) -> (lease: LeaseID, node: NodeID) in
            switch report {
            case .completed(let params): (params.lease, params.node)
            case .failed(let params): (params.lease, params.node)
            }
        }
        // The reporting nodes' rows first, as each report alone would lock them (before
        // its task), so that a batch takes its locks in the order the other transitions do.
        for node in Set(held.map(\.node)).sorted() { _ = try work.node(node) }
        try work.prefetchLeases(held.map(\.lease))
        var taskIDs: [TaskID] = []
        for (lease, node) in held {
            if let row = try work.leaseRow(lease), row.node == node { taskIDs.append(row.task) }
        }
        try work.prefetchTasks(taskIDs)
        try work.prefetchChildren(taskIDs)
    }

    static func votes(_ task: StoredTask, excludingLate: Bool) -> [Consensus.Vote] {
        task.attempts.filter { $0.state == .completed && (!excludingLate || $0.verdict != .late) }.compactMap {
            attempt in
            attempt.result.map {
                Consensus.Vote(attemptNumber: attempt.number, nodeID: attempt.nodeID, output: $0.output)
            }
        }
    }

    /// As `Scheduler.attemptFailed`: retry the slot after `RetryPolicy.decide`'s backoff,
    /// or end the task.
    func attemptFailed(
        _ held: Attempt, taskID: TaskID, kind: ErrorKind, state: AttemptState, now: Instant, work: UnitOfWork
    ) throws(StoreError) -> ReportOutcome {
        _ = try releaseAttempt(held, of: held.leaseID, taskID: taskID, state: state, now: now, work: work)
        var ended: [TaskID] = []
        var readied: [TaskID] = []
        var retryAt: Instant?
        guard var task = try work.task(taskID) else { throw StoreError(.unknownTask, "task \(taskID) vanished") }
        let slot = held.replica
        task.attempts[held.number - 1].error = kind
        if !kind.countsAsAttempt { task.slots[slot].attemptsUsed -= 1 }
        if task.runningAlone {
            task.runningAlone = false
            let extra = max(0, task.spec.redundancy.replicas - task.slots.count)
            task.slots += Array(repeating: ReplicaSlot(state: .open(notBefore: now)), count: extra)
        }
        switch task.spec.retryPolicy.decide(
            after: kind, attemptsUsed: task.slots[slot].attemptsUsed, now: now, using: &work.random)
        {
        case .retry(let notBefore, _):
            task.slots[slot].state = .open(notBefore: notBefore)
            if kind.countsAsAttempt { task.avoidNodes.insert(held.nodeID) }
            Self.refreshState(&task)
            work.put(task)
            retryAt = notBefore
            try checkProgress(taskID, work: work, now: now, ended: &ended, readied: &readied)
        case .fail(.nonRetryableError):
            work.put(task)
            try endTask(taskID, reason: .nonRetryableError, work: work, now: now, ended: &ended, readied: &readied)
        case .fail:
            task.slots[slot].state = .exhausted
            Self.refreshState(&task)
            work.put(task)
            try checkProgress(taskID, work: work, now: now, ended: &ended, readied: &readied)
        }
        let finalState = try work.task(taskID)?.state ?? .failed
        return ReportOutcome(taskState: finalState, ended: ended, readied: readied, retryNotBefore: retryAt)
    }

    /// As `Scheduler.checkProgress`: when no slot waits or runs, add replicas towards a
    /// quorum (`Consensus.additionalReplicas`) or end the task.
    func checkProgress(_ id: TaskID, work: UnitOfWork, now: Instant, ended: inout [TaskID], readied: inout [TaskID])
        throws(StoreError)
    {
        guard var task = try work.task(id), !task.state.isTerminal else { return }
        let busy = task.slots.contains {
            switch $0.state {
            case .open, .active: true
            case .reported, .exhausted: false
            }
        }
        guard !busy else { return }
        let redundancy = task.spec.redundancy
        let best: Int
        switch Consensus.evaluate(
            Self.votes(task, excludingLate: false), quorum: redundancy.quorum, comparator: redundancy.comparator)
        {
        case .pending(let agreement): best = agreement
        case .reached: best = redundancy.quorum
        }
        let add = Consensus.additionalReplicas(
            bestAgreement: best, quorum: redundancy.quorum, replicasStarted: task.slots.count,
            maxReplicas: redundancy.maxReplicas)
        if add > 0 {
            task.slots += Array(repeating: ReplicaSlot(state: .open(notBefore: now)), count: add)
            work.put(task)
            return
        }
        let exhausted = task.slots.contains { $0.state == .exhausted }
        try endTask(
            id, reason: exhausted ? .retriesExhausted : .noConsensus, work: work, now: now, ended: &ended,
            readied: &readied)
    }

    /// Ends an attempt's lease (row inactive, attempt state, node slot freed); returns
    /// the task id.
    @discardableResult
    func releaseAttempt(
        _ attempt: Attempt, of leaseID: LeaseID, taskID id: TaskID, state: AttemptState, now: Instant, work: UnitOfWork
    ) throws(StoreError) -> TaskID {
        let found: Void? = try work.update(id) { (task) throws(StoreError) in
            task.attempts[attempt.number - 1].state = state
            task.attempts[attempt.number - 1].endTime = now
        }
        guard found != nil else { throw StoreError(.unknownTask, "lease \(leaseID) has no task") }
        try work.deactivateLease(leaseID)
        if var node = try work.node(attempt.nodeID) {
            node.activeLeases = max(0, node.activeLeases - 1)
            work.put(node)
        }
        return id
    }

    func adjustReputation(of nodeID: NodeID, valid: Bool, work: UnitOfWork) throws(StoreError) {
        guard var node = try work.node(nodeID) else { return }
        node.reputation =
            valid
            ? configuration.reputation.validated(node.reputation)
            : configuration.reputation.invalidated(node.reputation)
        work.put(node)
    }

    /// The task's state from its attempts, for a task that has not ended.
    static func refreshState(_ task: inout StoredTask) {
        guard !task.state.isTerminal, task.state != .pending else { return }
        let active = task.activeAttempts
        task.state = active.isEmpty ? .ready : (active.contains { $0.state == .running } ? .running : .leased)
    }
}
