import SwarmCore
import SwarmProto
import SwarmRPC
import SwarmStore

/// `openswarm.v1.NodeService` changes to a registered node: new capabilities, pricing
/// or hardware, and drains. Allowed to the node's operator (API key), the node itself
/// (node credential, as on WorkerService calls) and admins; drains also to moderators.
extension NodeRegistry {
    func registerChanges(into router: inout RPCRouter) {
        router.unary(Openswarm_V1_NodeService.Method.updateNodeCapabilities) { request, call in
            try await updateCapabilities(request, call)
        }
        router.unary(Openswarm_V1_NodeService.Method.drainNode) { request, call in
            try await drain(request, call)
        }
        router.unary(Openswarm_V1_NodeService.Method.getNodeMetrics) { request, call in
            try await metrics(request, call)
        }
    }

    /// Who is changing the node, for logs; refuses everyone else.
    func authorizeChange(of id: NodeID, _ call: ServerContext, moderatorsToo: Bool) async throws(RPCError)
        -> String
    {
        if call.metadata.first("x-openswarm-node-id") != nil {
            let verified = try await context.nodes.authenticate(call)
            guard verified.nodeID == id else {
                throw RPCError(.permissionDenied, "a node may change only itself, not \(id)")
            }
            return "node:\(id)"
        }
        let principal = try context.callers.principal(call)
        let node = try await context.executor.run { (store) throws(StoreError) in try store.node(id) }
        if principal.roles.contains(.admin) || (moderatorsToo && principal.roles.contains(.moderator)) {
            return principal.id.rawValue
        }
        guard principal.roles.contains(.nodeOperator), node.operatorID.rawValue == principal.id.rawValue else {
            throw RPCError(
                .permissionDenied,
                "only node \(id)'s operator, the node itself or an admin may change it"
                    + (moderatorsToo ? " (or a moderator drain it)" : ""))
        }
        return principal.id.rawValue
    }

    func updateCapabilities(_ request: Openswarm_V1_UpdateNodeCapabilitiesRequest, _ call: ServerContext)
        async throws(RPCError) -> Openswarm_V1_UpdateNodeCapabilitiesResponse
    {
        guard !request.nodeID.isEmpty else { throw RPCError(.invalidArgument, "node_id is required") }
        let id = NodeID(request.nodeID)
        let actor = try await authorizeChange(of: id, call, moderatorsToo: false)
        guard (request.pricing?.hourlyRateMicros ?? 0) >= 0 else {
            throw RPCError(.invalidArgument, "pricing.hourly_rate_micros cannot be negative")
        }
        let (node, identity) = try await context.executor.run { (store) throws(StoreError) in
            (try store.node(id), try store.nodeIdentity(id))
        }
        // The registration profile is what the wire view shows; the update replaces
        // the parts it sets, and the core node is derived from the result as at
        // registration.
        var profile =
            (try? Openswarm_V1_RegisterNodeRequest(serializedBytes: identity.profile))
            ?? Openswarm_V1_RegisterNodeRequest()
        if let capabilities = request.capabilities { profile.capabilities = capabilities }
        if let availability = request.availability { profile.availability = availability }
        if let pricing = request.pricing { profile.pricing = pricing }
        if let hardware = request.hardware { profile.hardware = hardware }
        let derived = NodeMapping.core(id: id, operatorID: node.operatorID, account: node.accountID, profile)
        let bytes = profile.serializedBytes()
        let updated = try await context.executor.run { (store) throws(StoreError) in
            try store.updateNode(
                id, capabilities: derived.capabilities, hourlyRateMicros: derived.hourlyRateMicros, profile: bytes)
        }
        // New capabilities may fit queued work.
        context.work.signal()
        context.logger.info("node capabilities updated", metadata: ["node": "\(id)", "by": "\(actor)"])
        var stored = identity
        stored.profile = bytes
        var response = Openswarm_V1_UpdateNodeCapabilitiesResponse()
        response.node = NodeMapping.wire(updated, identity: stored, lastHeartbeat: context.liveness.lastSeen(id))
        return response
    }

    func drain(_ request: Openswarm_V1_DrainNodeRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_DrainNodeResponse
    {
        guard !request.nodeID.isEmpty else { throw RPCError(.invalidArgument, "node_id is required") }
        guard request.reason.utf8.count <= 256 else { throw RPCError(.invalidArgument, "reason is at most 256 bytes") }
        let id = NodeID(request.nodeID)
        let actor = try await authorizeChange(of: id, call, moderatorsToo: true)
        let reason = request.reason.isEmpty ? "drained by \(actor)" : request.reason
        let handBack = request.mode == .handBack
        let now = context.clock.now()
        let outcome = try await context.executor.run { (store) throws(StoreError) in
            try store.drainNode(id, reason: reason, handBack: handBack, now: now)
        }
        if !outcome.released.isEmpty {
            context.progress.forget(outcome.released)
            context.workChanged(retryAt: outcome.retryNotBefore)
            context.tracker.touched(outcome.released)
        }
        if !handBack, let grace = WireTime.duration(request.gracePeriod), outcome.node.activeLeases > 0 {
            handBackAfter(grace, node: id, reason: reason)
        }
        context.logger.info(
            "node draining",
            metadata: [
                "node": "\(id)", "by": "\(actor)", "reason": "\(reason)", "released": "\(outcome.released.count)",
            ])
        let identity = try? await context.executor.run { (store) throws(StoreError) in try store.nodeIdentity(id) }
        var response = Openswarm_V1_DrainNodeResponse()
        response.node = NodeMapping.wire(outcome.node, identity: identity, lastHeartbeat: context.liveness.lastSeen(id))
        response.runningLeases = UInt32(max(0, outcome.node.activeLeases))
        response.releasedLeases = UInt32(outcome.released.count)
        return response
    }

    /// The grace period of a FINISH drain: leases still held when it ends are handed
    /// back. Kept in memory: after a coordinator restart held leases run to their own
    /// deadlines instead.
    private func handBackAfter(_ grace: Duration, node id: NodeID, reason: String) {
        Task { [context] in
            try? await Task.sleep(for: grace)
            let now = context.clock.now()
            let outcome = try? await context.executor.run { (store) throws(StoreError) -> DrainOutcome? in
                guard try store.node(id).isDraining else { return nil }
                return try store.drainNode(id, reason: reason, handBack: true, now: now)
            }
            guard let outcome = outcome ?? nil, !outcome.released.isEmpty else { return }
            context.progress.forget(outcome.released)
            context.workChanged(retryAt: outcome.retryNotBefore)
            context.tracker.touched(outcome.released)
            context.logger.info(
                "drain grace period over; held leases handed back",
                metadata: ["node": "\(id)", "released": "\(outcome.released.count)"])
        }
    }
}
