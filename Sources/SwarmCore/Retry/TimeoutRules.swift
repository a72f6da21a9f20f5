/// The time limits as pure functions of `now` (Temporal's shape).
///
/// - start-to-close: an attempt's lease never extends past `leaseTime + startToClose`;
/// - heartbeat: each heartbeat moves the deadline to `now + heartbeat` (within that cap);
/// - schedule-to-start: a task ready for longer without any lease fails `timedOut`;
/// - schedule-to-close: a task not terminal this long after submission fails `timedOut`.
public enum TimeoutRules {
    /// The deadline of a lease granted at `leaseTime`, before any heartbeat.
    public static func initialDeadline(leaseTime: Instant, timeouts: Timeouts) -> Instant {
        leaseTime + min(timeouts.heartbeat, timeouts.startToClose)
    }

    /// The deadline after a heartbeat at `now`.
    public static func deadline(afterHeartbeatAt now: Instant, leaseTime: Instant, timeouts: Timeouts) -> Instant {
        min(now + timeouts.heartbeat, leaseTime + timeouts.startToClose)
    }

    /// Whether an attempt with `deadline` is lost at `now` (deadline reached).
    public static func isExpired(deadline: Instant, now: Instant) -> Bool { now >= deadline }

    /// When a task times out as a whole, if ever: the earlier of schedule-to-close from
    /// submission and, while it has never been leased, schedule-to-start from readiness.
    public static func taskDeadline(submittedAt: Instant, readyAt: Instant?, everLeased: Bool, timeouts: Timeouts)
        -> Instant?
    {
        var deadline: Instant? = timeouts.scheduleToClose.map { submittedAt + $0 }
        if !everLeased, let readyAt, let limit = timeouts.scheduleToStart {
            let start = readyAt + limit
            deadline = deadline.map { min($0, start) } ?? start
        }
        return deadline
    }
}
