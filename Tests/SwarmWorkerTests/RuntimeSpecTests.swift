import SwarmProto
import XCTest

@testable import SwarmWorker

/// `name=kind:argument` runtime specs from the command line.
final class RuntimeSpecTests: XCTestCase {
    func testParsesEveryKind() throws {
        XCTAssertEqual(
            try RuntimeSpec.parse("echo=builtin:echo"), RuntimeSpec(key: .capability("echo"), kind: .builtin(.echo)))
        XCTAssertEqual(try RuntimeSpec.parse("sleep=builtin:sleep").kind, .builtin(.sleep))
        XCTAssertEqual(try RuntimeSpec.parse("sha256=builtin:sha256").kind, .builtin(.sha256))
        XCTAssertEqual(try RuntimeSpec.parse("fail=builtin:fail").kind, .builtin(.fail))
        XCTAssertEqual(try RuntimeSpec.parse("echo=builtin:byzantine:0.3").kind, .builtin(.byzantine(rate: 0.3)))
        XCTAssertEqual(try RuntimeSpec.parse("review=builtin:review:7.5").kind, .builtin(.review(score: 7.5)))
        XCTAssertEqual(
            try RuntimeSpec.parse("python=exec:/usr/bin/python3 /path/script.py"),
            RuntimeSpec(key: .capability("python"), kind: .exec(command: ["/usr/bin/python3", "/path/script.py"])))
        XCTAssertEqual(
            try RuntimeSpec.parse("model:qwen3-1.7b=openai:http://127.0.0.1:8080"),
            RuntimeSpec(key: .model("qwen3-1.7b"), kind: .openAI(HTTPEndpoint(host: "127.0.0.1", port: 8080))))
        XCTAssertEqual(
            try RuntimeSpec.parse("model:m=openai:http://localhost/v1/").kind,
            .openAI(HTTPEndpoint(host: "localhost", port: 80)))
        XCTAssertEqual(
            try RuntimeSpec.parse("x=exec:/bin/sh -c 'echo hi there'").kind,
            .exec(command: ["/bin/sh", "-c", "echo hi there"]))
    }

    func testRefusesBadSpecsWithACode() {
        let cases: [(String, WorkerConfigurationError.Code)] = [
            ("echo", .badRuntimeSpec),
            ("=builtin:echo", .badRuntimeSpec),
            ("model:=openai:http://x:1", .badRuntimeSpec),
            ("echo=builtin", .badRuntimeSpec),
            ("echo=docker:alpine", .unknownRuntimeKind),
            ("echo=builtin:nope", .unknownBuiltin),
            ("echo=builtin:byzantine:1.5", .badRate),
            ("echo=builtin:byzantine:x", .badRate),
            ("review=builtin:review:11", .badRate),
            ("python=exec:python3 x.py", .badRuntimeSpec),
            ("model:m=openai:https://api.example.com", .badURL),
            ("model:m=openai:http://host:99999", .badURL),
        ]
        for (text, code) in cases {
            XCTAssertThrowsError(try RuntimeSpec.parse(text), text) { error in
                let error = error as? WorkerConfigurationError
                XCTAssertEqual(error?.code, code, text)
                XCTAssertTrue(error?.message.contains(text) ?? false, "the message quotes the spec: \(text)")
            }
        }
    }

    func testParseAllRefusesDuplicatesAndDefaultsAreTheFourBuiltins() throws {
        XCTAssertThrowsError(try RuntimeSpec.parseAll(["echo=builtin:echo", "echo=builtin:byzantine:0.1"])) {
            XCTAssertEqual(($0 as? WorkerConfigurationError)?.code, .duplicateRuntime)
        }
        XCTAssertEqual(RuntimeSpec.defaults.map(\.key.name), ["echo", "sleep", "sha256", "fail"])
        XCTAssertEqual(WorkerConfiguration().runtimes, RuntimeSpec.defaults)
        XCTAssertEqual(WorkerConfiguration().stateDirectory, "./data/worker")
        XCTAssertEqual(WorkerConfiguration().leaseWait, .seconds(10))
        XCTAssertEqual(WorkerConfiguration().drainGracePeriod, .seconds(30))
    }

    func testRuntimeSelection() throws {
        let table = RuntimeTable(
            specs: try RuntimeSpec.parseAll([
                "echo=builtin:echo", "sha256=builtin:sha256", "model:m1=openai:http://127.0.0.1:9",
            ]))
        var definition = Openswarm_V1_TaskDefinition()
        var requirements = Openswarm_V1_ResourceRequirements()
        requirements.modelIDs = ["other", "m1"]
        requirements.capabilities = ["sha256"]
        definition.requirements = requirements
        XCTAssertEqual(table.select(for: definition)?.runtime.name, "openai")
        XCTAssertEqual(table.select(for: definition)?.modelID, "m1")
        requirements.modelIDs = []
        definition.requirements = requirements
        XCTAssertEqual(table.select(for: definition)?.runtime.name, "builtin:sha256")
        requirements.capabilities = ["gpu-thing"]
        definition.requirements = requirements
        XCTAssertEqual(table.select(for: definition)?.runtime.name, "builtin:echo")
        XCTAssertNil(
            RuntimeTable(specs: [RuntimeSpec(key: .capability("sha256"), kind: .builtin(.sha256))]).select(
                for: definition))
        XCTAssertEqual(table.capabilities.capabilities, ["echo", "sha256"])

        // A peer review goes to the `review` runtime, whatever expertise sorts first.
        let reviewing = RuntimeTable(
            specs: try RuntimeSpec.parseAll(["art=builtin:echo", "review=builtin:review:8"]))
        requirements.capabilities = ["art", "review"]
        definition.requirements = requirements
        XCTAssertEqual(reviewing.select(for: definition)?.runtime.name, "builtin:echo")
        definition.type = .peerReview
        XCTAssertEqual(reviewing.select(for: definition)?.runtime.name, "builtin:review:8.0")
        XCTAssertEqual(table.capabilities.models.map(\.modelID), ["m1"])
    }
}
