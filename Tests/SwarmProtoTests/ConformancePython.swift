import Foundation
import SwarmProto

extension Conformance {
    /// Why the Python oracle could not run; the test that needed it fails with this text.
    struct OracleError: Error, CustomStringConvertible {
        let description: String
    }

    /// Everything Google's protobuf said about the corpus, from one run of
    /// `Tests/oracles/protobuf_oracle.py` per test process: `generate` writes Google's
    /// encodings of every case, the Swift codec writes its own, then `check` parses
    /// Swift's output with Google's parsers. Both directions are thus answered by two
    /// Python processes in all, whatever the number of cases.
    struct PythonOracle: Sendable {
        /// The protobuf version and backend that answered ("4.21.12", "upb").
        let version: String
        let backend: String
        /// Case names in the oracle's order.
        let caseNames: [String]
        /// Per case, per kind (binary, upb, unpacked, mixed, known, json, proto_names_json),
        /// what the oracle wrote.
        let files: [String: [String: [UInt8]]]
        /// Per case, per check (binary, json, proto_names_json): nil when Google's parser
        /// read what Swift wrote as the case's message, else why not.
        let verdicts: [String: [String: String?]]
        /// Per hand-written JSON input: Google's encoding of what it parsed, or its error.
        let jsonInputs: [String: Result<[UInt8], OracleError>]

        /// The oracle's output of `kind` for `caseName`.
        func file(_ caseName: String, _ kind: String) throws -> [UInt8] {
            guard let bytes = files[caseName]?[kind] else {
                throw OracleError(description: "the Python oracle wrote no \(kind) output for case \(caseName)")
            }
            return bytes
        }

        func text(_ caseName: String, _ kind: String) throws -> String {
            String(decoding: try file(caseName, kind), as: UTF8.self)
        }
    }

    /// The one oracle run of this test process, made on first use.
    static let python: Result<PythonOracle, OracleError> = Result { () throws(OracleError) in
        try PythonOracle.run(corpus: corpus, jsonInputs: jsonInputs)
    }

    /// The oracle's answers, or an error that says how to get them (run `make deps`).
    static func pythonOracle() throws -> PythonOracle {
        try python.get()
    }
}

extension Conformance.PythonOracle {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `$OPENSWARM_PYTHON`, else the interpreter `make deps` puts in `.venv/`.
    static var interpreter: String {
        ProcessInfo.processInfo.environment["OPENSWARM_PYTHON"]
            ?? repository.appendingPathComponent(".venv/bin/python").path
    }

    static func run(corpus: [Conformance.Case], jsonInputs: [Conformance.JSONInput]) throws(Conformance.OracleError)
        -> Self
    {
        let python = interpreter
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Conformance.OracleError(
                description: """
                    The Python oracle (Google's protobuf) is not installed: \(python) does not exist. \
                    Run `make deps` to create .venv/ (or point OPENSWARM_PYTHON at a Python with protobuf==4.21.12).
                    """
            )
        }
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent(
                "openswarm-conformance-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        do {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("swift"), withIntermediateDirectories: true)
            try runOracle(python, "generate", root)

            // What the Swift codec writes for every case, for `check`.
            let swift = root.appendingPathComponent("swift")
            for testCase in corpus {
                let message = testCase.message
                try Data(message.serializedBytes()).write(to: swift.appendingPathComponent("\(testCase.name).bin"))
                try Data(message.jsonUTF8Bytes()).write(to: swift.appendingPathComponent("\(testCase.name).json"))
                try Data(message.jsonUTF8Bytes(options: .init(preserveProtoFieldNames: true)))
                    .write(to: swift.appendingPathComponent("\(testCase.name).proto_names.json"))
            }
            let inputs = jsonInputs.map {
                ["name": $0.name, "json": $0.json, "ignoreUnknownFields": $0.ignoreUnknownFields]
            }
            try JSONSerialization.data(withJSONObject: inputs).write(
                to: swift.appendingPathComponent("json_inputs.json"))

            try runOracle(python, "check", root)
            return try load(root.appendingPathComponent("python"))
        } catch let error as Conformance.OracleError {
            throw error
        } catch {
            throw Conformance.OracleError(description: "The Python oracle's files could not be used: \(error)")
        }
    }

    private static func runOracle(_ python: String, _ command: String, _ root: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            repository.appendingPathComponent("Tests/oracles/protobuf_oracle.py").path, command, root.path,
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let hint =
                process.terminationStatus == 3
                ? " Run `make deps` to install the Python oracles into .venv/." : ""
            throw Conformance.OracleError(
                description: "`protobuf_oracle.py \(command)` failed (status \(process.terminationStatus)):\(hint)\n"
                    + String(decoding: message, as: UTF8.self)
            )
        }
    }

    private static func load(_ directory: URL) throws -> Self {
        func object(_ name: String) throws -> [String: Any] {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw Conformance.OracleError(description: "\(name) is not a JSON object")
            }
            return object
        }
        let manifest = try object("manifest.json")
        var names: [String] = []
        var files: [String: [String: [UInt8]]] = [:]
        for entry in manifest["cases"] as? [[String: Any]] ?? [] {
            guard let name = entry["name"] as? String, let kinds = entry["files"] as? [String: String] else { continue }
            names.append(name)
            for (kind, file) in kinds {
                files[name, default: [:]][kind] = [UInt8](try Data(contentsOf: directory.appendingPathComponent(file)))
            }
        }
        let check = try object("check.json")
        var verdicts: [String: [String: String?]] = [:]
        for (name, results) in check["cases"] as? [String: [String: Any]] ?? [:] {
            verdicts[name] = results.mapValues { $0 as? String }
        }
        var inputs: [String: Result<[UInt8], Conformance.OracleError>] = [:]
        for (name, result) in check["json_inputs"] as? [String: [String: Any]] ?? [:] {
            if result["accepted"] as? Bool == true, let hex = result["binary"] as? String {
                inputs[name] = .success(bytes(hex: hex))
            } else {
                inputs[name] = .failure(Conformance.OracleError(description: result["error"] as? String ?? "rejected"))
            }
        }
        return Self(
            version: manifest["protobuf"] as? String ?? "?",
            backend: manifest["backend"] as? String ?? "?",
            caseNames: names, files: files, verdicts: verdicts, jsonInputs: inputs
        )
    }

    private static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8).map {
            $0 <= UInt8(ascii: "9") ? $0 - UInt8(ascii: "0") : $0 - UInt8(ascii: "a") + 10
        }
        return stride(from: 0, to: digits.count - 1, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }
}
