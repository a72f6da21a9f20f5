/// One try of a task on one node (proto `Attempt`).
public struct Attempt: Hashable, Sendable {
    /// From 1, unique within the task over replicas and retries.
    public var number: Int
    /// Replica slot it fills, from 0.
    public var replica: Int
    public var leaseID: LeaseID
    public var nodeID: NodeID
    public var operatorID: OperatorID
    public var state: AttemptState
    public var leaseTime: Instant
    /// When the node reported it started (first heartbeat); nil until then.
    public var startTime: Instant?
    /// Current lease deadline (heartbeats extend it, never past start-to-close).
    public var deadline: Instant
    public var endTime: Instant?
    public var error: ErrorKind?
    /// Its result, once reported.
    public var result: TaskResult?
    public var verdict: ResultVerdict?
    /// What its node was paid for it.
    public var paidMicros: Int64

    public init(
        number: Int, replica: Int, leaseID: LeaseID, nodeID: NodeID, operatorID: OperatorID, leaseTime: Instant,
        deadline: Instant
    ) {
        self.number = number
        self.replica = replica
        self.leaseID = leaseID
        self.nodeID = nodeID
        self.operatorID = operatorID
        self.state = .leased
        self.leaseTime = leaseTime
        self.deadline = deadline
        self.paidMicros = 0
    }

    /// Whether the node still holds it (its reports are accepted).
    public var isActive: Bool { state == .leased || state == .running }
}

/// Where one attempt is in its life (proto `AttemptState`).
public enum AttemptState: Hashable, Sendable {
    case leased, running, completed, failed, expired, cancelled
}

/// Permission for one node to run one attempt until a deadline (proto `Lease`).
public struct Lease: Hashable, Sendable {
    public var id: LeaseID
    public var taskID: TaskID
    public var attemptNumber: Int
    public var replica: Int
    public var nodeID: NodeID
    public var leaseTime: Instant
    public var deadline: Instant
    /// The prompt with DAG placeholders already substituted.
    public var prompt: String
    /// The output of the parent named by the DAG's `inputFrom`, if any.
    public var input: [UInt8]?
    /// The parents' outputs, when the DAG entry asked for them.
    public var parentOutputs: [ParentOutput]
    /// Most the node can be paid for this attempt.
    public var maxPaymentMicros: Int64
}

/// A parent's canonical output handed to a child (proto `ParentOutput`).
public struct ParentOutput: Hashable, Sendable {
    public var name: String
    public var taskID: TaskID
    public var output: [UInt8]
}

/// The output of one attempt as the worker reported it (proto `TaskResult`).
public struct TaskResult: Hashable, Sendable {
    public var output: [UInt8]
    /// Run time the node reports; billed per started second.
    public var duration: Duration

    public init(output: [UInt8], duration: Duration = .seconds(1)) {
        self.output = output
        self.duration = duration
    }

    public init(text: String, duration: Duration = .seconds(1)) {
        self.init(output: Array(text.utf8), duration: duration)
    }
}

/// The coordinator's judgement of one result (proto `ResultVerdict`).
public enum ResultVerdict: Hashable, Sendable {
    /// Waiting for other replicas.
    case pending
    /// Agreed with the quorum; paid, reputation up.
    case agreed
    /// Disagreed with the quorum; not paid, reputation down.
    case dissented
    /// Accepted without comparison (R = 1, or a trusted node alone); paid.
    case acceptedAlone
    /// Refused before comparison; not paid, reputation down.
    case invalid
    /// Arrived after the canonical result; compared for reputation only, not paid.
    case late
}
