extension Scheduler {
    /// Cancels a task by a person's request; its dependents end `upstreamFailed`.
    /// Cancelling a task that already ended changes nothing.
    public mutating func cancel(_ id: TaskID, now: Instant) -> [SchedulerEvent] {
        guard let task = tasks[id], !task.state.isTerminal else { return [] }
        return endTask(id, reason: .cancelledByUser, now: now)
    }

    /// Deletes a swarm. Without `force` it is refused while the swarm has unfinished
    /// tasks (returns nil); with `force` every unfinished task ends `swarmDeleted` and is
    /// refunded, then the swarm is removed.
    public mutating func deleteSwarm(_ id: SwarmID, force: Bool, now: Instant) -> [SchedulerEvent]? {
        let open = tasks.values.filter { $0.spec.swarmID == id && !$0.state.isTerminal }.map(\.id).sorted()
        guard open.isEmpty || force else { return nil }
        var events: [SchedulerEvent] = []
        for task in open where tasks[task].map({ !$0.state.isTerminal }) ?? false {
            events += endTask(task, reason: .swarmDeleted, now: now)
        }
        swarms[id] = nil
        return events
    }
}
