import ArgumentParser
import Foundation
import SwarmProto
import Yams

/// `openswarm submit`: one task from flags, or a DAG from a YAML or JSON file.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit one task, or a DAG from a YAML or JSON file.",
        discussion: """
            A DAG file is a SubmitDagRequest in proto3 JSON (or the same structure in YAML):
              name: mapreduce
              tasks:
                - name: count
                  spec: {definition: {prompt: "…", requirements: {capabilities: [echo]}}}
                - name: total
                  dependsOn: [count]
                  spec: {definition: {prompt: "sum of {{ tasks.count.output }}"}}
            See ops/examples/ for complete files.
            """)

    @OptionGroup var client: ClientOptions
    @Argument(help: "A DAG file (.yaml, .yml or .json); omit to submit one task from the flags.")
    var file: String?
    @Option(help: "The prompt of a single task.")
    var prompt: String?
    @Option(help: "Raw input of a single task (echo, sha256, exec stdin).")
    var input: String?
    @Option(name: .customLong("capability"), help: "A capability the node needs, e.g. echo; repeatable.")
    var capabilities: [String] = []
    @Option(name: .customLong("model"), help: "A model the task can run on; repeatable.")
    var models: [String] = []
    @Option(help: "Replicas to run (redundancy).")
    var replicas: UInt32?
    @Option(help: "Agreeing results needed (default a majority of replicas).")
    var quorum: UInt32?
    @Option(help: "Most the task may cost, in micro-tokens.")
    var maxCost: Int64?
    @Option(help: "Swarm to run in (default the coordinator's).")
    var swarm: String?
    @Flag(help: "Print the answer as JSON.")
    var json = false

    func run() async throws {
        if let file {
            let request = try Self.loadDag(file, swarm: swarm)
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(Openswarm_V1_TaskService.Method.submitDag, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            let dag = response.dag ?? Openswarm_V1_Dag()
            print("dag \(dag.id): \(dag.tasks.count) tasks, \(Money.format(response.escrowedMicros)) escrowed")
            for task in dag.tasks { print("  \(task.taskID)  \(task.name)") }
            return
        }
        guard prompt != nil || input != nil else {
            throw ValidationError("give a DAG file, or --prompt and/or --input for one task")
        }
        var definition = Openswarm_V1_TaskDefinition()
        definition.prompt = prompt ?? ""
        definition.input = Array((input ?? "").utf8)
        var requirements = Openswarm_V1_ResourceRequirements()
        requirements.capabilities = capabilities
        requirements.modelIDs = models
        definition.requirements = requirements
        var spec = Openswarm_V1_TaskSpec()
        spec.definition = definition
        spec.swarmID = swarm ?? ""
        spec.maxCostMicros = maxCost
        if replicas != nil || quorum != nil {
            var redundancy = Openswarm_V1_Redundancy()
            redundancy.replicas = replicas ?? 1
            redundancy.quorum = quorum ?? 0
            spec.redundancy = redundancy
        }
        var request = Openswarm_V1_SubmitTaskRequest()
        request.task = spec
        let response = try await ClientCall.run(client) { rpc in
            try await rpc.unary(Openswarm_V1_TaskService.Method.submitTask, request, options: client.options())
        }
        if json { return print(response.jsonString()) }
        let task = response.task ?? Openswarm_V1_Task()
        print(
            "task \(task.id): \(TaskText.state(task.state)), \(Money.format(task.costs?.escrowedMicros ?? 0)) escrowed")
    }

    /// Reads a DAG file: JSON as is, YAML converted to the same JSON structure.
    static func loadDag(_ path: String, swarm: String?) throws -> Openswarm_V1_SubmitDagRequest {
        let bytes = try FileBytes.read(path)
        var json = bytes
        let lower = path.lowercased()
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") {
            let text = String(decoding: bytes, as: UTF8.self)
            let value: Any?
            do { value = try Yams.load(yaml: text) } catch { throw CLIError("\(path) is not valid YAML: \(error)") }
            guard let value, JSONSerialization.isValidJSONObject(value) else {
                throw CLIError("\(path) must hold a mapping with `tasks`")
            }
            json = Array(try JSONSerialization.data(withJSONObject: value))
        }
        var request: Openswarm_V1_SubmitDagRequest
        do { request = try Openswarm_V1_SubmitDagRequest(jsonUTF8Bytes: json) } catch {
            throw CLIError("\(path): \(error)")
        }
        if let swarm { request.swarmID = swarm }
        return request
    }
}

/// Micro-token amounts for people: 1 token = 1,000,000 micro-tokens.
enum Money {
    static func format(_ micros: Int64) -> String {
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        let whole = magnitude / 1_000_000
        let fraction = magnitude % 1_000_000
        var text = "\(sign)\(whole)"
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 6 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + " tokens"
    }
}

/// Short spellings of wire enums for terminal output.
enum TaskText {
    static func state(_ state: Openswarm_V1_TaskState) -> String {
        switch state {
        case .pending: "pending"
        case .ready: "ready"
        case .leased: "leased"
        case .running: "running"
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .cancelled: "cancelled"
        case .unspecified, .unrecognized: "unknown"
        }
    }

    static func isTerminal(_ state: Openswarm_V1_TaskState) -> Bool {
        state == .succeeded || state == .failed || state == .cancelled
    }

    /// An enum value's wire name without its type prefix, lower case:
    /// ATTEMPT_STATE_COMPLETED is "completed".
    static func name<E: ProtoEnum>(_ value: E) -> String {
        guard let full = value.protoName else { return "unknown" }
        var typePrefix = ""
        for character in E.protoEnumName.split(separator: ".").last ?? "" {
            if character.isUppercase, !typePrefix.isEmpty { typePrefix += "_" }
            typePrefix += character.uppercased()
        }
        let short = full.hasPrefix(typePrefix + "_") ? String(full.dropFirst(typePrefix.count + 1)) : full
        return short.lowercased()
    }

    /// The canonical output as text when it is UTF-8, else its size.
    static func output(_ task: Openswarm_V1_Task) -> String? {
        guard let result = task.outcome?.canonicalResult else { return nil }
        if let text = String(validating: result.output, as: UTF8.self) { return text }
        return "<\(result.output.count) bytes>"
    }
}
