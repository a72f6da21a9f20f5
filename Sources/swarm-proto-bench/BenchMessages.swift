import SwarmProto

/// The two messages `make bench` measures, built the same way on every run.
enum BenchMessages {
    /// A lease as a worker receives it: ids, timing, requirements, a 200-byte prompt
    /// and a few repeated fields.
    static func lease() -> Openswarm_V1_Lease {
        var requirements = Openswarm_V1_ResourceRequirements()
        requirements.modelIDs = ["llama-3.2-3b-instruct-q4", "qwen2.5-3b-instruct-q4"]
        requirements.capabilities = ["text-generation", "summarization"]
        requirements.minMemoryMib = 6144
        requirements.minCpuCores = 4
        requirements.languages = ["en", "de"]
        requirements.minReputation = 0.75

        var generation = Openswarm_V1_GenerationParameters()
        generation.maxOutputTokens = 512
        generation.temperature = 0.2
        generation.stopSequences = ["</answer>"]

        var definition = Openswarm_V1_TaskDefinition()
        definition.type = .init(protoValue: 1)
        definition.prompt =
            String(
                repeating: "Summarise the attached incident report in three bullet points. ", count: 4
            )
            .prefix(200).description
        definition.requirements = requirements
        definition.generation = generation

        var lease = Openswarm_V1_Lease()
        lease.leaseID = "lse_01JDQ8W3M4Z7X9K2P5R6T8V0YB"
        lease.taskID = "tsk_01JDQ8W1E2F3G4H5J6K7M8N9PQ"
        lease.attemptNumber = 2
        lease.replica = 1
        var now = Google_Protobuf_Timestamp()
        now.seconds = 1_796_083_200
        now.nanos = 250_000_000
        lease.leaseTime = now
        var deadline = now
        deadline.seconds += 30
        lease.deadline = deadline
        var heartbeat = Google_Protobuf_Duration()
        heartbeat.seconds = 6
        lease.heartbeatTimeout = heartbeat
        var startToClose = Google_Protobuf_Duration()
        startToClose.seconds = 300
        lease.startToCloseTimeout = startToClose
        lease.definition = definition
        lease.swarmID = "swm_research_assistants"
        lease.dagID = "dag_01JDQ8VZZ0A1B2C3D4E5F6G7H8"
        lease.priority = .init(protoValue: 3)
        lease.tags = ["summaries", "incident", "batch-7"]
        lease.hourlyRateMicros = 1_250_000
        lease.maxPaymentMicros = 40_000
        return lease
    }

    /// A result carrying 64 KiB of model output.
    static func taskResult() -> Openswarm_V1_TaskResult {
        var result = Openswarm_V1_TaskResult()
        result.taskID = "tsk_01JDQ8W1E2F3G4H5J6K7M8N9PQ"
        result.leaseID = "lse_01JDQ8W3M4Z7X9K2P5R6T8V0YB"
        result.attemptNumber = 2
        var generator = SplitMix64(seed: 42)
        result.output = (0..<65_536).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        result.outputSha256 = (0..<32).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        result.signature = (0..<64).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        result.mediaType = "text/markdown"
        var stats = Openswarm_V1_RuntimeStats()
        var duration = Google_Protobuf_Duration()
        duration.seconds = 12
        duration.nanos = 480_000_000
        stats.duration = duration
        stats.inputTokens = 812
        stats.outputTokens = 16_384
        stats.tokensPerSecond = 1312.5
        stats.modelID = "llama-3.2-3b-instruct-q4"
        stats.runtime = "openai"
        result.stats = stats
        result.nodeID = "nod_01JDQ7Y8X9W0V1U2T3S4R5Q6P7"
        result.outputSizeBytes = 65_536
        return result
    }
}

/// A small deterministic generator so the payload is the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
