/// Field-level encoding rules shared by all generated messages: proto3 implicit
/// presence, explicit presence (`optional`, messages), packed and unpacked repeated
/// fields, and maps. Each size function agrees byte for byte with its write function.
extension ProtoWriter {
    /// Writes a field with its tag, whatever its value.
    @inlinable
    public mutating func writeField<C: ProtoFieldCodec>(_ tag: UInt32, _ codec: C.Type, _ value: C.Value) {
        writeTag(tag)
        C.write(value, to: &self)
    }

    /// Writes a proto3 field without presence: nothing when it holds its default.
    @inlinable
    public mutating func writeSingular<C: ProtoFieldCodec>(_ tag: UInt32, _ codec: C.Type, _ value: C.Value) {
        if !C.isDefault(value) { writeField(tag, codec, value) }
    }

    /// Writes a field with explicit presence: nothing when absent.
    @inlinable
    public mutating func writeOptional<C: ProtoFieldCodec>(_ tag: UInt32, _ codec: C.Type, _ value: C.Value?) {
        if let value { writeField(tag, codec, value) }
    }

    /// Writes a repeated scalar as one packed, length-delimited field (`tag` has wire type 2).
    @inlinable
    public mutating func writePacked<C: ProtoPackableCodec>(_ tag: UInt32, _ codec: C.Type, _ values: [C.Value]) {
        guard !values.isEmpty else { return }
        writeTag(tag)
        writeVarint(UInt64(truncatingIfNeeded: ProtoFieldSize.packedPayload(codec, values)))
        for value in values { C.write(value, to: &self) }
    }

    /// Writes a repeated field one element per tag (strings, bytes, messages).
    @inlinable
    public mutating func writeRepeated<C: ProtoFieldCodec>(_ tag: UInt32, _ codec: C.Type, _ values: [C.Value]) {
        for value in values { writeField(tag, codec, value) }
    }

    /// Writes a map as entry messages sorted by key; key and value are always written,
    /// as Google's encoders do.
    @inlinable
    public mutating func writeMap<K: ProtoMapKeyCodec, V: ProtoFieldCodec>(
        _ tag: UInt32, _ keyCodec: K.Type, _ valueCodec: V.Type, _ map: [K.Value: V.Value]
    ) {
        guard !map.isEmpty else { return }
        for (key, value) in ProtoFieldSize.sortedEntries(keyCodec, map) {
            writeTag(tag)
            writeVarint(UInt64(truncatingIfNeeded: ProtoFieldSize.mapEntryPayload(keyCodec, valueCodec, key, value)))
            writeTag(ProtoTag.make(1, K.wireType))
            K.write(key, to: &self)
            writeTag(ProtoTag.make(2, V.wireType))
            V.write(value, to: &self)
        }
    }
}

/// Encoded sizes of whole fields, tag included.
public enum ProtoFieldSize {
    @inlinable
    public static func field<C: ProtoFieldCodec>(_ tag: UInt32, _ codec: C.Type, _ value: C.Value) -> Int {
        ProtoSize.varint(tag) + C.size(value)
    }

    @inlinable
    public static func singular<C: ProtoFieldCodec>(_ tag: UInt32, _ codec: C.Type, _ value: C.Value) -> Int {
        C.isDefault(value) ? 0 : field(tag, codec, value)
    }

    @inlinable
    public static func optional<C: ProtoFieldCodec>(_ tag: UInt32, _ codec: C.Type, _ value: C.Value?) -> Int {
        if let value { return field(tag, codec, value) }
        return 0
    }

    @inlinable
    public static func packedPayload<C: ProtoPackableCodec>(_ codec: C.Type, _ values: [C.Value]) -> Int {
        switch C.wireType {
        case .fixed32: return values.count * 4
        case .fixed64: return values.count * 8
        default:
            var total = 0
            for value in values { total += C.size(value) }
            return total
        }
    }

    @inlinable
    public static func packed<C: ProtoPackableCodec>(_ tag: UInt32, _ codec: C.Type, _ values: [C.Value]) -> Int {
        guard !values.isEmpty else { return 0 }
        return ProtoSize.varint(tag) + ProtoSize.lengthDelimited(packedPayload(codec, values))
    }

