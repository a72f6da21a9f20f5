import SwarmCore
import Testing

@testable import SwarmStore

/// Opening a database an earlier release wrote brings it to the current schema without
/// losing or changing a row.
@Suite("Store migrations")
struct StoreMigrationTests {
    let now = Instant(millisecondsSinceEpoch: 1_000_000)

    @Test("Migration 5 clusters SQLite's postings and keeps every leg and balance")
    func postingsClustered() throws {
        // A database as the schema of migration 4 left it, with a ledger.
        let (path, old) = try Self.database(upTo: 4)
        try old.mint(1_000_000, to: "alice", now: now)
        _ = try old.transfer(
            TransferParams(from: "alice", to: "bob", amountMicros: 250_000, requestID: "r1", now: now))
        let alice = try old.ledgerEntries(account: "alice", limit: 100)
        let bob = try old.ledgerEntries(account: "bob", limit: 100)
        #expect(try Self.postingsTable(old).contains("WITHOUT ROWID") == false)
        old.close()

        let store = try DurableStore.sqlite(path: path)
        defer { store.close() }
        #expect(try Self.postingsTable(store).contains("WITHOUT ROWID"))
        #expect(try store.ledgerEntries(account: "alice", limit: 100) == alice)
        #expect(try store.ledgerEntries(account: "bob", limit: 100) == bob)
        #expect(try store.balance(of: "alice") == 750_000)
        #expect(try store.ledgerTotal() == 0)
        // New legs go to the clustered table and are read back with the old ones.
        _ = try store.transfer(
            TransferParams(from: "bob", to: "alice", amountMicros: 50_000, requestID: "r2", now: now))
        #expect(try store.balance(of: "bob") == 200_000)
        #expect(try store.ledgerEntries(account: "bob", limit: 100).count == 2)
        #expect(try store.ledgerTotal() == 0)
    }

    @Test("Migration 7 drops the postings' foreign keys and keeps every leg; the audit finds the books whole")
    func postingsUnreferenced() throws {
        let (path, old) = try Self.database(upTo: 6)
        try old.mint(1_000_000, to: "alice", now: now)
        _ = try old.transfer(
            TransferParams(from: "alice", to: "bob", amountMicros: 250_000, requestID: "r1", now: now))
        let bob = try old.ledgerEntries(account: "bob", limit: 100)
        #expect(try Self.postingsTable(old).contains("REFERENCES"))
        old.close()

        let store = try DurableStore.sqlite(path: path)
        defer { store.close() }
        let table = try Self.postingsTable(store)
        #expect(!table.contains("REFERENCES") && table.contains("WITHOUT ROWID"))
        #expect(try store.ledgerEntries(account: "bob", limit: 100) == bob)
        #expect(try store.ledgerAudit() == [])
        _ = try store.transfer(
            TransferParams(from: "bob", to: "carol", amountMicros: 50_000, requestID: "r2", now: now))
        #expect(try store.balance(of: "carol") == 50_000)
        #expect(try store.ledgerAudit() == [])
    }

    @Test(
        "Migration 9 takes escrow's legs out of the account index; every account's history reads the same, through it")
    func postingsAccountExceptEscrow() throws {
        let (path, old) = try Self.database(upTo: 8)
        try old.createSwarm(SwarmPolicy(id: "default"))
        try old.mint(1_000_000, to: "alice", now: now)
        _ = try old.submit(
            SubmitParams(task: Fixture.spec(), submitter: "alice", account: "alice", now: now))
        let accounts = [AccountID("alice"), Ledger.escrow, Ledger.issuance]
        let histories = try accounts.map { try old.ledgerEntries(account: $0, limit: 100) }
        #expect(histories[1].count == 1)  // the escrow of the submission
        old.close()

        let store = try DurableStore.sqlite(path: path)
        defer { store.close() }
        #expect(try accounts.map { try store.ledgerEntries(account: $0, limit: 100) } == histories)
        #expect(try store.ledgerAudit() == [])
        // A user's legs are found through the index; escrow's by the ledger's order.
        let plan = try store.read { (work) throws(StoreError) -> String in
            try work.query(
                "EXPLAIN QUERY PLAN SELECT transaction_seq FROM postings WHERE " + LedgerSQL.postingsOf("alice"),
                [.text("alice")]
            ).map { (row) throws(StoreError) in try row.text(3) }.joined(separator: "; ")
        }
        #expect(plan.contains("postings_account_except_escrow"), "\(plan)")
    }

