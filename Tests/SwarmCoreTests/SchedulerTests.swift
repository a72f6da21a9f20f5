import Testing

@testable import SwarmCore

/// A small world: one swarm, a funded submitter, and nodes of distinct operators.
struct World {
    var scheduler: Scheduler
    var random = SeededGenerator(seed: 1)
    var now = Instant(millisecondsSinceEpoch: 1_000_000)

    init(nodes: Int = 3, funds: Int64 = 1_000_000_000, adaptive: AdaptiveReplication = .disabled, budget: Int64 = 0) {
        scheduler = Scheduler(configuration: Scheduler.Configuration(adaptive: adaptive))
        scheduler.addSwarm(SwarmPolicy(id: "default", tokenBudgetMicros: budget))
        for i in 0..<nodes {
            scheduler.register(
                Node(
                    id: NodeID("n\(i)"), operatorID: OperatorID("op\(i)"), accountID: AccountID("wallet\(i)"),
                    capabilities: NodeCapabilities(capabilities: ["echo"], slots: 2), hourlyRateMicros: 3_600_000,
                    latency: .milliseconds(Int64(10 + i))))
        }
        if funds > 0 { _ = try? scheduler.mint(funds, to: "alice") }
    }

    mutating func submit(_ spec: TaskSpec = TaskSpec()) throws(SubmissionError) -> TaskID {
        try scheduler.submit(spec, submitter: "alice", account: "alice", now: now).task
    }

    mutating func lease(_ node: String, max: Int = 1) -> [Lease] {
        scheduler.lease(node: NodeID(node), maxTasks: max, now: now, using: &random).leases
    }

    @discardableResult
    mutating func complete(_ lease: Lease, _ text: String, seconds: Int64 = 1) throws(LeaseError) -> [SchedulerEvent] {
        try scheduler.complete(
            lease: lease.id, node: lease.nodeID, result: TaskResult(text: text, duration: .seconds(seconds)), now: now,
            using: &random)
    }

    @discardableResult
    mutating func fail(_ lease: Lease, _ kind: ErrorKind = .transient) throws(LeaseError) -> [SchedulerEvent] {
        try scheduler.fail(lease: lease.id, node: lease.nodeID, kind: kind, now: now, using: &random)
    }

    mutating func advance(_ d: Duration) -> [SchedulerEvent] {
        now = now + d
        return scheduler.expire(now: now, using: &random)
    }

    func task(_ id: TaskID) -> SwarmTask? { scheduler.tasks[id] }
}

@Suite("Reference scheduler")
struct SchedulerTests {
    @Test("a task runs on a node, succeeds, pays the node and refunds the rest")
    func happyPath() throws {
        var w = World()
        let id = try w.submit(TaskSpec(maxCostMicros: 100_000))
        #expect(w.task(id)?.state == .ready)
        #expect(w.scheduler.ledger.balance(of: Ledger.escrow) == 100_000)
        let lease = try #require(w.lease("n0").first)
        #expect(w.task(id)?.state == .leased)
        _ = try w.scheduler.heartbeat(lease: lease.id, node: "n0", now: w.now)
        #expect(w.task(id)?.state == .running)
        w.now = w.now + .seconds(10)
        _ = try w.scheduler.heartbeat(lease: lease.id, node: "n0", now: w.now + .seconds(-1))
        try w.complete(lease, "done", seconds: 10)
        #expect(w.task(id)?.state == .succeeded)
        #expect(w.task(id)?.endReason == .completed)
        #expect(w.scheduler.ledger.balance(of: "wallet0") == 1_000 + 10_000)
        #expect(w.scheduler.ledger.balance(of: "alice") == 1_000_000_000 - 11_000)
        #expect(w.scheduler.ledger.balance(of: Ledger.escrow) == 0)
        #expect(w.scheduler.ledger.totalMicros == 0)
    }

    @Test("a node is paid for the time it reports, but never more than the coordinator observed")
    func billingUsesObservedTime() throws {
        var w = World()
        let id = try w.submit(TaskSpec(maxCostMicros: 1_000_000))
        let lease = try #require(w.lease("n0").first)
        w.now = w.now + .seconds(2)
        try w.complete(lease, "done", seconds: 3_600)
        let paid = try #require(w.task(id)?.paidMicros)
        #expect(paid == 3_000)  // base 1,000 + 2 observed seconds at 3,600,000 per hour
    }

