import SwarmRPC

/// Our client's unary latency with a fixed number of calls in flight: that many
/// tasks, each making calls back to back over one connection.
enum LatencyProbe {
    struct Result {
        let p50: Double
        let p99: Double
        let calls: Int
        let failures: Int
    }

    static func run(port: Int, inFlight: Int, callsPerTask: Int) async -> Result {
        let client = RPCClient(configuration: .init(host: "127.0.0.1", port: port))
        let request = EchoService.request()
        let options = CallOptions(timeout: .seconds(10))
        // Warm-up: the connection, and the first calls' allocations.
        for _ in 0..<200 { _ = try? await client.unary(EchoService.echo, request, options: options) }
        let (latencies, failures) = await withTaskGroup(of: ([Double], Int).self) { group in
            for _ in 0..<inFlight {
                group.addTask {
                    var samples: [Double] = []
                    samples.reserveCapacity(callsPerTask)
                    var failures = 0
                    for _ in 0..<callsPerTask {
                        let started = ContinuousClock.now
                        do {
                            _ = try await client.unary(EchoService.echo, request, options: options)
                            samples.append((ContinuousClock.now - started).seconds)
                        } catch {
                            failures += 1
                        }
                    }
                    return (samples, failures)
                }
            }
            var all: [Double] = []
            var failures = 0
            for await (samples, failed) in group {
                all += samples
                failures += failed
            }
            return (all.sorted(), failures)
        }
        await client.close()
        return Result(
            p50: Statistics.percentile(latencies, 0.50), p99: Statistics.percentile(latencies, 0.99),
            calls: latencies.count, failures: failures)
    }
}
