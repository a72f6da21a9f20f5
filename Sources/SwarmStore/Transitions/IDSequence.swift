import Synchronization

/// The ids a store makes (leases, ledger transactions, DAGs): `kind-PPPPPPPPBBBBBBB-CCCC`,
/// in base 36: 41 random bits per store instance (P), a block number that grows by one
/// per transaction (B), and a counter within the transaction (C).
///
/// Why ordered: the ids are B-tree keys (`leases.id`, `ledger_transactions.id`). With a
/// random prefix per transaction, as before, each batch inserted its ids at a random
/// place in those indexes, splitting pages in the middle of the tree; with the block
/// number, one store's ids arrive in key order and land on the rightmost leaf (the
/// SQLite WAL of a settled batch of 100 tasks fell from 75 to about 63 pages). The random
/// part keeps ids of different processes, or of a restarted one, apart.
final class IDSequence: Sendable {
    private let instance: String
    private let blocks = Atomic<UInt64>(0)

    init(instance seed: UInt64) {
        instance = Self.base36(seed % 2_821_109_907_456, digits: 8)  // 36^8
    }

    /// The prefix of the next transaction's ids (ordered while the block number has at
    /// most seven digits, 78 billion transactions; unique, no longer ordered, after that).
    func nextPrefix() -> String {
        let block = blocks.add(1, ordering: .relaxed).newValue
        return instance + Self.base36(block, digits: 7)
    }

    /// `value` in base 36, padded with zeros to `digits`, so that ids sort as numbers.
    static func base36(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 36)
        return text.count >= digits ? text : String(repeating: "0", count: digits - text.count) + text
    }
}
