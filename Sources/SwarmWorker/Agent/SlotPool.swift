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

    /// Wakes `waitForFreeSlot` so it can look at its stop condition.
    func interrupt() {
        freed.signal()
    }
}
