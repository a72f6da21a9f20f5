import ArgumentParser
import Glibc

/// `OPENSWARM_*` environment variables, the second source of settings after flags.
struct Environment {
    subscript(name: String) -> String? {
        guard let value = getenv("OPENSWARM_" + name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    func int(_ name: String) throws -> Int? {
        guard let text = self[name] else { return nil }
        guard let value = Int(text) else { throw ValidationError("OPENSWARM_\(name) must be an integer, not \(text)") }
        return value
    }

    func double(_ name: String) throws -> Double? {
        guard let text = self[name] else { return nil }
        guard let value = Double(text) else { throw ValidationError("OPENSWARM_\(name) must be a number, not \(text)") }
        return value
    }
}
