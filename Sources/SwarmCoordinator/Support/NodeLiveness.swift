import SwarmCore
import Synchronization

/// When each node was last heard from. The failure detector marks a node offline once
/// it has been silent for the failure window; the store then releases its leases.
final class NodeLiveness: Sendable {
    private struct State {
        var lastSeen: [NodeID: Instant] = [:]
        var offline: Set<NodeID> = []
        /// Calls in progress per node (not long polls): the node is waiting on us.
        var calling: [NodeID: Int] = [:]
        var pollers = 0
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
            let silent = state.lastSeen.filter {
                $0.value < cutoff && !state.offline.contains($0.key) && state.calling[$0.key, default: 0] == 0
            }.map(\.key)
            state.offline.formUnion(silent)
            return silent.sorted()
        }
    }

    /// Marks the start and end of a call the coordinator is answering: the node counts
    /// as heard from all along.
    func beginCall(_ node: NodeID) {
        state.withLock { $0.calling[node, default: 0] += 1 }
    }

    func endCall(_ node: NodeID, at now: Instant) {
        state.withLock { state in
            let remaining = state.calling[node, default: 1] - 1
            state.calling[node] = remaining > 0 ? remaining : nil
            state.lastSeen[node] = now
        }
    }

    /// Whether any node is waiting in a long poll.
    var hasPollers: Bool { state.withLock { $0.pollers > 0 } }

    func pollStarted() { state.withLock { $0.pollers += 1 } }
    func pollEnded() { state.withLock { $0.pollers -= 1 } }

    /// Forgets a node's offline mark when the store refused to mark it (so it is retried).
    func undoOffline(_ node: NodeID) {
        _ = state.withLock { $0.offline.remove(node) }
    }
}
