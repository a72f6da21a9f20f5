import Foundation
import SwarmCore
import SwarmStore

/// An SQLite store in a file of its own with the default swarm and a funded account
/// `alice`, for the store executor's tests; closed and removed with its WAL at the end.
final class ExecutorStore {
    static let now = Instant(millisecondsSinceEpoch: 1_000_000)
    let store: DurableStore
    private let path: String

    init(funds: Int64 = 1_000_000) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("executor-\(UUID()).db").path
        store = try DurableStore.sqlite(path: path)
        try store.createSwarm(SwarmPolicy(id: "default"))
        try store.createAccount(Account(id: "alice", kind: .user, owner: "alice"))
        try store.mint(funds, to: "alice", now: Self.now)
    }

    deinit {
        store.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// A one-task submission by `alice` escrowing `cost`.
    static func submission(_ index: Int, cost: Int64 = 1_000) -> SubmitParams {
        SubmitParams(
            task: TaskSpec(prompt: "p\(index)", maxCostMicros: cost), submitter: "alice", account: "alice", now: now)
    }
}
