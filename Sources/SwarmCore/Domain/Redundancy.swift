/// Running one task on several nodes and agreeing on the result, in BOINC's shape
/// (proto `Redundancy`). `normalized()` fills the proto's defaults.
public struct Redundancy: Hashable, Sendable {
    /// Replicas started at first (R).
    public var replicas: Int
    /// Agreeing results needed (Q), 1 ≤ Q ≤ R.
    public var quorum: Int
    /// Most replicas ever started when results disagree, R ≤ max.
    public var maxReplicas: Int
    /// How results are compared.
    public var comparator: Comparator
    /// Whether a node with a long validated record may run the task alone.
    public var adaptive: Bool

    public init(
        replicas: Int = 1, quorum: Int = 0, maxReplicas: Int = 0, comparator: Comparator = .exactBytes,
        adaptive: Bool = true
    ) {
        self.replicas = replicas
        self.quorum = quorum
        self.maxReplicas = maxReplicas
        self.comparator = comparator
        self.adaptive = adaptive
    }

    /// One replica, no consensus.
    public static let single = Redundancy(replicas: 1, quorum: 1, maxReplicas: 1)

    /// The proto's defaults applied: R ≥ 1; Q = 0 means a majority of R; max = 0 means
    /// 2R; then Q clamped into 1...R and max into R....
    public func normalized() -> Redundancy {
        var copy = self
        copy.replicas = Swift.max(1, replicas)
        copy.quorum = quorum <= 0 ? copy.replicas / 2 + 1 : Swift.min(quorum, copy.replicas)
        let doubled = copy.replicas.multipliedReportingOverflow(by: 2)
        copy.maxReplicas =
            maxReplicas <= 0
            ? (doubled.overflow ? Int.max : doubled.partialValue) : Swift.max(maxReplicas, copy.replicas)
        return copy
    }

    /// Whether results need comparing at all.
    public var requiresConsensus: Bool { normalized().quorum > 1 }
}

/// How two results of the same task are compared (proto `Comparator`); see
/// `ResultComparison` for the exact rules.
public enum Comparator: Hashable, Sendable {
    /// Byte-for-byte equality.
    case exactBytes
    /// Equality after line-end white space trimming, blank-line collapsing, end trimming
    /// and Unicode canonical equivalence.
    case normalizedText
    /// Equality of canonical JSON forms (sorted keys, no insignificant white space).
    case canonicalJSON
    /// Numbers (or equal-length JSON arrays of numbers) within an absolute or relative
    /// tolerance; a pair agrees when either holds. With `field`, outputs are JSON
    /// objects and only that member is compared; dots separate nested members
    /// ("score.overall": a peer review's overall score, its feedback may differ).
    case numericTolerance(absolute: Double, relative: Double, field: String? = nil)
}
