import SwarmCore
import Testing

@testable import SwarmStore

/// The one conformance suite: every scenario runs against every engine.
@Suite("Store conformance")
struct StoreConformanceTests {
    @Test("A DAG runs in order and children receive parent outputs", arguments: Engine.allCases)
    func dagPropagatesOutputs(engine: Engine) throws {
        let f = try Fixture(engine)
        let dag = DagSubmission(tasks: [
            DagTaskSpec(name: "a", spec: Fixture.spec("first")),
            DagTaskSpec(name: "b", spec: Fixture.spec("first")),
            DagTaskSpec(
                name: "c", dependsOn: ["a", "b"],
                spec: Fixture.spec("merge {{ tasks.a.output }} and {{ tasks.b.output }}"),
                inputFrom: "a", attachParentOutputs: true),
        ])
        let submitted = try f.store.submit(
            SubmitParams(submission: dag, submitter: "alice", account: "alice", now: f.now))
        #expect(submitted.escrowedMicros == 30_000)
        #expect(try f.store.balance(of: "alice") == Fixture.minted - 30_000)
        let tasks = submitted.taskIDs
        #expect(try f.store.task(tasks[2]).state == .pending)

        let first = try f.lease("n1", 10)
        #expect(Set(first.map(\.taskID)) == [tasks[0], tasks[1]])
        let byTask = Dictionary(uniqueKeysWithValues: first.map { ($0.taskID, $0) })
        let a = try #require(byTask[tasks[0]])
        let b = try #require(byTask[tasks[1]])
        let afterA = try f.complete(a, "A")
        #expect(afterA.readied.isEmpty)
        #expect(try f.lease("n2").isEmpty)
        let afterB = try f.complete(b, "B")
        #expect(afterB.readied == [tasks[2]])

        let child = try #require(try f.lease("n2").first)
        #expect(child.taskID == tasks[2])
        #expect(child.prompt == "merge A and B")
        #expect(child.input == Array("A".utf8))
        #expect(child.parentOutputs.map(\.name) == ["a", "b"])
        #expect(child.parentOutputs.map(\.output) == [Array("A".utf8), Array("B".utf8)])
        try f.complete(child, "done")
        let ended = try f.store.tasks(inDag: submitted.dagID)
        #expect(ended.allSatisfy { $0.state == .succeeded })
        #expect(ended.allSatisfy { $0.paidMicros == 1_000 && $0.refundedMicros == 9_000 && $0.escrowMicros == 0 })
        #expect(try f.store.balance(of: "alice") == Fixture.minted - 3_000)
        #expect(try f.store.balance(of: "wallet-op1") == 2_000)
        #expect(try f.store.balance(of: Ledger.escrow) == 0)
        try f.checkLedger()
    }

    @Test(
        "A failed attempt is retried after backoff on another node, until the policy is spent",
        arguments: Engine.allCases)
    func retriesWithBackoff(engine: Engine) throws {
        var f = try Fixture(engine)
        let id = try f.submit(Fixture.spec(maxAttempts: 2))
        let first = try #require(try f.lease("n1").first)
        let failed = try f.store.fail(FailParams(lease: first.id, node: "n1", kind: .transient, now: f.now))
        #expect(failed.retryNotBefore == f.now + .seconds(1))
        #expect(try f.store.task(id).state == .ready)
        #expect(try f.lease("n2").isEmpty, "backoff has not ended")
        f.advance(.seconds(1))
        #expect(try f.lease("n1").isEmpty, "a retry prefers a node that has not failed it")
        let second = try #require(try f.lease("n2").first)
        #expect(second.attemptNumber == 2)
        let outcome = try f.store.fail(FailParams(lease: second.id, node: "n2", kind: .transient, now: f.now))
        #expect(outcome.taskState == .failed)
        let task = try f.store.task(id)
        #expect(task.endReason == .retriesExhausted)
        #expect(task.refundedMicros == 10_000)
        #expect(try f.store.balance(of: "alice") == Fixture.minted)
        try f.checkLedger()
    }

