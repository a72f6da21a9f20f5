import SwarmCore

/// SQL shared by the queries on ledger postings.
enum LedgerSQL {
    /// The condition on `column` (a postings `account_id`) that selects one account's legs,
    /// bound to one `?`. For every account but escrow it repeats the partial index's own
    /// condition, literally, so that both engines' planners can prove the index applies
    /// (a bound parameter would not do); escrow's legs, which the index leaves out, are
    /// read in the ledger's order.
    static func postingsOf(_ account: AccountID, column: String = "account_id") -> String {
        account == Ledger.escrow ? "\(column) = ?" : "\(column) = ? AND \(column) <> '\(Ledger.escrow.rawValue)'"
    }
}
