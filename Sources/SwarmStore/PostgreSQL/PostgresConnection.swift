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
                PQexecParams(conn, numberedOnce(sql), Int32(parameters.count), nil, pointers, lengths, formats, 0)
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
                if types[Int(c)] == 17 {
                    let length = Int(PQgetlength(result, r, c))
                    let bytes = UnsafeRawBufferPointer(start: raw, count: length).bindMemory(to: UInt8.self)
                    values.append(.blob(try Self.decodeHex(bytes)))
                    continue
                }
                let text = String(cString: raw)
                switch types[Int(c)] {
                case 20, 21, 23: values.append(Int64(text).map { .integer($0) } ?? .text(text))
                case 700, 701: values.append(Double(text).map { .real($0) } ?? .text(text))
                case 1700:
                    values.append(Int64(text).map { .integer($0) } ?? Double(text).map { .real($0) } ?? .text(text))
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

    /// `bytea` in text output format (`\x` then two hex digits per byte), straight from
    /// libpq's result buffer (no String in between).
    static func decodeHex(_ bytes: UnsafeBufferPointer<UInt8>) throws(StoreError) -> [UInt8] {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x"), bytes.count % 2 == 0
        else {
            throw StoreError.corrupt("bytea value is not in hex format")
        }
        let count = (bytes.count - 2) / 2
        guard count > 0, let base = bytes.baseAddress else { return [] }
        // Plain arithmetic on raw pointers: this loop touches every byte of every record
        // read, and must stay cheap in debug builds too (the multi-process test).
        var bad: UInt8 = 0
        let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let target = buffer.baseAddress else { return }
            var source = base + 2
            var index = 0
            while index < count {
                // A digit is '0'...'9' (value 0...9) or, lowercased with | 0x20, 'a'...'f'
                // (10...15); anything else sets `bad`.
                let hDigit = source[0] &- 48
                let hLetter = (source[0] | 0x20) &- 97
                let lDigit = source[1] &- 48
                let lLetter = (source[1] | 0x20) &- 97
                bad |= (hDigit < 10 ? 0 : 1) & (hLetter < 6 ? 0 : 1)
                bad |= (lDigit < 10 ? 0 : 1) & (lLetter < 6 ? 0 : 1)
                let high = hDigit < 10 ? hDigit : hLetter &+ 10
                let low = lDigit < 10 ? lDigit : lLetter &+ 10
                target[index] = high &<< 4 | low & 15
                source += 2
                index += 1
            }
            initialized = count
        }
        guard bad == 0 else { throw StoreError.corrupt("bytea value has a bad hex digit") }
        return out
    }
}
