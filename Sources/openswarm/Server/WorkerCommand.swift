import ArgumentParser
import Glibc
import SwarmRPC
import SwarmWorker

/// `openswarm worker`: the worker agent, until SIGTERM (drain) or SIGINT.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a worker agent.",
        discussion: """
            Runtimes map a capability or model to what runs it:
              echo=builtin:echo   sleep=builtin:sleep   sha256=builtin:sha256   fail=builtin:fail
              echo=builtin:byzantine:0.3          (lies at rate 0.3; for tests)
              python=exec:/usr/bin/python3 /path/script.py
              model:qwen3-1.7b=openai:http://127.0.0.1:8080
            Without --runtime the four built-ins are offered. SIGTERM drains: no new work,
            running tasks finish (or are handed back after the grace period), then exit.
            Options also read OPENSWARM_* variables, e.g. OPENSWARM_COORDINATOR.
            """)

    @Option(help: "Coordinator HOST:PORT (OPENSWARM_COORDINATOR; default 127.0.0.1:7443).")
    var coordinator: String?
    @Option(help: "Where the node id, credential, key and unsent results live (OPENSWARM_STATE_DIR).")
    var stateDir: String?
    @Option(help: "Tasks run at once (default: the number of cores).")
    var slots: Int?
    @Option(help: "Display name (default: the host name).")
    var name: String?
    @Option(help: "Wallet paid for this node's work (default: the operator's account).")
    var account: String?
    @Option(name: .customLong("runtime"), help: "CAPABILITY=KIND:ARG or model:ID=KIND:ARG; repeatable.")
    var runtimes: [String] = []
    @Option(help: "API key for registration when the coordinator requires one (OPENSWARM_API_KEY).")
    var apiKey: String?
    @Option(help: "PEM CA that signed the coordinator's certificate: use TLS (OPENSWARM_TLS_CA).")
    var tlsCa: String?
    @Option(help: "PEM client certificate for mutual TLS (OPENSWARM_TLS_CERT).")
    var tlsCert: String?
    @Option(help: "PEM key of --tls-cert (OPENSWARM_TLS_KEY).")
    var tlsKey: String?
    @Option(help: "Seconds running tasks get to finish on SIGTERM before being handed back.")
    var drainGrace: Double = 30
    @Option(help: "Log level: trace, debug, info, notice, warning, error (OPENSWARM_LOG_LEVEL).")
    var logLevel: String?

    func run() async throws {
        let environment = Environment()
        let address = coordinator ?? environment["COORDINATOR"] ?? "127.0.0.1:7443"
        let (host, port) = try ClientOptions.split(address)
        var configuration = WorkerConfiguration(coordinatorHost: host, coordinatorPort: port)
        configuration.stateDirectory = stateDir ?? environment["STATE_DIR"] ?? configuration.stateDirectory
        if let slots {
            guard (1...1_024).contains(slots) else { throw ValidationError("--slots must be 1 to 1024") }
            configuration.slots = slots
        }
        configuration.displayName = name ?? configuration.displayName
        configuration.accountID = account ?? environment["ACCOUNT"] ?? ""
        configuration.registrationAPIKey = apiKey ?? environment["API_KEY"]
        if !runtimes.isEmpty { configuration.runtimes = try RuntimeSpec.parseAll(runtimes) }
        guard drainGrace >= 0 else { throw ValidationError("--drain-grace cannot be negative") }
        configuration.drainGracePeriod = .milliseconds(Int64(drainGrace * 1000))
        if let ca = tlsCa ?? environment["TLS_CA"] {
            let cert = tlsCert ?? environment["TLS_CERT"]
            let key = tlsKey ?? environment["TLS_KEY"]
            configuration.tls = TLSConfiguration.client(
                trustRoots: .bytes(try FileBytes.read(ca)),
                certificateChain: try cert.map { .bytes(try FileBytes.read($0)) },
                privateKey: try key.map { .bytes(try FileBytes.read($0)) }, serverHostname: host)
        }
        try configuration.validate()

        let logger = LoggerFactory.make(label: "openswarm.worker", level: logLevel ?? environment["LOG_LEVEL"])
        let agent = WorkerAgent(configuration: configuration, logger: logger)
        SignalWaiter.onSignal([SIGTERM, SIGINT]) { number in
            logger.info("draining", metadata: ["signal": "\(number)"])
            agent.drain()
        }
        try await agent.run()
    }
}
