import Testing

@testable import openswarm

@Suite("openswarm version")
struct VersionCommandTests {
    @Test(
        "PostgreSQL version numbers format as PostgreSQL prints them",
        arguments: [
            (150013, "15.13"),
            (150018, "15.18"),
            (100000, "10.0"),
            (170002, "17.2"),
            (90605, "9.6.5"),
            (90400, "9.4.0"),
        ]
    )
    func postgresVersionFormatting(number: Int, expected: String) {
        #expect(LinkedLibraryVersions.formatPostgresVersion(number) == expected)
    }

    @Test("the linked libraries report real versions")
    func linkedLibrariesReportVersions() {
        let versions = LinkedLibraryVersions.linked()
        let dotted = /^\d+\.\d+(\.\d+)?$/
        #expect(versions.nghttp2.wholeMatch(of: dotted) != nil)
        #expect(versions.libpq.wholeMatch(of: dotted) != nil)
        #expect(versions.sqlite.wholeMatch(of: dotted) != nil)
        #expect(versions.openssl.hasPrefix("OpenSSL "))
        #expect(versions.allocator.hasPrefix("jemalloc 5."), "malloc resolves into the linked jemalloc")
    }

    @Test("--json prints one object with the six versions")
    func jsonReport() throws {
        let report = VersionReport(
            openswarm: "0.1.0",
            libraries: LinkedLibraryVersions(
                nghttp2: "1.52.0",
                openssl: "OpenSSL 3.0.17 1 Jul 2025",
                libpq: "15.13",
                sqlite: "3.40.1",
                allocator: "jemalloc 5.3.0-0-g54eaed1"
            )
        )
        #expect(
            try report.json()
                == #"{"libpq":"15.13","malloc":"jemalloc 5.3.0-0-g54eaed1","nghttp2":"1.52.0","openssl":"OpenSSL 3.0.17 1 Jul 2025","openswarm":"0.1.0","sqlite":"3.40.1"}"#
        )
    }

    @Test("text lists each library on its own aligned line")
    func textReport() {
        let report = VersionReport(
            openswarm: "0.1.0",
            libraries: LinkedLibraryVersions(
                nghttp2: "1.52.0",
                openssl: "OpenSSL 3.0.17 1 Jul 2025",
                libpq: "15.13",
                sqlite: "3.40.1",
                allocator: "jemalloc 5.3.0-0-g54eaed1"
            )
        )
        #expect(
            report.text() == """
                openswarm 0.1.0
                  nghttp2  1.52.0
                  OpenSSL  OpenSSL 3.0.17 1 Jul 2025
                  libpq    15.13
                  SQLite   3.40.1
                  malloc   jemalloc 5.3.0-0-g54eaed1
                """
        )
    }

    @Test("the version subcommand parses --json")
    func parsesJSONFlag() throws {
        let command = try VersionCommand.parse(["--json"])
        #expect(command.json)
    }
}
