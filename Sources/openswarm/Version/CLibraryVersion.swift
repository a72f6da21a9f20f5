private import CJemalloc
private import CLibpq
private import CNghttp2
private import COpenSSL
private import CSQLite

#if canImport(Glibc)
    import Glibc
#endif

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

    /// jemalloc's `version` control, e.g. `5.3.0-0-g54eaed1d8b56…`, when it is the
    /// process's `malloc` (the symbol the process resolves is libjemalloc's); "glibc"
    /// otherwise.
    static func allocator() -> String {
        guard let version = cjemalloc_active_version() else { return "glibc" }
        return "jemalloc " + String(cString: version)
    }
}
