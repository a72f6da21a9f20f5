import Foundation
import Testing

@testable import SwarmCore

/// Property tests of the reference scheduler: random DAGs and random worker behaviour
/// under a simulated clock, run to quiescence, with the invariants of issue 4 checked
/// along the way and at the end.
///
/// Every run prints its seed; replay one with `SWARM_PROPERTY_SEED=<seed>` (and the same
/// `SWARM_PROPERTY_TASKS`, default 1,500). `SWARM_PROPERTY_LARGE=<n>` runs n 10,000-task
/// runs instead of one.
@Suite("Scheduler properties")
struct SchedulerPropertyTests {
    static let environment = ProcessInfo.processInfo.environment

    static var seeds: [UInt64] {
        if let seed = environment["SWARM_PROPERTY_SEED"].flatMap(UInt64.init) { return [seed] }
        return [1, 2, 3, 4, 5, 6]
    }

    static var taskCount: Int { environment["SWARM_PROPERTY_TASKS"].flatMap(Int.init) ?? 1_500 }

    @Test("random DAGs and random workers always reach a consistent quiescent state", arguments: seeds)
    func randomRuns(seed: UInt64) throws {
        print(
            "SchedulerPropertyTests seed=\(seed) tasks=\(Self.taskCount) (replay: SWARM_PROPERTY_SEED=\(seed) SWARM_PROPERTY_TASKS=\(Self.taskCount))"
        )
        var simulation = Simulation(seed: seed, tasks: Self.taskCount)
        try simulation.run()
    }

    /// One 10,000-task run by default (a few seconds in debug); `SWARM_PROPERTY_LARGE=<n>`
    /// runs n of them with seeds 10000, 10001, ...
    static var largeSeeds: [UInt64] {
        if let seed = environment["SWARM_PROPERTY_SEED"].flatMap(UInt64.init) { return [seed] }
        let count = environment["SWARM_PROPERTY_LARGE"].flatMap(UInt64.init) ?? 1
        return (0..<count).map { 10_000 + $0 }
    }

    @Test("a 10,000-task DAG under random workers reaches the same invariants", arguments: largeSeeds)
    func largeRun(seed: UInt64) throws {
        print("SchedulerPropertyTests seed=\(seed) tasks=10000 (replay: SWARM_PROPERTY_SEED=\(seed), test largeRun)")
        var simulation = Simulation(seed: seed, tasks: 10_000)
        try simulation.run()
    }
}

/// What a simulated worker does with the attempts it leases.
struct Behaviour {
    /// Chance an attempt fails with a random error kind.
    var failure: Double
    /// Chance it reports a wrong result.
    var lying: Double
    /// Chance the worker crashes while holding a lease (goes silent for a while).
    var crash: Double
    /// Chance it stops heartbeating one attempt but reports it late anyway.
    var stall: Double
}

struct Simulation {
    struct Held {
        var lease: Lease
        var finishAt: Instant
        var nextHeartbeat: Instant
        var stalled: Bool
    }

    var random: SeededGenerator
    var workers: SeededGenerator
    let seed: UInt64
    var scheduler: Scheduler
    var now = Instant(millisecondsSinceEpoch: 1_700_000_000_000)
    var behaviours: [NodeID: Behaviour] = [:]
    var held: [LeaseID: Held] = [:]
    var crashedUntil: [NodeID: Instant] = [:]
    var taskIDs: [TaskID] = []
    var ended = 0
    var minted: Int64 = 0
    let taskCount: Int
    let nodeIDs: [NodeID]

