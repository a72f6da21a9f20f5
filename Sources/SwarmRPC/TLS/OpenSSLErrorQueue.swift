private import COpenSSL

/// OpenSSL's per-thread error queue. Event-loop threads carry many connections, so
/// the queue is cleared before each operation and drained into the message after.
enum OpenSSLErrorQueue {
    static func clear() { ERR_clear_error() }

    /// The queued reasons, oldest first, joined with "; " (empty when none), and
    /// the queue emptied.
    static func drain() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            reasons.append(text)
        }
        return reasons.joined(separator: "; ")
    }

    /// `message`, followed by OpenSSL's reasons when there are any.
    static func describe(_ message: String) -> String {
        let reasons = drain()
        return reasons.isEmpty ? message : "\(message): \(reasons)"
    }
}
