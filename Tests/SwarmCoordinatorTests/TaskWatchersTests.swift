import SwarmCore
import Testing

@testable import SwarmCoordinator

/// WatchTask streams wake for their own task's changes, not for every change.
@Suite("Task watchers")
struct TaskWatchersTests {
    @Test func aWatcherWakesForItsOwnTaskAndForUnnamedChangesOnly() {
        let watchers = TaskWatchers()
        let mine = watchers.watch(TaskID("a"))
        let other = watchers.watch(TaskID("b"))
        var seen = (mine.signal.generation, other.signal.generation)
        watchers.signal(tasks: [TaskID("b"), TaskID("c")])
        #expect(mine.signal.generation == seen.0, "another task's change does not wake it")
        #expect(other.signal.generation != seen.1)
        seen = (mine.signal.generation, other.signal.generation)
        watchers.signal()
        #expect(mine.signal.generation != seen.0, "a change nobody named wakes every watcher")
        #expect(other.signal.generation != seen.1)
        #expect(watchers.count == 2)
        watchers.unwatch(mine)
        watchers.unwatch(other)
        #expect(watchers.count == 0)
    }
}
