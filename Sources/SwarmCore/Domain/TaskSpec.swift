/// Everything a submitter specifies about one task (proto `TaskSpec`), after the edge
/// has mapped the wire message. Scheduling reads only these fields; the prompt and
/// context are opaque text to the core except for DAG placeholders.
public struct TaskSpec: Hashable, Sendable {
    /// Swarm that runs the task.
    public var swarmID: SwarmID
    /// The prompt; may contain `{{ tasks.NAME.output }}` placeholders in a DAG.
    public var prompt: String
    /// What a node needs to run it.
    public var requirements: ResourceRequirements
    public var priority: Priority
    public var retryPolicy: RetryPolicy
    public var timeouts: Timeouts
    public var redundancy: Redundancy
    /// Most the submitter will pay, in micro-tokens; nil means the estimate.
    public var maxCostMicros: Int64?
    /// Expected run time of one attempt, for pricing estimates; nil: start-to-close.
    public var expectedDuration: Duration?
    /// What each accepted attempt earns, instead of the base price plus its time at the
    /// node's rate: a peer review's compensation shared among its reviews. Still capped
    /// by the maximum cost.
    public var fixedPriceMicros: Int64?
    /// Bytes the edge keeps with the task and gets back with its leases (the wire
    /// definition: input, context, generation parameters). The core never reads them.
    public var payload: [UInt8]

    public init(
        swarmID: SwarmID = "default", prompt: String = "", requirements: ResourceRequirements = ResourceRequirements(),
        priority: Priority = .normal, retryPolicy: RetryPolicy = .default, timeouts: Timeouts = Timeouts(),
        redundancy: Redundancy = .single, maxCostMicros: Int64? = nil, expectedDuration: Duration? = nil,
        fixedPriceMicros: Int64? = nil, payload: [UInt8] = []
    ) {
        self.swarmID = swarmID
        self.prompt = prompt
        self.requirements = requirements
        self.priority = priority
        self.retryPolicy = retryPolicy
        self.timeouts = timeouts
        self.redundancy = redundancy
        self.maxCostMicros = maxCostMicros
        self.expectedDuration = expectedDuration
        self.fixedPriceMicros = fixedPriceMicros
        self.payload = payload
    }
}
