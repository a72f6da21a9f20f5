import SwarmProto

extension Conformance {
    /// A hand-written JSON text the proto3 JSON mapping allows (or forbids). The Swift
    /// codec must read it as `expected`, and Google's `json_format.Parse` must agree:
    /// accept it with the same resulting bytes, or reject it too.
    struct JSONInput: Sendable, CustomStringConvertible {
        enum Expected: Sendable {
            case message(Builder)
            case error(ProtoJSONError.Code)
        }

        let name: String
        let json: String
        var ignoreUnknownFields = false
        let expected: Expected

        var description: String { name }
    }

    static let jsonInputs: [JSONInput] = [
        // Field names: both the lowerCamelCase JSON name and the .proto name.
        JSONInput(
            name: "proto_field_names",
            json: #"""
                {
                  "f_int32": 5,
                  "r_string": ["a"],
                  "m_int32_int32": {"1": 2},
                  "o_bool": false,
                  "c_uint32": 3,
                  "f_nested": {"a": 1},
                  "r_timestamp": ["1970-01-01T00:00:00Z"]
                }
                """#,
            expected: .message(namesExample)
        ),
        JSONInput(
            name: "lower_camel_names",
            json: #"""
                {
                  "fInt32": 5,
                  "rString": ["a"],
                  "mInt32Int32": {"1": 2},
                  "oBool": false,
                  "cUint32": 3,
                  "fNested": {"a": 1},
                  "rTimestamp": ["1970-01-01T00:00:00Z"]
                }
                """#,
            expected: .message(namesExample)
        ),
        // 64-bit integers: strings (what writers emit) and numbers (also accepted).
        JSONInput(
            name: "int64_as_strings",
            json: #"""
                {
                  "fInt64": "-9223372036854775808",
                  "fUint64": "18446744073709551615",
                  "fSint64": "9223372036854775807",
                  "fFixed64": "18446744073709551615",
                  "fSfixed64": "-1",
                  "rInt64": ["1", "-1"],
                  "oUint64": "18446744073709551615",
                  "mInt64Nested": {"5": {}}
                }
                """#,
            expected: .message(int64Example)
        ),
        JSONInput(
            name: "int64_as_numbers",
            json: #"""
                {
                  "fInt64": -9223372036854775808,
                  "fUint64": 18446744073709551615,
                  "fSint64": 9223372036854775807,
                  "fFixed64": 18446744073709551615,
                  "fSfixed64": -1,
                  "rInt64": [1, -1],
                  "oUint64": 18446744073709551615,
                  "mInt64Nested": {"5": {}}
                }
                """#,
            expected: .message(int64Example)
        ),
        JSONInput(
            name: "int32_as_strings",
            json: #"{"fInt32": "-2147483648", "fUint32": "4294967295", "fSint32": "7", "rInt32": ["1", "2"]}"#,
            expected: .message {
                $0.fInt32 = .min
                $0.fUint32 = .max
                $0.fSint32 = 7
                $0.rInt32 = [1, 2]
            }
        ),
        JSONInput(
            name: "integers_in_exponent_form",
            json: #"{"fInt32": 1e2, "fUint64": 1.0e3, "fInt64": -2E1}"#,
            expected: .message {
                $0.fInt32 = 100
                $0.fUint64 = 1000
                $0.fInt64 = -20
            }
        ),
        JSONInput(name: "integer_with_fraction_rejected", json: #"{"fInt32": 1.5}"#, expected: .error(.outOfRange)),
        JSONInput(name: "int32_overflow_rejected", json: #"{"fInt32": 2147483648}"#, expected: .error(.outOfRange)),
        JSONInput(name: "uint32_negative_rejected", json: #"{"fUint32": -1}"#, expected: .error(.outOfRange)),
        // Enums: by name and by number, unknown numbers kept (proto3 enums are open).
        JSONInput(
            name: "enums_by_name",
            json: #"""
                {
                  "fEnum": "COLOR_RED",
                  "rEnum": ["COLOR_GREEN", "COLOR_NEGATIVE", "COLOR_UNSPECIFIED"],
                  "oEnum": "COLOR_UNSPECIFIED",
                  "mUint32Enum": {"1": "COLOR_RED"},
                  "cEnum": "COLOR_GREEN"
                }
                """#,
            expected: .message {
                $0.fEnum = .red
                $0.rEnum = [.green, .negative, .unspecified]
                $0.oEnum = .unspecified
                $0.mUint32Enum = [1: .red]
                $0.choice = .cEnum(.green)
            }
        ),
        JSONInput(
            name: "enums_by_number",
            json: #"{"fEnum": 1, "rEnum": [2, -1, 7], "oEnum": 0, "mUint32Enum": {"1": -5}, "cEnum": 7}"#,
            expected: .message {
                $0.fEnum = .red
                $0.rEnum = [.green, .negative, .unrecognized(7)]
                $0.oEnum = .unspecified
                $0.mUint32Enum = [1: .unrecognized(-5)]
                $0.choice = .cEnum(.unrecognized(7))
            }
        ),
        JSONInput(
            name: "enum_unknown_name_rejected", json: #"{"fEnum": "COLOR_PURPLE"}"#, expected: .error(.invalidValue)),
        // Bytes: base64, standard or URL-safe alphabet, with or without padding.
        JSONInput(
            name: "bytes_standard_padded",
            json: #"{"fBytes": "+/8=", "rBytes": ["+/+/", "AA==", ""]}"#,
            expected: .message {
                $0.fBytes = [0xFB, 0xFF]
                $0.rBytes = [[0xFB, 0xFF, 0xBF], [0], []]
            }
        ),
        JSONInput(
            name: "bytes_standard_unpadded",
            json: #"{"fBytes": "+/8", "rBytes": ["AA"]}"#,
            expected: .message {
                $0.fBytes = [0xFB, 0xFF]
                $0.rBytes = [[0]]
            }
        ),
        JSONInput(
            name: "bytes_url_safe_padded",
            json: #"{"fBytes": "-_8=", "rBytes": ["-_-_"]}"#,
            expected: .message {
                $0.fBytes = [0xFB, 0xFF]
                $0.rBytes = [[0xFB, 0xFF, 0xBF]]
            }
        ),
        JSONInput(
            name: "bytes_url_safe_unpadded",
            json: #"{"fBytes": "-_8", "oBytes": "AQ"}"#,
            expected: .message {
                $0.fBytes = [0xFB, 0xFF]
                $0.oBytes = [1]
            }
        ),
        // Floating point: numbers, numeric strings, and the three special strings.
        JSONInput(
            name: "floats_as_strings_and_specials",
            json: #"""
                {
                  "fFloat": "1.5",
                  "fDouble": "-2.25",
                  "rDouble": ["NaN", "Infinity", "-Infinity", 1e308, "1e-5"],
                  "oDouble": "Infinity",
                  "rFloat": ["NaN", -0.0, 3.4028234663852886e38]
                }
                """#,
            expected: .message {
                $0.fFloat = 1.5
                $0.fDouble = -2.25
                $0.rDouble = [.nan, .infinity, -.infinity, 1e308, 1e-5]
                $0.oDouble = .infinity
                $0.rFloat = [.nan, -0.0, .greatestFiniteMagnitude]
            }
        ),
        JSONInput(
            name: "negative_zero",
            json: #"{"fDouble": -0.0, "fFloat": "-0"}"#,
            expected: .message {
                $0.fDouble = -0.0
                $0.fFloat = -0.0
            }
        ),
        // null means "the default" for every kind of field, including oneof members.
        JSONInput(
            name: "nulls_mean_default",
            json: #"""
                {
                  "fInt32": null,
                  "fString": null,
                  "fNested": null,
                  "rInt32": null,
                  "mStringString": null,
                  "oInt32": null,
                  "cUint32": null,
                  "fTimestamp": null,
                  "fEnum": null
                }
                """#,
            expected: .message { _ in }
        ),
        JSONInput(
            name: "oneof_two_members_rejected", json: #"{"cUint32": 1, "cString": "x"}"#,
            expected: .error(.oneofConflict)),
        JSONInput(
            name: "oneof_null_then_member",
            json: #"{"cUint32": null, "cString": "x"}"#,
            expected: .message { $0.choice = .cString("x") }
        ),
        // Unknown keys: an error, unless the caller asks to ignore them.
        JSONInput(
            name: "unknown_key_rejected", json: #"{"fInt32": 1, "noSuchField": 2}"#, expected: .error(.unknownField)),
        JSONInput(
            name: "unknown_key_ignored",
            json: #"{"fInt32": 1, "noSuchField": 2}"#,
            ignoreUnknownFields: true,
            expected: .message { $0.fInt32 = 1 }
        ),
        JSONInput(
            name: "unknown_nested_keys_ignored",
            json: #"{"fNested": {"a": 1, "zzz": {"deep": [1, {"x": null}]}}, "yyy": "s"}"#,
            ignoreUnknownFields: true,
            expected: .message { $0.fNested = nested(a: 1) }
        ),
        JSONInput(
            name: "map_keys_of_every_kind",
            json: #"""
                {
                  "mBoolBytes": {"true": "AQ==", "false": ""},
                  "mInt32Int32": {"-1": 1, "0": 0},
                  "mInt64Nested": {"-9223372036854775808": {}},
                  "mFixed32Float": {"4294967295": 1.5},
                  "mSint64Double": {"-1": "NaN"},
                  "mUint32Enum": {"0": "COLOR_RED"},
                  "mStringNested": {"": {"b": "x"}},
                  "mStringString": {"\u00e9": ""}
                }
                """#,
            expected: .message {
                $0.mBoolBytes = [true: [1], false: []]
                $0.mInt32Int32 = [-1: 1, 0: 0]
                $0.mInt64Nested = [.min: Nested()]
                $0.mFixed32Float = [.max: 1.5]
                $0.mSint64Double = [-1: .nan]
                $0.mUint32Enum = [0: .red]
                $0.mStringNested = ["": nested(b: "x")]
                $0.mStringString = ["\u{E9}": ""]
            }
        ),
        // Well-known types: RFC 3339 with an offset, durations with nanoseconds.
        JSONInput(
            name: "timestamp_with_offset",
            json: #"{"fTimestamp": "2023-11-14T23:13:20.5+01:00"}"#,
            expected: .message { $0.fTimestamp = timestamp(1_700_000_000, 500_000_000) }
        ),
        JSONInput(
            name: "duration_and_timestamp_nanos",
            json: #"{"fDuration": "-1.500000001s", "fTimestamp": "1970-01-01T00:00:00.000000001Z"}"#,
            expected: .message {
                $0.fDuration = duration(-1, -500_000_001)
                $0.fTimestamp = timestamp(0, 1)
            }
        ),
        JSONInput(
            name: "empty_objects_are_present_messages",
            json: #"{"fEmpty": {}, "fNested": {}, "cNested": {}}"#,
            expected: .message {
                $0.fEmpty = Google_Protobuf_Empty()
                $0.fNested = Nested()
                $0.choice = .cNested(Nested())
            }
        ),
        JSONInput(
            name: "string_escapes",
            json: #"{"fString": "\u00e9\ud83d\ude00\n\"\\\u0000\/", "rString": ["\t\b\f\r"]}"#,
            expected: .message {
                $0.fString = "\u{E9}\u{1F600}\n\"\\\u{0}/"
                $0.rString = ["\t\u{8}\u{C}\r"]
            }
        ),
        JSONInput(
            name: "whitespace_everywhere",
            json: " \n{ \"fInt32\" :\t1 , \"rInt32\" : [ 1 , 2 ] }\r\n",
            expected: .message {
                $0.fInt32 = 1
                $0.rInt32 = [1, 2]
            }
        ),
        JSONInput(
            name: "recursion",
            json: #"{"recursive": {"recursive": {"fInt32": 3}}}"#,
            expected: .message {
                var inner = AllTypes()
                inner.fInt32 = 3
                var middle = AllTypes()
                middle.recursive = inner
                $0.recursive = middle
            }
        ),
        JSONInput(name: "number_for_string_field_rejected", json: #"{"fString": 1}"#, expected: .error(.typeMismatch)),
        JSONInput(name: "quoted_bool_rejected", json: #"{"fBool": "true"}"#, expected: .error(.typeMismatch)),
        JSONInput(name: "trailing_comma_rejected", json: #"{"fInt32": 1,}"#, expected: .error(.syntax)),
    ]

    static let namesExample: Builder = {
        $0.fInt32 = 5
        $0.rString = ["a"]
        $0.mInt32Int32 = [1: 2]
        $0.oBool = false
        $0.choice = .cUint32(3)
        $0.fNested = nested(a: 1)
        $0.rTimestamp = [timestamp(0)]
    }

    static let int64Example: Builder = {
        $0.fInt64 = .min
        $0.fUint64 = .max
        $0.fSint64 = .max
        $0.fFixed64 = .max
        $0.fSfixed64 = -1
        $0.rInt64 = [1, -1]
        $0.oUint64 = .max
        $0.mInt64Nested = [5: Nested()]
    }
}
