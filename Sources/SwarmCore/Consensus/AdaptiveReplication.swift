/// Adaptive replication, as BOINC does it: a node with a long run of validated results
/// may run a replicated task alone, which saves the cost of R−1 replicas most of the time.
///
/// A node is trusted once its streak of validated results (`ReputationRecord.consecutiveValid`)
/// reaches `trustThreshold`. A trusted node runs a task alone with probability
/// `maxAloneProbability * k / (k + rampLength)`, k = streak − threshold + 1, which rises
/// with its record towards the maximum; otherwise the task is replicated as usual. On
/// top of that, a `spotCheckProbability` share of a trusted node's tasks are replicated
/// on purpose as spot checks. One invalid result resets the streak (see
/// `ReputationRules.invalidated`), so a node loses its trust at once.
public struct AdaptiveReplication: Hashable, Sendable {
    public var trustThreshold: Int
    public var rampLength: Int
    public var maxAloneProbability: Double
    public var spotCheckProbability: Double

    public init(
        trustThreshold: Int = 10, rampLength: Int = 20, maxAloneProbability: Double = 0.9,
        spotCheckProbability: Double = 0.1
    ) {
        self.trustThreshold = trustThreshold
        self.rampLength = rampLength
        self.maxAloneProbability = maxAloneProbability
        self.spotCheckProbability = spotCheckProbability
    }

    /// Never run alone: for tests and swarms that turn adaptive replication off.
    public static let disabled = AdaptiveReplication(
        trustThreshold: .max, maxAloneProbability: 0, spotCheckProbability: 0)

    /// What to do with a replicated task offered to a node.
    public enum Decision: Hashable, Sendable {
        /// Run the full R replicas (the node is not trusted, or the roll said so).
        case replicate
        /// Replicate on purpose to check a trusted node.
        case spotCheck
        /// Let this node run the task alone; its result is accepted without comparison.
        case runAlone
    }

    public func isTrusted(_ record: ReputationRecord) -> Bool { record.consecutiveValid >= trustThreshold }

    /// Probability that a trusted node runs a task alone; 0 for an untrusted one.
    public func aloneProbability(_ record: ReputationRecord) -> Double {
        guard isTrusted(record) else { return 0 }
        let k = Double(record.consecutiveValid - trustThreshold + 1)
        return maxAloneProbability * k / (k + Double(max(0, rampLength)))
    }

    public func decide(for record: ReputationRecord, using random: inout some RandomNumberGenerator) -> Decision {
        guard isTrusted(record) else { return .replicate }
        if random.unitInterval() < spotCheckProbability { return .spotCheck }
        return random.unitInterval() < aloneProbability(record) ? .runAlone : .replicate
    }
}
