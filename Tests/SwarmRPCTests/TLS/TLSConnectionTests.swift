import NIOCore
import SwarmProto
import SwarmRPC
import Synchronization
import Testing

/// TLS behaviour of our server and client: versions and ALPN seen by OpenSSL's own
/// `s_client`, mutual TLS, certificate checks, hostile and slow peers, bad files.
@Suite("TLS connections")
struct TLSConnectionTests {
    typealias Service = Grpc_Testing_TestService.Method

    /// The TLS errors a server reported.
    final class Reports: Sendable {
        private let errors = Mutex<[TLSError]>([])
        var handler: @Sendable (TLSError) -> Void { { error in self.errors.withLock { $0.append(error) } } }
        var all: [TLSError] { errors.withLock { $0 } }

        /// Waits up to two seconds for a report with `code`.
        func wait(for code: TLSError.Code) async throws -> TLSError? {
            for _ in 0..<200 {
                if let error = all.first(where: { $0.code == code }) { return error }
                try await Task.sleep(for: .milliseconds(10))
            }
            return nil
        }
    }

    static func withServer(
        _ tls: TLSConfiguration, handshakeTimeout: Duration = .seconds(10),
        _ body: (Int, Reports) async throws -> Void
    ) async throws {
        let reports = Reports()
        let server = RPCServer(
            router: InteropTestService.router(),
            configuration: .init(handshakeTimeout: handshakeTimeout, tls: tls, tlsErrorHandler: reports.handler))
        let port = try await server.start().port ?? 0
        do {
            try await body(port, reports)
        } catch {
            await server.shutdown(gracePeriod: .seconds(1))
            throw error
        }
        await server.shutdown(gracePeriod: .seconds(1))
    }

