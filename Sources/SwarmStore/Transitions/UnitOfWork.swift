import SwarmCore

/// The rows one transaction reads and changes, kept decoded in memory and written back
/// once at the end (`flush`), so the transition code reads like the reference
/// `Scheduler`'s dictionary code: load, mutate, put.
///
/// Rows the transaction will change are read with the dialect's `FOR UPDATE`; a parent
/// task read only for its output is read without a lock (`lock: false`), which under
/// READ COMMITTED sees the latest committed state and avoids fan-in deadlocks.
///
/// Round trips are what a batch costs on PostgreSQL, so a batch's rows travel together:
/// `prefetch…` reads the leases, tasks and edges of a whole batch with one statement
/// each, and the append-only writes (new leases, deactivated leases, ledger transactions
/// and their postings) wait in memory and go out as multi-row statements (`bulk`) —
/// before the next ad-hoc statement of the transition (`query`), or at `flush`. Nothing
/// the transitions read back depends on those rows before then: a lease's activity is
/// read from its task's record, and balances are already applied once at flush.
final class UnitOfWork {
    let connection: any SQLConnection
    let dialect: SQLDialect
    let configuration: DurableStore.Configuration
    var random: SeededGenerator

    /// Tasks read or written, each with whether this transaction holds its row lock and
    /// has changed it: one hash lookup per access (tasks are read and put back several
    /// times per settled result).
    private var tasks: [TaskID: TaskEntry] = [:]
    /// The tasks changed since the last `flush`, each once: `flush` writes these without
    /// going through (and copying) every task the transaction read.
    private var dirtyTaskIDs: [TaskID] = []
    private var nodes: [NodeID: Node] = [:]
    private var dirtyNodes: Set<NodeID> = []
    private var swarms: [SwarmID: SwarmPolicy] = [:]
    private var dirtySwarms: Set<SwarmID> = []
    private var lockedSwarms: Set<SwarmID> = []
    /// Settlement's changes to swarms' money not yet folded into a locked copy.
    private var swarmDeltas: [SwarmID: (escrowed: Int64, spent: Int64)] = [:]
    private var balanceDeltas: [AccountID: Int64] = [:]
    /// Accounts that must not go negative, debited by this transaction: their debits at
    /// flush are guarded updates.
    private var guaranteed: Set<AccountID> = []
    /// Accounts known to exist: those this transaction ensured, and those the store saw
    /// committed before (accounts are never deleted), so `post` does not ask again.
    private(set) var knownAccounts: Set<AccountID>
    /// Lease rows by id: (task, attempt number, node); immutable once inserted.
    private var leaseRows: [LeaseID: LeaseRow] = [:]
    /// Children by parent; edges never change after submission.
    private var childrenByParent: [TaskID: [TaskID]] = [:]
    private var pendingLeaseInserts: [[SQLValue]] = []
    private var pendingLeaseDeactivations: [LeaseID] = []
    private var pendingLedger:
        [(
            id: TransactionID, type: TransactionType, reference: String, at: Instant,
            postings: [Posting]
        )] = []
    private let ids: IDSource

    init(
        connection: any SQLConnection, dialect: SQLDialect, configuration: DurableStore.Configuration, seed: UInt64,
        ids: IDSource, knownAccounts: Set<AccountID> = []
    ) {
        self.knownAccounts = knownAccounts
        self.connection = connection
        self.dialect = dialect
        self.configuration = configuration
        self.random = SeededGenerator(seed: seed)
        self.ids = ids
    }

    /// A new id, unique across processes and increasing within the store (`IDSource`).
    func newID(_ kind: String) -> String { ids.next(kind) }

    /// An ad-hoc statement of a transition; the deferred writes go out first, so it sees
    /// everything the transaction did so far (except task, node, swarm and balance
    /// changes, which are kept in memory until `flush` as before).
    func query(_ sql: String, _ parameters: [SQLValue] = []) throws(StoreError) -> [SQLRow] {
        try writePending()
        return try connection.query(sql, parameters)
    }

