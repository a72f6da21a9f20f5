extension Scheduler {
    /// Submits a DAG paid by `account` on behalf of `submitter`: validates it, escrows the
    /// sum of its tasks' maximum costs, and creates its tasks (roots ready, others pending).
    ///
    /// Refused, changing nothing, when the DAG is invalid, the swarm unknown, the account's
    /// balance short or the swarm's token budget short.
    public mutating func submit(
        _ submission: DagSubmission, submitter: PrincipalID, account: AccountID, now: Instant
    ) throws(SubmissionError) -> (dag: DagID, tasks: [TaskID], events: [SchedulerEvent]) {
        guard var swarm = swarms[submission.swarmID] else {
            throw SubmissionError(
                .unknownSwarm,
                "swarm \"\(submission.swarmID)\" does not exist; create it first or submit to an existing swarm")
        }
        let plan: ExecutionPlan
        do {
            plan = try DagPlanner(limits: configuration.limits, pricing: configuration.pricing).plan(submission)
        } catch {
            throw SubmissionError(.invalidDag, error.message, dagError: error)
        }
        let cost = plan.estimatedCostMicros
        let balance = ledger.balance(of: account)
        guard balance >= cost else {
            throw SubmissionError(
                .insufficientBalance,
                "account \(account) holds \(balance) micro-tokens but the submission's maximum cost is \(cost); add funds or lower max_cost_micros"
            )
        }
        if let remaining = swarm.remainingBudgetMicros, remaining < cost {
            throw SubmissionError(
                .swarmBudgetExceeded,
                "swarm \"\(swarm.id)\" has \(remaining) micro-tokens of budget left but the submission's maximum cost is \(cost); raise the swarm's token budget"
            )
        }

        var events: [SchedulerEvent] = []
        dagCounter += 1
        let dagID = DagID("dag-\(dagCounter)")
        if cost > 0 {
            do {
                events.append(
                    .posted(
                        try ledger.post(
                            .escrow, from: account, to: Ledger.escrow, amount: cost, reference: dagID.rawValue)))
            } catch {
                throw SubmissionError(.insufficientBalance, error.message)
            }
        }
        swarm.escrowedMicros += cost
        swarms[swarm.id] = swarm

        var ids: [TaskID] = []
        ids.reserveCapacity(plan.tasks.count)
        for _ in plan.tasks {
            taskCounter += 1
            ids.append(TaskID("task-\(taskCounter)"))
        }
        for index in plan.topologicalOrder {
            let planned = plan.tasks[index]
            let id = ids[index]
            var parentsByName: [String: TaskID] = [:]
            for parent in planned.parents { parentsByName[plan.tasks[parent].name] = ids[parent] }
            let redundancy = planned.spec.redundancy
            let task = SwarmTask(
                id: id, name: planned.name, dagID: dagID, spec: planned.spec, template: planned.template,
                inputFrom: planned.inputFrom,
                attachParentOutputs: planned.attachParentOutputs, parentsByName: parentsByName, submitter: submitter,
                accountID: account,
                state: .pending, endReason: nil, submittedAt: now, readyAt: nil, endedAt: nil, renderedPrompt: nil,
                slots: Array(repeating: ReplicaSlot(state: .open(notBefore: now)), count: redundancy.replicas),
                attempts: [],
                avoidNodes: [], runningAlone: false, everLeased: false, escrowMicros: planned.maxCostMicros,
                paidMicros: 0,
                refundedMicros: 0, canonicalAttempt: nil)
            tasks[id] = task
            graph.add(id, parents: planned.parents.map { ids[$0] })
            events.append(.taskSubmitted(id, planned.initialState))
            scheduleTaskDeadline(id)
            if planned.initialState == .ready {
                events += makeReady(id, now: now)
            }
        }
        return (dagID, ids, events)
    }

    /// Submits one task (a DAG of one).
    public mutating func submit(
        _ spec: TaskSpec, submitter: PrincipalID, account: AccountID, now: Instant
    ) throws(SubmissionError) -> (task: TaskID, events: [SchedulerEvent]) {
        let result = try submit(
            DagSubmission(swarmID: spec.swarmID, tasks: [DagTaskSpec(name: "task", spec: spec)]), submitter: submitter,
            account: account, now: now)
        return (result.tasks[0], result.events)
    }

    /// A pending task whose parents all succeeded: fill its placeholders and queue it.
    /// A placeholder that cannot be filled fails it with a non-retryable error.
    mutating func makeReady(_ id: TaskID, now: Instant) -> [SchedulerEvent] {
        guard var task = tasks[id], task.state == .pending else { return [] }
        let rendered = task.template.render { name in
            guard let parentID = task.parentsByName[name], let output = tasks[parentID]?.canonicalOutput else {
                return nil
            }
            return (output, parentID)
        }
        switch rendered {
        case .success(let prompt):
            task.renderedPrompt = prompt
            task.state = .ready
            task.readyAt = now
            for index in task.slots.indices { task.slots[index].state = .open(notBefore: now) }
            tasks[id] = task
            scheduleTaskDeadline(id)
            offer(id, now: now)
            return [.taskReady(id)]
        case .failure:
            tasks[id] = task
            return endTask(id, reason: .nonRetryableError, now: now)
        }
    }
}
