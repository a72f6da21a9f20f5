import SwarmProto
import Synchronization

/// Every lease the agent holds, from the moment it is granted until the coordinator
/// acknowledges its report: what heartbeats list (so the coordinator keeps extending
/// them), where progress accumulates between reports, and how a running attempt is
/// told to stop.
final class LeaseBook: Sendable {
    /// What happens to an attempt's outcome when its runtime returns.
    enum Disposition: Sendable, Equatable {
        /// Report it (result or failure).
        case report
        /// The coordinator cancelled it: report nothing.
        case cancelled
        /// The coordinator does not consider it held: report nothing, drop any result.
        case abandoned
        /// Draining ran out of time: report ERROR_KIND_NODE_SHUTTING_DOWN.
        case handBack
        /// It outlived the lease's start-to-close limit: report ERROR_KIND_TIMEOUT.
        case timedOut
    }

    enum Phase: Sendable, Equatable {
        case running
        /// Finished; its report is in the outbox, waiting for an acknowledgement.
        case reporting
    }

    struct Entry: Sendable {
        var lease: Openswarm_V1_Lease
        var phase: Phase = .running
        var disposition: Disposition = .report
        var work: Task<RuntimeOutput, any Error>?
        /// When the running attempt must be stopped (start-to-close), if ever.
        var deadline: ContinuousClock.Instant?
        var percent: Double = 0
        var step: String = "starting"
        var outputTokens: UInt32 = 0
        var partialOutput: [UInt8] = []
        var progressChanged = false
    }

    private let entries = Mutex<[String: Entry]>([:])

    func add(_ lease: Openswarm_V1_Lease, phase: Phase = .running) {
        entries.withLock { $0[lease.leaseID] = Entry(lease: lease, phase: phase) }
    }

    /// Attaches the running work, to be stopped at `deadline` (`stopOverdue`); cancels
    /// it at once if the lease was stopped before.
    func attach(_ leaseID: String, work: Task<RuntimeOutput, any Error>, deadline: ContinuousClock.Instant? = nil) {
        let stopNow = entries.withLock { entries -> Bool in
            guard var entry = entries[leaseID] else { return true }
            entry.work = work
            entry.deadline = deadline
            entries[leaseID] = entry
            return entry.disposition != .report
        }
        if stopNow { work.cancel() }
    }

    func disposition(_ leaseID: String) -> Disposition {
        entries.withLock { $0[leaseID]?.disposition ?? .abandoned }
    }

    func markReporting(_ leaseID: String) {
        entries.withLock { $0[leaseID]?.phase = .reporting }
    }

    func remove(_ leaseID: String) {
        entries.withLock { _ = $0.removeValue(forKey: leaseID) }
    }

    func contains(_ leaseID: String) -> Bool {
        entries.withLock { $0[leaseID] != nil }
    }

    /// Stops a running attempt with `disposition`. Returns false when the lease is
    /// unknown or already finished.
    @discardableResult
    func stop(_ leaseID: String, _ disposition: Disposition) -> Bool {
        let work = entries.withLock { entries -> Task<RuntimeOutput, any Error>?? in
            guard var entry = entries[leaseID], entry.phase == .running else { return nil }
            entry.disposition = disposition
            entries[leaseID] = entry
            return .some(entry.work)
        }
        guard let work else { return false }
        work?.cancel()
        return true
    }

    /// Stops (`timedOut`) every running attempt whose deadline is past `now`, and
    /// returns the earliest deadline still ahead, if any. One sweep for all of them,
    /// instead of a timer task per attempt, which had cost a fifth of a worker's CPU on
    /// short tasks.
    @discardableResult
    func stopOverdue(at now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        let (overdue, next) = entries.withLock {
            entries -> ([Task<RuntimeOutput, any Error>?], ContinuousClock.Instant?) in
            var stopped: [Task<RuntimeOutput, any Error>?] = []
            var next: ContinuousClock.Instant?
            for (id, entry) in entries where entry.phase == .running && entry.disposition == .report {
                guard let deadline = entry.deadline else { continue }
                if deadline <= now {
                    entries[id]?.disposition = .timedOut
                    stopped.append(entry.work)
                } else {
                    next = min(next ?? deadline, deadline)
                }
            }
            return (stopped, next)
        }
        for work in overdue { work?.cancel() }
        return next
    }

    /// Leases whose runtime is still running.
    var runningLeaseIDs: [String] {
        entries.withLock { $0.values.filter { $0.phase == .running }.map(\.lease.leaseID) }
    }

    var runningCount: Int { entries.withLock { $0.values.filter { $0.phase == .running }.count } }

    var count: Int { entries.withLock { $0.count } }

    /// Records a runtime's progress report.
    func record(_ leaseID: String, _ progress: RuntimeProgress) {
        entries.withLock { entries in
            guard var entry = entries[leaseID] else { return }
            if let percent = progress.percent { entry.percent = percent }
            if let step = progress.step { entry.step = step }
            if let tokens = progress.outputTokens { entry.outputTokens = tokens }
            entry.partialOutput += progress.partialOutput
            entry.progressChanged = true
            entries[leaseID] = entry
        }
    }

    /// Progress of every held lease, for a heartbeat (partial output stays for
    /// ReportProgress).
    func heartbeatProgress() -> [Openswarm_V1_LeaseProgress] {
        entries.withLock { entries in
            entries.values.sorted { $0.lease.leaseID < $1.lease.leaseID }.map { entry in
                var progress = Self.progress(of: entry)
                if entry.phase == .reporting {
                    progress.progressPercent = 100
                    progress.currentStep = "reporting"
                }
                return progress
            }
        }
    }

    /// Progress changed since the last call, with the output streamed meanwhile.
    func takeChangedProgress() -> [Openswarm_V1_LeaseProgress] {
        entries.withLock { entries in
            var updates: [Openswarm_V1_LeaseProgress] = []
            for (id, var entry) in entries where entry.progressChanged && entry.phase == .running {
                var progress = Self.progress(of: entry)
                progress.partialOutput = entry.partialOutput
                updates.append(progress)
                entry.partialOutput = []
                entry.progressChanged = false
                entries[id] = entry
            }
            return updates.sorted { $0.leaseID < $1.leaseID }
        }
    }

    private static func progress(of entry: Entry) -> Openswarm_V1_LeaseProgress {
        var progress = Openswarm_V1_LeaseProgress()
        progress.leaseID = entry.lease.leaseID
        progress.taskID = entry.lease.taskID
        progress.attemptNumber = entry.lease.attemptNumber
        progress.progressPercent = entry.percent
        progress.currentStep = entry.step
        progress.outputTokens = entry.outputTokens
        return progress
    }
}
