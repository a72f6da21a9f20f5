/// How a task's escrow is divided when it ends.
///
/// Success pays each validated attempt its price, in the order given (the canonical
/// result first), each capped by what is left of the escrow, and refunds the rest to the
/// submitter; failure and cancellation refund everything. The amounts always add up to
/// the escrow exactly.
public struct Settlement: Hashable, Sendable {
    /// (account, amount) paid, in order; amounts are positive.
    public var payments: [(account: AccountID, amountMicros: Int64)]
    /// Returned to the submitter.
    public var refundMicros: Int64

    public static func == (lhs: Settlement, rhs: Settlement) -> Bool {
        lhs.refundMicros == rhs.refundMicros
            && lhs.payments.elementsEqual(rhs.payments) {
                $0.account == $1.account && $0.amountMicros == $1.amountMicros
            }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(refundMicros)
        for p in payments {
            hasher.combine(p.account)
            hasher.combine(p.amountMicros)
        }
    }

    /// The attempts a successful task pays, in the order `success` pays them: those whose
    /// result was validated (agreed or accepted alone), the canonical one first, then by
    /// attempt number.
    public static func payableAttempts(_ attempts: [Attempt], canonical: Int?) -> [Attempt] {
        attempts.filter { $0.verdict == .agreed || $0.verdict == .acceptedAlone }
            .sorted { ($0.number == canonical ? 0 : 1, $0.number) < ($1.number == canonical ? 0 : 1, $1.number) }
    }

    /// Pays `prices` (validated attempts) out of `escrowMicros`, refunding the rest.
    public static func success(escrowMicros: Int64, prices: [(account: AccountID, amountMicros: Int64)]) -> Settlement {
        var left = max(0, escrowMicros)
        var payments: [(account: AccountID, amountMicros: Int64)] = []
        for price in prices where left > 0 && price.amountMicros > 0 {
            let paid = min(left, price.amountMicros)
            payments.append((price.account, paid))
            left -= paid
        }
        return Settlement(payments: payments, refundMicros: left)
    }

    /// Refunds the whole escrow (failure, cancellation).
    public static func refund(escrowMicros: Int64) -> Settlement {
        Settlement(payments: [], refundMicros: max(0, escrowMicros))
    }
}
