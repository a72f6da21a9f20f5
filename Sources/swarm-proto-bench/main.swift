// `make bench`: encode and decode throughput of the Swift codec next to protobuf-c on
// the same messages, in the same process and run, and the ratios Swift time / C time.
import CSwarmProtoC
import SwarmProto

#if canImport(Glibc)
    import Glibc
#endif

/// Nanoseconds per call of `body`, over `iterations` calls.
@inline(never)
func timeSwift(_ iterations: Int, _ body: () -> Int) -> Double {
    var sink = 0
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<iterations { sink &+= body() }
    let elapsed = clock.now - start
    blackHole(sink)
    let (seconds, attoseconds) = elapsed.components
    return (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(iterations)
}

@inline(never)
func blackHole(_ value: Int) {
    if value == 0x5eed_5eed { print("") }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

struct Row {
    let name: String
    let size: Int
    var swiftEncode: [Double] = []
    var swiftDecode: [Double] = []
    var cEncode: [Double] = []
    var cDecode: [Double] = []
}

func measure<M: ProtoMessage>(
    _ name: String, _ message: M, _ which: swarm_pbc_bench_message, iterations: Int, rounds: Int
) -> Row {
    let bytes = message.serializedBytes()
    var row = Row(name: name, size: bytes.count)
    guard (try? M(serializedBytes: bytes)) == message else {
        fatalError("\(name): Swift round trip changed the message")  // a bug, not input
    }
    for _ in 0..<rounds {
        row.swiftEncode.append(timeSwift(iterations) { message.serializedBytes().count })
        row.swiftDecode.append(
            timeSwift(iterations) {
                (try? M(serializedBytes: bytes))?.unknownFields.bytes.count ?? -1
            })
        var timing = swarm_pbc_timing()
        let status = bytes.withUnsafeBufferPointer {
            swarm_pbc_bench(which, $0.baseAddress, $0.count, Int32(iterations), &timing)
        }
        guard status == 0, timing.encoded_size == bytes.count else {
            fatalError("\(name): protobuf-c could not reproduce the Swift encoding")
        }
        row.cEncode.append(timing.encode_ns)
        row.cDecode.append(timing.decode_ns)
    }
    return row
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    }
    return text
}

// Arguments: [rounds (default 15)] [iteration scale (default 1; e.g. 0.01 under valgrind)].
let arguments = CommandLine.arguments.dropFirst()
let rounds = max(1, Int(arguments.first ?? "") ?? 15)
let scale = max(0.0001, Double(arguments.dropFirst().first ?? "") ?? 1)
print(
    "swarm-proto-bench: Swift codec vs protobuf-c \(String(cString: swarm_pbc_version())), median of \(rounds) rounds")
let rows = [
    measure(
        "lease (small)", BenchMessages.lease(), SWARM_PBC_BENCH_LEASE, iterations: max(1, Int(50_000 * scale)),
        rounds: rounds),
    measure(
        "result (64 KiB)", BenchMessages.taskResult(), SWARM_PBC_BENCH_TASK_RESULT,
        iterations: max(1, Int(5_000 * scale)),
        rounds: rounds),
]

print("")
print(
    pad("message", 16) + pad("bytes", 8) + pad("op", 8) + pad("impl", 8) + pad("ns/msg", 11) + pad("msgs/s", 12)
        + pad("MB/s", 10))
var ratios: [(String, Double)] = []
var allWithinTarget = true
for row in rows {
    for (op, swiftTimes, cTimes) in [
        ("encode", row.swiftEncode, row.cEncode), ("decode", row.swiftDecode, row.cDecode),
    ] {
        for (impl, ns) in [("swift", median(swiftTimes)), ("c", median(cTimes))] {
            let perSecond = 1e9 / ns
            let megabytes = perSecond * Double(row.size) / 1e6
            print(
                pad(row.name, 16) + pad(String(row.size), 8) + pad(op, 8) + pad(impl, 8) + pad(fixed(ns, 1), 11)
                    + pad(String(Int(perSecond)), 12) + pad(fixed(megabytes, 1), 10))
        }
        // The median of per-round ratios: each round measures both sides back to back,
        // so load from other processes on this shared machine cancels out best.
        let ratio = median(zip(swiftTimes, cTimes).map { $0 / $1 })
        ratios.append(("\(row.name) \(op)", ratio))
        if ratio > 1.5 { allWithinTarget = false }
    }
}
print("")
print("ratios, Swift time / protobuf-c time, median of per-round ratios (target <= 1.50):")
for (name, ratio) in ratios {
    print("  " + name + ": " + fixed(ratio, 2) + (ratio <= 1.5 ? "" : "  ABOVE TARGET"))
}
print(allWithinTarget ? "all ratios within target" : "some ratios above target")
