/// Whether a node may run a task, and if not the first reason why.
///
/// A node is eligible when, in this order: it is online; it is not draining; it has a free slot; it serves
/// one of the task's models (when any is named) and every named capability; it has the
/// memory, GPU (and GPU memory), storage and CPU cores required; its reputation is at
/// least the task's minimum, or else the swarm's floor; its region and country pass the
/// task's geographic constraints and the swarm's allowed regions; its price is within
/// the task's cap; its latency is within the task's limit. The reason is returned so a
/// person can learn why nothing runs ("no node serves model X").
public enum Eligibility: Hashable, Sendable {
    case eligible
    case ineligible(IneligibilityReason)

    public var isEligible: Bool { self == .eligible }

    /// Checks `node` against `requirements` within `swarm`.
    public static func check(_ node: Node, for requirements: ResourceRequirements, in swarm: SwarmPolicy? = nil)
        -> Eligibility
    {
        guard node.isOnline else { return .ineligible(.offline) }
        guard !node.isDraining else { return .ineligible(.draining) }
        guard node.freeSlots > 0 else { return .ineligible(.noFreeSlot) }
        return checkCapabilities(node, for: requirements, in: swarm)
    }

    /// The same checks without the live ones (online, free slot): whether the node could
    /// ever run the task. Planning uses it for tentative assignments.
    public static func checkCapabilities(_ node: Node, for r: ResourceRequirements, in swarm: SwarmPolicy? = nil)
        -> Eligibility
    {
        let caps = node.capabilities
        if !r.modelIDs.isEmpty && r.modelIDs.isDisjoint(with: caps.models) { return .ineligible(.modelNotServed) }
        if !r.capabilities.isSubset(of: caps.capabilities) { return .ineligible(.capabilityMissing) }
        if caps.memoryMiB < r.minMemoryMiB { return .ineligible(.insufficientMemory) }
        if (r.gpuRequired || r.minGpuMemoryMiB > 0) && !caps.hasGPU { return .ineligible(.gpuMissing) }
        if caps.gpuMemoryMiB < r.minGpuMemoryMiB { return .ineligible(.insufficientGpuMemory) }
        if caps.storageMiB < r.minStorageMiB { return .ineligible(.insufficientStorage) }
        if caps.cpuCores < r.minCpuCores { return .ineligible(.insufficientCpu) }
        let floor = r.minReputation ?? swarm?.minReputation ?? 0
        if node.reputation.score < floor { return .ineligible(.reputationBelowFloor) }
        let geo = r.geography
        let location = node.location
        if !geo.allowedCountries.isEmpty && !geo.allowedCountries.contains(location.country) {
            return .ineligible(.regionNotAllowed)
        }
        if !geo.allowedRegions.isEmpty && !geo.allowedRegions.contains(location.region) {
            return .ineligible(.regionNotAllowed)
        }
        if let swarm, !swarm.allowedRegions.isEmpty && !swarm.allowedRegions.contains(location.region) {
            return .ineligible(.regionNotAllowed)
        }
        if geo.excludedCountries.contains(location.country) || geo.excludedRegions.contains(location.region) {
            return .ineligible(.regionNotAllowed)
        }
        if let cap = r.maxHourlyRateMicros, node.hourlyRateMicros > cap { return .ineligible(.tooExpensive) }
        if let limit = r.maxLatency, node.latency > limit { return .ineligible(.tooSlow) }
        return .eligible
    }
}

/// Why a node cannot run a task.
public enum IneligibilityReason: String, Hashable, Sendable {
    case offline
    case draining
    case noFreeSlot = "no_free_slot"
    case modelNotServed = "model_not_served"
    case capabilityMissing = "capability_missing"
    case insufficientMemory = "insufficient_memory"
    case gpuMissing = "gpu_missing"
    case insufficientGpuMemory = "insufficient_gpu_memory"
    case insufficientStorage = "insufficient_storage"
    case insufficientCpu = "insufficient_cpu"
    case reputationBelowFloor = "reputation_below_floor"
    case regionNotAllowed = "region_not_allowed"
    case tooExpensive = "too_expensive"
    case tooSlow = "too_slow"
}
