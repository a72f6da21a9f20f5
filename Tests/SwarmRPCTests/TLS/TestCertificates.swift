import Foundation
import SwarmRPC

/// A throwaway PKI made with the `openssl` CLI when first used: a CA, a server
/// certificate for `DNS:localhost, IP:127.0.0.1`, a client certificate, and a
/// second CA that signed nothing of ours (for rejection tests). ECDSA P-256.
struct TestCertificates: Sendable {
    let directory: String
    var caPath: String { directory + "/ca.pem" }
    var serverCertificatePath: String { directory + "/server.pem" }
    var serverKeyPath: String { directory + "/server.key" }
    var clientCertificatePath: String { directory + "/client.pem" }
    var clientKeyPath: String { directory + "/client.key" }
    var otherCAPath: String { directory + "/other-ca.pem" }

    var serverTLS: TLSConfiguration {
        .server(certificateChain: .file(serverCertificatePath), privateKey: .file(serverKeyPath))
    }

    var mutualServerTLS: TLSConfiguration {
        .server(
            certificateChain: .file(serverCertificatePath), privateKey: .file(serverKeyPath),
            clientTrustRoots: .file(caPath))
    }

    var clientTLS: TLSConfiguration { .client(trustRoots: .file(caPath)) }

    var mutualClientTLS: TLSConfiguration {
        .client(
            trustRoots: .file(caPath), certificateChain: .file(clientCertificatePath),
            privateKey: .file(clientKeyPath))
    }

    /// Made once per test process.
    static let shared = Task { () throws -> TestCertificates in try make() }

    static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("swarm-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for name in ["ca", "other-ca"] {
            try openssl(
                ["req", "-x509"] + ec + [
                    "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).pem", "-days", "2",
                    "-subj", "/CN=Swarm Test \(name)", "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                ])
        }
        for (name, usage) in [("server", "serverAuth"), ("client", "clientAuth")] {
            let extensions = "\(directory)/\(name).ext"
            try Data(
                """
                subjectAltName=DNS:localhost,IP:127.0.0.1
                extendedKeyUsage=\(usage)
                keyUsage=critical,digitalSignature
                basicConstraints=CA:FALSE

                """.utf8
            ).write(to: URL(fileURLWithPath: extensions))
            try openssl(
                ["req"] + ec + [
                    "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).csr",
                    "-subj", "/CN=swarm-\(name)",
                ])
            try openssl([
                "x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", "\(directory)/ca.pem", "-CAkey",
                "\(directory)/ca.key", "-CAcreateserial", "-out", "\(directory)/\(name).pem", "-days", "2",
                "-extfile", extensions,
            ])
        }
        return TestCertificates(directory: directory)
    }

    struct CommandFailure: Error, CustomStringConvertible {
        let description: String
    }

    @discardableResult
    static func openssl(_ arguments: [String], input: String = "") throws -> String {
        try run("/usr/bin/openssl", arguments, input: input)
    }

    /// Runs a command to completion; returns stdout and stderr together.
    static func run(_ executable: String, _ arguments: [String], input: String = "") throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = stdin
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw CommandFailure(
                description: "\(executable) \(arguments.joined(separator: " ")) exited with "
                    + "\(process.terminationStatus): \(text)")
        }
        return text
    }
}
