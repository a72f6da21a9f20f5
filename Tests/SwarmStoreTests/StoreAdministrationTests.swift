import SwarmCore
import Testing

@testable import SwarmStore

/// `StoreAdministration` on every engine: drains, node updates, earnings, swarm
/// records and deletion, transfers.
@Suite("Store administration")
struct StoreAdministrationTests {
    @Test("A draining node leases nothing; its held lease still completes", arguments: Engine.allCases)
    func drainKeepsHeldLeases(engine: Engine) throws {
        let f = try Fixture(engine, nodes: 2)
        let first = try f.submit(Fixture.spec("held"))
        let lease = try #require(try f.lease("n1").first)
        let drained = try f.store.drainNode("n1", reason: "upgrade", handBack: false, now: f.now)
        #expect(drained.node.drainReason == "upgrade")
        #expect(drained.node.activeLeases == 1)
        #expect(drained.released.isEmpty)
        let second = try f.submit(Fixture.spec("queued"))
        #expect(try f.lease("n1", 4).isEmpty)
        try f.complete(lease, "done")
        #expect(try f.store.task(first).state == .succeeded)
        #expect(try f.store.node("n1").isDraining, "the drain survives the node's own writes")
        #expect(try f.lease("n1").isEmpty)
        #expect(try f.lease("n2").map(\.taskID) == [second])
        try f.checkLedger()
    }

    @Test("Handing back releases held attempts without spending one", arguments: Engine.allCases)
    func handBack(engine: Engine) throws {
        var f = try Fixture(engine, nodes: 2)
        let id = try f.submit(Fixture.spec("back", maxAttempts: 1))
        _ = try #require(try f.lease("n1").first)
        let drained = try f.store.drainNode("n1", reason: "now", handBack: true, now: f.now)
        #expect(drained.released == [id])
        #expect(drained.node.activeLeases == 0)
        f.advance(.seconds(5))
        let retry = try #require(try f.lease("n2").first, "one allowed attempt, still available")
        #expect(retry.attemptNumber == 2)
    }

    @Test("An update replaces capabilities and price, keeping reputation and leases", arguments: Engine.allCases)
    func updateNode(engine: Engine) throws {
        let f = try Fixture(engine, nodes: 1)
        _ = try f.submit(Fixture.spec())
        _ = try f.lease("n1")
        let updated = try f.store.updateNode(
            "n1", capabilities: NodeCapabilities(capabilities: ["sha256"], slots: 8), hourlyRateMicros: 42,
            profile: [1, 2, 3])
        #expect(updated.capabilities.slots == 8)
        #expect(updated.hourlyRateMicros == 42)
        #expect(updated.activeLeases == 1)
        #expect(try f.store.node("n1") == updated)
        expectCode(.unknownNode) { () throws(StoreError) in
            try f.store.updateNode("nope", capabilities: NodeCapabilities(), hourlyRateMicros: 0, profile: [])
        }
    }

    @Test("Earnings are the payments credited to an account", arguments: Engine.allCases)
    func earnings(engine: Engine) throws {
        var f = try Fixture(engine, nodes: 1)
        _ = try f.submit(Fixture.spec())
        try f.complete(try #require(try f.lease("n1").first), "paid")
        let all = try f.store.earnings(of: "wallet-op1", since: .zero)
        #expect(all.totalMicros == 1_000)
        #expect(all.recent.map(\.amountMicros) == [1_000])
        f.advance(.seconds(60))
        #expect(try f.store.earnings(of: "wallet-op1", since: f.now).recent.isEmpty)
        #expect(try f.store.earnings(of: "alice", since: .zero).totalMicros == 0)
    }

    @Test("A swarm with open tasks is deleted only by force, then kept for history", arguments: Engine.allCases)
    func deleteSwarm(engine: Engine) throws {
        let f = try Fixture(engine)
        let record = SwarmRecord(createdBy: "alice", createdAt: f.now, profile: [9])
        try f.store.createSwarm(SwarmPolicy(id: "batch"), record: record)
        expectCode(.alreadyExists) { () throws(StoreError) in
            try f.store.createSwarm(SwarmPolicy(id: "batch"), record: record)
        }
        let id = try f.submit(Fixture.spec(swarm: "batch"))
        #expect(try f.store.swarmTasks("batch", queueLimit: 10).queue.map(\.id) == [id])
        expectCode(.swarmNotEmpty) { () throws(StoreError) in try f.store.deleteSwarm("batch", force: false, now: f.now)
        }

        let deletion = try f.store.deleteSwarm("batch", force: true, now: f.now)
        #expect(deletion.cancelled == [id])
        #expect(deletion.refundedMicros == 10_000)
        #expect(deletion.listing.isDeleted)
        #expect(deletion.listing.record?.createdBy == "alice")
        #expect(try f.store.task(id).endReason == .swarmDeleted)
        #expect(try f.store.balance(of: "alice") == Fixture.minted)
        #expect(try f.store.swarmListings(includeDeleted: false).map(\.policy.id) == ["default"])
        #expect(try f.store.swarmListings(includeDeleted: true).map(\.policy.id) == ["batch", "default"])
        expectCode(.unknownSwarm) { () throws(StoreError) in try f.submit(Fixture.spec(swarm: "batch")) }
        expectCode(.unknownSwarm) { () throws(StoreError) in try f.store.deleteSwarm("batch", force: false, now: f.now)
        }
        // The name may be used again.
        try f.store.createSwarm(SwarmPolicy(id: "batch"), record: record)
        #expect(try f.store.swarmListing("batch").isDeleted == false)
        try f.checkLedger()
    }

    @Test("A transfer moves tokens once per request id and never overdraws", arguments: Engine.allCases)
    func transfer(engine: Engine) throws {
        let f = try Fixture(engine)
        let moved = try f.store.transfer(
            TransferParams(from: "alice", to: "bob", amountMicros: 400_000, requestID: "r1", now: f.now))
        #expect(moved.fromBalance == 600_000)
        #expect(!moved.repeated)
        let again = try f.store.transfer(
            TransferParams(from: "alice", to: "bob", amountMicros: 400_000, requestID: "r1", now: f.now))
        #expect(again.repeated)
        #expect(again.entry.id == moved.entry.id)
        #expect(try f.store.balance(of: "bob") == 400_000)
        expectCode(.alreadyExists) { () throws(StoreError) in
            try f.store.transfer(TransferParams(from: "alice", to: "bob", amountMicros: 1, requestID: "r1", now: f.now))
        }
        expectCode(.insufficientFunds) { () throws(StoreError) in
            try f.store.transfer(TransferParams(from: "alice", to: "bob", amountMicros: 600_001, now: f.now))
        }
        expectCode(.unknownAccount) { () throws(StoreError) in
            try f.store.transfer(TransferParams(from: "carol", to: "bob", amountMicros: 1, now: f.now))
        }
        expectCode(.invalidArgument) { () throws(StoreError) in
            try f.store.transfer(TransferParams(from: Ledger.issuance, to: "bob", amountMicros: 1, now: f.now))
        }
        #expect(try f.store.balance(of: "alice") == 600_000)
        try f.checkLedger()
    }
}
