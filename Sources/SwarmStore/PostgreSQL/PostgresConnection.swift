private import CLibpq

/// One libpq connection with its prepared statements.
///
/// Statements are written with `?` placeholders (as for SQLite) and rewritten to `$n`
/// once, when first prepared. Parameters go as text, except blobs, which go in binary
/// format (no escaping), all from one buffer (`PostgresParameters`); results come back
/// in binary format and are decoded by column OID (`PostgresBinary`).
///
/// `@unchecked Sendable`: used by one thread at a time, handed between threads only
/// through `PostgresEngine`'s pool lock.
final class PostgresConnection: SQLConnection, @unchecked Sendable {
    private var conn: OpaquePointer?
    private var statements: [String: String] = [:]
    /// Unnamed statements' text with `$n` placeholders, by their `?` text (a bounded
    /// set: each bulk shape has at most eight sizes).
    private var unnamed: [String: String] = [:]

    init(url: String) throws(StoreError) {
        let conn = PQconnectdb(url)
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            PQfinish(conn)
            throw StoreError(.unavailable, "cannot connect to PostgreSQL: \(message)")
        }
        self.conn = conn
        // Notices ("relation schema_migrations already exists, skipping" at every
        // start) are not for the coordinator's users; warnings and errors still come.
        try execute("SET synchronous_commit = on; SET client_min_messages = warning")
        try execute(Self.plannerCosts)
    }

    /// Unless the server's operator set `random_page_cost`, this session plans with 1.1
    /// instead of the default 4, which models a spinning disk: the store reads a cached
    /// working set by key, and at 4 the planner chose sequential scans for batches of
    /// key lookups (`id IN (...)`) on tables that had grown since their last ANALYZE
    /// (the leases, every batch, until autovacuum came by). PostgreSQL's documentation
    /// suggests 1.1 for storage with cheap random reads. Store bench, batch 100: +5 %.
    static let plannerCosts = """
        SELECT set_config('random_page_cost', '1.1', false) FROM pg_settings
        WHERE name = 'random_page_cost' AND source = 'default'
        """

    deinit { close() }

    func close() {
        if let conn { PQfinish(conn) }
        conn = nil
    }

    /// Whether the connection can still be used (a broken one is dropped from the pool).
    var isHealthy: Bool { conn.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// Runs SQL without parameters (BEGIN, COMMIT, ROLLBACK, SET).
    func execute(_ sql: String) throws(StoreError) {
        guard let conn else { throw StoreError(.unavailable, "the PostgreSQL connection is closed") }
        let result = PQexec(conn, sql)
        defer { PQclear(result) }
        try check(result, sql: sql)
    }

    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> [SQLRow] {
        try run(sql, parameters, eachTime: false)
    }

    /// An unnamed statement: PostgreSQL plans it at every bind with the values given
    /// (one round trip, as for a prepared one).
    @discardableResult
    func queryPlannedEachTime(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> [SQLRow] {
        try run(sql, parameters, eachTime: true)
    }

    private func run(_ sql: String, _ parameters: [SQLValue], eachTime: Bool) throws(StoreError) -> [SQLRow] {
        guard let conn else { throw StoreError(.unavailable, "the PostgreSQL connection is closed") }
        let name = eachTime ? nil : try prepared(sql, parameterCount: parameters.count, conn: conn)
        let result = PostgresParameters.withEncoded(parameters) { values, lengths, formats in
            // Results in binary format: integers and doubles without parsing, `bytea`
            // without hex (half the bytes from the server, no decoding here).
            if let name {
                return PQexecPrepared(conn, name, Int32(parameters.count), values, lengths, formats, 1)
            }
            return PQexecParams(conn, numberedOnce(sql), Int32(parameters.count), nil, values, lengths, formats, 1)
        }
        defer { PQclear(result) }
        try check(result, sql: sql)
        guard let result else { return [] }
        return try rows(of: result)
    }

    /// Sends every statement, then a sync, then reads the answers (libpq's pipeline
    /// mode): one round trip for the batch. After an error the server skips the rest
    /// (PGRES_PIPELINE_ABORTED) up to the sync; the first error is thrown once every
    /// answer has been read and the connection has left pipeline mode. Statements new
    /// to this connection are prepared first, each in a round trip of its own, once.
    func runAll(_ statements: [SQLStatement]) throws(StoreError) -> [[SQLRow]] {
        guard statements.count > 1 else {
            return try statements.map { (statement) throws(StoreError) in
                try run(statement.sql, statement.parameters, eachTime: statement.plannedEachTime)
            }
        }
        guard let conn else { throw StoreError(.unavailable, "the PostgreSQL connection is closed") }
        var names: [String?] = []
        names.reserveCapacity(statements.count)
        for statement in statements {
            names.append(
                statement.plannedEachTime
                    ? nil : try prepared(statement.sql, parameterCount: statement.parameters.count, conn: conn))
        }
        guard PQenterPipelineMode(conn) == 1 else {
            throw StoreError(.database, "PostgreSQL: cannot enter pipeline mode: \(errorMessage(conn))")
        }
        var sent = 0
        var failure: StoreError?
        for (statement, name) in zip(statements, names) {
            let queued = PostgresParameters.withEncoded(statement.parameters) { values, lengths, formats in
                if let name {
                    return PQsendQueryPrepared(
                        conn, name, Int32(statement.parameters.count), values, lengths, formats, 1)
                }
                return PQsendQueryParams(
                    conn, numberedOnce(statement.sql), Int32(statement.parameters.count), nil, values, lengths,
                    formats, 1)
            }
            guard queued == 1 else {
                failure = StoreError(.unavailable, "PostgreSQL: cannot send a statement: \(errorMessage(conn))")
                break
            }
            sent += 1
        }
        if PQpipelineSync(conn) != 1, failure == nil {
            failure = StoreError(.unavailable, "PostgreSQL: cannot end the pipeline: \(errorMessage(conn))")
        }
        var results: [[SQLRow]] = []
        results.reserveCapacity(sent)
        for statement in statements.prefix(sent) {
            var rows: [SQLRow] = []
            // A statement's answer, then nil.
            while let result = PQgetResult(conn) {
                defer { PQclear(result) }
                guard failure == nil else { continue }
                do throws(StoreError) {
                    try check(result, sql: statement.sql)
                    rows = try self.rows(of: result)
                } catch {
                    failure = error
                }
            }
            results.append(rows)
        }
        // The sync's own answer ends the pipeline.
        while let result = PQgetResult(conn) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        if PQexitPipelineMode(conn) != 1, failure == nil {
            failure = StoreError(.unavailable, "PostgreSQL: cannot leave pipeline mode: \(errorMessage(conn))")
        }
        if let failure { throw failure }
        return results
    }

    private func errorMessage(_ conn: OpaquePointer) -> String {
        String(String(cString: PQerrorMessage(conn)).reversed().drop { $0 == "\n" || $0 == " " }.reversed())
    }

    /// A result's rows, each value decoded from PostgreSQL's binary format.
    private func rows(of result: OpaquePointer) throws(StoreError) -> [SQLRow] {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        guard rowCount > 0 else { return [] }
        let types = (0..<columnCount).map { PQftype(result, $0) }
        var rows: [SQLRow] = []
        rows.reserveCapacity(Int(rowCount))
        for r in 0..<rowCount {
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columnCount))
            for c in 0..<columnCount {
                guard PQgetisnull(result, r, c) == 0, let raw = PQgetvalue(result, r, c) else {
                    values.append(.null)
                    continue
                }
                let bytes = UnsafeRawBufferPointer(start: raw, count: Int(PQgetlength(result, r, c)))
                values.append(try PostgresBinary.decode(bytes, type: types[Int(c)]))
            }
            rows.append(SQLRow(values: values))
        }
        return rows
    }

    private func prepared(_ sql: String, parameterCount: Int, conn: OpaquePointer) throws(StoreError) -> String {
        if let name = statements[sql] { return name }
        let name = "s\(statements.count + 1)"
        let result = PQprepare(conn, name, Self.numbered(sql), Int32(parameterCount), nil)
        defer { PQclear(result) }
        try check(result, sql: sql)
        statements[sql] = name
        return name
    }

    private func numberedOnce(_ sql: String) -> String {
        if let cached = unnamed[sql] { return cached }
        let text = Self.numbered(sql)
        unnamed[sql] = text
        return text
    }

    /// `?` placeholders rewritten as PostgreSQL's `$1`, `$2`, ...
    static func numbered(_ sql: String) -> String {
        var rewritten = ""
        rewritten.reserveCapacity(sql.utf8.count + 64)
        var n = 0
        for ch in sql {
            if ch == "?" {
                n += 1
                rewritten += "$\(n)"
            } else {
                rewritten.append(ch)
            }
        }
        return rewritten
    }

    private func check(_ result: OpaquePointer?, sql: String) throws(StoreError) {
        guard let result else {
            throw StoreError(
                .unavailable, "PostgreSQL: \(conn.map { String(cString: PQerrorMessage($0)) } ?? "no connection")")
        }
        let status = PQresultStatus(result)
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK { return }
        let message = String(cString: PQresultErrorMessage(result))
        let state = PQresultErrorField(result, CLibpq_PG_DIAG_SQLSTATE()).map { String(cString: $0) } ?? ""
        throw Self.error(sqlState: state, message: message, sql: sql, healthy: isHealthy)
    }

    /// Maps SQLSTATE classes onto store codes: serialization failures and deadlocks are
    /// conflicts (the engine retries them), unique violations existing rows, connection
    /// exceptions unavailability.
    static func error(sqlState: String, message: String, sql: String, healthy: Bool) -> StoreError {
        if sqlState == "40001" || sqlState == "40P01" || sqlState == "55P03" {
            return StoreError(.conflict, "PostgreSQL conflict (\(sqlState)): \(message)")
        }
        if sqlState == "23505" { return StoreError(.alreadyExists, "a row with that key already exists: \(message)") }
        if sqlState.hasPrefix("08") || !healthy {
            return StoreError(.unavailable, "PostgreSQL connection failed: \(message)")
        }
        return StoreError(.database, "PostgreSQL error \(sqlState): \(message) in: \(sql.prefix(120))")
    }
}
