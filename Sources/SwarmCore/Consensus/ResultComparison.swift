/// Whether two results of one task agree under the task's comparator (proto `Comparator`).
///
/// - `exactBytes`: byte-for-byte equal.
/// - `normalizedText`: equal after trimming each line's trailing white space (and `\r`),
///   collapsing runs of blank lines into one, trimming blank lines and white space at
///   both ends, compared under Unicode canonical equivalence (what NFC normalisation
///   gives: "é" precomposed equals "e" + combining accent). Invalid UTF-8 compares as bytes.
/// - `canonicalJSON`: both parse and are structurally equal (see `JSONValue`); output that
///   is not JSON agrees with nothing.
/// - `numericTolerance`: both are numbers, or equal-length arrays of numbers, and every
///   pair differs by at most `absolute`, or by at most `relative` times the larger magnitude.
///   With a `field` ("score.overall": dots separate nested members), both are JSON
///   objects and that member's values are compared so; the other members (a reviewer's
///   feedback, say) may differ.
public enum ResultComparison {
    public static func agree(_ a: [UInt8], _ b: [UInt8], under comparator: Comparator) -> Bool {
        switch comparator {
        case .exactBytes:
            return a == b
        case .normalizedText:
            guard let ta = String(validating: a, as: UTF8.self), let tb = String(validating: b, as: UTF8.self) else {
                return a == b
            }
            return normalizedText(ta) == normalizedText(tb)
        case .canonicalJSON:
            guard let ja = JSONValue(parsing: a), let jb = JSONValue(parsing: b) else { return false }
            return ja == jb
        case .numericTolerance(let absolute, let relative, let field):
            guard let na = numbers(a, field: field), let nb = numbers(b, field: field), na.count == nb.count else {
                return false
            }
            return zip(na, nb).allSatisfy { x, y in
                let diff = Swift.abs(x - y)
                return diff <= absolute || diff <= relative * Swift.max(Swift.abs(x), Swift.abs(y))
            }
        }
    }

    /// The normal form `normalizedText` compares.
    public static func normalizedText(_ text: String) -> String {
        var lines: [Substring] = []
        var previousBlank = true  // drops leading blank lines
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = raw
            while let last = line.last, last.isWhitespace { line = line.dropLast() }
            let blank = line.isEmpty
            if blank && previousBlank { continue }
            lines.append(line)
            previousBlank = blank
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        var joined = lines.joined(separator: "\n")
        while let first = joined.first, first.isWhitespace { joined.removeFirst() }
        return joined
    }

    private static func numbers(_ bytes: [UInt8], field: String?) -> [Double]? {
        var value = JSONValue(parsing: bytes)
        for name in field?.split(separator: ".", omittingEmptySubsequences: false) ?? [] {
            guard case .object(let members) = value else { return nil }
            value = members[String(name)]
        }
        switch value {
        case .number(let n): return [n]
        case .array(let items):
            var out: [Double] = []
            for item in items {
                guard case .number(let n) = item else { return nil }
                out.append(n)
            }
            return out
        default: return nil
        }
    }
}
