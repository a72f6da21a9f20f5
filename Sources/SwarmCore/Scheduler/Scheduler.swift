/// The in-memory reference scheduler: the rules of SwarmCore tied together over plain
/// value-type state.
///
/// Each operation (`submit`, `lease`, `heartbeat`, `complete`, `fail`, `expire`,
/// `cancel`, `nodeWentOffline`) is a `mutating` method: on a value type that is the same
/// as returning the new state, and the caller keeps the old one if it wants it. Each
/// returns the events it caused, ledger postings included, and takes `now` and a random
/// source from the caller, so a run replays exactly. SwarmStore implements the same
/// transitions durably; this type is their specification and the oracle of the property
/// tests.
public struct Scheduler: Sendable {
    /// Rules and defaults.
    public struct Configuration: Sendable {
        public var limits: DagLimits
        public var pricing: PriceModel
        public var ranking: NodeRanking
        public var reputation: ReputationRules
        public var adaptive: AdaptiveReplication

        public init(
            limits: DagLimits = DagLimits(), pricing: PriceModel = PriceModel(), ranking: NodeRanking = NodeRanking(),
            reputation: ReputationRules = ReputationRules(), adaptive: AdaptiveReplication = AdaptiveReplication()
        ) {
            self.limits = limits
            self.pricing = pricing
            self.ranking = ranking
            self.reputation = reputation
            self.adaptive = adaptive
        }
    }

    struct Timed<Value: Hashable & Sendable>: Comparable, Sendable {
        var at: Instant
        var sequence: UInt64
        var value: Value
        static func < (a: Timed, b: Timed) -> Bool { a.at != b.at ? a.at < b.at : a.sequence < b.sequence }
    }

    struct LeaseRef: Hashable, Sendable {
        var task: TaskID
        var attempt: Int
    }

    public var configuration: Configuration
    public internal(set) var tasks: [TaskID: SwarmTask] = [:]
    public internal(set) var nodes: [NodeID: Node] = [:]
    public internal(set) var swarms: [SwarmID: SwarmPolicy] = [:]
    public internal(set) var ledger = Ledger()
    public internal(set) var graph = DependencyGraph()

    var queue = FairShareQueue()
    var delayed = MinHeap<Timed<TaskID>>()
    var leaseDeadlines = MinHeap<Timed<LeaseID>>()
    var taskDeadlines = MinHeap<Timed<TaskID>>()
    var activeLeases: [LeaseID: LeaseRef] = [:]
    /// Leases whose attempt was stopped because its task had reached a quorum: a result
    /// reported on one is still audited (`Consensus.auditLate`), once.
    var stoppedAtQuorum: [LeaseID: LeaseRef] = [:]
    /// Distinct requirements of queued tasks, numbered for `FairShareQueue` classes.
    var requirementClasses: [ResourceRequirements: Int] = [:]
    var requirementsByClass: [ResourceRequirements] = []
    var sequence: UInt64 = 0
    var taskCounter = 0
    var dagCounter = 0
    var leaseCounter = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Adds or replaces a swarm.
    public mutating func addSwarm(_ swarm: SwarmPolicy) { swarms[swarm.id] = swarm }

    /// Registers a node, or updates its description (keeping its live lease count).
    public mutating func register(_ node: Node) {
        var node = node
        node.activeLeases = nodes[node.id]?.activeLeases ?? 0
        nodes[node.id] = node
    }

    /// Admin mint: the only way the supply grows.
    public mutating func mint(_ amount: Int64, to account: AccountID) throws(LedgerError) -> [SchedulerEvent] {
        [.posted(try ledger.mint(amount, to: account))]
    }

    /// Number of leases held now.
    public var activeLeaseCount: Int { activeLeases.count }

    /// Whether nothing can happen any more without new submissions: every task ended.
    public var isQuiescent: Bool { tasks.values.allSatisfy(\.state.isTerminal) }

    mutating func nextSequence() -> UInt64 {
        sequence += 1
        return sequence
    }

    mutating func scheduleTaskDeadline(_ id: TaskID) {
        guard let task = tasks[id],
            let at = TimeoutRules.taskDeadline(
                submittedAt: task.submittedAt, readyAt: task.readyAt, everLeased: task.everLeased,
                timeouts: task.spec.timeouts)
        else { return }
        taskDeadlines.insert(Timed(at: at, sequence: nextSequence(), value: id))
    }

    /// Puts a task whose slots wait for a node in the queue now or after its backoff.
    mutating func offer(_ id: TaskID, now: Instant) {
        guard let task = tasks[id], task.state == .ready || task.state == .leased || task.state == .running,
            let earliest = task.earliestOpenSlot
        else { return }
        if earliest <= now {
            let requirements = task.spec.requirements
            let requirementClass: Int
            if let known = requirementClasses[requirements] {
                requirementClass = known
            } else {
                requirementClass = requirementsByClass.count
                requirementClasses[requirements] = requirementClass
                requirementsByClass.append(requirements)
            }
            queue.insert(
                id, priority: task.spec.priority, swarm: task.spec.swarmID, submitter: task.submitter,
                age: task.submittedAt,
                requirementClass: requirementClass)
        } else {
            delayed.insert(Timed(at: earliest, sequence: nextSequence(), value: id))
        }
    }

    /// Moves tasks whose backoff ended into the queue.
    mutating func promoteDelayed(now: Instant) {
        while let next = delayed.min, next.at <= now {
            _ = delayed.popMin()
            offer(next.value, now: now)
        }
    }

    /// The task's state from its attempts, for a task that has not ended.
    mutating func refreshState(_ id: TaskID) {
        guard var task = tasks[id], !task.state.isTerminal, task.state != .pending else { return }
        let active = task.activeAttempts
        task.state = active.isEmpty ? .ready : (active.contains { $0.state == .running } ? .running : .leased)
        tasks[id] = task
    }
}
