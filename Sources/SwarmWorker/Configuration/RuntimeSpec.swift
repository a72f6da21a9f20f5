/// One entry of the worker's runtime table: which capability or model it serves and
/// how. Given on the command line as `name=kind:argument`:
///
/// ```text
/// echo=builtin:echo                         capability "echo", built-in echo
/// sleep=builtin:sleep                       built-in sleep ("250ms", "2s", "1.5")
/// sha256=builtin:sha256                     hex SHA-256 of the input
/// fail=builtin:fail                         fails with the kind named in the input
/// echo=builtin:byzantine:0.3                echo that lies 30 % of the time (tests)
/// review=builtin:review:8                   scores every peer review 8 of 10 (tests)
/// python=exec:/usr/bin/python3 /srv/run.py  a subprocess, task as JSON on stdin
/// model:qwen3-1.7b=openai:http://127.0.0.1:8080   a model behind an OpenAI-compatible server
/// ```
///
/// A name starting with `model:` is a model id (matched against
/// `ResourceRequirements.model_ids`); any other name is a capability (matched against
/// `ResourceRequirements.capabilities`).
public struct RuntimeSpec: Hashable, Sendable, CustomStringConvertible {
    /// What a lease asks for to be routed to this runtime.
    public enum Key: Hashable, Sendable, CustomStringConvertible {
        case capability(String)
        case model(String)

        public var description: String {
            switch self {
            case .capability(let name): return name
            case .model(let id): return "model:\(id)"
            }
        }

        /// The capability or model name without the `model:` prefix.
        public var name: String {
            switch self {
            case .capability(let name), .model(let name): return name
            }
        }
    }

    /// How the work is done.
    public enum Kind: Hashable, Sendable {
        case builtin(BuiltinRuntimeKind)
        /// argv of the program; the first word is the executable's path.
        case exec(command: [String])
        /// Base URL of an OpenAI-compatible server (`/v1/chat/completions` is appended).
        case openAI(HTTPEndpoint)
    }

    public var key: Key
    public var kind: Kind

    public init(key: Key, kind: Kind) {
        self.key = key
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .builtin(let builtin): return "\(key)=builtin:\(builtin)"
        case .exec(let command): return "\(key)=exec:\(command.joined(separator: " "))"
        case .openAI(let endpoint): return "\(key)=openai:\(endpoint)"
        }
    }

    /// The four deterministic built-ins, used when no runtime is configured.
    public static let defaults: [RuntimeSpec] = [
        RuntimeSpec(key: .capability("echo"), kind: .builtin(.echo)),
        RuntimeSpec(key: .capability("sleep"), kind: .builtin(.sleep)),
        RuntimeSpec(key: .capability("sha256"), kind: .builtin(.sha256)),
        RuntimeSpec(key: .capability("fail"), kind: .builtin(.fail)),
    ]

    /// Parses one `name=kind:argument` spec (see the type's documentation).
    public static func parse(_ text: String) throws(WorkerConfigurationError) -> RuntimeSpec {
        let spec = text.trimmingWhitespace()
        guard let equals = spec.firstIndex(of: "=") else {
            throw WorkerConfigurationError(
                .badRuntimeSpec, "\"\(text)\": expected name=kind:argument, e.g. echo=builtin:echo")
        }
        let name = String(spec[..<equals]).trimmingWhitespace()
        let value = String(spec[spec.index(after: equals)...]).trimmingWhitespace()
        let key: Key
        if name.hasPrefix("model:") {
            let id = String(name.dropFirst("model:".count))
            guard !id.isEmpty else {
                throw WorkerConfigurationError(.badRuntimeSpec, "\"\(text)\": the model id after \"model:\" is empty")
            }
            key = .model(id)
        } else {
            guard !name.isEmpty else {
                throw WorkerConfigurationError(
                    .badRuntimeSpec, "\"\(text)\": the capability name before \"=\" is empty")
            }
            key = .capability(name)
        }
        guard let colon = value.firstIndex(of: ":") else {
            throw WorkerConfigurationError(
                .badRuntimeSpec,
                "\"\(text)\": expected kind:argument after \"=\", e.g. builtin:echo, exec:/usr/bin/prog, "
                    + "openai:http://127.0.0.1:8080")
        }
        let kind = String(value[..<colon])
        let argument = String(value[value.index(after: colon)...]).trimmingWhitespace()
        switch kind {
        case "builtin":
            return RuntimeSpec(key: key, kind: .builtin(try BuiltinRuntimeKind.parse(argument, spec: text)))
        case "exec":
            let words = splitCommandLine(argument)
            guard let program = words.first, program.hasPrefix("/") else {
                throw WorkerConfigurationError(
                    .badRuntimeSpec, "\"\(text)\": exec needs an absolute program path, e.g. exec:/usr/bin/python3 x.py"
                )
            }
            return RuntimeSpec(key: key, kind: .exec(command: words))
        case "openai":
            return RuntimeSpec(key: key, kind: .openAI(try HTTPEndpoint.parse(argument, spec: text)))
        default:
            throw WorkerConfigurationError(
                .unknownRuntimeKind, "\"\(text)\": unknown runtime kind \"\(kind)\"; use builtin, exec or openai")
        }
    }

    /// Parses several specs and refuses two for the same capability or model.
    public static func parseAll(_ texts: [String]) throws(WorkerConfigurationError) -> [RuntimeSpec] {
        var specs: [RuntimeSpec] = []
        for text in texts {
            let spec = try parse(text)
            if specs.contains(where: { $0.key == spec.key }) {
                throw WorkerConfigurationError(
                    .duplicateRuntime, "\"\(text)\": \(spec.key) is already served by an earlier runtime spec")
            }
            specs.append(spec)
        }
        return specs
    }

    /// Splits a command line on white space, keeping '…' and "…" quoted words whole.
    static func splitCommandLine(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}

