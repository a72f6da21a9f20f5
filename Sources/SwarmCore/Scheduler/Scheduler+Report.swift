extension Scheduler {
    /// The attempt behind a lease the node holds, or why the call is refused.
    func heldAttempt(_ leaseID: LeaseID, node nodeID: NodeID) throws(LeaseError) -> LeaseRef {
        guard nodes[nodeID] != nil else { throw LeaseError(.unknownNode, "node \(nodeID) is not registered") }
        guard let ref = activeLeases[leaseID] else {
            throw LeaseError(.leaseNotActive, "lease \(leaseID) is not active (expired, cancelled or already reported)")
        }
        guard let attempt = tasks[ref.task]?.attempt(ref.attempt) else {
            throw LeaseError(.unknownLease, "lease \(leaseID) is unknown")
        }
        guard attempt.nodeID == nodeID else {
            throw LeaseError(.notLeaseHolder, "lease \(leaseID) is held by another node")
        }
        return ref
    }

    /// A heartbeat from the node holding `leaseID`: the attempt is running and its
    /// deadline moves to `now + heartbeat`, never past `leaseTime + startToClose`.
    public mutating func heartbeat(lease leaseID: LeaseID, node nodeID: NodeID, now: Instant) throws(LeaseError)
        -> [SchedulerEvent]
    {
        let ref = try heldAttempt(leaseID, node: nodeID)
        guard var task = tasks[ref.task] else { return [] }
        var attempt = task.attempts[ref.attempt - 1]
        guard now < attempt.deadline else {
            throw LeaseError(.leaseNotActive, "lease \(leaseID) expired at \(attempt.deadline)")
        }
        var events: [SchedulerEvent] = []
        if attempt.state == .leased {
            attempt.state = .running
            attempt.startTime = now
            events.append(.attemptStarted(ref.task, attempt: ref.attempt))
        }
        attempt.deadline = TimeoutRules.deadline(
            afterHeartbeatAt: now, leaseTime: attempt.leaseTime, timeouts: task.spec.timeouts)
        task.attempts[ref.attempt - 1] = attempt
        tasks[ref.task] = task
        leaseDeadlines.insert(Timed(at: attempt.deadline, sequence: nextSequence(), value: leaseID))
        refreshState(ref.task)
        return events
    }

    /// The node holding `leaseID` reports a result. With one replica (or a trusted node
    /// alone) it is accepted; otherwise consensus decides once Q results agree, adding
    /// replicas when every started one reported without a quorum, up to `maxReplicas`,
    /// then failing with `noConsensus`.
    public mutating func complete(
        lease leaseID: LeaseID, node nodeID: NodeID, result: TaskResult, now: Instant,
        using random: inout some RandomNumberGenerator
    ) throws(LeaseError) -> [SchedulerEvent] {
        if activeLeases[leaseID] == nil, let stopped = stoppedAtQuorum[leaseID] {
            return try auditLate(leaseID, ref: stopped, node: nodeID, result: result, now: now)
        }
        let ref = try heldAttempt(leaseID, node: nodeID)
        guard now < (tasks[ref.task]?.attempt(ref.attempt)?.deadline ?? now) else {
            throw LeaseError(.leaseNotActive, "lease \(leaseID) expired before the result arrived")
        }
        release(leaseID, ref: ref, state: .completed, now: now)
        guard var task = tasks[ref.task] else { return [] }
        task.attempts[ref.attempt - 1].result = result
        let slot = task.attempts[ref.attempt - 1].replica
        task.slots[slot].state = .reported(attempt: ref.attempt)
        tasks[ref.task] = task

        let redundancy = task.spec.redundancy
        if task.runningAlone || redundancy.quorum <= 1 {
            setVerdict(.acceptedAlone, task: ref.task, attempt: ref.attempt)
            var events: [SchedulerEvent] = [.resultRecorded(ref.task, attempt: ref.attempt, .acceptedAlone)]
            tasks[ref.task]?.canonicalAttempt = ref.attempt
            events += endTask(ref.task, reason: .completed, now: now)
            return events
        }
        var events: [SchedulerEvent] = []
        let votes = task.attempts.filter { $0.state == .completed && $0.verdict != .late }.compactMap { attempt in
            attempt.result.map {
                Consensus.Vote(attemptNumber: attempt.number, nodeID: attempt.nodeID, output: $0.output)
            }
        }
        switch Consensus.evaluate(votes, quorum: redundancy.quorum, comparator: redundancy.comparator) {
        case .reached(let canonical, let agreeing, let dissenting):
            for number in agreeing {
                setVerdict(.agreed, task: ref.task, attempt: number)
                events += adjustReputation(of: task.attempts[number - 1].nodeID, valid: true)
            }
            for number in dissenting {
                setVerdict(.dissented, task: ref.task, attempt: number)
                events += adjustReputation(of: task.attempts[number - 1].nodeID, valid: false)
            }
            events.append(
                .resultRecorded(
                    ref.task, attempt: ref.attempt, tasks[ref.task]?.attempt(ref.attempt)?.verdict ?? .pending))
            tasks[ref.task]?.canonicalAttempt = canonical
            events += endTask(ref.task, reason: .completed, now: now)
        case .pending:
            setVerdict(.pending, task: ref.task, attempt: ref.attempt)
            events.append(.resultRecorded(ref.task, attempt: ref.attempt, .pending))
            events += checkProgress(ref.task, now: now)
        }
        return events
    }

    /// A result on a replica stopped at the quorum, within its lease: recorded with
    /// `Consensus.auditLate`'s verdict and the reputation that goes with it, not paid.
    /// Only the holder may report it, and only once.
    mutating func auditLate(_ leaseID: LeaseID, ref: LeaseRef, node nodeID: NodeID, result: TaskResult, now: Instant)
        throws(LeaseError) -> [SchedulerEvent]
    {
        guard nodes[nodeID] != nil else { throw LeaseError(.unknownNode, "node \(nodeID) is not registered") }
        guard let task = tasks[ref.task], let attempt = task.attempt(ref.attempt),
            let canonical = task.canonicalOutput
        else {
            throw LeaseError(.leaseNotActive, "lease \(leaseID) is not active (expired, cancelled or already reported)")
        }
        guard attempt.nodeID == nodeID else {
            throw LeaseError(.notLeaseHolder, "lease \(leaseID) is held by another node")
        }
        guard now < attempt.deadline else {
            throw LeaseError(.leaseNotActive, "lease \(leaseID) expired before the result arrived")
        }
        stoppedAtQuorum[leaseID] = nil
        let verdict = Consensus.auditLate(
            result.output, canonical: canonical, comparator: task.spec.redundancy.comparator)
        tasks[ref.task]?.attempts[ref.attempt - 1].state = .completed
        tasks[ref.task]?.attempts[ref.attempt - 1].result = result
        setVerdict(verdict, task: ref.task, attempt: ref.attempt)
        return [.resultRecorded(ref.task, attempt: ref.attempt, verdict)]
            + adjustReputation(of: nodeID, valid: verdict == .late)
    }

    /// The node holding `leaseID` reports a failure of `kind`.
    public mutating func fail(
        lease leaseID: LeaseID, node nodeID: NodeID, kind: ErrorKind, now: Instant,
        using random: inout some RandomNumberGenerator
    ) throws(LeaseError) -> [SchedulerEvent] {
        let ref = try heldAttempt(leaseID, node: nodeID)
        return attemptFailed(leaseID, ref: ref, kind: kind, state: .failed, now: now, using: &random)
    }

    /// One attempt ended without a result: retry its slot after backoff, or end the task.
    mutating func attemptFailed(
        _ leaseID: LeaseID, ref: LeaseRef, kind: ErrorKind, state: AttemptState, now: Instant,
        using random: inout some RandomNumberGenerator
    ) -> [SchedulerEvent] {
        release(leaseID, ref: ref, state: state, now: now)
        guard var task = tasks[ref.task] else { return [] }
        var events: [SchedulerEvent] = [.attemptFailed(ref.task, attempt: ref.attempt, kind)]
        task.attempts[ref.attempt - 1].error = kind
        let slot = task.attempts[ref.attempt - 1].replica
        let nodeID = task.attempts[ref.attempt - 1].nodeID
        if !kind.countsAsAttempt { task.slots[slot].attemptsUsed -= 1 }
        if task.runningAlone {
            // Trust did not pay off this time: go back to full replication.
            task.runningAlone = false
            let extra = max(0, task.spec.redundancy.replicas - task.slots.count)
            task.slots += Array(repeating: ReplicaSlot(state: .open(notBefore: now)), count: extra)
        }
        switch task.spec.retryPolicy.decide(
            after: kind, attemptsUsed: task.slots[slot].attemptsUsed, now: now, using: &random)
        {
        case .retry(let notBefore, _):
            task.slots[slot].state = .open(notBefore: notBefore)
            if kind.countsAsAttempt { task.avoidNodes.insert(nodeID) }
            tasks[ref.task] = task
            events.append(.retryScheduled(ref.task, notBefore: notBefore))
            refreshState(ref.task)
            offer(ref.task, now: now)
            events += checkProgress(ref.task, now: now)
        case .fail(.nonRetryableError):
            tasks[ref.task] = task
            events += endTask(ref.task, reason: .nonRetryableError, now: now)
        case .fail:
            task.slots[slot].state = .exhausted
            tasks[ref.task] = task
            refreshState(ref.task)
            offer(ref.task, now: now)  // slots opened by leaving adaptive mode still need nodes
            events += checkProgress(ref.task, now: now)
        }
        return events
    }

    /// After a result or a spent slot: when no slot is waiting or running, add replicas
    /// towards a quorum, or end the task.
    mutating func checkProgress(_ id: TaskID, now: Instant) -> [SchedulerEvent] {
        guard var task = tasks[id], !task.state.isTerminal else { return [] }
        let busy = task.slots.contains {
            switch $0.state {
            case .open, .active: true
            case .reported, .exhausted: false
            }
        }
        guard !busy else { return [] }
        let redundancy = task.spec.redundancy
        let votes = task.attempts.filter { $0.state == .completed }.compactMap { attempt in
            attempt.result.map {
                Consensus.Vote(attemptNumber: attempt.number, nodeID: attempt.nodeID, output: $0.output)
            }
        }
        let best: Int
        switch Consensus.evaluate(votes, quorum: redundancy.quorum, comparator: redundancy.comparator) {
        case .pending(let agreement): best = agreement
        case .reached: best = redundancy.quorum
        }
        let add = Consensus.additionalReplicas(
            bestAgreement: best, quorum: redundancy.quorum, replicasStarted: task.slots.count,
            maxReplicas: redundancy.maxReplicas)
        if add > 0 {
            task.slots += Array(repeating: ReplicaSlot(state: .open(notBefore: now)), count: add)
            tasks[id] = task
            offer(id, now: now)
            return [.replicasAdded(id, count: add)]
        }
        let exhausted = task.slots.contains { $0.state == .exhausted }
        return endTask(id, reason: exhausted ? .retriesExhausted : .noConsensus, now: now)
    }

    /// Ends an attempt's lease and frees the node's slot.
    mutating func release(_ leaseID: LeaseID, ref: LeaseRef, state: AttemptState, now: Instant) {
        activeLeases[leaseID] = nil
        guard var task = tasks[ref.task] else { return }
        task.attempts[ref.attempt - 1].state = state
        task.attempts[ref.attempt - 1].endTime = now
        let nodeID = task.attempts[ref.attempt - 1].nodeID
        tasks[ref.task] = task
        if let held = nodes[nodeID]?.activeLeases { nodes[nodeID]?.activeLeases = max(0, held - 1) }
    }

    mutating func setVerdict(_ verdict: ResultVerdict, task id: TaskID, attempt number: Int) {
        tasks[id]?.attempts[number - 1].verdict = verdict
    }

    mutating func adjustReputation(of nodeID: NodeID, valid: Bool) -> [SchedulerEvent] {
        guard var node = nodes[nodeID] else { return [] }
        node.reputation =
            valid
            ? configuration.reputation.validated(node.reputation)
            : configuration.reputation.invalidated(node.reputation)
        nodes[nodeID] = node
        return [.reputationChanged(nodeID, score: node.reputation.score)]
    }
}
