import SwarmCore

/// A small binary writer/reader for the nested state kept in `record` blobs.
///
/// Little-endian integers and length-prefixed bytes: no Foundation, no reflection, and a
/// decoder that refuses short or malformed input with `corrupt` instead of trapping. A
/// record starts with a format version byte, which says how its integers are written:
/// fixed 8 bytes, or (`compact`) as zigzag LEB128 varints of 1 to 10 bytes — most of a
/// task record's integers are small (counts, enum positions, flags' companions), and
/// the record is rewritten twice per lease-and-complete cycle. Doubles stay 8 bytes.
struct ByteWriter {
    var bytes: [UInt8]
    /// Varint integers (see the type's comment).
    var compact = false

    /// `capacity`: the expected size; a task record is a few hundred bytes.
    init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func int(_ v: Int64) {
        guard compact else {
            fixed(UInt64(bitPattern: v))
            return
        }
        var x = UInt64(bitPattern: (v << 1) ^ (v >> 63))
        while x >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: x) | 0x80)
            x >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: x))
    }
    private mutating func fixed(_ x: UInt64) {
        withUnsafeBytes(of: x.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func int(_ v: Int) { int(Int64(v)) }
    mutating func byte(_ v: UInt8) { bytes.append(v) }
    mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    mutating func double(_ v: Double) { fixed(v.bitPattern) }
    mutating func data(_ v: [UInt8]) {
        int(v.count)
        bytes += v
    }
    mutating func string(_ v: String) {
        var v = v
        v.withUTF8 { utf8 in
            int(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }
    mutating func strings(_ v: some Collection<String>) {
        int(v.count)
        for s in v.sorted() { string(s) }
    }
    mutating func optional<T>(_ v: T?, _ write: (inout ByteWriter, T) -> Void) {
        bool(v != nil)
        if let v { write(&self, v) }
    }
    mutating func milliseconds(_ d: Duration) { int(d.wholeMilliseconds) }
    mutating func instant(_ i: Instant) { int(i.millisecondsSinceEpoch) }
}

struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0
    /// Varint integers (see `ByteWriter`), as the record's version says.
    var compact = false

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func int() throws(StoreError) -> Int64 {
        guard compact else { return Int64(bitPattern: try fixed()) }
        var x: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw StoreError.corrupt("record ends early") }
            let byte = bytes[offset]
            offset += 1
            guard shift < 64, shift < 63 || byte <= 1 else { throw StoreError.corrupt("varint too long") }
            x |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        return Int64(bitPattern: x >> 1) ^ -Int64(bitPattern: x & 1)
    }
    private mutating func fixed() throws(StoreError) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw StoreError.corrupt("record ends early") }
        let x = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
        offset += 8
        return UInt64(littleEndian: x)
    }
    mutating func count() throws(StoreError) -> Int {
        let v = try int()
        guard v >= 0, v <= Int64(bytes.count - offset) * 8 + 64 else { throw StoreError.corrupt("bad length \(v)") }
        return Int(v)
    }
    mutating func smallInt() throws(StoreError) -> Int {
        let v = try int()
        guard v >= Int64(Int32.min), v <= Int64(Int32.max) else { throw StoreError.corrupt("bad number \(v)") }
        return Int(v)
    }
    mutating func uint32() throws(StoreError) -> UInt32 {
        let v = try int()
        guard let u = UInt32(exactly: v) else { throw StoreError.corrupt("bad unsigned \(v)") }
        return u
    }
    mutating func byte() throws(StoreError) -> UInt8 {
        guard offset < bytes.count else { throw StoreError.corrupt("record ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }
    mutating func bool() throws(StoreError) -> Bool { try byte() != 0 }
    mutating func double() throws(StoreError) -> Double { Double(bitPattern: try fixed()) }
    mutating func data() throws(StoreError) -> [UInt8] {
        let n = try count()
        guard bytes.count - offset >= n else { throw StoreError.corrupt("record ends early") }
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }
    mutating func string() throws(StoreError) -> String {
        let n = try count()
        guard bytes.count - offset >= n else { throw StoreError.corrupt("record ends early") }
        defer { offset += n }
        return bytes.withUnsafeBufferPointer { String(decoding: $0[offset..<offset + n], as: UTF8.self) }
    }
    mutating func strings() throws(StoreError) -> Set<String> {
        let n = try count()
        var set = Set<String>()
        for _ in 0..<n { set.insert(try string()) }
        return set
    }
    mutating func optional<T>(_ read: (inout ByteReader) throws(StoreError) -> T) throws(StoreError) -> T? {
        try bool() ? try read(&self) : nil
    }
    mutating func milliseconds() throws(StoreError) -> Duration { .milliseconds(try int()) }
    mutating func instant() throws(StoreError) -> Instant { Instant(millisecondsSinceEpoch: try int()) }
    /// An index into `cases`, for enums stored by position.
    mutating func pick<T>(_ cases: [T]) throws(StoreError) -> T {
        let i = try int()
        guard i >= 0, i < Int64(cases.count) else { throw StoreError.corrupt("bad enum index \(i)") }
        return cases[Int(i)]
    }
}

/// Stable positions of SwarmCore's enums in records. Append only: a stored index must
/// keep its meaning.
enum StoredEnums {
    static let taskStates: [TaskState] = [.pending, .ready, .leased, .running, .succeeded, .failed, .cancelled]
    static let endReasons: [TaskEndReason] = [
        .completed, .retriesExhausted, .nonRetryableError, .noConsensus, .timedOut, .qualityRejected,
        .cancelledByUser, .upstreamFailed, .swarmDeleted,
    ]
    static let attemptStates: [AttemptState] = [.leased, .running, .completed, .failed, .expired, .cancelled]
    static let verdicts: [ResultVerdict] = [.pending, .agreed, .dissented, .acceptedAlone, .invalid, .late]
    static let errorKinds: [ErrorKind] = [
        .transient, .timeout, .resourceExhausted, .runtimeUnavailable, .modelUnavailable, .nodeShuttingDown,
        .leaseExpired, .invalidResult, .invalidInput, .contentRejected, .outputTooLarge, .permanent, .cancelled,
    ]
    static let priorities: [Priority] = [.low, .normal, .high, .critical]
    static let transactionTypes: [TransactionType] = [.mint, .transfer, .escrow, .payment, .refund, .fee]

    static func index<T: Equatable>(_ value: T, in cases: [T]) -> Int { cases.firstIndex(of: value) ?? 0 }

    /// The `tasks.state` column spelling.
    static func name(_ state: TaskState) -> String {
        switch state {
        case .pending: "pending"
        case .ready: "ready"
        case .leased: "leased"
        case .running: "running"
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .cancelled: "cancelled"
        }
    }

    static func name(_ type: TransactionType) -> String {
        switch type {
        case .mint: "mint"
        case .transfer: "transfer"
        case .escrow: "escrow"
        case .payment: "payment"
        case .refund: "refund"
        case .fee: "fee"
        }
    }

    static func transactionType(_ name: String) -> TransactionType? {
        transactionTypes.first { Self.name($0) == name }
    }
}