    @Test("a second report on the same lease is refused and settles nothing twice")
    func idempotentReport() throws {
        var w = World()
        _ = try w.submit()
        let lease = try #require(w.lease("n0").first)
        try w.complete(lease, "x")
        let transactions = w.scheduler.ledger.transactions.count
        do {
            try w.complete(lease, "x")
            Issue.record("a second report was accepted")
        } catch {
            #expect(error.code == .leaseNotActive)
        }
        #expect(w.scheduler.ledger.transactions.count == transactions)
    }

    @Test("only the holder may report on a lease")
    func holderOnly() throws {
        var w = World()
        _ = try w.submit()
        let lease = try #require(w.lease("n0").first)
        do {
            _ = try w.scheduler.complete(
                lease: lease.id, node: "n1", result: TaskResult(text: "x"), now: w.now, using: &w.random)
            Issue.record("another node's report was accepted")
        } catch {
            #expect(error.code == .notLeaseHolder)
        }
    }

    @Test("a retried task prefers a different node")
    func retryPrefersDifferentNode() throws {
        var w = World(nodes: 2)
        let id = try w.submit(TaskSpec(retryPolicy: RetryPolicy(initialInterval: .seconds(1), jitter: 0)))
        let first = try #require(w.lease("n0").first)
        try w.fail(first)
        _ = w.advance(.seconds(2))
        #expect(w.lease("n0").isEmpty)  // n1 is free and eligible, so n0 waits
        let second = try #require(w.lease("n1").first)
        #expect(second.taskID == id)
        #expect(second.attemptNumber == 2)
    }

