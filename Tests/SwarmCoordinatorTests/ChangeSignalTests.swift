import NIOCore
import NIOPosix
import Testing

@testable import SwarmCoordinator
@testable import SwarmRPC

/// What long polls and watchers wait on: a signal after the generation they saw wakes
/// them at once; otherwise their timeout does, on their event loop when they run on one.
@Suite("Change signal")
struct ChangeSignalTests {
    @Test func aSignalAfterTheGenerationSeenWakesTheWaiterBeforeItsTimeout() async {
        let signal = ChangeSignal()
        let seen = signal.generation
        let started = ContinuousClock.now
        async let waited: Void = signal.wait(after: seen, timeout: .seconds(30))
        try? await Task.sleep(for: .milliseconds(20))
        signal.signal()
        await waited
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(signal.generation != seen)
    }

    @Test func aSignalBeforeTheWaitIsNotMissed() async {
        let signal = ChangeSignal()
        let seen = signal.generation
        signal.signal()
        let started = ContinuousClock.now
        await signal.wait(after: seen, timeout: .seconds(30))
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func withoutASignalTheTimeoutEndsTheWaitOffAnEventLoop() async {
        let signal = ChangeSignal()
        let started = ContinuousClock.now
        await signal.wait(after: signal.generation, timeout: .milliseconds(30))
        #expect(ContinuousClock.now - started >= .milliseconds(30))
    }

    @Test func onAnEventLoopTheTimeoutIsTheLoopsAndAnEarlyWakeLeavesNoTimerBehind() async throws {
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let onLoop = EventLoopTaskExecutor(loops.next())
        let signal = ChangeSignal()
        let elapsed = await Task(executorPreference: onLoop) { () -> Duration in
            #expect(MultiThreadedEventLoopGroup.currentEventLoop != nil)
            let started = ContinuousClock.now
            await signal.wait(after: signal.generation, timeout: .milliseconds(30))
            return ContinuousClock.now - started
        }.value
        #expect(elapsed >= .milliseconds(30) && elapsed < .seconds(10))

        // Woken early: the first wait's timer (50 ms) must not end a later, longer wait.
        let second = await Task(executorPreference: onLoop) { () -> Duration in
            let seen = signal.generation
            Task { signal.signal() }
            await signal.wait(after: seen, timeout: .milliseconds(50))
            let started = ContinuousClock.now
            await signal.wait(after: signal.generation, timeout: .milliseconds(300))
            return ContinuousClock.now - started
        }.value
        #expect(second >= .milliseconds(300), "an earlier wait's timer ended a later wait")
        try await loops.shutdownGracefully()
    }
}
