import SwarmCore

/// Operators' changes to their nodes: new capabilities and prices, drains, earnings.
extension DurableStore {
    public func updateNode(_ id: NodeID, capabilities: NodeCapabilities, hourlyRateMicros: Int64, profile: [UInt8])
        throws(StoreError) -> Node
    {
        try write { (work) throws(StoreError) -> Node in
            guard var node = try work.node(id) else {
                throw StoreError(.unknownNode, "node \(id) is not registered")
            }
            node.capabilities = capabilities
            node.hourlyRateMicros = hourlyRateMicros
            work.put(node)
            _ = try work.query(
                "UPDATE node_identities SET profile = ? WHERE node_id = ?", [.blob(profile), .text(id.rawValue)])
            return node
        }
    }

    public func drainNode(_ id: NodeID, reason: String, handBack: Bool, now: Instant) throws(StoreError)
        -> DrainOutcome
    {
        try write { (work) throws(StoreError) -> DrainOutcome in
            guard var node = try work.node(id) else {
                throw StoreError(.unknownNode, "node \(id) is not registered")
            }
            node.drainReason = reason
            work.put(node)
            var released: [TaskID] = []
            var retryAt: Instant?
            if handBack {
                // As a node going offline, but the node is not at fault: the attempts
                // fail as `nodeShuttingDown`, which spends no attempt of the retry policy.
                let held = try work.query(
                    "SELECT task_id, attempt FROM leases WHERE node_id = ? AND active = 1 ORDER BY id",
                    [.text(id.rawValue)])
                for row in held {
                    let taskID = TaskID(try row.text(0))
                    guard let task = try work.task(taskID), let attempt = task.attempt(Int(try row.int(1))),
                        attempt.isActive
                    else { continue }
                    let outcome = try attemptFailed(
                        attempt, taskID: taskID, kind: .nodeShuttingDown, state: .failed, now: now, work: work)
                    released.append(taskID)
                    if let next = outcome.retryNotBefore { retryAt = min(retryAt ?? next, next) }
                }
            }
            guard let after = try work.node(id) else { throw StoreError(.unknownNode, "node \(id) vanished") }
            return DrainOutcome(node: after, released: released, retryNotBefore: retryAt)
        }
    }

    public func earnings(of account: AccountID, since: Instant) throws(StoreError) -> Earnings {
        let payment = StoredEnums.name(TransactionType.payment)
        return try read { (work) throws(StoreError) -> Earnings in
            let join = """
                FROM postings p JOIN ledger_transactions t ON t.seq = p.transaction_seq
                WHERE \(LedgerSQL.postingsOf(account, column: "p.account_id")) AND t.type = ? AND p.amount_micros > 0
                """
            let total =
                try work.query(
                    "SELECT COALESCE(SUM(p.amount_micros), 0) " + join, [.text(account.rawValue), .text(payment)]
                ).first?.int(0) ?? 0
            let recent = try work.query(
                "SELECT t.at_ms, p.amount_micros " + join + " AND t.at_ms >= ? ORDER BY t.seq",
                [.text(account.rawValue), .text(payment), .integer(since.millisecondsSinceEpoch)]
            ).map { (row) throws(StoreError) in
                Earnings.Payment(
                    at: Instant(millisecondsSinceEpoch: try row.int(0)), amountMicros: try row.int(1))
            }
            return Earnings(totalMicros: total, recent: recent)
        }
    }
}
