import NIOPosix
import SwarmRPC
import SwarmStore

/// Runs the store's blocking calls on threads of their own, so that they never block
/// an event loop or Swift's cooperative pool, and turns store errors into statuses.
final class StoreExecutor: Sendable {
    let store: any Store
    private let pool: NIOThreadPool

    init(store: any Store, threads: Int) {
        self.store = store
        self.pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    /// Runs `body` on a store thread; a `StoreError` becomes the matching `RPCError`.
    /// A conflict that left nothing committed (PostgreSQL deadlocks and serialization
    /// failures the engine's own retries did not absorb) is tried again, up to five
    /// times with a growing random pause, so that callers rarely see one.
    func run<T: Sendable>(_ body: @escaping @Sendable (any Store) throws(StoreError) -> T) async throws(RPCError) -> T {
        let store = self.store
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await pool.runIfActive { try body(store) }
            } catch let error as StoreError {
                if error.code == .conflict, error.commit == .notCommitted, attempt < 5 {
                    let pause = Int64.random(in: 1...(5 << attempt))
                    try? await Task.sleep(for: .milliseconds(pause))
                    continue
                }
                throw StoreStatus.rpcError(error)
            } catch let error as RPCError {
                throw error
            } catch {
                throw RPCError(.unavailable, "the coordinator is shutting down")
            }
        }
    }

    func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}

/// How store errors appear to RPC callers: a status a program can match, the store's
/// message (which names what was wrong) and its code for tools.
enum StoreStatus {
    static func rpcError(_ error: StoreError) -> RPCError {
        var metadata = Metadata()
        metadata.add("x-openswarm-error-code", error.code.rawValue)
        return RPCError(code(error.code), error.message, metadata: metadata)
    }

    static func code(_ code: StoreError.Code) -> RPCStatus.Code {
        switch code {
        case .unknownSwarm, .unknownAccount, .unknownNode, .unknownTask, .unknownLease: .notFound
        case .notLeaseHolder: .permissionDenied
        case .leaseNotActive, .leaseExpired, .insufficientFunds, .swarmBudgetExceeded, .swarmNotEmpty:
            .failedPrecondition
        case .invalidDag, .invalidArgument: .invalidArgument
        case .alreadyExists: .alreadyExists
        case .conflict, .unavailable: .unavailable
        case .corrupt, .database: .internal
        }
    }
}
