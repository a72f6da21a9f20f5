import Glibc
import SwarmCore
import SwarmCrypto
import SwarmProto
import SwarmRPC
import SwarmStore
import Testing

/// Open-Swarm end to end: `openswarm server` and `openswarm worker` processes on
/// loopback, driven over gRPC and stopped with real signals.
@Suite("End to end", .serialized)
struct EndToEndTests {
    @Test("A 1,000-task DAG runs across three worker processes with correct outputs")
    func thousandTaskDag() async throws {
        let cluster = try Cluster()
        try await cluster.startCoordinator()
        for index in 1...3 { try cluster.startWorker("w\(index)", slots: 8, extra: ["--account", "wallet-\(index)"]) }
        try await cluster.mint(1_000)
        // A binary tree: each child echoes its parent's output plus its own number, so
        // every output spells the path from the root.
        var tasks = [Dags.task("t0", prompt: "0")]
        var expected = ["0"]
        for index in 1..<1_000 {
            let parent = (index - 1) / 2
            tasks.append(
                Dags.task("t\(index)", prompt: "{{ tasks.t\(parent).output }}/\(index)", dependsOn: ["t\(parent)"]))
            expected.append(expected[parent] + "/\(index)")
        }
        let dag = try await cluster.submit(Dags.request(tasks)).dag?.id ?? ""
        let done = try await cluster.waitForDag(dag, timeout: .seconds(180))
        #expect(done.count == 1_000)
        #expect(done.allSatisfy { $0.state == .succeeded })
        for task in done {
            let index = Int(task.metadata?.dagTaskName.dropFirst() ?? "") ?? -1
            let output = String(decoding: task.outcome?.canonicalResult?.output ?? [], as: UTF8.self)
            #expect(output == expected[index], "task \(task.metadata?.dagTaskName ?? "")")
        }
        let nodes = Set(done.flatMap(\.attempts).map(\.nodeID))
        #expect(nodes.count == 3, "all three workers took part")
        // SIGTERM: workers drain and the coordinator stops gracefully, all with status 0.
        let codes = await cluster.stop()
        #expect(codes.values.allSatisfy { $0 == 0 }, "exit codes \(codes)")
    }

    @Test("R=3, Q=2 with a lying worker: canonical results are right and the liar stops getting work")
    func byzantineWorker() async throws {
        let cluster = try Cluster()
        try await cluster.startCoordinator()
        try cluster.startWorker("honest-1", extra: ["--account", "wallet-1"])
        try cluster.startWorker("honest-2", extra: ["--account", "wallet-2"])
        try cluster.startWorker(
            "liar", runtimes: ["echo=builtin:byzantine:1.0"], extra: ["--account", "wallet-3"])
        try await cluster.mint(1_000)
        var swarm = Openswarm_V1_CreateSwarmRequest()
        swarm.name = "careful"
        var configuration = Openswarm_V1_SwarmConfiguration()
        configuration.minReputation = 30
        swarm.configuration = configuration
        _ = try await cluster.rpc().unary(Openswarm_V1_SwarmService.Method.createSwarm, swarm, options: cluster.options)
        try await waitForNodes(cluster, count: 3)

        var tasks: [Openswarm_V1_DagTask] = []
        for index in 0..<30 {
            tasks.append(Dags.task("v\(index)", input: "value \(index)", replicas: 3, quorum: 2, maxAttempts: 3))
        }
        var request = Dags.request(tasks)
        request.swarmID = "careful"
        let dag = try await cluster.submit(request).dag?.id ?? ""
        let done = try await cluster.waitForDag(dag, timeout: .seconds(120))
        for task in done {
            #expect(task.state == .succeeded)
            let index = task.metadata?.dagTaskName.dropFirst() ?? ""
            #expect(task.outcome?.canonicalResult?.output == Array("value \(index)".utf8))
        }
        let liar = try #require(try await cluster.node(named: "liar"))
        let reputation = liar.economics?.reputation ?? 100
        #expect(reputation < 30, "the liar's reputation \(reputation) fell below the swarm's floor")
        #expect(done.flatMap(\.attempts).filter { $0.nodeID == liar.id }.allSatisfy { $0.verdict != .agreed })

        // Below the floor it gets no more work in that swarm.
        var second = Dags.request((0..<10).map { Dags.task("w\($0)", input: "again \($0)", replicas: 3, quorum: 2) })
        second.swarmID = "careful"
        second.name = "second"
        let secondDag = try await cluster.submit(second).dag?.id ?? ""
        try cluster.startWorker("honest-3", extra: ["--account", "wallet-4"])
        let secondDone = try await cluster.waitForDag(secondDag, timeout: .seconds(120))
        #expect(secondDone.allSatisfy { $0.state == .succeeded })
        #expect(secondDone.flatMap(\.attempts).allSatisfy { $0.nodeID != liar.id }, "the liar got no new replicas")
        await cluster.stop()
    }