    @Test("A non-retryable failure fails the task at once and cancels its dependents", arguments: Engine.allCases)
    func nonRetryableFailsDag(engine: Engine) throws {
        let f = try Fixture(engine)
        let dag = DagSubmission(tasks: [
            DagTaskSpec(name: "a", spec: Fixture.spec()),
            DagTaskSpec(name: "b", dependsOn: ["a"], spec: Fixture.spec()),
            DagTaskSpec(name: "c", dependsOn: ["b"], spec: Fixture.spec()),
        ])
        let ids = try f.store.submit(SubmitParams(submission: dag, submitter: "alice", account: "alice", now: f.now))
            .taskIDs
        let lease = try #require(try f.lease("n1").first)
        let outcome = try f.store.fail(FailParams(lease: lease.id, node: "n1", kind: .invalidInput, now: f.now))
        #expect(Set(outcome.ended) == Set(ids))
        #expect(try f.store.task(ids[0]).endReason == .nonRetryableError)
        #expect(try f.store.task(ids[2]).endReason == .upstreamFailed)
        #expect(try f.store.balance(of: "alice") == Fixture.minted)
        try f.checkLedger()
    }

    @Test("An expired lease is retried; the late result is refused", arguments: Engine.allCases)
    func leaseExpiry(engine: Engine) throws {
        var f = try Fixture(engine)
        let id = try f.submit(Fixture.spec())
        let lease = try #require(try f.lease("n1").first)
        #expect(lease.deadline == f.now + .seconds(10))
        f.advance(.seconds(5))
        let beat = try f.store.heartbeat(HeartbeatParams(lease: lease.id, node: "n1", now: f.now))
        #expect(!beat.cancelled)
        #expect(beat.deadline == f.now + .seconds(10))
        #expect(try f.store.task(id).state == .running)
        f.advance(.seconds(9))
        #expect(try f.store.expire(now: f.now).expiredLeases == 0)
        f.advance(.seconds(1))
        #expect(try f.store.expire(now: f.now).expiredLeases == 1)
        #expect(try f.store.task(id).attempts[0].state == .expired)
        expectCode(.leaseNotActive) { () throws(StoreError) in
            try f.store.complete(
                CompleteParams(lease: lease.id, node: "n1", result: TaskResult(text: "late"), now: f.now))
        }
        f.advance(.seconds(1))
        let retry = try #require(try f.lease("n2").first)
        #expect(retry.attemptNumber == 2)
        try f.complete(retry, "ok")
        #expect(try f.store.task(id).state == .succeeded)
        #expect(try f.store.node("n1").activeLeases == 0)
        try f.checkLedger()
    }

    @Test("R=3, Q=2: two agreeing results win, the dissenter is not paid", arguments: Engine.allCases)
    func consensusWithDissenter(engine: Engine) throws {
        let f = try Fixture(engine, nodes: 4)
        try f.store.register(Fixture.node("n1b", operator: "op1"))
        let id = try f.submit(
            Fixture.spec(redundancy: Redundancy(replicas: 3, quorum: 2, maxReplicas: 5, adaptive: false)))
        let l1 = try #require(try f.lease("n1", 4).first)
        #expect(try f.lease("n1", 4).isEmpty, "one replica per node")
        #expect(try f.lease("n1b", 4).isEmpty, "one replica per operator")
        let l2 = try #require(try f.lease("n2").first)
        let l3 = try #require(try f.lease("n3").first)
        #expect(try f.lease("n4").isEmpty, "all three replicas are out")
        try f.complete(l1, "42")
        let dissent = try f.complete(l2, "41")
        #expect(dissent.taskState == .leased)
        let done = try f.complete(l3, "42")
        #expect(done.taskState == .succeeded)
        let task = try f.store.task(id)
        #expect(task.canonicalOutput == Array("42".utf8))
        #expect(task.attempts.map(\.verdict) == [.agreed, .dissented, .agreed])
        #expect(task.paidMicros == 2_000)
        #expect(try f.store.balance(of: "wallet-op1") == 1_000)
        #expect(try f.store.balance(of: "wallet-op3") == 1_000)
        #expect(try f.store.balance(of: "wallet-op2") == 0)
        #expect(try f.store.node("n2").reputation.score < 50)
        #expect(try f.store.node("n1").reputation.score > 50)
        try f.checkLedger()
    }

