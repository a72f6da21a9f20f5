/// The proto3 JSON mapping of each field type.
///
/// 32-bit integers are JSON numbers, 64-bit integers quoted strings (both accepted on
/// input), floats numbers or "NaN"/"Infinity"/"-Infinity", bytes base64, enums their
/// declared names (numbers accepted on input), messages objects.
enum ProtoJSONScalar {
    static func integer<T: FixedWidthInteger>(_ json: ProtoJSONValue, _ type: T.Type) throws(ProtoJSONError) -> T {
        let text: String
        switch json {
        case .number(let t): text = t
        case .string(let s): text = s
        default: throw ProtoJSONError(.typeMismatch, "expected an integer, found \(json.kindName)")
        }
        if let value = T(text, radix: 10) { return value }
        guard looksNumeric(text), let double = Double(text) else {
            throw ProtoJSONError(.invalidValue, "\"\(text)\" is not an integer")
        }
        guard double.isFinite, double == double.rounded(.towardZero) else {
            throw ProtoJSONError(.outOfRange, "\(text) is not an integer")
        }
        guard let value = T(exactly: double) else {
            throw ProtoJSONError(.outOfRange, "\(text) does not fit in \(T.self)")
        }
        return value
    }

    static func double(_ json: ProtoJSONValue, float: Bool) throws(ProtoJSONError) -> Double {
        let text: String
        switch json {
        case .number(let t): text = t
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        case .string(let s): text = s
        default: throw ProtoJSONError(.typeMismatch, "expected a number, found \(json.kindName)")
        }
        guard looksNumeric(text), let value = Double(text) else {
            throw ProtoJSONError(.invalidValue, "\"\(text)\" is not a number")
        }
        guard value.isFinite else { throw ProtoJSONError(.outOfRange, "\(text) is out of range") }
        // A value that rounds to a finite Float is in range: FLT_MAX as written by any
        // encoder (3.4028235e+38) must read back.
        if float, !Float(value).isFinite {
            throw ProtoJSONError(.outOfRange, "\(text) is out of range for float")
        }
        return value
    }

    /// JSON number syntax only: no hexadecimal, "inf" or whitespace that Swift's
    /// `Double(String)` would otherwise accept.
    static func looksNumeric(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
                    || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
            }
    }

    static func mapKeyInteger<T: FixedWidthInteger>(_ text: String, _ type: T.Type) throws(ProtoJSONError) -> T {
        guard let value = T(text, radix: 10) else {
            throw ProtoJSONError(.invalidValue, "map key \"\(text)\" is not a valid \(T.self)")
        }
        return value
    }
}

/// Integer codecs share one JSON mapping: a number for 32-bit types, a quoted string for
/// 64-bit types (so JavaScript readers lose no precision); both forms accepted on input.
public protocol ProtoIntegerJSONCodec: ProtoMapKeyCodec where Value: FixedWidthInteger {}

extension ProtoIntegerJSONCodec {
    public static func writeJSON(_ value: Value, to writer: inout ProtoJSONWriter) {
        if Value.bitWidth == 64 {
            writer.quotedNumber(value)
        } else {
            writer.number(value)
        }
    }
    public static func readJSON(_ json: ProtoJSONValue, options: ProtoJSONDecodingOptions) throws(ProtoJSONError)
        -> Value
    {
        try ProtoJSONScalar.integer(json, Value.self)
    }
    public static func jsonMapKey(_ key: Value) -> String { String(key) }
    public static func parseJSONMapKey(_ text: String) throws(ProtoJSONError) -> Value {
        try ProtoJSONScalar.mapKeyInteger(text, Value.self)
    }
}

extension ProtoInt32: ProtoIntegerJSONCodec {}
extension ProtoSInt32: ProtoIntegerJSONCodec {}
extension ProtoSFixed32: ProtoIntegerJSONCodec {}
extension ProtoUInt32: ProtoIntegerJSONCodec {}
extension ProtoFixed32: ProtoIntegerJSONCodec {}
extension ProtoInt64: ProtoIntegerJSONCodec {}
extension ProtoSInt64: ProtoIntegerJSONCodec {}
extension ProtoSFixed64: ProtoIntegerJSONCodec {}
extension ProtoUInt64: ProtoIntegerJSONCodec {}
extension ProtoFixed64: ProtoIntegerJSONCodec {}

