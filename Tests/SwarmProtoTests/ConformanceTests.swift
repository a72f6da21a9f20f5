import SwarmProto
import Testing

/// The Swift codec against two references, byte for byte and in both directions, over
/// the corpus of `ConformanceCorpus.swift` (every field kind of
/// `openswarm.testing.AllTypes`, with edge values):
///
/// - Google's protobuf for Python (`Tests/oracles/protobuf_oracle.py`, run twice per
///   test process: once to write its encodings, once to read Swift's);
/// - protobuf-c, compiled from protoc-c output into `CSwarmProtoC`, called in process.
///
/// A missing Python oracle fails every test with a message saying to run `make deps`.
@Suite("Conformance with Google's protobuf and protobuf-c")
struct ConformanceTests {
    typealias AllTypes = Conformance.AllTypes

    @Test("the Swift corpus and the Python oracle's corpus name the same cases, in the same order")
    func corporaAgree() throws {
        let oracle = try Conformance.pythonOracle()
        #expect(
            oracle.caseNames == Conformance.corpus.map(\.name),
            "ConformanceCorpus.swift and Tests/oracles/protobuf_oracle.py must define the same cases"
        )
    }

    // MARK: - Binary

    @Test(
        "Python → Swift: Swift encodes each case as Google does, and re-encodes Google's bytes unchanged",
        arguments: Conformance.corpus)
    func googleBinaryToSwift(_ testCase: Conformance.Case) throws {
        let oracle = try Conformance.pythonOracle()
        let name = testCase.name
        let google = try oracle.file(name, "binary")
        expectSameBytes(
            testCase.message.serializedBytes(), google,
            "\(name): Swift's encoding of the case Swift built, against Google's")
        let decoded = try decode(google, "\(name): Google's bytes")
        expectSameBytes(decoded.serializedBytes(), google, "\(name): Swift's re-encoding of Google's bytes")
        let others = [
            ("unpacked", "Google's bytes with packed repeated scalars unpacked and the unpacked one packed"),
            ("mixed", "Google's bytes with each repeated scalar written both packed and unpacked"),
            ("upb", "upb's bytes (integer map keys in descending order)"),
        ]
        for (kind, what) in others {
            guard let input = oracle.files[name]?[kind] else { continue }
            let decoded = try decode(input, "\(name): \(what)")
            expectSameBytes(decoded.serializedBytes(), google, "\(name): Swift's re-encoding of \(what)")
        }
    }

    @Test("Swift → Python: Google's parser reads Swift's bytes as the case", arguments: Conformance.corpus)
    func swiftBinaryToGoogle(_ testCase: Conformance.Case) throws {
        let oracle = try Conformance.pythonOracle()
        expectVerdict(oracle, testCase.name, "binary")
    }

    @Test("protobuf-c reads Google's and Swift's bytes as the case and writes them back", arguments: Conformance.corpus)
    func protobufC(_ testCase: Conformance.Case) throws {
        let oracle = try Conformance.pythonOracle()
        let name = testCase.name
        let google = try oracle.file(name, "binary")
        let message = testCase.message
        var inputs = [("Google's bytes", google), ("Swift's bytes", message.serializedBytes())]
        for kind in ["unpacked", "mixed"] {
            if let input = oracle.files[name]?[kind] {
                inputs.append(("Google's bytes, repeated scalars \(kind)", input))
            }
        }

        var expectedBytes = google
        var expectedValues = Conformance.valueListing(message)
        var difference: String? = nil
        switch testCase.protobufC {
        case .sameAsGoogle:
            break
        case .writesDifferently(let because, let writes):
            expectedBytes = writes
            difference = because
        case .writesAs(let because, let change):
            var changed = message
            change(&changed)
            expectedBytes = changed.serializedBytes()
            difference = because
        case .readsDifferently(let because, let holds):
            var changed = message
            holds(&changed)
            expectedBytes = changed.serializedBytes()
            expectedValues = Conformance.valueListing(changed)
            difference = because
        case .rejects(let because):
            for (what, input) in inputs {
                #expect(
                    Conformance.ProtobufC.reencode(input) == nil,
                    "\(name): protobuf-c accepted \(what), though \(because)")
            }
            return
        }
        if let difference {
            // A documented difference must still be one; if protobuf-c changes, so must the corpus.
            #expect(
                expectedBytes != google,
                "\(name): the documented protobuf-c difference (\(difference)) is no difference")
        }
        let note = difference.map { " (protobuf-c's bytes differ from Google's here because \($0))" } ?? ""
        for (what, input) in inputs {
            guard let written = Conformance.ProtobufC.reencode(input),
                let values = Conformance.ProtobufC.valueListing(input)
            else {
                Issue.record("\(name): protobuf-c rejected \(what)")
                continue
            }
            expectSameBytes(written, expectedBytes, "\(name): protobuf-c's re-encoding of \(what)\(note)")
            if let problem = firstDifferentLine(expectedValues, values) {
                Issue.record("\(name): the values protobuf-c read from \(what) are not the case's: \(problem)")
            }
        }
    }

    /// Protobuf strings are byte sequences: two keys are the same key only when their
    /// bytes are. Google's parsers (C++ std::string, Python str) keep "é" written
    /// precomposed (c3 a9) and decomposed (65 cc 81) as two entries.
    @Test("map keys that are different bytes but equal Swift Strings stay two entries")
    func canonicallyEquivalentMapKeys() throws {
        let bytes =
            Wire.lengthDelimited(71, Wire.lengthDelimited(1, "e\u{301}") + Wire.lengthDelimited(2, "decomposed"))
            + Wire.lengthDelimited(71, Wire.lengthDelimited(1, "\u{E9}") + Wire.lengthDelimited(2, "precomposed"))
        let decoded = try decode(bytes, "two m_string_string entries with canonically equivalent keys")
        expectSameBytes(
            decoded.serializedBytes(), bytes, "re-encoding of two entries whose keys are equal as Swift Strings")
        #expect(
            decoded.mStringString.count == 2,
            "one entry was lost: only \(decoded.mStringString.map { "\(Array($0.key.string.utf8)): \($0.value)" }) is left"
        )
    }

    // MARK: - JSON

    @Test("JSON, Swift → Python: json_format.Parse reads Swift's JSON as the case", arguments: Conformance.corpus)
    func swiftJSONToGoogle(_ testCase: Conformance.Case) throws {
        let oracle = try Conformance.pythonOracle()
        switch testCase.googleJSON {
        case .conforms:
            expectVerdict(oracle, testCase.name, "json")
            expectVerdict(oracle, testCase.name, "proto_names_json")
            expectVerdict(oracle, testCase.name, "google_own_json")
        case .rejectsItsOwnJSON(let because, let error):
            // Not Swift's fault, and not hidden: the reference must fail exactly this way.
            for kind in ["json", "proto_names_json", "google_own_json"] {
                let verdict = oracle.verdicts[testCase.name]?[kind] ?? nil
                #expect(
                    verdict?.contains(error) == true,
                    """
                    \(testCase.name) (\(kind)): expected json_format to fail with "\(error)" because \(because); \
                    its verdict: \(verdict ?? "read the case")
                    """
                )
            }
        }
        // And Swift reads its own JSON back. Unknown fields have no JSON form.
        let known = try oracle.file(testCase.name, "known")
        for options in [ProtoJSONEncodingOptions(), ProtoJSONEncodingOptions(preserveProtoFieldNames: true)] {
            let names = options.preserveProtoFieldNames ? ".proto names" : "JSON names"
            let parsed = try parseJSON(
                testCase.message.jsonString(options: options), "\(testCase.name): Swift's JSON with \(names)")
            expectSameBytes(
                parsed.serializedBytes(), known, "\(testCase.name): Swift's reading of its own JSON with \(names)")
        }
    }

    @Test("JSON, Python → Swift: Swift reads json_format's JSON as the case", arguments: Conformance.corpus)
    func googleJSONToSwift(_ testCase: Conformance.Case) throws {
        let oracle = try Conformance.pythonOracle()
        let known = try oracle.file(testCase.name, "known")
        for (kind, names) in [("json", "JSON names"), ("proto_names_json", ".proto names")] {
            let parsed = try parseJSON(
                try oracle.text(testCase.name, kind), "\(testCase.name): json_format's JSON with \(names)")
            expectSameBytes(
                parsed.serializedBytes(), known, "\(testCase.name): Swift's reading of json_format's JSON with \(names)"
            )
        }
    }

    @Test("JSON inputs: Swift and json_format read hand-written JSON alike", arguments: Conformance.jsonInputs)
    func jsonInput(_ input: Conformance.JSONInput) throws {
        let oracle = try Conformance.pythonOracle()
        let name = input.name
        let options = ProtoJSONDecodingOptions(ignoreUnknownFields: input.ignoreUnknownFields)
        let swift = Result { () throws(ProtoJSONError) in try AllTypes(jsonString: input.json, options: options) }
        guard let google = oracle.jsonInputs[name] else {
            Issue.record("\(name): the Python oracle gave no answer for this input")
            return
        }
        switch input.expected {
        case .message(let build):
            var expected = AllTypes()
            build(&expected)
            let expectedBytes = expected.serializedBytes()
            switch swift {
            case .success(let message):
                expectSameBytes(message.serializedBytes(), expectedBytes, "\(name): what Swift read from \(input.json)")
            case .failure(let error):
                Issue.record("\(name): Swift rejected \(input.json): \(error)")
            }
            switch google {
            case .success(let bytes):
                expectSameBytes(bytes, expectedBytes, "\(name): what json_format read from \(input.json)")
            case .failure(let error):
                Issue.record("\(name): json_format rejected \(input.json), so the expectation is wrong: \(error)")
            }
        case .error(let code):
            switch swift {
            case .success(let message):
                Issue.record("\(name): Swift accepted \(input.json) as \(message.jsonString()); expected \(code)")
            case .failure(let error):
                #expect(error.code == code, "\(name): Swift rejected \(input.json) with \(error); expected \(code)")
            }
            if case .success = google {
                Issue.record("\(name): json_format accepted \(input.json), so the expected rejection is wrong")
            }
        }
    }
}

