import SwarmCore

/// A task as the store keeps it: the same fields as SwarmCore's `SwarmTask` (which has
/// no public initializer, so the store cannot build one), decoded from a `tasks` row.
public struct StoredTask: Hashable, Sendable {
    public var id: TaskID
    /// Name within its DAG.
    public var name: String
    public var dagID: DagID
    /// The spec with redundancy normalized.
    public var spec: TaskSpec
    public var inputFrom: String?
    public var attachParentOutputs: Bool
    /// Parent task ids by DAG name.
    public var parentsByName: [String: TaskID]
    public var submitter: PrincipalID
    public var accountID: AccountID
    public var state: TaskState
    public var endReason: TaskEndReason?
    public var submittedAt: Instant
    public var readyAt: Instant?
    public var endedAt: Instant?
    /// The prompt with placeholders filled, once ready.
    public var renderedPrompt: String?
    public var slots: [ReplicaSlot]
    /// Every attempt, oldest first; `attempts[n - 1]` is attempt n.
    public var attempts: [Attempt]
    public var avoidNodes: Set<NodeID>
    public var runningAlone: Bool
    public var everLeased: Bool
    public var escrowMicros: Int64
    public var paidMicros: Int64
    public var refundedMicros: Int64
    public var canonicalAttempt: Int?

    public func attempt(_ number: Int) -> Attempt? {
        attempts.indices.contains(number - 1) ? attempts[number - 1] : nil
    }

    /// The canonical output, once succeeded.
    public var canonicalOutput: [UInt8]? { canonicalAttempt.flatMap { attempt($0)?.result?.output } }

    public var activeAttempts: [Attempt] { attempts.filter(\.isActive) }

    func hasOpenSlot(at now: Instant) -> Bool {
        slots.contains { if case .open(let notBefore) = $0.state { notBefore <= now } else { false } }
    }

    var earliestOpenSlot: Instant? {
        slots.compactMap { if case .open(let notBefore) = $0.state { notBefore } else { nil } }.min()
    }

    /// When the queue may next offer it: the earliest open slot of a task that can take
    /// nodes; nil keeps it out of the queue index.
    var offerAt: Instant? {
        switch state {
        case .ready, .leased, .running: earliestOpenSlot
        case .pending, .succeeded, .failed, .cancelled: nil
        }
    }

    /// Its schedule-to-start / schedule-to-close deadline while it has not ended.
    var deadlineAt: Instant? {
        state.isTerminal
            ? nil
            : TimeoutRules.taskDeadline(
                submittedAt: submittedAt, readyAt: readyAt, everLeased: everLeased, timeouts: spec.timeouts)
    }
}
