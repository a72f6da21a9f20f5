/// Why a binary protobuf input was rejected, and where.
///
/// Decoding never traps on input: every malformed byte sequence ends here, with a
/// `code` a program can switch on and a `fieldPath` that names the field being read
/// (outermost message first), so a person can tell which part of a payload is bad.
public struct ProtoDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of malformation was found.
    public enum Code: String, Sendable, Hashable {
        /// The input ends in the middle of a tag, value or length-delimited payload.
        case truncated
        /// A varint runs past ten bytes.
        case malformedVarint
        /// A tag has field number 0, a field number above 2^29-1, or wire type 6 or 7.
        case invalidTag
        /// A known field arrived with a wire type its declaration does not allow.
        case wrongWireType
        /// A length prefix points past the end of its enclosing message.
        case lengthOutOfBounds
        /// A `string` field holds bytes that are not valid UTF-8.
        case invalidUTF8
        /// Messages are nested deeper than the reader's limit (100 by default).
        case nestingTooDeep
        /// A group's end tag does not match its start tag.
        case mismatchedGroup
    }

    /// What went wrong.
    public var code: Code
    /// Where: the message type name, then each field name down to the offending one.
    public var fieldPath: [String]
    /// A sentence with details.
    public var detail: String

    public init(_ code: Code, _ detail: String, fieldPath: [String] = []) {
        self.code = code
        self.detail = detail
        self.fieldPath = fieldPath
    }

    /// The same error seen from one level further out.
    @inlinable
    public func within(_ component: String) -> ProtoDecodingError {
        var copy = self
        copy.fieldPath.insert(component, at: 0)
        return copy
    }

    public var description: String {
        let path = fieldPath.isEmpty ? "" : fieldPath.joined(separator: ".") + ": "
        return "\(path)\(code.rawValue): \(detail)"
    }
}
