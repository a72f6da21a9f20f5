import ArgumentParser
import Glibc
import Logging
import SwarmCoordinator
import SwarmRPC

/// `openswarm server`: runs the coordinator until SIGTERM or SIGINT.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the coordinator.",
        discussion: """
            Every option can also be set as an environment variable: OPENSWARM_ plus the
            option name in capitals with _ for -, e.g. OPENSWARM_STORE=postgres://… ,
            or in a YAML file given with --config (keys as the option names, e.g.
            `store: postgres://…`, `api-keys: [KEY=alice:user]`). Flags win over the
            environment, which wins over the file.
            """)

    @Option(help: "A YAML settings file (OPENSWARM_CONFIG).")
    var config: String?

    @Option(help: "Address to listen on (OPENSWARM_HOST).")
    var host: String?
    @Option(help: "Port to listen on; 0 picks a free one (OPENSWARM_PORT).")
    var port: Int?
    @Option(help: "sqlite:PATH or postgres://USER@HOST/DB (OPENSWARM_STORE).")
    var store: String?
    @Option(
        help:
            "PostgreSQL connections, the store calls run at once; default: the cores, at least 2 (OPENSWARM_STORE_CONNECTIONS)."
    )
    var storeConnections: Int?
    @Option(help: "PEM certificate chain: serve TLS (OPENSWARM_TLS_CERT).")
    var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert (OPENSWARM_TLS_KEY).")
    var tlsKey: String?
    @Option(help: "PEM CA that must have signed client certificates: mutual TLS (OPENSWARM_TLS_CLIENT_CA).")
    var tlsClientCa: String?
    @Option(help: "Heartbeat interval in seconds (OPENSWARM_HEARTBEAT_INTERVAL).")
    var heartbeatInterval: Double?
    @Option(help: "Missed heartbeats before a node is offline (OPENSWARM_MISSED_HEARTBEATS).")
    var missedHeartbeats: Int?
    @Option(
        name: .customLong("api-key"),
        help: "KEY=PRINCIPAL[:ROLE,...]; repeatable. None: open mode, for one machine (OPENSWARM_API_KEYS).")
    var apiKeys: [String] = []
    @Option(help: "Write the bound port to this file once listening (for scripts).")
    var portFile: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error (OPENSWARM_LOG_LEVEL).")
    var logLevel: String?

    func run() async throws {
        let environment = Environment()
        let file =
            try (config ?? environment["CONFIG"]).map {
                try ConfigFile(path: $0, allowed: Self.fileSettings)
            } ?? ConfigFile()
        var configuration = CoordinatorConfiguration()
        configuration.host = host ?? environment["HOST"] ?? file.string("host") ?? configuration.host
        configuration.port = try port ?? environment.int("PORT") ?? file.int("port") ?? configuration.port
        configuration.store = store ?? environment["STORE"] ?? file.string("store") ?? configuration.store
        if let connections = try storeConnections ?? environment.int("STORE_CONNECTIONS")
            ?? file.int("store-connections")
        {
            guard (1...256).contains(connections) else {
                throw ValidationError("--store-connections must be 1 to 256, not \(connections)")
            }
            configuration.storePoolSize = connections
        }
        if let seconds = try heartbeatInterval ?? environment.double("HEARTBEAT_INTERVAL")
            ?? file.double("heartbeat-interval")
        {
            guard seconds >= 0.05 else { throw ValidationError("--heartbeat-interval must be at least 0.05 s") }
            configuration.heartbeatInterval = .milliseconds(Int64(seconds * 1000))
        }
        if let missed = try missedHeartbeats ?? environment.int("MISSED_HEARTBEATS") ?? file.int("missed-heartbeats") {
            guard missed >= 1 else { throw ValidationError("--missed-heartbeats must be at least 1") }
            configuration.missedHeartbeats = missed
        }
        var keys = apiKeys
        if keys.isEmpty, let list = environment["API_KEYS"] {
            keys = list.split(whereSeparator: { $0 == ";" || $0 == " " || $0 == "\n" }).map(String.init)
        }
        if keys.isEmpty { keys = file.strings("api-keys") }
        for text in keys {
            let (key, principal) = try Principal.parseAPIKey(text)
            configuration.apiKeys[key] = principal
        }
        configuration.tls = try TLSOptions.server(
            cert: tlsCert ?? environment["TLS_CERT"] ?? file.string("tls-cert"),
            key: tlsKey ?? environment["TLS_KEY"] ?? file.string("tls-key"),
            clientCA: tlsClientCa ?? environment["TLS_CLIENT_CA"] ?? file.string("tls-client-ca"))

        let logger = LoggerFactory.make(
            label: "openswarm.coordinator", level: logLevel ?? environment["LOG_LEVEL"] ?? file.string("log-level"))
        let coordinator = try await Coordinator.start(configuration, logger: logger)
        if let portFile { try PortFile.write(coordinator.port, to: portFile) }
        let signal = await SignalWaiter.wait(for: [SIGTERM, SIGINT])
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        await coordinator.shutdown()
    }

    /// The settings a --config file may hold.
    static let fileSettings: Set<String> = [
        "host", "port", "store", "store-connections", "tls-cert", "tls-key", "tls-client-ca", "heartbeat-interval",
        "missed-heartbeats",
        "api-keys", "log-level",
    ]
}
