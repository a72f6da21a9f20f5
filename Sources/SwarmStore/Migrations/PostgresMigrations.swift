import SwarmCore

/// The PostgreSQL schema, by migration number: the same tables as `SQLiteMigrations`
/// in PostgreSQL's types (`bigint`, `double precision`, `bytea`, `bigserial`).
enum PostgresMigrations {
    static let all: [Migration] = [
        Migration(
            version: 1, name: "initial",
            statements: [
                """
                CREATE TABLE swarms (id TEXT PRIMARY KEY, min_reputation DOUBLE PRECISION NOT NULL,
                  allowed_regions TEXT NOT NULL, token_budget_micros BIGINT NOT NULL, spent_micros BIGINT NOT NULL,
                  escrowed_micros BIGINT NOT NULL)
                """,
                "CREATE TABLE accounts (id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT, balance_micros BIGINT NOT NULL)",
                """
                CREATE TABLE ledger_transactions (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE,
                  type TEXT NOT NULL, reference TEXT NOT NULL, at_ms BIGINT NOT NULL)
                """,
                """
                CREATE TABLE postings (transaction_seq BIGINT NOT NULL REFERENCES ledger_transactions(seq),
                  leg BIGINT NOT NULL, account_id TEXT NOT NULL REFERENCES accounts(id), amount_micros BIGINT NOT NULL,
                  PRIMARY KEY (transaction_seq, leg))
                """,
                "CREATE INDEX postings_account ON postings (account_id)",
                """
                CREATE TABLE nodes (id TEXT PRIMARY KEY, is_online BIGINT NOT NULL, active_leases BIGINT NOT NULL,
                  record BYTEA NOT NULL)
                """,
                """
                CREATE TABLE tasks (id TEXT PRIMARY KEY, dag_id TEXT NOT NULL, state TEXT NOT NULL,
                  priority BIGINT NOT NULL, submitted_at BIGINT NOT NULL, offer_at BIGINT, deadline_at BIGINT,
                  record BYTEA NOT NULL)
                """,
                "CREATE INDEX tasks_queue ON tasks (priority DESC, submitted_at, id) WHERE offer_at IS NOT NULL",
                "CREATE INDEX tasks_deadline ON tasks (deadline_at) WHERE deadline_at IS NOT NULL",
                "CREATE INDEX tasks_dag ON tasks (dag_id)",
                "CREATE TABLE task_edges (parent_id TEXT NOT NULL, child_id TEXT NOT NULL, PRIMARY KEY (parent_id, child_id))",
                """
                CREATE TABLE leases (id TEXT PRIMARY KEY, task_id TEXT NOT NULL, attempt BIGINT NOT NULL,
                  node_id TEXT NOT NULL, deadline_at BIGINT NOT NULL, active BIGINT NOT NULL)
                """,
                "CREATE INDEX leases_due ON leases (deadline_at) WHERE active = 1",
            ]),
        // Node credentials and keys (issue 5): only the SHA-256 of a credential is kept;
        // `profile` is the registration as the coordinator received it (opaque here).
        Migration(
            version: 2, name: "node_identities",
            statements: [
                """
                CREATE TABLE node_identities (node_id TEXT PRIMARY KEY REFERENCES nodes(id),
                  credential_sha256 BYTEA NOT NULL, public_key BYTEA NOT NULL, request_id TEXT,
                  registered_at_ms BIGINT NOT NULL, profile BYTEA NOT NULL)
                """,
                "CREATE UNIQUE INDEX node_identities_request ON node_identities (request_id) WHERE request_id IS NOT NULL",
                "CREATE INDEX tasks_submitted ON tasks (submitted_at, id)",
            ]),
        // Fair share between submitters (issue 4): the queue per submitter, so that a
        // lease can take the head of every submitter's queue without scanning another's
        // flood. Rows written before this migration share the empty submitter.
        Migration(
            version: 3, name: "fair_share",
            statements: [
                "ALTER TABLE tasks ADD COLUMN submitter TEXT NOT NULL DEFAULT ''",
                "CREATE INDEX tasks_fair ON tasks (submitter, priority DESC, submitted_at, id) WHERE offer_at IS NOT NULL",
            ]),
        // Swarm administration (issue 5): who created a swarm and its request as
        // received; a deleted swarm's row leaves `swarms` and stays here, marked deleted,
        // with what it had spent.
        Migration(
            version: 4, name: "swarm_profiles",
            statements: [
                """
                CREATE TABLE swarm_profiles (swarm_id TEXT PRIMARY KEY, created_by TEXT NOT NULL,
                  created_at_ms BIGINT NOT NULL, deleted_at_ms BIGINT, spent_micros BIGINT NOT NULL DEFAULT 0,
                  profile BYTEA NOT NULL)
                """
            ]),
        // SQLite's migration 5 clusters its postings on (transaction, leg); PostgreSQL's
        // heap and primary-key index are already that shape. Recorded so the numbers
        // stay the same on both engines.
        Migration(version: 5, name: "postings_clustered", statements: []),
        // Idempotent submissions: see SQLite's migration 6.
        Migration(
            version: 6, name: "submission_keys",
            statements: [
                """
                CREATE TABLE submission_keys (dag_id TEXT PRIMARY KEY, submitter TEXT NOT NULL,
                  created_at_ms BIGINT NOT NULL)
                """
            ]),
        // Ledger legs without foreign keys: see SQLite's migration 7. PostgreSQL checked
        // each leg with two trigger queries (a share lock on the escrow account's row
        // for every leg that touches it); a settled batch of 100 tasks spent more time
        // there than on anything else (store bench: 5,080 to 6,357 tasks/s).
        Migration(
            version: 7, name: "postings_unreferenced",
            statements: [
                "ALTER TABLE postings DROP CONSTRAINT IF EXISTS postings_transaction_seq_fkey",
                "ALTER TABLE postings DROP CONSTRAINT IF EXISTS postings_account_id_fkey",
            ]),
        // Transfers' idempotency keys: see SQLite's migration 8.
        Migration(
            version: 8, name: "transfer_references",
            statements: [
                "CREATE INDEX ledger_transfer_references ON ledger_transactions (reference) WHERE type = 'transfer'"
            ]),
        // Escrow's legs leave the account index: see SQLite's migration 9 (PostgreSQL: 3,885
        // -> 3,740 WAL bytes a task).
        Migration(
            version: 9, name: "postings_account_except_escrow",
            statements: [
                "DROP INDEX postings_account",
                "CREATE INDEX postings_account_except_escrow ON postings (account_id) WHERE account_id <> '\(Ledger.escrow.rawValue)'",
            ]),
        // Ids and keys compare as bytes (COLLATE "C"), as SQLite's BINARY does: they are
        // opaque strings, and under the database's default collation (a libc locale such
        // as en_US.UTF-8, or C.UTF-8) every B-tree comparison of one went through
        // strcoll. That was 7 % of the server's CPU in a store bench of settlements. The
        // order of ids in results is now the same on both engines. Only the indexes on
        // these columns are rebuilt; the tables' rows stay where they are.
        Migration(
            version: 10, name: "binary_keys",
            statements: [
                Self.binary("swarms", ["id"]),
                Self.binary("accounts", ["id"]),
                Self.binary("ledger_transactions", ["id", "reference"]),
                Self.binary("postings", ["account_id"]),
                Self.binary("nodes", ["id"]),
                Self.binary("node_identities", ["node_id", "request_id"]),
                Self.binary("tasks", ["id", "dag_id", "submitter"]),
                Self.binary("task_edges", ["parent_id", "child_id"]),
                Self.binary("leases", ["id", "task_id", "node_id"]),
                Self.binary("swarm_profiles", ["swarm_id"]),
                Self.binary("submission_keys", ["dag_id"]),
            ]),
    ]

    /// `ALTER TABLE` giving `columns` of `table` the "C" collation (one pass per table).
    private static func binary(_ table: String, _ columns: [String]) -> String {
        "ALTER TABLE \(table) " + columns.map { "ALTER COLUMN \($0) TYPE TEXT COLLATE \"C\"" }.joined(separator: ", ")
    }
}
