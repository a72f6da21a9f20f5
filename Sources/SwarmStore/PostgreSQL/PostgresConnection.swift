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
