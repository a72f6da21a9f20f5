/// A small, fast, seedable random number generator (SplitMix64).
///
/// Every random decision of the core (retry jitter, adaptive replication, spot checks)
/// takes an `inout some RandomNumberGenerator`; the coordinator passes a generator it
/// owns and tests pass this one with a printed seed, so any failure replays exactly.
/// SwarmCore never uses `SystemRandomNumberGenerator` itself.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    /// A generator whose whole sequence is decided by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RandomNumberGenerator {
    /// A uniform double in [0, 1), for probability rolls.
    mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
