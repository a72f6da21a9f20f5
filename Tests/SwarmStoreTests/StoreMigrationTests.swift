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
        let path = "/tmp/openswarm-migration-test-\(UInt64.random(in: 0...UInt64.max)).db"
        TemporaryFiles.remove(atExit: path)
        // A database as the schema of migration 4 left it, with a ledger.
        let old = DurableStore(
            engine: try SQLiteEngine(path: path, migrations: SQLiteMigrations.all.filter { $0.version <= 4 }),
            configuration: DurableStore.Configuration())
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

    /// The `CREATE TABLE` statement SQLite keeps for `postings`.
    static func postingsTable(_ store: DurableStore) throws -> String {
        try store.read { (work) throws(StoreError) -> String in
            try work.query("SELECT sql FROM sqlite_schema WHERE name = 'postings'").first?.text(0) ?? ""
        }
    }
}
