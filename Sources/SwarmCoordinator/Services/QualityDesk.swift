import SwarmCore
import SwarmCrypto
import SwarmProto
import SwarmRPC
import SwarmStore

/// `openswarm.v1.QualityService`: automated validation of results (BASIC level) and
/// peer reviews (THOROUGH and EXPERT validation, RequestPeerReview, SubmitReview,
/// GetReview; see `QualityDesk+PeerReview.swift`).
struct QualityDesk: Sendable {
    let context: CoordinatorContext

    func register(into router: inout RPCRouter) {
        router.unary(Openswarm_V1_QualityService.Method.validateResult) { request, call in
            try await validate(request, call)
        }
        router.unary(Openswarm_V1_QualityService.Method.requestPeerReview) { request, call in
            try await requestPeerReview(request, call)
        }
        router.unary(Openswarm_V1_QualityService.Method.submitReview) { request, call in
            try await submitReview(request, call)
        }
        router.unary(Openswarm_V1_QualityService.Method.getReview) { request, call in
            try await getReview(request, call)
        }
    }

    func validate(_ request: Openswarm_V1_ValidateResultRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_ValidateResultResponse
    {
        let principal = try context.callers.principal(call)
        guard [.user, .reviewer, .admin].contains(where: principal.roles.contains) else {
            throw RPCError(.permissionDenied, "validating results needs the user, reviewer or admin role")
        }
        var response = Openswarm_V1_ValidateResultResponse()
        var subject = Openswarm_V1_ReviewSubject()
        switch request.subject {
        case .resultRef(let reference):
            response.qualityScore = try await score(reference, for: principal)
            subject.subject = .result(reference)
        case .result(let result):
            response.qualityScore = try await score(inline: result)
            var content = Openswarm_V1_ReviewContent()
            content.title = "a result of task \(result.taskID), attempt \(result.attemptNumber)"
            content.mediaType = result.mediaType
            content.body = result.output
            subject.subject = .content(content)
        case nil:
            throw RPCError(.invalidArgument, "give result_ref (a held result) or result (an inline one)")
        }
        response.improvementSuggestions = response.qualityScore?.improvements ?? []
        guard request.level == .thorough || request.level == .expert else { return response }
        // Deeper levels add reviewers, paid from the caller's account.
        guard principal.roles.contains(.user) || principal.roles.contains(.admin) else {
            throw RPCError(
                .permissionDenied, "THOROUGH and EXPERT validation start a paid review: it needs the user role")
        }
        if case .content(let content) = subject.subject, content.body.isEmpty {
            throw RPCError(.invalidArgument, "result.output is empty: there is nothing for reviewers to score")
        }
        guard request.maxCostMicros >= 0 else {
            throw RPCError(.invalidArgument, "max_cost_micros must not be negative, not \(request.maxCostMicros)")
        }
        let review = try Self.reviewRequest(
            subject: try await resolve(subject, for: principal), expertise: request.expertise, urgency: .normal,
            level: request.level, reviewers: request.reviewerCount, threshold: request.consensusThreshold,
            compensation: request.maxCostMicros, timeLimit: nil)
        let stored = try await start(review, requestID: "", for: principal)
        response.review = PeerReviewMapping.review(stored)
        response.validationCostMicros = stored.escrowMicros
        return response
    }

    private func score(_ reference: Openswarm_V1_ResultReference, for principal: Principal) async throws(RPCError)
        -> Openswarm_V1_QualityScore
    {
        guard !reference.taskID.isEmpty else { throw RPCError(.invalidArgument, "result_ref.task_id is required") }
        let id = TaskID(reference.taskID)
        let task = try await context.executor.run { (store) throws(StoreError) in try store.task(id) }
        // Reviewers judge anyone's results; users only their own (others' are NOT_FOUND).
        guard principal.roles.contains(.reviewer) || principal.mayAccess(submitter: task.submitter) else {
            throw RPCError(.notFound, "task \(id) does not exist")
        }
        let number = reference.attemptNumber.map(Int.init) ?? task.canonicalAttempt
        guard let number else {
            throw RPCError(
                .failedPrecondition,
                "task \(id) has no accepted result yet (state \(task.state)); "
                    + "name an attempt_number or wait for it to succeed")
        }
        guard let attempt = task.attempt(number), attempt.result != nil else {
            throw RPCError(.notFound, "task \(id) has no result from attempt \(number)")
        }
        return QualityScoring.score(task, attempt: attempt)
    }

    private func score(inline result: Openswarm_V1_TaskResult) async throws(RPCError) -> Openswarm_V1_QualityScore {
        var key: Ed25519PublicKey?
        if !result.nodeID.isEmpty {
            let id = NodeID(result.nodeID)
            let identity = try await context.executor.run { (store) throws(StoreError) in try store.nodeIdentity(id) }
            key = try? Ed25519PublicKey(rawRepresentation: identity.publicKey)
        }
        let check = ResultCheck.check(
            result, publicKey: key, maxOutputBytes: context.configuration.maxOutputBytes,
            signatureChecked: key == nil)
        return QualityScoring.score(inline: result, check: check)
    }
}