    /// `head`, then `row` once per element of `rows`, comma-separated, then `tail`, run as
    /// few statements as possible: chunks of 128, 64, ..., 1 rows, so each shape has at
    /// most eight prepared variants and no statement nears a parameter limit.
    ///
    /// `keyed` marks a lookup or update of a list of keys (`id IN (...)`), which the
    /// engine plans for its values each time (`SQLConnection.queryPlannedEachTime`).
    /// Where the engine keeps nothing of such a statement prepared
    /// (`SQLDialect.unpreparedKeyLists`), it goes in chunks of up to 1,024 keys of any
    /// count: one round trip for a batch.
    @discardableResult
    func bulk(_ head: String, row: String, tail: String = "", keyed: Bool = false, _ rows: [[SQLValue]])
        throws(StoreError) -> [SQLRow]
    {
        var out: [SQLRow] = []
        for statement in bulkStatements(head, row: row, tail: tail, keyed: keyed, rows) {
            out +=
                try keyed
                ? connection.queryPlannedEachTime(statement.sql, statement.parameters)
                : connection.query(statement.sql, statement.parameters)
        }
        return out
    }

    /// The statements `bulk` runs, for a `SQLConnection.runAll` batch.
    func bulkStatements(_ head: String, row: String, tail: String = "", keyed: Bool = false, _ rows: [[SQLValue]])
        -> [SQLStatement]
    {
        var statements: [SQLStatement] = []
        var start = 0
        while start < rows.count {
            var size = keyed && dialect.unpreparedKeyLists ? min(1_024, rows.count - start) : 128
            while size > rows.count - start { size /= 2 }
            let sql = BulkSQL.text(head, row: row, tail: tail, size: size)
            var parameters: [SQLValue] = []
            parameters.reserveCapacity(size * (rows[start].count))
            for values in rows[start..<start + size] { parameters.append(contentsOf: values) }
            statements.append(SQLStatement(sql: sql, parameters: parameters, plannedEachTime: keyed))
            start += size
        }
        return statements
    }

    // MARK: Tasks

    func task(_ id: TaskID, lock: Bool = true) throws(StoreError) -> StoredTask? {
        if let cached = tasks[id], !lock || cached.locked { return cached.task }
        let rows = try connection.query(
            "SELECT record FROM tasks WHERE id = ?" + (lock ? dialect.forUpdate : ""), [.text(id.rawValue)])
        guard let row = rows.first else { return nil }
        if let cached = tasks[id], cached.dirty { return cached.task }
        let task = try TaskRecordCodec.decode(try row.blob(0))
        tasks[id] = TaskEntry(task: task, locked: lock, dirty: false)
        return task
    }

    /// Makes room for `count` more tasks (a claimed page of the queue) in one step.
    func reserveTasks(_ count: Int) {
        tasks.reserveCapacity(tasks.count + count)
    }

    /// A task row already locked by the caller's claim query.
    func adopt(_ task: StoredTask) -> StoredTask {
        if let cached = tasks[task.id] { return cached.task }
        tasks[task.id] = TaskEntry(task: task, locked: true, dirty: false)
        return task
    }

    func put(_ task: StoredTask) {
        if let index = tasks.index(forKey: task.id) {
            tasks.values[index].apply { entry in
                entry.task = task
                markDirty(&entry)
            }
        } else {
            // A new task: one copy into the table (a `default:` entry would be built
            // from it and then overwritten with it).
            var entry = TaskEntry(task: task, locked: true, dirty: false, stored: false)
            markDirty(&entry)
            tasks[task.id] = entry
        }
    }

    /// Changes a task in place (no copy of its attempts to write back), loading and
    /// locking it first if needed; nil when it does not exist.
    ///
    /// `change` runs inside the task table's exclusive access: it must only change the
    /// task it is given, never call back into this unit of work's tasks (`task`, `put`,
    /// `update`), which Swift's exclusivity checking would stop at run time.
    func update<R>(_ id: TaskID, _ change: (inout StoredTask) throws(StoreError) -> R) throws(StoreError) -> R? {
        var index = tasks.index(forKey: id)
        if index.map({ !isLocked(at: $0) }) ?? true {
            guard try task(id) != nil else { return nil }
            index = tasks.index(forKey: id)
        }
        guard let index else { return nil }
        // Through the table's in-place accessor: the entry is not copied out.
        return try tasks.values[index].apply { (entry) throws(StoreError) -> R in
            markDirty(&entry)
            return try change(&entry.task)
        }
    }

