import SwarmCoordinator
import SwarmProto
import SwarmRPC
import Testing

/// Peer review: a request escrows the compensation and becomes a review task; reviewer
/// nodes lease it and answer with SubmitReview; reviews within a point of each other
/// agree, the quorum makes the aggregate, agreeing reviewers are paid.
@Suite("Peer review", .serialized)
struct PeerReviewTests {
    /// A task run by one node, succeeded with `output`.
    private func succeededTask(_ harness: CoordinatorHarness, output: String) async throws -> String {
        let author = try await harness.registerNode("author")
        let id = try await harness.submit(prompt: "write a haiku")
        let lease = try #require(try await author.lease().first)
        _ = try await author.report([try author.result(for: lease, output: output)])
        return id
    }

    private func reviewRequest(of task: String, requestID: String = "") -> Openswarm_V1_RequestPeerReviewRequest {
        var reference = Openswarm_V1_ResultReference()
        reference.taskID = task
        var subject = Openswarm_V1_ReviewSubject()
        subject.subject = .result(reference)
        var request = Openswarm_V1_RequestPeerReviewRequest()
        request.subject = subject
        request.compensationMicros = 30_000
        request.requestID = requestID
        return request
    }

    private func submission(_ review: String, lease: Openswarm_V1_Lease, overall: Double)
        -> Openswarm_V1_SubmitReviewRequest
    {
        var score = Openswarm_V1_QualityScore()
        score.overall = overall
        score.confidence = 0.9
        var correctness = Openswarm_V1_DimensionScore()
        correctness.score = overall
        var dimensions = Openswarm_V1_QualityDimensions()
        dimensions.correctness = correctness
        score.dimensions = dimensions
        var request = Openswarm_V1_SubmitReviewRequest()
        request.reviewID = review
        request.leaseID = lease.leaseID
        request.score = score
        request.feedback = "scored \(overall)"
        return request
    }

    private func submit(_ request: Openswarm_V1_SubmitReviewRequest, as node: TestNode) async throws
        -> Openswarm_V1_SubmitReviewResponse
    {
        try await node.client.unary(Openswarm_V1_QualityService.Method.submitReview, request, options: node.options)
    }

    @Test func reviewersWithinAPointMakeTheAggregateAndTheDissenterIsNotPaid() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let task = try await succeededTask(harness, output: "old pond, a frog jumps")
        var reviewers: [TestNode] = []
        for name in ["r1", "r2", "r3"] {
            reviewers.append(try await harness.registerNode(name, capabilities: ["review"]))
        }

        let method = Openswarm_V1_QualityService.Method.requestPeerReview
        let started = try await harness.call(method, reviewRequest(of: task, requestID: "haiku-1"))
        let review = try #require(started.review)
        #expect(review.state == .requested)
        #expect(review.reviewerCount == 3)
        #expect(abs(review.consensusThreshold - 0.66) < 1e-9)
        #expect(review.compensationMicros == 30_000)
        #expect(started.escrowedMicros == 30_000)
        guard case .result(let subject) = review.subject?.subject else {
            Issue.record("the subject should be the result")
            return
        }
        #expect(subject.taskID == task)
        let balance = Openswarm_V1_LedgerService.Method.getBalance
        let before = try await harness.call(balance, Openswarm_V1_GetBalanceRequest()).account?.balanceMicros
        let again = try await harness.call(method, reviewRequest(of: task, requestID: "haiku-1"))
        #expect(again.review?.id == review.id, "a repeated request id returns the review created first")
        let after = try await harness.call(balance, Openswarm_V1_GetBalanceRequest()).account?.balanceMicros
        #expect(before == after, "and escrows nothing more")

