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
    /// Accounts seen committed (never deleted), so transactions skip re-creating them.
    private let knownAccounts = Mutex<Set<AccountID>>([])

    init(engine: any SQLEngine, configuration: Configuration) {
        self.engine = engine
        self.configuration = configuration
        var system = SystemRandomNumberGenerator()
        seeds = Mutex(SeededGenerator(seed: configuration.seed ?? system.next()))
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
        var ensured: Set<AccountID> = []
        let value = try engine.transaction(readOnly: readOnly) { (connection) throws(StoreError) -> T in
            let seed = seeds.withLock { $0.next() }
            let work = UnitOfWork(
                connection: connection, dialect: readOnly ? .unlocked : engine.dialect, configuration: configuration,
                seed: seed, knownAccounts: knownAccounts.withLock { $0 })
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

    public func close() { engine.close() }
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

    /// Drops a schema made by `postgresScratchSchema` with everything in it.
    @_spi(Benchmarks)
    public static func dropPostgresSchema(url: String, name: String) throws(StoreError) {
        let admin = try PostgresConnection(url: url)
        defer { admin.close() }
        try admin.execute("SET client_min_messages = warning")
        try admin.execute("DROP SCHEMA IF EXISTS \(name) CASCADE")
    }
}
