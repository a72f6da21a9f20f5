import NIOCore
import NIOPosix
import Synchronization

/// Wakes waiters when something they may care about changed: new work for LeaseTasks
/// long polls, task changes for watchers. A waiter reads `generation`, looks, and if it
/// found nothing waits for a later generation, so no signal between the look and the
/// wait is ever missed. No polling: waiters sleep until signalled or their timeout.
final class ChangeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiters whose timeout or cancellation came before they registered.
        var released: Set<Int> = []
    }

    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }

    func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation &+= 1
            defer { state.waiters.removeAll(keepingCapacity: true) }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the generation differs from `seen`, after `timeout`, or when the
    /// calling task is cancelled, whichever comes first.
    func wait(after seen: UInt64, timeout: Duration) async {
        guard timeout > .zero else { return }
        let id = state.withLock { state -> Int in
            state.nextID &+= 1
            return state.nextID
        }
        let timer = Timer(after: timeout) { self.resume(id) }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.generation != seen || Task.isCancelled || state.released.remove(id) != nil {
                        return true
                    }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.resume(id)
        }
        timer.cancel()
        state.withLock { _ = $0.released.remove(id) }
    }

    private func resume(_ id: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiters.removeValue(forKey: id) else {
                state.released.insert(id)
                return nil
            }
            return waiter
        }
        waiter?.resume()
    }
}

/// A waiter's timeout. On an event loop (where RPC handlers run) it is a task scheduled
/// on that loop: set and cancelled without waking another thread. Elsewhere it is a
/// sleeping Task, whose start and cancellation each wake a thread of the global pool:
/// with two waits a task, those were about a fifth of the coordinator's thread switches.
private enum Timer {
    case scheduled(Scheduled<Void>)
    case sleeping(Task<Void, Never>)

    init(after timeout: Duration, _ fire: @escaping @Sendable () -> Void) {
        if let loop = MultiThreadedEventLoopGroup.currentEventLoop {
            self = .scheduled(loop.scheduleTask(in: TimeAmount(timeout), fire))
        } else {
            self = .sleeping(
                Task {
                    // A cancelled timer (the waiter woke first) must not release anything.
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    fire()
                })
        }
    }

    func cancel() {
        switch self {
        case .scheduled(let scheduled): scheduled.cancel()
        case .sleeping(let task): task.cancel()
        }
    }
}
