import SwarmCore
import SwarmProto
import SwarmRPC
import SwarmStore

/// `openswarm.v1.LedgerService.Transfer`: a user moves tokens from its own account
/// (admins from any); a short balance is FAILED_PRECONDITION with the figures.
extension LedgerDesk {
    func transfer(_ request: Openswarm_V1_TransferRequest, _ call: ServerContext) async throws(RPCError)
        -> Openswarm_V1_TransferResponse
    {
        let principal = try context.callers.principal(call, requiring: .user)
        let from =
            request.fromAccountID.isEmpty || request.fromAccountID == "me"
            ? principal.account : AccountID(request.fromAccountID)
        guard from == principal.account || principal.roles.contains(.admin) else {
            throw RPCError(.permissionDenied, "you may transfer only from your own account \(principal.account)")
        }
        guard !request.toAccountID.isEmpty else { throw RPCError(.invalidArgument, "to_account_id is required") }
        guard !request.toAccountID.hasPrefix("system:") else {
            throw RPCError(
                .invalidArgument, "tokens cannot be transferred to the system account \(request.toAccountID)")
        }
        guard request.amountMicros > 0 else { throw RPCError(.invalidArgument, "amount_micros must be positive") }
        guard request.requestID.utf8.count <= 128 else {
            throw RPCError(.invalidArgument, "request_id is at most 128 bytes")
        }
        let params = TransferParams(
            from: from, to: AccountID(request.toAccountID), amountMicros: request.amountMicros,
            requestID: request.requestID.isEmpty ? nil : request.requestID, now: context.clock.now())
        let outcome = try await context.executor.run { (store) throws(StoreError) in try store.transfer(params) }
        if !outcome.repeated {
            context.transactionRecorded(outcome.entry, at: params.now)
            context.logger.info(
                "tokens transferred",
                metadata: [
                    "from": "\(from)", "to": "\(params.to)", "micros": "\(params.amountMicros)",
                    "by": "\(principal.id)",
                ])
        }
        var response = Openswarm_V1_TransferResponse()
        var transaction = Self.transaction(outcome.entry)
        transaction.description_p = request.description_p
        response.transaction = transaction
        var account = Openswarm_V1_Account()
        account.id = from.rawValue
        account.balanceMicros = outcome.fromBalance
        response.fromAccount = account
        return response
    }
}
