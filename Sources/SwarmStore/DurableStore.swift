import SwarmCore
import Synchronization

/// The `Store` over an SQL engine: SQLite (embedded) or PostgreSQL (several coordinators).
///
/// The transitions are written once (`Transitions/`) over `SQLConnection`, mirroring the
/// reference `Scheduler` and calling SwarmCore's decisions (DagPlanner, Eligibility,
/// RetryPolicy.decide, Consensus, Settlement, TimeoutRules, AdaptiveReplication,
/// ReputationRules); each engine (`SQLite/`, `PostgreSQL/`) supplies connections,
/// transactions and its migrations.
public final class DurableStore: Store {
    /// Rules and defaults, as `Scheduler.Configuration`.
    public struct Configuration: Sendable {
        public var limits: DagLimits
        public var pricing: PriceModel
        public var reputation: ReputationRules
        public var adaptive: AdaptiveReplication
        /// Seeds the generator behind retry jitter, adaptive replication and ids; nil
        /// draws from the system. Tests fix it to replay a run.
        public var seed: UInt64?

        public init(
            limits: DagLimits = DagLimits(), pricing: PriceModel = PriceModel(),
            reputation: ReputationRules = ReputationRules(), adaptive: AdaptiveReplication = AdaptiveReplication(),
            seed: UInt64? = nil
        ) {
            self.limits = limits
            self.pricing = pricing
            self.reputation = reputation
            self.adaptive = adaptive
            self.seed = seed
        }
    }

    let engine: any SQLEngine
    public let configuration: Configuration
    private let seeds: Mutex<SeededGenerator>
    /// Shared with the views `group` makes, so a group's ids follow the store's.
    private let ids: IDSource
    /// Accounts seen committed (never deleted), so transactions skip re-creating them.
    private let knownAccounts = Mutex<Set<AccountID>>([])
    /// On the view `group` hands its body: the open transaction every call joins.
    private let joined: Joined?

    init(engine: any SQLEngine, configuration: Configuration) {
        self.engine = engine
        self.configuration = configuration
        var system = SystemRandomNumberGenerator()
        var generator = SeededGenerator(seed: configuration.seed ?? system.next())
        ids = IDSource(random: generator.next())
        seeds = Mutex(generator)
        joined = nil
    }

    private init(joining connection: any SQLConnection, of owner: DurableStore) {
        engine = owner.engine
        configuration = owner.configuration
        seeds = Mutex(SeededGenerator(seed: owner.seeds.withLock { $0.next() }))
        ids = owner.ids
        knownAccounts.withLock { $0 = owner.knownAccounts.withLock { $0 } }
        joined = Joined(connection: connection)
    }

    /// The transaction of a `group`. Used only by the thread running the group's body.
    private final class Joined: @unchecked Sendable {
        let connection: any SQLConnection
        init(connection: any SQLConnection) { self.connection = connection }
    }

    /// Group commit: runs `body` with a view of this store whose every call joins one
    /// write transaction, each in a savepoint of its own (a call that throws rolls back
    /// alone and throws as usual), and commits them all at once when `body` returns:
    /// one durable commit, so one fsync, for many calls. The calls' results stand only
    /// if this returns without throwing; it throws when the transaction cannot begin or
    /// commit (`commit: .unknown` when the outcome of the commit is not known).
    /// Use the view only inside `body`, on the calling thread.
    public func group(_ body: (any Store) -> Void) throws(StoreError) {
        guard joined == nil else {
            body(self)  // already inside a group: join it
            return
        }
        var committed: Set<AccountID> = []
        try engine.transaction(readOnly: false) { (connection) throws(StoreError) in
            let view = DurableStore(joining: connection, of: self)
            body(view)
            committed = view.knownAccounts.withLock { $0 }
        }
        knownAccounts.withLock { $0.formUnion(committed) }
    }

    /// Opens (creating and migrating) an SQLite database file.
    public static func sqlite(path: String, configuration: Configuration = Configuration()) throws(StoreError)
        -> DurableStore
    {
        DurableStore(engine: try SQLiteEngine(path: path), configuration: configuration)
    }

    /// Connects to PostgreSQL (a libpq URL or key=value string) with a pool of up to
    /// `poolSize` connections, applying migrations.
    public static func postgres(url: String, poolSize: Int = 4, configuration: Configuration = Configuration())
        throws(StoreError) -> DurableStore
    {
        DurableStore(engine: try PostgresEngine(url: url, poolSize: poolSize), configuration: configuration)
    }

