import Foundation
import Testing

@testable import SwarmStore

/// The WAL-coalescing VFS under the embedded engine: fewer writes, the same bytes. Each
/// test works on its own database file through `SQLiteConnection` (which always opens
/// through the VFS) and checks the data and `PRAGMA integrity_check` after reopening.
@Suite("SQLite WAL coalescing")
struct WALCoalescingTests {
    @Test("A commit's WAL frames reach the file in a few writes, not two per page")
    func coalesces() throws {
        let (path, connection) = try Self.freshDatabase()
        defer { Self.remove(path) }
        let before = try #require(connection.walWriteCounts)
        try Self.insert(connection, rows: 0..<400, size: 600)
        let after = try #require(connection.walWriteCounts)
        let writes = after.writes - before.writes
        let flushes = after.flushes - before.flushes
        // 400 rows of 600 bytes and their index: more than 60 pages, 2 writes each.
        #expect(writes > 120)
        #expect(flushes >= 1)
        #expect(flushes * 20 <= writes)
        connection.close()
        try Self.expectRows(path, count: 400, bytes: 400 * 600)
    }

    @Test("Another connection reads a commit at once, even when no fsync flushes it")
    func visibleWithoutSync() throws {
        let (path, writer) = try Self.freshDatabase()
        defer { Self.remove(path) }
        try writer.execute("PRAGMA synchronous=OFF")
        let reader = try Self.open(path)
        for round in 0..<20 {
            try Self.insert(writer, rows: round * 10..<round * 10 + 10, size: 300)
            try Self.expectVisible(reader, count: round * 10 + 10, bytes: (round * 10 + 10) * 300)
        }
        reader.close()
        writer.close()
        try Self.expectRows(path, count: 200, bytes: 200 * 300)
    }

    @Test("Commits across automatic checkpoints, which start the WAL over from its header, stay whole and visible")
    func acrossCheckpoints() throws {
        let (path, writer) = try Self.freshDatabase()
        defer { Self.remove(path) }
        // Checkpoint every 64 pages: the 300 commits below restart the WAL many times.
        try writer.execute("PRAGMA wal_autocheckpoint=64")
        let reader = try Self.open(path)
        for round in 0..<300 {
            try Self.insert(writer, rows: round * 20..<round * 20 + 20, size: 400)
            if round % 25 == 24 {
                try Self.expectVisible(reader, count: round * 20 + 20, bytes: (round * 20 + 20) * 400)
            }
        }
        let counts = try #require(writer.walWriteCounts)
        #expect(counts.flushes * 10 <= counts.writes)
        // The WAL was reused from its start, not appended to for ever: far smaller than
        // the 2.4 MB of rows written through it.
        let walSize = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int
        #expect((walSize ?? .max) < 1_000_000)
        reader.close()
        writer.close()
        try Self.expectRows(path, count: 6_000, bytes: 6_000 * 400)
    }

    @Test("A transaction larger than the buffer, spilling pages before its commit, commits whole")
    func largeSpillingTransaction() throws {
        let (path, connection) = try Self.freshDatabase()
        defer { Self.remove(path) }
        // A small page cache makes SQLite write uncommitted frames mid-transaction.
        try connection.execute("PRAGMA cache_size=50")
        try Self.insert(connection, rows: 0..<3_000, size: 2_000)
        connection.close()
        try Self.expectRows(path, count: 3_000, bytes: 3_000 * 2_000)
    }

    @Test("A rolled-back transaction that spilled leaves nothing behind; the next commit is whole")
    func rollbackAfterSpill() throws {
        let (path, connection) = try Self.freshDatabase()
        defer { Self.remove(path) }
        try Self.insert(connection, rows: 0..<10, size: 100)
        try connection.execute("PRAGMA cache_size=50")
        try Self.insert(connection, rows: 10..<2_000, size: 1_500, ending: "ROLLBACK")
        try Self.insert(connection, rows: 10..<20, size: 100)
        connection.close()
        try Self.expectRows(path, count: 20, bytes: 20 * 100)
    }

    // MARK: - Helpers

    /// A new database file with the test table, and a connection to it.
    static func freshDatabase() throws -> (path: String, connection: SQLiteConnection) {
        let path = freshPath()
        let connection = try open(path)
        try createTable(connection)
        return (path, connection)
    }

    /// A database path nothing uses yet.
    static func freshPath() -> String {
        "/tmp/openswarm-wal-test-\(UInt64.random(in: 0...UInt64.max)).db"
    }

    static func open(_ path: String) throws -> SQLiteConnection {
        try SQLiteConnection(path: path, busyTimeoutMilliseconds: 1_000)
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    static func createTable(_ connection: SQLiteConnection) throws {
        try connection.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, body BLOB NOT NULL, tag TEXT NOT NULL)")
        try connection.execute("CREATE INDEX items_tag ON items (tag)")
    }

    static func body(_ id: Int, _ size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ id) }
    }

    /// Inserts `rows` in one transaction, which `ending` commits or rolls back.
    static func insert(_ connection: SQLiteConnection, rows: Range<Int>, size: Int, ending: String = "COMMIT")
        throws
    {
        try connection.execute("BEGIN IMMEDIATE")
        for id in rows {
            try connection.query(
                "INSERT INTO items (id, body, tag) VALUES (?, ?, ?)",
                [.integer(Int64(id)), .blob(body(id, size)), .text("tag-\(id % 97)")])
        }
        try connection.execute(ending)
    }

    /// What another connection sees now: `count` rows holding `bytes` bytes of bodies.
    static func expectVisible(_ reader: SQLiteConnection, count: Int, bytes: Int) throws {
        let rows = try reader.query("SELECT count(*), sum(length(body)) FROM items", [])
        #expect(try rows[0].int(0) == Int64(count))
        #expect(try rows[0].int(1) == Int64(bytes))
    }

    /// Reopens the file and checks its rows, every body's bytes and SQLite's own check.
    static func expectRows(_ path: String, count: Int, bytes: Int) throws {
        let connection = try open(path)
        defer { connection.close() }
        #expect(try connection.query("PRAGMA integrity_check", [])[0].text(0) == "ok")
        let rows = try connection.query("SELECT id, body FROM items ORDER BY id", [])
        #expect(rows.count == count)
        var total = 0
        for row in rows {
            let body = try row.blob(1)
            total += body.count
            #expect(body == Self.body(Int(try row.int(0)), body.count))
        }
        #expect(total == bytes)
    }
}