    @inlinable
    public static func repeated<C: ProtoFieldCodec>(_ tag: UInt32, _ codec: C.Type, _ values: [C.Value]) -> Int {
        var total = values.count * ProtoSize.varint(tag)
        for value in values { total += C.size(value) }
        return total
    }

    @inlinable
    public static func mapEntryPayload<K: ProtoMapKeyCodec, V: ProtoFieldCodec>(
        _ keyCodec: K.Type, _ valueCodec: V.Type, _ key: K.Value, _ value: V.Value
    ) -> Int {
        2 + K.size(key) + V.size(value)
    }

    @inlinable
    public static func map<K: ProtoMapKeyCodec, V: ProtoFieldCodec>(
        _ tag: UInt32, _ keyCodec: K.Type, _ valueCodec: V.Type, _ map: [K.Value: V.Value]
    ) -> Int {
        var total = 0
        for (key, value) in map {
            total +=
                ProtoSize.varint(tag) + ProtoSize.lengthDelimited(mapEntryPayload(keyCodec, valueCodec, key, value))
        }
        return total
    }

    /// Map entries in the deterministic order: ascending key.
    @inlinable
    public static func sortedEntries<K: ProtoMapKeyCodec, V>(
        _ keyCodec: K.Type, _ map: [K.Value: V]
    ) -> [(key: K.Value, value: V)] {
        map.sorted { K.precedes($0.key, $1.key) }
    }
}

/// Field-level decoding rules shared by all generated messages.
extension ProtoReader {
    /// Appends one element of an unpacked repeated field.
    @inlinable
    public mutating func readRepeated<C: ProtoFieldCodec>(_ codec: C.Type, into values: inout [C.Value])
        throws(ProtoDecodingError)
    {
        // Most repeated fields hold a few elements: start with room for four rather
        // than growing through one and two.
        if values.capacity == 0 { values.reserveCapacity(4) }
        values.append(try C.read(from: &self))
    }

    /// Appends every element of a packed repeated field.
    @inlinable
    public mutating func readPacked<C: ProtoPackableCodec>(_ codec: C.Type, into values: inout [C.Value])
        throws(ProtoDecodingError)
    {
        let length = try readLength()
        switch C.wireType {
        case .fixed32:
            guard length % 4 == 0 else {
                throw ProtoDecodingError(.truncated, "packed fixed32 payload of \(length) bytes")
            }
            values.reserveCapacity(values.count + length / 4)
        case .fixed64:
            guard length % 8 == 0 else {
                throw ProtoDecodingError(.truncated, "packed fixed64 payload of \(length) bytes")
            }
            values.reserveCapacity(values.count + length / 8)
        default:
            break
        }
        let savedEnd = end
        end = cursor + length
        while cursor < end {
            values.append(try C.read(from: &self))
        }
        end = savedEnd
    }

    /// Reads one map entry; a missing key or value takes its default, a later entry with
    /// the same key replaces an earlier one.
    @inlinable
    public mutating func readMapEntry<K: ProtoMapKeyCodec, V: ProtoFieldCodec>(
        _ keyCodec: K.Type, _ valueCodec: V.Type, into map: inout [K.Value: V.Value]
    ) throws(ProtoDecodingError) {
        let outerEnd = try enterNested()
        var key = K.defaultValue
        var value: V.Value? = nil
        var ignored = ProtoUnknownFields()
        while !isAtEnd {
            let tag = try readTag()
            switch tag {
            case ProtoTag.make(1, K.wireType):
                key = try K.read(from: &self)
            case ProtoTag.make(2, V.wireType):
                value = try V.read(from: &self)
            default:
                if tag >> 3 == 1 || tag >> 3 == 2 {
                    throw ProtoDecodingError(.wrongWireType, "map entry field \(tag >> 3) has wire type \(tag & 7)")
                }
                try preserveUnknownField(tag, in: &ignored)
            }
        }
        leaveNested(outerEnd)
        map[key] = value ?? V.defaultValue
    }
}
