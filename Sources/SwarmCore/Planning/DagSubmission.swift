/// A DAG as submitted (proto `SubmitDagRequest` + `DagTask`): named tasks with
/// dependencies, checked by `DagPlanner.plan` before anything is created.
public struct DagSubmission: Hashable, Sendable {
    /// Name for people; not unique.
    public var name: String
    /// Swarm every task runs in.
    public var swarmID: SwarmID
    /// The tasks, in submission order.
    public var tasks: [DagTaskSpec]

    public init(name: String = "", swarmID: SwarmID = "default", tasks: [DagTaskSpec]) {
        self.name = name
        self.swarmID = swarmID
        self.tasks = tasks
    }
}

/// One task of a DAG submission (proto `DagTask`).
public struct DagTaskSpec: Hashable, Sendable {
    /// 1 to 64 characters from [A-Za-z0-9_-], unique in the submission.
    public var name: String
    /// Names of the parents that must succeed first.
    public var dependsOn: [String]
    public var spec: TaskSpec
    /// A parent whose canonical output replaces this task's input; nil: none.
    public var inputFrom: String?
    /// Whether the lease carries the parents' outputs.
    public var attachParentOutputs: Bool

    public init(
        name: String, dependsOn: [String] = [], spec: TaskSpec = TaskSpec(), inputFrom: String? = nil,
        attachParentOutputs: Bool = false
    ) {
        self.name = name
        self.dependsOn = dependsOn
        self.spec = spec
        self.inputFrom = inputFrom
        self.attachParentOutputs = attachParentOutputs
    }
}

/// Size limits of one submission, so one request cannot exhaust the coordinator.
public struct DagLimits: Hashable, Sendable {
    public var maxTasks: Int
    public var maxDependenciesPerTask: Int
    public var maxNameLength: Int
    public var maxPromptBytes: Int
    /// Largest maximum cost of one task; keeps every sum of costs far from overflow.
    public var maxCostMicrosPerTask: Int64

    public init(
        maxTasks: Int = 100_000, maxDependenciesPerTask: Int = 1_000, maxNameLength: Int = 64,
        maxPromptBytes: Int = 1 << 20, maxCostMicrosPerTask: Int64 = 1_000_000_000_000
    ) {
        self.maxTasks = maxTasks
        self.maxDependenciesPerTask = maxDependenciesPerTask
        self.maxNameLength = maxNameLength
        self.maxPromptBytes = maxPromptBytes
        self.maxCostMicrosPerTask = maxCostMicrosPerTask
    }
}
