internal import CNghttp2
import NIOCore

/// Response and request bodies: the chunks queued per stream, handed to nghttp2 as
/// its flow-control windows allow, and the trailers or END_STREAM that end them.
extension HTTP2Session {
    /// The body source every stream uses: `readBody` on the queued chunks.
    static var bodyProvider: nghttp2_data_provider {
        nghttp2_data_provider(
            source: nghttp2_data_source(ptr: nil),
            read_callback: { _, streamID, buf, length, flags, _, userData in
                guard let userData, let buf, let flags else {
                    return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue)
                }
                let this = Unmanaged<HTTP2Session>.fromOpaque(userData).takeUnretainedValue()
                return this.readBody(
                    streamID: streamID, into: UnsafeMutableRawBufferPointer(start: buf, count: length), flags: flags)
            })
    }

    func readBody(
        streamID: Int32, into buffer: UnsafeMutableRawBufferPointer, flags: UnsafeMutablePointer<UInt32>
    ) -> Int {
        guard let stream = outbound[streamID] else {
            return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
        }
        var written = 0
        var completed: [EventLoopPromise<Void>] = []
        while written < buffer.count, !stream.chunks.isEmpty {
            let chunk = stream.chunks[0].bytes
            let n = min(chunk.count - stream.offset, buffer.count - written)
            chunk.withUnsafeBytes { source in
                let slice = UnsafeRawBufferPointer(rebasing: source[stream.offset..<stream.offset + n])
                UnsafeMutableRawBufferPointer(rebasing: buffer[written..<written + n]).copyMemory(from: slice)
            }
            written += n
            stream.offset += n
            if stream.offset == chunk.count {
                if let promise = stream.chunks[0].promise { completed.append(promise) }
                stream.chunks.removeFirst()
                stream.offset = 0
            }
        }
        if stream.chunks.isEmpty, stream.endStream {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            stream.endStream = false
        } else if stream.chunks.isEmpty, let trailers = stream.trailers {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue | NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
            stream.trailers = nil
            if let session {
                _ = Self.withNameValues(trailers) { nva, count in
                    nghttp2_submit_trailer(session, streamID, nva, count)
                }
            }
        } else if written == 0 {
            stream.deferred = true
            for promise in completed { promise.succeed() }
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        for promise in completed { promise.succeed() }
        return written
    }
}
