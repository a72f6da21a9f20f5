import SwarmCore
import SwarmProto
import SwarmRPC
import SwarmStore

/// `openswarm.v1.LedgerService`: balances, transactions and the admin mint; transfers
/// and economics in `LedgerDesk+Transfer.swift` and `LedgerDesk+Economics.swift`.
struct LedgerDesk: Sendable {
    let context: CoordinatorContext

    func register(into router: inout RPCRouter) {
        router.unary(Openswarm_V1_LedgerService.Method.transfer) { request, call in
            try await transfer(request, call)
        }
        router.unary(Openswarm_V1_LedgerService.Method.getResourceEconomics) { request, call in
            try await economics(request, call)
        }
        router.unary(Openswarm_V1_LedgerService.Method.getBalance) { request, call in
            let principal = try context.callers.principal(call)
            let account = request.accountID.isEmpty ? principal.account : AccountID(request.accountID)
            guard principal.mayRead(account: account) else {
                throw RPCError(.permissionDenied, "only moderators and admins read other accounts")
            }
            let balance = try await context.executor.run { (store) throws(StoreError) in try store.balance(of: account)
            }
            var response = Openswarm_V1_GetBalanceResponse()
            var wire = Openswarm_V1_Account()
            wire.id = account.rawValue
            wire.balanceMicros = balance
            response.account = wire
            return response
        }
        router.unary(Openswarm_V1_LedgerService.Method.listTransactions) { request, call in
            let principal = try context.callers.principal(call)
            let account = request.accountID.isEmpty ? principal.account : AccountID(request.accountID)
            guard principal.mayRead(account: account) else {
                throw RPCError(.permissionDenied, "only moderators and admins read other accounts")
            }
            let reference = request.referenceID
            let pageSize = request.pageSize <= 0 ? 100 : min(Int(request.pageSize), 1_000)
            let entries = try await context.executor.run { (store) throws(StoreError) in
                if let reference { return try store.ledgerEntries(reference: reference) }
                return try store.ledgerEntries(account: account, limit: pageSize)
            }
            let types = Set(request.types)
            var response = Openswarm_V1_ListTransactionsResponse()
            response.transactions = entries.filter { entry in
                entry.postings.contains { $0.account == account }
                    && (types.isEmpty || types.contains(Self.type(entry.type)))
            }.suffix(pageSize).map(Self.transaction)
            return response
        }
        router.unary(Openswarm_V1_LedgerService.Method.mint) { request, call in
            _ = try context.callers.principal(call, requiring: .admin)
            guard !request.accountID.isEmpty else { throw RPCError(.invalidArgument, "account_id is required") }
            guard request.amountMicros > 0 else { throw RPCError(.invalidArgument, "amount_micros must be positive") }
            let account = AccountID(request.accountID)
            let amount = request.amountMicros
            let now = context.clock.now()
            let (entry, balance) = try await context.executor.run { (store) throws(StoreError) in
                let entry = try store.mint(amount, to: account, now: now)
                return (entry, try store.balance(of: account))
            }
            context.transactionRecorded(entry, at: now)
            var response = Openswarm_V1_MintResponse()
            response.transaction = Self.transaction(entry)
            var wire = Openswarm_V1_Account()
            wire.id = account.rawValue
            wire.balanceMicros = balance
            response.account = wire
            return response
        }
    }

    static func transaction(_ entry: LedgerEntry) -> Openswarm_V1_TokenTransaction {
        var wire = Openswarm_V1_TokenTransaction()
        wire.id = entry.id.rawValue
        wire.type = type(entry.type)
        wire.referenceID = entry.reference
        wire.postings = entry.postings.map { posting in
            var leg = Openswarm_V1_Posting()
            leg.accountID = posting.account.rawValue
            leg.amountMicros = posting.amountMicros
            return leg
        }
        if let debit = entry.postings.first(where: { $0.amountMicros < 0 }) {
            wire.fromAccountID = debit.account.rawValue
        }
        if let credit = entry.postings.first(where: { $0.amountMicros > 0 }) {
            wire.toAccountID = credit.account.rawValue
            wire.amountMicros = entry.postings.filter { $0.amountMicros > 0 }.reduce(0) { $0 + $1.amountMicros }
        }
        return wire
    }

    static func type(_ type: TransactionType) -> Openswarm_V1_TransactionType {
        switch type {
        case .mint: .mint
        case .transfer: .transfer
        case .escrow: .escrow
        case .payment: .payment
        case .refund: .refund
        case .fee: .fee
        }
    }
}