    static func call(port: Int, _ tls: TLSConfiguration) async throws {
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port, tls: tls))
        defer { Task { await client.close() } }
        _ = try await client.unary(Service.emptyCall, Grpc_Testing_Empty())
    }

    @Test("openssl s_client negotiates h2 over TLS 1.2 and over TLS 1.3", arguments: ["-tls1_2", "-tls1_3"])
    func versionsAndALPN(_ version: String) async throws {
        let certificates = try await TestCertificates.shared.value
        try await Self.withServer(certificates.serverTLS) { port, _ in
            let output = try TestCertificates.openssl([
                "s_client", "-connect", "127.0.0.1:\(port)", version, "-alpn", "h2", "-CAfile", certificates.caPath,
                "-servername", "localhost", "-verify_return_error",
            ])
            #expect(output.contains("ALPN protocol: h2"), "\(output)")
            #expect(output.contains(version == "-tls1_2" ? "TLSv1.2" : "TLSv1.3"), "\(output)")
            #expect(output.contains("Verify return code: 0 (ok)"), "\(output)")
        }
    }

    @Test("our client and server speak gRPC over TLS 1.2 only and TLS 1.3 only")
    func forcedVersions() async throws {
        let certificates = try await TestCertificates.shared.value
        for version in [TLSConfiguration.Version.tls12, .tls13] {
            var server = certificates.serverTLS
            server.minimumVersion = version
            server.maximumVersion = version
            try await Self.withServer(server) { port, _ in
                try await Self.call(port: port, certificates.clientTLS)
                try await Self.call(port: port, certificates.mutualClientTLS)  // unrequested certificate: fine
            }
        }
    }

    @Test("a client without a certificate is refused when mutual TLS is required")
    func mutualTLSRequired() async throws {
        let certificates = try await TestCertificates.shared.value
        try await Self.withServer(certificates.mutualServerTLS) { port, reports in
            try await Self.call(port: port, certificates.mutualClientTLS)
            let error = await #expect(throws: RPCError.self) { try await Self.call(port: port, certificates.clientTLS) }
            #expect(error?.code == .unavailable)
            let reported = try await reports.wait(for: .certificateVerificationFailed)
            #expect(reported != nil, "\(reports.all)")
            // s_client without a certificate, for TLS 1.2 where the server refuses in the handshake.
            #expect(throws: TestCertificates.CommandFailure.self) {
                try TestCertificates.openssl([
                    "s_client", "-connect", "127.0.0.1:\(port)", "-tls1_2", "-alpn", "h2", "-CAfile",
                    certificates.caPath, "-verify_return_error",
                ])
            }
        }
    }

    @Test("our client rejects a server signed by an unknown CA or for another name")
    func clientVerification() async throws {
        let certificates = try await TestCertificates.shared.value
        try await Self.withServer(certificates.serverTLS) { port, _ in
            let unknownCA = await #expect(throws: RPCError.self) {
                try await Self.call(port: port, .client(trustRoots: .file(certificates.otherCAPath)))
            }
            #expect(unknownCA?.code == .unavailable)
            #expect(
                unknownCA?.message.contains("certificateVerificationFailed") == true, "\(String(describing: unknownCA))"
            )
            let wrongName = await #expect(throws: RPCError.self) {
                try await Self.call(
                    port: port, .client(trustRoots: .file(certificates.caPath), serverHostname: "coordinator.example"))
            }
            #expect(
                wrongName?.message.contains("certificateVerificationFailed") == true, "\(String(describing: wrongName))"
            )
            // The right name, from PEM bytes rather than a file.
            let caText = try String(contentsOfFile: certificates.caPath, encoding: .utf8)
            try await Self.call(port: port, .client(trustRoots: .string(caText), serverHostname: "localhost"))
        }
    }

    @Test("garbage instead of a ClientHello closes that connection; others keep working")
    func garbageClientHello() async throws {
        let certificates = try await TestCertificates.shared.value
        try await Self.withServer(certificates.serverTLS) { port, reports in
            let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port, tls: certificates.clientTLS))
            _ = try await client.unary(Service.emptyCall, Grpc_Testing_Empty())
            for garbage in [
                Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8), Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8),
                [0x16, 0x03, 0x01, 0x00, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff], [UInt8](repeating: 0x16, count: 4_096),
            ] {
                try await RawConnection.with(port: port) { raw in
                    try await raw.send(garbage)
                    _ = try await raw.readUntilClosed()
                    #expect(raw.isClosed)
                }
            }
            #expect(try await reports.wait(for: .handshakeFailed) != nil, "\(reports.all)")
            _ = try await client.unary(Service.emptyCall, Grpc_Testing_Empty())
            await client.close()
        }
    }

    @Test("a handshake that stalls is closed by the handshake timeout")
    func slowHandshake() async throws {
        let certificates = try await TestCertificates.shared.value
        var tls = certificates.serverTLS
        tls.handshakeTimeout = .milliseconds(300)
        try await Self.withServer(tls) { port, reports in
            let started = ContinuousClock.now
            try await RawConnection.with(port: port) { raw in
                try await raw.send([0x16, 0x03, 0x01])  // the first bytes of a record, then nothing
                _ = try await raw.readUntilClosed()
                #expect(raw.isClosed)
            }
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(try await reports.wait(for: .handshakeTimedOut) != nil, "\(reports.all)")
        }
    }

    @Test("the server's handshake/preface timeout also covers a stalled TLS handshake")
    func serverHandshakeTimeoutCoversTLS() async throws {
        let certificates = try await TestCertificates.shared.value
        try await Self.withServer(certificates.serverTLS, handshakeTimeout: .milliseconds(300)) { port, _ in
            let started = ContinuousClock.now
            try await RawConnection.with(port: port) { raw in
                try await raw.send([0x16, 0x03, 0x01])
                _ = try await raw.readUntilClosed()
                #expect(raw.isClosed)
            }
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("a TLS client that does not offer h2 is closed with a clear error")
    func noH2() async throws {
        let certificates = try await TestCertificates.shared.value
        try await Self.withServer(certificates.serverTLS) { port, reports in
            _ = try? TestCertificates.openssl([
                "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", certificates.caPath,
            ])
            let error = try await reports.wait(for: .noApplicationProtocol)
            #expect(error?.message.contains("h2") == true, "\(reports.all)")
            var http1Only = certificates.clientTLS
            http1Only.applicationProtocols = ["http/1.1"]
            let refused = await #expect(throws: RPCError.self) { try await Self.call(port: port, http1Only) }
            #expect(refused?.code == .unavailable)
        }
    }

    @Test("unreadable certificate or key files fail start() with invalidConfiguration")
    func badFiles() async throws {
        let certificates = try await TestCertificates.shared.value
        for tls in [
            TLSConfiguration.server(certificateChain: .file("/nonexistent.pem"), privateKey: .file("/nonexistent.key")),
            .server(
                certificateChain: .file(certificates.serverCertificatePath),
                privateKey: .file(certificates.clientKeyPath)),
            .server(certificateChain: .string("not PEM"), privateKey: .file(certificates.serverKeyPath)),
        ] {
            let server = RPCServer(router: RPCRouter(), configuration: .init(tls: tls))
            let error = await #expect(throws: TLSError.self) { try await server.start() }
            #expect(error?.code == .invalidConfiguration, "\(String(describing: error))")
            await server.shutdown(gracePeriod: .zero)
        }
    }
}
