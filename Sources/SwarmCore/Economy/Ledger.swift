/// The double-entry token ledger (proto `Account`, `Posting`, `TokenTransaction`).
///
/// Every change is a `Transaction` whose postings sum to zero, so the sum of all
/// balances is always zero. New tokens come only from `mint`, which debits the issuance
/// account (its balance is minus everything minted); the circulating supply therefore
/// changes only by mints. Only the issuance account may go negative.
public struct Ledger: Hashable, Sendable {
    /// The account mints debit.
    public static let issuance: AccountID = "system:issuance"
    /// The account holding every unfinished task's escrow.
    public static let escrow: AccountID = "system:escrow"

    public private(set) var balances: [AccountID: Int64] = [:]
    /// Every committed transaction, oldest first.
    public private(set) var transactions: [Transaction] = []

    public init() {}

    public func balance(of account: AccountID) -> Int64 { balances[account] ?? 0 }

    /// Tokens in circulation: everything ever minted.
    public var circulatingMicros: Int64 { -balance(of: Self.issuance) }

    /// Sum over all accounts; zero whenever the ledger is consistent.
    public var totalMicros: Int64 { balances.values.reduce(0, &+) }

    /// Admin creation of tokens: issuance → `account`.
    @discardableResult
    public mutating func mint(_ amount: Int64, to account: AccountID, reference: String = "") throws(LedgerError)
        -> Transaction
    {
        try post(.mint, from: Self.issuance, to: account, amount: amount, reference: reference)
    }

    /// Moves `amount` from one account to another as one balanced transaction.
    ///
    /// Refused (and nothing changes) when the amount is not positive or the payer
    /// would go negative.
    @discardableResult
    public mutating func post(
        _ type: TransactionType, from: AccountID, to: AccountID, amount: Int64, reference: String = ""
    ) throws(LedgerError) -> Transaction {
        guard amount > 0 else {
            throw LedgerError(.invalidAmount, "a transaction moves a positive amount (got \(amount))")
        }
        guard from != to else {
            throw LedgerError(.invalidAmount, "a transaction needs two different accounts (got \(from) twice)")
        }
        let available = balance(of: from)
        if from != Self.issuance && available < amount {
            throw LedgerError(
                .insufficientFunds, "account \(from) holds \(available) micro-tokens but \(amount) are needed")
        }
        let transaction = Transaction(
            id: TransactionID("tx-\(transactions.count + 1)"), type: type, reference: reference,
            postings: [Posting(account: from, amountMicros: -amount), Posting(account: to, amountMicros: amount)])
        try apply(transaction)
        return transaction
    }

    /// Applies a transaction built elsewhere, after checking it balances.
    public mutating func apply(_ transaction: Transaction) throws(LedgerError) {
        guard transaction.isBalanced else {
            throw LedgerError(.unbalanced, "transaction \(transaction.id) postings do not sum to zero")
        }
        var updated: [(AccountID, Int64)] = []
        for posting in transaction.postings {
            let current = updated.last { $0.0 == posting.account }?.1 ?? balance(of: posting.account)
            let (next, overflow) = current.addingReportingOverflow(posting.amountMicros)
            guard !overflow else {
                throw LedgerError(
                    .invalidAmount, "transaction \(transaction.id) would overflow the balance of \(posting.account)")
            }
            updated.append((posting.account, next))
        }
        for (account, balance) in updated { balances[account] = balance }
        transactions.append(transaction)
    }
}

/// One leg of a transaction: a signed change of one account's balance.
public struct Posting: Hashable, Sendable {
    public var account: AccountID
    /// Positive credits, negative debits.
    public var amountMicros: Int64

    public init(account: AccountID, amountMicros: Int64) {
        self.account = account
        self.amountMicros = amountMicros
    }
}

/// One committed movement of tokens; its postings sum to zero.
public struct Transaction: Hashable, Sendable {
    public var id: TransactionID
    public var type: TransactionType
    /// The task, DAG or node it is about.
    public var reference: String
    public var postings: [Posting]

    /// Whether the postings sum to exactly zero (an overflowing sum never balances).
    public var isBalanced: Bool {
        var sum: Int64 = 0
        for posting in postings {
            let (next, overflow) = sum.addingReportingOverflow(posting.amountMicros)
            if overflow { return false }
            sum = next
        }
        return sum == 0
    }
}

/// What a transaction does (proto `TransactionType`).
public enum TransactionType: Hashable, Sendable {
    case mint, transfer, escrow, payment, refund, fee
}

/// A refused ledger operation.
public struct LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        case insufficientFunds = "insufficient_funds"
        case invalidAmount = "invalid_amount"
        case unbalanced
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
