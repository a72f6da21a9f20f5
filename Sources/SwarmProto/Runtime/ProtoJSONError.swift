/// Why a JSON input could not become a message, and where.
public struct ProtoJSONError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The text is not JSON (or not UTF-8, or nested too deeply).
        case syntax
        /// An object key names no field of the message, and unknown fields are not ignored.
        case unknownField
        /// A value has the wrong JSON type for its field (an array for a string, …).
        case typeMismatch
        /// A number does not fit the field's type, or is not integral for an integer field.
        case outOfRange
        /// A string is not a valid value for the field (enum name, base64, timestamp, …).
        case invalidValue
        /// Two members of the same oneof are set.
        case oneofConflict
    }

    public var code: Code
    /// Where: the message type name, then each JSON key down to the offending value.
    public var fieldPath: [String]
    public var detail: String

    public init(_ code: Code, _ detail: String, fieldPath: [String] = []) {
        self.code = code
        self.detail = detail
        self.fieldPath = fieldPath
    }

    /// The same error seen from one level further out.
    public func within(_ component: String) -> ProtoJSONError {
        var copy = self
        copy.fieldPath.insert(component, at: 0)
        return copy
    }

    public var description: String {
        let path = fieldPath.isEmpty ? "" : fieldPath.joined(separator: ".") + ": "
        return "\(path)\(code.rawValue): \(detail)"
    }
}

/// Choices for reading JSON.
public struct ProtoJSONDecodingOptions: Sendable, Hashable {
    /// Skip object keys that name no field instead of failing (useful when a newer
    /// client talks to an older server).
    public var ignoreUnknownFields: Bool
    /// How deeply objects and arrays may nest.
    public var depthLimit: Int

    public init(ignoreUnknownFields: Bool = false, depthLimit: Int = 200) {
        self.ignoreUnknownFields = ignoreUnknownFields
        self.depthLimit = depthLimit
    }
}

/// Choices for writing JSON.
public struct ProtoJSONEncodingOptions: Sendable, Hashable {
    /// Write the `.proto` field names (`task_id`) instead of lowerCamelCase (`taskId`).
    public var preserveProtoFieldNames: Bool

    public init(preserveProtoFieldNames: Bool = false) {
        self.preserveProtoFieldNames = preserveProtoFieldNames
    }
}
