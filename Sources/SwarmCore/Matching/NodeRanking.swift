/// Orders eligible nodes for a task: reputation first, then latency, then price.
///
/// Reputation is compared in tiers (`reputationTierWidth` points, 10 by default) so that
/// nodes of similar standing compete on latency and price instead of a 0.1-point
/// difference deciding everything. Nodes the task should avoid (those that already
/// failed it: "a retried task prefers a different node") come after all others but are
/// not excluded, so a retry can still run when no other node can. Node id breaks ties,
/// so the order is deterministic.
public struct NodeRanking: Hashable, Sendable {
    public var reputationTierWidth: Double

    public init(reputationTierWidth: Double = 10) {
        self.reputationTierWidth = reputationTierWidth
    }

    /// Whether `a` should be preferred to `b`.
    public func prefers(_ a: Node, over b: Node, avoiding: Set<NodeID> = []) -> Bool {
        let avoidA = avoiding.contains(a.id)
        let avoidB = avoiding.contains(b.id)
        if avoidA != avoidB { return avoidB }
        let tierA = tier(a)
        let tierB = tier(b)
        if tierA != tierB { return tierA > tierB }
        if a.latency != b.latency { return a.latency < b.latency }
        if a.hourlyRateMicros != b.hourlyRateMicros { return a.hourlyRateMicros < b.hourlyRateMicros }
        return a.id < b.id
    }

    /// The eligible nodes among `nodes`, best first.
    public func rank(
        _ nodes: some Sequence<Node>, for requirements: ResourceRequirements, in swarm: SwarmPolicy? = nil,
        avoiding: Set<NodeID> = []
    ) -> [Node] {
        nodes.filter { Eligibility.check($0, for: requirements, in: swarm).isEligible }
            .sorted { prefers($0, over: $1, avoiding: avoiding) }
    }

    private func tier(_ node: Node) -> Int {
        // Scores are 0 to 100; truncation is the floor for them, and the clamp keeps a
        // malformed score (NaN, negative) from trapping.
        Int(
            clampedNonNegativeInteger(
                reputationTierWidth > 0 ? node.reputation.score / reputationTierWidth - 0.5 : node.reputation.score))
    }
}
