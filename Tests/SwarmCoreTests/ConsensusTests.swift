import Testing

@testable import SwarmCore

private func agree(_ a: String, _ b: String, _ c: Comparator) -> Bool {
    ResultComparison.agree(Array(a.utf8), Array(b.utf8), under: c)
}

private func vote(_ n: Int, _ text: String) -> Consensus.Vote {
    Consensus.Vote(attemptNumber: n, nodeID: NodeID("n\(n)"), output: Array(text.utf8))
}

@Suite("Consensus, comparators, reputation, adaptive replication")
struct ConsensusTests {
    @Test("exact bytes compares every byte")
    func exact() {
        #expect(agree("abc", "abc", .exactBytes))
        #expect(!agree("abc", "abc ", .exactBytes))
    }

    @Test("normalized text ignores trailing white space, blank-line runs, the ends and composition")
    func normalizedText() {
        #expect(agree("hello  \n\n\n\nworld\r\n", "\nhello\n\nworld", .normalizedText))
        #expect(agree("caf\u{E9}", "cafe\u{301}", .normalizedText))
        #expect(!agree("hello world", "hello  world", .normalizedText))
    }

    @Test("canonical JSON ignores key order, white space and number spelling")
    func canonicalJSON() {
        #expect(agree(#"{"b": [1, 2.0], "a": "x"}"#, #"{"a":"x","b":[1e0,2]}"#, .canonicalJSON))
        #expect(!agree(#"{"a": 1}"#, #"{"a": 2}"#, .canonicalJSON))
        #expect(!agree("not json", "not json", .canonicalJSON))
        #expect(!agree(#"{"a":1,"a":1}"#, #"{"a":1}"#, .canonicalJSON))
        #expect(agree(#""\u00e9\ud83d\ude00""#, "\"é😀\"", .canonicalJSON))
    }

    @Test("numeric tolerance accepts either the absolute or the relative bound")
    func numericTolerance() {
        let c = Comparator.numericTolerance(absolute: 0.01, relative: 0.001)
        #expect(agree("1.000", "1.005", c))
        #expect(agree("10000", "10005", c))
        #expect(!agree("1.0", "1.1", c))
        #expect(agree("[1, 2, 3]", "[1.001, 2, 3]", c))
        #expect(!agree("[1, 2]", "[1, 2, 3]", c))
        #expect(!agree("x", "x", c))
    }

    @Test("numeric tolerance on a field compares that member of JSON objects only")
    func numericToleranceOnAField() {
        let c = Comparator.numericTolerance(absolute: 1, relative: 0, field: "overall")
        #expect(agree(#"{"overall": 7.5, "feedback": "fine"}"#, #"{"feedback": "meh", "overall": 8.4}"#, c))
        #expect(!agree(#"{"overall": 7.5}"#, #"{"overall": 9}"#, c))
        #expect(!agree(#"{"overall": 7.5}"#, #"{"score": 7.5}"#, c), "a missing field agrees with nothing")
        #expect(!agree("7.5", "7.5", c), "a bare number is not an object")
        #expect(agree(#"{"overall": [1, 2]}"#, #"{"overall": [1.5, 2]}"#, c))
        let nested = Comparator.numericTolerance(absolute: 1, relative: 0, field: "score.overall")
        #expect(agree(#"{"score": {"overall": 8}, "feedback": "a"}"#, #"{"score": {"overall": 8.5}}"#, nested))
        #expect(!agree(#"{"score": {"overall": 8}}"#, #"{"score": 8}"#, nested))
    }

    @Test("Q agreeing results make the canonical result; the others dissent")
    func quorum() {
        let outcome = Consensus.evaluate(
            [vote(1, "a"), vote(2, "b"), vote(3, "a")], quorum: 2, comparator: .exactBytes)
        #expect(outcome == .reached(canonical: 1, agreeing: [1, 3], dissenting: [2]))
        #expect(
            Consensus.evaluate([vote(1, "a"), vote(2, "b")], quorum: 2, comparator: .exactBytes)
                == .pending(bestAgreement: 1))
    }

    @Test("no quorum adds just enough replicas, up to the maximum, then none")
    func moreReplicas() {
        #expect(Consensus.additionalReplicas(bestAgreement: 1, quorum: 2, replicasStarted: 2, maxReplicas: 4) == 1)
        #expect(Consensus.additionalReplicas(bestAgreement: 1, quorum: 3, replicasStarted: 3, maxReplicas: 6) == 2)
        #expect(Consensus.additionalReplicas(bestAgreement: 1, quorum: 3, replicasStarted: 5, maxReplicas: 6) == 0)
    }

    @Test("agreeing gains a little reputation, dissent loses much and resets the streak")
    func reputation() {
        let rules = ReputationRules(gain: 1, loss: 10)
        let up = rules.validated(ReputationRecord(score: 99.5, consecutiveValid: 4))
        #expect(up.score == 100)
        #expect(up.consecutiveValid == 5)
        let down = rules.invalidated(up)
        #expect(down.score == 90)
        #expect(down.consecutiveValid == 0)
        #expect(down.invalidResults == 1)
    }

    @Test("the chance to run alone rises with the validated streak and one invalid result resets it")
    func adaptive() {
        let adaptive = AdaptiveReplication(
            trustThreshold: 10, rampLength: 20, maxAloneProbability: 0.9, spotCheckProbability: 0.1)
        let p = [0, 9, 10, 20, 100, 1_000].map { adaptive.aloneProbability(ReputationRecord(consecutiveValid: $0)) }
        #expect(p[0] == 0 && p[1] == 0)
        #expect(p[2] > 0 && p[2] < p[3] && p[3] < p[4] && p[4] < p[5] && p[5] < 0.9)
        let reset = ReputationRules().invalidated(ReputationRecord(consecutiveValid: 1_000))
        #expect(adaptive.aloneProbability(reset) == 0)
    }

    @Test("trusted nodes still get spot checks at the configured rate")
    func spotChecks() {
        let adaptive = AdaptiveReplication(spotCheckProbability: 0.1)
        var random = SeededGenerator(seed: 99)
        let record = ReputationRecord(consecutiveValid: 10_000)
        let decisions = (0..<10_000).map { _ in adaptive.decide(for: record, using: &random) }
        let spot = decisions.filter { $0 == .spotCheck }.count
        #expect((800...1_200).contains(spot))
        #expect(decisions.filter { $0 == .runAlone }.count > 7_000)
        #expect(adaptive.decide(for: ReputationRecord(consecutiveValid: 0), using: &random) == .replicate)
    }
}
