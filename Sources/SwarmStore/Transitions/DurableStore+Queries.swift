import SwarmCore

extension DurableStore {
    public func task(_ id: TaskID) throws(StoreError) -> StoredTask {
        try read { (work) throws(StoreError) -> StoredTask in
            guard let task = try work.task(id, lock: false) else {
                throw StoreError(.unknownTask, "task \(id) does not exist")
            }
            return task
        }
    }

    public func tasks(inDag dag: DagID) throws(StoreError) -> [StoredTask] {
        try read { (work) throws(StoreError) -> [StoredTask] in
            try work.query("SELECT record FROM tasks WHERE dag_id = ? ORDER BY id", [.text(dag.rawValue)])
                .map { (row) throws(StoreError) in try TaskRecordCodec.decode(try row.blob(0)) }
        }
    }

    public func node(_ id: NodeID) throws(StoreError) -> Node {
        try read { (work) throws(StoreError) -> Node in
            guard let node = try work.node(id) else { throw StoreError(.unknownNode, "node \(id) is not registered") }
            return node
        }
    }

    public func swarm(_ id: SwarmID) throws(StoreError) -> SwarmPolicy {
        try read { (work) throws(StoreError) -> SwarmPolicy in
            guard let swarm = try work.swarm(id) else {
                throw StoreError(.unknownSwarm, "swarm \"\(id)\" does not exist")
            }
            return swarm
        }
    }

    public func balance(of account: AccountID) throws(StoreError) -> Int64 {
        try read { (work) throws(StoreError) -> Int64 in
            guard let balance = try work.balance(of: account) else {
                throw StoreError(.unknownAccount, "account \(account) does not exist")
            }
            return balance
        }
    }

    public func ledgerEntries(reference: String?) throws(StoreError) -> [LedgerEntry] {
        try read { (work) throws(StoreError) -> [LedgerEntry] in
            let filter = reference == nil ? "" : " WHERE t.reference = ?"
            let rows = try work.query(
                "SELECT t.seq, t.id, t.type, t.reference, p.account_id, p.amount_micros FROM ledger_transactions t JOIN postings p ON p.transaction_seq = t.seq"
                    + filter + " ORDER BY t.seq, p.leg",
                reference.map { [.text($0)] } ?? [])
            return try Self.ledgerEntries(rows)
        }
    }

    /// Groups `seq, id, type, reference, account_id, amount_micros` rows, ordered by
    /// transaction and leg, into whole transactions.
    static func ledgerEntries(_ rows: [SQLRow]) throws(StoreError) -> [LedgerEntry] {
        var entries: [LedgerEntry] = []
        var lastSeq: Int64 = -1
        for row in rows {
            let seq = try row.int(0)
            let posting = Posting(account: AccountID(try row.text(4)), amountMicros: try row.int(5))
            if seq == lastSeq, !entries.isEmpty {
                entries[entries.count - 1].postings.append(posting)
            } else {
                guard let type = StoredEnums.transactionType(try row.text(2)) else {
                    throw StoreError.corrupt("unknown transaction type")
                }
                entries.append(
                    LedgerEntry(
                        id: TransactionID(try row.text(1)), type: type, reference: try row.text(3),
                        postings: [posting]))
                lastSeq = seq
            }
        }
        return entries
    }

    public func ledgerTotal() throws(StoreError) -> Int64 {
        try read { (work) throws(StoreError) -> Int64 in
            try work.query("SELECT COALESCE(SUM(balance_micros), 0) FROM accounts").first?.int(0) ?? 0
        }
    }

    public func taskCounts() throws(StoreError) -> [TaskState: Int] {
        try read { (work) throws(StoreError) -> [TaskState: Int] in
            try Self.counts(try work.query("SELECT state, COUNT(*) FROM tasks GROUP BY state"))
        }
    }

    /// Number of tasks per state in one DAG (through the DAG index: cheap to poll, unlike
    /// `taskCounts`, which reads every task).
    public func taskCounts(inDag dag: DagID) throws(StoreError) -> [TaskState: Int] {
        try read { (work) throws(StoreError) -> [TaskState: Int] in
            try Self.counts(
                try work.query(
                    "SELECT state, COUNT(*) FROM tasks WHERE dag_id = ? GROUP BY state", [.text(dag.rawValue)]))
        }
    }

    private static func counts(_ rows: [SQLRow]) throws(StoreError) -> [TaskState: Int] {
        var counts: [TaskState: Int] = [:]
        for row in rows {
            let name = try row.text(0)
            guard let state = StoredEnums.taskStates.first(where: { StoredEnums.name($0) == name }) else {
                throw StoreError.corrupt("unknown task state \(name)")
            }
            counts[state] = Int(try row.int(1))
        }
        return counts
    }
}
