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
                WHERE t.seq IN (SELECT transaction_seq FROM postings WHERE \(LedgerSQL.postingsOf(account))
                                ORDER BY transaction_seq DESC LIMIT ?)
                ORDER BY t.seq, p.leg
                """, [.text(account.rawValue), .integer(Int64(limit))])
            return try Self.ledgerEntries(rows)
        }
    }
}
