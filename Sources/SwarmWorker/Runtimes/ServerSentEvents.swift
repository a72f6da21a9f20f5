/// Splits a `text/event-stream` body into the payloads of its `data:` lines, as
/// OpenAI-compatible servers stream chat completions:
///
/// ```text
/// data: {"choices":[{"delta":{"content":"Hel"}}]}
///
/// data: [DONE]
/// ```
///
/// Bytes arrive in arbitrary chunks; a line is only decoded once it is complete.
/// Comments (`: keep-alive`) and other fields (`event:`, `id:`) are skipped.
struct ServerSentEventDecoder: Sendable {
    private var pending: [UInt8] = []

    /// Feeds a chunk; returns the `data:` payloads completed by it, in order.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        pending += bytes
        var payloads: [String] = []
        var start = 0
        while let newline = pending[start...].firstIndex(of: 0x0a) {
            var line = pending[start..<newline]
            if line.last == 0x0d { line = line.dropLast() }
            start = newline + 1
            if let payload = Self.data(in: line) { payloads.append(payload) }
        }
        pending.removeFirst(start)
        return payloads
    }

    /// The payload of a final line that had no newline, when the stream ended.
    mutating func finish() -> [String] {
        defer { pending = [] }
        return Self.data(in: pending[...]).map { [$0] } ?? []
    }

    private static func data(in line: ArraySlice<UInt8>) -> String? {
        let prefix = Array("data:".utf8)
        guard line.starts(with: prefix) else { return nil }
        var value = line.dropFirst(prefix.count)
        if value.first == 0x20 { value = value.dropFirst() }
        return String(decoding: value, as: UTF8.self)
    }
}
