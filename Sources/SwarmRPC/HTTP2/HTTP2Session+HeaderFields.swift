internal import CNghttp2

extension HTTP2Session {
    /// Calls `body` with an `nghttp2_nv` array over copies of the fields; the copies
    /// live until `body` returns (nghttp2 copies them again inside `submit_*`).
    ///
    /// One scratch allocation holds every name and value (on the stack when small):
    /// this runs for each response's headers and trailers.
    static func withNameValues<R>(
        _ headers: [HTTP2Header], _ body: (UnsafePointer<nghttp2_nv>?, Int) -> R
    ) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(byteCount(of: headers), 1)) { bytes in
            withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(headers.count, 1)) { nva in
                guard let bytes = bytes.baseAddress, let nva = nva.baseAddress else { return body(nil, 0) }
                layOut(headers, bytes: bytes, nva: nva)
                return body(UnsafePointer(nva), headers.count)
            }
        }
    }

    /// The bytes of every name and value: what `layOut` needs in `bytes`.
    static func byteCount(of headers: [HTTP2Header]) -> Int {
        var total = 0
        for header in headers { total += header.name.utf8.count + header.value.utf8.count }
        return total
    }

    /// Copies every name and value into `bytes` (`byteCount(of:)` of them) and writes
    /// one `nghttp2_nv` per field over the copies into `nva` (`headers.count` of them).
    static func layOut(
        _ headers: [HTTP2Header], bytes: UnsafeMutablePointer<UInt8>, nva: UnsafeMutablePointer<nghttp2_nv>
    ) {
        var offset = 0
        func copy(_ text: String) -> (UnsafeMutablePointer<UInt8>, Int) {
            let start = bytes + offset
            let contiguous = text.utf8.withContiguousStorageIfAvailable { source in
                if let base = source.baseAddress { start.initialize(from: base, count: source.count) }
                return source.count
            }
            var count = 0
            if let contiguous {
                count = contiguous
            } else {
                for byte in text.utf8 {
                    start[count] = byte
                    count += 1
                }
            }
            offset += count
            return (start, count)
        }
        for (index, header) in headers.enumerated() {
            let (name, nameLength) = copy(header.name)
            let (value, valueLength) = copy(header.value)
            (nva + index).initialize(
                to: nghttp2_nv(
                    name: name, value: value, namelen: nameLength, valuelen: valueLength,
                    flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
        }
    }
}
