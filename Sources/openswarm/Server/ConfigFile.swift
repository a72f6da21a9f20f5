import Yams

/// An optional YAML (or JSON) file of settings, keyed like the long options without
/// dashes' leading `--` (e.g. `store: postgres://…`, `api-keys: [KEY=alice:user]`).
/// Precedence: flags, then OPENSWARM_* variables, then this file, then defaults. An
/// unknown key is an error, so that a typo cannot silently leave a default in place.
struct ConfigFile {
    private var values: [String: Any] = [:]

    init() {}

    init(path: String, allowed: Set<String>) throws {
        let text = String(decoding: try FileBytes.read(path), as: UTF8.self)
        let loaded: Any?
        do { loaded = try Yams.load(yaml: text) } catch { throw CLIError("\(path) is not valid YAML: \(error)") }
        guard let loaded else { return }
        guard let mapping = loaded as? [String: Any] else { throw CLIError("\(path) must be a mapping of settings") }
        for key in mapping.keys where !allowed.contains(key) {
            throw CLIError("\(path): unknown setting \"\(key)\"; known: \(allowed.sorted().joined(separator: ", "))")
        }
        values = mapping
    }

    func string(_ key: String) -> String? {
        switch values[key] {
        case let text as String: text
        case let number as Int: String(number)
        case let number as Double: String(number)
        case let flag as Bool: String(flag)
        default: nil
        }
    }

    func int(_ key: String) throws -> Int? {
        guard let text = string(key) else { return nil }
        guard let value = Int(text) else { throw CLIError("setting \(key) must be an integer, not \(text)") }
        return value
    }

    func double(_ key: String) throws -> Double? {
        guard let text = string(key) else { return nil }
        guard let value = Double(text) else { throw CLIError("setting \(key) must be a number, not \(text)") }
        return value
    }

    func strings(_ key: String) -> [String] {
        if let list = values[key] as? [Any] { return list.compactMap { $0 as? String } }
        return string(key).map { [$0] } ?? []
    }
}
