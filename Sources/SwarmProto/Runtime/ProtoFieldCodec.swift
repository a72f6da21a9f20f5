/// How one protobuf field type maps to a Swift type on the wire.
///
/// Generated code names a codec per field (`ProtoInt32`, `ProtoString`,
/// `ProtoMessageCodec<Task>`, …) and calls the generic writer/reader helpers with it, so
/// that the encoding rules live here once and are specialised by the compiler.
public protocol ProtoFieldCodec {
    associatedtype Value
    /// The wire type a single value is written with.
    static var wireType: ProtoWireType { get }
    /// The value proto3 omits from the wire.
    static var defaultValue: Value { get }
    static func isDefault(_ value: Value) -> Bool
    /// Encoded size of the value alone (length prefix included for length-delimited).
    static func size(_ value: Value) -> Int
    static func write(_ value: Value, to writer: inout ProtoWriter)
    static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> Value
    /// Writes the value's proto3 JSON form.
    static func writeJSON(_ value: Value, to writer: inout ProtoJSONWriter)
    /// Reads a non-null JSON value.
    static func readJSON(_ json: ProtoJSONValue, options: ProtoJSONDecodingOptions) throws(ProtoJSONError) -> Value
}

/// A codec whose values may be packed (scalars of wire type varint, fixed32, fixed64).
public protocol ProtoPackableCodec: ProtoFieldCodec {}

/// A codec usable as a map key: integers, bool and string, ordered the way Google's
/// deterministic serializer orders map keys.
public protocol ProtoMapKeyCodec: ProtoFieldCodec where Value: Hashable {
    static func precedes(_ lhs: Value, _ rhs: Value) -> Bool
    /// The key as a JSON object key.
    static func jsonMapKey(_ key: Value) -> String
    /// Reads a key from a JSON object key.
    static func parseJSONMapKey(_ text: String) throws(ProtoJSONError) -> Value
}

extension ProtoMapKeyCodec where Value: Comparable {
    @inlinable public static func precedes(_ lhs: Value, _ rhs: Value) -> Bool { lhs < rhs }
}

// MARK: Varint integers

public enum ProtoInt32: ProtoPackableCodec, ProtoMapKeyCodec {
    public static var wireType: ProtoWireType { .varint }
    @inlinable public static var defaultValue: Int32 { 0 }
    @inlinable public static func isDefault(_ value: Int32) -> Bool { value == 0 }
    // Negative int32 values are sign-extended to ten bytes, as the format requires.
    @inlinable public static func size(_ value: Int32) -> Int {
        ProtoSize.varint(UInt64(bitPattern: Int64(value)))
    }
    @inlinable public static func write(_ value: Int32, to writer: inout ProtoWriter) {
        writer.writeVarint(UInt64(bitPattern: Int64(value)))
    }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> Int32 {
        Int32(truncatingIfNeeded: try reader.readVarint())
    }
}

public enum ProtoInt64: ProtoPackableCodec, ProtoMapKeyCodec {
    public static var wireType: ProtoWireType { .varint }
    @inlinable public static var defaultValue: Int64 { 0 }
    @inlinable public static func isDefault(_ value: Int64) -> Bool { value == 0 }
    @inlinable public static func size(_ value: Int64) -> Int { ProtoSize.varint(UInt64(bitPattern: value)) }
    @inlinable public static func write(_ value: Int64, to writer: inout ProtoWriter) {
        writer.writeVarint(UInt64(bitPattern: value))
    }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> Int64 {
        Int64(bitPattern: try reader.readVarint())
    }
}

public enum ProtoUInt32: ProtoPackableCodec, ProtoMapKeyCodec {
    public static var wireType: ProtoWireType { .varint }
    @inlinable public static var defaultValue: UInt32 { 0 }
    @inlinable public static func isDefault(_ value: UInt32) -> Bool { value == 0 }
    @inlinable public static func size(_ value: UInt32) -> Int { ProtoSize.varint(value) }
    @inlinable public static func write(_ value: UInt32, to writer: inout ProtoWriter) { writer.writeVarint(value) }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> UInt32 {
        UInt32(truncatingIfNeeded: try reader.readVarint())
    }
}

