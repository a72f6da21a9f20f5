/// UTF-8 validation for `string` fields.
///
/// Protobuf requires `string` fields to hold valid UTF-8. Checking here, with an
/// eight-bytes-at-a-time ASCII fast path, lets the decoder then build the `String`
/// through the standard library's non-generic fast path.
public enum ProtoUTF8 {
    /// True when `bytes` is well-formed UTF-8 (RFC 3629: no overlong forms, no
    /// surrogates, nothing above U+10FFFF).
    @inlinable
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var i = 0
        // ASCII fast path, a word at a time.
        while i + 8 <= count {
            if base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        while i < count, base.load(fromByteOffset: i, as: UInt8.self) < 0x80 { i += 1 }
        if i == count { return true }
        return validateMultibyte(base, from: i, count: count)
    }

    @usableFromInline
    static func validateMultibyte(_ base: UnsafeRawPointer, from start: Int, count: Int) -> Bool {
        var i = start
        @inline(__always) func byte(_ at: Int) -> UInt8 { base.load(fromByteOffset: at, as: UInt8.self) }
        @inline(__always) func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }
        while i < count {
            let b0 = byte(i)
            if b0 < 0x80 {
                i += 1
                continue
            }
            switch b0 {
            case 0xC2...0xDF:
                guard i + 1 < count, isContinuation(byte(i + 1)) else { return false }
                i += 2
            case 0xE0...0xEF:
                guard i + 2 < count else { return false }
                let b1 = byte(i + 1)
                let b2 = byte(i + 2)
                guard isContinuation(b1), isContinuation(b2) else { return false }
                if b0 == 0xE0 && b1 < 0xA0 { return false }  // overlong
                if b0 == 0xED && b1 > 0x9F { return false }  // surrogate
                i += 3
            case 0xF0...0xF4:
                guard i + 3 < count else { return false }
                let b1 = byte(i + 1)
                guard isContinuation(b1), isContinuation(byte(i + 2)), isContinuation(byte(i + 3)) else {
                    return false
                }
                if b0 == 0xF0 && b1 < 0x90 { return false }  // overlong
                if b0 == 0xF4 && b1 > 0x8F { return false }  // above U+10FFFF
                i += 4
            default:
                return false
            }
        }
        return true
    }
}
