import Foundation
import SwarmProto
import XCTest

@testable import SwarmWorker

/// The `exec` runtime with small shell scripts.
final class ExecRuntimeTests: XCTestCase {
    func script(_ body: String) throws -> String {
        let path = temporaryDirectory() + "/run.sh"
        try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    func job(prompt: String = "hi", input: String = "", timeout: Duration? = nil) -> RuntimeJob {
        var definition = Openswarm_V1_TaskDefinition()
        definition.prompt = prompt
        definition.input = Array(input.utf8)
        var parent = Openswarm_V1_ParentOutput()
        parent.name = "plan"
        parent.output = Array("p".utf8)
        return RuntimeJob(
            taskID: "t-1", attemptNumber: 3, definition: definition, parentOutputs: [parent], timeout: timeout)
    }

    func testSuccessGetsTheTaskAsJSONOnStdin() async throws {
        let runtime = ExecRuntime(command: ["/bin/sh", try script("cat")])
        let output = try await runtime.run(job(input: "abc"), progress: { _ in })
        let object = try JSONSerialization.jsonObject(with: Data(output.output)) as? [String: Any]
        XCTAssertEqual(object?["task_id"] as? String, "t-1")
        XCTAssertEqual(object?["attempt"] as? Int, 3)
        XCTAssertEqual(object?["prompt"] as? String, "hi")
        XCTAssertEqual(object?["input_base64"] as? String, "YWJj")
        let parents = object?["parent_outputs"] as? [[String: Any]]
        XCTAssertEqual(parents?.first?["name"] as? String, "plan")
        XCTAssertEqual(parents?.first?["output_base64"] as? String, "cA==")
    }

    func testNonZeroExitIsAFailureWithCodeAndStderr() async throws {
        let runtime = ExecRuntime(command: ["/bin/sh", try script("echo 'model exploded' >&2\nexit 3")])
        do {
            _ = try await runtime.run(job(), progress: { _ in })
            XCTFail("a failing program succeeded")
        } catch let failure as RuntimeFailure {
            XCTAssertEqual(failure.kind, .transient)
            XCTAssertEqual(failure.exitCode, 3)
            XCTAssertTrue(failure.details.contains("model exploded"))
        }
        let invalid = ExecRuntime(command: ["/bin/sh", try script("exit 65")])
        do {
            _ = try await invalid.run(job(), progress: { _ in })
            XCTFail("a failing program succeeded")
        } catch let failure as RuntimeFailure {
            XCTAssertEqual(failure.kind, .invalidInput)
        }
    }

    func testTimeoutStopsTheProgram() async throws {
        let runtime = ExecRuntime(command: ["/bin/sh", try script("sleep 30")], killGrace: .milliseconds(200))
        let start = ContinuousClock.now
        do {
            _ = try await runtime.run(withDeadline: job(timeout: .milliseconds(200)), progress: { _ in })
            XCTFail("a program outliving its deadline succeeded")
        } catch {
            XCTAssertEqual(RuntimeFailure.classify(error).kind, .timeout)
        }
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(3))
    }

    func testCancellationKillsTheProcessGroup() async throws {
        let marker = temporaryDirectory() + "/pid"
        // The script ignores SIGTERM, so only the SIGKILL after the grace period ends it.
        let path = try script("echo $$ > \(marker)\ntrap '' TERM\nsleep 30 &\nwait")
        let runtime = ExecRuntime(command: ["/bin/sh", path], killGrace: .milliseconds(200))
        let sleepJob = job()
        let task = Task { try await runtime.run(sleepJob, progress: { _ in }) }
        await assertEventually { FileManager.default.fileExists(atPath: marker) }
        try await Task.sleep(for: .milliseconds(100))
        let start = ContinuousClock.now
        task.cancel()
        let result = await task.result
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(3))
        guard case .failure(let error) = result else { return XCTFail("a cancelled program succeeded") }
        XCTAssertEqual(RuntimeFailure.classify(error).kind, .cancelled)
        let pidText = try String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let pid = try XCTUnwrap(pid_t(pidText))
        XCTAssertNotEqual(kill(pid, 0), 0, "the script is gone")
    }

    func testAMissingProgramIsRuntimeUnavailable() async {
        do {
            _ = try await ExecRuntime(command: ["/nonexistent/program"]).run(job(), progress: { _ in })
            XCTFail("a missing program ran")
        } catch {
            XCTAssertEqual(RuntimeFailure.classify(error).kind, .runtimeUnavailable)
        }
    }
}
