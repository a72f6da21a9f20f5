import Testing

@testable import SwarmCore

private func node(
    _ id: String, reputation: Double = 50, latencyMs: Int64 = 10, rate: Int64 = 100, models: Set<String> = ["m"],
    region: String = "eu", country: String = "DE", gpu: UInt32 = 0
) -> Node {
    Node(
        id: NodeID(id), operatorID: OperatorID("op-\(id)"), accountID: AccountID("acct-\(id)"),
        capabilities: NodeCapabilities(
            models: models, capabilities: ["echo"], memoryMiB: 16_384, gpuMemoryMiB: gpu, storageMiB: 100_000,
            cpuCores: 8, slots: 2),
        location: NodeLocation(country: country, region: region), reputation: ReputationRecord(score: reputation),
        hourlyRateMicros: rate, latency: .milliseconds(latencyMs))
}

@Suite("Matching and scoring")
struct MatchingTests {
    @Test("a node serving the model with enough resources, online with a free slot, is eligible")
    func eligible() {
        #expect(Eligibility.check(node("a"), for: ResourceRequirements(modelIDs: ["m", "other"])) == .eligible)
    }

    @Test("each unmet requirement names its reason")
    func reasons() {
        var offline = node("a")
        offline.isOnline = false
        #expect(Eligibility.check(offline, for: ResourceRequirements()) == .ineligible(.offline))
        var full = node("a")
        full.activeLeases = 2
        #expect(Eligibility.check(full, for: ResourceRequirements()) == .ineligible(.noFreeSlot))
        let n = node("a")
        #expect(Eligibility.check(n, for: ResourceRequirements(modelIDs: ["x"])) == .ineligible(.modelNotServed))
        #expect(
            Eligibility.check(n, for: ResourceRequirements(capabilities: ["echo", "sha256"]))
                == .ineligible(.capabilityMissing))
        #expect(
            Eligibility.check(n, for: ResourceRequirements(minMemoryMiB: 32_000)) == .ineligible(.insufficientMemory))
        #expect(Eligibility.check(n, for: ResourceRequirements(gpuRequired: true)) == .ineligible(.gpuMissing))
        #expect(
            Eligibility.check(node("g", gpu: 8_000), for: ResourceRequirements(minGpuMemoryMiB: 12_000))
                == .ineligible(.insufficientGpuMemory))
        #expect(
            Eligibility.check(node("g", gpu: 16_000), for: ResourceRequirements(minGpuMemoryMiB: 12_000)) == .eligible)
        #expect(
            Eligibility.check(n, for: ResourceRequirements(minStorageMiB: 200_000)) == .ineligible(.insufficientStorage)
        )
        #expect(Eligibility.check(n, for: ResourceRequirements(minCpuCores: 16)) == .ineligible(.insufficientCpu))
        #expect(
            Eligibility.check(n, for: ResourceRequirements(minReputation: 60)) == .ineligible(.reputationBelowFloor))
        #expect(Eligibility.check(n, for: ResourceRequirements(maxHourlyRateMicros: 50)) == .ineligible(.tooExpensive))
        #expect(Eligibility.check(n, for: ResourceRequirements(maxLatency: .milliseconds(5))) == .ineligible(.tooSlow))
    }

    @Test("the swarm's reputation floor applies unless the task sets its own minimum")
    func swarmFloor() {
        let swarm = SwarmPolicy(id: "s", minReputation: 70)
        #expect(
            Eligibility.check(node("a", reputation: 60), for: ResourceRequirements(), in: swarm)
                == .ineligible(.reputationBelowFloor))
        #expect(
            Eligibility.check(node("a", reputation: 60), for: ResourceRequirements(minReputation: 50), in: swarm)
                == .eligible)
    }

    @Test("region constraints: allow lists, then exclusions, and the swarm's regions")
    func regions() {
        let us = node("a", region: "us-west", country: "US")
        #expect(
            Eligibility.check(us, for: ResourceRequirements(geography: GeographicConstraints(allowedRegions: ["eu"])))
                == .ineligible(.regionNotAllowed))
        #expect(
            Eligibility.check(us, for: ResourceRequirements(geography: GeographicConstraints(allowedCountries: ["US"])))
                == .eligible)
        #expect(
            Eligibility.check(
                us, for: ResourceRequirements(geography: GeographicConstraints(excludedCountries: ["US"])))
                == .ineligible(.regionNotAllowed))
        #expect(
            Eligibility.check(us, for: ResourceRequirements(), in: SwarmPolicy(id: "s", allowedRegions: ["eu"]))
                == .ineligible(.regionNotAllowed))
    }

    @Test("ranking prefers reputation, then low latency, then low price")
    func ranking() {
        let nodes = [
            node("cheap-slow", reputation: 55, latencyMs: 50, rate: 10),
            node("fast-pricey", reputation: 55, latencyMs: 5, rate: 900),
            node("fast-cheap", reputation: 52, latencyMs: 5, rate: 100),
            node("trusted", reputation: 95, latencyMs: 80, rate: 999),
            node("wrong-model", reputation: 99, models: ["x"]),
        ]
        let ranked = NodeRanking().rank(nodes, for: ResourceRequirements(modelIDs: ["m"])).map(\.id.rawValue)
        #expect(ranked == ["trusted", "fast-cheap", "fast-pricey", "cheap-slow"])
    }

    @Test("a retried task prefers a different node: nodes that failed it rank last")
    func avoidance() {
        let nodes = [node("a", reputation: 90), node("b", reputation: 40)]
        let ranked = NodeRanking().rank(nodes, for: ResourceRequirements(), avoiding: ["a"]).map(\.id.rawValue)
        #expect(ranked == ["b", "a"])
    }
}

@Suite("Tentative assignments")
struct TentativeAssignmentTests {
    @Test("a plan assigns each task its best R nodes on distinct operators, or none")
    func assignments() throws {
        var sameOperator = node("twin", reputation: 99)
        sameOperator.operatorID = "op-a"
        let nodes = [node("a", reputation: 90), sameOperator, node("b", reputation: 60), node("c", reputation: 30)]
        let plan = try DagPlanner().plan(
            DagSubmission(tasks: [
                DagTaskSpec(
                    name: "r2",
                    spec: TaskSpec(
                        requirements: ResourceRequirements(modelIDs: ["m"]), redundancy: Redundancy(replicas: 2))),
                DagTaskSpec(name: "none", spec: TaskSpec(requirements: ResourceRequirements(modelIDs: ["absent"]))),
            ]))
        let assigned = TentativeAssignment.assign(plan, nodes: nodes)
        #expect(assigned[0] == ["a", "b"])  // "twin" ties with "a" (same tier) but shares its operator
        #expect(assigned[1].isEmpty)
    }
}
