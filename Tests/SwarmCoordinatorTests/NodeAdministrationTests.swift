import SwarmCoordinator
import SwarmProto
import SwarmRPC
import Testing

/// NodeService changes and metrics: drains, capability updates, who may do them.
@Suite("Node administration", .serialized)
struct NodeAdministrationTests {
    private func drain(_ node: String, mode: Openswarm_V1_DrainMode = .finish) -> Openswarm_V1_DrainNodeRequest {
        var request = Openswarm_V1_DrainNodeRequest()
        request.nodeID = node
        request.mode = mode
        request.reason = "kernel upgrade"
        return request
    }

    @Test func aDrainedNodeGetsNoNewLeasesButItsRunningLeaseStillReports() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let node = try await harness.registerNode("n1")
        let first = try await harness.submit(prompt: "running")
        let lease = try #require(try await node.lease().first)

        let drained = try await harness.call(Openswarm_V1_NodeService.Method.drainNode, drain(node.id))
        #expect(drained.node?.status == .draining)
        #expect(drained.node?.statusReason == "kernel upgrade")
        #expect(drained.runningLeases == 1)
        #expect(drained.releasedLeases == 0)

        // New work waits for another node; the agent learns of the drain from its heartbeat.
        let second = try await harness.submit(prompt: "queued")
        #expect(try await node.lease(max: 4, wait: .milliseconds(300)).isEmpty)
        let beat = try await node.heartbeat([lease])
        #expect(beat.nodeStatus == .draining)
        #expect(beat.renewals.map(\.leaseID) == [lease.leaseID], "a drained node's held lease is still extended")

        // What it holds finishes and settles as usual; asking for more with it gets none.
        let report = try await node.reportAndLease([try node.result(for: lease, output: "running")], max: 4)
        #expect(report.acks.map(\.status) == [.accepted])
        #expect(report.leases.isEmpty, "a drained node leases nothing, however it asks")
        #expect(try await harness.task(first).state == .succeeded)
        #expect(try await node.lease(wait: .milliseconds(200)).isEmpty, "still drained with a free slot")

