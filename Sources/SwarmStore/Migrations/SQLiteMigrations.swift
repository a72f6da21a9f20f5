import SwarmCore

/// The SQLite schema, by migration number. `PostgresMigrations` has the same numbers.
///
/// Money and instants are integers (micro-tokens, milliseconds since the epoch). A task's
/// nested state (spec, replica slots, attempts) is one `record` blob (`TaskRecordCodec`);
/// the columns beside it are what queries filter and order on: the queue index covers
/// `offer_at` (when an open slot may next be leased), priority and age.
enum SQLiteMigrations {
    static let all: [Migration] = [
        Migration(
            version: 1, name: "initial",
            statements: [
                """
                CREATE TABLE swarms (id TEXT PRIMARY KEY, min_reputation REAL NOT NULL, allowed_regions TEXT NOT NULL,
                  token_budget_micros INTEGER NOT NULL, spent_micros INTEGER NOT NULL, escrowed_micros INTEGER NOT NULL)
                """,
                "CREATE TABLE accounts (id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner TEXT, balance_micros INTEGER NOT NULL)",
                """
                CREATE TABLE ledger_transactions (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
                  type TEXT NOT NULL, reference TEXT NOT NULL, at_ms INTEGER NOT NULL)
                """,
                """
                CREATE TABLE postings (transaction_seq INTEGER NOT NULL REFERENCES ledger_transactions(seq),
                  leg INTEGER NOT NULL, account_id TEXT NOT NULL REFERENCES accounts(id), amount_micros INTEGER NOT NULL,
                  PRIMARY KEY (transaction_seq, leg))
                """,
                "CREATE INDEX postings_account ON postings (account_id)",
                """
                CREATE TABLE nodes (id TEXT PRIMARY KEY, is_online INTEGER NOT NULL, active_leases INTEGER NOT NULL,
                  record BLOB NOT NULL)
                """,
                """
                CREATE TABLE tasks (id TEXT PRIMARY KEY, dag_id TEXT NOT NULL, state TEXT NOT NULL,
                  priority INTEGER NOT NULL, submitted_at INTEGER NOT NULL, offer_at INTEGER, deadline_at INTEGER,
                  record BLOB NOT NULL)
                """,
                "CREATE INDEX tasks_queue ON tasks (priority DESC, submitted_at, id) WHERE offer_at IS NOT NULL",
                "CREATE INDEX tasks_deadline ON tasks (deadline_at) WHERE deadline_at IS NOT NULL",
                "CREATE INDEX tasks_dag ON tasks (dag_id)",
                "CREATE TABLE task_edges (parent_id TEXT NOT NULL, child_id TEXT NOT NULL, PRIMARY KEY (parent_id, child_id))",
                """
                CREATE TABLE leases (id TEXT PRIMARY KEY, task_id TEXT NOT NULL, attempt INTEGER NOT NULL,
                  node_id TEXT NOT NULL, deadline_at INTEGER NOT NULL, active INTEGER NOT NULL)
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
                  credential_sha256 BLOB NOT NULL, public_key BLOB NOT NULL, request_id TEXT,
                  registered_at_ms INTEGER NOT NULL, profile BLOB NOT NULL)
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
                  created_at_ms INTEGER NOT NULL, deleted_at_ms INTEGER, spent_micros INTEGER NOT NULL DEFAULT 0,
                  profile BLOB NOT NULL)
                """
            ]),
        // Ledger legs clustered on their key (issue 4): a settled task writes four
        // postings, which in a rowid table cost three B-trees each (the rows, the
        // primary-key index, the account index); keyed on (transaction, leg) they cost
        // two. The WAL a batch of settlements writes fell by a quarter (store bench:
        // 8.3 to 6.3 KB a task). The rows are copied over as they are.
        Migration(
            version: 5, name: "postings_clustered",
            statements: [
                """
                CREATE TABLE postings_clustered (transaction_seq INTEGER NOT NULL REFERENCES ledger_transactions(seq),
                  leg INTEGER NOT NULL, account_id TEXT NOT NULL REFERENCES accounts(id), amount_micros INTEGER NOT NULL,
                  PRIMARY KEY (transaction_seq, leg)) WITHOUT ROWID
                """,
                """
                INSERT INTO postings_clustered (transaction_seq, leg, account_id, amount_micros)
                  SELECT transaction_seq, leg, account_id, amount_micros FROM postings
                """,
                "DROP TABLE postings",
                "ALTER TABLE postings_clustered RENAME TO postings",
                "CREATE INDEX postings_account ON postings (account_id)",
            ]),
        // Idempotent submissions (issue 5, peer reviews' request ids): a submission
        // whose DAG id the caller chose claims it here first, so a repeat fails on the
        // key instead of overwriting the tasks (task rows are written as upserts).
        Migration(
            version: 6, name: "submission_keys",
            statements: [
                """
                CREATE TABLE submission_keys (dag_id TEXT PRIMARY KEY, submitter TEXT NOT NULL,
                  created_at_ms INTEGER NOT NULL)
                """
            ]),
        // Ledger legs without foreign keys (issue 4): each leg cost a lookup of its
        // account and of its transaction. The store writes a transaction's legs only
        // after ensuring both accounts, in the same transaction as the transaction row;
        // `DurableStore.ledgerAudit` checks that no leg names a missing row (and more:
        // balances, zero-sum legs), and the conformance, property and crash tests run it.
        // The rows are copied over as they are.
        Migration(
            version: 7, name: "postings_unreferenced",
            statements: [
                """
                CREATE TABLE postings_unreferenced (transaction_seq INTEGER NOT NULL, leg INTEGER NOT NULL,
                  account_id TEXT NOT NULL, amount_micros INTEGER NOT NULL, PRIMARY KEY (transaction_seq, leg))
                  WITHOUT ROWID
                """,
                """
                INSERT INTO postings_unreferenced (transaction_seq, leg, account_id, amount_micros)
                  SELECT transaction_seq, leg, account_id, amount_micros FROM postings
                """,
                "DROP TABLE postings",
                "ALTER TABLE postings_unreferenced RENAME TO postings",
                "CREATE INDEX postings_account ON postings (account_id)",
            ]),
        // Transfers' idempotency keys (issue 5, LedgerService.Transfer): a repeated
        // request_id is found by its transaction's reference; without an index that was a
        // scan of the whole ledger per transfer. Partial: only transfers carry such keys,
        // so settlements (the ledger's bulk) pay nothing for it.
        Migration(
            version: 8, name: "transfer_references",
            statements: [
                "CREATE INDEX ledger_transfer_references ON ledger_transactions (reference) WHERE type = 'transfer'"
            ]),
        // Escrow's legs leave the account index (issue 4): the escrow account is on both
        // sides of every task's money (escrowed at submission, paid and refunded out at
        // settlement), so half of all legs went into one key of `postings_account`, and
        // that index was the busiest B-tree of a settlement batch (store bench: 12 of 75
        // WAL pages). Escrow's history is read from the ledger's own order instead
        // (`LedgerSQL.postingsOf`); every other account keeps its index. Store bench batch
        // 100: 6,268 -> 5,025 bytes written a task.
        Migration(
            version: 9, name: "postings_account_except_escrow",
            statements: [
                "DROP INDEX postings_account",
                "CREATE INDEX postings_account_except_escrow ON postings (account_id) WHERE account_id <> '\(Ledger.escrow.rawValue)'",
            ]),
        // PostgreSQL's ids compare as bytes from its migration 10 on; SQLite's TEXT
        // columns always did (BINARY collation). Nothing to do here.
        Migration(version: 10, name: "binary_keys", statements: []),
    ]
}
