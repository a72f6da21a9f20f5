internal import CNghttp2

extension HTTP2Session {
    /// A header list sent on many streams (a server's usual response headers,
    /// `grpc-status: 0`), laid out once as nghttp2 name-value pairs: submitting it
    /// copies nothing on the Swift side (`withNameValues` would copy every name and
    /// value for each response).
    ///
    /// ```swift
    /// static let ok = HTTP2Session.PreparedHeaders([HTTP2Header("grpc-status", "0")])
    /// session.submitResponse(streamID: id, headers: .prepared(head), body: framed, trailers: .prepared(ok))
    /// ```
    final class PreparedHeaders: @unchecked Sendable {  // immutable once built; freed in deinit
        let fields: [HTTP2Header]
        let nva: UnsafeMutablePointer<nghttp2_nv>
        private let bytes: UnsafeMutablePointer<UInt8>

        init(_ fields: [HTTP2Header]) {
            self.fields = fields
            bytes = .allocate(capacity: max(HTTP2Session.byteCount(of: fields), 1))
            nva = .allocate(capacity: max(fields.count, 1))
            HTTP2Session.layOut(fields, bytes: bytes, nva: nva)
        }

        deinit {
            nva.deinitialize(count: fields.count)
            nva.deallocate()
            bytes.deallocate()
        }
    }

    /// A header list as fields, or prepared once for many streams.
    enum HeaderList {
        case fields([HTTP2Header])
        case prepared(PreparedHeaders)
    }

    /// Calls `body` with the list as nghttp2 name-value pairs.
    static func withNameValues<R>(_ list: HeaderList, _ body: (UnsafePointer<nghttp2_nv>?, Int) -> R) -> R {
        switch list {
        case .fields(let fields): withNameValues(fields, body)
        case .prepared(let prepared): body(UnsafePointer(prepared.nva), prepared.fields.count)
        }
    }
}
