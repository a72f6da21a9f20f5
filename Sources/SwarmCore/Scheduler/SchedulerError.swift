/// Why a submission was refused; nothing changed.
public struct SubmissionError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// The DAG did not validate; `dagError` says how.
        case invalidDag = "invalid_dag"
        case unknownSwarm = "unknown_swarm"
        /// The paying account cannot cover the maximum cost.
        case insufficientBalance = "insufficient_balance"
        /// The swarm's token budget cannot cover it.
        case swarmBudgetExceeded = "swarm_budget_exceeded"
    }

    public var code: Code
    public var message: String
    public var dagError: DagValidationError?

    public init(_ code: Code, _ message: String, dagError: DagValidationError? = nil) {
        self.code = code
        self.message = message
        self.dagError = dagError
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Why a node's call about a lease was refused; nothing changed. A second report on the
/// same lease lands here, so a result is settled exactly once.
public struct LeaseError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        case unknownNode = "unknown_node"
        case unknownLease = "unknown_lease"
        /// The lease belongs to another node.
        case notLeaseHolder = "not_lease_holder"
        /// The lease expired, was cancelled or was already reported on.
        case leaseNotActive = "lease_not_active"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
