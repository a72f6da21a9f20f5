import Foundation
import SwarmCore
import SwarmProto
import SwarmRPC
import SwarmStore

enum Measurements {
    /// Submits `total` echo tasks as DAGs of `batch` independent tasks (a few in flight)
    /// and waits until every one has succeeded: tasks per second, submission included.
    ///
    /// The end is watched through the last DAG submitted (the queue runs in submission
    /// order), counted through the DAG index every 20 ms; only once it is done are all
    /// tasks counted, which reads the whole table. Counting all of them every 100 ms, as
    /// before, cost this process a fifth of a core (the scan, through the WAL) beside
    /// the cluster it measures, on a two-core machine.
    static func throughput(_ cluster: BenchCluster, total: Int, batch: Int) async throws -> Double {
        let rpc = try cluster.rpc()
        let options = cluster.options
        var mint = Openswarm_V1_MintRequest()
        mint.accountID = "local"
        mint.amountMicros = 1_000_000_000_000
        _ = try await rpc.unary(Openswarm_V1_LedgerService.Method.mint, mint, options: cluster.options)
        let started = ContinuousClock.now
        let batches = (total + batch - 1) / batch
        var lastDag: (id: String, count: Int)?
        try await withThrowingTaskGroup(of: (index: Int, id: String, count: Int).self) { group in
            var next = 0
            func submitNext() {
                let index = next
                next += 1
                group.addTask {
                    let count = min(batch, total - index * batch)
                    let response = try await rpc.unary(
                        Openswarm_V1_TaskService.Method.submitDag, dag(index, count: count), options: options)
                    return (index, response.dag?.id ?? "", count)
                }
            }
            for _ in 0..<min(4, batches) { submitNext() }
            while let submitted = try await group.next() {
                if submitted.index == batches - 1 { lastDag = (submitted.id, submitted.count) }
                if next < batches { submitNext() }
            }
        }
        let store = try DurableStore.open(cluster.store)
        defer { store.close() }
        if let lastDag {
            while true {
                let counts = try store.taskCounts(inDag: DagID(lastDag.id))
                let ended = (counts[.succeeded] ?? 0) + (counts[.failed] ?? 0) + (counts[.cancelled] ?? 0)
                if ended >= lastDag.count { break }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        while true {
            let counts = try store.taskCounts()
            let ended = (counts[.succeeded] ?? 0) + (counts[.failed] ?? 0) + (counts[.cancelled] ?? 0)
            if ended >= total {
                guard (counts[.succeeded] ?? 0) == total else {
                    throw BenchFailure("not every task succeeded: \(counts)")
                }
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let elapsed = ContinuousClock.now - started
        return Double(total) / elapsed.seconds
    }

    /// Single tasks on an otherwise idle system, one after another: submit-to-start
    /// (the coordinator's lease time minus its create time, in whole milliseconds) and
    /// submit-to-result (client clock, from sending SubmitTask to WatchTask reporting
    /// success), in milliseconds.
    static func latency(_ cluster: BenchCluster, samples: Int) async throws -> (start: [Double], result: [Double]) {
        let rpc = try cluster.rpc()
        var start: [Double] = []
        var result: [Double] = []
        for index in 0..<samples {
            var request = Openswarm_V1_SubmitTaskRequest()
            request.task = dag(index, count: 1).tasks[0].spec
            let sent = ContinuousClock.now
            let submitted = try await rpc.unary(
                Openswarm_V1_TaskService.Method.submitTask, request, options: cluster.options)
            var watch = Openswarm_V1_WatchTaskRequest()
            watch.taskID = submitted.task?.id ?? ""
            // The watch ends by itself at the task's end; read it to its end, as a
            // resetting client would count against the server's rapid-reset limit.
            let (final, elapsed) = try await rpc.serverStreaming(
                Openswarm_V1_TaskService.Method.watchTask, watch, options: cluster.options
            ) { stream -> (Openswarm_V1_Task?, Duration) in
                var final: (Openswarm_V1_Task?, Duration) = (nil, .zero)
                for try await update in stream where update.task?.state == .succeeded {
                    final = (update.task, ContinuousClock.now - sent)
                }
                return final
            }
            guard let final else { throw BenchFailure("task \(watch.taskID) did not succeed") }
            result.append(elapsed.seconds * 1000)
            if let leased = final.attempts.first?.leaseTime, let created = final.createTime {
                start.append(Double(milliseconds(leased) - milliseconds(created)))
            }
        }
        return (start, result)
    }

    static func dag(_ index: Int, count: Int) -> Openswarm_V1_SubmitDagRequest {
        var request = Openswarm_V1_SubmitDagRequest()
        request.name = "bench-\(index)"
        request.tasks = (0..<count).map { number in
            var definition = Openswarm_V1_TaskDefinition()
            definition.input = Array("task \(index).\(number)".utf8)
            var requirements = Openswarm_V1_ResourceRequirements()
            requirements.capabilities = ["echo"]
            definition.requirements = requirements
            var spec = Openswarm_V1_TaskSpec()
            spec.definition = definition
            var task = Openswarm_V1_DagTask()
            task.name = "t\(number)"
            task.spec = spec
            return task
        }
        return request
    }

    static func milliseconds(_ stamp: Google_Protobuf_Timestamp) -> Int64 {
        stamp.seconds * 1000 + Int64(stamp.nanos / 1_000_000)
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
    }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}

extension DurableStore {
    static func open(_ url: String) throws -> DurableStore {
        if url.hasPrefix("sqlite:") { return try .sqlite(path: String(url.dropFirst("sqlite:".count))) }
        return try .postgres(url: url, poolSize: 1)
    }
}
