import SwarmCore

/// Encodes a `Node`'s description into the `nodes.record` blob. `isOnline` and
/// `activeLeases` live in their own columns (they change on every lease), and win.
enum NodeRecordCodec {
    static let version: UInt8 = 1

    static func encode(_ n: Node) -> [UInt8] {
        var w = ByteWriter()
        w.byte(version)
        w.string(n.id.rawValue)
        w.string(n.operatorID.rawValue)
        w.string(n.accountID.rawValue)
        let c = n.capabilities
        w.strings(c.models)
        w.strings(c.capabilities)
        w.int(Int64(c.memoryMiB))
        w.int(Int64(c.gpuMemoryMiB))
        w.bool(c.hasGPU)
        w.int(Int64(c.storageMiB))
        w.int(Int64(c.cpuCores))
        w.int(c.slots)
        w.string(n.location.country)
        w.string(n.location.region)
        w.double(n.reputation.score)
        w.int(n.reputation.validatedResults)
        w.int(n.reputation.invalidResults)
        w.int(n.reputation.consecutiveValid)
        w.int(n.hourlyRateMicros)
        w.milliseconds(n.latency)
        // Appended after version 1's fields: records written before drains existed end
        // here and decode as not draining.
        w.optional(n.drainReason) { $0.string($1) }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8], isOnline: Bool, activeLeases: Int) throws(StoreError) -> Node {
        var r = ByteReader(bytes)
        guard try r.byte() == version else { throw StoreError.corrupt("unknown node record version") }
        let id = NodeID(try r.string())
        let op = OperatorID(try r.string())
        let account = AccountID(try r.string())
        let models = try r.strings()
        let caps = try r.strings()
        let memory = try r.uint32()
        let gpuMemory = try r.uint32()
        let hasGPU = try r.bool()
        let storage = try r.uint32()
        let cpu = try r.uint32()
        let slots = try r.smallInt()
        let location = NodeLocation(country: try r.string(), region: try r.string())
        let reputation = ReputationRecord(
            score: try r.double(), validatedResults: try r.smallInt(), invalidResults: try r.smallInt(),
            consecutiveValid: try r.smallInt())
        let rate = try r.int()
        let latency = try r.milliseconds()
        var drainReason: String?
        if !r.isAtEnd, try r.bool() { drainReason = try r.string() }
        return Node(
            id: id, operatorID: op, accountID: account,
            capabilities: NodeCapabilities(
                models: models, capabilities: caps, memoryMiB: memory, gpuMemoryMiB: gpuMemory, hasGPU: hasGPU,
                storageMiB: storage, cpuCores: cpu, slots: slots),
            location: location, reputation: reputation, hourlyRateMicros: rate, latency: latency, isOnline: isOnline,
            activeLeases: activeLeases, drainReason: drainReason)
    }
}
