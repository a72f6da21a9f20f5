import Testing

@testable import SwarmCore

@Suite("Domain values")
struct DomainTests {
    @Test("only succeeded, failed and cancelled are terminal")
    func terminalStates() {
        #expect(TaskState.allCases.filter(\.isTerminal) == [.succeeded, .failed, .cancelled])
        #expect(TaskEndReason.upstreamFailed.terminalState == .cancelled)
        #expect(TaskEndReason.noConsensus.terminalState == .failed)
        #expect(TaskEndReason.completed.terminalState == .succeeded)
    }

    @Test("redundancy defaults: quorum is a majority of R and the maximum is 2R")
    func redundancyDefaults() {
        let r = Redundancy(replicas: 3).normalized()
        #expect(r.quorum == 2)
        #expect(r.maxReplicas == 6)
        #expect(Redundancy(replicas: 0).normalized().replicas == 1)
        #expect(
            Redundancy(replicas: 2, quorum: 5, maxReplicas: 1).normalized()
                == Redundancy(replicas: 2, quorum: 2, maxReplicas: 2))
        #expect(!Redundancy.single.requiresConsensus)
    }

    @Test("error kinds describing the task itself are never retried")
    func errorKindDefaults() {
        #expect(!ErrorKind.invalidInput.isRetryableByDefault)
        #expect(!ErrorKind.permanent.isRetryableByDefault)
        #expect(ErrorKind.leaseExpired.isRetryableByDefault)
        #expect(!ErrorKind.nodeShuttingDown.countsAsAttempt)
    }

    @Test("instants add durations in milliseconds and saturate instead of overflowing")
    func instantArithmetic() {
        let t = Instant(millisecondsSinceEpoch: 1_000)
        #expect((t + .seconds(2)).millisecondsSinceEpoch == 3_000)
        #expect((t + .seconds(2)) - t == .seconds(2))
        #expect((Instant(millisecondsSinceEpoch: .max - 1) + .seconds(10)).millisecondsSinceEpoch == .max)
    }

    @Test("a seeded generator replays the same sequence")
    func seededGenerator() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in b.next() })
        var c = SeededGenerator(seed: 43)
        #expect(a.next() != c.next())
    }

    @Test("identifiers of different kinds are different types with the same spelling")
    func identifiers() {
        let task: TaskID = "x"
        let node: NodeID = "x"
        #expect(task.rawValue == node.rawValue)
        #expect(TaskID("a") < TaskID("b"))
    }
}
