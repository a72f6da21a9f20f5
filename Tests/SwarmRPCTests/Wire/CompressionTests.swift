import Testing

@testable import SwarmRPC

/// gzip message compression: the codec, and the deframer deciding what a compressed
/// flag means for a call.
@Suite("gzip message compression")
struct CompressionTests {
    /// Bytes that compress somewhat, not all alike.
    static func sample(_ count: Int) -> [UInt8] {
        var state: UInt32 = 2_463_534_242
        return (0..<count).map { i in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return i % 3 == 0 ? UInt8(truncatingIfNeeded: state) : UInt8(truncatingIfNeeded: i / 64)
        }
    }

    @Test("round trip: empty, small, a megabyte; the output is gzip (RFC 1952 magic)")
    func roundTrip() throws {
        for message in [[], [42], Self.sample(1_000), Self.sample(1 << 20)] {
            let compressed = try Gzip.compress(message)
            #expect(compressed.prefix(3) == [0x1f, 0x8b, 8])
            #expect(try Gzip.decompress(compressed, limit: message.count) == message)
        }
        let zeros = [UInt8](repeating: 0, count: 314_159)
        #expect(try Gzip.compress(zeros).count < 1_000)
    }

    @Test("a zip bomb stops at the limit")
    func bomb() throws {
        let bomb = try Gzip.compress([UInt8](repeating: 0, count: 64 << 20))
        #expect(bomb.count < 100_000)
        #expect(throws: Gzip.Failure.tooLarge(limit: 4 << 20)) { try Gzip.decompress(bomb, limit: 4 << 20) }
        // Exactly at the limit is fine, one byte over is not.
        let exact = try Gzip.compress([UInt8](repeating: 1, count: 1_000))
        #expect(try Gzip.decompress(exact, limit: 1_000).count == 1_000)
        #expect(throws: Gzip.Failure.tooLarge(limit: 999)) { try Gzip.decompress(exact, limit: 999) }
    }

    @Test("corrupt, truncated, empty and padded input fail with a reason")
    func corrupt() throws {
        let good = try Gzip.compress(Self.sample(10_000))
        var flipped = good
        flipped[good.count / 2] ^= 0xff
        let cases: [(String, [UInt8])] = [
            ("not gzip", Array("hello, not gzip at all".utf8)),
            ("flipped", flipped),
            ("truncated", Array(good.prefix(good.count - 4))),
            ("empty", []),
            ("trailing bytes", good + [1, 2, 3]),
        ]
        for (name, input) in cases {
            do {
                _ = try Gzip.decompress(input, limit: 1 << 20)
                Issue.record("\(name): decompressed")
            } catch {
                guard case .corrupt(let reason) = error else {
                    Issue.record("\(name): \(error)")
                    continue
                }
                #expect(!reason.isEmpty, "\(name)")
            }
        }
    }

    @Test("the deframer: gzip calls decompress flagged messages, take unflagged ones as they are")
    func deframer() throws {
        let message = Self.sample(70_000)
        let stream =
            try LengthPrefixedMessage.encode(message, compression: .gzip)
            + LengthPrefixedMessage.encode([1, 2, 3], compression: .identity)
        for chunkSize in [1, 7, stream.count] {
            var deframer = MessageDeframer(maxMessageSize: 1 << 20, encoding: .gzip)
            var out: [[UInt8]] = []
            var flags: [Bool] = []
            var i = 0
            while i < stream.count {
                deframer.append(stream[i..<min(i + chunkSize, stream.count)])
                while let next = try deframer.next() {
                    out.append(next)
                    flags.append(deframer.lastMessageCompressed)
                }
                i += chunkSize
            }
            #expect(out == [message, [1, 2, 3]], "chunks of \(chunkSize)")
            #expect(flags == [true, false])
        }
    }

    @Test("the deframer: flag without encoding, bomb, corrupt")
    func deframerFailures() throws {
        let compressed = try LengthPrefixedMessage.encode([1, 2, 3], compression: .gzip)
        var identity = MessageDeframer(maxMessageSize: 100)
        identity.append(compressed)
        #expect(throws: MessageDeframer.Failure.compressedWithoutEncoding) { try identity.next() }

        var bombed = MessageDeframer(maxMessageSize: 1 << 20, encoding: .gzip)
        bombed.append(try LengthPrefixedMessage.encode([UInt8](repeating: 0, count: 8 << 20), compression: .gzip))
        #expect(throws: MessageDeframer.Failure.decompressedTooLarge(limit: 1 << 20)) { try bombed.next() }

        var corrupt = MessageDeframer(maxMessageSize: 100, encoding: .gzip)
        corrupt.append(LengthPrefixedMessage.frame([9, 9, 9, 9], compressed: true))
        do {
            _ = try corrupt.next()
            Issue.record("decompressed garbage")
        } catch {
            guard case .corrupt = error else {
                Issue.record("\(error)")
                return
            }
        }
    }

    @Test("grpc-accept-encoding lists")
    func acceptEncoding() {
        #expect(RPCCompression.acceptsGzip("gzip"))
        #expect(RPCCompression.acceptsGzip("identity,deflate,gzip"))
        #expect(RPCCompression.acceptsGzip("identity, GZIP "))
        #expect(!RPCCompression.acceptsGzip("identity,deflate"))
        #expect(!RPCCompression.acceptsGzip("gzipx"))
        #expect(!RPCCompression.acceptsGzip(""))
    }
}
