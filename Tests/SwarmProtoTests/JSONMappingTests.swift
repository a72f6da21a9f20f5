import SwarmProto
import Testing

/// The proto3 JSON mapping as the protobuf documentation defines it, case by case.
/// (The conformance suite compares whole messages with Google's `json_format`.)
@Suite("Proto3 JSON mapping")
struct JSONMappingTests {
    typealias AllTypes = Openswarm_Testing_AllTypes

    func decode(_ json: String, ignoreUnknown: Bool = false) throws(ProtoJSONError) -> AllTypes {
        try AllTypes(jsonString: json, options: .init(ignoreUnknownFields: ignoreUnknown))
    }

    func error(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) -> ProtoJSONError? {
        do {
            _ = try decode(json)
            Issue.record("\(json) was accepted", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    @Test("defaults are omitted; an empty message is {}")
    func defaultsOmitted() {
        #expect(AllTypes().jsonString() == "{}")
        var message = AllTypes()
        message.fInt32 = 0
        message.fString = ""
        message.rInt32 = []
        #expect(message.jsonString() == "{}")
    }

    @Test("lowerCamelCase names are written; proto names on request; both are read")
    func fieldNames() throws {
        var message = AllTypes()
        message.fInt32 = 5
        message.mStringString = ["k": "v"]
        #expect(message.jsonString() == #"{"fInt32":5,"mStringString":{"k":"v"}}"#)
        #expect(
            message.jsonString(options: .init(preserveProtoFieldNames: true))
                == #"{"f_int32":5,"m_string_string":{"k":"v"}}"#)
        #expect(try decode(#"{"f_int32":5,"mStringString":{"k":"v"}}"#) == message)
    }

    @Test("64-bit integers are strings on output and strings or numbers on input")
    func sixtyFourBitIntegers() throws {
        var message = AllTypes()
        message.fInt64 = Int64.min
        message.fUint64 = UInt64.max
        message.fInt32 = Int32.min
        #expect(
            message.jsonString()
                == #"{"fInt32":-2147483648,"fInt64":"-9223372036854775808","fUint64":"18446744073709551615"}"#)
        #expect(try decode(#"{"fInt64":-9223372036854775808,"fUint64":"18446744073709551615"}"#).fInt64 == Int64.min)
        #expect(try decode(#"{"fInt32":"12"}"#).fInt32 == 12)
        #expect(try decode(#"{"fInt32":1e2}"#).fInt32 == 100)
        #expect(try decode(#"{"fInt32":3.0}"#).fInt32 == 3)
    }

    @Test("integers that are fractional, too large or not numbers are rejected")
    func badIntegers() {
        #expect(error(#"{"fInt32":1.5}"#)?.code == .outOfRange)
        #expect(error(#"{"fInt32":2147483648}"#)?.code == .outOfRange)
        #expect(error(#"{"fUint32":-1}"#)?.code == .outOfRange)
        #expect(error(#"{"fInt64":"9223372036854775808"}"#)?.code == .outOfRange)
        #expect(error(#"{"fInt32":"0x10"}"#)?.code == .invalidValue)
        #expect(error(#"{"fInt32":true}"#)?.code == .typeMismatch)
    }

    @Test("floats: NaN and infinities as strings, finite values as shortest numbers")
    func floatingPoint() throws {
        var message = AllTypes()
        message.fDouble = .nan
        message.fFloat = -.infinity
        message.rDouble = [0.1, 1e300, -2.5]
        #expect(message.jsonString() == #"{"fFloat":"-Infinity","fDouble":"NaN","rDouble":[0.1,1e+300,-2.5]}"#)
        let decoded = try decode(#"{"fDouble":"Infinity","fFloat":"1.25","rDouble":[1,"NaN"]}"#)
        #expect(decoded.fDouble == .infinity)
        #expect(decoded.fFloat == 1.25)
        #expect(decoded.rDouble.count == 2 && decoded.rDouble[1].isNaN)
        #expect(error(#"{"fFloat":1e39}"#)?.code == .outOfRange)
        #expect(error(#"{"fDouble":1e400}"#)?.code == .outOfRange)
        #expect(error(#"{"fDouble":"nan"}"#)?.code == .invalidValue)
    }

    @Test("enums by name, numbers accepted, unknown values kept as numbers")
    func enums() throws {
        var message = AllTypes()
        message.fEnum = .negative
        message.rEnum = [.red, .unrecognized(7)]
        #expect(message.jsonString() == #"{"fEnum":"COLOR_NEGATIVE","rEnum":["COLOR_RED",7]}"#)
        #expect(try decode(#"{"fEnum":2}"#).fEnum == .green)
        #expect(try decode(#"{"fEnum":"COLOR_RED"}"#).fEnum == .red)
        #expect(error(#"{"fEnum":"COLOR_PURPLE"}"#)?.code == .invalidValue)
        #expect(try decode(#"{"fEnum":"COLOR_PURPLE"}"#, ignoreUnknown: true).fEnum == .unspecified)
    }

    @Test("bytes are base64: standard or URL-safe, padded or not")
    func bytes() throws {
        var message = AllTypes()
        message.fBytes = [0xFB, 0xFF, 0xBF]
        #expect(message.jsonString() == #"{"fBytes":"+/+/"}"#)
        #expect(try decode(#"{"fBytes":"-_-_"}"#).fBytes == [0xFB, 0xFF, 0xBF])
        #expect(try decode(#"{"fBytes":"AQ=="}"#).fBytes == [1])
        #expect(try decode(#"{"fBytes":"AQ"}"#).fBytes == [1])
        #expect(try decode(#"{"fBytes":"AQI"}"#).fBytes == [1, 2])
        #expect(error(#"{"fBytes":"A"}"#)?.code == .invalidValue)
        #expect(error(#"{"fBytes":"AQ=x"}"#)?.code == .invalidValue)
    }

    @Test("optional fields keep presence, even at their default")
    func presence() throws {
        var message = AllTypes()
        message.oInt32 = 0
        message.oString = ""
        #expect(message.jsonString() == #"{"oInt32":0,"oString":""}"#)
        let decoded = try decode(#"{"oInt32":0}"#)
        #expect(decoded.oInt32 == 0)
        #expect(decoded.oString == nil)
    }

    @Test("oneof: the set member is written even at its default; two members are an error")
    func oneofs() throws {
        var message = AllTypes()
        message.choice = .cUint32(0)
        #expect(message.jsonString() == #"{"cUint32":0}"#)
        #expect(try decode(#"{"cString":"x"}"#).choice == .cString("x"))
        #expect(error(#"{"cString":"x","cUint32":1}"#)?.code == .oneofConflict)
        #expect(try decode(#"{"cString":null,"cUint32":1}"#).choice == .cUint32(1))
    }

    @Test("maps: keys are strings in ascending order; typed keys are parsed")
    func maps() throws {
        var message = AllTypes()
        message.mInt32Int32 = [10: 1, -2: 2]
        message.mBoolBytes = [true: [1], false: []]
        #expect(
            message.jsonString() == #"{"mInt32Int32":{"-2":2,"10":1},"mBoolBytes":{"false":"","true":"AQ=="}}"#)
        #expect(try decode(#"{"mInt32Int32":{"7":8}}"#).mInt32Int32 == [7: 8])
        #expect(error(#"{"mInt32Int32":{"x":8}}"#)?.code == .invalidValue)
        #expect(error(#"{"mBoolBytes":{"yes":""}}"#)?.code == .invalidValue)
    }

    @Test("null means not set")
    func nulls() throws {
        let decoded = try decode(#"{"fInt32":null,"fNested":null,"rString":null,"mStringString":null}"#)
        #expect(decoded == AllTypes())
        #expect(error(#"{"rString":["a",null]}"#)?.code == .typeMismatch)
    }

    @Test("unknown keys are an error unless ignoring is asked for")
    func unknownKeys() throws {
        let failure = error(#"{"fInt32":1,"colour":"red"}"#)
        #expect(failure?.code == .unknownField)
        #expect(failure?.fieldPath == ["openswarm.testing.AllTypes", "colour"])
        #expect(try decode(#"{"fInt32":1,"colour":{"deep":[1]}}"#, ignoreUnknown: true).fInt32 == 1)
    }

    @Test("errors name the path down to the bad value")
    func errorPaths() {
        let failure = error(#"{"fNested":{"child":{"a":"x"}}}"#)
        #expect(failure?.fieldPath == ["openswarm.testing.AllTypes", "fNested", "child", "a"])
        let inArray = error(#"{"rNested":[{},{"b":7}]}"#)
        #expect(inArray?.fieldPath == ["openswarm.testing.AllTypes", "rNested", "[1]", "b"])
        #expect(inArray?.code == .typeMismatch)
    }

    @Test(
        "text that is not strict JSON is a syntax error",
        arguments: [
            "", "{", #"{"fInt32":1}x"#, #"{"fInt32":01}"#, #"{"fInt32":1,}"#, #"{'fInt32':1}"#,
            #"{"fString":"\ud800"}"#, #"{"fString":"\x"}"#, "[1]x", #"{"fString":"a"#,
        ])
    func syntax(json: String) {
        #expect(error(json)?.code == .syntax)
    }

    @Test("invalid UTF-8 and excessive nesting are syntax errors")
    func hostileText() {
        let invalid: [UInt8] = Array(#"{"fString":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: ProtoJSONError.self) { try AllTypes(jsonUTF8Bytes: invalid) }
        let deep = String(repeating: #"{"fNested":"#, count: 300) + "{}" + String(repeating: "}", count: 300)
        #expect(error(deep)?.code == .syntax)
    }

    @Test("strings are escaped and unescaped, including surrogate pairs")
    func strings() throws {
        var message = AllTypes()
        message.fString = "quote\" backslash\\ newline\n tab\t bell\u{07} 🌍"
        let json = message.jsonString()
        #expect(json == #"{"fString":"quote\" backslash\\ newline\n tab\t bell\u0007 🌍"}"#)
        #expect(try decode(json) == message)
        #expect(try decode(#"{"fString":"\ud83c\udf0d\u00e9\/"}"#).fString == "🌍é/")
    }
}

@Suite("Timestamp and Duration JSON")
struct WellKnownTypeJSONTests {
    func timestamp(_ seconds: Int64, _ nanos: Int32 = 0) -> Google_Protobuf_Timestamp {
        var value = Google_Protobuf_Timestamp()
        value.seconds = seconds
        value.nanos = nanos
        return value
    }

    func duration(_ seconds: Int64, _ nanos: Int32 = 0) -> Google_Protobuf_Duration {
        var value = Google_Protobuf_Duration()
        value.seconds = seconds
        value.nanos = nanos
        return value
    }

    @Test("timestamps are RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits")
    func timestampOutput() {
        #expect(timestamp(0).jsonString() == #""1970-01-01T00:00:00Z""#)
        #expect(timestamp(1_796_083_200, 250_000_000).jsonString() == #""2026-12-01T00:00:00.250Z""#)
        #expect(timestamp(-1, 1000).jsonString() == #""1969-12-31T23:59:59.000001Z""#)
        #expect(timestamp(951_782_400, 1).jsonString() == #""2000-02-29T00:00:00.000000001Z""#)
        #expect(timestamp(-62_135_596_800).jsonString() == #""0001-01-01T00:00:00Z""#)
        #expect(timestamp(253_402_300_799, 999_999_999).jsonString() == #""9999-12-31T23:59:59.999999999Z""#)
    }

    @Test("timestamps are read with any offset and digit count")
    func timestampInput() throws {
        #expect(
            try Google_Protobuf_Timestamp(jsonString: #""2026-12-01T01:00:00.25+01:00""#)
                == timestamp(1_796_083_200, 250_000_000))
        #expect(try Google_Protobuf_Timestamp(jsonString: #""1969-12-31T23:59:59.000001Z""#) == timestamp(-1, 1000))
        for bad in [
            #""2026-02-30T00:00:00Z""#, #""2026-12-01 00:00:00Z""#, #""2026-12-01T00:00:00""#,
            #""2026-12-01T00:00:00.Z""#, #""2026-12-01T00:00:00.1234567890Z""#, #""10000-01-01T00:00:00Z""#, "12",
        ] {
            #expect(throws: ProtoJSONError.self, "\(bad)") { try Google_Protobuf_Timestamp(jsonString: bad) }
        }
    }

    @Test("durations are seconds with an s suffix")
    func durations() throws {
        #expect(duration(1, 500_000_000).jsonString() == #""1.500s""#)
        #expect(duration(0, -1).jsonString() == #""-0.000000001s""#)
        #expect(duration(-3).jsonString() == #""-3s""#)
        #expect(duration(0).jsonString() == #""0s""#)
        #expect(try Google_Protobuf_Duration(jsonString: #""-1.5s""#) == duration(-1, -500_000_000))
        #expect(try Google_Protobuf_Duration(jsonString: #""315576000000s""#) == duration(315_576_000_000))
        for bad in [#""1.5""#, #""s""#, #""1.s""#, #""315576000001s""#, #""1e3s""#, "1.5"] {
            #expect(throws: ProtoJSONError.self, "\(bad)") { try Google_Protobuf_Duration(jsonString: bad) }
        }
    }

    @Test("inside messages, well-known types use their special forms")
    func nested() throws {
        var message = Openswarm_Testing_AllTypes()
        message.fTimestamp = timestamp(0)
        message.fDuration = duration(2)
        message.fEmpty = Google_Protobuf_Empty()
        let json = message.jsonString()
        #expect(json == #"{"fTimestamp":"1970-01-01T00:00:00Z","fDuration":"2s","fEmpty":{}}"#)
        #expect(try Openswarm_Testing_AllTypes(jsonString: json) == message)
    }
}
