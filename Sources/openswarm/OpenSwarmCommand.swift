import ArgumentParser

/// `openswarm`: the one binary for the coordinator, the worker agent and the
/// command-line client.
///
/// `server` and `worker` run the processes; `submit`, `watch`, `tasks`, `nodes`,
/// `swarms`, `wallet`, `review` and `events` are the client (over gRPC); `version`
/// reports the build and the C libraries it runs on.
@main
struct OpenSwarmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openswarm",
        abstract: "Open-Swarm: a distributed job scheduler for AI work.",
        version: OpenSwarmVersion.current,
        subcommands: [
            ServerCommand.self, WorkerCommand.self, SubmitCommand.self, WatchCommand.self, TasksCommand.self,
            NodesCommand.self, SwarmsCommand.self, WalletCommand.self, ReviewCommand.self, EventsCommand.self,
            VersionCommand.self,
        ]
    )
}
