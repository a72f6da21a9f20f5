import SwarmCore

/// The store calls behind the administrative RPCs (NodeService drain and updates,
/// SwarmService listing and deletion, LedgerService transfers and node earnings): rare
/// calls, kept apart from the scheduling transitions of `Store` that the hot paths use.
///
/// ```swift
/// let drained = try store.drainNode("n1", reason: "upgrade", handBack: false, now: now)
/// let moved = try store.transfer(TransferParams(from: "alice", to: "bob", amountMicros: 5, now: now))
/// try store.deleteSwarm("batch", force: false, now: now)   // swarmNotEmpty while it has open tasks
/// ```
public protocol StoreAdministration: Sendable {
    /// Replaces a node's capabilities and price (an operator's update), keeping its
    /// reputation, leases, status and drain; `profile` replaces the registration profile
    /// the wire view is drawn from.
    func updateNode(_ id: NodeID, capabilities: NodeCapabilities, hourlyRateMicros: Int64, profile: [UInt8])
        throws(StoreError) -> Node
    /// Marks a node draining (no new leases). With `handBack`, its active leases are
    /// released at once as `nodeShuttingDown` failures, which spend no attempt.
    func drainNode(_ id: NodeID, reason: String, handBack: Bool, now: Instant) throws(StoreError) -> DrainOutcome
    /// Payments credited to `account`: the lifetime total and those since `since`.
    func earnings(of account: AccountID, since: Instant) throws(StoreError) -> Earnings

    /// Adds a swarm with who created it and its request as received; `alreadyExists`
    /// if a live swarm has its id.
    func createSwarm(_ swarm: SwarmPolicy, record: SwarmRecord) throws(StoreError)
    /// Live swarms by id, and deleted ones too when asked.
    func swarmListings(includeDeleted: Bool) throws(StoreError) -> [SwarmListing]
    /// One swarm, live or deleted; `unknownSwarm` if it never existed.
    func swarmListing(_ id: SwarmID) throws(StoreError) -> SwarmListing
    /// Task counts per state and the head of the queue of one swarm. Reads every task
    /// record (tasks have no swarm column): meant for status pages, not hot paths.
    func swarmTasks(_ id: SwarmID, queueLimit: Int) throws(StoreError) -> SwarmTaskSummary
    /// Deletes a swarm (it is kept for history; new tasks are refused as for an unknown
    /// swarm). Without `force`, `swarmNotEmpty` while it has tasks that have not ended;
    /// with it, those tasks end as `swarmDeleted` and are refunded first.
    func deleteSwarm(_ id: SwarmID, force: Bool, now: Instant) throws(StoreError) -> SwarmDeletion

    /// Moves tokens between two accounts; `insufficientFunds` when the source is short.
    /// A repeat of the same source and request id returns the first transfer.
    func transfer(_ params: TransferParams) throws(StoreError) -> TransferOutcome
}

public struct DrainOutcome: Hashable, Sendable {
    /// The node after the drain.
    public var node: Node
    /// Tasks whose attempts were handed back.
    public var released: [TaskID]
    /// When the earliest handed-back attempt may be leased again.
    public var retryNotBefore: Instant?
}

public struct Earnings: Hashable, Sendable {
    public var totalMicros: Int64
    /// Payments since the asked instant, oldest first.
    public var recent: [Payment]

    public struct Payment: Hashable, Sendable {
        public var at: Instant
        public var amountMicros: Int64
    }
}

/// What the store keeps of a swarm beyond its policy (migration 4).
public struct SwarmRecord: Hashable, Sendable {
    public var createdBy: String
    public var createdAt: Instant
    /// When it was deleted; nil while live.
    public var deletedAt: Instant?
    /// The creation request as received (opaque here).
    public var profile: [UInt8]

    public init(createdBy: String, createdAt: Instant, deletedAt: Instant? = nil, profile: [UInt8]) {
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.deletedAt = deletedAt
        self.profile = profile
    }
}

public struct SwarmListing: Hashable, Sendable {
    /// For a deleted swarm, only its id and what it had spent.
    public var policy: SwarmPolicy
    /// Nil for swarms created before migration 4 (such as the default swarm).
    public var record: SwarmRecord?

    public init(policy: SwarmPolicy, record: SwarmRecord?) {
        self.policy = policy
        self.record = record
    }

    public var isDeleted: Bool { record?.deletedAt != nil }
}

public struct SwarmTaskSummary: Hashable, Sendable {
    public var counts: [TaskState: Int]
    /// Queued tasks (PENDING or READY) in scheduling order, at most the limit asked.
    public var queue: [StoredTask]
    /// Mean time from submission to end over ended tasks; nil when none ended.
    public var meanResponse: Duration?

    public var queued: Int { (counts[.pending] ?? 0) + (counts[.ready] ?? 0) }
    public var executing: Int { (counts[.leased] ?? 0) + (counts[.running] ?? 0) }
    public var open: Int { queued + executing }
}

public struct SwarmDeletion: Hashable, Sendable {
    public var listing: SwarmListing
    public var cancelled: [TaskID]
    public var refundedMicros: Int64
}

public struct TransferParams: Sendable {
    public var from: AccountID
    public var to: AccountID
    public var amountMicros: Int64
    /// Idempotency key, scoped to the source account.
    public var requestID: String?
    public var now: Instant

    public init(from: AccountID, to: AccountID, amountMicros: Int64, requestID: String? = nil, now: Instant) {
        self.from = from
        self.to = to
        self.amountMicros = amountMicros
        self.requestID = requestID
        self.now = now
    }
}

public struct TransferOutcome: Hashable, Sendable {
    public var entry: LedgerEntry
    /// The source's balance after the transfer.
    public var fromBalance: Int64
    /// True when this was a repeat of an earlier request id.
    public var repeated: Bool
}
