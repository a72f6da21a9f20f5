/// PostgreSQL's binary wire formats for the column types the store reads, so results
/// come without text to parse: `bigint` as eight big-endian bytes instead of digits,
/// `bytea` as its bytes instead of twice as many hex digits (a task record is read on
/// every lease and report).
enum PostgresBinary {
    /// Type OIDs (`pg_type.oid`).
    enum OID {
        static let bool: UInt32 = 16
        static let bytea: UInt32 = 17
        static let int8: UInt32 = 20
        static let int2: UInt32 = 21
        static let int4: UInt32 = 23
        static let float4: UInt32 = 700
        static let float8: UInt32 = 701
        static let numeric: UInt32 = 1700
    }

    /// One non-null column value of type `type`. Types the store does not read as
    /// numbers or bytes (`text`, `varchar`, `name`, ...) are text, whose binary format is
    /// its UTF-8 bytes.
    static func decode(_ bytes: UnsafeRawBufferPointer, type: UInt32) throws(StoreError) -> SQLValue {
        switch type {
        case OID.int8: return .integer(try integer(bytes, as: Int64.self))
        case OID.int4: return .integer(Int64(try integer(bytes, as: Int32.self)))
        case OID.int2: return .integer(Int64(try integer(bytes, as: Int16.self)))
        case OID.bool: return .integer(Int64(try integer(bytes, as: UInt8.self)))
        case OID.float8: return .real(Double(bitPattern: try integer(bytes, as: UInt64.self)))
        case OID.float4: return .real(Double(Float(bitPattern: try integer(bytes, as: UInt32.self))))
        case OID.numeric: return try numeric(bytes)
        case OID.bytea: return .blob(Array(bytes))
        default: return .text(String(decoding: bytes, as: UTF8.self))
        }
    }

    private static func integer<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, as: T.Type) throws(StoreError)
        -> T
    {
        guard bytes.count == MemoryLayout<T>.size else {
            throw StoreError.corrupt("a \(MemoryLayout<T>.size)-byte binary value arrived with \(bytes.count) bytes")
        }
        return T(bigEndian: bytes.loadUnaligned(as: T.self))
    }

    /// `numeric` (what `SUM(bigint)` returns): a digit count, a weight, a sign and a
    /// display scale, then base-10,000 digits, most significant first, the first one
    /// worth 10,000^weight. Whole values that fit are integers; others are doubles.
    static func numeric(_ bytes: UnsafeRawBufferPointer) throws(StoreError) -> SQLValue {
        func field(_ index: Int) -> Int {
            Int(Int16(bigEndian: bytes.loadUnaligned(fromByteOffset: index * 2, as: Int16.self)))
        }
        guard bytes.count >= 8 else { throw StoreError.corrupt("a numeric value arrived with \(bytes.count) bytes") }
        let count = field(0)
        let weight = field(1)
        let sign = UInt16(truncatingIfNeeded: field(2))
        let scale = field(3)
        guard count >= 0, bytes.count == 8 + 2 * count else {
            throw StoreError.corrupt("a numeric value of \(count) digits arrived with \(bytes.count) bytes")
        }
        if sign == 0xC000 { return .real(.nan) }
        guard sign == 0 || sign == 0x4000 else { throw StoreError.corrupt("a numeric value has sign \(sign)") }
        let digits = (0..<count).map { field(4 + $0) }
        guard digits.allSatisfy({ (0..<10_000).contains($0) }) else {
            throw StoreError.corrupt("a numeric value has a digit outside 0...9999")
        }
        if scale == 0, weight >= count - 1, let whole = wholeValue(digits, weight: weight) {
            return .integer(sign == 0 ? whole : -whole)
        }
        var value = 0.0
        for (index, digit) in digits.enumerated() {
            value += Double(digit) * pow10000(weight - index)
        }
        return .real(sign == 0 ? value : -value)
    }

    /// The digits of a whole number (`weight` at least the last digit's position) as an
    /// Int64 magnitude, or nil when it does not fit.
    private static func wholeValue(_ digits: [Int], weight: Int) -> Int64? {
        guard !digits.isEmpty else { return 0 }
        var value: Int64 = 0
        for position in 0...weight {
            let digit = position < digits.count ? Int64(digits[position]) : 0
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10_000)
            let (sum, overflowAdd) = shifted.addingReportingOverflow(digit)
            if overflowShift || overflowAdd { return nil }
            value = sum
        }
        return value
    }

    /// 10,000^exponent; past 80 steps (10^320) it is infinite or zero anyway, so a
    /// weight of 32,767 costs no more than one of 80.
    private static func pow10000(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<min(abs(exponent), 80) { result *= 10_000 }
        return exponent >= 0 ? result : 1 / result
    }
}

