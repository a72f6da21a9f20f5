import Dispatch
import Glibc
import Synchronization

/// Signals (SIGTERM, SIGINT) delivered to a handler instead of their default action,
/// so that shutdown and draining can be graceful.
enum SignalWaiter {
    /// Waits for the first of `signals`.
    static func wait(for signals: [Int32]) async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let pending = Mutex<CheckedContinuation<Int32, Never>?>(continuation)
            onSignal(signals) { number in
                pending.withLock { taken in
                    defer { taken = nil }
                    return taken
                }?.resume(returning: number)
            }
        }
    }

    /// Runs `handler` on each of `signals` (e.g. SIGTERM asks a worker to drain) until
    /// the process ends.
    static func onSignal(_ signals: [Int32], _ handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "openswarm.signals")
        let sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
        kept.withLock { $0 += sources.map(SignalSource.init) }
    }

    /// Dispatch sources live only while referenced: these are kept for the process's life.
    private static let kept = Mutex<[SignalSource]>([])

    private struct SignalSource: @unchecked Sendable {
        // Dispatch sources are thread-safe; the wrapper only lets them sit in a Mutex.
        let source: any DispatchSourceSignal
    }
}
