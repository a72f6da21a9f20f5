/// A point in time, in whole milliseconds since the Unix epoch.
///
/// SwarmCore never reads a clock: every decision takes `now` as an `Instant` from the
/// caller (the coordinator passes its clock, tests pass a simulated one), so the same
/// inputs always give the same decision. Milliseconds are the resolution of every
/// deadline the protocol carries.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// The epoch; a convenient origin for simulated clocks.
    public static let zero = Instant(millisecondsSinceEpoch: 0)

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// The instant `duration` later (saturating, so "never" deadlines cannot overflow).
    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        let (sum, overflow) = lhs.millisecondsSinceEpoch.addingReportingOverflow(rhs.wholeMilliseconds)
        return Instant(millisecondsSinceEpoch: overflow ? (rhs < .zero ? Int64.min : Int64.max) : sum)
    }

    /// The time from `rhs` to `lhs` (negative when `lhs` is earlier).
    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .milliseconds(lhs.millisecondsSinceEpoch &- rhs.millisecondsSinceEpoch)
    }

    public var description: String { "t+\(millisecondsSinceEpoch)ms" }
}

extension Duration {
    /// The duration truncated to whole milliseconds (the core's time resolution).
    public var wholeMilliseconds: Int64 {
        let parts = components
        let (ms, overflow) = parts.seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return parts.seconds < 0 ? Int64.min : Int64.max }
        return ms &+ parts.attoseconds / 1_000_000_000_000_000
    }

    /// The duration in seconds as a floating-point number, for backoff arithmetic.
    var secondsValue: Double { Double(wholeMilliseconds) / 1000 }
}

/// A non-negative floating-point quantity rounded to the nearest whole number, clamped
/// into `0...Int64.max / 2` (NaN gives 0). Arithmetic from configuration values must not
/// trap, and SwarmCore links no math library (`rounded()` needs libm's `round` on Linux).
func clampedNonNegativeInteger(_ value: Double) -> Int64 {
    guard value.isFinite else { return value == .infinity ? Int64.max / 2 : 0 }
    guard value > 0 else { return 0 }
    guard value < Double(Int64.max / 2) else { return Int64.max / 2 }
    return Int64(value + 0.5)
}
