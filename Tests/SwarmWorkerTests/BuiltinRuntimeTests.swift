import SwarmCrypto
import SwarmProto
import Synchronization
import XCTest

@testable import SwarmWorker

/// The deterministic built-in runtimes.
final class BuiltinRuntimeTests: XCTestCase {
    func job(input: String = "", prompt: String = "", timeout: Duration? = nil) -> RuntimeJob {
        var definition = Openswarm_V1_TaskDefinition()
        definition.input = Array(input.utf8)
        definition.prompt = prompt
        return RuntimeJob(taskID: "t", definition: definition, timeout: timeout)
    }

    func failure(_ body: () async throws -> RuntimeOutput) async -> RuntimeFailure? {
        do {
            _ = try await body()
            return nil
        } catch {
            return RuntimeFailure.classify(error)
        }
    }

    func testEcho() async throws {
        let withInput = try await EchoRuntime().run(job(input: "in", prompt: "p"), progress: { _ in })
        XCTAssertEqual(withInput.output, Array("in".utf8))
        let withPrompt = try await EchoRuntime().run(job(prompt: "p"), progress: { _ in })
        XCTAssertEqual(withPrompt.output, Array("p".utf8))
    }

    func testSHA256() async throws {
        let output = try await SHA256Runtime().run(job(prompt: "abc"), progress: { _ in }).output
        XCTAssertEqual(
            String(decoding: output, as: UTF8.self), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testSleepParsesDurationsAndReportsProgress() async throws {
        XCTAssertEqual(SleepRuntime.parseDuration("250ms"), .milliseconds(250))
        XCTAssertEqual(SleepRuntime.parseDuration("2s"), .seconds(2))
        XCTAssertEqual(SleepRuntime.parseDuration("1.5"), .milliseconds(1500))
        XCTAssertNil(SleepRuntime.parseDuration("soon"))
        XCTAssertNil(SleepRuntime.parseDuration("-1s"))
        let seen = Mutex<[RuntimeProgress]>([])
        let output = try await SleepRuntime().run(
            job(input: "150ms"), progress: { p in seen.withLock { $0.append(p) } })
        XCTAssertEqual(output.output, Array("slept 150ms".utf8))
        XCTAssertGreaterThanOrEqual(seen.withLock { $0.count }, 2)
        let bad = await failure { try await SleepRuntime().run(self.job(input: "soon"), progress: { _ in }) }
        XCTAssertEqual(bad?.kind, .invalidInput)
    }

    func testSleepHonoursCancellationPromptly() async throws {
        let sleepJob = job(input: "30s")
        let task = Task { try await SleepRuntime().run(sleepJob, progress: { _ in }) }
        try await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        task.cancel()
        let result = await task.result
        XCTAssertLessThan(ContinuousClock.now - start, .milliseconds(500))
        guard case .failure(let error) = result else { return XCTFail("a cancelled sleep succeeded") }
        XCTAssertEqual(RuntimeFailure.classify(error).kind, .cancelled)
    }

    func testDeadlineEndsARunWithTimeout() async {
        let failed = await failure {
            try await SleepRuntime().run(
                withDeadline: self.job(input: "5s", timeout: .milliseconds(100)), progress: { _ in })
        }
        XCTAssertEqual(failed?.kind, .timeout)
    }

    func testFailUsesTheNamedKind() async {
        let cases: [(String, Openswarm_V1_ErrorKind)] = [
            ("", .transient), ("transient", .transient), ("permanent", .permanent), ("invalid_input", .invalidInput),
            ("ERROR_KIND_TIMEOUT", .timeout), ("what", .invalidInput),
        ]
        for (input, kind) in cases {
            let failed = await failure { try await FailRuntime().run(self.job(input: input), progress: { _ in }) }
            XCTAssertEqual(failed?.kind, kind, input)
        }
    }

    func testByzantineLiesExactlyWhenTheGeneratorSaysSo() async throws {
        let draws = Mutex([0.1, 0.9, 0.29, 0.3])
        let runtime = ByzantineRuntime(rate: 0.3) { draws.withLock { $0.removeFirst() } }
        var honest: [Bool] = []
        for _ in 0..<4 {
            let output = try await runtime.run(job(input: "truth"), progress: { _ in }).output
            honest.append(output == Array("truth".utf8))
        }
        XCTAssertEqual(honest, [false, true, false, true])
        let neverLies = try await ByzantineRuntime(rate: 0).run(job(input: "x"), progress: { _ in })
        XCTAssertEqual(neverLies.output, Array("x".utf8))
    }

    func testReviewAnswersWithASubmissionTheCoordinatorReads() async throws {
        for score in [0.0, 7.5] {
            let output = try await ReviewRuntime(score: score).run(job(input: "some code"), progress: { _ in })
            XCTAssertEqual(output.mediaType, "application/json")
            let submission = try Openswarm_V1_ReviewSubmission(jsonUTF8Bytes: output.output)
            XCTAssertEqual(submission.score?.overall, score)
            XCTAssertTrue(submission.feedback.contains("9 bytes"))
            // The overall score is written even when it is 0: reviews are compared on it.
            XCTAssertTrue(String(decoding: output.output, as: UTF8.self).contains(#""overall":"#))
        }
    }
}
