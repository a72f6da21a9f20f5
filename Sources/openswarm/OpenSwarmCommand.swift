import ArgumentParser

/// `openswarm`: the one binary for the coordinator, the worker agent and the
/// command-line client.
///
/// Today it has `version`; `server`, `worker`, `submit`, `watch`, `tasks`, `nodes`,
/// `swarms`, `wallet`, `mcp` and `bench` join as their layers land.
@main
struct OpenSwarmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openswarm",
        abstract: "Open-Swarm: a distributed job scheduler for AI work.",
        version: OpenSwarmVersion.current,
        subcommands: [
            ServerCommand.self, WorkerCommand.self, SubmitCommand.self, WatchCommand.self, TasksCommand.self,
            NodesCommand.self, SwarmsCommand.self, WalletCommand.self, EventsCommand.self, VersionCommand.self,
        ]
    )
}
