/// Versions of the C libraries the binary is linked against, as the libraries
/// themselves report them at run time (not the headers it was compiled with).
struct LinkedLibraryVersions: Equatable, Sendable {
    /// `nghttp2_version(0)->version_str`, e.g. `1.52.0`.
    var nghttp2: String
    /// `OpenSSL_version(OPENSSL_VERSION)`, e.g. `OpenSSL 3.0.22 25 Aug 2026`.
    var openssl: String
    /// `PQlibVersion()` formatted as PostgreSQL does, e.g. `15.20`.
    var libpq: String
    /// `sqlite3_libversion()`, e.g. `3.40.1`.
    var sqlite: String
    /// The process's `malloc`: `jemalloc 5.3.0-…` as linked, or `glibc`.
    var allocator: String

    /// Asks each linked library for its version.
    static func linked() -> LinkedLibraryVersions {
        LinkedLibraryVersions(
            nghttp2: CLibraryVersion.nghttp2(),
            openssl: CLibraryVersion.openssl(),
            libpq: formatPostgresVersion(CLibraryVersion.libpqNumber()),
            sqlite: CLibraryVersion.sqlite(),
            allocator: CLibraryVersion.allocator()
        )
    }

    /// Formats a PostgreSQL version number (`PQlibVersion`, `server_version_num`).
    ///
    /// From 10 on the number is `major * 10000 + minor` (`150020` is `15.20`);
    /// before, `major * 10000 + minor * 100 + patch` (`90605` is `9.6.5`).
    static func formatPostgresVersion(_ number: Int) -> String {
        if number >= 100_000 {
            return "\(number / 10_000).\(number % 10_000)"
        }
        return "\(number / 10_000).\(number / 100 % 100).\(number % 100)"
    }
}
