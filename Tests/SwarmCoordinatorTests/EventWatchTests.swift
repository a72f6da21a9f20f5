import SwarmCoordinator
import SwarmProto
import SwarmRPC
import Testing

/// EventService.Watch: live events over a server stream, filtered and limited to what
/// the watcher may see.
@Suite("Event watch", .serialized)
struct EventWatchTests {
    /// Reads events until `until` accepts one, returning every event read.
    private func read(
        _ iterator: inout RPCClientResponseStream<Openswarm_V1_WatchResponse>.AsyncIterator,
        until: (Openswarm_V1_Event) -> Bool
    ) async throws -> [Openswarm_V1_Event] {
        var seen: [Openswarm_V1_Event] = []
        while let response = try await iterator.next(), let event = response.event {
            seen.append(event)
            if until(event) { return seen }
        }
        Issue.record("the watch ended before the expected event")
        return seen
    }

    /// Waits until the coordinator has the watch open: a watch sees what happens after
    /// the server registered it, and opening the call does not wait for that (acting at
    /// once raced the registration; the event came before the watch).
    private func waitForWatch(_ harness: CoordinatorHarness) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while harness.coordinator.context.eventWatchers < 1, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(harness.coordinator.context.eventWatchers >= 1, "the watch did not open")
    }

    private func stateChange(_ event: Openswarm_V1_Event) -> Openswarm_V1_TaskStateChangedEvent? {
        if case .taskStateChanged(let change) = event.payload { change } else { nil }
    }

    @Test func aWatchDeliversATasksStateChangesInOrderAndEndsWhenTheClientCancels() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let options = harness.options(timeout: .seconds(30))
        let changes = try await harness.client.serverStreaming(
            Openswarm_V1_EventService.Method.watch, Openswarm_V1_WatchRequest(), options: options
        ) { stream -> [Openswarm_V1_TaskStateChangedEvent] in
            var iterator = stream.makeAsyncIterator()
            try await waitForWatch(harness)
            // A node registering after the watch opened shows that it is live.
            let node = try await harness.registerNode("n1")
            _ = try await read(&iterator) {
                if case .nodeConnected(let connected) = $0.payload { connected.nodeID == node.id } else { false }
            }
            let id = try await harness.submit(prompt: "watch me")
            var events = try await read(&iterator) { stateChange($0)?.state == .ready }
            let lease = try #require(try await node.lease().first)
            events += try await read(&iterator) { stateChange($0)?.state == .leased }
            _ = try await node.report([try node.result(for: lease, output: "watch me")])
            events += try await read(&iterator) {
                if case .taskCompleted(let completed) = $0.payload { completed.taskID == id } else { false }
            }
            let sequences = events.map(\.sequence)
            #expect(sequences == sequences.sorted(), "sequence numbers increase")
            #expect(events.last?.swarmID == "default")
            if case .taskCompleted(let completed) = events.last?.payload {
                #expect(completed.results.first?.output.isEmpty == true, "outputs only when asked for")
            }
            return events.compactMap(stateChange).filter { $0.taskID == id }
        }
        #expect(changes.map(\.state) == [.ready, .leased, .succeeded])
        #expect(changes.map(\.previousState) == [.unspecified, .ready, .leased])
        #expect(changes.last?.endReason == .completed)
        #expect(changes[1].nodeID == changes[2].nodeID)

        // The client stopped reading and cancelled: the server-side stream ends.
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(3)
        while harness.coordinator.context.eventWatchers > 0 && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(harness.coordinator.context.eventWatchers == 0)
        await harness.stop()
    }

    @Test func aWatcherSeesOnlyItsOwnTasksAndTheKindsItAskedFor() async throws {
        let harness = try await CoordinatorHarness.keyed()
        try await harness.mint(10, to: "alice", key: TestKeys.admin)
        try await harness.mint(10, to: "bob", key: TestKeys.admin)
        var request = Openswarm_V1_WatchRequest()
        request.kinds = [.taskStateChanged, .transactionRecorded]
        let seen = try await harness.client.serverStreaming(
            Openswarm_V1_EventService.Method.watch, request, options: harness.options(key: TestKeys.alice)
        ) { stream -> [Openswarm_V1_Event] in
            var iterator = stream.makeAsyncIterator()
            try await waitForWatch(harness)
            // Bob's work first, then Alice's: the first event Alice may see is her own.
            _ = try await harness.submit(prompt: "bob's", swarm: "", key: TestKeys.bob)
            var transfer = Openswarm_V1_TransferRequest()
            transfer.toAccountID = "carol"
            transfer.amountMicros = 1
            _ = try await harness.call(Openswarm_V1_LedgerService.Method.transfer, transfer, key: TestKeys.bob)
            _ = try await harness.registerNode("n1", key: TestKeys.admin)
            let mine = try await harness.submit(prompt: "alice's", swarm: "", key: TestKeys.alice)
            return try await read(&iterator) { stateChange($0)?.taskID == mine }
        }
        #expect(seen.count == 1, "no event of bob's task, transfer or of a node: \(seen)")
        do {
            try await harness.client.serverStreaming(
                Openswarm_V1_EventService.Method.watch, Openswarm_V1_WatchRequest(), options: harness.options()
            ) { stream in for try await _ in stream {} }
            Issue.record("an anonymous watch must be refused")
        } catch let error as RPCError {
            #expect(error.code == .unauthenticated)
        }
        await harness.stop()
    }

    @Test func aWatcherResumesAfterTheLastSequenceItSawButNotFromBeforeTheLog() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let options = harness.options(timeout: .seconds(30))
        // Nobody watched: a resume from the start is refused, not answered with a gap.
        var old = Openswarm_V1_WatchRequest()
        old.afterSequence = 0
        do {
            try await harness.client.serverStreaming(Openswarm_V1_EventService.Method.watch, old, options: options) {
                stream in for try await _ in stream {}
            }
            Issue.record("a resume from before the retained log must fail")
        } catch let error as RPCError {
            #expect(error.code == .outOfRange)
            #expect(error.message.contains("after_sequence"))
        }

        var request = Openswarm_V1_WatchRequest()
        request.kinds = [.taskStateChanged]
        let first = try await harness.client.serverStreaming(
            Openswarm_V1_EventService.Method.watch, request, options: options
        ) { stream -> Openswarm_V1_Event in
            var iterator = stream.makeAsyncIterator()
            try await waitForWatch(harness)
            _ = try await harness.submit(prompt: "one")
            return try #require(try await read(&iterator) { _ in true }.last)
        }
        // Changes while disconnected are delivered on resuming after the last one seen.
        let second = try await harness.submit(prompt: "two")
        request.afterSequence = first.sequence
        let resumed = try await harness.client.serverStreaming(
            Openswarm_V1_EventService.Method.watch, request, options: options
        ) { stream -> [Openswarm_V1_Event] in
            var iterator = stream.makeAsyncIterator()
            try await waitForWatch(harness)
            return try await read(&iterator) { stateChange($0)?.taskID == second }
        }
        #expect(resumed.count == 1)
        #expect(resumed.first?.sequence ?? 0 > first.sequence)
        await harness.stop()
    }

    @Test func aDrainedNodeThatFallsSilentIsReportedAsDrained() async throws {
        let harness = try await CoordinatorHarness()
        var request = Openswarm_V1_WatchRequest()
        request.kinds = [.nodeDisconnected]
        let gone = try await harness.client.serverStreaming(
            Openswarm_V1_EventService.Method.watch, request, options: harness.options(timeout: .seconds(30))
        ) { stream -> Openswarm_V1_NodeDisconnectedEvent? in
            var iterator = stream.makeAsyncIterator()
            try await waitForWatch(harness)
            let node = try await harness.registerNode("n1")
            var drain = Openswarm_V1_DrainNodeRequest()
            drain.nodeID = node.id
            _ = try await harness.call(Openswarm_V1_NodeService.Method.drainNode, drain)
            // The node stops heartbeating, as a drained agent exits once idle.
            let events = try await read(&iterator) { _ in true }
            if case .nodeDisconnected(let gone) = events.last?.payload { return gone }
            return nil
        }
        #expect(gone?.kind == .drained)
        await harness.stop()
    }

    @Test func progressReportedByTheNodeIsAnEventOncePerChange() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        var request = Openswarm_V1_WatchRequest()
        request.kinds = [.taskStateChanged, .taskProgress]
        let progress = try await harness.client.serverStreaming(
            Openswarm_V1_EventService.Method.watch, request, options: harness.options(timeout: .seconds(30))
        ) { stream -> [Openswarm_V1_TaskProgressEvent] in
            var iterator = stream.makeAsyncIterator()
            try await waitForWatch(harness)
            let node = try await harness.registerNode("n1")
            let id = try await harness.submit(prompt: "slow")
            _ = try await read(&iterator) { stateChange($0)?.taskID == id }
            let lease = try #require(try await node.lease().first)
            _ = try await node.heartbeat([lease], percent: 40, step: "thinking")
            _ = try await node.heartbeat([lease], percent: 40, step: "thinking")
            _ = try await node.heartbeat([lease], percent: 80, step: "writing")
            let events = try await read(&iterator) {
                if case .taskProgress(let progress) = $0.payload { progress.progressPercent == 80 } else { false }
            }
            return events.compactMap {
                if case .taskProgress(let progress) = $0.payload { progress } else { nil }
            }
        }
        #expect(progress.map(\.progressPercent) == [40, 80], "a repeated heartbeat is not a new event")
        #expect(progress.map(\.currentStep) == ["thinking", "writing"])
        await harness.stop()
    }
}
