import NIOCore
import SwarmProto
import Testing

@testable import SwarmRPC

@Suite("gRPC wire details")
struct WireFormatTests {
    @Test("grpc-timeout: every unit, and malformed values rejected")
    func timeoutParsing() {
        #expect(GRPCTimeout.parse("1H") == 3_600_000_000_000)
        #expect(GRPCTimeout.parse("2M") == 120_000_000_000)
        #expect(GRPCTimeout.parse("3S") == 3_000_000_000)
        #expect(GRPCTimeout.parse("40m") == 40_000_000)
        #expect(GRPCTimeout.parse("5u") == 5_000)
        #expect(GRPCTimeout.parse("99999999n") == 99_999_999)
        for bad in ["", "S", "10", "123456789S", "1x", "-1S", "1.5S", " 1S"] {
            #expect(GRPCTimeout.parse(bad) == nil, "\(bad)")
        }
        #expect(GRPCTimeout.encode(nanoseconds: 1_000_000) == "1000000n")
        #expect(GRPCTimeout.encode(nanoseconds: 5_000_000_000) == "5000000u")
        #expect(GRPCTimeout.parse(GRPCTimeout.encode(nanoseconds: 7_200_000_000_000))! >= 7_200_000_000_000)
    }

    @Test("grpc-message: percent-encoded UTF-8, round trip")
    func messageEncoding() {
        let message = "\t\ntest with whitespace\r\nand Unicode BMP \u{263A} and non-BMP \u{1F608}\t\n"
        let encoded = GRPCMessageEncoding.encode(message)
        #expect(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
        #expect(GRPCMessageEncoding.encode("100% done") == "100%25 done")
        #expect(GRPCMessageEncoding.decode(encoded) == message)
        #expect(GRPCMessageEncoding.decode("bad %zz escape %") == "bad %zz escape %")
    }

    @Test("Length-Prefixed-Messages split across chunks and packed into one")
    func deframing() throws {
        let messages: [[UInt8]] = [[], [1, 2, 3], [UInt8](repeating: 7, count: 70_000)]
        let stream = messages.flatMap(LengthPrefixedMessage.frame)
        for chunkSize in [1, 2, 5, 4096, stream.count] {
            var deframer = MessageDeframer(maxMessageSize: 1 << 20)
            var out: [[UInt8]] = []
            var i = 0
            while i < stream.count {
                deframer.append(stream[i..<min(i + chunkSize, stream.count)])
                while let message = try deframer.next() { out.append(message) }
                i += chunkSize
            }
            #expect(out == messages, "chunks of \(chunkSize)")
            #expect(deframer.bufferedByteCount == 0)
        }
    }

