// The process the store's crash-safety test kills with SIGKILL at random points.
//
//   swarm-store-crash-worker sqlite|postgres LOCATION NOW_MILLISECONDS
//
// It opens the store at LOCATION (a SQLite path or a PostgreSQL URL) and leases and
// completes tasks for node n1 until it is killed: some results one at a time, some in
// batches, so that kills land inside both kinds of commit. It exits non-zero only when
// the store cannot be opened or leased from at all.
import SwarmCore
import SwarmStore

#if canImport(Glibc)
    import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count == 4, let millis = Int64(arguments[3]) else {
    print("usage: swarm-store-crash-worker sqlite|postgres LOCATION NOW_MILLISECONDS")
    exit(2)
}
let now = Instant(millisecondsSinceEpoch: millis)
// The same settings as the test that starts it (no adaptive replication).
let configuration = DurableStore.Configuration(adaptive: .disabled, seed: UInt64(getpid()))
let opened: DurableStore?
switch arguments[1] {
case "sqlite": opened = try? DurableStore.sqlite(path: arguments[2], configuration: configuration)
case "postgres": opened = try? DurableStore.postgres(url: arguments[2], poolSize: 1, configuration: configuration)
default: opened = nil
}
guard let store = opened else {
    print("swarm-store-crash-worker: cannot open \(arguments[1]) store at \(arguments[2])")
    exit(3)
}
while true {
    guard let leases = try? store.lease(LeaseParams(node: "n1", maxTasks: 16, now: now)) else { exit(4) }
    if leases.isEmpty { usleep(1_000) }
    for (index, lease) in leases.enumerated() where index % 2 == 0 {
        _ = try? store.complete(CompleteParams(lease: lease.id, node: "n1", result: TaskResult(text: "ok"), now: now))
    }
    _ = try? store.report(
        leases.map { .completed(CompleteParams(lease: $0.id, node: "n1", result: TaskResult(text: "ok"), now: now)) })
}
