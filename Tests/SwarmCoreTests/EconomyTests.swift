import Testing

@testable import SwarmCore

@Suite("Economy: prices, ledger, settlement")
struct EconomyTests {
    @Test("an attempt costs the base plus each started second at the node's rate")
    func price() {
        let model = PriceModel(basePriceMicros: 1_000, estimateHourlyRateMicros: 0)
        #expect(model.attemptPrice(duration: .seconds(10), hourlyRateMicros: 3_600_000) == 1_000 + 10_000)
        #expect(model.attemptPrice(duration: .milliseconds(1_001), hourlyRateMicros: 3_600_000) == 1_000 + 2_000)
        #expect(model.attemptPrice(duration: .zero, hourlyRateMicros: 3_600_000) == 1_000)
    }

    @Test("a fixed price replaces base and time, and estimates use it")
    func fixedPrice() {
        let model = PriceModel(basePriceMicros: 1_000, estimateHourlyRateMicros: 3_600_000)
        var spec = TaskSpec(redundancy: Redundancy(replicas: 3))
        #expect(model.attemptPrice(of: spec, duration: .seconds(10), hourlyRateMicros: 3_600_000) == 11_000)
        spec.fixedPriceMicros = 2_500
        #expect(model.attemptPrice(of: spec, duration: .seconds(10), hourlyRateMicros: 3_600_000) == 2_500)
        #expect(model.estimate(of: spec) == 3 * 2_500)
    }

    @Test("the maximum cost is the submitter's cap, else an estimate over R replicas")
    func maxCost() {
        let model = PriceModel(basePriceMicros: 100, estimateHourlyRateMicros: 3_600)
        var spec = TaskSpec(timeouts: Timeouts(startToClose: .seconds(50)), redundancy: Redundancy(replicas: 3))
        #expect(model.maxCost(of: spec) == 3 * (100 + 50))
        spec.maxCostMicros = 7
        #expect(model.maxCost(of: spec) == 7)
    }

    @Test("every transaction balances and only a mint changes the circulating supply")
    func ledger() throws {
        var ledger = Ledger()
        try ledger.mint(1_000, to: "alice")
        try ledger.post(.transfer, from: "alice", to: "bob", amount: 300)
        #expect(ledger.balance(of: "alice") == 700)
        #expect(ledger.totalMicros == 0)
        #expect(ledger.circulatingMicros == 1_000)
        let balanced = ledger.transactions.allSatisfy { $0.isBalanced }
        #expect(balanced)
    }

    @Test("an overdraft or a non-positive amount is refused and changes nothing")
    func refusals() throws {
        var ledger = Ledger()
        try ledger.mint(10, to: "alice")
        do {
            try ledger.post(.transfer, from: "alice", to: "bob", amount: 11)
            Issue.record("an overdraft was accepted")
        } catch {
            #expect(error.code == .insufficientFunds)
            #expect(error.message == "account alice holds 10 micro-tokens but 11 are needed")
        }
        do {
            try ledger.post(.transfer, from: "alice", to: "bob", amount: 0)
            Issue.record("a zero amount was accepted")
        } catch {
            #expect(error.code == .invalidAmount)
        }
        #expect(ledger.balance(of: "alice") == 10)
        let unbalanced = Transaction(
            id: "x", type: .transfer, reference: "", postings: [Posting(account: "a", amountMicros: 5)])
        do {
            try ledger.apply(unbalanced)
            Issue.record("an unbalanced transaction was applied")
        } catch {
            #expect(error.code == .unbalanced)
        }
    }

    @Test("success pays validated nodes within the escrow and refunds the rest")
    func settlement() {
        let s = Settlement.success(escrowMicros: 100, prices: [("n1", 40), ("n2", 40), ("n3", 40)])
        #expect(s.payments.map(\.amountMicros) == [40, 40, 20])
        #expect(s.refundMicros == 0)
        let t = Settlement.success(escrowMicros: 100, prices: [("n1", 30)])
        #expect(t.refundMicros == 70)
        #expect(Settlement.refund(escrowMicros: 55).refundMicros == 55)
    }
}