/// Statement parameters as libpq takes them: integers, reals and texts as NUL-terminated
/// text, blobs in binary, every byte in one buffer that lives for the call (instead of an
/// array per parameter, which a batch of 128 task rows made 1,152 times).
enum PostgresParameters {
    static func withEncoded<R>(
        _ parameters: [SQLValue],
        _ body: (
            _ values: [UnsafePointer<CChar>?], _ lengths: [Int32], _ formats: [Int32]
        ) -> R
    ) -> R {
        var reals: [String] = []
        var total = 0
        for parameter in parameters {
            switch parameter {
            case .null: break
            case .integer: total += 21
            case .real(let v):
                let text = v.isNaN ? "NaN" : v.isInfinite ? (v > 0 ? "Infinity" : "-Infinity") : "\(v)"
                reals.append(text)
                total += text.utf8.count + 1
            case .text(let text): total += text.utf8.count + 1
            case .blob(let bytes): total += bytes.count
            }
        }
        let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, total), alignment: 8)
        defer { arena.deallocate() }
        guard let base = arena.baseAddress else { return body([], [], []) }  // never: the count is at least 1
        var values: [UnsafePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        values.reserveCapacity(parameters.count)
        lengths.reserveCapacity(parameters.count)
        formats.reserveCapacity(parameters.count)
        var offset = 0
        var nextReal = 0
        func appendText(_ text: inout String) {
            let start = offset
            text.withUTF8 { utf8 in
                if let source = utf8.baseAddress, utf8.count > 0 {
                    (base + offset).copyMemory(from: source, byteCount: utf8.count)
                }
                offset += utf8.count
            }
            base.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self)
            offset += 1
            values.append(UnsafePointer((base + start).assumingMemoryBound(to: CChar.self)))
            lengths.append(0)
            formats.append(0)
        }
        for parameter in parameters {
            switch parameter {
            case .null:
                values.append(nil)
                lengths.append(0)
                formats.append(0)
            case .integer(let v):
                let start = offset
                offset += writeDecimal(v, to: base + offset)
                base.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self)
                offset += 1
                values.append(UnsafePointer((base + start).assumingMemoryBound(to: CChar.self)))
                lengths.append(0)
                formats.append(0)
            case .real:
                var text = reals[nextReal]
                nextReal += 1
                appendText(&text)
            case .text(var text):
                appendText(&text)
            case .blob(let bytes):
                let start = offset
                bytes.withUnsafeBytes { raw in
                    if let source = raw.baseAddress, raw.count > 0 {
                        (base + offset).copyMemory(from: source, byteCount: raw.count)
                    }
                }
                offset += bytes.count
                values.append(UnsafePointer((base + start).assumingMemoryBound(to: CChar.self)))
                lengths.append(Int32(bytes.count))
                formats.append(1)
            }
        }
        return body(values, lengths, formats)
    }

    /// Writes `value` in decimal at `target` (at most 20 bytes) and returns the count.
    static func writeDecimal(_ value: Int64, to target: UnsafeMutableRawPointer) -> Int {
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, reversed digits
        return withUnsafeMutableBytes(of: &digits) { scratch in
            var count = 0
            repeat {
                scratch[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            var written = 0
            if value < 0 {
                target.storeBytes(of: UInt8(ascii: "-"), as: UInt8.self)
                written = 1
            }
            for index in 0..<count {
                target.storeBytes(of: scratch[count - 1 - index], toByteOffset: written + index, as: UInt8.self)
            }
            return written + count
        }
    }
}
