import SwarmProto

/// The conformance tests' vocabulary: the corpus, the references and the comparisons.
enum Conformance {
    typealias AllTypes = Openswarm_Testing_AllTypes
    typealias Nested = Openswarm_Testing_Nested
    typealias Color = Openswarm_Testing_Color
    typealias Builder = @Sendable (inout AllTypes) -> Void
}

extension Conformance {
    /// One message of the corpus. `Tests/oracles/protobuf_oracle.py` builds the same
    /// message under the same name with Google's protobuf, so that Swift's bytes can be
    /// compared with Google's for a message each side built on its own.
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let build: Builder
        /// What protobuf-c does with this message's bytes, when it is not exactly what
        /// Google's protobuf does.
        let protobufC: ProtobufCBehavior
        /// What Google's json_format does with this case's JSON, when it is not what the
        /// proto3 JSON mapping says.
        let googleJSON: GoogleJSONBehavior

        init(
            _ name: String, protobufC: ProtobufCBehavior = .sameAsGoogle, googleJSON: GoogleJSONBehavior = .conforms,
            _ build: @escaping Builder
        ) {
            self.name = name
            self.build = build
            self.protobufC = protobufC
            self.googleJSON = googleJSON
        }

        var message: AllTypes {
            var message = AllTypes()
            build(&message)
            return message
        }

        var description: String { name }
    }

    /// How Google's json_format (protobuf 4.21.12) departs from the proto3 JSON mapping.
    enum GoogleJSONBehavior: Sendable {
        /// json_format reads the JSON of the case, Swift's and its own, as the case.
        case conforms
        /// json_format rejects the case's JSON, its own output included, with an error
        /// that contains `error`.
        case rejectsItsOwnJSON(because: String, error: String)
    }

    /// How protobuf-c 1.4 departs from Google's protobuf on a case. Every departure is
    /// stated exactly, so that the tests still compare every byte.
    enum ProtobufCBehavior: Sendable {
        /// protobuf-c reads every value and writes Google's bytes.
        case sameAsGoogle
        /// protobuf-c reads every value exactly, but writes these bytes instead.
        case writesDifferently(because: String, writes: [UInt8])
        /// protobuf-c reads every value exactly, but writes what Google writes for the
        /// case's message changed by `writesAs`.
        case writesAs(because: String, Builder)
        /// protobuf-c holds other values than were sent: the case's message changed by
        /// `holds`, which is also what it writes.
        case readsDifferently(because: String, holds: Builder)
        /// protobuf-c cannot read the case at all.
        case rejects(because: String)
    }
}

// MARK: - The corpus

