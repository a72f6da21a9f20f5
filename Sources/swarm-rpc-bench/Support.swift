import CJemalloc
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A failed measurement: what went wrong, for a person to act on.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum Files {
    /// Writes through a temporary name, so a reader never sees half a file.
    static func writeAtomically(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, path) == 0 else { throw BenchError("cannot rename \(temporary)") }
    }

    /// Waits (bounded) for `path` to hold a port number.
    static func waitForPort(in path: String, child: Child, within limit: Duration) throws -> Int {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), let port = Int(text) { return port }
            guard child.isRunning else { throw BenchError("\(child.name) exited before serving: \(child.errors)") }
            usleep(20_000)
        }
        throw BenchError("\(child.name) did not serve within \(limit)")
    }
}

enum Limits {
    /// Raises the open-file limit to its hard limit; returns the soft limit now.
    @discardableResult
    static func raiseOpenFiles() -> Int {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0 else { return 0 }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(resource, &limit)
        _ = getrlimit(resource, &limit)
        return Int(limit.rlim_cur)
    }
}

enum Statistics {
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// The value below which `fraction` of `sorted` lies (nearest rank).
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// The allocator this binary (and so our echo server, `swarm-rpc-bench serve`) runs
/// on: jemalloc, linked for speed, or glibc's.
func allocator() -> String {
    cjemalloc_active_version().map { "jemalloc " + String(cString: $0) } ?? "glibc malloc"
}
