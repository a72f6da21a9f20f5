private import CLibpq

/// One libpq connection with its prepared statements.
///
/// Statements are written with `?` placeholders (as for SQLite) and rewritten to `$n`
/// once, when first prepared. Parameters go as text, except blobs, which go in binary
/// format (no escaping); results come back as text and are typed by column OID.
///
/// `@unchecked Sendable`: used by one thread at a time, handed between threads only
/// through `PostgresEngine`'s pool lock.
final class PostgresConnection: SQLConnection, @unchecked Sendable {
    private var conn: OpaquePointer?
    private var statements: [String: String] = [:]

    init(url: String) throws(StoreError) {
        let conn = PQconnectdb(url)
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            PQfinish(conn)
            throw StoreError(.unavailable, "cannot connect to PostgreSQL: \(message)")
        }
        self.conn = conn
        try execute("SET synchronous_commit = on")
    }

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
        // Keep every parameter's bytes alive until PQexecPrepared returns.
        var buffers: [[CChar]?] = []
        var formats: [Int32] = []
        var lengths: [Int32] = []
        for parameter in parameters {
            switch parameter {
            case .null:
                buffers.append(nil)
                formats.append(0)
                lengths.append(0)
            case .integer(let v): appendText(String(v), &buffers, &formats, &lengths)
            case .real(let v):
                appendText(
                    v.isNaN ? "NaN" : v.isInfinite ? (v > 0 ? "Infinity" : "-Infinity") : "\(v)", &buffers, &formats,
                    &lengths)
            case .text(let s): appendText(s, &buffers, &formats, &lengths)
            case .blob(let b):
                buffers.append(b.map { CChar(bitPattern: $0) } + [0])
                formats.append(1)
                lengths.append(Int32(b.count))
            }
        }
        let result = withPointers(buffers) { pointers in
            if let name {
                PQexecPrepared(conn, name, Int32(parameters.count), pointers, lengths, formats, 0)
            } else {
                PQexecParams(conn, Self.numbered(sql), Int32(parameters.count), nil, pointers, lengths, formats, 0)
            }
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
                if PQgetisnull(result, r, c) != 0 {
                    values.append(.null)
                    continue
                }
                guard let raw = PQgetvalue(result, r, c) else {
                    values.append(.null)
                    continue
                }
                let text = String(cString: raw)
                switch types[Int(c)] {
                case 20, 21, 23: values.append(Int64(text).map { .integer($0) } ?? .text(text))
                case 700, 701: values.append(Double(text).map { .real($0) } ?? .text(text))
                case 1700:
                    values.append(Int64(text).map { .integer($0) } ?? Double(text).map { .real($0) } ?? .text(text))
                case 17: values.append(.blob(try Self.decodeHex(text)))
                default: values.append(.text(text))
                }
            }
            rows.append(SQLRow(values: values))
        }
        return rows
    }

    private func appendText(
        _ s: String, _ buffers: inout [[CChar]?], _ formats: inout [Int32], _ lengths: inout [Int32]
    ) {
        buffers.append(Array(s.utf8CString))
        formats.append(0)
        lengths.append(0)
    }

    private func withPointers<R>(_ buffers: [[CChar]?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafePointer<CChar>?] = []
        func recurse(_ index: Int) -> R {
            if index == buffers.count { return body(pointers) }
            guard let buffer = buffers[index] else {
                pointers.append(nil)
                return recurse(index + 1)
            }
            return buffer.withUnsafeBufferPointer { pointer in
                pointers.append(pointer.baseAddress)
                return recurse(index + 1)
            }
        }
        return recurse(0)
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

    /// `bytea` in text output format: `\x` then two hex digits per byte.
    static func decodeHex(_ text: String) throws(StoreError) -> [UInt8] {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x"), bytes.count % 2 == 0
        else {
            throw StoreError.corrupt("bytea value is not in hex format")
        }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count - 2) / 2)
        var i = 2
        while i < bytes.count {
            guard let hi = nibble(bytes[i]), let lo = nibble(bytes[i + 1]) else {
                throw StoreError.corrupt("bytea value has a bad hex digit")
            }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
