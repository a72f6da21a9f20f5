import SwarmCore
import SwarmProto
import Synchronization

/// The coordinator's retained events for EventService.Watch: the latest `capacity`
/// events in sequence order, in memory. A watcher reads what follows its cursor and
/// waits on `signal` for more.
///
/// Events are recorded by this coordinator only (with several coordinators, each
/// serves what passed through it), and task state changes only while someone watches
/// or did recently (`TaskEventTracker`): a resume from before such a pause, or from
/// before the oldest retained event, is OUT_OF_RANGE rather than a silent gap.
final class EventLog: Sendable {
    /// One event and what decides who may see it.
    struct Entry: Sendable {
        var event: Openswarm_V1_Event
        /// Submitter of the task concerned; only it, moderators and admins see the event.
        var submitter: PrincipalID?
        /// Accounts a ledger event touches; only their readers see it.
        var accounts: [AccountID] = []
        var taskID: String?
        var nodeID: String?
        var kind: Openswarm_V1_EventKind
    }

    private struct State {
        var entries: [Entry] = []
        /// Sequence of the last event recorded.
        var latest: UInt64 = 0
        /// A resume must start at or after this sequence (events before it were dropped
        /// or never recorded).
        var resumableAfter: UInt64 = 0
        var watchers = 0
        var lastWatcherLeft: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let idPrefix: String
    /// How long task tracking outlives the last watcher, so that a reconnecting
    /// watcher resumes without a gap.
    let linger: Duration
    let signal = ChangeSignal()

    init(capacity: Int = 10_000, linger: Duration = .seconds(60), idPrefix: String) {
        self.capacity = capacity
        self.linger = linger
        self.idPrefix = idPrefix
    }

    /// Records an event; `payload` fills the envelope's oneof.
    func record(
        kind: Openswarm_V1_EventKind, at time: Instant, swarm: String = "", dag: String = "",
        submitter: PrincipalID? = nil, accounts: [AccountID] = [], taskID: String? = nil, nodeID: String? = nil,
        _ payload: (inout Openswarm_V1_Event) -> Void
    ) {
        var event = Openswarm_V1_Event()
        event.time = WireTime.timestamp(time)
        event.swarmID = swarm
        event.dagID = dag
        payload(&event)
        state.withLock { state in
            state.latest += 1
            event.sequence = state.latest
            event.id = "\(idPrefix)-\(state.latest)"
            state.entries.append(
                Entry(
                    event: event, submitter: submitter, accounts: accounts, taskID: taskID, nodeID: nodeID,
                    kind: kind))
            if state.entries.count > capacity {
                let dropped = state.entries.count - capacity
                state.resumableAfter = max(state.resumableAfter, state.entries[dropped - 1].event.sequence)
                state.entries.removeFirst(dropped)
            }
        }
        signal.signal()
    }

    /// Events after `sequence`, oldest first; nil when some of them are no longer (or
    /// were never) retained.
    func entries(after sequence: UInt64) -> [Entry]? {
        state.withLock { state in
            guard sequence >= state.resumableAfter else { return nil }
            guard let first = state.entries.first, let last = state.entries.last, last.event.sequence > sequence
            else { return [] }
            // Sequences are consecutive, so the position follows from the first one.
            let start = sequence < first.event.sequence ? 0 : Int(sequence - first.event.sequence) + 1
            return Array(state.entries[start...])
        }
    }

    var latestSequence: UInt64 { state.withLock { $0.latest } }

    var watchers: Int { state.withLock { $0.watchers } }

    /// A watch begins. When task tracking had paused (no watcher for `linger`), the
    /// log before now has a gap in task changes: resuming from before it is refused.
    func watcherStarted() {
        state.withLock { state in
            let paused = state.watchers == 0 && !(state.lastWatcherLeft.map { .now - $0 < linger } ?? false)
            if paused { state.resumableAfter = state.latest }
            state.watchers += 1
        }
    }

    func watcherEnded() {
        state.withLock { state in
            state.watchers -= 1
            if state.watchers == 0 { state.lastWatcherLeft = .now }
        }
    }

    /// Whether task changes are worth tracking now: someone watches, or did within
    /// `linger`.
    var isTracking: Bool {
        state.withLock { state in
            state.watchers > 0 || state.lastWatcherLeft.map { .now - $0 < linger } ?? false
        }
    }
}
