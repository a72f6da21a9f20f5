import SwarmCore
import Testing

@testable import SwarmStore

/// A rough lease-and-complete throughput probe in the test build; `make bench` runs the
/// release measurement (`swarm-store-bench`). Runs only with OPENSWARM_STORE_THROUGHPUT=1
/// because it measures rather than checks; debug builds are several times slower than
/// release.
@Suite("Store throughput probe")
struct StoreThroughputTests {
    @Test(
        "Lease-and-complete cycles per second", .enabled(if: environment("OPENSWARM_STORE_THROUGHPUT") == "1"),
        arguments: Engine.allCases, [1, 100])
    func cycles(engine: Engine, batch: Int) throws {
        let store = try engine.makeStore()
        let now = Instant(millisecondsSinceEpoch: 1_000_000)
        try store.createSwarm(SwarmPolicy(id: "default"))
        try store.mint(1_000_000_000, to: "alice", now: now)
        try store.register(Fixture.node("n1", operator: "op1", slots: 1_000))
        let count = batch == 1 ? 1_000 : 5_000
        let dag = DagSubmission(tasks: (0..<count).map { DagTaskSpec(name: "t\($0)", spec: Fixture.spec()) })
        _ = try store.submit(SubmitParams(submission: dag, submitter: "alice", account: "alice", now: now))
        let clock = ContinuousClock()
        var done = 0
        let elapsed = try clock.measure {
            while done < count {
                let leases = try store.lease(LeaseParams(node: "n1", maxTasks: batch, now: now))
                if leases.isEmpty { break }
                if batch == 1 {
                    try store.complete(
                        CompleteParams(lease: leases[0].id, node: "n1", result: TaskResult(text: "ok"), now: now))
                } else {
                    let results = try store.report(
                        leases.map {
                            .completed(
                                CompleteParams(lease: $0.id, node: "n1", result: TaskResult(text: "ok"), now: now))
                        })
                    for result in results { _ = try result.get() }
                }
                done += leases.count
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "throughput \(engine.rawValue) batch=\(batch): \(done) tasks in \(seconds) s = \(Int(Double(done) / seconds)) tasks/s"
        )
        #expect(done == count)
        store.close()
    }
}
