/// Field-level JSON rules shared by all generated messages: defaults omitted, null read
/// as "not set", arrays for repeated fields, objects with string keys for maps.
extension ProtoJSONWriter {
    /// A proto3 field without presence: omitted when it holds its default.
    public mutating func writeSingular<C: ProtoFieldCodec>(
        _ jsonName: String, _ protoName: String, _ codec: C.Type, _ value: C.Value
    ) {
        guard !C.isDefault(value) else { return }
        key(jsonName, protoName)
        C.writeJSON(value, to: &self)
    }

    /// A field with explicit presence: omitted when absent.
    public mutating func writeOptional<C: ProtoFieldCodec>(
        _ jsonName: String, _ protoName: String, _ codec: C.Type, _ value: C.Value?
    ) {
        guard let value else { return }
        key(jsonName, protoName)
        C.writeJSON(value, to: &self)
    }

    /// A repeated field as an array; omitted when empty.
    public mutating func writeRepeated<C: ProtoFieldCodec>(
        _ jsonName: String, _ protoName: String, _ codec: C.Type, _ values: [C.Value]
    ) {
        guard !values.isEmpty else { return }
        key(jsonName, protoName)
        beginArray()
        for value in values { C.writeJSON(value, to: &self) }
        endArray()
    }

    /// A map as an object with keys in ascending order; omitted when empty.
    public mutating func writeMap<K: ProtoMapKeyCodec, V: ProtoFieldCodec>(
        _ jsonName: String, _ protoName: String, _ keyCodec: K.Type, _ valueCodec: V.Type,
        _ map: [K.Value: V.Value]
    ) {
        guard !map.isEmpty else { return }
        key(jsonName, protoName)
        beginObject()
        for (key, value) in ProtoFieldSize.sortedEntries(keyCodec, map) {
            mapKey(K.jsonMapKey(key))
            V.writeJSON(value, to: &self)
        }
        endObject()
    }
}

/// Readers for JSON field values; `null` always means "not set".
public enum ProtoJSONField {
    /// The members of a JSON object that must encode a message.
    public static func members(_ json: ProtoJSONValue) throws(ProtoJSONError) -> [ProtoJSONMember] {
        guard case .object(let members) = json else {
            throw ProtoJSONError(.typeMismatch, "expected an object, found \(json.kindName)")
        }
        return members
    }

    public static func singular<C: ProtoFieldCodec>(
        _ codec: C.Type, _ json: ProtoJSONValue, _ options: ProtoJSONDecodingOptions
    ) throws(ProtoJSONError) -> C.Value {
        if json.isNull { return C.defaultValue }
        return try C.readJSON(json, options: options)
    }

    public static func optional<C: ProtoFieldCodec>(
        _ codec: C.Type, _ json: ProtoJSONValue, _ options: ProtoJSONDecodingOptions
    ) throws(ProtoJSONError) -> C.Value? {
        if json.isNull { return nil }
        return try C.readJSON(json, options: options)
    }

    public static func repeated<C: ProtoFieldCodec>(
        _ codec: C.Type, _ json: ProtoJSONValue, _ options: ProtoJSONDecodingOptions
    ) throws(ProtoJSONError) -> [C.Value] {
        switch json {
        case .null:
            return []
        case .array(let elements):
            var values: [C.Value] = []
            values.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                guard !element.isNull else {
                    throw ProtoJSONError(
                        .typeMismatch, "null is not allowed in a repeated field", fieldPath: ["[\(index)]"])
                }
                do throws(ProtoJSONError) {
                    values.append(try C.readJSON(element, options: options))
                } catch {
                    throw error.within("[\(index)]")
                }
            }
            return values
        default:
            throw ProtoJSONError(.typeMismatch, "expected an array, found \(json.kindName)")
        }
    }

    public static func map<K: ProtoMapKeyCodec, V: ProtoFieldCodec>(
        _ keyCodec: K.Type, _ valueCodec: V.Type, _ json: ProtoJSONValue, _ options: ProtoJSONDecodingOptions
    ) throws(ProtoJSONError) -> [K.Value: V.Value] {
        switch json {
        case .null:
            return [:]
        case .object(let members):
            var map: [K.Value: V.Value] = [:]
            map.reserveCapacity(members.count)
            for member in members {
                do throws(ProtoJSONError) {
                    guard !member.value.isNull else {
                        throw ProtoJSONError(.typeMismatch, "null is not allowed as a map value")
                    }
                    map[try K.parseJSONMapKey(member.key)] = try V.readJSON(member.value, options: options)
                } catch {
                    throw error.within("[\(member.key)]")
                }
            }
            return map
        default:
            throw ProtoJSONError(.typeMismatch, "expected an object, found \(json.kindName)")
        }
    }

    /// The error for a key that names no field, or nothing when such keys are ignored.
    public static func unknownKey(_ key: String, in messageName: String, _ options: ProtoJSONDecodingOptions)
        throws(ProtoJSONError)
    {
        guard options.ignoreUnknownFields else {
            throw ProtoJSONError(.unknownField, "\(messageName) has no field named \"\(key)\"")
        }
    }

    /// The error for a second member of one oneof.
    public static func oneofConflict(_ oneofName: String) -> ProtoJSONError {
        ProtoJSONError(.oneofConflict, "more than one field of oneof \(oneofName) is set")
    }
}