    @Test("a retry still runs on the same node when no other node can take it")
    func retrySameNodeWhenAlone() throws {
        var w = World(nodes: 1)
        _ = try w.submit(TaskSpec(retryPolicy: RetryPolicy(initialInterval: .seconds(1), jitter: 0)))
        try w.fail(try #require(w.lease("n0").first))
        #expect(w.lease("n0").isEmpty)  // backoff not over
        _ = w.advance(.seconds(1))
        #expect(w.lease("n0").count == 1)
    }

    @Test("retries stop at maximum attempts: failed with retries_exhausted and refunded")
    func exhaustion() throws {
        var w = World(nodes: 1)
        let id = try w.submit(
            TaskSpec(
                retryPolicy: RetryPolicy(initialInterval: .zero, maximumAttempts: 2, jitter: 0), maxCostMicros: 500))
        try w.fail(try #require(w.lease("n0").first))
        try w.fail(try #require(w.lease("n0").first))
        #expect(w.task(id)?.state == .failed)
        #expect(w.task(id)?.endReason == .retriesExhausted)
        #expect(w.task(id)?.attempts.count == 2)
        #expect(w.scheduler.ledger.balance(of: "alice") == 1_000_000_000)
    }

    @Test("a non-retryable error fails the task at once")
    func nonRetryable() throws {
        var w = World()
        let id = try w.submit()
        try w.fail(try #require(w.lease("n0").first), .invalidInput)
        #expect(w.task(id)?.endReason == .nonRetryableError)
    }

    @Test("a lease without heartbeats expires and the task is retried")
    func leaseExpiry() throws {
        var w = World()
        let id = try w.submit(
            TaskSpec(
                retryPolicy: RetryPolicy(initialInterval: .zero, jitter: 0), timeouts: Timeouts(heartbeat: .seconds(5)))
        )
        let lease = try #require(w.lease("n0").first)
        _ = w.advance(.seconds(4))
        _ = try w.scheduler.heartbeat(lease: lease.id, node: "n0", now: w.now)
        _ = w.advance(.seconds(4))
        #expect(w.task(id)?.attempts[0].state == .running)
        let events = w.advance(.seconds(2))
        #expect(events.contains(.attemptFailed(id, attempt: 1, .leaseExpired)))
        #expect(w.task(id)?.state == .ready)
        #expect(w.lease("n1").first?.attemptNumber == 2)
    }

    @Test("a node going offline releases its leases for retry at once")
    func nodeOffline() throws {
        var w = World()
        let id = try w.submit(TaskSpec(retryPolicy: RetryPolicy(initialInterval: .zero, jitter: 0)))
        _ = w.lease("n0")
        _ = w.scheduler.nodeWentOffline("n0", now: w.now, using: &w.random)
        #expect(w.task(id)?.state == .ready)
        #expect(w.lease("n0").isEmpty)
        #expect(w.lease("n1").count == 1)
    }

    @Test("schedule-to-start fails a task no node takes in time")
    func scheduleToStart() throws {
        var w = World()
        let id = try w.submit(
            TaskSpec(
                requirements: ResourceRequirements(modelIDs: ["absent"]),
                timeouts: Timeouts(scheduleToStart: .seconds(30))))
        _ = w.advance(.seconds(31))
        #expect(w.task(id)?.endReason == .timedOut)
    }

    @Test("R=3, Q=2: two agreeing results win, the liar dissents, loses reputation and is not paid")
    func consensusWithLiar() throws {
        var w = World()
        let id = try w.submit(TaskSpec(redundancy: Redundancy(replicas: 3, quorum: 2)))
        let leases = ["n0", "n1", "n2"].compactMap { w.lease($0).first }
        #expect(leases.count == 3)
        #expect(Set(leases.map(\.nodeID)).count == 3)
        try w.complete(leases[0], "right")
        try w.complete(leases[1], "WRONG")
        #expect(w.task(id)?.state == .running || w.task(id)?.state == .leased)
        try w.complete(leases[2], "right")
        let task = try #require(w.task(id))
        #expect(task.state == .succeeded)
        #expect(task.canonicalOutput == Array("right".utf8))
        #expect(task.attempts.map(\.verdict) == [.agreed, .dissented, .agreed])
        #expect(w.scheduler.nodes["n1"]?.reputation.score == 40)
        #expect(w.scheduler.nodes["n0"]?.reputation.score == 51)
        #expect(w.scheduler.ledger.balance(of: "wallet1") == 0)
        #expect(w.scheduler.ledger.balance(of: "wallet0") > 0)
    }

    @Test("a replica stopped at the quorum is audited when it reports anyway: a liar loses reputation, unpaid")
    func lateLiarAudited() throws {
        var w = World()
        let id = try w.submit(TaskSpec(redundancy: Redundancy(replicas: 3, quorum: 2)))
        let leases = ["n0", "n1", "n2"].compactMap { w.lease($0).first }
        try w.complete(leases[0], "right")
        try w.complete(leases[1], "right")
        #expect(w.task(id)?.state == .succeeded)
        #expect(w.task(id)?.attempts[2].state == .cancelled)
        let paid = w.scheduler.ledger.balance(of: "wallet2")
        let events = try w.complete(leases[2], "WRONG")
        #expect(events.contains(.resultRecorded(id, attempt: 3, .dissented)))
        #expect(w.task(id)?.attempts.map(\.verdict) == [.agreed, .agreed, .dissented])
        #expect(w.scheduler.nodes["n2"]?.reputation.score == 40)
        #expect(w.scheduler.ledger.balance(of: "wallet2") == paid)
        #expect(throws: LeaseError.self) { try w.complete(leases[2], "right") }
    }

    @Test("no quorum adds replicas up to the maximum, then fails with no_consensus")
    func noConsensus() throws {
        var w = World(nodes: 4)
        let id = try w.submit(TaskSpec(redundancy: Redundancy(replicas: 2, quorum: 2, maxReplicas: 3)))
        let first = ["n0", "n1"].compactMap { w.lease($0).first }
        try w.complete(first[0], "a")
        try w.complete(first[1], "b")
        #expect(w.task(id)?.slots.count == 3)
        #expect(w.lease("n0").isEmpty)  // already gave a result
        let third = try #require(w.lease("n2").first)
        try w.complete(third, "c")
        #expect(w.task(id)?.endReason == .noConsensus)
        #expect(w.scheduler.ledger.balance(of: "alice") == 1_000_000_000)
    }

    @Test("replicas go to distinct operators")
    func distinctOperators() throws {
        var w = World(nodes: 2)
        var twin = try #require(w.scheduler.nodes["n1"])
        twin.id = "twin"
        twin.operatorID = "op0"
        w.scheduler.register(twin)
        _ = try w.submit(TaskSpec(redundancy: Redundancy(replicas: 2, quorum: 2)))
        #expect(w.lease("n0").count == 1)
        #expect(w.lease("twin").isEmpty)
        #expect(w.lease("n0").isEmpty)
        #expect(w.lease("n1").count == 1)
    }

    @Test("a trusted node may run a replicated task alone; its result is accepted alone")
    func adaptiveAlone() throws {
        var w = World(
            adaptive: AdaptiveReplication(
                trustThreshold: 1, rampLength: 0, maxAloneProbability: 1, spotCheckProbability: 0))
        var node = try #require(w.scheduler.nodes["n0"])
        node.reputation.consecutiveValid = 50
        w.scheduler.register(node)
        let id = try w.submit(TaskSpec(redundancy: Redundancy(replicas: 3, quorum: 2)))
        let lease = try #require(w.lease("n0").first)
        #expect(w.lease("n1").isEmpty)
        try w.complete(lease, "x")
        #expect(w.task(id)?.state == .succeeded)
        #expect(w.task(id)?.attempts.first?.verdict == .acceptedAlone)
    }

    @Test("a trusted node running alone that loses its lease hands the task back to full replication")
    func adaptiveAloneFallsBack() throws {
        var w = World(
            adaptive: AdaptiveReplication(
                trustThreshold: 1, rampLength: 0, maxAloneProbability: 1, spotCheckProbability: 0))
        var node = try #require(w.scheduler.nodes["n0"])
        node.reputation.consecutiveValid = 50
        w.scheduler.register(node)
        let id = try w.submit(
            TaskSpec(retryPolicy: RetryPolicy(maximumAttempts: 1), redundancy: Redundancy(replicas: 3, quorum: 2)))
        let alone = try #require(w.lease("n0").first)
        _ = w.scheduler.nodeWentOffline(alone.nodeID, now: w.now, using: &w.random)
        #expect(w.task(id)?.state == .ready)
        let leases = ["n1", "n2"].compactMap { w.lease($0).first }
        #expect(leases.count == 2)
        for lease in leases { try w.complete(lease, "same") }
        #expect(w.task(id)?.state == .succeeded)
    }

    @Test("when a parent fails for good its descendants are cancelled as upstream_failed and refunded")
    func upstreamFailed() throws {
        var w = World()
        let dag = DagSubmission(tasks: [
            DagTaskSpec(name: "a", spec: TaskSpec(retryPolicy: RetryPolicy(maximumAttempts: 1))),
            DagTaskSpec(name: "b", dependsOn: ["a"]), DagTaskSpec(name: "c", dependsOn: ["b"]), DagTaskSpec(name: "d"),
        ])
        let ids = try w.scheduler.submit(dag, submitter: "alice", account: "alice", now: w.now).tasks
        let leases = w.lease("n0", max: 2)
        try w.fail(try #require(leases.first { $0.taskID == ids[0] }))
        let states = ids.map { w.task($0)?.endReason }
        #expect(states[0] == .retriesExhausted)
        #expect(states[1] == .upstreamFailed && states[2] == .upstreamFailed)
        #expect(states[3] == nil)
        #expect(w.scheduler.ledger.balance(of: Ledger.escrow) == w.task(ids[3])?.escrowMicros)
    }

    @Test("a child becomes ready with its parents' outputs filled into its prompt")
    func templatesFilled() throws {
        var w = World()
        let dag = DagSubmission(tasks: [
            DagTaskSpec(name: "m1", spec: TaskSpec(prompt: "one")),
            DagTaskSpec(name: "m2", spec: TaskSpec(prompt: "two")),
            DagTaskSpec(
                name: "r", dependsOn: ["m1", "m2"],
                spec: TaskSpec(prompt: "merge {{ tasks.m1.output }}+{{tasks.m2.output}}"), inputFrom: "m2",
                attachParentOutputs: true),
        ])
        let ids = try w.scheduler.submit(dag, submitter: "alice", account: "alice", now: w.now).tasks
        #expect(w.task(ids[2])?.state == .pending)
        let leases = w.lease("n0", max: 2)
        for lease in leases { try w.complete(lease, lease.prompt.uppercased()) }
        let reduce = try #require(w.lease("n1").first)
        #expect(reduce.prompt == "merge ONE+TWO")
        #expect(reduce.input == Array("TWO".utf8))
        #expect(reduce.parentOutputs.map(\.name) == ["m1", "m2"])
    }

    @Test("cancelling refunds the escrow and tells the node holding the attempt")
    func cancel() throws {
        var w = World()
        let id = try w.submit(TaskSpec(maxCostMicros: 777))
        _ = w.lease("n0")
        let events = w.scheduler.cancel(id, now: w.now)
        #expect(events.contains(.attemptCancelled(id, attempt: 1, "n0")))
        #expect(w.task(id)?.endReason == .cancelledByUser)
        #expect(w.scheduler.ledger.balance(of: "alice") == 1_000_000_000)
        #expect(w.scheduler.nodes["n0"]?.activeLeases == 0)
        #expect(w.scheduler.cancel(id, now: w.now).isEmpty)
    }

    @Test("deleting a swarm with force ends its tasks swarm_deleted and refunds them; without force it is refused")
    func deleteSwarm() throws {
        var w = World()
        let id = try w.submit(TaskSpec(maxCostMicros: 900))
        #expect(w.scheduler.deleteSwarm("default", force: false, now: w.now) == nil)
        let deleted = w.scheduler.deleteSwarm("default", force: true, now: w.now)
        let events = try #require(deleted)
        #expect(events.contains(.taskEnded(id, .cancelled, .swarmDeleted)))
        #expect(w.scheduler.ledger.balance(of: "alice") == 1_000_000_000)
        #expect(w.scheduler.swarms["default"] == nil)
    }

    @Test("a submitter with three tasks is served within the first leases despite another's flood")
    func fairShareThroughLeasing() throws {
        var w = World(nodes: 1)
        _ = try w.scheduler.mint(1_000_000_000, to: "bob")
        let flood = DagSubmission(
            tasks: (0..<500).map { DagTaskSpec(name: "f\($0)", spec: TaskSpec(maxCostMicros: 10)) })
        _ = try w.scheduler.submit(flood, submitter: "alice", account: "alice", now: w.now)
        w.now = w.now + .seconds(1)
        let few = DagSubmission(tasks: (0..<3).map { DagTaskSpec(name: "b\($0)", spec: TaskSpec(maxCostMicros: 10)) })
        let bobs = Set(try w.scheduler.submit(few, submitter: "bob", account: "bob", now: w.now).tasks)
        var order: [TaskID] = []
        for _ in 0..<6 {
            let lease = try #require(w.lease("n0").first)
            order.append(lease.taskID)
            try w.complete(lease, "ok")
        }
        #expect(order.filter { bobs.contains($0) }.count == 3)
    }

    @Test("higher priority work is leased before older normal work")
    func priorityThroughLeasing() throws {
        var w = World(nodes: 1)
        let old = try w.submit(TaskSpec(priority: .normal))
        w.now = w.now + .seconds(5)
        let urgent = try w.submit(TaskSpec(priority: .critical))
        #expect(w.lease("n0").first?.taskID == urgent)
        #expect(w.lease("n0").first?.taskID == old)
    }

    @Test("a node with too low a reputation for the swarm gets no work from it")
    func reputationFloor() throws {
        var w = World(nodes: 2)
        w.scheduler.addSwarm(SwarmPolicy(id: "default", minReputation: 60))
        var good = try #require(w.scheduler.nodes["n1"])
        good.reputation.score = 80
        w.scheduler.register(good)
        _ = try w.submit()
        #expect(w.lease("n0").isEmpty)
        #expect(w.lease("n1").count == 1)
    }

    @Test("a CPU node gets CPU work even behind a thousand older GPU tasks")
    func noHeadOfLineBlocking() throws {
        var w = World(nodes: 1)
        let gpu = DagSubmission(
            tasks: (0..<1_000).map {
                DagTaskSpec(
                    name: "g\($0)",
                    spec: TaskSpec(requirements: ResourceRequirements(gpuRequired: true), maxCostMicros: 1))
            })
        _ = try w.scheduler.submit(gpu, submitter: "alice", account: "alice", now: w.now)
        w.now = w.now + .seconds(1)
        let cpu = try w.submit(TaskSpec(maxCostMicros: 1))
        #expect(w.lease("n0").first?.taskID == cpu)
    }

    @Test("submission is refused with a clear error when the balance is short")
    func insufficientBalance() {
        var w = World(funds: 10)
        do {
            _ = try w.submit(TaskSpec(maxCostMicros: 11))
            Issue.record("accepted")
        } catch {
            #expect(error.code == .insufficientBalance)
            #expect(error.message.contains("holds 10 micro-tokens"))
        }
        #expect(w.scheduler.tasks.isEmpty)
    }

    @Test("submission is refused when the swarm's budget is short")
    func swarmBudget() throws {
        var w = World(budget: 1_000)
        _ = try w.submit(TaskSpec(maxCostMicros: 800))
        do {
            _ = try w.submit(TaskSpec(maxCostMicros: 300))
            Issue.record("accepted")
        } catch {
            #expect(error.code == .swarmBudgetExceeded)
        }
    }

    @Test("an invalid DAG is refused with its validation error")
    func invalidDag() {
        var w = World()
        do {
            _ = try w.scheduler.submit(
                DagSubmission(tasks: [DagTaskSpec(name: "a", dependsOn: ["a"])]), submitter: "alice", account: "alice",
                now: w.now)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .invalidDag)
            #expect(error.dagError?.code == .selfDependency)
        }
    }
}
