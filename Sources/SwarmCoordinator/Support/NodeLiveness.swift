import Synchronization
import SwarmCore

/// When each node was last heard from. The failure detector marks a node offline once
/// it has been silent for the failure window; the store then releases its leases.
final class NodeLiveness: Sendable {
    private struct State {
        var lastSeen: [NodeID: Instant] = [:]
        var offline: Set<NodeID> = []
    }

    private let state = Mutex(State())

    /// Records a sign of life; true when the node had been marked offline (it must be
    /// brought back online in the store).
    @discardableResult
    func heard(from node: NodeID, at now: Instant) -> Bool {
        state.withLock { state in
            state.lastSeen[node] = now
            return state.offline.remove(node) != nil
        }
    }

    func lastSeen(_ node: NodeID) -> Instant? { state.withLock { $0.lastSeen[node] } }

    /// Nodes silent since before `now - window`, now marked offline here.
    func silentNodes(now: Instant, window: Duration) -> [NodeID] {
        state.withLock { state in
            let cutoff = Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch &- window.wholeMilliseconds)
            let silent = state.lastSeen.filter { $0.value < cutoff && !state.offline.contains($0.key) }.map(\.key)
            state.offline.formUnion(silent)
            return silent.sorted()
        }
    }

    /// Forgets a node's offline mark when the store refused to mark it (so it is retried).
    func undoOffline(_ node: NodeID) {
        _ = state.withLock { $0.offline.remove(node) }
    }
}
