import Foundation

/// One h2load run: `-D` seconds of measurement after a warm-up, posting a file.
struct H2Load {
    struct Result {
        let requestsPerSecond: Double
        let succeeded: Int
        let failed: Int
    }

    let executable: String
    let bodyFile: String
    let duration: Int
    let warmUp: Int

    func run(url: String, connections: Int, streams: Int) throws -> Result {
        let arguments = [
            "-D", "\(duration)", "--warm-up-time", "\(warmUp)", "-c", "\(connections)", "-m", "\(streams)",
            "-t", "1", "-d", bodyFile,
            "--header", "content-type: application/grpc", "--header", "te: trailers", url,
        ]
        let output = try Child.output(of: executable, arguments, within: .seconds(duration + warmUp + 30))
        return try Self.parse(output)
    }

    /// Reads `finished in 3.00s, 123456.78 req/s, …` and
    /// `requests: N total, N started, N done, N succeeded, N failed, …`.
    static func parse(_ output: String) throws -> Result {
        var rate: Double?
        var succeeded = 0
        var failed = 0
        for line in output.split(separator: "\n") {
            if line.hasPrefix("finished in") {
                let parts = line.split(separator: ",")
                if parts.count > 1 { rate = Double(parts[1].split(separator: " ").first ?? "") }
            } else if line.hasPrefix("requests:") {
                for item in line.dropFirst("requests:".count).split(separator: ",") {
                    let words = item.split(separator: " ")
                    guard words.count == 2, let count = Int(words[0]) else { continue }
                    if words[1] == "succeeded" { succeeded = count }
                    if words[1] == "failed" || words[1] == "errored" { failed += count }
                }
            }
        }
        guard let rate else { throw BenchError("h2load printed no rate:\n\(output.suffix(1_000))") }
        return Result(requestsPerSecond: rate, succeeded: succeeded, failed: failed)
    }
}
