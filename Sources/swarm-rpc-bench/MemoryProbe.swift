import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Resident memory a server spends per idle HTTP/2 connection: its VmRSS before and
/// after `count` clients have each sent the preface and SETTINGS, received the
/// server's SETTINGS and acknowledged them, then gone quiet.
///
/// The clients are bare sockets in this process (a file descriptor each, no user
/// memory), so the server's growth is the server's alone.
enum MemoryProbe {
    struct Result {
        let beforeKiB: Int
        let afterKiB: Int
        let connections: Int
        var perConnectionKiB: Double { connections > 0 ? Double(afterKiB - beforeKiB) / Double(connections) : 0 }
    }

    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    static let settings: [UInt8] = [0, 0, 0, 4, 0, 0, 0, 0, 0]
    static let settingsAck: [UInt8] = [0, 0, 0, 4, 1, 0, 0, 0, 0]

    static func run(serverPID: Int32, port: Int, count: Int, within limit: Duration) throws -> Result {
        let deadline = ContinuousClock.now.advanced(by: limit)
        usleep(300_000)
        guard let before = residentKiB(of: serverPID) else { throw BenchError("no VmRSS for \(serverPID)") }
        var sockets: [Int32] = []
        sockets.reserveCapacity(count)
        defer { for fd in sockets { close(fd) } }
        let batch = 100
        while sockets.count < count {
            guard ContinuousClock.now < deadline else {
                throw BenchError("only \(sockets.count) of \(count) connections within \(limit)")
            }
            var opened: [Int32] = []
            for _ in 0..<min(batch, count - sockets.count) {
                let fd = try connectLoopback(port: port)
                opened.append(fd)
                sockets.append(fd)
                try send(fd, preface + settings)
            }
            // The server's SETTINGS proves it accepted the connection and made its session.
            for fd in opened {
                try receiveFrameHeader(fd)
                try send(fd, settingsAck)
            }
        }
        usleep(1_000_000)  // let the server finish with the last ones
        guard let after = residentKiB(of: serverPID) else { throw BenchError("no VmRSS for \(serverPID)") }
        return Result(beforeKiB: before, afterKiB: after, connections: sockets.count)
    }

    /// VmRSS from /proc/PID/status, in KiB.
    static func residentKiB(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }

    private static func connectLoopback(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: errno \(errno) (open-file limit?)") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            let error = errno
            close(fd)
            throw BenchError("connect: errno \(error)")
        }
        return fd
    }

    private static func send(_ fd: Int32, _ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw BenchError("write: errno \(errno)") }
    }

    private static func receiveFrameHeader(_ fd: Int32) throws {
        var header = [UInt8](repeating: 0, count: 9)
        var received = 0
        while received < header.count {
            let n = header.withUnsafeMutableBytes { buffer in
                guard let base = buffer.baseAddress else { return -1 }
                return read(fd, base + received, buffer.count - received)
            }
            guard n > 0 else { throw BenchError("the server sent no SETTINGS (read: \(n), errno \(errno))") }
            received += n
        }
        guard header[3] == 4 else { throw BenchError("the server's first frame is type \(header[3]), not SETTINGS") }
    }
}
