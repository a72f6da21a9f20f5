/// The scheduling-relevant settings and money of a swarm (proto `Swarm`).
public struct SwarmPolicy: Hashable, Sendable {
    public var id: SwarmID
    /// Node reputation floor, 0–100; nodes below it get no work from this swarm.
    public var minReputation: Double
    /// Regions its work may run in; empty means anywhere.
    public var allowedRegions: Set<String>
    /// Most the swarm may spend, micro-tokens; 0 means no swarm limit.
    public var tokenBudgetMicros: Int64
    /// Spent so far.
    public var spentMicros: Int64
    /// Held in escrow for unfinished tasks; counts against the budget.
    public var escrowedMicros: Int64

    public init(
        id: SwarmID, minReputation: Double = 0, allowedRegions: Set<String> = [], tokenBudgetMicros: Int64 = 0,
        spentMicros: Int64 = 0, escrowedMicros: Int64 = 0
    ) {
        self.id = id
        self.minReputation = minReputation
        self.allowedRegions = allowedRegions
        self.tokenBudgetMicros = tokenBudgetMicros
        self.spentMicros = spentMicros
        self.escrowedMicros = escrowedMicros
    }

    /// Budget still free for new escrow; nil when the swarm has no limit.
    public var remainingBudgetMicros: Int64? {
        tokenBudgetMicros == 0 ? nil : tokenBudgetMicros - spentMicros - escrowedMicros
    }
}