extension Conformance {
    static let corpus: [Case] = [
        Case("empty") { _ in },
        Case("scalars_one", Build.scalarsOne),
        Case("scalars_minus_one", Build.scalarsMinusOne),
        Case("scalars_min", Build.scalarsMin),
        Case("scalars_max", Build.scalarsMax),
        Case("float_nan") {
            $0.fFloat = .nan
            $0.fDouble = .nan
        },
        Case("float_infinity") {
            $0.fFloat = .infinity
            $0.fDouble = .infinity
        },
        Case("float_negative_infinity") {
            $0.fFloat = -.infinity
            $0.fDouble = -.infinity
        },
        Case(
            "float_negative_zero",
            protobufC: .writesAs(
                because: """
                    protobuf-c decides that an implicit-presence float is at its default with \
                    `== 0` (field_is_zeroish), which is true of -0.0, so it leaves the field out; \
                    Google compares bit patterns and writes it
                    """
            ) {
                $0.fFloat = 0
                $0.fDouble = 0
            }
        ) {
            $0.fFloat = -0.0
            $0.fDouble = -0.0
        },
        Case(
            "float_max",
            googleJSON: .rejectsItsOwnJSON(
                because: """
                    json_format writes FLT_MAX as 3.4028235e+38 (the shortest text that reads back as \
                    FLT_MAX), then rejects that text because, read as a double, it exceeds FLT_MAX \
                    (protocolbuffers/protobuf#8336; C++ accepts it since #4047)
                    """,
                error: "Float value too"
            )
        ) {
            $0.fFloat = .greatestFiniteMagnitude
            $0.rFloat = [-.greatestFiniteMagnitude]
        },
        Case("float_smallest_subnormal") {
            $0.fFloat = .leastNonzeroMagnitude
            $0.fDouble = .leastNonzeroMagnitude
        },
        Case("repeated_float_specials", Build.repeatedFloatSpecials),
        Case("strings_non_ascii", Build.stringsNonASCII),
        Case(
            "string_with_nul",
            protobufC: .readsDifferently(
                because: "protobuf-c stores strings as NUL-terminated C strings: a string ends at its first NUL"
            ) {
                $0.fString = "a"
                $0.rString = ["", "x"]
            }
        ) {
            $0.fString = "a\u{0}b"
            $0.rString = ["\u{0}", "x\u{0}"]
        },
        Case("bytes_all_values", Build.bytesAllValues),
        Case("bytes_1mib") { $0.fBytes = oneMebibyte },
        Case("repeated_integers_edges", Build.repeatedIntegersEdges),
        Case("repeated_single_defaults") {
            $0.rInt32 = [0]
            $0.rInt64 = [0]
            $0.rUint32 = [0]
            $0.rUint64 = [0]
            $0.rSint32 = [0]
            $0.rSint64 = [0]
            $0.rFixed32 = [0]
            $0.rFixed64 = [0]
            $0.rSfixed32 = [0]
            $0.rSfixed64 = [0]
            $0.rEnum = [.unspecified]
            $0.rInt32Unpacked = [0]
            $0.rFloat = [0]
            $0.rDouble = [0]
            $0.rBool = [false]
            $0.rString = [""]
            $0.rBytes = [[]]
            $0.rNested = [Nested()]
            $0.rTimestamp = [Google_Protobuf_Timestamp()]
        },
        Case("enums") {
            $0.fEnum = .red
            $0.rEnum = [.green, .negative, .unspecified]
            $0.oEnum = .negative
            $0.mUint32Enum = [1: .red, 2: .negative]
        },
        Case("enums_out_of_range") {
            $0.fEnum = .unrecognized(7)
            $0.rEnum = [.unrecognized(7), .unrecognized(-5), .red]
            $0.oEnum = .unrecognized(-5)
            $0.mUint32Enum = [1: .unrecognized(7), 2: .unrecognized(-5)]
            $0.choice = .cEnum(.unrecognized(7))
        },
        Case("nested", Build.nested),
        Case("nested_empty") {
            $0.fNested = Nested()
            $0.recursive = AllTypes()
        },
        Case("deep_nesting_90") {
            var inner = nested(a: 90)
            for level in (1..<90).reversed() {
                inner = nested(a: Int32(level), child: inner)
            }
            $0.fNested = inner
        },
        Case("recursive_20") {
            var inner = AllTypes()
            for level in (1...20).reversed() {
                var outer = AllTypes()
                outer.fInt32 = Int32(level)
                outer.rString = [String(level)]
                outer.mInt32Int32 = [Int32(level): -Int32(level), -Int32(level): Int32(level)]
                if level == 20 {
                    outer.fString = "bottom"
                } else {
                    outer.recursive = inner
                }
                inner = outer
            }
            $0 = inner
        },
        Case("optional_defaults") {
            $0.oInt32 = 0
            $0.oString = ""
            $0.oEnum = .unspecified
            $0.oDouble = 0
            $0.oBytes = []
            $0.oBool = false
            $0.oUint64 = 0
        },
        Case("optional_values", Build.optionalValues),
        Case("optional_double_nan") { $0.oDouble = .nan },
        Case("maps", Build.maps),
        Case(
            "map_default_keys",
            protobufC: .writesDifferently(
                because: mapEntryZeroish,
                writes: Wire.lengthDelimited(71, Wire.lengthDelimited(2, "v"))
                    + Wire.lengthDelimited(72, Wire.varint(2, 1))
                    + Wire.lengthDelimited(73, Wire.lengthDelimited(2, Wire.varint(1, 1)))
                    + Wire.lengthDelimited(74, Wire.lengthDelimited(2, [1]))
                    + Wire.lengthDelimited(75, Wire.varint(2, 1))
                    + Wire.lengthDelimited(76, Wire.fixed64(2, 1.5.bitPattern))
                    + Wire.lengthDelimited(77, Wire.fixed32(2, Float(2.5).bitPattern))
                    + Wire.lengthDelimited(78, Wire.lengthDelimited(2, Wire.lengthDelimited(2, "x")))
            )
        ) {
            $0.mStringString = ["": "v"]
            $0.mInt32Int32 = [0: 1]
            $0.mInt64Nested = [0: nested(a: 1)]
            $0.mBoolBytes = [false: [1]]
            $0.mUint32Enum = [0: .red]
            $0.mSint64Double = [0: 1.5]
            $0.mFixed32Float = [0: 2.5]
            $0.mStringNested = ["": nested(b: "x")]
        },
        Case(
            "map_default_values",
            protobufC: .writesDifferently(
                because: mapEntryZeroish,
                writes: Wire.lengthDelimited(71, Wire.lengthDelimited(1, "k"))
                    + Wire.lengthDelimited(72, Wire.varint(1, 1))
                    // A message value is a pointer, never zeroish: written even when empty.
                    + Wire.lengthDelimited(73, Wire.varint(1, 1) + Wire.lengthDelimited(2, []))
                    + Wire.lengthDelimited(74, Wire.varint(1, 1))
                    + Wire.lengthDelimited(75, Wire.varint(1, 1))
                    + Wire.lengthDelimited(76, Wire.varint(1, 2))  // sint64 1, zigzag
                    + Wire.lengthDelimited(77, Wire.fixed32(1, 1))
                    + Wire.lengthDelimited(78, Wire.lengthDelimited(1, "k") + Wire.lengthDelimited(2, []))
            )
        ) {
            $0.mStringString = ["k": ""]
            $0.mInt32Int32 = [1: 0]
            $0.mInt64Nested = [1: Nested()]
            $0.mBoolBytes = [true: []]
            $0.mUint32Enum = [1: .unspecified]
            $0.mSint64Double = [1: 0]
            $0.mFixed32Float = [1: 0]
            $0.mStringNested = ["k": Nested()]
        },
        Case(
            "map_default_keys_and_values",
            protobufC: .writesDifferently(
                because: mapEntryZeroish,
                writes: Wire.lengthDelimited(71, [])
                    + Wire.lengthDelimited(72, [])
                    + Wire.lengthDelimited(73, Wire.lengthDelimited(2, []))
                    + Wire.lengthDelimited(74, [])
                    + Wire.lengthDelimited(75, [])
                    + Wire.lengthDelimited(76, [])
                    + Wire.lengthDelimited(77, [])
                    + Wire.lengthDelimited(78, Wire.lengthDelimited(2, []))
            )
        ) {
            $0.mStringString = ["": ""]
            $0.mInt32Int32 = [0: 0]
            $0.mInt64Nested = [0: Nested()]
            $0.mBoolBytes = [false: []]
            $0.mUint32Enum = [0: .unspecified]
            $0.mSint64Double = [0: 0]
            $0.mFixed32Float = [0: 0]
            $0.mStringNested = ["": Nested()]
        },
        Case(
            "map_special_float_values",
            protobufC: .writesDifferently(
                because: mapEntryZeroish + " (-0.0 == 0 in C)",
                writes: Wire.lengthDelimited(76, Wire.varint(1, 2))  // sint64 1: -0.0 left out
                    + Wire.lengthDelimited(76, Wire.varint(1, 4) + Wire.fixed64(2, Double.nan.bitPattern))
                    + Wire.lengthDelimited(76, Wire.varint(1, 6) + Wire.fixed64(2, (-Double.infinity).bitPattern))
                    + Wire.lengthDelimited(77, Wire.fixed32(1, 1))
                    + Wire.lengthDelimited(77, Wire.fixed32(1, 2) + Wire.fixed32(2, Float.nan.bitPattern))
                    + Wire.lengthDelimited(77, Wire.fixed32(1, 3) + Wire.fixed32(2, Float.infinity.bitPattern))
            )
        ) {
            $0.mSint64Double = [1: -0.0, 2: .nan, 3: -.infinity]
            $0.mFixed32Float = [1: -0.0, 2: .nan, 3: .infinity]
        },
        Case("map_many_keys") {
            for key in Int32(-50)...50 where key != 0 {
                $0.mInt32Int32[key] = key * key
            }
            for key in 1...100 {
                $0.mStringString[ProtoStringKey(String(key))] = "v\(key)"
            }
            $0.mBoolBytes = [true: Array("t".utf8)]
        },
        Case("oneof_uint32") { $0.choice = .cUint32(.max) },
        Case("oneof_uint32_zero") { $0.choice = .cUint32(0) },
        Case("oneof_string") { $0.choice = .cString("oneof \u{2713} \u{1F600}") },
        Case("oneof_string_empty") { $0.choice = .cString("") },
        Case("oneof_nested", Build.oneofNested),
        Case("oneof_nested_empty") { $0.choice = .cNested(Nested()) },
        Case("oneof_bytes") { $0.choice = .cBytes([0, 1, 255]) },
        Case("oneof_bytes_empty") { $0.choice = .cBytes([]) },
        Case("oneof_enum") { $0.choice = .cEnum(.green) },
        Case("oneof_enum_zero") { $0.choice = .cEnum(.unspecified) },
        Case("oneof_enum_out_of_range") { $0.choice = .cEnum(.unrecognized(-5)) },
        Case("oneof_double") { $0.choice = .cDouble(-1.5) },
        Case("oneof_double_zero") { $0.choice = .cDouble(0) },
        Case("oneof_double_negative_zero") { $0.choice = .cDouble(-0.0) },
        Case("oneof_double_nan") { $0.choice = .cDouble(.nan) },
        Case("well_known", Build.wellKnown),
        Case("well_known_defaults") {
            $0.fTimestamp = Google_Protobuf_Timestamp()
            $0.fDuration = Google_Protobuf_Duration()
            $0.fEmpty = Google_Protobuf_Empty()
        },
        Case("max_field_number") { $0.fMaxNumber = 1 },
        Case("unknown_fields") {
            $0.fInt32 = 1
            var inner = nested(a: 1)
            inner.unknownFields = ProtoUnknownFields(bytes: Unknown.nested)
            $0.fNested = inner
            var element = Nested()
            element.unknownFields = ProtoUnknownFields(bytes: Unknown.repeatedNested)
            $0.rNested = [element]
            $0.unknownFields = ProtoUnknownFields(bytes: Unknown.top)
        },
        Case(
            "unknown_group",
            protobufC: .rejects(
                because: "protobuf-c 1.4 has no groups: its unpacker fails on wire type 3 even in an unknown field"
            )
        ) {
            $0.fString = "g"
            $0.unknownFields = ProtoUnknownFields(bytes: Unknown.group)
        },
        Case("unknown_fields_only") { $0.unknownFields = ProtoUnknownFields(bytes: Unknown.only) },
        Case("everything") {
            // Builders that touch disjoint fields (see the Python twin).
            let parts: [Builder] = [
                Build.scalarsMax, Build.repeatedIntegersEdges, Build.repeatedFloatSpecials,
                Build.stringsNonASCII, Build.bytesAllValues, Build.nested, Build.maps,
                Build.oneofNested, Build.wellKnown,
            ]
            for part in parts { part(&$0) }
            var inner = AllTypes()
            inner.fInt32 = 1
            inner.choice = .cString("inner")
            $0.recursive = inner
        },
    ]

