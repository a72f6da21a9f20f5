import SwarmProto
import Testing

@testable import SwarmRPC

/// The server's side of `grpc-encoding`, seen with raw bytes on a socket: what it
/// accepts, what it refuses and how, and when it compresses.
@Suite("server compression on a socket")
struct CompressionLiveTests {
    static let unaryCall = "/grpc.testing.TestService/UnaryCall"

    struct Response {
        /// The first header block (the only one for Trailers-Only).
        var headers: [(String, String)]
        /// The last header block.
        var trailers: [(String, String)]
        /// Stream 1's DATA, concatenated.
        var data: [UInt8]

        func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
        func trailer(_ name: String) -> String? { trailers.first { $0.0 == name }?.1 }
    }

    /// One call on stream 1 of a fresh connection, the request's DATA ending the stream.
    static func call(
        _ server: RPCServer, port: Int, extra: [(String, String)], body: [UInt8]
    ) async throws -> Response {
        try await RawConnection.with(port: port) { connection in
            try await connection.send(
                RawHTTP2.preface + RawHTTP2.frame(.settings)
                    + RawHTTP2.grpcRequest(streamID: 1, path: unaryCall, extra: extra)
                    + RawHTTP2.frame(.data, flags: 0x1, streamID: 1, body))
            let frames = try await connection.readFrames {
                $0.type == RawHTTP2.FrameType.headers.rawValue && $0.streamID == 1 && $0.isEndStream
            }
            let decoder = RawHTTP2.HeaderDecoder()
            let blocks = frames.filter { $0.type == RawHTTP2.FrameType.headers.rawValue }.map(decoder.decode)
            let data = frames.filter { $0.type == RawHTTP2.FrameType.data.rawValue && $0.streamID == 1 }
                .flatMap(\.payload)
            return Response(headers: blocks.first ?? [], trailers: blocks.last ?? [], data: data)
        }
    }

    static func request(
        responseSize: Int32 = 10, expectCompressed: Bool? = nil, responseCompressed: Bool? = nil
    ) -> [UInt8] {
        var request = Grpc_Testing_SimpleRequest()
        request.responseSize = responseSize
        request.payload = Grpc_Testing_Payload()
        request.payload?.body = [UInt8](repeating: 0, count: 1_000)
        if let expectCompressed {
            request.expectCompressed = Grpc_Testing_BoolValue()
            request.expectCompressed?.value = expectCompressed
        }
        if let responseCompressed {
            request.responseCompressed = Grpc_Testing_BoolValue()
            request.responseCompressed?.value = responseCompressed
        }
        return request.serializedBytes()
    }

    /// The response message out of its Length-Prefixed-Message, decompressed if flagged.
    static func responseMessage(_ data: [UInt8]) throws -> Grpc_Testing_SimpleResponse {
        try #require(data.count >= 5)
        let body = Array(data[5...])
        return try Grpc_Testing_SimpleResponse(
            serializedBytes: data[0] == 1 ? Gzip.decompress(body, limit: 1 << 20) : body)
    }

