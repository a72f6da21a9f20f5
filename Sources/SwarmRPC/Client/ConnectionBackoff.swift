/// When to try connecting again after a failure: gRPC's connection backoff
/// (doc/connection-backoff.md), exponential with jitter. A value type; the caller
/// supplies the randomness, so tests can pin it.
///
/// ```swift
/// var backoff = ConnectionBackoff()
/// let wait = backoff.failed(random: Double.random(in: 0...1))  // ≈ 1 s ± 20%
/// backoff.succeeded()  // back to the initial delay
/// ```
public struct ConnectionBackoff: Sendable, Hashable {
    public var initial: Duration
    public var multiplier: Double
    /// The fraction by which each delay is spread either way.
    public var jitter: Double
    public var maximum: Duration
    /// The delay the next failure will wait, before jitter.
    public private(set) var next: Duration

    public init(
        initial: Duration = .seconds(1), multiplier: Double = 1.6, jitter: Double = 0.2,
        maximum: Duration = .seconds(120)
    ) {
        self.initial = initial
        self.multiplier = multiplier
        self.jitter = jitter
        self.maximum = maximum
        self.next = initial
    }

    /// Records a failed attempt; returns how long to wait before the next one.
    /// `random` is uniform in 0...1 (0.5: no jitter).
    public mutating func failed(random: Double) -> Duration {
        let spread = 1 + jitter * (2 * min(max(random, 0), 1) - 1)
        let wait = next * spread
        next = min(next * multiplier, maximum)
        return wait
    }

    /// Records a successful connection: the next failure waits `initial` again.
    public mutating func succeeded() {
        next = initial
    }
}
