import Foundation
import SwarmCore
import Synchronization
import Testing

@testable import SwarmStore

/// Two coordinators over one database lease and complete concurrently: no attempt is
/// ever handed out twice, and every task ends exactly once.
@Suite("Store concurrency")
struct StoreConcurrencyTests {
    @Test("Two stores leasing from one database never hand out the same attempt", arguments: Engine.allCases)
    func twoCoordinators(engine: Engine) throws {
        let stores = try engine.makeStores(2)
        let now = Instant(millisecondsSinceEpoch: 1_000_000)
        let setup = stores[0]
        try setup.createSwarm(SwarmPolicy(id: "default"))
        try setup.createAccount(Account(id: "alice", kind: .user))
        try setup.mint(100_000_000, to: "alice", now: now)
        // OPENSWARM_STORE_CONCURRENCY_TASKS=100000 for the large run.
        let taskCount = environment("OPENSWARM_STORE_CONCURRENCY_TASKS").flatMap { Int($0) } ?? 400
        let dag = DagSubmission(tasks: (0..<taskCount).map { DagTaskSpec(name: "t\($0)", spec: Fixture.spec()) })
        let ids = try setup.submit(SubmitParams(submission: dag, submitter: "alice", account: "alice", now: now))
            .taskIDs
        for index in 0..<8 { try setup.register(Fixture.node("n\(index)", operator: "op\(index)", slots: 8)) }

        // Real threads, one per coordinator, released together: the cooperative pool
        // (two threads here, shared with other tests) would not run them at once.
        let results = Mutex<[Result<[GrantedLease], StoreError>]>([])
        let start = Mutex(false)
        var threads: [Thread] = []
        for (which, store) in stores.enumerated() {
            let thread = Thread {
                while !start.withLock({ $0 }) { usleep(100) }
                let outcome = Self.work(store, nodes: Array(stride(from: which, to: 8, by: 2)), now: now)
                results.withLock { $0.append(outcome) }
            }
            threads.append(thread)
            thread.start()
        }
        start.withLock { $0 = true }
        while results.withLock({ $0.count }) < stores.count { usleep(1_000) }
        _ = threads
        var granted: [GrantedLease] = []
        for result in results.withLock({ $0 }) {
            let mine = try result.get()
            // SQLite's busy handler sleeps and may let one writer run the whole queue;
            // PostgreSQL's row locks must let both coordinators work.
            if engine == .postgres { #expect(!mine.isEmpty, "both coordinators took part") }
            granted += mine
        }
        #expect(granted.count == taskCount)
        #expect(Set(granted.map(\.id)).count == granted.count)
        #expect(Set(granted.map { "\($0.taskID)#\($0.attemptNumber)" }).count == granted.count)
        #expect(Set(granted.map(\.taskID)) == Set(ids))
        #expect(try setup.taskCounts() == [.succeeded: taskCount])
        #expect(try setup.ledgerTotal() == 0)
        #expect(try setup.ledgerAudit() == [])
        #expect(try setup.balance(of: Ledger.escrow) == 0)
        for store in stores { store.close() }
    }

    @Test(
        "Two stores spending one balance at once: exactly one spends it, the other is refused, nothing deadlocks",
        arguments: Engine.allCases)
    func doubleSpend(engine: Engine) throws {
        let stores = try engine.makeStores(2)
        defer { for store in stores { store.close() } }
        let now = Instant(millisecondsSinceEpoch: 1_000_000)
        try stores[0].createSwarm(SwarmPolicy(id: "default"))
        try stores[0].createAccount(Account(id: "alice", kind: .user))
        for round in 0..<20 {
            // Alice holds 100,000; each store spends 60,000 of it, one by a transfer and
            // one by a submission escrowing its maximum cost, released together.
            try stores[0].mint(100_000 - (try stores[0].balance(of: "alice")), to: "alice", now: now)
            let codes: [StoreError.Code?] = Self.together([
                { @Sendable () -> StoreError.Code? in
                    Self.code { () throws(StoreError) in
                        _ = try stores[0].transfer(
                            TransferParams(
                                from: "alice", to: "bob", amountMicros: 60_000, requestID: "r\(round)", now: now))
                    }
                },
                { @Sendable () -> StoreError.Code? in
                    Self.code { () throws(StoreError) in
                        var spec = Fixture.spec()
                        spec.maxCostMicros = 60_000
                        _ = try stores[1].submit(
                            SubmitParams(task: spec, submitter: "alice", account: "alice", now: now))
                    }
                },
            ])
            let refused = codes.filter { $0 == .insufficientFunds }.count
            let spent = codes.filter { $0 == nil }.count
            #expect(refused == 1 && spent == 1, "round \(round): \(codes)")
            #expect(try stores[0].balance(of: "alice") == 40_000)
        }
        #expect(try stores[0].ledgerAudit() == [])
    }

    @Test(
        "Two stores sending one transfer (one request id) at once: it moves the tokens once, the other call gets it back",
        arguments: Engine.allCases)
    func repeatedTransfer(engine: Engine) throws {
        let stores = try engine.makeStores(2)
        defer { for store in stores { store.close() } }
        let now = Instant(millisecondsSinceEpoch: 1_000_000)
        try stores[0].createAccount(Account(id: "alice", kind: .user))
        try stores[0].mint(1_000_000, to: "alice", now: now)
        for round in 0..<20 {
            let params = TransferParams(from: "alice", to: "bob", amountMicros: 1_000, requestID: "r\(round)", now: now)
            let outcomes = Self.together(
                stores.map { store in
                    { Result { () throws(StoreError) -> TransferOutcome in try store.transfer(params) } }
                })
            let results = try outcomes.map { try $0.get() }
            #expect(results.filter(\.repeated).count == 1, "round \(round)")
            #expect(results[0].entry == results[1].entry)
            #expect(try stores[0].balance(of: "bob") == Int64(round + 1) * 1_000)
        }
        #expect(try stores[0].ledgerAudit() == [])
    }

    /// Runs each body on a thread of its own, all released at once (the cooperative pool,
    /// two threads here and shared with other tests, would not run them together), and
    /// returns their results in order.
    static func together<T: Sendable>(_ bodies: [@Sendable () -> T]) -> [T] {
        let results = Mutex<[Int: T]>([:])
        let start = Mutex(false)
        var threads: [Thread] = []
        for (index, body) in bodies.enumerated() {
            let thread = Thread {
                while !start.withLock({ $0 }) { usleep(50) }
                let result = body()
                results.withLock { $0[index] = result }
            }
            threads.append(thread)
            thread.start()
        }
        start.withLock { $0 = true }
        while results.withLock({ $0.count }) < bodies.count { usleep(500) }
        _ = threads
        return results.withLock { results in bodies.indices.compactMap { results[$0] } }
    }

    /// nil when `body` succeeds, else its error's code.
    static func code(_ body: () throws(StoreError) -> Void) -> StoreError.Code? {
        do throws(StoreError) {
            try body()
            return nil
        } catch {
            return error.code
        }
    }

    /// One coordinator's loop: lease for its nodes and report every lease in one batch,
    /// until the queue stays empty.
    static func work(_ store: DurableStore, nodes: [Int], now: Instant) -> Result<[GrantedLease], StoreError> {
        var granted: [GrantedLease] = []
        var idle = 0
        while idle < 3 {
            var round = 0
            for index in nodes {
                do throws(StoreError) {
                    let leases = try store.lease(LeaseParams(node: NodeID("n\(index)"), maxTasks: 8, now: now))
                    round += leases.count
                    granted += leases
                    let reports = try store.report(
                        leases.map {
                            .completed(
                                CompleteParams(lease: $0.id, node: $0.nodeID, result: TaskResult(text: "ok"), now: now))
                        })
                    for report in reports { _ = try report.get() }
                } catch {
                    return .failure(error)
                }
            }
            idle = round == 0 ? idle + 1 : 0
        }
        return .success(granted)
    }

    @Test("A store reopened on the same database sees everything committed", arguments: Engine.allCases)
    func reopen(engine: Engine) throws {
        let stores = try engine.makeStores(1)
        let f = stores[0]
        let now = Instant(millisecondsSinceEpoch: 5_000)
        try f.createSwarm(SwarmPolicy(id: "default"))
        try f.mint(50_000, to: "alice", now: now)
        let id = try f.submit(SubmitParams(task: Fixture.spec(), submitter: "alice", account: "alice", now: now))
            .taskIDs[0]
        let location = try locationOf(f, engine: engine)
        f.close()
        let again = try engine.open(location)
        #expect(try again.task(id).state == .ready)
        #expect(try again.balance(of: "alice") == 40_000)
        let migrations = try again.write { (work) throws(StoreError) -> Int64 in
            try work.query("SELECT COUNT(*) FROM schema_migrations").first?.int(0) ?? -1
        }
        // Each migration recorded once, however often the store is opened.
        #expect(migrations == Int64(SQLiteMigrations.all.count))
        again.close()
    }

    private func locationOf(_ store: DurableStore, engine: Engine) throws -> String {
        switch store.engine {
        case let sqlite as SQLiteEngine: return sqlite.path
        case let postgres as PostgresEngine: return postgres.url
        default: throw StoreError(.invalidArgument, "unknown engine")
        }
    }
}
