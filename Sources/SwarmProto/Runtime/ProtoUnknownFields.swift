/// Fields a decoder did not recognise, kept as their original bytes.
///
/// A proto3 reader must not lose data written by a newer schema: these bytes (tag and
/// value, in arrival order) are written back verbatim after the known fields when the
/// message is encoded again.
public struct ProtoUnknownFields: Hashable, Sendable {
    /// The raw encoded fields.
    public var bytes: [UInt8]

    @inlinable public init() { bytes = [] }
    @inlinable public init(bytes: [UInt8]) { self.bytes = bytes }

    @inlinable public var isEmpty: Bool { bytes.isEmpty }
}

/// A shared immutable box that lets a message contain itself (directly or through
/// other messages) as an optional field, which a Swift struct cannot do inline.
public final class ProtoBox<Value: Hashable & Sendable>: Hashable, Sendable {
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
    @inlinable public static func == (lhs: ProtoBox, rhs: ProtoBox) -> Bool {
        lhs === rhs || lhs.value == rhs.value
    }
    @inlinable public func hash(into hasher: inout Hasher) { value.hash(into: &hasher) }
}
