import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The whole benchmark: starts the three servers, measures, prints, stops them.
enum Benchmark {
    static let runs = 5
    static let settings = [(connections: 1, streams: 100), (connections: 10, streams: 100)]
    static let idleConnections = 10_000

    /// The repository (for the venv and the grpcio script), from this file's path.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    struct Target {
        let name: String
        let url: String
    }

    static func run() async -> Bool {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("swarm-rpc-bench-\(getpid())").path
        var children: [Child] = []
        defer {
            for child in children { child.stop() }
            try? FileManager.default.removeItem(atPath: work)
        }
        do {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            let fileLimit = Limits.raiseOpenFiles()
            let h2load = try tool("h2load")
            let nghttpd = try tool("nghttpd")
            let python = ProcessInfo.processInfo.environment["SWARM_PYTHON"] ?? repository + "/.venv/bin/python"
            guard FileManager.default.isExecutableFile(atPath: python) else {
                throw BenchError("no Python at \(python): run `make deps`")
            }
            let seconds = Int(ProcessInfo.processInfo.environment["SWARM_BENCH_SECONDS"] ?? "") ?? 3

            // The request h2load posts, and nghttpd's 100-byte answer.
            let body = work + "/request.grpc"
            _ = FileManager.default.createFile(atPath: body, contents: Data(EchoService.framedRequest()))
            let docroot = work + "/docroot"
            try FileManager.default.createDirectory(atPath: docroot, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: docroot + "/echo", contents: Data(repeating: 0x78, count: 100))

            // Our server, in its own process.
            let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            let ours = try Child("swarmrpc", me, ["serve", work + "/swarmrpc.port"], workDirectory: work)
            children.append(ours)
            let oursPort = try Files.waitForPort(in: work + "/swarmrpc.port", child: ours, within: .seconds(20))
            // nghttpd: the C ceiling (one thread per core, like our event loops).
            let nghttpdPort = try freeLoopbackPort()
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let c = try Child(
                "nghttpd", nghttpd,
                ["--no-tls", "-a", "127.0.0.1", "-n", "\(cores)", "-d", docroot, "\(nghttpdPort)"],
                workDirectory: work)
            children.append(c)
            try waitUntilListening(port: nghttpdPort, child: c, within: .seconds(20))
            // grpcio.
            let grpcio = try Child(
                "grpcio", python,
                [repository + "/Tests/oracles/grpc_echo_server.py", work + "/grpcio.port", EchoService.path],
                workDirectory: work)
            children.append(grpcio)
            let grpcioPort = try Files.waitForPort(in: work + "/grpcio.port", child: grpcio, within: .seconds(60))

            let targets = [
                Target(name: "swarmrpc", url: "http://127.0.0.1:\(oursPort)\(EchoService.path)"),
                Target(name: "nghttpd", url: "http://127.0.0.1:\(nghttpdPort)/echo"),
                Target(name: "grpcio", url: "http://127.0.0.1:\(grpcioPort)\(EchoService.path)"),
            ]
            print(
                "swarm-rpc-bench: unary echo, 100-byte request (\(EchoService.framedRequest().count) bytes framed), "
                    + "h2load -D \(seconds)s after 1s warm-up, median of \(runs) runs, \(cores) cores, loopback; "
                    + "our server on \(allocator())")

            // requests/s: runs interleaved across targets, so drift hits all alike.
            let runner = H2Load(executable: h2load, bodyFile: body, duration: seconds, warmUp: 1)
            var rates: [String: [Double]] = [:]
            var failures: [String: Int] = [:]
            for run in 1...runs {
                for setting in settings {
                    for target in targets {
                        let key = "\(target.name) \(setting.connections)"
                        let result = try runner.run(
                            url: target.url, connections: setting.connections, streams: setting.streams)
                        guard result.succeeded > 0 else { throw BenchError("\(key): no request succeeded") }
                        rates[key, default: []].append(result.requestsPerSecond)
                        failures[key, default: 0] += result.failed
                        print(
                            "  run \(run): \(pad(target.name, 9)) \(setting.connections) conn × \(setting.streams) streams: "
                                + "\(format(result.requestsPerSecond, 0)) req/s"
                                + (result.failed > 0 ? " (\(result.failed) failed)" : ""))
                    }
                }
            }

            // Our client's latency.
            var p50s: [Double] = []
            var p99s: [Double] = []
            var latencyFailures = 0
            var latencyCalls = 0
            for _ in 1...runs {
                let result = await LatencyProbe.run(port: oursPort, inFlight: 64, callsPerTask: 300)
                p50s.append(result.p50)
                p99s.append(result.p99)
                latencyFailures += result.failures
                latencyCalls += result.calls
            }

            // Memory per idle connection: a fresh server each run.
            var perConnection: [Double] = []
            var memoryLines: [String] = []
            guard fileLimit > idleConnections + 100 else {
                throw BenchError("the open-file limit is \(fileLimit); \(idleConnections) connections need more")
            }
            for run in 1...runs {
                let portFile = work + "/memory\(run).port"
                let server = try Child("swarmrpc-memory\(run)", me, ["serve", portFile], workDirectory: work)
                children.append(server)
                let port = try Files.waitForPort(in: portFile, child: server, within: .seconds(20))
                let result = try MemoryProbe.run(
                    serverPID: server.pid, port: port, count: idleConnections, within: .seconds(90))
                server.stop()
                perConnection.append(result.perConnectionKiB)
                memoryLines.append(
                    "  run \(run): VmRSS \(result.beforeKiB) KiB → \(result.afterKiB) KiB with \(result.connections) "
                        + "connections: \(format(result.perConnectionKiB, 2)) KiB each")
            }

            // The report.
            print("")
            print("requests/s (median of \(runs)):")
            print("  \(pad("", 9))  \(settings.map { pad("\($0.connections) conn × \($0.streams)", 16) }.joined())")
            for target in targets {
                let cells = settings.map {
                    pad(format(Statistics.median(rates["\(target.name) \($0.connections)"] ?? []), 0), 16)
                }
                print("  \(pad(target.name, 9))  \(cells.joined())")
            }
            var met = true
            print("ratios:")
            for setting in settings {
                let ours = Statistics.median(rates["swarmrpc \(setting.connections)"] ?? [])
                let ceiling = Statistics.median(rates["nghttpd \(setting.connections)"] ?? [])
                let python = Statistics.median(rates["grpcio \(setting.connections)"] ?? [])
                let toC = ceiling > 0 ? ours / ceiling : 0
                let toPython = python > 0 ? ours / python : 0
                met = met && toC >= 0.5 && toPython >= 10
                print(
                    "  \(setting.connections) conn × \(setting.streams): ours/nghttpd \(format(toC, 2)) (target ≥ 0.5) "
                        + "\(mark(toC >= 0.5))   ours/grpcio \(format(toPython, 1)) (target ≥ 10) \(mark(toPython >= 10))"
                )
            }
            let failed = failures.filter { $0.value > 0 }
            if !failed.isEmpty { print("  h2load failures: \(failed.sorted { $0.key < $1.key })") }
            print("latency, our client, 64 calls in flight (\(latencyCalls) calls, \(latencyFailures) failed):")
            print(
                "  p50 \(format(Statistics.median(p50s) * 1e6, 0)) µs, p99 \(format(Statistics.median(p99s) * 1e6, 0)) µs"
                    + " (medians of runs: p50 \(p50s.map { format($0 * 1e6, 0) }), p99 \(p99s.map { format($0 * 1e6, 0) }))"
            )
            print("memory per idle connection (\(idleConnections) open):")
            for line in memoryLines { print(line) }
            let memory = Statistics.median(perConnection)
            met = met && memory <= 64
            print("  median \(format(memory, 2)) KiB (target ≤ 64 KiB) \(mark(memory <= 64))")
            return met || ProcessInfo.processInfo.environment["SWARM_BENCH_STRICT"] != "1"
        } catch {
            print("swarm-rpc-bench: \(error)")
            for child in children where !child.isRunning { print("  \(child.name): \(child.errors)") }
            return false
        }
    }

    static func tool(_ name: String) throws -> String {
        for directory in ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"] {
            let path = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw BenchError("\(name) not found: install nghttp2-client (h2load) and nghttp2-server (nghttpd)")
    }

    static func waitUntilListening(port: Int, child: Child, within limit: Duration) throws {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(fd)
            if connected { return }
            guard child.isRunning else { throw BenchError("\(child.name) exited: \(child.errors)") }
            usleep(20_000)
        }
        throw BenchError("\(child.name) did not listen within \(limit)")
    }

    static func format(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
    static func mark(_ met: Bool) -> String { met ? "met" : "MISSED" }
}
