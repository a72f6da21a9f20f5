import SwarmCore

extension DurableStore {
    public func createSwarm(_ swarm: SwarmPolicy) throws(StoreError) {
        try write { (work) throws(StoreError) in try Self.insertSwarm(swarm, work: work) }
    }

    /// The swarm's row; `alreadyExists` if its id is taken.
    static func insertSwarm(_ swarm: SwarmPolicy, work: UnitOfWork) throws(StoreError) {
        guard try work.swarm(swarm.id) == nil else {
            throw StoreError(.alreadyExists, "swarm \"\(swarm.id)\" already exists")
        }
        _ = try work.query(
            """
            INSERT INTO swarms (id, min_reputation, allowed_regions, token_budget_micros, spent_micros, escrowed_micros)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            [
                .text(swarm.id.rawValue), .real(swarm.minReputation),
                .text(swarm.allowedRegions.sorted().joined(separator: "\n")),
                .integer(swarm.tokenBudgetMicros), .integer(swarm.spentMicros), .integer(swarm.escrowedMicros),
            ])
    }

    public func createAccount(_ account: Account) throws(StoreError) {
        try write { (work) throws(StoreError) in
            let rows = try work.query(
                "INSERT INTO accounts (id, kind, owner, balance_micros) VALUES (?, ?, ?, 0) ON CONFLICT (id) DO NOTHING RETURNING id",
                [
                    .text(account.id.rawValue), .text(Self.kindName(account.kind)),
                    account.owner.map { .text($0) } ?? .null,
                ])
            guard !rows.isEmpty else { throw StoreError(.alreadyExists, "account \(account.id) already exists") }
        }
    }

    public func register(_ node: Node) throws(StoreError) {
        try write { (work) throws(StoreError) in
            var node = node
            if let existing = try work.node(node.id) {
                node.activeLeases = existing.activeLeases
                work.put(node)
            } else {
                node.activeLeases = 0
                _ = try work.query(
                    "INSERT INTO nodes (id, is_online, active_leases, record) VALUES (?, ?, 0, ?)",
                    [.text(node.id.rawValue), .flag(node.isOnline), .blob(NodeRecordCodec.encode(node))])
            }
            try work.ensureAccount(node.accountID, kind: "operator")
        }
    }

    @discardableResult
    public func mint(_ amountMicros: Int64, to account: AccountID, now: Instant) throws(StoreError) -> LedgerEntry {
        try write { (work) throws(StoreError) in
            try work.post(.mint, from: Ledger.issuance, to: account, amount: amountMicros, reference: "mint", now: now)
        }
    }

    static func kindName(_ kind: Account.Kind) -> String {
        switch kind {
        case .user: "user"
        case .operator: "operator"
        case .escrow: "escrow"
        case .issuance: "issuance"
        case .fees: "fees"
        }
    }
}
