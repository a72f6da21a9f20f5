import Glibc
import SwarmCore

/// Wall-clock time for the coordinator (the core takes time as a parameter).
public struct SystemClock: SwarmClock {
    public init() {}

    public func now() -> Instant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Instant(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}
