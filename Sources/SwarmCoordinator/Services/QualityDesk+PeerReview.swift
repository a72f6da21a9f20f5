import SwarmCore
import SwarmCrypto
import SwarmProto
import SwarmRPC
import SwarmStore

/// Peer reviews: RequestPeerReview starts one (a review task, see `PeerReviewMapping`),
/// SubmitReview records a reviewer node's verdict on its lease of that task.
extension QualityDesk {
    func requestPeerReview(_ request: Openswarm_V1_RequestPeerReviewRequest, _ call: ServerContext)
        async throws(RPCError) -> Openswarm_V1_RequestPeerReviewResponse
    {
        let principal = try context.callers.principal(call, requiring: .user)
        guard let wireSubject = request.subject else {
            throw RPCError(.invalidArgument, "subject is required: a result (task_id) or content to review")
        }
        let subject = try await resolve(wireSubject, for: principal)
        let compensation = request.compensationMicros
        guard compensation >= 0 else {
            throw RPCError(.invalidArgument, "compensation_micros must not be negative, not \(compensation)")
        }
        let review = try Self.reviewRequest(
            subject: subject, expertise: request.expertise, urgency: request.urgency, level: request.level,
            reviewers: request.reviewerCount, threshold: 0, compensation: compensation,
            timeLimit: WireTime.duration(request.timeLimit))
        let stored = try await start(review, requestID: request.requestID, for: principal)
        var response = Openswarm_V1_RequestPeerReviewResponse()
        response.review = PeerReviewMapping.review(stored)
        response.assignedReviewerIDs = response.review?.assignedReviewerIDs ?? []
        response.estimatedCompletion = WireTime.duration(review.timeLimit)
        // What the request escrowed (a repeat's review may have settled since).
        response.escrowedMicros = stored.escrowMicros + stored.paidMicros + stored.refundedMicros
        return response
    }

