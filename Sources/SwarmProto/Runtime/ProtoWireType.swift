/// The six wire types of the protobuf binary format.
///
/// Only the four a proto3 message writes are ever produced here; the two group types
/// are still recognised on input so that unknown proto2 groups can be skipped and
/// preserved rather than rejected.
public enum ProtoWireType: UInt8, Sendable, Hashable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5
}

/// Helpers for field tags: `fieldNumber << 3 | wireType`.
public enum ProtoTag {
    /// The largest field number protobuf allows (2^29 - 1).
    public static let maxFieldNumber: UInt32 = (1 << 29) - 1

    /// The tag value for a field number and wire type.
    @inlinable
    public static func make(_ fieldNumber: UInt32, _ wireType: ProtoWireType) -> UInt32 {
        fieldNumber << 3 | UInt32(wireType.rawValue)
    }
}

/// Encoded sizes, computed without encoding.
public enum ProtoSize {
    /// Bytes a base-128 varint of `value` takes (1 to 10).
    @inlinable
    public static func varint(_ value: UInt64) -> Int {
        // One byte per started group of seven significant bits.
        let bits = 64 - (value | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    /// Bytes a base-128 varint of a 32-bit value takes (1 to 5).
    @inlinable
    public static func varint(_ value: UInt32) -> Int {
        let bits = 32 - (value | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    /// Bytes of a length prefix plus the payload it announces.
    @inlinable
    public static func lengthDelimited(_ length: Int) -> Int {
        varint(UInt64(truncatingIfNeeded: length)) + length
    }
}

/// ZigZag mapping used by `sint32`/`sint64`: small magnitudes get small varints.
public enum ProtoZigZag {
    @inlinable public static func encode(_ v: Int32) -> UInt32 {
        UInt32(bitPattern: (v << 1) ^ (v >> 31))
    }
    @inlinable public static func encode(_ v: Int64) -> UInt64 {
        UInt64(bitPattern: (v << 1) ^ (v >> 63))
    }
    @inlinable public static func decode(_ v: UInt32) -> Int32 {
        Int32(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }
    @inlinable public static func decode(_ v: UInt64) -> Int64 {
        Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }
}
