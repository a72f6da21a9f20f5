import SwarmCore

/// How a registered node proves who it is: the SHA-256 of its bearer credential (the
/// credential itself is shown to the node once and never stored) and the Ed25519
/// public key that verifies its result signatures.
public struct NodeIdentity: Hashable, Sendable {
    public var nodeID: NodeID
    public var credentialSHA256: [UInt8]
    public var publicKey: [UInt8]
    /// The registration's idempotency key; a repeat with the same key and public key
    /// gets the same node id.
    public var requestID: String?
    public var registeredAt: Instant
    /// The registration as the coordinator received it (display name, hardware, ...),
    /// kept opaque: the store does not depend on wire types.
    public var profile: [UInt8]

    public init(
        nodeID: NodeID, credentialSHA256: [UInt8], publicKey: [UInt8], requestID: String?, registeredAt: Instant,
        profile: [UInt8]
    ) {
        self.nodeID = nodeID
        self.credentialSHA256 = credentialSHA256
        self.publicKey = publicKey
        self.requestID = requestID
        self.registeredAt = registeredAt
        self.profile = profile
    }
}

/// Which tasks `Store.tasks(_:)` lists, oldest submission first.
public struct TaskQuery: Hashable, Sendable {
    /// Only tasks in these states; empty means all.
    public var states: Set<TaskState>
    /// Only tasks of this DAG.
    public var dagID: DagID?
    /// Only tasks of this submitter.
    public var submitter: PrincipalID?
    /// At most this many (1 to 1,000).
    public var limit: Int
    /// Continue after this task (the last one of the previous page).
    public var after: TaskID?

    public init(
        states: Set<TaskState> = [], dagID: DagID? = nil, submitter: PrincipalID? = nil, limit: Int = 100,
        after: TaskID? = nil
    ) {
        self.states = states
        self.dagID = dagID
        self.submitter = submitter
        self.limit = limit
        self.after = after
    }
}
