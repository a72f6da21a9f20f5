private import CSQLite

/// One SQLite connection with a prepared-statement cache.
///
/// Not thread-safe: `SQLiteEngine` serialises every use behind its lock.
final class SQLiteConnection: SQLConnection {
    private var db: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    /// Opens (creating) the database file and applies the durable settings: WAL (readers
    /// never block the writer), `synchronous=FULL` (a commit survives power loss, not only
    /// a crash), and a busy timeout (another process holding the write lock is waited for,
    /// not reported as an error).
    init(path: String, busyTimeoutMilliseconds: Int32) throws(StoreError) {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw StoreError(.unavailable, "cannot open SQLite database at \(path): \(message)")
        }
        db = handle
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=FULL")
        // A page cache of 64 MiB instead of 2 MiB: the queue's working set (the tasks
        // table and its five indexes, the ledger's tail) stays in memory instead of being
        // re-read from the OS on every batch. Memory, not durability: every commit is
        // still in the WAL and fsynced before it returns.
        try execute("PRAGMA cache_size=-65536")
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit { close() }

    func close() {
        for statement in statements.values { sqlite3_finalize(statement) }
        statements = [:]
        if let db { sqlite3_close_v2(db) }
        db = nil
    }

    /// Runs SQL without parameters or caching (pragmas, migrations, BEGIN/COMMIT).
    func execute(_ sql: String) throws(StoreError) {
        guard let db else { throw StoreError(.unavailable, "the SQLite store is closed") }
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
            sqlite3_free(error)
            throw Self.error(rc, message, sql: sql)
        }
    }

    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> [SQLRow] {
        guard let db else { throw StoreError(.unavailable, "the SQLite store is closed") }
        let statement = try prepared(sql, db: db)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (offset, parameter) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch parameter {
            case .null: rc = sqlite3_bind_null(statement, index)
            case .integer(let v): rc = sqlite3_bind_int64(statement, index, v)
            case .real(let v): rc = sqlite3_bind_double(statement, index, v)
            case .text(let s): rc = sqlite3_bind_text(statement, index, s, -1, CSQLite_SQLITE_TRANSIENT())
            case .blob(let b):
                rc = b.withUnsafeBytes { raw in
                    sqlite3_bind_blob(statement, index, raw.baseAddress, Int32(raw.count), CSQLite_SQLITE_TRANSIENT())
                }
            }
            guard rc == SQLITE_OK else { throw Self.error(rc, String(cString: sqlite3_errmsg(db)), sql: sql) }
        }
        var rows: [SQLRow] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw Self.error(rc, String(cString: sqlite3_errmsg(db)), sql: sql) }
            let count = sqlite3_column_count(statement)
            var values: [SQLValue] = []
            values.reserveCapacity(Int(count))
            for column in 0..<count {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(statement, column)))
                case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(statement, column)))
                case SQLITE_TEXT:
                    values.append(.text(sqlite3_column_text(statement, column).map { String(cString: $0) } ?? ""))
                case SQLITE_BLOB:
                    let length = Int(sqlite3_column_bytes(statement, column))
                    if length > 0, let bytes = sqlite3_column_blob(statement, column) {
                        values.append(.blob(Array(UnsafeRawBufferPointer(start: bytes, count: length))))
                    } else {
                        values.append(.blob([]))
                    }
                default: values.append(.null)
                }
            }
            rows.append(SQLRow(values: values))
        }
        return rows
    }

    private func prepared(_ sql: String, db: OpaquePointer) throws(StoreError) -> OpaquePointer {
        if let cached = statements[sql] { return cached }
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw Self.error(rc, String(cString: sqlite3_errmsg(db)), sql: sql)
        }
        statements[sql] = statement
        return statement
    }

    /// Maps SQLite result codes onto store codes: a busy database is a conflict (safe to
    /// retry), a constraint violation an existing row, I/O trouble unavailability.
    static func error(_ rc: Int32, _ message: String, sql: String) -> StoreError {
        switch rc & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return StoreError(.conflict, "the SQLite database is locked by another writer: \(message)")
        case SQLITE_CONSTRAINT:
            return StoreError(.alreadyExists, "a row with that key already exists: \(message)")
        case SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_READONLY:
            return StoreError(.unavailable, "SQLite I/O failed: \(message)")
        default:
            return StoreError(.database, "SQLite error \(rc): \(message) in: \(sql.prefix(120))")
        }
    }
}
