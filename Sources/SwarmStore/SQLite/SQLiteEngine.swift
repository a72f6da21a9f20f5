import SwarmCore
import Synchronization

/// The embedded engine: one SQLite file in WAL mode, one connection used by one thread
/// at a time.
///
/// SQLite allows one writer at a time anyway, so a single connection behind a lock loses
/// nothing and keeps the statement cache warm. Transactions begin with `BEGIN IMMEDIATE`:
/// the write lock is taken at the start, so a transaction never fails half-way with
/// `SQLITE_BUSY` on its first write (what a deferred transaction does under contention).
final class SQLiteEngine: SQLEngine, @unchecked Sendable {
    // @unchecked: `connection` is used only inside `lock`.
    private let lock = Mutex(())
    private let connection: SQLiteConnection
    private let checkpointer: SQLiteCheckpointer
    private let closed = Atomic<Bool>(false)

    let dialect = SQLDialect.sqlite
    /// The database file.
    let path: String

    /// Opens the file and applies `migrations` (all of them but in tests of an upgrade).
    /// The WAL is checkpointed in the background past `checkpointThreshold` pages
    /// (`SQLiteCheckpointer`).
    init(
        path: String, busyTimeoutMilliseconds: Int32 = 5_000, migrations: [Migration] = SQLiteMigrations.all,
        checkpointThreshold: Int32 = SQLiteCheckpointer.defaultThreshold
    ) throws(StoreError) {
        self.path = path
        connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        checkpointer = try SQLiteCheckpointer(path: path, threshold: checkpointThreshold)
        connection.checkpoint(with: checkpointer)
        try Migrator(migrations: migrations).apply(on: self)
    }

    /// Background checkpoints completed so far.
    var checkpointPasses: Int { checkpointer.completedPasses }

    func transaction<T: Sendable>(readOnly: Bool, _ body: (any SQLConnection) throws(StoreError) -> T)
        throws(StoreError) -> T
    {
        try lock.withLock { _ throws(StoreError) -> T in
            guard !closed.load(ordering: .acquiring) else {
                throw StoreError(.unavailable, "the SQLite store is closed")
            }
            try connection.execute(readOnly ? "BEGIN" : "BEGIN IMMEDIATE")
            let value: T
            do throws(StoreError) {
                value = try body(connection)
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
            do throws(StoreError) {
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw StoreError(error.code, error.message, commit: .unknown)
            }
            return value
        }
    }

    func close() {
        lock.withLock { _ in
            closed.store(true, ordering: .releasing)
            connection.close()
        }
        checkpointer.close()
    }
}
