import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child process the benchmark started, and must stop: SIGTERM, then SIGKILL if it
/// is still there after a second.
final class Child {
    let name: String
    private let process = Process()
    private let stdin = Pipe()
    private let errorLog: String

    /// Starts `executable` with `arguments`; its stdout is discarded, its stderr kept
    /// in a temporary file for error messages, its stdin is a pipe closed on `stop()`.
    init(_ name: String, _ executable: String, _ arguments: [String], workDirectory: String) throws {
        self.name = name
        errorLog = workDirectory + "/\(name).stderr"
        _ = FileManager.default.createFile(atPath: errorLog, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorLog))
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var errors: String { ((try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? "").suffix(2_000).description }

    func stop() {
        try? stdin.fileHandleForWriting.close()
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<100 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for _ in 0..<100 where process.isRunning { usleep(10_000) }
    }

    /// Runs `executable` to its end (killed after `limit`); returns its stdout.
    static func output(of executable: String, _ arguments: [String], within limit: Duration) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read while it runs, so a full pipe cannot stall it.
        let reader = OutputCollector(output.fileHandleForReading)
        let deadline = ContinuousClock.now.advanced(by: limit)
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            for _ in 0..<100 where process.isRunning { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw BenchError("\(executable) took longer than \(limit)")
        }
        return reader.finish()
    }
}

/// Drains a pipe on its own thread.
private final class OutputCollector: @unchecked Sendable {
    // Written by the reader thread before `done` is signalled, read after.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func finish() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Reserves a free loopback port for a server that must be told one (nghttpd).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BenchError("socket: \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
        }
    }
    guard bound else { throw BenchError("bind: \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
