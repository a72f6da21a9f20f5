/// gRPC metadata: the custom headers and trailers of a call, in order, keys in lower
/// case. Keys ending in `-bin` carry bytes (base64 on the wire, padded or not on
/// input); all others carry printable ASCII.
///
/// ```swift
/// var metadata = Metadata()
/// metadata.add("x-request-id", "42")
/// metadata.add(binary: "x-trace-bin", [0xab, 0xcd])
/// metadata.first("x-request-id")  // "42"
/// ```
public struct Metadata: Sendable, Hashable, Sequence {
    public enum Value: Sendable, Hashable {
        case string(String)
        case binary([UInt8])
    }

    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: Value
    }

    private var entries: [Entry] = []

    public init() {}

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }

    /// Adds an ASCII value. The key is lower-cased.
    public mutating func add(_ key: String, _ value: String) {
        entries.append(Entry(key: key.lowercased(), value: .string(value)))
    }

    /// Adds a binary value; the key should end in `-bin`.
    public mutating func add(binary key: String, _ value: [UInt8]) {
        entries.append(Entry(key: key.lowercased(), value: .binary(value)))
    }

    public mutating func add(_ entry: Entry) { entries.append(entry) }

    /// The first ASCII value under a key.
    public func first(_ key: String) -> String? {
        let key = key.lowercased()
        for entry in entries where entry.key == key {
            if case .string(let value) = entry.value { return value }
        }
        return nil
    }

    /// The first binary value under a key.
    public func firstBinary(_ key: String) -> [UInt8]? {
        let key = key.lowercased()
        for entry in entries where entry.key == key {
            if case .binary(let value) = entry.value { return value }
        }
        return nil
    }

    /// Every value under a key.
    public func values(_ key: String) -> [Value] {
        let key = key.lowercased()
        return entries.filter { $0.key == key }.map(\.value)
    }
}
