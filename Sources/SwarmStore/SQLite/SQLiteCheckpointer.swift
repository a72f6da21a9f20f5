private import CSQLite
private import CSQLiteWALCoalescing
import Dispatch
import Synchronization

/// Copies the WAL back into the database file on a thread of its own, so that no
/// commit waits for it.
///
/// SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000
/// pages: that commit (a submission, a result) then also writes ~50 database pages and
/// fsyncs the database file, ~0.8 ms on the machine we measure on, once every ~30
/// single tasks — the slowest few percent of submit-to-result latencies were the
/// tasks that drew it. Here the commit only notices the size (`walGrew`, from SQLite's
/// WAL hook) and this checkpointer runs a PASSIVE checkpoint through a second
/// connection, which never blocks the writer; the next write transaction after a
/// complete pass restarts the WAL from its beginning, so it stays small (a growing WAL
/// makes every read search more frames and every fsync flush file-size metadata).
/// Durability is unchanged: each commit is still fsynced in the WAL before it returns.
///
/// Should the background pass fall behind (a WAL past `inlineLimit` pages), the
/// committing connection checkpoints inline as SQLite would by default, which bounds
/// the WAL.
final class SQLiteCheckpointer: Sendable {
    /// SQLite's own default threshold for its automatic checkpoint.
    static let defaultThreshold: Int32 = 1_000

    /// WAL pages at which a commit asks for a background checkpoint.
    let threshold: Int32
    /// WAL pages at which the committing connection checkpoints inline instead.
    var inlineLimit: Int32 { threshold * 2 }

    private let connection: Mutex<OpaquePointer?>
    private let queue = DispatchQueue(label: "openswarm.sqlite.checkpoint", qos: .utility)
    private let requests = Mutex(Requests())
    private let completed = Atomic<Int>(0)

    /// The passes asked for since the WAL last started over.
    private struct Requests {
        /// The WAL's size at the last commit: a smaller one means it started over.
        var lastPages: Int32 = 0
        var passes = 0
        /// A pass is queued or running.
        var pending = false
    }

    /// The most background passes per WAL cycle (see `walGrew`).
    static let passesPerCycle = 4

    /// Opens a second connection to the database at `path` (already in WAL mode).
    init(path: String, threshold: Int32 = SQLiteCheckpointer.defaultThreshold) throws(StoreError) {
        self.threshold = max(1, threshold)
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, OPENSWARM_WAL_COALESCING_VFS)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw StoreError(.unavailable, "cannot open the SQLite checkpoint connection at \(path): \(message)")
        }
        // A connection finds the WAL only once it reads the database; until then a
        // checkpoint reports "not in WAL mode" and copies nothing.
        let mode = sqlite3_exec(handle, "PRAGMA journal_mode=WAL", nil, nil, nil)
        guard mode == SQLITE_OK else {
            let message = String(cString: sqlite3_errmsg(handle))
            sqlite3_close_v2(handle)
            throw StoreError(.unavailable, "cannot open the SQLite checkpoint connection at \(path): \(message)")
        }
        connection = Mutex(handle)
    }

    deinit {
        connection.withLock { handle in
            sqlite3_close_v2(handle)
            handle = nil
        }
    }

    /// Background checkpoints completed (for tests and diagnostics).
    var completedPasses: Int { completed.load(ordering: .acquiring) }

    /// Called by the committing connection with the WAL's size after a commit. Returns
    /// true when the caller should checkpoint inline (the background has fallen behind).
    ///
    /// The WAL starts over only at a write that finds every frame copied, so a pass
    /// must end before the next commit: the first pass, at the threshold, copies the
    /// most and rarely does; the next, asked for by the first commit after it ends,
    /// copies only that commit's pages and usually fits between two single tasks. A
    /// writer that never pauses is not chased past `passesPerCycle` passes (each costs
    /// an fsync of the database file); the inline fallback then starts its WAL over.
    func walGrew(pages: Int32) -> Bool {
        if pages >= inlineLimit { return true }
        let due = requests.withLock { requests -> Bool in
            if pages < requests.lastPages { requests.passes = 0 }
            requests.lastPages = pages
            guard pages >= threshold, !requests.pending, requests.passes < Self.passesPerCycle else { return false }
            requests.pending = true
            requests.passes += 1
            return true
        }
        if due { queue.async { self.checkpoint() } }
        return false
    }

    /// One PASSIVE checkpoint: copies what it can without waiting for the writer.
    private func checkpoint() {
        let done = connection.withLock { handle -> Bool in
            guard let handle else { return false }
            var frames: Int32 = 0
            var copied: Int32 = 0
            let rc = sqlite3_wal_checkpoint_v2(handle, "main", SQLITE_CHECKPOINT_PASSIVE, &frames, &copied)
            // -1: the connection does not see a WAL (nothing was checkpointed).
            return rc == SQLITE_OK && frames >= 0
        }
        requests.withLock { $0.pending = false }
        if done { completed.add(1, ordering: .releasing) }
    }

    /// Waits for a pass under way and closes the connection; later requests are ignored.
    func close() {
        queue.sync {}
        connection.withLock { handle in
            sqlite3_close_v2(handle)
            handle = nil
        }
    }
}
