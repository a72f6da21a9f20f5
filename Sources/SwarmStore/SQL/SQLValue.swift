/// A value crossing the boundary to an engine: a statement parameter or a result column.
///
/// Both engines map onto these five cases (SQLite's storage classes; PostgreSQL's
/// `bigint`, `double precision`, `text`, `bytea`), so the transitions are written once.
enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// One result row, read by column position.
struct SQLRow: Sendable {
    var values: [SQLValue]

    func int(_ column: Int) throws(StoreError) -> Int64 {
        switch value(column) {
        case .integer(let v): return v
        case .text(let s):
            if let v = Int64(s) { return v }
        default: break
        }
        throw StoreError.corrupt("column \(column) is not an integer")
    }

    func optionalInt(_ column: Int) throws(StoreError) -> Int64? {
        if case .null = value(column) { return nil }
        return try int(column)
    }

    func double(_ column: Int) throws(StoreError) -> Double {
        switch value(column) {
        case .real(let v): return v
        case .integer(let v): return Double(v)
        case .text(let s):
            if let v = Double(s) { return v }
        default: break
        }
        throw StoreError.corrupt("column \(column) is not a number")
    }

    func text(_ column: Int) throws(StoreError) -> String {
        switch value(column) {
        case .text(let s): return s
        case .integer(let v): return String(v)
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        default: throw StoreError.corrupt("column \(column) is not text")
        }
    }

    func optionalText(_ column: Int) throws(StoreError) -> String? {
        if case .null = value(column) { return nil }
        return try text(column)
    }

    func blob(_ column: Int) throws(StoreError) -> [UInt8] {
        switch value(column) {
        case .blob(let b): return b
        case .text(let s): return Array(s.utf8)
        default: throw StoreError.corrupt("column \(column) is not a blob")
        }
    }

    private func value(_ column: Int) -> SQLValue {
        values.indices.contains(column) ? values[column] : .null
    }
}

extension SQLValue {
    /// `.integer` for a Bool, as both schemas store flags in integer columns.
    static func flag(_ value: Bool) -> SQLValue { .integer(value ? 1 : 0) }
    static func optional(_ value: Int64?) -> SQLValue { value.map { .integer($0) } ?? .null }
}
