#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension HTTP2Session {
    /// The header names and values a connection received lately, as strings: gRPC
    /// repeats the same fields on every call (`:method POST`, the `:path`,
    /// `content-type`, `te`, `user-agent`), and a string found here costs a retain
    /// where a new one would cost an allocation and a UTF-8 check.
    ///
    /// A fixed number of slots, replaced round-robin; only short strings are kept.
    struct HeaderStringCache {
        static let slots = 32
        static let longest = 128

        /// The three columns of the cache, slot by slot. Lengths apart, so that the
        /// scan for a candidate reads plain integers (no reference counting).
        private var lengths: [Int] = []
        private var bytes: [[UInt8]] = []
        private var strings: [String] = []
        private var next = 0

        mutating func string(_ incoming: UnsafeBufferPointer<UInt8>) -> String {
            let count = incoming.count
            for index in lengths.indices where lengths[index] == count {
                let same = bytes[index].withUnsafeBufferPointer { cached in
                    count == 0 || memcmp(cached.baseAddress!, incoming.baseAddress!, count) == 0
                }
                if same { return strings[index] }
            }
            let string = String(decoding: incoming, as: UTF8.self)
            guard count <= Self.longest else { return string }
            if lengths.count < Self.slots {
                lengths.append(count)
                bytes.append(Array(incoming))
                strings.append(string)
            } else {
                lengths[next] = count
                bytes[next] = Array(incoming)
                strings[next] = string
                next = (next + 1) % Self.slots
            }
            return string
        }
    }
}
