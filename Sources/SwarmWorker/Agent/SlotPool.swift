import Synchronization

/// The agent's slots: how many attempts may run at once. The lease loop asks the
/// coordinator only for as many tasks as there are free slots, and waits here (without
/// polling) while none is free.
final class SlotPool: Sendable {
    let capacity: Int
    private let used = Mutex(0)
    private let freed = AsyncSignal()

    init(capacity: Int) {
        self.capacity = capacity
    }

    var free: Int { used.withLock { max(0, capacity - $0) } }

    func acquire() {
        used.withLock { $0 += 1 }
    }

    func release() {
        used.withLock { $0 = max(0, $0 - 1) }
        freed.signal()
    }

    /// Returns when a slot is free, or when `interrupt()` is called (draining).
    func waitForFreeSlot(unless stop: () -> Bool) async {
        while free == 0, !stop(), !Task.isCancelled {
            await freed.wait(upTo: .seconds(1))
        }
    }

    /// Returns when `wanted` slots are free (at most the capacity), or `window` after
    /// the first one is: a busy node then leases a batch per round trip instead of a
    /// task each time one of its attempts ends (a lease costs the coordinator a
    /// transaction whatever its size). An idle node, all slots free, does not wait.
    func waitForFreeSlots(_ wanted: Int, within window: Duration, unless stop: () -> Bool) async {
        await waitForFreeSlot(unless: stop)
        let target = min(max(1, wanted), capacity)
        guard free < target else { return }
        let deadline = ContinuousClock.now + window
        while free < target, !stop(), !Task.isCancelled {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return }
            await freed.wait(upTo: left)
        }
    }

    /// Wakes `waitForFreeSlot` so it can look at its stop condition.
    func interrupt() {
        freed.signal()
    }
}
