import SwarmCore
import SwarmStore
import Synchronization

/// The LeaseTasks long polls waiting for work, and the signal that wakes them; and how
/// a submission hands its tasks straight to them ("sync match").
///
/// Without a hand-off a submission commits, wakes every poller, and each then leases in
/// a transaction of its own: a second commit (an fsync on SQLite) and two more thread
/// hops before a task can start. Instead a submission claims parked pollers, leases for
/// them inside its own transaction, and once that has committed hands each its leases:
/// the task's first lease commits with the task. Only a submission that left some of
/// its tasks unleased wakes the other pollers.
///
/// A poller is `busy` while it leases for itself and `parked` while it waits; only a
/// parked poller can be claimed. A claimed poller stays until it is handed its leases
/// (possibly none: the node may not be eligible) or released (the submission failed),
/// so a lease granted for it is never dropped by its leaving. Only a cancelled call
/// leaves while claimed; the submission then hands its leases back to the queue.
final class LeaseHandoff: Sendable {
    /// One waiting LeaseTasks call.
    final class Waiter: Sendable {
        let node: NodeID
        let maxTasks: Int
        /// Wakes this poller: new work anywhere, or its own hand-off.
        let signal = ChangeSignal()
        fileprivate let state = Mutex(State.busy)

        fileprivate init(node: NodeID, maxTasks: Int) {
            self.node = node
            self.maxTasks = maxTasks
        }
    }

    fileprivate enum State {
        case busy
        case parked
        case claimed
        case handed([GrantedLease])
        case gone
    }

    /// What a poller finds when it wakes.
    enum Wake {
        /// Nothing was handed: lease for itself.
        case lease
        /// A submission handed it these leases (possibly none).
        case handed([GrantedLease])
        /// A submission is leasing for it: wait for the hand-off.
        case claimed
    }

    private let waiters = Mutex<[Waiter]>([])

    /// Registers a poller (busy: it leases for itself first).
    func register(node: NodeID, maxTasks: Int) -> Waiter {
        let waiter = Waiter(node: node, maxTasks: maxTasks)
        waiters.withLock { $0.append(waiter) }
        return waiter
    }

    /// Removes a poller that is done; a hand-off still under way for it finds it gone.
    func unregister(_ waiter: Waiter) {
        waiter.state.withLock { $0 = .gone }
        waiters.withLock { list in list.removeAll { $0 === waiter } }
    }

    /// Polls parked now (waiting, claimable).
    var parked: Int {
        waiters.withLock { list in
            list.filter { waiter in waiter.state.withLock { if case .parked = $0 { true } else { false } } }.count
        }
    }

    /// New or returned work: wakes every poller.
    func signal() {
        for waiter in waiters.withLock({ $0 }) { waiter.signal.signal() }
    }

    /// Capacity freed on `node` only: wakes that node's polls.
    func signal(node: NodeID) {
        for waiter in waiters.withLock({ $0 }) where waiter.node == node { waiter.signal.signal() }
    }

    /// The poller found nothing and is about to wait: submissions may claim it.
    func park(_ waiter: Waiter) {
        waiter.state.withLock { state in
            if case .busy = state { state = .parked }
        }
    }

    /// The poller woke: what it should do, leaving it busy unless it is claimed.
    func wake(_ waiter: Waiter) -> Wake {
        waiter.state.withLock { state -> Wake in
            switch state {
            case .claimed:
                return .claimed
            case .handed(let leases):
                state = .busy
                return .handed(leases)
            case .busy, .parked, .gone:
                if case .parked = state { state = .busy }
                return .lease
            }
        }
    }

    /// Claims parked pollers, oldest first, until they can take `tasks` tasks between
    /// them (at least one poller when any is parked).
    func claim(forTasks tasks: Int) -> [Waiter] {
        guard tasks > 0 else { return [] }
        var claimed: [Waiter] = []
        var capacity = 0
        for waiter in waiters.withLock({ $0 }) where capacity < tasks {
            let taken = waiter.state.withLock { state -> Bool in
                guard case .parked = state else { return false }
                state = .claimed
                return true
            }
            if taken {
                claimed.append(waiter)
                capacity += waiter.maxTasks
            }
        }
        return claimed
    }

    /// After the submission's commit: gives a claimed poller what was leased for it.
    /// False when the poller has gone (its call was cancelled): the caller hands the
    /// leases back.
    @discardableResult
    func hand(_ waiter: Waiter, _ leases: [GrantedLease]) -> Bool {
        let delivered = waiter.state.withLock { state -> Bool in
            guard case .claimed = state else { return false }
            state = .handed(leases)
            return true
        }
        waiter.signal.signal()
        return delivered
    }

    /// The submission failed: its claimed pollers go back to waiting, and lease for
    /// themselves at once (the work they were claimed for may still be there).
    func release(_ claimed: [Waiter]) {
        for waiter in claimed {
            waiter.state.withLock { state in
                if case .claimed = state { state = .busy }
            }
            waiter.signal.signal()
        }
    }
}
