import Foundation

/// Runs a script from `Tests/oracles/` with the project's venv Python and returns
/// what it printed. The venv is made by `make deps`; without it the test fails
/// (it never skips).
enum PythonOracle {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var python: URL { repositoryRoot.appendingPathComponent(".venv/bin/python") }

    /// Runs `script` with `arguments`; returns stdout, or throws with stderr when the
    /// script exits non-zero.
    static func run(_ script: String, _ arguments: [String]) async throws -> String {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw Failure(description: "no Python venv at \(python.path): run `make deps`")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("swarm-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stdoutURL = directory.appendingPathComponent("stdout")
        let stderrURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)

        let process = Process()
        process.executableURL = python
        process.arguments = [repositoryRoot.appendingPathComponent("Tests/oracles/\(script)").path] + arguments
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let output = (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let errors = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
            throw Failure(description: "\(script) exited with \(status)\n\(output)\n\(errors)")
        }
        return output
    }

    /// Starts a server script that writes its port to the file named by its first
    /// argument (`arguments` follow it), runs `body` with that port, then terminates
    /// the server.
    static func withServer<Result>(
        _ script: String, arguments: [String] = [], _ body: (Int) async throws -> Result
    ) async throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw Failure(description: "no Python venv at \(python.path): run `make deps`")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("swarm-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let portFile = directory.appendingPathComponent("port")
        let stderrURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)

        let process = Process()
        process.executableURL = python
        process.arguments =
            [repositoryRoot.appendingPathComponent("Tests/oracles/\(script)").path, portFile.path] + arguments
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        // The server exits when its stdin closes: on `terminate()` below, and also
        // when this test process dies first.
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        defer {
            try? stdin.fileHandleForWriting.close()
            process.terminate()
        }
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while true {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                return try await body(port)
            }
            guard process.isRunning, ContinuousClock.now < deadline else {
                let errors = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
                throw Failure(description: "\(script) did not start\n\(errors)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
