import Testing

@testable import SwarmRPC

@Suite("Stream table")
struct StreamTableTests {
    /// A small xorshift generator: the same sequence on every run.
    struct Xorshift: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    @Test("Behaves as a dictionary under random inserts, replacements and removals")
    func matchesDictionary() {
        var random = Xorshift(state: 0x9E37_79B9_7F4A_7C15)
        var table = StreamTable<Int>()
        var reference: [Int32: Int] = [:]
        for step in 0..<50_000 {
            // Mostly the client's odd ids in a sliding window, as a connection sees them,
            // plus some far-apart ids that collide in the table.
            let base = Int32(step / 4) * 2 + 1
            let id =
                random.next() % 8 == 0
                ? Int32.random(in: 1...Int32.max, using: &random)
                : base + Int32(random.next() % 64) * 2
            switch random.next() % 3 {
            case 0, 1:
                table[id] = step
                reference[id] = step
            default:
                #expect(table.removeValue(forKey: id) == reference.removeValue(forKey: id))
            }
            #expect(table[id] == reference[id])
            #expect(table.count == reference.count)
        }
        for (id, value) in reference { #expect(table[id] == value) }
        #expect(Set(table.streamIDs) == Set(reference.keys))
        #expect(table.allValues.sorted() == reference.values.sorted())
    }

    @Test("Stream 0 is never stored; removeAll empties the table")
    func edges() {
        var table = StreamTable<String>()
        table[0] = "connection"
        #expect(table[0] == nil)
        #expect(table.isEmpty)
        for id in stride(from: Int32(1), through: 999, by: 2) { table[id] = "s\(id)" }
        #expect(table.count == 500)
        #expect(table[501] == "s501")
        table[501] = nil
        #expect(table[501] == nil && table.count == 499)
        table.removeAll()
        #expect(table.isEmpty && table[1] == nil)
    }
}