        var leases: [Openswarm_V1_Lease] = []
        for reviewer in reviewers { leases.append(try #require(try await reviewer.lease().first)) }
        #expect(leases.allSatisfy { $0.taskID == review.id && $0.definition?.type == .peerReview })
        #expect(leases.allSatisfy { $0.definition?.input == Array("old pond, a frog jumps".utf8) })

        // The harsh reviewer first: alone, and then one against one, nothing is decided.
        let harsh = try await submit(submission(review.id, lease: leases[2], overall: 2), as: reviewers[2])
        #expect(harsh.review?.state == .inProgress)
        #expect(harsh.submission?.reviewerID == reviewers[2].id)
        _ = try await submit(submission(review.id, lease: leases[0], overall: 8), as: reviewers[0])
        let last = try await submit(submission(review.id, lease: leases[1], overall: 8.6), as: reviewers[1])

        let done = try #require(last.review)
        #expect(done.state == .completed)
        let aggregate = try #require(done.aggregateScore)
        #expect(abs(aggregate.overall - 8.3) < 1e-9)
        #expect(aggregate.validation?.method == .peerReview)
        #expect(Set(aggregate.reviewerIDs) == [reviewers[0].id, reviewers[1].id])
        #expect(abs((aggregate.validation?.consensusStrength ?? 0) - 2.0 / 3.0) < 1e-9)
        let byReviewer = Dictionary(uniqueKeysWithValues: done.submissions.map { ($0.reviewerID, $0) })
        #expect(byReviewer[reviewers[2].id]?.counted == false)
        #expect(byReviewer[reviewers[2].id]?.paidMicros == 0)
        #expect(byReviewer[reviewers[0].id]?.counted == true)
        #expect(byReviewer[reviewers[0].id]?.paidMicros == 10_000, "a third of the compensation per counted review")
        #expect(byReviewer[reviewers[1].id]?.paidMicros == 10_000)
        #expect(byReviewer[reviewers[1].id]?.feedback == "scored 8.6")
        #expect(done.endTime != nil)

        var get = Openswarm_V1_GetReviewRequest()
        get.reviewID = review.id
        #expect(try await harness.call(Openswarm_V1_QualityService.Method.getReview, get).review == done)

        // The review is its task: the dissenter's share goes back to the requester.
        let stored = try await harness.task(review.id)
        #expect(stored.state == .succeeded)
        let costs = try #require(stored.costs)
        #expect(costs.actualMicros == 20_000 && costs.refundedMicros == 10_000)
        await harness.stop()
    }

    @Test func thoroughValidationStartsAReviewBesideTheAutomatedScore() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let task = try await succeededTask(harness, output: "42")
        var reference = Openswarm_V1_ResultReference()
        reference.taskID = task
        var request = Openswarm_V1_ValidateResultRequest()
        request.subject = .resultRef(reference)
        request.level = .expert
        request.reviewerCount = 2
        request.consensusThreshold = 1
        request.maxCostMicros = 5_000
        request.expertise = ["math"]
        let response = try await harness.call(Openswarm_V1_QualityService.Method.validateResult, request)
        #expect(response.qualityScore?.validation?.method == .automated)
        let review = try #require(response.review)
        #expect(review.level == .expert)
        #expect(review.reviewerCount == 2)
        #expect(review.expertise == ["math"])
        #expect(response.validationCostMicros == 5_000)
        var empty = Openswarm_V1_ValidateResultRequest()
        empty.subject = .result(Openswarm_V1_TaskResult())
        empty.level = .thorough
        let nothing = await harness.refusal(Openswarm_V1_QualityService.Method.validateResult, empty)
        #expect(nothing?.code == .invalidArgument)
        #expect(nothing?.message.contains("nothing for reviewers") == true)
        // Reviewers need the capability `review` and every expertise asked for.
        let generalist = try await harness.registerNode("generalist", capabilities: ["review"])
        #expect(try await generalist.lease().isEmpty)
        let stored = try await harness.task(review.id)
        #expect(stored.spec?.definition?.requirements?.capabilities == ["math", "review"])
        #expect(stored.spec?.definition?.requirements?.minReputation == 80)
        await harness.stop()
    }

