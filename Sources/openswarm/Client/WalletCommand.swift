import ArgumentParser
import SwarmProto

/// `openswarm wallet balance|transactions|mint|transfer`.
struct WalletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wallet", abstract: "Token balances and movements.",
        subcommands: [Balance.self, Transactions.self, Mint.self, Transfer.self])

    struct Balance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an account's balance.")
        @OptionGroup var client: ClientOptions
        @Option(help: "Account (default your own).") var account: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var request = Openswarm_V1_GetBalanceRequest()
            request.accountID = account ?? ""
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(Openswarm_V1_LedgerService.Method.getBalance, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            let wire = response.account ?? Openswarm_V1_Account()
            print("\(wire.id): \(Money.format(wire.balanceMicros))")
        }
    }

    struct Transactions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an account's ledger transactions.")
        @OptionGroup var client: ClientOptions
        @Option(help: "Account (default your own).") var account: String?
        @Option(help: "Most transactions, newest last.") var limit: Int32 = 50
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var request = Openswarm_V1_ListTransactionsRequest()
            request.accountID = account ?? ""
            request.pageSize = limit
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(
                    Openswarm_V1_LedgerService.Method.listTransactions, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            for transaction in response.transactions { print(WalletCommand.line(transaction)) }
        }
    }

    struct Mint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create tokens in an account (admin).")
        @OptionGroup var client: ClientOptions
        @Option(help: "Account to credit.") var account: String
        @Option(help: "Tokens to create (may have decimals).") var amount: Double
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard amount > 0, amount < 1e12 else { throw ValidationError("--amount must be positive") }
            var request = Openswarm_V1_MintRequest()
            request.accountID = account
            request.amountMicros = Int64((amount * 1_000_000).rounded())
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(Openswarm_V1_LedgerService.Method.mint, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            print("\(account): \(Money.format(response.account?.balanceMicros ?? 0))")
        }
    }

    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move tokens from your account to another.")
        @OptionGroup var client: ClientOptions
        @Option(help: "Account to credit.") var to: String
        @Option(help: "Tokens to move (may have decimals).") var amount: Double
        @Option(help: "Account to debit (default your own; others need the admin role).") var from: String?
        @Option(help: "Why, for the record.") var description = ""
        @Option(help: "Idempotency key: a repeat with the same key moves nothing more.") var requestId = ""
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard amount > 0, amount < 1e12 else { throw ValidationError("--amount must be positive") }
            var request = Openswarm_V1_TransferRequest()
            request.fromAccountID = from ?? ""
            request.toAccountID = to
            request.amountMicros = Int64((amount * 1_000_000).rounded())
            request.description_p = description
            request.requestID = requestId
            let response = try await ClientCall.run(client) { rpc in
                try await rpc.unary(Openswarm_V1_LedgerService.Method.transfer, request, options: client.options())
            }
            if json { return print(response.jsonString()) }
            let account = response.fromAccount ?? Openswarm_V1_Account()
            print(
                "\(account.id) -> \(to): \(Money.format(request.amountMicros)); \(account.id) now holds "
                    + Money.format(account.balanceMicros))
        }
    }

    static func line(_ transaction: Openswarm_V1_TokenTransaction) -> String {
        let legs = transaction.postings.map {
            "\($0.accountID) \($0.amountMicros >= 0 ? "+" : "")\(Money.format($0.amountMicros))"
        }
        return "\(TaskText.name(transaction.type).padded(8)) \(transaction.referenceID.padded(24)) "
            + legs.joined(separator: ", ")
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
