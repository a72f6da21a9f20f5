import SwarmCore
import Testing

@testable import SwarmStore

/// A store with a swarm, a funded submitter and a few nodes on distinct operators.
struct Fixture {
    let store: DurableStore
    var now = Instant(millisecondsSinceEpoch: 1_000_000)
    static let minted: Int64 = 1_000_000

    init(_ engine: Engine, nodes: Int = 3, slots: Int = 4, adaptive: AdaptiveReplication = .disabled) throws {
        store = try engine.makeStore(adaptive: adaptive)
        try store.createSwarm(SwarmPolicy(id: "default"))
        try store.createAccount(Account(id: "alice", kind: .user, owner: "alice"))
        try store.mint(Self.minted, to: "alice", now: now)
        for index in 1...max(1, nodes) {
            try store.register(Self.node("n\(index)", operator: "op\(index)", slots: slots))
        }
    }

    static func node(_ id: String, operator op: String, slots: Int = 4) -> Node {
        Node(
            id: NodeID(id), operatorID: OperatorID(op), accountID: AccountID("wallet-\(op)"),
            capabilities: NodeCapabilities(models: ["m"], slots: slots))
    }

    /// A cheap, deterministic spec: escrow 10,000; a result costs the base price 1,000.
    static func spec(
        _ prompt: String = "p", redundancy: Redundancy = .single, maxAttempts: Int = 3, swarm: SwarmID = "default"
    ) -> TaskSpec {
        TaskSpec(
            swarmID: swarm, prompt: prompt,
            retryPolicy: RetryPolicy(
                initialInterval: .seconds(1), backoffCoefficient: 2, maximumAttempts: maxAttempts, jitter: 0),
            timeouts: Timeouts(startToClose: .seconds(60), heartbeat: .seconds(10)), redundancy: redundancy,
            maxCostMicros: 10_000)
    }

    func submit(_ spec: TaskSpec) throws(StoreError) -> TaskID {
        try store.submit(SubmitParams(task: spec, submitter: "alice", account: "alice", now: now)).taskIDs[0]
    }

    func lease(_ node: String, _ max: Int = 1) throws(StoreError) -> [GrantedLease] {
        try store.lease(LeaseParams(node: NodeID(node), maxTasks: max, now: now))
    }

    @discardableResult
    func complete(_ lease: GrantedLease, _ text: String) throws(StoreError) -> ReportOutcome {
        try store.complete(
            CompleteParams(lease: lease.id, node: lease.nodeID, result: TaskResult(text: text), now: now))
    }

    mutating func advance(_ duration: Duration) { now = now + duration }

    /// The books balance and the supply is exactly what was minted.
    func checkLedger(minted: Int64 = Fixture.minted) throws {
        #expect(try store.ledgerTotal() == 0)
        #expect(try store.ledgerAudit() == [])
        #expect(try store.balance(of: Ledger.issuance) == -minted)
    }
}

/// `#expect(throws:)` for a `StoreError` code.
func expectCode<T>(
    _ code: StoreError.Code, _ body: () throws(StoreError) -> T, sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        _ = try body()
        Issue.record("expected \(code.rawValue), but the call succeeded", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    }
}
