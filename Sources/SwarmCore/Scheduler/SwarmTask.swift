/// A task as the scheduler keeps it: the spec after defaults, where it is in its life,
/// its replica slots and attempts, and its money.
public struct SwarmTask: Hashable, Sendable {
    public var id: TaskID
    /// Name within its DAG.
    public var name: String
    public var dagID: DagID
    /// The spec with redundancy normalized.
    public var spec: TaskSpec
    public var template: PromptTemplate
    public var inputFrom: String?
    public var attachParentOutputs: Bool
    /// Parent task ids by DAG name.
    public var parentsByName: [String: TaskID]
    public var submitter: PrincipalID
    /// Account that pays and receives refunds.
    public var accountID: AccountID

    public var state: TaskState
    public var endReason: TaskEndReason?
    public var submittedAt: Instant
    public var readyAt: Instant?
    public var endedAt: Instant?
    /// The prompt with placeholders filled, once ready.
    public var renderedPrompt: String?

    /// Replica slots: R at first, more when results disagree, at most `maxReplicas`.
    public var slots: [ReplicaSlot]
    /// Every attempt, oldest first; `attempts[n - 1]` is attempt n.
    public var attempts: [Attempt]
    /// Nodes that failed this task: a retry prefers others.
    public var avoidNodes: Set<NodeID>
    /// A trusted node runs it alone (adaptive replication).
    public var runningAlone: Bool
    /// Whether any attempt was ever leased (ends the schedule-to-start clock).
    public var everLeased: Bool

    /// Still held in escrow for this task.
    public var escrowMicros: Int64
    public var paidMicros: Int64
    public var refundedMicros: Int64
    /// Attempt number of the canonical result, once succeeded.
    public var canonicalAttempt: Int?

    /// The canonical output, once succeeded.
    public var canonicalOutput: [UInt8]? {
        canonicalAttempt.flatMap { attempt($0)?.result?.output }
    }

    public func attempt(_ number: Int) -> Attempt? {
        attempts.indices.contains(number - 1) ? attempts[number - 1] : nil
    }

    /// Attempts a node holds now.
    public var activeAttempts: [Attempt] { attempts.filter(\.isActive) }

    /// Whether a slot is waiting for a node and its backoff has ended.
    func hasOpenSlot(at now: Instant) -> Bool {
        slots.contains { if case .open(let notBefore) = $0.state { notBefore <= now } else { false } }
    }

    /// The earliest backoff end among open slots, if any slot is open.
    var earliestOpenSlot: Instant? {
        slots.compactMap { if case .open(let notBefore) = $0.state { notBefore } else { nil } }.min()
    }
}

/// One of the R (or more) replicas of a task.
public struct ReplicaSlot: Hashable, Sendable {
    public enum State: Hashable, Sendable {
        /// Waiting for a node, not before the instant (the retry backoff).
        case open(notBefore: Instant)
        /// Held by an attempt.
        case active(attempt: Int)
        /// Its attempt reported a result.
        case reported(attempt: Int)
        /// Its retry policy is spent.
        case exhausted
    }

    public var state: State
    /// Counted attempts made for this slot (hand-backs do not count).
    public var attemptsUsed: Int

    public init(state: State, attemptsUsed: Int = 0) {
        self.state = state
        self.attemptsUsed = attemptsUsed
    }
}
