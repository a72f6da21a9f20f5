extension Scheduler {
    /// Ends a task for `reason`: stops the attempts still held, settles its escrow, and
    /// propagates along the DAG (children become ready on success; every open descendant
    /// ends `upstreamFailed` otherwise).
    mutating func endTask(_ id: TaskID, reason: TaskEndReason, now: Instant) -> [SchedulerEvent] {
        var events = finish(id, reason: reason, now: now)
        if reason == .completed {
            for child in graph.succeeded(id) { events += makeReady(child, now: now) }
        } else {
            let doomed = graph.descendants(of: id) { tasks[$0].map { !$0.state.isTerminal } ?? false }
            for child in doomed { events += finish(child, reason: .upstreamFailed, now: now) }
        }
        return events
    }

    /// The terminal transition of one task, without DAG propagation.
    private mutating func finish(_ id: TaskID, reason: TaskEndReason, now: Instant) -> [SchedulerEvent] {
        guard let current = tasks[id], !current.state.isTerminal else { return [] }
        var events: [SchedulerEvent] = []
        for attempt in current.activeAttempts {
            let ref = LeaseRef(task: id, attempt: attempt.number)
            release(attempt.leaseID, ref: ref, state: .cancelled, now: now)
            if reason == .completed { stoppedAtQuorum[attempt.leaseID] = ref }
            events.append(.attemptCancelled(id, attempt: attempt.number, attempt.nodeID))
        }
        guard var task = tasks[id] else { return events }
        for index in task.attempts.indices
        where task.attempts[index].state == .completed && task.attempts[index].verdict == .pending {
            task.attempts[index].verdict = reason == .completed ? .late : .pending
        }
        task.state = reason.terminalState
        task.endReason = reason
        task.endedAt = now

        // Settlement: validated attempts are paid, canonical first; the rest goes back.
        let settlement: Settlement
        if reason == .completed {
            let validated = Settlement.payableAttempts(task.attempts, canonical: task.canonicalAttempt)
            let prices = validated.map { attempt in
                let node = nodes[attempt.nodeID]
                return (
                    account: node?.accountID ?? AccountID(attempt.nodeID.rawValue),
                    amountMicros: configuration.pricing.attemptPrice(
                        of: task.spec, duration: Self.billedDuration(attempt),
                        hourlyRateMicros: node?.hourlyRateMicros ?? 0)
                )
            }
            settlement = Settlement.success(escrowMicros: task.escrowMicros, prices: prices)
            // The same capping as `Settlement.success`, recorded per attempt.
            var left = task.escrowMicros
            for (attempt, price) in zip(validated, prices) {
                let share = min(left, max(0, price.amountMicros))
                task.attempts[attempt.number - 1].paidMicros = share
                left -= share
            }
        } else {
            settlement = Settlement.refund(escrowMicros: task.escrowMicros)
        }
        var paid: Int64 = 0
        for payment in settlement.payments {
            if let transaction = try? ledger.post(
                .payment, from: Ledger.escrow, to: payment.account, amount: payment.amountMicros, reference: id.rawValue
            ) {
                events.append(.posted(transaction))
                paid += payment.amountMicros
            }
        }
        var refunded: Int64 = 0
        if settlement.refundMicros > 0,
            let transaction = try? ledger.post(
                .refund, from: Ledger.escrow, to: task.accountID, amount: settlement.refundMicros,
                reference: id.rawValue)
        {
            events.append(.posted(transaction))
            refunded = settlement.refundMicros
        }
        swarms[task.spec.swarmID]?.escrowedMicros -= task.escrowMicros
        swarms[task.spec.swarmID]?.spentMicros += paid
        task.paidMicros += paid
        task.refundedMicros += refunded
        task.escrowMicros -= paid + refunded
        tasks[id] = task
        events.append(.taskEnded(id, task.state, reason))
        return events
    }

    /// The run time an attempt is paid for: what the node reports, but never more than
    /// the coordinator saw pass between lease and result, so a node cannot bill time it
    /// did not hold the lease.
    static func billedDuration(_ attempt: Attempt) -> Duration {
        let reported = attempt.result?.duration ?? .zero
        let observed = (attempt.endTime ?? attempt.leaseTime) - attempt.leaseTime
        return max(.zero, min(reported, observed))
    }
}