    /// Whether the entry at `index` holds its row lock, read where it is stored (a
    /// `tasks[id]?.locked` copies the whole task out and back).
    private func isLocked(at index: Dictionary<TaskID, TaskEntry>.Index) -> Bool {
        tasks.values[index].apply { $0.locked }
    }

    /// A written entry holds its row lock and goes out at the next `flush`.
    private func markDirty(_ entry: inout TaskEntry) {
        entry.locked = true
        if !entry.dirty {
            entry.dirty = true
            dirtyTaskIDs.append(entry.task.id)
        }
    }

    /// Reads and locks the tasks of a batch with one statement (in id order, the order
    /// every transaction locks in), keeping any this transaction already holds.
    func prefetchTasks(_ ids: [TaskID]) throws(StoreError) {
        let wanted = Set(ids.filter { id in tasks.index(forKey: id).map { !isLocked(at: $0) } ?? true }).sorted()
        guard !wanted.isEmpty else { return }
        // Room for the batch at once, instead of regrowing (and rehashing every entry)
        // several times as a batch of 100 comes in.
        tasks.reserveCapacity(tasks.count + wanted.count)
        let rows = try bulk(
            "SELECT id, record FROM tasks WHERE id IN (", row: "?", tail: ") ORDER BY id" + dialect.forUpdate,
            keyed: true,
            wanted.map { [.text($0.rawValue)] })
        for row in rows {
            let id = TaskID(try row.text(0))
            // A copy read earlier without the lock is replaced, as `task(_:lock:)` does.
            if let index = tasks.index(forKey: id), tasks.values[index].apply({ $0.dirty }) {
                tasks.values[index].apply { $0.locked = true }
            } else {
                tasks[id] = TaskEntry(task: try TaskRecordCodec.decode(try row.blob(1)), locked: true, dirty: false)
            }
        }
    }

    func children(of id: TaskID) throws(StoreError) -> [TaskID] {
        if let cached = childrenByParent[id] { return cached }
        let children = try connection.query(
            "SELECT child_id FROM task_edges WHERE parent_id = ? ORDER BY child_id", [.text(id.rawValue)]
        )
        .map { (row) throws(StoreError) in TaskID(try row.text(0)) }
        childrenByParent[id] = children
        return children
    }

    /// The children of a batch of tasks with one statement.
    func prefetchChildren(_ ids: [TaskID]) throws(StoreError) {
        let wanted = Set(ids.filter { childrenByParent[$0] == nil }).sorted()
        guard !wanted.isEmpty else { return }
        let rows = try bulk(
            "SELECT parent_id, child_id FROM task_edges WHERE parent_id IN (", row: "?",
            tail: ") ORDER BY parent_id, child_id", keyed: true, wanted.map { [.text($0.rawValue)] })
        for id in wanted { childrenByParent[id] = [] }
        for row in rows { childrenByParent[TaskID(try row.text(0)), default: []].append(TaskID(try row.text(1))) }
    }

    // MARK: Nodes

    func node(_ id: NodeID) throws(StoreError) -> Node? {
        if let cached = nodes[id] { return cached }
        let rows = try connection.query(
            "SELECT is_online, active_leases, record FROM nodes WHERE id = ?" + dialect.forUpdate, [.text(id.rawValue)])
        guard let row = rows.first else { return nil }
        let node = try NodeRecordCodec.decode(
            try row.blob(2), isOnline: try row.int(0) != 0, activeLeases: Int(try row.int(1)))
        nodes[id] = node
        return node
    }

    func put(_ node: Node) {
        nodes[node.id] = node
        dirtyNodes.insert(node.id)
    }

    /// Online nodes other than `except`, unlocked (for "could another node take it").
    func otherOnlineNodes(except id: NodeID) throws(StoreError) -> [Node] {
        try query(
            "SELECT is_online, active_leases, record FROM nodes WHERE is_online = 1 AND id <> ?", [.text(id.rawValue)]
        )
        .map { (row) throws(StoreError) in
            try NodeRecordCodec.decode(try row.blob(2), isOnline: true, activeLeases: Int(try row.int(1)))
        }
    }

    // MARK: Swarms

