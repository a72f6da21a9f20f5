import ArgumentParser

/// `openswarm worker`: the worker agent (wired to SwarmWorker when it lands).
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run a worker agent.")

    func run() async throws {
        throw CLIError("the worker agent is not built into this binary yet")
    }
}
