/// Readiness and failure propagation between tasks that already exist.
///
/// A task becomes ready when its last unfinished parent succeeds; when a task fails for
/// good (or is cancelled), every descendant that has not ended must be cancelled as
/// `upstreamFailed`. Both are O(edges touched), never a scan of all tasks.
public struct DependencyGraph: Hashable, Sendable {
    /// Children of each task that has any.
    public private(set) var children: [TaskID: [TaskID]] = [:]
    /// Parents of each task that have not succeeded yet.
    public private(set) var unmetParents: [TaskID: Int] = [:]

    public init() {}

    /// Records `task` with its parents, of which `alreadySucceeded` have succeeded.
    public mutating func add(_ task: TaskID, parents: [TaskID], alreadySucceeded: Int = 0) {
        for parent in parents { children[parent, default: []].append(task) }
        let unmet = parents.count - alreadySucceeded
        if unmet > 0 { unmetParents[task] = unmet }
    }

    /// Whether every parent of `task` has succeeded.
    public func isReady(_ task: TaskID) -> Bool { unmetParents[task] == nil }

    /// Records that `task` succeeded; returns the children that became ready.
    public mutating func succeeded(_ task: TaskID) -> [TaskID] {
        var ready: [TaskID] = []
        for child in children[task] ?? [] {
            guard let unmet = unmetParents[child] else { continue }
            if unmet <= 1 {
                unmetParents[child] = nil
                ready.append(child)
            } else {
                unmetParents[child] = unmet - 1
            }
        }
        return ready
    }

    /// Every descendant of `task` for which `isOpen` holds, breadth first, each once.
    /// Descendants below a task that already ended are still visited: a cancelled task's
    /// children were cancelled with it, and an open one below is still doomed.
    public func descendants(of task: TaskID, isOpen: (TaskID) -> Bool) -> [TaskID] {
        var seen: Set<TaskID> = [task]
        var queue = children[task] ?? []
        var head = 0
        var found: [TaskID] = []
        while head < queue.count {
            let next = queue[head]
            head += 1
            guard seen.insert(next).inserted else { continue }
            if isOpen(next) { found.append(next) }
            queue += children[next] ?? []
        }
        return found
    }
}
