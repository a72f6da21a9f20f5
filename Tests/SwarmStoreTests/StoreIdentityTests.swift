import SwarmCore
import Testing

@testable import SwarmStore

/// Node identities and listings, on every engine.
@Suite("Store identities and listings")
struct StoreIdentityTests {
    @Test(
        "A node's identity is stored with it; re-registering replaces it and keeps reputation",
        arguments: Engine.allCases)
    func identityRoundTrip(engine: Engine) throws {
        let f = try Fixture(engine, nodes: 1)
        let node = Fixture.node("n9", operator: "op9")
        let first = NodeIdentity(
            nodeID: "n9", credentialSHA256: [1, 2, 3], publicKey: Array(repeating: 7, count: 32), requestID: "req-1",
            registeredAt: f.now, profile: [9, 9])
        try f.store.register(node, identity: first)
        #expect(try f.store.nodeIdentity("n9") == first)
        #expect(try f.store.nodeIdentity(requestID: "req-1") == first)
        #expect(try f.store.nodeIdentity(requestID: "req-2") == nil)

        var second = first
        second.credentialSHA256 = [4, 5, 6]
        try f.store.register(node, identity: second)
        #expect(try f.store.nodeIdentity("n9").credentialSHA256 == [4, 5, 6])
        #expect(try f.store.nodes().map(\.id) == ["n1", "n9"])

        let stranger = NodeIdentity(
            nodeID: "n1", credentialSHA256: [0], publicKey: [0], requestID: "req-1", registeredAt: f.now, profile: [])
        #expect(throws: StoreError.self) {
            try f.store.register(Fixture.node("n1", operator: "op1"), identity: stranger)
        }
        #expect(throws: StoreError.self) { try f.store.nodeIdentity("n1") }
    }

    @Test("Tasks are listed oldest first, filtered by state and DAG, in pages", arguments: Engine.allCases)
    func taskPages(engine: Engine) throws {
        var f = try Fixture(engine)
        var ids: [TaskID] = []
        for _ in 0..<5 {
            ids.append(try f.submit(Fixture.spec()))
            f.advance(.milliseconds(1))
        }
        let leased = try #require(try f.lease("n1").first)
        #expect(leased.taskID == ids[0])
        #expect(try f.store.tasks(TaskQuery()).map(\.id) == ids)
        let firstPage = try f.store.tasks(TaskQuery(limit: 2))
        #expect(firstPage.map(\.id) == Array(ids[0..<2]))
        let secondPage = try f.store.tasks(TaskQuery(limit: 2, after: firstPage.last?.id))
        #expect(secondPage.map(\.id) == Array(ids[2..<4]))
        #expect(try f.store.tasks(TaskQuery(states: [.ready])).map(\.id) == Array(ids[1...]))
        #expect(try f.store.tasks(TaskQuery(states: [.leased, .running])).map(\.id) == [ids[0]])
        let dag = try f.store.task(ids[3]).dagID
        #expect(try f.store.tasks(TaskQuery(dagID: dag)).map(\.id) == [ids[3]])
        #expect(throws: StoreError.self) { try f.store.tasks(TaskQuery(limit: 0)) }
    }
}

@Suite("Store ledger pages")
struct StoreLedgerPageTests {
    @Test("An account's latest transactions, oldest first, in whole transactions", arguments: Engine.allCases)
    func accountPages(engine: Engine) throws {
        var f = try Fixture(engine)
        for _ in 0..<3 {
            let id = try f.submit(Fixture.spec())
            let lease = try #require(try f.lease("n1").first)
            try f.complete(lease, "ok")
            #expect(try f.store.task(id).state == .succeeded)
            f.advance(.milliseconds(1))
        }
        let all = try f.store.ledgerEntries(account: "alice", limit: 100)
        // The mint, then per task an escrow and a refund.
        #expect(all.count == 7)
        #expect(all.first?.type == .mint)
        #expect(all.allSatisfy { entry in entry.postings.reduce(0) { $0 + $1.amountMicros } == 0 })
        let latest = try f.store.ledgerEntries(account: "alice", limit: 2)
        #expect(latest == Array(all.suffix(2)))
        #expect(try f.store.ledgerEntries(account: "wallet-op1", limit: 100).count == 3)
        #expect(throws: StoreError.self) { try f.store.ledgerEntries(account: "alice", limit: 0) }
    }
}

@Suite("Store fair share")
struct StoreFairShareTests {
    @Test("A submitter with a few tasks is not starved by another's earlier flood", arguments: Engine.allCases)
    func fairShare(engine: Engine) throws {
        var f = try Fixture(engine, nodes: 1, slots: 4)
        try f.store.createAccount(Account(id: "bob", kind: .user, owner: "bob"))
        try f.store.mint(Fixture.minted, to: "bob", now: f.now)
        let flood = DagSubmission(tasks: (0..<40).map { DagTaskSpec(name: "a\($0)", spec: Fixture.spec()) })
        _ = try f.store.submit(SubmitParams(submission: flood, submitter: "alice", account: "alice", now: f.now))
        f.advance(.milliseconds(5))
        let few = DagSubmission(tasks: (0..<2).map { DagTaskSpec(name: "b\($0)", spec: Fixture.spec()) })
        let bobs = try f.store.submit(SubmitParams(submission: few, submitter: "bob", account: "bob", now: f.now))
        let leases = try f.lease("n1", 4)
        #expect(leases.count == 4)
        #expect(Set(bobs.taskIDs).isSubset(of: Set(leases.map(\.taskID))), "bob's tasks run beside alice's flood")

        // Priority still comes first: a critical task of alice's goes before bob's next.
        for lease in leases { try f.complete(lease, "ok") }
        var urgent = Fixture.spec()
        urgent.priority = .critical
        let critical = try f.submit(urgent)
        _ = try f.store.submit(SubmitParams(submission: few, submitter: "bob", account: "bob", now: f.now))
        #expect(try f.lease("n1", 1).first?.taskID == critical)
        try f.checkLedger(minted: 2 * Fixture.minted)
    }
}
