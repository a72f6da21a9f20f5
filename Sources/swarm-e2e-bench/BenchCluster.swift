import Foundation
import SwarmProto
import SwarmRPC

/// A coordinator and worker processes started from the release `openswarm` binary,
/// each with its log in the work directory.
final class BenchCluster {
    let binary: String
    let directory: String
    let store: String
    private var processes: [Process] = []
    private(set) var port = 0
    private(set) var client: RPCClient?

    init(binary: String, directory: String, store: String) {
        self.binary = binary
        self.directory = directory
        self.store = store
    }

    func start(workers: Int, slots: Int) async throws {
        let portFile = directory + "/port"
        try launch(
            "coordinator",
            [
                "server", "--port", "0", "--port-file", portFile, "--store", store,
                "--log-level", "warning",
            ])
        for _ in 0..<300 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
                let bound = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                port = bound
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard port != 0 else { throw BenchFailure("the coordinator did not start; see \(directory)/coordinator.log") }
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port))
        self.client = client
        for index in 1...workers {
            try launch(
                "worker-\(index)",
                [
                    "worker", "--coordinator", "127.0.0.1:\(port)", "--state-dir", "\(directory)/worker-\(index)",
                    "--name", "worker-\(index)", "--account", "wallet-\(index)", "--slots", String(slots),
                    "--log-level", "warning",
                ])
        }
        for _ in 0..<300 {
            let nodes = try await client.unary(
                Openswarm_V1_NodeService.Method.listNodes, Openswarm_V1_ListNodesRequest(), options: options)
            if nodes.nodes.filter({ $0.status == .online }).count >= workers { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchFailure("the workers did not register; see \(directory)/worker-*.log")
    }

    var options: CallOptions { CallOptions(timeout: .seconds(120)) }

    func rpc() throws -> RPCClient {
        guard let client else { throw BenchFailure("the cluster is not started") }
        return client
    }

    private func launch(_ name: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let log = directory + "/\(name).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        processes.append(process)
    }

    /// CPU seconds (user and system) used so far by the coordinator and by all the
    /// workers, from /proc: what a task costs each side, steadier than a rate on a
    /// shared machine. Nil where /proc cannot be read.
    func cpuSeconds() -> (coordinator: Double, workers: Double)? {
        guard let coordinator = processes.first,
            let own = Self.cpuSeconds(of: coordinator.processIdentifier)
        else { return nil }
        var workers = 0.0
        for worker in processes.dropFirst() {
            guard let used = Self.cpuSeconds(of: worker.processIdentifier) else { return nil }
            workers += used
        }
        return (own, workers)
    }

    /// utime + stime of a process (fields 14 and 15 of /proc/PID/stat, after the
    /// parenthesised command name, which may contain spaces).
    private static func cpuSeconds(of pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3); utime and stime are fields 14 and 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func stop() async {
        await client?.close()
        for process in processes.reversed() where process.isRunning { process.terminate() }
        for process in processes {
            for _ in 0..<500 where process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