    /// A swarm; `lock: false` for the lease path, which only reads its floor and
    /// regions, so that leasing does not queue behind the swarm's money row.
    func swarm(_ id: SwarmID, lock: Bool = true) throws(StoreError) -> SwarmPolicy? {
        if let cached = swarms[id], !lock || lockedSwarms.contains(id) { return cached }
        let rows = try connection.query(
            "SELECT min_reputation, allowed_regions, token_budget_micros, spent_micros, escrowed_micros FROM swarms WHERE id = ?"
                + (lock ? dialect.forUpdate : ""), [.text(id.rawValue)])
        guard let row = rows.first else { return nil }
        if let cached = swarms[id], dirtySwarms.contains(id) { return cached }
        let regions = try row.text(1).split(separator: "\n").map(String.init)
        var swarm = SwarmPolicy(
            id: id, minReputation: try row.double(0), allowedRegions: Set(regions),
            tokenBudgetMicros: try row.int(2), spentMicros: try row.int(3), escrowedMicros: try row.int(4))
        if lock, let delta = swarmDeltas.removeValue(forKey: id) {
            swarm.escrowedMicros += delta.escrowed
            swarm.spentMicros += delta.spent
            dirtySwarms.insert(id)
        }
        swarms[id] = swarm
        if lock { lockedSwarms.insert(id) }
        return swarm
    }

    /// Settlement's change to a swarm's money. Unless this transaction already holds the
    /// swarm's row, the change waits for `flush` and goes out as one relative UPDATE per
    /// swarm: the shared row is locked for the end of the transaction only, not from the
    /// first settled task on (a batch of reports from another coordinator no longer
    /// queues behind this one's whole batch), and a batch updates it once.
    func adjustSwarm(_ id: SwarmID, escrowedBy escrowed: Int64, spentBy spent: Int64) {
        if lockedSwarms.contains(id), var swarm = swarms[id] {
            swarm.escrowedMicros += escrowed
            swarm.spentMicros += spent
            put(swarm)
            return
        }
        let delta = swarmDeltas[id] ?? (escrowed: 0, spent: 0)
        swarmDeltas[id] = (escrowed: delta.escrowed + escrowed, spent: delta.spent + spent)
    }

    func put(_ swarm: SwarmPolicy) {
        swarms[swarm.id] = swarm
        lockedSwarms.insert(swarm.id)
        dirtySwarms.insert(swarm.id)
    }

    // MARK: Ledger

    /// Creates the account if it does not exist (node wallets on first payment).
    func ensureAccount(_ id: AccountID, kind: String) throws(StoreError) {
        _ = try connection.query(
            "INSERT INTO accounts (id, kind, owner, balance_micros) VALUES (?, ?, NULL, 0) ON CONFLICT (id) DO NOTHING",
            [.text(id.rawValue), .text(kind)])
    }

    private func ensureAccountOnce(_ id: AccountID, kind: String) throws(StoreError) {
        guard !knownAccounts.contains(id) else { return }
        try ensureAccount(id, kind: kind)
        knownAccounts.insert(id)
    }

    /// The committed balance, read under the row lock unless `lock` is false.
    func balance(of id: AccountID, lock: Bool = true) throws(StoreError) -> Int64? {
        try connection.query(
            "SELECT balance_micros FROM accounts WHERE id = ?" + (lock ? dialect.forUpdate : ""), [.text(id.rawValue)]
        )
        .first.map { (row) throws(StoreError) in try row.int(0) }
    }

    /// Locks the accounts that exist among `ids`, in id order (the order of every
    /// account lock: the debits and credits at flush go in that order too).
    func lockAccounts(_ ids: [AccountID]) throws(StoreError) {
        let sorted = Set(ids).sorted()
        guard !sorted.isEmpty, !dialect.forUpdate.isEmpty else { return }
        _ = try bulk(
            "SELECT id FROM accounts WHERE id IN (", row: "?", tail: ") ORDER BY id" + dialect.forUpdate,
            sorted.map { [.text($0.rawValue)] })
    }

