import SwarmProto

/// A way of running one lease's job: a built-in, a subprocess, a model server.
///
/// Implementations must:
/// - return the complete output (and what they measured) or throw `RuntimeFailure`
///   with the `ErrorKind` that tells the coordinator whether to retry;
/// - stop promptly when the calling task is cancelled (the agent cancels on a
///   coordinator's cancellation, on the lease's start-to-close timeout and when a drain
///   runs out of time), releasing what they started (processes, connections);
/// - call `progress` as work advances; it is cheap and may be called often (the agent
///   batches what it sends).
///
/// ```swift
/// struct Upper: ModelRuntime {
///     let name = "builtin:upper"
///     func run(_ job: RuntimeJob, progress: @escaping @Sendable (RuntimeProgress) -> Void) async throws -> RuntimeOutput {
///         RuntimeOutput(output: Array(String(decoding: job.inputOrPrompt, as: UTF8.self).uppercased().utf8), runtime: name)
///     }
/// }
/// ```
public protocol ModelRuntime: Sendable {
    /// Name recorded in `RuntimeStats.runtime`, e.g. "builtin:echo", "exec", "openai".
    var name: String { get }

    /// Runs the job. Errors other than `RuntimeFailure` are classified by
    /// `RuntimeFailure.classify` (cancellation becomes ERROR_KIND_CANCELLED, anything
    /// else ERROR_KIND_TRANSIENT).
    func run(_ job: RuntimeJob, progress: @escaping @Sendable (RuntimeProgress) -> Void) async throws -> RuntimeOutput

    /// Whether `run` may run on the agent's network thread (the coordinator
    /// connection's event loop): it never blocks a thread and its CPU is small and
    /// bounded. Such a job starts and reports without a thread hop (two wake-ups, a
    /// tenth of an echo task's worker CPU). Default false: the job runs on Swift's
    /// global pool, where blocking or long computation holds up nothing else.
    var runsOnEventLoop: Bool { get }
}

extension ModelRuntime {
    public var runsOnEventLoop: Bool { false }
}

/// What a runtime gets: the lease's task, without the scheduling details.
public struct RuntimeJob: Sendable {
    public var taskID: String
    public var leaseID: String
    public var attemptNumber: UInt32
    public var definition: Openswarm_V1_TaskDefinition
    public var parentOutputs: [Openswarm_V1_ParentOutput]
    /// The lease's start-to-close limit; nil when the lease gives none.
    public var timeout: Duration?
    /// The model id the lease was routed by, when it asked for a model.
    public var modelID: String?

    public init(
        taskID: String, leaseID: String = "", attemptNumber: UInt32 = 1,
        definition: Openswarm_V1_TaskDefinition = Openswarm_V1_TaskDefinition(),
        parentOutputs: [Openswarm_V1_ParentOutput] = [], timeout: Duration? = nil, modelID: String? = nil
    ) {
        self.taskID = taskID
        self.leaseID = leaseID
        self.attemptNumber = attemptNumber
        self.definition = definition
        self.parentOutputs = parentOutputs
        self.timeout = timeout
        self.modelID = modelID
    }

    public init(lease: Openswarm_V1_Lease, modelID: String? = nil) {
        let timeout = lease.startToCloseTimeout.map(\.swiftDuration).flatMap { $0 > .zero ? $0 : nil }
        self.init(
            taskID: lease.taskID, leaseID: lease.leaseID, attemptNumber: lease.attemptNumber,
            definition: lease.definition ?? Openswarm_V1_TaskDefinition(), parentOutputs: lease.parentOutputs,
            timeout: timeout, modelID: modelID)
    }

    /// `definition.input` when non-empty, else the prompt's UTF-8 bytes: what the
    /// built-ins work on.
    public var inputOrPrompt: [UInt8] {
        definition.input.isEmpty ? Array(definition.prompt.utf8) : definition.input
    }

    /// `inputOrPrompt` as trimmed text.
    var inputOrPromptText: String {
        String(decoding: inputOrPrompt, as: UTF8.self).trimmingWhitespace()
    }
}

/// A progress report from a runtime. Unset fields leave the previous value.
public struct RuntimeProgress: Sendable, Equatable {
    public var percent: Double?
    public var step: String?
    public var outputTokens: UInt32?
    /// Output produced since the previous report (streamed tokens); appended, not replaced.
    public var partialOutput: [UInt8]

    public init(percent: Double? = nil, step: String? = nil, outputTokens: UInt32? = nil, partialOutput: [UInt8] = []) {
        self.percent = percent
        self.step = step
        self.outputTokens = outputTokens
        self.partialOutput = partialOutput
    }
}

/// A finished run: the output and what was measured. The agent signs and reports it.
public struct RuntimeOutput: Sendable, Equatable {
    public var output: [UInt8]
    public var mediaType: String
    public var stats: Openswarm_V1_RuntimeStats

    public init(
        output: [UInt8], mediaType: String = "text/plain; charset=utf-8", runtime: String, outputTokens: UInt32 = 0
    ) {
        self.output = output
        self.mediaType = mediaType
        self.stats = Openswarm_V1_RuntimeStats()
        self.stats.runtime = runtime
        self.stats.outputTokens = outputTokens
    }
}
