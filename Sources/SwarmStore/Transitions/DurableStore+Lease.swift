import SwarmCore

extension DurableStore {
    /// As `Scheduler.lease`, as one transaction: claims queued tasks in priority then
    /// age order (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent coordinators
    /// claim disjoint rows), offering each to the node as `offerDecision` does: the node
    /// must be eligible (`Eligibility`), hold no replica of the task, share no operator
    /// with a replica's node, and, for a retry, be the only eligible node left.
    ///
    /// Scans at most a few pages of the queue per call, so a node no task fits costs a
    /// bounded amount of work. The first page is exactly what the node asked for (every
    /// row of a page is locked and decoded, and usually every one fits); later pages,
    /// needed only when some did not, are larger.
    public func lease(_ params: LeaseParams) throws(StoreError) -> [GrantedLease] {
        guard params.maxTasks > 0 else { return [] }
        return try write { (work) throws(StoreError) -> [GrantedLease] in try lease(params, work: work) }
    }

    /// Reports, then a lease for the reporting node, in one transaction: a node that
    /// hands in a batch and asks for the next pays one commit (one fsync) for both, and
    /// the slots its reports free are already free for the lease.
    public func reportAndLease(_ reports: [AttemptReport], lease params: LeaseParams) throws(StoreError)
        -> (reports: [Result<ReportOutcome, StoreError>], leases: [GrantedLease])
    {
        try write {
            (work) throws(StoreError) -> (reports: [Result<ReportOutcome, StoreError>], leases: [GrantedLease]) in
            let outcomes = try report(reports, work: work)
            // The lease reads the queue with SQL: it must see what the reports changed.
            try work.flush()
            let leases = params.maxTasks > 0 ? try lease(params, work: work) : []
            return (outcomes, leases)
        }
    }

    func lease(_ params: LeaseParams, work: UnitOfWork) throws(StoreError) -> [GrantedLease] {
        guard try work.node(params.node) != nil else {
            throw StoreError(.unknownNode, "node \(params.node) is not registered; register it first")
        }
        var leases: [GrantedLease] = []
        var others: [Node]?
        // Fair share first: the heads of several submitters' queues, interleaved
        // (priority, then one of each submitter in turn, then age); the pages below
        // fill what is left in plain priority-and-age order.
        for task in try fairShareCandidates(params, work: work) {
            guard leases.count < params.maxTasks, let node = try work.node(params.node), node.isOnline,
                node.freeSlots > 0
            else { break }
            guard try offerDecision(task, to: node, now: params.now, work: work, others: &others) else { continue }
            if let lease = try grant(task, to: node, now: params.now, work: work) { leases.append(lease) }
        }
        var pageSize = params.maxTasks
        var offset = 0
        pages: for page in 0..<8 {
            if page > 0 { pageSize = max(32, params.maxTasks * 2) }
            guard let node = try work.node(params.node), node.isOnline, node.freeSlots > 0 else { break }
            let rows = try work.query(
                "SELECT record FROM tasks WHERE offer_at IS NOT NULL AND offer_at <= ? ORDER BY priority DESC, submitted_at, id LIMIT ? OFFSET ?"
                    + work.dialect.skipLocked,
                [.integer(params.now.millisecondsSinceEpoch), .integer(Int64(pageSize)), .integer(Int64(offset))])
            offset += rows.count
            work.reserveTasks(rows.count)
            for row in rows {
                guard leases.count < params.maxTasks, let node = try work.node(params.node), node.isOnline,
                    node.freeSlots > 0
                else { break pages }
                let task = work.adopt(try TaskRecordCodec.decode(try row.blob(0)))
                guard
                    try offerDecision(task, to: node, now: params.now, work: work, others: &others)
                else { continue }
                if let lease = try grant(task, to: node, now: params.now, work: work) { leases.append(lease) }
            }
            if rows.count < pageSize { break }
        }
        return leases
    }

    /// Up to `fairShareSubmitters` submitters with queued work (a loose index scan over
    /// `tasks_fair`), and from each the first share of its queue. Empty when only one
    /// submitter has queued work: then the plain order is already fair.
    func fairShareCandidates(_ params: LeaseParams, work: UnitOfWork) throws(StoreError) -> [StoredTask] {
        let heads = try work.query(
            """
            WITH RECURSIVE heads(submitter) AS (
              SELECT MIN(submitter) FROM tasks WHERE offer_at IS NOT NULL
              UNION ALL
              SELECT (SELECT MIN(t.submitter) FROM tasks t WHERE t.offer_at IS NOT NULL AND t.submitter > heads.submitter)
              FROM heads WHERE heads.submitter IS NOT NULL
            )
            SELECT submitter FROM heads WHERE submitter IS NOT NULL LIMIT ?
            """, [.integer(Int64(Self.fairShareSubmitters))]
        ).map { (row) throws(StoreError) in try row.text(0) }
        guard heads.count > 1 else { return [] }
        let share = max(1, (params.maxTasks + heads.count - 1) / heads.count)
        var ranked: [(task: StoredTask, rank: Int)] = []
        for submitter in heads {
            let rows = try work.query(
                "SELECT record FROM tasks WHERE submitter = ? AND offer_at IS NOT NULL AND offer_at <= ?"
                    + " ORDER BY priority DESC, submitted_at, id LIMIT ?" + work.dialect.skipLocked,
                [.text(submitter), .integer(params.now.millisecondsSinceEpoch), .integer(Int64(share))])
            for (rank, row) in rows.enumerated() {
                ranked.append((work.adopt(try TaskRecordCodec.decode(try row.blob(0))), rank))
            }
        }
        return ranked.sorted { lhs, rhs in
            let (left, right) = (lhs.task, rhs.task)
            if left.spec.priority != right.spec.priority { return left.spec.priority > right.spec.priority }
            if lhs.rank != rhs.rank { return lhs.rank < rhs.rank }
            if left.submittedAt != right.submittedAt { return left.submittedAt < right.submittedAt }
            return left.id < right.id
        }.map(\.task)
    }

