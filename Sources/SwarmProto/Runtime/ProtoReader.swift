/// Stands in for the address of an empty input, which may have none.
@usableFromInline nonisolated(unsafe) let protoEmptyBuffer = UnsafeMutableRawPointer.allocate(
    byteCount: 1, alignment: 1)

/// Reads the binary wire format from a borrowed buffer, checking every length.
///
/// The reader never reads past `end`, never allocates more than the input can justify
/// (a length prefix is checked against the bytes that remain before anything is
/// allocated) and limits message nesting, so hostile input produces a
/// `ProtoDecodingError`, never a crash or an outsized allocation.
public struct ProtoReader {
    @usableFromInline var cursor: UnsafeRawPointer
    @usableFromInline var end: UnsafeRawPointer
    /// How many more levels of nested messages may be entered.
    @usableFromInline var remainingDepth: Int
    /// Where the most recent tag began, so an unknown field can be kept whole.
    @usableFromInline var tagStart: UnsafeRawPointer

    /// The default nesting limit, the same as Google's implementations.
    public static let defaultDepthLimit = 100

    /// Reads `buffer`, which must stay valid while the reader is used.
    @inlinable
    public init(_ buffer: UnsafeRawBufferPointer, depthLimit: Int = ProtoReader.defaultDepthLimit) {
        // An empty buffer may have no base address; any non-null address will do then,
        // since `end == cursor` and nothing is ever read through it.
        cursor = buffer.baseAddress ?? UnsafeRawPointer(protoEmptyBuffer)
        end = cursor + buffer.count
        remainingDepth = depthLimit
        tagStart = cursor
    }

    /// True once every byte of the current message has been consumed.
    @inlinable public var isAtEnd: Bool { cursor >= end }

    @inlinable var remaining: Int { end - cursor }

    // MARK: Primitives

    @inlinable
    public mutating func readVarint() throws(ProtoDecodingError) -> UInt64 {
        if cursor < end {
            let first = cursor.load(as: UInt8.self)
            if first < 0x80 {
                cursor += 1
                return UInt64(first)
            }
        }
        return try readVarintSlow()
    }

    @usableFromInline
    mutating func readVarintSlow() throws(ProtoDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var p = cursor
        while true {
            guard p < end else {
                throw ProtoDecodingError(.truncated, "input ends inside a varint")
            }
            let byte = p.load(as: UInt8.self)
            p += 1
            if shift == 63 && byte > 1 {
                throw ProtoDecodingError(.malformedVarint, "varint longer than 64 bits")
            }
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { break }
            shift += 7
            if shift > 63 {
                throw ProtoDecodingError(.malformedVarint, "varint longer than ten bytes")
            }
        }
        cursor = p
        return result
    }

    /// Reads the next tag; field number 0, numbers above 2^29-1 and wire types 6 and 7
    /// are rejected.
    @inlinable
    public mutating func readTag() throws(ProtoDecodingError) -> UInt32 {
        tagStart = cursor
        let raw = try readVarint()
        guard raw <= UInt64(UInt32.max), raw >> 3 != 0, raw & 7 < 6 else {
            throw ProtoDecodingError(.invalidTag, "invalid tag \(raw) (field \(raw >> 3), wire type \(raw & 7))")
        }
        return UInt32(truncatingIfNeeded: raw)
    }

    @inlinable
    public mutating func readFixed32() throws(ProtoDecodingError) -> UInt32 {
        guard remaining >= 4 else { throw ProtoDecodingError(.truncated, "input ends inside a fixed32") }
        let v = cursor.loadUnaligned(as: UInt32.self)
        cursor += 4
        return UInt32(littleEndian: v)
    }

    @inlinable
    public mutating func readFixed64() throws(ProtoDecodingError) -> UInt64 {
        guard remaining >= 8 else { throw ProtoDecodingError(.truncated, "input ends inside a fixed64") }
        let v = cursor.loadUnaligned(as: UInt64.self)
        cursor += 8
        return UInt64(littleEndian: v)
    }

    /// Reads a length prefix and checks that many bytes remain.
    @inlinable
    public mutating func readLength() throws(ProtoDecodingError) -> Int {
        let length = try readVarint()
        guard length <= UInt64(remaining) else {
            throw ProtoDecodingError(
                .lengthOutOfBounds, "length \(length) exceeds the \(remaining) bytes that remain")
        }
        return Int(truncatingIfNeeded: length)
    }

    /// Reads a length-delimited payload and returns it without copying.
    @inlinable
    public mutating func readLengthDelimited() throws(ProtoDecodingError) -> UnsafeRawBufferPointer {
        let length = try readLength()
        let bytes = UnsafeRawBufferPointer(start: cursor, count: length)
        cursor += length
        return bytes
    }