    @Test(
        "A replica stopped at the quorum is still audited: a late liar loses reputation, a late agreer is not paid",
        arguments: Engine.allCases)
    func lateReplicaAudited(engine: Engine) throws {
        let f = try Fixture(engine, nodes: 4)
        let redundancy = Redundancy(replicas: 3, quorum: 2, maxReplicas: 3, adaptive: false)
        let first = try f.submit(Fixture.spec(redundancy: redundancy))
        let second = try f.submit(Fixture.spec(redundancy: redundancy))
        func leases(_ node: String) throws -> [GrantedLease] { try f.lease(node, 2) }
        let (l1, l2, l3) = (try leases("n1"), try leases("n2"), try leases("n3"))
        for held in [l1, l2] {
            for lease in held { try f.complete(lease, "42") }
        }
        #expect(try f.store.task(first).state == .succeeded)
        #expect(try f.store.heartbeat(HeartbeatParams(lease: l3[0].id, node: "n3", now: f.now)).cancelled)
        let before = try f.store.node("n3").reputation.score
        let paid = try f.store.balance(of: "wallet-op3")

        // n3 reports anyway: a wrong result on one, a right one on the other.
        let byTask = Dictionary(uniqueKeysWithValues: l3.map { ($0.taskID, $0) })
        let lie = try #require(byTask[first])
        let truth = try #require(byTask[second])
        expectCode(.notLeaseHolder) { () throws(StoreError) in
            try f.store.complete(CompleteParams(lease: lie.id, node: "n1", result: TaskResult(text: "1"), now: f.now))
        }
        #expect(try f.complete(lie, "41").taskState == .succeeded)
        #expect(try f.store.task(first).attempts.map(\.verdict) == [.agreed, .agreed, .dissented])
        #expect(try f.store.node("n3").reputation.score == before - 10)
        try f.complete(truth, "42")
        #expect(try f.store.task(second).attempts.last?.verdict == .late)
        #expect(try f.store.node("n3").reputation.score == before - 9)
        #expect(try f.store.balance(of: "wallet-op3") == paid, "a late result is never paid")
        #expect(try f.store.task(first).canonicalOutput == Array("42".utf8))

        // Once audited, the lease is spent.
        expectCode(.leaseNotActive) { () throws(StoreError) in try f.complete(lie, "42") }
        try f.checkLedger()
    }

    @Test("A cancelled task's stopped replica cannot report", arguments: Engine.allCases)
    func cancelledReplicaRefused(engine: Engine) throws {
        let f = try Fixture(engine)
        let id = try f.submit(Fixture.spec())
        let lease = try #require(try f.lease("n1").first)
        #expect(try f.store.cancel(id, now: f.now))
        expectCode(.leaseNotActive) { () throws(StoreError) in try f.complete(lease, "ok") }
        try f.checkLedger()
    }

    @Test("Without a quorum, replicas are added up to the maximum, then the task fails", arguments: Engine.allCases)
    func noConsensus(engine: Engine) throws {
        let f = try Fixture(engine, nodes: 4)
        let id = try f.submit(
            Fixture.spec(redundancy: Redundancy(replicas: 2, quorum: 2, maxReplicas: 3, adaptive: false)))
        let l1 = try #require(try f.lease("n1").first)
        let l2 = try #require(try f.lease("n2").first)
        try f.complete(l1, "x")
        try f.complete(l2, "y")
        #expect(try f.store.task(id).slots.count == 3)
        let l3 = try #require(try f.lease("n3").first)
        let outcome = try f.complete(l3, "z")
        #expect(outcome.taskState == .failed)
        #expect(try f.store.task(id).endReason == .noConsensus)
        #expect(try f.store.balance(of: "alice") == Fixture.minted)
        try f.checkLedger()
    }

