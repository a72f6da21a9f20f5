import Glibc
import SwarmCoordinator
import SwarmProto
import Testing

/// Several coordinators over one PostgreSQL database: work submitted through one wakes
/// the long polls of workers attached to another (LISTEN/NOTIFY), without waiting for
/// a maintenance period.
@Suite("Coordinators sharing PostgreSQL", .serialized)
struct MultiCoordinatorTests {
    @Test("A submission on one coordinator wakes a long poll on another at once")
    func notifyWakesPeers() async throws {
        guard let base = getenv("OPENSWARM_TEST_POSTGRES_URL").map({ String(cString: $0) }) else {
            Issue.record("OPENSWARM_TEST_POSTGRES_URL is not set: run under Tests/support/with-postgres.sh (make test)")
            return
        }
        let url = try await Self.freshSchema(base)
        // A long heartbeat interval makes the maintenance period (a quarter of it)
        // 2.5 s, so only a notification can explain a fast wake-up.
        let configure: (inout CoordinatorConfiguration) -> Void = { configuration in
            configuration.store = url
            configuration.heartbeatInterval = .seconds(10)
        }
        let first = try await CoordinatorHarness(configure: configure)
        let second = try await CoordinatorHarness(configure: configure)
        try await first.mint(10)
        let node = try await second.registerNode("attached-to-second")
        let clock = ContinuousClock()
        let start = clock.now
        async let leased = node.lease(wait: .seconds(8))
        try await Task.sleep(for: .milliseconds(300))
        let id = try await first.submit(prompt: "through the first")
        let leases = try await leased
        let elapsed = clock.now - start
        #expect(leases.map(\.taskID) == [id])
        #expect(elapsed < .milliseconds(1_500), "woken after \(elapsed)")
        await first.stop()
        await second.stop()
    }

    static func freshSchema(_ url: String) async throws -> String {
        let schema = "coord\(UInt32.random(in: 0...UInt32.max))"
        var pid: pid_t = 0
        let arguments = ["/usr/bin/psql", url, "-q", "-c", "CREATE SCHEMA \(schema)"]
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        guard posix_spawn(&pid, arguments[0], nil, nil, &cArguments, environ) == 0 else {
            throw CLIHarnessError("cannot run psql")
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        guard status == 0 else { throw CLIHarnessError("psql could not create schema \(schema)") }
        return url + (url.contains("?") ? "&" : "?") + "options=-c%20search_path%3D\(schema)"
    }
}
