/// A failed call: what a handler throws to end a call with a status other than OK,
/// and what a client sees when the server did.
///
/// ```swift
/// throw RPCError(.notFound, "no task \(id)")
/// ```
///
/// A handler that throws any other error ends its call with `unknown` and a message
/// that does not reveal the error (it may hold details meant for the server's log).
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: RPCStatus.Code
    public var message: String
    /// Trailing metadata sent with the status.
    public var metadata: Metadata

    public init(_ code: RPCStatus.Code, _ message: String = "", metadata: Metadata = Metadata()) {
        self.code = code
        self.message = message
        self.metadata = metadata
    }

    public var status: RPCStatus { RPCStatus(code: code, message: message) }

    public var description: String { status.description }
}
