import SwarmCore
import SwarmProto
import SwarmRPC
import SwarmStore

/// `openswarm.v1.NodeService.GetNodeMetrics`: reputation, held leases, the latest
/// reported utilization and, for those allowed, earnings by day. Earnings are those of
/// the node's ledger account (an operator's nodes may share one).
extension NodeRegistry {
    func metrics(_ request: Openswarm_V1_GetNodeMetricsRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_GetNodeMetricsResponse
    {
        let principal = try context.callers.principal(call)
        guard !request.nodeID.isEmpty else { throw RPCError(.invalidArgument, "node_id is required") }
        let days = Int(request.earningsDays ?? 30)
        guard (1...365).contains(days) else { throw RPCError(.invalidArgument, "earnings_days must be 1 to 365") }
        let id = NodeID(request.nodeID)
        let node = try await context.executor.run { (store) throws(StoreError) in try store.node(id) }
        var response = Openswarm_V1_GetNodeMetricsResponse()
        response.nodeID = id.rawValue
        response.activeLeases = UInt32(max(0, node.activeLeases))
        response.utilization = context.utilization.latest(id)
        var reputation = Openswarm_V1_ReputationScore()
        reputation.score = node.reputation.score
        reputation.validatedResults = UInt64(max(0, node.reputation.validatedResults))
        reputation.invalidResults = UInt64(max(0, node.reputation.invalidResults))
        reputation.consecutiveValidResults = UInt64(max(0, node.reputation.consecutiveValid))
        response.reputation = reputation
        let mayReadEarnings =
            principal.seesEverything || node.operatorID.rawValue == principal.id.rawValue
            || principal.mayRead(account: node.accountID)
        guard mayReadEarnings else { return response }
        let now = context.clock.now()
        let day: Int64 = 86_400_000
        let firstDay = Instant(millisecondsSinceEpoch: (now.millisecondsSinceEpoch / day - Int64(days - 1)) * day)
        let account = node.accountID
        let earnings = try await context.executor.run { (store) throws(StoreError) in
            try store.earnings(of: account, since: firstDay)
        }
        response.earnings = Self.history(earnings, firstDay: firstDay, days: days, now: now)
        return response
    }

    /// Daily buckets from `firstDay` (a UTC midnight), oldest first, and the sums of the
    /// last day and week.
    static func history(_ earnings: Earnings, firstDay: Instant, days: Int, now: Instant)
        -> Openswarm_V1_EarningsHistory
    {
        let day: Int64 = 86_400_000
        var buckets = (0..<days).map { index in
            var bucket = Openswarm_V1_EarningsBucket()
            bucket.startTime = WireTime.timestamp(
                Instant(millisecondsSinceEpoch: firstDay.millisecondsSinceEpoch + Int64(index) * day))
            return bucket
        }
        var history = Openswarm_V1_EarningsHistory()
        history.totalEarnedMicros = earnings.totalMicros
        for payment in earnings.recent {
            let index = Int((payment.at.millisecondsSinceEpoch - firstDay.millisecondsSinceEpoch) / day)
            if buckets.indices.contains(index) {
                buckets[index].earnedMicros += payment.amountMicros
                buckets[index].paidAttempts += 1
            }
            let age = now.millisecondsSinceEpoch - payment.at.millisecondsSinceEpoch
            if age < day { history.lastDayMicros += payment.amountMicros }
            if age < 7 * day { history.lastWeekMicros += payment.amountMicros }
        }
        history.daily = buckets
        return history
    }
}