    @inlinable
    public mutating func readString() throws(ProtoDecodingError) -> String {
        let bytes = try readLengthDelimited()
        guard ProtoUTF8.isValid(bytes) else {
            throw ProtoDecodingError(.invalidUTF8, "string field is not valid UTF-8")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @inlinable
    public mutating func readBytes() throws(ProtoDecodingError) -> [UInt8] {
        let bytes = try readLengthDelimited()
        return [UInt8](bytes)
    }

    /// Reads a length prefix and narrows the reader to that many bytes, one nesting level
    /// deeper; returns the outer end, which `leaveNested` restores.
    @inlinable
    mutating func enterNested() throws(ProtoDecodingError) -> UnsafeRawPointer {
        let length = try readLength()
        guard remainingDepth > 0 else {
            throw ProtoDecodingError(.nestingTooDeep, "messages nested more than the limit")
        }
        let outerEnd = end
        end = cursor + length
        remainingDepth -= 1
        return outerEnd
    }

    @inlinable
    mutating func leaveNested(_ outerEnd: UnsafeRawPointer) {
        remainingDepth += 1
        end = outerEnd
    }

    /// Decodes an embedded message, merging into `message` as protobuf requires when a
    /// message field occurs more than once.
    @inlinable
    public mutating func readMessage<M: ProtoMessage>(into message: inout M) throws(ProtoDecodingError) {
        let outerEnd = try enterNested()
        try message.decode(from: &self)
        leaveNested(outerEnd)
    }

    /// Decodes an embedded message into an optional field in place: creates the message
    /// when absent, merges into it when present, without copying it out and back.
    @inlinable
    public mutating func readMessage<M: ProtoMessage>(into message: inout M?) throws(ProtoDecodingError) {
        if message == nil { message = M() }
        let outerEnd = try enterNested()
        try message?.decode(from: &self)
        leaveNested(outerEnd)
    }

    // MARK: Unknown fields

    /// Skips the value of the field whose tag was just read and appends the whole field
    /// (tag included) to `unknownFields`.
    @inlinable
    public mutating func preserveUnknownField(
        _ tag: UInt32, in unknownFields: inout ProtoUnknownFields
    ) throws(ProtoDecodingError) {
        let start = tagStart
        try skipValue(tag)
        unknownFields.bytes.append(contentsOf: UnsafeRawBufferPointer(start: start, count: cursor - start))
    }

    /// Skips the value of a field with `tag`.
    @usableFromInline
    mutating func skipValue(_ tag: UInt32) throws(ProtoDecodingError) {
        switch tag & 7 {
        case 0: _ = try readVarint()
        case 1: _ = try readFixed64()
        case 2: _ = try readLengthDelimited()
        case 3: try skipGroup(fieldNumber: tag >> 3)
        case 5: _ = try readFixed32()
        default:
            throw ProtoDecodingError(.invalidTag, "unexpected end-group tag for field \(tag >> 3)")
        }
    }

    @usableFromInline
    mutating func skipGroup(fieldNumber: UInt32) throws(ProtoDecodingError) {
        guard remainingDepth > 0 else {
            throw ProtoDecodingError(.nestingTooDeep, "groups nested more than the limit")
        }
        remainingDepth -= 1
        defer { remainingDepth += 1 }
        while true {
            guard !isAtEnd else { throw ProtoDecodingError(.truncated, "input ends inside group \(fieldNumber)") }
            let savedTagStart = tagStart
            let tag = try readTag()
            tagStart = savedTagStart
            if tag & 7 == 4 {
                guard tag >> 3 == fieldNumber else {
                    throw ProtoDecodingError(.mismatchedGroup, "group \(fieldNumber) closed by end tag \(tag >> 3)")
                }
                return
            }
            try skipValue(tag)
        }
    }

    /// The error to throw when a known field arrives with a wire type it cannot have.
    @inlinable
    public func wrongWireType(_ tag: UInt32) -> ProtoDecodingError {
        ProtoDecodingError(.wrongWireType, "wire type \(tag & 7) is not valid for this field")
    }
}

extension ProtoMessage {
    /// Decodes a message from the binary wire format.
    @inlinable
    public init(serializedBytes bytes: [UInt8], depthLimit: Int = ProtoReader.defaultDepthLimit)
        throws(ProtoDecodingError)
    {
        self.init()
        // Decodes straight into `self`: a message can be large, and copying it out of
        // the closure would cost more than small messages take to decode.
        var failure: ProtoDecodingError? = nil
        bytes.withUnsafeBytes { raw in
            var reader = ProtoReader(raw, depthLimit: depthLimit)
            do throws(ProtoDecodingError) {
                try self.decode(from: &reader)
            } catch {
                failure = error.within(Self.protoMessageName)
            }
        }
        if let failure { throw failure }
    }

    /// Decodes a message from the binary wire format held in borrowed memory.
    @inlinable
    public init(serializedBytes raw: UnsafeRawBufferPointer, depthLimit: Int = ProtoReader.defaultDepthLimit)
        throws(ProtoDecodingError)
    {
        self.init()
        var reader = ProtoReader(raw, depthLimit: depthLimit)
        do throws(ProtoDecodingError) {
            try decode(from: &reader)
        } catch {
            throw error.within(Self.protoMessageName)
        }
    }
}
