import SwarmCore
import Synchronization

/// The latest progress workers reported for running tasks (heartbeats and
/// ReportProgress), for GetTask and WatchTask. In memory only: progress is advisory and
/// a restarted coordinator learns it again from the next heartbeat. Entries leave when
/// their task ends, and the board never holds more than `limit`.
final class ProgressBoard: Sendable {
    struct Entry: Hashable, Sendable {
        var percent: Double
        var step: String
        var outputTokens: UInt32
    }

    private let entries = Mutex<[TaskID: Entry]>([:])
    private let limit: Int

    init(limit: Int = 100_000) {
        self.limit = limit
    }

    func record(_ task: TaskID, _ entry: Entry) {
        entries.withLock { entries in
            guard entries[task] != nil || entries.count < limit else { return }
            // With replicas, the most advanced attempt speaks for the task.
            if let current = entries[task], current.percent > entry.percent { return }
            entries[task] = entry
        }
    }

    func entry(_ task: TaskID) -> Entry? { entries.withLock { $0[task] } }

    func forget(_ tasks: [TaskID]) {
        guard !tasks.isEmpty else { return }
        entries.withLock { entries in for task in tasks { entries.removeValue(forKey: task) } }
    }
}
