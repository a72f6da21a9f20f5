/// Hand-assembled protobuf wire bytes, for what no message can produce through the
/// codec under test: unknown fields, and the bytes protobuf-c writes where it
/// differs from Google's serializer.
///
///     Wire.lengthDelimited(71, Wire.lengthDelimited(2, "v"))   // m_string_string {"": "v"}
///                                                              // with the key left out
enum Wire {
    enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case startGroup = 3
        case endGroup = 4
        case fixed32 = 5
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
        return bytes
    }

    static func tag(_ number: UInt32, _ type: WireType) -> [UInt8] {
        varint(UInt64(number) << 3 | type.rawValue)
    }

    /// A varint field; negative numbers as their 64-bit two's complement, as int32 and
    /// int64 fields write them.
    static func varint(_ number: UInt32, _ value: Int64) -> [UInt8] {
        tag(number, .varint) + varint(UInt64(bitPattern: value))
    }

    static func fixed32(_ number: UInt32, _ bits: UInt32) -> [UInt8] {
        tag(number, .fixed32) + withUnsafeBytes(of: bits.littleEndian) { Array($0) }
    }

    static func fixed64(_ number: UInt32, _ bits: UInt64) -> [UInt8] {
        tag(number, .fixed64) + withUnsafeBytes(of: bits.littleEndian) { Array($0) }
    }

    static func lengthDelimited(_ number: UInt32, _ payload: [UInt8]) -> [UInt8] {
        tag(number, .lengthDelimited) + varint(UInt64(payload.count)) + payload
    }

    static func lengthDelimited(_ number: UInt32, _ text: String) -> [UInt8] {
        lengthDelimited(number, Array(text.utf8))
    }

    static func group(_ number: UInt32, _ content: [UInt8]) -> [UInt8] {
        tag(number, .startGroup) + content + tag(number, .endGroup)
    }
}
