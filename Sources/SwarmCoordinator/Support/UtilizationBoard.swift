import SwarmCore
import SwarmProto
import Synchronization

/// The utilization each node last reported in a heartbeat, for GetNodeMetrics. In
/// memory only, like `ProgressBoard`: it is advisory and the next heartbeat refreshes it.
final class UtilizationBoard: Sendable {
    private let latest = Mutex<[NodeID: Openswarm_V1_ResourceUtilization]>([:])

    func record(_ node: NodeID, _ utilization: Openswarm_V1_ResourceUtilization?) {
        guard let utilization else { return }
        latest.withLock { $0[node] = utilization }
    }

    func latest(_ node: NodeID) -> Openswarm_V1_ResourceUtilization? { latest.withLock { $0[node] } }
}
