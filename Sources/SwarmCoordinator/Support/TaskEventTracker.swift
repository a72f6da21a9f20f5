import SwarmCore
import SwarmProto
import SwarmStore
import Synchronization

/// Turns "these tasks may have changed" into `task:state_changed` (and
/// `task:completed`) events, and reported progress of tasks it knows into
/// `task:progress`. Handlers report the tasks they touched; one loop reads
/// them from the store, in arrival order, and records each task's new state against
/// the last one it recorded. Reads are serial, so events of one task are in order;
/// a state held only between two reads (leased then at once running) may be skipped.
///
/// It reads only while `EventLog.isTracking`, so that the lease and report hot paths
/// cost nothing extra when nobody watches.
final class TaskEventTracker: Sendable {
    private let log: EventLog
    /// What the last read of each open task said, and what decides who sees its events.
    private struct Known {
        var state: TaskState
        var submitter: PrincipalID
        var swarm: String
        var dag: String
    }

    private let known = Mutex<[TaskID: Known]>([:])
    private let batches: AsyncStream<[TaskID]>
    private let continuation: AsyncStream<[TaskID]>.Continuation

    init(log: EventLog) {
        self.log = log
        (batches, continuation) = AsyncStream.makeStream(of: [TaskID].self)
    }

    /// Tasks a handler created or changed.
    func touched(_ ids: [TaskID]) {
        guard !ids.isEmpty else { return }
        guard log.isTracking else { return }
        continuation.yield(ids)
    }

    /// Every task last seen open: after expiries and offline nodes, which change tasks
    /// the maintenance loop does not name.
    func touchedOpenTasks() {
        touched(known.withLock { Array($0.keys) })
    }

    func finish() { continuation.finish() }

    /// Records `task:progress` for a task this tracker has read (others are skipped:
    /// without a read it cannot tell who may see the event). Partial output is kept for
    /// watchers that ask for outputs.
    /// `id` is the task of the lease as the store knows it, not as the node claims.
    func progress(_ update: Openswarm_V1_LeaseProgress, of id: TaskID, node: NodeID, at now: Instant) {
        guard log.isTracking, let task = known.withLock({ $0[id] }) else { return }
        log.record(
            kind: .taskProgress, at: now, swarm: task.swarm, dag: task.dag, submitter: task.submitter,
            taskID: id.rawValue, nodeID: node.rawValue
        ) { event in
            var progress = Openswarm_V1_TaskProgressEvent()
            progress.taskID = id.rawValue
            progress.attemptNumber = update.attemptNumber
            progress.nodeID = node.rawValue
            progress.progressPercent = min(100, max(0, update.progressPercent))
            progress.currentStep = String(update.currentStep.prefix(200))
            progress.estimatedRemaining = update.estimatedRemaining
            progress.outputTokens = update.outputTokens
            progress.partialOutput = update.partialOutput
            event.payload = .taskProgress(progress)
        }
    }

    /// The reading loop; returns when `finish` is called.
    func run(executor: StoreExecutor, clock: any SwarmClock) async {
        for await ids in batches {
            var seen = Set<TaskID>()
            let unique = ids.filter { seen.insert($0).inserted }
            guard
                let tasks = try? await executor.run({ (store) throws(StoreError) -> [StoredTask] in
                    unique.compactMap { try? store.task($0) }
                })
            else { continue }
            let now = clock.now()
            for task in tasks { record(task, now: now) }
        }
    }

    private func record(_ task: StoredTask, now: Instant) {
        let previous = known.withLock { known -> TaskState? in
            let previous = known[task.id]?.state
            if task.state.isTerminal {
                known.removeValue(forKey: task.id)
            } else {
                known[task.id] = Known(
                    state: task.state, submitter: task.submitter, swarm: task.spec.swarmID.rawValue,
                    dag: task.dagID.rawValue)
            }
            return previous
        }
        guard previous != task.state else { return }
        let latest = task.attempts.last
        log.record(
            kind: .taskStateChanged, at: now, swarm: task.spec.swarmID.rawValue, dag: task.dagID.rawValue,
            submitter: task.submitter, taskID: task.id.rawValue, nodeID: latest?.nodeID.rawValue
        ) { event in
            var change = Openswarm_V1_TaskStateChangedEvent()
            change.taskID = task.id.rawValue
            change.previousState = previous.map { WireEnums.state($0) } ?? .unspecified
            change.state = WireEnums.state(task.state)
            if task.state.isTerminal { change.endReason = WireEnums.endReason(task.endReason) }
            if let latest {
                change.attemptNumber = UInt32(latest.number)
                change.nodeID = latest.nodeID.rawValue
            }
            event.payload = .taskStateChanged(change)
        }
        guard task.state == .succeeded else { return }
        log.record(
            kind: .taskCompleted, at: now, swarm: task.spec.swarmID.rawValue, dag: task.dagID.rawValue,
            submitter: task.submitter, taskID: task.id.rawValue
        ) { event in
            var completed = Openswarm_V1_TaskCompletedEvent()
            completed.taskID = task.id.rawValue
            completed.finalCostMicros = task.paidMicros
            if let canonical = task.canonicalAttempt {
                completed.canonicalAttemptNumber = UInt32(canonical)
                if let attempt = task.attempt(canonical) {
                    completed.results = [TaskMapping.result(task.id, attempt, includeOutput: true)]
                }
            }
            event.payload = .taskCompleted(completed)
        }
    }
}
