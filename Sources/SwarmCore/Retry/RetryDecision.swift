/// What happens after an attempt fails: retry after a delay, or fail the task.
public enum RetryDecision: Hashable, Sendable {
    /// Try again (on another node where possible) no earlier than `notBefore`.
    case retry(notBefore: Instant, delay: Duration)
    /// The task fails for good.
    case fail(TaskEndReason)
}

extension RetryPolicy {
    /// The backoff before retry number `retry` (1 after the first failure), before jitter:
    /// `min(initialInterval * backoffCoefficient^(retry-1), maximumInterval)`.
    public func baseDelay(forRetry retry: Int) -> Duration {
        let initial = initialInterval.secondsValue
        let cap = maximumInterval.secondsValue
        let exponent = Double(max(0, retry - 1))
        let raw = initial * pow(max(1, backoffCoefficient), exponent)
        let seconds = min(raw.isFinite ? raw : cap, cap)
        return .milliseconds(clampedNonNegativeInteger(seconds * 1000))
    }

    /// The delay spread by ±`jitter` with the injected random source; never negative.
    public func delay(forRetry retry: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let base = Double(baseDelay(forRetry: retry).wholeMilliseconds)
        let spread = min(max(jitter, 0), 1)
        let factor = spread == 0 ? 1 : 1 + spread * (2 * random.unitInterval() - 1)
        return .milliseconds(clampedNonNegativeInteger(base * factor))
    }

    /// Given a failure of `kind` on the `attemptsUsed`-th counted attempt of one replica
    /// slot at `now`: retry after backoff, or fail the task.
    ///
    /// A non-retryable kind fails at once (`nonRetryableError`); a slot that has used
    /// `maximumAttempts` fails with `retriesExhausted`; a hand-back (node shutting down)
    /// is retried at once and costs nothing.
    public func decide(
        after kind: ErrorKind, attemptsUsed: Int, now: Instant, using random: inout some RandomNumberGenerator
    ) -> RetryDecision {
        guard isRetryable(kind) else { return .fail(.nonRetryableError) }
        if !kind.countsAsAttempt { return .retry(notBefore: now, delay: .zero) }
        guard attemptsUsed < maximumAttempts else { return .fail(.retriesExhausted) }
        let wait = delay(forRetry: attemptsUsed, using: &random)
        return .retry(notBefore: now + wait, delay: wait)
    }
}

/// `pow` without Foundation: the exponent is a small whole number of retries.
private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 && result.isFinite {
        result *= base
        remaining -= 1
    }
    return result
}
