/// What work costs (proto `MarketRates`, `Lease.base_price_micros`, `hourly_rate_micros`).
///
/// The price of one accepted attempt is `base + ceil(seconds) * hourlyRate / 3600`
/// (billed per started second at the node's rate), and the total paid for a task never
/// exceeds its maximum cost: the submitter knows the worst case at submission.
public struct PriceModel: Hashable, Sendable {
    /// Flat part of every accepted attempt, micro-tokens.
    public var basePriceMicros: Int64
    /// Rate assumed for estimates when the submitter gives no maximum cost, per hour.
    public var estimateHourlyRateMicros: Int64

    public init(basePriceMicros: Int64 = 1_000, estimateHourlyRateMicros: Int64 = 360_000) {
        self.basePriceMicros = basePriceMicros
        self.estimateHourlyRateMicros = estimateHourlyRateMicros
    }

    /// Price of an accepted attempt that ran `duration` on a node charging `hourlyRateMicros`.
    public func attemptPrice(duration: Duration, hourlyRateMicros: Int64) -> Int64 {
        let ms = max(0, duration.wholeMilliseconds)
        let seconds = (ms + 999) / 1000
        let (product, overflow) = seconds.multipliedReportingOverflow(by: max(0, hourlyRateMicros))
        let timePart = overflow ? Int64.max / 2 : (product + 3599) / 3600
        let (price, priceOverflow) = max(0, basePriceMicros).addingReportingOverflow(min(timePart, Int64.max / 2))
        return priceOverflow ? Int64.max / 2 : price
    }

    /// Price of an accepted attempt of `spec`: its fixed price when it has one,
    /// otherwise `attemptPrice(duration:hourlyRateMicros:)`.
    public func attemptPrice(of spec: TaskSpec, duration: Duration, hourlyRateMicros: Int64) -> Int64 {
        if let fixed = spec.fixedPriceMicros { return max(0, fixed) }
        return attemptPrice(duration: duration, hourlyRateMicros: hourlyRateMicros)
    }

    /// The estimate used when the submitter gave no maximum cost: R replicas at the
    /// estimate rate for the expected duration (start-to-close when not given), or at
    /// the fixed price.
    public func estimate(of spec: TaskSpec) -> Int64 {
        let replicas = Int64(spec.redundancy.normalized().replicas)
        let duration = spec.expectedDuration ?? spec.timeouts.startToClose
        let (total, overflow) = replicas.multipliedReportingOverflow(
            by: attemptPrice(of: spec, duration: duration, hourlyRateMicros: estimateHourlyRateMicros))
        return overflow ? Int64.max / 2 : total
    }

    /// What submission escrows for `spec`: the submitter's cap, or the estimate.
    public func maxCost(of spec: TaskSpec) -> Int64 {
        spec.maxCostMicros ?? estimate(of: spec)
    }
}
