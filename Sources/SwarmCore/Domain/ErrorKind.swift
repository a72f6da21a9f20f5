/// Why an attempt failed (proto `ErrorKind`); decides whether the task is retried.
public enum ErrorKind: Hashable, Sendable, CaseIterable {
    case transient
    case timeout
    case resourceExhausted
    case runtimeUnavailable
    case modelUnavailable
    /// The node is draining and hands the attempt back; does not count as an attempt.
    case nodeShuttingDown
    /// Coordinator only: the lease deadline passed or the node went offline.
    case leaseExpired
    /// Coordinator only: bad signature or hash, failed spot check or quality threshold.
    case invalidResult
    case invalidInput
    case contentRejected
    case outputTooLarge
    case permanent
    case cancelled

    /// Whether the kind is retried unless a policy says otherwise. Kinds describing the
    /// task itself (bad input, refused content, ...) would fail on every node, so
    /// retrying them only wastes money.
    public var isRetryableByDefault: Bool {
        switch self {
        case .transient, .timeout, .resourceExhausted, .runtimeUnavailable, .modelUnavailable,
            .nodeShuttingDown, .leaseExpired, .invalidResult:
            true
        case .invalidInput, .contentRejected, .outputTooLarge, .permanent, .cancelled:
            false
        }
    }

    /// Whether a failure of this kind uses up one of the attempts of the retry policy.
    public var countsAsAttempt: Bool { self != .nodeShuttingDown }
}
