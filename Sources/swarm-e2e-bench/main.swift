import CJemalloc
import Foundation
import SwarmStore

// `make bench`, end to end: 100,000 no-op (echo) tasks submitted in DAG batches through
// a coordinator process and run by two worker processes over loopback gRPC, on SQLite
// and on PostgreSQL; then single-task latency on an idle system. Targets (issue 5):
// >= 20,000 tasks/s on SQLite, >= 8,000 on PostgreSQL, submit-to-result p50 < 1 ms and
// p99 < 3 ms.
//
// Usage: swarm-e2e-bench PATH_TO_OPENSWARM. Environment: OPENSWARM_BENCH_TASKS (default
// 100000), OPENSWARM_BENCH_POSTGRES_URL or OPENSWARM_TEST_POSTGRES_URL (PostgreSQL is
// skipped, saying so, without either), OPENSWARM_BENCH_SLOTS (per worker, default 64),
// OPENSWARM_BENCH_LATENCY_SAMPLES (default 2000: with 200, the p99 was the second-worst
// sample, and moved by half a millisecond between runs).

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write("usage: swarm-e2e-bench PATH_TO_OPENSWARM\n".data(using: .utf8) ?? Data())
    exit(2)
}
let binary = arguments[1]
let environment = ProcessInfo.processInfo.environment
let total = Int(environment["OPENSWARM_BENCH_TASKS"] ?? "") ?? 100_000
// PostgreSQL runs slow down as the tasks table grows (dead index entries at the front of
// the queue index until vacuum); its default size keeps `make bench` within minutes.
let postgresTotal = Int(environment["OPENSWARM_BENCH_PG_TASKS"] ?? "") ?? min(total, 20_000)
let slots = Int(environment["OPENSWARM_BENCH_SLOTS"] ?? "") ?? 64
let latencySamples = Int(environment["OPENSWARM_BENCH_LATENCY_SAMPLES"] ?? "") ?? 2_000
// An empty variable counts as unset, as in swarm-store-bench.
let postgres = [environment["OPENSWARM_BENCH_POSTGRES_URL"], environment["OPENSWARM_TEST_POSTGRES_URL"]]
    .compactMap { $0 }.first { !$0.isEmpty }

func workDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "openswarm-e2e-bench-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func freshPostgresSchema(_ url: String) throws -> String {
    let schema = "bench\(UInt32.random(in: 0...UInt32.max))"
    let psql = Process()
    psql.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
    psql.arguments = [url, "-q", "-c", "CREATE SCHEMA \(schema)"]
    try psql.run()
    psql.waitUntilExit()
    guard psql.terminationStatus == 0 else { throw BenchFailure("psql could not create a schema") }
    return url + (url.contains("?") ? "&" : "?") + "options=-c%20search_path%3D\(schema)"
}

func format(_ value: Double) -> String { String(format: "%.2f", value) }

let allocator = cjemalloc_active_version().map { "jemalloc " + String(cString: $0) } ?? "glibc malloc"
print("== end to end: echo tasks, 2 worker processes × \(slots) slots, loopback gRPC (this client on \(allocator))")
var engines: [(String, String, Double, Int)] = []
let sqliteDirectory = try workDirectory()
engines.append(("SQLite", "sqlite:\(sqliteDirectory)/openswarm.db", 20_000, total))
if let postgres {
    engines.append(("PostgreSQL", try freshPostgresSchema(postgres), 8_000, postgresTotal))
} else {
    print("PostgreSQL: skipped (set OPENSWARM_BENCH_POSTGRES_URL, or run through make bench)")
}

// Work directories (the SQLite database, logs) are removed after a run that succeeded;
// a failed run keeps its own for the logs it names.
var failed = false
for (name, store, target, count) in engines {
    let cluster = BenchCluster(binary: binary, directory: try workDirectory(), store: store)
    var succeeded = false
    do {
        try await cluster.start(workers: 2, slots: slots)
        let cpuBefore = cluster.cpuSeconds()
        let rate = try await Measurements.throughput(cluster, total: count, batch: 1_000)
        var cost = ""
        if let before = cpuBefore, let after = cluster.cpuSeconds() {
            let perTask = { (seconds: Double) in Int((seconds / Double(count) * 1e6).rounded()) }
            cost =
                "; CPU a task: coordinator \(perTask(after.coordinator - before.coordinator)) µs,"
                + " workers \(perTask(after.workers - before.workers)) µs"
        }
        print(
            "\(name), \(count) tasks: \(Int(rate)) tasks/s (target \(Int(target)); ratio \(format(rate / target))\(cost))"
        )
        if name == "SQLite" {
            let cpuBefore = cluster.cpuSeconds()
            let (start, result) = try await Measurements.latency(cluster, samples: latencySamples)
            var cost = ""
            if let before = cpuBefore, let after = cluster.cpuSeconds() {
                let perTask = { (seconds: Double) in Int((seconds / Double(result.count) * 1e6).rounded()) }
                cost =
                    "; CPU a task: coordinator \(perTask(after.coordinator - before.coordinator)) µs,"
                    + " workers \(perTask(after.workers - before.workers)) µs"
            }
            print(
                "single task, idle (\(result.count) samples): submit-to-start p50 \(format(Measurements.percentile(start, 0.5))) ms"
                    + " p99 \(format(Measurements.percentile(start, 0.99))) ms (server clock, whole ms: lease time minus create time, 0 when the submission"
                    + " leased the task to a waiting worker in its own transaction);"
                    + " submit-to-result p50 \(format(Measurements.percentile(result, 0.5))) ms"
                    + " p99 \(format(Measurements.percentile(result, 0.99))) ms (targets < 1 and < 3 ms\(cost))")
        }
        succeeded = true
    } catch {
        print("\(name): failed: \(error) (logs in \(cluster.directory))")
        failed = true
    }
    await cluster.stop()
    if succeeded { try? FileManager.default.removeItem(atPath: cluster.directory) }
}
if !failed { try? FileManager.default.removeItem(atPath: sqliteDirectory) }
