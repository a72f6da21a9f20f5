import SwarmCrypto
import SwarmProto

/// `builtin:echo`: the output is the input, or the prompt when the input is empty.
/// The simplest end-to-end check of a deployment.
public struct EchoRuntime: ModelRuntime {
    public let name = "builtin:echo"
    public var runsOnEventLoop: Bool { true }

    public init() {}

    public func run(_ job: RuntimeJob, progress: @escaping @Sendable (RuntimeProgress) -> Void) async throws
        -> RuntimeOutput
    {
        try Task.checkCancellation()
        return RuntimeOutput(
            output: job.inputOrPrompt,
            mediaType: job.definition.input.isEmpty
                ? "text/plain; charset=utf-8"
                : (job.definition.inputMediaType.isEmpty ? "application/octet-stream" : job.definition.inputMediaType),
            runtime: name)
    }
}

/// `builtin:sleep`: waits the duration written in the input or prompt ("250ms", "2s",
/// "1.5" seconds, "1m"), reporting progress, and answers "slept <duration>". Stands in
/// for long model calls in tests of leases, heartbeats, cancellation and draining.
public struct SleepRuntime: ModelRuntime {
    public let name = "builtin:sleep"
    public var runsOnEventLoop: Bool { true }

    public init() {}

    public func run(_ job: RuntimeJob, progress: @escaping @Sendable (RuntimeProgress) -> Void) async throws
        -> RuntimeOutput
    {
        let text = job.inputOrPromptText
        guard let duration = Self.parseDuration(text) else {
            throw RuntimeFailure(
                .invalidInput, "cannot read \"\(text.prefix(40))\" as a duration", details: "use e.g. 250ms, 2s or 1.5")
        }
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: duration)
        progress(RuntimeProgress(percent: 0, step: "sleeping"))
        while clock.now < end {
            // Steps of at most 100 ms: progress stays fresh and cancellation is prompt
            // even if a sleep were not interrupted.
            let left = clock.now.duration(to: end)
            do {
                try await Task.sleep(for: min(left, .milliseconds(100)))
            } catch {
                throw RuntimeFailure(.cancelled, "the sleep was cancelled")
            }
            let done = duration - clock.now.duration(to: end)
            progress(RuntimeProgress(percent: min(100, max(0, 100 * (done / duration)))))
        }
        return RuntimeOutput(output: Array("slept \(text)".utf8), runtime: name)
    }

    /// "250ms", "2s", "1.5" (seconds), "1m", "100us"; nil for anything else or a negative value.
    static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9), ("s", 1), ("m", 60), ("h", 3600)]
        var number = text
        var scale = 1.0
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = String(text.dropLast(suffix.count)).trimmingWhitespace()
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0, value * scale < 1e9 else { return nil }
        return .nanoseconds(Int64((value * scale * 1e9).rounded()))
    }
}

/// `builtin:sha256`: the lower-case hex SHA-256 of the input or prompt; a cheap
/// deterministic computation for consensus tests.
public struct SHA256Runtime: ModelRuntime {
    public let name = "builtin:sha256"

    public init() {}

    public func run(_ job: RuntimeJob, progress: @escaping @Sendable (RuntimeProgress) -> Void) async throws
        -> RuntimeOutput
    {
        try Task.checkCancellation()
        return RuntimeOutput(output: Array(SHA256Digest.hex(SHA256Digest.hash(job.inputOrPrompt)).utf8), runtime: name)
    }
}

/// `builtin:fail`: fails with the error kind named in the input or prompt
/// ("transient", "permanent", "invalid_input", "ERROR_KIND_TIMEOUT", ...; empty means
/// transient), to exercise the coordinator's retry policy.
public struct FailRuntime: ModelRuntime {
    public let name = "builtin:fail"
    public var runsOnEventLoop: Bool { true }

    public init() {}

    public func run(_ job: RuntimeJob, progress: @escaping @Sendable (RuntimeProgress) -> Void) async throws
        -> RuntimeOutput
    {
        let text = job.inputOrPromptText
        guard let kind = Self.errorKind(named: text) else {
            throw RuntimeFailure(
                .invalidInput, "unknown error kind \"\(text.prefix(40))\"",
                details: "use transient, timeout, permanent, invalid_input, runtime_unavailable, ...")
        }
        throw RuntimeFailure(kind, "failed as asked (\(kind.protoName ?? "\(kind.protoValue)"))")
    }

    static func errorKind(named text: String) -> Openswarm_V1_ErrorKind? {
        if text.isEmpty { return .transient }
        let upper = text.uppercased()
        return Openswarm_V1_ErrorKind(protoName: upper.hasPrefix("ERROR_KIND_") ? upper : "ERROR_KIND_" + upper)
    }
}

/// `builtin:byzantine:<rate>`: echo that, with probability `rate`, returns a
/// deliberately wrong output, to test consensus and reputation. The randomness is
/// injected so tests choose exactly which runs lie.
public struct ByzantineRuntime: ModelRuntime {
    public var name: String { "builtin:byzantine:\(rate)" }
    public var runsOnEventLoop: Bool { true }
    public let rate: Double
    /// Uniform in 0..<1; a run lies when it is below `rate`.
    private let random: @Sendable () -> Double

    public init(rate: Double, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.rate = rate
        self.random = random
    }

    public func run(_ job: RuntimeJob, progress: @escaping @Sendable (RuntimeProgress) -> Void) async throws
        -> RuntimeOutput
    {
        var output = try await EchoRuntime().run(job, progress: progress)
        output.stats.runtime = name
        if random() < rate {
            // Always different from the honest output: a marker plus the bytes reversed.
            output.output = Array("byzantine:".utf8) + output.output.reversed()
        }
        return output
    }
}

/// `builtin:review:<score>`: answers every peer review with the overall score given
/// (0 to 10), as the JSON form of a `ReviewSubmission` — what the coordinator expects
/// of a reviewer. Stands in for a reviewing model in tests and demos: a fair reviewer
/// and a harsh one are two workers with different scores.
public struct ReviewRuntime: ModelRuntime {
    public var name: String { "builtin:review:\(score)" }
    public var runsOnEventLoop: Bool { true }
    public let score: Double

    public init(score: Double) {
        self.score = score
    }

    public func run(_ job: RuntimeJob, progress: @escaping @Sendable (RuntimeProgress) -> Void) async throws
        -> RuntimeOutput
    {
        try Task.checkCancellation()
        // Written out by hand: proto JSON would leave out an overall score of 0.
        let json =
            #"{"score":{"overall":\#(score),"confidence":0.5},"feedback":"built-in reviewer: \#(job.inputOrPrompt.count) bytes scored \#(score)"}"#
        return RuntimeOutput(output: Array(json.utf8), mediaType: "application/json", runtime: name)
    }
}
