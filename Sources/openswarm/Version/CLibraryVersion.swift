private import CLibpq
private import CNghttp2
private import COpenSSL
private import CSQLite

/// The only C calls behind `openswarm version`: each returns a Swift value, so no
/// C type leaves this file.
enum CLibraryVersion {
    /// `nghttp2_version(0)` returns the runtime library's info (0 = no minimum).
    static func nghttp2() -> String {
        guard let info = nghttp2_version(0), let text = info.pointee.version_str else {
            return "unknown"
        }
        return String(cString: text)
    }

    static func openssl() -> String {
        guard let text = OpenSSL_version(OPENSSL_VERSION) else { return "unknown" }
        return String(cString: text)
    }

    /// The raw number, e.g. `150013`; see `LinkedLibraryVersions.formatPostgresVersion`.
    static func libpqNumber() -> Int {
        Int(PQlibVersion())
    }

    static func sqlite() -> String {
        guard let text = sqlite3_libversion() else { return "unknown" }
        return String(cString: text)
    }
}
