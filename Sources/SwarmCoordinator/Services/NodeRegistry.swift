import SwarmCore
import SwarmCrypto
import SwarmProto
import SwarmRPC
import SwarmStore

/// `openswarm.v1.NodeService`: registration and node queries; changes and metrics in
/// `NodeRegistry+Changes.swift` and `NodeRegistry+Metrics.swift`.
struct NodeRegistry: Sendable {
    let context: CoordinatorContext

    func register(into router: inout RPCRouter) {
        registerChanges(into: &router)
        router.unary(Openswarm_V1_NodeService.Method.registerNode) { request, call in
            try await registerNode(request, call)
        }
        router.unary(Openswarm_V1_NodeService.Method.getNode) { request, call in
            _ = try context.callers.principal(call)
            let id = NodeID(request.nodeID)
            let (node, identity) = try await context.executor.run { (store) throws(StoreError) in
                (try store.node(id), try? store.nodeIdentity(id))
            }
            var response = Openswarm_V1_GetNodeResponse()
            response.node = NodeMapping.wire(node, identity: identity, lastHeartbeat: context.liveness.lastSeen(id))
            return response
        }
        router.unary(Openswarm_V1_NodeService.Method.listNodes) { request, call in
            _ = try context.callers.principal(call)
            let pairs = try await context.executor.run { (store) throws(StoreError) in
                try store.nodes().map { ($0, try? store.nodeIdentity($0.id)) }
            }
            var response = Openswarm_V1_ListNodesResponse()
            response.nodes = pairs.map {
                NodeMapping.wire($0.0, identity: $0.1, lastHeartbeat: context.liveness.lastSeen($0.0.id))
            }.filter { node in
                (request.statuses.isEmpty || request.statuses.contains(node.status))
                    && (request.operatorID.map { $0 == node.operatorID } ?? true)
            }
            response.totalCount = UInt64(response.nodes.count)
            return response
        }
    }

    func registerNode(_ request: Openswarm_V1_RegisterNodeRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_RegisterNodeResponse
    {
        let principal = try context.callers.principal(call, requiring: .nodeOperator)
        guard (try? Ed25519PublicKey(rawRepresentation: request.publicKey)) != nil else {
            throw RPCError(.invalidArgument, "public_key must be a 32-byte Ed25519 public key")
        }
        guard request.requestID.utf8.count <= 128, request.displayName.utf8.count <= 256 else {
            throw RPCError(.invalidArgument, "request_id is at most 128 bytes and display_name 256")
        }
        let now = context.clock.now()
        let requestID = request.requestID.isEmpty ? nil : request.requestID
        let account = request.accountID.isEmpty ? principal.account : AccountID(request.accountID)
        let credential: String
        do { credential = try SecureRandom.token() } catch {
            throw RPCError(.internal, "could not make a credential: \(error.message)")
        }
        let freshID: NodeID
        do { freshID = NodeID("node-" + (try SecureRandom.token(bytes: 8))) } catch {
            throw RPCError(.internal, "could not make a node id: \(error.message)")
        }
        let publicKey = request.publicKey
        let profile = request.serializedBytes()
        // Replicas go to distinct operators. With API keys the operator is the calling
        // principal; in open mode (one trusted machine, one principal) it is the wallet
        // the node is paid into, so that several local workers count as several.
        let operatorID =
            context.configuration.isOpenMode && !request.accountID.isEmpty
            ? OperatorID(request.accountID) : OperatorID(principal.id.rawValue)
        let identity = try await context.executor.run { (store) throws(StoreError) -> NodeIdentity in
            var id = freshID
            if let requestID, let earlier = try store.nodeIdentity(requestID: requestID) {
                guard earlier.publicKey == publicKey else {
                    throw StoreError(
                        .alreadyExists, "request_id \(requestID) was registered with another public key")
                }
                id = earlier.nodeID
            }
            let identity = NodeIdentity(
                nodeID: id, credentialSHA256: SHA256Digest.hash(Array(credential.utf8)), publicKey: publicKey,
                requestID: requestID, registeredAt: now, profile: profile)
            let node = NodeMapping.core(id: id, operatorID: operatorID, account: account, request)
            try store.register(node, identity: identity)
            return identity
        }
        context.nodes.remember(identity)
        context.liveness.heard(from: identity.nodeID, at: now)
        context.work.signal()
        context.nodeConnected(identity.nodeID, at: now)
        context.logger.info(
            "node registered",
            metadata: ["node": "\(identity.nodeID)", "name": "\(request.displayName)", "operator": "\(operatorID)"])
        let node = try await context.executor.run { (store) throws(StoreError) in try store.node(identity.nodeID) }
        var response = Openswarm_V1_RegisterNodeResponse()
        response.nodeID = identity.nodeID.rawValue
        response.status = .approved
        response.nodeCredential = credential
        response.acceptedCapabilities = request.capabilities
        response.heartbeatInterval = WireTime.duration(context.configuration.heartbeatInterval)
        response.node = NodeMapping.wire(node, identity: identity, lastHeartbeat: now)
        return response
    }
}
