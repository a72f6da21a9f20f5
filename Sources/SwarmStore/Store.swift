import SwarmCore

/// Durable state of the scheduler: the same transitions as SwarmCore's reference
/// `Scheduler`, each one transaction that has committed before the call returns.
///
/// *The store is the queue*: `lease` claims work inside a transaction (on PostgreSQL
/// with `FOR UPDATE SKIP LOCKED`), so coordinators sharing one database never hand out
/// one attempt twice, and a coordinator crash loses nothing that was acknowledged.
///
/// Calls are synchronous and may block on I/O; call them from a thread that may block
/// (not a cooperative executor), e.g. a dedicated thread. Time is always passed in.
///
/// ```swift
/// let store = try DurableStore.sqlite(path: "data/openswarm.db")
/// try store.createSwarm(SwarmPolicy(id: "default"))
/// try store.mint(1_000_000, to: "alice", now: now)
/// let dag = try store.submit(SubmitParams(submission: dag, submitter: "alice", account: "alice", now: now))
/// let leases = try store.lease(LeaseParams(node: "n1", maxTasks: 8, now: now))
/// try store.complete(CompleteParams(lease: leases[0].id, node: "n1", result: TaskResult(text: "ok"), now: now))
/// ```
///
/// Implementations must pass `StoreConformance` (Tests/SwarmStoreTests), the one suite
/// every engine runs.
public protocol Store: StoreAdministration {
    /// Group commit: `body`'s calls on the store it is given share one transaction, each
    /// in a savepoint (a call that throws rolls back alone), committed once at the end.
    /// See `DurableStore.group`.
    func group(_ body: (any Store) -> Void) throws(StoreError)

    /// Adds a swarm; `alreadyExists` if its id is taken.
    func createSwarm(_ swarm: SwarmPolicy) throws(StoreError)
    /// Adds an account with a zero balance; `alreadyExists` if its id is taken.
    func createAccount(_ account: Account) throws(StoreError)
    /// Registers a node or updates its description, keeping its live lease count.
    func register(_ node: Node) throws(StoreError)
    /// Registers a node (as `register(_:)`) with its credential hash and public key,
    /// replacing any earlier identity of that node (a re-registration revokes the old
    /// credential). `alreadyExists` if the identity's request id belongs to another node.
    func register(_ node: Node, identity: NodeIdentity) throws(StoreError)
    /// `unknownNode` if the node never registered an identity.
    func nodeIdentity(_ id: NodeID) throws(StoreError) -> NodeIdentity
    /// The identity registered under an idempotency key, if any.
    func nodeIdentity(requestID: String) throws(StoreError) -> NodeIdentity?
    /// Every node, by id.
    func nodes() throws(StoreError) -> [Node]
    /// A page of tasks, oldest submission first.
    func tasks(_ query: TaskQuery) throws(StoreError) -> [StoredTask]
    /// Marks a node online or offline; going offline hands its leases back for retry.
    func setNodeOnline(_ node: NodeID, _ online: Bool, now: Instant) throws(StoreError)
    /// Admin mint: the only way the supply grows. Creates the account if needed.
    @discardableResult
    func mint(_ amountMicros: Int64, to account: AccountID, now: Instant) throws(StoreError) -> LedgerEntry
    /// Validates, escrows and creates a DAG (or one task) in one transaction.
    func submit(_ params: SubmitParams) throws(StoreError) -> SubmitOutcome
    /// Claims up to `maxTasks` attempts for one node in one transaction.
    func lease(_ params: LeaseParams) throws(StoreError) -> [GrantedLease]
    /// Extends a lease; says whether the attempt was cancelled meanwhile.
    func heartbeat(_ params: HeartbeatParams) throws(StoreError) -> HeartbeatOutcome
    /// Several heartbeats in one transaction (one commit); each refused lease gets its
    /// error in its place, the others are extended.
    func heartbeats(_ params: [HeartbeatParams]) throws(StoreError) -> [Result<HeartbeatOutcome, StoreError>]
    /// Reports a result: consensus, DAG propagation and settlement in one transaction.
    /// A second report on the same lease is refused with `leaseNotActive`.
    @discardableResult
    func complete(_ params: CompleteParams) throws(StoreError) -> ReportOutcome
    /// Reports a failure: retry scheduling or the task's end, in one transaction.
    @discardableResult
    func fail(_ params: FailParams) throws(StoreError) -> ReportOutcome
    /// Several completions and failures in one transaction (one commit); each refused
    /// report gets its error in its place, the others apply.
    func report(_ reports: [AttemptReport]) throws(StoreError) -> [Result<ReportOutcome, StoreError>]
    /// `report`, then `lease` for a node, in one transaction (one commit): the cycle of
    /// a node that hands in finished work and asks for more.
    func reportAndLease(_ reports: [AttemptReport], lease: LeaseParams) throws(StoreError)
        -> (reports: [Result<ReportOutcome, StoreError>], leases: [GrantedLease])
    /// Applies every lease and task deadline due at `now`.
    @discardableResult
    func expire(now: Instant) throws(StoreError) -> ExpireOutcome
    /// Cancels a task (refunding it) and its open descendants; false if it had ended.
    @discardableResult
    func cancel(_ task: TaskID, now: Instant) throws(StoreError) -> Bool

