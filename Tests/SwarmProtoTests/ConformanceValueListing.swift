import SwarmProto

extension Conformance {
    /// The values of a message in the text form `swarm_pbc_dump_alltypes` prints for
    /// what protobuf-c unpacked (see `Sources/CSwarmProtoC/include/swarm_pbc_oracle.h`),
    /// so that protobuf-c's reading of some bytes can be compared value by value with the
    /// message the Swift corpus built.
    ///
    /// Map entries are listed in ascending key order, the order Google's deterministic
    /// serializer writes them and so the order protobuf-c reads them.
    static func valueListing(_ message: AllTypes) -> String {
        var listing = ValueListing()
        listing.allTypes(message, at: "")
        return listing.text
    }

    struct ValueListing {
        var text = ""

        mutating func line(_ path: String, _ value: String) {
            text += path
            text += ": "
            text += value
            text += "\n"
        }

        mutating func value(_ path: String, _ value: Int32) { line(path, String(value)) }
        mutating func value(_ path: String, _ value: Int64) { line(path, String(value)) }
        mutating func value(_ path: String, _ value: UInt32) { line(path, String(value)) }
        mutating func value(_ path: String, _ value: UInt64) { line(path, String(value)) }
        mutating func value(_ path: String, _ value: Bool) { line(path, value ? "true" : "false") }
        mutating func value(_ path: String, _ value: Color) { line(path, String(value.protoValue)) }
        mutating func value(_ path: String, _ value: Float) {
            line(path, "0x" + hex(UInt64(value.bitPattern), digits: 8))
        }
        mutating func value(_ path: String, _ value: Double) { line(path, "0x" + hex(value.bitPattern, digits: 16)) }
        mutating func value(_ path: String, _ value: String) { line(path, Self.quotedHex(Array(value.utf8))) }
        mutating func value(_ path: String, _ value: [UInt8]) { line(path, Self.quotedHex(value)) }

        mutating func values<T>(_ name: String, _ values: [T], _ write: (inout Self, String, T) -> Void) {
            for (index, element) in values.enumerated() {
                write(&self, "\(name)[\(index)]", element)
            }
        }

        /// Map entries as protobuf-c sees them: repeated `key`/`value` messages.
        mutating func map<K, V>(
            _ name: String, _ map: [K: V], by areInOrder: (K, K) -> Bool,
            key: (inout Self, String, K) -> Void, value: (inout Self, String, V) -> Void
        ) {
            for (index, entry) in map.sorted(by: { areInOrder($0.key, $1.key) }).enumerated() {
                let path = "\(name)[\(index)]"
                line(path, "message")
                key(&self, path + ".key", entry.key)
                value(&self, path + ".value", entry.value)
            }
        }

        mutating func unknown(_ fields: ProtoUnknownFields, at prefix: String) {
            guard !fields.isEmpty else { return }
            line(String(prefix.dropLast(prefix.hasSuffix(".") ? 1 : 0)) + "#unknown", Self.quotedHex(fields.bytes))
        }

        mutating func nested(_ path: String, _ message: Nested) {
            line(path, "message")
            let p = path + "."
            value(p + "a", message.a)
            value(p + "b", message.b)
            if let child = message.child { nested(p + "child", child) }
            values(p + "children", message.children) { $0.nested($1, $2) }
            unknown(message.unknownFields, at: p)
        }

        mutating func timestamp(_ path: String, _ message: Google_Protobuf_Timestamp) {
            line(path, "message")
            value(path + ".seconds", message.seconds)
            value(path + ".nanos", message.nanos)
            unknown(message.unknownFields, at: path + ".")
        }

        mutating func duration(_ path: String, _ message: Google_Protobuf_Duration) {
            line(path, "message")
            value(path + ".seconds", message.seconds)
            value(path + ".nanos", message.nanos)
            unknown(message.unknownFields, at: path + ".")
        }

