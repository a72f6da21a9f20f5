import Foundation
import SwarmRPC

#if canImport(Glibc)
    import Glibc
#endif

/// `swarm-rpc-bench serve FILE`: our echo server in a process of its own, so h2load,
/// nghttpd and grpcio are measured alike and its memory is its own. Exits when its
/// parent goes away or after 15 minutes.
enum EchoServerProcess {
    static func run(portFile: String) async {
        Limits.raiseOpenFiles()
        var configuration = RPCServer.Configuration(host: "127.0.0.1", port: 0, maxConnections: 20_000)
        configuration.idleTimeout = nil
        let server = RPCServer(router: EchoService.router(), configuration: configuration)
        do {
            let port = try await server.start().port ?? 0
            try Files.writeAtomically("\(port)", to: portFile)
        } catch {
            FileHandle.standardError.write(Data("swarm-rpc-bench serve: \(error)\n".utf8))
            exit(1)
        }
        let parent = getppid()
        let started = ContinuousClock.now
        while getppid() == parent, ContinuousClock.now - started < .seconds(15 * 60) {
            try? await Task.sleep(for: .milliseconds(250))
        }
        exit(0)
    }
}
