/// What a node must offer to run a task (proto `ResourceRequirements`). Every empty or
/// nil field places no constraint; see `Eligibility` for how each one is checked.
public struct ResourceRequirements: Hashable, Sendable {
    /// Models the task can run on: any one of them. Empty means any model.
    public var modelIDs: Set<String>
    /// Named runtime capabilities the node must all offer ("echo", "exec:python").
    public var capabilities: Set<String>
    public var minMemoryMiB: UInt32
    public var gpuRequired: Bool
    /// Minimum memory of one GPU; non-zero implies `gpuRequired`.
    public var minGpuMemoryMiB: UInt32
    public var minStorageMiB: UInt32
    public var minCpuCores: UInt32
    /// Minimum node reputation (0–100); nil means the swarm's floor.
    public var minReputation: Double?
    /// Region constraints (exact matches against the node's region and country).
    public var geography: GeographicConstraints
    /// Highest node price accepted, micro-tokens per hour.
    public var maxHourlyRateMicros: Int64?
    /// Highest accepted node-to-coordinator latency.
    public var maxLatency: Duration?

    public init(
        modelIDs: Set<String> = [], capabilities: Set<String> = [], minMemoryMiB: UInt32 = 0,
        gpuRequired: Bool = false, minGpuMemoryMiB: UInt32 = 0, minStorageMiB: UInt32 = 0,
        minCpuCores: UInt32 = 0, minReputation: Double? = nil,
        geography: GeographicConstraints = GeographicConstraints(),
        maxHourlyRateMicros: Int64? = nil, maxLatency: Duration? = nil
    ) {
        self.modelIDs = modelIDs
        self.capabilities = capabilities
        self.minMemoryMiB = minMemoryMiB
        self.gpuRequired = gpuRequired
        self.minGpuMemoryMiB = minGpuMemoryMiB
        self.minStorageMiB = minStorageMiB
        self.minCpuCores = minCpuCores
        self.minReputation = minReputation
        self.geography = geography
        self.maxHourlyRateMicros = maxHourlyRateMicros
        self.maxLatency = maxLatency
    }
}

/// Where work may run (proto `GeographicConstraints`). Allow lists apply first, then the
/// exclusions; an empty list places no constraint.
public struct GeographicConstraints: Hashable, Sendable {
    public var allowedCountries: Set<String>
    public var allowedRegions: Set<String>
    public var excludedCountries: Set<String>
    public var excludedRegions: Set<String>

    public init(
        allowedCountries: Set<String> = [], allowedRegions: Set<String> = [],
        excludedCountries: Set<String> = [], excludedRegions: Set<String> = []
    ) {
        self.allowedCountries = allowedCountries
        self.allowedRegions = allowedRegions
        self.excludedCountries = excludedCountries
        self.excludedRegions = excludedRegions
    }
}
