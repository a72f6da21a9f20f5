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

        private var entries: [(bytes: [UInt8], string: String)] = []
        private var next = 0

        mutating func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
            for index in entries.indices where entries[index].bytes.count == bytes.count {
                let same = entries[index].bytes.withUnsafeBufferPointer { cached in
                    bytes.count == 0 || memcmp(cached.baseAddress!, bytes.baseAddress!, bytes.count) == 0
                }
                if same { return entries[index].string }
            }
            let string = String(decoding: bytes, as: UTF8.self)
            guard bytes.count <= Self.longest else { return string }
            if entries.count < Self.slots {
                entries.append((Array(bytes), string))
            } else {
                entries[next] = (Array(bytes), string)
                next = (next + 1) % Self.slots
            }
            return string
        }
    }
}
