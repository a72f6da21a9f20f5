/// Why a worker configuration (usually a command-line flag) could not be accepted.
///
/// `code` is for programs (tests, the CLI's exit status); `message` says what to change,
/// e.g. `bad_runtime_spec: "echo=builtin:nope": unknown built-in "nope"; use echo, sleep,
/// sha256, fail or byzantine:<rate>`.
public struct WorkerConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// A runtime spec is not `name=kind:argument`.
        case badRuntimeSpec = "bad_runtime_spec"
        /// The kind of a runtime spec is not builtin, exec or openai.
        case unknownRuntimeKind = "unknown_runtime_kind"
        /// `builtin:<name>` names no built-in runtime.
        case unknownBuiltin = "unknown_builtin"
        /// The byzantine lie rate is not a number from 0 to 1.
        case badRate = "bad_rate"
        /// An `openai:` base URL is not `http://host[:port][/path]`.
        case badURL = "bad_url"
        /// Two specs give the same capability or model.
        case duplicateRuntime = "duplicate_runtime"
        /// A numeric setting is out of range (slots, intervals).
        case badValue = "bad_value"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