    /// Runs `body` as one transaction over a fresh unit of work, flushing it before commit.
    func write<T: Sendable>(_ body: (UnitOfWork) throws(StoreError) -> T) throws(StoreError) -> T {
        try run(readOnly: false, body)
    }

    /// Runs `body` as a read-only transaction: no write lock, no row locks.
    func read<T: Sendable>(_ body: (UnitOfWork) throws(StoreError) -> T) throws(StoreError) -> T {
        try run(readOnly: true, body)
    }

    private func run<T: Sendable>(readOnly: Bool, _ body: (UnitOfWork) throws(StoreError) -> T) throws(StoreError)
        -> T
    {
        if let joined { return try runJoined(joined, readOnly: readOnly, body) }
        var ensured: Set<AccountID> = []
        let value = try engine.transaction(readOnly: readOnly) { (connection) throws(StoreError) -> T in
            let work = makeWork(connection, readOnly: readOnly)
            let value = try body(work)
            try work.flush()
            ensured = work.knownAccounts
            return value
        }
        // Only once committed: an account created by a transaction that rolled back
        // does not exist.
        if !readOnly, !ensured.isEmpty {
            knownAccounts.withLock { $0.formUnion(ensured) }
        }
        return value
    }

    /// A fresh unit of work on `connection`, with the next seed and the accounts known.
    private func makeWork(_ connection: any SQLConnection, readOnly: Bool) -> UnitOfWork {
        UnitOfWork(
            connection: connection, dialect: readOnly ? .unlocked : engine.dialect, configuration: configuration,
            seed: seeds.withLock { $0.next() }, ids: ids, knownAccounts: knownAccounts.withLock { $0 })
    }

    /// One call inside a group's transaction, in a savepoint: what it wrote is undone
    /// if it throws, and the accounts it created count as known only with the group.
    private func runJoined<T: Sendable>(
        _ joined: Joined, readOnly: Bool, _ body: (UnitOfWork) throws(StoreError) -> T
    ) throws(StoreError) -> T {
        let connection = joined.connection
        try connection.query("SAVEPOINT store_call", [])
        do throws(StoreError) {
            let work = makeWork(connection, readOnly: readOnly)
            let value = try body(work)
            try work.flush()
            try connection.query("RELEASE store_call", [])
            if !readOnly { knownAccounts.withLock { $0.formUnion(work.knownAccounts) } }
            return value
        } catch {
            _ = try? connection.query("ROLLBACK TO store_call", [])
            _ = try? connection.query("RELEASE store_call", [])
            throw error
        }
    }

    public func close() {
        guard joined == nil else { return }  // a group's view does not own the engine
        engine.close()
    }
}

// MARK: - Scratch schemas (benchmarks and test helpers in other processes)

extension DurableStore {
    /// Creates an empty PostgreSQL schema `name` and returns `url` with its
    /// `search_path` set to it, so that `postgres(url:)` migrates and uses a fresh set of
    /// tables without touching anything else in that database. For `swarm-store-bench`
    /// and the multi-process tests; not for production.
    @_spi(Benchmarks)
    public static func postgresScratchSchema(url: String, name: String) throws(StoreError) -> String {
        let admin = try PostgresConnection(url: url)
        defer { admin.close() }
        try admin.execute("CREATE SCHEMA \(name)")
        let separator = url.contains("?") ? "&" : "?"
        return url + separator + "options=-c%20search_path%3D\(name)"
    }

    /// How far the server's write-ahead log has come, in bytes since its start: the
    /// difference over a run is the WAL that run made the server write (the store bench's
    /// PostgreSQL counterpart of the bytes SQLite writes), the same for the same work.
    @_spi(Benchmarks)
    public static func postgresWALPosition(url: String) throws(StoreError) -> Int64 {
        let admin = try PostgresConnection(url: url)
        defer { admin.close() }
        return try admin.query("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint", []).first?.int(0) ?? 0
    }

    /// Drops a schema made by `postgresScratchSchema` with everything in it.
    @_spi(Benchmarks)
    public static func dropPostgresSchema(url: String, name: String) throws(StoreError) {
        let admin = try PostgresConnection(url: url)
        defer { admin.close() }
        try admin.execute("SET client_min_messages = warning")
        try admin.execute("DROP SCHEMA IF EXISTS \(name) CASCADE")
    }
}
