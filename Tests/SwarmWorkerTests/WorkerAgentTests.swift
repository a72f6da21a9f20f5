import Foundation
import Logging
import NIOPosix
import SwarmCrypto
import SwarmProto
import Synchronization
import XCTest

@testable import SwarmWorker

/// The agent against a fake coordinator in the same process.
final class WorkerAgentTests: XCTestCase {
    func configuration(port: Int, state: String) -> WorkerConfiguration {
        WorkerConfiguration(
            coordinatorHost: "127.0.0.1", coordinatorPort: port, stateDirectory: state, slots: 2,
            displayName: "test-node", heartbeatInterval: .milliseconds(100), leaseWait: .milliseconds(200),
            drainGracePeriod: .milliseconds(300), reconnectInitialDelay: .milliseconds(50),
            reconnectMaximumDelay: .milliseconds(400), progressInterval: .milliseconds(50))
    }

    func logger() -> Logger {
        var logger = Logger(label: "worker-test")
        logger.logLevel = ProcessInfo.processInfo.environment["WORKER_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }

    /// Starts `agent.run()` in the background; the returned task ends when it returns.
    func start(_ agent: WorkerAgent) -> Task<Void, any Error> {
        Task { try await agent.run() }
    }

    func testRegistersOnceLeasesRunsEchoAndReportsASignedBatch() async throws {
        let coordinator = FakeCoordinator()
        let port = try await coordinator.start()
        let state = temporaryDirectory()
        coordinator.enqueue(FakeCoordinator.lease("l-1", capability: "echo", input: "hello swarm"))

        let agent = WorkerAgent(configuration: configuration(port: port, state: state), logger: logger())
        let run = start(agent)
        let reported = await eventually { coordinator.snapshot.results.count == 1 }
        XCTAssertTrue(reported)
        agent.drain()
        try await run.value

        let snapshot = coordinator.snapshot
        XCTAssertEqual(snapshot.registrations.count, 1)
        XCTAssertEqual(snapshot.unauthenticatedCalls, 0)
        let registration = try XCTUnwrap(snapshot.registrations.first)
        XCTAssertEqual(registration.displayName, "test-node")
        XCTAssertEqual(registration.capabilities?.maxConcurrentTasks, 2)
        XCTAssertEqual(
            Set(registration.capabilities?.capabilities ?? []), ["echo", "sleep", "sha256", "fail"])
        let result = try XCTUnwrap(snapshot.results.first)
        XCTAssertEqual(result.leaseID, "l-1")
        XCTAssertEqual(result.output, Array("hello swarm".utf8))
        XCTAssertEqual(result.outputSha256, SHA256Digest.hash(Array("hello swarm".utf8)))
        // Signed as a batch (of one): the batch signature covers the task, attempt and hash.
        let key = try Ed25519PublicKey(rawRepresentation: registration.publicKey)
        let batch = try XCTUnwrap(snapshot.batches.first)
        XCTAssertEqual(batch.results, [result])
        XCTAssertTrue(
            ResultSignature.verifyBatch(
                batch.signature,
                [.init(taskID: result.taskID, attemptNumber: result.attemptNumber, outputSHA256: result.outputSha256)],
                key: key))
        XCTAssertTrue(try ResultSpool(directory: state + "/spool").list().isEmpty)

        // A second start with the same state directory does not register again.
        coordinator.enqueue(FakeCoordinator.lease("l-2", capability: "sha256", input: "abc"))
        let again = WorkerAgent(configuration: configuration(port: port, state: state), logger: logger())
        let secondRun = start(again)
        await assertEventually { coordinator.snapshot.results.count == 2 }
        again.drain()
        try await secondRun.value
        XCTAssertEqual(coordinator.snapshot.registrations.count, 1)
        XCTAssertEqual(
            coordinator.snapshot.results.last?.output,
            Array("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".utf8))
        await coordinator.stop()
    }

    func testAReportAsksForTheNextLeasesWithTheSlotsItsResultsFreeAndNeverOverfillsThem() async throws {
        let coordinator = FakeCoordinator()
        let port = try await coordinator.start()
        coordinator.enqueue(FakeCoordinator.lease("l-0", capability: "echo", input: "first"))
        // These go only to reports that ask for leases: the agent gets them only by
        // asking with its results.
        coordinator.state.withLock { state in
            state.leasesForReports = (1...9).map {
                FakeCoordinator.lease("l-\($0)", capability: "echo", input: "\($0)")
            }
        }
        let agent = WorkerAgent(configuration: configuration(port: port, state: temporaryDirectory()), logger: logger())
        let run = start(agent)
        let reported = await eventually { coordinator.snapshot.results.count == 10 }
        XCTAssertTrue(reported, "every lease handed out with a report ran and was reported")
        agent.drain()
        try await run.value

        let snapshot = coordinator.snapshot
        XCTAssertEqual(Set(snapshot.results.map(\.leaseID)), Set((0...9).map { "l-\($0)" }))
        XCTAssertTrue(snapshot.reportLeaseRequests.contains { $0 > 0 }, "reports asked for leases")
        XCTAssertTrue(
            snapshot.reportLeaseRequests.allSatisfy { $0 <= 2 },
            "never more than the 2 slots: \(snapshot.reportLeaseRequests)")
        XCTAssertLessThanOrEqual(snapshot.mostOutstanding, 2, "never more leases held than slots")
        XCTAssertTrue(snapshot.failures.isEmpty)
        await coordinator.stop()
    }

    func testAJobThatMayRunOnTheEventLoopRunsThereAndAnyOtherRunsOffIt() async throws {
        let coordinator = FakeCoordinator()
        let port = try await coordinator.start()
        coordinator.enqueue(FakeCoordinator.lease("l-loop", capability: "onloop", input: "a"))
        coordinator.enqueue(FakeCoordinator.lease("l-pool", capability: "offloop", input: "b"))
        let onLoop = PlacementProbe(runsOnEventLoop: true)
        let offLoop = PlacementProbe(runsOnEventLoop: false)
        let runtimes = RuntimeTable(entries: [
            .init(key: .capability("onloop"), runtime: onLoop, kind: .builtin),
            .init(key: .capability("offloop"), runtime: offLoop, kind: .builtin),
        ])
        let agent = WorkerAgent(
            configuration: configuration(port: port, state: temporaryDirectory()), logger: logger(),
            runtimes: runtimes)
        let run = start(agent)
        let reported = await eventually { coordinator.snapshot.results.count == 2 }
        XCTAssertTrue(reported)
        agent.drain()
        try await run.value
        XCTAssertEqual(onLoop.onEventLoop.withLock { $0 }, [true], "a cheap built-in runs on the connection's loop")
        XCTAssertEqual(offLoop.onEventLoop.withLock { $0 }, [false], "any other runtime runs on the global pool")
        await coordinator.stop()
    }

    func testCancellationFromAHeartbeatStopsTheAttemptWithoutReport() async throws {
        let coordinator = FakeCoordinator()
        let port = try await coordinator.start()
        coordinator.enqueue(FakeCoordinator.lease("l-long", capability: "sleep", input: "20s"))
        let agent = WorkerAgent(configuration: configuration(port: port, state: temporaryDirectory()), logger: logger())
        let run = start(agent)
        await assertEventually {
            coordinator.snapshot.heartbeats.contains { $0.leases.contains { $0.leaseID == "l-long" } }
        }
        coordinator.cancel(leaseID: "l-long", taskID: "task-l-long")
        // Once stopped, the lease is no longer listed in heartbeats.
        await assertEventually {
            coordinator.snapshot.cancellations.isEmpty
                && coordinator.snapshot.heartbeats.last.map { $0.leases.isEmpty && $0.freeSlots == 2 } == true
        }
        agent.drain()
        try await run.value
        XCTAssertTrue(coordinator.snapshot.results.isEmpty)
        XCTAssertTrue(coordinator.snapshot.failures.isEmpty)
        await coordinator.stop()
    }

    func testAnAttemptPastItsStartToCloseLimitIsStoppedAndReportedAsATimeout() async throws {
        let coordinator = FakeCoordinator()
        let port = try await coordinator.start()
        coordinator.enqueue(FakeCoordinator.lease("l-slow", capability: "sleep", input: "20s", timeoutSeconds: 1))
        let agent = WorkerAgent(configuration: configuration(port: port, state: temporaryDirectory()), logger: logger())
        let run = start(agent)
        let started = ContinuousClock.now
        await assertEventually { !coordinator.snapshot.failures.isEmpty }
        let elapsed = ContinuousClock.now - started
        let failure = try XCTUnwrap(coordinator.snapshot.failures.first)
        XCTAssertEqual(failure.leaseID, "l-slow")
        XCTAssertEqual(failure.error?.kind, .timeout)
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(900), "not before the limit")
        XCTAssertLessThan(elapsed, .seconds(5), "stopped at the limit, not when the runtime would have ended")
        XCTAssertTrue(coordinator.snapshot.results.isEmpty)
        // The slot is free again.
        await assertEventually { coordinator.snapshot.heartbeats.last?.freeSlots == 2 }
        agent.drain()
        try await run.value
        await coordinator.stop()
    }

    func testSpoolsAResultWhileTheCoordinatorIsDownAndReportsItAfterwards() async throws {
        let coordinator = FakeCoordinator()
        let port = try await coordinator.start()
        let state = temporaryDirectory()
        coordinator.enqueue(FakeCoordinator.lease("l-spool", capability: "sleep", input: "600ms"))
        let agent = WorkerAgent(configuration: configuration(port: port, state: state), logger: logger())
        let run = start(agent)
        await assertEventually {
            coordinator.snapshot.heartbeats.contains { $0.leases.contains { $0.leaseID == "l-spool" } }
        }
        await coordinator.stop()

        let spool = try ResultSpool(directory: state + "/spool")
        await assertEventually { !spool.list().isEmpty }
        guard case .result(let spooled) = spool.list().first?.entry else { return XCTFail("no result in the spool") }
        XCTAssertEqual(spooled.leaseID, "l-spool")
        XCTAssertTrue(coordinator.snapshot.results.isEmpty)

        // The coordinator comes back on the same port (same node records).
        _ = try await coordinator.start(port: port)
        await assertEventually { coordinator.snapshot.results.count == 1 }
        XCTAssertEqual(coordinator.snapshot.results.first?.output, Array("slept 600ms".utf8))
        await assertEventually { spool.list().isEmpty }
        agent.drain()
        try await run.value
        XCTAssertEqual(coordinator.snapshot.registrations.count, 1)
        await coordinator.stop()
    }

    func testDrainHandsBackALongLeaseAsNodeShuttingDown() async throws {
        let coordinator = FakeCoordinator()
        let port = try await coordinator.start()
        coordinator.enqueue(FakeCoordinator.lease("l-drain", capability: "sleep", input: "30s"))
        let agent = WorkerAgent(configuration: configuration(port: port, state: temporaryDirectory()), logger: logger())
        let run = start(agent)
        await assertEventually {
            coordinator.snapshot.heartbeats.contains { $0.leases.contains { $0.leaseID == "l-drain" } }
        }
        let started = ContinuousClock.now
        agent.drain()
        try await run.value
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
        let failure = try XCTUnwrap(coordinator.snapshot.failures.first)
        XCTAssertEqual(failure.leaseID, "l-drain")
        XCTAssertEqual(failure.error?.kind, .nodeShuttingDown)
        XCTAssertTrue(coordinator.snapshot.results.isEmpty)
        XCTAssertTrue(coordinator.snapshot.heartbeats.contains { $0.status == .draining })
        await coordinator.stop()
    }

    func testReregistersWhenTheCoordinatorForgetsTheNode() async throws {
        let coordinator = FakeCoordinator()
        let port = try await coordinator.start()
        let agent = WorkerAgent(configuration: configuration(port: port, state: temporaryDirectory()), logger: logger())
        let run = start(agent)
        await assertEventually { !coordinator.snapshot.heartbeats.isEmpty }
        // A wiped coordinator: the old credential is unknown; registering again issues a new one.
        coordinator.state.withLock {
            $0.nodeID = "node-2"
            $0.credential = "secret-2"
        }
        await assertEventually { coordinator.snapshot.registrations.count == 2 }
        coordinator.enqueue(FakeCoordinator.lease("l-after", capability: "echo", input: "x"))
        await assertEventually { coordinator.snapshot.results.count == 1 }
        agent.drain()
        try await run.value
        XCTAssertEqual(coordinator.snapshot.registrations.count, 2)
        await coordinator.stop()
    }
}

/// Records whether each run was on a NIO event loop thread.
final class PlacementProbe: ModelRuntime {
    let name = "test:placement"
    let runsOnEventLoop: Bool
    let onEventLoop = Mutex<[Bool]>([])

    init(runsOnEventLoop: Bool) {
        self.runsOnEventLoop = runsOnEventLoop
    }

    func run(_ job: RuntimeJob, progress: @escaping @Sendable (RuntimeProgress) -> Void) async throws -> RuntimeOutput {
        onEventLoop.withLock { $0.append(MultiThreadedEventLoopGroup.currentEventLoop != nil) }
        return RuntimeOutput(output: job.inputOrPrompt, runtime: name)
    }
}
