import Testing

@testable import SwarmCore

@Suite("Retry policy and timeouts")
struct RetryTests {
    let now = Instant(millisecondsSinceEpoch: 1_000_000)

    @Test("backoff grows by the coefficient up to the maximum interval")
    func backoff() {
        let policy = RetryPolicy(
            initialInterval: .seconds(1), backoffCoefficient: 2, maximumInterval: .seconds(5), jitter: 0)
        #expect(
            (1...5).map { policy.baseDelay(forRetry: $0) } == [
                .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5),
            ])
    }

    @Test("jitter spreads the delay within ±jitter and replays with the same seed")
    func jitter() {
        let policy = RetryPolicy(initialInterval: .seconds(10), jitter: 0.2)
        var random = SeededGenerator(seed: 7)
        let delays = (0..<200).map { _ in policy.delay(forRetry: 1, using: &random) }
        #expect(delays.allSatisfy { $0 >= .seconds(8) && $0 <= .seconds(12) })
        #expect(Set(delays).count > 50)
        var again = SeededGenerator(seed: 7)
        #expect(policy.delay(forRetry: 1, using: &again) == delays[0])
    }

    @Test("a retryable failure retries after backoff until maximum attempts, then fails retries_exhausted")
    func exhaustion() {
        var random = SeededGenerator(seed: 1)
        let policy = RetryPolicy(initialInterval: .seconds(1), maximumAttempts: 3, jitter: 0)
        #expect(
            policy.decide(after: .transient, attemptsUsed: 1, now: now, using: &random)
                == .retry(notBefore: now + .seconds(1), delay: .seconds(1)))
        #expect(
            policy.decide(after: .transient, attemptsUsed: 2, now: now, using: &random)
                == .retry(notBefore: now + .seconds(2), delay: .seconds(2)))
        #expect(policy.decide(after: .transient, attemptsUsed: 3, now: now, using: &random) == .fail(.retriesExhausted))
    }

    @Test("non-retryable kinds, built in or listed by the policy, fail at once")
    func nonRetryable() {
        var random = SeededGenerator(seed: 1)
        let policy = RetryPolicy(nonRetryableErrorKinds: [.modelUnavailable])
        #expect(
            policy.decide(after: .invalidInput, attemptsUsed: 1, now: now, using: &random) == .fail(.nonRetryableError))
        #expect(
            policy.decide(after: .modelUnavailable, attemptsUsed: 1, now: now, using: &random)
                == .fail(.nonRetryableError))
    }

    @Test("a hand-back from a draining node is retried at once and costs no attempt")
    func handBack() {
        var random = SeededGenerator(seed: 1)
        let policy = RetryPolicy(maximumAttempts: 1)
        #expect(
            policy.decide(after: .nodeShuttingDown, attemptsUsed: 1, now: now, using: &random)
                == .retry(notBefore: now, delay: .zero))
    }

    @Test("a lease lasts one heartbeat and never past start-to-close")
    func leaseDeadlines() {
        let timeouts = Timeouts(startToClose: .seconds(60), heartbeat: .seconds(10))
        #expect(TimeoutRules.initialDeadline(leaseTime: now, timeouts: timeouts) == now + .seconds(10))
        #expect(
            TimeoutRules.deadline(afterHeartbeatAt: now + .seconds(5), leaseTime: now, timeouts: timeouts) == now
                + .seconds(15))
        #expect(
            TimeoutRules.deadline(afterHeartbeatAt: now + .seconds(55), leaseTime: now, timeouts: timeouts) == now
                + .seconds(60))
        #expect(TimeoutRules.isExpired(deadline: now, now: now))
    }

    @Test("schedule-to-start applies only until the first lease; schedule-to-close always")
    func taskDeadlines() {
        let timeouts = Timeouts(scheduleToStart: .seconds(30), scheduleToClose: .seconds(300))
        #expect(
            TimeoutRules.taskDeadline(
                submittedAt: now, readyAt: now + .seconds(10), everLeased: false, timeouts: timeouts) == now
                + .seconds(40))
        #expect(
            TimeoutRules.taskDeadline(
                submittedAt: now, readyAt: now + .seconds(10), everLeased: true, timeouts: timeouts) == now
                + .seconds(300))
        #expect(
            TimeoutRules.taskDeadline(submittedAt: now, readyAt: nil, everLeased: false, timeouts: Timeouts()) == nil)
    }
}
