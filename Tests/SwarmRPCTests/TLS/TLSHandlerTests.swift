import NIOCore
import NIOEmbedded
import Testing

@testable import SwarmRPC

/// A TLS client and server handler on two `EmbeddedChannel`s, bytes shuttled
/// between them by the test: the handshake, ALPN, writes held until the handshake
/// ends, and failures reported instead of crashing. No sockets, no clocks.
@Suite("TLS handler, deterministic")
struct TLSHandlerTests {
    /// Collects what reaches the end of a pipeline: plaintext and errors.
    final class Sink: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var received: [UInt8] = []
        var errors: [TLSError] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += unwrapInboundIn(data).readableBytesView
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if let error = error as? TLSError { errors.append(error) }
        }
    }

    struct Pair {
        let client = EmbeddedChannel()
        let server = EmbeddedChannel()
        let clientSink = Sink()
        let serverSink = Sink()

        init(server serverTLS: TLSConfiguration, client clientTLS: TLSConfiguration) throws {
            let serverContext = try TLSContext(serverTLS, role: .server)
            let clientContext = try TLSContext(clientTLS, role: .client)
            try server.pipeline.syncOperations.addHandlers([TLSHandler(context: serverContext), serverSink])
            try client.pipeline.syncOperations.addHandlers([
                TLSHandler(context: clientContext, hostname: "localhost"), clientSink,
            ])
        }

        func connect() throws {
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: 1)
            try server.connect(to: address).wait()
            try client.connect(to: address).wait()
        }

        /// Moves bytes both ways until neither side has anything more to say.
        func shuttle() throws {
            var moved = true
            while moved {
                moved = false
                while let bytes = try client.readOutbound(as: ByteBuffer.self) {
                    moved = true
                    if server.isActive { try server.writeInbound(bytes) }
                }
                while let bytes = try server.readOutbound(as: ByteBuffer.self) {
                    moved = true
                    if client.isActive { try client.writeInbound(bytes) }
                }
            }
        }
    }

    @Test("plaintext written before the handshake arrives after it, both ways")
    func roundTrip() throws {
        let certificates = try TestCertificates.make()
        let pair = try Pair(server: certificates.serverTLS, client: certificates.clientTLS)
        try pair.connect()
        let held = pair.client.writeAndFlush(ByteBuffer(string: "PRI * HTTP/2.0"))  // until the handshake ends
        try pair.shuttle()
        try held.wait()
        #expect(pair.serverSink.received == Array("PRI * HTTP/2.0".utf8))
        pair.server.writeAndFlush(ByteBuffer(bytes: [UInt8](repeating: 7, count: 100_000)), promise: nil)
        try pair.shuttle()
        #expect(pair.clientSink.received == [UInt8](repeating: 7, count: 100_000))
        let handler = try pair.server.pipeline.syncOperations.handler(type: TLSHandler.self)
        #expect(handler.negotiatedProtocol == "h2")
        #expect(pair.serverSink.errors.isEmpty && pair.clientSink.errors.isEmpty)
    }

    @Test("a client offering only http/1.1 is closed with noApplicationProtocol")
    func http11Only() throws {
        let certificates = try TestCertificates.make()
        var client = certificates.clientTLS
        client.applicationProtocols = ["http/1.1"]
        let pair = try Pair(server: certificates.serverTLS, client: client)
        try pair.connect()
        try pair.shuttle()
        #expect(pair.serverSink.errors.map(\.code) == [.noApplicationProtocol])
        #expect(!pair.server.isActive)
    }

    @Test("bytes that are not TLS end the handshake with handshakeFailed")
    func garbage() throws {
        let certificates = try TestCertificates.make()
        let pair = try Pair(server: certificates.serverTLS, client: certificates.clientTLS)
        try pair.connect()
        try pair.server.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        #expect(pair.serverSink.errors.map(\.code) == [.handshakeFailed])
        #expect(!pair.server.isActive)
        #expect(pair.serverSink.received.isEmpty)
    }
}
