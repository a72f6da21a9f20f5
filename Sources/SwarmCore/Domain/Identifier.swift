/// A typed identifier: a `TaskID` can never be passed where a `NodeID` is expected,
/// though both are strings on the wire.
public struct Identifier<Kind: IdentifierKind>: Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The id as the wire and the store spell it.
    public var rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
}

/// The phantom tags of `Identifier`.
public protocol IdentifierKind: Sendable {}

public enum TaskIDTag: IdentifierKind {}
public enum DagIDTag: IdentifierKind {}
public enum NodeIDTag: IdentifierKind {}
public enum LeaseIDTag: IdentifierKind {}
public enum SwarmIDTag: IdentifierKind {}
public enum AccountIDTag: IdentifierKind {}
public enum PrincipalIDTag: IdentifierKind {}
public enum OperatorIDTag: IdentifierKind {}
public enum TransactionIDTag: IdentifierKind {}

/// Task id, assigned at submission.
public typealias TaskID = Identifier<TaskIDTag>
/// DAG id, assigned at submission.
public typealias DagID = Identifier<DagIDTag>
/// Node id, assigned at registration.
public typealias NodeID = Identifier<NodeIDTag>
/// Lease id: one node's permission to run one attempt.
public typealias LeaseID = Identifier<LeaseIDTag>
/// Swarm id.
public typealias SwarmID = Identifier<SwarmIDTag>
/// Ledger account id (the spec's wallet address).
public typealias AccountID = Identifier<AccountIDTag>
/// A user or service that submits work (fair share is computed per principal).
public typealias PrincipalID = Identifier<PrincipalIDTag>
/// The person or organisation operating a node; replicas go to distinct operators.
public typealias OperatorID = Identifier<OperatorIDTag>
/// Ledger transaction id.
public typealias TransactionID = Identifier<TransactionIDTag>
