import Testing

@testable import SwarmStore

/// Results arrive from libpq in binary format; parameters go as text (numbers) and bytes
/// (blobs) from one buffer. Both are decoded and encoded here, without a server.
@Suite("PostgreSQL binary values")
struct PostgresBinaryTests {
    func decode(_ bytes: [UInt8], _ type: UInt32) throws(StoreError) -> SQLValue {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 8)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        return try PostgresBinary.decode(UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count]), type: type)
    }

    /// `numeric` bytes: digit count, weight, sign, scale, then base-10,000 digits.
    func numeric(_ digits: [Int16], weight: Int16, negative: Bool = false, scale: Int16 = 0) -> [UInt8] {
        let fields = [Int16(digits.count), weight, negative ? Int16(bitPattern: 0x4000) : 0, scale] + digits
        return fields.flatMap { field in withUnsafeBytes(of: field.bigEndian) { Array($0) } }
    }

    @Test("Integers, booleans, doubles, bytes and text decode from their big-endian binary forms")
    func scalars() throws {
        #expect(try decode([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], PostgresBinary.OID.int8) == .integer(-2))
        #expect(try decode([0, 0, 1, 0], PostgresBinary.OID.int4) == .integer(256))
        #expect(try decode([0x80, 0], PostgresBinary.OID.int2) == .integer(-32_768))
        #expect(try decode([1], PostgresBinary.OID.bool) == .integer(1))
        let half = withUnsafeBytes(of: (0.5).bitPattern.bigEndian) { Array($0) }
        #expect(try decode(half, PostgresBinary.OID.float8) == .real(0.5))
        #expect(try decode([0, 1, 0xff], PostgresBinary.OID.bytea) == .blob([0, 1, 0xff]))
        #expect(try decode(Array("tâche".utf8), 25) == .text("tâche"))
    }

    @Test("numeric: whole values become integers, others doubles, NaN stays NaN")
    func numerics() throws {
        #expect(try decode(numeric([], weight: 0), PostgresBinary.OID.numeric) == .integer(0))
        // 1,000,000,000,000 = 1 × 10,000^3 (trailing zero digits are not sent).
        #expect(try decode(numeric([1], weight: 3), PostgresBinary.OID.numeric) == .integer(1_000_000_000_000))
        #expect(
            try decode(numeric([12, 3456], weight: 1, negative: true), PostgresBinary.OID.numeric) == .integer(-123_456)
        )
        #expect(try decode(numeric([1, 5000], weight: 0, scale: 1), PostgresBinary.OID.numeric) == .real(1.5))
        // 10,000^5 does not fit in an Int64: a double.
        #expect(try decode(numeric([1], weight: 5), PostgresBinary.OID.numeric) == .real(1e20))
        let nan = [Int16(0), 0, Int16(bitPattern: 0xC000), 0].flatMap { f in
            withUnsafeBytes(of: f.bigEndian) { Array($0) }
        }
        guard case .real(let value) = try decode(nan, PostgresBinary.OID.numeric) else {
            Issue.record("NaN is not a real")
            return
        }
        #expect(value.isNaN)
    }

    @Test(
        "Values of the wrong length or with bad digits are refused as corrupt",
        arguments: [
            ([0, 0, 0, 0], PostgresBinary.OID.int8), ([0, 0], PostgresBinary.OID.int4),
            ([0, 1, 0, 0, 0, 0, 0, 0], PostgresBinary.OID.numeric),  // one digit promised, none sent
            ([0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10], PostgresBinary.OID.numeric),  // digit 10,000
            ([0, 0, 0, 0, 0x12, 0x34, 0, 0], PostgresBinary.OID.numeric),  // unknown sign
        ] as [([UInt8], UInt32)])
    func refused(_ bytes: [UInt8], _ type: UInt32) {
        expectCode(.corrupt) { () throws(StoreError) in try decode(bytes, type) }
    }

    @Test("Parameters: numbers as NUL-terminated decimal text, blobs as bytes with their length")
    func parameters() {
        let values: [SQLValue] = [
            .integer(Int64.min), .integer(0), .integer(42), .text("é"), .null, .blob([0, 9]), .real(0.25),
        ]
        let encoded = PostgresParameters.withEncoded(values) { values, lengths, formats in
            (0..<values.count).map { index -> String in
                guard let value = values[index] else { return "NULL" }
                if formats[index] == 1 {
                    let bytes = UnsafeRawBufferPointer(start: value, count: Int(lengths[index]))
                    return "blob" + bytes.map(String.init).joined(separator: ",")
                }
                return String(cString: value)
            }
        }
        #expect(encoded == ["-9223372036854775808", "0", "42", "é", "NULL", "blob0,9", "0.25"])
    }
}