    init(seed: UInt64, tasks: Int) {
        self.seed = seed
        self.taskCount = tasks
        random = SeededGenerator(seed: seed)
        workers = SeededGenerator(seed: seed ^ 0x5EED)
        scheduler = Scheduler(
            configuration: Scheduler.Configuration(
                adaptive: AdaptiveReplication(
                    trustThreshold: 8, rampLength: 10, maxAloneProbability: 0.8, spotCheckProbability: 0.2)))
        scheduler.addSwarm(SwarmPolicy(id: "default", minReputation: 20))
        scheduler.addSwarm(SwarmPolicy(id: "batch"))
        var ids: [NodeID] = []
        for i in 0..<10 {
            let id = NodeID("node-\(i)")
            ids.append(id)
            let gpu = i % 3 == 0
            scheduler.register(
                Node(
                    id: id, operatorID: OperatorID("op-\(i == 9 ? 8 : i)"), accountID: AccountID("wallet-\(i)"),
                    capabilities: NodeCapabilities(
                        models: ["small"], capabilities: ["echo"], gpuMemoryMiB: gpu ? 8_192 : 0, slots: 1 + i % 3),
                    hourlyRateMicros: Int64(36_000 * (1 + i)), latency: .milliseconds(Int64(5 + 7 * i))))
            behaviours[id] = Behaviour(
                failure: i == 4 ? 0.5 : 0.03, lying: i == 7 ? 0.6 : 0.02, crash: i == 5 ? 0.05 : 0.005, stall: 0.02)
        }
        nodeIDs = ids
    }

    /// The output an honest worker produces for a task.
    static func correctOutput(_ lease: Lease) -> String { "out:\(lease.taskID):\(lease.prompt.count)" }

    mutating func run() throws {
        try submitWork()
        var steps = 0
        while ended < taskIDs.count {
            steps += 1
            guard steps < 2_000_000 else {
                Issue.record("seed \(seed): no quiescence after \(steps) steps; \(taskIDs.count - ended) tasks open")
                return
            }
            try step()
        }
        try checkFinalInvariants()
    }

    mutating func submitWork() throws {
        for account in ["alice", "bob", "carol"] {
            _ = try scheduler.mint(50_000_000_000, to: AccountID(account))
            minted += 50_000_000_000
        }
        // One big DAG from alice, and small DAGs from bob and carol (fair share).
        let sizes = [
            ("alice", "default", taskCount), ("bob", "default", max(3, taskCount / 50)),
            ("carol", "batch", max(3, taskCount / 20)),
        ]
        for (who, swarm, size) in sizes {
            let dag = randomDag(size: size, swarm: SwarmID(swarm))
            let submitted = try scheduler.submit(dag, submitter: PrincipalID(who), account: AccountID(who), now: now)
            taskIDs += submitted.tasks
            apply(submitted.events)
        }
        // A submission the submitter cannot pay for is refused and changes nothing.
        let before = scheduler.ledger.transactions.count
        do {
            _ = try scheduler.submit(TaskSpec(maxCostMicros: 1), submitter: "mallory", account: "mallory", now: now)
            Issue.record("seed \(seed): an unfunded submission was accepted")
        } catch {
            #expect(error.code == .insufficientBalance)
        }
        #expect(scheduler.ledger.transactions.count == before)
    }

