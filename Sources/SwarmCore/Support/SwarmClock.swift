/// Where the edges of the system get `now` from.
///
/// The core itself only takes `Instant` values; this protocol is the seam the
/// coordinator implements over the system clock and tests implement over a simulated
/// one, so that nothing inside SwarmCore ever calls `Date()`.
public protocol SwarmClock: Sendable {
    /// The current instant.
    func now() -> Instant
}

/// A clock that always answers the same instant: for tests and replays.
public struct FixedClock: SwarmClock {
    public var instant: Instant
    public init(_ instant: Instant) { self.instant = instant }
    public func now() -> Instant { instant }
}
