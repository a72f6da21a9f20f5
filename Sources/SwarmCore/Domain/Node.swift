/// A worker node as the scheduler sees it (proto `Node`, reduced to what decisions need).
public struct Node: Hashable, Sendable {
    public var id: NodeID
    /// Operator of the node; replicas of one task go to distinct operators.
    public var operatorID: OperatorID
    /// Ledger account paid for the node's work.
    public var accountID: AccountID
    public var capabilities: NodeCapabilities
    public var location: NodeLocation
    /// Reputation and validated streak, maintained by consensus outcomes.
    public var reputation: ReputationRecord
    /// Price of one hour of one slot, in micro-tokens (billed per second).
    public var hourlyRateMicros: Int64
    /// Measured round-trip latency to the coordinator.
    public var latency: Duration
    /// Heartbeating and accepting leases (proto NODE_STATUS_ONLINE).
    public var isOnline: Bool
    /// Leases it holds now.
    public var activeLeases: Int
    /// Why it is draining (NodeService.DrainNode), or nil when it is not. A draining
    /// node offers no slots: it gets no new leases while its held ones finish.
    public var drainReason: String?

    public init(
        id: NodeID, operatorID: OperatorID, accountID: AccountID, capabilities: NodeCapabilities = NodeCapabilities(),
        location: NodeLocation = NodeLocation(), reputation: ReputationRecord = ReputationRecord(),
        hourlyRateMicros: Int64 = 0, latency: Duration = .milliseconds(10), isOnline: Bool = true,
        activeLeases: Int = 0,
        drainReason: String? = nil
    ) {
        self.id = id
        self.operatorID = operatorID
        self.accountID = accountID
        self.capabilities = capabilities
        self.location = location
        self.reputation = reputation
        self.hourlyRateMicros = hourlyRateMicros
        self.latency = latency
        self.isOnline = isOnline
        self.activeLeases = activeLeases
        self.drainReason = drainReason
    }

    /// Whether it is draining: no new leases.
    public var isDraining: Bool { drainReason != nil }

    /// Slots not taken by a lease; none while draining, so that every lease path stops
    /// at its first "free slot?" check without looking at the queue.
    public var freeSlots: Int { isDraining ? 0 : Swift.max(0, capabilities.slots - activeLeases) }
}

/// What a node can run and with what resources.
public struct NodeCapabilities: Hashable, Sendable {
    /// Model ids it serves.
    public var models: Set<String>
    /// Named non-model capabilities ("echo", "sha256", "exec:python").
    public var capabilities: Set<String>
    /// Free system memory, MiB.
    public var memoryMiB: UInt32
    /// Memory of its largest GPU, MiB; 0 when it has none.
    public var gpuMemoryMiB: UInt32
    public var hasGPU: Bool
    /// Free disk, MiB.
    public var storageMiB: UInt32
    public var cpuCores: UInt32
    /// Tasks it runs at once.
    public var slots: Int

    public init(
        models: Set<String> = [], capabilities: Set<String> = [], memoryMiB: UInt32 = 8192, gpuMemoryMiB: UInt32 = 0,
        hasGPU: Bool = false, storageMiB: UInt32 = 65536, cpuCores: UInt32 = 4, slots: Int = 1
    ) {
        self.models = models
        self.capabilities = capabilities
        self.memoryMiB = memoryMiB
        self.gpuMemoryMiB = gpuMemoryMiB
        self.hasGPU = hasGPU || gpuMemoryMiB > 0
        self.storageMiB = storageMiB
        self.cpuCores = cpuCores
        self.slots = slots
    }
}

/// Where a node is; region constraints compare these exactly.
public struct NodeLocation: Hashable, Sendable {
    /// ISO 3166-1 alpha-2, upper case; empty when unknown.
    public var country: String
    /// Free-form region, e.g. "eu-central".
    public var region: String

    public init(country: String = "", region: String = "") {
        self.country = country
        self.region = region
    }
}
