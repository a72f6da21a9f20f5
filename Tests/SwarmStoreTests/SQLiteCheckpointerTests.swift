import Foundation
import Testing

@testable import SwarmStore

/// The background WAL checkpoint: commits past the threshold hand the copy to the
/// checkpointer's own connection; the WAL still starts over and stays bounded, and
/// nothing committed is lost.
@Suite("SQLite background checkpoint")
struct SQLiteCheckpointerTests {
    @Test("Commits with pauses between them are checkpointed in the background and the WAL starts over")
    func checkpointsInBackground() async throws {
        let (path, connection, checkpointer) = try Self.database(threshold: 64)
        defer { WALCoalescingTests.remove(path) }
        var largest = 0
        for round in 0..<200 {
            try WALCoalescingTests.insert(connection, rows: round * 10..<round * 10 + 10, size: 400)
            largest = max(largest, try Self.walFrames(path))
            // A pause after each commit, as between single tasks: room for a pass.
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(checkpointer.completedPasses > 0)
        // 800 KB of rows went through the WAL, and it started over from its beginning
        // before ever reaching the inline fallback's 128 frames: the background did it.
        #expect(largest > 64)
        #expect(largest < 128)
        connection.close()
        checkpointer.close()
        try WALCoalescingTests.expectRows(path, count: 2_000, bytes: 2_000 * 400)
    }

    @Test("A writer that never pauses still has its WAL bounded, by the inline fallback")
    func boundedUnderContinuousWrites() throws {
        let (path, connection, checkpointer) = try Self.database(threshold: 64)
        defer { WALCoalescingTests.remove(path) }
        var largest = 0
        var restarts = 0
        var previous = 0
        for round in 0..<500 {
            try WALCoalescingTests.insert(connection, rows: round * 10..<round * 10 + 10, size: 400)
            let frames = try Self.walFrames(path)
            largest = max(largest, frames)
            if frames < previous { restarts += 1 }
            previous = frames
        }
        // 2 MB of rows through a WAL that started over again and again: the fallback
        // checkpoints at twice the threshold (a few commits later when a background
        // pass holds the checkpoint lock at that moment).
        #expect(restarts >= 10)
        #expect(largest < 4 * 64)
        connection.close()
        checkpointer.close()
        try WALCoalescingTests.expectRows(path, count: 5_000, bytes: 5_000 * 400)
    }

    @Test("The engine checkpoints its store in the background and closes cleanly")
    func engineUsesIt() async throws {
        let path = WALCoalescingTests.freshPath()
        defer { WALCoalescingTests.remove(path) }
        let engine = try SQLiteEngine(path: path, checkpointThreshold: 32)
        let store = DurableStore(engine: engine, configuration: DurableStore.Configuration())
        for index in 0..<60 {
            try store.register(Fixture.node("node-\(index)", operator: "op-\(index)"))
            if index % 10 == 9 { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(engine.checkpointPasses > 0)
        store.close()
        let reopened = try DurableStore.sqlite(path: path)
        defer { reopened.close() }
        #expect(try reopened.nodes().count == 60)
    }

    /// A new database with the test table, whose connection leaves checkpoints to a
    /// checkpointer with `threshold`.
    static func database(threshold: Int32) throws -> (String, SQLiteConnection, SQLiteCheckpointer) {
        let path = WALCoalescingTests.freshPath()
        let connection = try WALCoalescingTests.open(path)
        let checkpointer = try SQLiteCheckpointer(path: path, threshold: threshold)
        connection.checkpoint(with: checkpointer)
        try WALCoalescingTests.createTable(connection)
        return (path, connection, checkpointer)
    }

    /// The frames in the WAL now (`mxFrame` in the WAL index's header).
    static func walFrames(_ path: String) throws -> Int {
        let header = try #require(FileManager.default.contents(atPath: path + "-shm")?.prefix(20))
        return header.suffix(4).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    }
}