extension ProtoBool {
    public static func writeJSON(_ value: Bool, to writer: inout ProtoJSONWriter) { writer.bool(value) }
    public static func readJSON(_ json: ProtoJSONValue, options: ProtoJSONDecodingOptions) throws(ProtoJSONError)
        -> Bool
    {
        guard case .bool(let value) = json else {
            throw ProtoJSONError(.typeMismatch, "expected a boolean, found \(json.kindName)")
        }
        return value
    }
    public static func jsonMapKey(_ key: Bool) -> String { key ? "true" : "false" }
    public static func parseJSONMapKey(_ text: String) throws(ProtoJSONError) -> Bool {
        switch text {
        case "true": return true
        case "false": return false
        default: throw ProtoJSONError(.invalidValue, "map key \"\(text)\" is not a boolean")
        }
    }
}

extension ProtoFloat {
    public static func writeJSON(_ value: Float, to writer: inout ProtoJSONWriter) { writer.floatingPoint(value) }
    public static func readJSON(_ json: ProtoJSONValue, options: ProtoJSONDecodingOptions) throws(ProtoJSONError)
        -> Float
    {
        Float(try ProtoJSONScalar.double(json, float: true))
    }
}

extension ProtoDouble {
    public static func writeJSON(_ value: Double, to writer: inout ProtoJSONWriter) { writer.floatingPoint(value) }
    public static func readJSON(_ json: ProtoJSONValue, options: ProtoJSONDecodingOptions) throws(ProtoJSONError)
        -> Double
    {
        try ProtoJSONScalar.double(json, float: false)
    }
}

extension ProtoString {
    public static func writeJSON(_ value: String, to writer: inout ProtoJSONWriter) { writer.string(value) }
    public static func readJSON(_ json: ProtoJSONValue, options: ProtoJSONDecodingOptions) throws(ProtoJSONError)
        -> String
    {
        guard case .string(let value) = json else {
            throw ProtoJSONError(.typeMismatch, "expected a string, found \(json.kindName)")
        }
        return value
    }
    public static func jsonMapKey(_ key: String) -> String { key }
    public static func parseJSONMapKey(_ text: String) throws(ProtoJSONError) -> String { text }
}

extension ProtoBytes {
    public static func writeJSON(_ value: [UInt8], to writer: inout ProtoJSONWriter) { writer.base64(value) }
    public static func readJSON(_ json: ProtoJSONValue, options: ProtoJSONDecodingOptions) throws(ProtoJSONError)
        -> [UInt8]
    {
        guard case .string(let text) = json else {
            throw ProtoJSONError(.typeMismatch, "expected a base64 string, found \(json.kindName)")
        }
        guard let bytes = ProtoBase64.decode(text) else {
            throw ProtoJSONError(.invalidValue, "not valid base64")
        }
        return bytes
    }
}

extension ProtoEnumCodec {
    public static func writeJSON(_ value: E, to writer: inout ProtoJSONWriter) {
        if let name = value.protoName {
            writer.string(name)
        } else {
            writer.number(value.protoValue)
        }
    }
    public static func readJSON(_ json: ProtoJSONValue, options: ProtoJSONDecodingOptions) throws(ProtoJSONError) -> E {
        switch json {
        case .string(let name):
            if let value = E(protoName: name) { return value }
            // An unknown name from a newer schema reads as the default when the caller
            // asked to tolerate unknown input.
            if options.ignoreUnknownFields { return E(protoValue: 0) }
            throw ProtoJSONError(.invalidValue, "\"\(name)\" is not a value of \(E.protoEnumName)")
        case .number:
            return E(protoValue: try ProtoJSONScalar.integer(json, Int32.self))
        default:
            throw ProtoJSONError(.typeMismatch, "expected an enum name, found \(json.kindName)")
        }
    }
}

extension ProtoMessageCodec {
    public static func writeJSON(_ value: M, to writer: inout ProtoJSONWriter) { value.encodeJSON(to: &writer) }
    public static func readJSON(_ json: ProtoJSONValue, options: ProtoJSONDecodingOptions) throws(ProtoJSONError) -> M {
        var message = M()
        try message.decodeJSON(from: json, options: options)
        return message
    }
}