    mutating func randomDag(size: Int, swarm: SwarmID) -> DagSubmission {
        var tasks: [DagTaskSpec] = []
        tasks.reserveCapacity(size)
        for i in 0..<size {
            var deps = Set<Int>()
            // Components of 60 tasks, so that one failure cancels a component and not
            // everything after it; inside, mostly recent parents (deep as well as wide).
            let position = i % 60
            if position > 0 {
                for _ in 0..<Int.random(in: 0...3, using: &random) {
                    deps.insert(i - Int.random(in: 1...min(position, 20), using: &random))
                }
            }
            let depNames = deps.sorted().map { "t\($0)" }
            var spec = TaskSpec(swarmID: swarm)
            spec.prompt = depNames.first.map { "from {{ tasks.\($0).output }}" } ?? "root \(i)"
            spec.priority = Priority.allCases.randomElement(using: &random) ?? .normal
            let replicas = [1, 1, 1, 2, 3].randomElement(using: &random) ?? 1
            spec.redundancy = Redundancy(
                replicas: replicas, quorum: replicas == 1 ? 1 : 2, maxReplicas: replicas == 1 ? 1 : replicas + 2,
                comparator: .normalizedText, adaptive: Bool.random(using: &random))
            spec.retryPolicy = RetryPolicy(
                initialInterval: .seconds(1), backoffCoefficient: 2, maximumInterval: .seconds(20),
                maximumAttempts: [1, 2, 3, 4, 4].randomElement(using: &random) ?? 3, jitter: 0.2)
            spec.timeouts = Timeouts(
                startToClose: .seconds(60), heartbeat: .seconds(5), scheduleToClose: .seconds(6 * 3600))
            if Int.random(in: 0..<20, using: &random) == 0 { spec.requirements.gpuRequired = true }
            if Int.random(in: 0..<100, using: &random) == 0 {
                spec.requirements.modelIDs = ["huge"]  // no node serves it: times out
                spec.timeouts.scheduleToStart = .seconds(120)
            }
            if Bool.random(using: &random) { spec.maxCostMicros = Int64.random(in: 1_000...200_000, using: &random) }
            tasks.append(DagTaskSpec(name: "t\(i)", dependsOn: depNames, spec: spec))
        }
        return DagSubmission(swarmID: swarm, tasks: tasks)
    }

    mutating func apply(_ events: [SchedulerEvent]) {
        for event in events {
            switch event {
            case .taskEnded: ended += 1
            case .attemptCancelled(_, let attempt, _):
                held = held.filter {
                    !($0.value.lease.attemptNumber == attempt
                        && scheduler.tasks[$0.value.lease.taskID]?.attempt(attempt)?.state == .cancelled)
                }
            default: break
            }
        }
    }

    mutating func step() throws {
        // Crashed workers come back; the coordinator noticed their silence meanwhile.
        for (node, until) in crashedUntil where until <= now {
            crashedUntil[node] = nil
            scheduler.nodeCameOnline(node)
        }
        // Idle nodes ask for work.
        for node in nodeIDs where crashedUntil[node] == nil {
            let free = scheduler.nodes[node]?.freeSlots ?? 0
            guard free > 0 else { continue }
            let (leases, events) = scheduler.lease(node: node, maxTasks: free, now: now, using: &random)
            apply(events)
            for lease in leases {
                try checkLease(lease)
                let stalled = workers.unitInterval() < (behaviours[node]?.stall ?? 0)
                held[lease.id] = Held(
                    lease: lease, finishAt: now + .milliseconds(Int64.random(in: 500...8_000, using: &workers)),
                    nextHeartbeat: now + .seconds(2), stalled: stalled)
            }
        }
        // Workers act on what they hold, in a stable order.
        for leaseID in held.keys.sorted() {
            guard let h = held[leaseID] else { continue }
            let node = h.lease.nodeID
            guard crashedUntil[node] == nil, let behaviour = behaviours[node] else {
                held[leaseID] = nil
                continue
            }
            if workers.unitInterval() < behaviour.crash / 10 {
                // The whole worker crashes: every lease it holds is abandoned.
                crashedUntil[node] = now + .seconds(Int64.random(in: 5...60, using: &workers))
                held = held.filter { $0.value.lease.nodeID != node }
                apply(scheduler.nodeWentOffline(node, now: now + .seconds(6), using: &random))
                continue
            }
            if h.finishAt <= now {
                held[leaseID] = nil
                let before = scheduler.ledger.transactions.count
                do {
                    let roll = workers.unitInterval()
                    if roll < behaviour.failure {
                        let kind = ErrorKind.allCases.randomElement(using: &workers) ?? .transient
                        apply(
                            try scheduler.fail(
                                lease: leaseID, node: node, kind: kind == .cancelled ? .transient : kind, now: now,
                                using: &random))
                    } else {
                        let lie = workers.unitInterval() < behaviour.lying
                        let text = lie ? "lie:\(workers.next())" : Simulation.correctOutput(h.lease)
                        apply(
                            try scheduler.complete(
                                lease: leaseID, node: node,
                                result: TaskResult(text: text, duration: h.finishAt - h.lease.leaseTime), now: now,
                                using: &random))
                    }
                } catch {
                    // A late report on an expired or cancelled lease: refused, nothing changes.
                    #expect(scheduler.ledger.transactions.count == before, "seed \(seed): a refused report moved money")
                }
            } else if h.nextHeartbeat <= now && !h.stalled {
                if (try? scheduler.heartbeat(lease: leaseID, node: node, now: now)) != nil {
                    held[leaseID]?.nextHeartbeat = now + .seconds(2)
                } else {
                    held[leaseID] = nil
                }
            }
        }
        // Now and then a person cancels a task.
        if workers.unitInterval() < 0.002, let victim = taskIDs.randomElement(using: &workers) {
            apply(scheduler.cancel(victim, now: now))
        }
        // Time passes: to the next second, or straight to the next deadline when idle.
        var next = now + .seconds(1)
        if held.isEmpty, let deadline = scheduler.nextDeadline, deadline > next {
            let wake = crashedUntil.values.min() ?? deadline
            next = min(deadline, max(wake, next))
        }
        now = next
        apply(scheduler.expire(now: now, using: &random))
        try checkStepInvariants()
    }