    static let mapEntryZeroish = """
        a map entry is a message with implicit-presence `key` and `value` fields, and \
        protobuf-c leaves out each one that is zero (field_is_zeroish); Google writes both \
        always
        """

    /// 1 MiB in a pattern that does not repeat every 256 bytes; the oracle computes the same.
    static let oneMebibyte: [UInt8] = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 10)) }

    static func nested(a: Int32 = 0, b: String = "", child: Nested? = nil, children: [Nested] = []) -> Nested {
        var nested = Nested()
        nested.a = a
        nested.b = b
        nested.child = child
        nested.children = children
        return nested
    }

    static func timestamp(_ seconds: Int64, _ nanos: Int32 = 0) -> Google_Protobuf_Timestamp {
        var timestamp = Google_Protobuf_Timestamp()
        timestamp.seconds = seconds
        timestamp.nanos = nanos
        return timestamp
    }

    static func duration(_ seconds: Int64, _ nanos: Int32 = 0) -> Google_Protobuf_Duration {
        var duration = Google_Protobuf_Duration()
        duration.seconds = seconds
        duration.nanos = nanos
        return duration
    }

    /// Fields AllTypes and Nested do not declare, of every wire type (the oracle's
    /// UNKNOWN_* constants).
    enum Unknown {
        static let top: [UInt8] =
            Wire.varint(1000, 150) + Wire.varint(1001, -1) + Wire.fixed32(1002, 0xDEAD_BEEF)
            + Wire.fixed64(1003, 0x0123_4567_89AB_CDEF) + Wire.lengthDelimited(1004, "hello")
            + Wire.varint(536_870_910, 1)
        static let nested: [UInt8] = Wire.varint(5, 7) + Wire.lengthDelimited(6, "x")
        static let repeatedNested: [UInt8] = Wire.fixed32(9, 1)
        static let group: [UInt8] =
            Wire.group(1005, Wire.varint(1, 5) + Wire.lengthDelimited(2, "g") + Wire.group(3, Wire.varint(1, 1)))
            + Wire.varint(1006, 1)
        static let only: [UInt8] = Wire.varint(2000, 1)
    }
}

