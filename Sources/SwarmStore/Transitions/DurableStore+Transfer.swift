import SwarmCore

/// Transfers between accounts (LedgerService.Transfer): one balanced transaction, the
/// source's balance checked by `UnitOfWork.post` and debited at flush by a guarded update.
extension DurableStore {
    public func transfer(_ params: TransferParams) throws(StoreError) -> TransferOutcome {
        guard params.amountMicros > 0 else {
            throw StoreError(.invalidArgument, "a transfer moves a positive amount, not \(params.amountMicros)")
        }
        guard params.from != params.to else {
            throw StoreError(.invalidArgument, "a transfer needs two different accounts")
        }
        guard params.from != Ledger.issuance, params.from != Ledger.escrow else {
            throw StoreError(.invalidArgument, "system accounts cannot be the source of a transfer")
        }
        // The idempotency key lives in the transaction's reference, scoped to the source
        // account so that two users' keys never meet.
        let reference = params.requestID.map { "transfer:\(params.from):\($0)" } ?? "transfer"
        return try write { (work) throws(StoreError) -> TransferOutcome in
            if params.requestID != nil {
                let rows = try work.query(
                    """
                    SELECT t.seq, t.id, t.type, t.reference, p.account_id, p.amount_micros
                    FROM ledger_transactions t JOIN postings p ON p.transaction_seq = t.seq
                    WHERE t.reference = ? ORDER BY t.seq, p.leg
                    """, [.text(reference)])
                if let earlier = try Self.ledgerEntries(rows).first {
                    let same =
                        earlier.postings.contains { $0.account == params.to && $0.amountMicros == params.amountMicros }
                    guard same else {
                        throw StoreError(
                            .alreadyExists,
                            "request_id \(params.requestID ?? "") was used for another transfer from \(params.from)")
                    }
                    return TransferOutcome(
                        entry: earlier, fromBalance: try work.balance(of: params.from) ?? 0, repeated: true)
                }
            }
            let entry = try work.post(
                .transfer, from: params.from, to: params.to, amount: params.amountMicros, reference: reference,
                now: params.now)
            // `post` debits at flush (a guarded update, the first lock this transaction
            // takes on an account); after it, the row this transaction holds is the
            // source's balance.
            try work.flush()
            let after = try work.balance(of: params.from) ?? 0
            return TransferOutcome(entry: entry, fromBalance: after, repeated: false)
        }
    }
}
