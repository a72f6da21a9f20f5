import SwarmProto

/// Why a run failed, classified so the coordinator's retry policy can decide: the
/// `ErrorKind` says whether another attempt (here or elsewhere) may succeed.
///
/// ```swift
/// throw RuntimeFailure(.invalidInput, "cannot parse \"soon\" as a duration", details: "use 250ms, 2s or 1.5")
/// ```
public struct RuntimeFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var kind: Openswarm_V1_ErrorKind
    public var message: String
    /// Debugging detail: stderr tail, HTTP status and body, ...
    public var details: String
    /// Exit status of an `exec` process, when there was one.
    public var exitCode: Int32?

    public init(_ kind: Openswarm_V1_ErrorKind, _ message: String, details: String = "", exitCode: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.details = details
        self.exitCode = exitCode
    }

    public var description: String {
        "\(kind.protoName ?? "\(kind.protoValue)"): \(message)" + (details.isEmpty ? "" : " (\(details))")
    }

    /// The wire form for ReportFailure.
    public var taskError: Openswarm_V1_TaskError {
        var error = Openswarm_V1_TaskError()
        error.kind = kind
        error.message = message
        error.details = details
        error.exitCode = exitCode
        return error
    }

    /// Any error as a failure: cancellation is ERROR_KIND_CANCELLED, an unknown error
    /// is ERROR_KIND_TRANSIENT (another attempt may well succeed).
    public static func classify(_ error: any Error) -> RuntimeFailure {
        if let failure = error as? RuntimeFailure { return failure }
        if error is CancellationError { return RuntimeFailure(.cancelled, "the attempt was cancelled") }
        return RuntimeFailure(.transient, "the runtime failed: \(error)")
    }
}

extension ModelRuntime {
    /// Runs `job`, ending it with ERROR_KIND_TIMEOUT when it outlives `job.timeout`
    /// (the lease's start-to-close limit). The runtime is cancelled at the deadline and
    /// this returns once it has stopped.
    public func run(
        withDeadline job: RuntimeJob, progress: @escaping @Sendable (RuntimeProgress) -> Void
    ) async throws -> RuntimeOutput {
        guard let timeout = job.timeout else { return try await run(job, progress: progress) }
        return try await withThrowingTaskGroup(of: RuntimeOutput?.self) { group in
            group.addTask { try await self.run(job, progress: progress) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            guard let output = first else {
                throw RuntimeFailure(.timeout, "the attempt ran longer than its start-to-close limit of \(timeout)")
            }
            return output
        }
    }
}
