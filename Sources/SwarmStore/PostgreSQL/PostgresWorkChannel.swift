private import CLibpq
import Glibc
import Synchronization

/// Cross-coordinator wake-ups over PostgreSQL's LISTEN/NOTIFY: a coordinator that
/// makes work leasable (a submission, a retry, a released lease) calls `announce()`;
/// every coordinator listening on the same database, itself included, gets `onWork`
/// called soon after, so its long-polling workers look again without sleep-polling.
///
/// One dedicated libpq connection per coordinator: it LISTENs, and a thread waits on
/// its socket with poll(2). `announce()` never blocks: it wakes that thread, which
/// sends the NOTIFY, so a burst of announcements costs one NOTIFY.
public final class PostgresWorkChannel: Sendable {
    public static let channel = "openswarm_work"

    private let listener: Mutex<ListenerThread?> = Mutex(nil)

    /// Connects and starts listening; `onWork` runs on the listener's thread.
    public init(url: String, onWork: @escaping @Sendable () -> Void) throws(StoreError) {
        let thread = try ListenerThread(url: url, channel: Self.channel, onNotify: onWork)
        listener.withLock { $0 = thread }
    }

    /// Tells every listening coordinator that work may be leasable now.
    public func announce() {
        listener.withLock { $0?.notify() }
    }

    public func close() {
        listener.withLock { thread in
            thread?.stop()
            thread = nil
        }
    }
}

/// The listening connection and the one thread that uses it: it waits for
/// notifications and for wake-ups on a pipe (a byte 2 asks for a NOTIFY, a byte 1 to
/// stop).
private final class ListenerThread: @unchecked Sendable {
    private let conn: OpaquePointer
    private let channel: String
    private let onNotify: @Sendable () -> Void
    private let stopPipe: (read: Int32, write: Int32)
    private var thread: pthread_t?

    init(url: String, channel: String, onNotify: @escaping @Sendable () -> Void) throws(StoreError) {
        guard let conn = PQconnectdb(url), PQstatus(conn) == CONNECTION_OK else {
            throw StoreError(.unavailable, "cannot open the PostgreSQL LISTEN connection")
        }
        self.conn = conn
        self.channel = channel
        self.onNotify = onNotify
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            PQfinish(conn)
            throw StoreError(.unavailable, "pipe() failed for the LISTEN thread")
        }
        stopPipe = (fds[0], fds[1])
        let result = PQexec(conn, "LISTEN \(channel)")
        let ok = PQresultStatus(result) == PGRES_COMMAND_OK
        PQclear(result)
        guard ok else {
            PQfinish(conn)
            throw StoreError(.unavailable, "LISTEN \(channel) failed")
        }
        let box = Unmanaged.passRetained(self)
        var handle = pthread_t()
        let status = pthread_create(
            &handle, nil,
            { raw in
                let listener = Unmanaged<ListenerThread>.fromOpaque(raw!).takeRetainedValue()
                listener.loop()
                return nil
            }, box.toOpaque())
        guard status == 0 else {
            box.release()
            PQfinish(conn)
            throw StoreError(.unavailable, "cannot start the LISTEN thread")
        }
        thread = handle
    }

    func notify() {
        var byte: UInt8 = 2
        _ = write(stopPipe.write, &byte, 1)
    }

    func stop() {
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
        if let thread { pthread_join(thread, nil) }
        close(stopPipe.read)
        close(stopPipe.write)
        PQfinish(conn)
    }

    private func loop() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let socket = PQsocket(conn)
            guard socket >= 0 else { return }
            var fds = [
                pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, 1_000)
            if ready < 0 && errno != EINTR { return }
            if fds[1].revents != 0 {
                let count = read(stopPipe.read, &buffer, buffer.count)
                if count <= 0 || buffer[0..<count].contains(1) { return }
                let result = PQexec(conn, "NOTIFY \(channel)")
                PQclear(result)
            }
            guard fds[0].revents != 0 || fds[1].revents != 0 else { continue }
            guard PQconsumeInput(conn) == 1 else { return }
            var notified = false
            while let notification = PQnotifies(conn) {
                notified = true
                PQfreemem(notification)
            }
            if notified { onNotify() }
        }
    }
}