    @Test("Cancelling refunds the task and its dependents, and the node learns it", arguments: Engine.allCases)
    func cancellationRefunds(engine: Engine) throws {
        let f = try Fixture(engine)
        let dag = DagSubmission(tasks: [
            DagTaskSpec(name: "a", spec: Fixture.spec()),
            DagTaskSpec(name: "b", dependsOn: ["a"], spec: Fixture.spec()),
        ])
        let ids = try f.store.submit(SubmitParams(submission: dag, submitter: "alice", account: "alice", now: f.now))
            .taskIDs
        let lease = try #require(try f.lease("n1").first)
        #expect(try f.store.cancel(ids[0], now: f.now))
        #expect(try !f.store.cancel(ids[0], now: f.now), "cancelling twice changes nothing")
        #expect(try f.store.task(ids[0]).endReason == .cancelledByUser)
        #expect(try f.store.task(ids[1]).endReason == .upstreamFailed)
        #expect(try f.store.heartbeat(HeartbeatParams(lease: lease.id, node: "n1", now: f.now)).cancelled)
        expectCode(.leaseNotActive) { () throws(StoreError) in try f.complete(lease, "late") }
        #expect(try f.store.balance(of: "alice") == Fixture.minted)
        #expect(try f.store.node("n1").activeLeases == 0)
        try f.checkLedger()
    }

    @Test("A submission the balance or budget cannot cover is refused and changes nothing", arguments: Engine.allCases)
    func insufficientFunds(engine: Engine) throws {
        let f = try Fixture(engine)
        try f.store.createAccount(Account(id: "bob", kind: .user))
        try f.store.mint(5_000, to: "bob", now: f.now)
        expectCode(.insufficientFunds) { () throws(StoreError) in
            try f.store.submit(SubmitParams(task: Fixture.spec(), submitter: "bob", account: "bob", now: f.now))
        }
        #expect(try f.store.balance(of: "bob") == 5_000)
        try f.store.createSwarm(SwarmPolicy(id: "tight", tokenBudgetMicros: 15_000))
        _ = try f.submit(Fixture.spec(swarm: "tight"))
        expectCode(.swarmBudgetExceeded) { () throws(StoreError) in try f.submit(Fixture.spec(swarm: "tight")) }
        expectCode(.unknownSwarm) { () throws(StoreError) in try f.submit(Fixture.spec(swarm: "nowhere")) }
        expectCode(.unknownAccount) { () throws(StoreError) in
            try f.store.submit(SubmitParams(task: Fixture.spec(), submitter: "eve", account: "eve", now: f.now))
        }
        expectCode(.invalidDag) { () throws(StoreError) in
            try f.store.submit(
                SubmitParams(
                    submission: DagSubmission(tasks: [DagTaskSpec(name: "a", dependsOn: ["a"])]), submitter: "alice",
                    account: "alice", now: f.now))
        }
        #expect(try f.store.taskCounts().values.reduce(0, +) == 1)
        #expect(try f.store.swarm("tight").escrowedMicros == 10_000)
        try f.checkLedger(minted: Fixture.minted + 5_000)
    }

    @Test("A chosen DAG id is taken once: a repeat is refused and changes nothing", arguments: Engine.allCases)
    func chosenDagID(engine: Engine) throws {
        let f = try Fixture(engine)
        let params = SubmitParams(
            task: Fixture.spec("first"), submitter: "alice", account: "alice", now: f.now,
            dagID: "review-abc")
        let outcome = try f.store.submit(params)
        #expect(outcome.taskIDs == ["review-abc.0"])
        var repeated = params
        repeated.submission = DagSubmission(tasks: [DagTaskSpec(name: "task", spec: Fixture.spec("second"))])
        expectCode(.alreadyExists) { () throws(StoreError) in try f.store.submit(repeated) }
        #expect(try f.store.task("review-abc.0").spec.prompt == "first")
        #expect(try f.store.balance(of: "alice") == Fixture.minted - outcome.escrowedMicros)
        #expect(try f.store.taskCounts().values.reduce(0, +) == 1)
        try f.checkLedger()
    }

