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
                // Two transfers with one key, at once: the source's row lock makes the
                // second wait for the first's commit, then find it (each statement sees
                // what committed before it). Both accounts are locked, in id order, as
                // every transaction locks accounts: the destination's row would
                // otherwise be taken at flush after the source's, against that order.
                try work.lockAccounts([params.from, params.to])
                let rows = try work.query(
                    """
                    SELECT t.seq, t.id, t.type, t.reference, p.account_id, p.amount_micros
                    FROM ledger_transactions t JOIN postings p ON p.transaction_seq = t.seq
                    WHERE t.reference = ? AND t.type = 'transfer' ORDER BY t.seq, p.leg
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
