// SwarmStore: Open-Swarm's durable state, on SQLite or PostgreSQL, behind one `Store`.
//
// The store is the queue (DESIGN.md): every transition of the reference `Scheduler`
// (SwarmCore) is one SQL transaction that has committed before the call returns.
// Leasing claims rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so several coordinators
// share one database without handing out an attempt twice; completing an attempt runs
// consensus, DAG propagation, retry scheduling and the ledger postings in the same
// transaction, so a result is settled exactly once however often it is reported.
//
// Two levels, as temporal's persistence:
//
//   Store.swift         the protocol, its `…Params` and outcome types
//   StoreError.swift    codes, actionable messages, and whether a write may have committed
//   DurableStore.swift  the Store over any SQL engine; `sqlite(path:)`, `postgres(url:)`
//   Transitions/        the transitions, written once over `SQLConnection`, mirroring
//                       `Scheduler` and calling SwarmCore's decisions (DagPlanner,
//                       Eligibility, RetryPolicy.decide, Consensus, Settlement,
//                       TimeoutRules, AdaptiveReplication, ReputationRules);
//                       UnitOfWork loads rows, the transition mutates, flush writes back
//   Records/            StoredTask and the binary codecs of the `record` blobs
//   SQL/                SQLValue, SQLConnection, SQLEngine, SQLDialect (the driver seam)
//   SQLite/             WAL, synchronous=FULL, busy timeout, BEGIN IMMEDIATE, statement cache
//   PostgreSQL/         libpq, prepared statements, a small pool, conflict retries
//   Migrations/         numbered migrations per engine, applied at start-up
//                       (`schema_migrations`)
//
// Tests/SwarmStoreTests runs one conformance suite, the property, concurrency and
// crash (SIGKILL) tests against both engines; run them beside a throwaway PostgreSQL
// with `Tests/support/with-postgres.sh swift test --filter SwarmStoreTests`.