    @Test(
        "The ledger audit names what is wrong: a balance that is not its postings, a one-legged or unbalanced transaction, a leg to nowhere"
    )
    func auditFindsDamage() throws {
        let path = "/tmp/openswarm-audit-test-\(UInt64.random(in: 0...UInt64.max)).db"
        TemporaryFiles.remove(atExit: path)
        let store = try DurableStore.sqlite(path: path)
        defer { store.close() }
        try store.mint(1_000_000, to: "alice", now: now)
        #expect(try store.ledgerAudit() == [])
        // Damage the books behind the store's back, as a bad restore or a hand edit would.
        try store.write { (work) throws(StoreError) in
            _ = try work.query("UPDATE accounts SET balance_micros = balance_micros + 5 WHERE id = 'alice'")
            _ = try work.query(
                "UPDATE accounts SET balance_micros = balance_micros - 5 WHERE id = ?",
                [.text(Ledger.issuance.rawValue)])
            _ = try work.query(
                "INSERT INTO postings (transaction_seq, leg, account_id, amount_micros) VALUES (1, 2, 'ghost', 7)")
            _ = try work.query(
                "INSERT INTO postings (transaction_seq, leg, account_id, amount_micros) VALUES (99, 0, 'alice', 0)")
        }
        let problems = try store.ledgerAudit()
        #expect(problems.contains("account alice holds 1000005 micro-tokens but its postings sum to 1000000"))
        #expect(
            problems.contains(
                "account \(Ledger.issuance) holds -1000005 micro-tokens but its postings sum to -1000000"))
        #expect(problems.contains("ledger transaction #1 has 3 legs summing to 7"))
        #expect(problems.contains("ledger transaction #1 posts to account ghost, which does not exist"))
        #expect(problems.contains("ledger transaction #99 has 1 leg summing to 0"))
        #expect(problems.contains("postings name ledger transaction #99, which does not exist"))
        #expect(problems.count == 6, "\(problems)")
    }

    @Test("Migration 10 makes PostgreSQL compare ids as bytes and keeps every row")
    func binaryKeys() throws {
        // A PostgreSQL schema as migration 9 left it, with tasks, leases and a ledger.
        let url = try Engine.postgresURL()
        let schema = "m\(UInt64.random(in: 0...UInt64.max))"
        let admin = try PostgresConnection(url: url)
        try admin.execute("CREATE SCHEMA \(schema)")
        defer {
            try? admin.execute("DROP SCHEMA \(schema) CASCADE")
            admin.close()
        }
        let scoped = url + (url.contains("?") ? "&" : "?") + "options=-c%20search_path%3D\(schema)"
        let old = DurableStore(
            engine: try PostgresEngine(
                url: scoped, poolSize: 1, migrations: PostgresMigrations.all.filter { $0.version <= 9 }),
            configuration: DurableStore.Configuration())
        try old.createSwarm(SwarmPolicy(id: "default"))
        try old.mint(1_000_000, to: "alice", now: now)
        try old.register(
            Node(id: "n1", operatorID: "op1", accountID: "wallet-op1", capabilities: NodeCapabilities(models: ["m"])))
        let spec = TaskSpec(prompt: "p", timeouts: Timeouts(startToClose: .seconds(60)), maxCostMicros: 1_000)
        let submitted = try old.submit(
            SubmitParams(
                submission: DagSubmission(tasks: (0..<3).map { DagTaskSpec(name: "t\($0)", spec: spec) }),
                submitter: "alice", account: "alice", now: now))
        let leased = try old.lease(LeaseParams(node: "n1", maxTasks: 1, now: now))
        #expect(try Self.collations(old).allSatisfy { $0 != "C" })
        old.close()

        let store = try DurableStore.postgres(url: scoped, poolSize: 1)
        defer { store.close() }
        let collations = try Self.collations(store)
        #expect(collations.count == 18)
        #expect(collations.allSatisfy { $0 == "C" }, "\(collations)")
        #expect(Set(try store.tasks(inDag: submitted.dagID).map(\.id)) == Set(submitted.taskIDs))
        let lease = try #require(leased.first)
        let report = try store.report([
            .completed(CompleteParams(lease: lease.id, node: "n1", result: TaskResult(text: "ok"), now: now))
        ])
        _ = try #require(report.first).get()
        #expect(try store.task(lease.taskID).state == .succeeded)
        #expect(try store.balance(of: "alice") < 1_000_000)
        #expect(try store.ledgerAudit() == [])
    }

    /// The collation of every text column migration 10 changes ("" for the default).
    static func collations(_ store: DurableStore) throws -> [String] {
        try store.read { (work) throws(StoreError) -> [String] in
            try work.query(
                """
                SELECT coalesce(collation_name, '') FROM information_schema.columns
                WHERE table_schema = current_schema() AND data_type = 'text' AND (table_name, column_name) IN (
                  ('swarms', 'id'), ('accounts', 'id'), ('ledger_transactions', 'id'),
                  ('ledger_transactions', 'reference'), ('postings', 'account_id'), ('nodes', 'id'),
                  ('node_identities', 'node_id'), ('node_identities', 'request_id'), ('tasks', 'id'),
                  ('tasks', 'dag_id'), ('tasks', 'submitter'), ('task_edges', 'parent_id'),
                  ('task_edges', 'child_id'), ('leases', 'id'), ('leases', 'task_id'), ('leases', 'node_id'),
                  ('swarm_profiles', 'swarm_id'), ('submission_keys', 'dag_id'))
                """
            ).map { (row) throws(StoreError) in try row.text(0) }
        }
    }

    /// A fresh SQLite file (removed at exit) with the schema of the migrations up to
    /// `version` only, as an earlier release left it.
    static func database(upTo version: Int) throws -> (path: String, store: DurableStore) {
        let path = "/tmp/openswarm-migration-test-\(UInt64.random(in: 0...UInt64.max)).db"
        TemporaryFiles.remove(atExit: path)
        let store = DurableStore(
            engine: try SQLiteEngine(path: path, migrations: SQLiteMigrations.all.filter { $0.version <= version }),
            configuration: DurableStore.Configuration())
        return (path, store)
    }

    /// The `CREATE TABLE` statement SQLite keeps for `postings`.
    static func postingsTable(_ store: DurableStore) throws -> String {
        try store.read { (work) throws(StoreError) -> String in
            try work.query("SELECT sql FROM sqlite_schema WHERE name = 'postings'").first?.text(0) ?? ""
        }
    }
}
