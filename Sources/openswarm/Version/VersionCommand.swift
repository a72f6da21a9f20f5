import ArgumentParser

/// `openswarm version [--json]`: Open-Swarm's version and those of the C libraries
/// it is linked against, read from the libraries at run time.
///
/// ```
/// $ openswarm version
/// openswarm 0.1.0
///   nghttp2  1.52.0
///   OpenSSL  OpenSSL 3.0.22 25 Aug 2026
///   libpq    15.20
///   SQLite   3.40.1
/// $ openswarm version --json
/// {"libpq":"15.20","nghttp2":"1.52.0","openssl":"OpenSSL 3.0.22 25 Aug 2026","openswarm":"0.1.0","sqlite":"3.40.1"}
/// ```
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the Open-Swarm version and the versions of its linked C libraries."
    )

    @Flag(help: "Print a single JSON object instead of text.")
    var json = false

    func run() throws {
        let report = VersionReport(openswarm: OpenSwarmVersion.current, libraries: .linked())
        print(json ? try report.json() : report.text())
    }
}
