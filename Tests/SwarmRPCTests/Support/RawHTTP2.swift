import CNghttp2

/// Hand-made HTTP/2 for tests that must send what no well-behaved client sends:
/// frames built byte by byte, header blocks HPACK-encoded as plain literals, and
/// the server's frames parsed back (header blocks decoded with nghttp2's inflater).
enum RawHTTP2 {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    enum FrameType: UInt8 {
        case data = 0
        case headers = 1
        case rstStream = 3
        case settings = 4
        case ping = 6
        case goAway = 7
        case windowUpdate = 8
        case continuation = 9
    }

    struct Frame {
        var type: UInt8
        var flags: UInt8
        var streamID: UInt32
        var payload: [UInt8]

        var isEndStream: Bool { flags & 0x1 != 0 }
        /// The error code of a GOAWAY or RST_STREAM frame.
        var errorCode: UInt32? {
            switch type {
            case FrameType.goAway.rawValue where payload.count >= 8: Self.uint32(payload, at: 4)
            case FrameType.rstStream.rawValue where payload.count >= 4: Self.uint32(payload, at: 0)
            default: nil
            }
        }

        static func uint32(_ bytes: [UInt8], at i: Int) -> UInt32 {
            UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
        }
    }

    static func frame(_ type: FrameType, flags: UInt8 = 0, streamID: UInt32 = 0, _ payload: [UInt8] = []) -> [UInt8] {
        let length = UInt32(payload.count)
        var out: [UInt8] = [UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
        out += [type.rawValue, flags]
        out += [
            UInt8(streamID >> 24 & 0x7f), UInt8(streamID >> 16 & 0xff), UInt8(streamID >> 8 & 0xff),
            UInt8(streamID & 0xff),
        ]
        return out + payload
    }

    /// An HPACK integer with an N-bit prefix (RFC 7541 section 5.1).
    static func hpackInteger(_ value: Int, prefixBits: Int, flags: UInt8 = 0) -> [UInt8] {
        let limit = (1 << prefixBits) - 1
        guard value >= limit else { return [flags | UInt8(value)] }
        var out: [UInt8] = [flags | UInt8(limit)]
        var rest = value - limit
        while rest >= 128 {
            out.append(UInt8(rest % 128 + 128))
            rest /= 128
        }
        out.append(UInt8(rest))
        return out
    }

    /// A HEADERS frame (END_STREAM when asked) with the fields as HPACK literals
    /// without indexing, followed by CONTINUATION frames when the block is over
    /// 16,384 bytes; the last frame has END_HEADERS.
    static func headers(streamID: UInt32, _ fields: [(String, String)], endStream: Bool = false) -> [UInt8] {
        var block: [UInt8] = []
        for (name, value) in fields {
            block.append(0x00)
            block += hpackInteger(name.utf8.count, prefixBits: 7) + Array(name.utf8)
            block += hpackInteger(value.utf8.count, prefixBits: 7) + Array(value.utf8)
        }
        let chunks = stride(from: 0, to: max(block.count, 1), by: 16_384).map {
            Array(block[$0..<min($0 + 16_384, block.count)])
        }
        var out: [UInt8] = []
        for (index, chunk) in chunks.enumerated() {
            let last: UInt8 = index == chunks.count - 1 ? 0x4 : 0
            if index == 0 {
                out += frame(.headers, flags: last | (endStream ? 0x1 : 0), streamID: streamID, chunk)
            } else {
                out += frame(.continuation, flags: last, streamID: streamID, chunk)
            }
        }
        return out
    }

    /// The usual gRPC request headers, with overrides.
    static func grpcRequest(
        streamID: UInt32, path: String, contentType: String = "application/grpc", extra: [(String, String)] = [],
        endStream: Bool = false
    ) -> [UInt8] {
        headers(
            streamID: streamID,
            [
                (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"),
                ("content-type", contentType), ("te", "trailers"),
            ] + extra, endStream: endStream)
    }

    /// Splits bytes into frames; a trailing partial frame is left out.
    static func parse(_ bytes: [UInt8]) -> [Frame] {
        var frames: [Frame] = []
        var i = 0
        while i + 9 <= bytes.count {
            let length = Int(bytes[i]) << 16 | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2])
            guard i + 9 + length <= bytes.count else { break }
            frames.append(
                Frame(
                    type: bytes[i + 3], flags: bytes[i + 4], streamID: Frame.uint32(bytes, at: i + 5) & 0x7fff_ffff,
                    payload: Array(bytes[i + 9..<i + 9 + length])))
            i += 9 + length
        }
        return frames
    }

    /// Decodes the header blocks of HEADERS frames in order (one HPACK context for the
    /// connection, as the server encoded them). No CONTINUATION, no padding, no
    /// priority: what nghttp2 sends with default options.
    final class HeaderDecoder {
        private var inflater: OpaquePointer?

        init() { _ = nghttp2_hd_inflate_new(&inflater) }
        deinit { nghttp2_hd_inflate_del(inflater) }

        func decode(_ frame: Frame) -> [(String, String)] {
            var fields: [(String, String)] = []
            var input = frame.payload
            var offset = 0
            while true {
                var nv = nghttp2_nv()
                var flags: Int32 = 0
                let consumed = input.withUnsafeMutableBufferPointer { buffer -> Int in
                    guard let base = buffer.baseAddress else { return -1 }
                    return nghttp2_hd_inflate_hd2(
                        inflater, &nv, &flags, base + offset, buffer.count - offset, 1)
                }
                guard consumed >= 0 else { return fields }
                offset += consumed
                if flags & Int32(NGHTTP2_HD_INFLATE_EMIT.rawValue) != 0 {
                    fields.append(
                        (
                            String(decoding: UnsafeBufferPointer(start: nv.name, count: nv.namelen), as: UTF8.self),
                            String(decoding: UnsafeBufferPointer(start: nv.value, count: nv.valuelen), as: UTF8.self)
                        ))
                }
                if flags & Int32(NGHTTP2_HD_INFLATE_FINAL.rawValue) != 0 {
                    nghttp2_hd_inflate_end_headers(inflater)
                    return fields
                }
                if consumed == 0 && flags & Int32(NGHTTP2_HD_INFLATE_EMIT.rawValue) == 0 { return fields }
            }
        }
    }
}
