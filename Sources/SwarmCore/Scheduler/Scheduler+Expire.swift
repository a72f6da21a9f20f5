extension Scheduler {
    /// Applies every deadline due at `now`: leases whose deadline passed become
    /// `leaseExpired` failures (retried like any retryable error), tasks past their
    /// schedule-to-start or schedule-to-close limit fail `timedOut`, and retries whose
    /// backoff ended are queued.
    public mutating func expire(now: Instant, using random: inout some RandomNumberGenerator) -> [SchedulerEvent] {
        var events: [SchedulerEvent] = []
        while let next = leaseDeadlines.min, next.at <= now {
            _ = leaseDeadlines.popMin()
            guard let ref = activeLeases[next.value], let attempt = tasks[ref.task]?.attempt(ref.attempt),
                attempt.deadline <= now
            else { continue }
            events += attemptFailed(
                next.value, ref: ref, kind: .leaseExpired, state: .expired, now: now, using: &random)
        }
        while let next = taskDeadlines.min, next.at <= now {
            _ = taskDeadlines.popMin()
            guard let task = tasks[next.value], !task.state.isTerminal,
                let deadline = TimeoutRules.taskDeadline(
                    submittedAt: task.submittedAt, readyAt: task.readyAt, everLeased: task.everLeased,
                    timeouts: task.spec.timeouts),
                deadline <= now
            else { continue }
            events += endTask(next.value, reason: .timedOut, now: now)
        }
        promoteDelayed(now: now)
        return events
    }

    /// The earliest instant at which `expire` has something to do, if any (a simulated
    /// clock jumps there; a coordinator arms a timer).
    public var nextDeadline: Instant? {
        [leaseDeadlines.min?.at, taskDeadlines.min?.at, delayed.min?.at].compactMap { $0 }.min()
    }

    /// A node stopped heartbeating (or drained with hand-back): it gets no more work and
    /// its leases are released for retry at once.
    public mutating func nodeWentOffline(_ nodeID: NodeID, now: Instant, using random: inout some RandomNumberGenerator)
        -> [SchedulerEvent]
    {
        guard nodes[nodeID] != nil else { return [] }
        nodes[nodeID]?.isOnline = false
        var events: [SchedulerEvent] = []
        let held = activeLeases.filter { tasks[$0.value.task]?.attempt($0.value.attempt)?.nodeID == nodeID }.sorted {
            $0.key < $1.key
        }
        for (leaseID, ref) in held {
            events += attemptFailed(leaseID, ref: ref, kind: .leaseExpired, state: .expired, now: now, using: &random)
        }
        return events
    }

    /// A node is back online.
    public mutating func nodeCameOnline(_ nodeID: NodeID) { nodes[nodeID]?.isOnline = true }
}
