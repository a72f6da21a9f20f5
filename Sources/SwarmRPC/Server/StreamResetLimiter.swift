import NIOCore

/// Counts the streams a client resets, against the rapid-reset flood
/// (CVE-2023-44487): opening streams and resetting them at once costs a client
/// nothing and a server a handler each. Past `limit` resets within `window`, the
/// connection is told to ENHANCE_YOUR_CALM and closed.
///
/// A value type on an injected clock: the caller passes the time of each reset.
struct StreamResetLimiter {
    let limit: Int
    let window: TimeAmount
    private var windowStart: NIODeadline?
    private var count = 0

    init(limit: Int, window: TimeAmount) {
        self.limit = limit
        self.window = window
    }

    /// Records a reset at `now`; returns false once the limit is exceeded.
    mutating func record(at now: NIODeadline) -> Bool {
        if let start = windowStart, now - start < window {
            count += 1
        } else {
            windowStart = now
            count = 1
        }
        return count <= limit
    }
}