    @Test("A second report on one lease is refused and settles nothing twice", arguments: Engine.allCases)
    func doubleReportRefused(engine: Engine) throws {
        let f = try Fixture(engine)
        let id = try f.submit(Fixture.spec())
        let lease = try #require(try f.lease("n1").first)
        try f.complete(lease, "ok")
        let entries = try f.store.ledgerEntries(reference: nil).count
        expectCode(.leaseNotActive) { () throws(StoreError) in try f.complete(lease, "ok") }
        expectCode(.leaseNotActive) { () throws(StoreError) in
            try f.store.fail(FailParams(lease: lease.id, node: "n1", kind: .transient, now: f.now))
        }
        expectCode(.notLeaseHolder) { () throws(StoreError) in
            try f.store.complete(CompleteParams(lease: lease.id, node: "n2", result: TaskResult(text: "x"), now: f.now))
        }
        expectCode(.unknownLease) { () throws(StoreError) in
            try f.store.complete(
                CompleteParams(lease: "lease-nope", node: "n1", result: TaskResult(text: "x"), now: f.now))
        }
        #expect(try f.store.ledgerEntries(reference: nil).count == entries)
        #expect(try f.store.ledgerEntries(reference: id.rawValue).map(\.type) == [.payment, .refund])
        #expect(try f.store.balance(of: "wallet-op1") == 1_000)
        try f.checkLedger()
    }

    @Test("A batch lease respects the node's slots and priority order", arguments: Engine.allCases)
    func batchLease(engine: Engine) throws {
        let f = try Fixture(engine, nodes: 1, slots: 3)
        var low = Fixture.spec()
        low.priority = .low
        var high = Fixture.spec()
        high.priority = .high
        let lowID = try f.submit(low)
        let normal = try (0..<3).map { _ in try f.submit(Fixture.spec()) }
        let highID = try f.submit(high)
        let batch = try f.lease("n1", 10)
        #expect(batch.count == 3)
        #expect(batch.first?.taskID == highID)
        #expect(!batch.map(\.taskID).contains(lowID))
        #expect(Set(batch.map(\.taskID)).isSubset(of: Set(normal + [highID])))
        #expect(try f.store.node("n1").activeLeases == 3)
        #expect(try f.lease("n1", 10).isEmpty)
        try f.complete(batch[0], "ok")
        #expect(try f.lease("n1", 10).count == 1)
    }

    @Test("A node going offline hands its leases back for retry", arguments: Engine.allCases)
    func nodeOffline(engine: Engine) throws {
        let f = try Fixture(engine)
        let id = try f.submit(Fixture.spec())
        _ = try #require(try f.lease("n1").first)
        try f.store.setNodeOnline("n1", false, now: f.now)
        #expect(try f.store.task(id).attempts[0].state == .expired)
        #expect(try f.store.node("n1").activeLeases == 0)
        #expect(try f.lease("n1").isEmpty)
    }

    @Test("Batched reports commit together; a refused one does not stop the others", arguments: Engine.allCases)
    func batchedReports(engine: Engine) throws {
        let f = try Fixture(engine, nodes: 1, slots: 4)
        let ids = try (0..<3).map { _ in try f.submit(Fixture.spec()) }
        let leases = try f.lease("n1", 3)
        #expect(leases.count == 3)
        let results = try f.store.report([
            .completed(CompleteParams(lease: leases[0].id, node: "n1", result: TaskResult(text: "a"), now: f.now)),
            .completed(CompleteParams(lease: leases[0].id, node: "n1", result: TaskResult(text: "again"), now: f.now)),
            .failed(FailParams(lease: leases[1].id, node: "n1", kind: .permanent, now: f.now)),
            .completed(CompleteParams(lease: leases[2].id, node: "n2", result: TaskResult(text: "c"), now: f.now)),
            .completed(CompleteParams(lease: leases[2].id, node: "n1", result: TaskResult(text: "c"), now: f.now)),
        ])
        #expect(results.count == 5)
        #expect((try? results[0].get())?.taskState == .succeeded)
        #expect(throws: StoreError.self) { try results[1].get() }
        #expect((try? results[2].get())?.taskState == .failed)
        #expect(throws: StoreError.self) { try results[3].get() }
        #expect((try? results[4].get())?.taskState == .succeeded)
        let states = try ids.map { (id) throws(StoreError) in try f.store.task(id).state }
        #expect(Set(states) == [.succeeded, .failed])
        #expect(try f.store.node("n1").activeLeases == 0)
        #expect(try f.store.balance(of: "wallet-op1") == 2_000)
        try f.checkLedger()
    }

