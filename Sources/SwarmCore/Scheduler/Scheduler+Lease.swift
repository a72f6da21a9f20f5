extension Scheduler {
    /// A node asks for up to `maxTasks` attempts (its long-poll). Tasks are offered in
    /// `FairShareQueue` order; the node takes a task when it is eligible (`Eligibility`),
    /// holds no replica of it and its operator holds none either (distinct nodes and
    /// operators), and, for a retry, when no other eligible node is free (a retried task
    /// prefers a different node). The first lease of a replicated task may let a trusted
    /// node run it alone (`AdaptiveReplication`).
    public mutating func lease(
        node nodeID: NodeID, maxTasks: Int, now: Instant, using random: inout some RandomNumberGenerator
    ) -> (leases: [Lease], events: [SchedulerEvent]) {
        promoteDelayed(now: now)
        var leases: [Lease] = []
        var events: [SchedulerEvent] = []
        while leases.count < maxTasks, let node = nodes[nodeID], node.isOnline, node.freeSlots > 0 {
            // The queue is moved out while it asks `offerDecision`, which reads `self`.
            var pending = FairShareQueue()
            swap(&pending, &queue)
            let offered = pending.next(
                serving: { swarm, requirementClass in
                    self.requirementsByClass.indices.contains(requirementClass)
                        && Eligibility.check(
                            node, for: self.requirementsByClass[requirementClass], in: self.swarms[swarm]
                        )
                        .isEligible
                },
                { id in self.offerDecision(id, to: node, now: now) })
            swap(&pending, &queue)
            guard let id = offered else { break }
            let (lease, leaseEvents) = grant(id, to: node, now: now, using: &random)
            events += leaseEvents
            if let lease { leases.append(lease) }
        }
        return (leases, events)
    }

    func offerDecision(_ id: TaskID, to node: Node, now: Instant) -> FairShareQueue.Offer {
        guard let task = tasks[id], !task.state.isTerminal, task.state != .pending else { return .discard }
        guard task.hasOpenSlot(at: now) else { return task.earliestOpenSlot == nil ? .discard : .skip }
        guard Eligibility.check(node, for: task.spec.requirements, in: swarms[task.spec.swarmID]).isEligible else {
            return .skip
        }
        if holdsReplica(task, node: node) { return .skip }
        if task.avoidNodes.contains(node.id) && anotherNodeCouldTake(task, besides: node.id) { return .skip }
        return .take
    }

    /// Whether the node, or another node of its operator, holds or has reported a replica.
    func holdsReplica(_ task: SwarmTask, node: Node) -> Bool {
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

    func anotherNodeCouldTake(_ task: SwarmTask, besides nodeID: NodeID) -> Bool {
        let swarm = swarms[task.spec.swarmID]
        return nodes.values.contains { other in
            other.id != nodeID && !task.avoidNodes.contains(other.id)
                && Eligibility.check(other, for: task.spec.requirements, in: swarm).isEligible
                && !holdsReplica(task, node: other)
        }
    }

    /// Creates the attempt and lease for a task the queue handed to `node`.
    mutating func grant(_ id: TaskID, to node: Node, now: Instant, using random: inout some RandomNumberGenerator) -> (
        Lease?, [SchedulerEvent]
    ) {
        guard var task = tasks[id] else { return (nil, []) }
        var events: [SchedulerEvent] = []
        guard
            let slotIndex = task.slots.indices.filter({
                if case .open(let notBefore) = task.slots[$0].state { notBefore <= now } else { false }
            }).min(by: { task.slots[$0].attemptsUsed < task.slots[$1].attemptsUsed })
        else { return (nil, []) }

        let redundancy = task.spec.redundancy
        if task.attempts.isEmpty && redundancy.replicas > 1 && redundancy.adaptive {
            if configuration.adaptive.decide(for: node.reputation, using: &random) == .runAlone {
                task.runningAlone = true
                task.slots = [task.slots[slotIndex]]
                events.append(.ranAlone(id, node.id))
            }
        }
        let slot = task.runningAlone && task.slots.count == 1 ? 0 : slotIndex

        leaseCounter += 1
        let leaseID = LeaseID("lease-\(leaseCounter)")
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
        tasks[id] = task
        nodes[node.id]?.activeLeases += 1
        activeLeases[leaseID] = LeaseRef(task: id, attempt: number)
        leaseDeadlines.insert(Timed(at: deadline, sequence: nextSequence(), value: leaseID))
        if task.hasOpenSlot(at: now) || task.earliestOpenSlot != nil { offer(id, now: now) }

        var parentOutputs: [ParentOutput] = []
        if task.attachParentOutputs {
            for (name, parentID) in task.parentsByName.sorted(by: { $0.key < $1.key }) {
                parentOutputs.append(
                    ParentOutput(name: name, taskID: parentID, output: tasks[parentID]?.canonicalOutput ?? []))
            }
        }
        let input = task.inputFrom.flatMap { task.parentsByName[$0] }.flatMap { tasks[$0]?.canonicalOutput }
        let maxPayment = min(
            task.escrowMicros,
            configuration.pricing.attemptPrice(
                of: task.spec, duration: task.spec.timeouts.startToClose, hourlyRateMicros: node.hourlyRateMicros))
        let lease = Lease(
            id: leaseID, taskID: id, attemptNumber: number, replica: slot, nodeID: node.id, leaseTime: now,
            deadline: deadline,
            prompt: task.renderedPrompt ?? task.spec.prompt, input: input, parentOutputs: parentOutputs,
            maxPaymentMicros: maxPayment)
        events.append(.attemptLeased(lease))
        return (lease, events)
    }
}
