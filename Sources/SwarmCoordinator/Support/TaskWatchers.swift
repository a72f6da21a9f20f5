import SwarmCore
import Synchronization

/// The WatchTask streams open now, and what wakes them: a change to their own task
/// (`signal(tasks:)`, from the paths that name the tasks they changed: submissions,
/// leases, reports, progress), or a change anywhere (`signal()`, from the paths that
/// do not, such as cancellations, administration and the maintenance loop).
///
/// Each watcher re-reads its task from the store when woken. Woken by every change in
/// the system, as with one signal for all, each of W watchers read its task on every
/// report (up to its bucket's 50 reads a second): store reads growing with watchers
/// times traffic, on SQLite's one store thread.
final class TaskWatchers: Sendable {
    /// One open watch.
    final class Watch: Sendable {
        let task: TaskID
        let signal = ChangeSignal()

        fileprivate init(task: TaskID) { self.task = task }
    }

    private let watches = Mutex<[TaskID: [Watch]]>([:])

    func watch(_ task: TaskID) -> Watch {
        let watch = Watch(task: task)
        watches.withLock { $0[task, default: []].append(watch) }
        return watch
    }

    func unwatch(_ watch: Watch) {
        watches.withLock { watches in
            watches[watch.task]?.removeAll { $0 === watch }
            if watches[watch.task]?.isEmpty == true { watches[watch.task] = nil }
        }
    }

    /// Watches open now (for tests and metrics).
    var count: Int { watches.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// Something changed that the caller cannot name: wakes every watcher.
    func signal() {
        for watch in watches.withLock({ $0.values.flatMap { $0 } }) { watch.signal.signal() }
    }

    /// `tasks` changed: wakes their watchers.
    func signal(tasks: some Sequence<TaskID>) {
        let woken = watches.withLock { watches -> [Watch] in
            guard !watches.isEmpty else { return [] }
            var woken: [Watch] = []
            for task in tasks { woken += watches[task] ?? [] }
            return woken
        }
        for watch in woken { watch.signal.signal() }
    }
}
