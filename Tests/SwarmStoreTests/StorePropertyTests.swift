import SwarmCore
import Testing

@testable import SwarmStore

/// Random DAGs and random worker behaviour (success, wrong results, retryable and
/// permanent failures, crashes that only a lease expiry notices) under a simulated
/// clock, run to quiescence; then the invariants SwarmCore's property tests check over
/// the reference `Scheduler` must hold of the store.
@Suite("Store properties")
struct StorePropertyTests {
    @Test("Random DAGs and worker behaviour keep the invariants", arguments: Engine.allCases, [UInt64(1), 2, 3])
    func randomRuns(engine: Engine, seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        var now = Self.start
        let minted: Int64 = 100_000_000
        let nodeCount = 6
        let store = try Self.open(engine, seed: seed, minted: minted, slots: (0..<nodeCount).map { 1 + $0 % 3 })
        // n5 always answers wrongly: it must never be paid for a replicated task.
        let liar = NodeID("n5")

        var dags: [DagID] = []
        for _ in 0..<3 {
            let size = Int.random(in: 5...25, using: &random)
            var tasks: [DagTaskSpec] = []
            for index in 0..<size {
                let parents = (0..<index).filter { _ in Int.random(in: 0..<5, using: &random) == 0 }.prefix(3).map {
                    "t\($0)"
                }
                let replicated = Int.random(in: 0..<4, using: &random) == 0
                let redundancy =
                    replicated ? Redundancy(replicas: 3, quorum: 2, maxReplicas: 4, adaptive: false) : .single
                tasks.append(
                    DagTaskSpec(
                        name: "t\(index)", dependsOn: Array(parents), spec: Fixture.spec(redundancy: redundancy)))
            }
            dags.append(
                try store.submit(
                    SubmitParams(
                        submission: DagSubmission(tasks: tasks), submitter: "alice", account: "alice", now: now)
                ).dagID)
        }

        var steps = 0
        while try store.taskCounts().keys.contains(where: { !$0.isTerminal }) {
            steps += 1
            if steps > 2_000 {
                Issue.record("the run did not reach quiescence")
                break
            }
            for index in (0..<nodeCount).shuffled(using: &random) {
                let node = NodeID("n\(index)")
                let leases = try store.lease(
                    LeaseParams(node: node, maxTasks: Int.random(in: 1...3, using: &random), now: now))
                for lease in leases {
                    try act(store, lease, roll: Int.random(in: 0..<100, using: &random), liar: node == liar, now: now)
                }
            }
            now = now + .milliseconds(Int64.random(in: 500...6_000, using: &random))
            try store.expire(now: now)
        }

        try Self.checkInvariants(store, dags: dags, nodes: nodeCount, liar: liar, minted: minted)
        store.close()
    }

    /// The issue's size: one 10,000-task DAG (a few parents each, a tenth replicated three
    /// times with a quorum of two) drained by eight nodes of 32 slots, one of them a liar,
    /// each leasing a round of its slots and reporting the round in one call.
    @Test("A 10,000-task DAG under random workers keeps the invariants", arguments: Engine.allCases)
    func largeRun(engine: Engine) throws {
        let seed: UInt64 = 10_000
        var random = SeededGenerator(seed: seed)
        var now = Self.start
        let minted: Int64 = 1_000_000_000
        let nodeCount = 8
        let store = try Self.open(engine, seed: seed, minted: minted, slots: Array(repeating: 32, count: nodeCount))
        let liar = NodeID("n7")
        let size = 10_000
        var tasks: [DagTaskSpec] = []
        tasks.reserveCapacity(size)
        for index in 0..<size {
            // Parents among the last thousand tasks: long chains and wide fan-in both occur.
            let parents =
                index == 0
                ? []
                : Set(
                    (0..<Int.random(in: 0...3, using: &random)).map { _ in
                        "t\(Int.random(in: max(0, index - 1_000)..<index, using: &random))"
                    }
                ).sorted()
            let replicated = Int.random(in: 0..<10, using: &random) == 0
            let redundancy = replicated ? Redundancy(replicas: 3, quorum: 2, maxReplicas: 4, adaptive: false) : .single
            tasks.append(
                DagTaskSpec(name: "t\(index)", dependsOn: parents, spec: Fixture.spec(redundancy: redundancy)))
        }
        let dag = try store.submit(
            SubmitParams(submission: DagSubmission(tasks: tasks), submitter: "alice", account: "alice", now: now)
        ).dagID

        var steps = 0
        var idleSteps = 0
        while true {
            steps += 1
            if steps > 5_000 {
                Issue.record("the run did not reach quiescence")
                break
            }
            var leased = 0
            for index in (0..<nodeCount).shuffled(using: &random) {
                let node = NodeID("n\(index)")
                let leases = try store.lease(LeaseParams(node: node, maxTasks: 32, now: now))
                leased += leases.count
                let reports = leases.compactMap { lease in
                    Self.report(lease, roll: Int.random(in: 0..<100, using: &random), liar: node == liar, now: now)
                }
                for outcome in try store.report(reports) {
                    if case .failure(let error) = outcome, error.code != .leaseNotActive { throw error }
                }
            }
            now = now + .milliseconds(Int64.random(in: 500...6_000, using: &random))
            try store.expire(now: now)
            // Reading every task's state is the costly part: only when nothing was leased.
            idleSteps = leased == 0 ? idleSteps + 1 : 0
            if idleSteps > 0, idleSteps % 5 == 1,
                try !store.taskCounts(inDag: dag).keys.contains(where: { !$0.isTerminal })
            {
                break
            }
        }
        try Self.checkInvariants(store, dags: [dag], nodes: nodeCount, liar: liar, minted: minted)
        #expect(try store.tasks(inDag: dag).count == size)
        store.close()
    }

