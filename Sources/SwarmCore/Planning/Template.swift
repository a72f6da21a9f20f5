/// Parent outputs passed into a child's prompt (proto `DagTask`, dag.proto):
///
/// ```
/// {{ tasks.NAME.output }}         the parent's canonical output as UTF-8 text
/// {{ tasks.NAME.output_base64 }}  the same bytes in padded base64 (RFC 4648 §4)
/// {{ tasks.NAME.task_id }}        the parent's task id
/// {{ "{{" }}                      a literal "{{"
/// ```
/// Spaces inside the braces are optional. NAME must be a direct parent; any other
/// `{{` is a validation error. A fan-in prompt: `"Merge:\n{{ tasks.map1.output }}\n{{ tasks.map2.output }}"`.
public struct PromptTemplate: Hashable, Sendable {
    /// A piece of a parsed prompt.
    public enum Segment: Hashable, Sendable {
        case text(String)
        case parent(name: String, field: Field)
    }

    /// What a placeholder takes from its parent.
    public enum Field: String, Hashable, Sendable {
        case output
        case outputBase64 = "output_base64"
        case taskID = "task_id"
    }

    public var segments: [Segment]

    /// Whether the prompt has no placeholder (rendering is the identity).
    public var isPlain: Bool { segments.allSatisfy { if case .text = $0 { true } else { false } } }

    /// Names of the parents the template refers to.
    public var referencedParents: Set<String> {
        var names = Set<String>()
        for case .parent(let name, _) in segments { names.insert(name) }
        return names
    }

    /// Parses `text`; the error says which placeholder is wrong (the caller adds the task).
    ///
    /// Scans UTF-8 bytes once; a prompt without `{{` (most of them) costs one pass and no
    /// allocation beyond the single text segment, which keeps planning 10,000 tasks fast.
    public init(parsing text: String) throws(DagValidationError) {
        let open = UInt8(ascii: "{")
        let close = UInt8(ascii: "}")
        var found = false
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == open && previous == open {
                found = true
                break
            }
            previous = byte
        }
        guard found else {
            segments = text.isEmpty ? [] : [.text(text)]
            return
        }
        let bytes = Array(text.utf8)
        var segments: [Segment] = []
        var literal: [UInt8] = []
        var i = 0
        func flush() {
            if !literal.isEmpty {
                segments.append(.text(String(decoding: literal, as: UTF8.self)))
                literal.removeAll(keepingCapacity: true)
            }
        }
        while i < bytes.count {
            guard bytes[i] == open, i + 1 < bytes.count, bytes[i + 1] == open else {
                literal.append(bytes[i])
                i += 1
                continue
            }
            var j = i + 2
            while j + 1 < bytes.count && !(bytes[j] == close && bytes[j + 1] == close) { j += 1 }
            guard j + 1 < bytes.count else {
                let tail = String(decoding: bytes[i...].prefix(40), as: UTF8.self)
                throw DagValidationError(
                    .invalidPlaceholder, "unterminated placeholder \"\(tail)\" (no closing \"}}\")")
            }
            var bodyStart = i + 2
            var bodyEnd = j
            while bodyStart < bodyEnd && (bytes[bodyStart] == 0x20 || bytes[bodyStart] == 0x09) { bodyStart += 1 }
            while bodyEnd > bodyStart && (bytes[bodyEnd - 1] == 0x20 || bytes[bodyEnd - 1] == 0x09) { bodyEnd -= 1 }
            let body = bytes[bodyStart..<bodyEnd]
            i = j + 2
            if body.elementsEqual(Self.literalBraces) {
                literal += [open, open]
                continue
            }
            // "tasks." NAME "." FIELD, matched on bytes: only NAME becomes a String.
            let dot = UInt8(ascii: ".")
            guard body.starts(with: Self.tasksPrefix), let lastDot = body.lastIndex(of: dot),
                lastDot > body.startIndex + Self.tasksPrefix.count,
                !body[(body.startIndex + Self.tasksPrefix.count)..<lastDot].contains(dot),
                let field = Self.field(body[(lastDot + 1)...])
            else {
                let text = String(decoding: body, as: UTF8.self)
                throw DagValidationError(
                    .invalidPlaceholder,
                    "unknown placeholder \"{{ \(text) }}\"; use {{ tasks.NAME.output }}, {{ tasks.NAME.output_base64 }}, {{ tasks.NAME.task_id }} or {{ \"{{\" }} for a literal \"{{\""
                )
            }
            flush()
            let name = String(decoding: body[(body.startIndex + Self.tasksPrefix.count)..<lastDot], as: UTF8.self)
            segments.append(.parent(name: name, field: field))
        }
        flush()
        self.segments = segments
    }

    private static let literalBraces = Array("\"{{\"".utf8)
    private static let tasksPrefix = Array("tasks.".utf8)
    private static let fields: [(bytes: [UInt8], field: Field)] = [
        (Array("output".utf8), .output), (Array("output_base64".utf8), .outputBase64), (Array("task_id".utf8), .taskID),
    ]

    private static func field(_ bytes: ArraySlice<UInt8>) -> Field? {
        fields.first { $0.bytes.elementsEqual(bytes) }?.field
    }

    /// The prompt with every placeholder replaced, or the error kind the child fails
    /// with (`.invalidInput` when a parent output used as text is not valid UTF-8).
    public func render(parentOutput: (String) -> (output: [UInt8], taskID: TaskID)?) -> Result<
        String, TemplateRenderError
    > {
        var rendered = ""
        for segment in segments {
            switch segment {
            case .text(let text):
                rendered += text
            case .parent(let name, let field):
                guard let parent = parentOutput(name) else {
                    return .failure(TemplateRenderError(parent: name, reason: "no output"))
                }
                switch field {
                case .output:
                    guard let text = String(validating: parent.output, as: UTF8.self) else {
                        return .failure(
                            TemplateRenderError(parent: name, reason: "output is not valid UTF-8; use output_base64"))
                    }
                    rendered += text
                case .outputBase64:
                    rendered += Base64.encode(parent.output)
                case .taskID:
                    rendered += parent.taskID.rawValue
                }
            }
        }
        return .success(rendered)
    }
}

/// A placeholder that could not be filled; the child fails with `ErrorKind.invalidInput`.
public struct TemplateRenderError: Error, Hashable, Sendable {
    public var parent: String
    public var reason: String
}

/// Padded base64 (RFC 4648 §4), without Foundation.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [
                alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)],
                alphabet[Int(n & 63)],
            ]
            i += 3
        }
        let remaining = bytes.count - i
        if remaining == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if remaining == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [
                alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "="),
            ]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