        let other = try await harness.registerNode("n2")
        #expect(try await other.lease().map(\.taskID) == [second])
        await harness.stop()
    }

    @Test func handingBackReleasesHeldLeasesWithoutSpendingAnAttempt() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let node = try await harness.registerNode("n1")
        let id = try await harness.submit(prompt: "hand me back")
        let lease = try #require(try await node.lease().first)

        let drained = try await harness.call(
            Openswarm_V1_NodeService.Method.drainNode, drain(node.id, mode: .handBack))
        #expect(drained.releasedLeases == 1)
        #expect(drained.runningLeases == 0)
        #expect(try await harness.task(id).state == .ready)
        let acks = try await node.report([try node.result(for: lease, output: "late")])
        #expect(acks.map(\.status) != [.accepted], "a handed-back lease can no longer report")

        let other = try await harness.registerNode("n2")
        let retry = try #require(try await other.lease(wait: .seconds(3)).first)
        #expect(retry.taskID == id)
        #expect(retry.attemptNumber == 2)
        await harness.stop()
    }

    @Test func onlyTheOperatorTheNodeItselfModeratorsAndAdminsMayDrain() async throws {
        let harness = try await CoordinatorHarness.keyed()
        let node = try await harness.registerNode("n1", key: TestKeys.operatorKey)
        let method = Openswarm_V1_NodeService.Method.drainNode

        #expect(await harness.refusal(method, drain(node.id))?.code == .unauthenticated)
        #expect(await harness.refusal(method, drain(node.id), key: TestKeys.alice)?.code == .permissionDenied)
        #expect(await harness.refusal(method, drain("node-unknown"), key: TestKeys.admin)?.code == .notFound)
        let intruder = try await harness.registerNode("n2", key: TestKeys.admin)
        do {
            _ = try await harness.client.unary(method, drain(node.id), options: intruder.options)
            Issue.record("a node must not drain another node")
        } catch let error as RPCError {
            #expect(error.code == .permissionDenied)
        }
        #expect(
            try await harness.client.unary(method, drain(node.id), options: node.options).node?.status == .draining)
        #expect(try await harness.call(method, drain(node.id), key: TestKeys.operatorKey).node?.status == .draining)
        #expect(try await harness.call(method, drain(node.id), key: TestKeys.moderator).node?.status == .draining)
        await harness.stop()
    }

    @Test func updatedCapabilitiesDecideWhatTheNodeLeases() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let node = try await harness.registerNode("n1", capabilities: ["echo"])
        let id = try await harness.submit(prompt: "hash me", capability: "sha256")
        #expect(try await node.lease(wait: .milliseconds(200)).isEmpty)

        var update = Openswarm_V1_UpdateNodeCapabilitiesRequest()
        update.nodeID = node.id
        var capabilities = Openswarm_V1_NodeCapabilities()
        capabilities.capabilities = ["echo", "sha256"]
        capabilities.maxConcurrentTasks = 2
        update.capabilities = capabilities
        var pricing = Openswarm_V1_NodePricing()
        pricing.hourlyRateMicros = 720_000
        update.pricing = pricing
        let updated = try await harness.client.unary(
            Openswarm_V1_NodeService.Method.updateNodeCapabilities, update, options: node.options)
        #expect(updated.node?.capabilities?.capabilities == ["echo", "sha256"])
        #expect(updated.node?.economics?.pricing?.hourlyRateMicros == 720_000)
        #expect(updated.node?.displayName == "n1", "what the update does not set is kept")
        #expect(try await node.lease().map(\.taskID) == [id])
        await harness.stop()
    }

    @Test func capabilityUpdatesAreRefusedToOthers() async throws {
        let harness = try await CoordinatorHarness.keyed()
        let node = try await harness.registerNode("n1", key: TestKeys.operatorKey)
        var update = Openswarm_V1_UpdateNodeCapabilitiesRequest()
        update.nodeID = node.id
        update.capabilities = Openswarm_V1_NodeCapabilities()
        let method = Openswarm_V1_NodeService.Method.updateNodeCapabilities
        #expect(await harness.refusal(method, update, key: TestKeys.bob)?.code == .permissionDenied)
        #expect(await harness.refusal(method, update, key: TestKeys.moderator)?.code == .permissionDenied)
        var negative = update
        var pricing = Openswarm_V1_NodePricing()
        pricing.hourlyRateMicros = -1
        negative.pricing = pricing
        #expect(await harness.refusal(method, negative, key: TestKeys.operatorKey)?.code == .invalidArgument)
        #expect(try await harness.call(method, update, key: TestKeys.operatorKey).node?.id == node.id)
        await harness.stop()
    }

    @Test func metricsShowReputationAndEarningsOnlyToThoseAllowed() async throws {
        let harness = try await CoordinatorHarness.keyed()
        try await harness.mint(10, to: "alice", key: TestKeys.admin)
        let node = try await harness.registerNode("n1", key: TestKeys.operatorKey)
        _ = try await harness.submit(prompt: "pay me", swarm: "", key: TestKeys.alice)
        let lease = try #require(try await node.lease().first)
        _ = try await node.report([try node.result(for: lease, output: "pay me")])

        var request = Openswarm_V1_GetNodeMetricsRequest()
        request.nodeID = node.id
        request.earningsDays = 7
        let method = Openswarm_V1_NodeService.Method.getNodeMetrics
        let mine = try await harness.call(method, request, key: TestKeys.operatorKey)
        #expect(mine.nodeID == node.id)
        #expect(mine.reputation?.score ?? 0 > 0)
        #expect(mine.activeLeases == 0)
        let earnings = try #require(mine.earnings)
        #expect(earnings.totalEarnedMicros > 0)
        #expect(earnings.daily.count == 7)
        #expect(earnings.daily.last?.earnedMicros == earnings.totalEarnedMicros)
        #expect(earnings.lastDayMicros == earnings.totalEarnedMicros)

        let theirs = try await harness.call(method, request, key: TestKeys.bob)
        #expect(theirs.earnings == nil, "earnings are for the operator, moderators and admins")
        #expect(theirs.reputation != nil)
        request.nodeID = "node-unknown"
        #expect(await harness.refusal(method, request, key: TestKeys.bob)?.code == .notFound)
        await harness.stop()
    }
}
