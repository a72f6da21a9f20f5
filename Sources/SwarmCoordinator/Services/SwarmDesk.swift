import SwarmCore
import SwarmProto
import SwarmRPC
import SwarmStore

/// `openswarm.v1.SwarmService`: creating swarms here; listing, status and deletion in
/// `SwarmDesk+Admin.swift`. Creating needs the user role (swarm:create); the creator
/// is recorded, and only the creator or an admin may delete the swarm.
struct SwarmDesk: Sendable {
    let context: CoordinatorContext

    func register(into router: inout RPCRouter) {
        registerAdmin(into: &router)
        router.unary(Openswarm_V1_SwarmService.Method.createSwarm) { request, call in
            let principal = try context.callers.principal(call, requiring: .user)
            let name = request.name
            guard !name.isEmpty, name.utf8.count <= 64,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            else {
                throw RPCError(.invalidArgument, "name must be 1 to 64 of [A-Za-z0-9_-]; it becomes the swarm id")
            }
            guard request.tokenBudgetMicros >= 0 else {
                throw RPCError(.invalidArgument, "token_budget_micros cannot be negative")
            }
            let configuration = request.configuration ?? Openswarm_V1_SwarmConfiguration()
            guard (0...100).contains(configuration.minReputation) else {
                throw RPCError(.invalidArgument, "configuration.min_reputation must be 0 to 100")
            }
            let policy = SwarmPolicy(
                id: SwarmID(name), minReputation: configuration.minReputation,
                allowedRegions: Set(configuration.geographicConstraints?.allowedRegions ?? []),
                tokenBudgetMicros: request.tokenBudgetMicros)
            let record = SwarmRecord(
                createdBy: principal.id.rawValue, createdAt: context.clock.now(), profile: request.serializedBytes())
            try await context.executor.run { (store) throws(StoreError) in try store.createSwarm(policy, record: record)
            }
            var response = Openswarm_V1_CreateSwarmResponse()
            response.swarm = SwarmMapping.swarm(SwarmListing(policy: policy, record: record))
            return response
        }
    }
}
