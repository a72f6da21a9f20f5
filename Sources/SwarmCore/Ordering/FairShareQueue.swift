/// The order in which ready tasks are offered to nodes: priority, then fair share
/// between swarms and between submitters within a swarm, then age.
///
/// Fair share is virtual-time round robin (a simple form of weighted fair queueing):
/// every swarm and every (swarm, submitter) flow counts the leases it has been served;
/// the next lease goes to the swarm, then the submitter, with the smallest count, and
/// within a flow to its oldest task. A flow that becomes active starts at the smallest
/// count among active flows, so idling earns no credit to burst later, and a submitter
/// with 3 tasks is served after at most one task of each other active submitter instead
/// of waiting behind another's flood of 10,000.
///
/// Each task carries a requirement class (the scheduler numbers distinct
/// `ResourceRequirements`). `next` asks once per class whether the node can serve it and
/// looks only at those classes, so a node is never starved by thousands of queued tasks
/// it cannot run (GPU work ahead of CPU work, say). The per-task `offer` then decides the
/// rest (replicas, retry preference); removal is lazy: `.discard` drops a task that no
/// longer wants a lease.
public struct FairShareQueue: Sendable {
    /// What the caller wants done with an offered task.
    public enum Offer: Sendable {
        /// Take it (it leaves the queue; reinsert it if it wants more replicas).
        case take
        /// Not for this node: keep it queued in its place.
        case skip
        /// It no longer wants a lease: drop it.
        case discard
    }

    struct Entry: Comparable, Sendable {
        var age: Instant
        var sequence: UInt64
        var task: TaskID

        static func < (a: Entry, b: Entry) -> Bool {
            a.age != b.age ? a.age < b.age : a.sequence < b.sequence
        }
    }

    struct Flow: Sendable {
        /// Queued tasks by requirement class, oldest first.
        var classes: [Int: MinHeap<Entry>] = [:]
        var served: Int64 = 0
    }

    struct SwarmFlows: Sendable {
        var served: Int64 = 0
        var flows: [PrincipalID: Flow] = [:]
    }

    struct Level: Sendable {
        var swarms: [SwarmID: SwarmFlows] = [:]
    }

    struct ClassKey: Hashable {
        var swarm: SwarmID
        var requirementClass: Int
    }

    private var levels: [Priority: Level] = [:]
    private var members: Set<TaskID> = []
    private var sequence: UInt64 = 0
    /// How many tasks of classes the node can serve one `next` call may turn down before
    /// giving up (bounds the cost when the node holds replicas of everything it could run).
    public var scanLimit: Int

    public init(scanLimit: Int = 256) {
        self.scanLimit = scanLimit
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public func contains(_ task: TaskID) -> Bool { members.contains(task) }

    /// Queues `task`; a task already queued is left where it is.
    public mutating func insert(
        _ task: TaskID, priority: Priority, swarm: SwarmID, submitter: PrincipalID, age: Instant,
        requirementClass: Int = 0
    ) {
        guard members.insert(task).inserted else { return }
        sequence += 1
        var level = levels[priority] ?? Level()
        if level.swarms[swarm] == nil {
            var fresh = SwarmFlows()
            fresh.served = level.swarms.values.map(\.served).min() ?? 0
            level.swarms[swarm] = fresh
        }
        var swarmFlows = level.swarms[swarm] ?? SwarmFlows()
        if swarmFlows.flows[submitter] == nil {
            var fresh = Flow()
            fresh.served = swarmFlows.flows.values.map(\.served).min() ?? 0
            swarmFlows.flows[submitter] = fresh
        }
        swarmFlows.flows[submitter]?.classes[requirementClass, default: MinHeap()]
            .insert(Entry(age: age, sequence: sequence, task: task))
        level.swarms[swarm] = swarmFlows
        levels[priority] = level
    }

    /// Offers queued tasks in order to `offer` until it takes one; returns that task.
    /// Only classes for which `serves(swarm, class)` holds are looked at.
    public mutating func next(
        serving serves: (SwarmID, Int) -> Bool = { _, _ in true }, _ offer: (TaskID) -> Offer
    ) -> TaskID? {
        var budget = scanLimit
        var servable: [ClassKey: Bool] = [:]
        for priority in Priority.allCases.reversed() {
            guard var level = levels[priority] else { continue }
            defer { levels[priority] = level.swarms.isEmpty ? nil : level }
            let swarmOrder = level.swarms.sorted { Self.before($0.value.served, $0.key, $1.value.served, $1.key) }.map(
                \.key)
            for swarm in swarmOrder {
                guard var swarmFlows = level.swarms[swarm] else { continue }
                let flowOrder = swarmFlows.flows.sorted {
                    Self.before($0.value.served, $0.key, $1.value.served, $1.key)
                }
                .map(\.key)
                var taken: TaskID?
                for submitter in flowOrder {
                    guard var flow = swarmFlows.flows[submitter] else { continue }
                    var classes: [Int] = []
                    for requirementClass in flow.classes.keys {
                        let key = ClassKey(swarm: swarm, requirementClass: requirementClass)
                        let ok = servable[key] ?? serves(swarm, requirementClass)
                        servable[key] = ok
                        if ok { classes.append(requirementClass) }
                    }
                    var skipped: [(Int, Entry)] = []
                    while taken == nil, budget > 0,
                        let oldest = classes.min(by: { Self.head(flow, $0) < Self.head(flow, $1) }),
                        let entry = flow.classes[oldest]?.popMin()
                    {
                        if flow.classes[oldest]?.isEmpty ?? true { classes.removeAll { $0 == oldest } }
                        switch offer(entry.task) {
                        case .take:
                            taken = entry.task
                            members.remove(entry.task)
                            flow.served += 1
                            swarmFlows.served += 1
                        case .skip:
                            budget -= 1
                            skipped.append((oldest, entry))
                        case .discard:
                            members.remove(entry.task)
                        }
                    }
                    for (requirementClass, entry) in skipped {
                        flow.classes[requirementClass, default: MinHeap()].insert(entry)
                    }
                    flow.classes = flow.classes.filter { !$0.value.isEmpty }
                    swarmFlows.flows[submitter] = flow.classes.isEmpty ? nil : flow
                    if taken != nil || budget == 0 { break }
                }
                level.swarms[swarm] = swarmFlows.flows.isEmpty ? nil : swarmFlows
                if let taken { return taken }
                if budget == 0 { return nil }
            }
        }
        return nil
    }

    /// The oldest entry of a class of a flow; classes emptied by this call sort last.
    private static func head(_ flow: Flow, _ requirementClass: Int) -> Entry {
        flow.classes[requirementClass]?.min
            ?? Entry(age: Instant(millisecondsSinceEpoch: .max), sequence: .max, task: "")
    }

    private static func before<Key: Comparable>(_ a: Int64, _ aKey: Key, _ b: Int64, _ bKey: Key) -> Bool {
        a != b ? a < b : aKey < bKey
    }
}
