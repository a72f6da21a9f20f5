import SwarmRPC

/// Everything a worker agent needs to know before it starts: where the coordinator is,
/// where its state lives, how much work it takes at once and which runtimes it offers.
///
/// ```swift
/// var configuration = WorkerConfiguration(coordinatorHost: "127.0.0.1", coordinatorPort: 50051)
/// configuration.runtimes = try RuntimeSpec.parseAll(["echo=builtin:echo", "model:qwen3-1.7b=openai:http://127.0.0.1:8080"])
/// let agent = WorkerAgent(configuration: configuration, logger: Logger(label: "worker"))
/// try await agent.run()
/// ```
public struct WorkerConfiguration: Sendable {
    /// The coordinator's control plane (gRPC over HTTP/2).
    public var coordinatorHost: String
    public var coordinatorPort: Int
    /// TLS to the coordinator; nil speaks plaintext h2c (localhost, tests).
    public var tls: TLSConfiguration?
    /// API key sent as `authorization: Bearer` on RegisterNode (a node_operator key);
    /// nil when the coordinator allows open registration.
    public var registrationAPIKey: String?
    /// Where node id, credential, signing key and the result spool live.
    public var stateDirectory: String
    /// Tasks run at once (`NodeCapabilities.max_concurrent_tasks`).
    public var slots: Int
    /// Name shown to people; the host name when empty.
    public var displayName: String
    /// Ledger account paid for this node's work; empty means the registering operator's.
    public var accountID: String
    /// Capabilities and models this node serves, and how.
    public var runtimes: [RuntimeSpec]
    /// Heartbeat interval until the coordinator names one.
    public var heartbeatInterval: Duration
    /// How long one LeaseTasks long poll may wait for work.
    public var leaseWait: Duration
    /// How long in-flight work may continue after drain() before it is handed back.
    public var drainGracePeriod: Duration
    /// Reconnection backoff after the coordinator is lost: first delay and cap.
    public var reconnectInitialDelay: Duration
    public var reconnectMaximumDelay: Duration
    /// Smallest gap between two progress reports carrying streamed output.
    public var progressInterval: Duration
    /// Free-form labels sent at registration.
    public var labels: [String: String]

    public init(
        coordinatorHost: String = "127.0.0.1", coordinatorPort: Int = 50051, tls: TLSConfiguration? = nil,
        registrationAPIKey: String? = nil, stateDirectory: String = "./data/worker",
        slots: Int = WorkerConfiguration.defaultSlots, displayName: String = "", accountID: String = "",
        runtimes: [RuntimeSpec] = RuntimeSpec.defaults, heartbeatInterval: Duration = .seconds(2),
        leaseWait: Duration = .seconds(10), drainGracePeriod: Duration = .seconds(30),
        reconnectInitialDelay: Duration = .milliseconds(100), reconnectMaximumDelay: Duration = .seconds(5),
        progressInterval: Duration = .milliseconds(250), labels: [String: String] = [:]
    ) {
        self.coordinatorHost = coordinatorHost
        self.coordinatorPort = coordinatorPort
        self.tls = tls
        self.registrationAPIKey = registrationAPIKey
        self.stateDirectory = stateDirectory
        self.slots = slots
        self.displayName = displayName
        self.accountID = accountID
        self.runtimes = runtimes
        self.heartbeatInterval = heartbeatInterval
        self.leaseWait = leaseWait
        self.drainGracePeriod = drainGracePeriod
        self.reconnectInitialDelay = reconnectInitialDelay
        self.reconnectMaximumDelay = reconnectMaximumDelay
        self.progressInterval = progressInterval
        self.labels = labels
    }

    /// One slot per logical core.
    public static var defaultSlots: Int { max(1, HardwareProbe.onlineCores()) }

    /// Checks the values a person may have mistyped; throws what to fix.
    public func validate() throws(WorkerConfigurationError) {
        guard slots >= 1 else {
            throw WorkerConfigurationError(.badValue, "slots must be at least 1 (got \(slots))")
        }
        guard (1...65_535).contains(coordinatorPort) else {
            throw WorkerConfigurationError(
                .badValue, "the coordinator port must be 1 to 65535 (got \(coordinatorPort))")
        }
        guard heartbeatInterval > .zero, leaseWait >= .zero, drainGracePeriod >= .zero else {
            throw WorkerConfigurationError(
                .badValue, "the heartbeat interval must be positive and the lease wait and grace period not negative")
        }
        guard !runtimes.isEmpty else {
            throw WorkerConfigurationError(.badValue, "at least one runtime is needed (e.g. echo=builtin:echo)")
        }
    }
}
