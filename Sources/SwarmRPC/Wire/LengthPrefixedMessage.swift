import SwarmProto

/// gRPC's Length-Prefixed-Message: a compressed flag (one byte), the message length
/// (four bytes, big-endian), then the message.
@usableFromInline
enum LengthPrefixedMessage {
    @usableFromInline static let headerSize = 5

    /// Frames one uncompressed message.
    @usableFromInline static func frame(_ message: [UInt8]) -> [UInt8] { frame(message, compressed: false) }

    /// Frames one message as it is; `compressed` sets the flag (the bytes are
    /// already compressed with the call's `grpc-encoding`).
    @usableFromInline static func frame(_ message: [UInt8], compressed: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(headerSize + message.count)
        let length = UInt32(truncatingIfNeeded: message.count)
        out.append(compressed ? 1 : 0)
        out.append(UInt8(truncatingIfNeeded: length >> 24))
        out.append(UInt8(truncatingIfNeeded: length >> 16))
        out.append(UInt8(truncatingIfNeeded: length >> 8))
        out.append(UInt8(truncatingIfNeeded: length))
        out.append(contentsOf: message)
        return out
    }

    /// Frames one serialized message for a call sending with `compression`: identity
    /// frames it as it is; gzip compresses it and sets the flag.
    @usableFromInline static func encode(_ message: [UInt8], compression: RPCCompression) throws(Gzip.Failure)
        -> [UInt8]
    {
        switch compression {
        case .identity: frame(message)
        case .gzip: frame(try Gzip.compress(message), compressed: true)
        }
    }

    /// Serializes and frames `message` (as `encode(_:compression:)` would its bytes);
    /// uncompressed, into one allocation with the prefix in front.
    @inlinable static func encode(_ message: some ProtoMessage, compression: RPCCompression) throws(Gzip.Failure)
        -> [UInt8]
    {
        guard compression == .identity else { return try encode(message.serializedBytes(), compression: compression) }
        let size = message.serializedSize()
        return [UInt8](unsafeUninitializedCapacity: headerSize + size) { buffer, count in
            guard let base = buffer.baseAddress else { return }
            let length = UInt32(truncatingIfNeeded: size)
            base[0] = 0
            base[1] = UInt8(truncatingIfNeeded: length >> 24)
            base[2] = UInt8(truncatingIfNeeded: length >> 16)
            base[3] = UInt8(truncatingIfNeeded: length >> 8)
            base[4] = UInt8(truncatingIfNeeded: length)
            let body = UnsafeMutableRawBufferPointer(start: base + headerSize, count: size)
            count = headerSize + message.serialize(into: body)
        }
    }
}

/// Cuts Length-Prefixed-Messages out of a byte stream whose chunks (DATA frames) need
/// not line up with messages: one message may span many chunks, one chunk may hold
/// many messages.
struct MessageDeframer {
    enum Failure: Error, Equatable {
        /// The message announced is over the limit; nothing of it is buffered.
        case tooLarge(length: Int, limit: Int)
        /// A compressed message on a call whose `grpc-encoding` is identity.
        case compressedWithoutEncoding
        /// A compressed message that decompresses to more than the limit; decompression
        /// stopped there.
        case decompressedTooLarge(limit: Int)
        /// A compressed message that does not decompress.
        case corrupt(String)
    }

    let maxMessageSize: Int
    /// The call's `grpc-encoding`: how messages with the compressed flag are decoded
    /// (identity refuses them). Messages without the flag are taken as they are.
    var encoding: RPCCompression
    /// The last message `next()` returned had the compressed flag.
    private(set) var lastMessageCompressed = false
    private var buffer: [UInt8] = []
    private var readIndex = 0

    init(maxMessageSize: Int, encoding: RPCCompression = .identity) {
        self.maxMessageSize = maxMessageSize
        self.encoding = encoding
    }

    /// Bytes held that do not yet make a whole message.
    var bufferedByteCount: Int { buffer.count - readIndex }

    /// When nothing is buffered and `bytes` is exactly one uncompressed message within
    /// the limit (a unary request in one DATA frame, nearly always), that message,
    /// copied once; otherwise nil, and the caller appends `bytes` as usual.
    mutating func wholeMessage(in bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        let headerSize = LengthPrefixedMessage.headerSize
        guard bufferedByteCount == 0, bytes.count >= headerSize, bytes[0] == 0 else { return nil }
        var length = 0
        for i in 1...4 { length = length << 8 | Int(bytes[i]) }
        guard length == bytes.count - headerSize, length <= maxMessageSize else { return nil }
        lastMessageCompressed = false
        return Array(UnsafeRawBufferPointer(rebasing: bytes[headerSize...]))
    }

    mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// The next whole message, or nil when more bytes are needed.
    mutating func next() throws(Failure) -> [UInt8]? {
        guard bufferedByteCount >= LengthPrefixedMessage.headerSize else { return nil }
        let flag = buffer[readIndex]
        var length = 0
        for i in 1...4 { length = length << 8 | Int(buffer[readIndex + i]) }
        if length > maxMessageSize { throw .tooLarge(length: length, limit: maxMessageSize) }
        let compressed = flag & 1 != 0
        if compressed, encoding == .identity { throw .compressedWithoutEncoding }
        guard bufferedByteCount >= LengthPrefixedMessage.headerSize + length else { return nil }
        let start = readIndex + LengthPrefixedMessage.headerSize
        lastMessageCompressed = compressed
        if compressed {
            let limit = maxMessageSize
            let result = buffer.withUnsafeBytes { bytes in
                Result { () throws(Gzip.Failure) in
                    try Gzip.decompress(UnsafeRawBufferPointer(rebasing: bytes[start..<start + length]), limit: limit)
                }
            }
            readIndex = start + length
            compact()
            switch result {
            case .success(let message): return message
            case .failure(.tooLarge(let limit)): throw .decompressedTooLarge(limit: limit)
            case .failure(.corrupt(let reason)), .failure(.unavailable(let reason)): throw .corrupt(reason)
            }
        }
        let message = Array(buffer[start..<start + length])
        readIndex = start + length
        compact()
        return message
    }

    /// Drops consumed bytes once they are most of the buffer (amortised O(1)).
    private mutating func compact() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 65_536, readIndex * 2 > buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
