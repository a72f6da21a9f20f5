/// A ledger account (proto `Account`); its balance lives in the `Ledger`, which is the
/// only place balances change.
public struct Account: Hashable, Sendable {
    public var id: AccountID
    public var kind: Kind
    /// Principal or operator owning it; nil for system accounts.
    public var owner: String?

    public init(id: AccountID, kind: Kind, owner: String? = nil) {
        self.id = id
        self.kind = kind
        self.owner = owner
    }

    /// Who or what an account belongs to (proto `AccountKind`).
    public enum Kind: Hashable, Sendable {
        /// Submits work and pays for it.
        case user
        /// A node operator's wallet, paid for work.
        case `operator`
        /// Holds the escrow of unfinished tasks (`Ledger.escrow`).
        case escrow
        /// Debited by mints; its balance is minus the supply (`Ledger.issuance`).
        case issuance
        /// Collects coordinator fees, if any.
        case fees
    }

    /// The system accounts every ledger has.
    public static let escrow = Account(id: Ledger.escrow, kind: .escrow)
    public static let issuance = Account(id: Ledger.issuance, kind: .issuance)
}
