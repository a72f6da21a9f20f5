import SwarmCore
import SwarmProto
import SwarmStore
import Testing

@testable import SwarmCoordinator

/// Sync match: a submission leases to waiting polls in its own transaction.
@Suite("Lease hand-off")
struct LeaseHandoffTests {
    @Test func onlyParkedPollsAreClaimedOldestFirstUntilTheyCanTakeTheTasks() {
        let handoff = LeaseHandoff()
        let busy = handoff.register(node: NodeID("busy"), maxTasks: 8)
        let first = handoff.register(node: NodeID("first"), maxTasks: 2)
        let second = handoff.register(node: NodeID("second"), maxTasks: 2)
        let third = handoff.register(node: NodeID("third"), maxTasks: 2)
        for waiter in [first, second, third] { handoff.park(waiter) }
        // `busy` leases for itself: not claimable. Three tasks need two polls of two.
        let claimed = handoff.claim(forTasks: 3)
        #expect(claimed.map(\.node) == [NodeID("first"), NodeID("second")])
        #expect(handoff.claim(forTasks: 1).map(\.node) == [NodeID("third")])
        #expect(handoff.claim(forTasks: 1).isEmpty, "every parked poll is claimed")
        #expect(handoff.claim(forTasks: 0).isEmpty)
        #expect(handoff.parked == 0)
        handoff.unregister(busy)
    }

    @Test func aClaimedPollWaitsForItsHandOffThenTakesItOnce() {
        let handoff = LeaseHandoff()
        let waiter = handoff.register(node: NodeID("n1"), maxTasks: 4)
        handoff.park(waiter)
        let seen = waiter.signal.generation
        let claimed = handoff.claim(forTasks: 1)
        #expect(claimed.count == 1)
        guard case .claimed = handoff.wake(waiter) else {
            Issue.record("a claimed poll must wait for its hand-off")
            return
        }
        // Handed nothing (its node could take none of the tasks): it still wakes, and
        // finds the hand-off over.
        handoff.hand(waiter, [])
        #expect(waiter.signal.generation != seen, "the hand-off wakes the poll")
        guard case .handed(let leases) = handoff.wake(waiter) else {
            Issue.record("the poll must find its hand-off")
            return
        }
        #expect(leases.isEmpty)
        guard case .lease = handoff.wake(waiter) else {
            Issue.record("leases are handed once; then the poll leases for itself")
            return
        }
    }

    @Test func aFailedSubmissionReleasesItsPollsToLeaseForThemselves() {
        let handoff = LeaseHandoff()
        let waiter = handoff.register(node: NodeID("n1"), maxTasks: 1)
        handoff.park(waiter)
        let claimed = handoff.claim(forTasks: 1)
        let seen = waiter.signal.generation
        handoff.release(claimed)
        #expect(waiter.signal.generation != seen)
        guard case .lease = handoff.wake(waiter) else {
            Issue.record("a released poll leases for itself")
            return
        }
        // Busy again: a later submission cannot claim it until it parks.
        #expect(handoff.claim(forTasks: 1).isEmpty)
    }

    @Test func aPollThatLeftIsNeitherClaimedNorHandedAnything() {
        let handoff = LeaseHandoff()
        let waiter = handoff.register(node: NodeID("n1"), maxTasks: 1)
        handoff.park(waiter)
        handoff.unregister(waiter)
        #expect(handoff.claim(forTasks: 1).isEmpty)
        #expect(!handoff.hand(waiter, []), "the submission must hand the leases back itself")
        guard case .lease = handoff.wake(waiter) else {
            Issue.record("nothing is handed to a poll that left")
            return
        }
    }

