import Foundation
import SwarmCore
import SwarmRPC
import SwarmStore
import Testing

@testable import SwarmCoordinator

/// The coordinator's store thread: concurrent calls share group commits, each with its
/// own outcome.
@Suite("Store executor")
struct StoreExecutorTests {
    @Test("Concurrent calls each get their own result; a refused one changes nothing")
    func concurrentCallsGroup() async throws {
        let fixture = try ExecutorStore()
        let store = fixture.store
        let executor = StoreExecutor(store: store, threads: 1, maxGroup: 64)

        // 40 submissions of 10,000 each fit; every fifth asks for more than the balance.
        let outcomes = await withTaskGroup(of: (Int, Result<TaskID?, RPCError>).self) { group in
            for index in 0..<50 {
                group.addTask {
                    let params = ExecutorStore.submission(index, cost: index % 5 == 4 ? 2_000_000 : 10_000)
                    do throws(RPCError) {
                        let id = try await executor.run { (store) throws(StoreError) in
                            try store.submit(params).taskIDs.first
                        }
                        return (index, .success(id))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var all: [Int: Result<TaskID?, RPCError>] = [:]
            for await (index, outcome) in group { all[index] = outcome }
            return all
        }
        await executor.shutdown()
        for (index, outcome) in outcomes {
            switch outcome {
            case .success(let id):
                #expect(index % 5 != 4 && id != nil)
            case .failure(let error):
                #expect(index % 5 == 4 && error.status.code == .failedPrecondition, "\(error)")
            }
        }
        #expect(try store.taskCounts().values.reduce(0, +) == 40)
        #expect(try store.balance(of: "alice") == 1_000_000 - 40 * 10_000)
        #expect(try store.ledgerTotal() == 0)
    }
}
