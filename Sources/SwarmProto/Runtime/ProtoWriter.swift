/// Writes the binary wire format into memory that was sized beforehand.
///
/// Encoding runs in two passes: `serializedSize()` computes the exact length, then the
/// message writes itself through this writer into a buffer of exactly that size. The
/// writer therefore never checks capacity or reallocates on the hot path; callers must
/// hand it at least `serializedSize()` bytes.
public struct ProtoWriter {
    @usableFromInline var cursor: UnsafeMutableRawPointer

    /// Starts writing at `start`, which must have room for everything written.
    @inlinable
    public init(start: UnsafeMutableRawPointer) {
        cursor = start
    }

    /// Where the next byte goes: lets callers check how much was written.
    @inlinable public var position: UnsafeMutableRawPointer { cursor }

    @inlinable
    public mutating func writeByte(_ byte: UInt8) {
        cursor.storeBytes(of: byte, as: UInt8.self)
        cursor += 1
    }

    @inlinable
    public mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            cursor.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, as: UInt8.self)
            cursor += 1
            v >>= 7
        }
        cursor.storeBytes(of: UInt8(truncatingIfNeeded: v), as: UInt8.self)
        cursor += 1
    }

    @inlinable
    public mutating func writeVarint(_ value: UInt32) {
        var v = value
        while v >= 0x80 {
            cursor.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, as: UInt8.self)
            cursor += 1
            v >>= 7
        }
        cursor.storeBytes(of: UInt8(truncatingIfNeeded: v), as: UInt8.self)
        cursor += 1
    }

    /// Writes a field tag.
    @inlinable
    public mutating func writeTag(_ tag: UInt32) {
        if tag < 0x80 {
            writeByte(UInt8(truncatingIfNeeded: tag))
        } else {
            writeVarint(tag)
        }
    }

    @inlinable
    public mutating func writeFixed32(_ value: UInt32) {
        cursor.storeBytes(of: value.littleEndian, as: UInt32.self)
        cursor += 4
    }

    @inlinable
    public mutating func writeFixed64(_ value: UInt64) {
        cursor.storeBytes(of: value.littleEndian, as: UInt64.self)
        cursor += 8
    }

    /// Copies raw bytes (no length prefix).
    @inlinable
    public mutating func writeRaw(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        cursor.copyMemory(from: base, byteCount: bytes.count)
        cursor += bytes.count
    }

    /// Copies raw bytes (no length prefix).
    @inlinable
    public mutating func writeRaw(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeRaw($0) }
    }

    /// Writes a length prefix and the string's UTF-8 bytes.
    @inlinable
    public mutating func writeLengthPrefixed(_ string: String) {
        let utf8 = string.utf8
        writeVarint(UInt64(truncatingIfNeeded: utf8.count))
        let copied: Void? = utf8.withContiguousStorageIfAvailable { writeRaw(UnsafeRawBufferPointer($0)) }
        if copied == nil {
            for byte in utf8 { writeByte(byte) }
        }
    }

    /// Writes a length prefix and the bytes.
    @inlinable
    public mutating func writeLengthPrefixed(_ bytes: [UInt8]) {
        writeVarint(UInt64(truncatingIfNeeded: bytes.count))
        writeRaw(bytes)
    }
}

extension ProtoMessage {
    /// The message in the binary wire format.
    ///
    /// Known fields are written in field-number order, packed where proto3 packs,
    /// map entries sorted by key, and unknown fields last: the same bytes Google's
    /// deterministic serializer produces.
    @inlinable
    public func serializedBytes() -> [UInt8] {
        let size = serializedSize()
        guard size > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            guard let base = buffer.baseAddress else { return }
            var writer = ProtoWriter(start: UnsafeMutableRawPointer(base))
            encode(to: &writer)
            count = writer.position - UnsafeMutableRawPointer(base)
            precondition(count == size, "\(Self.protoMessageName): serializedSize() disagrees with encode(to:)")
        }
    }

    /// Writes the message into `buffer`, which must hold at least `serializedSize()`
    /// bytes, and returns the number of bytes written.
    @inlinable
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        precondition(buffer.count >= serializedSize(), "buffer too small for \(Self.protoMessageName)")
        var writer = ProtoWriter(start: base)
        encode(to: &writer)
        return writer.position - base
    }
}
