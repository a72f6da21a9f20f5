import SwarmCoordinator
import SwarmCrypto
import SwarmProto
import SwarmRPC
import Testing

/// QualityService: automated validation from consensus and integrity checks (peer
/// reviews: PeerReviewTests).
@Suite("Quality", .serialized)
struct QualityTests {
    private func validate(_ task: String, attempt: UInt32? = nil) -> Openswarm_V1_ValidateResultRequest {
        var reference = Openswarm_V1_ResultReference()
        reference.taskID = task
        reference.attemptNumber = attempt
        var request = Openswarm_V1_ValidateResultRequest()
        request.subject = .resultRef(reference)
        return request
    }

    @Test func agreeingReplicasScoreHighAndADissenterLow() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        var nodes: [TestNode] = []
        for name in ["a", "b", "c"] { nodes.append(try await harness.registerNode(name)) }
        var definition = Openswarm_V1_TaskDefinition()
        definition.prompt = "2+2"
        var requirements = Openswarm_V1_ResourceRequirements()
        requirements.capabilities = ["echo"]
        definition.requirements = requirements
        var redundancy = Openswarm_V1_Redundancy()
        redundancy.replicas = 3
        redundancy.quorum = 2
        var spec = Openswarm_V1_TaskSpec()
        spec.definition = definition
        spec.redundancy = redundancy
        var submit = Openswarm_V1_SubmitTaskRequest()
        submit.task = spec
        let id = try await harness.call(Openswarm_V1_TaskService.Method.submitTask, submit).task?.id ?? ""
        // Every replica leased before any reports, so that all three results count.
        var leases: [(TestNode, Openswarm_V1_Lease)] = []
        for node in nodes {
            if let lease = try await node.lease().first { leases.append((node, lease)) }
        }
        try #require(leases.count == 3)
        // The second disagrees with the first; the third breaks the tie.
        for ((node, lease), output) in zip(leases, ["4", "5", "4"]) {
            _ = try await node.report([try node.result(for: lease, output: output)])
        }
        try #require(try await harness.task(id).state == .succeeded)

        let method = Openswarm_V1_QualityService.Method.validateResult
        let canonical = try #require(try await harness.call(method, validate(id)).qualityScore)
        #expect(canonical.validation?.method == .consensus)
        #expect(canonical.overall > 7)
        #expect(canonical.reviewerIDs.count == 2)

        let dissenter = leases[1].1.attemptNumber
        let low = try #require(try await harness.call(method, validate(id, attempt: dissenter)).qualityScore)
        #expect(low.overall < canonical.overall)
        #expect(low.dimensions?.correctness?.findings.first?.severity == .high)
        await harness.stop()
    }

    @Test func refusalsNameWhatIsMissing() async throws {
        let harness = try await CoordinatorHarness.keyed()
        try await harness.mint(10, to: "alice", key: TestKeys.admin)
        let id = try await harness.submit(prompt: "not yet", swarm: "", key: TestKeys.alice)
        let method = Openswarm_V1_QualityService.Method.validateResult

        #expect(await harness.refusal(method, validate(id))?.code == .unauthenticated)
        #expect(await harness.refusal(method, validate(id), key: TestKeys.bob)?.code == .notFound)
        let early = await harness.refusal(method, validate(id), key: TestKeys.alice)
        #expect(early?.code == .failedPrecondition)
        #expect(early?.message.contains("no accepted result") == true)
        var thorough = validate(id)
        thorough.level = .thorough
        #expect(
            await harness.refusal(method, thorough, key: TestKeys.alice)?.code == .failedPrecondition,
            "nothing to review yet")
        #expect(
            await harness.refusal(
                Openswarm_V1_QualityService.Method.submitReview, Openswarm_V1_SubmitReviewRequest(),
                key: TestKeys.alice)?.code == .permissionDenied, "reviews are submitted by reviewers")
        await harness.stop()
    }

    @Test func anInlineResultIsCheckedAgainstItsNodesKey() async throws {
        let harness = try await CoordinatorHarness()
        let node = try await harness.registerNode("n1")
        var result = Openswarm_V1_TaskResult()
        result.taskID = "outside"
        result.attemptNumber = 1
        result.nodeID = node.id
        result.output = Array("answer".utf8)
        result.outputSha256 = SHA256Digest.hash(result.output)
        result.signature = try ResultSignature.sign(
            taskID: "outside", attemptNumber: 1, outputSHA256: result.outputSha256, key: node.key)
        var request = Openswarm_V1_ValidateResultRequest()
        request.subject = .result(result)
        let method = Openswarm_V1_QualityService.Method.validateResult
        let good = try #require(try await harness.call(method, request).qualityScore)
        #expect(good.dimensions?.correctness?.findings.isEmpty == true)

        result.output = Array("tampered".utf8)
        request.subject = .result(result)
        let bad = try #require(try await harness.call(method, request).qualityScore)
        #expect(bad.overall < good.overall)
        #expect(bad.dimensions?.correctness?.findings.first?.severity == .critical)
        await harness.stop()
    }
}