// MARK: - Builders shared by several cases

extension Conformance {
    enum Build {
        static func scalarsOne(_ m: inout AllTypes) {
            m.fInt32 = 1
            m.fInt64 = 1
            m.fUint32 = 1
            m.fUint64 = 1
            m.fSint32 = 1
            m.fSint64 = 1
            m.fFixed32 = 1
            m.fFixed64 = 1
            m.fSfixed32 = 1
            m.fSfixed64 = 1
            m.fFloat = 1
            m.fDouble = 1
            m.fBool = true
            m.fString = "a"
            m.fBytes = [1]
            m.fEnum = .red
            m.fMaxNumber = 1
        }

        static func scalarsMinusOne(_ m: inout AllTypes) {
            m.fInt32 = -1
            m.fInt64 = -1
            m.fSint32 = -1
            m.fSint64 = -1
            m.fSfixed32 = -1
            m.fSfixed64 = -1
            m.fFloat = -1
            m.fDouble = -1
            m.fEnum = .negative
            m.fMaxNumber = -1
        }

        static func scalarsMin(_ m: inout AllTypes) {
            m.fInt32 = .min
            m.fSint32 = .min
            m.fSfixed32 = .min
            m.fMaxNumber = .min
            m.fInt64 = .min
            m.fSint64 = .min
            m.fSfixed64 = .min
            m.fDouble = -.greatestFiniteMagnitude
        }