    /// One balanced two-leg transaction, as `Ledger.post`: a positive amount between two
    /// different accounts, and only the issuance account may go negative.
    @discardableResult
    func post(
        _ type: TransactionType, from: AccountID, to: AccountID, amount: Int64, reference: String, now: Instant,
        toKind: String = "user"
    ) throws(StoreError) -> LedgerEntry {
        guard amount > 0, from != to else {
            throw StoreError(.invalidArgument, "a transaction moves a positive amount between two accounts")
        }
        // A user account's balance is checked here without its row lock (a clear error
        // early) and again at flush, where the debit is a guarded update: account rows
        // are locked only at flush, in id order, after the swarm rows, as by every
        // transaction. (A lock here, early, deadlocked a submission holding its payer
        // and waiting for the swarm row against a settlement holding the swarm row and
        // refunding that payer.) The system accounts need no check: issuance may go
        // negative; escrow never holds less than the open tasks' escrow, which is what
        // is paid out of it.
        if from != Ledger.issuance && from != Ledger.escrow {
            guaranteed.insert(from)
            guard let stored = try balance(of: from, lock: false) else {
                throw StoreError(.unknownAccount, "account \(from) does not exist; create it or mint to it first")
            }
            let available = stored + (balanceDeltas[from] ?? 0)
            guard available >= amount else {
                throw StoreError(
                    .insufficientFunds, "account \(from) holds \(available) micro-tokens but \(amount) are needed")
            }
        } else {
            try ensureAccountOnce(from, kind: from == Ledger.escrow ? "escrow" : "issuance")
        }
        try ensureAccountOnce(to, kind: to == Ledger.escrow ? "escrow" : toKind)
        // Balances change once per account at flush, however many postings touch them:
        // a batch of settlements updates the escrow row once, not twice per task.
        balanceDeltas[from, default: 0] -= amount
        balanceDeltas[to, default: 0] += amount
        // The transaction and its two legs are written with the batch's others (`writePending`).
        let id = TransactionID(newID("tx"))
        let postings = [Posting(account: from, amountMicros: -amount), Posting(account: to, amountMicros: amount)]
        pendingLedger.append((id: id, type: type, reference: reference, at: now, postings: postings))
        return LedgerEntry(id: id, type: type, reference: reference, postings: postings)
    }

    // MARK: Leases

    /// The lease row's (task, attempt, node), or nil for an unknown lease.
    func leaseRow(_ id: LeaseID) throws(StoreError) -> LeaseRow? {
        if let cached = leaseRows[id] { return cached }
        let rows = try connection.query(
            "SELECT task_id, attempt, node_id FROM leases WHERE id = ?", [.text(id.rawValue)])
        guard let row = rows.first else { return nil }
        let lease = LeaseRow(task: TaskID(try row.text(0)), attempt: Int(try row.int(1)), node: NodeID(try row.text(2)))
        leaseRows[id] = lease
        return lease
    }

    /// The rows of a batch of leases with one statement.
    func prefetchLeases(_ ids: [LeaseID]) throws(StoreError) {
        let wanted = Set(ids.filter { leaseRows[$0] == nil }).sorted()
        guard !wanted.isEmpty else { return }
        leaseRows.reserveCapacity(leaseRows.count + wanted.count)
        let rows = try bulk(
            "SELECT id, task_id, attempt, node_id FROM leases WHERE id IN (", row: "?", tail: ")", keyed: true,
            wanted.map { [.text($0.rawValue)] })
        for row in rows {
            leaseRows[LeaseID(try row.text(0))] = LeaseRow(
                task: TaskID(try row.text(1)), attempt: Int(try row.int(2)), node: NodeID(try row.text(3)))
        }
    }

    func insertLease(_ id: LeaseID, task: TaskID, attempt: Int, node: NodeID, deadline: Instant) throws(StoreError) {
        leaseRows[id] = LeaseRow(task: task, attempt: attempt, node: node)
        pendingLeaseInserts.append([
            .text(id.rawValue), .text(task.rawValue), .integer(Int64(attempt)), .text(node.rawValue),
            .integer(deadline.millisecondsSinceEpoch),
        ])
    }

    func updateLease(_ id: LeaseID, deadline: Instant) throws(StoreError) {
        _ = try query(
            "UPDATE leases SET deadline_at = ? WHERE id = ?",
            [.integer(deadline.millisecondsSinceEpoch), .text(id.rawValue)])
    }

    func deactivateLease(_ id: LeaseID) throws(StoreError) {
        pendingLeaseDeactivations.append(id)
    }

