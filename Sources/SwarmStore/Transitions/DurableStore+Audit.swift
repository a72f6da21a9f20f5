import SwarmCore

extension DurableStore {
    /// Checks the books from the postings up and returns what is wrong, one sentence per
    /// problem; an empty list means the ledger is whole.
    ///
    /// Stronger than `ledgerTotal` (which only sums the balances): every account's
    /// balance is the sum of its postings, every transaction's legs sum to zero and it
    /// has at least two, and no leg names an account or transaction that does not exist.
    /// The last check stands where foreign keys stood before migration 7 (a settlement
    /// paid for a lookup in `accounts` and `ledger_transactions` per leg); the store writes
    /// a transaction's legs only after ensuring both accounts, in the same transaction.
    /// It reads every posting: for tests, audits and `openswarm` administration, not for
    /// a hot path.
    public func ledgerAudit() throws(StoreError) -> [String] {
        try read { (work) throws(StoreError) -> [String] in
            var problems: [String] = []
            let total = try work.query("SELECT COALESCE(SUM(balance_micros), 0) FROM accounts").first?.int(0) ?? 0
            if total != 0 { problems.append("the balances sum to \(total) micro-tokens, not 0") }
            for row in try work.query(
                """
                SELECT a.id, a.balance_micros, COALESCE(SUM(p.amount_micros), 0) FROM accounts a
                LEFT JOIN postings p ON p.account_id = a.id
                GROUP BY a.id, a.balance_micros HAVING a.balance_micros <> COALESCE(SUM(p.amount_micros), 0)
                ORDER BY a.id
                """)
            {
                problems.append(
                    "account \(try row.text(0)) holds \(try row.int(1)) micro-tokens but its postings sum to \(try row.int(2))"
                )
            }
            for row in try work.query(
                """
                SELECT transaction_seq, SUM(amount_micros), COUNT(*) FROM postings GROUP BY transaction_seq
                HAVING SUM(amount_micros) <> 0 OR COUNT(*) < 2 ORDER BY transaction_seq
                """)
            {
                let legs = try row.int(2)
                problems.append(
                    "ledger transaction #\(try row.int(0)) has \(legs) leg\(legs == 1 ? "" : "s") summing to \(try row.int(1))"
                )
            }
            for row in try work.query(
                """
                SELECT p.transaction_seq, p.account_id FROM postings p LEFT JOIN accounts a ON a.id = p.account_id
                WHERE a.id IS NULL ORDER BY p.transaction_seq, p.leg
                """)
            {
                problems.append(
                    "ledger transaction #\(try row.int(0)) posts to account \(try row.text(1)), which does not exist")
            }
            for row in try work.query(
                """
                SELECT DISTINCT p.transaction_seq FROM postings p
                LEFT JOIN ledger_transactions t ON t.seq = p.transaction_seq WHERE t.seq IS NULL
                ORDER BY p.transaction_seq
                """)
            {
                problems.append("postings name ledger transaction #\(try row.int(0)), which does not exist")
            }
            for row in try work.query(
                """
                SELECT t.id FROM ledger_transactions t
                WHERE NOT EXISTS (SELECT 1 FROM postings p WHERE p.transaction_seq = t.seq) ORDER BY t.seq
                """)
            {
                problems.append("ledger transaction \(try row.text(0)) has no postings")
            }
            return problems
        }
    }
}
