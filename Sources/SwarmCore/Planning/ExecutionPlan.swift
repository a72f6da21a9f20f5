/// How a submission will run (proto `ExecutionPlan`): the tasks in dependency order
/// with their parents, defaults applied, parsed templates and cost estimates.
///
/// Indices refer to the submission order (`DagSubmission.tasks`), so the caller can
/// assign ids and create tasks without looking names up again.
public struct ExecutionPlan: Hashable, Sendable {
    /// Every task, in submission order.
    public var tasks: [PlannedTask]
    /// Submission indices, parents before children (Kahn's order).
    public var topologicalOrder: [Int]
    /// Sum of the tasks' maximum costs: what submission escrows.
    public var estimatedCostMicros: Int64
    /// Longest chain of expected durations (critical path).
    public var estimatedDuration: Duration
}

/// One task of a plan (proto `PlannedTask`).
public struct PlannedTask: Hashable, Sendable {
    /// Position in the submission.
    public var index: Int
    public var name: String
    /// Submission indices of its parents, without repeats.
    public var parents: [Int]
    /// Submission indices of the tasks depending on it.
    public var children: [Int]
    /// `.ready` for roots, `.pending` otherwise.
    public var initialState: TaskState
    /// The spec with `redundancy` normalized.
    public var spec: TaskSpec
    /// The parsed prompt.
    public var template: PromptTemplate
    /// Parent whose output becomes the input, if any.
    public var inputFrom: String?
    public var attachParentOutputs: Bool
    /// The escrowed maximum cost.
    public var maxCostMicros: Int64
}
