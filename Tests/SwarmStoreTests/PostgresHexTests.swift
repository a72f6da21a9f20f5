import Testing

@testable import SwarmStore

/// `bytea` values arrive from libpq as `\x` and hex digits; the decoder reads them from
/// the result buffer and refuses anything else.
@Suite("PostgreSQL bytea decoding")
struct PostgresHexTests {
    func decode(_ text: String) throws(StoreError) -> [UInt8] {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(StoreError) -> [UInt8] in
            try PostgresConnection.decodeHex(buffer)
        }
    }

    @Test("Every byte value round-trips through both letter cases")
    func roundTrip() throws {
        let all = (0...255).map { UInt8($0) }
        let hex = all.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(try decode("\\x" + hex) == all)
        #expect(try decode("\\x" + hex.uppercased()) == all)
        #expect(try decode("\\x").isEmpty)
    }

    @Test(
        "Anything but hex digits after \\x is refused",
        arguments: ["\\x0g", "\\x:0", "\\x`0", "\\x@0", "\\x0", "x00", "\\x 0"])
    func refused(_ text: String) {
        expectCode(.corrupt) { () throws(StoreError) in try decode(text) }
    }
}
