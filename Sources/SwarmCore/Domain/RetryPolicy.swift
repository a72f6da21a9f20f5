/// How a failed attempt is retried, in Temporal's shape (proto `RetryPolicy`).
///
/// The delay before retry n (n = 1 after the first failure) is
/// `min(initialInterval * backoffCoefficient^(n-1), maximumInterval)`, spread by ±`jitter`
/// with the injected random source (see `RetryPolicy.decide`).
public struct RetryPolicy: Hashable, Sendable {
    /// Delay before the first retry.
    public var initialInterval: Duration
    /// Factor applied to the delay after each retry; at least 1.
    public var backoffCoefficient: Double
    /// Upper bound of the delay (before jitter).
    public var maximumInterval: Duration
    /// Attempts per replica slot, counting the first: 1 means never retry.
    public var maximumAttempts: Int
    /// Random spread of each delay, a fraction from 0 to 1 (0.2 means ±20 %).
    public var jitter: Double
    /// Kinds that fail the task at once, on top of those never retryable.
    public var nonRetryableErrorKinds: Set<ErrorKind>

    public init(
        initialInterval: Duration = .seconds(1), backoffCoefficient: Double = 2,
        maximumInterval: Duration = .seconds(100), maximumAttempts: Int = 3, jitter: Double = 0.2,
        nonRetryableErrorKinds: Set<ErrorKind> = []
    ) {
        self.initialInterval = initialInterval
        self.backoffCoefficient = backoffCoefficient
        self.maximumInterval = maximumInterval
        self.maximumAttempts = maximumAttempts
        self.jitter = jitter
        self.nonRetryableErrorKinds = nonRetryableErrorKinds
    }

    /// Temporal's defaults, with three attempts (coordinator default).
    public static let `default` = RetryPolicy()

    /// Whether a failure of `kind` may be retried under this policy.
    public func isRetryable(_ kind: ErrorKind) -> Bool {
        kind.isRetryableByDefault && !nonRetryableErrorKinds.contains(kind)
    }
}
