import Synchronization

/// The agent's slots: how many attempts may run at once.
///
/// A slot is free, running an attempt, or held: asked for by a lease request in flight
/// (a long poll, or a report that leases), or kept by a finished attempt's result until
/// the report that carries it has asked for the next lease with it. Requests take only
/// slots neither running nor held, so two requests in flight never ask for the same
/// slot and the node never runs more attempts than it has slots.
final class SlotPool: Sendable {
    let capacity: Int
    private let counts = Mutex(Counts())
    private let freed = AsyncSignal()

    private struct Counts {
        var running = 0
        var held = 0
    }

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Slots not running an attempt: what the node tells the coordinator it has free.
    var free: Int { counts.withLock { max(0, capacity - $0.running) } }

    /// Slots a new lease request may take (neither running nor held).
    var available: Int { counts.withLock { max(0, capacity - $0.running - $0.held) } }

    /// Holds up to `count` available slots for a lease request; returns how many.
    func reserve(upTo count: Int) -> Int {
        counts.withLock { counts in
            let taken = min(max(0, count), max(0, capacity - counts.running - counts.held))
            counts.held += taken
            return taken
        }
    }

    /// Gives back `count` held slots (a request's leftovers, or a result's slot that
    /// will not lease).
    func release(_ count: Int) {
        guard count > 0 else { return }
        counts.withLock { $0.held = max(0, $0.held - count) }
        freed.signal()
    }

    /// A held slot starts running a granted lease.
    func start() {
        counts.withLock { counts in
            counts.held = max(0, counts.held - 1)
            counts.running += 1
        }
    }

    /// An attempt ended; its slot becomes available, or stays held for its result's
    /// report (`keep`).
    func finish(keep: Bool = false) {
        counts.withLock { counts in
            counts.running = max(0, counts.running - 1)
            if keep { counts.held += 1 }
        }
        if !keep { freed.signal() }
    }

    /// Returns when a slot is available, or when `interrupt()` is called (draining).
    func waitForAvailableSlot(unless stop: () -> Bool) async {
        while available == 0, !stop(), !Task.isCancelled {
            await freed.wait(upTo: .seconds(1))
        }
    }

    /// Returns when `wanted` slots are available (at most the capacity), or `window`
    /// after the first one is: a busy node then leases a batch per round trip instead
    /// of a task each time one of its attempts ends (a lease costs the coordinator a
    /// transaction whatever its size). An idle node, all slots free, does not wait.
    func waitForAvailableSlots(_ wanted: Int, within window: Duration, unless stop: () -> Bool) async {
        await waitForAvailableSlot(unless: stop)
        let target = min(max(1, wanted), capacity)
        guard available < target else { return }
        let deadline = ContinuousClock.now + window
        while available < target, !stop(), !Task.isCancelled {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return }
            await freed.wait(upTo: left)
        }
    }

    /// Wakes `waitForAvailableSlot` so it can look at its stop condition.
    func interrupt() {
        freed.signal()
    }
}