/// The deterministic runtimes compiled into the agent, for tests and benchmarks.
public enum BuiltinRuntimeKind: Hashable, Sendable, CustomStringConvertible {
    /// Output = input, or the prompt when the input is empty.
    case echo
    /// Sleeps the duration in the input or prompt ("250ms", "2s", "1.5").
    case sleep
    /// Output = lower-case hex SHA-256 of the input or prompt.
    case sha256
    /// Fails with the error kind named in the input or prompt (default transient).
    case fail
    /// Echo that returns a wrong output with probability `rate` (consensus tests).
    case byzantine(rate: Double)
    /// Answers every peer review with this overall score, 0 to 10 (review tests).
    case review(score: Double)

    public var description: String {
        switch self {
        case .echo: return "echo"
        case .sleep: return "sleep"
        case .sha256: return "sha256"
        case .fail: return "fail"
        case .byzantine(let rate): return "byzantine:\(rate)"
        case .review(let score): return "review:\(score)"
        }
    }

    static func parse(_ argument: String, spec: String) throws(WorkerConfigurationError) -> BuiltinRuntimeKind {
        switch argument {
        case "echo": return .echo
        case "sleep": return .sleep
        case "sha256": return .sha256
        case "fail": return .fail
        default:
            if argument.hasPrefix("byzantine:") || argument == "byzantine" {
                let rateText = argument.dropFirst("byzantine:".count)
                guard let rate = Double(rateText), rate >= 0, rate <= 1 else {
                    throw WorkerConfigurationError(
                        .badRate, "\"\(spec)\": the byzantine lie rate must be a number from 0 to 1, e.g. byzantine:0.3"
                    )
                }
                return .byzantine(rate: rate)
            }
            if argument.hasPrefix("review:") {
                guard let score = Double(argument.dropFirst("review:".count)), score >= 0, score <= 10 else {
                    throw WorkerConfigurationError(
                        .badRate, "\"\(spec)\": the review score must be a number from 0 to 10, e.g. review:8")
                }
                return .review(score: score)
            }
            throw WorkerConfigurationError(
                .unknownBuiltin,
                "\"\(spec)\": unknown built-in \"\(argument)\"; use echo, sleep, sha256, fail, byzantine:<rate> or review:<score>"
            )
        }
    }
}

/// An `http://host[:port][/path]` base URL, parsed once so the HTTP client never sees
/// a malformed one.
public struct HTTPEndpoint: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Path prefix without a trailing slash; "" for the root.
    public var basePath: String

    public init(host: String, port: Int, basePath: String = "") {
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    public var description: String { "http://\(host):\(port)\(basePath)" }

    static func parse(_ url: String, spec: String) throws(WorkerConfigurationError) -> HTTPEndpoint {
        guard url.hasPrefix("http://") else {
            throw WorkerConfigurationError(
                .badURL,
                "\"\(spec)\": the openai base URL must start with http:// (run the model server beside the worker), "
                    + "e.g. openai:http://127.0.0.1:8080")
        }
        let rest = url.dropFirst("http://".count)
        let hostPort = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(hostPort.count))
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix("/v1") { path.removeLast(3) }
        var host = String(hostPort)
        var port = 80
        if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
            host = String(hostPort[..<colon])
            guard let parsed = Int(hostPort[hostPort.index(after: colon)...]), (1...65_535).contains(parsed) else {
                throw WorkerConfigurationError(.badURL, "\"\(spec)\": the port of \"\(url)\" is not 1 to 65535")
            }
            port = parsed
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else {
            throw WorkerConfigurationError(.badURL, "\"\(spec)\": \"\(url)\" has no host")
        }
        return HTTPEndpoint(host: host, port: port, basePath: path)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
