/// gRPC's Length-Prefixed-Message: a compressed flag (one byte), the message length
/// (four bytes, big-endian), then the message.
enum LengthPrefixedMessage {
    static let headerSize = 5

    /// Frames one uncompressed message.
    static func frame(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(headerSize + message.count)
        let length = UInt32(truncatingIfNeeded: message.count)
        out.append(0)
        out.append(UInt8(truncatingIfNeeded: length >> 24))
        out.append(UInt8(truncatingIfNeeded: length >> 16))
        out.append(UInt8(truncatingIfNeeded: length >> 8))
        out.append(UInt8(truncatingIfNeeded: length))
        out.append(contentsOf: message)
        return out
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
    }

    let maxMessageSize: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0

    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Bytes held that do not yet make a whole message.
    var bufferedByteCount: Int { buffer.count - readIndex }

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
        if flag & 1 != 0 { throw .compressedWithoutEncoding }
        guard bufferedByteCount >= LengthPrefixedMessage.headerSize + length else { return nil }
        let start = readIndex + LengthPrefixedMessage.headerSize
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
