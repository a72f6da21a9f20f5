import SwarmCore
import Testing

@testable import SwarmStore

/// New ids increase within a store, in text order, so that the B-trees they key grow at
/// one edge instead of taking each insert on a random leaf.
@Suite("Store ids")
struct IDSourceTests {
    @Test("The sequence's text order is its numeric order, across every change of length")
    func sequenceSortsAsNumbers() {
        var values: [UInt64] = [0, 1, 9, 10, 15, 16, 17, 255, 256, 4_095, 4_096, 65_535, 65_536, 1 << 40]
        values += [(1 << 63) - 1, 1 << 63, UInt64.max]
        let texts = values.map(IDSource.ordered)
        #expect(texts == texts.sorted())
        #expect(Set(texts).count == values.count)
        #expect(
            IDSource.ordered(255) == "1ff" && IDSource.ordered(UInt64.max) == "f" + String(repeating: "f", count: 16))
    }

    @Test("Submissions and leases get increasing ids, in a group too", arguments: Engine.allCases)
    func idsIncrease(engine: Engine) throws {
        let f = try Fixture(engine)
        let params = SubmitParams(task: Fixture.spec(), submitter: "alice", account: "alice", now: f.now)
        var dags: [DagID] = []
        var tasks: [TaskID] = []
        for _ in 0..<20 {
            let outcome = try f.store.submit(params)
            dags.append(outcome.dagID)
            tasks += outcome.taskIDs
        }
        try f.store.group { store in
            for _ in 0..<20 {
                guard let outcome = try? store.submit(params) else { continue }
                dags.append(outcome.dagID)
                tasks += outcome.taskIDs
            }
        }
        #expect(dags.count == 40)
        #expect(dags.map(\.rawValue) == dags.map(\.rawValue).sorted(), "DAG ids increase in text order")
        #expect(tasks.map(\.rawValue) == tasks.map(\.rawValue).sorted(), "task ids increase in text order")
        var leases: [String] = []
        for _ in 0..<3 { leases += try f.lease("n1").map(\.id.rawValue) }
        #expect(leases.count == 3 && leases == leases.sorted(), "lease ids increase in text order")
    }

    @Test("Two stores on one database (two coordinators) never give the same id", arguments: Engine.allCases)
    func storesDoNotShareIDs(engine: Engine) throws {
        let stores = try engine.makeStores(2)
        defer { for store in stores { store.close() } }
        let now = Instant(millisecondsSinceEpoch: 1_000_000)
        try stores[0].createSwarm(SwarmPolicy(id: "default"))
        try stores[0].createAccount(Account(id: "alice", kind: .user, owner: "alice"))
        try stores[0].mint(Fixture.minted, to: "alice", now: now)
        let params = SubmitParams(task: Fixture.spec(), submitter: "alice", account: "alice", now: now)
        var dags: [DagID] = []
        for round in 0..<20 { dags.append(try stores[round % 2].submit(params).dagID) }
        #expect(Set(dags).count == dags.count)
    }
}
