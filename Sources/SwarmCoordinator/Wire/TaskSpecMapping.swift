import SwarmCore
import SwarmProto
import SwarmRPC

/// A submitted wire `TaskSpec` becomes SwarmCore's `TaskSpec`; the whole wire spec is
/// kept as the core spec's opaque payload so that leases and reads return exactly
/// what was submitted (input, context, generation parameters, tags, labels).
enum TaskSpecMapping {
    /// Fields left unset take these; `swarm` is the request's when the spec has none.
    static func core(_ wire: Openswarm_V1_TaskSpec, defaultSwarm: String) throws(RPCError) -> TaskSpec {
        var wire = wire
        if wire.swarmID.isEmpty { wire.swarmID = defaultSwarm }
        let definition = wire.definition ?? Openswarm_V1_TaskDefinition()
        var spec = TaskSpec(swarmID: SwarmID(wire.swarmID), prompt: definition.prompt)
        spec.requirements = requirements(definition.requirements ?? Openswarm_V1_ResourceRequirements())
        spec.priority = WireEnums.priority(wire.priority)
        if let policy = wire.retryPolicy { spec.retryPolicy = try retryPolicy(policy) }
        if let timeouts = wire.timeouts { spec.timeouts = try self.timeouts(timeouts) }
        if let redundancy = wire.redundancy { spec.redundancy = try self.redundancy(redundancy) }
        if let maxCost = wire.maxCostMicros {
            guard maxCost > 0 else {
                throw RPCError(.invalidArgument, "task.max_cost_micros must be positive, not \(maxCost)")
            }
            spec.maxCostMicros = maxCost
        }
        spec.payload = wire.serializedBytes()
        return spec
    }

    /// The wire spec as submitted (from the payload), or one rebuilt from the core spec
    /// for tasks stored without a payload.
    static func wire(_ spec: TaskSpec) -> Openswarm_V1_TaskSpec {
        if !spec.payload.isEmpty, let wire = try? Openswarm_V1_TaskSpec(serializedBytes: spec.payload) {
            return wire
        }
        var wire = Openswarm_V1_TaskSpec()
        wire.swarmID = spec.swarmID.rawValue
        var definition = Openswarm_V1_TaskDefinition()
        definition.prompt = spec.prompt
        var requirements = Openswarm_V1_ResourceRequirements()
        requirements.modelIDs = spec.requirements.modelIDs.sorted()
        requirements.capabilities = spec.requirements.capabilities.sorted()
        definition.requirements = requirements
        wire.definition = definition
        wire.priority = WireEnums.priority(spec.priority)
        wire.maxCostMicros = spec.maxCostMicros
        return wire
    }

    static func requirements(_ wire: Openswarm_V1_ResourceRequirements) -> ResourceRequirements {
        let geography = wire.geography ?? Openswarm_V1_GeographicConstraints()
        return ResourceRequirements(
            modelIDs: Set(wire.modelIDs), capabilities: Set(wire.capabilities), minMemoryMiB: wire.minMemoryMib,
            gpuRequired: wire.gpuRequired || wire.minGpuMemoryMib > 0, minGpuMemoryMiB: wire.minGpuMemoryMib,
            minStorageMiB: wire.minStorageMib, minCpuCores: wire.minCpuCores, minReputation: wire.minReputation,
            geography: GeographicConstraints(
                allowedCountries: Set(geography.allowedCountries), allowedRegions: Set(geography.allowedRegions),
                excludedCountries: Set(geography.excludedCountries), excludedRegions: Set(geography.excludedRegions)),
            maxHourlyRateMicros: wire.maxHourlyRateMicros, maxLatency: WireTime.duration(wire.maxLatency))
    }

    static func retryPolicy(_ wire: Openswarm_V1_RetryPolicy) throws(RPCError) -> RetryPolicy {
        var policy = RetryPolicy.default
        if let initial = WireTime.duration(wire.initialInterval) { policy.initialInterval = initial }
        if let maximum = WireTime.duration(wire.maximumInterval) { policy.maximumInterval = maximum }
        if let coefficient = wire.backoffCoefficient {
            guard coefficient >= 1, coefficient.isFinite else {
                throw RPCError(
                    .invalidArgument, "retry_policy.backoff_coefficient must be at least 1, not \(coefficient)")
            }
            policy.backoffCoefficient = coefficient
        }
        if let attempts = wire.maximumAttempts {
            guard (1...100).contains(attempts) else {
                throw RPCError(.invalidArgument, "retry_policy.maximum_attempts must be 1 to 100, not \(attempts)")
            }
            policy.maximumAttempts = Int(attempts)
        }
        if let jitter = wire.jitter {
            guard (0...1).contains(jitter) else {
                throw RPCError(.invalidArgument, "retry_policy.jitter must be between 0 and 1, not \(jitter)")
            }
            policy.jitter = jitter
        }
        policy.nonRetryableErrorKinds = Set(wire.nonRetryableErrorKinds.map(WireEnums.errorKind))
        return policy
    }

    static func timeouts(_ wire: Openswarm_V1_Timeouts) throws(RPCError) -> Timeouts {
        var timeouts = Timeouts()
        timeouts.scheduleToStart = WireTime.duration(wire.scheduleToStart)
        timeouts.scheduleToClose = WireTime.duration(wire.scheduleToClose)
        if let startToClose = WireTime.duration(wire.startToClose) { timeouts.startToClose = startToClose }
        if let heartbeat = WireTime.duration(wire.heartbeat) { timeouts.heartbeat = heartbeat }
        guard timeouts.heartbeat >= .milliseconds(100) else {
            throw RPCError(.invalidArgument, "timeouts.heartbeat must be at least 100 ms")
        }
        return timeouts
    }

    static func redundancy(_ wire: Openswarm_V1_Redundancy) throws(RPCError) -> Redundancy {
        guard wire.replicas <= 32, wire.maxReplicas <= 64 else {
            throw RPCError(.invalidArgument, "redundancy allows at most 32 replicas and 64 in all")
        }
        guard wire.quorum <= max(wire.replicas, 1) else {
            throw RPCError(
                .invalidArgument, "redundancy.quorum (\(wire.quorum)) cannot exceed replicas (\(wire.replicas))")
        }
        guard wire.comparedField.isEmpty || wire.comparator == .numericTolerance else {
            throw RPCError(.invalidArgument, "redundancy.compared_field applies to COMPARATOR_NUMERIC_TOLERANCE only")
        }
        guard wire.comparedField.utf8.count <= 256 else {
            throw RPCError(.invalidArgument, "redundancy.compared_field takes at most 256 bytes")
        }
        if wire.replicas == 0 && wire.quorum == 0 && wire.maxReplicas == 0 { return .single }
        return Redundancy(
            replicas: Int(max(wire.replicas, 1)), quorum: Int(wire.quorum), maxReplicas: Int(wire.maxReplicas),
            comparator: WireEnums.comparator(wire), adaptive: wire.adaptive ?? true)
    }
}
