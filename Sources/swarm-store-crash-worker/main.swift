// A separate process that leases and completes tasks, for the store's multi-process tests.
//
//   swarm-store-crash-worker sqlite|postgres LOCATION NOW_MILLISECONDS
//   swarm-store-crash-worker drain sqlite|postgres LOCATION NOW_MILLISECONDS NODE BATCH
//
// The first form is the process the crash-safety test kills with SIGKILL at random
// points: it opens the store at LOCATION (a SQLite path or a PostgreSQL URL) and leases
// and completes tasks for node n1 until it is killed, some results one at a time, some
// in batches, so that kills land inside both kinds of commit. It exits non-zero only
// when the store cannot be opened or leased from at all.
//
// `drain` is one of the coordinators of the multi-process concurrency test: it leases up
// to BATCH tasks at a time for NODE and reports them all done in one `report`, until no
// task is left unfinished (another process may still hold some: it waits for them).
// It prints `drained N` (the tasks it completed) and exits 0, or exits 5 after printing
// the first refused report or store error: a refused report would mean it was handed an
// attempt that was not its own to report.
import SwarmCore
import SwarmStore

#if canImport(Glibc)
    import Glibc
#endif

func open(_ engine: String, _ location: String, seed: UInt64) -> DurableStore {
    // The same settings as the tests that start it (no adaptive replication).
    let configuration = DurableStore.Configuration(adaptive: .disabled, seed: seed)
    let opened: DurableStore?
    switch engine {
    case "sqlite": opened = try? DurableStore.sqlite(path: location, configuration: configuration)
    case "postgres": opened = try? DurableStore.postgres(url: location, poolSize: 1, configuration: configuration)
    default: opened = nil
    }
    guard let store = opened else {
        print("swarm-store-crash-worker: cannot open \(engine) store at \(location)")
        exit(3)
    }
    return store
}

func crashLoop(_ store: DurableStore, now: Instant) -> Never {
    while true {
        guard let leases = try? store.lease(LeaseParams(node: "n1", maxTasks: 16, now: now)) else { exit(4) }
        if leases.isEmpty { usleep(1_000) }
        for (index, lease) in leases.enumerated() where index % 2 == 0 {
            _ = try? store.complete(
                CompleteParams(lease: lease.id, node: "n1", result: TaskResult(text: "ok"), now: now))
        }
        _ = try? store.report(
            leases.map {
                .completed(CompleteParams(lease: $0.id, node: "n1", result: TaskResult(text: "ok"), now: now))
            }
        )
    }
}

func drain(_ store: DurableStore, node: NodeID, batch: Int, now: Instant) -> Never {
    var done = 0
    do throws(StoreError) {
        while true {
            let leases = try store.lease(LeaseParams(node: node, maxTasks: batch, now: now))
            if leases.isEmpty {
                if try !store.taskCounts().keys.contains(where: { !$0.isTerminal }) { break }
                usleep(1_000)
                continue
            }
            let results = try store.report(
                leases.map {
                    .completed(CompleteParams(lease: $0.id, node: node, result: TaskResult(text: "ok"), now: now))
                })
            for (lease, result) in zip(leases, results) {
                if case .failure(let error) = result {
                    print("swarm-store-crash-worker: report on lease \(lease.id) refused: \(error)")
                    exit(5)
                }
            }
            done += leases.count
        }
    } catch {
        print("swarm-store-crash-worker: \(error)")
        exit(5)
    }
    print("drained \(done)")
    exit(0)
}

let arguments = CommandLine.arguments
if arguments.count == 7, arguments[1] == "drain", let millis = Int64(arguments[4]), let batch = Int(arguments[6]) {
    let store = open(arguments[2], arguments[3], seed: UInt64(getpid()))
    drain(store, node: NodeID(arguments[5]), batch: batch, now: Instant(millisecondsSinceEpoch: millis))
}
guard arguments.count == 4, let millis = Int64(arguments[3]) else {
    print("usage: swarm-store-crash-worker sqlite|postgres LOCATION NOW_MILLISECONDS")
    print("       swarm-store-crash-worker drain sqlite|postgres LOCATION NOW_MILLISECONDS NODE BATCH")
    exit(2)
}
crashLoop(open(arguments[1], arguments[2], seed: UInt64(getpid())), now: Instant(millisecondsSinceEpoch: millis))
