/// Where a task is in its life (proto `TaskState`; DESIGN.md "Task lifecycle").
///
/// ```
/// pending (waiting on parents) -> ready -> leased -> running -> succeeded | failed
/// any non-terminal state -> cancelled
/// ```
/// A task goes back from leased/running to ready when an attempt fails and is retried.
public enum TaskState: Hashable, Sendable, CaseIterable {
    /// Accepted, waiting for its parents to succeed.
    case pending
    /// Every parent succeeded; waiting for a node (or for a retry backoff to end).
    case ready
    /// At least one attempt is leased and none has started yet.
    case leased
    /// At least one attempt has started (heartbeat or progress seen).
    case running
    /// Terminal: a canonical result was accepted.
    case succeeded
    /// Terminal: failed for good; the end reason says why.
    case failed
    /// Terminal: cancelled by a person, by swarm deletion, or because a parent failed.
    case cancelled

    /// Whether the task will never change again.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .cancelled: true
        case .pending, .ready, .leased, .running: false
        }
    }
}

/// Why a task reached its terminal state (proto `TaskEndReason`).
public enum TaskEndReason: Hashable, Sendable, CaseIterable {
    /// A canonical result was accepted (succeeded).
    case completed
    /// The retry policy was spent on retryable failures (failed).
    case retriesExhausted
    /// An attempt failed with a non-retryable error kind (failed).
    case nonRetryableError
    /// The maximum number of replicas ran without Q agreeing results (failed).
    case noConsensus
    /// The schedule-to-start or schedule-to-close timeout passed (failed).
    case timedOut
    /// Results arrived but none met the quality thresholds (failed).
    case qualityRejected
    /// Cancelled by a person (cancelled).
    case cancelledByUser
    /// A parent failed for good or was cancelled, so this task can never run (cancelled).
    case upstreamFailed
    /// Its swarm was deleted with force (cancelled).
    case swarmDeleted

    /// The terminal state this reason belongs to.
    public var terminalState: TaskState {
        switch self {
        case .completed: .succeeded
        case .retriesExhausted, .nonRetryableError, .noConsensus, .timedOut, .qualityRejected: .failed
        case .cancelledByUser, .upstreamFailed, .swarmDeleted: .cancelled
        }
    }
}
