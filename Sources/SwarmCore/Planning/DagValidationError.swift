/// Why a submission was refused: a `code` a program can match and a `message` a person
/// can act on (it names the task, and for a cycle the whole cycle).
public struct DagValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Machine-readable kind of the problem.
    public enum Code: String, Hashable, Sendable {
        case emptySubmission = "empty_submission"
        case tooManyTasks = "too_many_tasks"
        case invalidName = "invalid_name"
        case duplicateName = "duplicate_name"
        case unknownDependency = "unknown_dependency"
        case selfDependency = "self_dependency"
        case duplicateDependency = "duplicate_dependency"
        case tooManyDependencies = "too_many_dependencies"
        case cycle
        case promptTooLarge = "prompt_too_large"
        case invalidPlaceholder = "invalid_placeholder"
        case placeholderNotAParent = "placeholder_not_a_parent"
        case inputFromNotAParent = "input_from_not_a_parent"
        case swarmMismatch = "swarm_mismatch"
        case invalidSpec = "invalid_spec"
    }

    public var code: Code
    public var message: String
    /// The task the problem is in, when there is one.
    public var taskName: String?
    /// For `.cycle`: the task names around one cycle, first repeated at the end.
    public var cycle: [String]

    public init(_ code: Code, _ message: String, taskName: String? = nil, cycle: [String] = []) {
        self.code = code
        self.message = message
        self.taskName = taskName
        self.cycle = cycle
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
