#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What `openswarm version` prints, in its two forms.
struct VersionReport: Equatable, Sendable {
    var openswarm: String
    var libraries: LinkedLibraryVersions

    /// Aligned text, one line per component.
    func text() -> String {
        let rows = [
            ("nghttp2", libraries.nghttp2),
            ("OpenSSL", libraries.openssl),
            ("libpq", libraries.libpq),
            ("SQLite", libraries.sqlite),
            ("malloc", libraries.allocator),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        let lines = rows.map { name, version in
            "  " + name + String(repeating: " ", count: width - name.count) + "  " + version
        }
        return (["openswarm \(openswarm)"] + lines).joined(separator: "\n")
    }

    /// One flat JSON object with sorted keys:
    /// `openswarm`, `nghttp2`, `openssl`, `libpq`, `sqlite`, `malloc`.
    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let object = [
            "openswarm": openswarm,
            "nghttp2": libraries.nghttp2,
            "openssl": libraries.openssl,
            "libpq": libraries.libpq,
            "sqlite": libraries.sqlite,
            "malloc": libraries.allocator,
        ]
        return String(decoding: try encoder.encode(object), as: UTF8.self)
    }
}
