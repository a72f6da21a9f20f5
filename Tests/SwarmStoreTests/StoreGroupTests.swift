import SwarmCore
import Testing

@testable import SwarmStore

/// Group commit: many store calls, one transaction, one commit.
@Suite("Store group commit")
struct StoreGroupTests {
    @Test("Calls in a group commit together; one that throws rolls back alone", arguments: Engine.allCases)
    func groupIsolatesFailures(engine: Engine) throws {
        let f = try Fixture(engine)
        let params = SubmitParams(task: Fixture.spec(), submitter: "alice", account: "alice", now: f.now)
        var tooDear = Fixture.spec()
        tooDear.maxCostMicros = Fixture.minted * 2
        var first: TaskID?
        var refused: StoreError?
        var second: TaskID?
        var seenInside = 0
        try f.store.group { store in
            first = try? store.submit(params).taskIDs.first
            do throws(StoreError) {
                _ = try store.submit(SubmitParams(task: tooDear, submitter: "alice", account: "alice", now: f.now))
            } catch {
                refused = error
            }
            second = try? store.submit(params).taskIDs.first
            // A later call in the group sees what the earlier ones wrote.
            seenInside = (try? store.taskCounts().values.reduce(0, +)) ?? -1
        }
        #expect(first != nil && second != nil && first != second)
        #expect(refused?.code == .insufficientFunds)
        #expect(seenInside == 2)
        #expect(try f.store.taskCounts().values.reduce(0, +) == 2)
        #expect(try f.store.balance(of: "alice") == Fixture.minted - 20_000)
        try f.checkLedger()
    }

    @Test("A lease and a heartbeat in a group commit; a nested group joins the outer one", arguments: Engine.allCases)
    func groupIsDurable(engine: Engine) throws {
        let f = try Fixture(engine)
        let id = try f.submit(Fixture.spec())
        var granted: [GrantedLease] = []
        try f.store.group { store in
            granted = (try? store.lease(LeaseParams(node: "n1", maxTasks: 4, now: f.now))) ?? []
            // A nested group joins the open one.
            try? store.group { inner in
                guard let lease = granted.first else { return }
                _ = try? inner.heartbeat(HeartbeatParams(lease: lease.id, node: "n1", now: f.now))
            }
        }
        #expect(granted.map(\.taskID) == [id])
        #expect(try f.store.task(id).state == .running)
        try f.complete(try #require(granted.first), "done")
        #expect(try f.store.task(id).state == .succeeded)
        try f.checkLedger()
    }
}
