/// The outcome of a call as gRPC puts it on the wire: a code and a message, sent in
/// the `grpc-status` and `grpc-message` trailers.
public struct RPCStatus: Sendable, Hashable, CustomStringConvertible {
    /// The gRPC status codes (`grpc/doc/statuscodes.md`), by their wire value.
    public enum Code: Int, Sendable, Hashable, CaseIterable {
        case ok = 0
        case cancelled = 1
        case unknown = 2
        case invalidArgument = 3
        case deadlineExceeded = 4
        case notFound = 5
        case alreadyExists = 6
        case permissionDenied = 7
        case resourceExhausted = 8
        case failedPrecondition = 9
        case aborted = 10
        case outOfRange = 11
        case unimplemented = 12
        case `internal` = 13
        case unavailable = 14
        case dataLoss = 15
        case unauthenticated = 16

        /// The code for a `grpc-status` value; values outside 0...16 are `unknown`,
        /// as the gRPC spec requires of receivers.
        public init(wireValue: Int) {
            self = Code(rawValue: wireValue) ?? .unknown
        }
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String = "") {
        self.code = code
        self.message = message
    }

    public static let ok = RPCStatus(code: .ok)

    public var description: String {
        message.isEmpty ? "\(code)" : "\(code): \(message)"
    }
}