        /// Every field in field-number order; `p` is the path prefix ("" or "recursive.").
        mutating func allTypes(_ m: AllTypes, at p: String) {
            value(p + "f_int32", m.fInt32)
            value(p + "f_int64", m.fInt64)
            value(p + "f_uint32", m.fUint32)
            value(p + "f_uint64", m.fUint64)
            value(p + "f_sint32", m.fSint32)
            value(p + "f_sint64", m.fSint64)
            value(p + "f_fixed32", m.fFixed32)
            value(p + "f_fixed64", m.fFixed64)
            value(p + "f_sfixed32", m.fSfixed32)
            value(p + "f_sfixed64", m.fSfixed64)
            value(p + "f_float", m.fFloat)
            value(p + "f_double", m.fDouble)
            value(p + "f_bool", m.fBool)
            value(p + "f_string", m.fString)
            value(p + "f_bytes", m.fBytes)
            value(p + "f_enum", m.fEnum)
            if let nested = m.fNested { self.nested(p + "f_nested", nested) }
            values(p + "r_int32", m.rInt32) { $0.value($1, $2) }
            values(p + "r_int64", m.rInt64) { $0.value($1, $2) }
            values(p + "r_uint32", m.rUint32) { $0.value($1, $2) }
            values(p + "r_uint64", m.rUint64) { $0.value($1, $2) }
            values(p + "r_sint32", m.rSint32) { $0.value($1, $2) }
            values(p + "r_sint64", m.rSint64) { $0.value($1, $2) }
            values(p + "r_fixed32", m.rFixed32) { $0.value($1, $2) }
            values(p + "r_fixed64", m.rFixed64) { $0.value($1, $2) }
            values(p + "r_sfixed32", m.rSfixed32) { $0.value($1, $2) }
            values(p + "r_sfixed64", m.rSfixed64) { $0.value($1, $2) }
            values(p + "r_float", m.rFloat) { $0.value($1, $2) }
            values(p + "r_double", m.rDouble) { $0.value($1, $2) }
            values(p + "r_bool", m.rBool) { $0.value($1, $2) }
            values(p + "r_string", m.rString) { $0.value($1, $2) }
            values(p + "r_bytes", m.rBytes) { $0.value($1, $2) }
            values(p + "r_enum", m.rEnum) { $0.value($1, $2) }
            values(p + "r_nested", m.rNested) { $0.nested($1, $2) }
            values(p + "r_int32_unpacked", m.rInt32Unpacked) { $0.value($1, $2) }
            if let v = m.oInt32 { value(p + "o_int32", v) }
            if let v = m.oString { value(p + "o_string", v) }
            if let v = m.oEnum { value(p + "o_enum", v) }
            if let v = m.oDouble { value(p + "o_double", v) }
            if let v = m.oBytes { value(p + "o_bytes", v) }
            if let v = m.oBool { value(p + "o_bool", v) }
            if let v = m.oUint64 { value(p + "o_uint64", v) }
            map(
                p + "m_string_string", m.mStringString, by: <, key: { $0.value($1, $2.string) },
                value: { $0.value($1, $2) })
            map(p + "m_int32_int32", m.mInt32Int32, by: <, key: { $0.value($1, $2) }, value: { $0.value($1, $2) })
            map(p + "m_int64_nested", m.mInt64Nested, by: <, key: { $0.value($1, $2) }, value: { $0.nested($1, $2) })
            map(
                p + "m_bool_bytes", m.mBoolBytes, by: { !$0 && $1 }, key: { $0.value($1, $2) },
                value: { $0.value($1, $2) })
            map(p + "m_uint32_enum", m.mUint32Enum, by: <, key: { $0.value($1, $2) }, value: { $0.value($1, $2) })
            map(p + "m_sint64_double", m.mSint64Double, by: <, key: { $0.value($1, $2) }, value: { $0.value($1, $2) })
            map(p + "m_fixed32_float", m.mFixed32Float, by: <, key: { $0.value($1, $2) }, value: { $0.value($1, $2) })
            map(
                p + "m_string_nested", m.mStringNested, by: <, key: { $0.value($1, $2.string) },
                value: { $0.nested($1, $2) })
            switch m.choice {
            case .cUint32(let v)?: value(p + "c_uint32", v)
            case .cString(let v)?: value(p + "c_string", v)
            case .cNested(let v)?: nested(p + "c_nested", v)
            case .cBytes(let v)?: value(p + "c_bytes", v)
            case .cEnum(let v)?: value(p + "c_enum", v)
            case .cDouble(let v)?: value(p + "c_double", v)
            case nil: break
            }
            if let v = m.fTimestamp { timestamp(p + "f_timestamp", v) }
            if let v = m.fDuration { duration(p + "f_duration", v) }
            if let v = m.fEmpty {
                line(p + "f_empty", "message")
                unknown(v.unknownFields, at: p + "f_empty.")
            }
            values(p + "r_timestamp", m.rTimestamp) { $0.timestamp($1, $2) }
            if let v = m.recursive {
                line(p + "recursive", "message")
                allTypes(v, at: p + "recursive.")
            }
            value(p + "f_max_number", m.fMaxNumber)
            unknown(m.unknownFields, at: p)
        }

        func hex(_ value: UInt64, digits: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, digits - text.count)) + text
        }

        static func quotedHex(_ bytes: [UInt8]) -> String {
            let digits = Array("0123456789abcdef".utf8)
            var text: [UInt8] = [UInt8(ascii: "x"), UInt8(ascii: "\"")]
            text.reserveCapacity(bytes.count * 2 + 3)
            for byte in bytes {
                text.append(digits[Int(byte >> 4)])
                text.append(digits[Int(byte & 15)])
            }
            text.append(UInt8(ascii: "\""))
            return String(decoding: text, as: UTF8.self)
        }
    }
}
