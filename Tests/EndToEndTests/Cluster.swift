import Glibc
import SwarmProto
import SwarmRPC

/// A coordinator process and worker processes on loopback, in a temporary directory,
/// driven through the `openswarm` binary built beside the tests.
final class Cluster: @unchecked Sendable {
    static var binary: String {
        let test = CommandLine.arguments[0]
        let directory = test.lastIndex(of: "/").map { String(test[..<$0]) } ?? "."
        return directory + "/openswarm"
    }

    let directory: String
    let store: String
    private(set) var coordinator: ChildProcess?
    private(set) var port = 0
    private(set) var workers: [String: ChildProcess] = [:]
    private(set) var client: RPCClient?
    private var restarts = 0
    /// How the tests' own client reaches a TLS coordinator.
    var clientTLS: TLSConfiguration?

    /// `store` nil means SQLite in the cluster's directory.
    init(store: String? = nil) throws {
        var template = Array("/tmp/openswarm-e2e-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw HarnessError("mkdtemp failed") }
        directory = String(cString: made)
        self.store = store ?? "sqlite:\(directory)/openswarm.db"
    }

    /// Starts (or restarts) the coordinator; restarts reuse the port so workers find it.
    func startCoordinator(heartbeatInterval: Double = 0.5, extra: [String] = []) async throws {
        restarts += 1
        let portFile = "\(directory)/port"
        unlink(portFile)
        coordinator = try ChildProcess(
            name: "coordinator",
            arguments: [
                Self.binary, "server", "--port", String(port), "--store", store, "--port-file", portFile,
                "--heartbeat-interval", String(heartbeatInterval),
            ] + extra,
            logPath: "\(directory)/coordinator.log")
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let text = try? TextFile.read(portFile), let bound = Int(text.trimmingNewlines) {
                port = bound
                if client == nil {
                    client = RPCClient(configuration: .init(host: "127.0.0.1", port: port, tls: clientTLS))
                }
                return
            }
            if let status = await coordinator?.wait(timeout: .milliseconds(50)) {
                throw HarnessError("the coordinator exited with \(status):\n\(coordinator?.log ?? "")")
            }
        }
        throw HarnessError("the coordinator did not start:\n\(coordinator?.log ?? "")")
    }

    /// Starts a worker process with its own state directory.
    @discardableResult
    func startWorker(_ name: String, runtimes: [String] = [], slots: Int = 4, extra: [String] = []) throws
        -> ChildProcess
    {
        var arguments = [
            Self.binary, "worker", "--coordinator", "127.0.0.1:\(port)", "--state-dir", "\(directory)/\(name)",
            "--slots", String(slots), "--name", name,
        ]
        for runtime in runtimes { arguments += ["--runtime", runtime] }
        let worker = try ChildProcess(
            name: name, arguments: arguments + extra, logPath: "\(directory)/\(name).log")
        workers[name] = worker
        return worker
    }

    func rpc() throws -> RPCClient {
        guard let client else { throw HarnessError("start the coordinator first") }
        return client
    }

    var options: CallOptions { CallOptions(timeout: .seconds(30)) }

    func mint(_ tokens: Int64, to account: String = "local") async throws {
        var request = Openswarm_V1_MintRequest()
        request.accountID = account
        request.amountMicros = tokens * 1_000_000
        _ = try await rpc().unary(Openswarm_V1_LedgerService.Method.mint, request, options: options)
    }

    func submit(_ request: Openswarm_V1_SubmitDagRequest) async throws -> Openswarm_V1_SubmitDagResponse {
        try await rpc().unary(Openswarm_V1_TaskService.Method.submitDag, request, options: options)
    }

    func tasks(dag: String) async throws -> [Openswarm_V1_Task] {
        var tasks: [Openswarm_V1_Task] = []
        var request = Openswarm_V1_ListTasksRequest()
        request.dagID = dag
        request.pageSize = 1_000
        request.view = .full
        while true {
            let page = try await rpc().unary(Openswarm_V1_TaskService.Method.listTasks, request, options: options)
            tasks += page.tasks
            guard !page.nextPageToken.isEmpty else { return tasks }
            request.pageToken = page.nextPageToken
        }
    }

    /// Waits until every task of the DAG has ended; returns them.
    func waitForDag(_ dag: String, timeout: Duration) async throws -> [Openswarm_V1_Task] {
        let deadline = ContinuousClock.now + timeout
        var tasks: [Openswarm_V1_Task] = []
        while ContinuousClock.now < deadline {
            tasks = (try? await self.tasks(dag: dag)) ?? tasks
            if !tasks.isEmpty, tasks.allSatisfy({ [.succeeded, .failed, .cancelled].contains($0.state) }) {
                return tasks
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        let counts = Dictionary(grouping: tasks, by: { "\($0.state)" }).mapValues(\.count)
        throw HarnessError("the DAG did not finish in \(timeout): \(counts)\n\(logs)")
    }

    func node(named name: String) async throws -> Openswarm_V1_Node? {
        let nodes = try await rpc().unary(
            Openswarm_V1_NodeService.Method.listNodes, Openswarm_V1_ListNodesRequest(), options: options
        ).nodes
        return nodes.first { $0.displayName == name }
    }

    /// The tail of every log, for failure messages.
    var logs: String {
        var text = "--- coordinator\n" + String((coordinator?.log ?? "").suffix(3_000))
        for (name, worker) in workers.sorted(by: { $0.key < $1.key }) {
            text += "\n--- \(name)\n" + String(worker.log.suffix(2_000))
        }
        return text
    }

    /// SIGTERM to every process (workers first); their exit codes by name.
    @discardableResult
    func stop() async -> [String: Int32?] {
        await client?.close()
        var codes: [String: Int32?] = [:]
        for (name, worker) in workers {
            await worker.stop()
            codes[name] = await worker.wait(timeout: .zero)
        }
        await coordinator?.stop()
        codes["coordinator"] = await coordinator?.wait(timeout: .zero)
        return codes
    }
}

extension String {
    var trimmingNewlines: String {
        var copy = self
        while copy.last == "\n" || copy.last == " " { copy.removeLast() }
        return copy
    }
}

/// DAG requests built in code.
enum Dags {
    static func task(
        _ name: String, prompt: String = "", input: String = "", capability: String = "echo",
        dependsOn: [String] = [], replicas: UInt32 = 1, quorum: UInt32 = 0, maxAttempts: UInt32? = nil
    ) -> Openswarm_V1_DagTask {
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
            redundancy.quorum = quorum
            spec.redundancy = redundancy
        }
        var retry = Openswarm_V1_RetryPolicy()
        var interval = Google_Protobuf_Duration()
        interval.nanos = 100_000_000
        retry.initialInterval = interval
        retry.maximumAttempts = maxAttempts ?? 5
        spec.retryPolicy = retry
        var task = Openswarm_V1_DagTask()
        task.name = name
        task.spec = spec
        task.dependsOn = dependsOn
        return task
    }

    static func request(_ tasks: [Openswarm_V1_DagTask], name: String = "e2e") -> Openswarm_V1_SubmitDagRequest {
        var request = Openswarm_V1_SubmitDagRequest()
        request.name = name
        request.tasks = tasks
        return request
    }
}
