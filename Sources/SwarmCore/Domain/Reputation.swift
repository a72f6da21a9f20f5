/// A node's reputation and the evidence behind it (proto `ReputationScore`).
///
/// Gains are small and losses large (see `ReputationRules`), so one wrong result costs
/// more than one right result earns: lying does not pay.
public struct ReputationRecord: Hashable, Sendable {
    /// 0 to 100.
    public var score: Double
    public var validatedResults: Int
    public var invalidResults: Int
    /// Validated results since the last invalid one; drives adaptive replication.
    public var consecutiveValid: Int

    public init(score: Double = 50, validatedResults: Int = 0, invalidResults: Int = 0, consecutiveValid: Int = 0) {
        self.score = score
        self.validatedResults = validatedResults
        self.invalidResults = invalidResults
        self.consecutiveValid = consecutiveValid
    }
}

/// How consensus outcomes move reputation.
public struct ReputationRules: Hashable, Sendable {
    /// Added for each validated result (capped at 100).
    public var gain: Double
    /// Removed for each dissenting or invalid result (floored at 0).
    public var loss: Double

    public init(gain: Double = 1, loss: Double = 10) {
        self.gain = gain
        self.loss = loss
    }

    /// The record after a result that agreed with a quorum or passed a spot check.
    public func validated(_ record: ReputationRecord) -> ReputationRecord {
        var r = record
        r.score = Swift.min(100, r.score + gain)
        r.validatedResults += 1
        r.consecutiveValid += 1
        return r
    }

    /// The record after a dissenting or invalid result: score down and the streak (the
    /// node's trust for adaptive replication) reset to zero.
    public func invalidated(_ record: ReputationRecord) -> ReputationRecord {
        var r = record
        r.score = Swift.max(0, r.score - loss)
        r.invalidResults += 1
        r.consecutiveValid = 0
        return r
    }
}
