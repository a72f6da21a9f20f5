/// Per-stream state of one HTTP/2 connection, keyed by stream id.
///
/// A `Dictionary` would do, but every call looks its stream up several times (headers,
/// data, end of stream, response, close) and `Dictionary` hashes each `Int32` key with
/// SipHash. Stream ids of one side are consecutive odd (client) or even (server)
/// numbers, so `id >> 1` spreads the streams open at once over consecutive slots: an
/// open-addressing table on that index finds a stream in one probe, almost always.
/// A removal leaves a tombstone (moving entries back would scan the whole run of open
/// streams, which sit side by side); tombstones are swept when the table is rebuilt,
/// once live entries and tombstones fill three quarters of it.
struct StreamTable<Value> {
    /// Stream ids; `empty` and `removed` mark free slots (stream ids are positive).
    private var keys: [Int32]
    private var values: [Value?]
    private(set) var count = 0
    /// Live entries plus tombstones.
    private var used = 0
    private static var empty: Int32 { 0 }
    private static var removed: Int32 { -1 }

    init() { self.init(capacity: 16) }

    private init(capacity: Int) {
        keys = Array(repeating: Self.empty, count: capacity)
        values = Array(repeating: nil, count: capacity)
    }

    var isEmpty: Bool { count == 0 }

    /// The open stream ids, in no particular order.
    var streamIDs: [Int32] { keys.filter { $0 > 0 } }

    /// The values, in no particular order.
    var allValues: [Value] { values.compactMap { $0 } }

    subscript(streamID: Int32) -> Value? {
        get {
            guard let slot = find(streamID) else { return nil }
            return values[slot]
        }
        set {
            if let newValue {
                insert(newValue, for: streamID)
            } else {
                removeValue(forKey: streamID)
            }
        }
    }

    @discardableResult
    mutating func removeValue(forKey streamID: Int32) -> Value? {
        guard let slot = find(streamID) else { return nil }
        let removed = values[slot]
        keys[slot] = Self.removed
        values[slot] = nil
        count -= 1
        return removed
    }

    mutating func removeAll() {
        self = StreamTable()
    }

    private var mask: Int { keys.count - 1 }

    private func home(_ streamID: Int32) -> Int { Int(streamID >> 1) & mask }

    private func find(_ streamID: Int32) -> Int? {
        guard streamID > 0 else { return nil }
        var slot = home(streamID)
        while true {
            let key = keys[slot]
            if key == streamID { return slot }
            if key == Self.empty { return nil }
            slot = (slot + 1) & mask
        }
    }

    /// Stores `value`; ids that are not positive (stream 0 is the connection itself)
    /// are never stored.
    private mutating func insert(_ value: Value, for streamID: Int32) {
        guard streamID > 0 else { return }
        if let slot = find(streamID) {
            values[slot] = value
            return
        }
        if (used + 1) * 4 > keys.count * 3 { rebuild() }
        var slot = home(streamID)
        while keys[slot] > 0 { slot = (slot + 1) & mask }
        if keys[slot] == Self.empty { used += 1 }
        keys[slot] = streamID
        values[slot] = value
        count += 1
    }

    /// Rehashes the live entries, dropping tombstones, into a table twice as large when
    /// they fill half of this one, or as large otherwise.
    private mutating func rebuild() {
        var fresh = StreamTable(capacity: (count + 1) * 2 > keys.count ? keys.count * 2 : keys.count)
        for (key, value) in zip(keys, values) where key > 0 {
            if let value { fresh.insert(value, for: key) }
        }
        self = fresh
    }
}
