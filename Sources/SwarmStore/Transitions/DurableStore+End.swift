import SwarmCore

extension DurableStore {
    /// As `Scheduler.endTask`: ends the task, settles it, and propagates along the DAG
    /// (children whose parents all succeeded become ready; every open descendant of a
    /// task that did not succeed ends `upstreamFailed`, refunded).
    func endTask(
        _ id: TaskID, reason: TaskEndReason, work: UnitOfWork, now: Instant, ended: inout [TaskID],
        readied: inout [TaskID]
    ) throws(StoreError) {
        try finish(id, reason: reason, work: work, now: now, ended: &ended)
        if reason == .completed {
            for child in try work.children(of: id) {
                try makeReady(child, work: work, now: now, ended: &ended, readied: &readied)
            }
        } else {
            var seen: Set<TaskID> = [id]
            var queue = try work.children(of: id)
            var head = 0
            while head < queue.count {
                let next = queue[head]
                head += 1
                guard seen.insert(next).inserted else { continue }
                if let task = try work.task(next), !task.state.isTerminal {
                    try finish(next, reason: .upstreamFailed, work: work, now: now, ended: &ended)
                }
                queue += try work.children(of: next)
            }
        }
    }

    /// As `Scheduler.finish`: the terminal transition of one task. Stops attempts still
    /// held, then settles its escrow with `Settlement` (validated attempts paid, canonical
    /// first, at `PriceModel.attemptPrice` for their billed time or at the spec's fixed
    /// price; the rest refunded).
    func finish(_ id: TaskID, reason: TaskEndReason, work: UnitOfWork, now: Instant, ended: inout [TaskID])
        throws(StoreError)
    {
        guard let current = try work.task(id), !current.state.isTerminal else { return }
        for attempt in current.activeAttempts {
            try releaseAttempt(attempt, of: attempt.leaseID, taskID: id, state: .cancelled, now: now, work: work)
        }
        // The terminal state, then the settlement from what it leaves, then the amounts
        // paid, each changed in place (`UnitOfWork.update`): no copy of the attempts.
        let ending = try work.update(id) { (task) throws(StoreError) -> Ending in
            for index in task.attempts.indices
            where task.attempts[index].state == .completed && task.attempts[index].verdict == .pending {
                task.attempts[index].verdict = reason == .completed ? .late : .pending
            }
            task.state = reason.terminalState
            task.endReason = reason
            task.endedAt = now
            let validated =
                reason == .completed ? Settlement.payableAttempts(task.attempts, canonical: task.canonicalAttempt) : []
            return Ending(
                validated: validated, escrowMicros: task.escrowMicros, accountID: task.accountID,
                swarmID: task.spec.swarmID, fixedPriceMicros: task.spec.fixedPriceMicros)
        }
        guard let ending else { return }

        let settlement: Settlement
        var shares: [(attempt: Int, micros: Int64)] = []
        if reason == .completed {
            var prices: [(account: AccountID, amountMicros: Int64)] = []
            for attempt in ending.validated {
                let node = try work.node(attempt.nodeID)
                prices.append(
                    (
                        account: node?.accountID ?? AccountID(attempt.nodeID.rawValue),
                        amountMicros: ending.fixedPriceMicros
                            ?? configuration.pricing.attemptPrice(
                                duration: Self.billedDuration(attempt), hourlyRateMicros: node?.hourlyRateMicros ?? 0)
                    ))
            }
            settlement = Settlement.success(escrowMicros: ending.escrowMicros, prices: prices)
            var left = ending.escrowMicros
            for (attempt, price) in zip(ending.validated, prices) {
                let share = min(left, max(0, price.amountMicros))
                shares.append((attempt.number, share))
                left -= share
            }
        } else {
            settlement = Settlement.refund(escrowMicros: ending.escrowMicros)
        }
        var paid: Int64 = 0
        for payment in settlement.payments {
            try work.post(
                .payment, from: Ledger.escrow, to: payment.account, amount: payment.amountMicros,
                reference: id.rawValue,
                now: now, toKind: "operator")
            paid += payment.amountMicros
        }
        var refunded: Int64 = 0
        if settlement.refundMicros > 0 {
            try work.post(
                .refund, from: Ledger.escrow, to: ending.accountID, amount: settlement.refundMicros,
                reference: id.rawValue,
                now: now)
            refunded = settlement.refundMicros
        }
        work.adjustSwarm(ending.swarmID, escrowedBy: -ending.escrowMicros, spentBy: paid)
        _ = try work.update(id) { (task) throws(StoreError) in
            for share in shares { task.attempts[share.attempt - 1].paidMicros = share.micros }
            task.paidMicros += paid
            task.refundedMicros += refunded
            task.escrowMicros -= paid + refunded
        }
        ended.append(id)
    }

    /// As `Scheduler.billedDuration`: what the node reports, never more than the
    /// coordinator saw pass between lease and result.
    static func billedDuration(_ attempt: Attempt) -> Duration {
        let reported = attempt.result?.duration ?? .zero
        let observed = (attempt.endTime ?? attempt.leaseTime) - attempt.leaseTime
        return max(.zero, min(reported, observed))
    }
}

/// What settling an ended task needs from it.
private struct Ending {
    /// Validated attempts, the canonical one first.
    var validated: [Attempt]
    var escrowMicros: Int64
    var accountID: AccountID
    var swarmID: SwarmID
    var fixedPriceMicros: Int64?
}
