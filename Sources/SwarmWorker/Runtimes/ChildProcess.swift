import Dispatch
import Foundation
import Synchronization

/// A subprocess in its own process group, with pipes for stdin, stdout and stderr.
///
/// Why not Foundation's `Process`: it cannot start the child in a new process group,
/// and a shell script's own children (`sleep 30` inside `run.sh`) would survive a
/// SIGTERM to the script and keep its stdout open. Here the whole group is signalled.
/// Blocking calls (read, write, waitpid) run on Dispatch's global queue, never on the
/// Swift concurrency pool.
final class ChildProcess: Sendable {
    let pid: pid_t
    let stdin: Int32
    let stdout: Int32
    let stderr: Int32

    private init(pid: pid_t, stdin: Int32, stdout: Int32, stderr: Int32) {
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Starts `argv[0]` (an absolute path) with `argv`, inheriting the environment,
    /// with default dispositions for the signals a server usually ignores or catches.
    static func spawn(_ argv: [String]) throws(RuntimeFailure) -> ChildProcess {
        // Pipes are made close-on-exec in two steps (pipe2 is not importable); the lock
        // keeps a concurrent spawn from inheriting another child's pipe ends between them.
        try spawnLock.withLock { _ throws(RuntimeFailure) in try spawnLocked(argv) }
    }

    private static let spawnLock = Mutex(())

    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    private static func spawnLocked(_ argv: [String]) throws(RuntimeFailure) -> ChildProcess {
        guard let program = argv.first else {
            throw RuntimeFailure(.invalidInput, "the exec runtime has no program")
        }
        var inPipe: [Int32] = [-1, -1]
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard makePipe(&inPipe), makePipe(&outPipe), makePipe(&errPipe) else {
            let text = String(cString: strerror(errno))
            for fd in inPipe + outPipe + errPipe where fd >= 0 { close(fd) }
            throw RuntimeFailure(.resourceExhausted, "cannot create pipes for \(program): \(text)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, program, &actions, &attributes, &cArguments, environ)
        close(inPipe[0])
        close(outPipe[1])
        close(errPipe[1])
        guard status == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            close(errPipe[0])
            throw RuntimeFailure(
                .runtimeUnavailable, "cannot start \(program): \(String(cString: strerror(status)))")
        }
        return ChildProcess(pid: pid, stdin: inPipe[1], stdout: outPipe[0], stderr: errPipe[0])
    }

    /// Sends `signal` to the child's whole process group.
    func signalGroup(_ signal: Int32) {
        kill(-pid, signal)
    }

    /// Writes `bytes` to stdin and closes it. A child that exits without reading gets
    /// EPIPE, which is ignored (SIGPIPE must be ignored in this process).
    func writeStdinAndClose(_ bytes: [UInt8]) async {
        let fd = stdin
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                var offset = 0
                bytes.withUnsafeBytes { buffer in
                    while offset < buffer.count {
                        let n = write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                        if n < 0 {
                            if errno == EINTR { continue }
                            break
                        }
                        offset += n
                    }
                }
                close(fd)
                continuation.resume()
            }
        }
    }

    /// Reads `fd` to its end and closes it; keeps at most `limit` bytes (the last ones
    /// when `keepTail`).
    static func readAll(_ fd: Int32, limit: Int = Int.max, keepTail: Bool = false) async -> [UInt8] {
        await withCheckedContinuation { (continuation: CheckedContinuation<[UInt8], Never>) in
            DispatchQueue.global().async {
                var collected: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 64 * 1024)
                while true {
                    let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n < 0 {
                        if errno == EINTR { continue }
                        break
                    }
                    if n == 0 { break }
                    collected += chunk[0..<n]
                    if collected.count > limit {
                        if keepTail {
                            collected.removeFirst(collected.count - limit)
                        } else {
                            collected.removeLast(collected.count - limit)
                        }
                    }
                }
                close(fd)
                continuation.resume(returning: collected)
            }
        }
    }

    /// How the child ended.
    enum Termination: Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Waits for the child to end (reaping it).
    func wait() async -> Termination {
        let pid = self.pid
        return await withCheckedContinuation { (continuation: CheckedContinuation<Termination, Never>) in
            DispatchQueue.global().async {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 {
                    if errno != EINTR {
                        continuation.resume(returning: .exited(-1))
                        return
                    }
                }
                // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
                if status & 0x7f == 0 {
                    continuation.resume(returning: .exited((status >> 8) & 0xff))
                } else {
                    continuation.resume(returning: .signalled(status & 0x7f))
                }
            }
        }
    }
}
