/// The key type of `map<string, …>` fields: a string compared by its UTF-8 bytes.
///
/// Swift's `String` equality is Unicode canonical equivalence, so `"é"` written
/// precomposed (C3 A9) and decomposed (65 CC 81) would be one dictionary key and one of
/// two map entries would be lost. Protobuf compares keys byte for byte; so does this.
/// String literals convert implicitly: `task.labels["team"] = "infra"`.
public struct ProtoStringKey: Hashable, Sendable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The key's text.
    public var string: String

    @inlinable public init(_ string: String) { self.string = string }
    @inlinable public init(stringLiteral value: String) { self.string = value }

    @inlinable
    public static func == (lhs: ProtoStringKey, rhs: ProtoStringKey) -> Bool {
        lhs.string.utf8.count == rhs.string.utf8.count && lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        let hashed: Void? = string.utf8.withContiguousStorageIfAvailable {
            hasher.combine(bytes: UnsafeRawBufferPointer($0))
        }
        if hashed == nil {
            for byte in string.utf8 { hasher.combine(byte) }
        }
    }

    /// Byte order, the order Google's deterministic output sorts map keys in.
    @inlinable
    public static func < (lhs: ProtoStringKey, rhs: ProtoStringKey) -> Bool {
        lhs.string.utf8.lexicographicallyPrecedes(rhs.string.utf8)
    }

    public var description: String { string }
}

/// `map<string, …>` keys: written like `string` fields, held as `ProtoStringKey`.
public enum ProtoStringKeyCodec: ProtoMapKeyCodec {
    public static var wireType: ProtoWireType { .lengthDelimited }
    @inlinable public static var defaultValue: ProtoStringKey { ProtoStringKey("") }
    @inlinable public static func isDefault(_ value: ProtoStringKey) -> Bool { value.string.isEmpty }
    @inlinable public static func size(_ value: ProtoStringKey) -> Int { ProtoString.size(value.string) }
    @inlinable public static func write(_ value: ProtoStringKey, to writer: inout ProtoWriter) {
        ProtoString.write(value.string, to: &writer)
    }
    @inlinable public static func read(from reader: inout ProtoReader) throws(ProtoDecodingError) -> ProtoStringKey {
        ProtoStringKey(try reader.readString())
    }
    public static func writeJSON(_ value: ProtoStringKey, to writer: inout ProtoJSONWriter) {
        writer.string(value.string)
    }
    public static func readJSON(_ json: ProtoJSONValue, options: ProtoJSONDecodingOptions) throws(ProtoJSONError)
        -> ProtoStringKey
    {
        ProtoStringKey(try ProtoString.readJSON(json, options: options))
    }
    public static func jsonMapKey(_ key: ProtoStringKey) -> String { key.string }
    public static func parseJSONMapKey(_ text: String) throws(ProtoJSONError) -> ProtoStringKey { ProtoStringKey(text) }
}