    @Test func refusalsNameWhatIsWrong() async throws {
        let harness = try await CoordinatorHarness.keyed()
        try await harness.mint(1, to: "alice", key: TestKeys.admin)
        try await harness.mint(1, to: "bob", key: TestKeys.admin)
        let request = Openswarm_V1_QualityService.Method.requestPeerReview
        let alicesTask = try await harness.submit(prompt: "p", swarm: "", key: TestKeys.alice)

        #expect(await harness.refusal(request, reviewRequest(of: alicesTask))?.code == .unauthenticated)
        #expect(
            await harness.refusal(request, Openswarm_V1_RequestPeerReviewRequest(), key: TestKeys.alice)?.code
                == .invalidArgument)
        #expect(
            await harness.refusal(request, reviewRequest(of: alicesTask), key: TestKeys.bob)?.code == .notFound,
            "another submitter's task is not there")
        let early = await harness.refusal(request, reviewRequest(of: alicesTask), key: TestKeys.alice)
        #expect(early?.code == .failedPrecondition)
        #expect(early?.message.contains("no accepted result") == true)

        var content = Openswarm_V1_ReviewContent()
        content.title = "a function"
        content.body = Array("func f() {}".utf8)
        var subject = Openswarm_V1_ReviewSubject()
        subject.subject = .content(content)
        var direct = Openswarm_V1_RequestPeerReviewRequest()
        direct.subject = subject
        direct.compensationMicros = 5_000_000
        var basic = direct
        basic.level = .basic
        #expect(await harness.refusal(request, basic, key: TestKeys.alice)?.code == .invalidArgument)
        var crowded = direct
        crowded.reviewerCount = 33
        #expect(await harness.refusal(request, crowded, key: TestKeys.alice)?.code == .invalidArgument)
        var stingy = direct
        stingy.compensationMicros = 2
        let tooLittle = await harness.refusal(request, stingy, key: TestKeys.alice)
        #expect(tooLittle?.code == .invalidArgument)
        #expect(tooLittle?.message.contains("at least 1 per review") == true)
        var costly = direct
        costly.compensationMicros = 2_000_000
        let short = await harness.refusal(request, costly, key: TestKeys.alice)
        #expect(short?.code == .failedPrecondition, "alice holds 1,000,000 micro-tokens")
        #expect(short?.message.contains("maximum cost") == true)

        // A review of content, then the reviewers' side.
        direct.compensationMicros = 9_000
        let review = try #require(try await harness.call(request, direct, key: TestKeys.alice).review)
        guard case .content(let kept) = review.subject?.subject else {
            Issue.record("the subject should be the content")
            return
        }
        #expect(kept.body == content.body && kept.title == "a function")
        let reviewer = try await harness.registerNode("r1", capabilities: ["review"], key: TestKeys.operatorKey)
        let stranger = try await harness.registerNode("r2", capabilities: ["review"], key: TestKeys.operatorKey)
        let lease = try #require(try await reviewer.lease().first)
        #expect(lease.taskID == review.id)

        let submitMethod = Openswarm_V1_QualityService.Method.submitReview
        func refusal(_ request: Openswarm_V1_SubmitReviewRequest, as node: TestNode) async -> RPCError? {
            do {
                _ = try await submit(request, as: node)
                Issue.record("the review should have been refused")
                return nil
            } catch let error as RPCError {
                return error
            } catch {
                Issue.record("\(error)")
                return nil
            }
        }
        #expect(
            await refusal(submission(review.id, lease: lease, overall: 7), as: stranger)?.code == .permissionDenied,
            "a node answers only its own lease")
        #expect(await refusal(submission(review.id, lease: lease, overall: 11), as: reviewer)?.code == .invalidArgument)
        #expect(await refusal(submission(alicesTask, lease: lease, overall: 7), as: reviewer)?.code == .invalidArgument)
        #expect(
            await refusal(submission("nope.0", lease: lease, overall: 7), as: reviewer)?.code == .notFound)
        var noLease = submission(review.id, lease: lease, overall: 7)
        noLease.leaseID = ""
        #expect(await refusal(noLease, as: reviewer)?.code == .invalidArgument)
        #expect(
            await harness.refusal(submitMethod, submission(review.id, lease: lease, overall: 7), key: TestKeys.alice)?
                .code == .permissionDenied, "without node credentials, only reviewers (people) may call")

        let getReview = Openswarm_V1_QualityService.Method.getReview
        var get = Openswarm_V1_GetReviewRequest()
        get.reviewID = review.id
        #expect(try await harness.call(getReview, get, key: TestKeys.alice).review?.state == .inProgress)
        #expect(await harness.refusal(getReview, get, key: TestKeys.bob)?.code == .notFound, "not bob's review")
        get.reviewID = alicesTask
        #expect(await harness.refusal(getReview, get, key: TestKeys.alice)?.code == .notFound, "a task, not a review")
        get.reviewID = "nope.0"
        #expect(await harness.refusal(getReview, get, key: TestKeys.alice)?.code == .notFound)

        let accepted = try await submit(submission(review.id, lease: lease, overall: 0), as: reviewer)
        #expect(accepted.submission?.score?.overall == 0)
        #expect(
            await refusal(submission(review.id, lease: lease, overall: 7), as: reviewer)?.code == .failedPrecondition)
        await harness.stop()
    }
}