    @Test("a chunk that is exactly one message is taken whole; anything else is left to append")
    func wholeMessages() {
        let message: [UInt8] = [8, 1, 18, 3, 97, 98, 99]
        var deframer = MessageDeframer(maxMessageSize: 100)
        LengthPrefixedMessage.frame(message).withUnsafeBytes { #expect(deframer.wholeMessage(in: $0) == message) }
        LengthPrefixedMessage.frame([]).withUnsafeBytes { #expect(deframer.wholeMessage(in: $0) == []) }
        #expect(deframer.bufferedByteCount == 0)
        let refused: [[UInt8]] = [
            Array(LengthPrefixedMessage.frame(message).dropLast()),  // part of one
            LengthPrefixedMessage.frame(message) + LengthPrefixedMessage.frame([]),  // two
            LengthPrefixedMessage.frame(message, compressed: true),  // compressed
            LengthPrefixedMessage.frame([UInt8](repeating: 1, count: 101)),  // over the limit
            [0, 0, 0],  // shorter than a prefix
        ]
        for chunk in refused {
            chunk.withUnsafeBytes { #expect(deframer.wholeMessage(in: $0) == nil, "\(chunk.prefix(8))") }
        }
        deframer.append([0, 0, 0])  // something buffered: a whole message must follow it
        LengthPrefixedMessage.frame(message).withUnsafeBytes { #expect(deframer.wholeMessage(in: $0) == nil) }
    }

    @Test("a message serialized into its frame is the message framed")
    func encodeInPlace() throws {
        var request = Grpc_Testing_SimpleRequest()
        request.responseSize = 7
        var payload = Grpc_Testing_Payload()
        payload.body = [1, 2, 3]
        request.payload = payload
        #expect(
            try LengthPrefixedMessage.encode(request, compression: .identity)
                == LengthPrefixedMessage.frame(request.serializedBytes()))
        #expect(try LengthPrefixedMessage.encode(Grpc_Testing_Empty(), compression: .identity) == [0, 0, 0, 0, 0])
        let gzip = try LengthPrefixedMessage.encode(request, compression: .gzip)
        #expect(gzip.first == 1)
    }

    @Test("request headers the server drops unread are all reserved")
    func ignoredRequestFields() {
        for name in ServerConnectionHandler.ignoredRequestFields {
            #expect(Metadata.isReserved(name.description))
        }
    }

    @Test("a message over the limit fails at its header, before its body arrives")
    func deframingLimit() {
        var deframer = MessageDeframer(maxMessageSize: 100)
        deframer.append([0, 0, 0, 0, 101])
        #expect(throws: MessageDeframer.Failure.tooLarge(length: 101, limit: 100)) { try deframer.next() }
        var compressed = MessageDeframer(maxMessageSize: 100)
        compressed.append([1, 0, 0, 0, 1, 0])
        #expect(throws: MessageDeframer.Failure.compressedWithoutEncoding) { try compressed.next() }
    }
}

@Suite("metadata")
struct MetadataTests {
    @Test("-bin values: base64 on the wire, padded or not on input")
    func binaryValues() {
        var metadata = Metadata()
        let added = [
            metadata.addWire(name: "x-a-bin", value: "q6ur"), metadata.addWire(name: "x-b-bin", value: "qw=="),
            metadata.addWire(name: "x-c-bin", value: "qw"), metadata.addWire(name: "x-d-bin", value: "not base64!"),
        ]
        #expect(added == [true, true, true, false])
        #expect(metadata.firstBinary("x-a-bin") == [0xab, 0xab, 0xab])
        #expect(metadata.firstBinary("x-b-bin") == [0xab])
        #expect(metadata.firstBinary("x-c-bin") == [0xab])
        #expect(metadata.wireHeaders.map(\.value) == ["q6ur", "qw==", "qw=="])
    }

    @Test("entries that cannot go on the wire are left out")
    func invalidEntries() {
        var metadata = Metadata()
        metadata.add("X-Upper", "fine")  // keys are lower-cased
        metadata.add("grpc-status", "0")  // reserved
        metadata.add("bad key", "x")
        metadata.add("x-newline", "a\nb")
        #expect(metadata.wireHeaders.map(\.name) == ["x-upper"])
    }
}

@Suite("stream reset limiter")
struct StreamResetLimiterTests {
    @Test("allows `limit` resets per window, then refuses; a new window starts afresh")
    func limits() {
        var limiter = StreamResetLimiter(limit: 3, window: .seconds(10))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var results: [Bool] = []
        for _ in 0..<3 { results.append(limiter.record(at: start)) }
        results.append(limiter.record(at: start + .seconds(9)))
        results.append(limiter.record(at: start + .seconds(10)))
        #expect(results == [true, true, true, false, true])
    }
}

@Suite("connection backoff")
struct ConnectionBackoffTests {
    @Test("grows by the multiplier up to the maximum, jitter spreads it, success resets it")
    func sequence() {
        var backoff = ConnectionBackoff(
            initial: .seconds(1), multiplier: 2, jitter: 0.2, maximum: .seconds(5))
        let waits = (0..<5).map { _ in backoff.failed(random: 0.5) }
        #expect(waits == [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
        backoff.succeeded()
        #expect(backoff.failed(random: 0) == .milliseconds(800))
        #expect(backoff.failed(random: 1) == .milliseconds(2_400))
    }
}