    @Test func newWorkWakesEveryRegisteredPoll() {
        let handoff = LeaseHandoff()
        let parked = handoff.register(node: NodeID("a"), maxTasks: 1)
        let busy = handoff.register(node: NodeID("b"), maxTasks: 1)
        handoff.park(parked)
        let seen = (parked.signal.generation, busy.signal.generation)
        handoff.signal()
        #expect(parked.signal.generation != seen.0)
        #expect(busy.signal.generation != seen.1, "a busy poll must not miss work that came during its lease")
    }

    @Test func aSubmissionLeasesToAWaitingPollInItsOwnTransaction() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let node = try await harness.registerNode("n1")
        async let leased = node.lease(max: 4, wait: .seconds(5))
        try await waitUntilParked(harness, count: 1)
        let id = try await harness.submit(prompt: "at once")
        let leases = try await leased
        #expect(leases.map(\.taskID) == [id])
        // One transaction, one clock reading: the lease is stamped with the submission's
        // time. Leased by the poll after a wake-up, it would be later.
        let task = try await harness.task(id)
        #expect(task.attempts.first?.leaseTime == task.createTime)
        await harness.stop()
    }

    @Test func aPollThatCannotTakeTheTaskKeepsWaitingAndAnotherGetsIt() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let gpu = try await harness.registerNode("gpu", capabilities: ["gpu"])
        let echo = try await harness.registerNode("echo", capabilities: ["echo"])
        let clock = ContinuousClock()
        let start = clock.now
        // The gpu poll parks first, so the submission claims it first; it is handed
        // nothing and must keep waiting, not answer empty.
        async let gpuLeases = gpu.lease(wait: .milliseconds(1_500))
        try await waitUntilParked(harness, count: 1)
        async let echoLeases = echo.lease(wait: .seconds(5))
        try await waitUntilParked(harness, count: 2)
        let id = try await harness.submit(prompt: "for echo")
        let echoed = try await echoLeases
        #expect(echoed.map(\.taskID) == [id])
        #expect(clock.now - start < .milliseconds(1_400), "the other poll is woken at once")
        let nothing = try await gpuLeases
        #expect(nothing.isEmpty)
        #expect(clock.now - start >= .milliseconds(1_400), "the claimed poll waited out its max_wait")
        await harness.stop()
    }

    @Test func leasesNobodyCanDeliverGoBackToTheQueueWithoutSpendingAnAttempt() async throws {
        // A long heartbeat interval: idle polls are not re-run by the maintenance loop
        // (a quarter of it) while this test waits, only woken by the hand-back.
        let harness = try await CoordinatorHarness { $0.heartbeatInterval = .seconds(20) }
        try await harness.mint(10)
        let gone = try await harness.registerNode("gone")
        let other = try await harness.registerNode("other")
        let id = try await harness.submit(prompt: "hand me back")
        // As a poll whose call was cancelled after its lease was granted: the lease
        // exists, and nobody will receive it.
        let context = harness.coordinator.context.shared
        let now = context.clock.now()
        let granted = try await context.executor.run { (store) throws(StoreError) -> [GrantedLease] in
            try store.lease(LeaseParams(node: NodeID(gone.id), maxTasks: 1, now: now))
        }
        #expect(granted.map(\.taskID.rawValue) == [id])
        let clock = ContinuousClock()
        let start = clock.now
        async let again = other.lease(wait: .seconds(3))
        try await waitUntilParked(harness, count: 1)
        await context.handBack(granted, now: now)
        // Leased again at once, elsewhere: the waiting poll is woken.
        #expect(try await again.map(\.taskID) == [id])
        #expect(clock.now - start < .seconds(2), "the waiting poll is woken, not left to its max_wait")
        let task = try await harness.task(id)
        #expect(task.attempts.first?.error?.kind == .nodeShuttingDown)
        await harness.stop()
    }

    /// Waits until `count` LeaseTasks polls are parked in the coordinator.
    private func waitUntilParked(_ harness: CoordinatorHarness, count: Int) async throws {
        for _ in 0..<200 {
            if harness.coordinator.context.shared.work.parked >= count { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("the polls did not park")
    }
}
