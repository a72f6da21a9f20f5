/// A protobuf message: a plain value with a binary and a JSON encoding.
///
/// Conforming types are generated from `Protos/` by `protoc-gen-swarm`; nothing
/// hand-written should conform. The binary codec follows the protobuf encoding spec,
/// the JSON codec the proto3 JSON mapping; both are checked byte for byte against
/// Google's protobuf and protobuf-c in the conformance tests.
public protocol ProtoMessage: Sendable, Hashable {
    /// The fully-qualified protobuf name, e.g. `openswarm.v1.Task`.
    static var protoMessageName: String { get }

    /// The `.proto` name of a field number, or nil when the message has no such field.
    static func protoFieldName(_ number: UInt32) -> String?

    /// A message with every field at its default.
    init()

    /// Fields this build did not recognise when decoding, written back on encoding.
    var unknownFields: ProtoUnknownFields { get set }

    /// The exact number of bytes `encode(to:)` writes.
    func serializedSize() -> Int

    /// Writes every field; the writer must have room for `serializedSize()` bytes.
    func encode(to writer: inout ProtoWriter)

    /// Reads fields until the reader's end, merging them into `self`.
    mutating func decode(from reader: inout ProtoReader) throws(ProtoDecodingError)

    /// Writes the proto3 JSON form of the message.
    func encodeJSON(to writer: inout ProtoJSONWriter)

    /// Reads the proto3 JSON form, merging into `self`.
    mutating func decodeJSON(from value: ProtoJSONValue, options: ProtoJSONDecodingOptions) throws(ProtoJSONError)
}

/// A protobuf enum. proto3 enums are open: a value this build does not know is kept
/// as `unrecognized(n)` and written back unchanged.
public protocol ProtoEnum: Sendable, Hashable {
    /// The fully-qualified protobuf name, e.g. `openswarm.v1.TaskState`.
    static var protoEnumName: String { get }
    /// The enum for a wire value; unknown values become the `unrecognized` case.
    init(protoValue: Int32)
    /// The wire value.
    var protoValue: Int32 { get }
    /// The value's name as declared in the `.proto` file (used by JSON), or nil when
    /// the value is unrecognized.
    var protoName: String? { get }
    /// The enum for a declared name, or nil.
    init?(protoName: String)
}
