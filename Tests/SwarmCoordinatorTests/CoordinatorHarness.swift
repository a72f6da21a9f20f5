import Foundation
import Glibc
import SwarmCoordinator
import SwarmCore
import SwarmCrypto
import SwarmProto
import SwarmRPC
import Testing

/// A coordinator on a temporary SQLite file and port 0, and clients that act as
/// registered nodes, for tests over real gRPC on loopback.
final class CoordinatorHarness: @unchecked Sendable {
    let coordinator: Coordinator
    let client: RPCClient
    let directory: String

    init(configure: (inout CoordinatorConfiguration) -> Void = { _ in }) async throws {
        var template = Array("/tmp/openswarm-coordinator-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CLIHarnessError("mkdtemp failed") }
        directory = String(cString: made)
        var configuration = CoordinatorConfiguration()
        configuration.port = 0
        configuration.store = "sqlite:\(directory)/store.db"
        configuration.heartbeatInterval = .milliseconds(200)
        configuration.missedHeartbeats = 3
        configure(&configuration)
        coordinator = try await Coordinator.start(configuration)
        client = RPCClient(configuration: .init(host: "127.0.0.1", port: coordinator.port))
    }

    /// Stops the coordinator and removes its directory (the store).
    func stop() async {
        await client.close()
        await coordinator.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func options(key: String? = nil, timeout: Duration = .seconds(10)) -> CallOptions {
        var options = CallOptions(timeout: timeout)
        if let key { options.metadata.add("authorization", "Bearer \(key)") }
        return options
    }

    /// Registers a node with the given capabilities; returns it with its credentials.
    func registerNode(
        _ name: String, capabilities: [String] = ["echo"], slots: UInt32 = 4, key: String? = nil
    ) async throws -> TestNode {
        let signing = try Ed25519PrivateKey()
        var request = Openswarm_V1_RegisterNodeRequest()
        request.displayName = name
        request.publicKey = signing.publicKey.rawRepresentation
        request.accountID = "wallet-\(name)"
        var caps = Openswarm_V1_NodeCapabilities()
        caps.capabilities = capabilities
        caps.maxConcurrentTasks = slots
        request.capabilities = caps
        let response = try await client.unary(
            Openswarm_V1_NodeService.Method.registerNode, request, options: options(key: key))
        return TestNode(id: response.nodeID, credential: response.nodeCredential, key: signing, client: client)
    }

    func mint(_ tokens: Int64, to account: String = "local") async throws {
        var request = Openswarm_V1_MintRequest()
        request.accountID = account
        request.amountMicros = tokens * 1_000_000
        _ = try await client.unary(Openswarm_V1_LedgerService.Method.mint, request, options: options())
    }

    func submit(prompt: String = "", input: String = "", capability: String = "echo", replicas: UInt32 = 1)
        async throws -> String
    {
        var definition = Openswarm_V1_TaskDefinition()
        definition.prompt = prompt
        definition.input = Array(input.utf8)
        var requirements = Openswarm_V1_ResourceRequirements()
        requirements.capabilities = [capability]
        definition.requirements = requirements
        var spec = Openswarm_V1_TaskSpec()
        spec.definition = definition
        if replicas > 1 {
            var redundancy = Openswarm_V1_Redundancy()
            redundancy.replicas = replicas
            spec.redundancy = redundancy
        }
        var request = Openswarm_V1_SubmitTaskRequest()
        request.task = spec
        let response = try await client.unary(Openswarm_V1_TaskService.Method.submitTask, request, options: options())
        return response.task?.id ?? ""
    }

    func task(_ id: String) async throws -> Openswarm_V1_Task {
        var request = Openswarm_V1_GetTaskRequest()
        request.taskID = id
        return try await client.unary(Openswarm_V1_TaskService.Method.getTask, request, options: options()).task
            ?? Openswarm_V1_Task()
    }
}

/// A registered node speaking the worker control plane by hand.
struct TestNode: Sendable {
    let id: String
    let credential: String
    let key: Ed25519PrivateKey
    let client: RPCClient

    var options: CallOptions {
        var options = CallOptions(timeout: .seconds(10))
        options.metadata.add("x-openswarm-node-id", id)
        options.metadata.add("authorization", "Bearer \(credential)")
        return options
    }

    /// Long-polls for work; like a real agent it keeps heartbeating meanwhile (a long
    /// poll alone is no sign of life: a hung node may have one open).
    func lease(max: UInt32 = 1, wait: Duration = .zero) async throws -> [Openswarm_V1_Lease] {
        var request = Openswarm_V1_LeaseTasksRequest()
        request.maxTasks = max
        request.maxWait = Google_Protobuf_Duration(wait)
        let heartbeats = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                _ = try? await heartbeat([])
            }
        }
        defer { heartbeats.cancel() }
        return try await client.unary(Openswarm_V1_WorkerService.Method.leaseTasks, request, options: options).leases
    }

    func result(for lease: Openswarm_V1_Lease, output: String, signWith signer: Ed25519PrivateKey? = nil) throws
        -> Openswarm_V1_TaskResult
    {
        var result = Openswarm_V1_TaskResult()
        result.taskID = lease.taskID
        result.leaseID = lease.leaseID
        result.attemptNumber = lease.attemptNumber
        result.output = Array(output.utf8)
        result.outputSha256 = SHA256Digest.hash(result.output)
        result.signature = try ResultSignature.sign(
            taskID: lease.taskID, attemptNumber: lease.attemptNumber, outputSHA256: result.outputSha256,
            key: signer ?? key)
        return result
    }

    func report(_ results: [Openswarm_V1_TaskResult], batchSignature: [UInt8] = []) async throws
        -> [Openswarm_V1_ReportAck]
    {
        var request = Openswarm_V1_ReportResultsRequest()
        request.results = results
        request.batchSignature = batchSignature
        return try await client.unary(Openswarm_V1_WorkerService.Method.reportResults, request, options: options).acks
    }

    /// Reports results and asks, in the same call, for up to `max` more leases.
    func reportAndLease(_ results: [Openswarm_V1_TaskResult], max: UInt32) async throws
        -> Openswarm_V1_ReportResultsResponse
    {
        var request = Openswarm_V1_ReportResultsRequest()
        request.results = results
        request.leaseMaxTasks = max
        return try await client.unary(Openswarm_V1_WorkerService.Method.reportResults, request, options: options)
    }

    func heartbeat(_ leases: [Openswarm_V1_Lease], percent: Double = 0, step: String = "") async throws
        -> Openswarm_V1_HeartbeatResponse
    {
        var request = Openswarm_V1_HeartbeatRequest()
        request.status = .online
        request.leases = leases.map { lease in
            var progress = Openswarm_V1_LeaseProgress()
            progress.leaseID = lease.leaseID
            progress.taskID = lease.taskID
            progress.attemptNumber = lease.attemptNumber
            progress.progressPercent = percent
            progress.currentStep = step
            return progress
        }
        return try await client.unary(Openswarm_V1_WorkerService.Method.heartbeat, request, options: options)
    }
}

extension Google_Protobuf_Duration {
    init(_ duration: Duration) {
        self.init()
        let (seconds, attoseconds) = duration.components
        self.seconds = seconds
        self.nanos = Int32(attoseconds / 1_000_000_000)
    }
}

struct CLIHarnessError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
