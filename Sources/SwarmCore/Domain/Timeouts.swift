/// Time limits of a task, in Temporal's shape (proto `Timeouts`). See `TimeoutRules`
/// for what each one decides.
public struct Timeouts: Hashable, Sendable {
    /// Longest a task may stay ready before its first attempt is leased; nil: no limit.
    public var scheduleToStart: Duration?
    /// Longest one attempt may run from lease to result; the lease never extends past it.
    public var startToClose: Duration
    /// Longest the coordinator waits between heartbeats before the attempt is lost.
    public var heartbeat: Duration
    /// Longest the whole task may take from submission to a terminal state; nil: no limit.
    public var scheduleToClose: Duration?

    public init(
        scheduleToStart: Duration? = nil, startToClose: Duration = .seconds(600),
        heartbeat: Duration = .seconds(30), scheduleToClose: Duration? = nil
    ) {
        self.scheduleToStart = scheduleToStart
        self.startToClose = startToClose
        self.heartbeat = heartbeat
        self.scheduleToClose = scheduleToClose
    }
}