    /// A new lease must not double up: one holder per slot, distinct nodes and operators
    /// per task, no node over its slots.
    func checkLease(_ lease: Lease) throws {
        let task = try #require(scheduler.tasks[lease.taskID])
        let active = task.activeAttempts
        let replicaHolders = task.attempts.filter { $0.isActive || $0.state == .completed }
        #expect(
            Set(active.map(\.replica)).count == active.count, "seed \(seed): two attempts hold one slot of \(task.id)")
        #expect(
            Set(replicaHolders.map(\.nodeID)).count == replicaHolders.count,
            "seed \(seed): a node holds two replicas of \(task.id)")
        #expect(
            Set(replicaHolders.map(\.operatorID)).count == replicaHolders.count,
            "seed \(seed): an operator holds two replicas of \(task.id)")
        let node = try #require(scheduler.nodes[lease.nodeID])
        #expect(node.activeLeases <= node.capabilities.slots, "seed \(seed): \(node.id) over its slots")
    }

    func checkStepInvariants() throws {
        let ledger = scheduler.ledger
        #expect(ledger.totalMicros == 0, "seed \(seed): ledger does not sum to zero")
        #expect(ledger.circulatingMicros == minted, "seed \(seed): supply changed without a mint")
        let nodeLeases = scheduler.nodes.values.reduce(0) { $0 + $1.activeLeases }
        #expect(nodeLeases == scheduler.activeLeaseCount, "seed \(seed): node lease counts disagree with active leases")
    }

    func checkFinalInvariants() throws {
        let tasks = scheduler.tasks
        var paidTotal: Int64 = 0
        var byState: [TaskState: Int] = [:]
        for id in taskIDs {
            let task = try #require(tasks[id])
            byState[task.state, default: 0] += 1
            #expect(task.state.isTerminal, "seed \(seed): \(id) ended \(task.state)")
            #expect(task.activeAttempts.isEmpty, "seed \(seed): \(id) still has a lease")
            #expect(task.escrowMicros == 0, "seed \(seed): \(id) keeps escrow")
            paidTotal += task.paidMicros
            let r = task.spec.redundancy
            let policy = task.spec.retryPolicy
            #expect(task.slots.count <= r.maxReplicas, "seed \(seed): \(id) started too many replicas")
            #expect(
                task.slots.allSatisfy { $0.attemptsUsed <= policy.maximumAttempts },
                "seed \(seed): \(id) slot over its attempts")
            let counted = task.attempts.filter { $0.error.map(\.countsAsAttempt) ?? true }.count
            #expect(counted <= r.maxReplicas * policy.maximumAttempts, "seed \(seed): \(id) made \(counted) attempts")
            if task.state == .succeeded {
                let agreed = task.attempts.filter { $0.verdict == .agreed }.count
                let alone = task.attempts.filter { $0.verdict == .acceptedAlone }.count
                #expect(
                    agreed >= r.quorum || (alone == 1 && (r.quorum == 1 || task.runningAlone)),
                    "seed \(seed): \(id) succeeded without a quorum")
                let canonical = try #require(task.canonicalOutput)
                if agreed >= 2 {
                    // Liars answer differently from each other, so a real quorum is right.
                    #expect(
                        String(decoding: canonical, as: UTF8.self).hasPrefix("out:"),
                        "seed \(seed): \(id) accepted a lie by quorum")
                }
                for parent in task.parentsByName.values {
                    #expect(
                        tasks[parent]?.state == .succeeded, "seed \(seed): \(id) succeeded before its parent \(parent)")
                }
            }
            if task.endReason == .timedOut {
                // A task may time out only when no node can serve it: its model is served
                // nowhere, or every operator with an eligible node already gave it a result
                // (replicas need distinct operators). Anything else means the scheduler lost
                // the task (never offered it again) until the backstop.
                let swarm = scheduler.swarms[task.spec.swarmID]
                let eligibleOperators = Set(
                    scheduler.nodes.values.filter {
                        Eligibility.checkCapabilities($0, for: task.spec.requirements, in: swarm).isEligible
                    }.map(\.operatorID))
                let reported = Set(task.attempts.filter { $0.state == .completed }.map(\.operatorID))
                #expect(
                    task.spec.requirements.modelIDs == ["huge"] || eligibleOperators.isSubset(of: reported),
                    "seed \(seed): \(id) was stranded until it timed out")
            }
            let withResult = task.attempts.filter { $0.state == .completed }
            #expect(
                Set(withResult.map(\.nodeID)).count == withResult.count,
                "seed \(seed): a node gave two results for \(id)")
        }
        if ProcessInfo.processInfo.environment["SWARM_PROPERTY_DEBUG"] == "1" {
            for id in taskIDs {
                guard let task = tasks[id], task.endReason == .timedOut, task.spec.timeouts.scheduleToStart == nil
                else { continue }
                print(
                    "outputs", task.attempts.map { $0.result.map { String(decoding: $0.output, as: UTF8.self) } ?? "-" }
                )
                print(
                    "stuck \(id): R=\(task.spec.redundancy) gpu=\(task.spec.requirements.gpuRequired) slots=\(task.slots) attempts=\(task.attempts.map { "\($0.nodeID)/\($0.operatorID) \($0.state) \(String(describing: $0.error)) \(String(describing: $0.verdict))" }) alone=\(task.runningAlone) inQueue=\(scheduler.queue.contains(id))"
                )
            }
            print(
                scheduler.nodes.values.sorted { $0.id < $1.id }.map {
                    "\($0.id) rep=\($0.reputation.score) online=\($0.isOnline) leases=\($0.activeLeases)"
                })
        }
        let ledger = scheduler.ledger
        #expect(ledger.balance(of: Ledger.escrow) == 0, "seed \(seed): escrow not empty at quiescence")
        #expect(ledger.totalMicros == 0)
        #expect(ledger.circulatingMicros == minted)
        #expect(ledger.transactions.allSatisfy { $0.isBalanced })
        let wallets = scheduler.nodes.values.reduce(Int64(0)) { $0 + ledger.balance(of: $1.accountID) }
        #expect(wallets == paidTotal, "seed \(seed): wallets hold \(wallets) but tasks paid \(paidTotal)")
        print(
            "seed=\(seed) done at \(now - Instant(millisecondsSinceEpoch: 1_700_000_000_000)) simulated: \(byState.sorted { "\($0.key)" < "\($1.key)" }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")), paid \(paidTotal), \(ledger.transactions.count) transactions"
        )
    }
}
