/// Quorum over the results of one task, in BOINC's shape.
///
/// Results are taken in arrival order. The first result that agrees (under the
/// comparator, itself included) with at least Q results becomes canonical; the results
/// that agree with it are `agreeing`, the others `dissenting`. Comparing everything
/// against a candidate rather than grouping keeps the rule right for comparators that are
/// not transitive (numeric tolerance). R is small, so the O(R²) comparisons are cheap.
public enum Consensus {
    /// One reported result.
    public struct Vote: Hashable, Sendable {
        public var attemptNumber: Int
        public var nodeID: NodeID
        public var output: [UInt8]

        public init(attemptNumber: Int, nodeID: NodeID, output: [UInt8]) {
            self.attemptNumber = attemptNumber
            self.nodeID = nodeID
            self.output = output
        }
    }

    /// Where consensus stands.
    public enum Outcome: Hashable, Sendable {
        /// Q results agree: `canonical` (an attempt number) is the task's result.
        case reached(canonical: Int, agreeing: [Int], dissenting: [Int])
        /// Not yet; the largest set of results agreeing with one result has `bestAgreement`.
        case pending(bestAgreement: Int)
    }

    public static func evaluate(_ votes: [Vote], quorum: Int, comparator: Comparator) -> Outcome {
        var best = 0
        for candidate in votes {
            let agreeing = votes.filter { ResultComparison.agree(candidate.output, $0.output, under: comparator) }
            best = max(best, agreeing.count)
            if agreeing.count >= max(1, quorum) {
                let agreeingNumbers = agreeing.map(\.attemptNumber)
                let set = Set(agreeingNumbers)
                return .reached(
                    canonical: candidate.attemptNumber, agreeing: agreeingNumbers,
                    dissenting: votes.map(\.attemptNumber).filter { !set.contains($0) })
            }
        }
        return .pending(bestAgreement: best)
    }

    /// The verdict on a result that arrives after its task chose a canonical result (its
    /// replica was stopped at the quorum): `.late` when it agrees with the canonical
    /// output, `.dissented` otherwise. It is never paid (the task is settled), but it
    /// counts for reputation, so a liar that is merely slow is caught like a fast one.
    public static func auditLate(_ output: [UInt8], canonical: [UInt8], comparator: Comparator) -> ResultVerdict {
        ResultComparison.agree(output, canonical, under: comparator) ? .late : .dissented
    }

    /// How many replicas to add when every started replica has reported (or given up)
    /// without a quorum: just enough for Q agreeing results if all the new ones agree with
    /// the best group, within `maxReplicas` replicas in all. Zero means no quorum is
    /// reachable any more: the task fails with `noConsensus`.
    public static func additionalReplicas(bestAgreement: Int, quorum: Int, replicasStarted: Int, maxReplicas: Int)
        -> Int
    {
        let needed = max(1, quorum - bestAgreement)
        let room = maxReplicas - replicasStarted
        return needed <= room ? needed : 0
    }
}