    /// Writes the deferred appends: new leases, then deactivations (a lease may be
    /// granted and ended in one transaction), then ledger transactions and their legs.
    private func writePending() throws(StoreError) {
        // One batch (one round trip on PostgreSQL) for the leases and the ledger's
        // transactions, then one for the legs, which need the transactions' numbers.
        var statements: [SQLStatement] = []
        if !pendingLeaseInserts.isEmpty {
            statements += bulkStatements(
                "INSERT INTO leases (id, task_id, attempt, node_id, deadline_at, active) VALUES ",
                row: "(?, ?, ?, ?, ?, 1)",
                pendingLeaseInserts)
            pendingLeaseInserts = []
        }
        if !pendingLeaseDeactivations.isEmpty {
            statements += bulkStatements(
                "UPDATE leases SET active = 0 WHERE id IN (", row: "?", tail: ")", keyed: true,
                pendingLeaseDeactivations.map { [.text($0.rawValue)] })
            pendingLeaseDeactivations = []
        }
        let entries = pendingLedger
        pendingLedger = []
        let ledgerStatements = statements.count
        if !entries.isEmpty {
            statements += bulkStatements(
                "INSERT INTO ledger_transactions (id, type, reference, at_ms) VALUES ", row: "(?, ?, ?, ?)",
                tail: " RETURNING id, seq",
                entries.map {
                    [
                        .text($0.id.rawValue), .text(StoredEnums.name($0.type)), .text($0.reference),
                        .integer($0.at.millisecondsSinceEpoch),
                    ]
                })
        }
        guard !statements.isEmpty else { return }
        let results = try connection.runAll(statements)
        guard !entries.isEmpty else { return }
        var seqs: [String: Int64] = [:]
        for rows in results[ledgerStatements...] {
            for row in rows { seqs[try row.text(0)] = try row.int(1) }
        }
        var legs: [[SQLValue]] = []
        legs.reserveCapacity(entries.count * 2)
        for entry in entries {
            guard let seq = seqs[entry.id.rawValue] else {
                throw StoreError(.database, "no sequence for ledger transaction \(entry.id)")
            }
            for (leg, posting) in entry.postings.enumerated() {
                legs.append([
                    .integer(seq), .integer(Int64(leg)), .text(posting.account.rawValue),
                    .integer(posting.amountMicros),
                ])
            }
        }
        try bulk(
            "INSERT INTO postings (transaction_seq, leg, account_id, amount_micros) VALUES ", row: "(?, ?, ?, ?)",
            legs)
    }

    // MARK: Writing back

    /// The parameters of `flush`'s batched UPDATE for a task whose row exists.
    private static func updateRow(_ task: StoredTask) -> [SQLValue] {
        [
            .text(task.id.rawValue),
            .text(StoredEnums.name(task.state)), .optional(task.offerAt?.millisecondsSinceEpoch),
            .optional(task.deadlineAt?.millisecondsSinceEpoch), .blob(TaskRecordCodec.encode(task)),
        ]
    }

    /// The parameters of `flush`'s batched upsert for a task.
    private static func insertRow(_ task: StoredTask) -> [SQLValue] {
        [
            .text(task.id.rawValue), .text(task.dagID.rawValue), .text(StoredEnums.name(task.state)),
            .integer(Int64(task.spec.priority.rawValue)), .integer(task.submittedAt.millisecondsSinceEpoch),
            .optional(task.offerAt?.millisecondsSinceEpoch), .optional(task.deadlineAt?.millisecondsSinceEpoch),
            .blob(TaskRecordCodec.encode(task)), .text(task.submitter.rawValue),
        ]
    }

