/// The `grpc-timeout` header: `TimeoutValue TimeoutUnit`, at most eight ASCII digits
/// then one of `H M S m u n` (PROTOCOL-HTTP2.md).
enum GRPCTimeout {
    /// The timeout in nanoseconds, or nil when the value is malformed.
    static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.count <= 9, let unit = bytes.last else { return nil }
        var value: Int64 = 0
        for digit in bytes.dropLast() {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(digit - UInt8(ascii: "0"))
        }
        let nanosPerUnit: Int64
        switch unit {
        case UInt8(ascii: "H"): nanosPerUnit = 3_600_000_000_000
        case UInt8(ascii: "M"): nanosPerUnit = 60_000_000_000
        case UInt8(ascii: "S"): nanosPerUnit = 1_000_000_000
        case UInt8(ascii: "m"): nanosPerUnit = 1_000_000
        case UInt8(ascii: "u"): nanosPerUnit = 1_000
        case UInt8(ascii: "n"): nanosPerUnit = 1
        default: return nil
        }
        // 99,999,999 hours overflow Int64 nanoseconds; such a deadline is "never".
        let (product, overflow) = value.multipliedReportingOverflow(by: nanosPerUnit)
        return overflow ? Int64.max : product
    }

    /// The shortest exact-enough encoding of a timeout, for clients: the smallest unit
    /// whose value fits in eight digits.
    static func encode(nanoseconds: Int64) -> String {
        let nanos = max(nanoseconds, 0)
        let units: [(Int64, Character)] = [
            (1, "n"), (1_000, "u"), (1_000_000, "m"), (1_000_000_000, "S"),
            (60_000_000_000, "M"), (3_600_000_000_000, "H"),
        ]
        for (size, unit) in units {
            // Round up so that a client never asks for less time than it has.
            let value = (nanos + size - 1) / size
            if value <= 99_999_999 { return "\(value)\(unit)" }
        }
        return "99999999H"
    }
}
