/// A parsed JSON document, kept close to the text: numbers stay as their literal so
/// that 64-bit integers are never rounded through a Double.
public indirect enum ProtoJSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A JSON number, exactly as written.
    case number(String)
    case string(String)
    case array([ProtoJSONValue])
    /// Members in document order.
    case object([ProtoJSONMember])

    @inlinable public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A word for error messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// One `"key": value` pair of a JSON object.
public struct ProtoJSONMember: Sendable, Hashable {
    public var key: String
    public var value: ProtoJSONValue
    public init(key: String, value: ProtoJSONValue) {
        self.key = key
        self.value = value
    }
}
