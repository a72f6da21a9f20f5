import Foundation
import SwarmProto

/// `exec:<program> [arguments]`: runs a program per attempt. The task goes to its stdin
/// as one JSON object,
///
/// ```json
/// {"task_id": "t-1", "attempt": 1, "prompt": "…", "input_base64": "…",
///  "parent_outputs": [{"name": "plan", "output_base64": "…"}]}
/// ```
///
/// and its stdout is the output. Exit status 0 is success; anything else is a failure
/// carrying the exit code and the tail of stderr, classified by the sysexits
/// convention: 65 (EX_DATAERR) is ERROR_KIND_INVALID_INPUT, 69 (EX_UNAVAILABLE)
/// ERROR_KIND_RUNTIME_UNAVAILABLE, 75 (EX_TEMPFAIL) and every other code
/// ERROR_KIND_TRANSIENT. On cancellation (or the lease's timeout, see
/// `run(withDeadline:progress:)`) the process group gets SIGTERM, then SIGKILL after
/// `killGrace`.
public struct ExecRuntime: ModelRuntime {
    public let name = "exec"
    public let command: [String]
    public let killGrace: Duration
    /// Largest stdout kept; a longer output fails with ERROR_KIND_OUTPUT_TOO_LARGE.
    public let maxOutputBytes: Int

    public init(command: [String], killGrace: Duration = .seconds(2), maxOutputBytes: Int = 64 << 20) {
        self.command = command
        self.killGrace = killGrace
        self.maxOutputBytes = maxOutputBytes
        // Writing to a child that exited must be EPIPE, not a process-wide SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    struct StdinTask: Encodable {
        struct Parent: Encodable {
            var name: String
            var outputBase64: String

            enum CodingKeys: String, CodingKey {
                case name
                case outputBase64 = "output_base64"
            }
        }
        var taskID: String
        var attempt: UInt32
        var prompt: String
        var inputBase64: String
        var parentOutputs: [Parent]

        enum CodingKeys: String, CodingKey {
            case taskID = "task_id"
            case attempt, prompt
            case inputBase64 = "input_base64"
            case parentOutputs = "parent_outputs"
        }
    }

    static func stdinJSON(for job: RuntimeJob) -> [UInt8] {
        let task = StdinTask(
            taskID: job.taskID, attempt: job.attemptNumber, prompt: job.definition.prompt,
            inputBase64: Data(job.definition.input).base64EncodedString(),
            parentOutputs: job.parentOutputs.map {
                StdinTask.Parent(name: $0.name, outputBase64: Data($0.output).base64EncodedString())
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(task)).map { [UInt8]($0) } ?? []) + [0x0a]
    }

    public func run(_ job: RuntimeJob, progress: @escaping @Sendable (RuntimeProgress) -> Void) async throws
        -> RuntimeOutput
    {
        try Task.checkCancellation()
        let child = try ChildProcess.spawn(command)
        progress(RuntimeProgress(percent: 0, step: "running \(command.first ?? "")"))
        let killGrace = self.killGrace
        let limit = maxOutputBytes
        let (termination, stdout, stderr) = await withTaskCancellationHandler {
            async let stdout = ChildProcess.readAll(child.stdout, limit: limit + 1)
            async let stderr = ChildProcess.readAll(child.stderr, limit: 4096, keepTail: true)
            await child.writeStdinAndClose(Self.stdinJSON(for: job))
            return (await child.wait(), await stdout, await stderr)
        } onCancel: {
            child.signalGroup(SIGTERM)
            Task.detached {
                try? await Task.sleep(for: killGrace)
                // The group is gone once the leader is reaped and no member is left;
                // kill then fails harmlessly with ESRCH.
                child.signalGroup(SIGKILL)
            }
        }
        if Task.isCancelled {
            throw RuntimeFailure(.cancelled, "the attempt was cancelled; \(command.first ?? "") was stopped")
        }
        let stderrTail = String(decoding: stderr, as: UTF8.self)
        switch termination {
        case .exited(0):
            guard stdout.count <= limit else {
                throw RuntimeFailure(.outputTooLarge, "the output is larger than \(limit) bytes")
            }
            var output = RuntimeOutput(output: stdout, runtime: name)
            output.stats.runtime = "exec:\(command.first ?? "")"
            return output
        case .exited(let code):
            let kind: Openswarm_V1_ErrorKind
            switch code {
            case 65: kind = .invalidInput
            case 69: kind = .runtimeUnavailable
            default: kind = .transient
            }
            throw RuntimeFailure(
                kind, "\(command.first ?? "the program") exited with status \(code)", details: stderrTail,
                exitCode: code)
        case .signalled(let signal):
            throw RuntimeFailure(
                .transient, "\(command.first ?? "the program") was killed by signal \(signal)", details: stderrTail)
        }
    }
}
