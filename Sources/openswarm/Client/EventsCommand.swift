import ArgumentParser
import Glibc
import SwarmProto
import SwarmRPC

/// `openswarm events`: the coordinator's live events, one line each, until interrupted.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Print live events (task states, nodes, ledger) until interrupted.")

    @OptionGroup var client: ClientOptions
    @Option(help: "Only events of this task (repeatable).") var task: [String] = []
    @Option(help: "Only events of this DAG.") var dag: String?
    @Option(help: "Only events of this swarm.") var swarm: String?
    @Option(help: "Only events of this node.") var node: String?
    @Flag(help: "Print each event as a JSON line.") var json = false

    func run() async throws {
        var request = Openswarm_V1_WatchRequest()
        request.taskIDs = task
        request.dagID = dag
        request.swarmID = swarm
        request.nodeID = node
        // The watch lasts until interrupted, whatever --timeout says of single calls.
        let options = client.options(timeout: .seconds(365 * 86_400))
        try await ClientCall.run(client) { rpc in
            try await rpc.serverStreaming(Openswarm_V1_EventService.Method.watch, request, options: options) { stream in
                for try await response in stream {
                    guard let event = response.event else { continue }
                    print(json ? event.jsonString() : Self.line(event))
                    // Each event as it comes, also when piped.
                    fflush(nil)
                }
            }
        }
    }

    static func line(_ event: Openswarm_V1_Event) -> String {
        let head = "#\(event.sequence)"
        switch event.payload {
        case .taskStateChanged(let change):
            let before = change.previousState == .unspecified ? "new" : TaskText.state(change.previousState)
            return "\(head) task \(change.taskID) \(before) -> "
                + TaskText.state(change.state) + (change.nodeID.isEmpty ? "" : " on \(change.nodeID)")
        case .taskCompleted(let completed):
            return "\(head) task \(completed.taskID) completed, cost \(Money.format(completed.finalCostMicros))"
        case .taskProgress(let progress):
            return "\(head) task \(progress.taskID) \(Int(progress.progressPercent))% \(progress.currentStep)"
        case .nodeConnected(let connected):
            return "\(head) node \(connected.nodeID) connected"
        case .nodeDisconnected(let gone):
            return "\(head) node \(gone.nodeID) disconnected: \(gone.reason)"
        case .systemAlert(let alert):
            return "\(head) alert \(TaskText.name(alert.level)): \(alert.message)"
        case .swarmStatusChanged(let change):
            return "\(head) swarm \(change.swarmID) \(TaskText.name(change.status)): \(change.reason)"
        case .transactionRecorded(let recorded):
            return "\(head) ledger " + WalletCommand.line(recorded.transaction ?? Openswarm_V1_TokenTransaction())
        case nil:
            return "\(head) (unknown event)"
        }
    }
}