    /// A review request checked and with its defaults: 3 reviewers, a threshold of 0.66,
    /// THOROUGH, the coordinator's estimate for a compensation of 0 (each review then
    /// earns the usual attempt price), a time limit by urgency.
    static func reviewRequest(
        subject: PeerReviewMapping.Subject, expertise: [String], urgency: Openswarm_V1_Priority,
        level: Openswarm_V1_ValidationLevel, reviewers: UInt32, threshold: Double, compensation: Int64,
        timeLimit: Duration?
    ) throws(RPCError) -> PeerReviewMapping.Request {
        let count = reviewers == 0 ? PeerReviewMapping.defaultReviewers : Int(reviewers)
        guard (1...32).contains(count) else {
            throw RPCError(.invalidArgument, "reviewer_count must be 1 to 32, not \(reviewers)")
        }
        let threshold = threshold == 0 ? PeerReviewMapping.defaultThreshold : threshold
        guard threshold > 0, threshold <= 1 else {
            throw RPCError(.invalidArgument, "consensus_threshold must be above 0 and at most 1, not \(threshold)")
        }
        let level: Openswarm_V1_ValidationLevel = level == .unspecified ? .thorough : level
        guard level == .thorough || level == .expert else {
            throw RPCError(
                .invalidArgument, "a peer review is THOROUGH or EXPERT; BASIC validation is ValidateResult's own")
        }
        guard expertise.count <= 16, expertise.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 64 }) else {
            throw RPCError(.invalidArgument, "expertise takes at most 16 names of 1 to 64 bytes")
        }
        guard compensation == 0 || compensation >= Int64(count) else {
            throw RPCError(
                .invalidArgument,
                "compensation_micros (\(compensation)) is shared among \(count) reviews: give at least 1 per review")
        }
        let limit = timeLimit ?? PeerReviewMapping.defaultTimeLimit(urgency)
        guard limit >= .seconds(1), limit <= .seconds(7 * 24 * 3600) else {
            throw RPCError(.invalidArgument, "time_limit must be from 1 second to 7 days")
        }
        return PeerReviewMapping.Request(
            subject: subject, expertise: expertise, urgency: urgency, level: level, reviewers: count,
            threshold: threshold, compensationMicros: compensation == 0 ? nil : compensation, timeLimit: limit)
    }

    /// What the subject points at, as the bytes reviewers will see.
    func resolve(_ subject: Openswarm_V1_ReviewSubject, for principal: Principal) async throws(RPCError)
        -> PeerReviewMapping.Subject
    {
        let limit = context.configuration.maxOutputBytes
        switch subject.subject {
        case .result(let reference):
            guard !reference.taskID.isEmpty else {
                throw RPCError(.invalidArgument, "subject.result.task_id is required")
            }
            let id = TaskID(reference.taskID)
            let task = try await context.executor.run { (store) throws(StoreError) in try store.task(id) }
            guard principal.mayAccess(submitter: task.submitter) else {
                throw RPCError(.notFound, "task \(id) does not exist")
            }
            guard let number = reference.attemptNumber.map(Int.init) ?? task.canonicalAttempt else {
                throw RPCError(
                    .failedPrecondition,
                    "task \(id) has no accepted result yet (state \(task.state)); name an attempt_number or wait")
            }
            guard let output = task.attempt(number)?.result?.output else {
                throw RPCError(.notFound, "task \(id) has no result from attempt \(number)")
            }
            let text = String(validating: output, as: UTF8.self) != nil
            return PeerReviewMapping.Subject(
                body: output, mediaType: text ? "text/plain; charset=utf-8" : "application/octet-stream",
                title: "the result of task \(id), attempt \(number)",
                instructions: String(task.spec.prompt.prefix(4_096)), task: id, attempt: number)
        case .content(let content):
            guard !content.body.isEmpty else { throw RPCError(.invalidArgument, "subject.content.body is empty") }
            guard content.body.count <= limit else {
                throw RPCError(
                    .resourceExhausted, "subject.content.body is \(content.body.count) bytes; the limit is \(limit)")
            }
            guard content.title.utf8.count <= 256, content.instructions.utf8.count <= 16_384 else {
                throw RPCError(
                    .invalidArgument, "subject.content.title takes at most 256 bytes and instructions 16384")
            }
            return PeerReviewMapping.Subject(
                body: content.body,
                mediaType: content.mediaType.isEmpty ? "text/plain; charset=utf-8" : content.mediaType,
                title: content.title.isEmpty ? "untitled content" : content.title,
                instructions: content.instructions, task: nil, attempt: nil)
        case nil:
            throw RPCError(.invalidArgument, "subject is required: a result (task_id) or content to review")
        }
    }

    /// Submits the review task, or finds the one an earlier request with the same
    /// request id made (its id derives from the requester and the request id).
    func start(_ review: PeerReviewMapping.Request, requestID: String, for principal: Principal)
        async throws(RPCError) -> StoredTask
    {
        let wire = PeerReviewMapping.spec(review, swarm: context.configuration.defaultSwarm)
        var spec = try TaskSpecMapping.core(wire, defaultSwarm: context.configuration.defaultSwarm)
        // Each counted review earns an equal share; the shares of the others go back.
        if let compensation = review.compensationMicros {
            spec.fixedPriceMicros = compensation / Int64(review.reviewers)
        }
        var dagID: DagID?
        if !requestID.isEmpty {
            guard requestID.utf8.count <= 128 else {
                throw RPCError(.invalidArgument, "request_id takes at most 128 bytes")
            }
            let key = SHA256Digest.hash(Array("\(principal.id.rawValue)\u{0}\(requestID)".utf8))
            dagID = DagID("review-" + SHA256Digest.hex(key).prefix(32))
        }
        let params = SubmitParams(
            task: spec, submitter: principal.id, account: principal.account, now: context.clock.now(), dagID: dagID)
        let stored: StoredTask
        do {
            stored = try await context.executor.run { (store) throws(StoreError) -> StoredTask in
                try store.task(try store.submit(params).taskIDs[0])
            }
        } catch  where error.code == .alreadyExists {
            guard let dagID else { throw error }
            let existing = TaskID("\(dagID.rawValue).0")
            return try await context.executor.run { (store) throws(StoreError) in try store.task(existing) }
        }
        context.workChanged()
        context.tracker.touched([stored.id])
        return stored
    }

    func getReview(_ request: Openswarm_V1_GetReviewRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_GetReviewResponse
    {
        let principal = try context.callers.principal(call)
        guard !request.reviewID.isEmpty else { throw RPCError(.invalidArgument, "review_id is required") }
        let id = TaskID(request.reviewID)
        let stored: StoredTask
        do {
            stored = try await context.executor.run { (store) throws(StoreError) in try store.task(id) }
        } catch  where error.code == .notFound {
            throw RPCError(.notFound, "review \(id) does not exist")
        }
        // Reviewers see every review; others only their own (the rest are NOT_FOUND).
        guard PeerReviewMapping.isReview(stored),
            principal.roles.contains(.reviewer) || principal.mayAccess(submitter: stored.submitter)
        else { throw RPCError(.notFound, "review \(id) does not exist") }
        var response = Openswarm_V1_GetReviewResponse()
        response.review = PeerReviewMapping.review(stored)
        return response
    }

    func submitReview(_ request: Openswarm_V1_SubmitReviewRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_SubmitReviewResponse
    {
        guard call.metadata.first("x-openswarm-node-id") != nil else {
            _ = try context.callers.principal(call, requiring: .reviewer)
            throw RPCError(
                .failedPrecondition,
                "reviews by people are not taken yet: reviewer nodes answer the TASK_TYPE_PEER_REVIEW task they "
                    + "leased, quoting its lease_id, with their node credentials")
        }
        let node = try await context.nodes.authenticate(call)
        guard !request.reviewID.isEmpty else { throw RPCError(.invalidArgument, "review_id is required") }
        guard !request.leaseID.isEmpty else {
            throw RPCError(.invalidArgument, "lease_id is required: the lease of the review task this node holds")
        }
        guard let score = request.score else { throw RPCError(.invalidArgument, "score is required") }
        if let problem = PeerReviewMapping.problem(with: score) { throw RPCError(.invalidArgument, problem) }
        let output = PeerReviewMapping.output(score: score, feedback: request.feedback)
        let limit = context.configuration.maxOutputBytes
        guard output.count <= limit else {
            throw RPCError(.resourceExhausted, "the review is \(output.count) bytes; the limit is \(limit)")
        }
        let reviewID = TaskID(request.reviewID)
        let lease = LeaseID(request.leaseID)
        let now = context.clock.now()
        let (outcome, stored) = try await context.executor.run {
            (store) throws(StoreError) -> (Result<ReportOutcome, StoreError>, StoredTask) in
            let task = try store.task(reviewID)
            guard PeerReviewMapping.isReview(task) else {
                throw StoreError(.invalidArgument, "task \(reviewID) is not a peer review")
            }
            guard let attempt = task.attempts.first(where: { $0.leaseID == lease }) else {
                throw StoreError(.unknownLease, "lease \(lease) is not a lease of review \(reviewID)")
            }
            let result = TaskResult(output: output, duration: max(.milliseconds(1), now - attempt.leaseTime))
            let outcome = try store.report([
                .completed(CompleteParams(lease: lease, node: node.nodeID, result: result, now: now))
            ])[0]
            return (outcome, try store.task(reviewID))
        }
        switch outcome {
        case .success(let report):
            context.progress.forget(report.ended)
            context.workChanged(retryAt: report.retryNotBefore)
            context.tracker.touched([reviewID] + report.ended + report.readied)
        case .failure(let error):
            throw StoreStatus.rpcError(error)
        }
        var response = Openswarm_V1_SubmitReviewResponse()
        let review = PeerReviewMapping.review(stored)
        if let attempt = stored.attempts.first(where: { $0.leaseID == lease }) {
            response.submission = PeerReviewMapping.submission(stored, attempt)
        }
        response.review = review
        return response
    }
}