public enum ProtoUInt64: ProtoPackableCodec, ProtoMapKeyCodec {
    public static var wireType: ProtoWireType { .varint }
    @inlinable public static var defaultValue: UInt64 { 0 }
    @inlinable public static func isDefault(_ value: UInt64) -> Bool { value == 0 }
    @inlinable public static func size(_ value: UInt64) -> Int { ProtoSize.varint(value) }
    @inlinable public static func write(_ value: UInt64, to writer: inout ProtoWriter) { writer.writeVarint(value) }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> UInt64 {
        try reader.readVarint()
    }
}

public enum ProtoSInt32: ProtoPackableCodec, ProtoMapKeyCodec {
    public static var wireType: ProtoWireType { .varint }
    @inlinable public static var defaultValue: Int32 { 0 }
    @inlinable public static func isDefault(_ value: Int32) -> Bool { value == 0 }
    @inlinable public static func size(_ value: Int32) -> Int { ProtoSize.varint(ProtoZigZag.encode(value)) }
    @inlinable public static func write(_ value: Int32, to writer: inout ProtoWriter) {
        writer.writeVarint(ProtoZigZag.encode(value))
    }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> Int32 {
        ProtoZigZag.decode(UInt32(truncatingIfNeeded: try reader.readVarint()))
    }
}

public enum ProtoSInt64: ProtoPackableCodec, ProtoMapKeyCodec {
    public static var wireType: ProtoWireType { .varint }
    @inlinable public static var defaultValue: Int64 { 0 }
    @inlinable public static func isDefault(_ value: Int64) -> Bool { value == 0 }
    @inlinable public static func size(_ value: Int64) -> Int { ProtoSize.varint(ProtoZigZag.encode(value)) }
    @inlinable public static func write(_ value: Int64, to writer: inout ProtoWriter) {
        writer.writeVarint(ProtoZigZag.encode(value))
    }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> Int64 {
        ProtoZigZag.decode(try reader.readVarint())
    }
}

public enum ProtoBool: ProtoPackableCodec, ProtoMapKeyCodec {
    public static var wireType: ProtoWireType { .varint }
    @inlinable public static var defaultValue: Bool { false }
    @inlinable public static func isDefault(_ value: Bool) -> Bool { !value }
    @inlinable public static func size(_ value: Bool) -> Int { 1 }
    @inlinable public static func write(_ value: Bool, to writer: inout ProtoWriter) { writer.writeByte(value ? 1 : 0) }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
        try reader.readVarint() != 0
    }
    @inlinable public static func precedes(_ lhs: Bool, _ rhs: Bool) -> Bool { !lhs && rhs }
}

// MARK: Fixed-width

public enum ProtoFixed32: ProtoPackableCodec, ProtoMapKeyCodec {
    public static var wireType: ProtoWireType { .fixed32 }
    @inlinable public static var defaultValue: UInt32 { 0 }
    @inlinable public static func isDefault(_ value: UInt32) -> Bool { value == 0 }
    @inlinable public static func size(_ value: UInt32) -> Int { 4 }
    @inlinable public static func write(_ value: UInt32, to writer: inout ProtoWriter) { writer.writeFixed32(value) }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> UInt32 {
        try reader.readFixed32()
    }
}

public enum ProtoFixed64: ProtoPackableCodec, ProtoMapKeyCodec {
    public static var wireType: ProtoWireType { .fixed64 }
    @inlinable public static var defaultValue: UInt64 { 0 }
    @inlinable public static func isDefault(_ value: UInt64) -> Bool { value == 0 }
    @inlinable public static func size(_ value: UInt64) -> Int { 8 }
    @inlinable public static func write(_ value: UInt64, to writer: inout ProtoWriter) { writer.writeFixed64(value) }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> UInt64 {
        try reader.readFixed64()
    }
}

public enum ProtoSFixed32: ProtoPackableCodec, ProtoMapKeyCodec {
    public static var wireType: ProtoWireType { .fixed32 }
    @inlinable public static var defaultValue: Int32 { 0 }
    @inlinable public static func isDefault(_ value: Int32) -> Bool { value == 0 }
    @inlinable public static func size(_ value: Int32) -> Int { 4 }
    @inlinable public static func write(_ value: Int32, to writer: inout ProtoWriter) {
        writer.writeFixed32(UInt32(bitPattern: value))
    }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> Int32 {
        Int32(bitPattern: try reader.readFixed32())
    }
}

