import Glibc
import SwarmStore

extension DurableStore {
    /// Opens a store by the URL the coordinator was given.
    static func open(_ url: String) throws -> DurableStore {
        if url.hasPrefix("sqlite:") { return try .sqlite(path: String(url.dropFirst("sqlite:".count))) }
        return try .postgres(url: url, poolSize: 2)
    }
}

/// A new schema in the test PostgreSQL server (from Tests/support/with-postgres.sh), so
/// that each test starts from an empty database.
enum FreshPostgresDatabase {
    static func make(_ url: String) async throws -> String {
        let schema = "e2e\(UInt32.random(in: 0...UInt32.max))"
        let psql = try ChildProcess(
            name: "psql", arguments: ["/usr/bin/psql", url, "-q", "-c", "CREATE SCHEMA \(schema)"],
            logPath: "/tmp/openswarm-e2e-psql.log")
        guard await psql.wait(timeout: .seconds(20)) == 0 else { throw HarnessError("psql failed: \(psql.log)") }
        let separator = url.contains("?") ? "&" : "?"
        return url + separator + "options=-c%20search_path%3D\(schema)"
    }
}

/// A small OpenAI-compatible server (Tests/support/fake_openai_server.py) that streams
/// "Hello from MODEL: PROMPT" in several chunks.
final class FakeOpenAIServer: @unchecked Sendable {
    let process: ChildProcess
    let portFile: String

    init(directory: String) throws {
        let tests = TestPaths.testsDirectory
        portFile = "\(directory)/openai.port"
        process = try ChildProcess(
            name: "openai",
            arguments: ["/usr/bin/python3", tests + "/support/fake_openai_server.py", portFile],
            logPath: "\(directory)/openai.log")
    }

    func port() async throws -> Int {
        for _ in 0..<200 {
            if let text = try? TextFile.read(portFile), let port = Int(text.trimmingNewlines) { return port }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw HarnessError("the fake OpenAI server did not start: \(process.log)")
    }

    func stop() async { await process.stop(grace: .seconds(2)) }
}

enum TestPaths {
    /// The repository's Tests/ directory, found from this source file's path.
    static var testsDirectory: String {
        let source = #filePath
        guard let range = source.firstRange(of: "/EndToEndTests/") else { return "Tests" }
        return String(source[..<range.lowerBound])
    }
}
