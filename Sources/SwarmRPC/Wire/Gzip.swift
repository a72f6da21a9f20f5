import CZlib

/// gRPC's message compression (`grpc-encoding`, grpc/grpc doc/compression.md): the
/// algorithms SwarmRPC speaks.
public enum RPCCompression: String, Sendable, Hashable, CaseIterable {
    /// No compression (gRPC's default).
    case identity
    /// zlib's deflate in the gzip wrapper (RFC 1952).
    case gzip

    /// What `grpc-accept-encoding` advertises on every request and response.
    static let acceptEncoding = "gzip, identity"
    private static let gzipToken: [UInt8] = Array("gzip".utf8)

    /// True when a `grpc-accept-encoding` value (a comma-separated list) names gzip.
    /// Scans the bytes in place: it runs for every request that carries the header.
    static func acceptsGzip(_ value: String) -> Bool {
        var token = value.utf8[...]
        while !token.isEmpty {
            let end = token.firstIndex(of: UInt8(ascii: ",")) ?? token.endIndex
            var item = token[..<end]
            token = end == token.endIndex ? token[end...] : token[token.index(after: end)...]
            while let first = item.first, first == 0x20 || first == 0x09 { item.removeFirst() }
            while let last = item.last, last == 0x20 || last == 0x09 { item.removeLast() }
            // ASCII case-insensitive: set the 0x20 bit of letters.
            if item.count == 4, zip(item, gzipToken).allSatisfy({ $0 | 0x20 == $1 }) { return true }
        }
        return false
    }
}

/// One message compressed or decompressed whole with zlib (windowBits 15 + 16: the
/// gzip wrapper). Decompression never holds more than `limit` bytes of output, so a
/// small message that inflates to gigabytes (a zip bomb) fails early and cheaply.
@usableFromInline
enum Gzip {
    @usableFromInline enum Failure: Error, Equatable {
        /// The decompressed message would be over `limit` bytes.
        case tooLarge(limit: Int)
        /// Not gzip data, or damaged, truncated or followed by other bytes.
        case corrupt(String)
        /// zlib could not start (out of memory).
        case unavailable(String)
    }

    /// Output produced per `inflate` call; the message grows by this much at most
    /// past what the limit allows before the limit is noticed.
    private static let chunkSize = 64 * 1024
    private static let windowBits: Int32 = 15 + 16

    static func compress(_ input: [UInt8]) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard
            CZlib_deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY)
                == Z_OK
        else { throw .unavailable("zlib could not start compressing") }
        defer { deflateEnd(&stream) }
        // One pass: deflateBound is enough room for all of it with Z_FINISH.
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var status: Int32 = Z_STREAM_ERROR
        let output = [UInt8](unsafeUninitializedCapacity: bound) { out, count in
            input.withUnsafeBufferPointer { source in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                status = deflate(&stream, Z_FINISH)
            }
            count = status == Z_STREAM_END ? bound - Int(stream.avail_out) : 0
        }
        guard status == Z_STREAM_END else { throw .unavailable("zlib could not compress (status \(status))") }
        return output
    }

    static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard CZlib_inflateInit2(&stream, windowBits) == Z_OK else {
            throw .unavailable("zlib could not start decompressing")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, max(input.count * 4, 256)))
        var chunk = [UInt8](repeating: 0, count: min(chunkSize, limit + 1))
        var status: Int32 = Z_OK
        repeat {
            let produced = chunk.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                status = inflate(&stream, Z_NO_FLUSH)
                return out.count - Int(stream.avail_out)
            }
            switch status {
            case Z_OK, Z_STREAM_END: break
            // No progress possible: the input ended before the gzip trailer.
            case Z_BUF_ERROR: throw .corrupt("the gzip data is truncated")
            case Z_MEM_ERROR: throw .unavailable("zlib ran out of memory")
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                throw .corrupt("the gzip data is corrupt: \(reason)")
            }
            if produced > limit - output.count { throw .tooLarge(limit: limit) }
            output.append(contentsOf: chunk[0..<produced])
        } while status != Z_STREAM_END
        if stream.avail_in != 0 { throw .corrupt("\(stream.avail_in) bytes follow the gzip data") }
        return output
    }

    static func decompress(_ input: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        let result = input.withUnsafeBytes { bytes in
            Result { () throws(Failure) in try decompress(bytes, limit: limit) }
        }
        return try result.get()
    }
}