    func flush() throws(StoreError) {
        try writePending()
        // The rest goes out as one batch (one round trip on PostgreSQL), in the order
        // the rows are locked: tasks, nodes, swarms, then accounts in id order.
        var statements: [SQLStatement] = []
        let dirtyIDs = dirtyTaskIDs.sorted()
        dirtyTaskIDs = []
        // Rows that exist are updated a batch per statement (see `SQLDialect.rowUpdates`).
        let rowUpdates = dialect.rowUpdates
        var updateRows: [[SQLValue]] = []
        var taskRows: [[SQLValue]] = []
        taskRows.reserveCapacity(dirtyIDs.count)
        for id in dirtyIDs {
            guard let index = tasks.index(forKey: id) else { continue }
            // In place (`apply`): the entry is read where it is stored, not copied out.
            tasks.values[index].apply { entry in
                if entry.stored && rowUpdates {
                    updateRows.append(Self.updateRow(entry.task))
                } else {
                    taskRows.append(Self.insertRow(entry.task))
                }
                entry.dirty = false
                entry.stored = true
            }
        }
        statements += bulkStatements(
            "UPDATE tasks SET state = v.column2, offer_at = v.column3, deadline_at = v.column4, record = v.column5 FROM (VALUES ",
            row: "(?, ?, ?, ?, ?)", tail: ") AS v WHERE tasks.id = v.column1", updateRows)
        statements += bulkStatements(
            "INSERT INTO tasks (id, dag_id, state, priority, submitted_at, offer_at, deadline_at, record, submitter) VALUES ",
            row: "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
            tail: """
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state, offer_at = excluded.offer_at,
                  deadline_at = excluded.deadline_at, record = excluded.record
                """, taskRows)
        for id in dirtyNodes.sorted() {
            guard let node = nodes[id] else { continue }
            statements.append(
                SQLStatement(
                    sql: "UPDATE nodes SET is_online = ?, active_leases = ?, record = ? WHERE id = ?",
                    parameters: [
                        .flag(node.isOnline), .integer(Int64(node.activeLeases)),
                        .blob(NodeRecordCodec.encode(node)), .text(id.rawValue),
                    ]))
        }
        for id in dirtySwarms.sorted() {
            guard let swarm = swarms[id] else { continue }
            statements.append(
                SQLStatement(
                    sql: "UPDATE swarms SET spent_micros = ?, escrowed_micros = ? WHERE id = ?",
                    parameters: [.integer(swarm.spentMicros), .integer(swarm.escrowedMicros), .text(id.rawValue)]))
        }
        for (id, delta) in swarmDeltas.sorted(by: { $0.key < $1.key }) where delta != (0, 0) {
            statements.append(
                SQLStatement(
                    sql:
                        "UPDATE swarms SET escrowed_micros = escrowed_micros + ?, spent_micros = spent_micros + ? WHERE id = ?",
                    parameters: [.integer(delta.escrowed), .integer(delta.spent), .text(id.rawValue)]))
        }
        // A debit of a guaranteed account happens only if it leaves the balance at zero
        // or above, checked on the row as it is now (PostgreSQL re-reads a row another
        // transaction changed meanwhile): two transactions that both saw enough funds
        // cannot both spend them. Its RETURNING says whether it did.
        var guarded: [(statement: Int, account: AccountID, delta: Int64)] = []
        for (account, delta) in balanceDeltas.sorted(by: { $0.key < $1.key }) where delta != 0 {
            guard delta < 0, guaranteed.contains(account) else {
                statements.append(
                    SQLStatement(
                        sql: "UPDATE accounts SET balance_micros = balance_micros + ? WHERE id = ?",
                        parameters: [.integer(delta), .text(account.rawValue)]))
                continue
            }
            guarded.append((statements.count, account, delta))
            statements.append(
                SQLStatement(
                    sql:
                        "UPDATE accounts SET balance_micros = balance_micros + ? WHERE id = ? AND balance_micros + ? >= 0"
                        + " RETURNING balance_micros",
                    parameters: [.integer(delta), .text(account.rawValue), .integer(delta)]))
        }
        let results = statements.isEmpty ? [] : try connection.runAll(statements)
        for debit in guarded where results[debit.statement].isEmpty {
            let held = try balance(of: debit.account, lock: false) ?? 0
            throw StoreError(
                .insufficientFunds,
                "account \(debit.account) holds \(held) micro-tokens but \(-debit.delta) are needed")
        }
        dirtyNodes = []
        dirtySwarms = []
        swarmDeltas = [:]
        balanceDeltas = [:]
        guaranteed = []
    }
}

/// A task as one transaction holds it.
struct TaskEntry {
    var task: StoredTask
    /// Read with the row lock (or written, which needs it).
    var locked: Bool
    /// Changed since the last `flush`.
    var dirty: Bool
    /// Its row exists (read from the table, or written by an earlier `flush`).
    var stored = true

    /// `dictionary[key]?.apply { ... }` changes an entry where it is stored.
    mutating func apply<R, Failure: Error>(_ body: (inout TaskEntry) throws(Failure) -> R) throws(Failure) -> R {
        try body(&self)
    }
}

/// A lease row's immutable part.
struct LeaseRow: Sendable {
    var task: TaskID
    var attempt: Int
    var node: NodeID
}
