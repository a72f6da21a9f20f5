import SwarmCore

extension DurableStore {
    /// As `Scheduler.submit`: plan with `DagPlanner`, check balance and swarm budget,
    /// escrow the maximum cost, create the tasks (roots ready, others pending) and their
    /// edges. Refused, changing nothing, with `invalidDag`, `unknownSwarm`,
    /// `unknownAccount`, `insufficientFunds`, `swarmBudgetExceeded`, or `alreadyExists`
    /// when the caller chose a DAG id (`SubmitParams.dagID`) that was submitted before.
    public func submit(_ params: SubmitParams) throws(StoreError) -> SubmitOutcome {
        let plan: ExecutionPlan
        do {
            plan = try DagPlanner(limits: configuration.limits, pricing: configuration.pricing).plan(params.submission)
        } catch {
            throw StoreError(.invalidDag, error.message)
        }
        return try write { (work) throws(StoreError) -> SubmitOutcome in
            if let chosen = params.dagID {
                // Claimed first: two submissions of one id conflict on this key (on
                // PostgreSQL the second waits for the first to commit), never on the
                // task rows, which are upserts.
                do throws(StoreError) {
                    _ = try work.query(
                        "INSERT INTO submission_keys (dag_id, submitter, created_at_ms) VALUES (?, ?, ?)",
                        [
                            .text(chosen.rawValue), .text(params.submitter.rawValue),
                            .integer(params.now.millisecondsSinceEpoch),
                        ])
                } catch {
                    guard error.code == .alreadyExists else { throw error }
                    throw StoreError(.alreadyExists, "DAG \(chosen) was submitted before")
                }
            }
            let swarmID = params.submission.swarmID
            // The swarm row is the hottest row (every settlement changes it). Only a
            // swarm with a budget is read under its lock, for the budget check; an
            // unlimited one gets its escrow as a relative update at flush, so that a
            // submission holds the row for the moment of its commit, not its whole run.
            guard let unlocked = try work.swarm(swarmID, lock: false) else {
                throw StoreError(
                    .unknownSwarm, "swarm \"\(swarmID)\" does not exist; create it first or submit to an existing swarm"
                )
            }
            let limited = unlocked.tokenBudgetMicros > 0
            let swarm = limited ? (try work.swarm(swarmID) ?? unlocked) : unlocked
            let cost = plan.estimatedCostMicros
            // Read without the row lock: `post` debits it with a guarded update at flush.
            guard let balance = try work.balance(of: params.account, lock: false) else {
                throw StoreError(
                    .unknownAccount, "account \(params.account) does not exist; create it or mint to it first")
            }
            guard balance >= cost else {
                throw StoreError(
                    .insufficientFunds,
                    "account \(params.account) holds \(balance) micro-tokens but the submission's maximum cost is \(cost); add funds or lower max_cost_micros"
                )
            }
            if let remaining = swarm.remainingBudgetMicros, remaining < cost {
                throw StoreError(
                    .swarmBudgetExceeded,
                    "swarm \"\(swarm.id)\" has \(remaining) micro-tokens of budget left but the submission's maximum cost is \(cost); raise the swarm's token budget"
                )
            }
            let dagID = params.dagID ?? DagID(work.newID("dag"))
            if cost > 0 {
                try work.post(
                    .escrow, from: params.account, to: Ledger.escrow, amount: cost, reference: dagID.rawValue,
                    now: params.now)
            }
            work.adjustSwarm(swarmID, escrowedBy: cost, spentBy: 0)

            let ids = plan.tasks.indices.map { TaskID("\(dagID.rawValue).\($0)") }
            work.reserveTasks(ids.count)
            for index in plan.topologicalOrder {
                let planned = plan.tasks[index]
                var parentsByName: [String: TaskID] = [:]
                for parent in planned.parents {
                    parentsByName[plan.tasks[parent].name] = ids[parent]
                    _ = try work.query(
                        "INSERT INTO task_edges (parent_id, child_id) VALUES (?, ?)",
                        [.text(ids[parent].rawValue), .text(ids[index].rawValue)])
                }
                let task = StoredTask(
                    id: ids[index], name: planned.name, dagID: dagID, spec: planned.spec, inputFrom: planned.inputFrom,
                    attachParentOutputs: planned.attachParentOutputs, parentsByName: parentsByName,
                    submitter: params.submitter, accountID: params.account, state: .pending, endReason: nil,
                    submittedAt: params.now, readyAt: nil, endedAt: nil, renderedPrompt: nil,
                    slots: Array(
                        repeating: ReplicaSlot(state: .open(notBefore: params.now)),
                        count: planned.spec.redundancy.replicas),
                    attempts: [], avoidNodes: [], runningAlone: false, everLeased: false,
                    escrowMicros: planned.maxCostMicros, paidMicros: 0, refundedMicros: 0, canonicalAttempt: nil)
                if planned.initialState == .ready, parentsByName.isEmpty {
                    // A root (the planner's `.ready`): rendered and opened before it
                    // goes into the unit of work, one copy instead of three.
                    var ended: [TaskID] = []
                    var readied: [TaskID] = []
                    try makeReady(task, work: work, now: params.now, ended: &ended, readied: &readied)
                } else {
                    work.put(task)
                }
            }
            return SubmitOutcome(dagID: dagID, taskIDs: ids, escrowedMicros: cost)
        }
    }

    /// As `Scheduler.makeReady`: a pending task whose parents all succeeded gets its
    /// placeholders filled and opens its slots; a placeholder that cannot be filled fails
    /// it as a non-retryable error.
    func makeReady(
        _ id: TaskID, work: UnitOfWork, now: Instant, ended: inout [TaskID], readied: inout [TaskID]
    ) throws(StoreError) {
        guard let task = try work.task(id), task.state == .pending else { return }
        try makeReady(task, work: work, now: now, ended: &ended, readied: &readied)
    }

    /// `makeReady` of a pending task already in hand: read, or a root just built by a
    /// submission. It goes into the unit of work only if it becomes ready (or fails):
    /// a task with an unfinished parent is left as it was, so a new one must have none.
    func makeReady(
        _ pending: StoredTask, work: UnitOfWork, now: Instant, ended: inout [TaskID], readied: inout [TaskID]
    ) throws(StoreError) {
        var task = pending
        let id = task.id
        var outputs: [String: (output: [UInt8], taskID: TaskID)] = [:]
        for (name, parentID) in task.parentsByName {
            guard let parent = try work.task(parentID, lock: false), parent.state == .succeeded else { return }
            if let output = parent.canonicalOutput { outputs[name] = (output, parentID) }
        }
        let template: PromptTemplate
        do {
            template = try PromptTemplate(parsing: task.spec.prompt)
        } catch {
            throw StoreError.corrupt("task \(id) has an unparsable prompt")
        }
        switch template.render(parentOutput: { outputs[$0] }) {
        case .success(let prompt):
            task.renderedPrompt = prompt
            task.state = .ready
            task.readyAt = now
            for index in task.slots.indices { task.slots[index].state = .open(notBefore: now) }
            work.put(task)
            readied.append(id)
        case .failure:
            work.put(task)
            try endTask(id, reason: .nonRetryableError, work: work, now: now, ended: &ended, readied: &readied)
        }
    }
}
