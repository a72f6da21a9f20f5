import SwarmCore
import SwarmCrypto
import SwarmProto
import SwarmRPC
import SwarmStore

/// `openswarm.v1.QualityService`: automated validation of results (BASIC level).
/// Peer reviews (THOROUGH and EXPERT validation, RequestPeerReview, SubmitReview) need
/// review records, reviewer assignment and review escrow that the store does not have
/// yet; they answer UNIMPLEMENTED with that reason.
struct QualityDesk: Sendable {
    let context: CoordinatorContext

    func register(into router: inout RPCRouter) {
        router.unary(Openswarm_V1_QualityService.Method.validateResult) { request, call in
            try await validate(request, call)
        }
        router.unary(Openswarm_V1_QualityService.Method.requestPeerReview) { _, call in
            _ = try context.callers.principal(call, requiring: .user)
            throw Self.noPeerReview
        }
        router.unary(Openswarm_V1_QualityService.Method.submitReview) { _, call in
            _ = try context.callers.principal(call, requiring: .reviewer)
            throw Self.noPeerReview
        }
    }

    static let noPeerReview = RPCError(
        .unimplemented,
        "peer review is not available yet: the coordinator cannot store reviews or assign reviewers; "
            + "use ValidateResult at VALIDATION_LEVEL_BASIC (consensus and automated checks)")

    func validate(_ request: Openswarm_V1_ValidateResultRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_ValidateResultResponse
    {
        let principal = try context.callers.principal(call)
        guard [.user, .reviewer, .admin].contains(where: principal.roles.contains) else {
            throw RPCError(.permissionDenied, "validating results needs the user, reviewer or admin role")
        }
        guard request.level == .unspecified || request.level == .basic else { throw Self.noPeerReview }
        var response = Openswarm_V1_ValidateResultResponse()
        switch request.subject {
        case .resultRef(let reference):
            response.qualityScore = try await score(reference, for: principal)
        case .result(let result):
            response.qualityScore = try await score(inline: result)
        case nil:
            throw RPCError(.invalidArgument, "give result_ref (a held result) or result (an inline one)")
        }
        response.improvementSuggestions = response.qualityScore?.improvements ?? []
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
