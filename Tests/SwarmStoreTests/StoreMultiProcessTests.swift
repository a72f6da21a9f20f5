import SwarmCore
import Testing

@testable import SwarmStore

#if canImport(Glibc)
    import Glibc

    /// The concurrency proof: two *processes* (each its own connection pool, as two
    /// coordinators are) lease and complete every task of one PostgreSQL database at the
    /// same time. No attempt is handed out twice — every task ends with exactly one
    /// attempt, paid once — and nothing is left undone.
    @Suite("Store multi-process concurrency", .serialized)
    struct StoreMultiProcessTests {
        /// OPENSWARM_STORE_PROCESS_TASKS sets the number of tasks (default 100,000, the figure).
        static let taskCount = environment("OPENSWARM_STORE_PROCESS_TASKS").flatMap { Int($0) } ?? 100_000

        @Test("Two processes drain one PostgreSQL queue: no double lease, all done")
        func twoProcesses() throws {
            let engine = Engine.postgres
            let store = try engine.makeStore(seed: 5)
            let location = try StoreCrashTests.location(of: store)
            let now = Instant(millisecondsSinceEpoch: 1_000_000)
            let minted: Int64 = Int64(Self.taskCount) * 10_000
            try store.createSwarm(SwarmPolicy(id: "default"))
            try store.mint(minted, to: "alice", now: now)
            try store.register(Fixture.node("n1", operator: "op1", slots: 100))
            try store.register(Fixture.node("n2", operator: "op2", slots: 100))
            // DAGs of up to 10,000 independent tasks (one transaction each).
            var dags: [DagID] = []
            var submitted = 0
            while submitted < Self.taskCount {
                let size = min(10_000, Self.taskCount - submitted)
                let dag = DagSubmission(
                    tasks: (0..<size).map { DagTaskSpec(name: "t\($0)", spec: Fixture.spec()) })
                dags.append(
                    try store.submit(SubmitParams(submission: dag, submitter: "alice", account: "alice", now: now))
                        .dagID)
                submitted += size
            }
            store.close()
            let clock = ContinuousClock()
            let started = clock.now

            let workers = try ["n1", "n2"].map { node in
                try Self.spawn([
                    "drain", engine.rawValue, location, String(now.millisecondsSinceEpoch), node, "100",
                ])
            }
            for pid in workers {
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                // Exited normally with status 0: every report it made was accepted.
                #expect(status & 0x7f == 0 && (status >> 8) & 0xff == 0, "worker \(pid) ended with status \(status)")
            }

            let drained = clock.now - started
            let reopened = try engine.open(location)
            defer { reopened.close() }
            #expect(try reopened.taskCounts() == [.succeeded: Self.taskCount])
            var byNode: [NodeID: Int] = [:]
            var tasks = 0
            for dag in dags {
                for task in try reopened.tasks(inDag: dag) {
                    tasks += 1
                    // One lease per task, ever: a second grant would be a second attempt.
                    #expect(task.attempts.count == 1, "\(task.id) has \(task.attempts.count) attempts")
                    #expect(task.paidMicros == 1_000 && task.refundedMicros == 9_000 && task.escrowMicros == 0)
                    if let attempt = task.attempts.first { byNode[attempt.nodeID, default: 0] += 1 }
                }
            }
            #expect(tasks == Self.taskCount)
            // Both processes took part (otherwise this proves nothing about concurrency).
            #expect(byNode["n1", default: 0] > 0 && byNode["n2", default: 0] > 0, "\(byNode)")
            let count = Int64(Self.taskCount)
            #expect(try reopened.ledgerTotal() == 0)
            #expect(try reopened.ledgerAudit() == [])
            #expect(try reopened.balance(of: Ledger.issuance) == -minted)
            #expect(try reopened.balance(of: Ledger.escrow) == 0)
            #expect(try reopened.balance(of: "wallet-op1") + reopened.balance(of: "wallet-op2") == count * 1_000)
            #expect(try reopened.balance(of: "alice") == minted - count * 1_000)
            #expect(try reopened.node("n1").activeLeases == 0)
            #expect(try reopened.node("n2").activeLeases == 0)
            print("two processes drained \(Self.taskCount) tasks in \(drained) (\(byNode))")
        }

        /// Starts `swarm-store-crash-worker` (built beside this test binary) with `arguments`.
        static func spawn(_ arguments: [String]) throws -> pid_t {
            let binary = CommandLine.arguments[0]
            let directory = binary.lastIndex(of: "/").map { String(binary[..<$0]) } ?? "."
            let path = directory + "/swarm-store-crash-worker"
            var cArguments: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
            defer { for argument in cArguments { free(argument) } }
            var pid: pid_t = 0
            let status = posix_spawn(&pid, path, nil, nil, &cArguments, environ)
            guard status == 0 else {
                throw StoreError(.invalidArgument, "cannot start \(path): \(String(cString: strerror(status)))")
            }
            return pid
        }
    }
#endif