    static let start = Instant(millisecondsSinceEpoch: 1_000_000)

    /// A fresh store with the default swarm, `minted` tokens for alice and nodes n0, n1,
    /// ... with `slots` slots each, on distinct operators.
    private static func open(_ engine: Engine, seed: UInt64, minted: Int64, slots: [Int]) throws -> DurableStore {
        let store = try engine.makeStore(seed: seed)
        try store.createSwarm(SwarmPolicy(id: "default"))
        try store.mint(minted, to: "alice", now: start)
        for (index, count) in slots.enumerated() {
            try store.register(Fixture.node("n\(index)", operator: "op\(index)", slots: count))
        }
        return store
    }

    /// What every run must leave: all tasks ended and settled, consensus honoured (the
    /// liar never among the agreeing replicas), attempts within policy, no node with two
    /// replicas of a task, nothing still leased, and the ledger balanced.
    private static func checkInvariants(
        _ store: DurableStore, dags: [DagID], nodes nodeCount: Int, liar: NodeID, minted: Int64
    ) throws {
        var all: [StoredTask] = []
        for dag in dags { all += try store.tasks(inDag: dag) }
        for task in all {
            #expect(task.state.isTerminal)
            #expect(task.escrowMicros == 0, "settled: \(task.id)")
            #expect(task.paidMicros + task.refundedMicros == 10_000)
            let quorum = task.spec.redundancy.quorum
            if task.state == .succeeded {
                let agreed = task.attempts.filter { $0.verdict == .agreed || $0.verdict == .acceptedAlone }
                #expect(agreed.count >= min(quorum, quorum > 1 ? quorum : 1))
                if quorum > 1 { #expect(!agreed.contains { $0.nodeID == liar }) }
            }
            for slot in task.slots { #expect(slot.attemptsUsed <= task.spec.retryPolicy.maximumAttempts) }
            #expect(task.attempts.count <= task.spec.redundancy.maxReplicas * task.spec.retryPolicy.maximumAttempts)
            #expect(task.activeAttempts.isEmpty)
            // No node ever held two live-or-reported replicas of one task.
            let counted = task.attempts.filter { $0.state == .completed }
            #expect(Set(counted.map(\.nodeID)).count == counted.count)
        }
        // Not vacuous: the run exercised both outcomes and the liar.
        #expect(all.contains { $0.state == .succeeded })
        #expect(all.contains { $0.state != .succeeded })
        #expect(all.contains { $0.attempts.contains { $0.verdict == .dissented } })
        #expect(try store.ledgerTotal() == 0)
        #expect(try store.ledgerAudit() == [])
        #expect(try store.balance(of: Ledger.escrow) == 0)
        #expect(try store.balance(of: Ledger.issuance) == -minted)
        for index in 0..<nodeCount { #expect(try store.node(NodeID("n\(index)")).activeLeases == 0) }
    }

    /// `act` as a report for a batch: nil for a crash (only the lease deadline notices).
    private static func report(_ lease: GrantedLease, roll: Int, liar: Bool, now: Instant) -> AttemptReport? {
        switch roll {
        case 0..<65:
            let result = TaskResult(text: liar ? "wrong" : "ok")
            return .completed(CompleteParams(lease: lease.id, node: lease.nodeID, result: result, now: now))
        case 65..<80: return .failed(FailParams(lease: lease.id, node: lease.nodeID, kind: .transient, now: now))
        case 80..<83: return .failed(FailParams(lease: lease.id, node: lease.nodeID, kind: .permanent, now: now))
        default: return nil
        }
    }

    /// One worker's behaviour for one lease: a result (wrong from the liar), a retryable
    /// or permanent failure, or a crash that only the lease deadline notices.
    private func act(_ store: DurableStore, _ lease: GrantedLease, roll: Int, liar: Bool, now: Instant)
        throws(StoreError)
    {
        guard let report = Self.report(lease, roll: roll, liar: liar, now: now) else { return }
        do throws(StoreError) {
            switch report {
            case .completed(let params): try store.complete(params)
            case .failed(let params): try store.fail(params)
            }
        } catch {
            // Quorum reached or the task ended while this attempt ran: refused, as it must be.
            guard error.code == .leaseNotActive else { throw error }
        }
    }
}