// MARK: - Comparisons with messages that name the case and the first difference

private struct ConformanceFailure: Error, CustomStringConvertible {
    let description: String
}

private func decode(_ bytes: [UInt8], _ what: String) throws -> Conformance.AllTypes {
    do {
        return try Conformance.AllTypes(serializedBytes: bytes)
    } catch {
        throw ConformanceFailure(description: "\(what): the Swift decoder threw \(error)")
    }
}

private func parseJSON(_ text: String, _ what: String) throws -> Conformance.AllTypes {
    do {
        return try Conformance.AllTypes(jsonString: text)
    } catch {
        let excerpt = text.count > 300 ? String(text.prefix(300)) + "…" : text
        throw ConformanceFailure(description: "\(what): the Swift JSON decoder threw \(error) on \(excerpt)")
    }
}

/// Records a failure naming the first differing byte offset, unless the bytes are equal.
private func expectSameBytes(
    _ actual: [UInt8], _ expected: [UInt8], _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual != expected else { return }
    let common = min(actual.count, expected.count)
    let offset = (0..<common).first { actual[$0] != expected[$0] } ?? common
    func byte(_ bytes: [UInt8]) -> String {
        offset < bytes.count ? "0x" + hex(bytes[offset]) : "end of data"
    }
    func window(_ bytes: [UInt8]) -> String {
        let start = max(0, offset - 8)
        let end = min(bytes.count, offset + 8)
        return bytes[start..<end].map(hex).joined(separator: " ")
    }
    func hex(_ byte: UInt8) -> String { (byte < 16 ? "0" : "") + String(byte, radix: 16) }
    Issue.record(
        """
        \(what): bytes differ at offset \(offset): expected \(byte(expected)), got \(byte(actual)) \
        (expected \(expected.count) bytes, got \(actual.count); from offset \(max(0, offset - 8)): \
        expected [\(window(expected))], got [\(window(actual))])
        """,
        sourceLocation: sourceLocation
    )
}

/// The oracle's verdict on what Swift wrote for a case: nil means Google read the case.
private func expectVerdict(
    _ oracle: Conformance.PythonOracle, _ name: String, _ kind: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let verdict = oracle.verdicts[name]?[kind] else {
        Issue.record("\(name): the Python oracle gave no \(kind) verdict", sourceLocation: sourceLocation)
        return
    }
    if let problem = verdict {
        Issue.record("\(name) (\(kind)): \(problem)", sourceLocation: sourceLocation)
    }
}

/// The first line where two listings differ, shortened, or nil.
private func firstDifferentLine(_ expected: String, _ actual: String) -> String? {
    guard expected != actual else { return nil }
    let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let got = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let common = min(want.count, got.count)
    let index = (0..<common).first { want[$0] != got[$0] } ?? common
    func line(_ lines: [Substring]) -> String {
        guard index < lines.count else { return "(end)" }
        return lines[index].count > 200 ? String(lines[index].prefix(200)) + "…" : String(lines[index])
    }
    return "line \(index + 1): expected \(line(want)), got \(line(got))"
}
