import SwarmCore
import Synchronization
import Testing

@testable import SwarmStore

/// The engines every conformance scenario runs against. PostgreSQL needs
/// `OPENSWARM_TEST_POSTGRES_URL`; without it those cases fail, naming the script that
/// provides one, rather than silently skipping.
enum Engine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    static let postgresVariable = "OPENSWARM_TEST_POSTGRES_URL"

    /// A fresh, empty store: a new SQLite file, or a new PostgreSQL schema.
    func makeStore(seed: UInt64 = 42, adaptive: AdaptiveReplication = .disabled) throws -> DurableStore {
        try makeStores(1, seed: seed, adaptive: adaptive)[0]
    }

    /// `count` stores over one fresh database, as separate coordinators would open it
    /// (separate connections; on PostgreSQL separate pools).
    func makeStores(_ count: Int, seed: UInt64 = 42, adaptive: AdaptiveReplication = .disabled) throws -> [DurableStore]
    {
        let unique = "\(UInt64.random(in: 0...UInt64.max))"
        let location: String
        switch self {
        case .sqlite:
            location = "/tmp/openswarm-store-test-\(unique).db"
            TemporaryFiles.remove(atExit: location)
        case .postgres:
            let url = try Self.postgresURL()
            let schema = "t\(unique)"
            let admin = try PostgresConnection(url: url)
            try admin.execute("CREATE SCHEMA \(schema)")
            admin.close()
            let separator = url.contains("?") ? "&" : "?"
            location = url + separator + "options=-c%20search_path%3D\(schema)"
        }
        return try (0..<count).map { index in try open(location, seed: seed &+ UInt64(index), adaptive: adaptive) }
    }

    /// Opens an existing store location again (a restart).
    func open(_ location: String, seed: UInt64 = 42, adaptive: AdaptiveReplication = .disabled) throws -> DurableStore {
        let configuration = DurableStore.Configuration(adaptive: adaptive, seed: seed)
        switch self {
        case .sqlite: return try DurableStore.sqlite(path: location, configuration: configuration)
        case .postgres: return try DurableStore.postgres(url: location, poolSize: 4, configuration: configuration)
        }
    }

    static func postgresURL() throws -> String {
        guard let url = environment(postgresVariable), !url.isEmpty else {
            throw MissingPostgres()
        }
        return url
    }

}

struct MissingPostgres: Error, CustomStringConvertible {
    var description: String {
        "\(Engine.postgresVariable) is not set: run the store tests as `Tests/support/with-postgres.sh swift test --filter SwarmStoreTests` (or `make test`), which starts a throwaway PostgreSQL and sets it"
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

/// SQLite files the tests created, deleted when the test process exits.
enum TemporaryFiles {
    private static let paths = Mutex<[String]>([])
    private static let registered: Bool = {
        atexit {
            for path in TemporaryFiles.paths.withLock({ $0 }) {
                for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
            }
        }
        return true
    }()

    static func remove(atExit path: String) {
        _ = registered
        paths.withLock { $0.append(path) }
    }
}