    static let fairShareSubmitters = 16

    func offerDecision(_ task: StoredTask, to node: Node, now: Instant, work: UnitOfWork, others: inout [Node]?)
        throws(StoreError) -> Bool
    {
        guard !task.state.isTerminal, task.state != .pending, task.hasOpenSlot(at: now) else { return false }
        let swarm = try work.swarm(task.spec.swarmID, lock: false)
        guard Eligibility.check(node, for: task.spec.requirements, in: swarm).isEligible else { return false }
        if Self.holdsReplica(task, node: node) { return false }
        if task.avoidNodes.contains(node.id) {
            if others == nil { others = try work.otherOnlineNodes(except: node.id) }
            let anotherCould = (others ?? []).contains { other in
                !task.avoidNodes.contains(other.id)
                    && Eligibility.check(other, for: task.spec.requirements, in: swarm).isEligible
                    && !Self.holdsReplica(task, node: other)
            }
            if anotherCould { return false }
        }
        return true
    }

    /// Whether the node, or another node of its operator, holds or has reported a replica.
    static func holdsReplica(_ task: StoredTask, node: Node) -> Bool {
        for slot in task.slots {
            let number: Int
            switch slot.state {
            case .active(let n), .reported(let n): number = n
            case .open, .exhausted: continue
            }
            if let attempt = task.attempt(number), attempt.nodeID == node.id || attempt.operatorID == node.operatorID {
                return true
            }
        }
        return false
    }

    /// As `Scheduler.grant`: the attempt and its lease row, adaptive replication on a
    /// replicated task's first lease, the node's slot taken.
    func grant(_ claimed: StoredTask, to node: Node, now: Instant, work: UnitOfWork) throws(StoreError)
        -> GrantedLease?
    {
        var task = claimed
        guard
            let slotIndex = task.slots.indices.filter({
                if case .open(let notBefore) = task.slots[$0].state { notBefore <= now } else { false }
            }).min(by: { task.slots[$0].attemptsUsed < task.slots[$1].attemptsUsed })
        else { return nil }
        let redundancy = task.spec.redundancy
        if task.attempts.isEmpty && redundancy.replicas > 1 && redundancy.adaptive {
            if configuration.adaptive.decide(for: node.reputation, using: &work.random) == .runAlone {
                task.runningAlone = true
                task.slots = [task.slots[slotIndex]]
            }
        }
        let slot = task.runningAlone && task.slots.count == 1 ? 0 : slotIndex
        let leaseID = LeaseID(work.newID("lease"))
        let number = task.attempts.count + 1
        let deadline = TimeoutRules.initialDeadline(leaseTime: now, timeouts: task.spec.timeouts)
        task.attempts.append(
            Attempt(
                number: number, replica: slot, leaseID: leaseID, nodeID: node.id, operatorID: node.operatorID,
                leaseTime: now, deadline: deadline))
        task.slots[slot].state = .active(attempt: number)
        task.slots[slot].attemptsUsed += 1
        task.everLeased = true
        if task.state == .ready { task.state = .leased }
        work.put(task)
        var updatedNode = node
        updatedNode.activeLeases += 1
        work.put(updatedNode)
        try work.insertLease(leaseID, task: task.id, attempt: number, node: node.id, deadline: deadline)

        var parentOutputs: [StoredParentOutput] = []
        if task.attachParentOutputs {
            for (name, parentID) in task.parentsByName.sorted(by: { $0.key < $1.key }) {
                let output = try work.task(parentID, lock: false)?.canonicalOutput ?? []
                parentOutputs.append(StoredParentOutput(name: name, taskID: parentID, output: output))
            }
        }
        var input: [UInt8]?
        if let from = task.inputFrom, let parentID = task.parentsByName[from] {
            input = try work.task(parentID, lock: false)?.canonicalOutput
        }
        let maxPayment = min(
            task.escrowMicros,
            configuration.pricing.attemptPrice(
                of: task.spec, duration: task.spec.timeouts.startToClose, hourlyRateMicros: node.hourlyRateMicros))
        return GrantedLease(
            id: leaseID, taskID: task.id, attemptNumber: number, replica: slot, nodeID: node.id, leaseTime: now,
            deadline: deadline, prompt: task.renderedPrompt ?? task.spec.prompt, input: input,
            parentOutputs: parentOutputs, maxPaymentMicros: maxPayment, spec: task.spec, dagID: task.dagID,
            hourlyRateMicros: node.hourlyRateMicros)
    }
}
