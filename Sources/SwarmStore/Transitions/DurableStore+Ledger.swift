import SwarmCore

extension DurableStore {
    public func ledgerEntries(account: AccountID, limit: Int) throws(StoreError) -> [LedgerEntry] {
        guard (1...10_000).contains(limit) else {
            throw StoreError(.invalidArgument, "a ledger page holds 1 to 10000 transactions, not \(limit)")
        }
        return try read { (work) throws(StoreError) -> [LedgerEntry] in
            let rows = try work.query(
                """
                SELECT t.seq, t.id, t.type, t.reference, p.account_id, p.amount_micros
                FROM ledger_transactions t JOIN postings p ON p.transaction_seq = t.seq
                WHERE t.seq IN (SELECT transaction_seq FROM postings WHERE account_id = ?
                                ORDER BY transaction_seq DESC LIMIT ?)
                ORDER BY t.seq, p.leg
                """, [.text(account.rawValue), .integer(Int64(limit))])
            var entries: [LedgerEntry] = []
            var lastSeq: Int64 = -1
            for row in rows {
                let seq = try row.int(0)
                let posting = Posting(account: AccountID(try row.text(4)), amountMicros: try row.int(5))
                if seq == lastSeq, !entries.isEmpty {
                    entries[entries.count - 1].postings.append(posting)
                } else {
                    guard let type = StoredEnums.transactionType(try row.text(2)) else {
                        throw StoreError.corrupt("unknown transaction type")
                    }
                    entries.append(
                        LedgerEntry(
                            id: TransactionID(try row.text(1)), type: type, reference: try row.text(3),
                            postings: [posting]))
                    lastSeq = seq
                }
            }
            return entries
        }
    }
}