        static func scalarsMax(_ m: inout AllTypes) {
            m.fInt32 = .max
            m.fSint32 = .max
            m.fSfixed32 = .max
            m.fMaxNumber = .max
            m.fInt64 = .max
            m.fSint64 = .max
            m.fSfixed64 = .max
            m.fUint32 = .max
            m.fFixed32 = .max
            m.fUint64 = .max
            m.fFixed64 = .max
            m.fDouble = .greatestFiniteMagnitude
            m.fBool = true
        }

        static func repeatedFloatSpecials(_ m: inout AllTypes) {
            m.rFloat = [0, -0.0, 1.5, .nan, .infinity, -.infinity, .leastNonzeroMagnitude]
            m.rDouble = [0, -0.0, 1.5, .nan, .infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
        }

        static func stringsNonASCII(_ m: inout AllTypes) {
            m.fString = "h\u{E9}llo w\u{F6}rld \u{2713} \u{65E5}\u{672C}\u{8A9E} \u{1F600} \u{1D11E}"
            m.rString = ["", "a", "\u{DF}", "\u{20AC}", "\u{1F600}", "\u{10FFFF}"]
            m.oString = "\u{DC}n\u{EF}c\u{F6}d\u{E9}"
        }

        static func bytesAllValues(_ m: inout AllTypes) {
            m.fBytes = Array(0...255)
            m.rBytes = [[], [0], [255, 0]]
            m.oBytes = [255]
        }

        static func repeatedIntegersEdges(_ m: inout AllTypes) {
            m.rInt32 = [0, -1, 1, .min, .max]
            m.rInt64 = [0, -1, 1, .min, .max]
            m.rUint32 = [0, 1, .max, .max - 1]
            m.rUint64 = [0, 1, .max, .max - 1]
            m.rSint32 = [0, -1, 1, .min, .max]
            m.rSint64 = [0, -1, 1, .min, .max]
            m.rFixed32 = [0, 1, .max]
            m.rFixed64 = [0, 1, .max]
            m.rSfixed32 = [0, -1, .min, .max]
            m.rSfixed64 = [0, -1, .min, .max]
            m.rBool = [true, false, true]
            m.rEnum = [.unspecified, .red, .green, .negative]
            m.rInt32Unpacked = [0, -1, .min, .max, 300]
        }

        static func nested(_ m: inout AllTypes) {
            m.fNested = Conformance.nested(
                a: 1, b: "x",
                child: Conformance.nested(a: 2, children: [Conformance.nested(a: 3), Nested()]),
                children: [Conformance.nested(b: "y")]
            )
            m.rNested = [Nested(), Conformance.nested(a: -1), Conformance.nested(child: Nested())]
        }

        static func optionalValues(_ m: inout AllTypes) {
            m.oInt32 = -1
            m.oString = "opt"
            m.oEnum = .green
            m.oDouble = -0.0
            m.oBytes = [1, 2]
            m.oBool = true
            m.oUint64 = .max
        }

        static func maps(_ m: inout AllTypes) {
            m.mStringString = ["b": "2", "a": "1", "\u{E9}": "accent", "\u{1F600}": "emoji", "Z": "upper"]
            m.mInt32Int32 = [5: 50, -1: -10, .min: 1, .max: -1]
            m.mInt64Nested = [
                .min: Conformance.nested(a: 1), -1: Conformance.nested(b: "n"),
                7: Conformance.nested(child: Conformance.nested(a: 2)), .max: Conformance.nested(a: 3),
            ]
            m.mBoolBytes = [true: [1]]
            m.mUint32Enum = [1: .red, .max: .negative, 1 << 31: .green]
            m.mSint64Double = [-1: 1.5, .min: -2.5, .max: 1e300, 1 << 32: .infinity]
            m.mFixed32Float = [1: 0.5, .max: -0.25, 1 << 31: Float(bitPattern: 0x4049_0FDB)]
            m.mStringNested = [
                "k": Conformance.nested(a: 1), "\u{E9}": Conformance.nested(b: "v"),
                "a": Conformance.nested(children: [Conformance.nested(a: 1)]),
            ]
        }

        static func oneofNested(_ m: inout AllTypes) {
            m.choice = .cNested(Conformance.nested(a: 1, child: Conformance.nested(b: "c")))
        }

        static func wellKnown(_ m: inout AllTypes) {
            m.fTimestamp = Conformance.timestamp(1_700_000_000, 123_456_789)
            m.fDuration = Conformance.duration(-5, -500_000_000)
            m.fEmpty = Google_Protobuf_Empty()
            m.rTimestamp = [
                Conformance.timestamp(0),
                Conformance.timestamp(-62_135_596_800),  // 0001-01-01T00:00:00Z
                Conformance.timestamp(253_402_300_799, 999_999_999),  // 9999-12-31T23:59:59.999999999Z
            ]
        }
    }
}
