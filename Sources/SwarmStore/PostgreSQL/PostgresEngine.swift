import Synchronization

/// The PostgreSQL engine: a small pool of libpq connections; each transaction runs on
/// one of them at READ COMMITTED, with rows it changes locked `FOR UPDATE` and queue
/// claims `FOR UPDATE SKIP LOCKED`. Deadlocks and serialization failures roll back and
/// run the transaction again (a few times), so callers see them only as `conflict`.
final class PostgresEngine: SQLEngine {
    let url: String
    private let poolSize: Int
    private let idle: Mutex<[PostgresConnection]>
    private let closed = Atomic<Bool>(false)
    static let maxConflictRetries = 20

    let dialect = SQLDialect.postgres

    /// `migrations`: all of them, except in tests that build a database as an earlier
    /// release left it.
    init(url: String, poolSize: Int, migrations: [Migration] = PostgresMigrations.all) throws(StoreError) {
        self.url = url
        self.poolSize = max(1, poolSize)
        idle = Mutex([])
        let first = try PostgresConnection(url: url)
        idle.withLock { $0.append(first) }
        try Migrator(migrations: migrations, lockStatement: "SELECT pg_advisory_xact_lock(7270417)")
            .apply(on: self)
    }

    private func acquire() throws(StoreError) -> PostgresConnection {
        guard !closed.load(ordering: .acquiring) else {
            throw StoreError(.unavailable, "the PostgreSQL store is closed")
        }
        if let connection = idle.withLock({ $0.popLast() }) { return connection }
        return try PostgresConnection(url: url)
    }

    private func release(_ connection: PostgresConnection) {
        guard connection.isHealthy, !closed.load(ordering: .acquiring) else {
            connection.close()
            return
        }
        let kept = idle.withLock { pool -> Bool in
            guard pool.count < poolSize else { return false }
            pool.append(connection)
            return true
        }
        if !kept { connection.close() }
    }

    func transaction<T: Sendable>(readOnly: Bool, _ body: (any SQLConnection) throws(StoreError) -> T)
        throws(StoreError) -> T
    {
        var attempt = 0
        while true {
            attempt += 1
            let connection = try acquire()
            defer { release(connection) }
            do throws(StoreError) {
                try connection.execute(readOnly ? "BEGIN READ ONLY" : "BEGIN")
                let value = try body(connection)
                do throws(StoreError) {
                    try connection.execute("COMMIT")
                } catch {
                    if error.code == .conflict, attempt < Self.maxConflictRetries { continue }
                    throw StoreError(
                        error.code, error.message, commit: error.code == .conflict ? .notCommitted : .unknown)
                }
                return value
            } catch {
                try? connection.execute("ROLLBACK")
                if error.code == .conflict, attempt < Self.maxConflictRetries { continue }
                throw error
            }
        }
    }

    func close() {
        closed.store(true, ordering: .releasing)
        let connections = idle.withLock { pool -> [PostgresConnection] in
            defer { pool = [] }
            return pool
        }
        for connection in connections { connection.close() }
    }
}
