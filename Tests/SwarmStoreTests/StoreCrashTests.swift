import SwarmCore
import Testing

@testable import SwarmStore

#if canImport(Glibc)
    import Glibc

    /// Crash safety: a separate worker process leases and completes tasks in a loop and
    /// is killed with SIGKILL at random points; after each kill the database must be
    /// consistent (every commit whole, nothing settled twice), and a restarted worker
    /// finishes the rest.
    @Suite("Store crash safety", .serialized)
    struct StoreCrashTests {
        @Test("SIGKILL at random points loses nothing and settles nothing twice", arguments: Engine.allCases)
        func killedWorker(engine: Engine) throws {
            let store = try engine.makeStore(seed: 7)
            let location = try Self.location(of: store)
            var now = Instant(millisecondsSinceEpoch: 1_000_000)
            let minted: Int64 = 100_000_000
            try store.createSwarm(SwarmPolicy(id: "default"))
            try store.mint(minted, to: "alice", now: now)
            try store.register(Fixture.node("n1", operator: "op1", slots: 16))
            let taskCount = 2_000
            let dag = DagSubmission(tasks: (0..<taskCount).map { DagTaskSpec(name: "t\($0)", spec: Fixture.spec()) })
            let dagID = try store.submit(SubmitParams(submission: dag, submitter: "alice", account: "alice", now: now))
                .dagID
            store.close()

            var random = SeededGenerator(seed: 11)
            var progress: [Int] = []
            let workerName = "crash-worker-\(UInt64.random(in: 0...UInt64.max))"
            for _ in 0..<4 {
                let pid = try Self.startWorker(
                    engine: engine, location: Self.location(location, named: workerName, engine: engine), now: now)
                usleep(UInt32.random(in: 100_000...400_000, using: &random))
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                try Self.awaitServerSideEnd(of: workerName, engine: engine)
                let reopened = try engine.open(location)
                try Self.checkConsistent(reopened, dag: dagID, minted: minted)
                progress.append(try reopened.taskCounts()[.succeeded] ?? 0)
                reopened.close()
            }
            // The kills landed while the worker was making progress, not before or after.
            #expect(progress.last ?? 0 > 0, "\(progress)")
            #expect(progress.last ?? taskCount < taskCount, "\(progress)")

            // Restart: leases held by the killed worker expire and are retried.
            let survivor = try engine.open(location)
            var rounds = 0
            while try survivor.taskCounts().keys.contains(where: { !$0.isTerminal }) && rounds < 10_000 {
                rounds += 1
                now = now + .seconds(11)
                try survivor.expire(now: now)
                let leases = try survivor.lease(LeaseParams(node: "n1", maxTasks: 16, now: now))
                if leases.isEmpty { continue }
                _ = try survivor.report(
                    leases.map {
                        .completed(CompleteParams(lease: $0.id, node: "n1", result: TaskResult(text: "ok"), now: now))
                    })
            }
            #expect(try survivor.taskCounts() == [.succeeded: taskCount])
            try Self.checkConsistent(survivor, dag: dagID, minted: minted)
            survivor.close()
        }

        /// Starts `swarm-store-crash-worker` (built beside this test binary), which
        /// leases and completes until killed: a separate process, as a real worker is.
        static func startWorker(engine: Engine, location: String, now: Instant) throws -> pid_t {
            let binary = CommandLine.arguments[0]
            let directory = binary.lastIndex(of: "/").map { String(binary[..<$0]) } ?? "."
            let path = directory + "/swarm-store-crash-worker"
            let arguments = [path, engine.rawValue, location, String(now.millisecondsSinceEpoch)]
            var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
            defer { for argument in cArguments { free(argument) } }
            var pid: pid_t = 0
            let status = posix_spawn(&pid, path, nil, nil, &cArguments, environ)
            guard status == 0 else {
                throw StoreError(.invalidArgument, "cannot start \(path): \(String(cString: strerror(status)))")
            }
            return pid
        }

        /// Every transaction is whole: money adds up per task and overall, each success
        /// was paid once, the node's lease count matches the attempts it holds.
        static func checkConsistent(_ store: DurableStore, dag: DagID, minted: Int64) throws {
            let tasks = try store.tasks(inDag: dag)
            var escrow: Int64 = 0
            var active = 0
            for task in tasks {
                #expect(task.paidMicros + task.refundedMicros + task.escrowMicros == 10_000)
                escrow += task.escrowMicros
                active += task.activeAttempts.count
                if task.state == .succeeded {
                    #expect(task.paidMicros == 1_000)
                    #expect(task.attempts.filter { $0.verdict == .acceptedAlone }.count == 1)
                }
            }
            #expect(try store.balance(of: Ledger.escrow) == escrow)
            #expect(try store.ledgerTotal() == 0)
            #expect(try store.ledgerAudit() == [])
            #expect(try store.balance(of: Ledger.issuance) == -minted)
            let succeeded = tasks.filter { $0.state == .succeeded }.count
            #expect(try store.balance(of: "wallet-op1") == Int64(succeeded) * 1_000)
            #expect(try store.node("n1").activeLeases == active)
        }

        /// The worker's connection carries a name on PostgreSQL, so that the test can
        /// tell when the server has finished with it.
        static func location(_ location: String, named name: String, engine: Engine) -> String {
            guard engine == .postgres else { return location }
            return location + (location.contains("?") ? "&" : "?") + "application_name=\(name)"
        }

        /// A killed client's last transaction is not over when the client is: its
        /// PostgreSQL backend still runs a COMMIT it already received, and a check that
        /// reads in several statements could see half of it in one and all of it in the
        /// next. The check starts once the backend has gone (at most 10 s).
        static func awaitServerSideEnd(of name: String, engine: Engine) throws {
            guard engine == .postgres else { return }
            let admin = try PostgresConnection(url: Engine.postgresURL())
            defer { admin.close() }
            for _ in 0..<1_000 {
                let rows = try admin.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?", [.text(name)])
                if try rows.first?.int(0) == 0 { return }
                usleep(10_000)
            }
            Issue.record("the killed worker's PostgreSQL backend is still there after 10 s")
        }

        static func location(of store: DurableStore) throws -> String {
            switch store.engine {
            case let sqlite as SQLiteEngine: return sqlite.path
            case let postgres as PostgresEngine: return postgres.url
            default: throw StoreError(.invalidArgument, "unknown engine")
            }
        }
    }
#endif
