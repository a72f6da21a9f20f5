/// What an operation of the `Scheduler` did, for the edges to act on (persist, notify
/// watchers, tell nodes to cancel). Ledger movements are events too.
public enum SchedulerEvent: Hashable, Sendable {
    case taskSubmitted(TaskID, TaskState)
    case taskReady(TaskID)
    case attemptLeased(Lease)
    case attemptStarted(TaskID, attempt: Int)
    case resultRecorded(TaskID, attempt: Int, ResultVerdict)
    case attemptFailed(TaskID, attempt: Int, ErrorKind)
    /// An attempt a node still holds was stopped (task ended or quorum reached); tell the node.
    case attemptCancelled(TaskID, attempt: Int, NodeID)
    case retryScheduled(TaskID, notBefore: Instant)
    case replicasAdded(TaskID, count: Int)
    case ranAlone(TaskID, NodeID)
    case reputationChanged(NodeID, score: Double)
    case taskEnded(TaskID, TaskState, TaskEndReason)
    case posted(Transaction)
}
