/// One numbered schema change (river's and temporal's numbered migrations). Each engine
/// has its own list with the same numbers and meaning, in its own SQL.
struct Migration: Sendable {
    var version: Int
    var name: String
    /// Statements run in order inside one transaction.
    var statements: [String]
}

/// Applies the migrations a database lacks, at start-up, each in its own transaction,
/// recording each in `schema_migrations` so that it runs once.
struct Migrator: Sendable {
    var migrations: [Migration]
    /// Taken first in every migration transaction, so two processes starting together
    /// do not both apply one migration (PostgreSQL: an advisory lock; SQLite's
    /// `BEGIN IMMEDIATE` already excludes other writers).
    var lockStatement: String?

    init(migrations: [Migration], lockStatement: String? = nil) {
        self.migrations = migrations
        self.lockStatement = lockStatement
    }

    func apply(on engine: some SQLEngine) throws(StoreError) {
        try engine.transaction(readOnly: false) { (connection) throws(StoreError) in
            if let lockStatement { try connection.query(lockStatement, []) }
            try connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)",
                [])
        }
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            try engine.transaction(readOnly: false) { (connection) throws(StoreError) in
                if let lockStatement { try connection.query(lockStatement, []) }
                let applied = try connection.query(
                    "SELECT version FROM schema_migrations WHERE version = ?", [.integer(Int64(migration.version))])
                guard applied.isEmpty else { return }
                for statement in migration.statements { try connection.query(statement, []) }
                try connection.query(
                    "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, 0)",
                    [.integer(Int64(migration.version)), .text(migration.name)])
            }
        }
    }
}
