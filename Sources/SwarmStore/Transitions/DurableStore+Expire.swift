import SwarmCore

extension DurableStore {
    /// As `Scheduler.expire`: leases whose deadline passed fail `leaseExpired` (retried
    /// like any retryable error); tasks past schedule-to-start or schedule-to-close end
    /// `timedOut`. Retries whose backoff ended need nothing: the queue query compares
    /// `offer_at` with `now`. Handles at most `batch` of each per call (one transaction);
    /// call again while it reports a full batch.
    @discardableResult
    public func expire(now: Instant) throws(StoreError) -> ExpireOutcome {
        let batch = 1_000
        return try write { (work) throws(StoreError) -> ExpireOutcome in
            var outcome = ExpireOutcome(expiredLeases: 0, timedOutTasks: 0)
            let due = try work.query(
                "SELECT id, task_id, attempt FROM leases WHERE active = 1 AND deadline_at <= ? ORDER BY deadline_at, id LIMIT ?"
                    + work.dialect.skipLocked,
                [.integer(now.millisecondsSinceEpoch), .integer(Int64(batch))])
            for row in due {
                let taskID = TaskID(try row.text(1))
                guard let task = try work.task(taskID), let attempt = task.attempt(Int(try row.int(2))),
                    attempt.isActive, attempt.deadline <= now
                else { continue }
                _ = try attemptFailed(
                    attempt, taskID: taskID, kind: .leaseExpired, state: .expired, now: now, work: work)
                outcome.expiredLeases += 1
            }
            let late = try work.query(
                "SELECT id FROM tasks WHERE deadline_at IS NOT NULL AND deadline_at <= ? ORDER BY deadline_at, id LIMIT ?"
                    + work.dialect.skipLocked,
                [.integer(now.millisecondsSinceEpoch), .integer(Int64(batch))])
            for row in late {
                let id = TaskID(try row.text(0))
                guard let task = try work.task(id), let deadline = task.deadlineAt, deadline <= now else { continue }
                var ended: [TaskID] = []
                var readied: [TaskID] = []
                try endTask(id, reason: .timedOut, work: work, now: now, ended: &ended, readied: &readied)
                outcome.timedOutTasks += 1
            }
            return outcome
        }
    }

    /// As `Scheduler.cancel`: ends the task `cancelledByUser` (refunded), its open
    /// descendants `upstreamFailed`. False when it had already ended.
    @discardableResult
    public func cancel(_ id: TaskID, now: Instant) throws(StoreError) -> Bool {
        try write { (work) throws(StoreError) -> Bool in
            guard let task = try work.task(id) else { throw StoreError(.unknownTask, "task \(id) does not exist") }
            guard !task.state.isTerminal else { return false }
            var ended: [TaskID] = []
            var readied: [TaskID] = []
            try endTask(id, reason: .cancelledByUser, work: work, now: now, ended: &ended, readied: &readied)
            return true
        }
    }

    /// As `Scheduler.nodeWentOffline` / `nodeCameOnline`.
    public func setNodeOnline(_ nodeID: NodeID, _ online: Bool, now: Instant) throws(StoreError) {
        try write { (work) throws(StoreError) in
            guard var node = try work.node(nodeID) else {
                throw StoreError(.unknownNode, "node \(nodeID) is not registered; register it first")
            }
            node.isOnline = online
            work.put(node)
            guard !online else { return }
            let held = try work.query(
                "SELECT task_id, attempt FROM leases WHERE node_id = ? AND active = 1 ORDER BY id",
                [.text(nodeID.rawValue)])
            for row in held {
                let taskID = TaskID(try row.text(0))
                guard let task = try work.task(taskID), let attempt = task.attempt(Int(try row.int(1))),
                    attempt.isActive
                else { continue }
                _ = try attemptFailed(
                    attempt, taskID: taskID, kind: .leaseExpired, state: .expired, now: now, work: work)
            }
        }
    }
}
