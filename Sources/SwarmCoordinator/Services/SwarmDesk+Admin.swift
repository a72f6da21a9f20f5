import SwarmCore
import SwarmProto
import SwarmRPC
import SwarmStore

/// `openswarm.v1.SwarmService` reading and deletion: any authenticated caller reads
/// swarms; deleting needs the user role and the caller's own swarm (admins delete any).
extension SwarmDesk {
    func registerAdmin(into router: inout RPCRouter) {
        router.unary(Openswarm_V1_SwarmService.Method.listSwarms) { request, call in
            try await listSwarms(request, call)
        }
        router.unary(Openswarm_V1_SwarmService.Method.getSwarmStatus) { request, call in
            try await swarmStatus(request, call)
        }
        router.unary(Openswarm_V1_SwarmService.Method.deleteSwarm) { request, call in
            try await deleteSwarm(request, call)
        }
    }

    func listSwarms(_ request: Openswarm_V1_ListSwarmsRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_ListSwarmsResponse
    {
        _ = try context.callers.principal(call)
        let pageSize = request.pageSize == 0 ? 100 : Int(request.pageSize)
        guard (1...1_000).contains(pageSize) else {
            throw RPCError(.invalidArgument, "page_size must be 1 to 1000, not \(request.pageSize)")
        }
        let statuses = Set(request.statuses)
        let includeDeleted = statuses.contains(.deleted)
        let (listings, nodes) = try await context.executor.run { (store) throws(StoreError) in
            (try store.swarmListings(includeDeleted: includeDeleted), try store.nodes())
        }
        let matching = listings.filter { listing in
            let status = SwarmMapping.status(listing)
            return (statuses.isEmpty ? status != .deleted : statuses.contains(status))
                && (request.createdBy.map { $0 == (listing.record?.createdBy ?? "") } ?? true)
        }
        let page = matching.filter { request.pageToken.isEmpty || $0.policy.id.rawValue > request.pageToken }
            .prefix(pageSize)
        var response = Openswarm_V1_ListSwarmsResponse()
        response.swarms = page.map { SwarmMapping.swarm($0) }
        response.totalCount = UInt64(matching.count)
        let online = nodes.filter(\.isOnline).count
        response.activeNodes = UInt32(online)
        response.systemStatus = online > 0 ? .healthy : .degraded
        if page.count == pageSize, let last = page.last, matching.last != last {
            response.nextPageToken = last.policy.id.rawValue
        }
        return response
    }

    func swarmStatus(_ request: Openswarm_V1_GetSwarmStatusRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_GetSwarmStatusResponse
    {
        let principal = try context.callers.principal(call)
        guard !request.swarmID.isEmpty else { throw RPCError(.invalidArgument, "swarm_id is required") }
        let limit = Int(request.maxQueuedTasks ?? 50)
        guard limit <= 1_000 else { throw RPCError(.invalidArgument, "max_queued_tasks is at most 1000") }
        let id = SwarmID(request.swarmID)
        let (listing, summary, nodes) = try await context.executor.run { (store) throws(StoreError) in
            let listing = try store.swarmListing(id)
            return (listing, try store.swarmTasks(id, queueLimit: limit), try store.nodes())
        }
        var response = Openswarm_V1_GetSwarmStatusResponse()
        response.swarm = SwarmMapping.swarm(listing, summary: summary)
        if !listing.isDeleted {
            // Members: online nodes that meet the swarm's own floor and regions.
            let members = nodes.filter { node in
                node.isOnline
                    && Eligibility.checkCapabilities(node, for: ResourceRequirements(), in: listing.policy).isEligible
            }
            response.activeNodes = members.map {
                NodeMapping.wire($0, identity: nil, lastHeartbeat: context.liveness.lastSeen($0.id))
            }
            var state = response.swarm?.state ?? Openswarm_V1_SwarmState()
            state.activeNodeIDs = members.map(\.id.rawValue)
            response.swarm?.state = state
        }
        // Others' tasks stay hidden from callers who may not read them.
        response.taskQueue = summary.queue.filter { principal.mayAccess(submitter: $0.submitter) }.map {
            context.wireTask($0, includeOutputs: false)
        }
        response.queueDepth = UInt64(summary.queued)
        response.performance = SwarmMapping.metrics(summary)
        return response
    }

    func deleteSwarm(_ request: Openswarm_V1_DeleteSwarmRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_DeleteSwarmResponse
    {
        let principal = try context.callers.principal(call, requiring: .user)
        guard !request.swarmID.isEmpty else { throw RPCError(.invalidArgument, "swarm_id is required") }
        guard request.swarmID != context.configuration.defaultSwarm else {
            throw RPCError(.failedPrecondition, "the default swarm \"\(request.swarmID)\" cannot be deleted")
        }
        let id = SwarmID(request.swarmID)
        let listing = try await context.executor.run { (store) throws(StoreError) in try store.swarmListing(id) }
        guard !listing.isDeleted else {
            throw RPCError(.notFound, "swarm \"\(id)\" was already deleted")
        }
        let owner = listing.record?.createdBy ?? ""
        guard principal.roles.contains(.admin) || owner == principal.id.rawValue else {
            throw RPCError(.permissionDenied, "only its creator or an admin may delete swarm \"\(id)\"")
        }
        let now = context.clock.now()
        let force = request.force
        let deletion = try await context.executor.run { (store) throws(StoreError) in
            try store.deleteSwarm(id, force: force, now: now)
        }
        if !deletion.cancelled.isEmpty {
            context.workChanged()
            context.tracker.touched(deletion.cancelled)
        }
        context.events.record(kind: .swarmStatusChanged, at: now, swarm: id.rawValue) { event in
            var change = Openswarm_V1_SwarmStatusChangedEvent()
            change.swarmID = id.rawValue
            change.previousStatus = .ready
            change.status = .deleted
            change.reason = request.reason.isEmpty ? "deleted by \(principal.id)" : request.reason
            event.payload = .swarmStatusChanged(change)
        }
        context.logger.info(
            "swarm deleted",
            metadata: [
                "swarm": "\(id)", "by": "\(principal.id)", "reason": "\(request.reason)",
                "cancelled": "\(deletion.cancelled.count)",
            ])
        var response = Openswarm_V1_DeleteSwarmResponse()
        response.swarm = SwarmMapping.swarm(deletion.listing)
        response.cancelledTaskCount = UInt64(deletion.cancelled.count)
        response.refundedMicros = deletion.refundedMicros
        return response
    }
}
