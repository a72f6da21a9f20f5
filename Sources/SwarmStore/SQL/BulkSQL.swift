import Synchronization

/// The text of a multi-row statement (`head`, then `size` copies of `row` separated by
/// commas, then `tail`), built once per shape and shared.
///
/// Why: a 128-row statement is some 2 KB assembled from 260 pieces, and a transaction
/// that settles and leases a batch writes a dozen of them; building them every time was
/// about 2% of the store bench's CPU. The shapes are few (each call site's literals at
/// power-of-two sizes); PostgreSQL's key lists, which take any length, are built each
/// time rather than kept.
enum BulkSQL {
    private struct Shape: Hashable {
        var head: String
        var row: String
        var tail: String
        var size: Int
    }

    private static let cache = Mutex<[Shape: String]>([:])

    static func text(_ head: String, row: String, tail: String, size: Int) -> String {
        guard size > 0, size & (size - 1) == 0 else { return build(head, row: row, tail: tail, size: size) }
        let shape = Shape(head: head, row: row, tail: tail, size: size)
        if let text = cache.withLock({ $0[shape] }) { return text }
        let text = build(head, row: row, tail: tail, size: size)
        cache.withLock { $0[shape] = text }
        return text
    }

    private static func build(_ head: String, row: String, tail: String, size: Int) -> String {
        var sql = head
        sql.reserveCapacity(head.utf8.count + size * (row.utf8.count + 2) + tail.utf8.count)
        for index in 0..<size {
            if index > 0 { sql += ", " }
            sql += row
        }
        sql += tail
        return sql
    }
}
