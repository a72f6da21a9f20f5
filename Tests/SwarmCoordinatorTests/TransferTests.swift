import SwarmCoordinator
import SwarmProto
import SwarmRPC
import Testing

/// LedgerService.Transfer and GetResourceEconomics.
@Suite("Transfers", .serialized)
struct TransferTests {
    private func transfer(_ micros: Int64, to: String, from: String = "", requestID: String = "")
        -> Openswarm_V1_TransferRequest
    {
        var request = Openswarm_V1_TransferRequest()
        request.fromAccountID = from
        request.toAccountID = to
        request.amountMicros = micros
        request.description_p = "lunch"
        request.requestID = requestID
        return request
    }

    private func balance(_ harness: CoordinatorHarness, _ account: String) async throws -> Int64 {
        var request = Openswarm_V1_GetBalanceRequest()
        request.accountID = account
        return try await harness.call(Openswarm_V1_LedgerService.Method.getBalance, request, key: TestKeys.admin)
            .account?.balanceMicros ?? -1
    }

    @Test func aUserMovesTokensToAnotherOncePerRequestID() async throws {
        let harness = try await CoordinatorHarness.keyed()
        try await harness.mint(10, to: "alice", key: TestKeys.admin)
        let method = Openswarm_V1_LedgerService.Method.transfer
        let first = try await harness.call(method, transfer(4_000_000, to: "bob", requestID: "r1"), key: TestKeys.alice)
        #expect(first.fromAccount?.id == "alice")
        #expect(first.fromAccount?.balanceMicros == 6_000_000)
        #expect(first.transaction?.type == .transfer)
        #expect(first.transaction?.fromAccountID == "alice")
        #expect(first.transaction?.toAccountID == "bob")
        #expect(first.transaction?.amountMicros == 4_000_000)
        #expect(try await balance(harness, "bob") == 4_000_000)

        let repeated = try await harness.call(
            method, transfer(4_000_000, to: "bob", requestID: "r1"), key: TestKeys.alice)
        #expect(repeated.transaction?.id == first.transaction?.id)
        #expect(try await balance(harness, "alice") == 6_000_000, "a repeated request moves nothing")
        let reused = await harness.refusal(method, transfer(1, to: "bob", requestID: "r1"), key: TestKeys.alice)
        #expect(reused?.code == .alreadyExists)
        await harness.stop()
    }

    @Test func shortBalancesForeignAccountsAndBadAmountsAreRefused() async throws {
        let harness = try await CoordinatorHarness.keyed()
        try await harness.mint(1, to: "alice", key: TestKeys.admin)
        let method = Openswarm_V1_LedgerService.Method.transfer

        let short = await harness.refusal(method, transfer(2_000_000, to: "bob"), key: TestKeys.alice)
        #expect(short?.code == .failedPrecondition)
        #expect(short?.metadata.first("x-openswarm-error-code") == "insufficient_funds")
        #expect(short?.message.contains("1000000") == true, "the message gives the balance")
        #expect(try await balance(harness, "alice") == 1_000_000)

        #expect(
            await harness.refusal(method, transfer(1, to: "bob", from: "alice"), key: TestKeys.bob)?.code
                == .permissionDenied)
        #expect(await harness.refusal(method, transfer(1, to: "bob"))?.code == .unauthenticated)
        #expect(await harness.refusal(method, transfer(0, to: "bob"), key: TestKeys.alice)?.code == .invalidArgument)
        #expect(await harness.refusal(method, transfer(1, to: ""), key: TestKeys.alice)?.code == .invalidArgument)
        #expect(await harness.refusal(method, transfer(1, to: "alice"), key: TestKeys.alice)?.code == .invalidArgument)
        #expect(
            await harness.refusal(method, transfer(1, to: "carol"), key: TestKeys.bob)?.code == .notFound,
            "bob never held tokens: his account does not exist")
        // Admins move tokens from any account.
        _ = try await harness.call(method, transfer(500_000, to: "bob", from: "alice"), key: TestKeys.admin)
        #expect(try await balance(harness, "bob") == 500_000)
        await harness.stop()
    }

    @Test func economicsReportTheSupplyAndBasePrice() async throws {
        let harness = try await CoordinatorHarness.keyed()
        try await harness.mint(7, to: "alice", key: TestKeys.admin)
        let response = try await harness.call(
            Openswarm_V1_LedgerService.Method.getResourceEconomics, Openswarm_V1_GetResourceEconomicsRequest(),
            key: TestKeys.bob)
        #expect(response.economics?.statistics?.totalCirculatingMicros == 7_000_000)
        #expect(response.economics?.rates?.taskBasePriceMicros ?? 0 > 0)
        #expect(response.economics?.pricing?.demandMultiplier == 1)
        await harness.stop()
    }
}
