import SwarmCore
import SwarmProto
import SwarmStore

/// Registrations become SwarmCore nodes; stored nodes and their registration profile
/// become wire `Node`s.
enum NodeMapping {
    static func core(
        id: NodeID, operatorID: OperatorID, account: AccountID, _ request: Openswarm_V1_RegisterNodeRequest
    ) -> Node {
        let capabilities = request.capabilities ?? Openswarm_V1_NodeCapabilities()
        let hardware = request.hardware ?? Openswarm_V1_HardwareSpec()
        let largestGPU = hardware.gpus.map(\.memoryMib).max() ?? 0
        let location = request.location ?? Openswarm_V1_GeoLocation()
        return Node(
            id: id, operatorID: operatorID, accountID: account,
            capabilities: NodeCapabilities(
                models: Set(capabilities.models.map(\.modelID)), capabilities: Set(capabilities.capabilities),
                memoryMiB: hardware.memory?.availableMib ?? hardware.memory?.totalMib ?? 0,
                gpuMemoryMiB: largestGPU, hasGPU: !hardware.gpus.isEmpty,
                storageMiB: hardware.storage?.availableMib ?? 0, cpuCores: hardware.cpu?.cores ?? 0,
                slots: Int(max(1, min(capabilities.maxConcurrentTasks, 1_024)))),
            location: NodeLocation(country: location.country.uppercased(), region: location.region),
            hourlyRateMicros: max(0, request.pricing?.hourlyRateMicros ?? 0), isOnline: true)
    }

    static func wire(_ node: Node, identity: NodeIdentity?, lastHeartbeat: Instant?) -> Openswarm_V1_Node {
        let request = identity.flatMap { try? Openswarm_V1_RegisterNodeRequest(serializedBytes: $0.profile) }
        var wire = Openswarm_V1_Node()
        wire.id = node.id.rawValue
        wire.displayName = request?.displayName ?? ""
        wire.status = node.isOnline ? (node.isDraining ? .draining : .online) : .offline
        wire.statusReason = node.drainReason ?? ""
        wire.registrationStatus = .approved
        wire.registrationTime = identity.map { WireTime.timestamp($0.registeredAt) }
        wire.lastHeartbeatTime = lastHeartbeat.map(WireTime.timestamp)
        wire.hardware = request?.hardware
        wire.capabilities = request?.capabilities
        var economics = Openswarm_V1_NodeEconomics()
        economics.accountID = node.accountID.rawValue
        var pricing = Openswarm_V1_NodePricing()
        pricing.hourlyRateMicros = node.hourlyRateMicros
        economics.pricing = pricing
        economics.reputation = node.reputation.score
        wire.economics = economics
        wire.location = request?.location
        wire.activeLeases = UInt32(max(0, node.activeLeases))
        wire.publicKey = identity?.publicKey ?? []
        wire.operatorID = node.operatorID.rawValue
        wire.agentVersion = request?.agentVersion ?? ""
        wire.labels = request?.labels ?? [:]
        return wire
    }
}
