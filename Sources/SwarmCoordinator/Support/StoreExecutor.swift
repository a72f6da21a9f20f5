import NIOPosix
import SwarmRPC
import SwarmStore
import Synchronization

/// Runs the store's blocking calls on threads of their own, so that they never block
/// an event loop or Swift's cooperative pool, and turns store errors into statuses.
///
/// Calls that arrive while the store threads are busy wait in a queue; a free thread
/// takes the calls queued (up to `maxGroup`) and runs them as one group (`Store.group`):
/// one transaction, each call in a savepoint of its own, one durable commit for them
/// all. Under load a commit (an fsync on SQLite) then serves many calls; alone, a call
/// runs as its own transaction. A caller resumes only after its group committed.
///
/// For SQLite (one connection, one writer) this is the way to share an fsync. PostgreSQL
/// already shares WAL flushes between concurrent commits, and its connections work in
/// parallel; one big transaction there only serialises them (e2e 2,500 -> 1,700 tasks/s
/// with groups of 64), so it runs with `maxGroup` 1.
///
/// With `runsInlineWhenIdle` (SQLite), a call that finds the store idle runs on its
/// caller's thread instead: nothing to group it with, and the two thread hops it saves
/// (to a store thread and back, each a wake-up of a sleeping thread) cost more than the
/// call's own statements. On an idle two-core machine a single task made five store
/// calls and ~30 thread switches in the coordinator (1.2-1.3 ms of CPU). Calls that
/// arrive meanwhile queue as before, and the inline caller hands them to a store
/// thread when it is done, so under load everything is grouped as before.
final class StoreExecutor: Sendable {
    let store: any Store
    private let pool: NIOThreadPool
    private let threads: Int
    /// The most calls one group commits together: it bounds how long a group's
    /// transaction holds its locks and how long its first caller waits.
    private let maxGroup: Int
    private let runsInlineWhenIdle: Bool
    private let queue = Mutex(Queue())

    private struct Queue {
        var jobs: [Job] = []
        /// Store threads draining the queue, and an inline caller running its call.
        var drainers = 0
        var stopping = false
    }

    /// One call: `execute` runs it inside a group and keeps its result; `complete`
    /// resumes its caller with that result, or with the group's failure.
    private struct Job: Sendable {
        let execute: @Sendable (any Store) -> Void
        let complete: @Sendable (StoreError?) -> Void
    }

    init(store: any Store, threads: Int, maxGroup: Int, runsInlineWhenIdle: Bool = false) {
        self.store = store
        self.threads = max(1, threads)
        self.maxGroup = max(1, maxGroup)
        self.runsInlineWhenIdle = runsInlineWhenIdle
        self.pool = NIOThreadPool(numberOfThreads: self.threads)
        pool.start()
    }

    /// Runs `body` on a store thread, or inline when the store is idle and `mayRunInline`
    /// (false for calls long enough to hold up the caller's event loop, such as a large
    /// DAG's submission); a `StoreError` becomes the matching `RPCError`.
    /// A conflict that left nothing committed (PostgreSQL deadlocks and serialization
    /// failures the engine's own retries did not absorb) is tried again, up to five
    /// times with a growing random pause, so that callers rarely see one.
    func run<T: Sendable>(
        mayRunInline: Bool = true, _ body: @escaping @Sendable (any Store) throws(StoreError) -> T
    ) async throws(RPCError) -> T {
        var attempt = 0
        while true {
            attempt += 1
            let outcome: Result<T, StoreError>
            if mayRunInline, runsInlineWhenIdle, let inline = inlineIfIdle(body) {
                outcome = inline
            } else {
                outcome = await grouped(body)
            }
            switch outcome {
            case .success(let value):
                return value
            case .failure(let error):
                if error.code == .conflict, error.commit == .notCommitted, attempt < 5 {
                    let pause = Int64.random(in: 1...(5 << attempt))
                    try? await Task.sleep(for: .milliseconds(pause))
                    continue
                }
                throw StoreStatus.rpcError(error)
            }
        }
    }

    /// Calls waiting for a store thread (for tests and metrics).
    var queuedCalls: Int { queue.withLock { $0.jobs.count } }

    /// No call running or waiting: the next one runs inline (for tests).
    var isIdle: Bool { queue.withLock { $0.drainers == 0 && $0.jobs.isEmpty } }

    /// Runs `body` on this thread when no call is running or queued; nil otherwise.
    private func inlineIfIdle<T: Sendable>(_ body: (any Store) throws(StoreError) -> T) -> Result<T, StoreError>? {
        let idle = queue.withLock { queue -> Bool? in
            if queue.stopping { return nil }
            guard queue.drainers == 0, queue.jobs.isEmpty else { return false }
            queue.drainers = 1
            return true
        }
        guard let idle else { return .failure(StoreError(.unavailable, "the coordinator is shutting down")) }
        guard idle else { return nil }
        let result = Result { () throws(StoreError) -> T in try body(store) }
        // Calls queued meanwhile found a drainer (this one) and started none: a store
        // thread takes them over, this caller's slot and all.
        let handOver = queue.withLock { queue -> Bool in
            if queue.jobs.isEmpty {
                queue.drainers -= 1
                return false
            }
            return true
        }
        if handOver { pool.submit { [self] state in drain(state) } }
        return result
    }

    /// Queues `body` and waits until the group it ran in has committed (or failed).
    private func grouped<T: Sendable>(_ body: @escaping @Sendable (any Store) throws(StoreError) -> T) async -> Result<
        T, StoreError
    > {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, StoreError>, Never>) in
            let outcome = Outcome<T>()
            enqueue(
                Job(
                    execute: { store in
                        outcome.value = Result { () throws(StoreError) -> T in try body(store) }
                    },
                    complete: { failure in
                        if let failure {
                            continuation.resume(returning: .failure(failure))
                        } else {
                            continuation.resume(
                                returning: outcome.value
                                    ?? .failure(StoreError(.unavailable, "the store call did not run")))
                        }
                    }))
        }
    }

    private func enqueue(_ job: Job) {
        let startDrainer = queue.withLock { (queue) -> Bool in
            queue.jobs.append(job)
            guard queue.drainers < threads else { return false }
            queue.drainers += 1
            return true
        }
        if startDrainer { pool.submit { [self] state in drain(state) } }
    }

    /// On a store thread: runs queued calls, a group at a time, until none is left.
    private func drain(_ state: NIOThreadPool.WorkItemState) {
        while true {
            let jobs = queue.withLock { (queue) -> [Job] in
                let taken = Array(queue.jobs.prefix(maxGroup))
                queue.jobs.removeFirst(taken.count)
                if taken.isEmpty { queue.drainers -= 1 }
                return taken
            }
            guard !jobs.isEmpty else { return }
            guard state == .active else {
                for job in jobs { job.complete(StoreError(.unavailable, "the coordinator is shutting down")) }
                continue
            }
            if jobs.count == 1 {
                // Alone: its own transaction, without a savepoint's round trips.
                jobs[0].execute(store)
                jobs[0].complete(nil)
                continue
            }
            var failure: StoreError?
            do throws(StoreError) {
                try store.group { view in
                    for job in jobs { job.execute(view) }
                }
            } catch {
                failure = error
            }
            for job in jobs { job.complete(failure) }
        }
    }

    func shutdown() async {
        queue.withLock { $0.stopping = true }
        try? await pool.shutdownGracefully()
    }
}

/// A call's result, written by the store thread that ran it and read by the same thread
/// when its group ends.
private final class Outcome<T: Sendable>: @unchecked Sendable {
    var value: Result<T, StoreError>?
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
