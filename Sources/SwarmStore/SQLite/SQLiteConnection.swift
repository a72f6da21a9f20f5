private import CSQLite
private import CSQLiteWALCoalescing

/// One SQLite connection with a prepared-statement cache.
///
/// Not thread-safe: `SQLiteEngine` serialises every use behind its lock.
final class SQLiteConnection: SQLConnection {
    private var db: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    /// Kept alive as long as the WAL hook that points at it.
    private var checkpointer: SQLiteCheckpointer?

    /// Opens (creating) the database file and applies the durable settings: WAL (readers
    /// never block the writer), `synchronous=FULL` (a commit survives power loss, not only
    /// a crash), and a busy timeout (another process holding the write lock is waited for,
    /// not reported as an error). The file is opened through the WAL-coalescing VFS
    /// (`CSQLiteWALCoalescing`): a commit's WAL frames go out in one write instead of two
    /// per page (store bench, batch 100: 20,527 to 4,242 pwrite calls a round).
    init(path: String, busyTimeoutMilliseconds: Int32) throws(StoreError) {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let vfsRegistration = openswarm_wal_coalescing_register()
        guard vfsRegistration == SQLITE_OK else {
            throw StoreError(
                .unavailable,
                "cannot register SQLite's WAL-coalescing VFS: \(String(cString: sqlite3_errstr(vfsRegistration)))")
        }
        let rc = sqlite3_open_v2(path, &handle, flags, OPENSWARM_WAL_COALESCING_VFS)
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
        // Savepoint sub-journals (a store group's calls, a submission leasing to waiting
        // pollers) and sorts in memory, not in temporary files each opened, unlinked and
        // closed per transaction: transient, so durability does not change.
        try execute("PRAGMA temp_store=MEMORY")
    }

    deinit { close() }

    /// Leaves checkpoints to `checkpointer` (a thread of its own) instead of SQLite's
    /// automatic checkpoint inside the commit that crosses the threshold.
    func checkpoint(with checkpointer: SQLiteCheckpointer) {
        guard let db else { return }
        self.checkpointer = checkpointer
        let context = Unmanaged.passUnretained(checkpointer).toOpaque()
        sqlite3_wal_hook(
            db,
            { context, db, name, pages in
                guard let context else { return SQLITE_OK }
                let checkpointer = Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue()
                if checkpointer.walGrew(pages: pages) {
                    // The background has fallen behind: copy here, as SQLite would.
                    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                }
                return SQLITE_OK
            }, context)
    }

    func close() {
        for statement in statements.values { sqlite3_finalize(statement) }
        statements = [:]
        if let db { sqlite3_close_v2(db) }
        db = nil
    }

    /// What the WAL-coalescing VFS did with this connection's WAL: the writes SQLite
    /// made and those that reached the file (nil before the WAL is open). For tests.
    var walWriteCounts: (writes: Int64, flushes: Int64)? {
        guard let db else { return nil }
        var file: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file) == SQLITE_OK, let file else {
            return nil
        }
        var writes: sqlite3_int64 = 0
        var flushes: sqlite3_int64 = 0
        guard openswarm_wal_coalescing_counts(file, &writes, &flushes) != 0 else { return nil }
        return (writes, flushes)
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
        // Every placeholder is bound on every execution (so no binding of an earlier
        // execution, whose bytes are gone, can be read; `sqlite3_clear_bindings`, which
        // walks every parameter of a 1,000-parameter batch statement, is not needed).
        guard Int(sqlite3_bind_parameter_count(statement)) == parameters.count else {
            throw StoreError(
                .database,
                "\(parameters.count) parameters for \(sqlite3_bind_parameter_count(statement)) placeholders in: \(sql.prefix(120))"
            )
        }
        // Text and blob parameters are copied once into one buffer that lives until the
        // statement is reset, and bound without another copy (SQLITE_STATIC): instead of
        // a C string per text from Swift and a private copy per value in SQLite.
        let arena = Self.arena(for: parameters)
        defer {
            sqlite3_reset(statement)
            arena?.deallocate()
        }
        var offset = 0
        for (index, parameter) in parameters.enumerated() {
            let position = Int32(index + 1)
            let rc: Int32
            switch parameter {
            case .null: rc = sqlite3_bind_null(statement, position)
            case .integer(let v): rc = sqlite3_bind_int64(statement, position, v)
            case .real(let v): rc = sqlite3_bind_double(statement, position, v)
            case .text(var text):
                let start = arena?.baseAddress.map { $0 + offset }
                let count = text.withUTF8 { bytes in
                    if let start, let base = bytes.baseAddress { start.copyMemory(from: base, byteCount: bytes.count) }
                    return bytes.count
                }
                rc = sqlite3_bind_text(
                    statement, position, start?.assumingMemoryBound(to: CChar.self), Int32(count),
                    CSQLite_SQLITE_STATIC())
                offset += count
            case .blob(let bytes):
                let start = arena?.baseAddress.map { $0 + offset }
                bytes.withUnsafeBytes { raw in
                    if let start, let base = raw.baseAddress { start.copyMemory(from: base, byteCount: raw.count) }
                }
                rc = sqlite3_bind_blob(
                    statement, position, start.map { UnsafeRawPointer($0) }, Int32(bytes.count),
                    CSQLite_SQLITE_STATIC())
                offset += bytes.count
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

    /// One buffer for every text and blob parameter's bytes (at least one byte: an
    /// empty value still needs a pointer, a null one binds NULL), or nil when there are
    /// no such parameters.
    private static func arena(for parameters: [SQLValue]) -> UnsafeMutableRawBufferPointer? {
        var total = 0
        var any = false
        for parameter in parameters {
            switch parameter {
            case .text(let text):
                total += text.utf8.count
                any = true
            case .blob(let bytes):
                total += bytes.count
                any = true
            case .null, .integer, .real: break
            }
        }
        guard any else { return nil }
        return UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, total), alignment: 8)
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
