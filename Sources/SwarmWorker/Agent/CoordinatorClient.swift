import NIOCore
import SwarmProto
import SwarmRPC
import Synchronization

/// The coordinator as the agent calls it: one RPC client, with the node's identity
/// added as metadata to every WorkerService call
///
///     x-openswarm-node-id: <node id>
///     authorization: Bearer <node credential>
///
/// and the operator's API key (if any) on RegisterNode.
final class CoordinatorClient: Sendable {
    let rpc: RPCClient
    private let apiKey: String?
    private let identityBox: Mutex<NodeIdentity?>

    /// Connects on `loop` only (an event loop is a group of one): the agent's tasks
    /// prefer that loop, so a call and its answer do not change threads.
    init(configuration: WorkerConfiguration, identity: NodeIdentity?, loop: any EventLoop) {
        let backoff = ConnectionBackoff(
            initial: configuration.reconnectInitialDelay, multiplier: 2, jitter: 0.2,
            maximum: configuration.reconnectMaximumDelay)
        rpc = RPCClient(
            configuration: RPCClient.Configuration(
                host: configuration.coordinatorHost, port: configuration.coordinatorPort,
                maxReceiveMessageSize: 64 << 20,
                connectionBackoff: backoff, tls: configuration.tls), group: loop)
        apiKey = configuration.registrationAPIKey
        identityBox = Mutex(identity)
    }

    var identity: NodeIdentity? {
        get { identityBox.withLock { $0 } }
        set { identityBox.withLock { $0 = newValue } }
    }

    func register(_ request: Openswarm_V1_RegisterNodeRequest) async throws -> Openswarm_V1_RegisterNodeResponse {
        var options = CallOptions(timeout: .seconds(30))
        if let apiKey, !apiKey.isEmpty { options.metadata.add("authorization", "Bearer \(apiKey)") }
        return try await rpc.unary(Openswarm_V1_NodeService.Method.registerNode, request, options: options)
    }

    /// A WorkerService call as the registered node. Fails with UNAUTHENTICATED, without
    /// calling, while the node has no identity.
    func call<Request, Response>(
        _ method: RPCMethod<Request, Response>, _ request: Request, timeout: Duration
    ) async throws -> Response {
        guard let identity else { throw RPCError(.unauthenticated, "the node is not registered") }
        var options = CallOptions(timeout: timeout)
        options.metadata.add("x-openswarm-node-id", identity.nodeID)
        options.metadata.add("authorization", "Bearer \(identity.credential)")
        return try await rpc.unary(method, request, options: options)
    }

    func close() async {
        await rpc.close()
    }
}
