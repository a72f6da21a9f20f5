import Testing

@testable import SwarmCore

private func drain(_ queue: inout FairShareQueue, _ n: Int = .max) -> [String] {
    var out: [String] = []
    while out.count < n, let next = queue.next({ _ in .take }) { out.append(next.rawValue) }
    return out
}

@Suite("Ordering: priority, fair share, age")
struct FairShareQueueTests {
    @Test("higher priority is leased first")
    func priorityFirst() {
        var q = FairShareQueue()
        q.insert("low", priority: .low, swarm: "s", submitter: "u", age: .zero)
        q.insert("crit", priority: .critical, swarm: "s", submitter: "u", age: Instant(millisecondsSinceEpoch: 9))
        q.insert("norm", priority: .normal, swarm: "s", submitter: "u", age: .zero)
        #expect(drain(&q) == ["crit", "norm", "low"])
    }

    @Test("a submitter with a few tasks is not starved by another's flood")
    func noStarvation() {
        var q = FairShareQueue()
        for i in 0..<1_000 {
            q.insert(
                TaskID("flood-\(i)"), priority: .normal, swarm: "s", submitter: "big",
                age: Instant(millisecondsSinceEpoch: Int64(i)))
        }
        for i in 0..<3 {
            q.insert(
                TaskID("small-\(i)"), priority: .normal, swarm: "s", submitter: "small",
                age: Instant(millisecondsSinceEpoch: 5_000 + Int64(i)))
        }
        let first = drain(&q, 6)
        #expect(first.filter { $0.hasPrefix("small") } == ["small-0", "small-1", "small-2"])
    }

    @Test("swarms share fairly before their submitters do")
    func swarmFairness() {
        var q = FairShareQueue()
        for u in 0..<5 {
            for i in 0..<10 {
                q.insert(
                    TaskID("a-\(u)-\(i)"), priority: .normal, swarm: "A", submitter: PrincipalID("u\(u)"), age: .zero)
            }
        }
        for i in 0..<10 { q.insert(TaskID("b-\(i)"), priority: .normal, swarm: "B", submitter: "solo", age: .zero) }
        let first = drain(&q, 10)
        #expect(first.filter { $0.hasPrefix("b-") }.count == 5)
    }

    @Test("within one submitter, older tasks go first")
    func ageOrder() {
        var q = FairShareQueue()
        q.insert("new", priority: .normal, swarm: "s", submitter: "u", age: Instant(millisecondsSinceEpoch: 20))
        q.insert("old", priority: .normal, swarm: "s", submitter: "u", age: Instant(millisecondsSinceEpoch: 10))
        #expect(drain(&q) == ["old", "new"])
    }

    @Test("a skipped task keeps its place and a discarded one leaves")
    func skipAndDiscard() {
        var q = FairShareQueue()
        q.insert("gpu", priority: .normal, swarm: "s", submitter: "u", age: .zero)
        q.insert("gone", priority: .normal, swarm: "s", submitter: "u", age: Instant(millisecondsSinceEpoch: 1))
        q.insert("cpu", priority: .normal, swarm: "s", submitter: "u", age: Instant(millisecondsSinceEpoch: 2))
        let taken = q.next { id in id == "gpu" ? .skip : id == "gone" ? .discard : .take }
        #expect(taken == "cpu")
        #expect(q.count == 1)
        #expect(drain(&q) == ["gpu"])
    }

    @Test("an idle submitter earns no credit to burst later")
    func noBankedCredit() {
        var q = FairShareQueue()
        for i in 0..<10 {
            q.insert(
                TaskID("a\(i)"), priority: .normal, swarm: "s", submitter: "a",
                age: Instant(millisecondsSinceEpoch: Int64(i)))
        }
        _ = drain(&q, 8)
        for i in 0..<10 {
            q.insert(
                TaskID("b\(i)"), priority: .normal, swarm: "s", submitter: "b",
                age: Instant(millisecondsSinceEpoch: 100 + Int64(i)))
        }
        let next = drain(&q, 4)
        #expect(next.filter { $0.hasPrefix("a") }.count == 2)
    }
}

@Suite("Ordering: requirement classes")
struct RequirementClassTests {
    @Test("a node is not starved by thousands of older tasks it cannot run")
    func classesSkipUnservableWork() {
        var q = FairShareQueue(scanLimit: 8)
        for i in 0..<5_000 {
            q.insert(
                TaskID("gpu-\(i)"), priority: .normal, swarm: "s", submitter: "u",
                age: Instant(millisecondsSinceEpoch: Int64(i)),
                requirementClass: 1)
        }
        q.insert(
            "cpu", priority: .normal, swarm: "s", submitter: "u", age: Instant(millisecondsSinceEpoch: 9_999),
            requirementClass: 0)
        var asked = 0
        let taken = q.next(
            serving: { _, requirementClass in
                asked += 1
                return requirementClass == 0
            },
            { _ in .take })
        #expect(taken == "cpu")
        #expect(asked == 2)  // once per class, not once per task
        #expect(q.count == 5_000)
    }

    @Test("within a flow, the oldest task among the classes a node serves goes first")
    func oldestAcrossClasses() {
        var q = FairShareQueue()
        q.insert(
            "b-new", priority: .normal, swarm: "s", submitter: "u", age: Instant(millisecondsSinceEpoch: 5),
            requirementClass: 2)
        q.insert(
            "a-old", priority: .normal, swarm: "s", submitter: "u", age: Instant(millisecondsSinceEpoch: 1),
            requirementClass: 1)
        #expect(q.next({ _ in .take }) == "a-old")
        #expect(q.next({ _ in .take }) == "b-new")
    }
}