    static func withServer(
        _ configuration: RPCServer.Configuration = RPCServer.Configuration(),
        _ body: (RPCServer, Int) async throws -> Void
    ) async throws {
        let server = RPCServer(router: InteropTestService.router(), configuration: configuration)
        let port = try await server.start().port ?? 0
        do {
            try await body(server, port)
        } catch {
            await server.shutdown(gracePeriod: .seconds(1))
            throw error
        }
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("a gzip request is decompressed (and seen so); every response advertises grpc-accept-encoding")
    func gzipRequest() async throws {
        try await Self.withServer { server, port in
            let response = try await Self.call(
                server, port: port, extra: [("grpc-encoding", "gzip")],
                body: LengthPrefixedMessage.encode(Self.request(expectCompressed: true), compression: .gzip))
            #expect(response.trailer("grpc-status") == "0", "\(response.trailers)")
            #expect(response.header("grpc-accept-encoding") == "gzip, identity")
            #expect(response.header("grpc-encoding") == nil)  // the client did not accept gzip
            #expect(try Self.responseMessage(response.data).payload?.body.count == 10)

            // The same expectation unmet: the interop feature probe.
            let probe = try await Self.call(
                server, port: port, extra: [],
                body: LengthPrefixedMessage.frame(Self.request(expectCompressed: true)))
            #expect(probe.trailer("grpc-status") == "3", "\(probe.trailers)")
        }
    }

    @Test("responses are compressed when the client accepts gzip and the handler or server asks")
    func compressedResponses() async throws {
        try await Self.withServer { server, port in
            let accepted = try await Self.call(
                server, port: port, extra: [("grpc-accept-encoding", "identity,deflate,gzip")],
                body: LengthPrefixedMessage.frame(Self.request(responseSize: 5_000, responseCompressed: true)))
            #expect(accepted.trailer("grpc-status") == "0", "\(accepted.trailers)")
            #expect(accepted.header("grpc-encoding") == "gzip")
            #expect(accepted.data.first == 1)
            #expect(accepted.data.count < 1_000)
            #expect(try Self.responseMessage(accepted.data).payload?.body.count == 5_000)

            // The handler asks, but the client does not accept gzip: identity.
            let refused = try await Self.call(
                server, port: port, extra: [],
                body: LengthPrefixedMessage.frame(Self.request(responseSize: 5_000, responseCompressed: true)))
            #expect(refused.header("grpc-encoding") == nil)
            #expect(refused.data.first == 0)
            #expect(try Self.responseMessage(refused.data).payload?.body.count == 5_000)

            // Off by default.
            let plain = try await Self.call(
                server, port: port, extra: [("grpc-accept-encoding", "gzip")],
                body: LengthPrefixedMessage.frame(Self.request(responseSize: 5_000)))
            #expect(plain.header("grpc-encoding") == nil)
            #expect(plain.data.first == 0)
        }
        var configuration = RPCServer.Configuration()
        configuration.responseCompression = .gzip
        try await Self.withServer(configuration) { server, port in
            let compressed = try await Self.call(
                server, port: port, extra: [("grpc-accept-encoding", "gzip")],
                body: LengthPrefixedMessage.frame(Self.request(responseSize: 5_000)))
            #expect(compressed.header("grpc-encoding") == "gzip")
            #expect(compressed.data.first == 1)
            #expect(try Self.responseMessage(compressed.data).payload?.body.count == 5_000)

            // response_compressed false overrides the server's default.
            let handlerSaysNo = try await Self.call(
                server, port: port, extra: [("grpc-accept-encoding", "gzip")],
                body: LengthPrefixedMessage.frame(Self.request(responseSize: 5_000, responseCompressed: false)))
            #expect(handlerSaysNo.header("grpc-encoding") == nil)
            #expect(handlerSaysNo.data.first == 0)
        }
    }

    @Test("a compressed flag with identity or no grpc-encoding: INTERNAL")
    func flagWithoutEncoding() async throws {
        try await Self.withServer { server, port in
            let body = try LengthPrefixedMessage.encode(Self.request(), compression: .gzip)
            for extra in [[], [("grpc-encoding", "identity")]] {
                let response = try await Self.call(server, port: port, extra: extra, body: body)
                #expect(response.trailer("grpc-status") == "13", "\(extra): \(response.trailers)")
                #expect(response.trailer("grpc-message")?.contains("compressed") == true)
            }
        }
    }

    @Test("an encoding the server does not support: UNIMPLEMENTED, with grpc-accept-encoding")
    func unsupportedEncoding() async throws {
        try await Self.withServer { server, port in
            let response = try await Self.call(
                server, port: port, extra: [("grpc-encoding", "br")],
                body: LengthPrefixedMessage.frame(Self.request(), compressed: true))
            #expect(response.trailer("grpc-status") == "12", "\(response.trailers)")
            #expect(response.trailer("grpc-accept-encoding") == "gzip, identity")
        }
    }

    @Test("a zip bomb ends the call with RESOURCE_EXHAUSTED; corrupt gzip with INTERNAL")
    func bombAndCorrupt() async throws {
        try await Self.withServer { server, port in
            // 16 MiB of zeros in about 16 KB, against the 4 MiB default limit.
            let bomb = try Gzip.compress([UInt8](repeating: 0, count: 16 << 20))
            #expect(bomb.count < 60_000)
            let bombed = try await Self.call(
                server, port: port, extra: [("grpc-encoding", "gzip")],
                body: LengthPrefixedMessage.frame(bomb, compressed: true))
            #expect(bombed.trailer("grpc-status") == "8", "\(bombed.trailers)")

            let corrupt = try await Self.call(
                server, port: port, extra: [("grpc-encoding", "gzip")],
                body: LengthPrefixedMessage.frame([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6], compressed: true))
            #expect(corrupt.trailer("grpc-status") == "13", "\(corrupt.trailers)")
            let message = corrupt.trailer("grpc-message").map(GRPCMessageEncoding.decode) ?? ""
            #expect(message.contains("does not decompress"), "\(message)")

            // The server is fine afterwards.
            let fine = try await Self.call(
                server, port: port, extra: [("grpc-encoding", "gzip")],
                body: LengthPrefixedMessage.encode(Self.request(), compression: .gzip))
            #expect(fine.trailer("grpc-status") == "0", "\(fine.trailers)")
        }
    }
}
