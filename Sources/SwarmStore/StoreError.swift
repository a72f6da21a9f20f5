import SwarmCore

/// Why a store call was refused or failed, in temporal's shape: a code a program can
/// match, a message a person can act on, and whether the write may have committed
/// (so a caller knows whether retrying could apply it twice).
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        case unknownSwarm = "unknown_swarm"
        case unknownAccount = "unknown_account"
        case unknownNode = "unknown_node"
        case unknownTask = "unknown_task"
        case unknownLease = "unknown_lease"
        /// The lease belongs to another node.
        case notLeaseHolder = "not_lease_holder"
        /// The lease was already reported on, cancelled or expired by `expire`.
        case leaseNotActive = "lease_not_active"
        /// The lease deadline passed before the call arrived.
        case leaseExpired = "lease_expired"
        case insufficientFunds = "insufficient_funds"
        case swarmBudgetExceeded = "swarm_budget_exceeded"
        /// The swarm still has tasks that have not ended.
        case swarmNotEmpty = "swarm_not_empty"
        case invalidDag = "invalid_dag"
        case invalidArgument = "invalid_argument"
        case alreadyExists = "already_exists"
        /// Another transaction conflicted and retries ran out; safe to retry.
        case conflict
        /// The database could not be reached or failed mid-call.
        case unavailable
        /// Stored data could not be decoded (a bug or a foreign schema).
        case corrupt
        /// Anything else the engine reported.
        case database
    }

    /// Whether the write may have been applied.
    public enum Commit: String, Hashable, Sendable {
        /// Refused or rolled back: nothing changed; a retry is a new attempt.
        case notCommitted = "not_committed"
        /// The connection failed around COMMIT: look before retrying.
        case unknown
    }

    public var code: Code
    public var message: String
    public var commit: Commit

    public init(_ code: Code, _ message: String, commit: Commit = .notCommitted) {
        self.code = code
        self.message = message
        self.commit = commit
    }

    public var description: String { "\(code.rawValue): \(message)" }

    static func corrupt(_ message: String) -> StoreError {
        StoreError(.corrupt, "stored data is unreadable: \(message)")
    }
}
