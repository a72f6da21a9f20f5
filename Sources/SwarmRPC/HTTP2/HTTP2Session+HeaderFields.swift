internal import CNghttp2

extension HTTP2Session {
    /// Calls `body` with an `nghttp2_nv` array over copies of the fields; the copies
    /// live until `body` returns (nghttp2 copies them again inside `submit_*`).
    static func withNameValues<R>(
        _ headers: [HTTP2Header], _ body: (UnsafePointer<nghttp2_nv>?, Int) -> R
    ) -> R {
        var storage: [UnsafeMutablePointer<UInt8>] = []
        defer { for pointer in storage { pointer.deallocate() } }
        func copy(_ text: String) -> (UnsafeMutablePointer<UInt8>, Int) {
            let bytes = Array(text.utf8)
            let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
            pointer.initialize(from: bytes, count: bytes.count)
            storage.append(pointer)
            return (pointer, bytes.count)
        }
        var nva: [nghttp2_nv] = []
        nva.reserveCapacity(headers.count)
        for header in headers {
            let (name, nameLength) = copy(header.name)
            let (value, valueLength) = copy(header.value)
            nva.append(
                nghttp2_nv(
                    name: name, value: value, namelen: nameLength, valuelen: valueLength,
                    flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
        }
        return nva.withUnsafeBufferPointer { body($0.baseAddress, $0.count) }
    }
}
