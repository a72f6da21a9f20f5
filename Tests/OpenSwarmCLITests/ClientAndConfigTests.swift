import Glibc
import SwarmCoordinator
import Testing

@testable import openswarm

@Suite("CLI settings and formatting")
struct ClientAndConfigTests {
    @Test("A config file gives settings; an unknown key is refused, naming the known ones")
    func configFile() throws {
        let path = "/tmp/openswarm-config-\(UInt32.random(in: 0...UInt32.max)).yaml"
        defer { unlink(path) }
        try write("port: 9000\nstore: postgres://db/openswarm\napi-keys: [k1=a, k2=b]\nheartbeat-interval: 0.5\n", path)
        let file = try ConfigFile(path: path, allowed: ServerCommand.fileSettings)
        #expect(try file.int("port") == 9000)
        #expect(file.string("store") == "postgres://db/openswarm")
        #expect(file.strings("api-keys") == ["k1=a", "k2=b"])
        #expect(try file.double("heartbeat-interval") == 0.5)
        #expect(file.string("host") == nil)

        try write("prot: 9000\n", path)
        #expect(throws: CLIError.self) { try ConfigFile(path: path, allowed: ServerCommand.fileSettings) }
        try write("port: [\n", path)
        #expect(throws: CLIError.self) { try ConfigFile(path: path, allowed: ServerCommand.fileSettings) }
    }

    @Test("Coordinator addresses are HOST:PORT, IPv6 in brackets")
    func addresses() throws {
        #expect(try ClientOptions.split("127.0.0.1:7443") == ("127.0.0.1", 7443))
        #expect(try ClientOptions.split("[::1]:80") == ("::1", 80))
        #expect(throws: CLIError.self) { try ClientOptions.split("localhost") }
        #expect(throws: CLIError.self) { try ClientOptions.split("host:99999") }
    }

    @Test("API keys parse with roles; weak or malformed keys are refused")
    func apiKeys() throws {
        let (key, principal) = try Principal.parseAPIKey("0123456789abcdef=alice:user,admin")
        #expect(key == "0123456789abcdef")
        #expect(principal.id == "alice")
        #expect(principal.roles == [.user, .admin])
        #expect(try Principal.parseAPIKey("0123456789abcdef=bob").1.roles == [.user])
        #expect(throws: CoordinatorError.self) { try Principal.parseAPIKey("short=alice") }
        #expect(throws: CoordinatorError.self) { try Principal.parseAPIKey("0123456789abcdef=alice:root") }
    }

    @Test("Token amounts print in tokens, micro-tokens exact")
    func money() {
        #expect(Money.format(1_000_000) == "1 tokens")
        #expect(Money.format(549_000) == "0.549 tokens")
        #expect(Money.format(-1_000) == "-0.001 tokens")
        #expect(Money.format(0) == "0 tokens")
    }

    private func write(_ text: String, _ path: String) throws {
        guard let file = fopen(path, "w") else { throw CLIError("cannot write \(path)") }
        fputs(text, file)
        fclose(file)
    }
}
