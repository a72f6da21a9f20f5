import Synchronization

/// Reports waiting for a final acknowledgement, kept in memory and written to the spool
/// only when the coordinator cannot take them (or the agent stops with some left).
///
/// Why not spool every result first: an fsync per result would cap a worker at a few
/// hundred results a second. A result lost to a worker crash before it was reported is
/// not lost work for the system: its lease expires and the task runs again. A result
/// the coordinator could not take, though, is on disk before the agent moves on, and is
/// reported after a restart.
final class Outbox: Sendable {
    struct Item: Sendable, Equatable {
        var entry: SpoolEntry
        /// Its spool file, once written.
        var file: String?
    }

    private let items: Mutex<[Item]>

    init(spooled: [SpooledReport]) {
        items = Mutex(spooled.map { Item(entry: $0.entry, file: $0.name) })
    }

    func add(_ entry: SpoolEntry) {
        items.withLock { $0.append(Item(entry: entry, file: nil)) }
    }

    var snapshot: [Item] { items.withLock { $0 } }
    var isEmpty: Bool { items.withLock { $0.isEmpty } }

    /// Removes acknowledged items; returns their spool files to delete.
    func remove(where shouldRemove: (SpoolEntry) -> Bool) -> [String] {
        items.withLock { items in
            var files: [String] = []
            items.removeAll { item in
                guard shouldRemove(item.entry) else { return false }
                if let file = item.file { files.append(file) }
                return true
            }
            return files
        }
    }

    /// Writes every item not yet on disk to the spool; items the disk refuses stay in
    /// memory (and are retried at the next persist).
    func persist(to spool: ResultSpool) throws(WorkerStateError) {
        let pending = items.withLock { $0.filter { $0.file == nil }.map(\.entry) }
        var firstError: WorkerStateError?
        for entry in pending {
            do {
                let name = try spool.write(entry)
                items.withLock { items in
                    if let index = items.firstIndex(where: { $0.file == nil && $0.entry == entry }) {
                        items[index].file = name
                    }
                }
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }
}