    @Test("A peer review by three reviewer workers: the two fair ones agree, are paid and make the score")
    func peerReview() async throws {
        let cluster = try Cluster()
        try await cluster.startCoordinator()
        for (index, score) in ["8", "7.5", "1"].enumerated() {
            try cluster.startWorker(
                "reviewer-\(index + 1)", runtimes: ["review=builtin:review:\(score)"],
                extra: ["--account", "wallet-\(index + 1)"])
        }
        try await cluster.mint(10)
        try await waitForNodes(cluster, count: 3)
        var content = Openswarm_V1_ReviewContent()
        content.title = "a sorting function"
        content.mediaType = "text/x-python"
        content.body = Array("def sort(xs): return sorted(xs)".utf8)
        var subject = Openswarm_V1_ReviewSubject()
        subject.subject = .content(content)
        var request = Openswarm_V1_RequestPeerReviewRequest()
        request.subject = subject
        request.compensationMicros = 60_000
        let review = try #require(
            try await cluster.rpc().unary(
                Openswarm_V1_QualityService.Method.requestPeerReview, request, options: cluster.options
            ).review)
        let dag = String(review.id.prefix { $0 != "." })
        let done = try #require(try await cluster.waitForDag(dag, timeout: .seconds(60)).first)
        #expect(done.state == .succeeded)
        let consensus = try #require(done.outcome?.consensus)
        #expect(consensus.agreeingNodeIDs.count == 2)
        let canonical = try Openswarm_V1_ReviewSubmission(jsonUTF8Bytes: done.outcome?.canonicalResult?.output ?? [])
        #expect([8, 7.5].contains(canonical.score?.overall ?? 0))
        let harsh = try #require(try await cluster.node(named: "reviewer-3"))
        #expect(
            done.attempts.filter { $0.nodeID == harsh.id }.allSatisfy { $0.verdict != .agreed && $0.paidMicros == 0 })
        #expect(done.attempts.filter { $0.verdict == .agreed }.allSatisfy { $0.paidMicros == 20_000 })
        #expect(done.costs?.actualMicros == 40_000 && done.costs?.refundedMicros == 20_000)
        await cluster.stop()
    }

    @Test("SIGKILL of a worker mid-task: its tasks finish elsewhere within the failover window")
    func killedWorker() async throws {
        let cluster = try Cluster()
        try await cluster.startCoordinator(heartbeatInterval: 0.5)
        let victim = try cluster.startWorker("victim", slots: 4, extra: ["--account", "wallet-1"])
        try await waitForNodes(cluster, count: 1)
        try await cluster.mint(100)
        let tasks = (0..<4).map { Dags.task("s\($0)", input: "2s", capability: "sleep") }
        let dag = try await cluster.submit(Dags.request(tasks)).dag?.id ?? ""
        try await waitUntil("the victim holds every task") {
            try await cluster.tasks(dag: dag).allSatisfy { $0.state == .leased || $0.state == .running }
        }
        victim.signal(SIGKILL)
        let killedAt = ContinuousClock.now
        try cluster.startWorker("survivor", slots: 4, extra: ["--account", "wallet-2"])
        let done = try await cluster.waitForDag(dag, timeout: .seconds(60))
        let elapsed = ContinuousClock.now - killedAt
        #expect(done.allSatisfy { $0.state == .succeeded })
        // Detection takes 3 x 0.5 s, the retry backoff 0.1 s and the task 2 s.
        #expect(elapsed < .seconds(10), "failover took \(elapsed)")
        let survivor = try #require(try await cluster.node(named: "survivor"))
        #expect(done.allSatisfy { $0.outcome?.canonicalResult?.nodeID == survivor.id })
        await cluster.stop()
    }

    @Test("SIGSTOP of a worker: its tasks finish elsewhere; after SIGCONT its stale results are refused harmlessly")
    func stoppedWorker() async throws {
        let cluster = try Cluster()
        try await cluster.startCoordinator(heartbeatInterval: 0.5)
        let sleeper = try cluster.startWorker("sleeper", slots: 2, extra: ["--account", "wallet-1"])
        try await waitForNodes(cluster, count: 1)
        try await cluster.mint(100)
        let tasks = (0..<2).map { Dags.task("s\($0)", input: "1s", capability: "sleep") }
        let dag = try await cluster.submit(Dags.request(tasks)).dag?.id ?? ""
        try await waitUntil("the sleeper holds both tasks") {
            try await cluster.tasks(dag: dag).allSatisfy { $0.state == .leased || $0.state == .running }
        }
        sleeper.signal(SIGSTOP)
        try cluster.startWorker("awake", slots: 2, extra: ["--account", "wallet-2"])
        let done = try await cluster.waitForDag(dag, timeout: .seconds(60))
        #expect(done.allSatisfy { $0.state == .succeeded })
        let awake = try #require(try await cluster.node(named: "awake"))
        #expect(done.allSatisfy { $0.outcome?.canonicalResult?.nodeID == awake.id })
        sleeper.signal(SIGCONT)
        // The sleeper wakes, finishes its stale attempts and reports them: refused.
        try await waitUntil("the sleeper reported its stale results") {
            sleeper.log.contains("stale") || sleeper.log.contains("STALE") || sleeper.log.contains("abandon")
        }
        let after = try await cluster.tasks(dag: dag)
        #expect(after.map { $0.outcome?.canonicalResult?.nodeID } == done.map { $0.outcome?.canonicalResult?.nodeID })
        #expect(after.allSatisfy { $0.costs?.actualMicros == done.first?.costs?.actualMicros })
        #expect(await sleeper.wait(timeout: .milliseconds(100)) == nil, "the sleeper is still running")
        await cluster.stop()
    }

    @Test("SIGKILL of the coordinator mid-run (SQLite): after a restart every task completes, settled once")
    func killedCoordinatorSQLite() async throws {
        try await killedCoordinator(store: nil)
    }

    @Test(
        "SIGKILL of the coordinator mid-run (PostgreSQL): after a restart every task completes, settled once",
        .enabled(if: getenv("OPENSWARM_TEST_POSTGRES_URL") != nil))
    func killedCoordinatorPostgres() async throws {
        let url = String(cString: getenv("OPENSWARM_TEST_POSTGRES_URL"))
        try await killedCoordinator(store: try await FreshPostgresDatabase.make(url))
    }

    func killedCoordinator(store: String?) async throws {
        let cluster = try Cluster(store: store)
        try await cluster.startCoordinator(heartbeatInterval: 0.5)
        try cluster.startWorker("w1", slots: 4, extra: ["--account", "wallet-1"])
        try cluster.startWorker("w2", slots: 4, extra: ["--account", "wallet-2"])
        try await waitForNodes(cluster, count: 2)
        try await cluster.mint(100)
        let tasks = (0..<200).map { Dags.task("s\($0)", input: "20ms", capability: "sleep") }
        let dag = try await cluster.submit(Dags.request(tasks)).dag?.id ?? ""
        try await waitUntil("some tasks succeeded") {
            try await cluster.tasks(dag: dag).contains { $0.state == .succeeded }
        }
        cluster.coordinator?.signal(SIGKILL)
        await cluster.coordinator?.wait(timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(500))
        try await cluster.startCoordinator(heartbeatInterval: 0.5)
        let done = try await cluster.waitForDag(dag, timeout: .seconds(120))
        #expect(done.allSatisfy { $0.state == .succeeded })
        await cluster.stop()

        // The books: nothing paid twice, nothing lost, the supply is what was minted.
        let durable = try DurableStore.open(cluster.store)
        defer { durable.close() }
        #expect(try durable.ledgerTotal() == 0)
        #expect(try durable.balance(of: Ledger.issuance) == -100_000_000)
        #expect(try durable.balance(of: Ledger.escrow) == 0)
        let stored = try durable.tasks(inDag: DagID(dag))
        for task in stored {
            #expect(task.attempts.filter { $0.paidMicros > 0 }.count == 1, "task \(task.id) paid once")
            #expect(task.escrowMicros == 0, "task \(task.id) holds no escrow once ended")
        }
        let paid = stored.reduce(Int64(0)) { $0 + $1.paidMicros }
        #expect(try durable.balance(of: "wallet-1") + durable.balance(of: "wallet-2") == paid)
    }

    @Test("The exec runtime runs a script; the openai runtime streams from an OpenAI-compatible server")
    func execAndOpenAI() async throws {
        let cluster = try Cluster()
        let script = TestPaths.testsDirectory + "/support/upper.py"
        let openai = try FakeOpenAIServer(directory: cluster.directory)
        try await cluster.startCoordinator()
        try cluster.startWorker(
            "runner",
            runtimes: [
                "shout=exec:/usr/bin/python3 \(script)",
                "model:tiny-llm=openai:http://127.0.0.1:\(try await openai.port())",
            ], extra: ["--account", "wallet-1"])
        try await waitForNodes(cluster, count: 1)
        try await cluster.mint(100)
        var model = Dags.task("generate", prompt: "say hello", capability: "")
        model.spec?.definition?.requirements?.capabilities = []
        model.spec?.definition?.requirements?.modelIDs = ["tiny-llm"]
        let dag =
            try await cluster.submit(
                Dags.request([Dags.task("shout", prompt: "quiet words", capability: "shout"), model])
            ).dag?.id ?? ""
        let done = try await cluster.waitForDag(dag, timeout: .seconds(60))
        let outputs = Dictionary(
            uniqueKeysWithValues: done.map {
                (
                    $0.metadata?.dagTaskName ?? "",
                    String(decoding: $0.outcome?.canonicalResult?.output ?? [], as: UTF8.self)
                )
            })
        #expect(outputs["shout"]?.trimmingNewlines == "QUIET WORDS", "\(cluster.logs)")
        #expect(outputs["generate"] == "Hello from tiny-llm: say hello", "\(cluster.logs)")
        await openai.stop()
        await cluster.stop()
    }

    @Test("Mutual TLS: a worker with a client certificate works; one without is refused at the handshake")
    func mutualTLS() async throws {
        let cluster = try Cluster()
        let pki = cluster.directory + "/pki"
        let maker = try ChildProcess(
            name: "pki", arguments: ["/bin/bash", TestPaths.testsDirectory + "/support/make-test-pki.sh", pki],
            logPath: cluster.directory + "/pki.log")
        #expect(await maker.wait(timeout: .seconds(30)) == 0, "\(maker.log)")
        cluster.clientTLS = .client(
            trustRoots: .file(pki + "/ca.pem"), certificateChain: .file(pki + "/client.pem"),
            privateKey: .file(pki + "/client.key"))
        try await cluster.startCoordinator(
            extra: [
                "--tls-cert", pki + "/server.pem", "--tls-key", pki + "/server.key", "--tls-client-ca", pki + "/ca.pem",
            ])
        try cluster.startWorker(
            "trusted",
            extra: [
                "--account", "wallet-1", "--tls-ca", pki + "/ca.pem", "--tls-cert", pki + "/client.pem", "--tls-key",
                pki + "/client.key",
            ])
        let stranger = try cluster.startWorker(
            "stranger", extra: ["--account", "wallet-2", "--tls-ca", pki + "/ca.pem"])
        try await waitForNodes(cluster, count: 1)
        try await cluster.mint(10)
        let dag = try await cluster.submit(Dags.request([Dags.task("hello", input: "over TLS")])).dag?.id ?? ""
        let done = try await cluster.waitForDag(dag, timeout: .seconds(30))
        #expect(done.first?.outcome?.canonicalResult?.output == Array("over TLS".utf8))
        #expect(try await cluster.node(named: "stranger") == nil, "no client certificate, no registration")
        #expect(await stranger.wait(timeout: .milliseconds(100)) == nil, "it keeps retrying rather than crashing")
        await cluster.stop()
    }

    // MARK: helpers

    func waitForNodes(_ cluster: Cluster, count: Int) async throws {
        try await waitUntil("\(count) nodes online") {
            let nodes = try await cluster.rpc().unary(
                Openswarm_V1_NodeService.Method.listNodes, Openswarm_V1_ListNodesRequest(), options: cluster.options
            ).nodes
            return nodes.filter { $0.status == .online }.count >= count
        }
    }

    func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool)
        async throws
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("timed out waiting until \(what)")
    }
}
