import SwarmCore

/// The lower level of the store (temporal's "persistence" level): one connection that
/// runs SQL with positional `?` parameters. The transitions above it are written once
/// against this protocol; each engine supplies a connection and its SQL dialect.
///
/// Implementations prepare each distinct statement once and reuse it (a statement cache),
/// because the transitions run the same few dozen statements millions of times.
protocol SQLConnection: AnyObject {
    /// Runs a statement and returns its rows (none for writes without `RETURNING`).
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> [SQLRow]

    /// As `query`, for a statement whose best plan depends on its parameters and on the
    /// table's size, such as a lookup of a batch of keys (`id IN (?, ?, ...)`): the
    /// engine plans it for these values each time instead of reusing one plan.
    /// PostgreSQL would otherwise settle on a generic plan after five executions, and
    /// one made while the table was small scans it sequentially from then on.
    @discardableResult
    func queryPlannedEachTime(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> [SQLRow]

    /// Runs statements in order, as the transaction's next steps, and returns each
    /// one's rows. PostgreSQL sends them all before reading any answer (pipeline mode:
    /// one round trip instead of one each); the first error aborts the rest and is
    /// thrown. For statements no later one depends on the answer of (a flush's writes).
    func runAll(_ statements: [SQLStatement]) throws(StoreError) -> [[SQLRow]]
}

/// One statement of a `SQLConnection.runAll` batch.
struct SQLStatement {
    var sql: String
    var parameters: [SQLValue]
    /// Planned for its values each time (see `SQLConnection.queryPlannedEachTime`).
    var plannedEachTime = false
}

extension SQLConnection {
    /// SQLite's planner does not cache plans by cost: the ordinary path is right.
    func queryPlannedEachTime(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> [SQLRow] {
        try query(sql, parameters)
    }

    /// One statement after the other: an in-process engine has no round trips to save.
    func runAll(_ statements: [SQLStatement]) throws(StoreError) -> [[SQLRow]] {
        var results: [[SQLRow]] = []
        results.reserveCapacity(statements.count)
        for statement in statements {
            results.append(
                try statement.plannedEachTime
                    ? queryPlannedEachTime(statement.sql, statement.parameters)
                    : query(statement.sql, statement.parameters))
        }
        return results
    }
}

/// What differs between the engines' SQL, beyond the migrations.
struct SQLDialect: Sendable {
    /// Appended to the claim query: PostgreSQL's `FOR UPDATE SKIP LOCKED` lets several
    /// coordinators claim from one queue without waiting for or double-claiming rows;
    /// SQLite has one writer at a time (`BEGIN IMMEDIATE`) and needs nothing.
    var skipLocked: String
    /// Appended to reads of rows the transaction will update (`FOR UPDATE`), so two
    /// transactions never both read the old value.
    var forUpdate: String
    /// Whether `queryPlannedEachTime` keeps nothing prepared (PostgreSQL's unnamed
    /// statements), so a key list may have any length; otherwise its lengths are powers
    /// of two, to bound the statement cache.
    var unpreparedKeyLists: Bool = false
    /// Whether changed task rows that exist are written by `UPDATE … FROM (VALUES …)`
    /// (SQLite: no insert attempted before the conflict turns it into an update) rather
    /// than by the multi-row upsert that also inserts new rows (PostgreSQL, where the
    /// untyped `VALUES` list would need a cast per column).
    var rowUpdates: Bool = false

    static let sqlite = SQLDialect(skipLocked: "", forUpdate: "", rowUpdates: true)
    /// For read-only transactions on any engine: no row locks.
    static let unlocked = SQLDialect(skipLocked: "", forUpdate: "")
    static let postgres = SQLDialect(
        skipLocked: " FOR UPDATE SKIP LOCKED", forUpdate: " FOR UPDATE", unpreparedKeyLists: true)
}

/// An engine: runs a closure as one transaction and commits before returning, so a write
/// is acknowledged only once durable. A closure that throws rolls back; an engine may
/// run the closure again after a conflict (deadlock, serialization failure), so closures
/// must not have effects outside the connection.
protocol SQLEngine: Sendable {
    var dialect: SQLDialect { get }
    /// `readOnly` transactions take no write lock (SQLite: a deferred `BEGIN`;
    /// PostgreSQL: `BEGIN READ ONLY`) and must not lock rows.
    func transaction<T: Sendable>(readOnly: Bool, _ body: (any SQLConnection) throws(StoreError) -> T)
        throws(StoreError) -> T
    /// Releases connections; later calls fail with `unavailable`.
    func close()
}