public enum ProtoSFixed64: ProtoPackableCodec, ProtoMapKeyCodec {
    public static var wireType: ProtoWireType { .fixed64 }
    @inlinable public static var defaultValue: Int64 { 0 }
    @inlinable public static func isDefault(_ value: Int64) -> Bool { value == 0 }
    @inlinable public static func size(_ value: Int64) -> Int { 8 }
    @inlinable public static func write(_ value: Int64, to writer: inout ProtoWriter) {
        writer.writeFixed64(UInt64(bitPattern: value))
    }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> Int64 {
        Int64(bitPattern: try reader.readFixed64())
    }
}

public enum ProtoFloat: ProtoPackableCodec {
    public static var wireType: ProtoWireType { .fixed32 }
    @inlinable public static var defaultValue: Float { 0 }
    // Compared by bit pattern, as Google's encoders do: -0.0 and NaN are written.
    @inlinable public static func isDefault(_ value: Float) -> Bool { value.bitPattern == 0 }
    @inlinable public static func size(_ value: Float) -> Int { 4 }
    @inlinable public static func write(_ value: Float, to writer: inout ProtoWriter) {
        writer.writeFixed32(value.bitPattern)
    }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> Float {
        Float(bitPattern: try reader.readFixed32())
    }
}

public enum ProtoDouble: ProtoPackableCodec {
    public static var wireType: ProtoWireType { .fixed64 }
    @inlinable public static var defaultValue: Double { 0 }
    @inlinable public static func isDefault(_ value: Double) -> Bool { value.bitPattern == 0 }
    @inlinable public static func size(_ value: Double) -> Int { 8 }
    @inlinable public static func write(_ value: Double, to writer: inout ProtoWriter) {
        writer.writeFixed64(value.bitPattern)
    }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> Double {
        Double(bitPattern: try reader.readFixed64())
    }
}

// MARK: Length-delimited

public enum ProtoString: ProtoMapKeyCodec {
    public static var wireType: ProtoWireType { .lengthDelimited }
    @inlinable public static var defaultValue: String { "" }
    @inlinable public static func isDefault(_ value: String) -> Bool { value.isEmpty }
    @inlinable public static func size(_ value: String) -> Int { ProtoSize.lengthDelimited(value.utf8.count) }
    @inlinable public static func write(_ value: String, to writer: inout ProtoWriter) {
        writer.writeLengthPrefixed(value)
    }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> String {
        try reader.readString()
    }
    /// Map keys sort by their UTF-8 bytes, as Google's deterministic output does
    /// (Swift's `<` on String compares Unicode canonical order instead).
    @inlinable public static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}

public enum ProtoBytes: ProtoFieldCodec {
    public static var wireType: ProtoWireType { .lengthDelimited }
    @inlinable public static var defaultValue: [UInt8] { [] }
    @inlinable public static func isDefault(_ value: [UInt8]) -> Bool { value.isEmpty }
    @inlinable public static func size(_ value: [UInt8]) -> Int { ProtoSize.lengthDelimited(value.count) }
    @inlinable public static func write(_ value: [UInt8], to writer: inout ProtoWriter) {
        writer.writeLengthPrefixed(value)
    }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> [UInt8] {
        try reader.readBytes()
    }
}

public enum ProtoEnumCodec<E: ProtoEnum>: ProtoPackableCodec {
    public static var wireType: ProtoWireType { .varint }
    @inlinable public static var defaultValue: E { E(protoValue: 0) }
    @inlinable public static func isDefault(_ value: E) -> Bool { value.protoValue == 0 }
    @inlinable public static func size(_ value: E) -> Int {
        ProtoSize.varint(UInt64(bitPattern: Int64(value.protoValue)))
    }
    @inlinable public static func write(_ value: E, to writer: inout ProtoWriter) {
        writer.writeVarint(UInt64(bitPattern: Int64(value.protoValue)))
    }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> E {
        E(protoValue: Int32(truncatingIfNeeded: try reader.readVarint()))
    }
}

public enum ProtoMessageCodec<M: ProtoMessage>: ProtoFieldCodec {
    public static var wireType: ProtoWireType { .lengthDelimited }
    @inlinable public static var defaultValue: M { M() }
    @inlinable public static func isDefault(_ value: M) -> Bool { false }
    @inlinable public static func size(_ value: M) -> Int { ProtoSize.lengthDelimited(value.serializedSize()) }
    @inlinable public static func write(_ value: M, to writer: inout ProtoWriter) {
        writer.writeVarint(UInt64(truncatingIfNeeded: value.serializedSize()))
        value.encode(to: &writer)
    }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> M {
        var message = M()
        try reader.readMessage(into: &message)
        return message
    }
}
