import SwarmProto
import Testing

/// Decoding hostile bytes: every malformation ends in a typed error that names the
/// field, never a crash, and never an allocation the input cannot justify.
@Suite("Malformed binary input")
struct MalformedInputTests {
    typealias AllTypes = Openswarm_Testing_AllTypes
    static let root = "openswarm.testing.AllTypes"

    /// Decodes `bytes` as AllTypes and returns the error, failing the test when decoding succeeds.
    func decodingError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> ProtoDecodingError? {
        do {
            _ = try AllTypes(serializedBytes: bytes)
            Issue.record("decoding \(bytes.prefix(16)) succeeded", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    func expect(
        _ bytes: [UInt8], _ code: ProtoDecodingError.Code, path: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let error = decodingError(bytes, sourceLocation: sourceLocation) else { return }
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.fieldPath == [Self.root] + path, "\(error)", sourceLocation: sourceLocation)
    }

    /// A length-delimited field: tag, length, payload.
    func field(_ number: UInt32, _ payload: [UInt8]) -> [UInt8] {
        varint(UInt64(number << 3 | 2)) + varint(UInt64(payload.count)) + payload
    }

    func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }

    @Test("a varint cut off by the end of input")
    func truncatedVarint() {
        expect([0x08], .truncated, path: ["f_int32"])
        expect([0x08, 0x80, 0x80], .truncated, path: ["f_int32"])
    }

    @Test("a varint longer than ten bytes")
    func overlongVarint() {
        expect([0x08] + [UInt8](repeating: 0xFF, count: 10) + [0x01], .malformedVarint, path: ["f_int32"])
        // Ten bytes whose last one carries bits past 64.
        expect([0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x02], .malformedVarint, path: ["f_int32"])
    }

    @Test("a length prefix that points past the end")
    func lengthPastEnd() {
        expect([0x72, 0x05, 0x61], .lengthOutOfBounds, path: ["f_string"])
        // A claimed length of 2^62 is rejected before anything is allocated.
        expect([0x7A] + varint(1 << 62), .lengthOutOfBounds, path: ["f_bytes"])
    }

    @Test("a fixed-width value cut off")
    func truncatedFixed() {
        expect([0x41, 1, 2, 3], .truncated, path: ["f_fixed64"])
        expect([0x3D, 1, 2], .truncated, path: ["f_fixed32"])
    }

    @Test("a known field with a wire type its declaration does not allow")
    func wrongWireType() {
        expect([0x0A, 0x00], .wrongWireType, path: ["f_int32"])  // int32 sent as length-delimited
        expect([0x75, 0, 0, 0, 0], .wrongWireType, path: ["f_string"])  // string sent as fixed32
        expect([0x8D, 0x01, 0, 0, 0, 0], .wrongWireType, path: ["f_nested"])
    }

    @Test("tags with field number 0, or wire type 6 or 7")
    func invalidTags() {
        expect([0x00, 0x00], .invalidTag, path: [])
        expect([0x0E], .invalidTag, path: [])
        expect([0x0F], .invalidTag, path: [])
        // A tag above 2^32.
        expect(varint(1 << 35), .invalidTag, path: [])
    }

    @Test("a string field that is not UTF-8")
    func invalidUTF8() {
        for bad: [UInt8] in [
            [0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
        ] {
            expect(field(14, bad), .invalidUTF8, path: ["f_string"])
        }
        // Valid multi-byte text passes, including four-byte sequences.
        let text = "Grüße, 世界 🌍"
        let decoded = try? AllTypes(serializedBytes: field(14, Array(text.utf8)))
        #expect(decoded?.fString == text)
    }

    @Test("errors inside nested messages name the path down to the field")
    func nestedPaths() {
        let nested = field(2, [0xC3, 0x28])  // Nested.b, invalid UTF-8
        expect(field(17, nested), .invalidUTF8, path: ["f_nested", "b"])
        expect(field(17, field(3, nested)), .invalidUTF8, path: ["f_nested", "child", "b"])
        expect(field(47, field(4, nested)), .invalidUTF8, path: ["r_nested", "children", "b"])
        expect(field(83, [0x08]), .truncated, path: ["c_nested", "a"])
    }

    @Test("messages nested deeper than 100 levels")
    func nestingTooDeep() {
        func chain(_ depth: Int) -> [UInt8] {
            var bytes: [UInt8] = [0x08, 0x01]  // Nested.a = 1
            for _ in 0..<depth { bytes = field(3, bytes) }
            return bytes
        }
        // f_nested is level 1; 99 more levels of child fit within the limit of 100.
        #expect((try? AllTypes(serializedBytes: field(17, chain(99)))) != nil)
        guard let error = decodingError(field(17, chain(100))) else { return }
        #expect(error.code == .nestingTooDeep)
        #expect(error.fieldPath.prefix(3) == [Self.root, "f_nested", "child"])
        // The limit is a parameter.
        #expect((try? AllTypes(serializedBytes: field(17, chain(5)), depthLimit: 5)) == nil)
    }

    @Test("packed payloads whose length does not fit the element size")
    func packedLengths() {
        expect(field(37, [1, 2, 3]), .truncated, path: ["r_fixed32"])
        expect(field(38, [UInt8](repeating: 1, count: 12)), .truncated, path: ["r_fixed64"])
        // A varint that runs past the end of its packed payload.
        expect(field(31, [0x80]) + [0x01], .truncated, path: ["r_int32"])
    }

    @Test("map entries with wrong wire types or truncated contents")
    func mapEntries() {
        expect(field(71, [0x08, 0x01]), .wrongWireType, path: ["m_string_string"])
        expect(field(72, [0x08]), .truncated, path: ["m_int32_int32"])
        expect(field(73, [0x08, 0x01, 0x12, 0x02, 0x08]), .lengthOutOfBounds, path: ["m_int64_nested"])
    }

    @Test("unknown fields that are malformed are reported by number")
    func unknownFields() {
        // Field 999 as a varint with no value.
        expect(varint(999 << 3), .truncated, path: ["#999"])
        // An end-group tag with no start.
        expect(varint(1000 << 3 | 4), .invalidTag, path: ["#1000"])
        // A group closed by another field's end tag.
        expect(varint(1000 << 3 | 3) + varint(1001 << 3 | 4), .mismatchedGroup, path: ["#1000"])
        // A group that never ends.
        expect(varint(1000 << 3 | 3) + [0x08, 0x01], .truncated, path: ["#1000"])
        // Groups nested past the depth limit.
        let deep = [UInt8]((0..<150).flatMap { _ in varint(1000 << 3 | 3) })
        expect(deep, .nestingTooDeep, path: ["#1000"])
    }

    @Test("well-formed unknown fields, groups included, survive decode and encode")
    func unknownFieldsPreserved() throws {
        let unknown: [UInt8] =
            varint(2000 << 3) + varint(300)  // varint
            + varint(2001 << 3 | 5) + [1, 2, 3, 4]  // fixed32
            + varint(2002 << 3 | 1) + [1, 2, 3, 4, 5, 6, 7, 8]  // fixed64
            + field(2003, [9, 9, 9])  // length-delimited
            + varint(2004 << 3 | 3) + [0x08, 0x01] + varint(2004 << 3 | 4)  // group
        let bytes: [UInt8] = [0x08, 0x07] + unknown
        let message = try AllTypes(serializedBytes: bytes)
        #expect(message.fInt32 == 7)
        #expect(message.unknownFields.bytes == unknown)
        #expect(message.serializedBytes() == bytes)
    }

    @Test("random and mutated inputs never crash; what decodes re-encodes stably")
    func randomInputs() throws {
        var rng = SplitMix64(seed: 0x05_7A_12)
        var sample = AllTypes()
        sample.fInt32 = -1
        sample.fString = "seed"
        sample.rInt64 = [1, -1, Int64.max]
        sample.mStringString = ["k": "v"]
        sample.choice = .cNested(Openswarm_Testing_Nested())
        sample.fNested = Openswarm_Testing_Nested()
        sample.fNested?.children = [Openswarm_Testing_Nested()]
        let valid = sample.serializedBytes()
        var decodedCount = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                bytes = valid
                for _ in 0..<(1 + rng.next() % 4) {
                    let index = Int(rng.next() % UInt64(bytes.count))
                    bytes[index] = UInt8(truncatingIfNeeded: rng.next())
                }
                if rng.next() % 4 == 0 { bytes.removeLast(Int(rng.next() % UInt64(bytes.count))) }
            }
            guard let message = try? AllTypes(serializedBytes: bytes) else { continue }
            decodedCount += 1
            let encoded = message.serializedBytes()
            let again = try AllTypes(serializedBytes: encoded)
            #expect(again.serializedBytes() == encoded, "unstable re-encoding of \(bytes)")
        }
        #expect(decodedCount > 100)
    }
}

/// A small deterministic generator so that the random corpus is the same every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
