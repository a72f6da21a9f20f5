import SwarmCore
import Testing

@testable import SwarmStore

/// The `record` blobs: integers of every size survive both formats, and a task record
/// written in the first format (fixed 8-byte integers) still reads after the second
/// (varints) became the default.
@Suite("Record codecs")
struct RecordCodecTests {
    @Test("Integers round-trip in both formats", arguments: [false, true])
    func integers(compact: Bool) throws {
        let values: [Int64] = [
            0, 1, -1, 63, -64, 64, 127, 128, 300, -300, 1 << 35, Int64.max, Int64.min, Int64.max - 1,
        ]
        var writer = ByteWriter()
        writer.compact = compact
        for value in values { writer.int(value) }
        writer.double(-2.5)
        var reader = ByteReader(writer.bytes)
        reader.compact = compact
        for value in values { #expect(try reader.int() == value) }
        #expect(try reader.double() == -2.5)
        #expect(reader.isAtEnd)
    }

    @Test("A truncated or overlong varint is refused, not trapped on")
    func badVarints() {
        for bytes: [UInt8] in [[0x80], [0xff, 0xff], Array(repeating: 0xff, count: 10) + [0x01]] {
            var reader = ByteReader(bytes)
            reader.compact = true
            expectCode(.corrupt) { () throws(StoreError) in try reader.int() }
        }
    }

    @Test("A settled task reads back from every record version; only 3 and later keep the payload")
    func everyVersion() throws {
        let f = try Fixture(.sqlite)
        var spec = Fixture.spec("a prompt")
        spec.payload = [1, 2, 3, 250]
        let id = try f.submit(spec)
        let lease = try #require(try f.lease("n1").first)
        try f.complete(lease, "the output")
        let task = try f.store.task(id)
        #expect(task.spec.payload == [1, 2, 3, 250])
        let current = TaskRecordCodec.encode(task)
        let second = TaskRecordCodec.encode(task, format: 2)
        let first = TaskRecordCodec.encode(task, format: 1)
        let third = TaskRecordCodec.encode(task, format: 3)
        #expect(current[0] == 4 && third[0] == 3 && second[0] == 2 && first[0] == 1)
        #expect(try TaskRecordCodec.decode(third) == task, "no fixed price: 3 and 4 hold the same")
        #expect(second.count < first.count)
        #expect(try TaskRecordCodec.decode(current) == task)
        var withoutPayload = task
        withoutPayload.spec.payload = []
        #expect(try TaskRecordCodec.decode(second) == withoutPayload)
        #expect(try TaskRecordCodec.decode(first) == withoutPayload)
        f.store.close()
    }

    @Test("A fixed price reads back from the current format")
    func fixedPrice() throws {
        let f = try Fixture(.sqlite)
        var spec = Fixture.spec()
        spec.fixedPriceMicros = 12_345
        let task = try f.store.task(try f.submit(spec))
        #expect(task.spec.fixedPriceMicros == 12_345)
        #expect(try TaskRecordCodec.decode(TaskRecordCodec.encode(task)) == task)
        f.store.close()
    }

    @Test(
        "Every comparator reads back, a compared field included",
        arguments: [
            Comparator.exactBytes, .normalizedText, .canonicalJSON, .numericTolerance(absolute: 0.5, relative: 0.01),
            .numericTolerance(absolute: 1, relative: 0, field: "overall"),
        ])
    func comparators(comparator: Comparator) throws {
        let f = try Fixture(.sqlite)
        let id = try f.submit(
            Fixture.spec(redundancy: Redundancy(replicas: 2, quorum: 2, comparator: comparator, adaptive: false)))
        let task = try f.store.task(id)
        #expect(task.spec.redundancy.comparator == comparator)
        #expect(try TaskRecordCodec.decode(TaskRecordCodec.encode(task)) == task)
        f.store.close()
    }
}
