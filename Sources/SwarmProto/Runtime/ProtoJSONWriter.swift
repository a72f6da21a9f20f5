/// Builds compact proto3 JSON text as UTF-8 bytes.
///
/// Generated `encodeJSON(to:)` methods call `key`, then one value writer per field;
/// the writer places commas itself.
public struct ProtoJSONWriter {
    /// The text written so far.
    public var bytes: [UInt8] = []
    public let options: ProtoJSONEncodingOptions
    @usableFromInline var needsComma = false

    public init(options: ProtoJSONEncodingOptions = .init()) {
        self.options = options
    }

    @usableFromInline mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes an object key: the lowerCamelCase JSON name, or the `.proto` name when
    /// `preserveProtoFieldNames` is set.
    public mutating func key(_ jsonName: String, _ protoName: String) {
        separate()
        appendQuoted(options.preserveProtoFieldNames ? protoName : jsonName)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a map key, always a string in JSON.
    public mutating func mapKey(_ key: String) {
        separate()
        appendQuoted(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
    }

    /// Writes a value that is already valid JSON (numbers, `true`, `null`).
    public mutating func literal(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
    }

    public mutating func null() { literal("null") }

    public mutating func bool(_ value: Bool) { literal(value ? "true" : "false") }

    /// Writes an integer as a JSON number (32-bit types).
    public mutating func number<I: BinaryInteger>(_ value: I) { literal(String(value)) }

    /// Writes an integer as a quoted string, as proto3 JSON does for 64-bit types so
    /// that JavaScript readers do not lose precision.
    public mutating func quotedNumber<I: BinaryInteger>(_ value: I) { string(String(value)) }

    /// Writes a float or double; NaN and infinities become the strings proto3 JSON names.
    public mutating func floatingPoint<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) {
        if value.isNaN {
            string("NaN")
        } else if value.isInfinite {
            string(value < 0 ? "-Infinity" : "Infinity")
        } else {
            // Swift prints the shortest text that reads back to the same value.
            literal(value.description)
        }
    }

    public mutating func base64(_ value: [UInt8]) { string(ProtoBase64.encode(value)) }

    private mutating func appendQuoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5c, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5c, 0x5c])
            case 0x0a: bytes.append(contentsOf: [0x5c, UInt8(ascii: "n")])
            case 0x0d: bytes.append(contentsOf: [0x5c, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5c, UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [0x5c, UInt8(ascii: "b")])
            case 0x0c: bytes.append(contentsOf: [0x5c, UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [
                    0x5c, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)],
                ])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension ProtoMessage {
    /// The message as compact proto3 JSON text.
    public func jsonString(options: ProtoJSONEncodingOptions = .init()) -> String {
        String(decoding: jsonUTF8Bytes(options: options), as: UTF8.self)
    }

    /// The message as compact proto3 JSON, UTF-8 encoded.
    public func jsonUTF8Bytes(options: ProtoJSONEncodingOptions = .init()) -> [UInt8] {
        var writer = ProtoJSONWriter(options: options)
        encodeJSON(to: &writer)
        return writer.bytes
    }

    /// Reads a message from proto3 JSON text.
    public init(jsonString: String, options: ProtoJSONDecodingOptions = .init()) throws(ProtoJSONError) {
        try self.init(jsonUTF8Bytes: Array(jsonString.utf8), options: options)
    }

    /// Reads a message from UTF-8 proto3 JSON.
    public init(jsonUTF8Bytes bytes: [UInt8], options: ProtoJSONDecodingOptions = .init()) throws(ProtoJSONError) {
        self.init()
        do throws(ProtoJSONError) {
            let value = try ProtoJSONParser.parse(bytes, depthLimit: options.depthLimit)
            try decodeJSON(from: value, options: options)
        } catch {
            throw error.within(Self.protoMessageName)
        }
    }
}
