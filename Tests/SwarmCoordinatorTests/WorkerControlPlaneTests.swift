import SwarmCoordinator
import SwarmCrypto
import SwarmProto
import SwarmRPC
import Testing

/// The worker control plane over real gRPC on loopback: authentication, long polls,
/// signed results, and a node acting only on its own leases.
@Suite("Worker control plane", .serialized)
struct WorkerControlPlaneTests {
    @Test func aTaskRunsFromSubmissionToSettlement() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let node = try await harness.registerNode("n1")
        let id = try await harness.submit(prompt: "hello")
        let leases = try await node.lease()
        #expect(leases.map(\.taskID) == [id])
        #expect(leases.first?.definition?.prompt == "hello")
        #expect(try await harness.task(id).state == .leased)
        let lease = try #require(leases.first)
        let acks = try await node.report([try node.result(for: lease, output: "hello")])
        #expect(acks.map(\.status) == [.accepted])
        let task = try await harness.task(id)
        #expect(task.state == .succeeded)
        #expect(task.outcome?.canonicalResult?.output == Array("hello".utf8))
        #expect(task.costs?.actualMicros ?? 0 > 0)
        // Reporting again is harmless and says so.
        #expect(try await node.report([try node.result(for: lease, output: "hello")]).map(\.status) == [.duplicate])
        await harness.stop()
    }

    @Test func aReportLeasesTheNextTasksInTheSameCallUpToTheFreeSlots() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let node = try await harness.registerNode("n1", slots: 4)
        let first = try await harness.submit(prompt: "one")
        let lease = try #require(try await node.lease().first)
        let second = try await harness.submit(prompt: "two")
        let third = try await harness.submit(prompt: "three")

        let response = try await node.reportAndLease([try node.result(for: lease, output: "one")], max: 5)
        #expect(response.acks.map(\.status) == [.accepted])
        #expect(try await harness.task(first).state == .succeeded)
        #expect(Set(response.leases.map(\.taskID)) == [second, third], "all that was queued, fewer than asked")
        for id in [second, third] { #expect(try await harness.task(id).state == .leased) }
        let held = response.leases

        // Never more than the node's free slots: it holds 2 of 4.
        var queued: [String] = []
        for index in 0..<4 { queued.append(try await harness.submit(prompt: "more \(index)")) }
        let capped = try await node.reportAndLease([try node.result(for: held[0], output: "x")], max: 10)
        #expect(capped.acks.map(\.status) == [.accepted])
        #expect(capped.leases.count == 3, "4 slots, 1 still held")

        // Zero asks for nothing, with work queued; a duplicate report still leases.
        let plain = try await node.reportAndLease([try node.result(for: held[1], output: "x")], max: 0)
        #expect(plain.leases.isEmpty)
        let again = try await node.reportAndLease([try node.result(for: held[1], output: "x")], max: 1)
        #expect(again.acks.map(\.status) == [.duplicate])
        #expect(again.leases.count == 1)
        let leasedNow = Set((capped.leases + again.leases).map(\.taskID))
        #expect(leasedNow == Set(queued), "each queued task leased once")
        await harness.stop()
    }

    @Test func aLongPollAnswersAsSoonAsWorkArrives() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let node = try await harness.registerNode("n1")
        let clock = ContinuousClock()
        let start = clock.now
        async let leased = node.lease(wait: .seconds(5))
        try await Task.sleep(for: .milliseconds(300))
        let id = try await harness.submit(prompt: "wake up")
        let leases = try await leased
        let elapsed = clock.now - start
        #expect(leases.map(\.taskID) == [id])
        #expect(elapsed < .seconds(2), "the poll must answer when work arrives, not at max_wait")
        // With nothing to do it answers empty after max_wait.
        let empty = try await node.lease(wait: .milliseconds(300))
        #expect(empty.isEmpty)
        await harness.stop()
    }

    @Test func unauthenticatedAndForeignCallsAreRefusedAndChangeNothing() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let owner = try await harness.registerNode("owner")
        let intruder = try await harness.registerNode("intruder")
        let id = try await harness.submit(prompt: "mine")
        let lease = try #require(try await owner.lease().first)

        // No metadata at all.
        do {
            _ = try await harness.client.unary(
                Openswarm_V1_WorkerService.Method.leaseTasks, Openswarm_V1_LeaseTasksRequest(),
                options: harness.options())
            Issue.record("an anonymous lease call must fail")
        } catch let error as RPCError {
            #expect(error.code == .unauthenticated)
        }
        // The right id with a wrong credential.
        let forged = TestNode(id: owner.id, credential: "not-the-credential", key: owner.key, client: harness.client)
        do {
            _ = try await forged.report([try forged.result(for: lease, output: "forged")])
            Issue.record("a forged credential must fail")
        } catch let error as RPCError {
            #expect(error.code == .unauthenticated)
        }
        // Another node reporting on the owner's lease.
        let acks = try await intruder.report([try intruder.result(for: lease, output: "stolen")])
        #expect(acks.map(\.status) == [.notLeaseHolder])
        #expect(try await harness.task(id).state == .leased)
        // The owner's real result still settles.
        #expect(try await owner.report([try owner.result(for: lease, output: "mine")]).map(\.status) == [.accepted])
        #expect(try await harness.task(id).outcome?.canonicalResult?.output == Array("mine".utf8))
        await harness.stop()
    }

    @Test func aBadSignatureOrHashMarksTheAttemptInvalidAndTheTaskIsRetried() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let node = try await harness.registerNode("n1")
        let other = try await harness.registerNode("n2")
        let id = try await harness.submit(prompt: "sign me")
        let lease = try #require(try await node.lease().first)
        let wrongKey = try Ed25519PrivateKey()
        let acks = try await node.report([try node.result(for: lease, output: "sign me", signWith: wrongKey)])
        #expect(acks.map(\.status) == [.badSignature])
        var task = try await harness.task(id)
        #expect(task.state != .succeeded)
        #expect(task.attempts.first?.state == .failed)

        // The retry goes elsewhere after its backoff; a tampered hash is caught too.
        let retry = try #require(try await other.lease(wait: .seconds(5)).first)
        var tampered = try other.result(for: retry, output: "sign me")
        tampered.output = Array("something else".utf8)
        #expect(try await other.report([tampered]).map(\.status) == [.hashMismatch])
        task = try await harness.task(id)
        #expect(task.attempts.count == 2)
        await harness.stop()
    }

    @Test func oneBatchSignatureCoversEveryResultAndAForgedOneRefusesThemAll() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let node = try await harness.registerNode("n1", slots: 8)
        for index in 0..<6 { _ = try await harness.submit(prompt: "p\(index)") }
        let leases = try await node.lease(max: 6)
        #expect(leases.count == 6)
        var results = try leases.map { try node.result(for: $0, output: $0.definition?.prompt ?? "") }
        // The per-result signatures are ignored when a batch signature is given.
        for index in results.indices { results[index].signature = [] }
        let entries = results.map {
            ResultSignature.BatchEntry(
                taskID: $0.taskID, attemptNumber: $0.attemptNumber, outputSHA256: $0.outputSha256)
        }
        let forged = try ResultSignature.signBatch(entries, key: try Ed25519PrivateKey())
        let refused = try await node.report(Array(results[0..<3]), batchSignature: forged)
        #expect(refused.map(\.status) == [.badSignature, .badSignature, .badSignature])
        let good = try ResultSignature.signBatch(Array(entries[3...]), key: node.key)
        let accepted = try await node.report(Array(results[3...]), batchSignature: good)
        #expect(accepted.map(\.status) == [.accepted, .accepted, .accepted])
        for lease in leases[3...] { #expect(try await harness.task(lease.taskID).state == .succeeded) }
        for lease in leases[..<3] { #expect(try await harness.task(lease.taskID).state != .succeeded) }
        await harness.stop()
    }

    @Test func aSilentNodeIsMarkedOfflineAndItsLeaseGoesElsewhere() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let silent = try await harness.registerNode("silent")
        let id = try await harness.submit(prompt: "survive")
        let lease = try #require(try await silent.lease().first)
        let healthy = try await harness.registerNode("healthy")
        // The failure window is 3 x 200 ms: the healthy node's long poll gets the task
        // once the silent node is declared offline.
        let clock = ContinuousClock()
        let start = clock.now
        let retry = try #require(try await healthy.lease(wait: .seconds(5)).first)
        #expect(retry.taskID == id)
        #expect(clock.now - start < .seconds(3))
        #expect(
            try await healthy.report([try healthy.result(for: retry, output: "survive")]).map(\.status) == [.accepted])
        // The silent node's late result is refused without harm.
        let late = try await silent.report([try silent.result(for: lease, output: "late")])
        #expect(late.map(\.status) == [.staleLease])
        #expect(try await harness.task(id).outcome?.canonicalResult?.output == Array("survive".utf8))
        await harness.stop()
    }

    @Test func heartbeatsExtendLeasesAndCarryCancellations() async throws {
        let harness = try await CoordinatorHarness()
        try await harness.mint(10)
        let node = try await harness.registerNode("n1")
        let id = try await harness.submit(prompt: "long")
        let lease = try #require(try await node.lease().first)
        let first = try await node.heartbeat([lease], percent: 42, step: "generating")
        #expect(first.renewals.map(\.leaseID) == [lease.leaseID])
        let running = try await harness.task(id)
        #expect(running.progressPercent == 42)
        #expect(running.currentStep == "generating")
        var cancel = Openswarm_V1_CancelTaskRequest()
        cancel.taskID = id
        _ = try await harness.client.unary(
            Openswarm_V1_TaskService.Method.cancelTask, cancel, options: harness.options())
        let second = try await node.heartbeat([lease])
        #expect(second.cancellations.map(\.leaseID) == [lease.leaseID])
        #expect(try await harness.task(id).state == .cancelled)
        await harness.stop()
    }

    @Test func usersSeeOnlyTheirOwnTasksAndAccountsModeratorsAndAdminsSeeAll() async throws {
        let harness = try await CoordinatorHarness { configuration in
            for text in ["admin-key-0123456789=root:admin", "alice-key-0123456789=alice", "bob-key-012345678901=bob"] {
                guard let (key, principal) = try? Principal.parseAPIKey(text) else { continue }
                configuration.apiKeys[key] = principal
            }
        }
        let admin = harness.options(key: "admin-key-0123456789")
        let alice = harness.options(key: "alice-key-0123456789")
        let bob = harness.options(key: "bob-key-012345678901")
        var mint = Openswarm_V1_MintRequest()
        mint.accountID = "alice"
        mint.amountMicros = 10_000_000
        _ = try await harness.client.unary(Openswarm_V1_LedgerService.Method.mint, mint, options: admin)
        var definition = Openswarm_V1_TaskDefinition()
        definition.prompt = "private"
        var spec = Openswarm_V1_TaskSpec()
        spec.definition = definition
        var submit = Openswarm_V1_SubmitTaskRequest()
        submit.task = spec
        let id =
            try await harness.client.unary(Openswarm_V1_TaskService.Method.submitTask, submit, options: alice)
            .task?.id ?? ""

        var get = Openswarm_V1_GetTaskRequest()
        get.taskID = id
        #expect(
            try await harness.client.unary(Openswarm_V1_TaskService.Method.getTask, get, options: alice).task?.id == id)
        #expect(
            try await harness.client.unary(Openswarm_V1_TaskService.Method.getTask, get, options: admin).task?.id == id)
        await #expect(throws: RPCError.self) {
            _ = try await harness.client.unary(Openswarm_V1_TaskService.Method.getTask, get, options: bob)
        }
        var cancel = Openswarm_V1_CancelTaskRequest()
        cancel.taskID = id
        await #expect(throws: RPCError.self) {
            _ = try await harness.client.unary(Openswarm_V1_TaskService.Method.cancelTask, cancel, options: bob)
        }
        let after = try await harness.client.unary(Openswarm_V1_TaskService.Method.getTask, get, options: admin)
        #expect(after.task?.state == .ready, "bob's refused cancel changed nothing")
        let list = Openswarm_V1_ListTasksRequest()
        #expect(
            try await harness.client.unary(Openswarm_V1_TaskService.Method.listTasks, list, options: bob).tasks.isEmpty)
        #expect(
            try await harness.client.unary(Openswarm_V1_TaskService.Method.listTasks, list, options: alice).tasks.map(
                \.id)
                == [id])
        var balance = Openswarm_V1_GetBalanceRequest()
        balance.accountID = "alice"
        await #expect(throws: RPCError.self) {
            _ = try await harness.client.unary(Openswarm_V1_LedgerService.Method.getBalance, balance, options: bob)
        }
        #expect(
            try await harness.client.unary(Openswarm_V1_LedgerService.Method.getBalance, balance, options: alice)
                .account?.balanceMicros ?? 0 > 0)
        await harness.stop()
    }

    @Test func withAPIKeysConfiguredAnonymousUsersAreRefused() async throws {
        let harness = try await CoordinatorHarness { configuration in
            let (key, principal) = try! Principal.parseAPIKey("admin-key-0123456789=root:admin")
            configuration.apiKeys[key] = principal
        }
        do {
            _ = try await harness.submit(prompt: "anonymous")
            Issue.record("submission without a key must fail")
        } catch let error as RPCError {
            #expect(error.code == .unauthenticated)
        }
        do {
            _ = try await harness.registerNode("n1")
            Issue.record("registration without a key must fail")
        } catch let error as RPCError {
            #expect(error.code == .unauthenticated)
        }
        let node = try await harness.registerNode("n1", key: "admin-key-0123456789")
        #expect(!node.id.isEmpty)
        await harness.stop()
    }
}
