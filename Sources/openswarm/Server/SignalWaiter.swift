import Dispatch
import Glibc

/// Waits for one of some signals (SIGTERM, SIGINT) without the default action
/// killing the process, so that shutdown can be graceful.
enum SignalWaiter {
    static func wait(for signals: [Int32]) async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let queue = DispatchQueue(label: "openswarm.signals")
            let resumed = ResumeOnce(continuation)
            var sources: [DispatchSourceSignal] = []
            for number in signals {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler {
                    resumed.resume(number)
                    for source in sources { source.cancel() }
                }
                source.resume()
                sources.append(source)
            }
            SignalSources.keep(sources)
        }
    }

    /// Runs `handler` on each of `signals` (e.g. SIGTERM asks a worker to drain) until
    /// the process ends.
    static func onSignal(_ signals: [Int32], _ handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "openswarm.signals")
        var sources: [DispatchSourceSignal] = []
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            sources.append(source)
        }
        SignalSources.keep(sources)
    }
}

/// Keeps dispatch sources alive for the life of the process.
private enum SignalSources {
    nonisolated(unsafe) static var all: [DispatchSourceSignal] = []
    static let lock = NSLockLike()

    static func keep(_ sources: [DispatchSourceSignal]) {
        lock.withLock { all += sources }
    }
}

private final class ResumeOnce: @unchecked Sendable {
    private var continuation: CheckedContinuation<Int32, Never>?
    private let lock = NSLockLike()

    init(_ continuation: CheckedContinuation<Int32, Never>) { self.continuation = continuation }

    func resume(_ value: Int32) {
        let taken = lock.withLock { () -> CheckedContinuation<Int32, Never>? in
            defer { continuation = nil }
            return continuation
        }
        taken?.resume(returning: value)
    }
}

/// A pthread mutex, to avoid importing Foundation for one lock.
final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()

    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}
