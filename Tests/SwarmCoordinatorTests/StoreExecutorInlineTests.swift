import Foundation
import NIOCore
import NIOPosix
import SwarmCore
import SwarmStore
import Synchronization
import Testing

@testable import SwarmCoordinator
@testable import SwarmRPC

/// An idle SQLite store runs a call on its caller's thread (an RPC handler's event loop)
/// instead of handing it to the store thread and back; calls that find it busy queue
/// and are grouped on the store thread as before.
@Suite("Store executor, inline when idle")
struct StoreExecutorInlineTests {
    @Test("An idle call runs on its caller's thread; calls arriving meanwhile go to a store thread")
    func idleCallsRunInline() async throws {
        let fixture = try ExecutorStore()
        let store = fixture.store
        let executor = StoreExecutor(store: store, threads: 1, maxGroup: 64, runsInlineWhenIdle: true)
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let onLoop = EventLoopTaskExecutor(loops.next())

        let alone = try await Task(executorPreference: onLoop) {
            try await executor.run { _ throws(StoreError) in Self.threadName }
        }.value
        #expect(alone.hasPrefix("NIO-"), "an idle call runs on the event loop that made it, not \(alone)")

        // A call that holds the store (inline, on the loop) until ten more are queued.
        let entered = Flag()
        let release = Flag()
        let holder = Task(executorPreference: onLoop) {
            try await executor.run { _ throws(StoreError) -> String in
                entered.set()
                let limit = ContinuousClock.now + .seconds(10)
                while !release.isSet, ContinuousClock.now < limit { usleep(1_000) }
                return Self.threadName
            }
        }
        let enteredBy = ContinuousClock.now + .seconds(10)
        while !entered.isSet, ContinuousClock.now < enteredBy { try await Task.sleep(for: .milliseconds(1)) }
        #expect(entered.isSet, "the holding call never started")
        let queued = (0..<10).map { index in
            Task {
                try await executor.run { (store) throws(StoreError) -> (TaskID?, String) in
                    (try store.submit(ExecutorStore.submission(index)).taskIDs.first, Self.threadName)
                }
            }
        }
        let limit = ContinuousClock.now + .seconds(10)
        while executor.queuedCalls < 10, ContinuousClock.now < limit { try await Task.sleep(for: .milliseconds(1)) }
        #expect(executor.queuedCalls == 10, "calls that find the store busy wait in its queue")
        release.set()

        #expect(try await holder.value.hasPrefix("NIO-"))
        for call in queued {
            let (id, thread) = try await call.value
            #expect(id != nil)
            #expect(thread.hasPrefix("TP-"), "a queued call runs on the store thread, not \(thread)")
        }
        #expect(executor.queuedCalls == 0)
        // Once the store thread has let go (it may still be finishing its loop when the
        // last caller resumes), the next call is inline once more.
        let idleBy = ContinuousClock.now + .seconds(10)
        while !executor.isIdle, ContinuousClock.now < idleBy { try await Task.sleep(for: .milliseconds(1)) }
        let after = try await Task(executorPreference: onLoop) {
            try await executor.run { _ throws(StoreError) in Self.threadName }
        }.value
        #expect(after.hasPrefix("NIO-"))
        await executor.shutdown()
        #expect(try store.taskCounts().values.reduce(0, +) == 10)
        #expect(try store.ledgerTotal() == 0)
        try await loops.shutdownGracefully()
    }

    @Test("After shutdown a call is refused, not run")
    func shutdownRefusesCalls() async throws {
        let fixture = try ExecutorStore()
        let store = fixture.store
        let executor = StoreExecutor(store: store, threads: 1, maxGroup: 64, runsInlineWhenIdle: true)
        await executor.shutdown()
        let ran = Flag()
        await #expect(throws: RPCError.self) {
            try await executor.run { _ throws(StoreError) in ran.set() }
        }
        #expect(!ran.isSet)
    }

    /// The name of the thread running now ("NIO-…" for an event loop, "TP-#…" for the
    /// store thread).
    static var threadName: String {
        let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        return name.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A flag shared with store calls.
private final class Flag: Sendable {
    private let value = Atomic(false)

    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }

    func set() { value.store(true, ordering: .sequentiallyConsistent) }
}
