/// Per-stream state of one HTTP/2 connection, keyed by stream id.
///
/// A `Dictionary` would do, but every call looks its stream up several times (headers,
/// data, end of stream, response, close) and `Dictionary` hashes each `Int32` key with
/// SipHash. Stream ids of one side are consecutive odd (client) or even (server)
/// numbers, so `id >> 1` spreads the streams open at once over consecutive slots: an
/// open-addressing table on that index finds a stream in one probe, almost always.
/// Linear probing with backward-shift deletion keeps probe runs short without
/// tombstones; the table doubles when it is half full.
struct StreamTable<Value> {
    /// Stream ids; 0 marks an empty slot (stream 0 is the connection, never a stream).
    private var keys: [Int32]
    private var values: [Value?]
    private(set) var count = 0

    init() {
        keys = Array(repeating: 0, count: 16)
        values = Array(repeating: nil, count: 16)
    }

    var isEmpty: Bool { count == 0 }

    /// The open stream ids, in no particular order.
    var streamIDs: [Int32] { keys.filter { $0 != 0 } }

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
        keys[slot] = 0
        values[slot] = nil
        count -= 1
        shiftBack(from: slot)
        return removed
    }

    mutating func removeAll() {
        self = StreamTable()
    }

    private var mask: Int { keys.count - 1 }

    private func home(_ streamID: Int32) -> Int { Int(streamID >> 1) & mask }

    private func find(_ streamID: Int32) -> Int? {
        guard streamID != 0 else { return nil }
        var slot = home(streamID)
        while true {
            let key = keys[slot]
            if key == streamID { return slot }
            if key == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }

    /// Stores `value`; stream 0 (the connection itself) is never stored.
    private mutating func insert(_ value: Value, for streamID: Int32) {
        guard streamID != 0 else { return }
        if let slot = find(streamID) {
            values[slot] = value
            return
        }
        if (count + 1) * 2 > keys.count { grow() }
        var slot = home(streamID)
        while keys[slot] != 0 { slot = (slot + 1) & mask }
        keys[slot] = streamID
        values[slot] = value
        count += 1
    }

    /// After emptying `hole`, moves back the entries of its probe run that would no
    /// longer be found (their home lies at or before the hole, cyclically).
    private mutating func shiftBack(from hole: Int) {
        var hole = hole
        var slot = (hole + 1) & mask
        while keys[slot] != 0 {
            let wanted = home(keys[slot])
            // Distance from the entry's home to its slot, and to the hole.
            if (slot - wanted) & mask >= (slot - hole) & mask {
                keys[hole] = keys[slot]
                values[hole] = values[slot]
                keys[slot] = 0
                values[slot] = nil
                hole = slot
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        values = Array(repeating: nil, count: oldKeys.count * 2)
        count = 0
        for (key, value) in zip(oldKeys, oldValues) where key != 0 {
            if let value { insert(value, for: key) }
        }
    }
}