    func task(_ id: TaskID) throws(StoreError) -> StoredTask
    func tasks(inDag dag: DagID) throws(StoreError) -> [StoredTask]
    func node(_ id: NodeID) throws(StoreError) -> Node
    func swarm(_ id: SwarmID) throws(StoreError) -> SwarmPolicy
    func balance(of account: AccountID) throws(StoreError) -> Int64
    /// Every ledger transaction, oldest first (optionally only those about `reference`).
    func ledgerEntries(reference: String?) throws(StoreError) -> [LedgerEntry]
    /// The latest `limit` transactions with a posting on `account`, oldest first.
    func ledgerEntries(account: AccountID, limit: Int) throws(StoreError) -> [LedgerEntry]
    /// Sum of all balances: zero when the books balance (issuance holds minus the supply).
    func ledgerTotal() throws(StoreError) -> Int64
    /// Number of tasks per state.
    func taskCounts() throws(StoreError) -> [TaskState: Int]
    func close()
}

/// A DAG (or a single task as a DAG of one) to submit.
public struct SubmitParams: Sendable {
    public var submission: DagSubmission
    public var submitter: PrincipalID
    /// Pays the escrow and receives refunds.
    public var account: AccountID
    public var now: Instant
    /// The DAG's id when the caller chooses it (task ids are `<dag id>.<index>`), which
    /// makes a submission idempotent: a second one with the same id fails with
    /// `alreadyExists` and changes nothing. Nil draws a fresh id.
    public var dagID: DagID?

    public init(
        submission: DagSubmission, submitter: PrincipalID, account: AccountID, now: Instant, dagID: DagID? = nil
    ) {
        self.submission = submission
        self.submitter = submitter
        self.account = account
        self.now = now
        self.dagID = dagID
    }

    public init(task spec: TaskSpec, submitter: PrincipalID, account: AccountID, now: Instant, dagID: DagID? = nil) {
        self.init(
            submission: DagSubmission(swarmID: spec.swarmID, tasks: [DagTaskSpec(name: "task", spec: spec)]),
            submitter: submitter, account: account, now: now, dagID: dagID)
    }
}

public struct SubmitOutcome: Hashable, Sendable {
    public var dagID: DagID
    /// In submission order.
    public var taskIDs: [TaskID]
    public var escrowedMicros: Int64
}

public struct LeaseParams: Sendable {
    public var node: NodeID
    public var maxTasks: Int
    public var now: Instant

    public init(node: NodeID, maxTasks: Int, now: Instant) {
        self.node = node
        self.maxTasks = maxTasks
        self.now = now
    }
}

/// What a node receives for one attempt (SwarmCore's `Lease`, which has no public
/// initializer outside SwarmCore).
public struct GrantedLease: Hashable, Sendable {
    public var id: LeaseID
    public var taskID: TaskID
    public var attemptNumber: Int
    public var replica: Int
    public var nodeID: NodeID
    public var leaseTime: Instant
    public var deadline: Instant
    /// The prompt with DAG placeholders filled.
    public var prompt: String
    /// The output of the DAG's `inputFrom` parent, if any.
    public var input: [UInt8]?
    /// (parent name, parent task, output) when the DAG entry asked for them.
    public var parentOutputs: [StoredParentOutput]
    public var maxPaymentMicros: Int64
    /// The task's spec (with its opaque payload), so that the caller needs no second
    /// read to describe the work.
    public var spec: TaskSpec
    public var dagID: DagID
    /// The node's price when the lease was granted.
    public var hourlyRateMicros: Int64
}

public struct StoredParentOutput: Hashable, Sendable {
    public var name: String
    public var taskID: TaskID
    public var output: [UInt8]
}

public struct HeartbeatParams: Sendable {
    public var lease: LeaseID
    public var node: NodeID
    public var now: Instant

    public init(lease: LeaseID, node: NodeID, now: Instant) {
        self.lease = lease
        self.node = node
        self.now = now
    }
}

public struct HeartbeatOutcome: Hashable, Sendable {
    /// True when the attempt was stopped (task ended or cancelled): the node should stop.
    public var cancelled: Bool
    /// The new lease deadline (unchanged when cancelled).
    public var deadline: Instant
    /// The lease's task.
    public var taskID: TaskID
}

public struct CompleteParams: Sendable {
    public var lease: LeaseID
    public var node: NodeID
    public var result: TaskResult
    public var now: Instant

    public init(lease: LeaseID, node: NodeID, result: TaskResult, now: Instant) {
        self.lease = lease
        self.node = node
        self.result = result
        self.now = now
    }
}

public struct FailParams: Sendable {
    public var lease: LeaseID
    public var node: NodeID
    public var kind: ErrorKind
    public var now: Instant

    public init(lease: LeaseID, node: NodeID, kind: ErrorKind, now: Instant) {
        self.lease = lease
        self.node = node
        self.kind = kind
        self.now = now
    }
}

/// One report of a batch (`Store.report`).
public enum AttemptReport: Sendable {
    case completed(CompleteParams)
    case failed(FailParams)
}

/// What a report changed.
public struct ReportOutcome: Hashable, Sendable {
    /// The task's state after the report.
    public var taskState: TaskState
    /// Tasks that ended in this transaction (the reported one and its descendants).
    public var ended: [TaskID]
    /// Children that became ready.
    public var readied: [TaskID]
    /// When a failure was retried: the earliest the retry may be leased.
    public var retryNotBefore: Instant?
}

public struct ExpireOutcome: Hashable, Sendable {
    public var expiredLeases: Int
    public var timedOutTasks: Int
}

/// One committed ledger transaction (SwarmCore's `Transaction`, which has no public
/// initializer outside SwarmCore).
public struct LedgerEntry: Hashable, Sendable {
    public var id: TransactionID
    public var type: TransactionType
    public var reference: String
    public var postings: [Posting]
}