    @Test(
        "Reporting and leasing in one transaction: the reports' freed slots and readied children are leased",
        arguments: Engine.allCases)
    func reportAndLease(engine: Engine) throws {
        let f = try Fixture(engine, nodes: 1, slots: 2)
        let dag = DagSubmission(tasks: [
            DagTaskSpec(name: "a", spec: Fixture.spec()),
            DagTaskSpec(name: "b", spec: Fixture.spec()),
            DagTaskSpec(name: "c", dependsOn: ["a"], spec: Fixture.spec()),
            DagTaskSpec(name: "d", spec: Fixture.spec()),
        ])
        let ids = try f.store.submit(SubmitParams(submission: dag, submitter: "alice", account: "alice", now: f.now))
            .taskIDs
        let a = try #require(try ids.first { (id) throws(StoreError) in try f.store.task(id).name == "a" })
        let first = try f.lease("n1", 4)
        #expect(first.count == 2, "two slots")
        let leasedA = try #require(first.first { $0.taskID == a }, "a is the oldest ready task")
        let other = try #require(first.first { $0.taskID != a })
        let cycle = try f.store.reportAndLease(
            [
                .completed(CompleteParams(lease: leasedA.id, node: "n1", result: TaskResult(text: "A"), now: f.now)),
                .completed(CompleteParams(lease: leasedA.id, node: "n1", result: TaskResult(text: "A"), now: f.now)),
            ], lease: LeaseParams(node: "n1", maxTasks: 4, now: f.now))
        #expect((try? cycle.reports[0].get())?.taskState == .succeeded)
        #expect(throws: StoreError.self) { try cycle.reports[1].get() }
        // One slot was freed by the report; `c`, readied by it, competes with the rest.
        #expect(cycle.leases.count == 1)
        #expect(try f.store.node("n1").activeLeases == 2)
        let next = try #require(cycle.leases.first)
        #expect(next.taskID != other.taskID && next.taskID != a)

        let last = try f.store.reportAndLease(
            [
                .completed(CompleteParams(lease: other.id, node: "n1", result: TaskResult(text: "x"), now: f.now)),
                .completed(CompleteParams(lease: next.id, node: "n1", result: TaskResult(text: "y"), now: f.now)),
            ], lease: LeaseParams(node: "n1", maxTasks: 4, now: f.now))
        #expect(last.reports.allSatisfy { (try? $0.get()) != nil })
        #expect(last.leases.count == 1, "the one task left")
        try f.complete(try #require(last.leases.first), "z")
        #expect(try ids.map { (id) throws(StoreError) in try f.store.task(id).state }.allSatisfy { $0 == .succeeded })
        #expect(try f.store.node("n1").activeLeases == 0)
        try f.checkLedger()
    }

    @Test(
        "A trusted node runs a replicated task alone; a failure brings back full replication",
        arguments: Engine.allCases)
    func adaptiveReplication(engine: Engine) throws {
        let alwaysAlone = AdaptiveReplication(
            trustThreshold: 0, rampLength: 0, maxAloneProbability: 1, spotCheckProbability: 0)
        let f = try Fixture(engine, adaptive: alwaysAlone)
        let replicated = Fixture.spec(redundancy: Redundancy(replicas: 3, quorum: 2, maxReplicas: 6, adaptive: true))
        let alone = try f.submit(replicated)
        let lease = try #require(try f.lease("n1").first)
        #expect(try f.store.task(alone).runningAlone)
        #expect(try f.lease("n2").isEmpty, "no other replica is wanted")
        #expect(try f.complete(lease, "solo").taskState == .succeeded)
        #expect(try f.store.task(alone).attempts.map(\.verdict) == [.acceptedAlone])

        let retried = try f.submit(replicated)
        let first = try #require(try f.lease("n1").first)
        try f.store.fail(FailParams(lease: first.id, node: "n1", kind: .transient, now: f.now))
        let task = try f.store.task(retried)
        #expect(!task.runningAlone)
        #expect(task.slots.count == 3)
        #expect(try f.lease("n2").count == 1)
        #expect(try f.lease("n3").count == 1)
        try f.checkLedger()
    }
}
